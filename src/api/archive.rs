//! The classes of one version of a module: a jar (from the local repository or anywhere)
//! or a directory of class files (`target/classes`).
//!
//! Jars are untrusted: the number of entries, each entry's size (declared and actually
//! inflated) and the total inflated size are bounded, and a class file that does not
//! parse is skipped and counted rather than failing the whole comparison.

use super::ApiError;
use super::classfile::{self, Class, MAX_CLASS_BYTES};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// The most entries read from one jar.
pub const MAX_ENTRIES: usize = 200_000;
/// The most bytes of class files inflated from one jar or directory.
pub const MAX_TOTAL_BYTES: u64 = 1 << 30;
/// The stack of the parsing thread: nested annotation values are parsed recursively,
/// and a crafted class file may nest them as deep as its size allows.
const PARSER_STACK: usize = 1 << 30;

/// The classes of one version, by dotted binary name.
#[derive(Clone, Debug, Default)]
pub struct ClassSet {
    /// Where they were read from.
    pub source: PathBuf,
    /// Each class by its dotted binary name.
    pub classes: BTreeMap<String, Class>,
    /// Class files that could not be parsed: entry name and reason.
    pub unreadable: Vec<(String, String)>,
}

impl ClassSet {
    /// The class named `name` (dotted), if this version has it.
    pub fn get(&self, name: &str) -> Option<&Class> {
        self.classes.get(name)
    }
}

/// Reads the classes of a jar, or of a directory of class files.
pub fn read(path: &Path) -> Result<ClassSet, ApiError> {
    let files = if path.is_dir() {
        read_dir(path)?
    } else {
        read_jar(path)?
    };
    let source = path.to_path_buf();
    // Parse on a thread of our own: see PARSER_STACK.
    let handle = std::thread::Builder::new()
        .name("m2fresh-classfile".into())
        .stack_size(PARSER_STACK)
        .spawn(move || parse_all(source, files))
        .map_err(|e| ApiError::Io {
            action: "cannot start a thread to read",
            path: path.to_path_buf(),
            source: e,
        })?;
    handle.join().map_err(|_| ApiError::Unreadable {
        path: path.to_path_buf(),
        reason: "reading its class files failed".into(),
    })
}

fn parse_all(source: PathBuf, files: Vec<(String, Vec<u8>)>) -> ClassSet {
    let mut set = ClassSet {
        source,
        ..ClassSet::default()
    };
    for (entry, bytes) in files {
        match classfile::parse(&bytes) {
            Ok(class) => {
                set.classes.insert(class.name.clone(), class);
            }
            Err(reason) => set.unreadable.push((entry, reason)),
        }
    }
    set
}

/// Whether a class file belongs to the API: not `module-info`, `package-info`, nor a
/// multi-release variant under `META-INF/versions/` (the base version is compared).
fn is_api_class(name: &str) -> bool {
    name.ends_with(".class")
        && !name.starts_with("META-INF/")
        && !name.ends_with("module-info.class")
        && !name.ends_with("package-info.class")
}

fn read_jar(path: &Path) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let file = File::open(path).map_err(|e| ApiError::Io {
        action: "cannot open",
        path: path.to_path_buf(),
        source: e,
    })?;
    let unreadable = |reason: String| ApiError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let mut archive = zip::ZipArchive::new(BufReader::new(file))
        .map_err(|e| unreadable(format!("not a readable jar: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(unreadable(format!(
            "{} entries, more than the {MAX_ENTRIES} m2fresh reads",
            archive.len()
        )));
    }
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| unreadable(format!("entry {index}: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if !entry.is_file() || !is_api_class(&name) {
            continue;
        }
        if entry.size() > MAX_CLASS_BYTES as u64 {
            return Err(unreadable(format!(
                "{name} declares {} bytes, more than the {MAX_CLASS_BYTES} m2fresh reads",
                entry.size()
            )));
        }
        let mut bytes = Vec::new();
        // The declared size may lie: read at most one byte past the limit.
        (&mut entry)
            .take(MAX_CLASS_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| unreadable(format!("{name}: {e}")))?;
        if bytes.len() > MAX_CLASS_BYTES {
            return Err(unreadable(format!(
                "{name} inflates to more than {MAX_CLASS_BYTES} bytes"
            )));
        }
        total += bytes.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(unreadable(format!(
                "its class files inflate to more than {MAX_TOTAL_BYTES} bytes"
            )));
        }
        files.push((name, bytes));
    }
    Ok(files)
}

fn read_dir(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let mut files = Vec::new();
    let mut total: u64 = 0;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| ApiError::Unreadable {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_string_lossy()
            .replace('\\', "/");
        if !is_api_class(&rel) {
            continue;
        }
        if files.len() >= MAX_ENTRIES {
            return Err(ApiError::Unreadable {
                path: dir.to_path_buf(),
                reason: format!("more than {MAX_ENTRIES} class files"),
            });
        }
        let io = |e| ApiError::Io {
            action: "cannot read",
            path: entry.path().to_path_buf(),
            source: e,
        };
        let file = File::open(entry.path()).map_err(io)?;
        let mut bytes = Vec::new();
        file.take(MAX_CLASS_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() > MAX_CLASS_BYTES {
            return Err(ApiError::Unreadable {
                path: entry.path().to_path_buf(),
                reason: format!("larger than {MAX_CLASS_BYTES} bytes"),
            });
        }
        total += bytes.len() as u64;
        if total > MAX_TOTAL_BYTES {
            return Err(ApiError::Unreadable {
                path: dir.to_path_buf(),
                reason: format!("class files larger than {MAX_TOTAL_BYTES} bytes in all"),
            });
        }
        files.push((rel, bytes));
    }
    Ok(files)
}

//! The file half of a module's fingerprint: which files its source roots hold, and their
//! blake3 hashes, fast.
//!
//! A root selects files with Maven's Ant-style include/exclude patterns (the ones a
//! `<resource>` uses). Paths come out relative to the module directory and `/`-separated,
//! so the same checkout hashes the same on any machine and in any location; a name that
//! is not UTF-8 is refused for the same reason. Hashing runs on rayon's pool, and the
//! [`StatCache`] skips files whose metadata has not changed since they were last read,
//! unless they were modified too close to that read to be sure (the "racily clean" case).

use miette::Diagnostic;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};
use thiserror::Error;

/// One input file of a module.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Relative to the module directory, `/`-separated (`../` for a root outside it).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// blake3 hex of the content.
    pub blake3: String,
}

/// A source or resource root and the files it selects; or one file.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Root {
    /// The root directory (or a single file); a relative one is taken relative to the
    /// module directory.
    pub dir: PathBuf,
    /// Ant-style patterns relative to `dir`; empty means `**/*`, every file.
    pub includes: Vec<String>,
    /// Ant-style patterns relative to `dir`; a file matching one is left out.
    pub excludes: Vec<String>,
    /// Also leave out [`MAVEN_DEFAULT_EXCLUDES`], as maven-resources-plugin does.
    pub default_excludes: bool,
}

/// The default excludes that every tested version of maven-resources-plugin applies
/// (2.6, the default of Maven 3.8, through 3.5.0; 3.3.1 is the default of Maven 3.9):
/// editor backups and version-control directories. Which dotfiles are copied differs
/// between versions — 2.6, 3.3.1 and 3.5.0 copy `.gitignore` and `.gitattributes`,
/// 3.0.2 to 3.3.0 do not; every version copies `.gitmodules`, `.gitkeep`, `.hgtags`,
/// `.npmignore` — so those are always hashed: a file that one version copies is an input
/// (hashing a file a version leaves out costs at most a rebuild). Measured by copying
/// resources with each version (see `tests/testsuite/freshness.rs`).
/// [`digest_roots`] applies them to a root whose [`Root::default_excludes`] is set.
pub const MAVEN_DEFAULT_EXCLUDES: &[&str] = &[
    "**/*~",
    "**/#*#",
    "**/.#*",
    "**/%*%",
    "**/._*",
    "**/CVS",
    "**/CVS/**",
    "**/.cvsignore",
    "**/RCS",
    "**/RCS/**",
    "**/SCCS",
    "**/SCCS/**",
    "**/vssver.scc",
    "**/.svn",
    "**/.svn/**",
    "**/.arch-ids",
    "**/.arch-ids/**",
    "**/.bzr",
    "**/.bzr/**",
    "**/.MySCMServerInfo",
    "**/.DS_Store",
    "**/.metadata",
    "**/.metadata/**",
    "**/.hg",
    "**/.hg/**",
    "**/.git",
    "**/.git/**",
    "**/BitKeeper",
    "**/BitKeeper/**",
    "**/ChangeSet",
    "**/ChangeSet/**",
    "**/_darcs",
    "**/_darcs/**",
    "**/.darcsrepo",
    "**/.darcsrepo/**",
    "**/-darcs-backup*",
    "**/.darcs-temp-mail",
];

/// The maven-resources-plugin versions whose copying [`MAVEN_DEFAULT_EXCLUDES`] was
/// measured against. For any other version no default exclude is applied.
pub const RESOURCES_PLUGIN_VERSIONS_MEASURED: &[&str] = &[
    "2.6", "3.0.2", "3.1.0", "3.2.0", "3.3.0", "3.3.1", "3.4.0", "3.5.0",
];

impl Root {
    /// Whether the file at `relative` (to [`Root::dir`], `/`-separated) is selected.
    pub fn selects(&self, relative: &str) -> bool {
        Selector::new(self).selects(relative)
    }
}

/// An Ant-style pattern split into its names once, not once per file.
struct Pattern {
    segments: Vec<String>,
    /// Starts with `/`: never matches a relative path, as in plexus.
    absolute: bool,
}

impl Pattern {
    fn new(pattern: &str) -> Pattern {
        let p = normalize_pattern(pattern);
        Pattern {
            absolute: p.starts_with('/'),
            segments: segments(&p).into_iter().map(str::to_owned).collect(),
        }
    }

    fn matches(&self, path: &[&str]) -> bool {
        !self.absolute && match_segments(&self.segments, path)
    }
}

/// [`MAVEN_DEFAULT_EXCLUDES`], compiled once per process.
static DEFAULT_EXCLUDES: std::sync::LazyLock<Vec<Pattern>> = std::sync::LazyLock::new(|| {
    MAVEN_DEFAULT_EXCLUDES
        .iter()
        .map(|p| Pattern::new(p))
        .collect()
});

/// A root's includes and excludes, compiled for one walk.
struct Selector {
    includes: Vec<Pattern>,
    excludes: Vec<Pattern>,
    default_excludes: bool,
}

impl Selector {
    fn new(root: &Root) -> Selector {
        Selector {
            includes: root.includes.iter().map(|p| Pattern::new(p)).collect(),
            excludes: root.excludes.iter().map(|p| Pattern::new(p)).collect(),
            default_excludes: root.default_excludes,
        }
    }

    fn excludes(&self) -> impl Iterator<Item = &Pattern> {
        let defaults: &[Pattern] = if self.default_excludes {
            &DEFAULT_EXCLUDES
        } else {
            &[]
        };
        self.excludes.iter().chain(defaults)
    }

    fn selects(&self, relative: &str) -> bool {
        let path = segments(relative);
        let included = self.includes.is_empty() || self.includes.iter().any(|p| p.matches(&path));
        included && !self.excludes().any(|p| p.matches(&path))
    }

    /// Whether any file under the directory `relative` could be selected; lets the walk
    /// skip whole trees such as `.git/` or `node_modules/`.
    fn may_select_under(&self, relative: &str) -> bool {
        let dir = segments(relative);
        let included = self.includes.is_empty()
            || self
                .includes
                .iter()
                .any(|p| !p.absolute && could_match_below(&p.segments, &dir));
        // An exclude `X/**` whose `X` matches the directory excludes all of it.
        let excluded = self.excludes().any(|p| {
            let segs = &p.segments;
            segs.last().is_some_and(|s| s == "**")
                && !p.absolute
                && match_segments(&segs[..segs.len() - 1], &dir)
        });
        included && !excluded
    }
}

/// Why the files of a module could not be hashed.
#[derive(Debug, Error, Diagnostic)]
pub enum HashError {
    /// A directory could not be listed, or a symlink points nowhere.
    #[error("cannot walk {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::fingerprint::walk),
        help("check the permissions of this path, or remove the dangling symlink")
    )]
    Walk {
        /// The directory or entry.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// Following symlinks leads back to a directory already being walked.
    #[error("symlink loop: {} leads back to {}", path.display(), ancestor.display())]
    #[diagnostic(
        code(m2fresh::freshness::fingerprint::symlink_loop),
        help("remove or exclude the symlink; Maven would recurse into it as well")
    )]
    SymlinkLoop {
        /// The symlink.
        path: PathBuf,
        /// The directory it loops back to.
        ancestor: PathBuf,
    },
    /// A selected file could not be read.
    #[error("cannot read {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::fingerprint::read),
        help("check the file's permissions; Maven must read it to build the module too")
    )]
    Read {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A selected entry is a FIFO, socket or device, which would block or mean nothing.
    #[error("{} is not a regular file", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::fingerprint::special_file),
        help("move it out of the source root or exclude it")
    )]
    NotAFile {
        /// The entry.
        path: PathBuf,
    },
    /// A path is not valid UTF-8, so it would not hash the same on other machines.
    #[error("file name is not valid UTF-8: {path}")]
    #[diagnostic(
        code(m2fresh::freshness::fingerprint::non_utf8),
        help("rename the file; fingerprints must be the same on every machine")
    )]
    NonUtf8Path {
        /// The path with invalid bytes replaced by U+FFFD.
        path: String,
    },
}

/// From this many files on, one module's files are hashed in parallel.
const PARALLEL_FILES: usize = 64;

/// Hashes every file the roots select, in parallel, sorted by path, each once even when
/// roots overlap. A relative `module_dir` is taken from the working directory. A root that does not exist contributes nothing. When a root is the
/// module directory itself, its `target/` is skipped: build output is never an input.
pub fn digest_roots(
    module_dir: &Path,
    roots: &[Root],
    cache: &StatCache,
) -> Result<Vec<FileDigest>, HashError> {
    let module_dir =
        normalize(&std::path::absolute(module_dir).unwrap_or_else(|_| module_dir.into()));
    let mut files: Vec<Found> = Vec::new();
    for root in roots {
        collect_root(&module_dir, root, &mut files)?;
    }
    files.sort_by(|a, b| a.relative.cmp(&b.relative));
    files.dedup_by(|a, b| a.relative == b.relative);
    let digest = |found: Found| {
        let (size, blake3) = cache.hash_seen(&found.path, found.key)?;
        Ok(FileDigest {
            path: found.relative,
            size,
            blake3,
        })
    };
    // A module of a few dozen files is hashed on the calling thread: the callers run
    // modules in parallel, and splitting small lists costs more than it gains. Errors
    // are reported in path order, so the same tree always names the same file.
    if files.len() < PARALLEL_FILES {
        return files.into_iter().map(digest).collect();
    }
    let results: Vec<Result<FileDigest, HashError>> = files.into_par_iter().map(digest).collect();
    results.into_iter().collect()
}

/// A file a root selects.
struct Found {
    /// Relative to the module directory, `/`-separated.
    relative: String,
    /// Where it is.
    path: PathBuf,
    /// Its metadata as the walk saw it (a `stat` by name in its open directory, cheaper
    /// than by path), when the walk took it.
    key: Option<StatKey>,
}

/// Adds each file `root` selects.
fn collect_root(module_dir: &Path, root: &Root, files: &mut Vec<Found>) -> Result<(), HashError> {
    let dir = normalize(&module_dir.join(&root.dir));
    match std::fs::metadata(&dir) {
        Ok(meta) if meta.is_dir() => {}
        // A root that names one file (a filter file, a descriptor) selects that file.
        Ok(meta) if meta.is_file() => {
            files.push(Found {
                relative: relative_path(module_dir, &dir)?,
                path: dir,
                key: None,
            });
            return Ok(());
        }
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(HashError::Walk { path: dir, source }),
    }
    let prefix = relative_path(module_dir, &dir)?;
    let walk = Walk {
        selector: Selector::new(root),
        skip_target: dir == module_dir,
        prefix,
    };
    walk.dir(&dir, "", &mut Vec::new(), files)
}

/// One root's walk. Directories are listed without a `stat` per entry (the entry types
/// come from the directory listing); a selected file is `stat`-ed once, by name in its
/// open directory, and the [`StatCache`] trusts that `stat` or reads the file. Symlinks
/// are followed as Maven follows them: a link to a directory is walked as a directory of
/// the tree, a link to a file is a file; a link back to a directory on the path being
/// walked is a [`HashError::SymlinkLoop`], a dangling one a [`HashError::Walk`] error.
struct Walk {
    selector: Selector,
    /// The root is the module directory: its `target/` is build output.
    skip_target: bool,
    /// The root relative to the module directory.
    prefix: String,
}

/// A directory being walked through a symlink chain: the real path of where the walk
/// entered it (resolved when a symlink to a directory is first met) and the path it was
/// walked as.
struct Level {
    walked: PathBuf,
    real: Option<PathBuf>,
}

impl Walk {
    /// Walks `dir` (listed as `rel` below the root; a symlink itself when this level was
    /// entered through one) without following links, then each symlinked directory in it
    /// as a level of its own.
    fn dir(
        &self,
        dir: &Path,
        rel: &str,
        levels: &mut Vec<Level>,
        files: &mut Vec<Found>,
    ) -> Result<(), HashError> {
        levels.push(Level {
            walked: dir.to_path_buf(),
            real: None,
        });
        let open = OpenDir::open(dir).map_err(walk_error(dir))?;
        self.list(open, dir, rel, true, levels, files)?;
        levels.pop();
        Ok(())
    }

    /// Lists the open directory `path` (`rel` below the root; `utf8` when every name on
    /// the way is UTF-8) and the directories below it, depth first.
    fn list(
        &self,
        mut open: OpenDir,
        path: &Path,
        rel: &str,
        utf8: bool,
        levels: &mut Vec<Level>,
        files: &mut Vec<Found>,
    ) -> Result<(), HashError> {
        let entries = open.entries().map_err(walk_error(path))?;
        for (name, kind) in entries {
            let full = path.join(&name);
            let (text, name_utf8) = match name.to_str() {
                Some(text) => (std::borrow::Cow::Borrowed(text), true),
                None => (name.to_string_lossy(), false),
            };
            let below = if rel.is_empty() {
                text.into_owned()
            } else {
                format!("{rel}/{text}")
            };
            // A listing that does not say what an entry is: `lstat` it (a file's key
            // comes with the answer).
            let (kind, mut key) = match kind {
                Kind::Unknown => {
                    let (kind, key) = open.stat(&name, &full, false).map_err(walk_error(&full))?;
                    (kind, (kind == Kind::File).then_some(key))
                }
                known => (known, None),
            };
            if kind == Kind::Dir {
                if self.prunes(&below) {
                    continue;
                }
                let child = open.open_dir(&name, &full).map_err(walk_error(&full))?;
                self.list(child, &full, &below, utf8 && name_utf8, levels, files)?;
                continue;
            }
            if !(utf8 && name_utf8) {
                return Err(HashError::NonUtf8Path {
                    path: full.to_string_lossy().into_owned(),
                });
            }
            let mut is_file = kind == Kind::File;
            if kind == Kind::Symlink {
                let (target, target_key) =
                    open.stat(&name, &full, true).map_err(walk_error(&full))?;
                if target == Kind::Dir {
                    if self.prunes(&below) {
                        continue;
                    }
                    self.check_loop(&full, levels)?;
                    self.dir(&full, &below, levels, files)?;
                    continue;
                }
                is_file = target == Kind::File;
                key = Some(target_key);
            }
            if !self.selector.selects(&below) {
                continue;
            }
            if !is_file {
                return Err(HashError::NotAFile { path: full });
            }
            if key.is_none() {
                // A file gone since the listing is the hashing's error to report.
                key = open
                    .stat(&name, &full, false)
                    .ok()
                    .and_then(|(kind, key)| (kind == Kind::File).then_some(key));
            }
            let relative = if self.prefix.is_empty() {
                below
            } else {
                format!("{}/{below}", self.prefix)
            };
            files.push(Found {
                relative,
                path: full,
                key,
            });
        }
        Ok(())
    }

    /// Whether the directory `below` the root is left out whole: the module's build
    /// output, or a directory no pattern can select anything under.
    fn prunes(&self, below: &str) -> bool {
        (self.skip_target && below == "target") || !self.selector.may_select_under(below)
    }

    /// Whether following the symlinked directory `link` revisits a directory on the
    /// path walked so far: at some level, a directory between where that level entered
    /// (its real path) and where the walk now is.
    fn check_loop(&self, link: &Path, levels: &mut [Level]) -> Result<(), HashError> {
        let real = |path: &Path| {
            std::fs::canonicalize(path).map_err(|source| HashError::Walk {
                path: path.to_path_buf(),
                source,
            })
        };
        let target = real(link)?;
        // Where the walk is at each level: the directory holding the link that entered
        // the next level, or `link`'s own directory at the innermost level.
        let at: Vec<PathBuf> = (0..levels.len())
            .map(|i| {
                let inner = levels.get(i + 1).map_or(link, |next| next.walked.as_path());
                inner.parent().map(Path::to_path_buf).unwrap_or_default()
            })
            .collect();
        for (level, at) in levels.iter_mut().zip(at) {
            if level.real.is_none() {
                level.real = Some(real(&level.walked)?);
            }
            let Some(entered) = &level.real else { continue };
            let here = entered.join(at.strip_prefix(&level.walked).unwrap_or(Path::new("")));
            if target.starts_with(entered) && here.starts_with(&target) {
                return Err(HashError::SymlinkLoop {
                    path: link.to_path_buf(),
                    ancestor: target,
                });
            }
        }
        Ok(())
    }
}

/// What the operating system said about listing or following `path`.
fn walk_error(path: &Path) -> impl Fn(io::Error) -> HashError + '_ {
    move |source| HashError::Walk {
        path: path.to_path_buf(),
        source,
    }
}

/// What a directory entry is, as far as the walk needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Symlink,
    /// A FIFO, socket or device.
    Other,
    /// The listing does not say (some file systems): asked with `lstat`.
    Unknown,
}

/// An open directory: its entries, and what is in it by name. On Linux the names are
/// looked up in the open directory (`openat`, `statx` on the directory's descriptor),
/// not by walking the whole path again for each file.
#[cfg(target_os = "linux")]
struct OpenDir {
    dir: rustix::fs::Dir,
}

#[cfg(target_os = "linux")]
impl OpenDir {
    fn open(path: &Path) -> io::Result<OpenDir> {
        OpenDir::at(
            rustix::fs::CWD,
            path.as_os_str(),
            rustix::fs::OFlags::empty(),
        )
    }

    /// The directory `name` in this one (not a symlink: the listing said so).
    fn open_dir(&self, name: &std::ffi::OsStr, _full: &Path) -> io::Result<OpenDir> {
        OpenDir::at(self.dir.fd()?, name, rustix::fs::OFlags::NOFOLLOW)
    }

    fn at(
        dirfd: impl rustix::fd::AsFd,
        name: &std::ffi::OsStr,
        flags: rustix::fs::OFlags,
    ) -> io::Result<OpenDir> {
        use rustix::fs::{Mode, OFlags};
        let flags = flags | OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(dirfd, name, flags, Mode::empty())?;
        Ok(OpenDir {
            dir: rustix::fs::Dir::new(fd)?,
        })
    }

    /// Every entry but `.` and `..`, read to the end before anything else is done here.
    fn entries(&mut self) -> io::Result<Vec<(std::ffi::OsString, Kind)>> {
        use std::os::unix::ffi::OsStrExt;
        let mut out = Vec::new();
        while let Some(entry) = self.dir.read() {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            out.push((
                std::ffi::OsStr::from_bytes(name).to_os_string(),
                Self::kind_of(entry.file_type()),
            ));
        }
        Ok(out)
    }

    fn kind_of(t: rustix::fs::FileType) -> Kind {
        use rustix::fs::FileType;
        match t {
            FileType::Directory => Kind::Dir,
            FileType::RegularFile => Kind::File,
            FileType::Symlink => Kind::Symlink,
            FileType::Unknown => Kind::Unknown,
            _ => Kind::Other,
        }
    }

    /// What `name` is (what it points to, with `follow`), and its [`StatKey`].
    fn stat(
        &self,
        name: &std::ffi::OsStr,
        full: &Path,
        follow: bool,
    ) -> io::Result<(Kind, StatKey)> {
        use rustix::fs::{AtFlags, StatxFlags};
        let flags = if follow {
            AtFlags::empty()
        } else {
            AtFlags::SYMLINK_NOFOLLOW
        };
        match rustix::fs::statx(self.dir.fd()?, name, flags, StatxFlags::BASIC_STATS) {
            Ok(st) => {
                let ns = |t: rustix::fs::StatxTimestamp| {
                    i128::from(t.tv_sec) * 1_000_000_000 + i128::from(t.tv_nsec)
                };
                let kind = Self::kind_of(rustix::fs::FileType::from_raw_mode(
                    rustix::fs::RawMode::from(st.stx_mode),
                ));
                Ok((
                    kind,
                    StatKey {
                        size: st.stx_size,
                        mtime_ns: ns(st.stx_mtime),
                        inode: st.stx_ino,
                        ctime_ns: ns(st.stx_ctime),
                    },
                ))
            }
            // A kernel without statx (before 4.11): as the standard library does.
            Err(rustix::io::Errno::NOSYS) => stat_path(full, follow),
            Err(e) => Err(e.into()),
        }
    }
}

/// [`OpenDir`] elsewhere: the same answers through the standard library, by path.
#[cfg(not(target_os = "linux"))]
struct OpenDir {
    path: PathBuf,
}

#[cfg(not(target_os = "linux"))]
impl OpenDir {
    fn open(path: &Path) -> io::Result<OpenDir> {
        std::fs::read_dir(path)?;
        Ok(OpenDir {
            path: path.to_path_buf(),
        })
    }

    fn open_dir(&self, _name: &std::ffi::OsStr, full: &Path) -> io::Result<OpenDir> {
        OpenDir::open(full)
    }

    fn entries(&mut self) -> io::Result<Vec<(std::ffi::OsString, Kind)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(&self.path)? {
            let entry = entry?;
            let kind = entry.file_type().map_or(Kind::Unknown, std_kind);
            out.push((entry.file_name(), kind));
        }
        Ok(out)
    }

    fn stat(
        &self,
        _name: &std::ffi::OsStr,
        full: &Path,
        follow: bool,
    ) -> io::Result<(Kind, StatKey)> {
        stat_path(full, follow)
    }
}

/// What `path` is (what it points to, with `follow`) and its [`StatKey`], by path.
fn stat_path(path: &Path, follow: bool) -> io::Result<(Kind, StatKey)> {
    let meta = if follow {
        std::fs::metadata(path)?
    } else {
        std::fs::symlink_metadata(path)?
    };
    Ok((std_kind(meta.file_type()), StatKey::of(&meta)))
}

/// A file type as the walk tells them apart.
fn std_kind(t: std::fs::FileType) -> Kind {
    if t.is_dir() {
        Kind::Dir
    } else if t.is_file() {
        Kind::File
    } else if t.is_symlink() {
        Kind::Symlink
    } else {
        Kind::Other
    }
}

/// Lexical normalisation (`.` dropped, `..` pops), like Java's `Path.normalize`, so that
/// roots written as `${basedir}/../shared` compare and relativise predictably.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to `base`, both normalised, `/`-separated, with `..` where needed.
fn relative_path(base: &Path, target: &Path) -> Result<String, HashError> {
    let base: Vec<Component> = base.components().collect();
    let target_parts: Vec<Component> = target.components().collect();
    let common = base
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<&str> = vec![".."; base.len() - common];
    for component in &target_parts[common..] {
        parts.push(
            component
                .as_os_str()
                .to_str()
                .ok_or_else(|| HashError::NonUtf8Path {
                    path: target.to_string_lossy().into_owned(),
                })?,
        );
    }
    Ok(parts.join("/"))
}

// ---------------------------------------------------------------------------------------
// Ant-style patterns, as plexus-utils' SelectorUtils matches them.

/// Whether `path` (relative, `/`-separated) matches the Ant-style `pattern`: `**` is any
/// number of directories, `*` any characters within one name, `?` one character. A
/// pattern ending in `/` means everything below (`dir/` = `dir/**`); `\` counts as `/`;
/// a pattern starting with `/` never matches a relative path, as in plexus.
pub fn ant_match(pattern: &str, path: &str) -> bool {
    Pattern::new(pattern).matches(&segments(path))
}

fn normalize_pattern(pattern: &str) -> String {
    let mut p = pattern.trim().replace('\\', "/");
    if p.ends_with('/') {
        p.push_str("**");
    }
    p
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

/// Whether the pattern's segments match the path's, `**` matching any number of names.
///
/// Dynamic programming over (pattern, path) positions: the patterns come from the POM,
/// and the naive recursion is exponential in the number of `**` (a pattern like
/// `**/a*/**/a*/**/...` against a deep tree would never finish).
fn match_segments<S: AsRef<str>>(pattern: &[S], path: &[&str]) -> bool {
    let width = path.len() + 1;
    // `row[j]`: whether `pattern[i..]` matches `path[j..]`, for the current `i`.
    let mut row: Vec<bool> = (0..width).map(|j| j == path.len()).collect();
    for segment in pattern.iter().rev() {
        let segment = segment.as_ref();
        let mut next = vec![false; width];
        for j in (0..width).rev() {
            next[j] = if segment == "**" {
                row[j] || (j < path.len() && next[j + 1])
            } else {
                j < path.len() && row[j + 1] && match_name(segment, path[j])
            };
        }
        row = next;
    }
    row[0]
}

/// Whether a path strictly below the directory `dir` could match `pattern`.
fn could_match_below(pattern: &[String], dir: &[&str]) -> bool {
    match (pattern.split_first(), dir.split_first()) {
        (Some((first, _)), _) if first == "**" => true,
        (Some(_), None) => true,
        (None, _) => false,
        (Some((first, rest)), Some((name, dir_rest))) => {
            match_name(first, name) && could_match_below(rest, dir_rest)
        }
    }
}

/// `*` and `?` within a single name, with the usual backtracking on the last `*`.
fn match_name(pattern: &str, name: &str) -> bool {
    if pattern.is_ascii() && name.is_ascii() {
        return match_units(pattern.as_bytes(), name.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_units(&p, &n, '*', '?')
}

/// [`match_name`] over bytes (ASCII, the common case, without allocating) or chars.
fn match_units<T: PartialEq + Copy>(p: &[T], n: &[T], star_unit: T, any: T) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == any || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == star_unit {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == star_unit)
}

// ---------------------------------------------------------------------------------------
// The stat cache.

/// Files modified this close before they were read may change again without their
/// metadata showing it (coarse mtimes: 2 s on FAT, 1 s on some network filesystems).
const RACY_WINDOW_NS: i128 = 2_000_000_000;

/// Format version of the cache file; another version is ignored, not misread.
const CACHE_VERSION: u32 = 1;

/// What identifies one version of a file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct StatKey {
    size: u64,
    mtime_ns: i128,
    inode: u64,
    ctime_ns: i128,
}

impl StatKey {
    fn of(meta: &Metadata) -> StatKey {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            StatKey {
                size: meta.len(),
                mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
                inode: meta.ino(),
                ctime_ns: i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec()),
            }
        }
        #[cfg(not(unix))]
        {
            StatKey {
                size: meta.len(),
                mtime_ns: meta.modified().map(epoch_ns).unwrap_or(i128::MAX),
                inode: 0,
                ctime_ns: 0,
            }
        }
    }
}

/// A cached hash and when the file was read for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct CacheEntry {
    key: StatKey,
    /// Wall-clock time just before the content was read, ns since the epoch.
    read_at_ns: i128,
    blake3: String,
}

impl CacheEntry {
    /// Trusted only if the file was last modified well before it was read: a later write
    /// in the same mtime tick would otherwise leave the metadata unchanged. Per-entry
    /// read times (rather than one save time for the whole cache) keep this safe when a
    /// save happens long after the read, and for entries carried across saves.
    fn trusted_for(&self, key: &StatKey) -> bool {
        self.key == *key && key.mtime_ns < self.read_at_ns - RACY_WINDOW_NS
    }
}

/// Cache entries by absolute path.
type Entries = HashMap<String, CacheEntry, foldhash::fast::RandomState>;

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: Entries,
}

/// Counts of what a [`StatCache`] saved, for progress output and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Files whose hash came from the cache.
    pub hits: u64,
    /// Files that were read and hashed.
    pub misses: u64,
    /// Bytes read to hash the misses.
    pub bytes_read: u64,
}

/// Hashes of files keyed by absolute path and (size, mtime, inode, ctime), shared safely
/// across rayon's threads.
#[derive(Debug, Default)]
pub struct StatCache {
    /// The entries loaded from the file: only read while files are hashed, so without
    /// a lock (ten thousand lookups from every thread).
    loaded: Entries,
    /// The entries of the files read since.
    entries: RwLock<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
    bytes_read: AtomicU64,
}

impl StatCache {
    /// An empty cache: every file is read.
    pub fn new() -> StatCache {
        StatCache::default()
    }

    /// Loads a cache saved by [`StatCache::save`]. A missing, corrupt or other-version
    /// file gives an empty cache: losing it only costs time.
    pub fn load(path: &Path) -> StatCache {
        let parsed = std::fs::read(path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|file| file.version == CACHE_VERSION);
        StatCache {
            loaded: parsed.map(|f| f.entries).unwrap_or_default(),
            ..StatCache::default()
        }
    }

    /// Writes the cache atomically (a reader never sees half a file). A cache that
    /// learnt nothing since it was loaded (every file a hit) is not rewritten.
    pub fn save(&self, path: &Path) -> io::Result<()> {
        if !self.loaded.is_empty() && self.misses.load(Ordering::Relaxed) == 0 {
            return Ok(());
        }
        let learned = self
            .entries
            .read()
            .map_err(|_| io::Error::other("stat cache lock poisoned"))?;
        let mut entries = self.loaded.clone();
        entries.extend(learned.iter().map(|(k, v)| (k.clone(), v.clone())));
        let file = CacheFile {
            version: CACHE_VERSION,
            entries,
        };
        let json = serde_json::to_vec(&file).map_err(io::Error::other)?;
        crate::fsutil::write_atomically(path, &json)
    }

    /// Hits, misses and bytes read since this cache was created or loaded.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes_read: self.bytes_read.load(Ordering::Relaxed),
        }
    }

    /// Number of cached files.
    pub fn len(&self) -> usize {
        let learned = self.entries.read();
        let new = learned.map_or(0, |l| {
            l.keys().filter(|k| !self.loaded.contains_key(*k)).count()
        });
        self.loaded.len() + new
    }

    /// Whether the cache holds no file.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Size and blake3 hex of `path`, from the cache when its metadata allows.
    pub fn hash(&self, path: &Path) -> Result<(u64, String), HashError> {
        self.hash_seen(path, None)
    }

    /// [`StatCache::hash`] of a regular file whose metadata the caller has just taken
    /// (`seen`), when it has.
    fn hash_seen(&self, path: &Path, seen: Option<StatKey>) -> Result<(u64, String), HashError> {
        let read_err = |source| HashError::Read {
            path: path.to_path_buf(),
            source,
        };
        let key_name = path.to_str();
        // A file with no entry (every file of a first or `--no-cache` run) is stat-ed
        // once, after opening; one with an entry is stat-ed to see if it still holds.
        let learned = |name: &str| {
            self.entries
                .read()
                .ok()
                .and_then(|learned| learned.get(name).cloned())
        };
        if let Some(name) = key_name
            && let Some(first) = self.loaded.get(name).cloned().or_else(|| learned(name))
        {
            let key = match seen {
                Some(key) => Some(key),
                None => {
                    let meta = std::fs::metadata(path).map_err(read_err)?;
                    meta.is_file().then(|| StatKey::of(&meta))
                }
            };
            if let Some(key) = key {
                // The entry loaded from the file, else (or when it no longer holds) one
                // learnt in this run.
                let trusted = Some(first)
                    .filter(|e| e.trusted_for(&key))
                    .or_else(|| learned(name).filter(|e| e.trusted_for(&key)));
                if let Some(entry) = trusted {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok((key.size, entry.blake3));
                }
            }
        }
        // The read time is taken before opening, so it is no later than any byte read.
        let read_at_ns = epoch_ns(SystemTime::now());
        let file = open_nonblocking(path).map_err(read_err)?;
        // The key must describe the file that was read, not the path's earlier occupant.
        let meta = file.metadata().map_err(read_err)?;
        if !meta.is_file() {
            return Err(HashError::NotAFile {
                path: path.to_path_buf(),
            });
        }
        // Size 0 is empty, and is not read: files of /proc and /sys say 0 and then produce
        // content, or block forever (`/proc/kmsg`), when a POM names them as resources.
        if meta.len() == 0 {
            return Ok((0, blake3::hash(b"").to_hex().to_string()));
        }
        let key = StatKey::of(&meta);
        let mut hasher = blake3::Hasher::new();
        hasher.update_reader(file).map_err(read_err)?;
        let size = hasher.count();
        let blake3 = hasher.finalize().to_hex().to_string();
        self.misses.fetch_add(1, Ordering::Relaxed);
        self.bytes_read.fetch_add(size, Ordering::Relaxed);
        if let Some(name) = key_name
            && key.size == size
            && let Ok(mut entries) = self.entries.write()
        {
            entries.insert(
                name.to_owned(),
                CacheEntry {
                    key,
                    read_at_ns,
                    blake3: blake3.clone(),
                },
            );
        }
        Ok((size, blake3))
    }
}

/// Opens for reading without blocking: the walk has seen a regular file here, but if a
/// FIFO took its place since, opening must not wait for a writer (`fstat` then refuses it).
fn open_nonblocking(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    options.open(path)
}

fn epoch_ns(time: SystemTime) -> i128 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ant_patterns_follow_plexus() {
        let yes = [
            ("**/*.java", "Foo.java"),
            ("**/*.java", "a/b/Foo.java"),
            ("*.txt", "a.txt"),
            ("a/**/b.txt", "a/b.txt"),
            ("a/**/b.txt", "a/x/y/b.txt"),
            ("a/", "a/x/y"),
            ("a\\*.txt", "a/b.txt"),
            ("?.txt", "x.txt"),
            ("**", "anything/at/all"),
            ("**/*", "top"),
            ("a*b*c", "abbbc"),
            ("**/test/**", "x/test/y.txt"),
            ("*", "a"),
            ("**/*.txt", "données/é.txt"),
            ("d?nn*", "données"),
            ("**/ré*", "a/résumé.md"),
        ];
        for (pattern, path) in yes {
            assert!(ant_match(pattern, path), "{pattern} should match {path}");
        }
        let no = [
            ("*.txt", "a/b.txt"),
            ("**/*.java", "Foo.javax"),
            ("?.txt", "xy.txt"),
            ("a/**/b.txt", "b.txt"),
            ("/abs/**", "abs/x"),
            ("a*b*c", "abbbcd"),
            ("A.txt", "a.txt"),
            ("a/b", "a/b/c"),
            ("d?nn", "données"),
            ("r?sum?", "résumé.md"),
        ];
        for (pattern, path) in no {
            assert!(
                !ant_match(pattern, path),
                "{pattern} should not match {path}"
            );
        }
    }

    /// The plain recursion `match_segments` replaced, as an oracle.
    fn naive(pattern: &[&str], path: &[&str]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((&"**", rest)) => (0..=path.len()).any(|skip| naive(rest, &path[skip..])),
            Some((first, rest)) => match path.split_first() {
                Some((name, path_rest)) => match_name(first, name) && naive(rest, path_rest),
                None => false,
            },
        }
    }

    proptest::proptest! {
        #[test]
        fn segment_matching_agrees_with_the_naive_recursion(
            pattern in proptest::collection::vec("\\*\\*|a\\*|\\*|a|b|\\?", 0..7),
            path in proptest::collection::vec("a|b|ab|ba", 0..7),
        ) {
            let pattern: Vec<&str> = pattern.iter().map(String::as_str).collect();
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            proptest::prop_assert_eq!(match_segments(&pattern, &path), naive(&pattern, &path));
        }
    }

    #[test]
    fn many_double_stars_against_a_deep_path_finish_at_once() {
        // Exponential for the naive recursion: C(60, 20) ways to place the `**`.
        let pattern = "**/a*/".repeat(20) + "b";
        let path = vec!["a"; 60].join("/");
        let started = std::time::Instant::now();
        assert!(!ant_match(&pattern, &path));
        assert!(ant_match(&pattern, &format!("{path}/b")));
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn directory_pruning_never_drops_a_selectable_file() {
        let root = Selector::new(&Root {
            dir: "r".into(),
            includes: vec!["config/**/*.xml".into(), "top.txt".into()],
            excludes: vec!["**/.git/**".into(), "config/skip/".into()],
            default_excludes: false,
        });
        assert!(root.may_select_under("config"));
        assert!(root.may_select_under("config/deep/er"));
        assert!(!root.may_select_under("other"));
        assert!(!root.may_select_under("config/.git"));
        assert!(!root.may_select_under("config/skip"));
        assert!(root.selects("config/a/b.xml"));
        assert!(!root.selects("config/skip/b.xml"));
        assert!(!root.selects("config/.git/b.xml"));
    }

    fn write(path: &Path, body: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }

    fn age(path: &Path, secs: u64) {
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(secs))
            .unwrap();
    }

    fn paths(digests: &[FileDigest]) -> Vec<&str> {
        digests.iter().map(|d| d.path.as_str()).collect()
    }

    fn root(dir: &Path) -> Root {
        Root {
            dir: dir.to_path_buf(),
            ..Root::default()
        }
    }

    #[test]
    fn digests_are_sorted_relative_and_hash_the_content() {
        let tmp = tempfile::tempdir().unwrap();
        let module = tmp.path().join("mod");
        write(&module.join("src/main/java/b/B.java"), "class B {}");
        write(&module.join("src/main/java/a/A.java"), "class A {}");
        write(&module.join("src/main/resources/app.properties"), "k=v\n");
        write(&tmp.path().join("shared/common.txt"), "shared");
        let roots = [
            root(&module.join("src/main/resources")),
            root(&module.join("src/main/java")),
            root(&module.join("src/main/missing")),
            root(&module.join("../shared")),
        ];
        let digests = digest_roots(&module, &roots, &StatCache::new()).unwrap();
        assert_eq!(
            paths(&digests),
            [
                "../shared/common.txt",
                "src/main/java/a/A.java",
                "src/main/java/b/B.java",
                "src/main/resources/app.properties",
            ]
        );
        assert_eq!(digests[3].size, 4);
        assert_eq!(
            digests[3].blake3,
            blake3::hash(b"k=v\n").to_hex().to_string()
        );
    }

    #[test]
    fn includes_excludes_and_target_at_the_module_root() {
        let tmp = tempfile::tempdir().unwrap();
        let module = tmp.path();
        write(&module.join("LICENSE"), "l");
        write(&module.join("pom.xml"), "p");
        write(&module.join("target/classes/X.class"), "x");
        write(&module.join("docs/target/kept.txt"), "kept");
        write(&module.join("docs/a.md"), "a");
        write(&module.join("docs/a.md~"), "backup");
        let whole = Root {
            dir: module.to_path_buf(),
            includes: vec![],
            excludes: vec!["pom.xml".into()],
            default_excludes: false,
        };
        let digests = digest_roots(module, &[whole], &StatCache::new()).unwrap();
        assert_eq!(
            paths(&digests),
            ["LICENSE", "docs/a.md", "docs/a.md~", "docs/target/kept.txt"]
        );
        let docs = Root {
            dir: module.join("docs"),
            includes: vec!["**/*.md".into(), "target/**".into()],
            excludes: Vec::new(),
            default_excludes: true,
        };
        // `target` is only skipped at the module root, not inside another root.
        let digests = digest_roots(module, &[docs], &StatCache::new()).unwrap();
        assert_eq!(paths(&digests), ["docs/a.md", "docs/target/kept.txt"]);
    }

    #[test]
    fn overlapping_roots_list_a_file_once() {
        let tmp = tempfile::tempdir().unwrap();
        write(&tmp.path().join("src/a.txt"), "a");
        let roots = [root(&tmp.path().join("src")), root(tmp.path())];
        let digests = digest_roots(tmp.path(), &roots, &StatCache::new()).unwrap();
        assert_eq!(paths(&digests), ["src/a.txt"]);
    }

    #[test]
    fn symlinks_are_followed_and_loops_are_errors_naming_the_path() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        write(&tmp.path().join("elsewhere/linked.txt"), "via link");
        std::fs::create_dir_all(&src).unwrap();
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), src.join("link")).unwrap();
        let digests = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap();
        assert_eq!(paths(&digests), ["src/link/linked.txt"]);

        std::os::unix::fs::symlink(&src, src.join("loop")).unwrap();
        let err = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap_err();
        match &err {
            HashError::SymlinkLoop { path, .. } => assert_eq!(path, &src.join("loop")),
            other => panic!("expected a symlink loop, got {other:?}"),
        }
        assert!(err.to_string().contains("loop"));
        std::fs::remove_file(src.join("loop")).unwrap();

        // Through two links: src/link -> elsewhere, elsewhere/back -> src.
        std::os::unix::fs::symlink(&src, tmp.path().join("elsewhere/back")).unwrap();
        let err = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap_err();
        match &err {
            HashError::SymlinkLoop { path, .. } => {
                assert_eq!(path, &src.join("link/back"))
            }
            other => panic!("expected a symlink loop, got {other:?}"),
        }
        std::fs::remove_file(tmp.path().join("elsewhere/back")).unwrap();

        // To a directory above the root, which holds the root again.
        std::os::unix::fs::symlink(tmp.path(), src.join("up")).unwrap();
        let err = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap_err();
        assert!(matches!(err, HashError::SymlinkLoop { .. }), "{err:?}");
        std::fs::remove_file(src.join("up")).unwrap();

        // The same directory linked twice side by side is no loop: both are walked.
        std::os::unix::fs::symlink(tmp.path().join("elsewhere"), src.join("again")).unwrap();
        let digests = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap();
        assert_eq!(
            paths(&digests),
            ["src/again/linked.txt", "src/link/linked.txt"]
        );
    }

    #[test]
    fn unreadable_entries_are_errors_naming_them() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        // Running as root, permissions cannot make a file unreadable; a dangling symlink
        // and a socket are entries that cannot be read as files by anyone.
        std::os::unix::fs::symlink(src.join("gone"), src.join("dangling")).unwrap();
        let err = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap_err();
        assert!(err.to_string().contains("dangling"), "{err}");
        std::fs::remove_file(src.join("dangling")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(src.join("sock")).unwrap();
        let err = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap_err();
        assert!(matches!(err, HashError::NotAFile { .. }));
        assert!(err.to_string().contains("sock"), "{err}");
    }

    #[test]
    fn non_utf8_names_are_refused() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
        std::fs::write(src.join(name), "x").unwrap();
        let err = digest_roots(tmp.path(), &[root(&src)], &StatCache::new()).unwrap_err();
        match err {
            HashError::NonUtf8Path { path } => assert!(path.contains("caf\u{FFFD}.txt")),
            other => panic!("expected NonUtf8Path, got {other:?}"),
        }
    }

    #[test]
    fn warm_run_from_a_saved_cache_reads_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        for i in 0..20 {
            let file = src.join(format!("d{}/f{i}.txt", i % 3));
            write(&file, &format!("content {i}"));
            age(&file, 60);
        }
        let cache_file = tmp.path().join("cache.json");
        let cold = StatCache::load(&cache_file);
        assert!(cold.is_empty());
        let first = digest_roots(tmp.path(), &[root(&src)], &cold).unwrap();
        assert_eq!(cold.stats().misses, 20);
        cold.save(&cache_file).unwrap();

        let warm = StatCache::load(&cache_file);
        assert_eq!(warm.len(), 20);
        let second = digest_roots(tmp.path(), &[root(&src)], &warm).unwrap();
        assert_eq!(second, first);
        assert_eq!(
            warm.stats(),
            CacheStats {
                hits: 20,
                misses: 0,
                bytes_read: 0
            }
        );

        // A run that learnt nothing leaves the file alone; one that read a file saves it.
        std::fs::write(&cache_file, b"sentinel").unwrap();
        warm.save(&cache_file).unwrap();
        assert_eq!(std::fs::read(&cache_file).unwrap(), b"sentinel");
        let changed = src.join("d0/f0.txt");
        write(&changed, "changed");
        age(&changed, 60);
        digest_roots(tmp.path(), &[root(&src)], &warm).unwrap();
        assert_eq!(warm.stats().misses, 1);
        // The entry learnt in this run beats the loaded one for the rest of the run.
        digest_roots(tmp.path(), &[root(&src)], &warm).unwrap();
        assert_eq!(warm.stats().misses, 1, "the changed file is read once");
        warm.save(&cache_file).unwrap();
        let next = StatCache::load(&cache_file);
        assert_eq!(next.len(), 20);
        let third = digest_roots(tmp.path(), &[root(&src)], &next).unwrap();
        assert_eq!(next.stats().misses, 0, "the saved cache holds the new hash");
        assert_ne!(third, first);
    }

    #[test]
    fn recently_modified_files_are_reread_even_with_unchanged_metadata() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("src/a.txt");
        write(&file, "aaaa");
        let cache = StatCache::new();
        let roots = [root(&tmp.path().join("src"))];
        digest_roots(tmp.path(), &roots, &cache).unwrap();
        // Same metadata, but modified within the racy window of its read: not trusted.
        digest_roots(tmp.path(), &roots, &cache).unwrap();
        assert_eq!(cache.stats().misses, 2);
        assert_eq!(cache.stats().hits, 0);
        // Once read long enough after its last modification, it is trusted.
        age(&file, 60);
        digest_roots(tmp.path(), &roots, &cache).unwrap();
        digest_roots(tmp.path(), &roots, &cache).unwrap();
        assert_eq!(cache.stats().misses, 3);
        assert_eq!(cache.stats().hits, 1);
    }

    #[test]
    fn same_size_change_in_the_same_second_is_seen() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("src/a.txt");
        write(&file, "aaaa");
        let mtime = SystemTime::now() - Duration::from_secs(60);
        let set = |t| {
            File::options()
                .write(true)
                .open(&file)
                .unwrap()
                .set_modified(t)
                .unwrap()
        };
        set(mtime);
        let cache = StatCache::new();
        let roots = [root(&tmp.path().join("src"))];
        let before = digest_roots(tmp.path(), &roots, &cache).unwrap();
        // Rewritten with the same size and its mtime put back: the ctime still moves.
        std::fs::write(&file, "bbbb").unwrap();
        set(mtime);
        let after = digest_roots(tmp.path(), &roots, &cache).unwrap();
        assert_ne!(before[0].blake3, after[0].blake3);
        assert_eq!(after[0].blake3, blake3::hash(b"bbbb").to_hex().to_string());
    }

    #[test]
    fn racy_rule_compares_mtime_with_the_read_time() {
        let key = StatKey {
            size: 1,
            mtime_ns: 10_000_000_000,
            inode: 7,
            ctime_ns: 10_000_000_000,
        };
        let entry = |read_at_ns| CacheEntry {
            key,
            read_at_ns,
            blake3: String::new(),
        };
        assert!(entry(12_000_000_001).trusted_for(&key));
        assert!(!entry(12_000_000_000).trusted_for(&key));
        assert!(!entry(10_500_000_000).trusted_for(&key));
        let moved = StatKey { inode: 8, ..key };
        assert!(!entry(99_000_000_000).trusted_for(&moved));
    }

    #[test]
    fn corrupt_or_foreign_cache_files_load_empty() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cache.json");
        std::fs::write(&path, b"{\"version\":1,\"entr").unwrap();
        assert!(StatCache::load(&path).is_empty());
        std::fs::write(&path, br#"{"version":99,"entries":{}}"#).unwrap();
        assert!(StatCache::load(&path).is_empty());
        assert!(StatCache::load(&tmp.path().join("missing.json")).is_empty());
    }
}

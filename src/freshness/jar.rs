//! Evidence about an artifact that m2fresh did not install.
//!
//! A jar from a plain `mvn install` (or from another checkout) has no stamp, so its
//! freshness can only be argued from its contents: classes today's sources define that it
//! lacks, top-level classes whose source is gone, resources whose bytes differ, an embedded
//! POM unlike today's, sources modified after the jar was written. Each finding is an
//! [`Evidence`] the status layer shows to the user; none is fatal here. Listing classes
//! needs only the zip central directory, so only resources and the POM are decompressed.

use crate::coords::Gav;
use miette::Diagnostic;
use std::collections::BTreeSet;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use thiserror::Error;

pub use crate::freshness::evidence::{Evidence, EvidenceKind};

/// A main source file of the module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Path under its source root, `/`-separated, e.g. `com/example/Foo.java`.
    pub relative: String,
    /// Where it is on disk.
    pub path: PathBuf,
}

/// A resource Maven copies into the jar unchanged (filtered resources cannot be compared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceFile {
    /// Its path inside the jar, `/`-separated, e.g. `config/app.properties`.
    pub jar_path: String,
    /// Where it is on disk.
    pub path: PathBuf,
}

/// What today's sources say the jar should contain.
#[derive(Clone, Copy, Debug)]
pub struct JarExpectations<'a> {
    /// Main sources. Java files are checked class by class; Kotlin, Groovy, Scala,
    /// Clojure or AspectJ sources turn off the orphan check, since their classes cannot
    /// be named from file names. Generated sources belong here too, or their classes look
    /// orphaned.
    pub class_sources: &'a [SourceFile],
    /// Unfiltered resources.
    pub resources: &'a [ResourceFile],
    /// Today's `pom.xml`, compared with the copy Maven embeds in the jar.
    pub pom: Option<&'a Path>,
    /// The module's coordinates, which name the embedded POM's directory.
    pub gav: &'a Gav,
}

/// Why a jar could not be inspected at all (a broken jar is [`EvidenceKind::BrokenArtifact`],
/// not an error).
#[derive(Debug, Error, Diagnostic)]
pub enum JarError {
    /// The artifact could not be opened.
    #[error("cannot open artifact {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::jar::open),
        help("check that the local repository is readable")
    )]
    Open {
        /// The artifact.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A source, resource or POM on disk could not be read.
    #[error("cannot read {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::jar::source_read),
        help("check the file's permissions; Maven must read it to build the module too")
    )]
    SourceRead {
        /// The file in the module.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// Compares the jar at `jar` with what the sources say it should contain, returning the
/// evidence that it is stale, sorted by kind then path. No evidence means nothing
/// contradicts the jar, not that it is proven fresh.
pub fn inspect_jar(jar: &Path, exp: &JarExpectations) -> Result<Vec<Evidence>, JarError> {
    let open_err = |source| JarError::Open {
        path: jar.to_path_buf(),
        source,
    };
    let file = File::open(jar).map_err(open_err)?;
    let jar_mtime = file
        .metadata()
        .and_then(|m| m.modified())
        .map_err(open_err)?;
    let mut archive = match zip::ZipArchive::new(BufReader::new(file)) {
        Ok(archive) => archive,
        Err(e) => {
            return Ok(vec![Evidence {
                kind: EvidenceKind::BrokenArtifact,
                path: None,
                detail: format!("{} is not a readable jar: {e}", jar.display()),
            }]);
        }
    };
    let names: BTreeSet<String> = archive
        .file_names()
        .filter_map(Result::ok)
        .map(|n| n.into_owned())
        .collect();

    let mut evidence = Vec::new();
    check_classes(&names, exp.class_sources, &mut evidence)?;
    for resource in exp.resources {
        if !names.contains(&resource.jar_path) {
            evidence.push(Evidence {
                kind: EvidenceKind::ResourceMissing,
                path: Some(resource.jar_path.clone()),
                detail: format!(
                    "{} is not in the jar, but {} exists",
                    resource.jar_path,
                    resource.path.display()
                ),
            });
            continue;
        }
        match compare_entry(&mut archive, &resource.jar_path, &resource.path)? {
            Comparison::Same => {}
            Comparison::Differs => evidence.push(Evidence {
                kind: EvidenceKind::ResourceDiffers,
                path: Some(resource.jar_path.clone()),
                detail: format!(
                    "{} in the jar differs from {}",
                    resource.jar_path,
                    resource.path.display()
                ),
            }),
            Comparison::Broken(e) => evidence.push(broken_entry(&resource.jar_path, &e)),
        }
    }
    if let Some(pom) = exp.pom {
        let entry = format!(
            "META-INF/maven/{}/{}/pom.xml",
            exp.gav.group_id, exp.gav.artifact_id
        );
        // A jar built with addMavenDescriptor=false has no copy; that proves nothing.
        if names.contains(&entry) {
            match compare_entry(&mut archive, &entry, pom)? {
                Comparison::Same => {}
                Comparison::Differs => evidence.push(Evidence {
                    kind: EvidenceKind::PomDiffers,
                    path: Some(entry.clone()),
                    detail: format!("the POM embedded in the jar differs from {}", pom.display()),
                }),
                Comparison::Broken(e) => evidence.push(broken_entry(&entry, &e)),
            }
        }
    }
    check_mtimes(jar_mtime, exp, &mut evidence)?;
    evidence.sort_by(|a, b| (a.kind, &a.path).cmp(&(b.kind, &b.path)));
    Ok(evidence)
}

fn broken_entry(entry: &str, e: &io::Error) -> Evidence {
    Evidence {
        kind: EvidenceKind::BrokenArtifact,
        path: Some(entry.to_owned()),
        detail: format!("{entry} cannot be read from the jar: {e}"),
    }
}

/// Extensions of sources compiled to classes m2fresh cannot name from the file: their
/// presence turns the orphan check off. Other non-Java files (a stray `package.html`)
/// neither define nor excuse classes.
const OTHER_JVM_LANGUAGES: &[&str] = &["kt", "groovy", "scala", "clj", "cljc", "aj"];

/// Missing and orphaned classes, from entry names alone.
fn check_classes(
    names: &BTreeSet<String>,
    sources: &[SourceFile],
    evidence: &mut Vec<Evidence>,
) -> Result<(), JarError> {
    // Multi-release jars keep per-version copies under META-INF/versions/N/; a class
    // there counts as present.
    let versioned: BTreeSet<&str> = names
        .iter()
        .filter_map(|n| n.strip_prefix("META-INF/versions/"))
        .filter_map(|rest| rest.split_once('/').map(|(_, path)| path))
        .collect();
    let mut defined = BTreeSet::new();
    let mut only_java = true;
    for source in sources {
        if !source.relative.ends_with(".java") {
            let extension = source.relative.rsplit_once('.').map(|(_, e)| e);
            if extension.is_some_and(|e| OTHER_JVM_LANGUAGES.contains(&e)) {
                only_java = false;
            }
            continue;
        }
        let file_name = source.relative.rsplit('/').next().unwrap_or_default();
        // Not types: module-info.class is always there, package-info.class only with
        // package annotations.
        if file_name == "module-info.java" || file_name == "package-info.java" {
            continue;
        }
        let bytes = std::fs::read(&source.path).map_err(|e| JarError::SourceRead {
            path: source.path.clone(),
            source: e,
        })?;
        let types = java_top_level_types(&String::from_utf8_lossy(&bytes));
        let dir = types
            .package
            .as_deref()
            .map(|p| format!("{}/", p.replace('.', "/")))
            .unwrap_or_default();
        for name in types.types {
            let entry = format!("{dir}{name}.class");
            if !names.contains(&entry) && !versioned.contains(entry.as_str()) {
                evidence.push(Evidence {
                    kind: EvidenceKind::MissingClass,
                    path: Some(entry.clone()),
                    detail: format!(
                        "{} declares {}{name}, but {entry} is not in the jar",
                        source.relative,
                        dir.replace('/', ".")
                    ),
                });
            }
            defined.insert(entry);
        }
    }
    if !only_java {
        return Ok(());
    }
    for name in names {
        let Some(stem) = name.strip_suffix(".class") else {
            continue;
        };
        let simple = stem.rsplit('/').next().unwrap_or_default();
        let top_level = !simple.contains('$') && !simple.is_empty();
        let not_a_type = simple == "module-info" || simple == "package-info";
        if top_level && !not_a_type && !name.starts_with("META-INF/") && !defined.contains(name) {
            evidence.push(Evidence {
                kind: EvidenceKind::OrphanClass,
                path: Some(name.clone()),
                detail: format!(
                    "{name} is in the jar, but no source declares {}",
                    stem.replace('/', ".")
                ),
            });
        }
    }
    Ok(())
}

/// Sources, resources and the POM modified after the jar was written.
fn check_mtimes(
    jar_mtime: SystemTime,
    exp: &JarExpectations,
    evidence: &mut Vec<Evidence>,
) -> Result<(), JarError> {
    let files = exp
        .class_sources
        .iter()
        .map(|s| (s.path.as_path(), s.relative.clone()))
        .chain(
            exp.resources
                .iter()
                .map(|r| (r.path.as_path(), r.jar_path.clone())),
        )
        .chain(exp.pom.map(|p| (p, "pom.xml".to_owned())));
    for (path, shown) in files {
        let mtime = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(|source| JarError::SourceRead {
                path: path.to_path_buf(),
                source,
            })?;
        if let Ok(newer) = mtime.duration_since(jar_mtime)
            && !newer.is_zero()
        {
            evidence.push(Evidence {
                kind: EvidenceKind::SourceNewer,
                path: Some(shown.clone()),
                detail: format!(
                    "{shown} was modified {} after the jar was written",
                    human_duration(newer)
                ),
            });
        }
    }
    Ok(())
}

/// `1.5s`, `3m 12s`, `4h 05m`, `2d 3h`: enough precision to judge, no more.
fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{:.1}s", d.as_secs_f64()),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h {:02}m", secs / 3600, secs / 60 % 60),
        _ => format!("{}d {}h", secs / 86_400, secs / 3600 % 24),
    }
}

enum Comparison {
    Same,
    Differs,
    /// The entry could not be read out of the jar.
    Broken(io::Error),
}

/// Streams a jar entry and a file side by side; sizes from the central directory decide
/// most differences without decompressing anything.
fn compare_entry<R: Read + io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    entry: &str,
    disk: &Path,
) -> Result<Comparison, JarError> {
    let disk_err = |source| JarError::SourceRead {
        path: disk.to_path_buf(),
        source,
    };
    let mut file = File::open(disk).map_err(disk_err)?;
    let disk_len = file.metadata().map_err(disk_err)?.len();
    let mut zipped = match archive.by_name(entry) {
        Ok(z) => z,
        Err(e) => return Ok(Comparison::Broken(io::Error::other(e))),
    };
    if zipped.size() != disk_len {
        return Ok(Comparison::Differs);
    }
    // Both empty. The file is not read: a file of /proc says 0 and may block (`/proc/kmsg`).
    if disk_len == 0 {
        return Ok(Comparison::Same);
    }
    let mut a = vec![0u8; 64 * 1024];
    let mut b = vec![0u8; 64 * 1024];
    loop {
        let n = match fill(&mut zipped, &mut a) {
            Ok(n) => n,
            Err(e) => return Ok(Comparison::Broken(e)),
        };
        let m = fill(&mut file, &mut b).map_err(disk_err)?;
        if n != m || a[..n] != b[..m] {
            return Ok(Comparison::Differs);
        }
        if n == 0 {
            return Ok(Comparison::Same);
        }
    }
}

/// Reads until `buf` is full or the reader is exhausted.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The package and top-level type names a Java compilation unit declares.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JavaTypes {
    /// The `package` declaration, e.g. `com.example`; `None` for the default package.
    pub package: Option<String>,
    /// Simple names of the top-level classes, interfaces, enums, records and annotation
    /// types, in declaration order.
    pub types: Vec<String>,
}

/// Finds the package and the top-level types of a Java source: `class`, `interface`,
/// `enum`, `record` and `@interface` declarations at brace depth 0, ignoring comments,
/// strings, text blocks and character literals. Tolerant: odd input yields fewer names,
/// never a panic.
pub fn java_top_level_types(source: &str) -> JavaTypes {
    #[derive(PartialEq)]
    enum Prev {
        Dot,
        At,
        Other,
    }
    let chars: Vec<char> = source.chars().collect();
    let mut out = JavaTypes::default();
    let mut depth = 0usize;
    let mut prev = Prev::Other;
    let mut expect_type_name = false;
    let mut in_package: Option<String> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '"' || c == '\'' {
            i = skip_literal(&chars, i);
            prev = Prev::Other;
            expect_type_name = false;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if depth == 0 {
                if let Some(package) = in_package.as_mut() {
                    package.push_str(&word);
                } else if expect_type_name {
                    out.types.push(word.clone());
                    expect_type_name = false;
                } else if prev != Prev::Dot {
                    match word.as_str() {
                        "class" | "enum" | "record" | "interface" => expect_type_name = true,
                        "package" if out.package.is_none() && out.types.is_empty() => {
                            in_package = Some(String::new());
                        }
                        _ => {}
                    }
                    // `@interface` declares an annotation type; any other `@Name` is a use.
                    if prev == Prev::At && word != "interface" {
                        expect_type_name = false;
                    }
                }
            }
            prev = Prev::Other;
            continue;
        }
        expect_type_name = false;
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ';' if depth == 0 => {
                if let Some(package) = in_package.take() {
                    out.package = Some(package).filter(|p| !p.is_empty());
                }
            }
            '.' if in_package.is_some() => {
                if let Some(p) = in_package.as_mut() {
                    p.push('.');
                }
            }
            _ => {}
        }
        prev = match c {
            '.' => Prev::Dot,
            '@' => Prev::At,
            _ => Prev::Other,
        };
        i += 1;
    }
    out
}

/// Index just past the string, text block or character literal starting at `start`.
fn skip_literal(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let text_block =
        quote == '"' && chars.get(start + 1) == Some(&'"') && chars.get(start + 2) == Some(&'"');
    let mut i = start + if text_block { 3 } else { 1 };
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' if text_block => {
                if chars.get(i + 1) == Some(&'"') && chars.get(i + 2) == Some(&'"') {
                    return i + 3;
                }
                i += 1;
            }
            c if c == quote && !text_block => return i + 1,
            // An unterminated literal ends at the line, as javac would complain there.
            '\n' if !text_block => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn types(src: &str) -> (Option<String>, Vec<String>) {
        let t = java_top_level_types(src);
        (t.package, t.types)
    }

    #[test]
    fn java_types_at_depth_zero_only() {
        let src = r#"
            /* package wrong; class InComment {} */
            // class InLineComment
            package com.example .app;
            import static java.util.Map.entry;
            import com.other.record.Thing;
            @SuppressWarnings(value = {"unchecked", "class Fake {"})
            @Target(ElementType.TYPE)
            public final class Foo<T extends Comparable<T>> implements Runnable {
                class Inner {}
                String s = "}";
                char c = '{';
                String block = """
                    } class TextBlock {
                    """;
                Object o = Foo.class;
                public void run() { record Local(int a) {} }
            }
            enum Color { RED, GREEN; enum Nested {} }
            sealed interface Shape permits Circle {}
            record Circle(double r) implements Shape {}
            @interface Marker {}
            @Deprecated non-sealed class Last {}
        "#;
        let (package, names) = types(src);
        assert_eq!(package.as_deref(), Some("com.example.app"));
        assert_eq!(
            names,
            ["Foo", "Color", "Shape", "Circle", "Marker", "Last"].map(String::from)
        );
    }

    #[test]
    fn java_default_package_and_annotation_args_with_class_literals() {
        let (package, names) =
            types("@RunWith(Suite.class) @Ann(record = 1, enumValue = X.Y)\nclass A {}");
        assert_eq!(package, None);
        assert_eq!(names, ["A"]);
        // Garbage must not panic.
        for junk in ["\"unterminated", "/* open", "class", "}}}} class B", "'\\"] {
            let _ = java_top_level_types(junk);
        }
        assert_eq!(types("}}}} class B {").1, ["B"]);
    }

    struct Fixture {
        dir: tempfile::TempDir,
        gav: Gav,
    }

    impl Fixture {
        fn new() -> Fixture {
            Fixture {
                dir: tempfile::tempdir().unwrap(),
                gav: Gav::new("com.ex", "demo", "1.0-SNAPSHOT"),
            }
        }

        fn file(&self, rel: &str, body: &str) -> PathBuf {
            let path = self.dir.path().join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, body).unwrap();
            path
        }

        fn jar(&self, entries: &[(&str, &[u8])]) -> PathBuf {
            let path = self.dir.path().join("demo-1.0-SNAPSHOT.jar");
            let mut zip = zip::ZipWriter::new(File::create(&path).unwrap());
            let opts =
                SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
            for (name, bytes) in entries {
                zip.start_file(*name, opts).unwrap();
                zip.write_all(bytes).unwrap();
            }
            zip.finish().unwrap();
            // Sources written by the test are older than the jar, as after a real build.
            let later = SystemTime::now() + Duration::from_secs(5);
            File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(later)
                .unwrap();
            path
        }
    }

    const POM: &str = "<project><artifactId>demo</artifactId></project>\n";

    fn standard(f: &Fixture) -> (Vec<SourceFile>, Vec<ResourceFile>, PathBuf) {
        let foo = f.file(
            "src/main/java/com/ex/Foo.java",
            "package com.ex;\npublic class Foo { class Inner {} }\nenum Bar { A }\n",
        );
        let info = f.file("src/main/java/module-info.java", "module demo { }\n");
        let res = f.file("src/main/resources/app.properties", "hello\n");
        let pom = f.file("pom.xml", POM);
        let sources = vec![
            SourceFile {
                relative: "com/ex/Foo.java".into(),
                path: foo,
            },
            SourceFile {
                relative: "module-info.java".into(),
                path: info,
            },
        ];
        let resources = vec![ResourceFile {
            jar_path: "app.properties".into(),
            path: res,
        }];
        (sources, resources, pom)
    }

    fn good_entries() -> Vec<(&'static str, &'static [u8])> {
        vec![
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
            ("com/ex/Foo.class", b"\xca\xfe\xba\xbe"),
            ("com/ex/Foo$Inner.class", b"\xca\xfe\xba\xbe"),
            ("com/ex/Bar.class", b"\xca\xfe\xba\xbe"),
            ("module-info.class", b"\xca\xfe\xba\xbe"),
            ("META-INF/versions/11/com/ex/OnlyOn11.class", b"\xca\xfe"),
            ("app.properties", b"hello\n"),
            ("META-INF/maven/com.ex/demo/pom.xml", POM.as_bytes()),
        ]
    }

    fn inspect(
        f: &Fixture,
        jar: &Path,
        s: &[SourceFile],
        r: &[ResourceFile],
        pom: &Path,
    ) -> Vec<Evidence> {
        let exp = JarExpectations {
            class_sources: s,
            resources: r,
            pom: Some(pom),
            gav: &f.gav,
        };
        inspect_jar(jar, &exp).unwrap()
    }

    fn kinds(evidence: &[Evidence]) -> Vec<(EvidenceKind, Option<&str>)> {
        evidence
            .iter()
            .map(|e| (e.kind, e.path.as_deref()))
            .collect()
    }

    #[test]
    fn a_jar_built_from_these_sources_gives_no_evidence() {
        let f = Fixture::new();
        let (s, r, pom) = standard(&f);
        let jar = f.jar(&good_entries());
        assert_eq!(inspect(&f, &jar, &s, &r, &pom), vec![]);
    }

    #[test]
    fn missing_and_orphan_classes() {
        let f = Fixture::new();
        let (s, r, pom) = standard(&f);
        let mut entries = good_entries();
        entries.retain(|(n, _)| *n != "com/ex/Bar.class");
        entries.push(("com/ex/Removed.class", b"\xca\xfe"));
        entries.push(("com/ex/Removed$1.class", b"\xca\xfe"));
        let jar = f.jar(&entries);
        let ev = inspect(&f, &jar, &s, &r, &pom);
        assert_eq!(
            kinds(&ev),
            vec![
                (EvidenceKind::MissingClass, Some("com/ex/Bar.class")),
                (EvidenceKind::OrphanClass, Some("com/ex/Removed.class")),
            ]
        );
        assert!(ev[0].detail.contains("com/ex/Foo.java"), "{}", ev[0].detail);
        assert!(ev[1].detail.contains("com.ex.Removed"), "{}", ev[1].detail);
    }

    #[test]
    fn non_java_sources_turn_off_the_orphan_check() {
        let f = Fixture::new();
        let (mut s, r, pom) = standard(&f);
        let kt = f.file(
            "src/main/kotlin/com/ex/Util.kt",
            "package com.ex\nfun util() = 1\n",
        );
        s.push(SourceFile {
            relative: "com/ex/Util.kt".into(),
            path: kt,
        });
        let mut entries = good_entries();
        entries.push(("com/ex/UtilKt.class", b"\xca\xfe"));
        let jar = f.jar(&entries);
        assert_eq!(inspect(&f, &jar, &s, &r, &pom), vec![]);
        // A stray file that is no JVM language leaves the check on.
        s.pop();
        let html = f.file("src/main/java/com/ex/package.html", "<p>docs</p>");
        s.push(SourceFile {
            relative: "com/ex/package.html".into(),
            path: html,
        });
        assert_eq!(
            kinds(&inspect(&f, &jar, &s, &r, &pom)),
            vec![(EvidenceKind::OrphanClass, Some("com/ex/UtilKt.class"))]
        );
    }

    #[test]
    fn resources_and_pom_are_compared_by_bytes() {
        let f = Fixture::new();
        let (s, mut r, pom) = standard(&f);
        let extra = f.file("src/main/resources/extra.txt", "x");
        r.push(ResourceFile {
            jar_path: "extra.txt".into(),
            path: extra,
        });
        let mut entries = good_entries();
        for (name, bytes) in entries.iter_mut() {
            if *name == "app.properties" {
                *bytes = b"HELLO\n"; // same size, other bytes
            }
            if name.ends_with("pom.xml") {
                *bytes = b"<project/>\n";
            }
        }
        let jar = f.jar(&entries);
        assert_eq!(
            kinds(&inspect(&f, &jar, &s, &r, &pom)),
            vec![
                (EvidenceKind::ResourceMissing, Some("extra.txt")),
                (EvidenceKind::ResourceDiffers, Some("app.properties")),
                (
                    EvidenceKind::PomDiffers,
                    Some("META-INF/maven/com.ex/demo/pom.xml")
                ),
            ]
        );
    }

    #[test]
    fn sources_newer_than_the_jar_are_reported_with_the_gap() {
        let f = Fixture::new();
        let (s, r, pom) = standard(&f);
        let jar = f.jar(&good_entries());
        let jar_time = std::fs::metadata(&jar).unwrap().modified().unwrap();
        File::options()
            .write(true)
            .open(&s[0].path)
            .unwrap()
            .set_modified(jar_time + Duration::from_secs(192))
            .unwrap();
        let ev = inspect(&f, &jar, &s, &r, &pom);
        assert_eq!(
            kinds(&ev),
            vec![(EvidenceKind::SourceNewer, Some("com/ex/Foo.java"))]
        );
        assert!(ev[0].detail.contains("3m 12s"), "{}", ev[0].detail);
    }

    #[test]
    fn truncated_or_non_zip_jars_are_evidence_not_errors() {
        let f = Fixture::new();
        let (s, r, pom) = standard(&f);
        let jar = f.jar(&good_entries());
        let bytes = std::fs::read(&jar).unwrap();
        std::fs::write(&jar, &bytes[..bytes.len() - 30]).unwrap();
        assert_eq!(
            kinds(&inspect(&f, &jar, &s, &r, &pom)),
            vec![(EvidenceKind::BrokenArtifact, None)]
        );
        std::fs::write(&jar, "this is not a jar\n").unwrap();
        assert_eq!(
            kinds(&inspect(&f, &jar, &s, &r, &pom)),
            vec![(EvidenceKind::BrokenArtifact, None)]
        );
        std::fs::write(&jar, "").unwrap();
        assert_eq!(
            kinds(&inspect(&f, &jar, &s, &r, &pom)),
            vec![(EvidenceKind::BrokenArtifact, None)]
        );
    }

    #[test]
    fn missing_jar_is_an_error_naming_it() {
        let f = Fixture::new();
        let (s, r, pom) = standard(&f);
        let jar = f.dir.path().join("nope.jar");
        let exp = JarExpectations {
            class_sources: &s,
            resources: &r,
            pom: Some(&pom),
            gav: &f.gav,
        };
        let err = inspect_jar(&jar, &exp).unwrap_err();
        assert!(err.to_string().contains("nope.jar"));
    }

    #[test]
    fn evidence_kinds_serialise_in_kebab_case() {
        let e = Evidence {
            kind: EvidenceKind::MissingClass,
            path: Some("a/B.class".into()),
            detail: "d".into(),
        };
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"kind":"missing-class","path":"a/B.class","detail":"d"}"#
        );
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(human_duration(Duration::from_secs(192)), "3m 12s");
        assert_eq!(
            human_duration(Duration::from_secs(4 * 3600 + 300)),
            "4h 05m"
        );
        assert_eq!(
            human_duration(Duration::from_secs(2 * 86_400 + 3 * 3600)),
            "2d 3h"
        );
    }
}

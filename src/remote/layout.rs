//! Maven's repository layout, as a remote repository serves it: where the files of
//! coordinates live, the `maven-metadata.xml` that names a SNAPSHOT's newest timestamped
//! build, and the checksum files published beside every file.
//!
//! Everything read here comes from a server m2fresh does not control, so it is parsed
//! defensively: sizes are bounded by the caller ([`crate::remote::http`]), the XML parser
//! refuses DTDs and deep nesting, and a timestamped version or a checksum that does not
//! have Maven's exact shape is an error value, never a path component or a panic.

use crate::coords::Gav;
use crate::freshness::localrepo::{base_version, packaging_file};
use crate::maven::xml;
use sha1::Digest as _;

/// The most of a `maven-metadata.xml` m2fresh reads: one lists a SNAPSHOT's files, a few
/// kilobytes even for many classifiers.
pub const MAX_METADATA_BYTES: u64 = 1 << 20;

/// The most of a checksum file m2fresh reads (`sha1sum`-style lines included).
pub const MAX_CHECKSUM_BYTES: u64 = 4096;

/// The directory of coordinates, relative to the repository's root URL:
/// `group/path/artifactId/baseVersion/`.
pub fn version_dir(gav: &Gav) -> String {
    let mut path = String::new();
    for part in gav.group_id.split('.') {
        path.push_str(part);
        path.push('/');
    }
    path.push_str(&gav.artifact_id);
    path.push('/');
    path.push_str(&base_version(&gav.version));
    path.push('/');
    path
}

/// The extension and classifier of a packaging's main artifact (`jar`, `war`, ...), or
/// `pom` for `pom` packaging, whose POM is its artifact.
pub fn main_extension(packaging: &str) -> (String, Option<String>) {
    match packaging_file(packaging) {
        Some((ext, classifier)) => (ext.to_string(), classifier.map(str::to_string)),
        None => ("pom".to_string(), None),
    }
}

/// `artifactId-version[-classifier].extension`, with the version as deployed (a
/// SNAPSHOT's timestamped version).
pub fn file_name(
    artifact_id: &str,
    version: &str,
    classifier: Option<&str>,
    extension: &str,
) -> String {
    let mut name = format!("{artifact_id}-{version}");
    if let Some(c) = classifier.filter(|c| !c.is_empty()) {
        name.push('-');
        name.push_str(c);
    }
    name.push('.');
    name.push_str(extension);
    name
}

/// What a SNAPSHOT's `maven-metadata.xml` says its newest build is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotMetadata {
    /// The newest timestamped version of each deployed file, by (extension, classifier).
    pub versions: Vec<SnapshotFile>,
    /// `<snapshot>`'s timestamp and build number, as `timestamp-buildNumber`, for
    /// metadata without `<snapshotVersions>` (Maven 2).
    pub latest: Option<String>,
    /// `<lastUpdated>`, as written.
    pub last_updated: Option<String>,
}

/// One `<snapshotVersion>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotFile {
    /// The file's extension.
    pub extension: String,
    /// Its classifier (empty for none).
    pub classifier: String,
    /// The timestamped version (`1.0-20240101.120000-3`).
    pub value: String,
}

impl SnapshotMetadata {
    /// The timestamped version of the file with this extension and classifier: the one
    /// `<snapshotVersions>` names, else the one `<snapshot>` implies.
    pub fn version_of(
        &self,
        base: &str,
        extension: &str,
        classifier: Option<&str>,
    ) -> Option<String> {
        let classifier = classifier.unwrap_or("");
        if let Some(f) = self
            .versions
            .iter()
            .find(|f| f.extension == extension && f.classifier == classifier)
        {
            return Some(f.value.clone());
        }
        let stem = base.strip_suffix("-SNAPSHOT")?;
        self.latest.as_ref().map(|l| format!("{stem}-{l}"))
    }
}

/// Why remote metadata, a checksum or a version cannot be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutError(pub String);

impl std::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Parses a SNAPSHOT version directory's `maven-metadata.xml` and checks that each
/// timestamped version belongs to `base` (`1.0-SNAPSHOT`): a value that is not
/// `1.0-yyyyMMdd.HHmmss-N` is refused, so it can never name a file elsewhere.
pub fn parse_snapshot_metadata(bytes: &[u8], base: &str) -> Result<SnapshotMetadata, LayoutError> {
    let text = xml::decode(bytes).map_err(|e| LayoutError(format!("not XML: {e}")))?;
    let root = xml::parse(&text).map_err(|e| LayoutError(format!("not XML: {}", e.message)))?;
    if root.name != "metadata" {
        return Err(LayoutError(format!(
            "the root element is <{}>, not <metadata>",
            root.name
        )));
    }
    let versioning = root.child("versioning");
    let snapshot = versioning.and_then(|v| v.child("snapshot"));
    let latest = snapshot.and_then(|s| {
        let ts = s.child("timestamp")?.text.clone();
        let build = s.child("buildNumber")?.text.clone();
        Some(format!("{ts}-{build}"))
    });
    let mut versions = Vec::new();
    let list = versioning.and_then(|v| v.child("snapshotVersions"));
    for sv in list
        .iter()
        .flat_map(|l| l.children_named("snapshotVersion"))
    {
        let get = |name: &str| sv.child(name).map(|e| e.text.clone()).unwrap_or_default();
        let file = SnapshotFile {
            extension: get("extension"),
            classifier: get("classifier"),
            value: get("value"),
        };
        if !is_timestamped_version_of(&file.value, base) {
            return Err(LayoutError(format!(
                "<snapshotVersion> value `{}` is not a timestamped version of {base}",
                file.value.escape_debug()
            )));
        }
        if !is_safe_name_part(&file.extension) || !is_safe_name_part(&file.classifier) {
            return Err(LayoutError(
                "a <snapshotVersion> names an unusable file".into(),
            ));
        }
        versions.push(file);
    }
    if let Some(l) = &latest {
        let stem = base.strip_suffix("-SNAPSHOT").unwrap_or(base);
        if !is_timestamped_version_of(&format!("{stem}-{l}"), base) {
            return Err(LayoutError(format!(
                "<snapshot> `{}` is not a timestamp and build number",
                l.escape_debug()
            )));
        }
    }
    Ok(SnapshotMetadata {
        versions,
        latest,
        last_updated: versioning
            .and_then(|v| v.child("lastUpdated"))
            .map(|e| e.text.clone()),
    })
}

/// Whether `version` is `base` with `-SNAPSHOT` replaced by `-yyyyMMdd.HHmmss-N`.
pub fn is_timestamped_version_of(version: &str, base: &str) -> bool {
    let Some(stem) = base.strip_suffix("-SNAPSHOT") else {
        return false;
    };
    let Some(rest) = version.strip_prefix(stem).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let Some((stamp, build)) = rest.split_once('-') else {
        return false;
    };
    let b = stamp.as_bytes();
    b.len() == 15
        && b[8] == b'.'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 8 || c.is_ascii_digit())
        && !build.is_empty()
        && build.len() <= 9
        && build.bytes().all(|c| c.is_ascii_digit())
}

/// An extension or classifier that can be part of a file name: Maven's id characters.
fn is_safe_name_part(s: &str) -> bool {
    s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
        && !s.contains("..")
}

/// The checksum algorithms Maven and repository managers publish, strongest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChecksumAlgorithm {
    /// `.sha256` (repository managers; Maven 3.9 with configuration).
    Sha256,
    /// `.sha1` (every Maven deploy).
    Sha1,
}

impl ChecksumAlgorithm {
    /// The file suffix, without the dot.
    pub fn suffix(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Sha256 => "sha256",
            ChecksumAlgorithm::Sha1 => "sha1",
        }
    }

    /// The number of hex digits.
    pub fn hex_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Sha256 => 64,
            ChecksumAlgorithm::Sha1 => 40,
        }
    }
}

/// Reads a checksum file: the first whitespace-separated word, which must be exactly the
/// algorithm's number of hex digits (`sha1sum` output with a file name after it is
/// accepted, as Maven accepts it). Lowercased.
pub fn parse_checksum(bytes: &[u8], algorithm: ChecksumAlgorithm) -> Result<String, LayoutError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| LayoutError("the checksum file is not text".into()))?;
    let word = text.split_whitespace().next().unwrap_or("");
    if word.len() != algorithm.hex_len() || !word.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(LayoutError(format!(
            "the .{} file does not hold a checksum",
            algorithm.suffix()
        )));
    }
    Ok(word.to_ascii_lowercase())
}

/// SHA-1 and SHA-256 of some bytes, lowercase hex.
pub fn checksums(bytes: &[u8]) -> (String, String) {
    let sha1 = hex(&sha1::Sha1::digest(bytes));
    let sha256 = hex(&sha2::Sha256::digest(bytes));
    (sha1, sha256)
}

/// SHA-1 and SHA-256 of a file, read in pieces (a downloaded artifact may be large).
pub fn file_checksums(path: &std::path::Path) -> std::io::Result<(String, String)> {
    use std::io::Read as _;
    let mut file = std::fs::File::open(path)?;
    let (mut sha1, mut sha256) = (sha1::Sha1::new(), sha2::Sha256::new());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha1.update(&buf[..n]);
        sha2::Digest::update(&mut sha256, &buf[..n]);
    }
    Ok((hex(&sha1.finalize()), hex(&sha2::Digest::finalize(sha256))))
}

/// Lowercase hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const METADATA: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<metadata modelVersion="1.1.0">
  <groupId>com.xuecheng</groupId>
  <artifactId>xc-service-api</artifactId>
  <version>1.0-SNAPSHOT</version>
  <versioning>
    <snapshot>
      <timestamp>20240101.120000</timestamp>
      <buildNumber>3</buildNumber>
    </snapshot>
    <lastUpdated>20240101120000</lastUpdated>
    <snapshotVersions>
      <snapshotVersion>
        <extension>jar</extension>
        <value>1.0-20240101.120000-3</value>
        <updated>20240101120000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <extension>pom</extension>
        <value>1.0-20240101.120000-3</value>
        <updated>20240101120000</updated>
      </snapshotVersion>
      <snapshotVersion>
        <classifier>sources</classifier>
        <extension>jar</extension>
        <value>1.0-20240101.115900-2</value>
        <updated>20240101120000</updated>
      </snapshotVersion>
    </snapshotVersions>
  </versioning>
</metadata>"#;

    #[test]
    fn the_layout_is_mavens() {
        let gav = Gav::new("com.xuecheng", "xc-service-api", "1.0-SNAPSHOT");
        assert_eq!(
            version_dir(&gav),
            "com/xuecheng/xc-service-api/1.0-SNAPSHOT/"
        );
        assert_eq!(
            file_name("a", "1.0-20240101.120000-3", None, "jar"),
            "a-1.0-20240101.120000-3.jar"
        );
        assert_eq!(file_name("a", "1", Some("tests"), "jar"), "a-1-tests.jar");
        assert_eq!(main_extension("pom"), ("pom".into(), None));
        assert_eq!(main_extension("maven-plugin"), ("jar".into(), None));
        assert_eq!(main_extension("war"), ("war".into(), None));
    }

    #[test]
    fn snapshot_metadata_names_each_files_newest_build() {
        let m = parse_snapshot_metadata(METADATA.as_bytes(), "1.0-SNAPSHOT").unwrap();
        assert_eq!(
            m.version_of("1.0-SNAPSHOT", "jar", None).as_deref(),
            Some("1.0-20240101.120000-3")
        );
        assert_eq!(
            m.version_of("1.0-SNAPSHOT", "jar", Some("sources"))
                .as_deref(),
            Some("1.0-20240101.115900-2")
        );
        // Maven 2 metadata: only <snapshot>.
        let old = METADATA.replace(
            &METADATA[METADATA.find("<snapshotVersions>").unwrap()
                ..METADATA.find("</snapshotVersions>").unwrap() + 19],
            "",
        );
        let m = parse_snapshot_metadata(old.as_bytes(), "1.0-SNAPSHOT").unwrap();
        assert_eq!(
            m.version_of("1.0-SNAPSHOT", "war", None).as_deref(),
            Some("1.0-20240101.120000-3")
        );
    }

    /// A hostile server's metadata cannot name a file outside the version directory.
    #[test]
    fn metadata_that_would_name_other_files_is_refused() {
        for value in [
            "../../../etc/passwd",
            "1.0-20240101.120000-3/../x",
            "2.0-20240101.120000-3",
            "1.0-20240101.1200-3",
            "1.0-20240101.120000-",
            "1.0-SNAPSHOT",
        ] {
            let text = METADATA.replace("1.0-20240101.120000-3", value);
            assert!(
                parse_snapshot_metadata(text.as_bytes(), "1.0-SNAPSHOT").is_err(),
                "{value}"
            );
        }
        let text = METADATA.replace("<extension>pom</extension>", "<extension>../x</extension>");
        assert!(parse_snapshot_metadata(text.as_bytes(), "1.0-SNAPSHOT").is_err());
        for junk in [
            "",
            "<html>nope</html>",
            "<!DOCTYPE x [<!ENTITY a 'b'>]><metadata>&a;</metadata>",
        ] {
            assert!(parse_snapshot_metadata(junk.as_bytes(), "1.0-SNAPSHOT").is_err());
        }
    }

    #[test]
    fn checksum_files_hold_one_hex_word() {
        let sha1 = "a9993e364706816aba3e25717850c26c9cd0d89d";
        assert_eq!(
            parse_checksum(sha1.as_bytes(), ChecksumAlgorithm::Sha1).unwrap(),
            sha1
        );
        let upper = format!("{}  abc.jar\n", sha1.to_uppercase());
        assert_eq!(
            parse_checksum(upper.as_bytes(), ChecksumAlgorithm::Sha1).unwrap(),
            sha1
        );
        for bad in ["", "xyz", &sha1[..39], "<html>404</html>"] {
            assert!(parse_checksum(bad.as_bytes(), ChecksumAlgorithm::Sha1).is_err());
        }
        assert!(parse_checksum(&[0xff, 0xfe], ChecksumAlgorithm::Sha256).is_err());
        let (s1, s256) = checksums(b"abc");
        assert_eq!(s1, sha1);
        assert_eq!(
            s256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let dir = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(dir.path().join("f"), &big).unwrap();
        assert_eq!(
            file_checksums(&dir.path().join("f")).unwrap(),
            checksums(&big)
        );
    }
}

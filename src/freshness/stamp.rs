//! The stamp: m2fresh's record, next to an installed artifact, of what it was built from.
//!
//! A stamp is what lets a later run say `fresh` with certainty instead of guessing from
//! the jar: it names the fingerprint the module had when m2fresh installed it, the hash
//! of every input file (so `stale` can list what changed), the upstream fingerprints, and
//! the hash of the artifact it installed (so an artifact overwritten since shows up as
//! `foreign`). It lives in the artifact's directory as `<artifactId>-<version>.m2fresh.json`,
//! a name Maven never reads or writes. Writes are atomic: a reader sees the old stamp or
//! the new one, never half of one.

use crate::coords::Gav;
use crate::freshness::localrepo::LocalRepository;
use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The stamp format this build writes. Schema 1 stamps (without build parameters and
/// what the module was built against) are still read: their fingerprint, of an older
/// recipe, never matches, so the module is stale rather than unreadable.
pub const STAMP_SCHEMA: u32 = 2;

/// The `tool` value for stamps this build writes: `m2fresh <version>`.
pub const TOOL: &str = concat!("m2fresh ", env!("CARGO_PKG_VERSION"));

/// What m2fresh knew about a module when it installed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// Format version; [`STAMP_SCHEMA`] for stamps this build writes.
    pub schema: u32,
    /// The installed coordinates.
    pub gav: Gav,
    /// The module's packaging (`jar`, `pom`, …).
    pub packaging: String,
    /// The module's fingerprint at install time, hex.
    pub fingerprint: String,
    /// Hash of the canonical effective model, hex.
    pub model_hash: String,
    /// The model itemized, to say what changed later.
    #[serde(default)]
    pub model: crate::freshness::fingerprint::digest::ModelDigest,
    /// Every input file: path relative to the module, `/`-separated → blake3 hex.
    pub inputs: BTreeMap<String, String>,
    /// What it was built against: `groupId:artifactId` → the fingerprint of a workspace
    /// module, or the identity of an artifact from the local repository (see
    /// [`crate::freshness::fingerprint::ModuleFingerprint::upstream`]).
    pub upstream: BTreeMap<String, String>,
    /// The build parameters it was installed with.
    #[serde(default)]
    pub parameters: crate::freshness::fingerprint::params::BuildParameters,
    /// The artifacts of its workspace upstream in the local repository when it was
    /// installed (`groupId:artifactId` → identity): if one is replaced since, this
    /// module was built against another artifact than the one consumers now get.
    #[serde(default)]
    pub built_against: BTreeMap<String, String>,
    /// The main artifact installed; `None` for `pom` packaging.
    pub artifact: Option<ArtifactRecord>,
    /// blake3 hex of the POM installed next to the artifact.
    pub pom_blake3: String,
    /// When the install finished, RFC 3339 in UTC (see [`crate::fsutil::rfc3339_utc`]).
    pub installed_at: String,
    /// Which m2fresh wrote it, e.g. [`TOOL`].
    pub tool: String,
}

/// The installed main artifact, as it was right after the install.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    /// File name in the artifact directory, e.g. `core-1.0.jar`.
    pub file: String,
    /// Size in bytes.
    pub size: u64,
    /// blake3 hex of the file's bytes.
    pub blake3: String,
}

impl ArtifactRecord {
    /// Hashes `path` and records its file name, size and blake3.
    pub fn from_file(path: &Path) -> io::Result<ArtifactRecord> {
        let (size, blake3) = crate::fsutil::hash_file(path)?;
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(ArtifactRecord { file, size, blake3 })
    }
}

/// Why a stamp could not be read or written.
#[derive(Debug, Error, Diagnostic)]
pub enum StampError {
    /// The stamp exists but could not be read.
    #[error("cannot read stamp {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::stamp::read),
        help("check the permissions of the local repository")
    )]
    Read {
        /// The stamp file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// The stamp is not a valid stamp: truncated, edited, or not JSON.
    #[error("stamp {} is corrupt: {message}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::stamp::corrupt),
        help("the module's status cannot be trusted; `m2fresh install` rewrites the stamp")
    )]
    Corrupt {
        /// The stamp file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The stamp was written in a format this build does not know.
    #[error("stamp {} has schema {schema}, this m2fresh reads schema {STAMP_SCHEMA}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::stamp::unknown_schema),
        help("a different m2fresh version wrote it; use that version or reinstall the module")
    )]
    UnknownSchema {
        /// The stamp file.
        path: PathBuf,
        /// The schema it declares.
        schema: u64,
    },
    /// The stamp could not be written.
    #[error("cannot write stamp {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::stamp::write),
        help("the artifact directory must exist and be writable; was the module installed?")
    )]
    Write {
        /// The stamp file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// `<artifact dir>/<artifactId>-<version>.m2fresh.json`.
pub fn stamp_path(repo: &LocalRepository, gav: &Gav) -> PathBuf {
    repo.artifact_dir(gav)
        .join(format!("{}-{}.m2fresh.json", gav.artifact_id, gav.version))
}

/// Reads the stamp for `gav`: `Ok(None)` when there is none; a stamp that is partial,
/// malformed or of another schema is an error value, so the caller can report it as
/// evidence rather than trust it.
pub fn read_stamp(repo: &LocalRepository, gav: &Gav) -> Result<Option<Stamp>, StampError> {
    let path = stamp_path(repo, gav);
    let bytes = match crate::fsutil::read_record(&path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(None),
        Err(source) => return Err(StampError::Read { path, source }),
    };
    parse_stamp(&path, &bytes).map(Some)
}

fn parse_stamp(path: &Path, bytes: &[u8]) -> Result<Stamp, StampError> {
    let corrupt = |message: String| StampError::Corrupt {
        path: path.to_path_buf(),
        message,
    };
    // The schema is checked before the shape, so a future format is reported as such
    // instead of as corruption.
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let schema = value
        .get("schema")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| corrupt("no numeric \"schema\" field".to_owned()))?;
    if schema != u64::from(STAMP_SCHEMA) && schema != 1 {
        return Err(StampError::UnknownSchema {
            path: path.to_path_buf(),
            schema,
        });
    }
    serde_json::from_value(value).map_err(|e| corrupt(e.to_string()))
}

/// Writes `stamp` into the artifact directory of `stamp.gav`, atomically, and returns its
/// path. The directory must exist: a stamp is only written after a successful install.
pub fn write_stamp(repo: &LocalRepository, stamp: &Stamp) -> Result<PathBuf, StampError> {
    let path = stamp_path(repo, &stamp.gav);
    let mut json = serde_json::to_vec_pretty(stamp).map_err(|e| StampError::Write {
        path: path.clone(),
        source: io::Error::other(e),
    })?;
    json.push(b'\n');
    match crate::fsutil::write_atomically(&path, &json) {
        Ok(()) => Ok(path),
        Err(source) => Err(StampError::Write { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freshness::localrepo::RepositorySource;
    use std::time::SystemTime;

    fn repo(dir: &Path) -> LocalRepository {
        LocalRepository {
            path: dir.to_path_buf(),
            source: RepositorySource::Default,
        }
    }

    fn sample() -> Stamp {
        Stamp {
            schema: STAMP_SCHEMA,
            gav: Gav::new("com.example", "core", "1.0-SNAPSHOT"),
            packaging: "jar".into(),
            fingerprint: "ab".repeat(32),
            model_hash: "cd".repeat(32),
            model: Default::default(),
            inputs: BTreeMap::from([
                ("src/main/java/A.java".into(), "01".repeat(32)),
                ("src/main/resources/a b.txt".into(), "02".repeat(32)),
            ]),
            upstream: BTreeMap::from([("com.example:api".into(), "03".repeat(32))]),
            parameters: Default::default(),
            built_against: BTreeMap::from([("com.example:api".into(), "03".repeat(32))]),
            artifact: Some(ArtifactRecord {
                file: "core-1.0-SNAPSHOT.jar".into(),
                size: 1234,
                blake3: "04".repeat(32),
            }),
            pom_blake3: "05".repeat(32),
            installed_at: crate::fsutil::rfc3339_utc(SystemTime::now()),
            tool: TOOL.into(),
        }
    }

    fn dir_entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn stamp_lives_next_to_the_artifact() {
        let r = repo(Path::new("/r"));
        assert_eq!(
            stamp_path(&r, &Gav::new("com.example", "core", "1.0-SNAPSHOT")),
            Path::new("/r/com/example/core/1.0-SNAPSHOT/core-1.0-SNAPSHOT.m2fresh.json")
        );
    }

    #[test]
    fn round_trip_leaves_only_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let r = repo(dir.path());
        let stamp = sample();
        assert_eq!(read_stamp(&r, &stamp.gav).unwrap(), None);
        std::fs::create_dir_all(r.artifact_dir(&stamp.gav)).unwrap();
        let path = write_stamp(&r, &stamp).unwrap();
        assert_eq!(path, stamp_path(&r, &stamp.gav));
        assert_eq!(read_stamp(&r, &stamp.gav).unwrap(), Some(stamp.clone()));
        // Overwriting goes through a temporary file too; none may be left behind.
        let mut newer = stamp.clone();
        newer.fingerprint = "ff".repeat(32);
        write_stamp(&r, &newer).unwrap();
        assert_eq!(read_stamp(&r, &stamp.gav).unwrap(), Some(newer));
        assert_eq!(
            dir_entries(&r.artifact_dir(&stamp.gav)),
            vec!["core-1.0-SNAPSHOT.m2fresh.json".to_owned()]
        );
    }

    #[test]
    fn partial_stamp_is_reported_as_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let r = repo(dir.path());
        let stamp = sample();
        std::fs::create_dir_all(r.artifact_dir(&stamp.gav)).unwrap();
        let path = write_stamp(&r, &stamp).unwrap();
        let full = std::fs::read(&path).unwrap();
        for cut in [0, 1, full.len() / 2, full.len() - 3] {
            std::fs::write(&path, &full[..cut]).unwrap();
            match read_stamp(&r, &stamp.gav) {
                Err(StampError::Corrupt { path: p, .. }) => assert_eq!(p, path),
                other => panic!("cut at {cut}: expected Corrupt, got {other:?}"),
            }
        }
        // Valid JSON of the wrong shape is corrupt too.
        std::fs::write(&path, br#"{"schema": 1, "gav": "nope"}"#).unwrap();
        assert!(matches!(
            read_stamp(&r, &stamp.gav),
            Err(StampError::Corrupt { .. })
        ));
    }

    #[test]
    fn stamps_are_readable_by_everyone_who_reads_the_repository() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let r = repo(dir.path());
        let stamp = sample();
        std::fs::create_dir_all(r.artifact_dir(&stamp.gav)).unwrap();
        let path = write_stamp(&r, &stamp).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
    }

    #[test]
    fn unknown_schema_is_its_own_error() {
        let dir = tempfile::tempdir().unwrap();
        let r = repo(dir.path());
        let gav = sample().gav;
        std::fs::create_dir_all(r.artifact_dir(&gav)).unwrap();
        std::fs::write(stamp_path(&r, &gav), br#"{"schema": 3, "whatever": true}"#).unwrap();
        assert!(matches!(
            read_stamp(&r, &gav),
            Err(StampError::UnknownSchema { schema: 3, .. })
        ));
    }

    /// A stamp of the first schema (before build parameters and `builtAgainst`) is read,
    /// so its module is reported stale by the recipe, not as an unreadable stamp.
    #[test]
    fn a_schema_1_stamp_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let r = repo(dir.path());
        let mut old = serde_json::to_value(sample()).unwrap();
        old["schema"] = 1.into();
        let fields = old.as_object_mut().unwrap();
        fields.remove("parameters");
        fields.remove("built_against");
        let gav = sample().gav;
        std::fs::create_dir_all(r.artifact_dir(&gav)).unwrap();
        std::fs::write(stamp_path(&r, &gav), old.to_string()).unwrap();
        let read = read_stamp(&r, &gav).unwrap().unwrap();
        assert_eq!(read.schema, 1);
        assert!(read.built_against.is_empty());
    }

    #[test]
    fn writing_into_a_missing_directory_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let r = repo(dir.path());
        let stamp = sample();
        let err = write_stamp(&r, &stamp).unwrap_err();
        assert!(matches!(err, StampError::Write { .. }));
        assert!(err.to_string().contains("core-1.0-SNAPSHOT.m2fresh.json"));
        assert!(dir_entries(dir.path()).is_empty());
    }

    #[test]
    fn artifact_record_names_size_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("core-1.0.jar");
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let record = ArtifactRecord::from_file(&path).unwrap();
        assert_eq!(record.file, "core-1.0.jar");
        assert_eq!(record.size, 200_000);
        assert_eq!(record.blake3, blake3::hash(&bytes).to_hex().to_string());
    }
}

//! The tag guard: which content each image tag m2fresh emitted or built stood for.
//!
//! A rebuilt image pushed under a tag that already exists is not picked up by a running
//! workload, so m2fresh refuses to hand out a known `name:tag` for different content.
//! The ledger lives in the local repository (`.m2fresh/image-tags.json`), next to what it
//! guards; it is written atomically (temporary file + rename) and merged under a lock, so
//! two runs never lose each other's entries.

use super::reference::{next_version, split_reference};
use super::{ImageError, TagHolder};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The version of the ledger's JSON layout.
pub const LEDGER_SCHEMA: u32 = 1;

/// How far m2fresh saw a tag go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LedgerState {
    /// Emitted as a command (or planned by a library caller); whether it ran is unknown.
    /// Entries of ledgers written before the state was kept read as planned.
    #[default]
    Planned,
    /// Its steps ran and succeeded.
    Built,
}

/// What one `name:tag` was recorded for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    /// The module fingerprint (hex blake3) the image was built from.
    pub fingerprint: String,
    /// When it was recorded, in seconds since the Unix epoch.
    pub recorded_at: u64,
    /// Planned or built.
    #[serde(default)]
    pub state: LedgerState,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LedgerFile {
    schema: u32,
    #[serde(default)]
    images: BTreeMap<String, LedgerEntry>,
}

/// The record of which fingerprint each image `name:tag` stood for.
///
/// Typical use: [`TagLedger::open_in`] the local repository, [`check`](Self::check) the
/// plan's image, build or emit it, [`record`](Self::record) it, [`save`](Self::save).
#[derive(Debug)]
pub struct TagLedger {
    path: PathBuf,
    entries: BTreeMap<String, LedgerEntry>,
    /// Images recorded by this process, which `save` writes over what is on disk.
    recorded: BTreeSet<String>,
}

impl TagLedger {
    /// The ledger's file for a local repository: `<repo>/.m2fresh/image-tags.json`.
    pub fn path_in(local_repository: &Path) -> PathBuf {
        local_repository.join(".m2fresh").join("image-tags.json")
    }

    /// Opens the ledger of a local repository (see [`path_in`](Self::path_in)).
    pub fn open_in(local_repository: &Path) -> Result<Self, ImageError> {
        Self::open(&Self::path_in(local_repository))
    }

    /// Reads the ledger at `path`; a missing file is an empty ledger. No lock is needed:
    /// the file is only ever replaced whole, by rename.
    pub fn open(path: &Path) -> Result<Self, ImageError> {
        Ok(TagLedger {
            path: path.to_path_buf(),
            entries: read_entries(path)?,
            recorded: BTreeSet::new(),
        })
    }

    /// The file this ledger reads and writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What `image` (`name:tag`) was recorded for, if anything.
    pub fn get(&self, image: &str) -> Option<&LedgerEntry> {
        self.entries.get(image)
    }

    /// Accepts `image` for `fingerprint` when it is new or was recorded for the same
    /// fingerprint; otherwise [`ImageError::TagReused`], with the next version (from the
    /// tag, when it is a version) as the suggested bump.
    pub fn check(&self, image: &str, fingerprint: &str) -> Result<(), ImageError> {
        match self.entries.get(image) {
            Some(entry) if entry.fingerprint != fingerprint => Err(tag_reused(
                image,
                &entry.fingerprint,
                fingerprint,
                match entry.state {
                    LedgerState::Built => TagHolder::LedgerBuilt,
                    LedgerState::Planned => TagHolder::LedgerPlanned,
                },
            )),
            _ => Ok(()),
        }
    }

    /// Records that `image` stands for `fingerprint`, as planned or built (replacing an
    /// earlier record, as `--allow-retag` wants; a tag built for the same content stays
    /// built when it is planned again). Takes effect on disk with [`save`](Self::save).
    pub fn record(&mut self, image: &str, fingerprint: &str, state: LedgerState) {
        let recorded_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let state = match self.entries.get(image) {
            Some(old) if old.fingerprint == fingerprint => old.state.max(state),
            _ => state,
        };
        self.entries.insert(
            image.to_owned(),
            LedgerEntry {
                fingerprint: fingerprint.to_owned(),
                recorded_at,
                state,
            },
        );
        self.recorded.insert(image.to_owned());
    }

    /// Writes this process's records into the ledger file. Under an exclusive lock on a
    /// sibling `.lock` file it re-reads the file, lays this ledger's records over it (so
    /// entries other runs saved meanwhile are kept), and replaces it atomically.
    pub fn save(&mut self) -> Result<(), ImageError> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(|source| ImageError::LedgerWrite {
            path: dir.clone(),
            source,
        })?;
        let lock_path = lock_path(&self.path);
        let lock = crate::fsutil::lock_exclusive(&lock_path, &|_| {}).map_err(|source| {
            ImageError::LedgerLock {
                path: lock_path.clone(),
                source,
            }
        })?;
        // The lock is released when `lock` is dropped, also on the error paths.
        let mut merged = read_entries(&self.path)?;
        for image in &self.recorded {
            if let Some(entry) = self.entries.get(image) {
                merged.insert(image.clone(), entry.clone());
            }
        }
        let text = serde_json::to_string_pretty(&LedgerFile {
            schema: LEDGER_SCHEMA,
            images: merged.clone(),
        })
        .map_err(|e| ImageError::LedgerWrite {
            path: self.path.clone(),
            source: io::Error::other(e),
        })?;
        crate::fsutil::write_atomically(&self.path, text.as_bytes()).map_err(|source| {
            ImageError::LedgerWrite {
                path: self.path.clone(),
                source,
            }
        })?;
        drop(lock);
        self.entries = merged;
        self.recorded.clear();
        Ok(())
    }
}

/// The refusal of a tag that stands for other content, with the next version (from the
/// tag, when it is a version) as the suggested bump.
pub(crate) fn tag_reused(
    image: &str,
    recorded: &str,
    fingerprint: &str,
    holder: TagHolder,
) -> ImageError {
    let (_, tag, _) = split_reference(image);
    let suggestion = tag.and_then(next_version);
    let help = match &suggestion {
        Some(next) => format!(
            "the module's content changed since this tag was made: bump the project version to {next}, or use `--tag-policy version-fingerprint`, or pass `--allow-retag` to overwrite the tag anyway"
        ),
        None => "the module's content changed since this tag was made: commit the changes (with `--tag-policy git`), or use `--tag-policy version-fingerprint`, or pass `--allow-retag` to overwrite the tag anyway".to_owned(),
    };
    ImageError::TagReused {
        image: image.to_owned(),
        state: holder,
        recorded_fingerprint: recorded.to_owned(),
        fingerprint: fingerprint.to_owned(),
        suggestion,
        help: help.into(),
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

fn read_entries(path: &Path) -> Result<BTreeMap<String, LedgerEntry>, ImageError> {
    let bytes = match crate::fsutil::read_record(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(BTreeMap::new()),
        Err(source) => {
            return Err(ImageError::LedgerRead {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let file: LedgerFile =
        serde_json::from_slice(&bytes).map_err(|source| ImageError::LedgerParse {
            path: path.to_path_buf(),
            source,
        })?;
    if file.schema != LEDGER_SCHEMA {
        return Err(ImageError::LedgerSchema {
            path: path.to_path_buf(),
            schema: file.schema,
        });
    }
    Ok(file.images)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const FP_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn same_content_same_tag_is_accepted_across_runs() {
        let repo = tempfile::tempdir().unwrap();
        let mut ledger = TagLedger::open_in(repo.path()).unwrap();
        ledger.check("app:1.0.3", FP_A).unwrap();
        ledger.record("app:1.0.3", FP_A, LedgerState::Built);
        ledger.save().unwrap();
        assert!(repo.path().join(".m2fresh/image-tags.json").is_file());

        let again = TagLedger::open_in(repo.path()).unwrap();
        again.check("app:1.0.3", FP_A).unwrap();
        again.check("app:1.0.4", FP_B).unwrap();
        assert_eq!(again.get("app:1.0.3").unwrap().fingerprint, FP_A);
    }

    #[test]
    fn changed_content_is_refused_with_the_next_version() {
        let repo = tempfile::tempdir().unwrap();
        let mut ledger = TagLedger::open_in(repo.path()).unwrap();
        ledger.record(
            "reg.example.com:5000/team/app:1.0-SNAPSHOT",
            FP_A,
            LedgerState::Built,
        );
        ledger.save().unwrap();

        let ledger = TagLedger::open_in(repo.path()).unwrap();
        let err = ledger
            .check("reg.example.com:5000/team/app:1.0-SNAPSHOT", FP_B)
            .unwrap_err();
        match &err {
            ImageError::TagReused {
                image,
                recorded_fingerprint,
                suggestion,
                ..
            } => {
                assert_eq!(image, "reg.example.com:5000/team/app:1.0-SNAPSHOT");
                assert_eq!(recorded_fingerprint, FP_A);
                assert_eq!(suggestion.as_deref(), Some("1.1-SNAPSHOT"));
            }
            other => panic!("{other:?}"),
        }
        let help = miette::Diagnostic::help(&err).unwrap().to_string();
        assert!(help.contains("1.1-SNAPSHOT"), "{help}");
        assert!(help.contains("--tag-policy version-fingerprint"), "{help}");
        assert!(help.contains("--allow-retag"), "{help}");
    }

    #[test]
    fn git_tags_get_no_version_suggestion() {
        let mut ledger = TagLedger::open(Path::new("/nonexistent/ledger.json")).unwrap();
        ledger.record("app:3f2a9c1b0d4e-dirty", FP_A, LedgerState::Built);
        match ledger.check("app:3f2a9c1b0d4e-dirty", FP_B) {
            Err(ImageError::TagReused {
                suggestion, help, ..
            }) => {
                assert_eq!(suggestion, None);
                assert!(help.contains("commit"), "{help}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn planned_and_built_are_told_apart_and_built_stays_built() {
        let repo = tempfile::tempdir().unwrap();
        let mut ledger = TagLedger::open_in(repo.path()).unwrap();
        ledger.record("app:1", FP_A, LedgerState::Planned);
        ledger.save().unwrap();
        let mut ledger = TagLedger::open_in(repo.path()).unwrap();
        assert_eq!(ledger.get("app:1").unwrap().state, LedgerState::Planned);
        match ledger.check("app:1", FP_B) {
            Err(ImageError::TagReused { state, .. }) => {
                assert_eq!(state, TagHolder::LedgerPlanned)
            }
            other => panic!("{other:?}"),
        }
        ledger.record("app:1", FP_A, LedgerState::Built);
        ledger.record("app:1", FP_A, LedgerState::Planned);
        ledger.save().unwrap();
        let ledger = TagLedger::open_in(repo.path()).unwrap();
        assert_eq!(ledger.get("app:1").unwrap().state, LedgerState::Built);
        let err = ledger.check("app:1", FP_B).unwrap_err();
        assert!(err.to_string().contains("was already built"), "{err}");
        // A ledger written before the state was kept reads as planned.
        let old = repo.path().join("old.json");
        fs::write(
            &old,
            format!(
                r#"{{"schema":1,"images":{{"a:1":{{"fingerprint":"{FP_A}","recordedAt":1}}}}}}"#
            ),
        )
        .unwrap();
        assert_eq!(
            TagLedger::open(&old).unwrap().get("a:1").unwrap().state,
            LedgerState::Planned
        );
    }

    #[test]
    fn retag_replaces_the_record() {
        let repo = tempfile::tempdir().unwrap();
        let mut ledger = TagLedger::open_in(repo.path()).unwrap();
        ledger.record("app:1", FP_A, LedgerState::Built);
        ledger.save().unwrap();
        let mut ledger = TagLedger::open_in(repo.path()).unwrap();
        ledger.record("app:1", FP_B, LedgerState::Built);
        ledger.save().unwrap();
        let ledger = TagLedger::open_in(repo.path()).unwrap();
        ledger.check("app:1", FP_B).unwrap();
        assert!(ledger.check("app:1", FP_A).is_err());
    }

    #[test]
    fn concurrent_saves_keep_every_entry() {
        let repo = tempfile::tempdir().unwrap();
        // All ledgers are opened before any saves, so each holds a stale view.
        let ledgers: Vec<TagLedger> = (0..16)
            .map(|_| TagLedger::open_in(repo.path()).unwrap())
            .collect();
        std::thread::scope(|s| {
            for (i, mut ledger) in ledgers.into_iter().enumerate() {
                s.spawn(move || {
                    for j in 0..5 {
                        ledger.record(&format!("app{i}:{j}"), FP_A, LedgerState::Built);
                        ledger.save().unwrap();
                    }
                });
            }
        });
        let ledger = TagLedger::open_in(repo.path()).unwrap();
        for i in 0..16 {
            for j in 0..5 {
                assert!(
                    ledger.get(&format!("app{i}:{j}")).is_some(),
                    "app{i}:{j} lost"
                );
            }
        }
    }

    #[test]
    fn corrupt_and_future_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("image-tags.json");
        fs::write(&path, "{not json").unwrap();
        let err = TagLedger::open(&path).unwrap_err();
        assert!(matches!(err, ImageError::LedgerParse { .. }));
        assert!(err.to_string().contains("image-tags.json"), "{err}");

        fs::write(&path, r#"{"schema":99,"images":{}}"#).unwrap();
        assert!(matches!(
            TagLedger::open(&path),
            Err(ImageError::LedgerSchema { schema: 99, .. })
        ));
    }
}

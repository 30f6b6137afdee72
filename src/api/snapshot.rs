//! The interface of an installed artifact, kept before `install` overwrites it: its
//! class model (no code) and its REST endpoints, in a JSON file next to the artifact and
//! its stamp (`<artifactId>-<version>.m2fresh-api.json`). After the install, the new
//! artifact is compared with it ([`super::ApiReport::new`], [`crate::contract::diff`]).

use super::ApiError;
use super::archive::ClassSet;
use super::classfile::Class;
use crate::contract::Endpoint;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The version of the snapshot file.
pub const SCHEMA: u32 = 1;

/// The largest snapshot read back.
const MAX_BYTES: u64 = 256 << 20;

/// What is kept of an artifact's interface.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The artifact it was taken from.
    pub artifact: PathBuf,
    /// Every class, as [`super::archive::read`] read it.
    pub classes: Vec<Class>,
    /// The REST endpoints, when the module is a service.
    pub endpoints: Option<Vec<Endpoint>>,
}

impl Snapshot {
    /// The classes, as a [`ClassSet`] to compare with.
    pub fn class_set(&self) -> ClassSet {
        ClassSet {
            source: self.artifact.clone(),
            classes: self
                .classes
                .iter()
                .map(|c| (c.name.clone(), c.clone()))
                .collect(),
            unreadable: Vec::new(),
        }
    }
}

/// Where the snapshot of `artifact` is kept: beside it, `<stem>.m2fresh-api.json`.
pub fn path_for(artifact: &Path) -> PathBuf {
    let stem = artifact
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    artifact.with_file_name(format!("{stem}.m2fresh-api.json"))
}

/// Takes the snapshot of `artifact` and writes it (atomically) beside it.
pub fn save(artifact: &Path, endpoints: Option<Vec<Endpoint>>) -> Result<PathBuf, ApiError> {
    let set = super::archive::read(artifact)?;
    let snapshot = Snapshot {
        schema: SCHEMA,
        artifact: artifact.to_path_buf(),
        classes: set.classes.into_values().collect(),
        endpoints,
    };
    let path = path_for(artifact);
    let io = |source| ApiError::Io {
        action: "cannot write",
        path: path.clone(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let json = serde_json::to_vec(&snapshot).map_err(|e| io(std::io::Error::other(e)))?;
    file.write_all(&json).map_err(io)?;
    file.persist(&path).map_err(|e| io(e.error))?;
    Ok(path)
}

/// Reads a snapshot back.
pub fn load(path: &Path) -> Result<Snapshot, ApiError> {
    let io = |source| ApiError::Io {
        action: "cannot read",
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(ApiError::Unreadable {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_BYTES} bytes"),
        });
    }
    let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| ApiError::Unreadable {
        path: path.to_path_buf(),
        reason: format!("not an m2fresh API snapshot: {e}"),
    })?;
    if snapshot.schema != SCHEMA {
        return Err(ApiError::Unreadable {
            path: path.to_path_buf(),
            reason: format!(
                "snapshot schema {} (this m2fresh reads {SCHEMA})",
                snapshot.schema
            ),
        });
    }
    Ok(snapshot)
}

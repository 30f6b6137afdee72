//! Maven coordinates: the names by which modules and artifacts are found.

use serde::{Deserialize, Serialize};
use std::fmt;

/// `groupId:artifactId:version` of a project, after interpolation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Gav {
    /// The groupId.
    pub group_id: String,
    /// The artifactId.
    pub artifact_id: String,
    /// The version.
    pub version: String,
}

impl Gav {
    /// Coordinates from their three parts.
    pub fn new(
        group_id: impl Into<String>,
        artifact_id: impl Into<String>,
        version: impl Into<String>,
    ) -> Self {
        Gav {
            group_id: group_id.into(),
            artifact_id: artifact_id.into(),
            version: version.into(),
        }
    }

    /// `groupId:artifactId`, the versionless key Maven's reactor uses.
    pub fn ga(&self) -> String {
        format!("{}:{}", self.group_id, self.artifact_id)
    }

    /// Whether this is a SNAPSHOT version (`1.0-SNAPSHOT`, or a timestamped one).
    pub fn is_snapshot(&self) -> bool {
        self.version.ends_with("-SNAPSHOT") || self.version == "SNAPSHOT"
    }
}

impl fmt::Display for Gav {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.group_id, self.artifact_id, self.version)
    }
}

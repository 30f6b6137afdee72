//! Evidence: why m2fresh believes an artifact in the local repository was, or was not,
//! built from the sources on disk now. Each piece is data (kind, path, detail) so that a
//! CI step or another tool can act on it, and `why` can print it.

use serde::Serialize;

/// One observation about an installed artifact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What was observed.
    pub kind: EvidenceKind,
    /// The file, jar entry or module concerned, `/`-separated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// A sentence for the user.
    pub detail: String,
}

impl Evidence {
    /// Evidence of a kind about a path.
    pub fn new(kind: EvidenceKind, path: Option<String>, detail: impl Into<String>) -> Self {
        Evidence {
            kind,
            path,
            detail: detail.into(),
        }
    }
}

/// The kinds of [`Evidence`]. The JSON names are kebab-case (`file-changed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    // From the stamp m2fresh wrote when it installed the artifact.
    /// An input file that did not exist at install time.
    FileAdded,
    /// An input file whose content changed since the install.
    FileChanged,
    /// An input file that existed at install time and is gone.
    FileRemoved,
    /// The effective model (dependencies, properties, plugins, parent) changed.
    ModelChanged,
    /// An upstream module's fingerprint changed: this one was built against other code.
    UpstreamChanged,
    /// A build parameter (`-D`, `-P`, a Maven argument) differs from the install's.
    ParameterChanged,
    /// An upstream artifact in the local repository was replaced since this module was
    /// built against it.
    UpstreamReplaced,
    /// The artifact differs from the one the stamp describes: something else installed
    /// over it.
    ArtifactReplaced,
    /// The stamp could not be read (corrupt, partial, unknown schema).
    StampUnreadable,

    // From the artifact itself, for artifacts m2fresh did not install.
    /// The jar is truncated or not a zip at all.
    BrokenArtifact,
    /// A top-level type the sources define has no `.class` in the jar.
    MissingClass,
    /// A top-level `.class` in the jar whose source file is gone.
    OrphanClass,
    /// A resource is not in the jar.
    ResourceMissing,
    /// A resource's bytes in the jar differ from the file on disk.
    ResourceDiffers,
    /// `META-INF/maven/<groupId>/<artifactId>/pom.xml` differs from today's `pom.xml`.
    PomDiffers,
    /// The POM installed next to the artifact differs from today's `pom.xml`: consumers
    /// resolve dependencies from the old one.
    InstalledPomDiffers,
    /// A source was modified after the jar was written.
    SourceNewer,
}

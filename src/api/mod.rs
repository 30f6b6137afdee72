//! Interface changes at the class-file level: what changed in a module's public API
//! between two versions, and what that means for its consumers (`m2fresh api`).
//!
//! - [`classfile`]: the class-file model (access, hierarchy, members, constants,
//!   annotations), read with `cafebabe`;
//! - [`archive`]: the classes of a jar or a `target/classes` directory, with bounds;
//! - [`hierarchy`]: superclass chains and interfaces, and the JDK types rules need;
//! - [`diff`]: the changes, classified binary- and source-compatible as japicmp does
//!   (JLS ch. 13), plus changed compile-time constants;
//! - [`snapshot`]: an installed artifact's interface, kept before `install` overwrites it;
//! - [`impact`]: the install flow's report of what changed and what follows from it;
//! - [`input`]: what `OLD` and `NEW` name (a jar, `g:a:v` in the local repository, a
//!   module's installed or freshly built artifact).
//!
//! [`crate::contract`] reads REST endpoints from the same class model.
//!
//! # Deliberate differences from japicmp
//!
//! - A changed compile-time constant is reported (`constant-changed`): binary and source
//!   compatible, but consumers compiled against the old value keep it until rebuilt.
//! - The JDK is not read: its types are known only through a small table (exception,
//!   collection and stream classes; `java.lang.Object`'s methods). japicmp loads them
//!   from the running JVM, so a change that only the full JDK hierarchy reveals (a
//!   superclass swapped for a JDK class that the table does not know) can differ.
//! - Generic signatures are compared as written (`generics-changed`, source
//!   incompatible), where japicmp compares parsed type arguments.

pub mod archive;
pub mod classfile;
pub mod diff;
pub mod hierarchy;
pub mod impact;
pub mod input;
pub mod snapshot;

use miette::Diagnostic;
use serde::Serialize;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub use diff::{Change, ChangeKind};

/// The version of the `api` JSON document.
pub const SCHEMA: u32 = 1;

/// Why two versions could not be compared.
#[derive(Debug, Error, Diagnostic)]
pub enum ApiError {
    /// A file or directory could not be read.
    #[error("{action} {}", path.display())]
    #[diagnostic(
        code(m2fresh::api::io),
        help("check that the path exists and is readable")
    )]
    Io {
        /// What m2fresh was doing.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A jar or class directory is not usable.
    #[error("cannot read the classes of {}: {reason}", path.display())]
    #[diagnostic(
        code(m2fresh::api::unreadable),
        help("rebuild the artifact (`mvn package`), or pass another jar")
    )]
    Unreadable {
        /// The jar or directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// `OLD` or `NEW` names nothing m2fresh can find.
    #[error("{message}")]
    #[diagnostic(code(m2fresh::api::not_found))]
    NotFound {
        /// What was looked for, and where.
        message: String,
        /// What to do.
        #[help]
        help: Option<String>,
    },
}

/// The `api` report: every change between two versions, and a summary.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiReport {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The old version: the jar or directory read.
    pub old: String,
    /// The new version.
    pub new: String,
    /// The changes, by type, member and kind.
    pub changes: Vec<Change>,
    /// How many changes of each consequence.
    pub summary: ApiSummary,
}

/// Counts of [`ApiReport::changes`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiSummary {
    /// Changes that break code compiled against the old version.
    pub binary_incompatible: usize,
    /// Changes that break code written against the old version when it is recompiled.
    pub source_incompatible: usize,
    /// Compile-time constants whose value changed: consumers must be recompiled.
    pub constants_changed: usize,
}

impl ApiReport {
    /// Builds the report for two versions' classes.
    pub fn new(old: &archive::ClassSet, new: &archive::ClassSet) -> ApiReport {
        let changes = diff::compare(old, new);
        let summary = ApiSummary {
            binary_incompatible: changes.iter().filter(|c| !c.binary_compatible).count(),
            source_incompatible: changes.iter().filter(|c| !c.source_compatible).count(),
            constants_changed: changes
                .iter()
                .filter(|c| c.change == ChangeKind::ConstantChanged)
                .count(),
        };
        ApiReport {
            schema: SCHEMA,
            old: old.source.display().to_string(),
            new: new.source.display().to_string(),
            changes,
            summary,
        }
    }

    /// Whether consumers are affected: something breaks them, or they must be
    /// recompiled to see a new constant (`m2fresh api` exits 1 then).
    pub fn affects_consumers(&self) -> bool {
        self.summary.binary_incompatible > 0
            || self.summary.source_incompatible > 0
            || self.summary.constants_changed > 0
    }

    /// The types with at least one binary-incompatible change (what japicmp's
    /// `--only-incompatible` report lists as `binaryCompatible="false"`).
    pub fn binary_incompatible_types(&self) -> std::collections::BTreeSet<&str> {
        self.changes
            .iter()
            .filter(|c| !c.binary_compatible)
            .map(|c| c.type_name.as_str())
            .collect()
    }
}

/// Compares the classes of two jars or class directories.
pub fn compare_paths(old: &Path, new: &Path) -> Result<ApiReport, ApiError> {
    let old = archive::read(old)?;
    let new = archive::read(new)?;
    Ok(ApiReport::new(&old, &new))
}

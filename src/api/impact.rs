//! Interface changes in the install flow: before `install` overwrites the planned
//! modules' artifacts, [`keep`] takes a [`super::snapshot`] of each; after it,
//! [`report`] compares them with what was installed and says, per module, what changed
//! in its API and REST contract, which workspace consumers were rebuilt for it (and which
//! were not), and for a service whose contract changed, that the registry may still hold
//! the old contract under the same service version and that its image needs a new tag.
//!
//! Both are best effort: an artifact that cannot be read is skipped, never a failed
//! install.

use super::input::Side;
use super::snapshot;
use super::{ApiReport, ApiSummary, Change, ChangeKind};
use crate::building::install::{InstallReport, ModuleResult};
use crate::building::plan::Plan;
use crate::contract::service::{self, ServiceVersion};
use crate::contract::{self, EndpointChange};
use crate::maven::workspace::ModuleId;
use crate::project::Project;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The snapshots [`keep`] took: module → snapshot file, and the service version the old
/// artifact was configured with.
#[derive(Debug, Default)]
pub struct Kept {
    snapshots: HashMap<ModuleId, (PathBuf, Option<ServiceVersion>)>,
}

/// What one installed module's new artifact changed.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleInterface {
    /// `groupId:artifactId`.
    pub id: String,
    /// The API summary, old installed artifact vs new.
    pub api: ApiSummary,
    /// The API changes other than plain additions.
    pub changes: Vec<Change>,
    /// The REST contract's changes (services only).
    pub contract: Vec<EndpointChange>,
    /// Workspace modules that use it and were reinstalled in this run.
    pub consumers_rebuilt: Vec<String>,
    /// Workspace modules that use it and were not: when consumers are affected, they
    /// still hold the old constants or link against the old API.
    pub consumers_not_rebuilt: Vec<String>,
    /// For a service whose contract changed: registration and image advice.
    pub service: Option<ServiceAdvice>,
}

/// What a service whose contract changed needs besides the new jar.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAdvice {
    /// The version it registers under, as its new artifact configures it.
    pub version: Option<ServiceVersion>,
    /// Whether that version differs from the old artifact's.
    pub version_changed: bool,
    /// What to do, in words.
    pub advice: Vec<String>,
}

/// Takes a snapshot of each planned module's installed artifact (and, for a module with
/// endpoints, its contract against its installed upstream), before the install.
pub fn keep(project: &Project, plan: &Plan) -> Kept {
    let mut kept = Kept::default();
    let (ws, graph, repo) = (&project.workspace, &project.graph, &project.repository);
    for planned in &plan.install {
        let m = ws.module(planned.module);
        if m.packaging == "pom" {
            continue;
        }
        let Some(artifact) = repo
            .main_artifact(&m.gav, &m.packaging)
            .filter(|p| inside_repository(&repo.path, p))
        else {
            continue;
        };
        let endpoints =
            contract::module_classpath(ws, graph, repo, planned.module, Side::Installed)
                .and_then(|input| contract::read_endpoints(&input))
                .ok();
        if let Ok(path) = snapshot::save(&artifact, endpoints) {
            let version = service_version_in_jar(&artifact);
            kept.snapshots.insert(planned.module, (path, version));
        }
    }
    kept
}

/// Compares each installed module's new artifact with its snapshot.
pub fn report(project: &Project, kept: &Kept, installed: &InstallReport) -> Vec<ModuleInterface> {
    let (ws, graph, repo) = (&project.workspace, &project.graph, &project.repository);
    let reinstalled: Vec<ModuleId> = installed
        .modules
        .iter()
        .filter(|m| matches!(m.result, ModuleResult::Installed))
        .map(|m| m.module)
        .collect();
    let mut out = Vec::new();
    for &id in &reinstalled {
        let Some((path, old_version)) = kept.snapshots.get(&id) else {
            continue;
        };
        let m = ws.module(id);
        let (Ok(old), Some(artifact)) = (
            snapshot::load(path),
            repo.main_artifact(&m.gav, &m.packaging),
        ) else {
            continue;
        };
        let Ok(new_classes) = super::archive::read(&artifact) else {
            continue;
        };
        let api = ApiReport::new(&old.class_set(), &new_classes);
        let new_endpoints = contract::module_classpath(ws, graph, repo, id, Side::Installed)
            .and_then(|input| contract::read_endpoints(&input))
            .ok();
        let contract_changes = match (&old.endpoints, &new_endpoints) {
            (Some(old), Some(new)) => contract::diff(old, new),
            _ => Vec::new(),
        };
        let consumers: Vec<ModuleId> = ws
            .modules
            .iter()
            .map(|c| c.id)
            .filter(|c| graph.needs(*c).iter().any(|e| e.to == id))
            .collect();
        let (rebuilt, not_rebuilt): (Vec<ModuleId>, Vec<ModuleId>) =
            consumers.into_iter().partition(|c| reinstalled.contains(c));
        let service = (!contract_changes.is_empty()).then(|| {
            let version = service_version_in_jar(&artifact);
            advise(&m.gav.artifact_id, old_version.as_ref(), version)
        });
        let changes: Vec<Change> = api
            .changes
            .into_iter()
            .filter(|c| {
                !matches!(
                    c.change,
                    ChangeKind::TypeAdded
                        | ChangeKind::MethodAdded
                        | ChangeKind::FieldAdded
                        | ChangeKind::ConstructorAdded
                )
            })
            .collect();
        if changes.is_empty() && contract_changes.is_empty() {
            continue;
        }
        let key = |ids: Vec<ModuleId>| ids.into_iter().map(|c| ws.module(c).key()).collect();
        out.push(ModuleInterface {
            id: m.key(),
            api: api.summary,
            changes,
            contract: contract_changes,
            consumers_rebuilt: key(rebuilt),
            consumers_not_rebuilt: key(not_rebuilt),
            service,
        });
    }
    out
}

/// Whether `artifact` is a regular file inside the repository: coordinates are text from
/// POMs, and the snapshot is written beside the artifact before `install` checks them.
fn inside_repository(repository: &Path, artifact: &Path) -> bool {
    let (Ok(repository), Ok(artifact)) = (repository.canonicalize(), artifact.canonicalize())
    else {
        return false;
    };
    artifact.starts_with(&repository)
        && std::fs::symlink_metadata(&artifact).is_ok_and(|m| m.file_type().is_file())
}

fn advise(name: &str, old: Option<&ServiceVersion>, new: Option<ServiceVersion>) -> ServiceAdvice {
    let version_changed = match (old, &new) {
        (Some(o), Some(n)) => o.value != n.value,
        _ => false,
    };
    let mut advice = Vec::new();
    match &new {
        Some(v) if !version_changed => advice.push(format!(
            "its REST contract changed but {} is still {}: the registry may still hold the old \
             contract for {name} {}; bump {} or delete the old registration before deploying",
            v.key, v.value, v.value, v.key
        )),
        Some(v) => advice.push(format!(
            "its REST contract changed and {} changed to {}: it registers as a new version",
            v.key, v.value
        )),
        None => advice.push(format!(
            "its REST contract changed: if a registry keys {name}'s contract by version, \
             register it under a new version"
        )),
    }
    advice.push(format!(
        "rebuild {name}'s image under a new tag: a workload does not pick up a rebuilt image \
         pushed under the same tag"
    ));
    ServiceAdvice {
        version: new,
        version_changed,
        advice,
    }
}

/// The service version configured in a jar's resources (at its root, or under
/// `BOOT-INF/classes/` in a Spring Boot jar).
pub fn service_version_in_jar(jar: &Path) -> Option<ServiceVersion> {
    let file = std::fs::File::open(jar).ok()?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).ok()?;
    let dir = tempfile::tempdir().ok()?;
    for name in service::FILES {
        for prefix in ["", "BOOT-INF/classes/"] {
            let Ok(entry) = archive.by_name(&format!("{prefix}{name}")) else {
                continue;
            };
            let mut text = Vec::new();
            // Configuration files are small; a larger entry is not one.
            if entry.take(1 << 20).read_to_end(&mut text).is_ok() {
                let _ = std::fs::write(dir.path().join(name), &text);
            }
        }
    }
    service::service_version(dir.path()).map(|mut v| {
        v.file = jar.join(v.file.file_name().unwrap_or_default());
        v
    })
}

//! Freshness: for each module, was the artifact in the local repository built from the
//! sources on disk now? With the evidence.
//!
//! - `fresh`: m2fresh's stamp says it installed this artifact from sources with the
//!   current fingerprint, and the artifact is still the one it installed.
//! - `stale`: the stamp's fingerprint differs (the evidence lists the files added, changed
//!   and removed, a changed model, the upstream modules that changed), or an artifact
//!   m2fresh did not install contradicts today's sources.
//! - `missing`: nothing at these coordinates.
//! - `unverified`: installed by something else (plain `mvn install`, another checkout),
//!   and nothing in it contradicts today's sources; it may still be old.
//! - `foreign`: a stamp exists, but the artifact, or the POM installed beside it, was
//!   overwritten or edited since.

use crate::coords::Gav;
use crate::error::{Error, Result};
use crate::freshness::evidence::{Evidence, EvidenceKind};
use crate::freshness::fingerprint::files::StatCache;
use crate::freshness::fingerprint::{self, Fingerprints, ModuleFingerprint};
use crate::freshness::jar::{self, JarExpectations, ResourceFile, SourceFile};
use crate::freshness::localrepo::LocalRepository;
use crate::freshness::stamp::{self, Stamp};
use crate::maven::graph::ReactorGraph;
use crate::maven::pom::text;
use crate::maven::workspace::{Module, ModuleId, Workspace};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeSet;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// The freshness of one installed module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Installed by m2fresh from the current sources.
    Fresh,
    /// Built from other sources than today's.
    Stale,
    /// Not in the local repository.
    Missing,
    /// Installed by something else; nothing contradicts today's sources.
    Unverified,
    /// Installed by m2fresh, then overwritten by something else.
    Foreign,
}

impl Status {
    /// The lowercase name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Fresh => "fresh",
            Status::Stale => "stale",
            Status::Missing => "missing",
            Status::Unverified => "unverified",
            Status::Foreign => "foreign",
        }
    }
}

/// The installed artifact as found on disk.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ArtifactInfo {
    /// Its path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// Its modification time, RFC 3339 UTC.
    pub modified: Option<String>,
    /// Its blake3, hex.
    pub blake3: String,
}

/// What the stamp says, when there is one.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StampInfo {
    /// The stamp file.
    pub path: PathBuf,
    /// When m2fresh installed the artifact.
    pub installed_at: String,
    /// The fingerprint of the sources it was installed from.
    pub fingerprint: String,
    /// The m2fresh that wrote it.
    pub tool: String,
}

/// One module in a [`CheckReport`].
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ModuleStatus {
    /// The module.
    #[serde(skip)]
    pub module: ModuleId,
    /// `groupId:artifactId`.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its packaging.
    pub packaging: String,
    /// Its freshness.
    pub status: Status,
    /// The artifact's path in the local repository (null when missing).
    pub artifact: Option<PathBuf>,
    /// The current fingerprint of its sources, hex.
    pub fingerprint: String,
    /// Why the status is what it is.
    pub evidence: Vec<Evidence>,
    /// The installed artifact, when there is one.
    pub installed: Option<ArtifactInfo>,
    /// The stamp, when there is one.
    pub stamp: Option<StampInfo>,
    /// Checked against a remote repository (`check --remote`): the artifact deployed
    /// there. `artifact`, `installed` and `stamp` are then about nothing local (null).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployed: Option<DeployedInfo>,
}

/// The artifact in a remote repository, as `check --remote` found it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedInfo {
    /// The repository's id.
    pub repository: String,
    /// The artifact's URL (a SNAPSHOT's timestamped build).
    pub url: String,
    /// The version as deployed (`1.0-20240101.120000-3` for a SNAPSHOT).
    pub version: String,
    /// The checksum the repository publishes for it, when it publishes one.
    pub checksum: Option<ChecksumInfo>,
    /// The m2fresh stamp deployed with it, when there is one.
    pub stamp: Option<DeployedStampInfo>,
}

/// A checksum as a repository publishes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChecksumInfo {
    /// `sha1` or `sha256`.
    pub algorithm: String,
    /// Lowercase hex.
    pub value: String,
}

/// What a remote stamp says.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployedStampInfo {
    /// The stamp's URL.
    pub url: String,
    /// When it was deployed.
    pub deployed_at: String,
    /// The fingerprint of the sources the artifact was built from.
    pub fingerprint: String,
    /// The m2fresh that wrote it.
    pub tool: String,
}

/// A remote repository a report was checked against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RepositoryInfo {
    /// Its id.
    pub id: String,
    /// Its URL (never with credentials).
    pub url: String,
    /// Where it was configured (`distributionManagement`, `settings`, `pom`, `mirror`,
    /// `command line`).
    pub source: String,
}

impl ModuleStatus {
    /// `m` with its fingerprint and no artifact: missing until evidence says otherwise.
    pub(crate) fn missing(m: &Module, fp: &ModuleFingerprint) -> ModuleStatus {
        ModuleStatus {
            module: m.id,
            id: m.key(),
            version: m.gav.version.clone(),
            packaging: m.packaging.clone(),
            status: Status::Missing,
            artifact: None,
            fingerprint: fp.fingerprint.clone(),
            evidence: Vec::new(),
            installed: None,
            stamp: None,
            deployed: None,
        }
    }

    /// One line of evidence for `check`'s table.
    pub fn summary(&self) -> String {
        match self.status {
            Status::Fresh if self.deployed.is_some() => {
                "deployed by m2fresh from these sources".into()
            }
            Status::Fresh => "installed by m2fresh from these sources".into(),
            Status::Missing if self.deployed.is_some() => "not in the remote repository".into(),
            Status::Missing => "not in the local repository".into(),
            Status::Unverified if self.evidence.is_empty() && self.deployed.is_some() => {
                "deployed by something else; nothing in it contradicts the sources".into()
            }
            Status::Unverified if self.evidence.is_empty() => {
                "installed by something else; nothing in it contradicts the sources".into()
            }
            _ => {
                let first = self
                    .evidence
                    .first()
                    .map_or_else(String::new, |e| e.detail.clone());
                match self.evidence.len() {
                    0 | 1 => first,
                    n => format!("{first} (and {} more)", n - 1),
                }
            }
        }
    }
}

/// How many modules have each status.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Modules checked.
    pub total: usize,
    /// Modules that are fresh.
    pub fresh: usize,
    /// Modules that are stale.
    pub stale: usize,
    /// Modules that are missing.
    pub missing: usize,
    /// Modules that are unverified.
    pub unverified: usize,
    /// Modules that are foreign.
    pub foreign: usize,
}

/// `m2fresh check --format json`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CheckReport {
    /// Always [`crate::report::SCHEMA`].
    pub schema: u32,
    /// The local repository checked.
    pub local_repository: PathBuf,
    /// The remote repositories checked against (`check --remote`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Vec<RepositoryInfo>>,
    /// The modules, in build order.
    pub modules: Vec<ModuleStatus>,
    /// Counts.
    pub summary: Summary,
    /// The warnings about the POMs of these modules and their graph, grouped by cause
    /// ([`crate::maven::findings::grouped`]).
    pub findings: Vec<crate::error::Finding>,
}

impl CheckReport {
    /// Whether every module is fresh (the exit code 0 of `check`).
    pub fn all_fresh(&self) -> bool {
        self.modules.iter().all(|m| m.status == Status::Fresh)
    }

    /// The status of a module, when it was checked.
    pub fn get(&self, id: ModuleId) -> Option<&ModuleStatus> {
        self.modules.iter().find(|m| m.module == id)
    }
}

/// Checks `modules` (the targets' upstream closure, in build order, as
/// [`ReactorGraph::upstream`] gives it) against the local repository.
///
/// ```no_run
/// use m2fresh::maven::{graph::ReactorGraph, workspace::{LoadOptions, Workspace}};
/// use m2fresh::freshness::fingerprint::files::StatCache;
/// use m2fresh::freshness::localrepo::{LocalRepository, RepositorySource};
/// let ws = Workspace::load("fixtures/xuecheng".as_ref(), &LoadOptions::default())?;
/// let graph = ReactorGraph::build(&ws)?;
/// let target = ws.find("xc-service-portalview")?;
/// let repo = LocalRepository { path: "/tmp/m2".into(), source: RepositorySource::Explicit };
/// let report = m2fresh::freshness::status::check(&ws, &graph, &repo, &graph.upstream(&[target]), &StatCache::new())?;
/// for m in &report.modules {
///     println!("{:<30} {:?} {}", m.id, m.status, m.summary());
/// }
/// # Ok::<(), m2fresh::error::Error>(())
/// ```
pub fn check(
    ws: &Workspace,
    graph: &ReactorGraph,
    repo: &LocalRepository,
    modules: &[ModuleId],
    cache: &StatCache,
) -> Result<CheckReport> {
    let parameters = fingerprint::params::BuildParameters::of(ws);
    let installed = crate::freshness::installed::Installed::new(repo, cache);
    let runtime = crate::maven::effective::runtime::MavenRuntime::find(&ws.root, None);
    let ctx = fingerprint::Context {
        cache,
        parameters: &parameters,
        installed: &installed,
        repository: Some(&repo.path),
        runtime: &runtime,
    };
    let fingerprints = fingerprint::fingerprint(ws, graph, modules, &ctx)?;
    check_with(ws, repo, modules, &fingerprints)
}

/// [`check`] with fingerprints already computed.
pub fn check_with(
    ws: &Workspace,
    repo: &LocalRepository,
    modules: &[ModuleId],
    fingerprints: &Fingerprints,
) -> Result<CheckReport> {
    let statuses: Vec<ModuleStatus> = modules
        .par_iter()
        .map(|&id| {
            let fp = fingerprints.get(id).ok_or_else(|| {
                Error::usage(format!("no fingerprint for {}", ws.module(id).key()), None)
            })?;
            module_status(ws.module(id), repo, fp)
        })
        .collect::<Result<_>>()?;
    Ok(CheckReport {
        schema: crate::report::SCHEMA,
        local_repository: repo.path.clone(),
        remote: None,
        summary: Summary::of(&statuses),
        modules: statuses,
        findings: crate::maven::findings::for_modules(ws, modules),
    })
}

impl Summary {
    /// The counts of these statuses.
    pub fn of(statuses: &[ModuleStatus]) -> Summary {
        let mut summary = Summary {
            total: statuses.len(),
            ..Default::default()
        };
        for s in statuses {
            match s.status {
                Status::Fresh => summary.fresh += 1,
                Status::Stale => summary.stale += 1,
                Status::Missing => summary.missing += 1,
                Status::Unverified => summary.unverified += 1,
                Status::Foreign => summary.foreign += 1,
            }
        }
        summary
    }
}

/// The artifact m2fresh compares: the main artifact, or the POM for `pom` packaging.
pub fn artifact_path(repo: &LocalRepository, gav: &Gav, packaging: &str) -> PathBuf {
    repo.main_artifact(gav, packaging)
        .unwrap_or_else(|| repo.pom_path(gav))
}

fn artifact_info(path: &Path) -> Result<ArtifactInfo> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io("cannot read", path, e))?;
    let (size, blake3) =
        crate::fsutil::hash_file(path).map_err(|e| Error::io("cannot read", path, e))?;
    Ok(ArtifactInfo {
        path: path.to_path_buf(),
        size,
        modified: meta.modified().ok().map(crate::fsutil::rfc3339_utc),
        blake3,
    })
}

/// Whether a file is installed at `path`. Absent is `false`; a path that cannot be looked
/// at (a local repository this user may not read) is an error, never "missing": the
/// artifact may well be there.
fn is_installed(path: &Path) -> Result<bool> {
    match std::fs::metadata(path) {
        Ok(meta) => Ok(meta.is_file()),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => Ok(false),
        Err(e) => Err(Error::io("cannot look at", path, e)),
    }
}

fn module_status(
    m: &Module,
    repo: &LocalRepository,
    fp: &ModuleFingerprint,
) -> Result<ModuleStatus> {
    let artifact = artifact_path(repo, &m.gav, &m.packaging);
    let mut status = ModuleStatus::missing(m, fp);
    if !is_installed(&artifact)? {
        return Ok(status);
    }
    let info = artifact_info(&artifact)?;
    status.artifact = Some(artifact.clone());
    let stamp = match stamp::read_stamp(repo, &m.gav) {
        Ok(s) => s,
        Err(e) => {
            status.evidence.push(Evidence::new(
                EvidenceKind::StampUnreadable,
                Some(stamp::stamp_path(repo, &m.gav).display().to_string()),
                format!("the stamp cannot be read ({e}); treated as installed by something else"),
            ));
            None
        }
    };
    match stamp {
        Some(stamp) => {
            status.stamp = Some(StampInfo {
                path: stamp::stamp_path(repo, &m.gav),
                installed_at: stamp.installed_at.clone(),
                fingerprint: stamp.fingerprint.clone(),
                tool: stamp.tool.clone(),
            });
            let replaced = replaced_since_stamp(repo, &stamp, &artifact, &info)?;
            if !replaced.is_empty() {
                status.status = Status::Foreign;
                status.evidence = replaced;
            } else if stamp.fingerprint == fp.fingerprint && !upstream_replaced(&stamp, fp) {
                status.status = Status::Fresh;
            } else {
                status.status = Status::Stale;
                status.evidence = stamp_differences(&stamp, fp);
            }
        }
        None => {
            status
                .evidence
                .extend(unstamped_evidence(m, repo, &artifact, fp)?);
            status.status = if status
                .evidence
                .iter()
                .any(|e| e.kind != EvidenceKind::StampUnreadable)
            {
                Status::Stale
            } else {
                Status::Unverified
            };
        }
    }
    status.installed = Some(info);
    Ok(status)
}

/// What of the installed artifact set differs from what the stamp recorded: the main
/// artifact, and the POM installed beside it (consumers resolve the module's
/// dependencies from that POM; for `pom` packaging it is the artifact itself). Empty when
/// both are the bytes m2fresh installed.
pub fn replaced_since_stamp(
    repo: &LocalRepository,
    stamp: &Stamp,
    artifact: &Path,
    info: &ArtifactInfo,
) -> Result<Vec<Evidence>> {
    let mut evidence = Vec::new();
    let recorded = match &stamp.artifact {
        Some(a) => a.blake3.as_str(),
        None => stamp.pom_blake3.as_str(),
    };
    if recorded != info.blake3 {
        evidence.push(Evidence::new(
            EvidenceKind::ArtifactReplaced,
            Some(artifact.display().to_string()),
            format!(
                "the artifact was replaced after m2fresh installed it at {} (now {} bytes, modified {})",
                stamp.installed_at,
                info.size,
                info.modified.as_deref().unwrap_or("?")
            ),
        ));
    }
    if stamp.artifact.is_none() {
        return Ok(evidence);
    }
    let pom = repo.pom_path(&stamp.gav);
    let detail = match crate::fsutil::hash_file(&pom) {
        Ok((_, blake3)) if blake3 == stamp.pom_blake3 => None,
        Ok((size, _)) => Some(format!(
            "the POM installed beside the artifact, {}, was edited or replaced after m2fresh \
             installed it at {} (now {size} bytes): consumers resolve the dependencies from it",
            pom.display(),
            stamp.installed_at
        )),
        Err(e) if matches!(e.kind(), ErrorKind::NotFound) => Some(format!(
            "the POM installed beside the artifact, {}, was removed after m2fresh installed \
             it at {}: consumers cannot resolve the dependencies",
            pom.display(),
            stamp.installed_at
        )),
        Err(e) => return Err(Error::io("cannot read", &pom, e)),
    };
    if let Some(detail) = detail {
        evidence.push(Evidence::new(
            EvidenceKind::ArtifactReplaced,
            Some(pom.display().to_string()),
            detail,
        ));
    }
    Ok(evidence)
}

/// What changed between the install the stamp records and the sources now.
pub fn stamp_differences(stamp: &Stamp, fp: &ModuleFingerprint) -> Vec<Evidence> {
    differences_since(stamp, fp, Since::Install)
}

/// What a stamp was written for: an install into the local repository, or a deploy into
/// a remote one (whose stamp says nothing of this machine's local repository).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Since {
    /// `install`: the stamp is beside the artifact in the local repository.
    Install,
    /// `deploy`: the stamp is beside the artifact in a remote repository.
    Deploy,
}

impl Since {
    fn words(self) -> &'static str {
        match self {
            Since::Install => "the install",
            Since::Deploy => "the deploy",
        }
    }
}

/// [`stamp_differences`] for a stamp written at an install or a deploy: the same evidence,
/// said of that event. A deployed stamp's `builtAgainst` describes the deploying
/// machine's local repository, so it is not compared with this one's.
pub fn differences_since(stamp: &Stamp, fp: &ModuleFingerprint, since: Since) -> Vec<Evidence> {
    let when = since.words();
    let mut ev = Vec::new();
    for (path, hash) in &fp.inputs {
        match stamp.inputs.get(path) {
            None => ev.push(Evidence::new(
                EvidenceKind::FileAdded,
                Some(path.clone()),
                format!("{path} was added since {when}"),
            )),
            Some(old) if old != hash => ev.push(Evidence::new(
                EvidenceKind::FileChanged,
                Some(path.clone()),
                format!("{path} changed since {when}"),
            )),
            _ => {}
        }
    }
    for path in stamp.inputs.keys() {
        if !fp.inputs.contains_key(path) {
            ev.push(Evidence::new(
                EvidenceKind::FileRemoved,
                Some(path.clone()),
                format!("{path} was removed since {when}"),
            ));
        }
    }
    if stamp.model_hash != fp.model_hash {
        let items = stamp.model.differences(&fp.model);
        if items.is_empty() {
            ev.push(Evidence::new(
                EvidenceKind::ModelChanged,
                Some("pom.xml".into()),
                format!(
                    "the effective POM changed since {when} (a dependency, property, \
                     plugin or parent)"
                ),
            ));
        }
        for (item, sentence) in items {
            ev.push(Evidence::new(
                EvidenceKind::ModelChanged,
                Some(item),
                sentence,
            ));
        }
    }
    for (name, sentence) in stamp.parameters.differences(&fp.parameters) {
        ev.push(Evidence::new(
            EvidenceKind::ParameterChanged,
            Some(name),
            sentence,
        ));
    }
    ev.extend(upstream_differences(stamp, fp, since));
    if ev.is_empty() {
        ev.push(Evidence::new(
            EvidenceKind::ModelChanged,
            None,
            format!("the fingerprint recipe changed since {when}"),
        ));
    }
    ev
}

/// What changed in what the module is built against: a workspace module's fingerprint,
/// an artifact from the local repository, or an upstream artifact replaced since.
fn upstream_differences(stamp: &Stamp, fp: &ModuleFingerprint, since: Since) -> Vec<Evidence> {
    let when = since.words();
    let mut ev = Vec::new();
    let describe = |identity: &str| -> String {
        match identity.strip_prefix("blake3:") {
            Some(hash) => format!("an artifact without a valid stamp (blake3 {})", short(hash)),
            None if identity == "absent" => "nothing (not in the local repository)".into(),
            None => format!("fingerprint {}", short(identity)),
        }
    };
    let names: BTreeSet<&String> = stamp.upstream.keys().chain(fp.upstream.keys()).collect();
    for ga in names {
        let sentence = match (stamp.upstream.get(ga), fp.upstream.get(ga)) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(_), Some(_)) if fp.built_against.contains_key(ga) => format!(
                "upstream module {ga} changed since {when}: this one was built against \
                 other code"
            ),
            (Some(a), Some(b)) => format!(
                "built against another {ga}: {} then, {} in the local repository now",
                describe(a),
                describe(b)
            ),
            (None, Some(_)) => format!("{ga} became an upstream module since {when}"),
            (Some(_), None) => format!("{ga} is no longer an upstream module"),
            (None, None) => continue,
        };
        ev.push(Evidence::new(
            EvidenceKind::UpstreamChanged,
            Some(ga.clone()),
            sentence,
        ));
    }
    if since == Since::Deploy {
        return ev;
    }
    // Only where the fingerprint did not change already: a replaced upstream artifact is
    // the reason when the sources agree.
    for (ga, then) in &stamp.built_against {
        match fp.built_against.get(ga) {
            Some(now) if now != then => ev.push(Evidence::new(
                EvidenceKind::UpstreamReplaced,
                Some(ga.clone()),
                format!(
                    "built against another {ga} artifact than the local repository holds \
                     now: {} then, {} now (reinstalled from elsewhere?)",
                    describe(then),
                    describe(now)
                ),
            )),
            _ => {}
        }
    }
    ev
}

/// Whether an upstream artifact the module was built against has been replaced in the
/// local repository since.
fn upstream_replaced(stamp: &Stamp, fp: &ModuleFingerprint) -> bool {
    stamp
        .built_against
        .iter()
        .any(|(ga, then)| fp.built_against.get(ga).is_some_and(|now| now != then))
}

/// The first 16 hex digits of a hash, for messages.
fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

/// Evidence from an artifact m2fresh did not install: the POM next to it, and for jars,
/// their content.
fn unstamped_evidence(
    m: &Module,
    repo: &LocalRepository,
    artifact: &Path,
    fp: &ModuleFingerprint,
) -> Result<Vec<Evidence>> {
    artifact_evidence(m, &repo.pom_path(&m.gav), artifact, fp)
}

/// Evidence from an artifact and the POM beside it that m2fresh did not install (or
/// deploy): the POM differing from today's, and for jars, their content compared with
/// the sources. `installed_pom` may be absent.
pub fn artifact_evidence(
    m: &Module,
    installed_pom: &Path,
    artifact: &Path,
    fp: &ModuleFingerprint,
) -> Result<Vec<Evidence>> {
    let mut ev = Vec::new();
    if installed_pom.is_file() {
        let today = std::fs::read(&m.pom).map_err(|e| Error::io("cannot read", &m.pom, e))?;
        let installed =
            std::fs::read(installed_pom).map_err(|e| Error::io("cannot read", installed_pom, e))?;
        if today != installed {
            ev.push(Evidence::new(
                EvidenceKind::InstalledPomDiffers,
                Some(installed_pom.display().to_string()),
                format!(
                    "the installed POM differs from {}: consumers resolve dependencies from the old one",
                    m.rel_pom
                ),
            ));
        }
    }
    if artifact.extension().is_some_and(|e| e == "jar") {
        let (class_sources, resources) = jar_inputs(m, fp);
        let exp = JarExpectations {
            class_sources: &class_sources,
            resources: &resources,
            pom: Some(&m.pom),
            gav: &m.gav,
        };
        let found = jar::inspect_jar(artifact, &exp)?;
        ev.extend(found);
    }
    Ok(ev)
}

/// Splits the fingerprint's input files into sources (relative to the source root) and
/// unfiltered resources (their path in the jar).
fn jar_inputs(m: &Module, fp: &ModuleFingerprint) -> (Vec<SourceFile>, Vec<ResourceFile>) {
    let src_root = text(&m.effective.build.source_directory).map(PathBuf::from);
    let resource_roots: Vec<(PathBuf, bool)> = m
        .effective
        .build
        .resources
        .iter()
        .filter_map(|r| {
            let dir = PathBuf::from(text(&r.directory)?);
            let comparable = text(&r.filtering) != Some("true") && r.target_path.is_none();
            Some((dir, comparable))
        })
        .collect();
    let mut sources = Vec::new();
    let mut resources = Vec::new();
    for rel in fp.inputs.keys() {
        let abs = crate::maven::model::normalize(&m.dir.join(rel));
        if let Some(root) = &src_root
            && let Ok(under) = abs.strip_prefix(root)
        {
            sources.push(SourceFile {
                relative: under.to_string_lossy().replace('\\', "/"),
                path: abs.clone(),
            });
            continue;
        }
        if let Some((root, comparable)) = resource_roots.iter().find(|(r, _)| abs.starts_with(r))
            && *comparable
            && let Ok(under) = abs.strip_prefix(root)
        {
            resources.push(ResourceFile {
                jar_path: under.to_string_lossy().replace('\\', "/"),
                path: abs.clone(),
            });
        }
    }
    (sources, resources)
}

/// One step of a dependency path in [`WhyReport`].
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PathStep {
    /// The downstream module.
    pub from: String,
    /// The upstream module.
    pub to: String,
    /// Why `from` needs `to`, as in `graph`'s edges: `"kind":"dependency"` with its
    /// `"scope"`, `parent`, `plugin`, `plugin-dependency`, `extension`, `import`.
    #[serde(flatten)]
    pub kind: crate::maven::graph::EdgeKind,
    /// The POM that declares the edge.
    pub pom: String,
    /// Its line.
    pub line: usize,
}

/// `m2fresh why --format json`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WhyReport {
    /// Always [`crate::report::SCHEMA`].
    pub schema: u32,
    /// The local repository.
    pub local_repository: PathBuf,
    /// The remote repositories checked against (`why --remote`); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Vec<RepositoryInfo>>,
    /// The target the path starts from, when one was given.
    pub target: Option<String>,
    /// How the target reaches the module.
    pub path: Vec<PathStep>,
    /// The module's status with all its evidence.
    pub module: ModuleStatus,
    /// The workspace's findings about the module, grouped by cause.
    pub findings: Vec<crate::error::Finding>,
}

/// Explains one module: the path from the target to it, and its status with evidence.
pub fn why(
    ws: &Workspace,
    graph: &ReactorGraph,
    repo: &LocalRepository,
    module: ModuleId,
    target: Option<ModuleId>,
    cache: &StatCache,
) -> Result<WhyReport> {
    let path = match target {
        Some(t) => graph
            .path(t, module)
            .ok_or_else(|| {
                Error::usage(
                    format!(
                        "{} does not need {}",
                        ws.module(t).key(),
                        ws.module(module).key()
                    ),
                    Some(format!(
                        "`m2fresh graph {}` shows what it needs",
                        ws.module(t).gav.artifact_id
                    )),
                )
            })?
            .into_iter()
            .map(|e| PathStep {
                from: ws.module(e.from).key(),
                to: ws.module(e.to).key(),
                kind: e.kind.clone(),
                pom: ws.sources.name(e.loc.source),
                line: ws.sources.line(&e.loc),
            })
            .collect(),
        None => Vec::new(),
    };
    let report = check(ws, graph, repo, &[module], cache)?;
    let status = report.get(module).cloned().ok_or_else(|| {
        Error::usage(format!("{} was not checked", ws.module(module).key()), None)
    })?;
    Ok(WhyReport {
        schema: crate::report::SCHEMA,
        local_repository: repo.path.clone(),
        remote: None,
        target: target.map(|t| ws.module(t).key()),
        path,
        module: status,
        findings: report.findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freshness::localrepo::RepositorySource;
    use crate::maven::workspace::{Discovery, LoadOptions};

    const POM: &str = "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>\
        <artifactId>a</artifactId><version>1</version><packaging>pom</packaging>\
        <properties><x>1</x></properties></project>";

    /// A one-module workspace (`pom` packaging: the POM is the artifact) and a local
    /// repository, both empty of anything else.
    struct Setup {
        _dir: tempfile::TempDir,
        root: PathBuf,
        repo: LocalRepository,
    }

    impl Setup {
        fn new() -> Setup {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("ws");
            std::fs::create_dir_all(&root).unwrap();
            std::fs::write(root.join("pom.xml"), POM).unwrap();
            let repo = LocalRepository {
                path: dir.path().join("repo"),
                source: RepositorySource::Explicit,
            };
            Setup {
                _dir: dir,
                root,
                repo,
            }
        }

        fn load(&self) -> (Workspace, ReactorGraph) {
            let opts = LoadOptions {
                discovery: Discovery::Scan,
                local_repository: Some(self.repo.path.clone()),
                environment: crate::environment::Environment::from_vars::<&str, &str>([]),
                ..LoadOptions::default()
            };
            let ws = Workspace::load(&self.root, &opts).unwrap();
            let graph = ReactorGraph::build(&ws).unwrap();
            (ws, graph)
        }

        fn verdict(&self) -> ModuleStatus {
            let (ws, graph) = self.load();
            let report = check(&ws, &graph, &self.repo, &graph.order, &StatCache::new()).unwrap();
            report.modules.into_iter().next().unwrap()
        }

        /// What `mvn install` leaves: the POM, copied.
        fn install_pom(&self) -> PathBuf {
            let gav = Gav::new("g", "a", "1");
            let installed = self.repo.pom_path(&gav);
            std::fs::create_dir_all(installed.parent().unwrap()).unwrap();
            std::fs::copy(self.root.join("pom.xml"), &installed).unwrap();
            installed
        }

        /// What `m2fresh install` leaves: the POM and a stamp of today's fingerprint.
        fn stamp(&self) {
            let (ws, graph) = self.load();
            let parameters = fingerprint::params::BuildParameters::of(&ws);
            let cache = StatCache::new();
            let installed = crate::freshness::installed::Installed::new(&self.repo, &cache);
            let runtime = crate::maven::effective::runtime::MavenRuntime::embedded("3.8.7");
            let ctx = fingerprint::Context {
                cache: &cache,
                parameters: &parameters,
                installed: &installed,
                repository: Some(&self.repo.path),
                runtime: &runtime,
            };
            let fps = fingerprint::fingerprint(&ws, &graph, &graph.order, &ctx).unwrap();
            let m = ws.module(graph.order[0]);
            crate::building::install::write_install_stamp(
                &self.repo,
                &ws,
                m,
                fps.get(m.id).unwrap(),
            )
            .unwrap();
        }
    }

    /// The verdict table: each status from the state of the local repository that
    /// gives it, and the evidence that comes with it.
    #[test]
    fn each_state_of_the_repository_gives_its_verdict() {
        let s = Setup::new();
        let missing = s.verdict();
        assert_eq!(missing.status, Status::Missing);
        assert_eq!(missing.summary(), "not in the local repository");
        assert!(missing.artifact.is_none() && missing.installed.is_none());

        let installed = s.install_pom();
        let unverified = s.verdict();
        assert_eq!(unverified.status, Status::Unverified, "{unverified:?}");
        assert!(unverified.stamp.is_none());
        assert_eq!(unverified.installed.as_ref().unwrap().path, installed);

        s.stamp();
        let fresh = s.verdict();
        assert_eq!(fresh.status, Status::Fresh, "{fresh:?}");
        assert!(fresh.evidence.is_empty());
        assert_eq!(fresh.stamp.as_ref().unwrap().fingerprint, fresh.fingerprint);

        std::fs::write(s.root.join("pom.xml"), POM.replace("<x>1</x>", "<x>2</x>")).unwrap();
        let stale = s.verdict();
        assert_eq!(stale.status, Status::Stale, "{stale:?}");
        assert!(
            stale.evidence.iter().any(|e| e.detail.contains('x')),
            "the evidence names the property: {:?}",
            stale.evidence
        );

        std::fs::write(s.root.join("pom.xml"), POM).unwrap();
        assert_eq!(
            s.verdict().status,
            Status::Fresh,
            "back to what was stamped"
        );
        std::fs::write(&installed, POM.replace("<x>1</x>", "<x>3</x>")).unwrap();
        let foreign = s.verdict();
        assert_eq!(foreign.status, Status::Foreign, "{foreign:?}");
        assert!(!foreign.evidence.is_empty());
    }

    #[test]
    fn a_stamp_that_cannot_be_read_leaves_the_artifact_unverified() {
        let s = Setup::new();
        s.install_pom();
        let stamp = stamp::stamp_path(&s.repo, &Gav::new("g", "a", "1"));
        std::fs::write(&stamp, "{ not json").unwrap();
        let v = s.verdict();
        assert_eq!(v.status, Status::Unverified, "{v:?}");
        assert_eq!(v.evidence[0].kind, EvidenceKind::StampUnreadable);
    }
}

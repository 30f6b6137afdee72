//! Freshness of the artifacts in a remote repository: `check --remote` (and `plan`,
//! `why`), with the statuses and the evidence vocabulary of the local check.
//!
//! For each module, from the repository its `--remote` resolves to:
//! 1. the deployed version: a SNAPSHOT's newest timestamped build as the version
//!    directory's `maven-metadata.xml` names it, else the version — no metadata, or
//!    nothing at that name: `missing`;
//! 2. the checksum the repository publishes beside the artifact (`.sha1`, else
//!    `.sha256`); none at all: the artifact is read to compute one;
//! 3. the stamp bound to that build (`<artifactId>-<deployed version>.m2fresh.json`):
//!    - none: `unverified` — deployed by something else; the artifact and its POM are
//!      then downloaded (bounded) and compared with today's sources as the local check
//!      compares an unstamped jar, so that evidence can make it `stale`;
//!    - its checksums differ from the published ones, or the POM consumers now resolve
//!      is not the stamped one: `foreign`;
//!    - its fingerprint is today's: `fresh`; otherwise `stale`, with the files, model,
//!      parameters and upstream that changed since the deploy.
//!
//! Jars are not downloaded when checksums suffice: a stamped module costs four small
//! requests (three for a release). Modules are checked in parallel, a few requests at a
//! time. Any failure to reach or read the repository is an error, never `fresh`.

use crate::error::{Error, Result};
use crate::freshness::evidence::{Evidence, EvidenceKind};
use crate::freshness::fingerprint::{Fingerprints, ModuleFingerprint};
use crate::freshness::localrepo::{LocalRepository, base_version};
use crate::freshness::status::{
    CheckReport, ChecksumInfo, DeployedInfo, DeployedStampInfo, ModuleStatus, Since, Status,
    Summary, artifact_evidence, differences_since,
};
use crate::maven::workspace::{Module, ModuleId, Workspace};
use crate::remote::RemoteError;
use crate::remote::config::{Repository, Resolved};
use crate::remote::http::Client;
use crate::remote::layout::{self, ChecksumAlgorithm, file_name};
use crate::remote::stamp::{self, RemoteStamp};
use rayon::prelude::*;

/// How many modules are checked at once: requests wait on the network, not the CPU.
pub const PARALLEL_REQUESTS: usize = 8;

/// The most m2fresh downloads of an artifact without a stamp to look for evidence in it.
pub const MAX_EVIDENCE_BYTES: u64 = 256 << 20;

/// Checks `modules` against the remote repositories `resolved` names for them, with
/// today's `fingerprints`.
///
/// # Errors
///
/// A repository that cannot be reached or read, a file of it that Maven would not have
/// written that way (metadata, a checksum), a local file that cannot be read.
pub fn check(
    ws: &Workspace,
    local: &LocalRepository,
    modules: &[ModuleId],
    fingerprints: &Fingerprints,
    resolved: &Resolved,
    client: &Client,
) -> Result<CheckReport> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(PARALLEL_REQUESTS)
        .build()
        .map_err(|e| Error::usage(format!("cannot start threads: {e}"), None))?;
    let statuses: Vec<ModuleStatus> = pool.install(|| {
        modules
            .par_iter()
            .map(|&id| {
                let m = ws.module(id);
                let fp = fingerprints
                    .get(id)
                    .ok_or_else(|| Error::usage(format!("no fingerprint for {}", m.key()), None))?;
                let repo = resolved.of(id).ok_or_else(|| {
                    Error::usage(format!("no remote repository for {}", m.key()), None)
                })?;
                module_status(client, repo, m, fp)
            })
            .collect::<Result<_>>()
    })?;
    Ok(CheckReport {
        schema: crate::report::SCHEMA,
        local_repository: local.path.clone(),
        remote: Some(resolved.infos()),
        summary: Summary::of(&statuses),
        modules: statuses,
        findings: crate::maven::findings::for_modules(ws, modules),
    })
}

/// The build of a module the repository serves now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployedBuild {
    /// The version of the main artifact as deployed.
    pub version: String,
    /// The version of the POM as deployed (the same build, unless something deployed a
    /// POM alone since).
    pub pom_version: String,
    /// The main artifact's extension and classifier.
    pub extension: String,
    /// See `extension`.
    pub classifier: Option<String>,
}

impl DeployedBuild {
    /// The version directory's path, relative to the repository root.
    pub fn dir(m: &Module) -> String {
        layout::version_dir(&m.gav)
    }

    /// The main artifact's path.
    pub fn artifact_path(&self, m: &Module) -> String {
        format!(
            "{}{}",
            Self::dir(m),
            file_name(
                &m.gav.artifact_id,
                &self.version,
                self.classifier.as_deref(),
                &self.extension
            )
        )
    }

    /// The POM's path.
    pub fn pom_path(&self, m: &Module) -> String {
        format!(
            "{}{}",
            Self::dir(m),
            file_name(&m.gav.artifact_id, &self.pom_version, None, "pom")
        )
    }

    /// The stamp's path.
    pub fn stamp_path(&self, m: &Module) -> String {
        format!(
            "{}{}",
            Self::dir(m),
            stamp::stamp_file(&m.gav.artifact_id, &self.version)
        )
    }
}

/// The build the repository serves for `m`, `None` when it has none.
pub fn deployed_build(
    client: &Client,
    repo: &Repository,
    m: &Module,
) -> Result<Option<DeployedBuild>, RemoteError> {
    let (extension, classifier) = layout::main_extension(&m.packaging);
    if !m.gav.is_snapshot() {
        return Ok(Some(DeployedBuild {
            version: m.gav.version.clone(),
            pom_version: m.gav.version.clone(),
            extension,
            classifier,
        }));
    }
    let path = format!("{}maven-metadata.xml", DeployedBuild::dir(m));
    let Some(bytes) = client.get(repo, &path, layout::MAX_METADATA_BYTES)? else {
        return Ok(None);
    };
    let base = base_version(&m.gav.version);
    let metadata =
        layout::parse_snapshot_metadata(&bytes, &base).map_err(|e| RemoteError::Invalid {
            url: repo.url_of(&path),
            message: e.0,
        })?;
    let Some(version) = metadata.version_of(&base, &extension, classifier.as_deref()) else {
        return Ok(None);
    };
    let pom_version = metadata
        .version_of(&base, "pom", None)
        .unwrap_or_else(|| version.clone());
    Ok(Some(DeployedBuild {
        version,
        pom_version,
        extension,
        classifier,
    }))
}

/// The checksum the repository publishes beside a file: `.sha1` (every Maven deploy
/// writes it), else `.sha256`; `None` when it publishes neither.
pub fn published_checksum(
    client: &Client,
    repo: &Repository,
    path: &str,
) -> Result<Option<(ChecksumAlgorithm, String)>, RemoteError> {
    for algorithm in [ChecksumAlgorithm::Sha1, ChecksumAlgorithm::Sha256] {
        let checksum_path = format!("{path}.{}", algorithm.suffix());
        if let Some(bytes) = client.get(repo, &checksum_path, layout::MAX_CHECKSUM_BYTES)? {
            let value =
                layout::parse_checksum(&bytes, algorithm).map_err(|e| RemoteError::Invalid {
                    url: repo.url_of(&checksum_path),
                    message: e.0,
                })?;
            return Ok(Some((algorithm, value)));
        }
    }
    Ok(None)
}

/// The SHA-1 of a file the repository publishes no checksum for, read in full (bounded);
/// `None` when it is not there.
fn computed_checksum(
    client: &Client,
    repo: &Repository,
    path: &str,
) -> Result<Option<(ChecksumAlgorithm, String)>, RemoteError> {
    Ok(client
        .get(repo, path, MAX_EVIDENCE_BYTES)?
        .map(|bytes| (ChecksumAlgorithm::Sha1, layout::checksums(&bytes).0)))
}

fn module_status(
    client: &Client,
    repo: &Repository,
    m: &Module,
    fp: &ModuleFingerprint,
) -> Result<ModuleStatus> {
    // The coordinates become the URL's path: none may lead out of the repository.
    if let Some(problem) = crate::building::install::unsafe_coordinates(&m.gav) {
        return Err(Error::usage(
            format!("{} cannot be looked up in a repository: {problem}", m.key()),
            Some(format!("fix the coordinates in {}", m.rel_pom)),
        ));
    }
    let mut status = ModuleStatus::missing(m, fp);
    let Some(build) = deployed_build(client, repo, m)? else {
        status.deployed = Some(DeployedInfo {
            repository: repo.id.clone(),
            url: repo.url_of(&DeployedBuild::dir(m)),
            version: m.gav.version.clone(),
            checksum: None,
            stamp: None,
        });
        return Ok(status);
    };
    let artifact = build.artifact_path(m);
    let checksum = match published_checksum(client, repo, &artifact)? {
        Some(c) => Some(c),
        None => computed_checksum(client, repo, &artifact)?,
    };
    let mut deployed = DeployedInfo {
        repository: repo.id.clone(),
        url: repo.url_of(&artifact),
        version: build.version.clone(),
        checksum: checksum.as_ref().map(|(a, v)| ChecksumInfo {
            algorithm: a.suffix().to_string(),
            value: v.clone(),
        }),
        stamp: None,
    };
    let Some(checksum) = checksum else {
        // Metadata names a build whose artifact is not there.
        status.deployed = Some(deployed);
        return Ok(status);
    };
    let stamp_path = build.stamp_path(m);
    let main = (build.extension.as_str(), build.classifier.as_deref());
    let stamp = client
        .get(repo, &stamp_path, stamp::MAX_STAMP_BYTES)?
        .map(|bytes| stamp::parse(&bytes, &m.gav, &build.version, main));
    match stamp {
        Some(Ok(stamp)) => {
            deployed.stamp = Some(DeployedStampInfo {
                url: repo.url_of(&stamp_path),
                deployed_at: stamp.deployed.deployed_at.clone(),
                fingerprint: stamp.stamp.fingerprint.clone(),
                tool: stamp.stamp.tool.clone(),
            });
            let replaced = replaced_since_deploy(client, repo, m, &build, &stamp, &checksum)?;
            if !replaced.is_empty() {
                status.status = Status::Foreign;
                status.evidence = replaced;
            } else if stamp.stamp.fingerprint == fp.fingerprint {
                status.status = Status::Fresh;
            } else {
                status.status = Status::Stale;
                status.evidence = differences_since(&stamp.stamp, fp, Since::Deploy);
            }
        }
        unstamped => {
            if let Some(Err(why)) = unstamped {
                status.evidence.push(Evidence::new(
                    EvidenceKind::StampUnreadable,
                    Some(repo.url_of(&stamp_path)),
                    format!(
                        "the deployed stamp cannot be used ({why}); treated as deployed by \
                         something else"
                    ),
                ));
            }
            let found = unstamped_evidence(client, repo, m, &build, fp)?;
            let contradicted = !found.is_empty();
            status.evidence.extend(found);
            status.status = if contradicted {
                Status::Stale
            } else {
                Status::Unverified
            };
        }
    }
    status.deployed = Some(deployed);
    Ok(status)
}

/// What of the deployed build differs from what its stamp recorded: the artifact's
/// published checksum, and the POM consumers resolve (another build's, or other bytes).
fn replaced_since_deploy(
    client: &Client,
    repo: &Repository,
    m: &Module,
    build: &DeployedBuild,
    stamp: &RemoteStamp,
    (algorithm, published): &(ChecksumAlgorithm, String),
) -> Result<Vec<Evidence>> {
    let mut evidence = Vec::new();
    let at = &stamp.deployed.deployed_at;
    let recorded = stamp
        .deployed
        .artifact
        .as_ref()
        .unwrap_or(&stamp.deployed.pom);
    if recorded.checksum(*algorithm) != published {
        let path = build.artifact_path(m);
        evidence.push(Evidence::new(
            EvidenceKind::ArtifactReplaced,
            Some(repo.url_of(&path)),
            format!(
                "the artifact in repository {} was replaced after m2fresh deployed it at {at} \
                 (its {} is now {})",
                repo.id,
                algorithm.suffix(),
                short(published)
            ),
        ));
        return Ok(evidence);
    }
    if stamp.deployed.artifact.is_none() {
        return Ok(evidence);
    }
    let pom = build.pom_path(m);
    if build.pom_version != build.version {
        evidence.push(Evidence::new(
            EvidenceKind::ArtifactReplaced,
            Some(repo.url_of(&pom)),
            format!(
                "the POM consumers resolve from repository {} is build {}, not the build \
                 {} m2fresh deployed at {at}",
                repo.id, build.pom_version, build.version
            ),
        ));
        return Ok(evidence);
    }
    let now = match published_checksum(client, repo, &pom)? {
        Some(c) => Some(c),
        None => computed_checksum(client, repo, &pom)?,
    };
    let same = now
        .as_ref()
        .is_some_and(|(a, v)| stamp.deployed.pom.checksum(*a) == v);
    if !same {
        evidence.push(Evidence::new(
            EvidenceKind::ArtifactReplaced,
            Some(repo.url_of(&pom)),
            format!(
                "the POM deployed beside the artifact was {} after m2fresh deployed it at \
                 {at}: consumers resolve the dependencies from it",
                if now.is_some() { "replaced" } else { "removed" }
            ),
        ));
    }
    Ok(evidence)
}

/// Evidence from a deployed artifact without a stamp: it is downloaded (with its POM)
/// into a temporary directory and compared with today's sources, as the local check
/// compares an artifact m2fresh did not install.
fn unstamped_evidence(
    client: &Client,
    repo: &Repository,
    m: &Module,
    build: &DeployedBuild,
    fp: &ModuleFingerprint,
) -> Result<Vec<Evidence>> {
    let dir =
        tempfile::tempdir().map_err(|e| Error::io("cannot create", "a temporary directory", e))?;
    let pom_file = dir.path().join("deployed.pom");
    let artifact_path = build.artifact_path(m);
    let pom_path = build.pom_path(m);
    client.download(repo, &pom_path, &pom_file, MAX_EVIDENCE_BYTES)?;
    let artifact_file = if build.extension == "pom" {
        pom_file.clone()
    } else {
        let file = dir.path().join(format!("deployed.{}", build.extension));
        if client
            .download(repo, &artifact_path, &file, MAX_EVIDENCE_BYTES)?
            .is_none()
        {
            return Ok(Vec::new());
        }
        file
    };
    let found = artifact_evidence(m, &pom_file, &artifact_file, fp)?;
    // Name the repository's files, not the temporary copies.
    let temp = dir.path().display().to_string();
    Ok(found
        .into_iter()
        .map(|mut e| {
            let url_for = |p: &str| {
                if p.contains("deployed.pom") {
                    repo.url_of(&pom_path)
                } else {
                    repo.url_of(&artifact_path)
                }
            };
            if let Some(p) = e.path.as_mut()
                && p.starts_with(&temp)
            {
                *p = url_for(p);
            }
            if e.detail.contains(&temp) {
                e.detail = e
                    .detail
                    .replace(&pom_file.display().to_string(), &repo.url_of(&pom_path))
                    .replace(
                        &artifact_file.display().to_string(),
                        &repo.url_of(&artifact_path),
                    );
            }
            e
        })
        .collect())
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

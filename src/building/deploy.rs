//! The remote side of building: `deploy`, and `install --from-remote`.
//!
//! **`deploy`** runs the install pipeline ([`crate::building::install`]: the lock, one
//! reactor or one Maven per module, the same `-D`/`-P`/settings, stamps only for what
//! Maven actually built) with Maven's `deploy` phase for a plan made against the remote
//! repository (what is not fresh *there*). Maven deploys as it always does; then, for
//! each module it deployed and m2fresh stamped locally, m2fresh finds the build Maven
//! uploaded — the URL in Maven's `Uploaded to` lines, else the newest build
//! `maven-metadata.xml` names — checks that the repository's checksums of that build are
//! those of the bytes this run installed (another runner's build of the same SNAPSHOT is
//! never stamped as ours), and uploads the remote stamp beside it with `PUT`, as Maven
//! uploads (and its `.sha1`). Upstream modules that are fresh in the remote repository
//! but absent locally are downloaded first, so that Maven resolves them.
//!
//! **`install --from-remote`** plans as `install` does, downloads each planned module
//! whose remote stamp matches today's fingerprint ([`crate::remote::fetch`]) instead of
//! building it, and installs the rest with Maven.

use crate::building::exec::{CancelToken, Outcome, Progress};
use crate::building::install::{
    self, Goal, InstallOptions, InstallReport, InstalledModule, ModuleResult, RepositoryLock,
};
use crate::building::plan::Plan;
use crate::error::{Error, Result};
use crate::freshness::stamp;
use crate::freshness::status::Status;
use crate::maven::workspace::{Module, ModuleId};
use crate::project::{Project, Remote};
use crate::remote::config::Repository;
use crate::remote::layout::{self, file_name};
use crate::remote::stamp::{Deployed, DeployedFile, RemoteStamp};
use crate::remote::status::{DeployedBuild, deployed_build, published_checksum};
use crate::remote::{RemoteError, RemoteSpec};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

/// Deploys a plan made against the remote repository (`project.check_remote_for_build`
/// then [`Project::plan`]), and uploads a stamp beside each build Maven deployed.
///
/// `spec` is how the repository was named: a repository other than the POM's
/// `<distributionManagement>` reaches Maven as `-DaltDeploymentRepository`.
///
/// # Errors
///
/// As [`install::install`]; a remote repository that cannot be reached for the upstream
/// downloads. Failures of Maven, and stamps that could not be uploaded, are results in
/// the report (`failed`, `not-stamped`).
#[allow(clippy::too_many_arguments)]
pub fn deploy(
    lock: &RepositoryLock,
    project: &Project,
    plan: &Plan,
    opts: &InstallOptions,
    remote: &Remote,
    spec: &RemoteSpec,
    progress: &dyn Progress<ModuleId>,
    cancel: &CancelToken,
) -> Result<InstallReport> {
    let alt_repository = alt_repository(plan, remote, spec)?;
    let mut notes = Vec::new();
    let mut downloaded = fetch_upstream(project, plan, remote, progress, &mut notes)?;
    let goal = Goal::Deploy { alt_repository };
    let mut report = install::run_goal(lock, project, plan, opts, &goal, progress, cancel)?;
    for m in &mut report.modules {
        if !matches!(m.result, ModuleResult::Installed) {
            continue;
        }
        let module = project.workspace.module(m.module);
        let Some(repo) = remote.resolved.of(m.module) else {
            continue;
        };
        m.result = match upload_stamp(project, remote, repo, module, &m.log) {
            Ok((version, stamp)) => ModuleResult::Deployed { version, stamp },
            Err(e) => ModuleResult::NotStamped {
                message: format!("deployed, but its stamp was not uploaded: {e}"),
            },
        };
    }
    downloaded.append(&mut report.modules);
    report.modules = downloaded;
    notes.append(&mut report.notes);
    report.notes = notes;
    report.remote = Some(remote.resolved.infos());
    Ok(report)
}

/// `-DaltDeploymentRepository` for a repository named on the command line; none for the
/// POM's own `<distributionManagement>`.
fn alt_repository(plan: &Plan, remote: &Remote, spec: &RemoteSpec) -> Result<Option<String>> {
    if *spec == RemoteSpec::Deployment {
        return Ok(None);
    }
    let mut repos: Vec<&Repository> = plan
        .install
        .iter()
        .filter_map(|p| remote.resolved.of(p.module))
        .collect();
    repos.dedup();
    match repos.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(format!("{}::default::{}", one.id, one.url))),
        _ => Err(Error::usage(
            format!(
                "the planned modules resolve to {} repositories; one deploy goes to one",
                repos.len()
            ),
            Some("name one repository with --remote ID or URL".into()),
        )),
    }
}

/// Downloads the upstream of the plan that is fresh in the remote repository but not in
/// the local one, so that Maven resolves the artifacts the plan was checked against. A
/// module that cannot be downloaded is left to Maven (with a note).
fn fetch_upstream(
    project: &Project,
    plan: &Plan,
    remote: &Remote,
    progress: &dyn Progress<ModuleId>,
    notes: &mut Vec<String>,
) -> Result<Vec<InstalledModule>> {
    let planned: Vec<ModuleId> = plan.install.iter().map(|p| p.module).collect();
    let upstream: Vec<ModuleId> = project
        .graph
        .upstream(&planned)
        .into_iter()
        .filter(|id| !planned.contains(id))
        .collect();
    if upstream.is_empty() {
        return Ok(Vec::new());
    }
    let (local, fingerprints) = project.check_for_build(&upstream, &[])?;
    let wanted: Vec<ModuleId> = local
        .modules
        .iter()
        .filter(|s| s.status != Status::Fresh)
        .map(|s| s.module)
        .collect();
    download_many(project, remote, &wanted, &fingerprints, progress, notes)
}

/// Downloads modules into the local repository, a few at a time (each writes its own
/// directory; the caller holds the install lock), then stamps them one by one in build
/// order, so that each local stamp records its downloaded upstream as stamped, and tells
/// the progress. A module that cannot be downloaded is named in `notes` and left out.
fn download_many(
    project: &Project,
    remote: &Remote,
    wanted: &[ModuleId],
    fingerprints: &crate::freshness::fingerprint::Fingerprints,
    progress: &dyn Progress<ModuleId>,
    notes: &mut Vec<String>,
) -> Result<Vec<InstalledModule>> {
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(crate::remote::status::PARALLEL_REQUESTS)
        .build()
        .map_err(|e| Error::usage(format!("cannot start threads: {e}"), None))?;
    let mut wanted = wanted.to_vec();
    let order: std::collections::HashMap<ModuleId, usize> = project
        .graph
        .order
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i))
        .collect();
    wanted.sort_by_key(|id| order.get(id).copied().unwrap_or(usize::MAX));
    let fetched: Vec<(
        ModuleId,
        Duration,
        std::result::Result<FetchedModule, String>,
    )> = pool.install(|| {
        wanted
            .par_iter()
            .map(|&id| {
                let started = Instant::now();
                let result = fetch_one(project, remote, id, fingerprints);
                (id, started.elapsed(), result)
            })
            .collect()
    });
    let mut out = Vec::new();
    for (id, fetching, result) in fetched {
        let m = project.workspace.module(id);
        let started = Instant::now();
        let stamped = result.and_then(|(fetched, fp)| {
            fetched
                .stamp(&project.repository, &project.workspace, fp)
                .map_err(|e| e.to_string())
        });
        match stamped {
            Ok(done) => {
                let took = fetching + started.elapsed();
                progress.started(id);
                progress.finished(id, &Outcome::Succeeded(took), took);
                out.push(InstalledModule {
                    module: id,
                    id: m.key(),
                    result: ModuleResult::Downloaded {
                        version: done.version,
                        from: done.url.clone(),
                    },
                    millis: install::millis(took),
                    log: done.stamp,
                    command: format!("GET {}", done.url),
                    argv: Vec::new(),
                    cwd: None,
                });
            }
            Err(why) => notes.push(format!(
                "{} was not downloaded ({why}); Maven builds or resolves it",
                m.key()
            )),
        }
    }
    Ok(out)
}

/// A module's fetched files and the fingerprint to stamp them with.
type FetchedModule<'a> = (
    crate::remote::fetch::Fetched,
    &'a crate::freshness::fingerprint::ModuleFingerprint,
);

/// Downloads one module's verified files into the local repository (unstamped).
fn fetch_one<'a>(
    project: &Project,
    remote: &Remote,
    id: ModuleId,
    fingerprints: &'a crate::freshness::fingerprint::Fingerprints,
) -> std::result::Result<FetchedModule<'a>, String> {
    let m = project.workspace.module(id);
    let (Some(repo), Some(fp)) = (remote.resolved.of(id), fingerprints.get(id)) else {
        return Err("no remote repository or fingerprint for it".into());
    };
    let fetched = crate::remote::fetch::fetch(&remote.client, repo, &project.repository, m, fp)
        .map_err(|e| e.to_string())?;
    Ok((fetched, fp))
}

/// Binds the module's local stamp to the build Maven deployed and uploads it: the
/// deployed version and the stamp's URL.
fn upload_stamp(
    project: &Project,
    remote: &Remote,
    repo: &Repository,
    m: &Module,
    log: &Path,
) -> std::result::Result<(String, String), RemoteError> {
    let local = &project.repository;
    let local_stamp = stamp::read_stamp(local, &m.gav)
        .ok()
        .flatten()
        .ok_or_else(|| RemoteError::Local {
            path: stamp::stamp_path(local, &m.gav),
            message: "the local stamp of the build is gone".into(),
        })?;
    let (extension, classifier) = layout::main_extension(&m.packaging);
    let version = match uploaded_version(log, repo, m, &extension, classifier.as_deref()) {
        Some(v) => v,
        None => deployed_build(&remote.client, repo, m)?
            .map(|b| b.version)
            .ok_or_else(|| RemoteError::Mismatch {
                url: repo.url_of(&DeployedBuild::dir(m)),
                message: "Maven succeeded but the repository has no build of it".into(),
            })?,
    };
    let build = DeployedBuild {
        version: version.clone(),
        pom_version: version.clone(),
        extension: extension.clone(),
        classifier: classifier.clone(),
    };
    let local_pom = local.pom_path(&m.gav);
    let pom = deployed_file(
        &local_pom,
        file_name(&m.gav.artifact_id, &version, None, "pom"),
    )?;
    let artifact = match local.main_artifact(&m.gav, &m.packaging) {
        Some(path) => Some(deployed_file(
            &path,
            file_name(
                &m.gav.artifact_id,
                &version,
                classifier.as_deref(),
                &extension,
            ),
        )?),
        None => None,
    };
    // The repository must hold this run's bytes under that build: a runner that deployed
    // the same SNAPSHOT in between has another build, and is not stamped as this one.
    let pairs = [(build.pom_path(m), &pom)]
        .into_iter()
        .chain(artifact.as_ref().map(|a| (build.artifact_path(m), a)));
    for (path, file) in pairs {
        let (algorithm, published) =
            published_checksum(&remote.client, repo, &path)?.ok_or_else(|| {
                RemoteError::Mismatch {
                    url: repo.url_of(&path),
                    message: "the repository publishes no checksum for the deployed file".into(),
                }
            })?;
        if file.checksum(algorithm) != published {
            return Err(RemoteError::Mismatch {
                url: repo.url_of(&path),
                message: format!(
                    "build {version} in the repository is not the one this run deployed \
                     (another deploy of the same version?); not stamped"
                ),
            });
        }
    }
    let remote_stamp = RemoteStamp {
        stamp: local_stamp,
        deployed: Deployed {
            version: version.clone(),
            artifact,
            pom,
            deployed_at: crate::fsutil::rfc3339_utc(SystemTime::now()),
        },
    };
    let mut json = serde_json::to_vec_pretty(&remote_stamp).map_err(|e| RemoteError::Local {
        path: stamp::stamp_path(local, &m.gav),
        message: e.to_string(),
    })?;
    json.push(b'\n');
    let path = build.stamp_path(m);
    remote.client.put(repo, &path, &json)?;
    let (sha1, _) = layout::checksums(&json);
    remote
        .client
        .put(repo, &format!("{path}.sha1"), sha1.as_bytes())?;
    Ok((version, repo.url_of(&path)))
}

fn deployed_file(path: &Path, name: String) -> std::result::Result<DeployedFile, RemoteError> {
    DeployedFile::of(path, name).map_err(|e| RemoteError::Local {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// The version of the main artifact Maven says it uploaded (`Uploaded to ID: URL`) in
/// its log; the last one wins.
fn uploaded_version(
    log: &Path,
    repo: &Repository,
    m: &Module,
    extension: &str,
    classifier: Option<&str>,
) -> Option<String> {
    let text = std::fs::read_to_string(log).ok()?;
    let dir = repo.url_of(&DeployedBuild::dir(m));
    let base = &m.gav.version;
    let suffix = match classifier {
        Some(c) => format!("-{c}.{extension}"),
        None => format!(".{extension}"),
    };
    text.lines()
        .filter_map(|line| line.split_once(&format!("Uploaded to {}: ", repo.id)))
        .filter_map(|(_, rest)| rest.split_whitespace().next())
        .filter_map(|url| url.strip_prefix(&dir))
        .filter_map(|file| file.strip_prefix(&format!("{}-", m.gav.artifact_id)))
        .filter_map(|rest| rest.strip_suffix(&suffix))
        .filter(|v| *v == base || layout::is_timestamped_version_of(v, base))
        .map(str::to_string)
        .next_back()
}

/// `install --from-remote`: each module of `plan` (made as for [`install::install`])
/// whose remote stamp matches today's fingerprint is downloaded instead of built; the
/// rest of the plan is installed with Maven, after the downloads, so that it builds
/// against them. A module that fails to download is built instead (with a note).
///
/// # Errors
///
/// As [`install::install`]; a remote repository that cannot be reached or read.
pub fn install_from_remote(
    lock: &RepositoryLock,
    project: &Project,
    plan: &Plan,
    opts: &InstallOptions,
    remote: &Remote,
    progress: &dyn Progress<ModuleId>,
    cancel: &CancelToken,
) -> Result<InstallReport> {
    let planned: Vec<ModuleId> = plan.install.iter().map(|p| p.module).collect();
    let mut downloaded = Vec::new();
    let mut notes = Vec::new();
    if !planned.is_empty() {
        let (checked, fingerprints) =
            project.check_remote_for_build(&planned, &opts.maven_args, remote)?;
        let fresh: Vec<ModuleId> = checked
            .modules
            .iter()
            .filter(|s| s.status == Status::Fresh)
            .map(|s| s.module)
            .collect();
        if !cancel.is_cancelled() {
            downloaded =
                download_many(project, remote, &fresh, &fingerprints, progress, &mut notes)?;
        }
    }
    let done: Vec<ModuleId> = downloaded.iter().map(|d| d.module).collect();
    let rest = plan.without(&done);
    let mut report = if rest.is_empty() || cancel.is_cancelled() {
        InstallReport {
            cancelled: cancel.is_cancelled(),
            ..InstallReport::nothing_to_do(project)
        }
    } else {
        install::install(lock, project, &rest, opts, progress, cancel)?
    };
    downloaded.append(&mut report.modules);
    report.modules = downloaded;
    notes.append(&mut report.notes);
    report.notes = notes;
    report.remote = Some(remote.resolved.infos());
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{OpenOptions, StatCachePolicy};

    fn team() -> Repository {
        Repository {
            id: "team".into(),
            url: "http://127.0.0.1:8081/repo/snapshots".into(),
            source: "test".into(),
            credentials: None,
        }
    }

    /// The build Maven uploaded is read from its own log: the main artifact's line, of
    /// this module and this repository, the last one winning; other files, other
    /// modules and other repositories are not taken for it.
    #[test]
    fn the_uploaded_build_is_read_from_mavens_log() {
        let dir = tempfile::tempdir().unwrap();
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/xuecheng");
        let opts = OpenOptions::new()
            .local_repository(dir.path().join("repo"))
            .stat_cache(StatCachePolicy::Disabled);
        let project = Project::open(&fixture, &opts).unwrap();
        let api = project
            .workspace
            .module(project.workspace.find("xc-service-api").unwrap());
        let base = "http://127.0.0.1:8081/repo/snapshots/com/xuecheng";
        let log = dir.path().join("api.log");
        std::fs::write(
            &log,
            format!(
                "[INFO] Uploading to team: {base}/xc-service-api/1.0-SNAPSHOT/xc-service-api-1.0-20240101.120000-1.jar\n\
                 [INFO] Uploaded to team: {base}/xc-service-api/1.0-SNAPSHOT/xc-service-api-1.0-20240101.120000-1.pom (1 kB)\n\
                 [INFO] Uploaded to team: {base}/xc-service-api/1.0-SNAPSHOT/xc-service-api-1.0-20240101.120000-1.jar (2 kB at 1 MB/s)\n\
                 [INFO] Uploaded to other: {base}/xc-service-api/1.0-SNAPSHOT/xc-service-api-1.0-20240101.130000-9.jar (2 kB)\n\
                 [INFO] Uploaded to team: {base}/xc-framework-model/1.0-SNAPSHOT/xc-framework-model-1.0-20240101.140000-2.jar (2 kB)\n\
                 [INFO] Uploaded to team: {base}/xc-service-api/1.0-SNAPSHOT/xc-service-api-1.0-20240101.120000-1-sources.jar (2 kB)\n\
                 [INFO] Uploaded to team: {base}/xc-service-api/1.0-SNAPSHOT/xc-service-api-../../x.jar (2 kB)\n"
            ),
        )
        .unwrap();
        assert_eq!(
            uploaded_version(&log, &team(), api, "jar", None).as_deref(),
            Some("1.0-20240101.120000-1")
        );
        assert_eq!(
            uploaded_version(&log, &team(), api, "jar", Some("sources")).as_deref(),
            Some("1.0-20240101.120000-1")
        );
        assert_eq!(uploaded_version(&log, &team(), api, "war", None), None);
        assert_eq!(
            uploaded_version(&dir.path().join("none.log"), &team(), api, "jar", None),
            None
        );
    }
}

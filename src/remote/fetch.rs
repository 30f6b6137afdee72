//! Reuse instead of rebuilding: downloading a module's deployed build into the local
//! repository when its remote stamp's fingerprint is today's (`install --from-remote`).
//!
//! The stamp is read again at download time (not taken from an earlier check), the files
//! are downloaded next to their destination under temporary names, and each must be
//! exactly what the stamp describes — size, SHA-1, SHA-256 and the blake3 the deploying
//! m2fresh recorded — before it is moved into place under the name `mvn install` gives
//! it (`artifactId-1.0-SNAPSHOT.jar`). The module is then stamped locally as if it had
//! been installed from these sources, which it was, on another machine. Anything that
//! does not match is an error and leaves nothing installed (the caller builds instead).

use crate::freshness::fingerprint::ModuleFingerprint;
use crate::freshness::localrepo::LocalRepository;
use crate::freshness::stamp::{self, ArtifactRecord};
use crate::maven::workspace::{Module, Workspace};
use crate::remote::RemoteError;
use crate::remote::config::Repository;
use crate::remote::http::Client;
use crate::remote::stamp::DeployedFile;
use crate::remote::status::{DeployedBuild, deployed_build};
use std::path::{Path, PathBuf};

/// The most m2fresh downloads of one artifact.
pub const MAX_ARTIFACT_BYTES: u64 = 2 << 30;

/// A module downloaded into the local repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Downloaded {
    /// The version downloaded (a SNAPSHOT's timestamped build).
    pub version: String,
    /// The artifact's URL.
    pub url: String,
    /// The local stamp written for it.
    pub stamp: PathBuf,
}

/// Downloads the build of `m` that `repo` serves into `local`, when its stamp says it
/// was built from sources with `fp`'s fingerprint, and stamps it locally: [`fetch`]
/// then [`Fetched::stamp`]. Several modules that need one another are fetched first
/// (in any order, at once) and stamped after, upstream first, so that each local stamp
/// records its upstream as stamped.
///
/// # Errors
///
/// As [`fetch`] and [`Fetched::stamp`].
pub fn download(
    client: &Client,
    repo: &Repository,
    local: &LocalRepository,
    ws: &Workspace,
    m: &Module,
    fp: &ModuleFingerprint,
) -> Result<Downloaded, RemoteError> {
    fetch(client, repo, local, m, fp)?.stamp(local, ws, fp)
}

/// A module's verified files, moved into the local repository, not yet stamped there.
#[derive(Debug)]
#[must_use = "a fetched module is unstamped until `stamp` is called"]
pub struct Fetched {
    version: String,
    url: String,
    stamp: crate::freshness::stamp::Stamp,
    artifact_dest: Option<PathBuf>,
    gav_stamp: PathBuf,
}

impl Fetched {
    /// Writes the local stamp of the fetched module. Its upstream is recorded as the
    /// local repository holds it now: stamp upstream modules first.
    ///
    /// # Errors
    ///
    /// The artifact cannot be read again, or the stamp cannot be written.
    pub fn stamp(
        self,
        local: &LocalRepository,
        ws: &Workspace,
        fp: &ModuleFingerprint,
    ) -> Result<Downloaded, RemoteError> {
        let mut local_stamp = self.stamp;
        local_stamp.artifact = match &self.artifact_dest {
            Some(dest) => Some(
                ArtifactRecord::from_file(dest).map_err(|e| local_error(dest, e.to_string()))?,
            ),
            None => None,
        };
        local_stamp.built_against =
            crate::freshness::installed::identities_now(local, ws, fp.built_against.keys());
        local_stamp.installed_at = crate::fsutil::rfc3339_utc(std::time::SystemTime::now());
        let written = stamp::write_stamp(local, &local_stamp)
            .map_err(|e| local_error(&self.gav_stamp, e.to_string()))?;
        Ok(Downloaded {
            version: self.version,
            url: self.url,
            stamp: written,
        })
    }
}

/// Downloads the build of `m` that `repo` serves into `local`, when its stamp says it
/// was built from sources with `fp`'s fingerprint, and removes its old local stamp:
/// the module is unstamped until [`Fetched::stamp`].
///
/// # Errors
///
/// The build is gone or another, its stamp does not match today's fingerprint, a
/// downloaded file is not the one the stamp describes, the repository cannot be read,
/// or the local repository cannot be written. Nothing is left installed then.
pub fn fetch(
    client: &Client,
    repo: &Repository,
    local: &LocalRepository,
    m: &Module,
    fp: &ModuleFingerprint,
) -> Result<Fetched, RemoteError> {
    if let Some(problem) = crate::building::install::unsafe_coordinates(&m.gav) {
        return Err(local_error(&local.artifact_dir(&m.gav), problem));
    }
    let build = deployed_build(client, repo, m)?.ok_or_else(|| RemoteError::Mismatch {
        url: repo.url_of(&DeployedBuild::dir(m)),
        message: "the repository no longer has a build of it".into(),
    })?;
    let stamp_path = build.stamp_path(m);
    let main = (build.extension.as_str(), build.classifier.as_deref());
    let bytes = client
        .get(repo, &stamp_path, crate::remote::stamp::MAX_STAMP_BYTES)?
        .ok_or_else(|| RemoteError::Mismatch {
            url: repo.url_of(&stamp_path),
            message: "the build has no m2fresh stamp".into(),
        })?;
    let remote =
        crate::remote::stamp::parse(&bytes, &m.gav, &build.version, main).map_err(|message| {
            RemoteError::Invalid {
                url: repo.url_of(&stamp_path),
                message,
            }
        })?;
    if remote.stamp.fingerprint != fp.fingerprint {
        return Err(RemoteError::Mismatch {
            url: repo.url_of(&stamp_path),
            message: "the deployed build is not of today's sources (another deploy came in?)"
                .into(),
        });
    }
    let dir = local.artifact_dir(&m.gav);
    std::fs::create_dir_all(&dir).map_err(|e| local_error(&dir, e.to_string()))?;
    let staged = Staged::new(&dir)?;
    let pom_tmp = staged.fetch(
        client,
        repo,
        &build.pom_path(m),
        &remote.deployed.pom,
        "pom",
    )?;
    check_blake3(
        &pom_tmp,
        &remote.stamp.pom_blake3,
        &repo.url_of(&build.pom_path(m)),
    )?;
    let artifact_tmp = match (&remote.deployed.artifact, &remote.stamp.artifact) {
        (Some(file), Some(record)) => {
            let url = repo.url_of(&build.artifact_path(m));
            let tmp = staged.fetch(client, repo, &build.artifact_path(m), file, "artifact")?;
            check_blake3(&tmp, &record.blake3, &url)?;
            Some(tmp)
        }
        (None, None) => None,
        _ => {
            return Err(RemoteError::Invalid {
                url: repo.url_of(&stamp_path),
                message: "the stamp's artifact records disagree".into(),
            });
        }
    };
    // The old stamp goes first: from here until the new one is written, the module is
    // unstamped (never stamped for bytes it does not describe).
    let old = stamp::stamp_path(local, &m.gav);
    if let Err(e) = std::fs::remove_file(&old)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        return Err(local_error(&old, e.to_string()));
    }
    let pom_dest = local.pom_path(&m.gav);
    place(&pom_tmp, &pom_dest)?;
    let artifact_dest = local.main_artifact(&m.gav, &m.packaging);
    if let (Some(tmp), Some(dest)) = (&artifact_tmp, &artifact_dest) {
        place(tmp, dest)?;
    }
    Ok(Fetched {
        version: build.version.clone(),
        url: repo.url_of(&build.artifact_path(m)),
        stamp: remote.stamp,
        artifact_dest,
        gav_stamp: old,
    })
}

/// Temporary files in the artifact's directory (so a rename puts them in place),
/// removed when they were not moved.
struct Staged {
    dir: tempfile::TempDir,
}

impl Staged {
    fn new(artifact_dir: &Path) -> Result<Staged, RemoteError> {
        let dir = tempfile::Builder::new()
            .prefix(".m2fresh-download-")
            .tempdir_in(artifact_dir)
            .map_err(|e| local_error(artifact_dir, e.to_string()))?;
        Ok(Staged { dir })
    }

    /// Downloads `path` and checks it against the stamp's record of it.
    fn fetch(
        &self,
        client: &Client,
        repo: &Repository,
        path: &str,
        expected: &DeployedFile,
        name: &str,
    ) -> Result<PathBuf, RemoteError> {
        let url = repo.url_of(path);
        let dest = self.dir.path().join(name);
        let limit = expected.size.min(MAX_ARTIFACT_BYTES);
        let size =
            client
                .download(repo, path, &dest, limit)?
                .ok_or_else(|| RemoteError::Mismatch {
                    url: url.clone(),
                    message: "it is no longer in the repository".into(),
                })?;
        let (sha1, sha256) = crate::remote::layout::file_checksums(&dest)
            .map_err(|e| local_error(&dest, e.to_string()))?;
        if size != expected.size || sha1 != expected.sha1 || sha256 != expected.sha256 {
            return Err(RemoteError::Mismatch {
                url,
                message: format!(
                    "{size} bytes with sha1 {sha1}, the stamp describes {} bytes with sha1 {}",
                    expected.size, expected.sha1
                ),
            });
        }
        Ok(dest)
    }
}

fn check_blake3(path: &Path, expected: &str, url: &str) -> Result<(), RemoteError> {
    let (_, blake3) =
        crate::fsutil::hash_file(path).map_err(|e| local_error(path, e.to_string()))?;
    if blake3 != expected {
        return Err(RemoteError::Mismatch {
            url: url.to_string(),
            message: "its blake3 differs from the one the deploying m2fresh recorded".into(),
        });
    }
    Ok(())
}

/// Moves a verified download into place, readable as Maven's own files are.
fn place(tmp: &Path, dest: &Path) -> Result<(), RemoteError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp, std::fs::Permissions::from_mode(0o644));
    }
    std::fs::rename(tmp, dest).map_err(|e| local_error(dest, e.to_string()))
}

fn local_error(path: &Path, message: impl Into<String>) -> RemoteError {
    RemoteError::Local {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

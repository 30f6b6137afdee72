//! What the local repository holds for the artifacts a module is built against that do
//! not come from the workspace: a sibling project installed from its own directory, a
//! parent or BOM from outside, a third-party library. Their identity is part of the
//! fingerprint ([`crate::freshness::fingerprint::InstalledArtifacts`]): reinstall
//! `xc-service-api` from elsewhere, and every module built against the old jar is stale.

use crate::freshness::fingerprint::files::StatCache;
use crate::freshness::fingerprint::{ExternalArtifact, InstalledArtifacts};
use crate::freshness::localrepo::LocalRepository;
use crate::freshness::stamp;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The identities of artifacts in a local repository, each computed once per run.
pub struct Installed<'a> {
    repo: &'a LocalRepository,
    cache: &'a StatCache,
    known: Mutex<HashMap<PathBuf, String>>,
}

impl<'a> Installed<'a> {
    /// Identities read from `repo`; file hashes through `cache`.
    pub fn new(repo: &'a LocalRepository, cache: &'a StatCache) -> Self {
        Installed {
            repo,
            cache,
            known: Mutex::new(HashMap::new()),
        }
    }

    fn hash(&self, path: &Path) -> Option<String> {
        self.cache.hash(path).ok().map(|(_, h)| h)
    }

    fn compute(&self, artifact: &ExternalArtifact, path: &Path) -> String {
        let Some(hash) = self.hash(path) else {
            return if path.exists() {
                // There but unreadable: nothing can be said of what it is.
                "unreadable".into()
            } else {
                "absent".into()
            };
        };
        if artifact.system_path.is_none()
            && let Ok(Some(stamp)) = stamp::read_stamp(self.repo, &artifact.gav)
        {
            let stamped = self
                .repo
                .main_artifact(&artifact.gav, &stamp.packaging)
                .unwrap_or_else(|| self.repo.pom_path(&artifact.gav));
            let main = artifact.classifier.is_none() && path == stamped;
            let recorded = match &stamp.artifact {
                Some(a) => a.blake3.as_str(),
                None => stamp.pom_blake3.as_str(),
            };
            // The stamp vouches for its module's whole build: the artifact it names is
            // the one it recorded, and so is the POM beside it.
            let pom_ok = self
                .hash(&self.repo.pom_path(&artifact.gav))
                .is_some_and(|h| h == stamp.pom_blake3);
            let artifact_ok = if main {
                hash == recorded
            } else {
                self.hash(&stamped).is_some_and(|h| h == recorded)
            };
            if pom_ok && artifact_ok && main {
                return stamp.fingerprint;
            }
            if pom_ok && artifact_ok {
                // Another artifact of a stamped module (its tests jar, a BOM's POM): the
                // stamp covers the build, the file's own bytes say which one.
                return format!("{}+blake3:{hash}", stamp.fingerprint);
            }
        }
        format!("blake3:{hash}")
    }
}

impl InstalledArtifacts for Installed<'_> {
    fn identity(&self, artifact: &ExternalArtifact) -> String {
        let path = match &artifact.system_path {
            Some(p) => p.clone(),
            None => self.repo.typed_artifact(
                &artifact.gav,
                &artifact.type_,
                artifact.classifier.as_deref(),
            ),
        };
        if let Ok(known) = self.known.lock()
            && let Some(id) = known.get(&path)
        {
            return id.clone();
        }
        let id = self.compute(artifact, &path);
        if let Ok(mut known) = self.known.lock() {
            known.insert(path, id.clone());
        }
        id
    }
}

/// The identities of workspace modules' artifacts in `repo` now (`groupId:artifactId` →
/// identity), read afresh: what a module just built was built against.
pub fn identities_now<'k>(
    repo: &LocalRepository,
    ws: &crate::maven::workspace::Workspace,
    keys: impl Iterator<Item = &'k String>,
) -> std::collections::BTreeMap<String, String> {
    let cache = StatCache::new();
    let installed = Installed::new(repo, &cache);
    keys.filter_map(|ga| {
        let id = *ws.by_ga(ga).first()?;
        let artifact = ExternalArtifact::of_module(ws.module(id));
        Some((ga.clone(), installed.identity(&artifact)))
    })
    .collect()
}

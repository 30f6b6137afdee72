//! Stamping what Maven actually built.
//!
//! A stamp says "this artifact was built from sources with this fingerprint". Maven takes
//! a while, and the sources may change while it runs (a branch switched and back, an
//! editor saving), and Maven itself changes what the model is read from (it downloads
//! external parents and BOMs into an empty local repository). So:
//!
//! - [`Before::take`] fingerprints the planned modules and everything they need just
//!   before Maven starts (file inputs, POM files, `.mvn/` configuration);
//! - after Maven, [`stamp_built`] reads the workspace again — so the model is the one
//!   Maven built with, downloaded parents included — fingerprints again, and stamps a
//!   module only when nothing it is built from (its own inputs, and those of every
//!   workspace module it needs) changed in between. Otherwise it is left unstamped with
//!   the path that changed: "sources changed during the build";
//! - [`keep_or_remove_old_stamp`] decides, for a module that was not stamped anew
//!   (failed, cancelled, not started), whether its old stamp still tells the truth: kept
//!   when the installed artifact and POM are still the bytes it describes, removed when
//!   Maven replaced them.
//!
//! "Unchanged" means the same bytes *and* the same file: the inode and its change time
//! (`ctime`, which user space cannot set back) as the first pass saw them. A branch
//! switched and back during the build restores the bytes, not the inode: Maven may have
//! compiled the other branch, so that module stays unstamped. A file only the second
//! pass selects (the model changed: a downloaded parent that configures other
//! resources) counts as changed when its inode changed after the first pass began, less
//! the clock's granularity. When in doubt, unstamped: one more rebuild, never a stamp
//! for sources Maven did not see.

use crate::building::install::{unsafe_coordinates, write_install_stamp};
use crate::error::{Error, Result};
use crate::freshness::fingerprint::{Fingerprints, ModuleFingerprint};
use crate::freshness::localrepo::LocalRepository;
use crate::freshness::stamp::{self, Stamp};
use crate::maven::workspace::{Module, ModuleId};
use crate::project::Project;
use std::collections::{BTreeMap, HashMap};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How close to the first pass a change time must be to count as "during the build":
/// filesystems keep times in units as coarse as two seconds (FAT; the stat cache uses the
/// same margin).
const CLOCK_GRANULARITY: Duration = Duration::from_secs(2);

/// The workspace's build configuration files that Maven reads, relative to the project
/// directory: a change to them while Maven runs changes every module's build.
const CONFIG_FILES: [&str; 2] = [".mvn/maven.config", ".mvn/jvm.config"];

/// A file as one pass saw it: its bytes, and which file it was.
#[derive(Clone, Debug, PartialEq, Eq)]
struct FileState {
    /// blake3 hex of the content.
    blake3: String,
    /// The inode and its last change (`None` where the platform has none).
    identity: Option<(u64, SystemTime)>,
}

/// What one module was built from, as far as the workspace holds it.
#[derive(Clone, Debug)]
struct ModuleSnapshot {
    /// Its directory, to which the input paths are relative.
    dir: PathBuf,
    /// The POM files of its lineage that are not in the local repository (its own
    /// first); `None` for one that cannot be read.
    poms: Vec<(PathBuf, Option<FileState>)>,
    /// The fingerprint's model hash: equal models select the same files.
    model_hash: String,
    /// The fingerprint's input files, relative to `dir`, with their state (the identity
    /// looked up right after the fingerprint hashed them).
    inputs: BTreeMap<String, FileState>,
}

/// The state of the sources just before Maven starts.
#[derive(Debug)]
pub struct Before {
    /// When this snapshot began.
    started: SystemTime,
    /// Each module of the planned modules' closure, by POM path.
    modules: HashMap<PathBuf, ModuleSnapshot>,
    /// [`CONFIG_FILES`] and their state (none when absent).
    config: Vec<(PathBuf, Option<FileState>)>,
    /// The Maven arguments of the build (build parameters of its fingerprints).
    maven_args: Vec<String>,
}

impl Before {
    /// Fingerprints `modules` and everything they need, before Maven starts.
    ///
    /// # Errors
    ///
    /// When a file cannot be read (as `check` would fail on it).
    pub fn take(project: &Project, modules: &[ModuleId], maven_args: &[String]) -> Result<Before> {
        let started = SystemTime::now();
        let closure = project.graph.upstream(modules);
        let cache = project.load_cache();
        let fingerprints = project.fingerprints(&closure, maven_args, &cache)?;
        project.save_cache(&cache);
        Ok(Before {
            started,
            maven_args: maven_args.to_vec(),
            modules: snapshots(project, &closure, &fingerprints),
            config: config_snapshot(project),
        })
    }
}

/// The snapshots of `ids` from their fingerprints (modules without one are left out).
fn snapshots(
    project: &Project,
    ids: &[ModuleId],
    fingerprints: &Fingerprints,
) -> HashMap<PathBuf, ModuleSnapshot> {
    ids.iter()
        .filter_map(|&id| {
            let m = project.workspace.module(id);
            let fp = fingerprints.get(id)?;
            Some((m.pom.clone(), snapshot(m, fp, &project.repository)))
        })
        .collect()
}

fn snapshot(m: &Module, fp: &ModuleFingerprint, repo: &LocalRepository) -> ModuleSnapshot {
    let poms = m
        .lineage
        .iter()
        .filter(|p| !p.starts_with(&repo.path))
        .map(|p| (p.clone(), file_state(p)))
        .collect();
    let inputs = fp
        .inputs
        .iter()
        .map(|(rel, blake3)| {
            let state = FileState {
                blake3: blake3.clone(),
                identity: identity(&m.dir.join(rel)),
            };
            (rel.clone(), state)
        })
        .collect();
    ModuleSnapshot {
        dir: m.dir.clone(),
        poms,
        model_hash: fp.model_hash.clone(),
        inputs,
    }
}

fn config_snapshot(project: &Project) -> Vec<(PathBuf, Option<FileState>)> {
    let dir = crate::maven::workspace::find_project_directory(&project.workspace.root);
    CONFIG_FILES
        .iter()
        .map(|rel| {
            let path = dir.join(rel);
            let state = file_state(&path);
            (path, state)
        })
        .collect()
}

/// A file's state, `None` when it cannot be read (absent): two passes that both cannot
/// read it agree, one that can and one that cannot differ.
fn file_state(path: &Path) -> Option<FileState> {
    let identity = identity(path);
    let (_, blake3) = crate::fsutil::hash_file(path).ok()?;
    Some(FileState { blake3, identity })
}

/// blake3 of a file, `None` when it cannot be read.
fn hash_if_present(path: &Path) -> Option<String> {
    crate::fsutil::hash_file(path).ok().map(|(_, hash)| hash)
}

/// The inode of the file at `path` and when it last changed (`ctime`).
fn identity(path: &Path) -> Option<(u64, SystemTime)> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let secs = u64::try_from(meta.ctime()).unwrap_or(0);
        let nanos = u32::try_from(meta.ctime_nsec()).unwrap_or(0);
        Some((
            meta.ino(),
            SystemTime::UNIX_EPOCH + Duration::new(secs, nanos),
        ))
    }
    #[cfg(not(unix))]
    {
        meta.modified().ok().map(|t| (0, t))
    }
}

/// Why a module Maven built was not stamped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotStamped {
    /// Something it is built from changed while Maven ran: the artifact may not be
    /// what the sources now say.
    SourcesChanged {
        /// The module whose sources changed (itself, or one it needs).
        module: String,
        /// The file, relative to that module (or the POM or `.mvn/` file).
        path: String,
    },
    /// The stamp could not be made or written.
    Failed(String),
}

impl std::fmt::Display for NotStamped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotStamped::SourcesChanged { module, path } => write!(
                f,
                "sources changed during the build ({path} of {module}): Maven may have built \
                 the old or the new content, so the artifact is installed but not stamped; \
                 run the install again"
            ),
            NotStamped::Failed(message) => f.write_str(message),
        }
    }
}

/// After Maven built `built` (modules of `project`): reads the workspace again,
/// fingerprints it, and stamps each built module whose sources — and those of every
/// workspace module it needs — are what they were in `before`. Returns each module's
/// stamp or why it has none.
pub fn stamp_built(
    project: &Project,
    before: &Before,
    built: &[ModuleId],
) -> HashMap<ModuleId, std::result::Result<PathBuf, NotStamped>> {
    let all = |why: NotStamped| built.iter().map(|&id| (id, Err(why.clone()))).collect();
    let after = match project.reopen() {
        Ok(after) => after,
        Err(e) => {
            return all(NotStamped::Failed(format!(
                "the workspace cannot be read again after Maven ({e}); not stamped"
            )));
        }
    };
    if let Some((path, _)) = config_snapshot(&after)
        .iter()
        .zip(&before.config)
        .find(|(now, then)| now.1 != then.1)
        .map(|(now, _)| now)
    {
        return all(NotStamped::SourcesChanged {
            module: "the workspace".into(),
            path: path.display().to_string(),
        });
    }
    // The same modules in the model read after Maven, by POM file.
    let by_pom: HashMap<&Path, ModuleId> = after
        .workspace
        .modules
        .iter()
        .map(|m| (m.pom.as_path(), m.id))
        .collect();
    let mapped: Vec<(ModuleId, Option<ModuleId>)> = built
        .iter()
        .map(|&id| {
            (
                id,
                by_pom
                    .get(project.workspace.module(id).pom.as_path())
                    .copied(),
            )
        })
        .collect();
    let after_ids: Vec<ModuleId> = mapped.iter().filter_map(|(_, a)| *a).collect();
    let cache = after.load_cache();
    let fingerprints = match after.fingerprints(&after_ids, &before.maven_args, &cache) {
        Ok(f) => f,
        Err(e) => {
            return all(NotStamped::Failed(format!(
                "the sources cannot be fingerprinted again after Maven ({e}); not stamped"
            )));
        }
    };
    after.save_cache(&cache);
    mapped
        .into_iter()
        .map(|(id, now)| {
            let result = match now {
                Some(now) => stamp_one(&after, before, &fingerprints, now),
                None => Err(NotStamped::Failed(format!(
                    "{} is no longer a module of the workspace after the build; not stamped",
                    project.workspace.module(id).key()
                ))),
            };
            (id, result)
        })
        .collect()
}

/// Stamps one module of `after` (the workspace read after Maven) when it and everything
/// it needs are unchanged since `before`.
fn stamp_one(
    after: &Project,
    before: &Before,
    fingerprints: &Fingerprints,
    id: ModuleId,
) -> std::result::Result<PathBuf, NotStamped> {
    let m = after.workspace.module(id);
    for up in after.graph.upstream(&[id]) {
        let u = after.workspace.module(up);
        let fp = fingerprints.get(up).ok_or_else(|| {
            NotStamped::Failed(format!("no fingerprint for {} after the build", u.key()))
        })?;
        let now = snapshot(u, fp, &after.repository);
        if let Some(path) = changed(before.modules.get(&u.pom), &now, before.started) {
            return Err(NotStamped::SourcesChanged {
                module: u.key(),
                path,
            });
        }
    }
    if let Some(problem) = unsafe_coordinates(&m.gav) {
        return Err(NotStamped::Failed(format!(
            "{} is not stamped: {problem}",
            m.key()
        )));
    }
    let fp = fingerprints
        .get(id)
        .ok_or_else(|| NotStamped::Failed(format!("no fingerprint for {}", m.key())))?;
    write_install_stamp(&after.repository, &after.workspace, m, fp).map_err(NotStamped::Failed)
}

/// The first input of a module that differs between the snapshot taken before Maven (if
/// the module was in it) and `now`, as a path for the message.
fn changed(
    before: Option<&ModuleSnapshot>,
    now: &ModuleSnapshot,
    started: SystemTime,
) -> Option<String> {
    // Seen only now: changed if its inode changed since the first pass began.
    let recent = |state: Option<&FileState>| {
        let threshold = started.checked_sub(CLOCK_GRANULARITY).unwrap_or(started);
        state
            .and_then(|s| s.identity)
            .is_none_or(|(_, ctime)| ctime >= threshold)
    };
    for (pom, state) in &now.poms {
        let differs = match before.and_then(|b| b.poms.iter().find(|(p, _)| p == pom)) {
            Some((_, then)) => then != state,
            None => recent(state.as_ref()),
        };
        if differs {
            return Some(pom.display().to_string());
        }
    }
    if let Some(before) = before {
        for (path, then) in &before.inputs {
            let same = match now.inputs.get(path) {
                Some(state) => state == then,
                // No longer selected by the model read after Maven: the file itself must
                // still be what Maven saw (gone is a change).
                None => file_state(&before.dir.join(path)).as_ref() == Some(then),
            };
            if !same {
                return Some(path.clone());
            }
        }
    }
    let same_model = before.is_some_and(|b| b.model_hash == now.model_hash);
    now.inputs
        .iter()
        .filter(|(path, _)| !before.is_some_and(|b| b.inputs.contains_key(*path)))
        // With the same model the same roots were walked: a new path is a new file.
        .find(|(_, state)| same_model || recent(Some(state)))
        .map(|(path, _)| path.clone())
}

/// What became of the old stamp of a module that was not stamped anew.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OldStamp {
    /// There was none.
    None,
    /// Kept: the installed artifact and POM are still the bytes it describes.
    Kept,
    /// Removed: Maven (or something else) replaced what it describes.
    Removed,
}

/// For a module whose install did not end with a new stamp: keeps its old stamp when the
/// artifact and the POM installed beside it are byte for byte what the stamp describes
/// (a failed or cancelled build that did not get to replace them), removes it otherwise.
/// A stamp that cannot be read or verified is removed: only a verified stamp is kept.
///
/// # Errors
///
/// When a stamp that no longer describes the artifact cannot be removed.
pub fn keep_or_remove_old_stamp(
    repo: &LocalRepository,
    gav: &crate::coords::Gav,
    packaging: &str,
) -> Result<OldStamp> {
    let path = stamp::stamp_path(repo, gav);
    let old = match stamp::read_stamp(repo, gav) {
        Ok(None) => return Ok(OldStamp::None),
        Ok(Some(old)) => Some(old),
        Err(_) => None,
    };
    if old.is_some_and(|s| still_describes(repo, &s, packaging)) {
        return Ok(OldStamp::Kept);
    }
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(OldStamp::Removed),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(OldStamp::Removed),
        Err(e) => Err(Error::io("cannot remove the outdated stamp", &path, e)),
    }
}

/// Whether the installed artifact and POM are exactly what `stamp` recorded.
fn still_describes(repo: &LocalRepository, stamp: &Stamp, packaging: &str) -> bool {
    let pom_same =
        hash_if_present(&repo.pom_path(&stamp.gav)).as_deref() == Some(&stamp.pom_blake3);
    let artifact_same = match (&stamp.artifact, repo.main_artifact(&stamp.gav, packaging)) {
        (Some(record), Some(path)) => {
            path.file_name()
                .is_some_and(|n| n.to_string_lossy() == record.file)
                && hash_if_present(&path).as_deref() == Some(&record.blake3)
        }
        (None, None) => true,
        _ => false,
    };
    pom_same && artifact_same
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A snapshot of the files `inputs` names in `dir`, as they are now.
    fn snap(dir: &Path, model: &str, inputs: &[&str]) -> ModuleSnapshot {
        ModuleSnapshot {
            dir: dir.to_path_buf(),
            poms: Vec::new(),
            model_hash: model.into(),
            inputs: inputs
                .iter()
                .map(|p| {
                    let state = file_state(&dir.join(p)).unwrap_or(FileState {
                        blake3: "gone".into(),
                        identity: None,
                    });
                    (p.to_string(), state)
                })
                .collect(),
        }
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn a_changed_added_or_removed_input_is_a_change_during_the_build() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "A.java", "class A {}");
        write(d, "B.java", "class B {}");
        let later = SystemTime::now() + Duration::from_secs(3600);
        let before = snap(d, "m", &["A.java", "B.java"]);
        let same = snap(d, "m", &["A.java", "B.java"]);
        assert_eq!(changed(Some(&before), &same, later), None);
        write(d, "A.java", "class A { int x; }");
        let now = snap(d, "m", &["A.java", "B.java"]);
        assert_eq!(
            changed(Some(&before), &now, later).as_deref(),
            Some("A.java")
        );
        // Same model, so the same roots: a new path is a new file.
        let before = now;
        write(d, "C.java", "class C {}");
        let now = snap(d, "m", &["A.java", "B.java", "C.java"]);
        assert_eq!(
            changed(Some(&before), &now, later).as_deref(),
            Some("C.java")
        );
        // B.java is gone from disk: removed during the build.
        std::fs::remove_file(d.join("B.java")).unwrap();
        let now = snap(d, "m", &["A.java"]);
        assert_eq!(
            changed(Some(&before), &now, later).as_deref(),
            Some("B.java")
        );
    }

    #[test]
    fn a_branch_switched_and_back_during_the_build_is_a_change() {
        // The bytes are restored, the file is not: Maven may have compiled the other
        // branch's content.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "A.java", "class A {}");
        let before = snap(d, "m", &["A.java"]);
        std::fs::copy(d.join("A.java"), d.join("A.java.orig")).unwrap();
        write(d, "A.java", "class A { other branch }");
        std::fs::rename(d.join("A.java.orig"), d.join("A.java")).unwrap();
        let now = snap(d, "m", &["A.java"]);
        assert_eq!(before.inputs["A.java"].blake3, now.inputs["A.java"].blake3);
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert_eq!(
            changed(Some(&before), &now, later).as_deref(),
            Some("A.java")
        );
    }

    #[test]
    fn a_file_only_the_new_model_selects_counts_by_its_change_time() {
        // A downloaded parent selects `app.yml` too: unchanged since long before the
        // build, it is no change; written during the build, it is.
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write(d, "A.java", "class A {}");
        write(d, "app.yml", "a: 1");
        let before = snap(d, "without parent", &["A.java"]);
        let now = snap(d, "with parent", &["A.java", "app.yml"]);
        let later = SystemTime::now() + Duration::from_secs(60);
        assert_eq!(changed(Some(&before), &now, later), None);
        let earlier = SystemTime::now() - Duration::from_secs(60);
        assert_eq!(
            changed(Some(&before), &now, earlier).as_deref(),
            Some("app.yml")
        );
        // A module the first pass did not see at all: by change time too.
        assert_eq!(changed(None, &now, later), None);
        assert_eq!(changed(None, &now, earlier).as_deref(), Some("A.java"));
    }

    #[test]
    fn an_old_stamp_is_kept_only_while_it_describes_the_installed_bytes() {
        use crate::coords::Gav;
        use crate::freshness::localrepo::RepositorySource;
        use crate::freshness::stamp::ArtifactRecord;
        let dir = tempfile::tempdir().unwrap();
        let repo = LocalRepository {
            path: dir.path().to_path_buf(),
            source: RepositorySource::Explicit,
        };
        let gav = Gav::new("g", "a", "1");
        assert_eq!(
            keep_or_remove_old_stamp(&repo, &gav, "jar").unwrap(),
            OldStamp::None
        );
        std::fs::create_dir_all(repo.artifact_dir(&gav)).unwrap();
        let jar = repo.artifact_path(&gav, "jar", None);
        std::fs::write(&jar, b"jar bytes").unwrap();
        std::fs::write(repo.pom_path(&gav), b"<project/>").unwrap();
        let stamp = Stamp {
            schema: stamp::STAMP_SCHEMA,
            gav: gav.clone(),
            packaging: "jar".into(),
            fingerprint: "f".into(),
            model_hash: "m".into(),
            model: Default::default(),
            inputs: BTreeMap::new(),
            upstream: BTreeMap::new(),
            parameters: Default::default(),
            built_against: BTreeMap::new(),
            artifact: Some(ArtifactRecord::from_file(&jar).unwrap()),
            pom_blake3: crate::fsutil::hash_file(&repo.pom_path(&gav)).unwrap().1,
            installed_at: "2024-01-01T00:00:00Z".into(),
            tool: stamp::TOOL.into(),
        };
        stamp::write_stamp(&repo, &stamp).unwrap();
        assert_eq!(
            keep_or_remove_old_stamp(&repo, &gav, "jar").unwrap(),
            OldStamp::Kept
        );
        assert!(stamp::stamp_path(&repo, &gav).is_file());
        std::fs::write(&jar, b"rebuilt").unwrap();
        assert_eq!(
            keep_or_remove_old_stamp(&repo, &gav, "jar").unwrap(),
            OldStamp::Removed
        );
        assert!(!stamp::stamp_path(&repo, &gav).exists());
    }
}

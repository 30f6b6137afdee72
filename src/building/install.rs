//! Installing a plan with real Maven, and a stamp written next to each artifact only after
//! its install succeeded. Two ways:
//! - in an aggregator workspace, **one Maven reactor** for the whole plan: `mvn -f ROOT
//!   -pl g:a,g:b,... -T N clean install` — Maven orders and parallelises exactly the
//!   planned modules in one JVM (the rest of the upstream comes from the local
//!   repository, which m2fresh found fresh); each module's outcome is read from Maven's
//!   reactor summary;
//! - otherwise (sibling projects without an aggregator, or `per_module`): one `mvn
//!   install` per module, in the order the dependency queue allows, at most `-j` at
//!   once, each with its own log.
//!
//! Safety of the local repository:
//! - one m2fresh install at a time per local repository (a lock file in
//!   `<repo>/.m2fresh/`); a second run waits and says so;
//! - a module's old stamp is removed before Maven overwrites its artifact, and the new one
//!   written (atomically) only after Maven succeeded and the artifact is there, so a stamp
//!   never describes an artifact it did not see installed;
//! - Maven 3.9 and later get the resolver's file locks
//!   (`-Daether.syncContext.named.factory=file-lock`), so parallel Maven processes do not
//!   step on each other's downloads. Maven 3.8 has no such lock: m2fresh still runs
//!   modules in parallel (each writes its own directory of the repository), and says
//!   that shared downloads (plugins, third-party jars) are not coordinated.

use crate::building::exec::{
    self, CancelToken, ExecOptions, Job, JobFailure, MavenInvocation, Outcome, Progress,
};
use crate::building::plan::Plan;
use crate::error::{Error, Result};
use crate::freshness::fingerprint::{Fingerprints, ModuleFingerprint};
use crate::freshness::localrepo::LocalRepository;
use crate::freshness::stamp::{self, ArtifactRecord, Stamp};
use crate::maven::workspace::{Module, ModuleId};
use crate::project::Project;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Options for [`install`].
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    /// At most this many Maven processes at once (0: the number of cores).
    pub jobs: usize,
    /// After a failure, go on with the modules that do not need the failed one.
    pub keep_going: bool,
    /// Run the tests (default: `-DskipTests`).
    pub tests: bool,
    /// Run `install` without `clean`. Faster, but Maven's incremental compiler does not
    /// look at dependency jars: a module rebuilt because its upstream changed can keep
    /// classes compiled against the old upstream (inlined constants, for one).
    pub incremental: bool,
    /// Pass `-o` to Maven.
    pub offline: bool,
    /// The Maven to run (default: the workspace's `mvnw`, else `mvn` on `PATH`).
    pub mvn: Option<PathBuf>,
    /// `-s`: the user settings file Maven should use (the one m2fresh located the local
    /// repository with).
    pub settings: Option<PathBuf>,
    /// Extra arguments for every Maven run, last on its command line.
    pub maven_args: Vec<String>,
    /// The user properties (`-D`) the workspace was modelled with, passed on to Maven
    /// (`.mvn/maven.config` is not repeated: Maven reads it itself).
    pub user_properties: BTreeMap<String, String>,
    /// The `-P` profile selections the workspace was modelled with, passed on to Maven.
    pub profiles: Vec<String>,
    /// One Maven per module even in an aggregator workspace (where the whole plan
    /// otherwise goes to one Maven reactor).
    pub per_module: bool,
}

/// The Maven m2fresh runs.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MavenTool {
    /// The program.
    pub program: PathBuf,
    /// Its version, when it could be told without running it.
    pub version: Option<String>,
}

impl MavenTool {
    /// Whether this Maven's resolver offers named file locks (Maven 3.9+).
    pub fn supports_file_locks(&self) -> bool {
        self.version.as_deref().is_some_and(|v| {
            let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
            let major = parts.next().unwrap_or(0);
            let minor = parts.next().unwrap_or(0);
            (major, minor) >= (3, 9)
        })
    }
}

/// Finds the Maven for a module: `--mvn`, else the nearest `mvnw` from the module's
/// directory up to the workspace root, else `mvn` on `PATH`.
pub fn find_maven(explicit: Option<&Path>, module_dir: &Path, root: &Path) -> Result<MavenTool> {
    if let Some(p) = explicit {
        let program = if p.components().count() == 1 {
            crate::project::find_on_path(&p.to_string_lossy()).unwrap_or_else(|| p.to_path_buf())
        } else {
            p.to_path_buf()
        };
        // Checked before anything runs: a typo in --mvn is a usage error, not a build
        // failure of the first module.
        if !is_executable(&program) {
            return Err(Error::usage(
                format!(
                    "--mvn {}: {}",
                    p.display(),
                    if program.is_file() {
                        "the file is not executable"
                    } else {
                        "no such program (not a file, and not found on PATH)"
                    }
                ),
                Some("give the path of Maven's `mvn` launcher, or leave --mvn out to use mvnw or mvn on PATH".into()),
            ));
        }
        return Ok(MavenTool {
            version: maven_version(&program),
            program,
        });
    }
    let mut dir = Some(module_dir);
    while let Some(d) = dir {
        let wrapper = d.join("mvnw");
        if wrapper.is_file() {
            if !is_executable(&wrapper) {
                return Err(Error::usage(
                    format!("{} is not executable", wrapper.display()),
                    Some(format!(
                        "make it executable (`chmod +x {}`, and `git update-index --chmod=+x` \
                         to commit that), or pass --mvn PATH",
                        wrapper.display()
                    )),
                ));
            }
            return Ok(MavenTool {
                version: wrapper_version(d),
                program: wrapper,
            });
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    match crate::project::find_on_path("mvn") {
        Some(program) => Ok(MavenTool {
            version: maven_version(&program),
            program,
        }),
        None => Err(Error::usage(
            "Maven is not on PATH and the workspace has no mvnw",
            Some(
                "install Maven (https://maven.apache.org/install.html), or pass --mvn PATH".into(),
            ),
        )),
    }
}

/// Why coordinates cannot name a directory of the local repository, if they cannot.
///
/// The artifact directory, and the stamp m2fresh writes and removes there, are paths made
/// of the coordinates: a `/`, a `..` or an absolute artifactId would lead out of the
/// repository. Maven's own rule for ids (`[A-Za-z0-9_.-]+`) excludes all of that; the
/// version may hold more, but no path separator and not `.` or `..`.
pub fn unsafe_coordinates(gav: &crate::coords::Gav) -> Option<String> {
    let id_ok = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
    };
    let segment_ok = |s: &str| !s.is_empty() && s != "." && s != "..";
    if !id_ok(&gav.group_id) {
        return Some(format!(
            "the groupId `{}` is not made of letters, digits, `_`, `-` and `.`",
            gav.group_id.escape_debug()
        ));
    }
    if !id_ok(&gav.artifact_id) || !segment_ok(&gav.artifact_id) {
        return Some(format!(
            "the artifactId `{}` is not made of letters, digits, `_`, `-` and `.`",
            gav.artifact_id.escape_debug()
        ));
    }
    if !segment_ok(&gav.version) || gav.version.contains(['/', '\\', '\0']) {
        return Some(format!(
            "the version `{}` would not be one directory of the local repository",
            gav.version.escape_debug()
        ));
    }
    None
}

/// Whether `path` is a file this process could execute (on Unix: with an execute bit).
fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The version of an installed Maven, from its `lib/maven-core` jar: the file name, or
/// (Debian names it `maven-core-3.x.jar`) the `pom.properties` inside it.
fn maven_version(program: &Path) -> Option<String> {
    let home = crate::freshness::localrepo::maven_home(Some(program))?;
    let jar = std::fs::read_dir(home.join("lib")).ok()?.find_map(|e| {
        let e = e.ok()?;
        let name = e.file_name().into_string().ok()?;
        (name.starts_with("maven-core") && name.ends_with(".jar")).then(|| (name, e.path()))
    })?;
    let from_name = jar
        .0
        .strip_prefix("maven-core-")
        .and_then(|v| v.strip_suffix(".jar"))
        .filter(|v| {
            v.split('.')
                .all(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
        });
    if let Some(v) = from_name {
        return Some(v.to_string());
    }
    let file = File::open(&jar.1).ok()?;
    let mut zip = zip::ZipArchive::new(file).ok()?;
    let mut entry = zip
        .by_name("META-INF/maven/org.apache.maven/maven-core/pom.properties")
        .ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("version="))
        .map(|v| v.trim().to_string())
}

/// The version a Maven wrapper downloads, from `.mvn/wrapper/maven-wrapper.properties`.
fn wrapper_version(dir: &Path) -> Option<String> {
    let props = std::fs::read_to_string(dir.join(".mvn/wrapper/maven-wrapper.properties")).ok()?;
    let url = props
        .lines()
        .find_map(|l| l.trim().strip_prefix("distributionUrl="))?;
    let file = url.rsplit('/').next()?;
    file.strip_prefix("apache-maven-")?
        .split("-bin")
        .next()
        .map(str::to_owned)
}

/// What became of one module.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum ModuleResult {
    /// Installed and stamped.
    Installed,
    /// Maven failed (or the artifact was not where Maven installs it).
    Failed {
        /// Why.
        message: String,
    },
    /// Not run: a module it needs failed.
    Skipped {
        /// The module that failed.
        because: String,
    },
    /// Not run: the install stopped first (a failure, or Ctrl-C).
    NotStarted,
}

/// One module of an [`InstallReport`].
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstalledModule {
    /// The module.
    #[serde(skip)]
    pub module: ModuleId,
    /// `groupId:artifactId`.
    pub id: String,
    /// What happened.
    #[serde(flatten)]
    pub result: ModuleResult,
    /// How long Maven ran, in milliseconds.
    pub millis: u64,
    /// The Maven log.
    pub log: PathBuf,
    /// The command that ran, for reproducing it.
    pub command: String,
}

/// `m2fresh install --format json`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallReport {
    /// Always [`crate::report::SCHEMA`].
    pub schema: u32,
    /// The local repository.
    pub local_repository: PathBuf,
    /// The Maven that ran.
    pub maven: Option<MavenTool>,
    /// Each planned module, in the order the results came.
    pub modules: Vec<InstalledModule>,
    /// Whether Ctrl-C (or SIGTERM) stopped the install.
    pub cancelled: bool,
    /// Things the user should know (no repository locks in Maven 3.8, ...).
    pub notes: Vec<String>,
}

impl InstallReport {
    /// Whether every planned module was installed.
    pub fn is_success(&self) -> bool {
        !self.cancelled
            && self
                .modules
                .iter()
                .all(|m| matches!(m.result, ModuleResult::Installed))
    }
}

/// The Maven command line for one module (without the program).
pub fn maven_args(
    module: &Module,
    repo: &LocalRepository,
    tool: &MavenTool,
    opts: &InstallOptions,
    parallel: bool,
) -> Vec<String> {
    let mut args = vec![
        "-B".to_string(),
        "-f".to_string(),
        module.pom.display().to_string(),
    ];
    if module.packaging == "pom" {
        args.push("-N".into());
    }
    args.extend(common_args(repo, tool, opts, parallel));
    args
}

/// What every Maven run of an install gets after its selection of projects: tests,
/// offline, settings, the local repository, file locks, the workspace's `-D` and `-P`,
/// the goals, the user's extra arguments.
fn common_args(
    repo: &LocalRepository,
    tool: &MavenTool,
    opts: &InstallOptions,
    parallel: bool,
) -> Vec<String> {
    let mut args = Vec::new();
    if !opts.tests {
        args.push("-DskipTests".into());
    }
    if opts.offline {
        args.push("-o".into());
    }
    if let Some(settings) = &opts.settings {
        args.push("-s".into());
        args.push(settings.display().to_string());
    }
    args.push(format!("-Dmaven.repo.local={}", repo.path.display()));
    if parallel && tool.supports_file_locks() {
        args.push("-Daether.syncContext.named.factory=file-lock".into());
        args.push("-Daether.syncContext.named.nameMapper=file-gav".into());
    }
    // Maven must build what m2fresh modelled (and stamps): the same properties and
    // profiles.
    for (name, value) in &opts.user_properties {
        args.push(format!("-D{name}={value}"));
    }
    if !opts.profiles.is_empty() {
        args.push("-P".into());
        args.push(opts.profiles.join(","));
    }
    // `clean` first: a module is installed because it (or what it is built against)
    // changed, and maven-compiler-plugin's incremental build does not notice a changed
    // dependency jar — without `clean`, a constant inlined from the old upstream survives.
    if !opts.incremental {
        args.push("clean".into());
    }
    args.push("install".into());
    args.extend(opts.maven_args.iter().cloned());
    args
}

/// Holds the local repository's install lock while alive — and, through the file every
/// child process inherits, until the last Maven started under it has exited.
pub struct RepositoryLock {
    _file: File,
}

/// Takes the install lock of a local repository, waiting (and saying so through
/// `on_wait`) while another m2fresh holds it.
pub fn lock_repository(repo: &LocalRepository, on_wait: &dyn Fn(&Path)) -> Result<RepositoryLock> {
    let dir = repo.path.join(".m2fresh");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    let path = dir.join("install.lock");
    let file = stamp::open_lock_file(&path).map_err(|e| Error::io("cannot open", &path, e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            on_wait(&path);
            file.lock()
                .map_err(|e| Error::io("cannot lock", &path, e))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io("cannot lock", &path, e)),
    }
    // Every Maven started while the lock is held inherits the locked file: the lock
    // then lasts until the last of them has exited, even when m2fresh itself is killed
    // first (`flock` holds while any process has the file open). Without it, a second
    // install could start the moment the first m2fresh died, next to its dying Maven.
    #[cfg(unix)]
    rustix::io::fcntl_setfd(&file, rustix::io::FdFlags::empty())
        .map_err(|e| Error::io("cannot lock", &path, e.into()))?;
    Ok(RepositoryLock { _file: file })
}

/// The job that installs one module and stamps it.
struct InstallJob<'a> {
    project: &'a Project,
    fingerprints: &'a Fingerprints,
    invocations: HashMap<ModuleId, MavenInvocation>,
}

impl Job for InstallJob<'_> {
    type Id = ModuleId;

    fn run(&self, id: ModuleId, cancel: &CancelToken) -> std::result::Result<(), JobFailure> {
        let other = |message: String| JobFailure::Other { message };
        let m = self.project.workspace.module(id);
        let repo = &self.project.repository;
        let inv = self
            .invocations
            .get(&id)
            .ok_or_else(|| other(format!("no Maven invocation planned for {}", m.key())))?;
        let fp = self
            .fingerprints
            .get(id)
            .ok_or_else(|| other(format!("no fingerprint for {}", m.key())))?;
        // The old stamp describes the artifact Maven is about to overwrite.
        let old = stamp::stamp_path(repo, &m.gav);
        if old.exists() {
            std::fs::remove_file(&old).map_err(|e| {
                other(format!(
                    "cannot remove the old stamp {}: {e}",
                    old.display()
                ))
            })?;
        }
        if cancel.is_cancelled() {
            return Err(JobFailure::Cancelled);
        }
        match exec::run_logged(inv, cancel) {
            Ok(status) if status.success() => {}
            Ok(_) if cancel.is_cancelled() => return Err(JobFailure::Cancelled),
            Ok(status) => {
                return Err(JobFailure::Exited {
                    program: inv.program.clone(),
                    status,
                    log: inv.log.clone(),
                });
            }
            Err(source) => {
                return Err(JobFailure::Io {
                    program: inv.program.clone(),
                    log: inv.log.clone(),
                    source,
                });
            }
        }
        write_install_stamp(repo, m, fp).map_err(other)?;
        Ok(())
    }
}

/// Writes the stamp for a module Maven just installed, after checking that the artifact
/// is where Maven installs it.
pub fn write_install_stamp(
    repo: &LocalRepository,
    m: &Module,
    fp: &ModuleFingerprint,
) -> std::result::Result<PathBuf, String> {
    let pom = repo.pom_path(&m.gav);
    if !pom.is_file() {
        return Err(format!(
            "Maven succeeded but {} is not in the local repository",
            pom.display()
        ));
    }
    let artifact = match repo.main_artifact(&m.gav, &m.packaging) {
        Some(path) => {
            if !path.is_file() {
                return Err(format!(
                    "Maven succeeded but {} is not in the local repository (a custom \
                     finalName or classifier?)",
                    path.display()
                ));
            }
            Some(
                ArtifactRecord::from_file(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let (_, pom_blake3) =
        stamp::hash_file(&pom).map_err(|e| format!("cannot read {}: {e}", pom.display()))?;
    let stamp = Stamp {
        schema: stamp::STAMP_SCHEMA,
        gav: m.gav.clone(),
        packaging: m.packaging.clone(),
        fingerprint: fp.fingerprint.clone(),
        model_hash: fp.model_hash.clone(),
        inputs: fp.inputs.clone(),
        upstream: fp.upstream.clone(),
        artifact,
        pom_blake3,
        installed_at: stamp::rfc3339_utc(SystemTime::now()),
        tool: format!("m2fresh {}", env!("CARGO_PKG_VERSION")),
    };
    stamp::write_stamp(repo, &stamp).map_err(|e| e.to_string())
}

/// Where a module's install log goes: `<log dir>/<groupId>.<artifactId>.log`, outside the
/// module (its `target/` is cleaned by the very build being logged).
pub fn log_path(log_dir: &Path, m: &Module) -> PathBuf {
    log_dir.join(format!("{}.{}.log", m.gav.group_id, m.gav.artifact_id))
}

/// Installs a plan. `progress` hears about each module as it starts and ends; `cancel`
/// stops it cleanly (running Maven processes are terminated, nothing new starts).
pub fn install(
    project: &Project,
    plan: &Plan,
    fingerprints: &Fingerprints,
    opts: &InstallOptions,
    progress: &dyn Progress<ModuleId>,
    cancel: &CancelToken,
) -> Result<InstallReport> {
    let repo = &project.repository;
    let ws = &project.workspace;
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    // Parallel only when two planned modules can run at the same time.
    let parallel = jobs > 1
        && plan.install.iter().enumerate().any(|(i, a)| {
            plan.install[i + 1..]
                .iter()
                .any(|b| !plan.waits_on(b.module, a.module) && !plan.waits_on(a.module, b.module))
        });
    // In an aggregator workspace the planned modules are projects of the root's reactor:
    // one Maven builds them all in one JVM.
    // (Linux refuses a single argument over 128 KiB: a `-pl` list that long, thousands of
    // modules, goes to one Maven per module instead.)
    let selection_len: usize = plan
        .install
        .iter()
        .map(|p| ws.module(p.module).gav.ga().len() + 1)
        .sum();
    let mut notes = Vec::new();
    let reactor_pom = (!opts.per_module
        && ws.discovery == crate::maven::workspace::Discovery::Aggregator
        && plan.install.len() > 1)
        .then(|| ws.root.join("pom.xml"))
        .filter(|pom| pom.is_file() && pom.to_str().is_some())
        .filter(|_| {
            let fits = selection_len <= MAX_SELECTION;
            if !fits {
                notes.push(format!(
                    "the {} planned modules do not fit in one -pl argument; one Maven runs \
                     per module",
                    plan.install.len()
                ));
            }
            fits
        });
    let mut invocations = HashMap::new();
    let mut tool_used: Option<MavenTool> = None;
    // Maven's arguments are text: a path that is not UTF-8 would reach Maven mangled, and
    // the module would fail for a reason its log does not tell.
    let not_utf8 = |what: String, path: &Path| {
        Error::usage(
            format!("{what} is not valid UTF-8: {}", path.display()),
            Some("rename it: Maven is given paths as text".into()),
        )
    };
    if repo.path.to_str().is_none() {
        return Err(not_utf8(
            "the path of the local repository".into(),
            &repo.path,
        ));
    }
    for p in &plan.install {
        let m = ws.module(p.module);
        if let Some(problem) = unsafe_coordinates(&m.gav) {
            return Err(Error::usage(
                format!("{} cannot be installed: {problem}", m.key()),
                Some(format!(
                    "fix the coordinates in {}; Maven refuses them too",
                    m.pom.display()
                )),
            ));
        }
        if m.pom.to_str().is_none() {
            return Err(not_utf8(format!("the path of {}'s POM", m.key()), &m.pom));
        }
        if let Some(root_pom) = &reactor_pom {
            if tool_used.is_none() {
                let root = root_pom.parent().unwrap_or(&ws.root);
                let tool = find_maven(opts.mvn.as_deref(), root, &ws.root)?;
                invocations.insert(
                    p.module,
                    MavenInvocation {
                        program: tool.program.clone(),
                        args: reactor_args(project, plan, root_pom, &tool, opts, jobs),
                        cwd: crate::maven::workspace::find_project_directory(root),
                        log: project.log_dir().join("reactor.log"),
                        env: Vec::new(),
                    },
                );
                tool_used = Some(tool);
            }
            continue;
        }
        let tool = find_maven(opts.mvn.as_deref(), &m.dir, &ws.root)?;
        let inv = MavenInvocation {
            program: tool.program.clone(),
            args: maven_args(m, repo, &tool, opts, parallel),
            cwd: crate::maven::workspace::find_project_directory(&m.dir),
            log: log_path(&project.log_dir(), m),
            env: Vec::new(),
        };
        if tool_used.is_none() {
            tool_used = Some(tool);
        }
        invocations.insert(p.module, inv);
    }
    if let Some(root_pom) = &reactor_pom {
        let inv = invocations
            .into_values()
            .next()
            .ok_or_else(|| Error::Other("no Maven invocation for the reactor".into()))?;
        notes.push(format!(
            "the {} planned modules were built in one Maven reactor ({}); --per-module \
             runs one Maven per module",
            plan.install.len(),
            root_pom.display()
        ));
        return Ok(install_in_one_reactor(
            project,
            plan,
            fingerprints,
            inv,
            tool_used,
            notes,
            progress,
            cancel,
        ));
    }
    if parallel
        && let Some(tool) = &tool_used
        && !tool.supports_file_locks()
    {
        notes.push(format!(
            "Maven {} does not lock the local repository; m2fresh runs up to {jobs} \
             modules at once (each writes its own directory), but downloads they share are \
             not coordinated. Use Maven 3.9+ or -j 1 to be certain.",
            tool.version.as_deref().unwrap_or("(unknown version)")
        ));
    }
    let queue = plan.queue()?;
    let job = InstallJob {
        project,
        fingerprints,
        invocations: invocations.clone(),
    };
    let report = exec::execute(
        queue,
        &job,
        &ExecOptions {
            jobs,
            keep_going: opts.keep_going,
        },
        progress,
        cancel,
    );
    let mut modules = Vec::new();
    for (id, outcome) in report.outcomes {
        let inv = invocations.get(&id);
        let (result, millis) = match outcome {
            Outcome::Succeeded(d) => (ModuleResult::Installed, millis(d)),
            Outcome::Failed(f) => (
                ModuleResult::Failed {
                    message: f.to_string(),
                },
                0,
            ),
            Outcome::Skipped(because) => (
                ModuleResult::Skipped {
                    because: ws.module(because).key(),
                },
                0,
            ),
            Outcome::NotStarted => (ModuleResult::NotStarted, 0),
        };
        modules.push(InstalledModule {
            module: id,
            id: ws.module(id).key(),
            result,
            millis,
            log: inv.map(|i| i.log.clone()).unwrap_or_default(),
            command: inv.map(MavenInvocation::command_line).unwrap_or_default(),
        });
    }
    Ok(InstallReport {
        schema: crate::report::SCHEMA,
        local_repository: repo.path.clone(),
        maven: tool_used,
        modules,
        cancelled: report.cancelled,
        notes,
    })
}

/// The longest `-pl` list m2fresh passes (Linux's limit for one argument is 128 KiB).
const MAX_SELECTION: usize = 120 * 1024;

/// The Maven command line (without the program) that builds the whole plan in the
/// reactor of `root_pom`: the planned modules by `-pl groupId:artifactId,...`, in
/// parallel with `-T` when `jobs` allows, `-fae` to go on past a failure with
/// `keep_going`.
fn reactor_args(
    project: &Project,
    plan: &Plan,
    root_pom: &Path,
    tool: &MavenTool,
    opts: &InstallOptions,
    jobs: usize,
) -> Vec<String> {
    let selection: Vec<String> = plan
        .install
        .iter()
        .map(|p| project.workspace.module(p.module).gav.ga())
        .collect();
    let mut args = vec![
        "-B".to_string(),
        "-f".to_string(),
        root_pom.display().to_string(),
        "-pl".to_string(),
        selection.join(","),
    ];
    if jobs > 1 {
        args.push("-T".into());
        args.push(jobs.to_string());
    }
    if opts.keep_going {
        args.push("-fae".into());
    }
    args.extend(common_args(&project.repository, tool, opts, jobs > 1));
    args
}

/// How Maven's reactor summary says one project ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Summary {
    Success(Duration),
    Failure(Duration),
    Skipped,
}

/// Maven's "Reactor Summary" (`ExecutionEventLogger.logReactorSummary`): one line per
/// project, `NAME [VERSION] ....... SUCCESS [  1.234 s]` (the version only when the
/// reactor's projects have different versions). Returns (the text before the dots,
/// outcome) in the summary's order; nothing when Maven stopped before building.
fn reactor_summary(log: &str) -> Vec<(String, Summary)> {
    let Some(start) = log.rfind("Reactor Summary") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in log[start..].lines().skip(1) {
        let Some(text) = line.strip_prefix("[INFO] ") else {
            continue;
        };
        if text.starts_with("---") || text.starts_with("BUILD ") {
            break;
        }
        let parsed = [
            (" SUCCESS [", Summary::Success as fn(Duration) -> Summary),
            (" FAILURE [", Summary::Failure),
        ]
        .into_iter()
        .find_map(|(marker, outcome)| {
            let at = text.rfind(marker)?;
            let took = parse_duration(text[at + marker.len()..].trim_end_matches(']').trim());
            Some((&text[..at], outcome(took)))
        })
        .or_else(|| text.strip_suffix(" SKIPPED").map(|t| (t, Summary::Skipped)));
        if let Some((name, outcome)) = parsed {
            let name = name.trim_end_matches(['.', ' ']).to_string();
            out.push((name, outcome));
        }
    }
    out
}

/// Maven's `formatDuration`: `1.234 s`, `01:02 min`, `1:02 h`.
fn parse_duration(text: &str) -> Duration {
    let number = |t: &str| t.trim().parse::<f64>().ok();
    let seconds = if let Some(s) = text.strip_suffix(" s") {
        number(s)
    } else if let Some(m) = text.strip_suffix(" min") {
        m.split_once(':')
            .and_then(|(m, s)| Some(number(m)? * 60.0 + number(s)?))
    } else if let Some(h) = text.strip_suffix(" h") {
        h.split_once(':')
            .and_then(|(h, m)| Some(number(h)? * 3600.0 + number(m)? * 60.0))
    } else {
        None
    };
    Duration::try_from_secs_f64(seconds.unwrap_or(0.0)).unwrap_or_default()
}

/// Runs the one reactor invocation and reads each planned module's outcome from Maven's
/// reactor summary; stamps the ones that succeeded (and are where Maven installs them).
#[allow(clippy::too_many_arguments)]
fn install_in_one_reactor(
    project: &Project,
    plan: &Plan,
    fingerprints: &Fingerprints,
    inv: MavenInvocation,
    tool: Option<MavenTool>,
    notes: Vec<String>,
    progress: &dyn Progress<ModuleId>,
    cancel: &CancelToken,
) -> InstallReport {
    let ws = &project.workspace;
    let repo = &project.repository;
    let command = inv.command_line();
    let report = |modules: Vec<InstalledModule>, cancelled: bool| InstallReport {
        schema: crate::report::SCHEMA,
        local_repository: repo.path.clone(),
        maven: tool.clone(),
        modules,
        cancelled,
        notes: notes.clone(),
    };
    let entry = |id: ModuleId, result: ModuleResult, millis: u64| InstalledModule {
        module: id,
        id: ws.module(id).key(),
        result,
        millis,
        log: inv.log.clone(),
        command: command.clone(),
    };
    // The old stamps describe the artifacts Maven is about to overwrite.
    for p in &plan.install {
        let old = stamp::stamp_path(repo, &ws.module(p.module).gav);
        if old.exists()
            && let Err(e) = std::fs::remove_file(&old)
        {
            let message = format!("cannot remove the old stamp {}: {e}", old.display());
            let modules = plan
                .install
                .iter()
                .map(|p| {
                    entry(
                        p.module,
                        ModuleResult::Failed {
                            message: message.clone(),
                        },
                        0,
                    )
                })
                .collect();
            return report(modules, false);
        }
    }
    // Each project's start, as Maven announces it (`--< groupId:artifactId >--`), read
    // from the log as it grows.
    let by_ga: HashMap<String, ModuleId> = plan
        .install
        .iter()
        .map(|p| (ws.module(p.module).gav.ga(), p.module))
        .collect();
    // The same reading keeps the reactor summary, from its heading to `BUILD ...`.
    let mut announced: Vec<ModuleId> = Vec::new();
    let mut summary_text = String::new();
    let mut in_summary = false;
    let mut tail = LogTail::new(&inv.log);
    let started = std::time::Instant::now();
    let status = exec::run_logged_watching(&inv, cancel, &mut || {
        for line in tail.new_lines() {
            if let Some(id) = project_header(&line).and_then(|ga| by_ga.get(ga))
                && !announced.contains(id)
            {
                announced.push(*id);
                progress.started(*id);
            }
            if line.contains("Reactor Summary") {
                summary_text.clear();
                in_summary = true;
            }
            if in_summary {
                summary_text.push_str(&line);
                summary_text.push('\n');
                in_summary = !line.starts_with("[INFO] BUILD ");
            }
        }
    });
    let elapsed = started.elapsed();
    let cancelled = cancel.is_cancelled();
    let summary = reactor_summary(&summary_text);
    let single_version = {
        let mut versions = plan
            .install
            .iter()
            .map(|p| ws.module(p.module).gav.version.as_str());
        let first = versions.next();
        versions.all(|v| Some(v) == first)
    };
    // The summary names projects by `<name>` (else artifactId), with the version when
    // versions differ; a name two planned modules share tells nothing about either.
    let label = |id: ModuleId| {
        let m = ws.module(id);
        let name = crate::maven::pom::text(&m.effective.name).unwrap_or(&m.gav.artifact_id);
        let label = if single_version {
            name.to_string()
        } else {
            format!("{name} {}", m.gav.version)
        };
        label.trim_end_matches(['.', ' ']).to_string()
    };
    let labels: Vec<String> = plan.install.iter().map(|p| label(p.module)).collect();
    // The module named unambiguously by a summary line, if one is.
    let named = |name: &str| -> Option<ModuleId> {
        let mut hits = labels.iter().enumerate().filter(|(_, l)| *l == name);
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(plan.install[i].module),
            _ => None,
        }
    };
    let failed: Vec<ModuleId> = summary
        .iter()
        .filter(|(_, s)| matches!(s, Summary::Failure(_)))
        .filter_map(|(name, _)| named(name))
        .collect();
    let succeeded = matches!(&status, Ok(s) if s.success()) && !cancelled;
    let mut modules = Vec::new();
    for p in &plan.install {
        let id = p.module;
        let said = summary
            .iter()
            .find(|(name, _)| named(name) == Some(id))
            .map(|(_, s)| *s);
        let other = |message: String| {
            (
                ModuleResult::Failed {
                    message: message.clone(),
                },
                Outcome::Failed(JobFailure::Other { message }),
            )
        };
        // Built: Maven's summary says so, or Maven succeeded as a whole.
        let built = match said {
            Some(Summary::Success(took)) => Some(took),
            None if succeeded => Some(elapsed),
            _ => None,
        };
        let (result, outcome, took) = match said {
            _ if let Some(took) = built => {
                let stamped = fingerprints
                    .get(id)
                    .ok_or_else(|| format!("no fingerprint for {}", ws.module(id).key()))
                    .and_then(|fp| write_install_stamp(repo, ws.module(id), fp));
                match stamped {
                    Ok(_) => (ModuleResult::Installed, Outcome::Succeeded(took), took),
                    Err(message) => {
                        let (r, o) = other(message);
                        (r, o, took)
                    }
                }
            }
            _ if cancelled => (
                ModuleResult::NotStarted,
                Outcome::Failed(JobFailure::Cancelled),
                Duration::ZERO,
            ),
            // Skipped because a module it needs failed, or because Maven stopped at the
            // first failure (without --keep-going) before its turn.
            Some(Summary::Skipped) => match failed.iter().find(|f| plan.waits_on(id, **f)) {
                Some(&because) => {
                    if !announced.contains(&id) {
                        progress.skipped(id, because);
                    }
                    modules.push(entry(
                        id,
                        ModuleResult::Skipped {
                            because: ws.module(because).key(),
                        },
                        0,
                    ));
                    continue;
                }
                None => (
                    ModuleResult::NotStarted,
                    Outcome::Failed(JobFailure::Other {
                        message: "not built: Maven stopped first".into(),
                    }),
                    Duration::ZERO,
                ),
            },
            Some(Summary::Failure(took)) => match &status {
                Ok(status) => {
                    let f = JobFailure::Exited {
                        program: inv.program.clone(),
                        status: *status,
                        log: inv.log.clone(),
                    };
                    (
                        ModuleResult::Failed {
                            message: f.to_string(),
                        },
                        Outcome::Failed(f),
                        took,
                    )
                }
                Err(e) => {
                    let (r, o) = other(e.to_string());
                    (r, o, took)
                }
            },
            // (A project the summary says succeeded was `built` above.)
            Some(Summary::Success(_)) | None => {
                let message = match &status {
                    Err(e) => format!("could not run `{}`: {e}", inv.program.display()),
                    Ok(status) if summary.is_empty() => format!(
                        "Maven failed ({status}) without a reactor summary (it stopped before \
                         building, or -q hid it); its output is in {}; if the reactor itself \
                         fails (a module outside the plan), --per-module builds each planned \
                         module on its own",
                        inv.log.display()
                    ),
                    Ok(status) => format!(
                        "Maven failed ({status}) and its reactor summary does not name this \
                         module unambiguously; its output is in {}",
                        inv.log.display()
                    ),
                };
                let (r, o) = other(message);
                (r, o, Duration::ZERO)
            }
        };
        if !matches!(result, ModuleResult::NotStarted) {
            if !announced.contains(&id) {
                // Maven did not announce it (`-q`): it started all the same.
                progress.started(id);
            }
            progress.finished(id, &outcome, took);
        }
        modules.push(entry(id, result, millis(took)));
    }
    report(modules, cancelled)
}

/// Maven's project header, `[INFO] ------< groupId:artifactId >------`: the id.
fn project_header(line: &str) -> Option<&str> {
    let line = line.strip_prefix("[INFO]").unwrap_or(line).trim();
    let inner = line.strip_prefix('-')?.trim_matches('-').trim();
    let ga = inner.strip_prefix('<')?.strip_suffix('>')?.trim();
    ga.contains(':').then_some(ga)
}

/// The lines appended to a log since the last look.
struct LogTail {
    path: PathBuf,
    file: Option<File>,
    pending: Vec<u8>,
}

impl LogTail {
    fn new(path: &Path) -> LogTail {
        LogTail {
            path: path.to_path_buf(),
            file: None,
            pending: Vec::new(),
        }
    }

    /// Complete lines written since the last call (none if the log cannot be read: the
    /// progress is then told at the end).
    fn new_lines(&mut self) -> Vec<String> {
        use std::io::Read;
        if self.file.is_none() {
            self.file = File::open(&self.path).ok();
        }
        let Some(file) = &mut self.file else {
            return Vec::new();
        };
        let _ = file.read_to_end(&mut self.pending);
        let Some(end) = self.pending.iter().rposition(|&b| b == b'\n') else {
            return Vec::new();
        };
        let complete: Vec<u8> = self.pending.drain(..=end).collect();
        String::from_utf8_lossy(&complete)
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coords::Gav;

    #[test]
    fn coordinates_that_leave_the_repository_are_refused() {
        assert_eq!(
            unsafe_coordinates(&Gav::new("com.example", "core", "1.0-SNAPSHOT")),
            None
        );
        // Empty groupId segments are empty path components, for Maven and for m2fresh.
        assert_eq!(unsafe_coordinates(&Gav::new("..", "core", "1")), None);
        for (g, a, v) in [
            ("com/example", "core", "1"),
            ("g", "/etc", "1"),
            ("g", "..", "1"),
            ("g", "a b", "1"),
            ("g", "a", ".."),
            ("g", "a", "1/../../x"),
            ("g", "a", ""),
        ] {
            assert!(
                unsafe_coordinates(&Gav::new(g, a, v)).is_some(),
                "{g}:{a}:{v}"
            );
        }
    }

    #[test]
    fn the_reactor_summary_gives_each_projects_outcome() {
        // As Maven 3.8 prints it with -B (and -fae, after core failed).
        let log = "[INFO] BUILD stuff before\n\
            [INFO] ------------------------------------------------------------------------\n\
            [INFO] Reactor Summary for basic-parent 1.0-SNAPSHOT:\n\
            [INFO] \n\
            [INFO] basic-parent ....................................... SUCCESS [  0.412 s]\n\
            [INFO] Core library ....................................... FAILURE [  1.234 s]\n\
            [INFO] A name longer than the dots make room for, which Maven then leaves unpadded SUCCESS [01:02 min]\n\
            [INFO] svc-b 2.0 .......................................... SKIPPED\n\
            [INFO] ------------------------------------------------------------------------\n\
            [INFO] BUILD FAILURE\n";
        assert_eq!(
            reactor_summary(log),
            [
                (
                    "basic-parent".to_string(),
                    Summary::Success(Duration::from_millis(412))
                ),
                (
                    "Core library".to_string(),
                    Summary::Failure(Duration::from_millis(1234))
                ),
                (
                    "A name longer than the dots make room for, which Maven then leaves unpadded"
                        .to_string(),
                    Summary::Success(Duration::from_secs(62))
                ),
                ("svc-b 2.0".to_string(), Summary::Skipped),
            ]
        );
        assert!(reactor_summary("[ERROR] no POM in this directory\n").is_empty());
        assert_eq!(parse_duration("1:02 h"), Duration::from_secs(3720));
        assert_eq!(parse_duration("soon"), Duration::ZERO);
    }

    #[test]
    fn project_starts_are_read_from_the_growing_log() {
        assert_eq!(
            project_header(
                "[INFO] ------------------< com.example.basic:core >-------------------"
            ),
            Some("com.example.basic:core")
        );
        assert_eq!(
            project_header("[INFO] --------------------------------[ jar ]---"),
            None
        );
        assert_eq!(
            project_header("[INFO] Building core 1.0-SNAPSHOT  [2/6]"),
            None
        );

        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("reactor.log");
        let mut tail = LogTail::new(&log);
        assert!(tail.new_lines().is_empty(), "no log yet");
        std::fs::write(&log, "# cd x && mvn\n[INFO] --< g:a >--\n[INFO] half").unwrap();
        assert_eq!(tail.new_lines(), ["# cd x && mvn", "[INFO] --< g:a >--"]);
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
        writeln!(file, " a line").unwrap();
        assert_eq!(tail.new_lines(), ["[INFO] half a line"]);
        assert!(tail.new_lines().is_empty());
    }

    #[test]
    fn a_maven_that_cannot_run_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let err =
            find_maven(Some(Path::new("/nonexistent/mvn")), dir.path(), dir.path()).unwrap_err();
        assert!(err.to_string().contains("no such program"), "{err}");
        let script = dir.path().join("mvn");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        let err = find_maven(Some(&script), dir.path(), dir.path()).unwrap_err();
        assert!(err.to_string().contains("not executable"), "{err}");
        let wrapper = dir.path().join("mvnw");
        std::fs::write(&wrapper, "#!/bin/sh\n").unwrap();
        let err = find_maven(None, dir.path(), dir.path()).unwrap_err();
        assert!(err.to_string().contains("mvnw is not executable"), "{err}");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            find_maven(None, dir.path(), dir.path()).unwrap().program,
            wrapper
        );
    }
}

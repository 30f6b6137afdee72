//! Installing a plan with real Maven, and a stamp written next to each artifact only after
//! its install succeeded. Two ways:
//! - **one Maven reactor** for the whole plan: `mvn -f POM -pl g:a,g:b,... -T N clean
//!   install` — Maven orders and parallelises exactly the planned modules in one JVM (the
//!   rest of the upstream comes from the local repository, which m2fresh found fresh);
//!   each module's outcome is read from Maven's reactor summary. POM is the root POM of
//!   an aggregator workspace, or, for sibling projects without an aggregator, an
//!   aggregator POM m2fresh writes in its cache directory ([`aggregator`]);
//! - with `per_module` (or when a synthetic reactor cannot build the plan — the projects
//!   read their own `.mvn/` configuration, or Maven refuses the reactor — which a note
//!   says): one `mvn install` per module, in the order the dependency queue allows, at
//!   most `-j` at once, each with its own log.
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

use crate::building::aggregator;
use crate::building::exec::{
    self, CancelToken, ExecOptions, Job, JobFailure, MavenInvocation, Outcome, Progress,
};
use crate::building::maven::{MavenCommandLine, MavenTool, ModelArgs, find_maven};
use crate::building::plan::Plan;
use crate::building::reactor;
use crate::building::stamping::{self, Before};
use crate::error::{Error, Result};
use crate::freshness::fingerprint::ModuleFingerprint;
use crate::freshness::localrepo::LocalRepository;
use crate::freshness::stamp::{self, ArtifactRecord, Stamp};
use crate::maven::workspace::{Module, ModuleId};
use crate::project::Project;
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Options for [`install`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
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
    /// Extra arguments for every Maven run, last on its command line. They are build
    /// parameters: check with the same ones ([`Project::check_for_build`]). `-D` and
    /// `-P` belong to the model: give them to [`crate::project::OpenOptions`]
    /// ([`crate::project::OpenOptions::with_maven_args`] splits them off), and Maven
    /// gets them with the local repository and the settings file of the project
    /// ([`Project::maven_model`]).
    pub maven_args: Vec<String>,
    /// One Maven per module (otherwise the whole plan goes to one Maven reactor: the
    /// aggregator workspace's root POM, or an aggregator POM m2fresh writes for sibling
    /// projects).
    pub per_module: bool,
}

/// What the planned modules are built for: `install` into the local repository, or
/// `deploy` into a remote one (Maven's `deploy` phase, which installs too).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Goal {
    /// `clean install`.
    #[default]
    Install,
    /// `clean deploy`.
    Deploy {
        /// `-DaltDeploymentRepository` (`id::default::url`) when the repository is not
        /// the POM's `<distributionManagement>`.
        alt_repository: Option<String>,
    },
}

impl Goal {
    /// The phase Maven is asked for.
    pub fn phase(&self) -> &'static str {
        match self {
            Goal::Install => "install",
            Goal::Deploy { .. } => "deploy",
        }
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
    /// `deploy`: Maven deployed it, and its stamp is in the remote repository beside
    /// the build it deployed.
    Deployed {
        /// The version as deployed (a SNAPSHOT's timestamped build).
        version: String,
        /// The stamp's URL.
        stamp: String,
    },
    /// `install --from-remote`: downloaded from the remote repository, where its stamp
    /// matches today's fingerprint, and stamped locally; Maven did not run for it.
    Downloaded {
        /// The version downloaded (a SNAPSHOT's timestamped build).
        version: String,
        /// The artifact's URL.
        from: String,
    },
    /// Maven installed it, but m2fresh did not stamp it: what it is built from changed
    /// while Maven ran (or the stamp could not be written), so the artifact may not be
    /// what the sources say. Not fresh: an install again rebuilds it.
    NotStamped {
        /// Why, naming the file that changed.
        message: String,
    },
}

/// One module of an [`InstallReport`].
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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
    /// The command that ran, as one shell line to paste (with its `cd` and any
    /// environment assignments).
    pub command: String,
    /// The same command as executed: the program and its arguments (empty when no
    /// process ran for the module: downloaded, or not started).
    pub argv: Vec<String>,
    /// Its working directory (null when no process ran for the module).
    pub cwd: Option<PathBuf>,
}

/// `m2fresh install --format json`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
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
    /// `deploy` and `install --from-remote`: the remote repositories; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Vec<crate::freshness::status::RepositoryInfo>>,
    /// How Maven ran; null when it did not run (nothing to build).
    pub mode: Option<InstallMode>,
}

impl InstallReport {
    /// The report of an install with nothing to do: the same document as any other
    /// install, with no modules and no Maven.
    pub fn nothing_to_do(project: &Project) -> InstallReport {
        InstallReport {
            schema: crate::report::SCHEMA,
            local_repository: project.repository.path.clone(),
            maven: None,
            modules: Vec::new(),
            cancelled: false,
            notes: Vec::new(),
            remote: None,
            mode: None,
        }
    }
}

/// How an install ran Maven.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum InstallMode {
    /// One Maven reactor of the aggregator workspace's root POM, `-pl` the plan.
    Reactor,
    /// One Maven reactor of an aggregator POM m2fresh wrote for the planned sibling
    /// projects (in its cache directory), `-pl` the plan.
    SiblingReactor,
    /// One Maven per module.
    PerModule,
}

impl InstallReport {
    /// Whether every planned module was installed (deployed, downloaded).
    pub fn is_success(&self) -> bool {
        !self.cancelled
            && self.modules.iter().all(|m| {
                matches!(
                    m.result,
                    ModuleResult::Installed
                        | ModuleResult::Deployed { .. }
                        | ModuleResult::Downloaded { .. }
                )
            })
    }
}

/// The Maven command line for one module (without the program):
/// `-B -f POM [-N] … clean install`.
pub fn module_args(
    module: &Module,
    model: &ModelArgs,
    tool: &MavenTool,
    opts: &InstallOptions,
    parallel: bool,
) -> Vec<String> {
    MavenCommandLine {
        pom: Some(&module.pom),
        non_recursive: module.packaging == "pom",
        ..install_command_line(model, tool, opts, parallel, &Goal::Install)
    }
    .args()
}

/// What every Maven run of an install gets: tests skipped unless asked, offline, the
/// model's parameters, file locks when modules run side by side, `clean install`, the
/// caller's arguments.
pub(crate) fn install_command_line<'a>(
    model: &'a ModelArgs,
    tool: &MavenTool,
    opts: &'a InstallOptions,
    parallel: bool,
    goal: &'a Goal,
) -> MavenCommandLine<'a> {
    let mut goals = Vec::new();
    // `clean` first: a module is installed because it (or what it is built against)
    // changed, and maven-compiler-plugin's incremental build does not notice a changed
    // dependency jar — without `clean`, a constant inlined from the old upstream survives.
    if !opts.incremental {
        goals.push("clean".to_string());
    }
    goals.push(goal.phase().to_string());
    let deploy_repository = match goal {
        Goal::Deploy { alt_repository } => alt_repository.as_deref(),
        Goal::Install => None,
    };
    MavenCommandLine {
        goals,
        deploy_repository,
        skip_tests: !opts.tests,
        offline: opts.offline,
        model: Some(model),
        file_locks: parallel && tool.supports_file_locks(),
        extra: &opts.maven_args,
        ..MavenCommandLine::default()
    }
}

/// Holds the local repository's install lock while alive — and, through the file every
/// child process inherits, until the last Maven started under it has exited.
pub struct RepositoryLock {
    _file: File,
    /// The local repository it locks.
    repository: PathBuf,
}

/// Takes the install lock of a local repository, waiting (and saying so through
/// `on_wait`) while another m2fresh holds it.
pub fn lock_repository(repo: &LocalRepository, on_wait: &dyn Fn(&Path)) -> Result<RepositoryLock> {
    let dir = repo.path.join(".m2fresh");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io("cannot create", &dir, e))?;
    let path = dir.join("install.lock");
    let file =
        crate::fsutil::open_lock_file(&path).map_err(|e| Error::io("cannot open", &path, e))?;
    crate::fsutil::acquire_exclusive(&file, &path, on_wait)
        .map_err(|e| Error::io("cannot lock", &path, e))?;
    // Every Maven started while the lock is held inherits the locked file: the lock
    // then lasts until the last of them has exited, even when m2fresh itself is killed
    // first (`flock` holds while any process has the file open). Without it, a second
    // install could start the moment the first m2fresh died, next to its dying Maven.
    #[cfg(unix)]
    rustix::io::fcntl_setfd(&file, rustix::io::FdFlags::empty())
        .map_err(|e| Error::io("cannot lock", &path, e.into()))?;
    Ok(RepositoryLock {
        _file: file,
        repository: repo.path.clone(),
    })
}

/// Writes the stamp for a module Maven just installed, after checking that the artifact
/// is where Maven installs it.
pub fn write_install_stamp(
    repo: &LocalRepository,
    ws: &crate::maven::workspace::Workspace,
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
    let (_, pom_blake3) = crate::fsutil::hash_file(&pom)
        .map_err(|e| format!("cannot read {}: {e}", pom.display()))?;
    let stamp = Stamp {
        schema: stamp::STAMP_SCHEMA,
        gav: m.gav.clone(),
        packaging: m.packaging.clone(),
        fingerprint: fp.fingerprint.clone(),
        model_hash: fp.model_hash.clone(),
        model: fp.model.clone(),
        inputs: fp.inputs.clone(),
        upstream: fp.upstream.clone(),
        parameters: fp.parameters.clone(),
        // What its workspace upstream is in the local repository now, after Maven built
        // against it (an upstream installed earlier in this run included).
        built_against: crate::freshness::installed::identities_now(
            repo,
            ws,
            fp.built_against.keys(),
        ),
        artifact,
        pom_blake3,
        installed_at: crate::fsutil::rfc3339_utc(SystemTime::now()),
        tool: format!("m2fresh {}", env!("CARGO_PKG_VERSION")),
    };
    stamp::write_stamp(repo, &stamp).map_err(|e| e.to_string())
}

/// Where a module's install log goes: `<log dir>/<groupId>.<artifactId>.log`, outside the
/// module (its `target/` is cleaned by the very build being logged).
pub fn log_path(log_dir: &Path, m: &Module) -> PathBuf {
    log_dir.join(format!("{}.{}.log", m.gav.group_id, m.gav.artifact_id))
}

/// One install under way: what every phase needs.
pub(crate) struct Run<'a> {
    pub(crate) project: &'a Project,
    pub(crate) plan: &'a Plan,
    pub(crate) opts: &'a InstallOptions,
    /// The sources just before Maven started.
    pub(crate) before: Before,
    /// What every Maven is given of the project's model.
    pub(crate) model: ModelArgs,
    pub(crate) progress: &'a dyn Progress<ModuleId>,
    pub(crate) cancel: &'a CancelToken,
    /// At most this many modules at once.
    pub(crate) jobs: usize,
    /// `install` or `deploy`.
    pub(crate) goal: &'a Goal,
}

impl Run<'_> {
    /// The report of this install.
    pub(crate) fn report(
        &self,
        maven: Option<MavenTool>,
        modules: Vec<InstalledModule>,
        cancelled: bool,
        notes: Vec<String>,
        mode: InstallMode,
    ) -> InstallReport {
        InstallReport {
            schema: crate::report::SCHEMA,
            local_repository: self.project.repository.path.clone(),
            maven,
            modules,
            cancelled,
            notes,
            remote: None,
            mode: Some(mode),
        }
    }
}

/// Installs a plan. `progress` hears about each module as it starts and ends; `cancel`
/// stops it cleanly (running Maven processes are terminated, nothing new starts).
///
/// `lock` is the project's local repository's install lock ([`lock_repository`]): two
/// installs on one repository must not interleave, and taking it *before* the check that
/// made `plan` keeps the plan true while it runs (another install cannot change the
/// repository in between). Requiring it here makes a library caller take it too.
///
/// ```no_run
/// use m2fresh::building::{exec::CancelToken, install};
/// use m2fresh::project::{OpenOptions, Project};
/// let project = Project::open("fixtures/xuecheng", &OpenOptions::new())?;
/// let lock = install::lock_repository(&project.repository, &|_| eprintln!("waiting"))?;
/// let modules = project.targets(&["xc-service-portalview"])?;
/// let report = project.check(&modules)?;
/// let plan = project.plan(&report, Default::default());
/// let done = install::install(
///     &lock, &project, &plan, &Default::default(), &(), &CancelToken::new(),
/// )?;
/// assert!(done.is_success());
/// # Ok::<(), m2fresh::error::Error>(())
/// ```
///
/// The sources of the planned modules (and of what they need) are fingerprinted just
/// before Maven starts; after Maven, the workspace is read again (Maven may have
/// downloaded parents and BOMs) and a module is stamped only when none of what it is
/// built from changed meanwhile ([`stamping`]). A module that is not stamped anew keeps
/// its old stamp while that still describes the installed bytes.
///
/// # Errors
///
/// Before anything runs: coordinates or paths Maven cannot be given, no Maven, a source
/// that cannot be read. Failures of Maven are results in the report, not errors.
pub fn install(
    lock: &RepositoryLock,
    project: &Project,
    plan: &Plan,
    opts: &InstallOptions,
    progress: &dyn Progress<ModuleId>,
    cancel: &CancelToken,
) -> Result<InstallReport> {
    run_goal(lock, project, plan, opts, &Goal::Install, progress, cancel)
}

/// [`install`] for a goal: the one pipeline of `install` and `deploy` (the lock, the
/// checks before anything runs, one reactor or one Maven per module, stamps for what
/// Maven actually built).
pub(crate) fn run_goal(
    lock: &RepositoryLock,
    project: &Project,
    plan: &Plan,
    opts: &InstallOptions,
    goal: &Goal,
    progress: &dyn Progress<ModuleId>,
    cancel: &CancelToken,
) -> Result<InstallReport> {
    if lock.repository != project.repository.path {
        return Err(Error::usage(
            format!(
                "the install lock held is the one of {}, not of {}",
                lock.repository.display(),
                project.repository.path.display()
            ),
            Some("take the lock of the project's local repository with lock_repository".into()),
        ));
    }
    check_installable(project, plan)?;
    let mut notes = Vec::new();
    let reactor = choose_reactor(project, plan, opts, &mut notes);
    let planned: Vec<ModuleId> = plan.install.iter().map(|p| p.module).collect();
    let run = Run {
        project,
        plan,
        opts,
        before: Before::take(project, &planned, &opts.maven_args)?,
        model: project.maven_model(),
        progress,
        cancel,
        jobs: if opts.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            opts.jobs
        },
        goal,
    };
    let mut report = match reactor {
        Some(ReactorKind::Root(root_pom)) => {
            let (inv, tool) = reactor_invocation(&run, &root_pom)?;
            notes.push(format!(
                "the {} planned modules were built in one Maven reactor ({}); --per-module \
                 runs one Maven per module",
                plan.install.len(),
                root_pom.display()
            ));
            match reactor::install_in_one_reactor(
                &run,
                inv,
                Some(tool),
                notes,
                InstallMode::Reactor,
            ) {
                reactor::Reactor::Done(report) => report,
                // Not asked for: the reactor's own failure is each module's failure.
                reactor::Reactor::Refused { report, .. } => report,
            }
        }
        Some(ReactorKind::Siblings) => install_siblings(&run, notes)?,
        None => install_per_module(&run, notes)?,
    };
    settle_old_stamps(project, &mut report);
    Ok(report)
}

/// Sibling projects in one reactor of an aggregator POM m2fresh writes
/// ([`aggregator`]); one Maven per module instead (with a note saying why) when the
/// projects need what that reactor cannot give them, or when Maven refuses it.
fn install_siblings(run: &Run, notes: Vec<String>) -> Result<InstallReport> {
    let project = run.project;
    let per_module = |mut notes: Vec<String>, why: String| {
        notes.push(why);
        install_per_module(run, notes)
    };
    if let Some(why) = aggregator::refusal(project, run.plan) {
        return per_module(notes, why);
    }
    let tool = match siblings_maven(run)? {
        Ok(tool) => tool,
        Err(why) => return per_module(notes, why),
    };
    let pom = match aggregator::write(project, run.plan, &project.aggregator_dir()) {
        Ok(pom) => pom,
        Err(why) => {
            return per_module(
                notes,
                format!(
                    "m2fresh could not write its aggregator POM ({why}); one Maven runs per module"
                ),
            );
        }
    };
    let dir = pom.parent().map_or_else(|| pom.clone(), Path::to_path_buf);
    let inv = MavenInvocation {
        program: tool.program.clone(),
        args: reactor::reactor_args(run, &pom, &tool),
        cwd: dir,
        log: project.log_dir().join("reactor.log"),
        env: Vec::new(),
    };
    let mut reactor_notes = notes.clone();
    reactor_notes.push(format!(
        "the {} planned projects went to one Maven reactor of an aggregator POM m2fresh \
         wrote ({}); --per-module runs one Maven per module",
        run.plan.install.len(),
        pom.display()
    ));
    let mode = InstallMode::SiblingReactor;
    match reactor::install_in_one_reactor(run, inv, Some(tool), reactor_notes, mode) {
        reactor::Reactor::Done(report) => Ok(report),
        reactor::Reactor::Refused { reason, log, .. } => per_module(
            notes,
            format!(
                "Maven refused the one reactor of the planned projects ({reason}; see {}); \
                 one Maven ran per module instead",
                log.display()
            ),
        ),
    }
}

/// The one Maven of a sibling reactor: every planned project would get the same one
/// (`--mvn`, or `mvn` on `PATH`); a project's own `mvnw` finds its wrapper's settings
/// only when started from that project, so it runs per module.
fn siblings_maven(run: &Run) -> Result<std::result::Result<MavenTool, String>> {
    let ws = &run.project.workspace;
    let mut chosen: Option<MavenTool> = None;
    for p in &run.plan.install {
        let m = ws.module(p.module);
        let tool = find_maven(
            run.opts.mvn.as_deref(),
            &m.dir,
            &ws.root,
            run.project.environment(),
        )?;
        if run.opts.mvn.is_none() && tool.program.file_name().is_some_and(|n| n == "mvnw") {
            return Ok(Err(format!(
                "{} is built with its Maven wrapper {}; one Maven runs per module",
                m.key(),
                tool.program.display()
            )));
        }
        match &chosen {
            Some(c) if c.program != tool.program => {
                return Ok(Err(format!(
                    "the planned projects use different Mavens ({} and {}); one Maven \
                     runs per module",
                    c.program.display(),
                    tool.program.display()
                )));
            }
            Some(_) => {}
            None => chosen = Some(tool),
        }
    }
    Ok(chosen.ok_or_else(|| "nothing to build".to_string()))
}

/// Refuses, before anything runs, what Maven cannot be given: coordinates that would
/// lead out of the local repository, paths that are not UTF-8 (Maven's arguments are
/// text: the module would fail for a reason its log does not tell).
fn check_installable(project: &Project, plan: &Plan) -> Result<()> {
    let not_utf8 = |what: String, path: &Path| {
        Error::usage(
            format!("{what} is not valid UTF-8: {}", path.display()),
            Some("rename it: Maven is given paths as text".into()),
        )
    };
    let repo = &project.repository;
    if repo.path.to_str().is_none() {
        return Err(not_utf8(
            "the path of the local repository".into(),
            &repo.path,
        ));
    }
    for p in &plan.install {
        let m = project.workspace.module(p.module);
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
    }
    Ok(())
}

/// Which reactor builds the whole plan, if one does: the workspace's root POM in an
/// aggregator workspace, an aggregator POM of m2fresh's own for sibling projects
/// ([`install_siblings`]). None with `--per-module`, a plan of one module, or a root POM
/// Maven cannot be given. Linux refuses a single argument over 128 KiB: a `-pl` list
/// that long, thousands of modules, goes to one Maven per module instead (with a note).
fn choose_reactor(
    project: &Project,
    plan: &Plan,
    opts: &InstallOptions,
    notes: &mut Vec<String>,
) -> Option<ReactorKind> {
    let ws = &project.workspace;
    if opts.per_module || plan.install.len() < 2 {
        return None;
    }
    let selection_len: usize = plan
        .install
        .iter()
        .map(|p| ws.module(p.module).gav.ga().len() + 1)
        .sum();
    if selection_len > reactor::MAX_SELECTION {
        notes.push(format!(
            "the {} planned modules do not fit in one -pl argument; one Maven runs per module",
            plan.install.len()
        ));
        return None;
    }
    if ws.discovery != crate::maven::workspace::Discovery::Aggregator {
        return Some(ReactorKind::Siblings);
    }
    let pom = ws.root.join("pom.xml");
    (pom.is_file() && pom.to_str().is_some()).then_some(ReactorKind::Root(pom))
}

/// The reactor of an install.
enum ReactorKind {
    /// The aggregator workspace's root POM.
    Root(PathBuf),
    /// An aggregator POM m2fresh writes for the planned sibling projects.
    Siblings,
}

/// The one Maven invocation of a reactor install, and the Maven it runs.
fn reactor_invocation(run: &Run, root_pom: &Path) -> Result<(MavenInvocation, MavenTool)> {
    let ws = &run.project.workspace;
    let root = root_pom.parent().unwrap_or(&ws.root);
    let tool = find_maven(
        run.opts.mvn.as_deref(),
        root,
        &ws.root,
        run.project.environment(),
    )?;
    let inv = MavenInvocation {
        program: tool.program.clone(),
        args: reactor::reactor_args(run, root_pom, &tool),
        cwd: crate::maven::workspace::find_project_directory(root),
        log: run.project.log_dir().join("reactor.log"),
        env: Vec::new(),
    };
    Ok((inv, tool))
}

/// Whether two planned modules can run at the same time with `jobs` slots.
fn can_run_in_parallel(plan: &Plan, jobs: usize) -> bool {
    jobs > 1
        && plan.install.iter().enumerate().any(|(i, a)| {
            plan.install[i + 1..]
                .iter()
                .any(|b| !plan.waits_on(b.module, a.module) && !plan.waits_on(a.module, b.module))
        })
}

/// One Maven per module, in the order the dependency queue allows, at most `jobs` at
/// once; each module stamped as soon as its Maven ended.
fn install_per_module(run: &Run, mut notes: Vec<String>) -> Result<InstallReport> {
    let ws = &run.project.workspace;
    let parallel = can_run_in_parallel(run.plan, run.jobs);
    let mut invocations = HashMap::new();
    let mut tool_used: Option<MavenTool> = None;
    for p in &run.plan.install {
        let m = ws.module(p.module);
        let tool = find_maven(
            run.opts.mvn.as_deref(),
            &m.dir,
            &ws.root,
            run.project.environment(),
        )?;
        invocations.insert(
            p.module,
            MavenInvocation {
                program: tool.program.clone(),
                args: MavenCommandLine {
                    pom: Some(&m.pom),
                    non_recursive: m.packaging == "pom",
                    ..install_command_line(&run.model, &tool, run.opts, parallel, run.goal)
                }
                .args(),
                cwd: crate::maven::workspace::find_project_directory(&m.dir),
                log: log_path(&run.project.log_dir(), m),
                env: Vec::new(),
            },
        );
        tool_used.get_or_insert(tool);
    }
    if parallel
        && let Some(tool) = &tool_used
        && !tool.supports_file_locks()
    {
        notes.push(format!(
            "Maven {} does not lock the local repository; m2fresh runs up to {} \
             modules at once (each writes its own directory), but downloads they share are \
             not coordinated. Use Maven 3.9+ or -j 1 to be certain.",
            tool.version.as_deref().unwrap_or("(unknown version)"),
            run.jobs
        ));
    }
    let job = InstallJob {
        project: run.project,
        before: &run.before,
        invocations: &invocations,
        not_stamped: Mutex::new(HashMap::new()),
    };
    let exec_opts = ExecOptions {
        jobs: run.jobs,
        keep_going: run.opts.keep_going,
    };
    let report = exec::execute(
        run.plan.queue()?,
        &job,
        &exec_opts,
        run.progress,
        run.cancel,
    );
    let mut not_stamped = job.not_stamped.into_inner().unwrap_or_default();
    let modules = report
        .outcomes
        .into_iter()
        .map(|(id, outcome)| {
            let inv = invocations.get(&id);
            let (result, millis) = match outcome {
                Outcome::Succeeded(d) => (ModuleResult::Installed, millis(d)),
                Outcome::Failed(f) => match not_stamped.remove(&id) {
                    Some(why) => (ModuleResult::NotStamped { message: why }, 0),
                    None => (
                        ModuleResult::Failed {
                            message: f.to_string(),
                        },
                        0,
                    ),
                },
                Outcome::Skipped(because) => (
                    ModuleResult::Skipped {
                        because: ws.module(because).key(),
                    },
                    0,
                ),
                Outcome::NotStarted => (ModuleResult::NotStarted, 0),
            };
            InstalledModule {
                module: id,
                id: ws.module(id).key(),
                result,
                millis,
                log: inv.map(|i| i.log.clone()).unwrap_or_default(),
                command: inv.map(MavenInvocation::command_line).unwrap_or_default(),
                argv: inv.map(MavenInvocation::argv).unwrap_or_default(),
                cwd: inv.map(|i| i.cwd.clone()),
            }
        })
        .collect();
    Ok(run.report(
        tool_used,
        modules,
        report.cancelled,
        notes,
        InstallMode::PerModule,
    ))
}

/// The job that installs one module with its own Maven, then stamps it.
struct InstallJob<'a> {
    project: &'a Project,
    before: &'a Before,
    invocations: &'a HashMap<ModuleId, MavenInvocation>,
    /// The modules Maven installed but m2fresh did not stamp, with why.
    not_stamped: Mutex<HashMap<ModuleId, String>>,
}

impl Job for InstallJob<'_> {
    type Id = ModuleId;

    fn run(&self, id: ModuleId, cancel: &CancelToken) -> std::result::Result<(), JobFailure> {
        let inv = self.invocations.get(&id).ok_or_else(|| JobFailure::Other {
            message: format!(
                "no Maven invocation planned for {}",
                self.project.workspace.module(id).key()
            ),
        })?;
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
        let stamped = stamping::stamp_built(self.project, self.before, &[id]).remove(&id);
        let why = match stamped {
            Some(Ok(_)) => return Ok(()),
            Some(Err(why)) => why.to_string(),
            None => "not stamped".to_string(),
        };
        if let Ok(mut not_stamped) = self.not_stamped.lock() {
            not_stamped.insert(id, why.clone());
        }
        // A failure for the queue: what needs this module is not built against it.
        Err(JobFailure::Other { message: why })
    }
}

/// A failed or cancelled install keeps what is true: the old stamp of each planned
/// module that was not stamped anew stays while the installed artifact and POM are the
/// bytes it describes (Maven did not get to replace them), and goes when they were
/// replaced. A stamp that cannot be removed is told in the notes (`check` then finds the
/// artifact `foreign`, never `fresh`).
fn settle_old_stamps(project: &Project, report: &mut InstallReport) {
    for m in &report.modules {
        if matches!(m.result, ModuleResult::Installed) {
            continue;
        }
        let module = project.workspace.module(m.module);
        if let Err(e) =
            stamping::keep_or_remove_old_stamp(&project.repository, &module.gav, &module.packaging)
        {
            report.notes.push(e.to_string());
        }
    }
}

pub(crate) fn millis(d: Duration) -> u64 {
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

    /// Issue 18: the install lock is the library's promise too — `install` takes the
    /// held lock of the project's own local repository, and refuses another's before
    /// anything runs.
    #[test]
    fn install_needs_the_lock_of_the_projects_local_repository() {
        use crate::building::exec::CancelToken;
        use crate::project::{OpenOptions, Project};
        let dir = tempfile::tempdir().unwrap();
        let opts = OpenOptions::new()
            .local_repository(dir.path().join("repo"))
            .stat_cache(crate::project::StatCachePolicy::Disabled);
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/xuecheng");
        let project = Project::open(&fixture, &opts).unwrap();
        let modules = project
            .targets(&["xc-framework-model".to_string()])
            .unwrap();
        let report = project.check(&modules).unwrap();
        let plan = crate::building::plan::plan(
            &project.workspace,
            &project.graph,
            &report,
            Default::default(),
        );
        assert_eq!(plan.install.len(), 2, "parent and model are missing");
        let elsewhere = LocalRepository {
            path: dir.path().join("other"),
            source: crate::freshness::localrepo::RepositorySource::Explicit,
        };
        let lock = lock_repository(&elsewhere, &|_| {}).unwrap();
        let opts = InstallOptions {
            mvn: Some(PathBuf::from("/bin/false")),
            ..InstallOptions::default()
        };
        let err = install(&lock, &project, &plan, &opts, &(), &CancelToken::new()).unwrap_err();
        assert!(err.to_string().contains("the install lock held"), "{err}");
        assert!(!dir.path().join("repo/com").exists(), "nothing ran");
    }
}

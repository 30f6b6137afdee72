//! A workspace opened for work — m2fresh's counterpart of cargo's `Workspace`, and the
//! operations every command (and every library caller) goes through.
//!
//! [`OpenOptions`] says what the caller *asks* for: discovery, `-D`, `-P`, the settings
//! file, the local repository, the stat cache, the environment. [`Project::open`]
//! resolves those once, as Maven would (the local repository from settings and
//! properties, the settings file made absolute, `.mvn/maven.config` read), reads the
//! workspace and builds the graph; the [`Project`] then carries what was resolved, so
//! that `check`, `install` ([`crate::building::install::install`]) and `image`
//! ([`Project::image`]) all work on the same model, and every Maven they start is given
//! it ([`Project::maven_model`]).
//!
//! The promises hold here, not in the CLI: [`Project::image`] refuses to build an image
//! on upstream artifacts that are not fresh and a tag that stood for other content;
//! `install` requires the local repository's install lock.

use crate::building::maven::{MavenCommandLine, ModelArgs, find_maven};
use crate::building::plan::{self, Plan, PlanOptions};
use crate::environment::Environment;
use crate::error::{Error, Result};
use crate::freshness::fingerprint::files::StatCache;
use crate::freshness::fingerprint::params::{BuildParameters, split_maven_args};
use crate::freshness::fingerprint::{self, Fingerprints};
use crate::freshness::installed::Installed;
use crate::freshness::localrepo::{self, LocalRepository, LocateOptions};
use crate::freshness::status::{CheckReport, ModuleStatus, Status, WhyReport};
use crate::image::registry::{RegistryError, RegistryOptions, RemoteTag};
use crate::image::{
    ImageError, ImageOptions, ImagePlan, ImageTarget, LedgerState, MavenCommand, TagLedger,
};
use crate::maven::effective::runtime::MavenRuntime;
use crate::maven::graph::ReactorGraph;
use crate::maven::settings::SettingsFiles;
use crate::maven::workspace::{self, Discovery, LoadOptions, ModuleId, Workspace};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Where [`Project::check`] keeps the stat cache that lets it skip re-reading unchanged
/// files (see [`crate::freshness::fingerprint::files::StatCache`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatCachePolicy {
    /// One file per workspace root in m2fresh's cache directory
    /// ([`Environment::cache_dir`]: `$XDG_CACHE_HOME/m2fresh`, else `~/.cache/m2fresh`),
    /// outside the workspace (nothing to ignore in git) and outside the local repository
    /// (which may be shared or read-only). Nothing is cached without such a directory.
    #[default]
    CacheDir,
    /// This file.
    File(PathBuf),
    /// No cache: every file is read, nothing is written.
    Disabled,
}

/// What to open, as the caller asks for it (see [`Project::open`]).
///
/// ```
/// use m2fresh::project::{OpenOptions, StatCachePolicy};
/// let opts = OpenOptions::new()
///     .define("revision=1.2.0")
///     .profiles("ci,!slow")
///     .local_repository("/tmp/m2")
///     .stat_cache(StatCachePolicy::Disabled);
/// assert_eq!(opts.user_properties["revision"], "1.2.0");
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Aggregator or scan mode ([`Discovery::Auto`] by default).
    pub discovery: Discovery,
    /// `-D` user properties (they beat `.mvn/maven.config`).
    pub user_properties: BTreeMap<String, String>,
    /// `-P` arguments, as given (`a,!b`).
    pub profiles: Vec<String>,
    /// `-s`: the user settings file (default `~/.m2/settings.xml`); relative to the
    /// current directory.
    pub settings: Option<PathBuf>,
    /// The local repository; beats every setting Maven knows (default: found as Maven
    /// finds it).
    pub local_repository: Option<PathBuf>,
    /// Where the stat cache lives ([`StatCachePolicy::CacheDir`] by default).
    pub stat_cache: StatCachePolicy,
    /// The environment Maven's answers depend on (default: this process's).
    pub environment: Environment,
    /// Read the stat cache while the workspace loads, on a thread of its own, for a
    /// project that will be checked (off by default: a command that only reads the
    /// graph would read it for nothing).
    pub prefetch_stat_cache: bool,
}

impl OpenOptions {
    /// The defaults: auto discovery, no `-D` or `-P`, Maven's settings and local
    /// repository, the stat cache in the cache directory, this process's environment.
    pub fn new() -> Self {
        OpenOptions::default()
    }

    /// Forces a discovery mode.
    pub fn discovery(mut self, discovery: Discovery) -> Self {
        self.discovery = discovery;
        self
    }

    /// A `-D`: `name=value`, or `name` (which is `true`, as in Maven).
    pub fn define(mut self, definition: impl AsRef<str>) -> Self {
        let d = definition.as_ref();
        let (name, value) = d.split_once('=').unwrap_or((d, "true"));
        self.user_properties
            .insert(name.to_string(), value.to_string());
        self
    }

    /// A `-P`: profile ids separated by commas, `!id` or `-id` to deactivate.
    pub fn profiles(mut self, ids: impl AsRef<str>) -> Self {
        self.profiles.push(ids.as_ref().to_string());
        self
    }

    /// `-s`: the user settings file.
    pub fn settings(mut self, file: impl AsRef<Path>) -> Self {
        self.settings = Some(file.as_ref().to_path_buf());
        self
    }

    /// The local repository.
    pub fn local_repository(mut self, dir: impl AsRef<Path>) -> Self {
        self.local_repository = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Where the stat cache lives.
    pub fn stat_cache(mut self, policy: StatCachePolicy) -> Self {
        self.stat_cache = policy;
        self
    }

    /// The environment to resolve against instead of this process's.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.environment = environment;
        self
    }

    /// Read the stat cache while the workspace loads ([`OpenOptions::prefetch_stat_cache`]).
    pub fn prefetch_stat_cache(mut self, prefetch: bool) -> Self {
        self.prefetch_stat_cache = prefetch;
        self
    }

    /// Takes the `-D` and `-P` out of Maven arguments meant for every Maven run (`install
    /// -- ARGS`) into these options, and returns the other arguments. Maven must build
    /// the model m2fresh stamps, so the workspace is modelled with them, and Maven gets
    /// them as the model's parameters ([`Project::maven_model`]).
    pub fn with_maven_args<S: AsRef<str>>(mut self, args: &[S]) -> (Self, Vec<String>) {
        let args: Vec<String> = args.iter().map(|a| a.as_ref().to_string()).collect();
        let split = split_maven_args(&args);
        self.user_properties.extend(split.user_properties);
        self.profiles.extend(split.profiles);
        (self, split.passthrough)
    }
}

/// An opened workspace: its modules and graph, and what was resolved for it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Project {
    /// The modules.
    pub workspace: Workspace,
    /// The reactor graph and order.
    pub graph: ReactorGraph,
    /// The local repository, found as Maven finds it.
    pub repository: LocalRepository,
    /// `-s`, absolute.
    settings: Option<PathBuf>,
    /// The Maven in use, as far as the effective model is concerned.
    maven: MavenRuntime,
    cache_path: Option<PathBuf>,
    /// The stat cache read while the workspace loaded, with the file it came from, for
    /// the first [`Project::load_cache`].
    prefetched: Mutex<Option<(PathBuf, StatCache)>>,
    /// How it was opened, for [`Project::reopen`] and [`Project::maven_model`].
    root: PathBuf,
    opts: OpenOptions,
}

impl Project {
    /// Finds the local repository, reads the workspace and builds the graph.
    ///
    /// ```no_run
    /// use m2fresh::project::{OpenOptions, Project};
    /// let project = Project::open("fixtures/xuecheng", &OpenOptions::new())?;
    /// let targets = project.targets(&["xc-service-portalview"])?;
    /// let report = project.check(&targets)?;
    /// std::process::exit(if report.all_fresh() { 0 } else { 1 });
    /// # Ok::<(), m2fresh::error::Error>(())
    /// ```
    pub fn open(root: impl AsRef<Path>, opts: &OpenOptions) -> Result<Project> {
        let root = root.as_ref();
        let root_abs =
            std::path::absolute(root).map_err(|e| Error::io("cannot resolve", root, e))?;
        if root_abs.to_str().is_none() {
            return Err(not_utf8("the workspace path", &root_abs));
        }
        let env = &opts.environment;
        let project_directory = workspace::find_project_directory(&root_abs);
        let maven_config = workspace::read_maven_config(&project_directory)?;
        let mut user_properties = maven_config.user_properties.clone();
        user_properties.extend(opts.user_properties.clone());
        let settings = opts
            .settings
            .as_deref()
            .map(|s| std::path::absolute(s).map_err(|e| Error::io("cannot resolve", s, e)))
            .transpose()?;
        let repository = locate_repository(
            &project_directory,
            &user_properties,
            opts.local_repository.clone(),
            settings.clone(),
            env,
        )?;
        let load = LoadOptions {
            discovery: opts.discovery,
            user_properties: opts.user_properties.clone(),
            profiles: opts.profiles.clone(),
            local_repository: Some(repository.path.clone()),
            settings: settings_files(&user_properties, settings.as_deref(), env),
            maven_config: Some(maven_config),
            environment: env.clone(),
        };
        let policy_path = |root: &Path| match &opts.stat_cache {
            StatCachePolicy::CacheDir => stat_cache_path(root, env),
            StatCachePolicy::File(path) => Some(path.clone()),
            StatCachePolicy::Disabled => None,
        };
        // The workspace root as `Workspace::load` makes it, to name the cache file before.
        let expected = policy_path(&crate::maven::model::normalize(&root_abs))
            .filter(|_| opts.prefetch_stat_cache);
        let (workspace, prefetched) = std::thread::scope(|s| {
            let prefetch = expected.map(|path| {
                s.spawn(move || {
                    let cache = StatCache::load(&path);
                    (path, cache)
                })
            });
            let workspace = Workspace::load(root, &load);
            (workspace, prefetch.and_then(|p| p.join().ok()))
        });
        let workspace = workspace?;
        let graph = ReactorGraph::build(&workspace)?;
        // The Maven that builds the workspace decides the super POM and the default
        // lifecycle bindings of the effective model the fingerprint hashes.
        let maven = MavenRuntime::find(&workspace.root, None);
        let cache_path = policy_path(&workspace.root);
        Ok(Project {
            workspace,
            graph,
            repository,
            settings,
            maven,
            cache_path,
            prefetched: Mutex::new(prefetched),
            root: root_abs,
            opts: opts.clone(),
        })
    }

    /// Opens the workspace again as it was opened: the same root and options, the files
    /// as they are now. After Maven ran, the local repository may hold external parents
    /// and BOMs that were missing before, and so the model may be another.
    pub fn reopen(&self) -> Result<Project> {
        Project::open(&self.root, &self.opts)
    }

    /// The Maven whose super POM and default lifecycle bindings the effective models (and
    /// so the fingerprints) follow: the workspace's `mvnw`, else `mvn` on `PATH`.
    pub fn maven_runtime(&self) -> &MavenRuntime {
        &self.maven
    }

    /// The environment the project was resolved in.
    pub fn environment(&self) -> &Environment {
        &self.opts.environment
    }

    /// The user settings file given (`-s`), absolute.
    pub fn settings_file(&self) -> Option<&Path> {
        self.settings.as_deref()
    }

    /// The stat cache file, when there is one ([`OpenOptions::stat_cache`]).
    pub fn stat_cache_file(&self) -> Option<&Path> {
        self.cache_path.as_deref()
    }

    /// What every Maven m2fresh starts for this project is given: the local repository,
    /// the settings file, and the `-D` and `-P` the workspace was modelled with.
    pub fn maven_model(&self) -> ModelArgs {
        let mut model = ModelArgs::new(self.repository.path.clone());
        model.settings = self.settings.clone();
        model.user_properties = self.opts.user_properties.clone();
        model.profiles = self.opts.profiles.clone();
        model
    }

    /// The modules named (by artifactId, groupId:artifactId, or directory) and everything
    /// they need, in build order; every module when no name is given.
    ///
    /// In a scan, a POM that could not be read is left out; it is an error here when the
    /// modules returned need it (it seems to be their parent, a dependency, a plugin).
    pub fn targets<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<ModuleId>> {
        let closure = if names.is_empty() {
            self.graph.order.clone()
        } else {
            let ids = self.resolve(names)?;
            self.graph.upstream(&ids)
        };
        self.workspace.check_skipped(&closure)?;
        Ok(closure)
    }

    /// The modules named, without their upstream.
    pub fn resolve<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<ModuleId>> {
        names
            .iter()
            .map(|n| self.workspace.find(n.as_ref()))
            .collect()
    }

    /// Where `install` keeps the Maven logs of this workspace: m2fresh's cache directory
    /// ([`Environment::cache_dir`]), one directory per workspace root, named after the
    /// root's directory and a short hash of its path (`xc-edu-3f2a9c1b`); the local
    /// repository's `.m2fresh/logs` without one.
    pub fn log_dir(&self) -> PathBuf {
        let key = blake3::hash(self.workspace.root.as_os_str().as_encoded_bytes()).to_hex();
        let name: String = self
            .workspace
            .root
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(64)
            .collect();
        let dir = if name.is_empty() || name.starts_with('.') {
            key[..8].to_string()
        } else {
            format!("{name}-{}", &key[..8])
        };
        self.environment().cache_dir().map_or_else(
            || self.repository.path.join(".m2fresh").join("logs"),
            |base| base.join("logs").join(dir),
        )
    }

    /// Where `install` writes the aggregator POM of a one-reactor install of sibling
    /// projects: beside [`Project::log_dir`] in m2fresh's cache directory (`reactors/`
    /// instead of `logs/`), never in the workspace.
    pub fn aggregator_dir(&self) -> PathBuf {
        let key = blake3::hash(self.workspace.root.as_os_str().as_encoded_bytes()).to_hex();
        self.environment().cache_dir().map_or_else(
            || self.repository.path.join(".m2fresh").join("reactors"),
            |base| base.join("reactors").join(&key[..16]),
        )
    }

    /// The stat cache (empty when disabled or unreadable).
    pub fn load_cache(&self) -> StatCache {
        let prefetched = self
            .prefetched
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match (&self.cache_path, prefetched) {
            // Read when the project was opened: entries are checked against each file's
            // metadata when used, so one that changed since only costs a read.
            (Some(p), Some((read, cache))) if *p == read => cache,
            (Some(p), _) => StatCache::load(p),
            (None, _) => StatCache::new(),
        }
    }

    /// Saves the stat cache; a failure only costs speed next time, so it is ignored.
    pub fn save_cache(&self, cache: &StatCache) {
        if let Some(p) = &self.cache_path {
            if let Some(dir) = p.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = cache.save(p);
        }
    }

    /// Checks `modules` (as [`Project::targets`] gives them) against the local
    /// repository. Reads and updates the stat cache ([`OpenOptions::stat_cache`]).
    pub fn check(&self, modules: &[ModuleId]) -> Result<CheckReport> {
        Ok(self.check_with_fingerprints(modules)?.0)
    }

    /// Explains one module: how `target` needs it (when given), what is installed, the
    /// evidence ([`crate::freshness::status::why`]).
    pub fn why(&self, module: ModuleId, target: Option<ModuleId>) -> Result<WhyReport> {
        let cache = self.load_cache();
        let report = crate::freshness::status::why(
            &self.workspace,
            &self.graph,
            &self.repository,
            module,
            target,
            &cache,
        )?;
        self.save_cache(&cache);
        Ok(report)
    }

    /// What `install` would do for the modules checked in `report`
    /// ([`crate::building::plan::plan`]).
    pub fn plan(&self, report: &CheckReport, opts: PlanOptions) -> Plan {
        plan::plan(&self.workspace, &self.graph, report, opts)
    }

    /// The fingerprints of `modules` and everything they need, for a build with extra
    /// Maven arguments (`install --`), which are build parameters; artifacts from the
    /// local repository are identified by their stamps or hashes.
    pub fn fingerprints(
        &self,
        modules: &[ModuleId],
        maven_args: &[String],
        cache: &StatCache,
    ) -> Result<Fingerprints> {
        let parameters = BuildParameters::of(&self.workspace).with_maven_args(maven_args);
        let installed = Installed::new(&self.repository, cache);
        let ctx = fingerprint::Context {
            cache,
            parameters: &parameters,
            installed: &installed,
            repository: Some(&self.repository.path),
            runtime: &self.maven,
        };
        fingerprint::fingerprint(&self.workspace, &self.graph, modules, &ctx)
    }

    /// [`Project::check`], also returning the fingerprints (which `install` stamps).
    pub fn check_with_fingerprints(
        &self,
        modules: &[ModuleId],
    ) -> Result<(CheckReport, Fingerprints)> {
        self.check_for_build(modules, &[])
    }

    /// [`Project::check_with_fingerprints`] for a build with extra Maven arguments (those
    /// after `install --`): they are build parameters, so a module installed with other
    /// arguments is not fresh for this build.
    pub fn check_for_build(
        &self,
        modules: &[ModuleId],
        maven_args: &[String],
    ) -> Result<(CheckReport, Fingerprints)> {
        // Source roots are text (`${basedir}/src/main/java`): a directory whose name is
        // not UTF-8 would name no file, and its module would look like one without sources.
        for id in self.graph.upstream(modules) {
            let m = self.workspace.module(id);
            if m.dir.to_str().is_none() {
                return Err(not_utf8(&format!("the directory of {}", m.key()), &m.dir));
            }
        }
        let cache = self.load_cache();
        let fingerprints = self.fingerprints(modules, maven_args, &cache)?;
        self.save_cache(&cache);
        let report = crate::freshness::status::check_with(
            &self.workspace,
            &self.repository,
            modules,
            &fingerprints,
        )?;
        Ok((report, fingerprints))
    }
}

/// How to build a module's image with [`Project::image`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ImageRequest {
    /// Engine, registry, name, tag policy, Jib goal, Dockerfile and context.
    pub options: ImageOptions,
    /// The Maven of the packaging step (default: the workspace's `mvnw`, else `mvn` on
    /// `PATH`).
    pub mvn: Option<PathBuf>,
    /// Pass `-o` to Maven; and a registry that cannot be reached is a warning (the tag is
    /// then guarded by the local ledger alone) instead of an error.
    pub offline: bool,
    /// Extra arguments for the packaging step, as for `install` (without `-D`/`-P`: those
    /// belong to [`OpenOptions`]); they are build parameters of the fingerprint too.
    pub maven_args: Vec<String>,
    /// Run the steps (otherwise they are only planned, recorded as planned, and returned).
    pub run: bool,
    /// Plan (or run) even when upstream modules are not fresh in the local repository.
    pub allow_stale: bool,
    /// Use a tag that already stood for other content, in the ledger or the registry.
    pub allow_retag: bool,
    /// How to reach the registry of the image name, for the tag guard (default: this
    /// process's environment: Docker's `config.json`, HTTPS except on loopback).
    pub registry: Option<RegistryOptions>,
}

impl ImageRequest {
    /// A request with these image options and the defaults otherwise: plan, do not run.
    pub fn new(options: ImageOptions) -> Self {
        ImageRequest {
            options,
            ..ImageRequest::default()
        }
    }
}

/// What the registry guard found for the image's tag.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "tag")]
#[non_exhaustive]
pub enum RegistryGuard {
    /// The image name has no registry host: nothing to ask.
    NotAsked,
    /// The registry has no such tag.
    Absent,
    /// The tag is there with this content's fingerprint.
    Same {
        /// The manifest digest.
        digest: String,
    },
    /// The tag is there with other (or unknown) content, and `allow_retag` let it pass.
    Replaced {
        /// The manifest digest.
        digest: String,
        /// Its fingerprint label, when it has one.
        fingerprint: Option<String>,
    },
    /// The registry could not be reached, and `offline` made that a warning.
    Unreachable {
        /// Why.
        warning: String,
    },
}

/// The image of one module: its plan, and the state of what it is built from.
#[derive(Debug)]
#[non_exhaustive]
pub struct ImageJob {
    /// The module whose image it is, `groupId:artifactId`.
    pub target: String,
    /// The commands and the `name:tag`.
    pub plan: ImagePlan,
    /// The module's upstream (itself excluded) that is not fresh in the local repository:
    /// the image would be built with those old artifacts.
    pub not_fresh: Vec<ModuleStatus>,
    /// Whether the steps ran (and succeeded).
    pub built: bool,
    /// How the tag ledger records the tag now (none before [`Project::build_image`]).
    pub recorded: Option<LedgerState>,
    /// What the registry said.
    pub registry: RegistryGuard,
    /// The workspace's findings about the target and its upstream, grouped by cause.
    pub findings: Vec<crate::error::Finding>,
}

/// JSON (schema 1): the plan's fields (see [`ImagePlan`]) and `"target"`, `"notFresh"`
/// (`[{"id","status","summary"}]`), `"built"`, `"recorded"` (`"planned"`, `"built"` or
/// null), `"registry"` (`{"tag":"not-asked"|"absent"|"same"|"replaced"|"unreachable",…}`)
/// and `"findings"` (about the target and its upstream, as in `check`).
impl Serialize for ImageJob {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct NotFresh<'a> {
            id: &'a str,
            status: &'a str,
            summary: String,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Json<'a> {
            #[serde(flatten)]
            plan: &'a ImagePlan,
            target: &'a str,
            not_fresh: Vec<NotFresh<'a>>,
            built: bool,
            recorded: Option<LedgerState>,
            registry: &'a RegistryGuard,
            findings: &'a [crate::error::Finding],
        }
        Json {
            plan: &self.plan,
            target: &self.target,
            not_fresh: self
                .not_fresh
                .iter()
                .map(|m| NotFresh {
                    id: &m.id,
                    status: m.status.as_str(),
                    summary: m.summary(),
                })
                .collect(),
            built: self.built,
            recorded: self.recorded,
            registry: &self.registry,
            findings: &self.findings,
        }
        .serialize(serializer)
    }
}

impl Project {
    /// Plans, guards and (with [`ImageRequest::run`]) runs the image build of `target`:
    /// - the packaging step gets the model's parameters ([`Project::maven_model`]), as
    ///   `install` does, so the image holds what the stamps describe;
    /// - with upstream modules that are not fresh in the local repository, it is refused
    ///   in every mode, planned or run ([`ImageError::StaleUpstream`]), unless
    ///   [`ImageRequest::allow_stale`];
    /// - a tag that the tag ledger (`<local repository>/.m2fresh/image-tags.json`) knows
    ///   for other content, or that the image's registry holds with another fingerprint
    ///   label (or none), is refused ([`ImageError::TagReused`]) unless
    ///   [`ImageRequest::allow_retag`];
    /// - the ledger records the tag as built after the steps ran and succeeded, and as
    ///   planned when they were only emitted.
    ///
    /// The steps' output goes to `log`.
    ///
    /// ```no_run
    /// use m2fresh::project::{ImageRequest, OpenOptions, Project};
    /// let project = Project::open("fixtures/xuecheng", &OpenOptions::new())?;
    /// let target = project.workspace.find("xc-service-portalview")?;
    /// let job = project.image(target, &ImageRequest::default(), &mut std::io::stderr())?;
    /// println!("{}", job.plan.command()?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Image`] for a refusal, a plan that cannot be made, a registry that cannot
    /// be asked, or a step that failed; other errors when the sources cannot be
    /// fingerprinted.
    pub fn image(
        &self,
        target: ModuleId,
        request: &ImageRequest,
        log: &mut dyn std::io::Write,
    ) -> Result<ImageJob> {
        let job = self.plan_image(target, request)?;
        self.build_image(job, request, log)
    }

    /// The second half of [`Project::image`], for a caller that shows the plan (and what
    /// is not fresh) before it runs: the guards, the run, the ledger.
    pub fn build_image(
        &self,
        mut job: ImageJob,
        request: &ImageRequest,
        log: &mut dyn std::io::Write,
    ) -> Result<ImageJob> {
        if !job.not_fresh.is_empty() && !request.allow_stale {
            return Err(ImageError::StaleUpstream {
                target: job.target.clone(),
                not_fresh: std::mem::take(&mut job.not_fresh),
            }
            .into());
        }
        let mut ledger = TagLedger::open_in(&self.repository.path)?;
        if !request.allow_retag {
            ledger.check(&job.plan.image, &job.plan.fingerprint)?;
        }
        job.registry = self.registry_guard(&job.plan, request)?;
        if request.run {
            crate::image::run_steps(&job.plan, log)?;
            job.built = true;
        }
        let state = if job.built {
            LedgerState::Built
        } else {
            LedgerState::Planned
        };
        ledger.record(&job.plan.image, &job.plan.fingerprint, state);
        ledger.save()?;
        job.recorded = ledger.get(&job.plan.image).map(|e| e.state);
        Ok(job)
    }

    /// The tag guard in the registry: when the image name has a registry host, the tag's
    /// manifest and its config's fingerprint label.
    fn registry_guard(&self, plan: &ImagePlan, request: &ImageRequest) -> Result<RegistryGuard> {
        if crate::image::registry_host(&plan.name).is_none() {
            return Ok(RegistryGuard::NotAsked);
        }
        let mut options = request
            .registry
            .clone()
            .unwrap_or_else(|| RegistryOptions::from_environment(self.environment()));
        options.insecure |= request.options.insecure_registry;
        match crate::image::registry::remote_tag(&plan.image, &options) {
            Ok(RemoteTag::Absent) => Ok(RegistryGuard::Absent),
            Ok(RemoteTag::Present {
                digest,
                fingerprint,
            }) => {
                if fingerprint.as_deref() == Some(plan.fingerprint.as_str()) {
                    Ok(RegistryGuard::Same { digest })
                } else if request.allow_retag {
                    Ok(RegistryGuard::Replaced {
                        digest,
                        fingerprint,
                    })
                } else {
                    Err(crate::image::registry_tag_reused(
                        &plan.image,
                        fingerprint.as_deref(),
                        &plan.fingerprint,
                    )
                    .into())
                }
            }
            Err(e @ RegistryError::Unreachable { .. }) if request.offline => {
                Ok(RegistryGuard::Unreachable {
                    warning: format!(
                        "{e}; the tag is guarded by the local ledger alone (--offline)"
                    ),
                })
            }
            Err(e) => Err(ImageError::Registry(e).into()),
        }
    }

    /// The image plan of `target` and the upstream modules that are not fresh, without
    /// the guards: nothing is refused, run or recorded (see [`Project::image`]).
    pub fn plan_image(&self, target: ModuleId, request: &ImageRequest) -> Result<ImageJob> {
        let closure = self.graph.upstream(&[target]);
        // In a scan, a POM left out as unreadable is the error it is when the target needs it.
        self.workspace.check_skipped(&closure)?;
        let (report, fingerprints) = self.check_for_build(&closure, &request.maven_args)?;
        let findings = report.findings;
        let not_fresh = report
            .modules
            .into_iter()
            .filter(|m| m.module != target && m.status != Status::Fresh)
            .collect();
        let m = self.workspace.module(target);
        let fingerprint = fingerprints
            .get(target)
            .map(|f| f.fingerprint.clone())
            .unwrap_or_default();
        let env = self.environment();
        let tool = find_maven(request.mvn.as_deref(), &m.dir, &self.workspace.root, env)?;
        let model = self.maven_model();
        let args = MavenCommandLine {
            offline: request.offline,
            model: Some(&model),
            extra: &request.maven_args,
            ..MavenCommandLine::default()
        }
        .parameters();
        let image_target = ImageTarget::from_module(
            &self.workspace,
            m,
            &fingerprint,
            MavenCommand {
                program: tool.program.display().to_string(),
                args,
            },
        );
        let plan = crate::image::plan_image_with(
            &image_target,
            &request.options,
            &crate::image::CommandGit,
            &|program| env.find_program(program).is_some(),
        )?;
        Ok(ImageJob {
            target: m.key(),
            plan,
            not_fresh,
            built: false,
            recorded: None,
            registry: RegistryGuard::NotAsked,
            findings,
        })
    }

    /// `image --verify`: reads `image` from its registry and compares every workspace
    /// module jar in it (found by the `pom.properties` inside, or by its file name) with
    /// the artifact in the local repository, which must be fresh. See
    /// [`crate::image::verify`].
    pub fn verify_image(&self, image: &str, options: &RegistryOptions) -> Result<VerifyReport> {
        let contents = crate::image::verify::read_image(
            image,
            options,
            &crate::image::verify::VerifyLimits::default(),
        )
        .map_err(|e| Error::Image(ImageError::Verify(Box::new(e))))?;
        let mut matched: Vec<(ModuleId, &crate::image::verify::ImageJar)> = Vec::new();
        for jar in &contents.jars {
            if let Some(id) = self.module_of_jar(jar) {
                matched.push((id, jar));
            }
        }
        let ids: Vec<ModuleId> = matched.iter().map(|(id, _)| *id).collect();
        let statuses = self.check(&ids)?;
        let mut modules = Vec::new();
        for (id, jar) in matched {
            let m = self.workspace.module(id);
            let status = statuses.modules.iter().find(|s| s.module == id);
            let local = self.repository.artifact_path(&m.gav, "jar", None);
            let local_hash = crate::fsutil::hash_file(&local).ok().map(|(_, h)| h);
            let result = match (&local_hash, status.map(|s| s.status)) {
                (None, _) => VerifyResult::Missing,
                (Some(h), _) if *h != jar.blake3 => VerifyResult::Differs,
                (Some(_), Some(Status::Fresh)) => VerifyResult::Identical,
                (Some(_), _) => VerifyResult::NotFresh,
            };
            modules.push(VerifiedJar {
                id: m.key(),
                version: m.gav.version.clone(),
                path: jar.path.clone(),
                image_blake3: jar.blake3.clone(),
                repository: local,
                repository_blake3: local_hash,
                status: status.map_or("missing", |s| s.status.as_str()).to_owned(),
                result,
            });
        }
        let ok = !modules.is_empty() && modules.iter().all(|m| m.result == VerifyResult::Identical);
        Ok(VerifyReport {
            schema: crate::report::SCHEMA,
            image: image.to_owned(),
            digest: contents.digest,
            labels: contents.labels,
            modules,
            ok,
        })
    }

    /// The workspace module a jar of an image is the artifact of: by the coordinates in
    /// it, else by its file name `artifactId-version.jar`.
    fn module_of_jar(&self, jar: &crate::image::verify::ImageJar) -> Option<ModuleId> {
        let found = self.workspace.modules.iter().enumerate().find(|(_, m)| {
            let by_identity = jar.identity.as_ref().is_some_and(|i| {
                i.group_id == m.gav.group_id
                    && i.artifact_id == m.gav.artifact_id
                    && i.version == m.gav.version
            });
            let file = jar.path.rsplit('/').next().unwrap_or(&jar.path);
            let by_name = jar.identity.is_none()
                && m.packaging == "jar"
                && file == format!("{}-{}.jar", m.gav.artifact_id, m.gav.version);
            by_identity || by_name
        })?;
        self.workspace.find(&found.1.gav.to_string()).ok()
    }
}

/// How a workspace module's jar in an image compares with the local repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyResult {
    /// Byte-identical to the artifact in the local repository, which is fresh.
    Identical,
    /// Other bytes than the artifact in the local repository.
    Differs,
    /// Identical, but the artifact in the local repository is not fresh itself.
    NotFresh,
    /// The local repository has no artifact to compare with.
    Missing,
}

/// One workspace module jar found in an image.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifiedJar {
    /// `groupId:artifactId`.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Where it is in the image (`a.jar!/BOOT-INF/lib/b.jar` when nested).
    pub path: String,
    /// blake3 of the jar in the image.
    pub image_blake3: String,
    /// The artifact in the local repository.
    pub repository: PathBuf,
    /// Its blake3, when it is there.
    pub repository_blake3: Option<String>,
    /// The artifact's freshness in the local repository.
    pub status: String,
    /// The verdict.
    pub result: VerifyResult,
}

/// `m2fresh image --verify IMAGE --format json`: `{"schema":1,"image","digest","labels",
/// "modules":[{"id","version","path","imageBlake3","repository","repositoryBlake3",
/// "status","result"}],"ok"}`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct VerifyReport {
    /// The schema version.
    pub schema: u32,
    /// The image as asked for.
    pub image: String,
    /// Its manifest digest.
    pub digest: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// The workspace module jars found in it.
    pub modules: Vec<VerifiedJar>,
    /// Whether at least one was found and every one is identical to a fresh artifact.
    pub ok: bool,
}

/// The team's remote repository, opened for a project: the HTTP client, and the
/// repository each module of a command resolves to (see [`crate::remote::config`]).
#[non_exhaustive]
pub struct Remote {
    /// The client every request goes through.
    pub client: crate::remote::Client,
    /// Each module's repository.
    pub resolved: crate::remote::config::Resolved,
}

impl Project {
    /// Resolves `--remote` for `modules` (and their upstream): repository URLs, mirrors
    /// and credentials from the settings files Maven reads (`-s`, else
    /// `~/.m2/settings.xml`, and the global one) and the POMs, interpolated with the
    /// project's properties and environment. `SSL_CERT_FILE` names the CA certificates
    /// to trust when `http` has none.
    pub fn remote(
        &self,
        spec: &crate::remote::RemoteSpec,
        modules: &[ModuleId],
        mut http: crate::remote::HttpOptions,
    ) -> Result<Remote> {
        let activation = &self.workspace.context.activation;
        let files = settings_files(
            &activation.user,
            self.settings.as_deref(),
            self.environment(),
        );
        let lookup = |name: &str| {
            activation
                .user
                .get(name)
                .or_else(|| activation.system.get(name))
                .cloned()
        };
        let settings =
            crate::remote::config::RemoteSettings::read(&files, &lookup, &activation.active_ids)?;
        let closure = self.graph.upstream(modules);
        let resolved = crate::remote::config::resolve(spec, &self.workspace, &closure, &settings)?;
        if http.ca_file.is_none() {
            http.ca_file = self.environment().var("SSL_CERT_FILE").map(PathBuf::from);
        }
        let client = crate::remote::Client::new(http)?;
        for repo in resolved.repositories() {
            client.check_allowed(repo)?;
        }
        Ok(Remote { client, resolved })
    }

    /// [`Project::check`] against the remote repository instead of the local one.
    pub fn check_remote(&self, modules: &[ModuleId], remote: &Remote) -> Result<CheckReport> {
        Ok(self.check_remote_for_build(modules, &[], remote)?.0)
    }

    /// [`Project::check_for_build`] against the remote repository: what `deploy` plans
    /// from.
    pub fn check_remote_for_build(
        &self,
        modules: &[ModuleId],
        maven_args: &[String],
        remote: &Remote,
    ) -> Result<(CheckReport, Fingerprints)> {
        let cache = self.load_cache();
        let fingerprints = self.fingerprints(modules, maven_args, &cache)?;
        self.save_cache(&cache);
        let report = crate::remote::status::check(
            &self.workspace,
            &self.repository,
            modules,
            &fingerprints,
            &remote.resolved,
            &remote.client,
        )?;
        Ok((report, fingerprints))
    }

    /// [`Project::why`] against the remote repository.
    pub fn why_remote(
        &self,
        module: ModuleId,
        target: Option<ModuleId>,
        remote: &Remote,
    ) -> Result<WhyReport> {
        let mut report = self.why(module, target)?;
        let checked = self.check_remote(&[module], remote)?;
        report.remote = checked.remote;
        if let Some(status) = checked.modules.into_iter().next() {
            report.module = status;
        }
        Ok(report)
    }
}

/// The error for a path m2fresh cannot work with because it is not UTF-8.
fn not_utf8(what: &str, path: &Path) -> Error {
    Error::usage(
        format!("{what} is not valid UTF-8: {}", path.display()),
        Some(
            "rename it: m2fresh names input files by text (the same on every machine), and \
             Maven is given paths as text"
                .into(),
        ),
    )
}

/// The local repository for a workspace whose `.mvn` is in `project_directory`, as Maven
/// 3 finds it: `explicit` (`--local-repo`), `-Dmaven.repo.local` (command line or
/// `.mvn/maven.config`), `MAVEN_OPTS`, `.mvn/jvm.config`, the user settings, the global
/// settings, `~/.m2/repository`.
pub fn locate_repository(
    project_directory: &Path,
    user_properties: &BTreeMap<String, String>,
    explicit: Option<PathBuf>,
    settings: Option<PathBuf>,
    env: &Environment,
) -> Result<LocalRepository> {
    let jvm_config = std::fs::read_to_string(project_directory.join(".mvn/jvm.config")).ok();
    let opts = LocateOptions {
        explicit,
        user_properties: user_properties.clone(),
        maven_opts: env.maven_opts().map(str::to_owned),
        jvm_config,
        user_settings: settings,
        global_settings: global_settings_file(env),
        home: user_home(user_properties, env),
    };
    let cwd = std::env::current_dir().map_err(|e| Error::io("cannot read", ".", e))?;
    Ok(localrepo::locate_in(&opts, &cwd, env)?)
}

/// The settings files whose profiles Maven applies to the workspace: `settings` (`-s`,
/// absolute), else `${user.home}/.m2/settings.xml`, and the global one of the `mvn` on
/// `PATH`.
pub fn settings_files(
    user_properties: &BTreeMap<String, String>,
    settings: Option<&Path>,
    env: &Environment,
) -> SettingsFiles {
    let user = match settings {
        Some(path) => path.to_path_buf(),
        None => user_home(user_properties, env).join(".m2/settings.xml"),
    };
    SettingsFiles {
        user: Some(user),
        global: global_settings_file(env),
    }
}

/// `user.home` as Maven sees it: a `-Duser.home`, else `$HOME`.
fn user_home(user_properties: &BTreeMap<String, String>, env: &Environment) -> PathBuf {
    user_properties
        .get("user.home")
        .map(PathBuf::from)
        .or_else(|| env.home())
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// `${maven.home}/conf/settings.xml` of the `mvn` on `PATH`.
fn global_settings_file(env: &Environment) -> Option<PathBuf> {
    let mvn = env.find_program("mvn");
    localrepo::maven_home(mvn.as_deref(), env).map(|h| h.join("conf/settings.xml"))
}

/// A program on this process's `PATH` ([`Environment::find_program`]).
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    Environment::from_process().find_program(program)
}

/// The default stat cache file of a workspace: one file per workspace root in
/// [`Environment::cache_dir`].
pub fn stat_cache_path(root: &Path, env: &Environment) -> Option<PathBuf> {
    let key = blake3::hash(root.as_os_str().as_encoded_bytes()).to_hex();
    Some(env.cache_dir()?.join(format!("stat-{}.json", &key[..16])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::freshness::localrepo::RepositorySource;

    fn workspace(dir: &Path) -> PathBuf {
        let root = dir.join("ws");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(
            root.join("pom.xml"),
            "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>\
             <artifactId>a</artifactId><version>1</version></project>",
        )
        .unwrap();
        root
    }

    #[test]
    fn maven_arguments_split_into_the_model_and_the_rest() {
        let (opts, rest) = OpenOptions::new()
            .define("a=1")
            .define("flag")
            .profiles("ci")
            .with_maven_args(&["-Db=2", "-P", "!slow", "-U", "-X"]);
        assert_eq!(opts.user_properties["a"], "1");
        assert_eq!(opts.user_properties["flag"], "true");
        assert_eq!(opts.user_properties["b"], "2");
        assert_eq!(opts.profiles, vec!["ci", "!slow"]);
        assert_eq!(rest, vec!["-U", "-X"]);
    }

    /// What was asked for is what every Maven is given; the environment decides the
    /// defaults (the local repository under its `HOME`, the stat cache under its cache
    /// directory), never the process's.
    #[test]
    fn the_project_carries_what_was_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let root = workspace(dir.path());
        let home = dir.path().join("home");
        let cache = dir.path().join("cache");
        let env = Environment::from_vars([
            ("HOME", home.as_os_str()),
            ("XDG_CACHE_HOME", cache.as_os_str()),
        ]);
        let settings = dir.path().join("settings.xml");
        std::fs::write(&settings, "<settings/>").unwrap();
        let opts = OpenOptions::new()
            .define("x=1")
            .profiles("p")
            .settings(&settings)
            .environment(env);
        let project = Project::open(&root, &opts).unwrap();
        assert_eq!(project.repository.path, home.join(".m2/repository"));
        assert_eq!(project.repository.source, RepositorySource::Default);
        let model = project.maven_model();
        assert_eq!(model.local_repository, home.join(".m2/repository"));
        assert_eq!(model.settings.as_deref(), Some(settings.as_path()));
        assert_eq!(model.user_properties["x"], "1");
        assert_eq!(model.profiles, vec!["p"]);
        let stat_cache = project.stat_cache_file().unwrap().to_path_buf();
        assert!(
            stat_cache.starts_with(cache.join("m2fresh")),
            "{stat_cache:?}"
        );
        assert!(project.log_dir().starts_with(cache.join("m2fresh/logs")));

        project.check(&project.graph.order.clone()).unwrap();
        assert!(stat_cache.is_file(), "check keeps the stat cache");
        let reopened = project.reopen().unwrap();
        assert_eq!(reopened.maven_model(), model);
    }

    #[test]
    fn the_stat_cache_is_where_the_options_say() {
        let dir = tempfile::tempdir().unwrap();
        let root = workspace(dir.path());
        let env = Environment::from_vars::<&str, &str>([]);
        let base = OpenOptions::new()
            .local_repository(dir.path().join("repo"))
            .environment(env);
        let none = Project::open(&root, &base.clone()).unwrap();
        assert_eq!(none.stat_cache_file(), None, "no HOME, no cache directory");
        let file = dir.path().join("stat.json");
        let chosen = base.clone().stat_cache(StatCachePolicy::File(file.clone()));
        let project = Project::open(&root, &chosen).unwrap();
        project.check(&project.graph.order.clone()).unwrap();
        assert!(file.is_file());
        let disabled = Project::open(&root, &base.stat_cache(StatCachePolicy::Disabled)).unwrap();
        assert_eq!(disabled.stat_cache_file(), None);
        assert!(disabled.targets(&["a"]).is_ok());
        assert!(disabled.targets(&["nope"]).is_err());
    }

    /// A stat cache read while the workspace loads is the one a check would read from
    /// its file, and it is used once: a later load reads the file again.
    #[test]
    fn a_prefetched_stat_cache_is_the_file_read_once() {
        let dir = tempfile::tempdir().unwrap();
        let root = workspace(dir.path());
        let source = root.join("src/main/java/A.java");
        std::fs::create_dir_all(source.parent().unwrap()).unwrap();
        std::fs::write(&source, "class A {}").unwrap();
        let file = dir.path().join("stat.json");
        let opts = OpenOptions::new()
            .local_repository(dir.path().join("repo"))
            .environment(Environment::from_vars::<&str, &str>([]))
            .stat_cache(StatCachePolicy::File(file.clone()));
        let project = Project::open(&root, &opts).unwrap();
        project.check(&project.graph.order.clone()).unwrap();
        let saved = StatCache::load(&file).len();
        assert_eq!(saved, 1, "the check saved the source file's entry");

        let prefetching = Project::open(&root, &opts.clone().prefetch_stat_cache(true)).unwrap();
        std::fs::remove_file(&file).unwrap();
        assert_eq!(
            prefetching.load_cache().len(),
            saved,
            "read before the file went"
        );
        assert!(
            prefetching.load_cache().is_empty(),
            "the file is read again"
        );
        let not_prefetching = Project::open(&root, &opts).unwrap();
        assert!(not_prefetching.load_cache().is_empty());
    }
}

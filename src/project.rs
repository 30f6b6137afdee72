//! A workspace opened for work: its modules and graph, the local repository Maven would
//! use for it, and the stat cache. Each CLI command is a thin wrapper around this.

use crate::error::{Error, Result};
use crate::freshness::fingerprint::files::StatCache;
use crate::freshness::fingerprint::params::BuildParameters;
use crate::freshness::fingerprint::{self, Fingerprints};
use crate::freshness::installed::Installed;
use crate::freshness::localrepo::{self, LocalRepository, LocateOptions};
use crate::freshness::status::CheckReport;
use crate::maven::graph::ReactorGraph;
use crate::maven::settings::SettingsFiles;
use crate::maven::workspace::{self, LoadOptions, ModuleId, Workspace};
use std::path::{Path, PathBuf};

/// How to open a workspace.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Discovery mode, `-D` properties, `-P` profiles. Its `local_repository` and
    /// `settings` are filled in by [`Project::open`].
    pub load: LoadOptions,
    /// `--local-repo`: beats every setting Maven knows.
    pub local_repo: Option<PathBuf>,
    /// `-s`: the user settings file (default `~/.m2/settings.xml`).
    pub settings: Option<PathBuf>,
    /// Do not read or write the stat cache.
    pub no_cache: bool,
}

/// An opened workspace.
#[derive(Debug)]
pub struct Project {
    /// The modules.
    pub workspace: Workspace,
    /// The reactor graph and order.
    pub graph: ReactorGraph,
    /// The local repository, found as Maven finds it.
    pub repository: LocalRepository,
    cache_path: Option<PathBuf>,
    /// How it was opened, for [`Project::reopen`].
    opened_with: (PathBuf, OpenOptions),
}

impl Project {
    /// Finds the local repository, reads the workspace and builds the graph.
    ///
    /// ```no_run
    /// use m2fresh::project::{OpenOptions, Project};
    /// let project = Project::open("fixtures/xuecheng".as_ref(), &OpenOptions::default())?;
    /// let targets = project.targets(&["xc-service-portalview".to_string()])?;
    /// let report = project.check(&targets)?;
    /// std::process::exit(if report.all_fresh() { 0 } else { 1 });
    /// # Ok::<(), m2fresh::error::Error>(())
    /// ```
    pub fn open(root: &Path, opts: &OpenOptions) -> Result<Project> {
        let root_abs =
            std::path::absolute(root).map_err(|e| Error::io("cannot resolve", root, e))?;
        if root_abs.to_str().is_none() {
            return Err(not_utf8("the workspace path", &root_abs));
        }
        let project_directory = workspace::find_project_directory(&root_abs);
        let maven_config = workspace::read_maven_config(&project_directory)?;
        let mut user_properties = maven_config.user_properties.clone();
        user_properties.extend(opts.load.user_properties.clone());
        let repository = locate_repository(
            &project_directory,
            &user_properties,
            opts.local_repo.clone(),
            opts.settings.clone(),
        )?;
        let mut load = opts.load.clone();
        load.local_repository = Some(repository.path.clone());
        load.maven_config = Some(maven_config);
        load.settings = settings_files(&user_properties, opts.settings.as_deref())?;
        let workspace = Workspace::load(root, &load)?;
        let graph = ReactorGraph::build(&workspace)?;
        let cache_path = if opts.no_cache {
            None
        } else {
            stat_cache_path(&workspace.root)
        };
        Ok(Project {
            workspace,
            graph,
            repository,
            cache_path,
            opened_with: (root_abs, opts.clone()),
        })
    }

    /// Opens the workspace again as it was opened: the same root and options, the files
    /// as they are now. After Maven ran, the local repository may hold external parents
    /// and BOMs that were missing before, and so the model may be another.
    pub fn reopen(&self) -> Result<Project> {
        Project::open(&self.opened_with.0, &self.opened_with.1)
    }

    /// The modules named (by artifactId, groupId:artifactId, or directory) and everything
    /// they need, in build order; every module when no name is given.
    pub fn targets(&self, names: &[String]) -> Result<Vec<ModuleId>> {
        if names.is_empty() {
            return Ok(self.graph.order.clone());
        }
        let ids = self.resolve(names)?;
        Ok(self.graph.upstream(&ids))
    }

    /// Where `install` keeps the Maven logs of this workspace: `$XDG_CACHE_HOME/m2fresh/logs`
    /// (or `~/.cache/...`), one directory per workspace root; the local repository's
    /// `.m2fresh/logs` when there is no home.
    pub fn log_dir(&self) -> PathBuf {
        let key = blake3::hash(self.workspace.root.as_os_str().as_encoded_bytes()).to_hex();
        cache_base().map_or_else(
            || self.repository.path.join(".m2fresh").join("logs"),
            |base| base.join("m2fresh").join("logs").join(&key[..16]),
        )
    }

    /// The modules named, without their upstream.
    pub fn resolve(&self, names: &[String]) -> Result<Vec<ModuleId>> {
        names.iter().map(|n| self.workspace.find(n)).collect()
    }

    /// The stat cache (empty when disabled or unreadable).
    pub fn load_cache(&self) -> StatCache {
        match &self.cache_path {
            Some(p) => StatCache::load(p),
            None => StatCache::new(),
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

    /// Checks `modules` (as [`Project::targets`] gives them) against the local repository.
    pub fn check(&self, modules: &[ModuleId]) -> Result<CheckReport> {
        Ok(self.check_with_fingerprints(modules)?.0)
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

/// The image plan for one module and the state of what it is built from.
#[derive(Debug)]
pub struct ImageJob {
    /// The commands and the `name:tag`.
    pub plan: crate::image::ImagePlan,
    /// The module's upstream (itself excluded) that is not fresh in the local repository:
    /// the image would be built with those old artifacts.
    pub not_fresh: Vec<crate::freshness::status::ModuleStatus>,
}

impl Project {
    /// Plans the image build of `target`: the steps, the tag by `options`' policy, and the
    /// upstream modules that are not fresh (which the image would silently include).
    /// `maven_args` are added to the Maven step (the local repository is always passed).
    pub fn image(
        &self,
        target: ModuleId,
        options: &crate::image::ImageOptions,
        mvn: Option<&Path>,
        maven_args: &[String],
    ) -> Result<ImageJob> {
        let closure = self.graph.upstream(&[target]);
        let (report, fingerprints) = self.check_with_fingerprints(&closure)?;
        let not_fresh = report
            .modules
            .into_iter()
            .filter(|m| m.module != target && m.status != crate::freshness::status::Status::Fresh)
            .collect();
        let m = self.workspace.module(target);
        let fingerprint = fingerprints
            .get(target)
            .map(|f| f.fingerprint.clone())
            .unwrap_or_default();
        let tool = crate::building::install::find_maven(mvn, &m.dir, &self.workspace.root)?;
        let mut args = vec![format!(
            "-Dmaven.repo.local={}",
            self.repository.path.display()
        )];
        args.extend(maven_args.iter().cloned());
        let image_target = crate::image::ImageTarget::from_module(
            &self.workspace,
            m,
            &fingerprint,
            crate::image::MavenCommand {
                program: tool.program.display().to_string(),
                args,
            },
        );
        let plan = crate::image::plan_image(&image_target, options, &crate::image::CommandGit)
            .map_err(|e| Error::Other(Box::new(e)))?;
        Ok(ImageJob { plan, not_fresh })
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
/// 3 finds it: `--local-repo`, `-Dmaven.repo.local` (command line or
/// `.mvn/maven.config`), `MAVEN_OPTS`, `.mvn/jvm.config`, the user settings, the global
/// settings, `~/.m2/repository`.
pub fn locate_repository(
    project_directory: &Path,
    user_properties: &std::collections::BTreeMap<String, String>,
    explicit: Option<PathBuf>,
    settings: Option<PathBuf>,
) -> Result<LocalRepository> {
    let home = user_home(user_properties);
    let global_settings = global_settings_file();
    let jvm_config = std::fs::read_to_string(project_directory.join(".mvn/jvm.config")).ok();
    let opts = LocateOptions {
        explicit,
        user_properties: user_properties.clone(),
        maven_opts: std::env::var("MAVEN_OPTS").ok(),
        jvm_config,
        user_settings: settings,
        global_settings,
        home,
    };
    localrepo::locate(&opts).map_err(|e| Error::Other(Box::new(e)))
}

/// The settings files whose profiles Maven applies to the workspace: `-s` (relative to
/// the working directory), else `${user.home}/.m2/settings.xml`, and the global one of
/// the `mvn` on `PATH`.
pub fn settings_files(
    user_properties: &std::collections::BTreeMap<String, String>,
    settings: Option<&Path>,
) -> Result<SettingsFiles> {
    let user = match settings {
        Some(path) => {
            std::path::absolute(path).map_err(|e| Error::io("cannot resolve", path, e))?
        }
        None => user_home(user_properties).join(".m2/settings.xml"),
    };
    Ok(SettingsFiles {
        user: Some(user),
        global: global_settings_file(),
    })
}

/// `user.home` as Maven sees it: a `-Duser.home`, else `$HOME`.
fn user_home(user_properties: &std::collections::BTreeMap<String, String>) -> PathBuf {
    user_properties
        .get("user.home")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/"))
}

/// `${maven.home}/conf/settings.xml` of the `mvn` on `PATH`.
fn global_settings_file() -> Option<PathBuf> {
    let mvn = find_on_path("mvn");
    localrepo::maven_home(mvn.as_deref()).map(|h| h.join("conf/settings.xml"))
}

/// A program on `PATH`.
pub fn find_on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// Where the stat cache of a workspace lives: `$XDG_CACHE_HOME/m2fresh` or
/// `~/.cache/m2fresh`, one file per workspace root. Outside the workspace (no file to
/// ignore in git) and outside the local repository (which may be shared or read-only).
pub fn stat_cache_path(root: &Path) -> Option<PathBuf> {
    let base = cache_base()?;
    let key = blake3::hash(root.as_os_str().as_encoded_bytes()).to_hex();
    Some(
        base.join("m2fresh")
            .join(format!("stat-{}.json", &key[..16])),
    )
}

/// `$XDG_CACHE_HOME`, else `~/.cache`.
fn cache_base() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
}

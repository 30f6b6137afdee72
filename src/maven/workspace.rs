//! A workspace: the set of modules m2fresh looks at, found the way Maven finds a reactor.
//!
//! Two modes. *Aggregator*: the root POM's `<modules>`, recursively (entries naming a
//! directory or a POM file, `..` allowed, modules of active profiles merged in), collected
//! in Maven's project-collection order — a post-order walk, each module's own modules
//! before it. *Scan*: for a root without modules (the layout of sibling projects linked
//! only through the local repository), every `pom.xml` below the root, skipping
//! `target/`, `src/`, hidden directories and `node_modules/`, in path order.
//!
//! Loading ends with Maven's second phase: BOMs imported from the workspace, then
//! `dependencyManagement` injected into the dependencies.

use crate::coords::Gav;
use crate::environment::Environment;
use crate::error::{Error, Finding, FindingKind, PomDiagnostic, Result};
use crate::maven::model::{BuiltModel, Loader, ModelContext, ParentLink, RawPom, normalize};
use crate::maven::pom::{Dependency, Loc, Model, SourceId, Sources, text};
use crate::maven::settings::SettingsFiles;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How the set of modules is found.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Discovery {
    /// Aggregator mode when the root POM declares modules, scan mode otherwise.
    #[default]
    Auto,
    /// The root POM's `<modules>`, recursively.
    Aggregator,
    /// Every `pom.xml` below the root.
    Scan,
}

/// Options for [`Workspace::load`].
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Aggregator or scan mode.
    pub discovery: Discovery,
    /// `-D` properties from the command line (they beat `.mvn/maven.config`).
    pub user_properties: BTreeMap<String, String>,
    /// `-P` arguments from the command line.
    pub profiles: Vec<String>,
    /// The local repository, where parents and BOMs from outside the workspace are read.
    pub local_repository: Option<PathBuf>,
    /// The `settings.xml` files whose profiles apply to every project (none by default;
    /// [`crate::project::Project::open`] fills in the ones Maven would read).
    pub settings: SettingsFiles,
    /// `.mvn/maven.config`, when the caller has read it already ([`Project::open`] does,
    /// to find the local repository); read here otherwise.
    ///
    /// [`Project::open`]: crate::project::Project::open
    pub maven_config: Option<MavenConfig>,
    /// The environment (`MAVEN_OPTS`, `${env.*}`, `JAVA_HOME` and `PATH` for
    /// `java.version`); default: this process's.
    pub environment: Environment,
}

/// A module of one [`Workspace`]: only the workspace makes them
/// ([`Workspace::find`], [`Workspace::modules`], the graph), so an id always names one of
/// its modules. Ids of two workspaces must not be mixed (a [`crate::project::Project::reopen`]ed
/// project has ids of its own).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ModuleId(pub(crate) usize);

impl ModuleId {
    /// The module's position in [`Workspace::modules`] (Maven's project-collection order).
    pub fn index(self) -> usize {
        self.0
    }
}

/// One module of the workspace with its effective model.
#[derive(Debug)]
pub struct Module {
    /// Its index.
    pub id: ModuleId,
    /// Its coordinates.
    pub gav: Gav,
    /// Its packaging (`jar`, `pom`, `war`, ...).
    pub packaging: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its POM file.
    pub pom: PathBuf,
    /// The POM's path relative to the workspace root, `/`-separated.
    pub rel_pom: String,
    /// The directory relative to the workspace root, `/`-separated (`.` for the root).
    pub rel_dir: String,
    /// The POM's source text id, for diagnostics.
    pub source: SourceId,
    /// The POM as written.
    pub raw: Arc<RawPom>,
    /// The effective model.
    pub effective: Model,
    /// The resolved parent.
    pub parent: Option<ParentLink>,
    /// The POM files it inherits from (itself first).
    pub lineage: Vec<PathBuf>,
    /// The POMs it inherits from as read (itself first), for the full effective model
    /// ([`crate::maven::effective`]), which rebuilds the model from their sources.
    pub lineage_poms: Vec<Arc<RawPom>>,
    /// For each POM of [`Module::lineage_poms`], the indices of its active profiles.
    pub lineage_profiles: Vec<Vec<usize>>,
    /// The indices of the active settings profiles in
    /// [`crate::maven::model::ModelContext::external_profiles`].
    pub external_profiles: Vec<usize>,
    /// Its own active profiles.
    pub active_profiles: Vec<String>,
    /// BOMs it imports, with the declaration.
    pub imports: Vec<(Gav, Loc)>,
}

impl Module {
    /// `groupId:artifactId`, how m2fresh names a module in its output.
    pub fn key(&self) -> String {
        self.gav.ga()
    }
}

/// `.mvn/maven.config`, as Maven 3.8 reads it.
#[derive(Clone, Debug, Default)]
pub struct MavenConfig {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// Its `-D` properties.
    pub user_properties: BTreeMap<String, String>,
    /// Its `-P` arguments.
    pub profiles: Vec<String>,
    /// Every argument, for passing on.
    pub args: Vec<String>,
}

/// The modules of a workspace, their sources and what was noticed while reading them.
#[derive(Debug)]
pub struct Workspace {
    /// The root directory.
    pub root: PathBuf,
    /// The mode that was used.
    pub discovery: Discovery,
    /// The modules in Maven's project-collection order.
    pub modules: Vec<Module>,
    /// Every POM text read, for diagnostics.
    pub sources: Sources,
    /// Warnings.
    pub findings: Vec<Finding>,
    /// The properties and profiles the models were built with.
    pub context: ModelContext,
    /// `.mvn/maven.config`, if any.
    pub maven_config: MavenConfig,
    /// The `.mvn` directory's parent (Maven's multi-module project directory).
    pub project_directory: PathBuf,
    /// The JVM's `-D` options from `.mvn/jvm.config` and `MAVEN_OPTS` (also among the
    /// system properties of [`Workspace::context`]).
    pub jvm_properties: BTreeMap<String, String>,
    /// The `-P` arguments the models were built with: `.mvn/maven.config`'s, then the
    /// caller's.
    pub profile_args: Vec<String>,
    /// POMs a scan found but could not read or build, left out (each is a finding): an
    /// error only when the targets need one ([`Workspace::check_skipped`]).
    pub skipped: Vec<SkippedPom>,
    by_gav: HashMap<Gav, ModuleId>,
    by_ga: HashMap<String, Vec<ModuleId>>,
}

impl Workspace {
    /// Reads the workspace at `root`.
    ///
    /// ```no_run
    /// use m2fresh::maven::workspace::{LoadOptions, Workspace};
    /// let ws = Workspace::load("fixtures/xuecheng".as_ref(), &LoadOptions::default())?;
    /// for m in &ws.modules {
    ///     println!("{} ({}) at {}", m.gav, m.packaging, m.rel_pom);
    /// }
    /// # Ok::<(), m2fresh::error::Error>(())
    /// ```
    pub fn load(root: &Path, opts: &LoadOptions) -> Result<Workspace> {
        let root = std::path::absolute(root).map_err(|e| Error::io("cannot resolve", root, e))?;
        let root = normalize(&root);
        if !root.is_dir() {
            return Err(Error::usage(
                format!("{} is not a directory", root.display()),
                Some("give the workspace root with -w DIR".into()),
            ));
        }
        let project_directory = find_project_directory(&root);
        let maven_config = match &opts.maven_config {
            Some(config) => config.clone(),
            None => read_maven_config(&project_directory)?,
        };
        let context = BuildContext::new(opts, &project_directory, &maven_config)?;
        let loader = Loader::with_sources(&root, context.model, context.sources);
        let (discovery, built, skipped) = discover(&loader, &root, opts.discovery)?;
        let mut findings: Vec<Finding> = core_extensions(&loader, &project_directory)
            .into_iter()
            .collect();
        findings.extend(skipped.iter().map(|s| s.finding()));
        let (mut modules, by_gav) = index_modules(&loader, &root, discovery, built, &mut findings)?;
        let mut by_ga: HashMap<String, Vec<ModuleId>> = HashMap::new();
        for m in &modules {
            by_ga.entry(m.gav.ga()).or_default().push(m.id);
        }

        // Maven's second phase, once every module has been through the first.
        import_boms(&loader, &mut modules, &by_gav, &mut findings)?;
        for m in &mut modules {
            crate::maven::model::merge::inject_dependency_management(&mut m.effective);
        }
        let ctx = loader.context().clone();
        findings.extend(unknown_profiles(&loader, &ctx));
        let sources = loader.into_sources();
        findings.extend(missing_versions(&sources, &modules));
        Ok(Workspace {
            root,
            discovery,
            modules,
            sources,
            findings,
            context: ctx,
            maven_config,
            project_directory,
            jvm_properties: context.jvm_properties,
            profile_args: context.profile_args,
            skipped,
            by_gav,
            by_ga,
        })
    }

    /// An error when a POM the scan left out matters to `modules` (a target's closure):
    /// one of them names coordinates that are no workspace module but that the left-out
    /// POM seems to declare — its parent, a dependency, a plugin, a BOM — so leaving it
    /// out would change what they are built against.
    pub fn check_skipped(&self, modules: &[ModuleId]) -> Result<()> {
        if self.skipped.is_empty() {
            return Ok(());
        }
        for &id in modules {
            let m = self.module(id);
            let e = &m.effective;
            let mut named: Vec<(String, String)> = Vec::new();
            if let Some(p) = &m.parent {
                named.push((p.gav.group_id.clone(), p.gav.artifact_id.clone()));
            }
            let deps = e
                .dependencies
                .iter()
                .chain(e.dependency_management.iter())
                .chain(e.build.plugins.iter().flat_map(|p| p.dependencies.iter()));
            for d in deps {
                named.push((
                    text(&d.group_id).unwrap_or("").to_string(),
                    text(&d.artifact_id).unwrap_or("").to_string(),
                ));
            }
            for p in &e.build.plugins {
                named.push((
                    p.group_id_or_default().to_string(),
                    text(&p.artifact_id).unwrap_or("").to_string(),
                ));
            }
            for x in &e.build.extensions {
                named.push((
                    text(&x.group_id).unwrap_or("").to_string(),
                    text(&x.artifact_id).unwrap_or("").to_string(),
                ));
            }
            for (g, a) in named {
                if !self.by_ga(&format!("{g}:{a}")).is_empty() {
                    continue;
                }
                if let Some(s) = self.skipped.iter().find(|s| s.may_be(&g, &a)) {
                    return Err(Error::Skipped(s.error.clone()));
                }
            }
        }
        Ok(())
    }

    /// The artifactId (or `groupId:artifactId`, when `name` has a colon) closest to
    /// `name` by edit distance, when it is close enough to be a typo.
    fn closest(&self, name: &str) -> Option<String> {
        let with_group = name.contains(':');
        self.modules
            .iter()
            .map(|m| {
                if with_group {
                    m.key()
                } else {
                    m.gav.artifact_id.clone()
                }
            })
            .map(|candidate| (edit_distance(name, &candidate), candidate))
            .filter(|(d, candidate)| *d <= (candidate.chars().count() / 3).max(2))
            .min()
            .map(|(_, candidate)| candidate)
    }

    /// The module with this id.
    ///
    /// # Panics
    ///
    /// When `id` is of another workspace with fewer modules.
    pub fn module(&self, id: ModuleId) -> &Module {
        &self.modules[id.0]
    }

    /// The module with exactly these coordinates.
    pub fn by_gav(&self, gav: &Gav) -> Option<ModuleId> {
        self.by_gav.get(gav).copied()
    }

    /// The modules with this `groupId:artifactId`, whatever their version.
    pub fn by_ga(&self, ga: &str) -> &[ModuleId] {
        self.by_ga.get(ga).map_or(&[], Vec::as_slice)
    }

    /// Finds a module by `artifactId`, `:artifactId` (Maven's `-pl` form),
    /// `groupId:artifactId`, `groupId:artifactId:version`, or the path of its directory or
    /// POM (relative to the working directory or the workspace root).
    pub fn find(&self, name: &str) -> Result<ModuleId> {
        let name = name.trim();
        let parts: Vec<&str> = name.split(':').collect();
        let by_coords: Vec<ModuleId> = match parts.as_slice() {
            [a] | ["", a] => self
                .modules
                .iter()
                .filter(|m| m.gav.artifact_id == *a)
                .map(|m| m.id)
                .collect(),
            [g, a] => self.by_ga(&format!("{g}:{a}")).to_vec(),
            [g, a, v] => self.by_gav(&Gav::new(*g, *a, *v)).into_iter().collect(),
            _ => Vec::new(),
        };
        match by_coords.len() {
            1 => return Ok(by_coords[0]),
            0 => {}
            _ => {
                let names: Vec<String> = by_coords
                    .iter()
                    .map(|id| self.module(*id).gav.to_string())
                    .collect();
                return Err(Error::usage(
                    format!("`{name}` names several modules: {}", names.join(", ")),
                    Some("name it by groupId:artifactId:version or by its directory".into()),
                ));
            }
        }
        let candidates = [std::path::absolute(name).ok(), Some(self.root.join(name))];
        for c in candidates.iter().flatten() {
            let c = normalize(c);
            if let Some(m) = self.modules.iter().find(|m| m.dir == c || m.pom == c) {
                return Ok(m.id);
            }
        }
        if let Some(skipped) = self.skipped.iter().find(|s| s.is_named(name, &candidates)) {
            return Err(Error::Skipped(skipped.error.clone()));
        }
        let help = match self.closest(name) {
            Some(close) => format!("did you mean `{close}`? (`m2fresh graph` lists the modules)"),
            None => "name a module by artifactId, groupId:artifactId, or its directory; \
                     `m2fresh graph` lists them"
                .into(),
        };
        Err(Error::usage(
            format!("no module named `{name}` in {}", self.root.display()),
            Some(help),
        ))
    }

    /// The location of a module's `<artifactId>` (or its `<project>`), for diagnostics.
    pub fn module_loc(&self, id: ModuleId) -> Loc {
        let m = self.module(id);
        m.raw
            .model
            .artifact_id
            .as_ref()
            .map_or_else(|| m.raw.model.loc.clone(), |v| v.loc.clone())
    }
}

fn rel(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(r) => r.to_string_lossy().replace('\\', "/"),
        Err(_) => pathdiff(path, root),
    }
}

/// A relative path from `base` to `path` with `..` where needed (for modules outside the
/// root, which Maven allows).
fn pathdiff(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

fn declares_modules(m: &Model) -> bool {
    !m.modules.is_empty() || m.profiles.iter().any(|p| !p.modules.is_empty())
}

/// Levenshtein distance: insertions, deletions and substitutions of characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// `-P` ids that name no profile of any POM read (modules, parents, BOMs) nor of
/// `settings.xml`: Maven warns "The requested profile ... could not be activated because
/// it does not exist", and so does m2fresh.
fn unknown_profiles(loader: &Loader, ctx: &ModelContext) -> Vec<Finding> {
    let mut known = loader.profile_ids();
    known.extend(
        ctx.external_profiles
            .iter()
            .map(|p| p.id_or_default().to_string()),
    );
    let sources = loader.sources();
    let mut requested: Vec<&String> = ctx.activation.active_ids.iter().collect();
    requested.sort();
    requested.dedup();
    requested
        .into_iter()
        .filter(|id| !known.contains(id.as_str()))
        .map(|id| {
            Finding::warning(
                &sources,
                FindingKind::UnknownProfile,
                None,
                format!("the requested profile \"{id}\" could not be activated because it does not exist"),
                None,
            )
            .with_help("check the id (`-P`, `.mvn/maven.config`, `<activeProfiles>` in settings.xml)")
        })
        .collect()
}

/// Why a directory was taken as the workspace root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum RootReason {
    /// Its `pom.xml` aggregates, directly or through aggregators below it, the directory
    /// the search started in.
    Aggregator,
    /// It holds `.mvn`: Maven's multi-module project directory.
    ProjectBase,
    /// The top of the Git work tree: sibling projects linked through the local
    /// repository.
    GitTop,
    /// Where the search started: nothing above it says otherwise.
    Start,
}

impl std::fmt::Display for RootReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RootReason::Aggregator => "its pom.xml aggregates the current directory",
            RootReason::ProjectBase => "it holds .mvn, Maven's multi-module project directory",
            RootReason::GitTop => "the top of the Git work tree (sibling projects)",
            RootReason::Start => "the current directory",
        })
    }
}

/// The workspace root for a command started in `start`, found as Maven users expect:
/// the outermost directory whose `pom.xml` aggregates the one below it (a `<module>` of
/// it or of one of its profiles names that directory), never above Maven's multi-module
/// project directory (the one holding `.mvn`). Without an aggregator above `start` —
/// sibling projects linked through the local repository — the directory holding `.mvn`,
/// else the top of the Git work tree, unless its `pom.xml` is an aggregator that leaves
/// `start` out; otherwise `start` itself. POMs that cannot be read end the walk, they do
/// not fail it.
pub fn discover_root(start: &Path) -> (PathBuf, RootReason) {
    let start = normalize(&std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf()));
    let base = start
        .ancestors()
        .find(|d| d.join(".mvn").is_dir())
        .map(Path::to_path_buf);
    let mut top = start.clone();
    while let Some(parent) = top.parent() {
        if base.as_ref().is_some_and(|b| top == *b) || !aggregates(parent, &top) {
            break;
        }
        top = parent.to_path_buf();
    }
    if top != start {
        return (top, RootReason::Aggregator);
    }
    let git = start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf);
    let candidates = [
        base.map(|b| (b, RootReason::ProjectBase)),
        git.map(|g| (g, RootReason::GitTop)),
    ];
    for (dir, reason) in candidates.into_iter().flatten() {
        if dir != start && !declares_modules_at(&dir) {
            return (dir, reason);
        }
    }
    (start, RootReason::Start)
}

/// Whether the `pom.xml` in `dir` can be read and declares modules.
fn declares_modules_at(dir: &Path) -> bool {
    read_pom_quietly(&dir.join("pom.xml")).is_some_and(|m| declares_modules(&m))
}

/// A POM read for a decision that must not fail the command: `None` when it cannot be.
fn read_pom_quietly(pom: &Path) -> Option<Model> {
    let meta = std::fs::metadata(pom).ok()?;
    if !meta.is_file() || meta.len() > crate::maven::model::MAX_POM_BYTES {
        return None;
    }
    let bytes = std::fs::read(pom).ok()?;
    let text = crate::maven::xml::decode(&bytes).ok()?;
    crate::maven::pom::parse_model(&text, SourceId(0)).ok()
}

/// Whether `dir`'s `pom.xml` lists `child` among its modules (or its profiles' modules).
fn aggregates(dir: &Path, child: &Path) -> bool {
    let Some(model) = read_pom_quietly(&dir.join("pom.xml")) else {
        return false;
    };
    let listed = model
        .modules
        .iter()
        .chain(model.profiles.iter().flat_map(|p| p.modules.iter()));
    listed.into_iter().any(|m| {
        let named = normalize(&dir.join(m.text.replace('\\', "/")));
        let named = if named.extension().is_some_and(|e| e == "xml") {
            named.parent().map(Path::to_path_buf).unwrap_or(named)
        } else {
            named
        };
        named == child
    })
}

/// What the models are built with: the properties (user, system, the JVM's), the `-P`
/// arguments, the settings' profiles, the local repository.
struct BuildContext {
    model: ModelContext,
    /// The settings files read, for diagnostics.
    sources: Sources,
    jvm_properties: BTreeMap<String, String>,
    profile_args: Vec<String>,
}

impl BuildContext {
    fn new(
        opts: &LoadOptions,
        project_directory: &Path,
        maven_config: &MavenConfig,
    ) -> Result<BuildContext> {
        let mut user = maven_config.user_properties.clone();
        user.extend(opts.user_properties.clone());
        let mut ctx = ModelContext::from_environment(user, &opts.environment);
        let maven_opts = opts.environment.maven_opts().unwrap_or_default();
        let jvm_properties = jvm_system_properties(project_directory, maven_opts)?;
        // The `mvn` launcher always sets this one (the directory with `.mvn`, else where
        // Maven runs: here, the workspace root).
        ctx.activation.system.insert(
            "maven.multiModuleProjectDirectory".into(),
            project_directory.display().to_string(),
        );
        ctx.activation.system.extend(jvm_properties.clone());
        let profile_args: Vec<String> = maven_config
            .profiles
            .iter()
            .chain(&opts.profiles)
            .cloned()
            .collect();
        // Settings are interpolated with the user, then system properties (`env.*`
        // among them).
        let mut sources = Sources::default();
        let settings = {
            let a = &ctx.activation;
            let lookup = |name: &str| a.user.get(name).or_else(|| a.system.get(name)).cloned();
            crate::maven::settings::read_profiles(&opts.settings, &mut sources, &lookup)?
        };
        // `<activeProfiles>` first, as Maven sets them before adding `-P`; deactivation
        // wins either way.
        ctx.activation.active_ids.extend(settings.active_profiles);
        ctx.external_profiles = settings.profiles;
        for p in &profile_args {
            ctx.activation.add_profile_args(p);
        }
        ctx.local_repository = opts.local_repository.clone();
        Ok(BuildContext {
            model: ctx,
            sources,
            jvm_properties,
            profile_args,
        })
    }
}

/// The discovery mode ([`Discovery::Auto`] decided by the root POM) and the first-phase
/// model of every module it finds.
fn discover(
    loader: &Loader,
    root: &Path,
    requested: Discovery,
) -> Result<(Discovery, Vec<BuiltModel>, Vec<SkippedPom>)> {
    let root_pom = root.join("pom.xml");
    let aggregates = || -> Result<bool> {
        Ok(root_pom.is_file() && declares_modules(&loader.read(&root_pom)?.model))
    };
    let discovery = match requested {
        Discovery::Auto if aggregates()? => Discovery::Aggregator,
        Discovery::Auto => Discovery::Scan,
        other => other,
    };
    if discovery == Discovery::Scan {
        let (built, skipped) = scan_tolerantly(loader, root)?;
        return Ok((discovery, built, skipped));
    }
    if !root_pom.is_file() {
        return Err(Error::usage(
            format!("{} has no pom.xml to aggregate from", root.display()),
            Some("use --scan to find every pom.xml below the directory".into()),
        ));
    }
    Ok((
        discovery,
        collect_aggregated(loader, &root_pom)?,
        Vec::new(),
    ))
}

/// Scan mode: every `pom.xml` below the root, each read and built on its own. One that
/// cannot be is left out (Maven started in a target's directory would never read it),
/// not an error for the whole workspace — unless the targets turn out to need it. The
/// root's own POM is the project the user pointed at: its error is the run's.
fn scan_tolerantly(loader: &Loader, root: &Path) -> Result<(Vec<BuiltModel>, Vec<SkippedPom>)> {
    let poms = scan(root)?;
    let root_pom = root.join("pom.xml");
    let mut skipped = Vec::new();
    let mut raws = Vec::new();
    for (path, read) in poms.iter().zip(loader.read_all(&poms)) {
        match read {
            Ok(raw) => raws.push(raw),
            Err(e) if *path == root_pom => return Err(e),
            Err(e) => skipped.push(SkippedPom::new(root, path, None, e)),
        }
    }
    let results: Vec<Result<BuiltModel>> = raws.par_iter().map(|raw| loader.build(raw)).collect();
    let mut built = Vec::with_capacity(results.len());
    for (raw, result) in raws.iter().zip(results) {
        match result {
            Ok(b) => built.push(b),
            Err(e) if raw.path == root_pom => return Err(e),
            Err(e) => skipped.push(SkippedPom::new(root, &raw.path, Some(&raw.model), e)),
        }
    }
    // Nothing left: the workspace is what could not be read.
    if built.is_empty()
        && let Some(first) = skipped.first()
    {
        return Err(Error::Skipped(first.error.clone()));
    }
    Ok((built, skipped))
}

/// A POM a scan left out, why, and the coordinates it seems to declare.
#[derive(Clone, Debug)]
pub struct SkippedPom {
    /// The POM file.
    pub pom: PathBuf,
    /// Its path relative to the workspace root.
    pub rel: String,
    /// Its groupId (its parent's when it declares none), as far as it can be read.
    pub group_id: Option<String>,
    /// Its artifactId, as far as it can be read.
    pub artifact_id: Option<String>,
    /// Why it was left out.
    pub error: crate::error::SharedError,
}

impl SkippedPom {
    fn new(root: &Path, pom: &Path, model: Option<&Model>, error: Error) -> SkippedPom {
        let (group_id, artifact_id) = match model {
            Some(m) => (
                text(&m.group_id)
                    .or_else(|| m.parent.as_ref().and_then(|p| text(&p.group_id)))
                    .map(str::to_string),
                text(&m.artifact_id).map(str::to_string),
            ),
            None => guess_coordinates(pom),
        };
        SkippedPom {
            pom: pom.to_path_buf(),
            rel: rel(root, pom),
            group_id,
            artifact_id,
            error: crate::error::SharedError(Arc::new(error)),
        }
    }

    /// The finding that reports it.
    fn finding(&self) -> Finding {
        let (pom, line, column) = crate::error::position(&self.error);
        Finding {
            pom: pom.or_else(|| Some(self.rel.clone())),
            line,
            column,
            ..Finding::warning(
                &Sources::default(),
                FindingKind::UnreadablePom,
                None,
                format!(
                    "{} cannot be read, so it is left out of the workspace: {}",
                    self.rel, self.error
                ),
                None,
            )
            .with_help(
                "fix it, or ignore it while no target needs it (it becomes an error as soon as \
                 one does)",
            )
        }
    }

    /// Whether `name` (as [`Workspace::find`] takes it; `paths` the directories or POMs
    /// it may name) names this POM.
    fn is_named(&self, name: &str, paths: &[Option<PathBuf>]) -> bool {
        let dir = self.pom.parent().map(Path::to_path_buf);
        let by_path = paths.iter().flatten().any(|p| {
            let p = normalize(p);
            p == self.pom || Some(&p) == dir.as_ref()
        });
        let by_coords = match name.split(':').collect::<Vec<_>>().as_slice() {
            [a] | ["", a] => self.artifact_id.as_deref() == Some(*a),
            [g, a] | [g, a, _] => self.may_be(g, a),
            _ => false,
        };
        by_path || by_coords
    }

    /// Whether it may be the project `groupId:artifactId` names.
    fn may_be(&self, group_id: &str, artifact_id: &str) -> bool {
        self.artifact_id.as_deref() == Some(artifact_id)
            && self.group_id.as_deref().is_none_or(|g| g == group_id)
    }
}

/// The groupId and artifactId a POM that does not parse seems to declare: the first ones
/// outside its `<parent>` and before its lists (the groupId from the parent when there is
/// none of its own).
fn guess_coordinates(pom: &Path) -> (Option<String>, Option<String>) {
    // Only a regular file is read again (a FIFO would block).
    if !std::fs::metadata(pom).is_ok_and(|m| m.is_file()) {
        return (None, None);
    }
    let Ok(bytes) = crate::maven::model::read_bounded(pom) else {
        return (None, None);
    };
    let text = String::from_utf8_lossy(&bytes);
    let element = |text: &str, name: &str| -> Option<String> {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find("</")? + start;
        Some(text[start..end].trim().to_string()).filter(|v| !v.is_empty())
    };
    let (parent, own) = match (text.find("<parent>"), text.find("</parent>")) {
        (Some(a), Some(b)) if a < b => (&text[a..b], format!("{}{}", &text[..a], &text[b..])),
        _ => ("", text.to_string()),
    };
    let head_end = [
        "<dependencies",
        "<dependencyManagement",
        "<build",
        "<profiles",
        "<modules",
        "<properties",
    ]
    .iter()
    .filter_map(|t| own.find(t))
    .min()
    .unwrap_or(own.len());
    let head = &own[..head_end];
    (
        element(head, "groupId").or_else(|| element(parent, "groupId")),
        element(head, "artifactId"),
    )
}

/// The finding for `.mvn/extensions.xml`, which m2fresh cannot emulate.
fn core_extensions(loader: &Loader, project_directory: &Path) -> Option<Finding> {
    let file = project_directory.join(".mvn/extensions.xml");
    if !file.is_file() {
        return None;
    }
    Some(
        Finding::warning(
            &loader.sources(),
            FindingKind::CoreExtensions,
            None,
            format!(
                "{} loads Maven core extensions; m2fresh cannot emulate what they \
                 change (versions, the reactor), so its graph may differ from Maven's",
                file.display()
            ),
            None,
        )
        .with_help("compare `m2fresh order` with Maven's reactor build order once"),
    )
}

/// The modules in collection order, each with its id. Two POMs with the same coordinates
/// are an error in a reactor, as in Maven; in scan mode the first is kept, with a finding.
fn index_modules(
    loader: &Loader,
    root: &Path,
    discovery: Discovery,
    built: Vec<BuiltModel>,
    findings: &mut Vec<Finding>,
) -> Result<(Vec<Module>, HashMap<Gav, ModuleId>)> {
    let mut modules: Vec<Module> = Vec::with_capacity(built.len());
    let mut by_gav: HashMap<Gav, ModuleId> = HashMap::with_capacity(built.len());
    for b in built {
        findings.extend(b.findings.iter().cloned());
        if let Some(&first) = by_gav.get(&b.gav) {
            let other = &modules[first.0];
            if discovery == Discovery::Scan {
                findings.push(duplicate_finding(loader, root, &b, other));
                continue;
            }
            return Err(duplicate_error(loader, &b, other));
        }
        let id = ModuleId(modules.len());
        by_gav.insert(b.gav.clone(), id);
        modules.push(Module {
            id,
            rel_pom: rel(root, &b.pom.path),
            rel_dir: {
                let d = rel(root, &b.pom.dir);
                if d.is_empty() { ".".into() } else { d }
            },
            dir: b.pom.dir.clone(),
            pom: b.pom.path.clone(),
            source: b.pom.source,
            raw: b.pom.clone(),
            gav: b.gav,
            packaging: b.packaging,
            effective: b.effective,
            parent: b.parent,
            lineage: b.lineage.iter().map(|p| p.path.clone()).collect(),
            lineage_poms: b.lineage,
            lineage_profiles: b.lineage_profiles,
            external_profiles: b.external_profiles,
            active_profiles: b.active_profiles,
            imports: Vec::new(),
        });
    }
    Ok((modules, by_gav))
}

fn duplicate_finding(loader: &Loader, root: &Path, b: &BuiltModel, other: &Module) -> Finding {
    Finding::warning(
        &loader.sources(),
        FindingKind::DuplicateCoordinates,
        Some(b.gav.ga()),
        format!(
            "{} has the same coordinates {} as {}; m2fresh keeps the first",
            rel(root, &b.pom.path),
            b.gav,
            other.rel_pom
        ),
        b.effective.artifact_id.as_ref().map(|v| &v.loc),
    )
    .with_help("give one of them other coordinates, or exclude it from the workspace")
}

fn duplicate_error(loader: &Loader, b: &BuiltModel, other: &Module) -> Error {
    let sources = loader.sources();
    PomDiagnostic::at(
        &sources,
        "m2fresh::maven::workspace::duplicate",
        format!("Project '{}' is duplicated in the reactor", b.gav),
        b.effective.artifact_id.as_ref().map(|v| &v.loc),
        "this project",
    )
    .with_related(PomDiagnostic::at(
        &sources,
        "m2fresh::maven::workspace::duplicate",
        format!("{} has the same coordinates", other.rel_pom),
        other.effective.artifact_id.as_ref().map(|v| &v.loc),
        "and this one",
    ))
    .with_help("each module of a reactor needs its own groupId:artifactId:version")
    .into()
}

/// A finding for each dependency left without a version after management: Maven refuses
/// such a POM.
fn missing_versions(sources: &Sources, modules: &[Module]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for m in modules {
        for d in &m.effective.dependencies {
            if text(&d.version).is_none_or(str::is_empty) {
                findings.push(
                    Finding::warning(
                        sources,
                        FindingKind::MissingVersion,
                        Some(m.key()),
                        format!(
                            "the dependency {}:{} has no version and nothing manages one; \
                             Maven refuses this POM",
                            text(&d.group_id).unwrap_or("?"),
                            text(&d.artifact_id).unwrap_or("?")
                        ),
                        Some(&d.loc),
                    )
                    .with_help("add a <version>, or manage it in <dependencyManagement>"),
                );
            }
        }
    }
    findings
}

/// Maven's multi-module project directory: the nearest directory at or above `start`
/// with a `.mvn` directory; `start` itself when there is none.
pub fn find_project_directory(start: &Path) -> PathBuf {
    let mut dir = Some(start);
    while let Some(d) = dir {
        if d.join(".mvn").is_dir() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    start.to_path_buf()
}

/// The system properties the JVM running Maven gets from `-D` options in
/// `.mvn/jvm.config` and then `MAVEN_OPTS` (later wins), both split on whitespace as the
/// `mvn` script splits them. Unlike Maven's own `-Dname`, the JVM's `-Dname` is empty.
/// Profile activation and interpolation see these as system properties.
pub fn jvm_system_properties(
    project_directory: &Path,
    maven_opts: &str,
) -> Result<BTreeMap<String, String>> {
    let path = project_directory.join(".mvn/jvm.config");
    let jvm_config = if path.is_file() {
        std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, e))?
    } else {
        String::new()
    };
    Ok(jvm_config
        .split_whitespace()
        .chain(maven_opts.split_whitespace())
        .filter_map(|arg| arg.strip_prefix("-D"))
        .filter(|d| !d.is_empty())
        .map(|d| {
            let (k, v) = d.split_once('=').unwrap_or((d, ""));
            (k.to_string(), v.to_string())
        })
        .collect())
}

/// Reads `.mvn/maven.config`: arguments split on whitespace, as Maven 3.8 does.
pub fn read_maven_config(project_directory: &Path) -> Result<MavenConfig> {
    let path = project_directory.join(".mvn/maven.config");
    if !path.is_file() {
        return Ok(MavenConfig::default());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io("cannot read", &path, e))?;
    let args: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    let mut config = MavenConfig {
        path: Some(path),
        args: args.clone(),
        ..Default::default()
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let define = |s: &str, props: &mut BTreeMap<String, String>| {
            let (k, v) = s.split_once('=').unwrap_or((s, "true"));
            props.insert(k.to_string(), v.to_string());
        };
        if let Some(d) = arg
            .strip_prefix("-D")
            .or_else(|| arg.strip_prefix("--define="))
        {
            if d.is_empty() {
                if let Some(next) = it.next() {
                    define(next, &mut config.user_properties);
                }
            } else {
                define(d, &mut config.user_properties);
            }
        } else if arg == "--define" {
            if let Some(next) = it.next() {
                define(next, &mut config.user_properties);
            }
        } else if let Some(p) = arg
            .strip_prefix("-P")
            .or_else(|| arg.strip_prefix("--activate-profiles="))
        {
            if p.is_empty() {
                if let Some(next) = it.next() {
                    config.profiles.push(next.clone());
                }
            } else {
                config.profiles.push(p.to_string());
            }
        } else if arg == "--activate-profiles"
            && let Some(next) = it.next()
        {
            config.profiles.push(next.clone());
        }
    }
    Ok(config)
}

/// Every `pom.xml` below `root`, in path order, skipping what is never a module.
fn scan(root: &Path) -> Result<Vec<PathBuf>> {
    let mut poms = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            if e.depth() == 0 || !e.file_type().is_dir() {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            !(name.starts_with('.') || matches!(&*name, "target" | "src" | "node_modules"))
        });
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map_or_else(|| root.to_path_buf(), Path::to_path_buf);
            let msg = e.to_string();
            Error::io(
                "cannot scan",
                path,
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other(msg)),
            )
        })?;
        if entry.file_type().is_file() && entry.file_name() == "pom.xml" {
            poms.push(entry.into_path());
        }
    }
    if poms.is_empty() {
        return Err(Error::usage(
            format!("no pom.xml found in or below {}", root.display()),
            Some("point -w at a Maven project or a directory of Maven projects".into()),
        ));
    }
    Ok(poms)
}

/// Maven's aggregation walk from the root POM: children first, then the aggregator.
fn collect_aggregated(loader: &Loader, root_pom: &Path) -> Result<Vec<BuiltModel>> {
    let root = loader.read(root_pom)?;
    let mut out = Vec::new();
    let mut stack = vec![root.path.clone()];
    collect(loader, &root, &mut stack, &mut out)?;
    // Leaves were only read during the walk; build them in parallel now.
    let built: Vec<Result<BuiltModel>> = out
        .into_par_iter()
        .map(|entry| match entry {
            Entry::Built(b) => Ok(*b),
            Entry::Pending(raw) => loader.build(&raw),
        })
        .collect();
    built.into_iter().collect()
}

enum Entry {
    Built(Box<BuiltModel>),
    Pending(Arc<RawPom>),
}

fn collect(
    loader: &Loader,
    pom: &Arc<RawPom>,
    stack: &mut Vec<PathBuf>,
    out: &mut Vec<Entry>,
) -> Result<()> {
    if !declares_modules(&pom.model) {
        out.push(Entry::Pending(pom.clone()));
        return Ok(());
    }
    let built = loader.build(pom)?;
    let mut files: Vec<PathBuf> = Vec::new();
    let mut seen_raw: HashSet<&str> = HashSet::new();
    for (module, raw) in built.effective.modules.iter().zip(raw_module_names(&built)) {
        if module.text.is_empty() {
            continue;
        }
        if !seen_raw.insert(raw) {
            return Err(PomDiagnostic::at(
                &loader.sources(),
                "m2fresh::maven::workspace::duplicate-module",
                format!(
                    "'modules.module' specifies duplicate child module {}",
                    module.text
                ),
                Some(&module.loc),
                "listed again here",
            )
            .with_help("remove the second entry")
            .into());
        }
        let mut file = pom.dir.join(module.text.replace('\\', "/"));
        if file.is_dir() {
            file = file.join("pom.xml");
        }
        let file = normalize(&file);
        if !file.is_file() {
            return Err(PomDiagnostic::at(
                &loader.sources(),
                "m2fresh::maven::workspace::missing-module",
                format!(
                    "Child module {} of {} does not exist",
                    file.display(),
                    pom.path.display()
                ),
                Some(&module.loc),
                "this module",
            )
            .with_help("create the module, or remove it from <modules>")
            .into());
        }
        if stack.contains(&file) {
            return Err(PomDiagnostic::at(
                &loader.sources(),
                "m2fresh::maven::workspace::aggregation-cycle",
                format!(
                    "Child module {} of {} forms aggregation cycle {}",
                    file.display(),
                    pom.path.display(),
                    stack
                        .iter()
                        .chain(std::iter::once(&file))
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" -> ")
                ),
                Some(&module.loc),
                "this module",
            )
            .into());
        }
        files.push(file);
    }
    // Read the children in parallel before walking them in order.
    let children = loader.read_all(&files);
    for (file, child) in files.into_iter().zip(children) {
        let child = child?;
        stack.push(file);
        collect(loader, &child, stack, out)?;
        stack.pop();
    }
    out.push(Entry::Built(Box::new(built)));
    Ok(())
}

/// The module entries as written (before interpolation), for Maven's duplicate check.
fn raw_module_names(b: &BuiltModel) -> Vec<&str> {
    let mut names: Vec<&str> = b.pom.model.modules.iter().map(|m| m.as_str()).collect();
    for p in &b.pom.model.profiles {
        if b.active_profiles.iter().any(|a| a == p.id_or_default()) {
            for m in &p.modules {
                if !names.contains(&m.text.as_str()) {
                    names.push(&m.text);
                }
            }
        }
    }
    // Interpolated entries line up one to one with the raw ones; pad if a profile of a
    // parent contributed more (they are not inherited, so this does not happen).
    while names.len() < b.effective.modules.len() {
        names.push("");
    }
    names
}

/// Maven's import of BOMs (`scope=import`, `type=pom`) into `dependencyManagement`:
/// after inheritance and interpolation; what the module manages itself wins; among
/// imports, the first declared wins. BOMs come from the workspace, else the repository.
fn import_boms(
    loader: &Loader,
    modules: &mut [Module],
    by_gav: &HashMap<Gav, ModuleId>,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    if !modules
        .iter()
        .any(|m| m.effective.dependency_management.iter().any(is_import))
    {
        return Ok(());
    }
    let mut imports = Imports {
        loader,
        by_gav,
        resolved: HashMap::new(),
        by_list: HashMap::new(),
        repository: HashMap::new(),
    };
    let ids: Vec<ModuleId> = modules.iter().map(|m| m.id).collect();
    for id in ids {
        imports.resolve(modules, id, &mut Vec::new())?;
    }
    for m in modules.iter_mut() {
        if let Some(resolved) = imports.resolved.remove(&m.id) {
            m.effective.dependency_management = resolved.managed.clone();
            m.imports = resolved.edges.clone();
            for (gav, loc) in &resolved.unresolved {
                findings.push(unresolved_import(loader, m, gav, loc));
            }
        }
    }
    Ok(())
}

fn is_import(d: &Dependency) -> bool {
    text(&d.scope) == Some("import") && text(&d.type_).unwrap_or("jar") == "pom"
}

/// A BOM import that neither the workspace nor the local repository can satisfy.
fn unresolved_import(loader: &Loader, m: &Module, gav: &Gav, loc: &Loc) -> Finding {
    Finding::warning(
        &loader.sources(),
        FindingKind::UnresolvedImport,
        Some(m.key()),
        format!(
            "the imported BOM {gav} is neither in the workspace nor in the local \
             repository; the versions it manages are unknown"
        ),
        Some(loc),
    )
    .with_help(format!(
        "Maven downloads it from the repositories when it builds; to get it \
         now: `mvn dependency:get -Dartifact={}:{}:{}:pom`; if it is a project \
         of yours, include it in the workspace",
        gav.group_id, gav.artifact_id, gav.version
    ))
}

/// What the import of BOMs makes of one `dependencyManagement` list.
struct Resolved {
    /// The list with the imported entries in place of the imports (interned).
    managed: Arc<Vec<Dependency>>,
    /// The workspace BOMs imported, with the declaration.
    edges: Vec<(Gav, Loc)>,
    /// The imports found nowhere, with the declaration.
    unresolved: Vec<(Gav, Loc)>,
}

/// The state of one import pass: each module's and each repository BOM's resulting
/// `dependencyManagement`, computed once. Every module usually inherits the same imports
/// from the root, and a BOM such as `spring-boot-dependencies` imports dozens more, so
/// building them per module would dominate the load time: a list that modules share
/// (the loader interns equal lists) is resolved once for all of them.
struct Imports<'a> {
    loader: &'a Loader,
    by_gav: &'a HashMap<Gav, ModuleId>,
    resolved: HashMap<ModuleId, Arc<Resolved>>,
    /// By the address of the list resolved; the modules hold each list for the whole
    /// pass, so an address names one list.
    by_list: HashMap<usize, Arc<Resolved>>,
    /// Repository BOMs by coordinates; `None` when the local repository lacks one.
    repository: HashMap<Gav, Option<Arc<Vec<Dependency>>>>,
}

impl Imports<'_> {
    fn resolve(
        &mut self,
        modules: &[Module],
        id: ModuleId,
        visiting: &mut Vec<ModuleId>,
    ) -> Result<Arc<Resolved>> {
        if let Some(done) = self.resolved.get(&id) {
            return Ok(done.clone());
        }
        if visiting.contains(&id) {
            let names: Vec<String> = visiting
                .iter()
                .chain(std::iter::once(&id))
                .map(|i| modules[i.0].gav.to_string())
                .collect();
            let m = &modules[id.0];
            return Err(PomDiagnostic::at(
                &self.loader.sources(),
                "m2fresh::maven::model::import-cycle",
                format!("the BOM imports form a cycle: {}", names.join(" -> ")),
                m.effective.artifact_id.as_ref().map(|v| &v.loc),
                "this BOM",
            )
            .into());
        }
        let list = &modules[id.0].effective.dependency_management;
        let address = Arc::as_ptr(list) as usize;
        if let Some(done) = self.by_list.get(&address) {
            let done = done.clone();
            self.resolved.insert(id, done.clone());
            return Ok(done);
        }
        visiting.push(id);
        let (imports, own): (Vec<&Dependency>, Vec<&Dependency>) =
            list.iter().partition(|d| is_import(d));
        let mut dm: Vec<Dependency> = own.into_iter().cloned().collect();
        let mut keys: HashSet<String> = dm.iter().map(Dependency::management_key).collect();
        let (mut edges, mut unresolved) = (Vec::new(), Vec::new());
        for imp in imports {
            let gav = import_gav(imp);
            let managed = if let Some(&bom) = self.by_gav.get(&gav) {
                edges.push((gav.clone(), imp.loc.clone()));
                self.resolve(modules, bom, visiting)?.managed.clone()
            } else if let Some(dm) = self.repository_bom(&gav, 0)? {
                dm
            } else {
                unresolved.push((gav, imp.loc.clone()));
                continue;
            };
            for d in managed.iter() {
                if keys.insert(d.management_key()) {
                    dm.push(d.clone());
                }
            }
        }
        visiting.pop();
        let mut managed = Arc::new(dm);
        self.loader.intern_management(&mut managed);
        let done = Arc::new(Resolved {
            managed,
            edges,
            unresolved,
        });
        self.by_list.insert(address, done.clone());
        self.resolved.insert(id, done.clone());
        Ok(done)
    }

    /// A BOM from the local repository: its effective `dependencyManagement` (its own
    /// imports from the repository included, up to a sane depth).
    fn repository_bom(&mut self, gav: &Gav, depth: usize) -> Result<Option<Arc<Vec<Dependency>>>> {
        if let Some(dm) = self.repository.get(gav) {
            return Ok(dm.clone());
        }
        let Some(repo) = &self.loader.context().local_repository else {
            return Ok(None);
        };
        let path = repo
            .join(gav.group_id.replace('.', "/"))
            .join(&gav.artifact_id)
            .join(&gav.version)
            .join(format!("{}-{}.pom", gav.artifact_id, gav.version));
        if !path.is_file() || depth > 16 {
            return Ok(None);
        }
        let raw = self.loader.read_repository(&path)?;
        let built = self.loader.build(&raw)?;
        let (nested, mut dm): (Vec<Dependency>, Vec<Dependency>) = built
            .effective
            .dependency_management
            .iter()
            .cloned()
            .partition(is_import);
        let mut keys = HashSet::new();
        dm.retain(|d| keys.insert(d.management_key()));
        for n in nested {
            let Some(nested) = self.repository_bom(&import_gav(&n), depth + 1)? else {
                continue;
            };
            for d in nested.iter() {
                if keys.insert(d.management_key()) {
                    dm.push(d.clone());
                }
            }
        }
        let dm = Arc::new(dm);
        self.repository.insert(gav.clone(), Some(dm.clone()));
        Ok(Some(dm))
    }
}

fn import_gav(d: &Dependency) -> Gav {
    Gav::new(
        text(&d.group_id).unwrap_or(""),
        text(&d.artifact_id).unwrap_or(""),
        text(&d.version).unwrap_or(""),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn app(name: &str) -> String {
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>f</groupId>\
             <artifactId>{name}</artifactId><version>1</version>\
             <dependencyManagement><dependencies><dependency><groupId>x</groupId>\
             <artifactId>bom</artifactId><version>1</version><type>pom</type>\
             <scope>import</scope></dependency></dependencies></dependencyManagement>\
             <dependencies><dependency><groupId>f</groupId><artifactId>lib</artifactId>\
             </dependency></dependencies></project>"
        )
    }

    #[test]
    fn every_module_importing_a_repository_bom_gets_its_nested_imports() {
        let tmp = tempfile::tempdir().unwrap();
        let (ws_dir, repo) = (tmp.path().join("ws"), tmp.path().join("repo"));
        write(
            &ws_dir,
            "pom.xml",
            "<project><modelVersion>4.0.0</modelVersion><groupId>f</groupId>\
             <artifactId>root</artifactId><version>1</version><packaging>pom</packaging>\
             <modules><module>lib</module><module>a</module><module>b</module></modules>\
             </project>",
        );
        write(
            &ws_dir,
            "lib/pom.xml",
            "<project><modelVersion>4.0.0</modelVersion><groupId>f</groupId>\
             <artifactId>lib</artifactId><version>1</version></project>",
        );
        write(&ws_dir, "a/pom.xml", &app("a"));
        write(&ws_dir, "b/pom.xml", &app("b"));
        // x:bom:1 manages nothing itself; it imports x:inner:1, which manages f:lib.
        write(
            &repo,
            "x/bom/1/bom-1.pom",
            "<project><modelVersion>4.0.0</modelVersion><groupId>x</groupId>\
             <artifactId>bom</artifactId><version>1</version><packaging>pom</packaging>\
             <dependencyManagement><dependencies><dependency><groupId>x</groupId>\
             <artifactId>inner</artifactId><version>1</version><type>pom</type>\
             <scope>import</scope></dependency></dependencies></dependencyManagement>\
             </project>",
        );
        write(
            &repo,
            "x/inner/1/inner-1.pom",
            "<project><modelVersion>4.0.0</modelVersion><groupId>x</groupId>\
             <artifactId>inner</artifactId><version>1</version><packaging>pom</packaging>\
             <dependencyManagement><dependencies><dependency><groupId>f</groupId>\
             <artifactId>lib</artifactId><version>1</version></dependency></dependencies>\
             </dependencyManagement></project>",
        );
        let opts = LoadOptions {
            local_repository: Some(repo),
            ..Default::default()
        };
        let ws = Workspace::load(&ws_dir, &opts).unwrap();
        for name in ["f:a", "f:b"] {
            let m = ws.module(ws.find(name).unwrap());
            let lib = &m.effective.dependencies[0];
            assert_eq!(text(&lib.version), Some("1"), "{name}");
        }
    }

    #[test]
    fn a_parent_built_once_still_activates_file_profiles_in_each_childs_directory() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // The root's profile adds a dependency where a `marker` file exists, evaluated in
        // the directory of the project being built: a's and c's, not b's.
        write(
            root,
            "pom.xml",
            "<project><groupId>g</groupId><artifactId>root</artifactId><version>1</version>\
             <packaging>pom</packaging><modules><module>a</module><module>b</module>\
             <module>c</module></modules>\
             <dependencyManagement><dependencies><dependency><groupId>x</groupId>\
             <artifactId>y</artifactId><version>${project.version}</version></dependency>\
             </dependencies></dependencyManagement>\
             <profiles><profile><id>m</id><activation><file><exists>marker</exists></file>\
             </activation><dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId>\
             </dependency></dependencies></profile></profiles></project>",
        );
        for (name, version) in [("a", "1"), ("b", "1"), ("c", "2")] {
            write(
                root,
                &format!("{name}/pom.xml"),
                &format!(
                    "<project><parent><groupId>g</groupId><artifactId>root</artifactId>\
                     <version>1</version></parent><artifactId>{name}</artifactId>\
                     <version>{version}</version></project>"
                ),
            );
        }
        write(root, "a/marker", "");
        write(root, "c/marker", "");
        let ws = Workspace::load(root, &LoadOptions::default()).unwrap();
        let module = |name: &str| ws.module(ws.find(name).unwrap());
        let deps = |name: &str| -> Vec<String> {
            module(name)
                .effective
                .dependencies
                .iter()
                .map(|d| {
                    format!(
                        "{}:{}",
                        d.artifact_id.as_ref().unwrap().text,
                        text(&d.version).unwrap_or("")
                    )
                })
                .collect()
        };
        assert_eq!(deps("g:a"), ["y:1"]);
        assert!(deps("g:b").is_empty());
        assert_eq!(deps("g:c"), ["y:2"]);
        // a and b manage the same (interpolated) list and share it; c's says version 2.
        let managed = |name: &str| module(name).effective.dependency_management.clone();
        assert!(Arc::ptr_eq(&managed("g:a"), &managed("g:b")));
        assert!(!Arc::ptr_eq(&managed("g:a"), &managed("g:c")));
        assert_eq!(text(&managed("g:c")[0].version), Some("2"));
    }

    #[test]
    fn an_undefined_expression_in_shared_management_is_reported_for_each_module() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        write(
            root,
            "pom.xml",
            "<project><groupId>g</groupId><artifactId>root</artifactId><version>1</version>\
             <packaging>pom</packaging><modules><module>a</module><module>b</module></modules>\
             <dependencyManagement><dependencies><dependency><groupId>x</groupId>\
             <artifactId>y</artifactId>\
             <version>${nowhere}</version></dependency></dependencies></dependencyManagement>\
             </project>",
        );
        for name in ["a", "b"] {
            write(
                root,
                &format!("{name}/pom.xml"),
                &format!(
                    "<project><parent><groupId>g</groupId><artifactId>root</artifactId>\
                     <version>1</version></parent><artifactId>{name}</artifactId>\
                     <version>${{own.{name}}}</version></project>"
                ),
            );
        }
        let ws = Workspace::load(root, &LoadOptions::default()).unwrap();
        let mut undefined: Vec<(String, String, usize)> = ws
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::UndefinedProperty)
            .map(|f| {
                (
                    f.module.clone().unwrap_or_default(),
                    f.message.clone(),
                    f.line.unwrap_or(0),
                )
            })
            .collect();
        // Modules in name order; each module's findings in the order they were met.
        undefined.sort_by(|x, y| x.0.cmp(&y.0));
        let expected = |module: &str, expr: &str, line: usize| {
            (
                module.to_string(),
                format!("`${{{expr}}}` is not defined; Maven keeps it as written"),
                line,
            )
        };
        // Each module: its own version first, then the root's managed version (line 1 of
        // the root POM), whether its managed list was interpolated or came from the memo.
        assert_eq!(
            undefined,
            [
                expected("g:a", "own.a", 1),
                expected("g:a", "nowhere", 1),
                expected("g:b", "own.b", 1),
                expected("g:b", "nowhere", 1),
                expected("g:root", "nowhere", 1),
            ]
        );
    }

    #[test]
    fn jvm_config_then_maven_opts_give_system_properties() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            ".mvn/jvm.config",
            "-Xmx1g -Duser.language=en\n-Dflag -Dboth=config",
        );
        let props = jvm_system_properties(tmp.path(), "-Dboth=opts -Xss4m").unwrap();
        assert_eq!(props.get("user.language").map(String::as_str), Some("en"));
        assert_eq!(props.get("flag").map(String::as_str), Some(""));
        assert_eq!(props.get("both").map(String::as_str), Some("opts"));
        assert_eq!(props.len(), 3);
    }

    #[test]
    fn settings_profiles_override_properties_and_activate_pom_profiles() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ws");
        write(
            &root,
            "pom.xml",
            "<project><groupId>g</groupId><artifactId>root</artifactId><version>1</version>\
             <packaging>pom</packaging><properties><v>root</v></properties>\
             <modules><module>a</module><module>b</module></modules>\
             <profiles><profile><id>p</id><activation><property><name>flag</name></property></activation>\
             <properties><from-p>yes</from-p></properties></profile></profiles></project>",
        );
        write(
            &root,
            "a/pom.xml",
            "<project><parent><groupId>g</groupId><artifactId>root</artifactId><version>1</version></parent>\
             <artifactId>a</artifactId><properties><v>own</v></properties>\
             <profiles><profile><id>mine</id><activation><activeByDefault>true</activeByDefault></activation>\
             <properties><v>own-profile</v></properties></profile></profiles></project>",
        );
        // Only b has the marker its file-activated settings profile looks for.
        write(
            &root,
            "b/pom.xml",
            "<project><parent><groupId>g</groupId><artifactId>root</artifactId><version>1</version></parent>\
             <artifactId>b</artifactId></project>",
        );
        write(&root, "b/marker", "");
        write(
            tmp.path(),
            "settings.xml",
            "<settings><profiles>\
             <profile><id>s</id><properties><v>settings</v><flag>on</flag></properties></profile>\
             <profile><id>f</id><activation><file><exists>${basedir}/marker</exists></file></activation>\
             <properties><v>file</v></properties></profile>\
             </profiles><activeProfiles><activeProfile>s</activeProfile></activeProfiles></settings>",
        );
        let opts = LoadOptions {
            settings: SettingsFiles {
                user: Some(tmp.path().join("settings.xml")),
                global: None,
            },
            ..Default::default()
        };
        let ws = Workspace::load(&root, &opts).unwrap();
        let prop = |name: &str, key: &str| {
            let m = ws.module(ws.find(name).unwrap());
            m.effective.properties.get(key).map(|v| v.text.clone())
        };
        // After the POM's own profiles, over the POM's and the parent's properties.
        assert_eq!(prop("a", "v").as_deref(), Some("settings"));
        // Activated in each project's own directory, after the listed one.
        assert_eq!(prop("b", "v").as_deref(), Some("file"));
        // The root's profile `p` sees `flag` from the settings profile.
        assert_eq!(prop("root", "from-p").as_deref(), Some("yes"));
        assert_eq!(prop("a", "from-p").as_deref(), Some("yes"));

        // A -D beats the settings property in activation; -P! switches the profile off.
        let mut opts = opts;
        opts.profiles = vec!["!s".into()];
        let ws = Workspace::load(&root, &opts).unwrap();
        let m = ws.module(ws.find("a").unwrap());
        assert_eq!(m.effective.properties["v"].text, "own-profile");
        assert!(!m.effective.properties.contains_key("from-p"));
    }

    fn aggregator(modules: &[&str]) -> String {
        let modules: String = modules
            .iter()
            .map(|m| format!("<module>{m}</module>"))
            .collect();
        format!(
            "<project><groupId>g</groupId><artifactId>x</artifactId><version>1</version><packaging>pom</packaging><modules>{modules}</modules></project>"
        )
    }

    #[test]
    fn the_root_is_the_outermost_aggregator_of_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let top = dir.path();
        write(top, "pom.xml", &aggregator(&["libs"]));
        write(top, "libs/pom.xml", &aggregator(&["core/pom.xml"]));
        write(top, "libs/core/pom.xml", "<project/>");
        write(top, "tools/pom.xml", "<project/>");
        let top = normalize(&std::path::absolute(top).unwrap());
        assert_eq!(
            discover_root(&top.join("libs/core")),
            (top.clone(), RootReason::Aggregator)
        );
        // A project the aggregator leaves out is its own root.
        assert_eq!(
            discover_root(&top.join("tools")),
            (top.join("tools"), RootReason::Start)
        );
    }

    #[test]
    fn the_walk_stops_at_mvn_and_siblings_go_to_the_git_top() {
        let dir = tempfile::tempdir().unwrap();
        let top = normalize(&std::path::absolute(dir.path()).unwrap());
        write(&top, "pom.xml", &aggregator(&["inner"]));
        write(&top, "inner/pom.xml", &aggregator(&["m"]));
        write(&top, "inner/m/pom.xml", "<project/>");
        std::fs::create_dir_all(top.join("inner/.mvn")).unwrap();
        assert_eq!(
            discover_root(&top.join("inner/m")),
            (top.join("inner"), RootReason::Aggregator)
        );
        // Sibling projects (no aggregator) in a Git work tree.
        let siblings = top.join("siblings");
        write(&siblings, "a/pom.xml", "<project/>");
        std::fs::create_dir_all(siblings.join(".git")).unwrap();
        assert_eq!(
            discover_root(&siblings.join("a")),
            (siblings.clone(), RootReason::GitTop)
        );
    }

    #[test]
    fn edit_distance_counts_single_character_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("xc-service-api", "xc-service-api"), 0);
        assert_eq!(edit_distance("xc-servce-api", "xc-service-api"), 1);
    }
}

//! The effective model of a POM, as Maven 3 computes it, without a JVM.
//!
//! For each POM: find its parents (by `relativePath`, checking the raw coordinates as
//! Maven does, else in the local repository); apply each lineage member's active profiles
//! in its own context, then the active profiles of `settings.xml` to the project; inherit top-down; add the super POM's defaults; interpolate with
//! the child's values; make paths absolute; inject `pluginManagement`. The steps that need
//! the other modules (importing BOMs, injecting `dependencyManagement`) are done by the
//! workspace once every module has been through this phase, as Maven's second phase does.

pub mod interpolate;
pub mod merge;
pub mod profiles;

use crate::coords::Gav;
use crate::environment::Environment;
use crate::error::{Error, Finding, FindingKind, PomDiagnostic, Result};
use crate::maven::pom::{
    Dependency, Loc, Model, Profile, Resource, SourceId, Sources, Value, text,
};
use crate::{FastMap, FastSet};
use interpolate::{InterpolationError, Interpolator};
use profiles::ActivationContext;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

/// What the model builder evaluates POMs against: properties, profiles, the local
/// repository for parents outside the workspace.
#[derive(Clone, Debug, Default)]
pub struct ModelContext {
    /// User and system properties and `-P` ids.
    pub activation: ActivationContext,
    /// Where parents and BOMs from outside the workspace are looked up.
    pub local_repository: Option<PathBuf>,
    /// The profiles of `settings.xml`, interpolated: activated for each project in its
    /// own directory and injected into it after its POM's profiles.
    pub external_profiles: Vec<Profile>,
}

impl ModelContext {
    /// A context with this machine's system properties (`java.version` from the JDK Maven
    /// would use, `os.*`, `user.*`, `env.*`) and the given user properties.
    pub fn from_environment(user: BTreeMap<String, String>, env: &Environment) -> Self {
        let mut activation = ActivationContext {
            user,
            system: system_properties(env),
            ..Default::default()
        };
        activation.system.retain(|k, _| !k.is_empty());
        ModelContext {
            activation,
            local_repository: None,
            external_profiles: Vec::new(),
        }
    }

    /// The user properties (`-D` and `.mvn/maven.config`).
    pub fn user_properties(&self) -> &BTreeMap<String, String> {
        &self.activation.user
    }
}

/// System properties as a Maven run in `env` would see them. `java.version` comes from
/// `$JAVA_HOME/release` (or the `java` on `PATH`), without starting a JVM.
pub fn system_properties(env: &Environment) -> BTreeMap<String, String> {
    let mut sys = BTreeMap::new();
    for (k, v) in env.vars() {
        sys.insert(format!("env.{k}"), v.to_string());
    }
    let os_name = match std::env::consts::OS {
        "linux" => "Linux",
        "macos" => "Mac OS X",
        "windows" => "Windows",
        other => other,
    };
    sys.insert("os.name".into(), os_name.into());
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        other => other,
    };
    sys.insert("os.arch".into(), arch.into());
    sys.insert(
        "file.separator".into(),
        std::path::MAIN_SEPARATOR.to_string(),
    );
    sys.insert(
        "path.separator".into(),
        if cfg!(windows) { ";" } else { ":" }.into(),
    );
    sys.insert("line.separator".into(), "\n".into());
    if let Some(home) = env.home() {
        sys.insert("user.home".into(), home.to_string_lossy().into_owned());
    }
    if let Ok(dir) = std::env::current_dir() {
        sys.insert("user.dir".into(), dir.display().to_string());
    }
    if let Some((home, version)) = detect_jdk(env) {
        sys.insert("java.home".into(), home.display().to_string());
        sys.insert("java.version".into(), version);
    }
    sys
}

/// The JDK Maven would run on: `$JAVA_HOME`, else the `java` found on `PATH`; its version
/// from the `release` file.
pub fn detect_jdk(env: &Environment) -> Option<(PathBuf, String)> {
    let home = env
        .java_home()
        .filter(|h| h.join("release").is_file())
        .or_else(|| {
            let java = env.find_program("java")?;
            let real = std::fs::canonicalize(java).ok()?;
            Some(real.parent()?.parent()?.to_path_buf())
        })?;
    let release = std::fs::read_to_string(home.join("release")).ok()?;
    let version = release.lines().find_map(|l| {
        l.strip_prefix("JAVA_VERSION=")
            .map(|v| v.trim().trim_matches('"').to_string())
    })?;
    Some((home, version))
}

/// A POM file as read: where it is, its source id and its raw model.
#[derive(Debug)]
pub struct RawPom {
    /// The POM file.
    pub path: PathBuf,
    /// Its directory (the module's basedir).
    pub dir: PathBuf,
    /// Its text in the [`Sources`] table.
    pub source: SourceId,
    /// The model as written.
    pub model: Model,
    /// Whether it was read from the local repository (a parent or BOM from outside).
    pub in_repository: bool,
}

/// How a module's parent POM was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParentSource {
    /// Through `relativePath` (or its `../pom.xml` default), at this POM.
    Relative(PathBuf),
    /// In the local repository, at this POM.
    Repository(PathBuf),
    /// Nowhere: what the parent contributes is unknown.
    Unresolved,
}

/// A module's `<parent>`, resolved.
#[derive(Clone, Debug)]
pub struct ParentLink {
    /// The parent's coordinates as the child declares them, interpolated as Maven's
    /// effective model has them (what ProjectSorter's parent edge matches).
    pub gav: Gav,
    /// Where its POM was found.
    pub source: ParentSource,
    /// The `<parent>` element.
    pub loc: Loc,
}

/// The result of the first phase for one POM.
#[derive(Debug)]
pub struct BuiltModel {
    /// The POM.
    pub pom: Arc<RawPom>,
    /// Inherited, profile-injected, interpolated, with management of plugins applied.
    pub effective: Model,
    /// The project's coordinates.
    pub gav: Gav,
    /// Its packaging (`jar` by default).
    pub packaging: String,
    /// The ids of this POM's own active profiles.
    pub active_profiles: Vec<String>,
    /// Its parent, if it declares one.
    pub parent: Option<ParentLink>,
    /// Every POM of the lineage, the module's own first.
    pub lineage: Vec<Arc<RawPom>>,
    /// For each POM of [`BuiltModel::lineage`], the indices of its active profiles in
    /// its `<profiles>`, in the order they were injected (what the full effective model
    /// in [`crate::maven::effective`] replays).
    pub lineage_profiles: Vec<Vec<usize>>,
    /// The indices of the active settings profiles in
    /// [`ModelContext::external_profiles`], injected into the project after its own.
    pub external_profiles: Vec<usize>,
    /// What was noticed on the way.
    pub findings: Vec<Finding>,
}

/// Reads POMs (each once, in parallel where it can) and builds their effective models.
pub struct Loader {
    root: PathBuf,
    ctx: ModelContext,
    sources: Mutex<Sources>,
    poms: Mutex<HashMap<PathBuf, Arc<RawPom>>>,
    inherited: Mutex<FastMap<InheritKey, Arc<Inherited>>>,
    managed: Mutex<FastSet<Arc<Vec<Dependency>>>>,
    /// Interpolated managed lists by (uninterpolated list, what its expressions expand to).
    interpolated: Mutex<FastMap<ManagedKey, ManagedEntry>>,
    /// The distinct `${...}` expressions of an uninterpolated managed list.
    expressions: Mutex<FastMap<usize, Expressions>>,
    /// Where each `relativePath` looked at so far leads (a POM file, or nowhere): the
    /// parents of ten thousand modules are looked up once, not once per module.
    relative_paths: Mutex<FastMap<PathBuf, Option<PathBuf>>>,
}

/// A `dependencyManagement` list, shared between models.
type ManagedList = Arc<Vec<Dependency>>;

/// A managed list (kept alive, so its address is not reused) and its expressions.
type Expressions = (ManagedList, Arc<Vec<String>>);

/// Undefined expressions, each with where it was first met.
type Undefined = Vec<(String, Loc)>;

/// An uninterpolated managed list (by address; the entry keeps it alive, so the address
/// is not reused) and the expansion (text, undefined expressions) of each expression in
/// it.
type ManagedKey = (usize, Vec<(String, Vec<String>)>);

/// A managed list interpolated for one [`ManagedKey`].
#[derive(Debug)]
struct ManagedEntry {
    source: Arc<Vec<Dependency>>,
    result: Arc<Vec<Dependency>>,
    /// Undefined expressions in its coordinates, where.
    undefined: Vec<(String, Loc)>,
}

/// What a parent's inherited model depends on besides its POM.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct InheritKey {
    pom: PathBuf,
    /// Only when a profile of the parent's lineage has a file condition.
    project_directory: Option<PathBuf>,
    /// The active settings profiles (indices), which add activation properties.
    external: Vec<usize>,
}

/// A parent's merged model, shared by the modules that inherit from it.
#[derive(Debug)]
struct Inherited {
    model: Model,
    /// The active profiles (indices) of each POM of the lineage from this parent up.
    active: Vec<Vec<usize>>,
    /// Active profiles with an OS version condition (id, where), reported per module.
    os_version: Vec<(String, Loc)>,
}

impl Loader {
    /// A loader for the workspace at `root`.
    pub fn new(root: &Path, ctx: ModelContext) -> Self {
        Self::with_sources(root, ctx, Sources::default())
    }

    /// A loader whose source table already holds texts that `ctx` points into (the
    /// settings files of its external profiles).
    pub fn with_sources(root: &Path, ctx: ModelContext, sources: Sources) -> Self {
        Loader {
            root: root.to_path_buf(),
            ctx,
            sources: Mutex::new(sources),
            poms: Mutex::new(HashMap::new()),
            inherited: Mutex::new(FastMap::default()),
            managed: Mutex::new(FastSet::default()),
            interpolated: Mutex::new(FastMap::default()),
            expressions: Mutex::new(FastMap::default()),
            relative_paths: Mutex::new(FastMap::default()),
        }
    }

    /// The context the models are built in.
    pub fn context(&self) -> &ModelContext {
        &self.ctx
    }

    /// The source texts read so far.
    pub fn sources(&self) -> MutexGuard<'_, Sources> {
        lock(&self.sources)
    }

    /// The ids of the profiles of every POM read so far (modules, parents, BOMs).
    pub fn profile_ids(&self) -> std::collections::BTreeSet<String> {
        lock(&self.poms)
            .values()
            .flat_map(|raw| {
                raw.model
                    .profiles
                    .iter()
                    .map(|p| p.id_or_default().to_string())
            })
            .collect()
    }

    /// Gives up the loader, keeping the source texts for diagnostics.
    pub fn into_sources(self) -> Sources {
        self.sources
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn display_name(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(rel) => rel.to_string_lossy().replace('\\', "/"),
            Err(_) => path.display().to_string(),
        }
    }

    /// Whether diagnostics may quote the file at `path`: only when it really (symlinks
    /// resolved) lies in the workspace or the local repository.
    fn may_quote(&self, path: &Path) -> bool {
        let Ok(real) = std::fs::canonicalize(path) else {
            return false;
        };
        let inside = |dir: &Path| std::fs::canonicalize(dir).is_ok_and(|d| real.starts_with(d));
        inside(&self.root) || self.ctx.local_repository.as_deref().is_some_and(inside)
    }

    fn cached(&self, path: &Path) -> Option<Arc<RawPom>> {
        lock(&self.poms).get(path).cloned()
    }

    /// Reads one POM (once; later calls return the same).
    pub fn read(&self, path: &Path) -> Result<Arc<RawPom>> {
        self.read_as(path, false)
    }

    /// Reads a POM from the local repository (a parent or BOM from outside the workspace:
    /// its own `relativePath` is never followed).
    pub fn read_repository(&self, path: &Path) -> Result<Arc<RawPom>> {
        self.read_as(path, true)
    }

    /// Reads many POMs in parallel, in the given order.
    pub fn read_all(&self, paths: &[PathBuf]) -> Vec<Result<Arc<RawPom>>> {
        paths.par_iter().map(|p| self.read(p)).collect()
    }

    fn read_as(&self, path: &Path, in_repository: bool) -> Result<Arc<RawPom>> {
        let path = normalize(path);
        if let Some(p) = self.cached(&path) {
            return Ok(p);
        }
        let bytes = read_bounded(&path)?;
        let name = self.display_name(&path);
        let (text, encoding_notice): (Arc<str>, Option<String>) =
            match crate::maven::xml::decode_reporting(&bytes) {
                Ok((t, notice)) => (Arc::from(t), notice),
                Err(msg) => {
                    return Err(PomDiagnostic::at(
                        &Sources::default(),
                        "m2fresh::maven::pom::encoding",
                        format!("cannot read {name}: {msg}"),
                        None,
                        "",
                    )
                    .into());
                }
            };
        let source = self.sources().reserve(path.clone(), name.clone());
        self.sources().fill(source, text.clone());
        let model = crate::maven::pom::parse_model(&text, source).map_err(|(msg, span)| {
            if !self.may_quote(&path) {
                // A <module> or <relativePath> can name any file (`/proc/self/environ`,
                // a key): say where it failed, never what it holds.
                let (line, col) = crate::maven::pom::line_col(&text, span.start);
                return Error::from(
                    PomDiagnostic::at(
                        &Sources::default(),
                        "m2fresh::maven::pom::malformed",
                        format!(
                            "{}:{line}:{col} is not a POM m2fresh can read: {msg}",
                            path.display()
                        ),
                        None,
                        "",
                    )
                    .with_help(
                        "the file is outside the workspace and the local repository, so m2fresh \
                         does not show its content; check the <module> or <relativePath> that \
                         leads to it",
                    ),
                );
            }
            let loc = Loc { source, span };
            Error::from(
                PomDiagnostic::at(
                    &self.sources(),
                    "m2fresh::maven::pom::malformed",
                    format!("{name} is not a POM m2fresh can read: {msg}"),
                    Some(&loc),
                    "here",
                )
                .with_help("fix the XML; Maven would refuse this file too"),
            )
        })?;
        let mut model = model;
        if let Some(notice) = encoding_notice {
            model.notices.push((notice, model.loc.clone()));
        }
        let dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        let pom = Arc::new(RawPom {
            path: path.clone(),
            dir,
            source,
            model,
            in_repository,
        });
        Ok(lock(&self.poms).entry(path).or_insert(pom).clone())
    }

    /// The first phase of Maven's model building for one POM, in Maven's steps: the
    /// settings profiles, the lineage merged with its active profiles, the super POM's
    /// defaults, interpolation, paths and plugin management, then the coordinates.
    pub fn build(&self, pom: &Arc<RawPom>) -> Result<BuiltModel> {
        let mut findings = Vec::new();
        for (message, loc) in &pom.model.notices {
            findings.push(Finding::warning(
                &self.sources(),
                FindingKind::XmlNotice,
                None,
                format!("{}: {message}", self.display_name(&pom.path)),
                Some(loc),
            ));
        }
        let (lineage, parent) = self.lineage(pom, &mut findings)?;
        let module_name = module_name(pom);

        // Maven evaluates every lineage member's file conditions in the directory of
        // the project being built; a POM built on its own from the repository has none.
        let project_directory = (!pom.in_repository).then_some(pom.dir.as_path());
        let SettingsProfiles {
            profiles: external,
            activation,
            ids: external_ids,
        } = self.settings_profiles(pom, project_directory)?;
        let assembled = self.assemble(
            pom,
            &lineage,
            project_directory,
            &activation,
            &external,
            &external_ids,
        )?;
        let mut merged = assembled.model;
        for (id, loc) in &assembled.os_version {
            findings.push(Finding::warning(
                &self.sources(),
                FindingKind::ProfileActivation,
                Some(module_name.clone()),
                format!(
                    "profile `{id}` has an OS version condition, which m2fresh does not evaluate"
                ),
                Some(loc),
            ));
        }
        add_super_pom_defaults(&mut merged);
        // Maven's ModelVersionProcessor: CI-friendly user properties overwrite the model's
        // own (the effective model's `<properties>` show the -D value).
        for key in ["revision", "changelist", "sha1"] {
            if let Some(v) = self.ctx.activation.user.get(key) {
                let loc = merged.loc.clone();
                merged.properties.insert(
                    key.to_string(),
                    Value {
                        text: v.clone(),
                        loc,
                    },
                );
            }
        }

        let snapshot = interpolation_view(&merged);
        let interpolator = Interpolator::new(
            &pom.dir,
            &snapshot,
            &self.ctx.activation.user,
            &self.ctx.activation.system,
        );
        let undefined = self.interpolate_model(pom, &mut merged, &interpolator)?;
        let parent = parent.map(|link| interpolate_parent(pom, link, &interpolator));
        for (expr, loc) in undefined {
            findings.push(
                Finding::warning(
                    &self.sources(),
                    FindingKind::UndefinedProperty,
                    Some(module_name.clone()),
                    format!("`${{{expr}}}` is not defined; Maven keeps it as written"),
                    Some(&loc),
                )
                .with_help(format!(
                    "define `{expr}` in <properties>, .mvn/maven.config or with -D{expr}=..."
                )),
            );
        }
        translate_paths(&mut merged, &pom.dir);
        merge::inject_plugin_management(&mut merged.build);

        let gav = self.coordinates(pom, &merged, parent.as_ref())?;
        let packaging = text(&merged.packaging).unwrap_or("jar").to_string();
        Ok(BuiltModel {
            pom: pom.clone(),
            effective: merged,
            gav,
            packaging,
            active_profiles: assembled.active_profiles,
            parent,
            lineage,
            lineage_profiles: assembled.lineage_profiles,
            external_profiles: external_ids,
            findings,
        })
    }

    /// The active settings profiles of a project (none for a POM built from the
    /// repository, as Maven's import request carries no profiles), the activation
    /// context its POM profiles are evaluated in, and the profiles' indices.
    fn settings_profiles<'s>(
        &'s self,
        pom: &RawPom,
        project_directory: Option<&Path>,
    ) -> Result<SettingsProfiles<'s>> {
        // The settings profiles are selected once per project, before its lineage. A BOM
        // imported from the repository is built without them, as Maven's import request
        // carries no profiles.
        let external: Vec<&'s Profile> = if pom.in_repository {
            Vec::new()
        } else {
            let all = &self.ctx.external_profiles;
            profiles::active_external_profiles(all, project_directory, &self.ctx.activation)
                .map_err(|e| {
                    self.activation_error(&all[e.profile], "(external profiles)", &e.message)
                })?
                .into_iter()
                .map(|i| &all[i])
                .collect()
        };
        // Their properties join the user properties that POM profiles are activated
        // against, below the real ones (they do not take part in interpolation as such:
        // they are injected into the model below).
        let activation = if external.is_empty() {
            std::borrow::Cow::Borrowed(&self.ctx.activation)
        } else {
            let mut activation = self.ctx.activation.clone();
            let mut user: BTreeMap<String, String> = external
                .iter()
                .flat_map(|p| &p.properties)
                .map(|(k, v)| (k.clone(), v.text.clone()))
                .collect();
            user.extend(std::mem::take(&mut activation.user));
            activation.user = user;
            std::borrow::Cow::Owned(activation)
        };

        // Each lineage member's profiles are activated in its own context; the parents'
        // part is built once per parent and context (see `Loader::inherited`).
        let external_ids: Vec<usize> = external
            .iter()
            .filter_map(|p| {
                self.ctx
                    .external_profiles
                    .iter()
                    .position(|q| std::ptr::eq(q, *p))
            })
            .collect();
        Ok(SettingsProfiles {
            profiles: external,
            activation,
            ids: external_ids,
        })
    }

    /// The project's model merged with its active profiles, the settings profiles and
    /// what its parents contribute (not yet interpolated).
    fn assemble(
        &self,
        pom: &RawPom,
        lineage: &[Arc<RawPom>],
        project_directory: Option<&Path>,
        activation: &ActivationContext,
        external: &[&Profile],
        external_ids: &[usize],
    ) -> Result<Assembled> {
        let mut os_version: Vec<(String, Loc)> = Vec::new();
        let (mut merged, active_profiles, own_indices) =
            self.prepare_member(pom, true, project_directory, activation, &mut os_version)?;
        let mut lineage_profiles = vec![own_indices];
        // After the project's own profiles, into the project alone: a settings property
        // beats the POM's and every parent's.
        for profile in external {
            merge::inject_profile(&mut merged, profile);
        }
        if lineage.len() > 1 {
            let parent = self.inherited(lineage, 1, project_directory, activation, external_ids)?;
            merge::inherit(&mut merged, &parent.model);
            os_version.extend(parent.os_version.iter().cloned());
            lineage_profiles.extend(parent.active.iter().cloned());
        }
        Ok(Assembled {
            model: merged,
            active_profiles,
            lineage_profiles,
            os_version,
        })
    }

    /// Interpolates the model in place, the managed dependencies once per distinct
    /// outcome (see `Loader::managed`); returns the undefined expressions in coordinates,
    /// each once, in the order one pass over the model would meet them.
    fn interpolate_model(
        &self,
        pom: &RawPom,
        merged: &mut Model,
        interpolator: &Interpolator<'_>,
    ) -> Result<Vec<(String, Loc)>> {
        let mut failure: Option<Error> = None;
        let coordinates = coordinate_locs(merged);
        let mut interpolate_value = |v: &mut Value, undefined: &mut Vec<(String, Loc)>| {
            if failure.is_some() || !v.text.contains("${") {
                return;
            }
            match interpolator.interpolate(&v.text) {
                Ok(r) => {
                    if coordinates.contains(&v.loc) {
                        for u in r.undefined {
                            if !undefined.iter().any(|(e, _)| *e == u) {
                                undefined.push((u, v.loc.clone()));
                            }
                        }
                    }
                    v.text = r.text;
                }
                Err(InterpolationError::Recursion(rec)) => {
                    let first = rec.cycle.first().cloned().unwrap_or_default();
                    failure = Some(
                        PomDiagnostic::at(
                            &self.sources(),
                            "m2fresh::maven::model::recursive-property",
                            format!(
                                "Detected the following recursive expression cycle in '{first}': [{}]",
                                rec.cycle.join(", ")
                            ),
                            Some(&v.loc),
                            "used here",
                        )
                        .with_help("define one of these properties without the others")
                        .into(),
                    );
                }
                Err(InterpolationError::TooLarge { expression }) => {
                    failure = Some(
                        PomDiagnostic::at(
                            &self.sources(),
                            "m2fresh::maven::model::expansion-too-large",
                            format!(
                                "expanding `${{{expression}}}` makes the model of {} larger than {} MiB",
                                self.display_name(&pom.path),
                                interpolate::MAX_EXPANSION >> 20
                            ),
                            Some(&v.loc),
                            "expanded here",
                        )
                        .with_help("properties that repeat other properties grow exponentially; define the values directly")
                        .into(),
                    );
                }
            }
        };
        // The managed list is usually its parent's, shared by many modules, and comes
        // out the same for each module whose expressions in it expand the same: it is
        // interpolated once per such outcome (see `Loader::managed`).
        let managed = std::mem::take(&mut merged.dependency_management);
        let mut undefined: Vec<(String, Loc)> = Vec::new();
        merged.for_each_value_mut(&mut |v: &mut Value| interpolate_value(v, &mut undefined));
        let key = self.management_key(&managed, interpolator);
        let memoized = key.as_ref().and_then(|k| self.managed_hit(k, &managed));
        let managed_undefined = match memoized {
            Some((list, undefined)) => {
                merged.dependency_management = list;
                undefined
            }
            None => {
                let mut list = managed.clone();
                let mut undefined = Vec::new();
                for d in Arc::make_mut(&mut list).iter_mut() {
                    d.for_each_value_mut(&mut |v: &mut Value| interpolate_value(v, &mut undefined));
                }
                self.intern_management(&mut list);
                if failure.is_none()
                    && let Some(key) = key
                {
                    self.managed_store(key, managed, list.clone(), undefined.clone());
                }
                merged.dependency_management = list;
                undefined
            }
        };
        // In the order one pass over the model would have met them: the project's own
        // coordinates, then the managed dependencies, then the rest.
        let own: Vec<&Loc> = [
            &merged.group_id,
            &merged.artifact_id,
            &merged.version,
            &merged.packaging,
        ]
        .into_iter()
        .flatten()
        .map(|v| &v.loc)
        .collect();
        let (head, tail): (Vec<_>, Vec<_>) = undefined
            .into_iter()
            .partition(|(_, loc)| own.contains(&loc));
        let mut undefined: Vec<(String, Loc)> = Vec::new();
        for (expr, loc) in head.into_iter().chain(managed_undefined).chain(tail) {
            if !undefined.iter().any(|(e, _)| *e == expr) {
                undefined.push((expr, loc));
            }
        }
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(undefined)
    }

    /// The project's groupId, artifactId and version, each required: a missing one is
    /// the parent's fault when the parent could not be read.
    fn coordinates(
        &self,
        pom: &RawPom,
        merged: &Model,
        parent: Option<&ParentLink>,
    ) -> Result<Gav> {
        let unresolved_parent = parent.filter(|p| p.source == ParentSource::Unresolved);
        let required = |v: &Option<Value>, what: &str| -> Result<String> {
            match text(v).filter(|t| !t.is_empty()) {
                Some(t) => Ok(t.to_string()),
                None if let Some(ParentLink { gav, loc, .. }) = unresolved_parent => {
                    Err(PomDiagnostic::at(
                        &self.sources(),
                        "m2fresh::maven::model::unresolved-parent",
                        format!(
                            "Non-resolvable parent POM {gav} for {}: not at its relativePath and not in the local repository, and the project needs it for its {what}",
                            self.display_name(&pom.path)
                        ),
                        Some(loc),
                        "this parent",
                    )
                    .with_help("fix <relativePath>, include the parent in the workspace, or install it into the local repository")
                    .into())
                }
                None => Err(PomDiagnostic::at(
                    &self.sources(),
                    "m2fresh::maven::model::missing-coordinate",
                    format!("'{what}' is missing in {}", self.display_name(&pom.path)),
                    Some(&pom.model.loc),
                    "this project",
                )
                .with_help(format!("add <{what}> (or a <parent> to inherit it from)"))
                .into()),
            }
        };
        Ok(Gav::new(
            required(&merged.group_id, "groupId")?,
            required(&merged.artifact_id, "artifactId")?,
            required(&merged.version, "version")?,
        ))
    }

    /// Makes `list` share its storage with an equal list interned before: the modules of
    /// a workspace mostly end up managing the same dependencies, and a managed entry
    /// takes a few hundred bytes (a BOM such as Spring Boot's manages over a thousand).
    pub(crate) fn intern_management(&self, list: &mut Arc<Vec<Dependency>>) {
        let mut interned = lock(&self.managed);
        match interned.get(list) {
            Some(shared) => *list = shared.clone(),
            None => {
                interned.insert(list.clone());
            }
        }
    }

    /// What decides the interpolation of `list` for one module: its identity and what
    /// each of its expressions expands to there. `None` when an expression cannot be
    /// expanded (the full interpolation then reports why).
    fn management_key(
        &self,
        list: &Arc<Vec<Dependency>>,
        interpolator: &Interpolator<'_>,
    ) -> Option<ManagedKey> {
        if list.is_empty() {
            return None;
        }
        let address = Arc::as_ptr(list) as usize;
        let known = lock(&self.expressions)
            .get(&address)
            .filter(|(source, _)| Arc::ptr_eq(source, list))
            .map(|(_, exprs)| exprs.clone());
        let exprs = match known {
            Some(exprs) => exprs,
            None => {
                let mut exprs: Vec<String> = Vec::new();
                let mut collect = |v: &mut Value| {
                    for expr in interpolate::expressions(&v.text) {
                        if !exprs.iter().any(|e| e == expr) {
                            exprs.push(expr.to_string());
                        }
                    }
                };
                // Values are only read: a scratch copy of one entry at a time.
                for d in list.iter() {
                    d.clone().for_each_value_mut(&mut collect);
                }
                let exprs = Arc::new(exprs);
                lock(&self.expressions).insert(address, (list.clone(), exprs.clone()));
                exprs
            }
        };
        let expansions = exprs
            .iter()
            .map(|e| {
                interpolator
                    .interpolate(&format!("${{{e}}}"))
                    .ok()
                    .map(|r| (r.text, r.undefined))
            })
            .collect::<Option<Vec<_>>>()?;
        Some((address, expansions))
    }

    fn managed_hit(
        &self,
        key: &ManagedKey,
        list: &Arc<Vec<Dependency>>,
    ) -> Option<(ManagedList, Undefined)> {
        lock(&self.interpolated)
            .get(key)
            .filter(|e| Arc::ptr_eq(&e.source, list))
            .map(|e| (e.result.clone(), e.undefined.clone()))
    }

    fn managed_store(
        &self,
        key: ManagedKey,
        source: Arc<Vec<Dependency>>,
        result: Arc<Vec<Dependency>>,
        undefined: Vec<(String, Loc)>,
    ) {
        lock(&self.interpolated).insert(
            key,
            ManagedEntry {
                source,
                result,
                undefined,
            },
        );
    }

    /// Maven's error for a profile whose activation it cannot evaluate.
    fn activation_error(&self, profile: &Profile, of: &str, message: &str) -> Error {
        let at = profile
            .activation
            .as_ref()
            .and_then(|a| a.jdk.as_ref())
            .map_or(&profile.loc, |v| &v.loc);
        Error::from(
            PomDiagnostic::at(
                &self.sources(),
                "m2fresh::maven::model::profile-activation",
                format!(
                    "Failed to determine activation for profile {} of {of}: {message}",
                    profile.id_or_default(),
                ),
                Some(at),
                "Maven cannot evaluate this",
            )
            .with_help(
                "write each bound of a JDK range as numbers and dots, such as [17,18), or a prefix such as 17",
            ),
        )
    }

    /// One lineage member as it enters inheritance: duplicates merged, its active profiles
    /// injected (the module's own `<modules>` kept, a parent's dropped). Returns the ids of
    /// the active profiles; profiles with an OS version condition go to `os_version`.
    fn prepare_member(
        &self,
        member: &RawPom,
        own: bool,
        project_directory: Option<&Path>,
        activation: &profiles::ActivationContext,
        os_version: &mut Vec<(String, Loc)>,
    ) -> Result<(Model, Vec<String>, Vec<usize>)> {
        let mut m = member.model.clone();
        if !own {
            // Never inherited (and read-time notices are the parent's own). A parent is
            // prepared once for all the modules below it (`Loader::inherited`).
            m.modules.clear();
            m.notices.clear();
        }
        merge::merge_duplicates(&mut m);
        let active = profiles::active_profiles(&m, project_directory, activation).map_err(|e| {
            self.activation_error(
                &m.profiles[e.profile],
                &self.display_name(&member.path),
                &e.message,
            )
        })?;
        let mut ids = Vec::with_capacity(active.len());
        for &p in &active {
            let profile = m.profiles[p].clone();
            if profiles::has_os_version_condition(&profile) {
                os_version.push((profile.id_or_default().to_string(), profile.loc.clone()));
            }
            merge::inject_profile(&mut m, &profile);
            ids.push(profile.id_or_default().to_string());
        }
        Ok((m, ids, active))
    }

    /// The merged model of `lineage[index..]` (a parent and its own parents, profiles
    /// applied, not yet interpolated), built once per parent POM and context and shared
    /// by every module below it: what a parent contributes depends only on its own
    /// lineage, the activation context (which settings profiles are active) and, when a
    /// profile in that lineage has a file condition, the directory of the project being
    /// built.
    fn inherited(
        &self,
        lineage: &[Arc<RawPom>],
        index: usize,
        project_directory: Option<&Path>,
        activation: &profiles::ActivationContext,
        external: &[usize],
    ) -> Result<Arc<Inherited>> {
        let by_directory = lineage[index..]
            .iter()
            .any(|m| profiles::has_file_condition(&m.model));
        let key = InheritKey {
            pom: lineage[index].path.clone(),
            project_directory: project_directory
                .filter(|_| by_directory)
                .map(Path::to_path_buf),
            external: external.to_vec(),
        };
        if let Some(hit) = lock(&self.inherited).get(&key).cloned() {
            return Ok(hit);
        }
        let mut os_version = Vec::new();
        let (mut model, _, own) = self.prepare_member(
            &lineage[index],
            false,
            project_directory,
            activation,
            &mut os_version,
        )?;
        let mut active = vec![own];
        if index + 1 < lineage.len() {
            let up = self.inherited(lineage, index + 1, project_directory, activation, external)?;
            merge::inherit(&mut model, &up.model);
            os_version.extend(up.os_version.iter().cloned());
            active.extend(up.active.iter().cloned());
        }
        let built = Arc::new(Inherited {
            model,
            active,
            os_version,
        });
        Ok(lock(&self.inherited).entry(key).or_insert(built).clone())
    }

    /// The POM's lineage, itself first, following `relativePath` then the repository.
    fn lineage(
        &self,
        pom: &Arc<RawPom>,
        findings: &mut Vec<Finding>,
    ) -> Result<(Vec<Arc<RawPom>>, Option<ParentLink>)> {
        let mut lineage = vec![pom.clone()];
        let mut first_link = None;
        let mut current = pom.clone();
        while let Some(parent) = &current.model.parent {
            let (link, found) = self.resolve_parent(&current, parent, findings)?;
            if lineage.len() == 1 {
                first_link = Some(link);
            }
            let Some(found) = found else { break };
            if lineage.iter().any(|p| p.path == found.path) {
                return Err(self.parent_cycle(&lineage, &found));
            }
            lineage.push(found.clone());
            current = found;
        }
        Ok((lineage, first_link))
    }

    fn parent_cycle(&self, lineage: &[Arc<RawPom>], again: &Arc<RawPom>) -> Error {
        let sources = self.sources();
        let names: Vec<String> = lineage
            .iter()
            .map(|p| self.display_name(&p.path))
            .chain(std::iter::once(self.display_name(&again.path)))
            .collect();
        let mut d = PomDiagnostic::at(
            &sources,
            "m2fresh::maven::model::parent-cycle",
            format!("the parents form a cycle: {}", names.join(" -> ")),
            lineage[0].model.parent.as_ref().map(|p| &p.loc),
            "this parent",
        )
        .with_help("a POM cannot inherit from itself, directly or through other POMs");
        for p in lineage.iter().skip(1) {
            d = d.with_related(PomDiagnostic::at(
                &sources,
                "m2fresh::maven::model::parent-cycle",
                format!("{} declares its parent here", self.display_name(&p.path)),
                p.model.parent.as_ref().map(|p| &p.loc),
                "parent",
            ));
        }
        d.into()
    }

    /// The POM a parent's `relativePath` leads to (a directory's `pom.xml`), if any.
    fn relative_path(&self, candidate: PathBuf) -> Option<PathBuf> {
        if let Some(known) = lock(&self.relative_paths).get(&candidate) {
            return known.clone();
        }
        let mut file = candidate.clone();
        if file.is_dir() {
            file = file.join("pom.xml");
        }
        let found = file.is_file().then_some(file);
        lock(&self.relative_paths).insert(candidate, found.clone());
        found
    }

    fn resolve_parent(
        &self,
        child: &RawPom,
        parent: &crate::maven::pom::Parent,
        findings: &mut Vec<Finding>,
    ) -> Result<(ParentLink, Option<Arc<RawPom>>)> {
        let missing = |what: &str| -> Error {
            PomDiagnostic::at(
                &self.sources(),
                "m2fresh::maven::model::parent",
                format!(
                    "'parent.{what}' is missing in {}",
                    self.display_name(&child.path)
                ),
                Some(&parent.loc),
                "this parent",
            )
            .into()
        };
        let g = text(&parent.group_id).ok_or_else(|| missing("groupId"))?;
        let a = text(&parent.artifact_id).ok_or_else(|| missing("artifactId"))?;
        let v = text(&parent.version).ok_or_else(|| missing("version"))?;
        let declared = format!("{g}:{a}:{v}");
        let link = |source| ParentLink {
            gav: Gav::new(g, a, self.interpolate_user(v)),
            source,
            loc: parent.loc.clone(),
        };

        let relative = match &parent.relative_path {
            None => Some("../pom.xml"),
            Some(rp) if rp.text.is_empty() => None,
            Some(rp) => Some(rp.text.as_str()),
        };
        if let (false, Some(rel)) = (child.in_repository, relative)
            && let Some(candidate) = self.relative_path(child.dir.join(rel.replace('\\', "/")))
        {
            let found = self.read(&candidate)?;
            let m = &found.model;
            let inherited =
                |own: &Option<Value>,
                 from_parent: fn(&crate::maven::pom::Parent) -> &Option<Value>| {
                    text(own)
                        .or_else(|| m.parent.as_ref().and_then(|p| text(from_parent(p))))
                        .unwrap_or("")
                        .to_string()
                };
            let cg = inherited(&m.group_id, |p| &p.group_id);
            let ca = text(&m.artifact_id).unwrap_or("").to_string();
            let cv = inherited(&m.version, |p| &p.version);
            if cg == g && ca == a && cv == v {
                return Ok((
                    link(ParentSource::Relative(found.path.clone())),
                    Some(found),
                ));
            }
            // Maven's wording: "'parent.relativePath' of POM x points at y instead of z".
            let loc = parent
                .relative_path
                .as_ref()
                .map_or(&parent.loc, |rp| &rp.loc);
            findings.push(
                    Finding::warning(
                        &self.sources(),
                        FindingKind::RelativePathMismatch,
                        None,
                        format!(
                            "'parent.relativePath' of POM {} points at {cg}:{ca}:{cv} ({}) instead of {declared}; Maven takes the parent from the repository",
                            self.display_name(&child.path),
                            self.display_name(&found.path)
                        ),
                        Some(loc),
                    )
                    .with_help("point <relativePath> at the parent's POM, or write <relativePath/> if the parent lives only in a repository"),
                );
        }
        let version = self.interpolate_user(v);
        if let Some(repo) = &self.ctx.local_repository {
            let path = repo
                .join(g.replace('.', "/"))
                .join(a)
                .join(&version)
                .join(format!("{a}-{version}.pom"));
            if path.is_file() {
                let found = self.read_as(&path, true)?;
                return Ok((
                    link(ParentSource::Repository(found.path.clone())),
                    Some(found),
                ));
            }
        }
        findings.push(
            Finding::warning(
                &self.sources(),
                FindingKind::UnresolvedParent,
                None,
                format!(
                    "the parent {declared} of {} is neither at its relativePath nor in the local repository; what it contributes (properties, managed versions, plugins) is unknown",
                    self.display_name(&child.path)
                ),
                Some(&parent.loc),
            )
            .with_help(format!(
                "Maven downloads it from the repositories when it builds (if that fails, check the \
                 network and the mirrors and repositories of settings.xml); to get it now: `mvn \
                 dependency:get -Dartifact={}:pom`; if it is a project of yours, include it \
                 in the workspace or fix its relativePath",
                declared
            )),
        );
        Ok((link(ParentSource::Unresolved), None))
    }

    /// Interpolates a parent version with user properties only, as Maven 3.5+ does for
    /// CI-friendly `${revision}` parents.
    fn interpolate_user(&self, v: &str) -> String {
        if !v.contains("${") {
            return v.to_string();
        }
        let mut out = v.to_string();
        for (k, val) in &self.ctx.activation.user {
            out = out.replace(&format!("${{{k}}}"), val);
        }
        out
    }
}

/// Locks a memo, whose content stays valid even if a thread panicked while holding it.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the interpolator reads of a merged model (its properties and the fields that
/// `${project.*}` names), without the lists it never reads.
fn interpolation_view(m: &Model) -> Model {
    Model {
        loc: m.loc.clone(),
        group_id: m.group_id.clone(),
        artifact_id: m.artifact_id.clone(),
        version: m.version.clone(),
        packaging: m.packaging.clone(),
        name: m.name.clone(),
        prerequisites_maven: m.prerequisites_maven.clone(),
        parent: m.parent.clone(),
        properties: m.properties.clone(),
        dependency_management: Default::default(),
        dependencies: Vec::new(),
        modules: Vec::new(),
        build: crate::maven::pom::Build {
            source_directory: m.build.source_directory.clone(),
            directory: m.build.directory.clone(),
            output_directory: m.build.output_directory.clone(),
            final_name: m.build.final_name.clone(),
            ..Default::default()
        },
        profiles: Vec::new(),
        notices: Vec::new(),
    }
}

/// Locations of the values whose undefined expressions deserve a warning: coordinates and
/// module paths. Plugin configuration is full of expressions that plugins resolve at run
/// time (`${argLine}`, `${session.*}`), and warning about those would be noise. Only
/// values that hold an expression are listed.
fn coordinate_locs(m: &Model) -> FastSet<Loc> {
    let mut set = FastSet::default();
    let mut add = |v: &Option<Value>| {
        if let Some(v) = v.as_ref().filter(|v| v.text.contains("${")) {
            set.insert(v.loc.clone());
        }
    };
    add(&m.group_id);
    add(&m.artifact_id);
    add(&m.version);
    add(&m.packaging);
    for d in m.dependencies.iter().chain(m.dependency_management.iter()) {
        add(&d.group_id);
        add(&d.artifact_id);
        add(&d.version);
    }
    for p in m.build.plugins.iter().chain(&m.build.plugin_management) {
        add(&p.group_id);
        add(&p.artifact_id);
        add(&p.version);
    }
    for e in &m.build.extensions {
        add(&e.group_id);
        add(&e.artifact_id);
        add(&e.version);
    }
    for v in m.modules.iter().filter(|v| v.text.contains("${")) {
        set.insert(v.loc.clone());
    }
    set
}

/// The super POM's defaults that m2fresh relies on.
fn add_super_pom_defaults(m: &mut Model) {
    let at = |text: &str| Value {
        text: text.to_string(),
        loc: m.loc.clone(),
    };
    let b = &mut m.build;
    if b.directory.is_none() {
        b.directory = Some(at("${project.basedir}/target"));
    }
    if b.output_directory.is_none() {
        b.output_directory = Some(at("${project.build.directory}/classes"));
    }
    if b.source_directory.is_none() {
        b.source_directory = Some(at("${project.basedir}/src/main/java"));
    }
    if b.final_name.is_none() {
        b.final_name = Some(at("${project.artifactId}-${project.version}"));
    }
    if b.resources.is_empty() {
        b.resources.push(Resource {
            loc: m.loc.clone(),
            directory: Some(at("${project.basedir}/src/main/resources")),
            target_path: None,
            filtering: None,
            includes: Vec::new(),
            excludes: Vec::new(),
        });
    }
}

/// Maven's path translation: build directories relative to the module become absolute.
fn translate_paths(m: &mut Model, basedir: &Path) {
    let fix = |v: &mut Option<Value>| {
        if let Some(v) = v {
            let p = Path::new(&v.text);
            if !v.text.is_empty() && !p.is_absolute() {
                v.text = basedir.join(p).display().to_string();
            }
        }
    };
    fix(&mut m.build.directory);
    fix(&mut m.build.output_directory);
    fix(&mut m.build.source_directory);
    for r in &mut m.build.resources {
        fix(&mut r.directory);
    }
    for f in &mut m.build.filters {
        let mut v = Some(f.clone());
        fix(&mut v);
        if let Some(v) = v {
            *f = v;
        }
    }
}

/// The largest POM m2fresh reads. Real POMs stay under a megabyte (the largest BOMs of
/// Maven Central are a few hundred kilobytes); a bigger file is refused up front rather
/// than read, parsed and diagnosed at length.
pub const MAX_POM_BYTES: u64 = 8 << 20;

/// Reads a POM file, refusing one larger than [`MAX_POM_BYTES`] without reading it all.
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io("cannot read", path, e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io("cannot read", path, e))?
        .len();
    // A file of size 0 is empty, and is not read: files of /proc and /sys say 0 and
    // produce content (`/proc/self/environ`), or block forever (`/proc/kmsg`).
    if len == 0 {
        return Ok(Vec::new());
    }
    let mut bytes = Vec::new();
    file.take(MAX_POM_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io("cannot read", path, e))?;
    if bytes.len() as u64 > MAX_POM_BYTES {
        return Err(PomDiagnostic::at(
            &Sources::default(),
            "m2fresh::maven::pom::too-large",
            format!(
                "{} is larger than {} MiB; m2fresh does not read POMs that large",
                path.display(),
                MAX_POM_BYTES >> 20
            ),
            None,
            "",
        )
        .with_help("real POMs are far smaller: is this file generated, or not a POM at all?")
        .into());
    }
    Ok(bytes)
}

/// Normalizes `.` and `..` components without touching the file system (Maven uses
/// `URI.normalize()`, which does the same; symlinks are not resolved).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            // `/..` is `/`; a leading `..` of a relative path is kept, never popped.
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The parent link with its coordinates interpolated. Maven's interpolation visits
/// `<parent>` too (DefaultModelBuilder then runs the version once more through user,
/// model and system properties), and ProjectSorter's parent edge uses those interpolated
/// coordinates: a `${revision}` parent is a parent edge only once `revision` resolves,
/// from any property source.
fn interpolate_parent(
    pom: &RawPom,
    mut link: ParentLink,
    interpolator: &Interpolator<'_>,
) -> ParentLink {
    if let Some(declared) = &pom.model.parent {
        let resolved = |v: &Option<Value>, fallback: &mut String| {
            if let Some(t) = text(v).filter(|t| t.contains("${"))
                && let Ok(r) = interpolator.interpolate(t)
            {
                *fallback = r.text;
            }
        };
        resolved(&declared.group_id, &mut link.gav.group_id);
        resolved(&declared.artifact_id, &mut link.gav.artifact_id);
        resolved(&declared.version, &mut link.gav.version);
    }
    link
}

/// `groupId:artifactId` as written (the parent's groupId when the POM has none), for
/// findings about a module whose coordinates may not resolve.
fn module_name(pom: &RawPom) -> String {
    format!(
        "{}:{}",
        text(&pom.model.group_id)
            .or_else(|| pom.model.parent.as_ref().and_then(|p| text(&p.group_id)))
            .unwrap_or("?"),
        text(&pom.model.artifact_id).unwrap_or("?")
    )
}

/// The settings profiles active for a project.
struct SettingsProfiles<'s> {
    /// The profiles, in settings order.
    profiles: Vec<&'s Profile>,
    /// The activation context of its POM profiles: the user properties joined by the
    /// settings profiles' properties (below the real ones).
    activation: std::borrow::Cow<'s, ActivationContext>,
    /// Their indices in [`ModelContext::external_profiles`].
    ids: Vec<usize>,
}

/// A project's model merged with its lineage, before interpolation.
struct Assembled {
    model: Model,
    /// The project's own active profiles, by id.
    active_profiles: Vec<String>,
    /// For each lineage member, the indices of its active profiles.
    lineage_profiles: Vec<Vec<usize>>,
    /// Profiles with an OS version condition (not evaluated), by id and place.
    os_version: Vec<(String, Loc)>,
}

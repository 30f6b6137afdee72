//! Maven's model building (`DefaultModelBuilder`), replayed on the full model of one
//! module with the decisions the typed loader already made: its lineage (parents by
//! `relativePath` or from the local repository), each lineage member's active profiles,
//! the active settings profiles, the property sources, the BOMs imported.
//!
//! Phase one: each lineage member (its raw POM, duplicates merged, its active profiles
//! injected; the project also gets the settings profiles), then the super POM, inherited
//! top-down; the project's model interpolated; URLs normalized. Phase two: paths aligned
//! to the project's directory, plugin management injected, the packaging's lifecycle
//! bindings injected, BOMs imported, dependency management injected, default values,
//! report configuration expanded and converted to the site plugin, plugin configuration
//! expanded into executions.

use super::merge::{self, Ctx, Merger};
use super::runtime::MavenRuntime;
use super::schema::Class;
use super::{Node, read};
use crate::error::{Error, PomDiagnostic, Result};
use crate::maven::model::interpolate::{InterpolationError, Interpolator};
use crate::maven::model::normalize;
use crate::maven::pom::{self, Loc, SourceId, Sources, Value};
use crate::maven::workspace::{Module, Workspace};
use crate::maven::xml::{self, Element};
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// The model-base fields a profile brings into a model.
const PROFILE_FIELDS: &[&str] = &[
    "distributionManagement",
    "modules",
    "repositories",
    "pluginRepositories",
    "dependencies",
    "reporting",
    "dependencyManagement",
    "properties",
];

/// What building one module needs besides the module.
pub struct Inputs<'a> {
    /// The workspace (sources, properties, settings profiles).
    pub workspace: &'a Workspace,
    /// The Maven version's super POM and bindings.
    pub runtime: &'a MavenRuntime,
    /// The super POM, read.
    pub super_pom: &'a Node,
    /// The super POM's active profiles (indices).
    pub super_profiles: &'a [usize],
    /// Where lifecycle bindings say they come from.
    pub bindings: &'a Loc,
    /// Where the reporting converter's additions say they come from.
    pub converter: &'a Loc,
    /// The system properties of a Maven run (the workspace's, with `maven.version` and
    /// `maven.home` of this Maven).
    pub system: &'a BTreeMap<String, String>,
    /// Each POM's tree as read, shared between the modules that inherit from it.
    pub read_cache: &'a Mutex<HashMap<SourceId, Arc<ReadPom>>>,
    /// The inherited lineages above modules, shared between the modules below them.
    pub inherited: &'a InheritedCache,
    /// The build's start time for `${maven.build.timestamp}`; `None` keeps the expression
    /// as written (what the fingerprint wants: the same model on every run).
    pub timestamp: Option<std::time::SystemTime>,
}

/// The parents' part of models, shared: the lineage above a module (its parents, each
/// with the profiles active for it, then the super POM) inherited top-down, by that
/// lineage. Modules of one parent share it, so each merges one parent, not the chain.
pub type InheritedCache = Mutex<HashMap<Lineage, Arc<Node>>>;

/// A lineage above a module: each parent POM with the indices of its active profiles.
pub type Lineage = Vec<(SourceId, Vec<usize>)>;

/// Builds the full effective model of `module` (not yet rendered). Notes (an unknown
/// packaging) go to `notes`.
pub fn build(inputs: &Inputs<'_>, module: &Module, notes: &mut Vec<String>) -> Result<Node> {
    let ws = inputs.workspace;
    let mut model = match module.lineage_poms.first() {
        Some(raw) => {
            // The project's own tree is taken, not copied, unless it is a parent too.
            let tree = Arc::try_unwrap(read_member(inputs, raw.source, false)?)
                .map_or_else(|shared| shared.tree.clone(), |own| own.tree);
            let mut leaf = member(inputs, module, 0, tree);
            let parent = inherited(inputs, module)?;
            // The project's path adjustment below its parent (none below the super POM).
            let adjustment = match module.lineage_poms.get(1) {
                Some(up) => read_member(inputs, up.source, true)?
                    .modules
                    .adjustment(&leaf, active(module, 1)),
                None => String::new(),
            };
            inherit(&mut leaf, &parent, adjustment);
            leaf
        }
        None => super_member(inputs),
    };

    if let Some(at) = inputs.timestamp {
        let format = model.text_at("properties/maven.build.timestamp.format");
        match build_timestamp(format, at) {
            Some(stamp) => walk_texts(&mut model, &mut |t: &mut String| {
                if t.contains("${maven.build.timestamp}") {
                    *t = t.replace("${maven.build.timestamp}", &stamp);
                }
            }),
            None => notes.push(format!(
                "{}: maven.build.timestamp.format `{}` uses letters m2fresh does not format; \
                 ${{maven.build.timestamp}} is kept as written",
                module.key(),
                format.unwrap_or("")
            )),
        }
    }
    interpolate(&mut model, module, ws, inputs.system)?;
    normalize_urls(&mut model);
    align_paths(&mut model, &module.dir);
    merge::inject_plugin_management(&mut model);
    let packaging = model.text_at("packaging").unwrap_or("jar").to_string();
    match inputs
        .runtime
        .default_plugins_at(&packaging, Some(inputs.bindings))
    {
        Some(plugins) => merge::inject_lifecycle(&mut model, &plugins),
        None => notes.push(format!(
            "{}: packaging `{packaging}` has no default lifecycle bindings in Maven {} (a \
             build extension must define it); none were added",
            module.key(),
            inputs.runtime.version
        )),
    }
    note_extensions(&model, module, notes);
    import_boms(&mut model, module, notes);
    merge::inject_dependency_management(&mut model);
    default_scopes(&mut model);
    expand_report_configuration(&mut model);
    convert_reporting(&mut model, inputs.converter);
    merge::expand_plugin_configuration(&mut model);
    Ok(model)
}

/// Reads a POM of the source table as a model tree.
pub fn read_pom(sources: &Sources, source: SourceId) -> Result<Node> {
    let text = sources
        .get(source)
        .map(|f| f.text.clone())
        .unwrap_or_else(|| "".into());
    let root = xml::parse(&text).map_err(|e| {
        Error::from(PomDiagnostic::at(
            sources,
            "m2fresh::maven::effective::malformed",
            format!(
                "{} is not a POM m2fresh can read: {}",
                sources.name(source),
                e.message
            ),
            Some(&Loc {
                source,
                span: e.span,
            }),
            "here",
        ))
    })?;
    Ok(read::object(&root, Class::Model, source))
}

/// `ProfileActivationFilePathInterpolator`: a profile's `<file>` condition (`exists`,
/// else `missing`) is kept interpolated (`${basedir}`, the POM's own properties, user and
/// system properties) and aligned to the project's directory.
fn interpolate_file_activations(model: &mut Node, basedir: &Path, ws: &Workspace) {
    let own: BTreeMap<String, String> = model
        .child("properties")
        .map(|p| {
            p.children
                .iter()
                .map(|c| (c.name.clone(), c.text.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let a = &ws.context.activation;
    let lookup = |name: &str| -> Option<String> {
        if name == "basedir" {
            return Some(basedir.display().to_string());
        }
        own.get(name)
            .or_else(|| a.user.get(name))
            .or_else(|| a.system.get(name))
            .cloned()
    };
    use crate::maven::model::interpolate::{OnCycle, expand_simple};
    let Some(profiles) = model.child_mut("profiles") else {
        return;
    };
    for p in &mut profiles.children {
        let Some(file) = p.child_mut("activation").and_then(|a| a.child_mut("file")) else {
            continue;
        };
        let exists = file.text_at("exists").is_some_and(|t| !t.is_empty());
        let name = if exists { "exists" } else { "missing" };
        if let Some(n) = file.child_mut(name)
            && let Some(t) = n.text.as_mut().filter(|t| !t.is_empty())
            && let Ok(v) = expand_simple(t, &lookup, OnCycle::KeepLiteral)
        {
            *t = align_path(&v, basedir);
        }
    }
}

fn inject_profiles(model: &mut Node, active: &[usize]) {
    let profiles: Vec<Node> = active
        .iter()
        .filter_map(|&i| model.child("profiles")?.children.get(i).cloned())
        .collect();
    for p in &profiles {
        inject_profile(model, p);
    }
}

/// `DefaultProfileInjector`: the profile's model-base fields, then its build.
fn inject_profile(model: &mut Node, profile: &Node) {
    let cx = Ctx::new(Merger::Profile, true);
    merge::merge_only(model, profile, Class::Model, PROFILE_FIELDS, &cx);
    if let Some(build) = profile.child("build") {
        let target = model.child_or_insert("build");
        merge::merge(target, build, Class::BuildBase, &cx);
    }
}

/// An active settings profile as a model profile (`SettingsUtils.convertFromSettingsProfile`:
/// id, activation, properties, repositories), its values interpolated with the user and
/// system properties as the settings builder does.
fn settings_profile(ws: &Workspace, index: usize) -> Option<Node> {
    let profile = ws.context.external_profiles.get(index)?;
    let text = ws.sources.get(profile.loc.source)?.text.clone();
    let root = xml::parse(&text).ok()?;
    let element = find_by_span(&root, &profile.loc.span)?;
    let mut node = read::object(element, Class::Profile, profile.loc.source);
    node.children.retain(|c| {
        matches!(
            c.name.as_str(),
            "id" | "activation" | "properties" | "repositories" | "pluginRepositories"
        )
    });
    let a = &ws.context.activation;
    let lookup = |name: &str| a.user.get(name).or_else(|| a.system.get(name)).cloned();
    use crate::maven::model::interpolate::{OnCycle, expand_simple};
    walk_texts(&mut node, &mut |t: &mut String| {
        if t.contains("${")
            && let Ok(v) = expand_simple(t, &lookup, OnCycle::KeepLiteral)
        {
            *t = v;
        }
    });
    Some(node)
}

fn find_by_span<'a>(el: &'a Element, span: &std::ops::Range<usize>) -> Option<&'a Element> {
    if el.span == *span {
        return Some(el);
    }
    el.children.iter().find_map(|c| find_by_span(c, span))
}

/// Every text value and DOM attribute of a tree.
fn walk_texts(node: &mut Node, f: &mut dyn FnMut(&mut String)) {
    if let Some(t) = &mut node.text {
        f(t);
    }
    for (_, v) in &mut node.attrs {
        f(v);
    }
    for c in &mut node.children {
        walk_texts(c, f);
    }
}

/// `DefaultModelBuilder.assembleInheritance`: from the super POM down, each member
/// inherits its parent. `members` is the lineage, the project first, the super POM last.
/// `adjustments[i]` is the path adjustment of `members[i]` below `members[i + 1]`.
fn assemble(mut members: Vec<Node>, mut adjustments: Vec<String>) -> Node {
    while members.len() > 1 {
        let adjustment = adjustments.pop().unwrap_or_default();
        let parent = members.pop().unwrap_or_else(|| Node::new("project"));
        let Some(child) = members.last_mut() else {
            return parent;
        };
        inherit(child, &parent, adjustment);
    }
    members.pop().unwrap_or_else(|| Node::new("project"))
}

/// `DefaultInheritanceAssembler`: `parent` (already inherited from its own parents)
/// into `child`, with the child's path adjustment below the parent.
fn inherit(child: &mut Node, parent: &Node, adjustment: String) {
    let artifact_id = child.text_at("artifactId").unwrap_or("").to_string();
    let directory = child
        .child("properties")
        .and_then(|p| p.child("project.directory"))
        .and_then(|d| d.text.clone())
        .unwrap_or_else(|| artifact_id.clone());
    let cx = Ctx {
        merger: Merger::Inheritance,
        dominant: false,
        path_adjustment: Some(adjustment),
        child_directory: Some(directory),
    };
    merge::merge(child, parent, Class::Model, &cx);
}

/// The profiles active for lineage member `i` of `module` (0: the project).
fn active(module: &Module, i: usize) -> &[usize] {
    module
        .lineage_profiles
        .get(i)
        .map_or(&[][..], Vec::as_slice)
}

/// A POM of the lineage as read. A parent's is kept for the modules below it; a
/// project's own is not (ten thousand modules' trees would stay in memory for nothing).
fn read_member(inputs: &Inputs<'_>, source: SourceId, keep: bool) -> Result<Arc<ReadPom>> {
    if let Some(read) = cached(inputs.read_cache, &source) {
        return Ok(read);
    }
    let read = Arc::new(ReadPom::new(read_pom(&inputs.workspace.sources, source)?));
    if keep {
        remember(inputs.read_cache, source, read.clone());
    }
    Ok(read)
}

/// What `cache` holds for `key` (a lock poisoned by a panicking thread is read anyway:
/// what it holds was complete when it was put there).
fn cached<K: Eq + Hash, V: Clone>(cache: &Mutex<HashMap<K, V>>, key: &K) -> Option<V> {
    let cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    cache.get(key).cloned()
}

fn remember<K: Eq + Hash, V>(cache: &Mutex<HashMap<K, V>>, key: K, value: V) {
    let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
    cache.insert(key, value);
}

/// Lineage member `i` of `module`, before inheritance: its POM's tree `node` (a parent's
/// given without its modules: they are not inherited, and a root listing ten thousand
/// modules would otherwise be copied for each of them), its active profiles injected; the
/// project also gets its file activations interpolated and the active settings profiles.
fn member(inputs: &Inputs<'_>, module: &Module, i: usize, mut node: Node) -> Node {
    let ws = inputs.workspace;
    merge::merge_duplicates(&mut node);
    if i == 0 {
        interpolate_file_activations(&mut node, &module.dir, ws);
    }
    inject_profiles(&mut node, active(module, i));
    if i == 0 {
        for &j in &module.external_profiles {
            if let Some(profile) = settings_profile(ws, j) {
                inject_profile(&mut node, &profile);
            }
        }
    }
    node
}

/// The super POM with its active profiles.
fn super_member(inputs: &Inputs<'_>) -> Node {
    let mut super_pom = inputs.super_pom.clone();
    inject_profiles(&mut super_pom, inputs.super_profiles);
    super_pom
}

/// The lineage above `module` inherited top-down (the super POM alone for a module
/// without parents), shared through [`Inputs::inherited`]. What it is made of depends
/// only on the parents' POMs and the profiles active for each, the key: the URL path
/// adjustments among the parents come from the parents' own `<modules>`, and file
/// activations are interpolated in the project only.
fn inherited(inputs: &Inputs<'_>, module: &Module) -> Result<Arc<Node>> {
    let parents = module.lineage_poms.get(1..).unwrap_or_default();
    let key: Lineage = parents
        .iter()
        .enumerate()
        .map(|(k, raw)| (raw.source, active(module, k + 1).to_vec()))
        .collect();
    if let Some(hit) = cached(inputs.inherited, &key) {
        return Ok(hit);
    }
    let mut members = Vec::with_capacity(parents.len() + 1);
    // The path adjustment of each member below its parent (one fewer than the members).
    let mut adjustments = Vec::with_capacity(parents.len());
    for (k, raw) in parents.iter().enumerate() {
        let i = k + 1;
        let read = read_member(inputs, raw.source, true)?;
        let node = member(inputs, module, i, without_modules(&read.tree));
        if let Some(child) = members.last() {
            adjustments.push(read.modules.adjustment(child, active(module, i)));
        }
        members.push(node);
    }
    members.push(super_member(inputs));
    // The super POM lists no modules.
    adjustments.push(String::new());
    let parent = Arc::new(assemble(members, adjustments));
    remember(inputs.inherited, key, parent.clone());
    Ok(parent)
}

/// A POM's tree as read, with its module entries indexed for
/// `DefaultInheritanceAssembler.getChildPathAdjustment`.
pub struct ReadPom {
    tree: Node,
    modules: ModuleTable,
}

impl ReadPom {
    fn new(tree: Node) -> Self {
        let modules = ModuleTable::new(&tree);
        ReadPom { tree, modules }
    }
}

/// The `<module>` entries of a POM (its own, then each profile's) by their last segment:
/// `(profile, position, path before the last segment)`, entries without a slash left out.
#[derive(Default)]
struct ModuleTable {
    by_name: HashMap<String, Vec<(Option<usize>, usize, String)>>,
}

impl ModuleTable {
    fn new(pom: &Node) -> Self {
        let mut table = ModuleTable::default();
        let mut add = |list: Option<&Node>, profile: Option<usize>| {
            for (position, m) in list
                .map_or(&[][..], |l| l.children.as_slice())
                .iter()
                .enumerate()
            {
                if let (Some(prefix), name) = module_entry_name(m.text.as_deref().unwrap_or("")) {
                    table
                        .by_name
                        .entry(name)
                        .or_default()
                        .push((profile, position, prefix));
                }
            }
        };
        add(pom.child("modules"), None);
        for (i, p) in pom
            .child("profiles")
            .map_or(&[][..], |p| p.children.as_slice())
            .iter()
            .enumerate()
        {
            add(p.child("modules"), Some(i));
        }
        table
    }

    /// `getChildPathAdjustment` for `child` (as written, its profiles injected) below this
    /// POM with the `active` profiles injected: the path of the first module entry naming
    /// the child's artifactId or directory, without its last segment; "" when none does.
    fn adjustment(&self, child: &Node, active: &[usize]) -> String {
        let artifact_id = child.text_at("artifactId").unwrap_or("");
        let directory = child
            .child("properties")
            .and_then(|p| p.child("project.directory"))
            .and_then(|d| d.text.as_deref())
            .unwrap_or(artifact_id);
        // Injected profiles append their modules after the POM's own, in activation order.
        let rank = |profile: Option<usize>| match profile {
            None => Some(0),
            Some(p) => active.iter().position(|&a| a == p).map(|k| k + 1),
        };
        [artifact_id, directory]
            .iter()
            .filter_map(|name| self.by_name.get(*name))
            .flatten()
            .filter_map(|(profile, position, prefix)| Some(((rank(*profile)?, *position), prefix)))
            .min_by_key(|(order, _)| *order)
            .map(|(_, prefix)| prefix.clone())
            .unwrap_or_default()
    }
}

/// A `<module>` entry split as `getChildPathAdjustment` reads it: the path before its
/// last segment (`None` without a slash) and that last segment (a POM file name dropped).
fn module_entry_name(entry: &str) -> (Option<String>, String) {
    let mut module = entry.replace('\\', "/");
    let tail = module.len().checked_sub(4).and_then(|i| module.get(i..));
    if tail.is_some_and(|t| t.eq_ignore_ascii_case(".xml")) {
        module.truncate(module.rfind('/').map_or(0, |i| i + 1));
    }
    let name = module.strip_suffix('/').unwrap_or(&module);
    let last_slash = name.rfind('/');
    let last = name[last_slash.map_or(0, |i| i + 1)..].to_string();
    (last_slash.map(|i| module[..i].to_string()), last)
}

/// Interpolates the project's model with the typed loader's interpolator (its lookup
/// order, recursion checks and expansion limits), asking this tree for the model fields
/// the typed model does not hold.
fn interpolate(
    model: &mut Node,
    module: &Module,
    ws: &Workspace,
    system: &BTreeMap<String, String>,
) -> Result<()> {
    let user = &ws.context.activation.user;
    // Maven's ModelVersionProcessor: CI-friendly user properties overwrite the model's.
    for key in ["revision", "changelist", "sha1"] {
        if let Some(v) = user.get(key) {
            let props = model.child_or_insert("properties");
            match props.child_mut(key) {
                Some(p) => p.text = Some(v.clone()),
                None => props.children.push(Node::with_text(key, v.clone())),
            }
        }
    }
    // Every expression is read from the model as it is before interpolation: the new
    // texts are found first, then put in place.
    let mut replacements = Vec::new();
    {
        let view = typed_view(model, &module.dir, &module.raw.model.loc);
        let fields = |path: &str| field(model, path);
        let interpolator =
            Interpolator::new(&module.dir, &view, user, system).with_more_fields(&fields);
        let mut walk = Interpolation {
            interpolator: &interpolator,
            sources: &ws.sources,
            seen: 0,
            replacements: &mut replacements,
        };
        walk.node(model)?;
    }
    let mut seen = 0;
    apply_texts(model, &mut seen, &mut replacements.into_iter().peekable());
    Ok(())
}

/// The texts and attribute values of a model in one fixed order — a node's text, its
/// attributes, then its children's — but profile activations (evaluated before
/// interpolation and kept as written): [`Interpolation`] numbers them in this order and
/// [`apply_texts`] finds them by their numbers.
fn for_each_text<'n>(
    node: &'n Node,
    f: &mut dyn FnMut(&'n str, Option<&'n Loc>) -> Result<()>,
) -> Result<()> {
    if let Some(t) = &node.text {
        f(t, node.loc.as_ref())?;
    }
    for (_, v) in &node.attrs {
        f(v, node.loc.as_ref())?;
    }
    for c in &node.children {
        if c.name == "activation" && node.name == "profile" {
            continue;
        }
        for_each_text(c, f)?;
    }
    Ok(())
}

/// Finds the interpolated value of each text with an expression, by its number in
/// [`for_each_text`]'s order.
struct Interpolation<'a> {
    interpolator: &'a Interpolator<'a>,
    sources: &'a Sources,
    seen: usize,
    replacements: &'a mut Vec<(usize, String)>,
}

impl Interpolation<'_> {
    fn node(&mut self, model: &Node) -> Result<()> {
        // The same text means the same in the whole model (`${project.version}` in every
        // managed dependency): each is expanded once.
        let mut done: HashMap<&str, String, foldhash::fast::RandomState> = HashMap::default();
        for_each_text(model, &mut |t, loc| {
            let n = self.seen;
            self.seen += 1;
            if !t.contains("${") {
                return Ok(());
            }
            if let Some(text) = done.get(t) {
                self.replacements.push((n, text.clone()));
                return Ok(());
            }
            match self.interpolator.interpolate(t) {
                Ok(r) => {
                    done.insert(t, r.text.clone());
                    self.replacements.push((n, r.text));
                    Ok(())
                }
                Err(e) => {
                    let message = match e {
                        InterpolationError::Recursion(r) => format!(
                            "Detected the following recursive expression cycle in '{}': [{}]",
                            r.cycle.first().cloned().unwrap_or_default(),
                            r.cycle.join(", ")
                        ),
                        InterpolationError::TooLarge { expression } => {
                            format!("expanding `${{{expression}}}` makes the model too large")
                        }
                    };
                    Err(PomDiagnostic::at(
                        self.sources,
                        "m2fresh::maven::effective::interpolation",
                        message,
                        loc,
                        "used here",
                    )
                    .into())
                }
            }
        })
    }
}

/// Puts the interpolated texts in place: `replacements` by number, in order.
fn apply_texts(
    node: &mut Node,
    seen: &mut usize,
    replacements: &mut std::iter::Peekable<std::vec::IntoIter<(usize, String)>>,
) {
    if replacements.peek().is_none() {
        return;
    }
    let mut one = |t: &mut String| {
        if replacements.peek().is_some_and(|(n, _)| n == seen)
            && let Some((_, new)) = replacements.next()
        {
            *t = new;
        }
        *seen += 1;
    };
    if let Some(t) = &mut node.text {
        one(t);
    }
    for (_, v) in &mut node.attrs {
        one(v);
    }
    let is_profile = node.name == "profile";
    for c in &mut node.children {
        if is_profile && c.name == "activation" {
            continue;
        }
        apply_texts(c, seen, replacements);
    }
}

/// A model field by its path after `project.` (`scm.url`), as text.
fn field(model: &Node, path: &str) -> Option<String> {
    let mut node = model;
    for part in path.split('.') {
        node = node.child(part)?;
    }
    if !node.children.is_empty() {
        return None;
    }
    node.text.clone()
}

/// The typed model the interpolator reads: the coordinates, properties and build
/// directories of the merged tree (a relative build directory already aligned, as
/// Maven's path-translating post-processor does for `${project.build.*}`).
fn typed_view(model: &Node, basedir: &Path, at: &Loc) -> pom::Model {
    let value = |path: &str| {
        model.text_at(path).map(|t| Value {
            text: t.to_string(),
            loc: at.clone(),
        })
    };
    let dir = |path: &str| {
        value(path).map(|mut v| {
            if !v.text.contains("${") && !Path::new(&v.text).is_absolute() {
                v.text = normalize(&basedir.join(&v.text)).display().to_string();
            }
            v
        })
    };
    let properties: BTreeMap<String, Value> = model
        .child("properties")
        .map(|p| {
            p.children
                .iter()
                .map(|c| {
                    let text = c.text.clone().unwrap_or_default();
                    (
                        c.name.clone(),
                        Value {
                            text,
                            loc: at.clone(),
                        },
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    pom::Model {
        loc: at.clone(),
        group_id: value("groupId"),
        artifact_id: value("artifactId"),
        version: value("version"),
        packaging: value("packaging"),
        name: value("name"),
        prerequisites_maven: value("prerequisites/maven"),
        parent: model.child("parent").map(|_| pom::Parent {
            loc: at.clone(),
            group_id: value("parent/groupId"),
            artifact_id: value("parent/artifactId"),
            version: value("parent/version"),
            relative_path: value("parent/relativePath"),
        }),
        properties,
        dependency_management: Default::default(),
        dependencies: Vec::new(),
        modules: Vec::new(),
        build: pom::Build {
            source_directory: dir("build/sourceDirectory"),
            directory: dir("build/directory"),
            output_directory: dir("build/outputDirectory"),
            final_name: value("build/finalName"),
            ..Default::default()
        },
        profiles: Vec::new(),
        notices: Vec::new(),
    }
}

/// `DefaultUrlNormalizer` on the project's URLs: each `/../` removes the segment before.
fn normalize_urls(model: &mut Node) {
    for path in [
        &["url"][..],
        &["scm", "url"],
        &["scm", "connection"],
        &["scm", "developerConnection"],
        &["distributionManagement", "site", "url"],
    ] {
        if let Some(node) = at_path(model, path)
            && let Some(t) = &mut node.text
        {
            *t = normalize_url(t);
        }
    }
}

fn at_path<'a>(node: &'a mut Node, path: &[&str]) -> Option<&'a mut Node> {
    let mut node = node;
    for part in path {
        node = node.child_mut(part)?;
    }
    Some(node)
}

/// `DefaultUrlNormalizer.normalize`.
pub fn normalize_url(url: &str) -> String {
    let mut result = url.to_string();
    while let Some(idx) = result.find("/../") {
        if idx == 0 {
            result = result[3..].to_string();
            continue;
        }
        let bytes = result.as_bytes();
        let mut parent = idx as isize - 1;
        while parent >= 0 && bytes[parent as usize] == b'/' {
            parent -= 1;
        }
        let cut = if parent < 0 {
            None
        } else {
            result[..=parent as usize].rfind('/')
        };
        result = match cut {
            None => result[idx + 4..].to_string(),
            Some(p) => format!("{}{}", &result[..p], &result[idx + 3..]),
        };
    }
    result
}

/// `DefaultModelPathTranslator`: the build's directories, resource directories and
/// filters, and the reporting output directory, made absolute against `basedir`.
fn align_paths(model: &mut Node, basedir: &Path) {
    let align = |n: &mut Node| {
        if let Some(t) = &mut n.text {
            *t = align_path(t, basedir);
        }
    };
    if let Some(build) = model.child_mut("build") {
        for name in [
            "directory",
            "sourceDirectory",
            "testSourceDirectory",
            "scriptSourceDirectory",
            "outputDirectory",
            "testOutputDirectory",
        ] {
            if let Some(n) = build.child_mut(name) {
                align(n);
            }
        }
        for list in ["resources", "testResources"] {
            for r in build
                .child_mut(list)
                .map(|l| l.children.iter_mut())
                .into_iter()
                .flatten()
            {
                if let Some(d) = r.child_mut("directory") {
                    align(d);
                }
            }
        }
        for f in build
            .child_mut("filters")
            .map(|l| l.children.iter_mut())
            .into_iter()
            .flatten()
        {
            align(f);
        }
    }
    if let Some(r) = model.child_mut("reporting")
        && let Some(d) = r.child_mut("outputDirectory")
    {
        align(d);
    }
}

/// `DefaultPathTranslator.alignToBaseDirectory` (as `java.io.File` normalizes paths).
pub fn align_path(path: &str, basedir: &Path) -> String {
    let unified = path.replace('\\', "/");
    let p = Path::new(&unified);
    let full = if p.is_absolute() {
        p.to_path_buf()
    } else {
        normalize(&basedir.join(p))
    };
    let mut s = full.display().to_string();
    while s.contains("//") {
        s = s.replace("//", "/");
    }
    if s.len() > 1 && s.ends_with('/') {
        s.pop();
    }
    s
}

/// Build extensions (`<extensions>` of the build, plugins with
/// `<extensions>true</extensions>`) run inside Maven and may change the model (the
/// `os-maven-plugin`'s `os.detected.*` properties, a publishing plugin's executions):
/// m2fresh does not run them, and says so.
fn note_extensions(model: &Node, module: &Module, notes: &mut Vec<String>) {
    let Some(build) = model.child("build") else {
        return;
    };
    let key = |p: &Node| {
        format!(
            "{}:{}",
            p.text_at("groupId").unwrap_or("org.apache.maven.plugins"),
            p.text_at("artifactId").unwrap_or("")
        )
    };
    let mut found: Vec<String> = build
        .child("extensions")
        .map(|e| e.children.iter().map(key).collect())
        .unwrap_or_default();
    for p in build
        .child("plugins")
        .map(|p| p.children.as_slice())
        .unwrap_or(&[])
    {
        if p.text_at("extensions")
            .is_some_and(|e| e.eq_ignore_ascii_case("true"))
        {
            found.push(key(p));
        }
    }
    for ext in found {
        let note = format!(
            "{ext} is a build extension (first met in {}): Maven lets it change the model \
             (properties, executions), m2fresh does not run it, so effective POMs may differ there",
            module.key()
        );
        if !notes
            .iter()
            .any(|n| n.starts_with(&format!("{ext} is a build extension")))
        {
            notes.push(note);
        }
    }
}

/// A copy of a POM's tree without its `<modules>` and its profiles' `<modules>`.
fn without_modules(pom: &Node) -> Node {
    let children = pom
        .children
        .iter()
        .filter(|c| c.name != "modules")
        .map(|c| {
            if c.name != "profiles" {
                return c.clone();
            }
            let profiles = c
                .children
                .iter()
                .map(|p| Node {
                    children: p
                        .children
                        .iter()
                        .filter(|pc| pc.name != "modules")
                        .cloned()
                        .collect(),
                    ..Node::new_like(p)
                })
                .collect();
            Node {
                children: profiles,
                ..Node::new_like(c)
            }
        })
        .collect();
    Node {
        children,
        ..Node::new_like(pom)
    }
}

/// BOM imports: the import entries leave `dependencyManagement`, and what the typed
/// loader resolved from them (in the workspace or the local repository) is appended.
fn import_boms(model: &mut Node, module: &Module, notes: &mut Vec<String>) {
    let Some(deps) = model
        .child_mut("dependencyManagement")
        .and_then(|dm| dm.child_mut("dependencies"))
    else {
        return;
    };
    let is_import = |d: &Node| {
        d.text_at("scope") == Some("import") && d.text_at("type").unwrap_or("jar") == "pom"
    };
    if !deps.children.iter().any(is_import) {
        return;
    }
    deps.children.retain(|d| !is_import(d));
    let own = deps.children.len();
    let typed = &module.effective.dependency_management;
    if typed.len() < own {
        notes.push(format!(
            "{}: the imported BOMs' entries could not be lined up with the typed model's",
            module.key()
        ));
        return;
    }
    deps.children.reserve_exact(typed.len() - own);
    for d in &typed[own..] {
        deps.children.push(typed_dependency(d));
    }
}

/// A typed dependency as a model tree.
fn typed_dependency(d: &pom::Dependency) -> Node {
    let mut node = Node::new("dependency");
    node.loc = Some(d.loc.clone());
    let text = |name: &str, v: &Option<Value>| {
        v.as_ref().map(|v| {
            let mut n = Node::with_text(name, v.text.clone());
            n.loc = Some(v.loc.clone());
            n
        })
    };
    for n in [
        text("groupId", &d.group_id),
        text("artifactId", &d.artifact_id),
        text("version", &d.version),
        text("type", &d.type_),
        text("classifier", &d.classifier),
        text("scope", &d.scope),
        text("optional", &d.optional),
    ]
    .into_iter()
    .flatten()
    {
        node.children.push(n);
    }
    if !d.exclusions.is_empty() {
        let mut list = Node::new("exclusions");
        for (g, a) in &d.exclusions {
            let mut e = Node::new("exclusion");
            e.children.extend(text("groupId", g));
            e.children.extend(text("artifactId", a));
            list.children.push(e);
        }
        node.children.push(list);
    }
    node
}

/// `DefaultModelNormalizer.injectDefaultValues`: scope `compile` where none is given.
fn default_scopes(model: &mut Node) {
    let set = |deps: Option<&mut Node>| {
        for d in deps.map(|d| d.children.iter_mut()).into_iter().flatten() {
            if d.text_at("scope").is_none_or(str::is_empty) {
                d.set_child(Node::with_text("scope", "compile"));
            }
        }
    };
    set(model.child_mut("dependencies"));
    if let Some(plugins) = model
        .child_mut("build")
        .and_then(|b| b.child_mut("plugins"))
    {
        for p in &mut plugins.children {
            set(p.child_mut("dependencies"));
        }
    }
}

/// `DefaultReportConfigurationExpander`: a report plugin's configuration is merged into
/// each of its report sets'.
fn expand_report_configuration(model: &mut Node) {
    let Some(plugins) = model
        .child_mut("reporting")
        .and_then(|r| r.child_mut("plugins"))
    else {
        return;
    };
    for p in &mut plugins.children {
        let Some(config) = p.child("configuration").cloned() else {
            continue;
        };
        if let Some(sets) = p.child_mut("reportSets") {
            for s in &mut sets.children {
                merge::merge_execution_config(s, &config, "configuration");
            }
        }
    }
}

/// `DefaultReportingConverter`: `<reporting>` becomes the site plugin's `reportPlugins`
/// and `outputDirectory` configuration.
fn convert_reporting(model: &mut Node, converter: &Loc) {
    let Some(reporting) = model.child("reporting").cloned() else {
        return;
    };
    let build = model.child_or_insert("build");
    let is_site = |p: &Node| {
        p.text_at("artifactId") == Some("maven-site-plugin")
            && p.text_at("groupId").unwrap_or("org.apache.maven.plugins")
                == "org.apache.maven.plugins"
    };
    let in_plugins = build
        .child("plugins")
        .and_then(|ps| ps.children.iter().position(is_site));
    let site: &mut Node = match in_plugins {
        Some(i) => &mut build.child_or_insert("plugins").children[i],
        None => {
            let pm = build
                .child_or_insert("pluginManagement")
                .child_or_insert("plugins");
            let i = match pm.children.iter().position(is_site) {
                Some(i) => i,
                None => {
                    let mut p = Node::new("plugin");
                    p.children
                        .push(Node::with_text("artifactId", "maven-site-plugin"));
                    pm.children.push(p);
                    pm.children.len() - 1
                }
            };
            &mut pm.children[i]
        }
    };
    let config = site.child_or_insert("configuration");
    if config.child("reportPlugins").is_some() {
        return;
    }
    if config.child("outputDirectory").is_none()
        && let Some(dir) = reporting.child("outputDirectory")
        && dir.text.as_deref().is_some_and(|d| !d.is_empty())
    {
        config.children.push(dir.clone());
    }
    let mut report_plugins = Node::new("reportPlugins");
    let mut has_info = false;
    let exclude = reporting
        .text_at("excludeDefaults")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    for p in reporting
        .child("plugins")
        .map(|p| p.children.as_slice())
        .unwrap_or(&[])
    {
        let group = p.text_at("groupId").unwrap_or("org.apache.maven.plugins");
        if group == "org.apache.maven.plugins"
            && p.text_at("artifactId") == Some("maven-project-info-reports-plugin")
        {
            has_info = true;
        }
        report_plugins.children.push(report_plugin(p, group));
    }
    if !exclude && !has_info {
        let mut dom = Node::new("reportPlugin");
        for (name, value) in [
            ("groupId", "org.apache.maven.plugins"),
            ("artifactId", "maven-project-info-reports-plugin"),
        ] {
            let mut n = Node::with_text(name, value);
            n.loc = Some(converter.clone());
            dom.children.push(n);
        }
        report_plugins.children.push(dom);
    }
    config.children.push(report_plugins);
}

fn report_plugin(p: &Node, group: &str) -> Node {
    let mut dom = Node::new("reportPlugin");
    dom.loc = p.loc.clone();
    let add = |parent: &mut Node, name: &str, v: Option<&str>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            parent.children.push(Node::with_text(name, v));
        }
    };
    add(&mut dom, "groupId", Some(group));
    add(&mut dom, "artifactId", p.text_at("artifactId"));
    add(&mut dom, "version", p.text_at("version"));
    if let Some(c) = p.child("configuration") {
        dom.children.push(c.clone());
    }
    let sets = p
        .child("reportSets")
        .map(|s| s.children.as_slice())
        .unwrap_or(&[]);
    if !sets.is_empty() {
        let mut list = Node::new("reportSets");
        for s in sets {
            let mut rs = Node::new("reportSet");
            add(&mut rs, "id", Some(s.text_at("id").unwrap_or("default")));
            if let Some(c) = s.child("configuration") {
                rs.children.push(c.clone());
            }
            let reports = s
                .child("reports")
                .map(|r| r.children.as_slice())
                .unwrap_or(&[]);
            if !reports.is_empty() {
                let mut r = Node::new("reports");
                for report in reports {
                    add(&mut r, "report", report.text.as_deref());
                }
                rs.children.push(r);
            }
            list.children.push(rs);
        }
        dom.children.push(list);
    }
    dom
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_parent_segments_as_in_maven() {
        assert_eq!(normalize_url("https://x/a/b/../c"), "https://x/a/c");
        // Maven climbs into the host, too.
        assert_eq!(normalize_url("https://x/a/../../c"), "https://c");
        assert_eq!(normalize_url("/../a"), "/a");
    }

    #[test]
    fn paths_are_aligned_like_java_files() {
        let base = Path::new("/w/m");
        assert_eq!(align_path("target", base), "/w/m/target");
        assert_eq!(align_path("../x/./y/", base), "/w/x/y");
        assert_eq!(align_path("/abs//dir/", base), "/abs/dir");
        assert_eq!(align_path("a\\b", base), "/w/m/a/b");
    }

    #[test]
    fn module_path_adjustment() {
        let mut parent = Node::new("project");
        let mut modules = Node::new("modules");
        modules
            .children
            .push(Node::with_text("module", "services/api"));
        modules
            .children
            .push(Node::with_text("module", "other/pom.xml"));
        parent.children.push(modules);
        let mut profile = Node::new("profile");
        let mut more = Node::new("modules");
        more.children.push(Node::with_text("module", "extra/x"));
        profile.children.push(more);
        let mut profiles = Node::new("profiles");
        profiles.children.push(profile);
        parent.children.push(profiles);
        let table = ModuleTable::new(&parent);
        let child = |artifact_id: &str| {
            let mut c = Node::new("project");
            c.children.push(Node::with_text("artifactId", artifact_id));
            c
        };
        assert_eq!(table.adjustment(&child("api"), &[]), "services");
        assert_eq!(table.adjustment(&child("other"), &[]), "");
        assert_eq!(table.adjustment(&child("none"), &[]), "");
        // A profile's modules count only when it is active.
        assert_eq!(table.adjustment(&child("x"), &[]), "");
        assert_eq!(table.adjustment(&child("x"), &[0]), "extra");
    }
}

/// `${maven.build.timestamp}` as Maven prints it: the build's start time in UTC,
/// formatted with the model's `maven.build.timestamp.format` (a `SimpleDateFormat`
/// pattern; default `yyyy-MM-dd'T'HH:mm:ss'Z'`). `None` for a pattern using letters
/// beyond years, months, days, hours, minutes, seconds and milliseconds.
pub fn build_timestamp(format: Option<&str>, at: std::time::SystemTime) -> Option<String> {
    let since = at.duration_since(std::time::UNIX_EPOCH).ok()?;
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).ok()?;
    let (y, mo, d) = civil_from_days(days);
    let rem = secs % 86_400;
    let fields = |c: char| -> Option<i64> {
        Some(match c {
            'y' => y,
            'M' => mo,
            'd' => d,
            'H' => (rem / 3600) as i64,
            'm' => ((rem % 3600) / 60) as i64,
            's' => (rem % 60) as i64,
            'S' => i64::from(since.subsec_millis()),
            _ => return None,
        })
    };
    let pattern: Vec<char> = format
        .unwrap_or("yyyy-MM-dd'T'HH:mm:ss'Z'")
        .chars()
        .collect();
    let mut out = String::new();
    let mut i = 0;
    while i < pattern.len() {
        let c = pattern[i];
        if c == '\'' {
            let end = pattern[i + 1..].iter().position(|&q| q == '\'')? + i + 1;
            if end == i + 1 {
                out.push('\'');
            } else {
                out.extend(&pattern[i + 1..end]);
            }
            i = end + 1;
        } else if c.is_ascii_alphabetic() {
            let run = pattern[i..].iter().take_while(|&&x| x == c).count();
            let v = fields(c)?;
            if c == 'y' && run == 2 {
                out.push_str(&format!("{:02}", v % 100));
            } else {
                out.push_str(&format!("{v:0run$}"));
            }
            i += run;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Some(out)
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod timestamp_tests {
    use super::*;

    #[test]
    fn build_timestamps_are_formatted_as_simple_date_format_does() {
        // 2026-12-01T00:15:44.123Z
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_796_084_144_123);
        assert_eq!(
            build_timestamp(None, at).as_deref(),
            Some("2026-12-01T00:15:44Z")
        );
        assert_eq!(
            build_timestamp(Some("yyyyMMddHHmmss"), at).as_deref(),
            Some("20261201001544")
        );
        assert_eq!(
            build_timestamp(Some("yy.MM.dd 'at' HH:mm:ss.SSS"), at).as_deref(),
            Some("26.12.01 at 00:15:44.123")
        );
        assert_eq!(build_timestamp(Some("EEE"), at), None);
    }
}

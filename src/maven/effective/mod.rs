//! The whole effective model of a module, as Maven builds it and as
//! `mvn help:effective-pom` prints it: every element of every POM of the lineage in effect
//! after profile activation, inheritance, interpolation, path alignment, management and
//! lifecycle injection — unknown elements and free-form plugin `<configuration>` included.
//!
//! [`crate::maven::model`] builds the part of the model that decides the reactor, fast,
//! for every module of a workspace; this module builds the whole model for the modules a
//! command needs. It is the one model behind `m2fresh effective-pom` and behind the
//! fingerprint's canonical form ([`crate::freshness::fingerprint`]), so what m2fresh
//! believes Maven builds from can be printed, and compared with Maven's own.

pub mod build;
pub mod merge;
pub mod read;
pub mod runtime;
pub mod schema;
pub mod write;

use crate::error::Result;
use crate::maven::pom::{Loc, SourceId, Sources};
use crate::maven::workspace::{ModuleId, Workspace};
use runtime::MavenRuntime;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The full effective models of a workspace's modules, built on demand (each once) for
/// one Maven version.
///
/// ```no_run
/// use m2fresh::maven::effective::{EffectiveModels, runtime::MavenRuntime};
/// use m2fresh::maven::workspace::{LoadOptions, Workspace};
/// let ws = Workspace::load("fixtures/xuecheng".as_ref(), &LoadOptions::default())?;
/// let models = EffectiveModels::new(&ws, MavenRuntime::find(&ws.root, None));
/// let id = ws.find("xc-service-portalview")?;
/// println!("{}", models.xml(&[id], false)?);
/// # Ok::<(), m2fresh::error::Error>(())
/// ```
pub struct EffectiveModels<'w> {
    workspace: &'w Workspace,
    runtime: MavenRuntime,
    super_pom: Node,
    super_profiles: Vec<usize>,
    system: std::collections::BTreeMap<String, String>,
    sources: Sources,
    super_source: SourceId,
    bindings: Loc,
    converter: Loc,
    read_cache: Mutex<HashMap<SourceId, Arc<build::ReadPom>>>,
    inherited: build::InheritedCache,
    notes: Mutex<Vec<String>>,
    timestamp: Option<std::time::SystemTime>,
}

impl<'w> EffectiveModels<'w> {
    /// A builder for the modules of `workspace`, as `runtime`'s Maven builds them.
    pub fn new(workspace: &'w Workspace, runtime: MavenRuntime) -> Self {
        let mut sources = workspace.sources.clone();
        let super_source = sources.add(
            "pom-4.0.0.xml".into(),
            format!(
                "org.apache.maven:maven-model-builder:{}:super-pom",
                runtime.version
            ),
            runtime.super_pom.clone().into(),
        );
        let bindings = Loc {
            source: sources.add(
                "default-bindings.xml".into(),
                format!(
                    "org.apache.maven:maven-core:{}:default-lifecycle-bindings",
                    runtime.version
                ),
                "".into(),
            ),
            span: 0..0,
        };
        let converter = Loc {
            source: sources.add(
                "reporting-converter".into(),
                format!(
                    "org.apache.maven:maven-model-builder:{}:reporting-converter",
                    runtime.version
                ),
                "".into(),
            ),
            span: 0..0,
        };
        let super_pom =
            build::read_pom(&sources, super_source).unwrap_or_else(|_| Node::new("project"));
        let super_profiles = crate::maven::pom::parse_model(&runtime.super_pom, super_source)
            .ok()
            .and_then(|m| {
                crate::maven::model::profiles::active_profiles(
                    &m,
                    None,
                    &workspace.context.activation,
                )
                .ok()
            })
            .unwrap_or_default();
        let notes = Mutex::new(runtime.notes.clone());
        // What the Maven launcher adds to the system properties.
        let mut system = workspace.context.activation.system.clone();
        system.insert("maven.version".into(), runtime.version.clone());
        if let Some(home) = &runtime.home {
            system.insert("maven.home".into(), home.display().to_string());
        }
        EffectiveModels {
            workspace,
            runtime,
            super_pom,
            super_profiles,
            system,
            sources,
            super_source,
            bindings,
            converter,
            read_cache: Mutex::new(HashMap::new()),
            inherited: Mutex::new(HashMap::new()),
            notes,
            timestamp: None,
        }
    }

    /// Substitutes `${maven.build.timestamp}` with this build start time, as Maven does
    /// (by default it is kept as written, so that the model is the same on every run).
    pub fn with_build_timestamp(mut self, at: std::time::SystemTime) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// The Maven whose rules are applied.
    pub fn runtime(&self) -> &MavenRuntime {
        &self.runtime
    }

    /// What the user should know about the models built so far (an unknown Maven
    /// version, a packaging without default bindings).
    pub fn notes(&self) -> Vec<String> {
        lock(&self.notes).clone()
    }

    /// The effective POM of a module as `mvn help:effective-pom` prints it: elements in
    /// Maven's writer order, defaults left out, properties sorted. Built on each call
    /// (what the modules share, their parents' inherited part, is built once): the
    /// models of ten thousand modules would take gigabytes if they were kept.
    pub fn model(&self, id: ModuleId) -> Result<Arc<Node>> {
        let inputs = build::Inputs {
            workspace: self.workspace,
            runtime: &self.runtime,
            super_pom: &self.super_pom,
            super_profiles: &self.super_profiles,
            bindings: &self.bindings,
            converter: &self.converter,
            system: &self.system,
            read_cache: &self.read_cache,
            inherited: &self.inherited,
            timestamp: self.timestamp,
        };
        let mut notes = Vec::new();
        let model = build::build(&inputs, self.workspace.module(id), &mut notes);
        if !notes.is_empty() {
            let mut all = lock(&self.notes);
            for note in notes {
                // A note names the first module it was met in: one per subject.
                let subject = |n: &str| n.split(" (first met in ").next().map(str::to_owned);
                if !all.iter().any(|n| subject(n) == subject(&note)) {
                    all.push(note);
                }
            }
        }
        let model = model?;
        Ok(Arc::new(write::render(model)))
    }

    /// Where each value came from, for `--verbose`.
    fn locations(&self) -> impl Fn(SourceId) -> Option<(String, bool)> + '_ {
        // Each POM's model id, once (Maven's `ModelProblemUtils.toId`: the raw
        // coordinates, groupId and version from the parent when not given).
        let mut ids: HashMap<SourceId, String> = HashMap::new();
        for pom in self.workspace.modules.iter().flat_map(|m| &m.lineage_poms) {
            ids.entry(pom.source).or_insert_with(|| {
                use crate::maven::pom::text;
                let model = &pom.model;
                let parent = model.parent.as_ref();
                let g = text(&model.group_id)
                    .or_else(|| parent.and_then(|p| text(&p.group_id)))
                    .unwrap_or("[unknown-group-id]");
                let a = text(&model.artifact_id).unwrap_or("[unknown-artifact-id]");
                let v = text(&model.version)
                    .or_else(|| parent.and_then(|p| text(&p.version)))
                    .unwrap_or("[unknown-version]");
                format!("{g}:{a}:{v}")
            });
        }
        move |source| {
            if source == self.super_source {
                return Some((self.sources.name(source), true));
            }
            if source == self.bindings.source || source == self.converter.source {
                return Some((self.sources.name(source), false));
            }
            ids.get(&source).map(|id| (id.clone(), true))
        }
    }

    /// The effective POMs of `ids` as the help plugin writes them: one `<project>` for
    /// one module, `<projects>` for several; with `verbose`, where each value came from.
    pub fn xml(&self, ids: &[ModuleId], verbose: bool) -> Result<String> {
        let ids_fn = self.locations();
        let locations = write::ModelIds {
            sources: &self.sources,
            ids: &ids_fn,
        };
        let verbose: Option<&dyn write::Locations> = verbose.then_some(&locations as _);
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&banner(
            "Generated by m2fresh (as Maven Help Plugin's effective-pom)",
            0,
        ));
        let several = ids.len() != 1;
        if several {
            out.push_str("<projects>\n");
        }
        let depth = usize::from(several);
        for &id in ids {
            let model = self.model(id)?;
            let m = self.workspace.module(id);
            let title = format!(
                "Effective POM for project '{}:{}:{}:{}'",
                m.gav.group_id, m.gav.artifact_id, m.packaging, m.gav.version
            );
            out.push_str(&banner(&title, depth));
            let mut project = (*model).clone();
            project.attrs = vec![
                ("xmlns".into(), "http://maven.apache.org/POM/4.0.0".into()),
                ("xmlns:xsi".into(), "http://www.w3.org/2001/XMLSchema-instance".into()),
                (
                    "xsi:schemaLocation".into(),
                    "http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd"
                        .into(),
                ),
            ]
            .into_iter()
            .chain(project.attrs)
            .collect();
            write::xml(&mut out, &project, depth, verbose);
        }
        if several {
            out.push_str("</projects>\n");
        }
        Ok(out)
    }

    /// The same trees as JSON: `{"schema":1, "maven", "projects":[{"id", "model"}]}`.
    pub fn json(&self, ids: &[ModuleId], verbose: bool) -> Result<serde_json::Value> {
        let ids_fn = self.locations();
        let locations = write::ModelIds {
            sources: &self.sources,
            ids: &ids_fn,
        };
        let verbose: Option<&dyn write::Locations> = verbose.then_some(&locations as _);
        let mut projects = Vec::new();
        for &id in ids {
            let model = self.model(id)?;
            let m = self.workspace.module(id);
            projects.push(serde_json::json!({
                "id": m.key(),
                "version": m.gav.version,
                "model": write::json(&model, verbose),
            }));
        }
        Ok(serde_json::json!({
            "schema": 1,
            "maven": self.runtime.version,
            "projects": projects,
        }))
    }
}

/// The help plugin's boxed comment.
fn banner(title: &str, depth: usize) -> String {
    let indent = "  ".repeat(depth);
    let rule = format!("{indent}<!-- {} -->\n", "=".repeat(70));
    let blank = format!("{indent}<!-- {} -->\n", " ".repeat(70));
    format!("{rule}{blank}{indent}<!-- {title:<70} -->\n{blank}{rule}")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One element of the effective model: Maven's model as an ordered tree, with element
/// names as a POM writes them. An element has either text or children (Maven's model has
/// no mixed content, and Maven's reader drops it in `<configuration>` too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The element name.
    pub name: String,
    /// Attributes in the order Maven writes them (`combine.children`, `combine.self`,
    /// `child.inherit.append.path`, and any in free-form configuration).
    pub attrs: Vec<(String, String)>,
    /// The text, interpolated, when the element has text.
    pub text: Option<String>,
    /// Child elements in the order Maven writes them.
    pub children: Vec<Node>,
    /// Where the value came from (a POM of the lineage, the super POM, a lifecycle
    /// binding), when known: what `effective-pom --verbose` prints.
    pub loc: Option<Loc>,
}

impl Node {
    /// An element with no attributes, text or children.
    pub fn new(name: impl Into<String>) -> Node {
        Node {
            name: name.into(),
            attrs: Vec::new(),
            text: None,
            children: Vec::new(),
            loc: None,
        }
    }

    /// An element with the name, attributes, text and location of `other`, without its
    /// children.
    pub fn new_like(other: &Node) -> Node {
        Node {
            name: other.name.clone(),
            attrs: other.attrs.clone(),
            text: other.text.clone(),
            children: Vec::new(),
            loc: other.loc.clone(),
        }
    }

    /// An element with text.
    pub fn with_text(name: impl Into<String>, text: impl Into<String>) -> Node {
        Node {
            text: Some(text.into()),
            ..Node::new(name)
        }
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text at a path of child names, like `build/directory`.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        let mut node = self;
        for part in path.split('/') {
            node = node.child(part)?;
        }
        node.text.as_deref()
    }

    /// The first child with this name, to change.
    pub fn child_mut(&mut self, name: &str) -> Option<&mut Node> {
        self.children.iter_mut().find(|c| c.name == name)
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Replaces the child of this name (or adds it at the end).
    pub(crate) fn set_child(&mut self, child: Node) {
        match self.children.iter_mut().find(|c| c.name == child.name) {
            Some(slot) => *slot = child,
            None => self.children.push(child),
        }
    }

    /// Removes and returns the child of this name.
    pub(crate) fn take_child(&mut self, name: &str) -> Option<Node> {
        let i = self.children.iter().position(|c| c.name == name)?;
        Some(self.children.remove(i))
    }

    /// Sets or replaces an attribute.
    pub(crate) fn set_attr(&mut self, name: &str, value: String) {
        match self.attrs.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((name.to_string(), value)),
        }
    }

    /// The child of this name, created empty when missing.
    pub(crate) fn child_or_insert(&mut self, name: &str) -> &mut Node {
        let i = match self.children.iter().position(|c| c.name == name) {
            Some(i) => i,
            None => {
                self.children.push(Node::new(name));
                self.children.len() - 1
            }
        };
        &mut self.children[i]
    }
}

//! The POM as written: Maven's model elements that m2fresh needs, each value with the file
//! and byte range it came from.
//!
//! One type, [`Model`], serves both the raw POM and the effective model (as Maven's own
//! `Model` does): inheritance, profile injection and interpolation rewrite values but keep
//! their [`Loc`], so a finding about an inherited dependency points at the parent POM's
//! line that declared it.

use crate::maven::xml::{self, Element, Span};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a source text in a [`Sources`] table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub u32);

/// Where a value was written: a source and a byte range in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    /// The POM.
    pub source: SourceId,
    /// The bytes.
    pub span: Span,
}

/// A text value of the model and where it came from. Serializes as its text alone, so the
/// canonical form of a model does not depend on formatting.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Value {
    /// The text (trimmed, unescaped; interpolated in an effective model).
    pub text: String,
    /// Where it was written.
    pub loc: Loc,
}

impl Value {
    /// The text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// The text of an optional value.
pub fn text(v: &Option<Value>) -> Option<&str> {
    v.as_ref().map(|v| v.text.as_str())
}

/// The POM source texts read so far, addressed by [`SourceId`].
#[derive(Debug, Default, Clone)]
pub struct Sources {
    entries: Vec<SourceFile>,
    /// Where each line of each entry starts, so that a location's line is a binary
    /// search: a POM with a hundred thousand findings must not rescan itself for each.
    line_starts: Vec<Vec<usize>>,
}

/// One source text: a POM file (in the workspace or the local repository).
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path on disk.
    pub path: PathBuf,
    /// The name shown in messages (relative to the workspace when inside it).
    pub name: String,
    /// The decoded text.
    pub text: Arc<str>,
}

impl Sources {
    /// Adds a text and returns its id.
    pub fn add(&mut self, path: PathBuf, name: String, text: Arc<str>) -> SourceId {
        let id = SourceId(u32::try_from(self.entries.len()).unwrap_or(u32::MAX));
        self.line_starts.push(line_starts(&text));
        self.entries.push(SourceFile { path, name, text });
        id
    }

    /// Reserves an id for a source that is about to be read (so that parsing, which bakes
    /// the id into every value's location, can run in parallel).
    pub fn reserve(&mut self, path: PathBuf, name: String) -> SourceId {
        self.add(path, name, Arc::from(""))
    }

    /// Sets the text of a reserved source.
    pub fn fill(&mut self, id: SourceId, text: Arc<str>) {
        if let Some(f) = self.entries.get_mut(id.0 as usize) {
            if let Some(starts) = self.line_starts.get_mut(id.0 as usize) {
                *starts = line_starts(&text);
            }
            f.text = text;
        }
    }

    /// How many sources there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The source with this id.
    pub fn get(&self, id: SourceId) -> Option<&SourceFile> {
        self.entries.get(id.0 as usize)
    }

    /// A miette source for diagnostics about this id.
    pub fn named(&self, id: SourceId) -> miette::NamedSource<String> {
        match self.get(id) {
            Some(f) => miette::NamedSource::new(f.name.clone(), f.text.to_string()),
            None => miette::NamedSource::new("<unknown>", String::new()),
        }
    }

    /// The display name of the source with this id (empty when unknown).
    pub fn name(&self, id: SourceId) -> String {
        self.get(id).map_or_else(String::new, |f| f.name.clone())
    }

    /// The path of the source with this id.
    pub fn path(&self, id: SourceId) -> &Path {
        self.get(id).map_or(Path::new(""), |f| f.path.as_path())
    }

    /// `file:line:column` of a location, for plain-text output.
    pub fn describe(&self, loc: &Loc) -> String {
        match (self.get(loc.source), self.line_col(loc)) {
            (Some(f), Some((line, col))) => format!("{}:{line}:{col}", f.name),
            _ => "<unknown>".into(),
        }
    }

    /// The 1-based line of a location.
    pub fn line(&self, loc: &Loc) -> usize {
        self.line_col(loc).map_or(0, |(line, _)| line)
    }

    /// The 1-based line and column (in bytes) of a location, as [`line_col`] computes
    /// them, without rescanning the text.
    pub fn line_col(&self, loc: &Loc) -> Option<(usize, usize)> {
        let f = self.get(loc.source)?;
        let starts = self.line_starts.get(loc.source.0 as usize)?;
        let offset = loc.span.start.min(f.text.len());
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts.get(line - 1).copied().unwrap_or(0);
        Some((line, offset - start + 1))
    }
}

/// The byte offset at which each line starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, col)
}

/// A POM's `<project>`: the parts of Maven's model that decide the reactor, the artifact
/// and its content.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// The `<project>` element.
    #[serde(skip)]
    pub loc: Loc,
    /// `<groupId>`.
    pub group_id: Option<Value>,
    /// `<artifactId>`.
    pub artifact_id: Option<Value>,
    /// `<version>`.
    pub version: Option<Value>,
    /// `<packaging>`.
    pub packaging: Option<Value>,
    /// `<name>`.
    pub name: Option<Value>,
    /// `<prerequisites><maven>`: not inherited. Maven plugins name their Maven API
    /// dependencies with `${project.prerequisites.maven}`.
    pub prerequisites_maven: Option<Value>,
    /// `<parent>`.
    pub parent: Option<Parent>,
    /// `<properties>`, by name.
    pub properties: BTreeMap<String, Value>,
    /// Shared: the modules of a workspace mostly manage the same list (their root's, or
    /// an imported BOM's, interpolated alike), and the workspace keeps one copy of each
    /// distinct list. Change it with `Arc::make_mut`.
    pub dependency_management: Arc<Vec<Dependency>>,
    /// `<dependencies>`.
    pub dependencies: Vec<Dependency>,
    /// `<modules>`.
    pub modules: Vec<Value>,
    /// `<build>`.
    pub build: Build,
    /// `<profiles>`.
    #[serde(skip)]
    pub profiles: Vec<Profile>,
    /// What reading the file noticed (a skipped `<!DOCTYPE>`, undecodable bytes): Maven
    /// goes on silently, m2fresh goes on and reports them for the module's own POM.
    #[serde(skip)]
    pub notices: Vec<(String, Loc)>,
}

/// `<parent>`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parent {
    /// Where it is declared.
    #[serde(skip)]
    pub loc: Loc,
    /// `<groupId>`.
    pub group_id: Option<Value>,
    /// `<artifactId>`.
    pub artifact_id: Option<Value>,
    /// `<version>`.
    pub version: Option<Value>,
    /// `None` when absent (Maven's default `../pom.xml`); an empty value for
    /// `<relativePath/>`.
    pub relative_path: Option<Value>,
}

/// A `<dependency>`, in `dependencies` or `dependencyManagement`, or of a plugin.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dependency {
    /// Where it is declared.
    #[serde(skip)]
    pub loc: Loc,
    /// `<groupId>`.
    pub group_id: Option<Value>,
    /// `<artifactId>`.
    pub artifact_id: Option<Value>,
    /// `<version>`.
    pub version: Option<Value>,
    /// `<type>` (`jar` when not given: [`Dependency::type_or_default`]).
    #[serde(rename = "type")]
    pub type_: Option<Value>,
    /// `<classifier>`.
    pub classifier: Option<Value>,
    /// `<scope>`.
    pub scope: Option<Value>,
    /// `<optional>`.
    pub optional: Option<Value>,
    /// `<systemPath>`, the file of a `system`-scoped dependency.
    pub system_path: Option<Value>,
    /// `<exclusions>`: (groupId, artifactId) of each.
    pub exclusions: Vec<(Option<Value>, Option<Value>)>,
}

impl Dependency {
    /// The type, `jar` when not given.
    pub fn type_or_default(&self) -> &str {
        text(&self.type_).unwrap_or("jar")
    }

    /// The parts of Maven's management key, borrowed: groupId, artifactId, type,
    /// classifier (empty when none). Cheaper than [`Dependency::management_key`] where
    /// keys are only compared.
    pub fn key_parts(&self) -> (&str, &str, &str, &str) {
        (
            text(&self.group_id).unwrap_or(""),
            text(&self.artifact_id).unwrap_or(""),
            self.type_or_default(),
            text(&self.classifier).unwrap_or(""),
        )
    }

    /// Maven's management key: `groupId:artifactId:type[:classifier]`.
    pub fn management_key(&self) -> String {
        let mut key = format!(
            "{}:{}:{}",
            text(&self.group_id).unwrap_or(""),
            text(&self.artifact_id).unwrap_or(""),
            self.type_or_default()
        );
        if let Some(c) = text(&self.classifier).filter(|c| !c.is_empty()) {
            key.push(':');
            key.push_str(c);
        }
        key
    }
}

/// `<build>` (and a profile's build base).
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Build {
    /// `<sourceDirectory>`.
    pub source_directory: Option<Value>,
    /// `<directory>`.
    pub directory: Option<Value>,
    /// `<outputDirectory>`.
    pub output_directory: Option<Value>,
    /// `<finalName>`.
    pub final_name: Option<Value>,
    /// `<filters>`: property files that resource filtering reads.
    pub filters: Vec<Value>,
    /// `<resources>`.
    pub resources: Vec<Resource>,
    /// `<plugins>`.
    pub plugins: Vec<Plugin>,
    /// `<pluginManagement><plugins>`.
    pub plugin_management: Vec<Plugin>,
    /// `<extensions>`.
    pub extensions: Vec<Extension>,
}

/// A `<resource>`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    /// Where it is declared.
    #[serde(skip)]
    pub loc: Loc,
    /// `<directory>`.
    pub directory: Option<Value>,
    /// `<targetPath>`.
    pub target_path: Option<Value>,
    /// `<filtering>`.
    pub filtering: Option<Value>,
    /// `<includes>`.
    pub includes: Vec<Value>,
    /// `<excludes>`.
    pub excludes: Vec<Value>,
}

/// A build `<plugin>`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Plugin {
    /// Where it is declared.
    #[serde(skip)]
    pub loc: Loc,
    /// `<groupId>`.
    pub group_id: Option<Value>,
    /// `<artifactId>`.
    pub artifact_id: Option<Value>,
    /// `<version>`.
    pub version: Option<Value>,
    /// `<extensions>`.
    pub extensions: Option<Value>,
    /// `<inherited>`.
    pub inherited: Option<Value>,
    /// `<dependencies>`.
    pub dependencies: Vec<Dependency>,
    /// `<configuration>`.
    pub configuration: Option<Config>,
    /// `<executions>`.
    pub executions: Vec<Execution>,
}

impl Plugin {
    /// The groupId, `org.apache.maven.plugins` when not given.
    pub fn group_id_or_default(&self) -> &str {
        text(&self.group_id).unwrap_or("org.apache.maven.plugins")
    }

    /// `groupId:artifactId`, Maven's plugin key.
    pub fn key(&self) -> String {
        format!(
            "{}:{}",
            self.group_id_or_default(),
            text(&self.artifact_id).unwrap_or("")
        )
    }
}

/// A plugin `<execution>`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    /// `<id>`.
    pub id: Option<Value>,
    /// `<phase>`.
    pub phase: Option<Value>,
    /// `<goals>`.
    pub goals: Vec<Value>,
    /// `<inherited>`.
    pub inherited: Option<Value>,
    /// `<configuration>`.
    pub configuration: Option<Config>,
}

/// A build `<extension>`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    /// Where it is declared.
    #[serde(skip)]
    pub loc: Loc,
    /// `<groupId>`.
    pub group_id: Option<Value>,
    /// `<artifactId>`.
    pub artifact_id: Option<Value>,
    /// `<version>`.
    pub version: Option<Value>,
}

/// A plugin's free-form `<configuration>` tree.
#[derive(Clone, Debug, Serialize)]
pub struct Config {
    /// `<name>`.
    pub name: String,
    /// The element's attributes, in document order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attrs: Vec<(String, String)>,
    /// The element's text.
    pub value: Option<Value>,
    /// The child elements, in document order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Config>,
}

impl Config {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Config> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text at a path of child names, like `to/image`.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        let mut node = self;
        for part in path.split('/') {
            node = node.child(part)?;
        }
        text(&node.value)
    }
}

/// A `<profile>`.
#[derive(Clone, Debug)]
pub struct Profile {
    /// Where it is declared.
    pub loc: Loc,
    /// `<id>`.
    pub id: Option<Value>,
    /// `<activation>`.
    pub activation: Option<Activation>,
    /// `<properties>`, by name.
    pub properties: BTreeMap<String, Value>,
    /// `<dependencyManagement><dependencies>`.
    pub dependency_management: Vec<Dependency>,
    /// `<dependencies>`.
    pub dependencies: Vec<Dependency>,
    /// `<modules>`.
    pub modules: Vec<Value>,
    /// `<build>`.
    pub build: Build,
}

impl Profile {
    /// The id, Maven's `default` when none is given.
    pub fn id_or_default(&self) -> &str {
        text(&self.id).unwrap_or("default")
    }
}

/// A profile's `<activation>`.
#[derive(Clone, Debug, Default)]
pub struct Activation {
    /// `<activeByDefault>`.
    pub active_by_default: Option<Value>,
    /// `<jdk>`.
    pub jdk: Option<Value>,
    /// `<property><name>`.
    pub property_name: Option<Value>,
    /// `<property><value>`.
    pub property_value: Option<Value>,
    /// `<file><exists>`.
    pub file_exists: Option<Value>,
    /// `<file><missing>`.
    pub file_missing: Option<Value>,
    /// `<os>`.
    pub os: Option<OsCondition>,
}

/// An `<activation><os>` condition; each value may start with `!` to negate it.
#[derive(Clone, Debug, Default)]
pub struct OsCondition {
    /// `<name>`.
    pub name: Option<Value>,
    /// `<family>`.
    pub family: Option<Value>,
    /// `<arch>`.
    pub arch: Option<Value>,
    /// `<version>`.
    pub version: Option<Value>,
}

/// Reads a `<project>` element into a [`Model`]. Unknown elements are ignored, as Maven's
/// lenient reader does not (it rejects them) — but m2fresh reads POMs to analyse them,
/// and Maven itself reports the unknown ones when it builds.
pub fn read_model(root: &Element, source: SourceId) -> Result<Model, (String, Span)> {
    if root.name != "project" {
        return Err((
            format!("the root element is <{}>, not <project>", root.name),
            root.span.clone(),
        ));
    }
    let r = Reader { source };
    Ok(Model {
        loc: r.loc(&root.span),
        group_id: r.value(root, "groupId"),
        artifact_id: r.value(root, "artifactId"),
        version: r.value(root, "version"),
        packaging: r.value(root, "packaging"),
        name: r.value(root, "name"),
        prerequisites_maven: root
            .child("prerequisites")
            .and_then(|p| r.value(p, "maven")),
        parent: root.child("parent").map(|p| Parent {
            loc: r.loc(&p.span),
            group_id: r.value(p, "groupId"),
            artifact_id: r.value(p, "artifactId"),
            version: r.value(p, "version"),
            relative_path: p.child("relativePath").map(|e| r.text(e)),
        }),
        properties: r.properties(root),
        dependency_management: root
            .child("dependencyManagement")
            .map(|dm| r.dependencies(dm))
            .unwrap_or_default()
            .into(),
        dependencies: r.dependencies(root),
        modules: r.list(root, "modules", "module"),
        build: root.child("build").map(|b| r.build(b)).unwrap_or_default(),
        profiles: root
            .child("profiles")
            .map(|ps| ps.children_named("profile").map(|p| r.profile(p)).collect())
            .unwrap_or_default(),
        notices: Vec::new(),
    })
}

struct Reader {
    source: SourceId,
}

impl Reader {
    fn loc(&self, span: &Span) -> Loc {
        Loc {
            source: self.source,
            span: span.clone(),
        }
    }

    fn text(&self, e: &Element) -> Value {
        Value {
            text: e.text.clone(),
            loc: self.loc(&e.text_span),
        }
    }

    fn value(&self, parent: &Element, name: &str) -> Option<Value> {
        parent.child(name).map(|e| self.text(e))
    }

    fn list(&self, parent: &Element, outer: &str, inner: &str) -> Vec<Value> {
        parent
            .child(outer)
            .map(|o| o.children_named(inner).map(|e| self.text(e)).collect())
            .unwrap_or_default()
    }

    fn properties(&self, parent: &Element) -> BTreeMap<String, Value> {
        parent
            .child("properties")
            .map(|ps| {
                ps.children
                    .iter()
                    .map(|p| (p.name.clone(), self.text(p)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn dependencies(&self, parent: &Element) -> Vec<Dependency> {
        parent
            .child("dependencies")
            .map(|ds| {
                ds.children_named("dependency")
                    .map(|d| self.dependency(d))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn dependency(&self, d: &Element) -> Dependency {
        Dependency {
            loc: self.loc(&d.span),
            group_id: self.value(d, "groupId"),
            artifact_id: self.value(d, "artifactId"),
            version: self.value(d, "version"),
            type_: self.value(d, "type"),
            classifier: self.value(d, "classifier"),
            scope: self.value(d, "scope"),
            optional: self.value(d, "optional"),
            system_path: self.value(d, "systemPath"),
            exclusions: d
                .child("exclusions")
                .map(|ex| {
                    ex.children_named("exclusion")
                        .map(|e| (self.value(e, "groupId"), self.value(e, "artifactId")))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn build(&self, b: &Element) -> Build {
        Build {
            source_directory: self.value(b, "sourceDirectory"),
            directory: self.value(b, "directory"),
            output_directory: self.value(b, "outputDirectory"),
            final_name: self.value(b, "finalName"),
            filters: self.list(b, "filters", "filter"),
            resources: b
                .child("resources")
                .map(|rs| {
                    rs.children_named("resource")
                        .map(|r| Resource {
                            loc: self.loc(&r.span),
                            directory: self.value(r, "directory"),
                            target_path: self.value(r, "targetPath"),
                            filtering: self.value(r, "filtering"),
                            includes: self.list(r, "includes", "include"),
                            excludes: self.list(r, "excludes", "exclude"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            plugins: self.plugins(b),
            plugin_management: b
                .child("pluginManagement")
                .map(|pm| self.plugins(pm))
                .unwrap_or_default(),
            extensions: b
                .child("extensions")
                .map(|es| {
                    es.children_named("extension")
                        .map(|e| Extension {
                            loc: self.loc(&e.span),
                            group_id: self.value(e, "groupId"),
                            artifact_id: self.value(e, "artifactId"),
                            version: self.value(e, "version"),
                        })
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    fn plugins(&self, parent: &Element) -> Vec<Plugin> {
        parent
            .child("plugins")
            .map(|ps| {
                ps.children_named("plugin")
                    .map(|p| Plugin {
                        loc: self.loc(&p.span),
                        group_id: self.value(p, "groupId"),
                        artifact_id: self.value(p, "artifactId"),
                        version: self.value(p, "version"),
                        extensions: self.value(p, "extensions"),
                        inherited: self.value(p, "inherited"),
                        dependencies: self.dependencies(p),
                        configuration: p.child("configuration").map(|c| self.config(c)),
                        executions: p
                            .child("executions")
                            .map(|es| {
                                es.children_named("execution")
                                    .map(|e| Execution {
                                        id: self.value(e, "id"),
                                        phase: self.value(e, "phase"),
                                        goals: self.list(e, "goals", "goal"),
                                        inherited: self.value(e, "inherited"),
                                        configuration: e
                                            .child("configuration")
                                            .map(|c| self.config(c)),
                                    })
                                    .collect()
                            })
                            .unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn config(&self, e: &Element) -> Config {
        Config {
            name: e.name.clone(),
            attrs: e.attrs.clone(),
            value: (!e.text.is_empty()).then(|| self.text(e)),
            children: e.children.iter().map(|c| self.config(c)).collect(),
        }
    }

    fn profile(&self, p: &Element) -> Profile {
        Profile {
            loc: self.loc(&p.span),
            id: self.value(p, "id"),
            activation: p.child("activation").map(|a| {
                let property = a.child("property");
                let file = a.child("file");
                Activation {
                    active_by_default: self.value(a, "activeByDefault"),
                    jdk: self.value(a, "jdk"),
                    property_name: property.and_then(|pr| self.value(pr, "name")),
                    property_value: property.and_then(|pr| self.value(pr, "value")),
                    file_exists: file.and_then(|f| self.value(f, "exists")),
                    file_missing: file.and_then(|f| self.value(f, "missing")),
                    os: a.child("os").map(|o| OsCondition {
                        name: self.value(o, "name"),
                        family: self.value(o, "family"),
                        arch: self.value(o, "arch"),
                        version: self.value(o, "version"),
                    }),
                }
            }),
            properties: self.properties(p),
            dependency_management: p
                .child("dependencyManagement")
                .map(|dm| self.dependencies(dm))
                .unwrap_or_default(),
            dependencies: self.dependencies(p),
            modules: self.list(p, "modules", "module"),
            build: p.child("build").map(|b| self.build(b)).unwrap_or_default(),
        }
    }
}

/// Reads and parses a POM file: decoding, XML, model. Errors carry the span to show.
pub fn parse_model(text: &str, source: SourceId) -> Result<Model, (String, Span)> {
    let doc = xml::parse_document(text).map_err(|e| (e.message, e.span))?;
    let mut model = read_model(&doc.root, source)?;
    if let Some(span) = doc.doctype {
        model.notices.push((
            "the POM has a <!DOCTYPE>; like Maven, m2fresh skips it (its entities are never \
             defined or expanded, no DTD is read)"
                .into(),
            Loc { source, span },
        ));
    }
    Ok(model)
}

impl Model {
    /// Calls `f` on every value of the model that Maven interpolates (all but the
    /// profiles, which are applied before interpolation, and the parent's coordinates,
    /// which Maven resolves before the model exists).
    pub fn for_each_value_mut(&mut self, f: &mut dyn FnMut(&mut Value)) {
        let opt = |v: &mut Option<Value>, f: &mut dyn FnMut(&mut Value)| {
            if let Some(v) = v {
                f(v)
            }
        };
        opt(&mut self.group_id, f);
        opt(&mut self.artifact_id, f);
        opt(&mut self.version, f);
        opt(&mut self.packaging, f);
        opt(&mut self.name, f);
        opt(&mut self.prerequisites_maven, f);
        for v in self.properties.values_mut() {
            f(v);
        }
        for d in Arc::make_mut(&mut self.dependency_management)
            .iter_mut()
            .chain(self.dependencies.iter_mut())
        {
            d.for_each_value_mut(f);
        }
        for m in &mut self.modules {
            f(m);
        }
        let b = &mut self.build;
        opt(&mut b.source_directory, f);
        opt(&mut b.directory, f);
        opt(&mut b.output_directory, f);
        opt(&mut b.final_name, f);
        b.filters.iter_mut().for_each(&mut *f);
        for r in &mut b.resources {
            opt(&mut r.directory, f);
            opt(&mut r.target_path, f);
            opt(&mut r.filtering, f);
            r.includes
                .iter_mut()
                .chain(r.excludes.iter_mut())
                .for_each(&mut *f);
        }
        for p in b.plugins.iter_mut().chain(b.plugin_management.iter_mut()) {
            opt(&mut p.group_id, f);
            opt(&mut p.artifact_id, f);
            opt(&mut p.version, f);
            opt(&mut p.extensions, f);
            for d in &mut p.dependencies {
                d.for_each_value_mut(f);
            }
            if let Some(c) = &mut p.configuration {
                c.for_each_value_mut(f);
            }
            for e in &mut p.executions {
                opt(&mut e.id, f);
                opt(&mut e.phase, f);
                e.goals.iter_mut().for_each(&mut *f);
                if let Some(c) = &mut e.configuration {
                    c.for_each_value_mut(f);
                }
            }
        }
        for e in &mut b.extensions {
            opt(&mut e.group_id, f);
            opt(&mut e.artifact_id, f);
            opt(&mut e.version, f);
        }
    }
}

impl Dependency {
    pub(crate) fn for_each_value_mut(&mut self, f: &mut dyn FnMut(&mut Value)) {
        for v in [
            &mut self.group_id,
            &mut self.artifact_id,
            &mut self.version,
            &mut self.type_,
            &mut self.classifier,
            &mut self.scope,
            &mut self.optional,
            &mut self.system_path,
        ]
        .into_iter()
        .flatten()
        {
            f(v);
        }
    }
}

impl Config {
    fn for_each_value_mut(&mut self, f: &mut dyn FnMut(&mut Value)) {
        if let Some(v) = &mut self.value {
            f(v);
        }
        for c in &mut self.children {
            c.for_each_value_mut(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POM: &str = r#"<?xml version="1.0"?>
<project>
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>g</groupId><artifactId>parent</artifactId><version>1</version>
    <relativePath/>
  </parent>
  <artifactId>child</artifactId>
  <properties><x.y>1</x.y></properties>
  <dependencies>
    <dependency><groupId>g</groupId><artifactId>a</artifactId><type>test-jar</type><classifier>c</classifier></dependency>
  </dependencies>
  <build>
    <plugins><plugin><artifactId>maven-jar-plugin</artifactId>
      <configuration><archive><manifest><mainClass>x.Main</mainClass></manifest></archive></configuration>
    </plugin></plugins>
  </build>
  <profiles><profile><id>p</id><activation><property><name>!skip</name></property></activation>
    <modules><module>m</module></modules></profile></profiles>
</project>"#;

    #[test]
    fn reads_the_elements_that_matter() {
        let m = parse_model(POM, SourceId(0)).unwrap();
        let parent = m.parent.as_ref().unwrap();
        assert_eq!(text(&parent.relative_path), Some(""));
        assert_eq!(text(&m.artifact_id), Some("child"));
        assert_eq!(m.group_id, None);
        assert_eq!(m.properties["x.y"].text, "1");
        assert_eq!(m.dependencies[0].management_key(), "g:a:test-jar:c");
        let jar = &m.build.plugins[0];
        assert_eq!(jar.key(), "org.apache.maven.plugins:maven-jar-plugin");
        let conf = jar.configuration.as_ref().unwrap();
        assert_eq!(conf.text_at("archive/manifest/mainClass"), Some("x.Main"));
        let p = &m.profiles[0];
        let act = p.activation.as_ref().unwrap();
        assert_eq!(text(&act.property_name), Some("!skip"));
        assert_eq!(p.modules[0].text, "m");
    }

    #[test]
    fn values_point_at_their_line() {
        let m = parse_model(POM, SourceId(0)).unwrap();
        let mut sources = Sources::default();
        sources.add("pom.xml".into(), "pom.xml".into(), POM.into());
        let a = m.artifact_id.as_ref().unwrap();
        assert_eq!(sources.describe(&a.loc), "pom.xml:8:15");
    }

    #[test]
    fn the_line_index_agrees_with_line_col() {
        let text = "a\nbc\n\nd";
        let mut sources = Sources::default();
        let id = sources.reserve("p".into(), "p".into());
        sources.fill(id, text.into());
        for offset in 0..=text.len() + 2 {
            let loc = Loc {
                source: id,
                span: offset..offset,
            };
            assert_eq!(
                sources.line_col(&loc),
                Some(line_col(text, offset)),
                "offset {offset}"
            );
        }
    }

    #[test]
    fn a_root_that_is_not_project_is_an_error() {
        let err = parse_model("<settings/>", SourceId(0)).unwrap_err();
        assert!(err.0.contains("<settings>"));
    }
}

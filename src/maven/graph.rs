//! The reactor graph and Maven 3's build order.
//!
//! Edges follow `ProjectSorter` (maven-core): for each project, in project-collection
//! order, an edge for each effective dependency (every scope; type and classifier do not
//! matter), then the parent (forced: it removes a reverse edge), then each build plugin
//! and its dependencies, then each build extension. Plugin and extension edges that would
//! close a cycle are dropped silently; a dependency cycle is an error. A version that does
//! not start with `[` or `(` must equal the module's version string; an empty version or a
//! range links to every version of that groupId:artifactId.
//!
//! The order is plexus' `TopologicalSorter`: a DFS post-order over the vertices in
//! insertion order, children in edge-insertion order. Maven 3 sorts twice (the second time
//! over the already sorted list, after lifecycle participants ran), and so does m2fresh.
//!
//! BOMs imported from the workspace give no reactor edge in Maven, but must be installed
//! before their importers: they are kept as edges of their own kind
//! ([`EdgeKind::Import`]), used by the upstream closure and the install plan.

use crate::error::{Error, Finding, FindingKind, PomDiagnostic, Result};
use crate::maven::pom::{Loc, text};
use crate::maven::workspace::{Module, ModuleId, Workspace};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// Why one module comes before another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum EdgeKind {
    /// A `<dependency>` (of any scope).
    Dependency {
        /// Its scope (`compile` when not given).
        scope: String,
    },
    /// The `<parent>`.
    Parent,
    /// A build `<plugin>`.
    Plugin,
    /// A dependency of a build plugin.
    PluginDependency,
    /// A build `<extension>`.
    Extension,
    /// A BOM imported into `dependencyManagement` (not a reactor edge in Maven).
    Import,
}

impl EdgeKind {
    /// Whether Maven's reactor has this edge (all but imports).
    pub fn is_reactor(&self) -> bool {
        !matches!(self, EdgeKind::Import)
    }

    /// A few words for output: `compile dependency`, `parent`, ...
    pub fn describe(&self) -> String {
        match self {
            EdgeKind::Dependency { scope } => format!("{scope} dependency"),
            EdgeKind::Parent => "parent".into(),
            EdgeKind::Plugin => "build plugin".into(),
            EdgeKind::PluginDependency => "plugin dependency".into(),
            EdgeKind::Extension => "build extension".into(),
            EdgeKind::Import => "imported BOM".into(),
        }
    }
}

/// `from` needs `to` first.
#[derive(Clone, Debug)]
pub struct Edge {
    /// The downstream module.
    pub from: ModuleId,
    /// The upstream module.
    pub to: ModuleId,
    /// Why.
    pub kind: EdgeKind,
    /// The declaration (possibly in a parent POM, for inherited ones).
    pub loc: Loc,
}

/// The modules, the edges between them, and Maven's build order.
#[derive(Debug)]
pub struct ReactorGraph {
    /// Every edge kept, reactor edges and imports, in the order they were added.
    pub edges: Vec<Edge>,
    /// All modules in Maven's reactor build order.
    pub order: Vec<ModuleId>,
    /// Findings from building the graph.
    pub findings: Vec<Finding>,
    graph: DiGraph<ModuleId, usize>,
    position: Vec<usize>,
    first_position: Vec<usize>,
    candidates: Vec<Edge>,
}

impl ReactorGraph {
    /// The order of Maven's first sort, over the projects in collection order: the
    /// reactor build order of Maven 3.9, which sorts once (Maven 3.8 sorts the sorted list
    /// again, which is [`ReactorGraph::order`]; they differ only when a plugin edge closes
    /// a cycle).
    pub fn first_pass_order(&self) -> Vec<ModuleId> {
        let mut ids: Vec<ModuleId> = self.order.clone();
        ids.sort_by_key(|id| self.first_position.get(id.0).copied().unwrap_or(usize::MAX));
        ids
    }

    /// Builds the graph and the order of a workspace.
    ///
    /// ```no_run
    /// use m2fresh::maven::{graph::ReactorGraph, workspace::{LoadOptions, Workspace}};
    /// let ws = Workspace::load("fixtures/xuecheng".as_ref(), &LoadOptions::default())?;
    /// let graph = ReactorGraph::build(&ws)?;
    /// for id in &graph.order {
    ///     println!("{}", ws.module(*id).gav);
    /// }
    /// # Ok::<(), m2fresh::error::Error>(())
    /// ```
    pub fn build(ws: &Workspace) -> Result<ReactorGraph> {
        let mut findings = Vec::new();
        let candidates = candidate_edges(ws, &mut findings);
        let n = ws.modules.len();
        let initial: Vec<ModuleId> = ws.modules.iter().map(|m| m.id).collect();
        let (first_order, kept_first) = sort(ws, &initial, &candidates)?;
        let (order, kept) = sort(ws, &first_order, &candidates)?;

        // The edges are those of the first pass: they decide what `-am` selects (Maven
        // trims the project list with the first graph, then sorts the selection again).
        let mut edges: Vec<Edge> = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            if c.kind.is_reactor() && !kept.contains(&i) && !kept_first.contains(&i) {
                if matches!(
                    c.kind,
                    EdgeKind::Plugin | EdgeKind::PluginDependency | EdgeKind::Extension
                ) {
                    findings.push(Finding::warning(
                        &ws.sources,
                        FindingKind::DroppedEdge,
                        Some(ws.module(c.from).key()),
                        format!(
                            "the {} edge {} -> {} would close a cycle; Maven drops it silently",
                            c.kind.describe(),
                            ws.module(c.from).key(),
                            ws.module(c.to).key()
                        ),
                        Some(&c.loc),
                    ));
                }
                continue;
            }
            if c.kind.is_reactor() && !kept_first.contains(&i) {
                continue;
            }
            edges.push(c.clone());
        }
        let mut graph = DiGraph::with_capacity(n, edges.len());
        for m in &ws.modules {
            graph.add_node(m.id);
        }
        for (i, e) in edges.iter().enumerate() {
            graph.add_edge(NodeIndex::new(e.from.0), NodeIndex::new(e.to.0), i);
        }
        let mut position = vec![0; n];
        for (i, id) in order.iter().enumerate() {
            position[id.0] = i;
        }
        let mut first_position = vec![0; n];
        for (i, id) in first_order.iter().enumerate() {
            first_position[id.0] = i;
        }
        Ok(ReactorGraph {
            edges,
            order,
            findings,
            graph,
            position,
            first_position,
            candidates,
        })
    }

    /// The modules the targets need (the targets included), following reactor edges and
    /// imports, in build order.
    pub fn upstream(&self, targets: &[ModuleId]) -> Vec<ModuleId> {
        self.closure(targets, true)
    }

    /// The modules Maven's `-pl TARGETS -am` would build, in the order it would build
    /// them: the upstream by reactor edges only (imported BOMs are resolved, not built,
    /// by the reactor), sorted again as a reactor of its own, as Maven's second sort
    /// does after trimming the project list.
    pub fn reactor_upstream(&self, ws: &Workspace, targets: &[ModuleId]) -> Result<Vec<ModuleId>> {
        let mut selected = self.closure(targets, false);
        selected.sort_by_key(|id| self.first_position[id.0]);
        Ok(sort(ws, &selected, &self.candidates)?.0)
    }

    fn closure(&self, targets: &[ModuleId], with_imports: bool) -> Vec<ModuleId> {
        let mut seen: HashSet<ModuleId> = HashSet::new();
        let mut stack: Vec<ModuleId> = targets.to_vec();
        while let Some(id) = stack.pop() {
            if !seen.insert(id) {
                continue;
            }
            for e in self.graph.edges(NodeIndex::new(id.0)) {
                let edge = &self.edges[*e.weight()];
                if with_imports || edge.kind.is_reactor() {
                    stack.push(edge.to);
                }
            }
        }
        let mut out: Vec<ModuleId> = seen.into_iter().collect();
        out.sort_by_key(|id| self.position[id.0]);
        out
    }

    /// The edges out of a module (what it needs), in declaration order.
    pub fn needs(&self, id: ModuleId) -> Vec<&Edge> {
        let mut out: Vec<&Edge> = self
            .graph
            .edges(NodeIndex::new(id.0))
            .map(|e| &self.edges[*e.weight()])
            .collect();
        out.sort_by_key(|e| (e.loc.source, e.loc.span.start));
        out
    }

    /// The distinct upstream modules a module needs directly.
    pub fn direct_upstream(&self, id: ModuleId) -> Vec<ModuleId> {
        let set: BTreeSet<ModuleId> = self.needs(id).iter().map(|e| e.to).collect();
        set.into_iter().collect()
    }

    /// A shortest chain of edges from `from` down to `to`, if `from` needs `to`.
    pub fn path(&self, from: ModuleId, to: ModuleId) -> Option<Vec<&Edge>> {
        let mut prev: HashMap<ModuleId, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([from]);
        let mut seen = HashSet::from([from]);
        while let Some(id) = queue.pop_front() {
            if id == to {
                let mut chain = Vec::new();
                let mut at = to;
                while at != from {
                    let e = &self.edges[prev[&at]];
                    chain.push(e);
                    at = e.from;
                }
                chain.reverse();
                return Some(chain);
            }
            let mut next: Vec<usize> = self
                .graph
                .edges(NodeIndex::new(id.0))
                .map(|e| *e.weight())
                .collect();
            next.sort_unstable();
            for i in next {
                let t = self.edges[i].to;
                if seen.insert(t) {
                    prev.insert(t, i);
                    queue.push_back(t);
                }
            }
        }
        None
    }

    /// The position of a module in the build order.
    pub fn position(&self, id: ModuleId) -> usize {
        self.position[id.0]
    }
}

/// The edges `ProjectSorter` would try to add, per project in collection order, plus the
/// import edges. Also reports dependencies on workspace coordinates with another version.
fn candidate_edges(ws: &Workspace, findings: &mut Vec<Finding>) -> Vec<Edge> {
    let mut edges = Vec::new();
    for m in &ws.modules {
        let e = &m.effective;
        let mut link = |r: Reference, findings: &mut Vec<Finding>| {
            link_reference(ws, m, r, &mut edges, findings)
        };
        for d in &e.dependencies {
            let scope = text(&d.scope).unwrap_or("compile").to_string();
            link(
                Reference::of_dependency(d, EdgeKind::Dependency { scope }),
                findings,
            );
        }
        if let Some(p) = &m.parent {
            // The parent edge uses the declared coordinates; ProjectSorter matches them
            // like any other (a mismatch is the model's business, not a finding here).
            let parent = Reference {
                group_id: &p.gav.group_id,
                artifact_id: &p.gav.artifact_id,
                version: Some(&p.gav.version),
                kind: EdgeKind::Parent,
                loc: &p.loc,
                version_loc: None,
            };
            link(parent, &mut Vec::new());
        }
        for p in &e.build.plugins {
            let plugin = Reference {
                group_id: p.group_id_or_default(),
                artifact_id: text(&p.artifact_id).unwrap_or(""),
                version: text(&p.version),
                kind: EdgeKind::Plugin,
                loc: &p.loc,
                version_loc: p.version.as_ref().map(|v| &v.loc),
            };
            link(plugin, findings);
            for d in &p.dependencies {
                link(
                    Reference::of_dependency(d, EdgeKind::PluginDependency),
                    findings,
                );
            }
        }
        for p in e
            .build
            .plugins
            .iter()
            .filter(|p| text(&p.extensions) == Some("true"))
        {
            extension_finding(
                ws,
                m.key(),
                p.group_id_or_default(),
                text(&p.artifact_id),
                &p.loc,
                findings,
            );
        }
        for x in &e.build.extensions {
            extension_finding(
                ws,
                m.key(),
                text(&x.group_id).unwrap_or(""),
                text(&x.artifact_id),
                &x.loc,
                findings,
            );
            let extension = Reference {
                group_id: text(&x.group_id).unwrap_or(""),
                artifact_id: text(&x.artifact_id).unwrap_or(""),
                version: text(&x.version),
                kind: EdgeKind::Extension,
                loc: &x.loc,
                version_loc: x.version.as_ref().map(|v| &v.loc),
            };
            link(extension, findings);
        }
        for (gav, loc) in &m.imports {
            if let Some(to) = ws.by_gav(gav) {
                edges.push(Edge {
                    from: m.id,
                    to,
                    kind: EdgeKind::Import,
                    loc: loc.clone(),
                });
            }
        }
    }
    edges
}

/// Coordinates a module names in its model, which may be a workspace module.
struct Reference<'a> {
    group_id: &'a str,
    artifact_id: &'a str,
    version: Option<&'a str>,
    kind: EdgeKind,
    /// The declaration.
    loc: &'a Loc,
    /// The `<version>` element, where a version mismatch points.
    version_loc: Option<&'a Loc>,
}

impl<'a> Reference<'a> {
    fn of_dependency(d: &'a crate::maven::pom::Dependency, kind: EdgeKind) -> Self {
        Reference {
            group_id: text(&d.group_id).unwrap_or(""),
            artifact_id: text(&d.artifact_id).unwrap_or(""),
            version: text(&d.version),
            kind,
            loc: &d.loc,
            version_loc: d.version.as_ref().map(|v| &v.loc),
        }
    }
}

/// The edges from `m` for one reference, as ProjectSorter links it: to every module of
/// that groupId:artifactId whose version matches (any version for an empty version or a
/// range). A specific version that no module has is a finding: Maven takes the jar from
/// the repository.
fn link_reference(
    ws: &Workspace,
    m: &Module,
    r: Reference,
    edges: &mut Vec<Edge>,
    findings: &mut Vec<Finding>,
) {
    let candidates = ws.by_ga(&format!("{}:{}", r.group_id, r.artifact_id));
    if candidates.is_empty() {
        return;
    }
    let v = r.version.unwrap_or("");
    let specific = !(v.is_empty() || v.starts_with('[') || v.starts_with('('));
    let mut matched = false;
    for &to in candidates {
        if specific && ws.module(to).gav.version != v {
            continue;
        }
        matched = true;
        if to != m.id {
            edges.push(Edge {
                from: m.id,
                to,
                kind: r.kind.clone(),
                loc: r.loc.clone(),
            });
        }
    }
    if !matched {
        findings.push(version_mismatch(ws, m, &r, candidates));
    }
}

fn version_mismatch(ws: &Workspace, m: &Module, r: &Reference, candidates: &[ModuleId]) -> Finding {
    let (g, a, v) = (r.group_id, r.artifact_id, r.version.unwrap_or(""));
    let versions: Vec<&str> = candidates
        .iter()
        .map(|id| ws.module(*id).gav.version.as_str())
        .collect();
    Finding::warning(
        &ws.sources,
        FindingKind::VersionMismatch,
        Some(m.key()),
        format!(
            "{} names {g}:{a}:{v} ({}), but the workspace has {g}:{a}:{}; Maven \
             does not build it from these sources and takes {v} from the \
             repository instead",
            m.key(),
            r.kind.describe(),
            versions.join(", ")
        ),
        r.version_loc.or(Some(r.loc)),
    )
    .with_help(format!(
        "use version {} (for example ${{project.version}}) to build against the sources",
        versions.first().copied().unwrap_or("")
    ))
}

fn extension_finding(
    ws: &Workspace,
    module: String,
    group_id: &str,
    artifact_id: Option<&str>,
    loc: &Loc,
    findings: &mut Vec<Finding>,
) {
    let ga = format!("{group_id}:{}", artifact_id.unwrap_or(""));
    if ws.by_ga(&ga).is_empty() {
        return;
    }
    findings.push(
        Finding::warning(
            &ws.sources,
            FindingKind::ExtensionInReactor,
            Some(module),
            format!(
                "the build extension {ga} is a module of this workspace; Maven loads \
                 extensions from the repository before it builds the reactor, so a plain \
                 reactor build fails (or uses an old copy) until {ga} is installed"
            ),
            Some(loc),
        )
        .with_help(format!("install {ga} first: `m2fresh install {ga}`")),
    );
}

/// One `ProjectSorter` + `TopologicalSorter` pass over `projects` (in this order). Returns
/// the order and the indices of the candidate edges kept in the DAG.
fn sort(
    ws: &Workspace,
    projects: &[ModuleId],
    candidates: &[Edge],
) -> Result<(Vec<ModuleId>, HashSet<usize>)> {
    let n = ws.modules.len();
    // Vertex index = position in `projects`.
    let mut vertex = vec![usize::MAX; n];
    for (i, id) in projects.iter().enumerate() {
        vertex[id.0] = i;
    }
    let mut by_from: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in candidates.iter().enumerate() {
        // Edges out of the project list (a `-pl` selection) are not part of this sort.
        if e.kind.is_reactor() && vertex[e.from.0] != usize::MAX && vertex[e.to.0] != usize::MAX {
            by_from[e.from.0].push(i);
        }
    }
    // Per project, ProjectSorter adds dependencies, then the parent, then plugins (with
    // their dependencies), then extensions; candidate_edges produced them in that order.
    let mut dag = Dag::new(projects.len());
    let acyclic = is_acyclic(projects.len(), candidates, &vertex);
    let mut kept = HashSet::new();
    for (from_v, id) in projects.iter().enumerate() {
        for &i in &by_from[id.0] {
            let e = &candidates[i];
            let to_v = vertex[e.to.0];
            if acyclic {
                dag.children[from_v].push(to_v);
                kept.insert(i);
                continue;
            }
            let force = e.kind == EdgeKind::Parent;
            let safe = matches!(
                e.kind,
                EdgeKind::Plugin | EdgeKind::PluginDependency | EdgeKind::Extension
            );
            if force && let Some(pos) = dag.children[to_v].iter().position(|&c| c == from_v) {
                dag.children[to_v].remove(pos);
            }
            dag.children[from_v].push(to_v);
            if let Some(cycle) = dag.cycle_from(to_v, from_v) {
                dag.children[from_v].pop();
                if safe {
                    continue;
                }
                return Err(cycle_error(ws, projects, &cycle, candidates));
            }
            kept.insert(i);
        }
    }
    // Edges removed by a forced parent edge are gone from the DAG; recompute `kept`.
    if !acyclic {
        kept.retain(|&i| {
            let e = &candidates[i];
            dag.children[vertex[e.from.0]].contains(&vertex[e.to.0])
        });
    }
    let order = dag
        .topological_order()
        .into_iter()
        .map(|v| projects[v])
        .collect();
    Ok((order, kept))
}

/// Whether all the reactor candidate edges together are acyclic: then no edge insertion
/// can fail and the exact, slower emulation is not needed.
fn is_acyclic(n: usize, candidates: &[Edge], vertex: &[usize]) -> bool {
    let mut g: DiGraph<(), ()> = DiGraph::with_capacity(n, candidates.len());
    for _ in 0..n {
        g.add_node(());
    }
    for e in candidates.iter().filter(|e| {
        e.kind.is_reactor() && vertex[e.from.0] != usize::MAX && vertex[e.to.0] != usize::MAX
    }) {
        g.add_edge(
            NodeIndex::new(vertex[e.from.0]),
            NodeIndex::new(vertex[e.to.0]),
            (),
        );
    }
    !petgraph::algo::is_cyclic_directed(&g)
}

/// plexus-utils' `DAG`: vertices in insertion order, children lists in edge order
/// (duplicates allowed, as in its `ArrayList`).
struct Dag {
    children: Vec<Vec<usize>>,
}

impl Dag {
    fn new(n: usize) -> Self {
        Dag {
            children: vec![Vec::new(); n],
        }
    }

    /// After adding `from -> to`: the cycle through it, if `from` is reachable from `to`
    /// (as `CycleDetector.introducesCycle(to)` finds it), as vertices `to ... from to`.
    fn cycle_from(&self, to: usize, from: usize) -> Option<Vec<usize>> {
        let mut prev = vec![usize::MAX; self.children.len()];
        let mut seen = vec![false; self.children.len()];
        let mut stack = vec![to];
        seen[to] = true;
        while let Some(v) = stack.pop() {
            if v == from {
                let mut path = vec![from];
                let mut at = from;
                while at != to {
                    at = prev[at];
                    path.push(at);
                }
                path.reverse();
                path.push(to);
                return Some(path);
            }
            for &c in &self.children[v] {
                if !seen[c] {
                    seen[c] = true;
                    prev[c] = v;
                    stack.push(c);
                }
            }
        }
        None
    }

    /// `TopologicalSorter.sort`: DFS post-order, iteratively (no recursion depth limit).
    fn topological_order(&self) -> Vec<usize> {
        let n = self.children.len();
        let mut visited = vec![false; n];
        let mut out = Vec::with_capacity(n);
        let mut stack: Vec<(usize, usize)> = Vec::new();
        for start in 0..n {
            if visited[start] {
                continue;
            }
            visited[start] = true;
            stack.push((start, 0));
            while let Some((v, i)) = stack.pop() {
                if let Some(&c) = self.children[v].get(i) {
                    stack.push((v, i + 1));
                    if !visited[c] {
                        visited[c] = true;
                        stack.push((c, 0));
                    }
                } else {
                    out.push(v);
                }
            }
        }
        out
    }
}

/// The error for a dependency cycle: every module of the cycle and the POM line of each
/// edge.
fn cycle_error(
    ws: &Workspace,
    projects: &[ModuleId],
    cycle: &[usize],
    candidates: &[Edge],
) -> Error {
    let ids: Vec<ModuleId> = cycle.iter().map(|&v| projects[v]).collect();
    let names: Vec<String> = ids
        .iter()
        .map(|id| ws.module(*id).gav.to_string())
        .collect();
    let mut related = Vec::new();
    for pair in ids.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        if let Some(e) = candidates.iter().find(|e| e.from == from && e.to == to) {
            related.push(PomDiagnostic::at(
                &ws.sources,
                "m2fresh::maven::graph::cycle",
                format!(
                    "{} needs {} ({}) at {}",
                    ws.module(from).key(),
                    ws.module(to).key(),
                    e.kind.describe(),
                    ws.sources.describe(&e.loc)
                ),
                Some(&e.loc),
                "this edge",
            ));
        }
    }
    let first = related.first().and_then(|d| d.labels.first().cloned());
    let mut d = PomDiagnostic::at(
        &ws.sources,
        "m2fresh::maven::graph::cycle",
        format!(
            "The projects in the reactor contain a cyclic reference: {}",
            names.join(" --> ")
        ),
        None,
        "",
    )
    .with_help("break the cycle: move the shared code into a module both can depend on");
    if let Some(first) = first
        && let Some(src) = related.first().and_then(|r| r.source.clone())
    {
        d.source = Some(src);
        d.labels.push(first);
        related.remove(0);
    }
    d.related = related;
    d.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::workspace::LoadOptions;
    use std::path::Path;

    /// The reactor order m2fresh computes for `fixtures/reactor/<name>`, as
    /// `groupId:artifactId` lines like Maven's `---< g:a >---` headers.
    fn fixture_order(name: &str) -> Vec<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/reactor")
            .join(name);
        let ws = Workspace::load(&root, &LoadOptions::default()).unwrap();
        let graph = ReactorGraph::build(&ws).unwrap();
        graph.order.iter().map(|id| ws.module(*id).key()).collect()
    }

    #[test]
    fn a_parent_version_from_a_model_property_is_a_parent_edge() {
        assert_eq!(
            fixture_order("parent-version-from-model-property"),
            ["fixture.pvmp:root", "fixture.pvmp:app"]
        );
    }

    #[test]
    fn poms_with_xhtml_entities_a_doctype_and_other_encodings_are_read() {
        assert_eq!(
            fixture_order("xml-maven-accepts"),
            [
                "fixture.xml:root",
                "fixture.xml:gbk",
                "fixture.xml:utf16",
                "fixture.xml:doctype",
                "fixture.xml:entities"
            ]
        );
    }

    #[test]
    fn a_parent_s_file_condition_is_checked_in_each_child_s_directory() {
        assert_eq!(
            fixture_order("parent-file-activation-in-child"),
            ["fixture.pfa:lib", "fixture.pfa:root", "fixture.pfa:app"]
        );
    }

    #[test]
    fn a_system_property_from_jvm_config_activates_a_profile() {
        assert_eq!(
            fixture_order("jvm-config-system-property"),
            ["fixture.jvm:extra", "fixture.jvm:root"]
        );
    }

    #[test]
    fn a_dependency_declared_twice_keeps_its_first_position_and_last_version() {
        assert_eq!(
            fixture_order("duplicate-dependency-last-wins"),
            [
                "fixture.dup:root",
                "fixture.dup:alpha",
                "fixture.dup:beta",
                "fixture.dup:app"
            ]
        );
    }

    #[test]
    fn inherited_plugins_keep_the_parent_s_order() {
        assert_eq!(
            fixture_order("plugin-inheritance-parent-first"),
            [
                "fixture.pin:root",
                "fixture.pin:late",
                "fixture.pin:odd",
                "fixture.pin:early",
                "fixture.pin:child"
            ]
        );
    }
}

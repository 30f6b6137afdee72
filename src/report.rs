//! The documented, versioned JSON that m2fresh prints with `--format json`, and the DOT
//! and Mermaid drawings of the graph.
//!
//! Every document has `"schema": 1`. Fields are only ever added within a schema version;
//! a removal or a change of meaning increments it. Module ids are `groupId:artifactId`.

use crate::error::Finding;
use crate::maven::graph::ReactorGraph;
use crate::maven::workspace::{Discovery, ModuleId, Workspace};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write as _;

/// The schema version of every JSON document m2fresh prints.
pub const SCHEMA: u32 = 1;

/// The JSON Schemas (draft 2020-12) of the documents, by name: one per command that
/// prints JSON (`graph`, `order`, `check`, `plan`, `install`, `image`, `why`, `api`,
/// `contract`, `effective-pom`), `error` for the document of a failure, and `stamp` for
/// the `<artifactId>-<version>.m2fresh.json` files m2fresh writes into the local
/// repository. The files are in `src/report/schemas/`; `m2fresh schema NAME` prints one.
const SCHEMAS: &[(&str, &str)] = &[
    ("api", include_str!("report/schemas/api.schema.json")),
    ("build", include_str!("report/schemas/build.schema.json")),
    ("check", include_str!("report/schemas/check.schema.json")),
    (
        "contract",
        include_str!("report/schemas/contract.schema.json"),
    ),
    (
        "effective-pom",
        include_str!("report/schemas/effective-pom.schema.json"),
    ),
    ("error", include_str!("report/schemas/error.schema.json")),
    ("graph", include_str!("report/schemas/graph.schema.json")),
    ("image", include_str!("report/schemas/image.schema.json")),
    (
        "image-verify",
        include_str!("report/schemas/image-verify.schema.json"),
    ),
    (
        "install",
        include_str!("report/schemas/install.schema.json"),
    ),
    ("order", include_str!("report/schemas/order.schema.json")),
    ("plan", include_str!("report/schemas/plan.schema.json")),
    ("stamp", include_str!("report/schemas/stamp.schema.json")),
    ("why", include_str!("report/schemas/why.schema.json")),
];

/// The names of the documents that have a JSON Schema, sorted: see [`schema`].
pub fn schema_names() -> impl ExactSizeIterator<Item = &'static str> {
    SCHEMAS.iter().map(|(name, _)| *name)
}

/// The JSON Schema (draft 2020-12, as text) of one document: a command's name for what it
/// prints with `--format json` (`check`, `effective-pom`, ...), `error` for the document
/// of a failure, `stamp` for the stamp files in the local repository.
///
/// ```
/// let check = m2fresh::report::schema("check").expect("a schema");
/// assert!(check.contains("https://json-schema.org/draft/2020-12/schema"));
/// assert!(m2fresh::report::schema("nothing").is_none());
/// assert!(m2fresh::report::schema_names().any(|n| n == "stamp"));
/// ```
pub fn schema(name: &str) -> Option<&'static str> {
    SCHEMAS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// What every command prints with `--format json` when it fails (exit 2): one document
/// on stdout, like every other outcome.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReport {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// The error.
    pub error: ErrorDetail,
}

/// The error of an [`ErrorReport`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetail {
    /// The diagnostic's stable code (`m2fresh::maven::workspace::duplicate`), or null.
    pub code: Option<String>,
    /// What is wrong, with its causes (`: `-separated).
    pub message: String,
    /// What to do about it, or null.
    pub help: Option<String>,
    /// The POM (or other file) it points into, as shown in diagnostics, or null.
    pub pom: Option<String>,
    /// 1-based line in that file, or null.
    pub line: Option<usize>,
    /// 1-based column in that file, or null.
    pub column: Option<usize>,
}

/// The [`ErrorReport`] of a diagnostic: its code, message with causes, help, and the
/// file, line and column of its first label.
pub fn error_report(e: &dyn miette::Diagnostic) -> ErrorReport {
    let mut message = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        message.push_str(": ");
        message.push_str(&c.to_string());
        cause = c.source();
    }
    let (pom, line, column) = crate::error::position(e);
    ErrorReport {
        schema: SCHEMA,
        error: ErrorDetail {
            code: e.code().map(|c| c.to_string()),
            message,
            help: e.help().map(|h| h.to_string()),
            pom,
            line,
            column,
        },
    }
}

/// `m2fresh graph --format json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphReport {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// The workspace root.
    pub root: String,
    /// `aggregator` or `scan`.
    pub discovery: Discovery,
    /// The modules shown (all, or the targets' upstream closure), in build order.
    pub modules: Vec<ModuleReport>,
    /// Their ids in Maven's reactor build order.
    pub order: Vec<String>,
    /// Warnings about the POMs and the graph.
    pub findings: Vec<Finding>,
}

/// One module in [`GraphReport`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleReport {
    /// `groupId:artifactId`.
    pub id: String,
    /// Its groupId.
    pub group_id: String,
    /// Its artifactId.
    pub artifact_id: String,
    /// Its version.
    pub version: String,
    /// Its packaging.
    pub packaging: String,
    /// The POM, relative to the root, `/`-separated.
    pub pom: String,
    /// The parent's `groupId:artifactId:version`, or null.
    pub parent: Option<String>,
    /// The modules it needs in the reactor (Maven's edges), ids.
    pub depends_on: Vec<String>,
    /// BOMs it imports from the workspace (no reactor edge, but installed first), ids.
    pub imports: Vec<String>,
    /// Every edge with its kind and the POM line that declares it.
    pub edges: Vec<EdgeReport>,
    /// Its own active profiles.
    pub active_profiles: Vec<String>,
}

/// One edge in [`ModuleReport`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EdgeReport {
    /// The upstream module's id.
    pub to: String,
    /// `dependency` (with `scope`), `parent`, `plugin`, `plugin-dependency`, `extension`,
    /// `import`.
    #[serde(flatten)]
    pub kind: crate::maven::graph::EdgeKind,
    /// The POM that declares it, relative to the root when inside it.
    pub pom: String,
    /// Its line.
    pub line: usize,
}

/// `m2fresh order --format json`.
#[derive(Debug, Serialize)]
pub struct OrderReport {
    /// Always [`SCHEMA`].
    pub schema: u32,
    /// Module ids in Maven's reactor build order.
    pub order: Vec<String>,
}

/// The graph report for `modules` (in build order).
pub fn graph_report(ws: &Workspace, graph: &ReactorGraph, modules: &[ModuleId]) -> GraphReport {
    let shown: std::collections::HashSet<ModuleId> = modules.iter().copied().collect();
    let module_reports = modules
        .iter()
        .map(|&id| {
            let m = ws.module(id);
            let needs = graph.needs(id);
            let mut depends_on: Vec<String> = Vec::new();
            let mut imports: Vec<String> = Vec::new();
            for e in &needs {
                let key = ws.module(e.to).key();
                let list = if e.kind.is_reactor() {
                    &mut depends_on
                } else {
                    &mut imports
                };
                if !list.contains(&key) {
                    list.push(key);
                }
            }
            ModuleReport {
                id: m.key(),
                group_id: m.gav.group_id.clone(),
                artifact_id: m.gav.artifact_id.clone(),
                version: m.gav.version.clone(),
                packaging: m.packaging.clone(),
                pom: m.rel_pom.clone(),
                parent: m.parent.as_ref().map(|p| p.gav.to_string()),
                depends_on,
                imports,
                edges: needs
                    .iter()
                    .map(|e| EdgeReport {
                        to: ws.module(e.to).key(),
                        kind: e.kind.clone(),
                        pom: ws.sources.name(e.loc.source),
                        line: ws.sources.line(&e.loc),
                    })
                    .collect(),
                active_profiles: m.active_profiles.clone(),
            }
        })
        .collect();
    let findings = crate::maven::findings::grouped(ws, ws.findings.iter().chain(&graph.findings))
        .into_iter()
        .filter(|f| {
            modules.len() == ws.modules.len()
                || f.modules.is_empty()
                || f.modules
                    .iter()
                    .any(|key| ws.by_ga(key).iter().any(|id| shown.contains(id)))
        })
        .collect();
    GraphReport {
        schema: SCHEMA,
        root: ws.root.display().to_string(),
        discovery: ws.discovery,
        modules: module_reports,
        order: modules.iter().map(|id| ws.module(*id).key()).collect(),
        findings,
    }
}

/// The graph as Graphviz DOT; `marked` modules (stale ones) are drawn in red.
pub fn to_dot(
    ws: &Workspace,
    graph: &ReactorGraph,
    modules: &[ModuleId],
    marked: &HashMap<ModuleId, String>,
) -> String {
    let mut out = String::from(
        "digraph reactor {\n  rankdir=BT;\n  node [shape=box, fontname=\"Helvetica\"];\n",
    );
    let shown: std::collections::HashSet<ModuleId> = modules.iter().copied().collect();
    for &id in modules {
        let m = ws.module(id);
        // `\n` is DOT's line break: the parts are escaped, the break is not.
        let label = match marked.get(&id) {
            Some(status) => format!(
                "{}\\n{}",
                dot_escape(&m.gav.artifact_id),
                dot_escape(status)
            ),
            None => dot_escape(&m.gav.artifact_id),
        };
        let style = if marked.get(&id).is_some_and(|s| s != "fresh") {
            ", color=red, fontcolor=red"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  \"{}\" [label=\"{}\"{}];",
            dot_escape(&m.key()),
            label,
            style
        );
    }
    for &id in modules {
        let mut seen = std::collections::HashSet::new();
        for e in graph.needs(id) {
            if !shown.contains(&e.to) || !seen.insert((e.to, e.kind.is_reactor())) {
                continue;
            }
            let style = match e.kind {
                crate::maven::graph::EdgeKind::Parent => " [style=dashed, label=\"parent\"]",
                crate::maven::graph::EdgeKind::Import => " [style=dotted, label=\"import\"]",
                crate::maven::graph::EdgeKind::Plugin
                | crate::maven::graph::EdgeKind::PluginDependency
                | crate::maven::graph::EdgeKind::Extension => " [label=\"build\"]",
                crate::maven::graph::EdgeKind::Dependency { .. } => "",
            };
            let _ = writeln!(
                out,
                "  \"{}\" -> \"{}\"{};",
                dot_escape(&ws.module(id).key()),
                dot_escape(&ws.module(e.to).key()),
                style
            );
        }
    }
    out.push_str("}\n");
    out
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The graph as a Mermaid flowchart; `marked` modules get a `stale` class.
pub fn to_mermaid(
    ws: &Workspace,
    graph: &ReactorGraph,
    modules: &[ModuleId],
    marked: &HashMap<ModuleId, String>,
) -> String {
    let mut out = String::from("flowchart BT\n");
    let shown: std::collections::HashSet<ModuleId> = modules.iter().copied().collect();
    let node = |id: ModuleId| format!("m{}", id.0);
    for &id in modules {
        let m = ws.module(id);
        let label = match marked.get(&id) {
            Some(status) => format!("{}<br/>{}", m.gav.artifact_id, status),
            None => m.gav.artifact_id.clone(),
        };
        let _ = writeln!(out, "  {}[\"{}\"]", node(id), label.replace('"', "#quot;"));
    }
    for &id in modules {
        let mut seen = std::collections::HashSet::new();
        for e in graph.needs(id) {
            if !shown.contains(&e.to) || !seen.insert(e.to) {
                continue;
            }
            let arrow = match e.kind {
                crate::maven::graph::EdgeKind::Parent | crate::maven::graph::EdgeKind::Import => {
                    "-.->"
                }
                _ => "-->",
            };
            let _ = writeln!(out, "  {} {} {}", node(id), arrow, node(e.to));
        }
    }
    let stale: Vec<String> = modules
        .iter()
        .filter(|id| marked.get(id).is_some_and(|s| s != "fresh"))
        .map(|id| node(*id))
        .collect();
    if !stale.is_empty() {
        out.push_str("  classDef stale fill:#fdd,stroke:#c00,color:#900\n");
        let _ = writeln!(out, "  class {} stale", stale.join(","));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::building::plan::tests::three_modules;

    #[test]
    fn every_schema_is_json_of_draft_2020_12_and_the_names_are_sorted() {
        let names: Vec<&str> = schema_names().collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for name in names {
            let text = schema(name).unwrap_or_else(|| panic!("no schema {name}"));
            let value: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                value["$schema"], "https://json-schema.org/draft/2020-12/schema",
                "{name}"
            );
            assert_eq!(value["type"], "object", "{name}");
            assert!(
                value["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&"schema".into()))
            );
        }
    }

    /// Panics with each violation of document `name`'s schema.
    fn assert_valid(name: &str, doc: &serde_json::Value) {
        let schema: serde_json::Value =
            serde_json::from_str(schema(name).expect("a schema")).expect("JSON");
        let validator = jsonschema::draft202012::new(&schema).expect("a valid schema");
        let errors: Vec<String> = validator
            .iter_errors(doc)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}\n{doc:#}");
    }

    #[test]
    fn the_graph_document_lists_edges_in_one_vocabulary() {
        let (_dir, ws, graph) = three_modules();
        let b = ws.find("b").unwrap();
        let shown = graph.upstream(&[b]);
        let report = graph_report(&ws, &graph, &shown);
        assert_eq!(report.order, vec!["g:p", "g:a", "g:b"]);
        let json = serde_json::to_value(&report).unwrap();
        let b = &json["modules"][2];
        assert_eq!(b["dependsOn"], serde_json::json!(["g:p", "g:a"]));
        assert_eq!(b["edges"][0]["kind"], "parent");
        assert_eq!(
            b["edges"][1],
            serde_json::json!({"to": "g:a", "kind": "dependency", "scope": "compile",
                               "pom": "b/pom.xml", "line": 1})
        );
        assert_eq!(b["parent"], "g:p:1");
        assert_valid("graph", &json);
    }

    #[test]
    fn drawings_mark_what_is_not_fresh() {
        let (_dir, ws, graph) = three_modules();
        let all = graph.order.clone();
        let a = ws.find("a").unwrap();
        let p = ws.find("p").unwrap();
        let marked = HashMap::from([(a, "stale".to_string()), (p, "fresh".to_string())]);
        let dot = to_dot(&ws, &graph, &all, &marked);
        assert!(
            dot.contains("\"g:a\" [label=\"a\\nstale\", color=red, fontcolor=red];"),
            "{dot}"
        );
        assert!(dot.contains("\"g:p\" [label=\"p\\nfresh\"];"), "{dot}");
        assert!(
            dot.contains("\"g:a\" -> \"g:p\" [style=dashed, label=\"parent\"];"),
            "{dot}"
        );
        let mermaid = to_mermaid(&ws, &graph, &all, &marked);
        assert!(mermaid.starts_with("flowchart BT\n"), "{mermaid}");
        assert!(
            mermaid.contains(&format!("  class m{} stale\n", a.index())),
            "{mermaid}"
        );
        assert!(
            mermaid.contains(&format!("m{} -.-> m{}", a.index(), p.index())),
            "{mermaid}"
        );
    }

    #[test]
    fn an_error_document_points_into_the_pom() {
        let (_dir, ws, _) = three_modules();
        let m = ws.module(ws.find("b").unwrap());
        let d = crate::error::PomDiagnostic::at(
            &ws.sources,
            "m2fresh::test",
            "something is wrong",
            m.effective.artifact_id.as_ref().map(|v| &v.loc),
            "here",
        )
        .with_help("fix it");
        let doc = serde_json::to_value(error_report(&crate::error::Error::from(d))).unwrap();
        assert_valid("error", &doc);
        assert_eq!(doc["schema"], 1);
        assert_eq!(doc["error"]["code"], "m2fresh::test");
        assert_eq!(doc["error"]["message"], "something is wrong");
        assert_eq!(doc["error"]["help"], "fix it");
        assert!(doc["error"]["pom"].as_str().unwrap().ends_with("b/pom.xml"));
        assert_eq!(doc["error"]["line"], 1);
        let usage =
            serde_json::to_value(error_report(&crate::error::Error::usage("no", None))).unwrap();
        assert_eq!(usage["error"]["pom"], serde_json::Value::Null);
        assert_valid("error", &usage);
    }
}

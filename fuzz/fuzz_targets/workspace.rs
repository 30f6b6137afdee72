//! Fuzz target `workspace`: a whole workspace from one input, through the effective
//! model, the reactor graph and the freshness check.
//!
//! The input is split at NUL bytes (never valid in XML) into the files of a small tree:
//! `pom.xml`, `a/pom.xml`, `b/pom.xml`, `a/c/pom.xml` and `.mvn/maven.config`, so that
//! aggregation (`<module>a</module>`), parents (`<relativePath>../b</relativePath>`),
//! BOM imports and interpolation across files are all reachable. A `repo/` directory
//! serves as the local repository.
//!
//! What must hold for any input: no panic, no hang; an error or a finding renders.

#![no_main]

use libfuzzer_sys::fuzz_target;
use m2fresh::project::{OpenOptions, Project};
use std::path::Path;

const FILES: [&str; 5] = [
    "pom.xml",
    "a/pom.xml",
    "b/pom.xml",
    "a/c/pom.xml",
    ".mvn/maven.config",
];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let root = dir.path().join("ws");
    for (part, name) in data.split(|&b| b == 0).zip(FILES) {
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, part);
    }
    let _ = std::fs::create_dir_all(&root);
    let settings = dir.path().join("settings.xml");
    let _ = std::fs::write(&settings, "<settings/>");
    let opts = OpenOptions::new()
        .local_repository(dir.path().join("repo"))
        .settings(settings)
        .stat_cache(m2fresh::project::StatCachePolicy::Disabled);
    exercise(&root, &opts);
});

fn exercise(root: &Path, opts: &OpenOptions) {
    let project = match Project::open(root, opts) {
        Ok(project) => project,
        Err(e) => return render(&e),
    };
    let ws = &project.workspace;
    let graph = &project.graph;
    for finding in ws.findings.iter().chain(&graph.findings) {
        render(&finding.diagnostic(&ws.sources));
    }
    let all = graph.order.clone();
    let report = m2fresh::report::graph_report(ws, graph, &all);
    let _ = serde_json::to_string(&report);
    let _ = m2fresh::report::to_dot(ws, graph, &all, &Default::default());
    match project.check(&all) {
        Ok(check) => {
            let _ = serde_json::to_string(&check);
        }
        Err(e) => render(&e),
    }
}

/// Renders a diagnostic as the CLI does (graphical, with two context lines).
fn render(diagnostic: &dyn miette::Diagnostic) {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_context_lines(2);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, diagnostic);
}

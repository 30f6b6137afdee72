//! Plain-text rendering of the library's reports, for people at a terminal. Every value
//! that comes from input (coordinates, paths, evidence, Maven's log) is shown through
//! [`crate::cli::sanitize`], so that no input can control the terminal.

use m2fresh::freshness::status::{CheckReport, Status, WhyReport};
use m2fresh::maven::graph::ReactorGraph;
use m2fresh::maven::workspace::{Discovery, ModuleId, Workspace};
use m2fresh::project::Project;

use crate::cli::sanitize::{path as p, text as t};

pub fn render_graph_text(
    ws: &Workspace,
    graph: &ReactorGraph,
    shown: &[ModuleId],
    marked: &std::collections::HashMap<ModuleId, String>,
) -> String {
    let mut out = String::new();
    let mode = match ws.discovery {
        Discovery::Scan => "scan: every pom.xml below the root",
        _ => "aggregator: the root POM's modules",
    };
    out.push_str(&format!(
        "{} in {} ({mode})\n",
        modules(shown.len()),
        p(&ws.root)
    ));
    for id in shown {
        let m = ws.module(*id);
        let status = marked
            .get(id)
            .map_or_else(String::new, |s| format!("  ({s})"));
        out.push_str(&format!(
            "\n{} [{}]  {}{status}\n",
            t(&m.gav.to_string()),
            t(&m.packaging),
            t(&m.rel_pom)
        ));
        let mut seen = std::collections::HashSet::new();
        for e in graph.needs(*id) {
            if !seen.insert((e.to, e.kind.describe())) {
                continue;
            }
            out.push_str(&format!(
                "  -> {:<40} {} ({})\n",
                t(&ws.module(e.to).key()),
                t(&e.kind.describe()),
                t(&ws.sources.describe(&e.loc))
            ));
        }
    }
    out
}

pub fn render_check_text(project: &Project, report: &CheckReport) -> String {
    let mut out = match &report.remote {
        Some(repos) => format!("remote repository: {}\n\n", repositories(repos)),
        None => format!(
            "local repository: {} ({})\n\n",
            p(&report.local_repository),
            t(&project.repository.source.to_string())
        ),
    };
    let width = report.modules.iter().map(|m| m.id.len()).max().unwrap_or(0);
    for m in &report.modules {
        out.push_str(&format!(
            "  {:<width$}  {:<10}  {}\n",
            t(&m.id),
            m.status.as_str(),
            t(&m.summary())
        ));
    }
    let s = &report.summary;
    let mut parts = vec![format!("{} fresh", s.fresh)];
    for (n, what) in [
        (s.stale, "stale"),
        (s.missing, "missing"),
        (s.unverified, "unverified"),
        (s.foreign, "foreign"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    out.push_str(&format!("\n{}: {}\n", modules(s.total), parts.join(", ")));
    if !report.all_fresh() && report.remote.is_some() {
        out.push_str(
            "run `m2fresh why MODULE --remote` for the evidence, `m2fresh deploy` to fix it\n",
        );
    } else if !report.all_fresh() {
        out.push_str("run `m2fresh why MODULE` for the evidence, `m2fresh install` to fix it\n");
    }
    out
}

/// `id (url)`, comma-separated.
fn repositories(repos: &[m2fresh::freshness::status::RepositoryInfo]) -> String {
    repos
        .iter()
        .map(|r| format!("{} ({})", t(&r.id), t(&r.url)))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn render_why_text(report: &WhyReport) -> String {
    let m = &report.module;
    let mut out = format!("{}:{} is {}\n", t(&m.id), t(&m.version), m.status.as_str());
    if let Some(target) = &report.target {
        out.push_str(&format!("\nhow {} needs it:\n", t(target)));
        for step in &report.path {
            out.push_str(&format!(
                "  {} -> {}  ({}, {}:{})\n",
                t(&step.from),
                t(&step.to),
                t(&step.kind.describe()),
                t(&step.pom),
                step.line
            ));
        }
    }
    if let Some(d) = &m.deployed {
        out.push_str(&render_deployed(d));
    } else {
        out.push_str(&render_installed(report));
    }
    out.push_str(&format!(
        "\nsources now: fingerprint {}\n",
        &m.fingerprint[..m.fingerprint.len().min(16)]
    ));
    if m.evidence.is_empty() {
        out.push_str(match m.status {
            Status::Fresh => "\nnothing differs\n",
            Status::Missing => "",
            _ => "\nno evidence either way: the artifact may still be old; `m2fresh install` makes it certain\n",
        });
    } else {
        out.push_str("\nevidence:\n");
        for e in &m.evidence {
            out.push_str(&format!("  {:<22} {}\n", kebab(&e.kind), t(&e.detail)));
        }
    }
    out
}

/// `why --remote`: the deployed build and its stamp.
fn render_deployed(d: &m2fresh::freshness::status::DeployedInfo) -> String {
    let mut out = format!("\ndeployed in {}:\n  {}\n", t(&d.repository), t(&d.url));
    if let Some(c) = &d.checksum {
        out.push_str(&format!(
            "  build {}, {} {}\n",
            t(&d.version),
            t(&c.algorithm),
            t(&c.value)
        ));
    }
    match &d.stamp {
        Some(s) => out.push_str(&format!(
            "  stamp: deployed by {} at {} from fingerprint {}\n",
            t(&s.tool),
            t(&s.deployed_at),
            t(s.fingerprint.get(..16).unwrap_or(&s.fingerprint))
        )),
        None if d.checksum.is_some() => {
            out.push_str("  no m2fresh stamp: deployed by something else (mvn deploy?)\n")
        }
        None => out.push_str("  nothing deployed\n"),
    }
    out
}

/// `why`: the artifact in the local repository and its stamp.
fn render_installed(report: &WhyReport) -> String {
    let m = &report.module;
    let mut out = String::from("\ninstalled:\n");
    match &m.installed {
        Some(a) => {
            out.push_str(&format!("  {}\n", p(&a.path)));
            out.push_str(&format!(
                "  {} bytes, modified {}, blake3 {}\n",
                a.size,
                a.modified.as_deref().unwrap_or("?"),
                &a.blake3[..a.blake3.len().min(16)]
            ));
        }
        None => out.push_str(&format!("  nothing in {}\n", p(&report.local_repository))),
    }
    match &m.stamp {
        Some(s) => out.push_str(&format!(
            "  stamp: installed by {} at {} from fingerprint {}\n",
            t(&s.tool),
            t(&s.installed_at),
            t(s.fingerprint.get(..16).unwrap_or(&s.fingerprint))
        )),
        None if m.installed.is_some() => {
            out.push_str("  no m2fresh stamp: installed by something else (mvn install?)\n")
        }
        None => {}
    }
    out
}

pub fn kebab<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub fn render_plan_text(plan: &m2fresh::building::plan::Plan) -> String {
    let (verb, place) = match &plan.remote {
        Some(repos) => ("deploy", format!("to {}", repositories(repos))),
        None => ("install", format!("into {}", p(&plan.local_repository))),
    };
    if plan.is_empty() {
        return format!("nothing to {verb}: {} fresh\n", modules(plan.fresh.len()));
    }
    let mut out = format!(
        "{} of {} to {verb} {place}:\n\n",
        plan.install.len(),
        modules(plan.install.len() + plan.fresh.len()),
    );
    let width = plan.install.iter().map(|p| p.id.len()).max().unwrap_or(0);
    for (i, entry) in plan.install.iter().enumerate() {
        out.push_str(&format!(
            "  {:>2}. {:<width$}  {}\n",
            i + 1,
            t(&entry.id),
            t(&entry.reason)
        ));
        if !entry.waits_for.is_empty() {
            out.push_str(&format!(
                "      {:<width$}  waits for {}\n",
                "",
                t(&entry.waits_for.join(", "))
            ));
        }
    }
    out.push('\n');
    out
}

pub fn render_install_text(report: &m2fresh::building::install::InstallReport) -> String {
    use m2fresh::building::install::{InstallMode, ModuleResult};
    let mut out = String::from("\n");
    let width = report.modules.iter().map(|m| m.id.len()).max().unwrap_or(0);
    for m in &report.modules {
        let (what, time) = match &m.result {
            ModuleResult::Installed => (
                "installed".to_string(),
                format!("{:.1}s", m.millis as f64 / 1000.0),
            ),
            ModuleResult::Failed { .. } => ("FAILED".to_string(), String::new()),
            ModuleResult::NotStamped { .. } => (
                "NOT STAMPED".to_string(),
                format!("{:.1}s", m.millis as f64 / 1000.0),
            ),
            ModuleResult::Skipped { because } => {
                (format!("skipped (needs {})", t(because)), String::new())
            }
            ModuleResult::NotStarted => ("not started".to_string(), String::new()),
            ModuleResult::Deployed { version, .. } => (
                format!("deployed {}", t(version)),
                format!("{:.1}s", m.millis as f64 / 1000.0),
            ),
            ModuleResult::Downloaded { version, .. } => (
                format!("downloaded {}", t(version)),
                format!("{:.1}s", m.millis as f64 / 1000.0),
            ),
        };
        out.push_str(&format!("  {:<width$}  {:<12} {}\n", t(&m.id), what, time));
    }
    for m in &report.modules {
        if let ModuleResult::NotStamped { message } = &m.result {
            out.push_str(&format!(
                "\n{} was installed but not stamped: {}\n",
                t(&m.id),
                t(message)
            ));
        }
        if let ModuleResult::Failed { message } = &m.result {
            out.push_str(&format!("\n{} failed: {}\n", t(&m.id), t(message)));
            out.push_str(&format!("  command: {}\n", t(&m.command)));
            out.push_str(&format!("  log: {}\n", p(&m.log)));
            if let Ok(tail) = m2fresh::building::exec::tail(&m.log, 25) {
                out.push_str("  --- end of the log ---\n");
                for line in tail.lines() {
                    out.push_str(&format!("  | {}\n", t(line)));
                }
            }
        }
    }
    for note in &report.notes {
        out.push_str(&format!("\nnote: {}\n", t(note)));
    }
    if report.cancelled {
        out.push_str("\ninterrupted: the modules not installed have no stamp; run the same command again to finish\n");
    }
    let how = match report.mode {
        Some(InstallMode::Reactor) => "one Maven reactor",
        Some(InstallMode::SiblingReactor) => "one Maven reactor of the sibling projects",
        Some(_) => "one Maven per module",
        None => "no Maven run",
    };
    let count =
        |f: fn(&ModuleResult) -> bool| report.modules.iter().filter(|m| f(&m.result)).count();
    let installed = count(|r| matches!(r, ModuleResult::Installed));
    let deployed = count(|r| matches!(r, ModuleResult::Deployed { .. }));
    let downloaded = count(|r| matches!(r, ModuleResult::Downloaded { .. }));
    if deployed + downloaded == 0 {
        out.push_str(&format!(
            "\n{installed} of {} installed ({how})\n",
            modules(report.modules.len())
        ));
        return out;
    }
    let mut done = Vec::new();
    if deployed > 0 {
        done.push(format!("{deployed} deployed"));
    }
    if downloaded > 0 {
        done.push(format!("{downloaded} downloaded"));
    }
    if installed > 0 {
        done.push(format!("{installed} installed"));
    }
    out.push_str(&format!(
        "\n{} of {}: {} ({how})\n",
        installed + deployed + downloaded,
        modules(report.modules.len()),
        done.join(", ")
    ));
    out
}

/// "1 module", "2 modules".
pub fn modules(n: usize) -> String {
    if n == 1 {
        "1 module".to_string()
    } else {
        format!("{n} modules")
    }
}

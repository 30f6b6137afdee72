//! The `m2fresh` command: parses flags, calls the library, renders, maps errors to exit
//! codes (0 fresh or done, 1 stale found or build failed, 2 usage or input error).

use clap::{Args, Parser, Subcommand, ValueEnum};
use m2fresh::error::{Error, Finding};
use m2fresh::graph::ReactorGraph;
use m2fresh::workspace::{Discovery, LoadOptions, ModuleId, Workspace};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "m2fresh",
    version,
    about = "Is the jar in ~/.m2 built from the sources on disk now? Check, explain, fix.",
    long_about = None
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Debug, Clone)]
struct Global {
    /// The workspace root: an aggregator POM's directory, or a directory of Maven projects.
    #[arg(short = 'w', long = "workspace", global = true, default_value = ".")]
    workspace: PathBuf,
    /// Find every pom.xml below the root, even when the root POM declares modules.
    #[arg(long, global = true, conflicts_with = "no_scan")]
    scan: bool,
    /// Only follow the root POM's <modules>.
    #[arg(long, global = true)]
    no_scan: bool,
    /// A user property, as Maven's -D (beats .mvn/maven.config).
    #[arg(short = 'D', long = "define", global = true, value_name = "NAME[=VALUE]")]
    define: Vec<String>,
    /// Profiles to activate (or deactivate with ! or -), as Maven's -P.
    #[arg(short = 'P', long = "activate-profiles", global = true, value_name = "IDS")]
    profiles: Vec<String>,
    /// The local repository (default: found as Maven finds it).
    #[arg(long, global = true, value_name = "DIR")]
    local_repo: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Say more (which settings won, each file hashed).
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    Dot,
    Mermaid,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The module graph (all modules, or the targets and their upstream).
    Graph {
        /// Modules by artifactId, groupId:artifactId, or directory.
        targets: Vec<String>,
    },
    /// Maven's reactor build order (all modules, or the targets and their upstream).
    Order {
        /// Modules by artifactId, groupId:artifactId, or directory.
        targets: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .terminal_links(false)
                .context_lines(2)
                .build(),
        )
    }));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let g = &cli.global;
    match &cli.command {
        Command::Graph { targets } => {
            let (ws, graph) = load(g)?;
            let shown = selection(&ws, &graph, targets)?;
            let marked = HashMap::new();
            match g.format {
                Format::Json => print_json(&m2fresh::report::graph_report(&ws, &graph, &shown))?,
                Format::Dot => print(&m2fresh::report::to_dot(&ws, &graph, &shown, &marked))?,
                Format::Mermaid => {
                    print(&m2fresh::report::to_mermaid(&ws, &graph, &shown, &marked))?
                }
                Format::Text => {
                    print(&render_graph_text(&ws, &graph, &shown))?;
                    print_findings(&ws, &graph);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Order { targets } => {
            let (ws, graph) = load(g)?;
            let shown = selection(&ws, &graph, targets)?;
            match g.format {
                Format::Json => print_json(&m2fresh::report::OrderReport {
                    schema: m2fresh::report::SCHEMA,
                    order: shown.iter().map(|id| ws.module(*id).key()).collect(),
                })?,
                Format::Text => {
                    let mut out = String::new();
                    for id in &shown {
                        let m = ws.module(*id);
                        out.push_str(&format!("{} [{}]\n", m.gav, m.packaging));
                    }
                    print(&out)?;
                    print_findings(&ws, &graph);
                }
                other => {
                    return Err(Error::usage(
                        format!("`order` has no {other:?} format"),
                        Some("use --format text or json".into()),
                    ));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn load_options(g: &Global) -> LoadOptions {
    let mut user_properties = BTreeMap::new();
    for d in &g.define {
        let (k, v) = d.split_once('=').unwrap_or((d.as_str(), "true"));
        user_properties.insert(k.to_string(), v.to_string());
    }
    LoadOptions {
        discovery: if g.scan {
            Discovery::Scan
        } else if g.no_scan {
            Discovery::Aggregator
        } else {
            Discovery::Auto
        },
        user_properties,
        profiles: g.profiles.clone(),
        local_repository: g.local_repo.clone(),
    }
}

fn load(g: &Global) -> Result<(Workspace, ReactorGraph), Error> {
    let ws = Workspace::load(&g.workspace, &load_options(g))?;
    let graph = ReactorGraph::build(&ws)?;
    Ok((ws, graph))
}

fn selection(ws: &Workspace, graph: &ReactorGraph, targets: &[String]) -> Result<Vec<ModuleId>, Error> {
    if targets.is_empty() {
        return Ok(graph.order.clone());
    }
    let ids = targets
        .iter()
        .map(|t| ws.find(t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(graph.upstream(&ids))
}

fn render_graph_text(ws: &Workspace, graph: &ReactorGraph, shown: &[ModuleId]) -> String {
    let mut out = String::new();
    let mode = match ws.discovery {
        Discovery::Scan => "scan: every pom.xml below the root",
        _ => "aggregator: the root POM's modules",
    };
    out.push_str(&format!(
        "{} modules in {} ({mode})\n",
        shown.len(),
        ws.root.display()
    ));
    for id in shown {
        let m = ws.module(*id);
        out.push_str(&format!("\n{} [{}]  {}\n", m.gav, m.packaging, m.rel_pom));
        let mut seen = std::collections::HashSet::new();
        for e in graph.needs(*id) {
            if !seen.insert((e.to, e.kind.describe())) {
                continue;
            }
            out.push_str(&format!(
                "  -> {:<40} {} ({})\n",
                ws.module(e.to).key(),
                e.kind.describe(),
                ws.sources.describe(&e.loc)
            ));
        }
    }
    out
}

fn print_findings(ws: &Workspace, graph: &ReactorGraph) {
    let findings: Vec<&Finding> = ws.findings.iter().chain(&graph.findings).collect();
    for f in findings {
        eprintln!("{:?}", miette::Report::new(f.diagnostic(&ws.sources)));
    }
}

fn print(s: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`m2fresh order | head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("cannot write", "<stdout>", e)),
    }
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<(), Error> {
    let mut s = serde_json::to_string_pretty(value)
        .map_err(|e| Error::usage(format!("cannot render JSON: {e}"), None))?;
    s.push('\n');
    print(&s)
}

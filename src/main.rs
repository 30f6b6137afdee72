//! The `m2fresh` command: parses flags, calls the library, renders, maps errors to exit
//! codes (0 fresh or done, 1 stale found or build failed, 2 usage or input error).

/// Writes a line to stderr, ignoring a closed stderr (`m2fresh ... 2>&1 | head`): a
/// message that cannot be shown is no reason to panic.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// [`say!`] without the newline.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;

use clap::{Args, Parser, Subcommand, ValueEnum};
use cli::render;
use m2fresh::building::exec::CancelToken;
use m2fresh::building::install::InstallOptions;
use m2fresh::building::plan::PlanOptions;
use m2fresh::error::{Error, Finding};
use m2fresh::freshness::status::Status;
use m2fresh::maven::graph::ReactorGraph;
use m2fresh::maven::workspace::{Discovery, LoadOptions, ModuleId, Workspace};
use m2fresh::project::{OpenOptions, Project};
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
    #[arg(
        short = 'D',
        long = "define",
        global = true,
        value_name = "NAME[=VALUE]"
    )]
    define: Vec<String>,
    /// Profiles to activate (or deactivate with ! or -), as Maven's -P.
    #[arg(
        short = 'P',
        long = "activate-profiles",
        global = true,
        value_name = "IDS"
    )]
    profiles: Vec<String>,
    /// The local repository (default: found as Maven finds it).
    #[arg(long, global = true, value_name = "DIR")]
    local_repo: Option<PathBuf>,
    /// The user settings file, as Maven's -s (default ~/.m2/settings.xml).
    #[arg(short = 's', long = "settings", global = true, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Do not use the stat cache (hash every file).
    #[arg(long, global = true)]
    no_cache: bool,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Say more (which settings won, each file hashed).
    #[arg(short, long, global = true)]
    verbose: bool,
}

#[derive(Args, Debug, Clone)]
struct Trust {
    /// Treat artifacts installed by plain `mvn install` as fresh (unless something they
    /// were built against is reinstalled).
    #[arg(long)]
    trust_unverified: bool,
}

#[derive(Args, Debug, Clone)]
struct InstallArgs {
    /// At most N modules at once: Maven processes, or threads of the one reactor (-T N)
    /// (default: the number of cores).
    #[arg(short = 'j', long = "jobs", value_name = "N")]
    jobs: Option<usize>,
    /// After a failure, go on with the modules that do not need the failed one.
    #[arg(long)]
    keep_going: bool,
    /// Run the tests (default: -DskipTests).
    #[arg(long)]
    tests: bool,
    /// `install` without `clean`: faster, but a module rebuilt because its upstream
    /// changed may keep classes compiled against the old upstream.
    #[arg(long)]
    incremental: bool,
    /// One Maven per module, even in an aggregator workspace (where the whole plan
    /// otherwise goes to one Maven reactor: `mvn -pl STALE -T N`).
    #[arg(long)]
    per_module: bool,
    /// The Maven to run (default: the workspace's mvnw, else mvn on PATH).
    #[arg(long, value_name = "PATH")]
    mvn: Option<PathBuf>,
    /// Pass -o to Maven.
    #[arg(long)]
    offline: bool,
    #[command(flatten)]
    trust: Trust,
    /// Arguments for every Maven run, after `--`.
    #[arg(last = true, value_name = "MAVEN_ARGS")]
    maven_args: Vec<String>,
}

#[derive(Args, Debug, Clone)]
struct ImageArgs {
    /// What builds the image: auto (detect), docker, podman, buildah, jib.
    #[arg(long, default_value = "auto")]
    engine: m2fresh::image::Engine,
    /// Registry to tag for and push to (host[:port][/path]).
    #[arg(long)]
    registry: Option<String>,
    /// Image repository name (default: the POM's configured image, else the artifactId).
    #[arg(long)]
    name: Option<String>,
    /// Tag: version (default), fingerprint, version-fingerprint, git.
    #[arg(long, default_value = "version")]
    tag_policy: m2fresh::image::TagPolicy,
    /// Jib goal: build, dockerBuild, buildTar (default depends on engine and registry).
    #[arg(long)]
    jib_goal: Option<m2fresh::image::JibGoal>,
    /// Run the steps instead of printing them.
    #[arg(long)]
    run: bool,
    /// Emit a tag that already stood for other content.
    #[arg(long)]
    allow_retag: bool,
    /// Run even when upstream modules are not fresh in the local repository.
    #[arg(long)]
    allow_stale: bool,
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
        /// Check each module against the local repository and mark the ones not fresh
        /// (in red in DOT, with a `stale` class in Mermaid).
        #[arg(long)]
        status: bool,
    },
    /// Maven's reactor build order (all modules, or what `mvn -pl TARGETS -am` builds).
    Order {
        /// Modules by artifactId, groupId:artifactId, or directory.
        targets: Vec<String>,
    },
    /// Is each module of the targets' upstream fresh in the local repository? Exit 1 if not.
    #[command(visible_alias = "status")]
    Check {
        /// Modules by artifactId, groupId:artifactId, or directory (default: all).
        targets: Vec<String>,
    },
    /// What `install` would do: the modules to install, why, and what each waits for.
    Plan {
        /// Modules by artifactId, groupId:artifactId, or directory (default: all).
        targets: Vec<String>,
        #[command(flatten)]
        trust: Trust,
    },
    /// Install the stale modules of the targets' upstream with Maven, in order, in parallel.
    Install {
        /// Modules by artifactId, groupId:artifactId, or directory (default: all).
        targets: Vec<String>,
        #[command(flatten)]
        install: InstallArgs,
    },
    /// The target's container image build command (printed, or run with --run).
    Image {
        /// The module whose image to build.
        target: String,
        #[command(flatten)]
        image: ImageArgs,
    },
    /// Install the target's stale upstream, then build its image.
    Build {
        /// The module whose image to build.
        target: String,
        #[command(flatten)]
        image: ImageArgs,
        #[command(flatten)]
        install: InstallArgs,
    },
    /// The effective POM of modules as `mvn help:effective-pom` prints it, without a JVM
    /// (one module: <project>; several or none: <projects> in reactor order).
    EffectivePom {
        /// Modules by artifactId, groupId:artifactId, or directory (default: all).
        modules: Vec<String>,
        /// Write it to FILE instead of standard output.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        /// The Maven whose super POM and default lifecycle bindings apply (default: the
        /// workspace's mvnw, else mvn on PATH).
        #[arg(long, value_name = "PATH")]
        mvn: Option<PathBuf>,
    },
    /// Explain one module: how the target needs it, what is installed, what differs.
    Why {
        /// The module to explain.
        module: String,
        /// The module whose dependency path to show.
        #[arg(long, short = 't')]
        target: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = miette::set_hook(Box::new(|_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .terminal_links(false)
                // Wrapped lines break grep and CI logs; wrap only for a person.
                .wrap_lines(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .context_lines(2)
                .build(),
        )
    }));
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            say!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let g = &cli.global;
    match &cli.command {
        Command::Graph { targets, status } => {
            let project = open(g)?;
            let shown = selection(&project.workspace, &project.graph, targets)?;
            let mut marked = HashMap::new();
            if *status {
                for m in project.check(&shown)?.modules {
                    marked.insert(m.module, m.status.as_str().to_string());
                }
            }
            let (ws, graph) = (&project.workspace, &project.graph);
            match g.format {
                Format::Json => print_json(&m2fresh::report::graph_report(ws, graph, &shown))?,
                Format::Dot => print(&m2fresh::report::to_dot(ws, graph, &shown, &marked))?,
                Format::Mermaid => print(&m2fresh::report::to_mermaid(ws, graph, &shown, &marked))?,
                Format::Text => {
                    print(&render::render_graph_text(ws, graph, &shown, &marked))?;
                    print_findings(ws, graph);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Order { targets } => {
            let (ws, graph) = load(g)?;
            // Exactly what `mvn -pl TARGETS -am` builds: reactor edges only.
            let shown = if targets.is_empty() {
                graph.order.clone()
            } else {
                let ids = targets
                    .iter()
                    .map(|t| ws.find(t))
                    .collect::<Result<Vec<_>, _>>()?;
                graph.reactor_upstream(ws, &ids)?
            };
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
                    print_findings(ws, graph);
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
        Command::Check { targets } => {
            let project = open(g)?;
            let modules = project.targets(targets)?;
            let report = project.check(&modules)?;
            match g.format {
                Format::Json => print_json(&report)?,
                Format::Text => {
                    print(&render::render_check_text(project, &report))?;
                    print_findings(&project.workspace, &project.graph);
                }
                other => return Err(no_format("check", other)),
            }
            Ok(if report.all_fresh() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Plan { targets, trust } => {
            let project = open(g)?;
            let modules = project.targets(targets)?;
            let report = project.check(&modules)?;
            let plan = m2fresh::building::plan::plan(
                &project.workspace,
                &project.graph,
                &report,
                PlanOptions {
                    trust_unverified: trust.trust_unverified,
                },
            );
            match g.format {
                Format::Json => print_json(&plan)?,
                Format::Text => print(&render::render_plan_text(&plan))?,
                other => return Err(no_format("plan", other)),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Install { targets, install } => run_install(g, targets, install),
        Command::Image { target, image } => run_image(g, target, image, None),
        Command::Build {
            target,
            image,
            install,
        } => {
            let project = open_owned(g)?;
            let id = project.workspace.find(target)?;
            let upstream: Vec<String> = project
                .graph
                .upstream(&[id])
                .into_iter()
                .filter(|u| *u != id)
                .map(|u| project.workspace.module(u).gav.to_string())
                .collect();
            drop(project);
            // An empty list would mean "every module" to `install`.
            if !upstream.is_empty() {
                let code = run_install(g, &upstream, install)?;
                if code != ExitCode::SUCCESS {
                    return Ok(code);
                }
            }
            run_image(g, target, image, Some(install))
        }
        Command::EffectivePom {
            modules,
            output,
            mvn,
        } => run_effective_pom(g, modules, output.as_deref(), mvn.as_deref()),
        Command::Why { module, target } => {
            let project = open(g)?;
            let module = project.workspace.find(module)?;
            let target = target
                .as_deref()
                .map(|t| project.workspace.find(t))
                .transpose()?;
            let cache = project.load_cache();
            let report = m2fresh::freshness::status::why(
                &project.workspace,
                &project.graph,
                &project.repository,
                module,
                target,
                &cache,
            )?;
            project.save_cache(&cache);
            match g.format {
                Format::Json => print_json(&report)?,
                Format::Text => print(&render::render_why_text(&report))?,
                other => return Err(no_format("why", other)),
            }
            Ok(if report.module.status == Status::Fresh {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

fn run_effective_pom(
    g: &Global,
    names: &[String],
    output: Option<&std::path::Path>,
    mvn: Option<&std::path::Path>,
) -> Result<ExitCode, Error> {
    use m2fresh::maven::effective::{EffectiveModels, runtime::MavenRuntime};
    let project = open(g)?;
    let ws = &project.workspace;
    let runtime = MavenRuntime::find(&ws.root, mvn);
    // Maven 3.9 sorts the reactor once, 3.8 twice (see ReactorGraph::first_pass_order).
    let order = if runtime.sorts_reactor_once() {
        project.graph.first_pass_order()
    } else {
        project.graph.order.clone()
    };
    let ids: Vec<ModuleId> = if names.is_empty() {
        order
    } else {
        let wanted = project.resolve(names)?;
        let mut ids: Vec<ModuleId> = order
            .iter()
            .copied()
            .filter(|id| wanted.contains(id))
            .collect();
        ids.dedup();
        ids
    };
    let models =
        EffectiveModels::new(ws, runtime).with_build_timestamp(std::time::SystemTime::now());
    if g.verbose {
        say!(
            "effective POMs as Maven {} builds them",
            models.runtime().version
        );
    }
    let text = match g.format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&models.json(&ids, g.verbose)?)
                .map_err(|e| Error::usage(format!("cannot render JSON: {e}"), None))?;
            s.push('\n');
            s
        }
        Format::Text => models.xml(&ids, g.verbose)?,
        other => return Err(no_format("effective-pom", other)),
    };
    for note in models.notes() {
        say!("note: {note}");
    }
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(|e| Error::io("cannot write", path, e))?;
            say!("effective POM written to {}", path.display());
        }
        None => print(&text)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn run_image(
    g: &Global,
    target: &str,
    args: &ImageArgs,
    install: Option<&InstallArgs>,
) -> Result<ExitCode, Error> {
    let project = open(g)?;
    let id = project.workspace.find(target)?;
    let options = m2fresh::image::ImageOptions {
        engine: args.engine,
        registry: args.registry.clone(),
        name: args.name.clone(),
        tag_policy: args.tag_policy,
        jib_goal: args.jib_goal,
    };
    let mut maven_args = Vec::new();
    if let Some(settings) = &g.settings {
        maven_args.push("-s".to_string());
        maven_args.push(settings.display().to_string());
    }
    if let Some(i) = install {
        if i.offline {
            maven_args.push("-o".to_string());
        }
        maven_args.extend(i.maven_args.iter().cloned());
    }
    let job = project.image(
        id,
        &options,
        install.and_then(|i| i.mvn.as_deref()),
        &maven_args,
    )?;
    let fail = |e: m2fresh::image::ImageError| Error::Other(Box::new(e));
    for m in &job.not_fresh {
        say!(
            "warning: upstream {} is {} in the local repository: {}",
            m.id,
            m.status.as_str(),
            m.summary()
        );
    }
    if args.run && !job.not_fresh.is_empty() && !args.allow_stale {
        say!(
            "error: the image would be built with upstream artifacts that are not fresh; \
             run `m2fresh build {target}` (or pass --allow-stale)"
        );
        return Ok(ExitCode::from(1));
    }
    let mut ledger = m2fresh::image::TagLedger::open_in(&project.repository.path).map_err(fail)?;
    if !args.allow_retag {
        ledger
            .check(&job.plan.image, &job.plan.fingerprint)
            .map_err(fail)?;
    }
    if args.run {
        let mut log = std::io::stderr();
        if let Err(e) = m2fresh::image::run_steps(&job.plan, &mut log) {
            // A build that ran and failed is exit code 1, not an input error.
            say!("{:?}", miette::Report::new(e));
            return Ok(ExitCode::from(1));
        }
        ledger.record(&job.plan.image, &job.plan.fingerprint);
        ledger.save().map_err(fail)?;
        match g.format {
            Format::Json => print_json(&job.plan)?,
            _ => say!("built {}", job.plan.image),
        }
        return Ok(ExitCode::SUCCESS);
    }
    ledger.record(&job.plan.image, &job.plan.fingerprint);
    ledger.save().map_err(fail)?;
    match g.format {
        Format::Json => print_json(&job.plan)?,
        Format::Text => print(&format!("{}\n", job.plan.command().map_err(fail)?))?,
        other => return Err(no_format("image", other)),
    }
    Ok(ExitCode::SUCCESS)
}

fn run_install(g: &Global, targets: &[String], args: &InstallArgs) -> Result<ExitCode, Error> {
    let project = open(g)?;
    let _lock = m2fresh::building::install::lock_repository(&project.repository, &|path| {
        say!(
            "waiting for another m2fresh install on this local repository to finish ({})",
            path.display()
        )
    })?;
    let modules = project.targets(targets)?;
    let (report, fingerprints) = project.check_with_fingerprints(&modules)?;
    let plan = m2fresh::building::plan::plan(
        &project.workspace,
        &project.graph,
        &report,
        PlanOptions {
            trust_unverified: args.trust.trust_unverified,
        },
    );
    if plan.is_empty() {
        if g.format == Format::Json {
            print_json(&plan)?;
        } else {
            say!("nothing to install: {} modules fresh", plan.fresh.len());
        }
        return Ok(ExitCode::SUCCESS);
    }
    if g.format == Format::Text {
        say_raw!("{}", render::render_plan_text(&plan));
    }
    let cancel = CancelToken::new();
    m2fresh::building::exec::cancel_on_signals(cancel.clone())
        .map_err(|e| Error::io("cannot install a signal handler", "<signals>", e))?;
    let opts = InstallOptions {
        jobs: args.jobs.unwrap_or(0),
        keep_going: args.keep_going,
        tests: args.tests,
        incremental: args.incremental,
        offline: args.offline,
        mvn: args.mvn.clone(),
        settings: g.settings.clone(),
        maven_args: args.maven_args.clone(),
        user_properties: load_options(g).user_properties,
        profiles: g.profiles.clone(),
        per_module: args.per_module,
    };
    let progress = cli::progress::CliProgress::new(&project.workspace, plan.install.len());
    let result = m2fresh::building::install::install(
        project,
        &plan,
        &fingerprints,
        &opts,
        &progress,
        &cancel,
    );
    progress.finish();
    let result = result?;
    match g.format {
        Format::Json => print_json(&result)?,
        _ => say_raw!("{}", render::render_install_text(&result)),
    }
    Ok(if result.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn no_format(command: &str, format: Format) -> Error {
    Error::usage(
        format!(
            "`{command}` has no {} format",
            format!("{format:?}").to_lowercase()
        ),
        Some("use --format text or json".into()),
    )
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
        ..LoadOptions::default()
    }
}

fn load(g: &Global) -> Result<(&'static Workspace, &'static ReactorGraph), Error> {
    let project = open(g)?;
    Ok((&project.workspace, &project.graph))
}

/// Opens the workspace for one command. The project lives until the process exits:
/// freeing ten thousand effective models one by one would cost a tenth of the run.
fn open(g: &Global) -> Result<&'static Project, Error> {
    Ok(Box::leak(Box::new(open_owned(g)?)))
}

/// Opens the workspace for a step that is followed by others (and frees it after).
fn open_owned(g: &Global) -> Result<Project, Error> {
    let project = Project::open(
        &g.workspace,
        &OpenOptions {
            load: load_options(g),
            local_repo: g.local_repo.clone(),
            settings: g.settings.clone(),
            no_cache: g.no_cache,
        },
    )?;
    if g.verbose {
        say!(
            "local repository: {} ({})",
            project.repository.path.display(),
            project.repository.source
        );
    }
    Ok(project)
}

fn selection(
    ws: &Workspace,
    graph: &ReactorGraph,
    targets: &[String],
) -> Result<Vec<ModuleId>, Error> {
    if targets.is_empty() {
        return Ok(graph.order.clone());
    }
    let ids = targets
        .iter()
        .map(|t| ws.find(t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(graph.upstream(&ids))
}

/// How many findings are shown with their POM lines; the rest are counted. A generated
/// POM can yield thousands, and each rendering copies its whole source.
const SHOWN_FINDINGS: usize = 20;

fn print_findings(ws: &Workspace, graph: &ReactorGraph) {
    let findings: Vec<&Finding> = ws.findings.iter().chain(&graph.findings).collect();
    for f in findings.iter().take(SHOWN_FINDINGS) {
        say!("{:?}", miette::Report::new(f.diagnostic(&ws.sources)));
    }
    if findings.len() > SHOWN_FINDINGS {
        say!(
            "... and {} more warnings (`--format json` lists them all)",
            findings.len() - SHOWN_FINDINGS
        );
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

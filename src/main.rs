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

/// mimalloc instead of the system allocator: building every module's effective model
/// allocates and frees millions of small strings and vectors from every thread, and
/// glibc's malloc spent a third of a warm `check` on them (BENCHMARKS.md, Notes).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use cli::{render, sanitize};
use m2fresh::building::exec::CancelToken;
use m2fresh::building::install::InstallOptions;
use m2fresh::building::plan::PlanOptions;
use m2fresh::error::Error;
use m2fresh::freshness::status::Status;
use m2fresh::image::ImageError;
use m2fresh::maven::graph::ReactorGraph;
use m2fresh::maven::workspace::{Discovery, ModuleId, Workspace};
use m2fresh::project::{ImageRequest, OpenOptions, Project, StatCachePolicy};
use std::collections::HashMap;
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
#[command(next_help_heading = "Global options")]
struct Global {
    /// The workspace root: an aggregator POM's directory, or a directory of Maven projects
    /// (default: found from the current directory, as Maven users expect; `-v` says how).
    #[arg(short = 'w', long = "workspace", global = true)]
    workspace: Option<PathBuf>,
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
    /// Check against a remote repository instead of the local one (`check`, `plan`,
    /// `why`; `install --from-remote`, `deploy`): an id from settings.xml or the POMs, a
    /// URL, or ID::URL; alone (or `--remote=`), the POM's distributionManagement.
    #[arg(
        long,
        global = true,
        value_name = "ID|URL",
        num_args = 0..=1,
        default_missing_value = ""
    )]
    remote: Option<String>,
    /// Allow plain http:// repositories on other machines (credentials and artifacts
    /// cross the network in clear text).
    #[arg(long, global = true)]
    allow_insecure_http: bool,
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
    /// One Maven per module (otherwise the whole plan goes to one Maven reactor,
    /// `mvn -pl STALE -T N`: the root POM's, or for sibling projects an aggregator POM
    /// m2fresh writes in its cache directory).
    #[arg(long)]
    per_module: bool,
    /// The Maven to run (default: the workspace's mvnw, else mvn on PATH).
    #[arg(long, value_name = "PATH")]
    mvn: Option<PathBuf>,
    /// Pass -o to Maven.
    #[arg(long)]
    offline: bool,
    /// Download each planned module whose stamp in the remote repository (--remote,
    /// default: the POM's distributionManagement) matches today's sources, instead of
    /// building it.
    #[arg(long)]
    from_remote: bool,
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
    /// Build this Dockerfile (with docker, podman or buildah) instead of detecting one.
    #[arg(long, value_name = "FILE")]
    dockerfile: Option<PathBuf>,
    /// The Dockerfile's build context (default: where its ADD/COPY sources are after
    /// `package`).
    #[arg(long, value_name = "DIR")]
    context: Option<PathBuf>,
    /// Push to the registry the POM's image name has (--registry always pushes).
    #[arg(long)]
    push: bool,
    /// Reach the registry over plain HTTP although it is not on this machine.
    #[arg(long)]
    insecure_registry: bool,
    /// Use a tag that already stood for other content (in the ledger or the registry).
    #[arg(long)]
    allow_retag: bool,
    /// Plan or build even when upstream modules are not fresh in the local repository.
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
    /// Deploy the targets' upstream that is not fresh in the remote repository with
    /// Maven, and upload an m2fresh stamp beside each deployed build.
    Deploy {
        /// Modules by artifactId, groupId:artifactId, or directory (default: all).
        targets: Vec<String>,
        #[command(flatten)]
        install: InstallArgs,
    },
    /// The target's container image build command (printed, or run with --run); or, with
    /// --verify IMAGE, check a pushed image's workspace jars against the local repository.
    Image {
        /// The module whose image to build.
        #[arg(required_unless_present = "verify")]
        target: Option<String>,
        #[command(flatten)]
        image: ImageArgs,
        /// Run the steps instead of printing them.
        #[arg(long)]
        run: bool,
        /// Pass -o to Maven; a registry that cannot be reached is then a warning (the tag
        /// is guarded by the local ledger alone).
        #[arg(long)]
        offline: bool,
        /// Read IMAGE from its registry and check that every workspace module jar in it is
        /// byte-identical to the fresh artifact in the local repository (exit 1 if not).
        #[arg(long, value_name = "IMAGE", conflicts_with_all = ["run", "target"])]
        verify: Option<String>,
    },
    /// Install the target's stale upstream, then build its image (--dry-run prints the
    /// image steps instead).
    Build {
        /// The module whose image to build.
        target: String,
        #[command(flatten)]
        image: ImageArgs,
        #[command(flatten)]
        install: InstallArgs,
        /// Install nothing and print the image steps instead of running them.
        #[arg(long)]
        dry_run: bool,
    },
    /// Compare the public API of two versions: binary and source compatibility (JLS 13,
    /// as japicmp), and changed compile-time constants that consumers have inlined.
    /// Exit 1 when consumers break or must be recompiled.
    Api {
        /// The old version: a jar, a class directory, g:a:v in the local repository, or a
        /// module (its installed artifact).
        old: String,
        /// The new version, as OLD (a module: its freshly built target/ artifact).
        /// Default: OLD's module, built.
        new: Option<String>,
    },
    /// The REST endpoints a service declares in its compiled classes (Spring MVC, JAX-RS,
    /// ServiceComb), and with OLD what changed. Exit 1 when endpoints were removed,
    /// moved or changed.
    Contract {
        /// A module (its target/ output, with its upstream's), a jar, a class directory,
        /// or g:a:v.
        target: String,
        /// The old version, as TARGET (a module: its installed artifacts).
        old: Option<String>,
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
    /// Shell completions for bash, zsh, fish, elvish or PowerShell, on standard output
    /// (for example `m2fresh completions bash > ~/.local/share/bash-completion/completions/m2fresh`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), generated from these definitions, on standard output
    /// (for example `m2fresh man > ~/.local/share/man/man1/m2fresh.1`).
    Man,
    /// The JSON Schema (draft 2020-12) of a JSON document m2fresh prints or writes
    /// (without NAME: the names).
    Schema {
        /// A command (`check`, `effective-pom`, ...), `error`, or `stamp`.
        name: Option<String>,
    },
}

fn main() -> ExitCode {
    let json = wants_json(std::env::args_os());
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version are not errors; a usage error is a JSON document when JSON
        // was asked for, like every other outcome.
        Err(e) if json && e.use_stderr() => {
            let doc = m2fresh::report::ErrorReport {
                schema: m2fresh::report::SCHEMA,
                error: m2fresh::report::ErrorDetail {
                    code: Some("m2fresh::usage".into()),
                    message: e.kind().to_string(),
                    help: Some(e.render().to_string().trim().to_string()),
                    pom: None,
                    line: None,
                    column: None,
                },
            };
            let _ = print_json(&doc);
            return ExitCode::from(2);
        }
        Err(e) => e.exit(),
    };
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
    let format = cli.global.format;
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if format == Format::Json {
                let _ = print_json(&m2fresh::report::error_report(&e));
            } else {
                say_diagnostic(miette::Report::new(e));
            }
            ExitCode::from(2)
        }
    }
}

/// Whether the command line asks for `--format json` (looked at before parsing, so a
/// command line that does not parse is answered in JSON too).
fn wants_json(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<String> = args.map(|a| a.to_string_lossy().into_owned()).collect();
    args.iter().any(|a| a == "--format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
}

/// Where the command works: `-w`, or the root found from the current directory; and,
/// when found from a module's directory below the root, that module as the default
/// target (as `mvn` in a module's directory builds that module).
fn locate(g: &Global) -> Result<(Global, Vec<String>), Error> {
    if g.workspace.is_some() {
        return Ok((g.clone(), Vec::new()));
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Error::io("cannot read the current directory", ".", e))?;
    let (root, reason) = m2fresh::maven::workspace::discover_root(&cwd);
    if g.verbose {
        say!("workspace root: {} ({reason})", root.display());
    }
    let default_targets = if root != cwd && cwd.join("pom.xml").is_file() {
        vec![cwd.display().to_string()]
    } else {
        Vec::new()
    };
    let mut g = g.clone();
    g.workspace = Some(root);
    Ok((g, default_targets))
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    // These two describe the command line itself: no workspace needed.
    if let Some(text) = describe_command_line(&cli.command)? {
        return print(&text).map(|()| ExitCode::SUCCESS);
    }
    if let Command::Schema { name } = &cli.command {
        return print_schema(name.as_deref());
    }
    let (g, here) = locate(&cli.global)?;
    let g = &g;
    let or_here = |targets: &Vec<String>| -> Vec<String> {
        if targets.is_empty() {
            here.clone()
        } else {
            targets.clone()
        }
    };
    match &cli.command {
        Command::Graph { targets, status } => run_graph(g, &or_here(targets), *status),
        Command::Order { targets } => run_order(g, &or_here(targets)),
        Command::Check { targets } => run_check(g, &or_here(targets)),
        Command::Plan { targets, trust } => run_plan(g, &or_here(targets), trust),
        Command::Install { targets, install } => {
            run_install(g, &or_here(targets), install, &JsonOut::default())
        }
        Command::Deploy { targets, install } => {
            cli::remote::run_deploy(g, &or_here(targets), install)
        }
        Command::Image {
            target,
            image,
            run,
            offline,
            verify,
        } => match (verify, target) {
            (Some(reference), _) => run_verify(g, reference, image),
            (None, Some(target)) => run_image(
                g,
                target,
                image,
                &ImageMode {
                    run: *run,
                    offline: *offline,
                    install: None,
                },
                &JsonOut::default(),
            ),
            (None, None) => Err(Error::usage(
                "`image` needs a TARGET module (or --verify IMAGE)",
                None,
            )),
        },
        Command::Build {
            target,
            image,
            install,
            dry_run,
        } => run_build(g, target, image, install, *dry_run),
        Command::Api { old, new } => run_api(g, old, new.as_deref()),
        Command::Contract { target, old } => run_contract(g, target, old.as_deref()),
        Command::EffectivePom {
            modules,
            output,
            mvn,
        } => run_effective_pom(g, modules, output.as_deref(), mvn.as_deref()),
        Command::Why { module, target } => run_why(g, module, target.as_deref()),
        // Answered before the workspace was looked for.
        Command::Completions { .. } | Command::Man | Command::Schema { .. } => {
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `completions` and `man`: text generated from the clap definitions; `None` for the
/// commands that work on a workspace.
fn describe_command_line(command: &Command) -> Result<Option<String>, Error> {
    let mut out = Vec::new();
    match command {
        Command::Completions { shell } => clap_complete::generate(
            *shell,
            &mut <Cli as clap::CommandFactory>::command(),
            "m2fresh",
            &mut out,
        ),
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut out)
            .map_err(|e| Error::io("cannot render the manual page", "-", e))?,
        _ => return Ok(None),
    }
    Ok(Some(String::from_utf8_lossy(&out).into_owned()))
}

/// `graph`: the modules and edges, in text, JSON, DOT or Mermaid; with `--status`, the
/// modules not fresh marked.
fn run_graph(g: &Global, targets: &[String], status: bool) -> Result<ExitCode, Error> {
    let project = open(g)?;
    let shown = selection(&project.workspace, &project.graph, targets)?;
    let mut marked = HashMap::new();
    if status {
        let report = match cli::remote::open(g, project, &shown)? {
            Some(remote) => project.check_remote(&shown, &remote)?,
            None => project.check(&shown)?,
        };
        for m in report.modules {
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

/// `check`: each module of the targets' upstream, fresh or not, with evidence.
fn run_check(g: &Global, targets: &[String]) -> Result<ExitCode, Error> {
    let project = open_with(g, &open_options(g).prefetch_stat_cache(true))?;
    let modules = project.targets(targets)?;
    let report = match cli::remote::open(g, project, &modules)? {
        Some(remote) => project.check_remote(&modules, &remote)?,
        None => project.check(&modules)?,
    };
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

/// `plan`: what `install` (or, with `--remote`, `deploy`) would do.
fn run_plan(g: &Global, targets: &[String], trust: &Trust) -> Result<ExitCode, Error> {
    let project = open_with(g, &open_options(g).prefetch_stat_cache(true))?;
    let modules = project.targets(targets)?;
    let report = match cli::remote::open(g, project, &modules)? {
        Some(remote) => project.check_remote(&modules, &remote)?,
        None => project.check(&modules)?,
    };
    let plan = project.plan(
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

/// `why`: one module, how the target needs it, what is installed, what differs.
fn run_why(g: &Global, module: &str, target: Option<&str>) -> Result<ExitCode, Error> {
    let project = open_with(g, &open_options(g).prefetch_stat_cache(true))?;
    let module = project.workspace.find(module)?;
    let target = target.map(|t| project.workspace.find(t)).transpose()?;
    let report = match cli::remote::open(g, project, &[module])? {
        Some(remote) => project.why_remote(module, target, &remote)?,
        None => project.why(module, target)?,
    };
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

/// `order`: Maven's reactor build order, or exactly what `mvn -pl TARGETS -am` builds.
fn run_order(g: &Global, targets: &[String]) -> Result<ExitCode, Error> {
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
                out.push_str(&format!(
                    "{} [{}]\n",
                    sanitize::text(&m.gav.to_string()),
                    sanitize::text(&m.packaging)
                ));
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

/// `build`: installs the target's upstream that is not fresh, then runs the image steps
/// (`--dry-run`: installs nothing and prints them).
fn run_build(
    g: &Global,
    target: &str,
    image: &ImageArgs,
    install: &InstallArgs,
    dry_run: bool,
) -> Result<ExitCode, Error> {
    let mode = ImageMode {
        run: !dry_run,
        offline: install.offline,
        install: Some(install),
    };
    if dry_run {
        return run_image(g, target, image, &mode, &JsonOut::default());
    }
    let (opts, _) = open_options(g).with_maven_args(&install.maven_args);
    let project = open_owned(g, &opts)?;
    let id = project.workspace.find(target)?;
    let upstream: Vec<String> = project
        .graph
        .upstream(&[id])
        .into_iter()
        .filter(|u| *u != id)
        .map(|u| project.workspace.module(u).gav.to_string())
        .collect();
    drop(project);
    // With JSON, one document for the whole build: the install's and the image's.
    let out = if g.format == Format::Json {
        JsonOut::keeping()
    } else {
        JsonOut::default()
    };
    let code = build_steps(g, target, image, install, &mode, &upstream, &out);
    if g.format != Format::Json {
        return code;
    }
    let code = match code {
        Ok(code) => code,
        // A failure after the install still comes with what the install did.
        Err(e) => {
            out.emit("error", &m2fresh::report::error_report(&e))?;
            ExitCode::from(2)
        }
    };
    print_json(&out.build_document())?;
    Ok(code)
}

/// `build`'s two steps: install the upstream that is not fresh, then the image.
fn build_steps(
    g: &Global,
    target: &str,
    image: &ImageArgs,
    install: &InstallArgs,
    mode: &ImageMode,
    upstream: &[String],
    out: &JsonOut,
) -> Result<ExitCode, Error> {
    // An empty list would mean "every module" to `install`.
    if !upstream.is_empty() {
        let code = run_install(g, upstream, install, out)?;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
    }
    run_image(g, target, image, mode, out)
}

/// Where a command's JSON document goes: printed (one command, one document), or kept
/// so that `build` prints its install and image documents as one.
#[derive(Default)]
struct JsonOut {
    kept: Option<std::cell::RefCell<serde_json::Map<String, serde_json::Value>>>,
}

impl JsonOut {
    /// Keeps the documents instead of printing them.
    fn keeping() -> Self {
        JsonOut {
            kept: Some(Default::default()),
        }
    }

    /// Prints `doc`, or keeps it under `key` (`install`, `image`, or `error` for an
    /// error document, whose `error` object is kept).
    fn emit(&self, key: &str, doc: &impl serde::Serialize) -> Result<(), Error> {
        let Some(kept) = &self.kept else {
            return print_json(doc);
        };
        let mut value = serde_json::to_value(doc)
            .map_err(|e| Error::usage(format!("cannot render JSON: {e}"), None))?;
        if key == "error" {
            value = value["error"].take();
        }
        kept.borrow_mut().insert(key.to_string(), value);
        Ok(())
    }

    /// `build`'s one document: `{"schema":1,"install","image","error"}`, each null when
    /// that part did not happen.
    fn build_document(self) -> serde_json::Value {
        let kept = self.kept.map(|k| k.into_inner()).unwrap_or_default();
        let part = |key: &str| kept.get(key).cloned().unwrap_or(serde_json::Value::Null);
        serde_json::json!({
            "schema": m2fresh::report::SCHEMA,
            "install": part("install"),
            "image": part("image"),
            "error": part("error"),
        })
    }
}

/// How `image` or `build` runs the image steps.
struct ImageMode<'a> {
    run: bool,
    offline: bool,
    install: Option<&'a InstallArgs>,
}

fn run_image(
    g: &Global,
    target: &str,
    args: &ImageArgs,
    mode: &ImageMode,
    out: &JsonOut,
) -> Result<ExitCode, Error> {
    let install = mode.install;
    let maven_args = install.map_or(&[][..], |i| &i.maven_args[..]);
    let (opts, passthrough) = open_options(g).with_maven_args(maven_args);
    let project = open_with(g, &opts)?;
    let id = project.workspace.find(target)?;
    let mut options = m2fresh::image::ImageOptions::default();
    options.engine = args.engine;
    options.registry = args.registry.clone();
    options.name = args.name.clone();
    options.tag_policy = args.tag_policy;
    options.jib_goal = args.jib_goal;
    options.dockerfile = args.dockerfile.clone();
    options.context = args.context.clone();
    options.push = args.push;
    options.insecure_registry = args.insecure_registry;
    let mut request = ImageRequest::new(options);
    request.mvn = install.and_then(|i| i.mvn.clone());
    request.offline = mode.offline;
    request.maven_args = passthrough;
    request.run = mode.run;
    request.allow_stale = args.allow_stale;
    request.allow_retag = args.allow_retag;
    let job = project.plan_image(id, &request)?;
    if g.format == Format::Text {
        for m in &job.not_fresh {
            say!(
                "{}: upstream {} is {} in the local repository: {}",
                if args.allow_stale { "warning" } else { "error" },
                sanitize::text(&m.id),
                m.status.as_str(),
                sanitize::text(&m.summary())
            );
        }
    }
    let job = match project.build_image(job, &request, &mut std::io::stderr()) {
        Ok(job) => job,
        // The motivating bug, refused in every mode: exit 1, as a stale `check` is.
        Err(Error::Image(e @ ImageError::StaleUpstream { .. })) => {
            if g.format == Format::Json {
                out.emit("error", &m2fresh::report::error_report(&e))?;
            } else {
                say!(
                    "error: the image would be built with upstream artifacts that are not fresh; \
                     run `m2fresh build {target}` (or pass --allow-stale)"
                );
            }
            return Ok(ExitCode::from(1));
        }
        // A build that ran and failed is exit code 1, not an input error.
        Err(Error::Image(
            e @ (ImageError::StepFailed { .. }
            | ImageError::StepSpawn { .. }
            | ImageError::LogWrite { .. }),
        )) => {
            if g.format == Format::Json {
                out.emit("error", &m2fresh::report::error_report(&e))?;
            } else {
                say_diagnostic(miette::Report::new(e));
            }
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(e),
    };
    match g.format {
        Format::Json => out.emit("image", &job)?,
        Format::Text => {
            say_image_outcome(&job);
            if !job.built {
                print(&format!("{}\n", job.plan.command()?))?;
            }
        }
        other => return Err(no_format("image", other)),
    }
    Ok(ExitCode::SUCCESS)
}

/// What happened to the tag, on stderr: the registry's answer, the labels, the ledger.
fn say_image_outcome(job: &m2fresh::project::ImageJob) {
    use m2fresh::project::RegistryGuard;
    let image = sanitize::text(&job.plan.image);
    match &job.registry {
        RegistryGuard::Same { digest } => say!(
            "the registry already has {image} with this content ({})",
            sanitize::text(digest)
        ),
        RegistryGuard::Replaced { .. } => {
            say!("warning: {image} replaces other content in the registry (--allow-retag)")
        }
        RegistryGuard::Unreachable { warning } => say!("warning: {}", sanitize::text(warning)),
        _ => {}
    }
    if let Some(note) = &job.plan.label_note {
        say!("note: {}", sanitize::text(note));
    }
    if job.built {
        say!("built {image} (recorded as built in the tag ledger)");
    } else {
        say!("planned {image} (recorded as planned in the tag ledger: not built; --run builds it)");
    }
}

/// `image --verify IMAGE`.
fn run_verify(g: &Global, image: &str, args: &ImageArgs) -> Result<ExitCode, Error> {
    let project = open(g)?;
    let mut options =
        m2fresh::image::registry::RegistryOptions::from_environment(project.environment());
    options.insecure = args.insecure_registry;
    let report = project.verify_image(image, &options)?;
    match g.format {
        Format::Json => print_json(&report)?,
        Format::Text => print(&render_verify(&report))?,
        other => return Err(no_format("image --verify", other)),
    }
    Ok(if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn render_verify(report: &m2fresh::project::VerifyReport) -> String {
    use m2fresh::project::VerifyResult;
    let mut out = format!(
        "{} ({})\n",
        sanitize::text(&report.image),
        sanitize::text(&report.digest)
    );
    for m in &report.modules {
        let id = sanitize::text(&m.id);
        let path = sanitize::text(&m.path);
        let local = m.repository_blake3.as_deref().unwrap_or("none");
        out.push_str(&match m.result {
            VerifyResult::Identical => format!("  {id}  identical  {path}\n"),
            VerifyResult::Differs => format!(
                "  {id}  DIFFERS  {path}: image blake3 {}, local repository blake3 {local} ({})\n",
                m.image_blake3,
                sanitize::path(&m.repository)
            ),
            VerifyResult::NotFresh => format!(
                "  {id}  identical, but the local artifact is {} ({path})\n",
                sanitize::text(&m.status)
            ),
            VerifyResult::Missing => format!(
                "  {id}  not in the local repository ({path}, image blake3 {})\n",
                m.image_blake3
            ),
        });
    }
    let bad = report
        .modules
        .iter()
        .filter(|m| m.result != VerifyResult::Identical)
        .count();
    out.push_str(&if report.modules.is_empty() {
        "no workspace module jar found in the image\n".to_owned()
    } else if bad == 0 {
        format!(
            "{} module jars: all identical to fresh artifacts in the local repository\n",
            report.modules.len()
        )
    } else {
        format!(
            "{} module jars: {bad} not identical to a fresh artifact\n",
            report.modules.len()
        )
    });
    out
}

fn run_install(
    g: &Global,
    targets: &[String],
    args: &InstallArgs,
    out: &JsonOut,
) -> Result<ExitCode, Error> {
    // Maven must build the model m2fresh stamps: the `-D` and `-P` after `--` model the
    // workspace, and reach Maven as the model's parameters.
    let (opts, maven_args) = open_options(g).with_maven_args(&args.maven_args);
    let project = open_with(g, &opts)?;
    let lock = m2fresh::building::install::lock_repository(&project.repository, &|path| {
        say!(
            "waiting for another m2fresh install on this local repository to finish ({})",
            sanitize::path(path)
        )
    })?;
    let modules = project.targets(targets)?;
    let report = project.check_for_build(&modules, &maven_args)?.0;
    let plan = project.plan(
        &report,
        PlanOptions {
            trust_unverified: args.trust.trust_unverified,
        },
    );
    if plan.is_empty() {
        if g.format == Format::Json {
            // The install document, as for any install: no modules, no Maven.
            let nothing = m2fresh::building::install::InstallReport::nothing_to_do(project);
            out.emit(
                "install",
                &install_document(&nothing, &[], &report.findings)?,
            )?;
        } else {
            print(&format!(
                "nothing to install: {} fresh\n",
                render::modules(plan.fresh.len())
            ))?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if g.format == Format::Text {
        say_raw!("{}", render::render_plan_text(&plan));
    }
    let cancel = CancelToken::new();
    m2fresh::building::exec::cancel_on_signals(cancel.clone())
        .map_err(|e| Error::io("cannot install a signal handler", "<signals>", e))?;
    let opts = install_options(args, maven_args);
    // The interfaces of the artifacts about to be overwritten, to say what changed.
    let kept = m2fresh::api::impact::keep(project, &plan);
    if g.format == Format::Text {
        // Where to `tail -f` while Maven runs: reactor.log for one reactor, else
        // GROUP.ARTIFACT.log per module.
        say!(
            "Maven's output: {}",
            sanitize::path(&project.log_dir().join(""))
        );
    }
    let progress = cli::progress::CliProgress::new(&project.workspace, plan.install.len());
    let result = if args.from_remote {
        let remote = cli::remote::open_default(g, project, &modules)?;
        m2fresh::building::deploy::install_from_remote(
            &lock, project, &plan, &opts, &remote, &progress, &cancel,
        )
    } else {
        m2fresh::building::install::install(&lock, project, &plan, &opts, &progress, &cancel)
    };
    progress.finish();
    let result = result?;
    let interfaces = m2fresh::api::impact::report(project, &kept, &result);
    match g.format {
        Format::Json => out.emit(
            "install",
            &install_document(&result, &interfaces, &report.findings)?,
        )?,
        // The summary is the command's answer: standard output, as `check`'s.
        _ => print(&format!(
            "{}{}",
            render::render_install_text(&result),
            cli::interface::render_impact_text(&interfaces)
        ))?,
    }
    Ok(if result.is_success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// How every Maven of `install`, `build` and `deploy` runs, from their flags.
fn install_options(args: &InstallArgs, maven_args: Vec<String>) -> InstallOptions {
    let mut opts = InstallOptions::default();
    opts.jobs = args.jobs.unwrap_or(0);
    opts.keep_going = args.keep_going;
    opts.tests = args.tests;
    opts.incremental = args.incremental;
    opts.offline = args.offline;
    opts.mvn = args.mvn.clone();
    opts.maven_args = maven_args;
    opts.per_module = args.per_module;
    opts
}

/// `install`'s JSON document: the report with the interface changes under `interfaces`
/// and the workspace's findings about the modules it concerns under `findings`.
fn install_document(
    report: &m2fresh::building::install::InstallReport,
    interfaces: &[m2fresh::api::impact::ModuleInterface],
    findings: &[m2fresh::error::Finding],
) -> Result<serde_json::Value, Error> {
    let json = |e: serde_json::Error| Error::usage(format!("cannot render JSON: {e}"), None);
    let mut doc = serde_json::to_value(report).map_err(json)?;
    if let Some(map) = doc.as_object_mut() {
        map.insert(
            "interfaces".into(),
            serde_json::to_value(interfaces).map_err(json)?,
        );
        map.insert(
            "findings".into(),
            serde_json::to_value(findings).map_err(json)?,
        );
    }
    Ok(doc)
}

/// `m2fresh schema [NAME]`: one JSON Schema, or the names.
fn print_schema(name: Option<&str>) -> Result<ExitCode, Error> {
    let names: Vec<&str> = m2fresh::report::schema_names().collect();
    let text = match name {
        None => format!("{}\n", names.join("\n")),
        Some(name) => m2fresh::report::schema(name)
            .ok_or_else(|| {
                Error::usage(
                    format!("no JSON document named `{name}`"),
                    Some(format!("the documents are: {}", names.join(", "))),
                )
            })?
            .to_string(),
    };
    print(&text).map(|()| ExitCode::SUCCESS)
}

/// Prints a diagnostic on stderr with the input it quotes (POM lines, coordinates) made
/// harmless to the terminal: miette's colours stay when stderr is one.
fn say_diagnostic(report: miette::Report) {
    let rendered = format!("{report:?}");
    let colors = std::io::IsTerminal::is_terminal(&std::io::stderr());
    say!("{}", sanitize::diagnostic(&rendered, colors));
}

/// The jars or class directories `OLD` and `NEW` name; the workspace is opened only
/// when one of them names a module.
fn interface_inputs(g: &Global, old: &str, new: Option<&str>) -> Result<(PathBuf, PathBuf), Error> {
    use m2fresh::api::input::{self, Side};
    let specs: Vec<&str> = std::iter::once(old).chain(new).collect();
    let project = if specs.iter().any(|s| input::needs_workspace(s)) {
        Some(open(g)?)
    } else {
        None
    };
    let (ws, _, repository) = interface_context(g, &specs, project)?;
    let fail = |e: m2fresh::api::ApiError| Error::Other(Box::new(e));
    let old_path = input::resolve(old, Side::Installed, ws, repository.as_ref()).map_err(fail)?;
    let new_path =
        input::resolve(new.unwrap_or(old), Side::Built, ws, repository.as_ref()).map_err(fail)?;
    Ok((old_path, new_path))
}

/// The workspace (when open) and the local repository (when some spec needs one).
type InterfaceContext = (
    Option<&'static Workspace>,
    Option<&'static ReactorGraph>,
    Option<m2fresh::freshness::localrepo::LocalRepository>,
);

fn interface_context(
    g: &Global,
    specs: &[&str],
    project: Option<&'static Project>,
) -> Result<InterfaceContext, Error> {
    use m2fresh::api::input;
    let repository = match project {
        Some(p) => Some(p.repository.clone()),
        None if specs.iter().any(|s| input::is_coordinates(s)) => {
            let cwd = std::env::current_dir()
                .map_err(|e| Error::io("cannot read the current directory", ".", e))?;
            let props: std::collections::BTreeMap<String, String> = g
                .define
                .iter()
                .map(|d| {
                    let (k, v) = d.split_once('=').unwrap_or((d.as_str(), "true"));
                    (k.to_string(), v.to_string())
                })
                .collect();
            Some(m2fresh::project::locate_repository(
                &cwd,
                &props,
                g.local_repo.clone(),
                g.settings.clone(),
                &m2fresh::environment::Environment::from_process(),
            )?)
        }
        None => None,
    };
    Ok((
        project.map(|p| &p.workspace),
        project.map(|p| &p.graph),
        repository,
    ))
}

fn run_contract(g: &Global, target: &str, old: Option<&str>) -> Result<ExitCode, Error> {
    use m2fresh::api::input::{self, Side};
    use m2fresh::contract;
    let specs: Vec<&str> = std::iter::once(target).chain(old).collect();
    let project = if specs.iter().any(|s| input::needs_workspace(s)) {
        Some(open(g)?)
    } else {
        None
    };
    let (_, _, repository) = interface_context(g, &specs, project)?;
    let ws = project.map(|p| (&p.workspace, &p.graph));
    let fail = |e: m2fresh::api::ApiError| Error::Other(Box::new(e));
    let new = contract::input_for(target, Side::Built, ws, repository.as_ref()).map_err(fail)?;
    let old = old
        .map(|o| contract::input_for(o, Side::Installed, ws, repository.as_ref()))
        .transpose()
        .map_err(fail)?;
    let report = contract::contract(&new, old.as_ref()).map_err(fail)?;
    match g.format {
        Format::Json => print_json(&report)?,
        Format::Text => print(&cli::interface::render_contract_text(&report))?,
        other => return Err(no_format("contract", other)),
    }
    Ok(if report.breaks_callers() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_api(g: &Global, old: &str, new: Option<&str>) -> Result<ExitCode, Error> {
    let (old_path, new_path) = interface_inputs(g, old, new)?;
    let report =
        m2fresh::api::compare_paths(&old_path, &new_path).map_err(|e| Error::Other(Box::new(e)))?;
    match g.format {
        Format::Json => print_json(&report)?,
        Format::Text => print(&cli::interface::render_api_text(&report))?,
        other => return Err(no_format("api", other)),
    }
    Ok(if report.affects_consumers() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
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

/// What the global options ask for.
fn open_options(g: &Global) -> OpenOptions {
    let mut opts = OpenOptions::new().discovery(if g.scan {
        Discovery::Scan
    } else if g.no_scan {
        Discovery::Aggregator
    } else {
        Discovery::Auto
    });
    for d in &g.define {
        opts = opts.define(d);
    }
    for p in &g.profiles {
        opts = opts.profiles(p);
    }
    if let Some(settings) = &g.settings {
        opts = opts.settings(settings);
    }
    if let Some(repo) = &g.local_repo {
        opts = opts.local_repository(repo);
    }
    if g.no_cache {
        opts = opts.stat_cache(StatCachePolicy::Disabled);
    }
    opts
}

fn load(g: &Global) -> Result<(&'static Workspace, &'static ReactorGraph), Error> {
    let project = open(g)?;
    Ok((&project.workspace, &project.graph))
}

/// Opens the workspace for one command. The project lives until the process exits:
/// freeing ten thousand effective models one by one would cost a tenth of the run.
fn open(g: &Global) -> Result<&'static Project, Error> {
    open_with(g, &open_options(g))
}

/// [`open`] with options of the command's own (`-D` from `install --`).
fn open_with(g: &Global, opts: &OpenOptions) -> Result<&'static Project, Error> {
    Ok(Box::leak(Box::new(open_owned(g, opts)?)))
}

/// Opens the workspace for a step that is followed by others (and frees it after).
fn open_owned(g: &Global, opts: &OpenOptions) -> Result<Project, Error> {
    let root = g.workspace.clone().unwrap_or_else(|| PathBuf::from("."));
    let project = Project::open(&root, opts)?;
    if g.verbose {
        say!(
            "local repository: {} ({})",
            sanitize::path(&project.repository.path),
            sanitize::text(&project.repository.source.to_string())
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
    let findings = m2fresh::maven::findings::grouped(ws, ws.findings.iter().chain(&graph.findings));
    for f in findings.iter().take(SHOWN_FINDINGS) {
        say_diagnostic(miette::Report::new(f.diagnostic(&ws.sources)));
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

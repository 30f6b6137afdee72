//! `--remote` and `deploy` on the command line: flags to the library's remote operations
//! ([`m2fresh::project::Project::remote`], [`m2fresh::building::deploy`]), and their
//! rendering.

use crate::cli::{render, sanitize};
use crate::{Format, Global, InstallArgs, open_options, open_with, print, print_json};
use m2fresh::building::deploy;
use m2fresh::building::exec::CancelToken;
use m2fresh::building::install::lock_repository;
use m2fresh::building::plan::PlanOptions;
use m2fresh::error::Error;
use m2fresh::maven::workspace::ModuleId;
use m2fresh::project::{Project, Remote};
use m2fresh::remote::{HttpOptions, RemoteError, RemoteSpec};
use std::process::ExitCode;

/// The remote repository `--remote` names, when it was given.
pub fn open(g: &Global, project: &Project, modules: &[ModuleId]) -> Result<Option<Remote>, Error> {
    match &g.remote {
        Some(value) => resolve(g, project, modules, &RemoteSpec::parse(value)).map(Some),
        None => Ok(None),
    }
}

/// The remote repository `--remote` names, else the POM's `<distributionManagement>`.
pub fn open_default(g: &Global, project: &Project, modules: &[ModuleId]) -> Result<Remote, Error> {
    resolve(g, project, modules, &spec(g))
}

fn spec(g: &Global) -> RemoteSpec {
    g.remote
        .as_deref()
        .map_or(RemoteSpec::Deployment, RemoteSpec::parse)
}

fn resolve(
    g: &Global,
    project: &Project,
    modules: &[ModuleId],
    spec: &RemoteSpec,
) -> Result<Remote, Error> {
    let mut http = HttpOptions::default();
    http.allow_insecure_http = g.allow_insecure_http;
    match project.remote(spec, modules, http) {
        // `check --remote xc-service-api`: the value was meant as a target.
        Err(Error::Remote(RemoteError::UnknownRepository { name, .. }))
            if project.workspace.find(&name).is_ok() =>
        {
            Err(Error::usage(
                format!("`--remote {name}`: {name} is a module, not a repository"),
                Some(format!(
                    "--remote takes an optional value: write `--remote= {name}` for the \
                     POM's distributionManagement, or `--remote ID {name}`"
                )),
            ))
        }
        other => other,
    }
}

/// `deploy`: plans against the remote repository, runs Maven's `deploy`, uploads stamps.
pub fn run_deploy(g: &Global, targets: &[String], args: &InstallArgs) -> Result<ExitCode, Error> {
    let (opts, maven_args) = open_options(g).with_maven_args(&args.maven_args);
    let project = open_with(g, &opts)?;
    let lock = lock_repository(&project.repository, &|path| {
        say!(
            "waiting for another m2fresh install on this local repository to finish ({})",
            sanitize::path(path)
        )
    })?;
    let modules = project.targets(targets)?;
    let spec = spec(g);
    let remote = resolve(g, project, &modules, &spec)?;
    let report = project
        .check_remote_for_build(&modules, &maven_args, &remote)?
        .0;
    let plan = project.plan(
        &report,
        PlanOptions {
            trust_unverified: args.trust.trust_unverified,
        },
    );
    if plan.is_empty() {
        if g.format == Format::Json {
            let mut doc = m2fresh::building::install::InstallReport::nothing_to_do(project);
            doc.remote = Some(remote.resolved.infos());
            print_json(&doc)?;
        } else {
            print(&format!(
                "nothing to deploy: {} fresh\n",
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
    let opts = crate::install_options(args, maven_args);
    let progress = crate::cli::progress::CliProgress::new(&project.workspace, plan.install.len());
    let result = deploy::deploy(
        &lock, project, &plan, &opts, &remote, &spec, &progress, &cancel,
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

//! A deploy tool on the m2fresh library, the way another team's tool would use it: check
//! the target's upstream, install what is not fresh, then plan (or, with `--run`, build)
//! the target's image. The library keeps its promises without a CLI around it: the
//! install needs the local repository's install lock, the image is refused on upstream
//! artifacts that are not fresh, and a tag that stood for other content is refused.
//!
//! ```text
//! cargo run --example deploy -- [--local-repo DIR] [-s FILE] [--engine E] [--run] WORKSPACE TARGET
//! ```
//!
//! Prints three JSON documents, one per line — the ones `m2fresh check`, `m2fresh install`
//! and `m2fresh image` print with `--format json`. Exit code 0 when the image was planned
//! (or built), 1 when the install failed or the image was refused, 2 for bad input.

use m2fresh::building::exec::CancelToken;
use m2fresh::building::install::{self, InstallOptions};
use m2fresh::building::plan::PlanOptions;
use m2fresh::environment::Environment;
use m2fresh::error::Error;
use m2fresh::image::{Engine, ImageOptions};
use m2fresh::project::{ImageRequest, OpenOptions, Project, StatCachePolicy};
use std::io::Write;
use std::process::ExitCode;

const USAGE: &str =
    "usage: deploy [--local-repo DIR] [-s FILE] [--engine E] [--run] WORKSPACE TARGET";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut out = std::io::stdout().lock();
    match deploy(&args, Environment::from_process(), &mut out) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{:?}", miette::Report::new(e));
            ExitCode::from(2)
        }
    }
}

/// Checks, installs and images `TARGET` of `WORKSPACE` as `args` say, in `env`, writing
/// the JSON documents to `out`. `Ok(false)` when the install failed or the image was
/// refused.
pub fn deploy(args: &[String], env: Environment, out: &mut dyn Write) -> Result<bool, Error> {
    let (opts, request, workspace, target) = parse(args, env)?;
    let project = Project::open(&workspace, &opts)?;
    let target = project.workspace.find(&target)?;
    let name = project.workspace.module(target).key();

    // 1. Check: the target's upstream (itself included) against the local repository.
    let closure = project.targets(&[name.as_str()])?;
    print(out, &project.check(&closure)?)?;

    // 2. Install the upstream that is not fresh. The lock comes first: the plan must
    //    still hold while it runs (another install cannot change the repository).
    let lock = install::lock_repository(&project.repository, &|path| {
        eprintln!("waiting for another install ({})", path.display())
    })?;
    let upstream: Vec<_> = closure.iter().copied().filter(|m| *m != target).collect();
    let plan = project.plan(&project.check(&upstream)?, PlanOptions::default());
    let installed = install::install(
        &lock,
        &project,
        &plan,
        &InstallOptions::default(),
        &(),
        &CancelToken::new(),
    )?;
    print(out, &installed)?;
    drop(lock);
    if !installed.is_success() {
        return Ok(false);
    }

    // 3. The image, from the repository as Maven left it (it may have downloaded
    //    parents and BOMs, which change the model).
    let project = project.reopen()?;
    match project.image(target, &request, &mut std::io::stderr()) {
        Ok(job) => {
            print(out, &job)?;
            Ok(true)
        }
        Err(Error::Image(refused)) => {
            eprintln!("{:?}", miette::Report::new(refused));
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

fn parse(
    args: &[String],
    env: Environment,
) -> Result<(OpenOptions, ImageRequest, String, String), Error> {
    let usage = |what: &str| Error::usage(format!("{what}\n{USAGE}"), None);
    let mut opts = OpenOptions::new()
        .environment(env)
        .stat_cache(StatCachePolicy::Disabled);
    let mut image = ImageOptions::default();
    let mut run = false;
    let mut positional = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .ok_or_else(|| usage(&format!("{arg} needs a value")))
        };
        match arg.as_str() {
            "--local-repo" => opts = opts.local_repository(value()?),
            "-s" | "--settings" => opts = opts.settings(value()?),
            "--engine" => {
                image.engine = value()?
                    .parse::<Engine>()
                    .map_err(|e| usage(&e.to_string()))?
            }
            "--run" => run = true,
            other if other.starts_with('-') => return Err(usage(&format!("unknown {other}"))),
            other => positional.push(other.to_string()),
        }
    }
    let [workspace, target] = <[String; 2]>::try_from(positional)
        .map_err(|_| usage("give the workspace and the target module"))?;
    let mut request = ImageRequest::new(image);
    request.run = run;
    Ok((opts, request, workspace, target))
}

/// One document, one line.
fn print(out: &mut dyn Write, document: &impl serde::Serialize) -> Result<(), Error> {
    let line = serde_json::to_string(document)
        .map_err(|e| Error::usage(format!("cannot render JSON: {e}"), None))?;
    writeln!(out, "{line}").map_err(|e| Error::io("cannot write", "<stdout>", e))
}

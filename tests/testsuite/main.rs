//! m2fresh's integration tests: real Maven on the projects under `fixtures/`, each test
//! with its own copy of the fixture and its own local repository (never `~/.m2`).
//! One binary, a module per area, as cargo's own test suite is laid out.

#[path = "../common/mod.rs"]
mod common;

mod api;
mod cli;
mod contract;
mod differential;
mod effective_pom;
mod errors;
mod freshness;
mod hardening;
mod image;
mod inputs;
mod install;
mod json_documents;
mod library;
mod reactor;
mod registry;
mod remote;
mod root;
mod siblings;

use common::LocalRepo;
use std::path::Path;

/// `m2fresh -w DIR --local-repo REPO -s SETTINGS`, isolated from the user's Maven setup.
pub fn m2fresh_in(dir: &Path, repo: &LocalRepo) -> assert_cmd::Command {
    let mut cmd = common::m2fresh();
    cmd.arg("-w")
        .arg(dir)
        .arg("--local-repo")
        .arg(repo.path())
        .arg("-s")
        .arg(repo.settings());
    cmd
}

/// Runs a command and returns (exit code, stdout, stderr).
pub fn run(cmd: &mut assert_cmd::Command) -> (i32, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run m2fresh: {e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command that prints JSON on stdout and parses it.
pub fn run_json(cmd: &mut assert_cmd::Command) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(cmd.arg("--format").arg("json"));
    let value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    (code, value)
}

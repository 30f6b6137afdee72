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

/// Runs a command that prints JSON on stdout, parses it and validates it against the
/// schema of its document ([`document_name`]).
pub fn run_json(cmd: &mut assert_cmd::Command) -> (i32, serde_json::Value) {
    let (code, stdout, stderr) = run(cmd.arg("--format").arg("json"));
    let value: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    let name = document_name(cmd, &value);
    validated(name, &value);
    (code, value)
}

/// Which document a command printed: `error` for a failure, else its subcommand's
/// (`status` is `check`'s alias).
pub fn document_name(cmd: &assert_cmd::Command, doc: &serde_json::Value) -> &'static str {
    // (`build`'s document has an `error` key beside its parts.)
    if doc.get("error").is_some() && doc.get("install").is_none() {
        return "error";
    }
    // The global options that take a value (the value is not the subcommand).
    const WITH_VALUE: &[&str] = &[
        "-w",
        "--workspace",
        "-D",
        "--define",
        "-P",
        "--activate-profiles",
        "--local-repo",
        "-s",
        "--settings",
        "--format",
    ];
    let all: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut args = all.iter().cloned();
    while let Some(arg) = args.next() {
        if WITH_VALUE.contains(&arg.as_str()) {
            args.next();
        } else if !arg.starts_with('-') {
            // `status` is `check`'s alias; `deploy` prints install's document.
            // `image --verify` has a document of its own.
            let name = match arg.as_str() {
                "status" => "check",
                "deploy" => "install",
                "image" if all.iter().any(|a| a == "--verify") => "image-verify",
                other => other,
            };
            return m2fresh::report::schema_names()
                .find(|n| *n == name)
                .unwrap_or_else(|| panic!("no JSON document for `{arg}`"));
        }
    }
    panic!("no subcommand in {:?}", cmd.get_args().collect::<Vec<_>>())
}

/// Validates `doc` against the schema of document `name` (`m2fresh schema NAME`),
/// panicking with each violation's JSON pointer and message; returns `doc`.
pub fn validated<'a>(name: &str, doc: &'a serde_json::Value) -> &'a serde_json::Value {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static VALIDATORS: OnceLock<HashMap<&'static str, jsonschema::Validator>> = OnceLock::new();
    let validators = VALIDATORS.get_or_init(|| {
        m2fresh::report::schema_names()
            .map(|n| {
                let text = m2fresh::report::schema(n).unwrap_or_else(|| panic!("schema {n}"));
                let schema: serde_json::Value =
                    serde_json::from_str(text).unwrap_or_else(|e| panic!("schema {n}: {e}"));
                let validator = jsonschema::draft202012::new(&schema)
                    .unwrap_or_else(|e| panic!("schema {n} does not compile: {e}"));
                (n, validator)
            })
            .collect()
    });
    // `build`'s parts are the documents of their own commands.
    if name == "build" {
        for part in ["install", "image"] {
            if !doc[part].is_null() {
                validated(part, &doc[part]);
            }
        }
        if !doc["error"].is_null() {
            validated(
                "error",
                &serde_json::json!({"schema": 1, "error": doc["error"]}),
            );
        }
    }
    let validator = validators
        .get(name)
        .unwrap_or_else(|| panic!("no schema for the `{name}` document"));
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("  at `{}`: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "the `{name}` document does not match its schema (src/report/schemas/{name}.schema.json):\n{}\ndocument:\n{doc:#}",
        errors.join("\n")
    );
    doc
}

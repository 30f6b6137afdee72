//! The JSON contract, pinned: one snapshot per document `--format json` prints (`graph`,
//! `order`, `check`, `why`, `plan`, `install`, `image`, the error document, and against
//! a remote repository `check --remote`, `deploy`, `install --from-remote`), on the
//! story's fixture with an empty local repository. What differs from run to run — the
//! temporary directories, hashes, times, durations, the Maven on `PATH` — is redacted.
//! A change to a snapshot is a change of the documented schema (README, "JSON").

//!
//! Every document is validated against its JSON Schema (`src/report/schemas/`) before it
//! is redacted ([`run_json`] does it), and one test produces each kind of document at
//! least once.

use crate::common::{self, LocalRepo, Project};
use crate::{document_name, m2fresh_in, run_json, validated};
use serde_json::Value;
use std::collections::BTreeSet;

/// Runs `m2fresh ARGS --format json` on a fresh copy of the story's fixture and returns
/// the exit code and the redacted document.
fn document(args: &[&str]) -> (i32, Value) {
    let project = Project::copy_fixture("xuecheng");
    document_in(&project, LocalRepo::empty(), args, &[])
}

/// [`document`] for a project and repository of the caller's, with more redactions.
fn document_in(
    project: &Project,
    repo: LocalRepo,
    args: &[&str],
    more: &[(String, String)],
) -> (i32, Value) {
    let (code, mut doc) = run_json(m2fresh_in(&project.root, &repo).args(args));
    let mut subs: Vec<(String, String)> = more.to_vec();
    subs.extend([
        (
            repo.settings().display().to_string(),
            "[settings]".to_string(),
        ),
        (repo.path().display().to_string(), "[repo]".to_string()),
        (project.root.display().to_string(), "[ws]".to_string()),
    ]);
    if let Some(mvn) = common::mvn() {
        subs.push((mvn.display().to_string(), "[mvn]".to_string()));
    }
    redact(&mut doc, &subs);
    (code, doc)
}

fn redact(value: &mut Value, subs: &[(String, String)]) {
    match value {
        Value::String(s) => *s = redact_text(s, subs),
        Value::Array(items) => items.iter_mut().for_each(|v| redact(v, subs)),
        Value::Object(fields) => {
            for (key, v) in fields.iter_mut() {
                match key.as_str() {
                    "millis" => *v = Value::from("[millis]"),
                    // The Maven found on PATH (or through MAVEN_HOME) differs by machine.
                    "version" if is_maven_version(v) => *v = Value::from("[maven version]"),
                    _ => redact(v, subs),
                }
            }
        }
        _ => {}
    }
}

/// A Maven version like `3.8.7` (module versions here end in `-SNAPSHOT`).
fn is_maven_version(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with('3') && !s.contains("SNAPSHOT"))
}

fn redact_text(text: &str, subs: &[(String, String)]) -> String {
    let mut s = text.to_string();
    for (from, to) in subs {
        s = s.replace(from.as_str(), to);
    }
    // The harness's home directories: `<target>/tmp/homes/home-XXXXXX`.
    let homes = format!("{}/", common::target_tmpdir().join("homes").display());
    while let Some(at) = s.find(&homes) {
        let rest = &s[at + homes.len()..];
        let end = rest.find('/').unwrap_or(rest.len());
        s = format!("{}[home]{}", &s[..at], &rest[end..]);
    }
    // Install logs: one directory per workspace, named after it and its path's hash.
    let logs = "/m2fresh/logs/";
    let mut from = 0;
    while let Some(at) = s[from..].find(logs).map(|i| from + i + logs.len()) {
        let end = s[at..].find('/').map_or(s.len(), |i| at + i);
        s = format!("{}[workspace]{}", &s[..at], &s[end..]);
        from = at;
    }
    redact_hex(&s)
}

/// Runs of 16 or more lowercase hex digits (hashes, hashed directory names) become
/// `[hash]`; RFC 3339 times become `[time]`.
fn redact_hex(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 16 && run.chars().any(|c| c.is_ascii_digit()) {
            out.push_str("[hash]");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    redact_times(&out)
}

fn redact_times(text: &str) -> String {
    let bytes = text.as_bytes();
    let shape = b"dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(s, b)| match s {
                b'd' => b.is_ascii_digit(),
                other => other == b,
            });
        if fits {
            out.push_str("[time]");
            i += shape.len();
        } else {
            let c = text[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

#[test]
fn graph() {
    let (code, doc) = document(&["graph", "xc-service-portalview"]);
    assert_eq!(code, 0);
    insta::assert_json_snapshot!("graph", doc);
}

#[test]
fn order() {
    let (code, doc) = document(&["order"]);
    assert_eq!(code, 0);
    insta::assert_json_snapshot!("order", doc);
}

#[test]
fn check() {
    let (code, doc) = document(&["check", "xc-service-portalview"]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!("check", doc);
}

#[test]
fn why() {
    let (code, doc) = document(&["why", "xc-service-api", "--target", "xc-service-portalview"]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!("why", doc);
}

#[test]
fn plan() {
    let (code, doc) = document(&["plan", "xc-framework-model"]);
    assert_eq!(code, 0);
    insta::assert_json_snapshot!("plan", doc);
}

/// A Maven that fails at once: the document of a failed install without running Maven
/// (the sibling projects' one reactor, `-j 2` for a `-T` that does not depend on the
/// machine).
#[test]
fn install() {
    let (code, doc) = document(&[
        "install",
        "xc-framework-model",
        "--mvn",
        "/bin/false",
        "-j",
        "2",
    ]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!("install", doc);
}

#[test]
fn image() {
    let (code, doc) = document(&[
        "image",
        "xc-service-portalview",
        "--engine",
        "docker",
        "--allow-stale",
    ]);
    assert_eq!(code, 0);
    insta::assert_json_snapshot!("image", doc);
}

#[test]
fn error() {
    let (code, doc) = document(&["check", "xc-service-apj"]);
    assert_eq!(code, 2);
    insta::assert_json_snapshot!("error", doc);
}

/// The documents of the remote repository (`check --remote`, `deploy`,
/// `install --from-remote`) against an empty team repository on a loopback port; Maven
/// fails at once (`--mvn /bin/false`), so no document needs a build.
fn remote_document(args: &[&str]) -> (i32, Value) {
    let server = crate::remote::RepoServer::start();
    let project = crate::remote::team_project(&server);
    let repo = LocalRepo::empty();
    crate::remote::write_team_settings(&repo);
    let base = server.url("");
    let origin = base.trim_end_matches("/repo/").to_string();
    document_in(&project, repo, args, &[(origin, "[server]".to_string())])
}

#[test]
fn check_remote() {
    let (code, doc) = remote_document(&["check", "xc-framework-model", "--remote"]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!("check_remote", doc);
}

#[test]
fn deploy() {
    let (code, doc) = remote_document(&[
        "deploy",
        "xc-framework-model",
        "--mvn",
        "/bin/false",
        // -T N does not depend on the machine.
        "-j",
        "2",
    ]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!("deploy", doc);
}

#[test]
fn install_from_remote() {
    let (code, doc) = remote_document(&[
        "install",
        "xc-framework-model",
        "--from-remote",
        "--mvn",
        "/bin/false",
        "-j",
        "2",
    ]);
    assert_eq!(code, 1);
    insta::assert_json_snapshot!("install_from_remote", doc);
}

/// `m2fresh schema` lists the documents, `m2fresh schema NAME` prints a schema that the
/// JSON Schema meta-schema (draft 2020-12) accepts, and an unknown name is a usage error.
#[test]
fn every_schema_is_a_valid_draft_2020_12_schema() {
    let (code, stdout, stderr) = crate::run(common::m2fresh().arg("schema"));
    assert_eq!(code, 0, "{stderr}");
    let listed: Vec<&str> = stdout.lines().collect();
    let names: Vec<&str> = m2fresh::report::schema_names().collect();
    assert_eq!(listed, names);
    for name in names {
        let (code, text, stderr) = crate::run(common::m2fresh().args(["schema", name]));
        assert_eq!(code, 0, "{stderr}");
        assert_eq!(Some(text.as_str()), m2fresh::report::schema(name));
        let schema: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: not JSON: {e}"));
        if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
            panic!(
                "{name}.schema.json is not a valid draft 2020-12 schema: at `{}`: {e}",
                e.instance_path()
            );
        }
        jsonschema::draft202012::new(&schema)
            .unwrap_or_else(|e| panic!("{name}.schema.json does not compile: {e}"));
    }
    let (code, doc) = run_json(common::m2fresh().args(["schema", "nothing"]));
    assert_eq!(code, 2);
    assert!(
        doc["error"]["help"]
            .as_str()
            .is_some_and(|h| h.contains("check") && h.contains("stamp")),
        "{doc}"
    );
}

/// The schemas are strict: a document with a key too many, a key missing, or a value
/// outside a vocabulary is rejected.
#[test]
#[should_panic(expected = "does not match its schema")]
fn a_document_with_an_unknown_status_is_rejected() {
    let (_, mut doc) = document(&["check", "xc-framework-model"]);
    doc["modules"][0]["status"] = Value::from("stalish");
    validated("check", &doc);
}

#[test]
#[should_panic(expected = "does not match its schema")]
fn a_document_with_an_unknown_key_is_rejected() {
    let (_, mut doc) = document(&["plan", "xc-framework-model"]);
    doc["install"][0]["extra"] = Value::from(1);
    validated("plan", &doc);
}

/// Every document m2fresh prints or writes, produced at least once and validated against
/// its schema: the REST story's service installed with Maven (the stamps, `install`, the
/// no-op `install`, then `api` and `contract` on what was built), and the documents that
/// need no build. Maven is required.
#[test]
fn every_document_is_produced_and_matches_its_schema() {
    common::require_mvn();
    let project = Project::copy_fixture("xuecheng-rest");
    let repo = LocalRepo::new();
    let mut seen = BTreeSet::new();
    let mut json = |args: &[&str]| -> (i32, Value) {
        let mut cmd = m2fresh_in(&project.root, &repo);
        cmd.args(args);
        let (code, doc) = run_json(&mut cmd);
        seen.insert(document_name(&cmd, &doc));
        (code, doc)
    };
    let service = "xc-service-manage-cms";
    assert_eq!(json(&["graph", service]).0, 0);
    assert_eq!(json(&["order"]).0, 0);
    assert_eq!(json(&["check", service]).0, 1);
    assert_eq!(json(&["plan", service]).0, 0);
    assert_eq!(json(&["why", "xc-service-api", "--target", service]).0, 1);
    let (code, installed) = json(&["install", service, "--offline", "-j", "1"]);
    assert_eq!(code, 0, "{installed:#}");
    assert!(
        installed["modules"]
            .as_array()
            .is_some_and(|m| m.len() == 5 && m.iter().all(|m| m["result"] == "installed")),
        "{installed:#}"
    );
    // Nothing to do: the install document still, with no module and no Maven.
    let (code, nothing) = json(&["install", service, "--offline"]);
    assert_eq!(code, 0, "{nothing:#}");
    assert_eq!(nothing["modules"], serde_json::json!([]), "{nothing:#}");
    assert_eq!(nothing["maven"], Value::Null, "{nothing:#}");
    assert_eq!(nothing["interfaces"], serde_json::json!([]), "{nothing:#}");
    assert_eq!(json(&["api", "xc-service-api"]).0, 0);
    let (code, contract) = json(&["contract", service]);
    assert_eq!(code, 0, "{contract:#}");
    assert!(
        contract["endpoints"]
            .as_array()
            .is_some_and(|e| !e.is_empty()),
        "{contract:#}"
    );
    // The portalview's own upstream is not installed here: the guard refuses (exit 1,
    // an error document); with --allow-stale the image document lists what is not fresh.
    let (code, refused) = json(&["image", "xc-service-portalview", "--engine", "docker"]);
    assert_eq!(code, 1, "{refused:#}");
    assert_eq!(refused["error"]["code"], "m2fresh::image::stale_upstream");
    let (code, image) = json(&[
        "image",
        "xc-service-portalview",
        "--engine",
        "docker",
        "--allow-stale",
    ]);
    assert_eq!(code, 0, "{image:#}");
    assert!(
        image["notFresh"].as_array().is_some_and(|m| !m.is_empty()),
        "{image:#}"
    );
    assert_eq!(json(&["effective-pom", service]).0, 0);
    assert_eq!(json(&["check", "xc-service-apj"]).0, 2);
    // `build`: one document, the install's and the image's. Maven that fails at once
    // stops it after the install.
    let (code, build) = json(&[
        "build",
        "xc-service-portalview",
        "--engine",
        "docker",
        "--mvn",
        "/bin/false",
        "-j",
        "1",
    ]);
    assert_eq!(code, 1, "{build:#}");
    assert!(
        build["install"]["modules"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["result"] == "failed")),
        "{build:#}"
    );
    assert_eq!(build["image"], Value::Null, "{build:#}");
    let mut stamps = 0;
    for entry in walkdir::WalkDir::new(repo.path()) {
        let entry = entry.unwrap_or_else(|e| panic!("walk {}: {e}", repo.path().display()));
        if entry
            .file_name()
            .to_string_lossy()
            .ends_with(".m2fresh.json")
        {
            let text = std::fs::read_to_string(entry.path())
                .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            let stamp: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", entry.path().display()));
            validated("stamp", &stamp);
            stamps += 1;
        }
    }
    assert_eq!(stamps, 5, "a stamp per installed module");
    seen.insert("stamp");
    // `image --verify` needs a registry: registry.rs validates its document.
    seen.insert("image-verify");
    let all: BTreeSet<&str> = m2fresh::report::schema_names().collect();
    assert_eq!(seen, all, "every document with a schema was produced");
}

//! The JSON contract, pinned: one snapshot per document `--format json` prints (`graph`,
//! `order`, `check`, `why`, `plan`, `install`, `image`, the error document, and against
//! a remote repository `check --remote`, `deploy`, `install --from-remote`), on the
//! story's fixture with an empty local repository. What differs from run to run — the
//! temporary directories, hashes, times, durations, the Maven on `PATH` — is redacted.
//! A change to a snapshot is a change of the documented schema (README, "JSON").

use crate::common::{self, LocalRepo, Project};
use crate::{m2fresh_in, run_json};
use serde_json::Value;

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

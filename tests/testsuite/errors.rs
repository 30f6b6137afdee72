//! Input errors: exit code 2, the file and line, never a panic.

use crate::common::LocalRepo;
use crate::{m2fresh_in, run};

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

#[test]
fn malformed_xml_names_the_file_and_line() {
    let dir = workspace(&[(
        "pom.xml",
        "<project>\n  <groupId>g</groupId>\n  <artifactId>a</artifactId>\n  <version>1</version>\n  <dependencies>\n</project>\n",
    )]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pom.xml"), "{stderr}");
    assert!(stderr.contains("malformed XML"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unknown_module_name_is_a_usage_error() {
    let dir = workspace(&[(
        "pom.xml",
        "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>",
    )]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("check").arg("nope"));
    assert_eq!(code, 2);
    assert!(stderr.contains("no module named `nope`"), "{stderr}");
}

#[test]
fn a_doctype_is_refused_and_never_expanded() {
    let dir = workspace(&[(
        "pom.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<project><groupId>&x;</groupId></project>",
    )]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 2);
    assert!(stderr.contains("DOCTYPE"), "{stderr}");
    assert!(
        !stderr.contains("root:"),
        "the entity was not expanded: {stderr}"
    );
}

#[test]
fn an_empty_directory_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 2);
    assert!(stderr.contains("no pom.xml"), "{stderr}");
}

/// With `--format json`, an error is one JSON document on stdout (exit 2) with the code,
/// the message, the help and the POM's file, line and column — nothing on stdout is
/// ever miette text.
#[test]
fn with_json_an_error_is_a_json_document_pointing_into_the_pom() {
    let dir = workspace(&[(
        "pom.xml",
        "<project>\n  <groupId>g</groupId>\n  <artifactId>a</artifactId>\n  <version>1</version>\n  <dependencies>\n</project>\n",
    )]);
    let repo = LocalRepo::empty();
    let (code, stdout, stderr) =
        run(m2fresh_in(dir.path(), &repo).args(["--format", "json", "graph"]));
    assert_eq!(code, 2, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}): {stdout}"));
    assert_eq!(doc["schema"], 1);
    let error = &doc["error"];
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("malformed XML")),
        "{doc}"
    );
    assert!(
        error["code"]
            .as_str()
            .is_some_and(|c| c.starts_with("m2fresh::")),
        "{doc}"
    );
    assert_eq!(error["pom"], "pom.xml", "{doc}");
    assert!(error["line"].as_u64().is_some_and(|l| l >= 5), "{doc}");
    assert!(error["column"].as_u64().is_some(), "{doc}");

    // A command line that does not parse, too.
    let (code, stdout, _) =
        run(m2fresh_in(dir.path(), &repo).args(["--format", "json", "check", "--no-such-flag"]));
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(doc["error"]["code"], "m2fresh::usage", "{doc}");
    assert!(
        doc["error"]["help"]
            .as_str()
            .is_some_and(|h| h.contains("--no-such-flag")),
        "{doc}"
    );
}

/// A mistyped module name gets a suggestion, as clap gives one for a mistyped command;
/// an unknown `-P` id is warned about, as Maven warns.
#[test]
fn a_typo_gets_a_suggestion_and_an_unknown_profile_a_warning() {
    let dir = workspace(&[
        (
            "pom.xml",
            "<project><groupId>g</groupId><artifactId>root</artifactId><version>1</version><packaging>pom</packaging>\
             <modules><module>service-api</module></modules>\
             <profiles><profile><id>known</id></profile></profiles></project>",
        ),
        (
            "service-api/pom.xml",
            "<project><parent><groupId>g</groupId><artifactId>root</artifactId><version>1</version></parent>\
             <artifactId>service-api</artifactId></project>",
        ),
    ]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).args(["check", "servce-api"]));
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `service-api`?"), "{stderr}");

    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).args(["-P", "known,nope", "order"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "the requested profile \"nope\" could not be activated because it does not exist"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("\"known\""), "{stderr}");
}

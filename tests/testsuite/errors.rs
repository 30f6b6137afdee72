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
    crate::validated("error", &doc);
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
    crate::validated("error", &doc);
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

/// One root cause, one finding: an external parent and an imported BOM that are not in the
/// local repository (every clean CI runner) are each reported once, naming every module
/// they concern, and the dependencies left without a version because of them are folded
/// in as what they explain — in text and in JSON alike. The help says how to get a
/// third-party parent, not to `m2fresh install` it.
#[test]
fn findings_are_grouped_by_cause() {
    let child = |name: &str| {
        format!(
            "<project><parent><groupId>g</groupId><artifactId>root</artifactId><version>1</version></parent>\
             <artifactId>{name}</artifactId><dependencies>\
             <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-web</artifactId></dependency>\
             <dependency><groupId>org.projectlombok</groupId><artifactId>lombok</artifactId></dependency>\
             </dependencies></project>"
        )
    };
    let (a, b, c) = (child("a"), child("b"), child("c"));
    let dir = workspace(&[
        (
            "pom.xml",
            "<project><parent><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-parent</artifactId>\
             <version>2.0.1.RELEASE</version><relativePath/></parent>\
             <groupId>g</groupId><artifactId>root</artifactId><version>1</version><packaging>pom</packaging>\
             <modules><module>a</module><module>b</module><module>c</module></modules>\
             <dependencyManagement><dependencies><dependency><groupId>org.springframework.cloud</groupId>\
             <artifactId>spring-cloud-dependencies</artifactId><version>Finchley.SR1</version><type>pom</type>\
             <scope>import</scope></dependency></dependencies></dependencyManagement></project>",
        ),
        ("a/pom.xml", &a),
        ("b/pom.xml", &b),
        ("c/pom.xml", &c),
    ]);
    let repo = LocalRepo::empty();
    let (_, stdout, _) = run(m2fresh_in(dir.path(), &repo).args(["--format", "json", "check"]));
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    crate::validated("check", &doc);
    let findings = doc["findings"]
        .as_array()
        .expect("check carries its findings");
    let kinds: Vec<&str> = findings.iter().filter_map(|f| f["kind"].as_str()).collect();
    assert_eq!(kinds, ["unresolved-parent", "unresolved-import"], "{doc}");
    let parent = &findings[0];
    assert_eq!(
        parent["modules"].as_array().map(Vec::len),
        Some(4),
        "{parent}"
    );
    let explains = parent["explains"][0].as_str().unwrap_or("");
    assert!(
        explains.starts_with("6 dependencies without a version in 3 modules"),
        "{parent}"
    );
    let help = parent["help"].as_str().unwrap_or("");
    assert!(help.contains("mvn dependency:get"), "{help}");
    assert!(!help.contains("m2fresh install"), "{help}");

    let (_, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("check"));
    assert_eq!(
        stderr
            .matches("spring-boot-starter-parent:2.0.1.RELEASE of")
            .count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("(affects 4 modules:"), "{stderr}");
    assert!(
        !stderr.contains("has no version"),
        "folded into the cause: {stderr}"
    );
}

/// In a scan (sibling projects), a POM that cannot be read blocks only what needs it:
/// checking another project works and reports the broken one as a finding; a target that
/// depends on the broken project's coordinates, or names it, gets the error reading it
/// gave, with its file and line.
#[test]
fn a_scan_tolerates_a_broken_pom_its_targets_do_not_need() {
    let project = |a: &str, deps: &str| {
        format!(
            "<project><groupId>g</groupId><artifactId>{a}</artifactId><version>1</version>\
             <dependencies>{deps}</dependencies></project>"
        )
    };
    let needs_b = "<dependency><groupId>g</groupId><artifactId>b</artifactId><version>1</version></dependency>";
    let (a, c) = (project("a", ""), project("c", needs_b));
    let dir = workspace(&[
        ("a/pom.xml", &a),
        (
            "b/pom.xml",
            "<project>\n  <groupId>g</groupId>\n  <artifactId>b</artifactId>\n  <version>1</version>\n  <dependencies>\n</project>\n",
        ),
        ("c/pom.xml", &c),
    ]);
    let repo = LocalRepo::empty();
    let (code, stdout, stderr) =
        run(m2fresh_in(dir.path(), &repo).args(["--format", "json", "check", "a"]));
    assert_eq!(code, 1, "a is missing, not an input error: {stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    crate::validated("check", &doc);
    let unreadable: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["kind"] == "unreadable-pom")
        .collect();
    assert_eq!(unreadable.len(), 1, "{doc}");
    assert_eq!(unreadable[0]["pom"], "b/pom.xml", "{doc}");
    assert!(unreadable[0]["line"].as_u64().is_some(), "{doc}");

    for target in ["c", "b"] {
        let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).args(["check", target]));
        assert_eq!(code, 2, "{target}: {stderr}");
        assert!(stderr.contains("malformed XML"), "{target}: {stderr}");
        assert!(stderr.contains("b/pom.xml"), "{target}: {stderr}");
    }
    // The image of a module that needs it is refused for the same reason, before any
    // route is looked for (c has no Dockerfile: that would be another error).
    for command in [&["image", "c"][..], &["build", "c", "--dry-run"]] {
        let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).args(command));
        assert_eq!(code, 2, "{command:?}: {stderr}");
        assert!(stderr.contains("malformed XML"), "{command:?}: {stderr}");
        assert!(stderr.contains("b/pom.xml"), "{command:?}: {stderr}");
    }
}

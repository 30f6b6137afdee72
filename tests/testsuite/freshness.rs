//! `check` and `why` on the story fixture with real Maven: each status, with the
//! evidence a user relies on.

use crate::common::{self, LocalRepo, Project, XUECHENG_BUILD_ORDER};
use crate::{m2fresh_in, run, run_json};
use serde_json::Value;

/// The story's build script: plain `mvn install` in each project, in order.
pub fn install_with_maven(project: &Project, repo: &LocalRepo, projects: &[&str]) {
    for p in projects {
        common::run_mvn_ok(
            &project.path(p),
            repo,
            &["-q", "-o", "install", "-DskipTests"],
        );
    }
}

/// `m2fresh install` of the whole upstream of the service (stamps everything).
pub fn install_with_m2fresh(project: &Project, repo: &LocalRepo, target: &str) {
    let (code, stdout, stderr) = run(m2fresh_in(&project.root, repo)
        .arg("install")
        .arg(target)
        .arg("--offline"));
    assert_eq!(code, 0, "m2fresh install failed:\n{stdout}\n{stderr}");
}

pub fn check(project: &Project, repo: &LocalRepo, target: &str) -> (i32, Value) {
    run_json(m2fresh_in(&project.root, repo).arg("check").arg(target))
}

pub fn status_of<'a>(report: &'a Value, artifact_id: &str) -> &'a Value {
    report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .find(|m| m["id"] == format!("com.xuecheng:{artifact_id}"))
        .unwrap_or_else(|| panic!("{artifact_id} in {report}"))
}

fn evidence_kinds(module: &Value) -> Vec<String> {
    module["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

const API_DIR: &str = "xc-service-api/src/main/java/com/xuecheng/api/cms";

/// The story: plain `mvn install` gives `unverified` artifacts without evidence; then a
/// class added to the interface module makes `check` of the service exit 1 with that
/// class as evidence.
#[test]
fn plain_maven_installs_are_unverified_until_the_sources_contradict_them() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    install_with_maven(&project, &repo, &XUECHENG_BUILD_ORDER);

    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 1, "unverified is not fresh: {report}");
    assert_eq!(report["summary"]["unverified"], 6, "{report}");
    for m in report["modules"].as_array().expect("modules") {
        assert_eq!(m["status"], "unverified", "{m}");
        assert!(
            m["evidence"].as_array().expect("evidence").is_empty(),
            "{m}"
        );
        assert!(
            m["artifact"]
                .as_str()
                .is_some_and(|a| a.starts_with(&*repo.path().to_string_lossy()))
        );
    }

    std::fs::write(
        project.path(format!("{API_DIR}/CmsSiteControllerApi.java")),
        "package com.xuecheng.api.cms;\n\npublic interface CmsSiteControllerApi {\n    String API_PREFIX = \"/cms/site\";\n}\n",
    )
    .expect("write a new class");
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 1);
    let api = status_of(&report, "xc-service-api");
    assert_eq!(api["status"], "stale", "{api}");
    let missing = api["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .find(|e| e["kind"] == "missing-class")
        .unwrap_or_else(|| panic!("missing-class evidence in {api}"));
    assert_eq!(
        missing["path"],
        "com/xuecheng/api/cms/CmsSiteControllerApi.class"
    );
    assert!(
        missing["detail"]
            .as_str()
            .is_some_and(|d| d.contains("CmsSiteControllerApi.java")),
        "{missing}"
    );
    // Only the changed module is stale; the others stay as they were.
    assert_eq!(
        status_of(&report, "xc-framework-model")["status"],
        "unverified"
    );

    let (code, stdout, _) = run(m2fresh_in(&project.root, &repo)
        .arg("why")
        .arg("xc-service-api")
        .arg("--target")
        .arg("xc-service-portalview"));
    assert_eq!(code, 1);
    assert!(stdout.contains("is stale"), "{stdout}");
    assert!(
        stdout.contains("xc-service-portalview/pom.xml:17"),
        "the edge's POM line: {stdout}"
    );
    assert!(stdout.contains("CmsSiteControllerApi"), "{stdout}");
    assert!(
        stdout.contains("xc-service-api-1.0-SNAPSHOT.jar"),
        "{stdout}"
    );
}

/// After `m2fresh install`, every status and the evidence behind it.
#[test]
fn stamped_artifacts_are_fresh_until_something_that_matters_changes() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    install_with_m2fresh(&project, &repo, "xc-service-portalview");
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["summary"]["fresh"], 6);

    // Touching files without changing them changes nothing.
    let source = project.path(format!("{API_DIR}/CmsPageControllerApi.java"));
    let bytes = std::fs::read(&source).expect("read");
    std::fs::write(&source, &bytes).expect("rewrite");
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0, "touched, same content: {report}");

    // A comment in a POM does not count.
    let api_pom = project.path("xc-service-api/pom.xml");
    let pom = std::fs::read_to_string(&api_pom).expect("read pom");
    std::fs::write(
        &api_pom,
        pom.replace("<dependencies>", "<!-- a comment -->\n  <dependencies>"),
    )
    .expect("write pom");
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0, "comment-only POM change: {report}");

    // A property does, and it is stale for the module and, through the Merkle hash, for
    // the service built against it.
    std::fs::write(
        &api_pom,
        pom.replace(
            "<dependencies>",
            "<properties><x>1</x></properties>\n  <dependencies>",
        ),
    )
    .expect("write pom");
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 1);
    let api = status_of(&report, "xc-service-api");
    assert_eq!(api["status"], "stale");
    assert!(
        evidence_kinds(api).iter().all(|k| k == "model-changed"),
        "{api}"
    );
    // The evidence names the change, and the POM it was made in.
    let details: Vec<&str> = api["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert_eq!(details, ["property x added", "pom.xml changed"], "{api}");
    let portal = status_of(&report, "xc-service-portalview");
    assert_eq!(portal["status"], "stale");
    assert_eq!(evidence_kinds(portal), vec!["upstream-changed"]);
    assert_eq!(portal["evidence"][0]["path"], "com.xuecheng:xc-service-api");
    std::fs::write(&api_pom, &pom).expect("restore pom");

    // A changed file is named.
    std::fs::write(
        &source,
        String::from_utf8_lossy(&bytes).replace("/cms/page", "/api/cms/page"),
    )
    .expect("change the prefix");
    let (_, report) = check(&project, &repo, "xc-service-portalview");
    let api = status_of(&report, "xc-service-api");
    assert_eq!(api["status"], "stale");
    assert_eq!(evidence_kinds(api), vec!["file-changed"]);
    assert_eq!(
        api["evidence"][0]["path"],
        format!("src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java")
    );
    std::fs::write(&source, &bytes).expect("restore");

    // A dependency change is a model change too.
    let utils_pom = project.path("xc-framework-utils/pom.xml");
    let upom = std::fs::read_to_string(&utils_pom).expect("read");
    let with_dep = upom.replacen(
        "</parent>",
        "</parent>\n  <dependencies><dependency><groupId>com.xuecheng</groupId><artifactId>xc-framework-model</artifactId></dependency></dependencies>",
        1,
    );
    assert_ne!(with_dep, upom, "the utils POM has a parent to insert after");
    std::fs::write(&utils_pom, with_dep).expect("write");
    let (_, report) = check(&project, &repo, "xc-service-portalview");
    let utils = status_of(&report, "xc-framework-utils");
    assert_eq!(utils["status"], "stale", "{utils}");
    assert!(
        evidence_kinds(utils).contains(&"model-changed".to_string()),
        "{utils}"
    );
    std::fs::write(&utils_pom, &upom).expect("restore");

    // Everything back as it was: fresh again.
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0, "{report}");

    // An artifact replaced by plain Maven after m2fresh stamped it is foreign.
    install_with_maven(&project, &repo, &["xc-framework-utils"]);
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 1);
    let utils = status_of(&report, "xc-framework-utils");
    assert_eq!(utils["status"], "foreign", "{utils}");
    assert_eq!(evidence_kinds(utils), vec!["artifact-replaced"]);

    // No artifact at all is missing.
    let cms = check(&project, &repo, "xc-service-manage-cms").1;
    assert_eq!(
        status_of(&cms, "xc-service-manage-cms")["status"],
        "missing"
    );
    assert!(status_of(&cms, "xc-service-manage-cms")["artifact"].is_null());
}

/// `check` of the whole workspace lists every module, in build order, and `-v` says
/// which setting chose the local repository.
#[test]
fn check_without_targets_checks_every_module() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let (code, report) = run_json(m2fresh_in(&project.root, &repo).arg("check"));
    assert_eq!(code, 1);
    assert_eq!(report["schema"], 1);
    assert_eq!(report["summary"]["total"], 7);
    assert_eq!(report["summary"]["missing"], 7);
    assert_eq!(
        report["localRepository"],
        repo.path().to_string_lossy().as_ref()
    );
    let (_, _, stderr) = run(m2fresh_in(&project.root, &repo).arg("-v").arg("check"));
    assert!(stderr.contains("(--local-repo)"), "{stderr}");
}

/// Issue 11 item 4: the whole installed artifact set is verified. The POM installed
/// beside a stamped jar, edited, replaced or removed, makes the module `foreign` with
/// evidence naming that POM; for `pom` packaging the POM is the artifact itself.
#[test]
fn an_installed_pom_edited_after_the_install_is_foreign() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    install_with_m2fresh(&project, &repo, "xc-service-api");
    let (code, report) = check(&project, &repo, "xc-service-api");
    assert_eq!(code, 0, "{report}");

    let api_pom = repo.artifact("com.xuecheng", "xc-service-api", "1.0-SNAPSHOT", "pom");
    let installed = std::fs::read_to_string(&api_pom).expect("installed POM");
    // A consumer now resolves another dependency list from the repository.
    let edited = installed.replacen(
        "<dependencies>",
        "<dependencies><dependency><groupId>evil</groupId><artifactId>x</artifactId><version>1</version></dependency>",
        1,
    );
    assert_ne!(edited, installed, "the api POM declares dependencies");
    for (what, content) in [("edited", Some(edited.as_str())), ("removed", None)] {
        match content {
            Some(text) => std::fs::write(&api_pom, text).expect("edit"),
            None => std::fs::remove_file(&api_pom).expect("remove"),
        }
        let (code, report) = check(&project, &repo, "xc-service-api");
        assert_eq!(code, 1, "{what}: {report}");
        let api = status_of(&report, "xc-service-api");
        assert_eq!(api["status"], "foreign", "{what}: {api}");
        assert_eq!(
            evidence_kinds(api),
            vec!["artifact-replaced"],
            "{what}: {api}"
        );
        assert_eq!(
            api["evidence"][0]["path"],
            api_pom.to_string_lossy().as_ref(),
            "{what}: the evidence names the POM: {api}"
        );
        assert!(
            api["evidence"][0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains(what)),
            "{what}: {api}"
        );
        assert_eq!(status_of(&report, "xc-framework-model")["status"], "fresh");
    }
    std::fs::write(&api_pom, &installed).expect("restore");
    let (code, report) = check(&project, &repo, "xc-service-api");
    assert_eq!(
        code, 0,
        "the bytes m2fresh installed are fresh again: {report}"
    );

    // `pom` packaging: the POM is the artifact.
    let parent_pom = repo.artifact("com.xuecheng", "xc-framework-parent", "1.0-SNAPSHOT", "pom");
    let text = std::fs::read_to_string(&parent_pom).expect("parent POM");
    std::fs::write(
        &parent_pom,
        text.replacen("<properties>", "<properties><x>1</x>", 1),
    )
    .expect("edit");
    let (code, report) = check(&project, &repo, "xc-service-api");
    assert_eq!(code, 1, "{report}");
    let parent = status_of(&report, "xc-framework-parent");
    assert_eq!(parent["status"], "foreign", "{parent}");
    assert_eq!(
        parent["evidence"][0]["path"],
        parent_pom.to_string_lossy().as_ref()
    );
}

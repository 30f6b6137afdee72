//! `plan` and `install` with real Maven: valid order, only what is stale, failures.

use crate::common::{LocalRepo, Project};
use crate::freshness::{check, status_of};
use crate::{m2fresh_in, run, run_json};
use serde_json::Value;
use std::io::Read;

fn results(report: &Value) -> Vec<(String, String)> {
    report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| {
            (
                m["id"]
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches("com.xuecheng:")
                    .to_string(),
                m["result"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The Maven command line of each module of an install report.
fn maven_commands(report: &Value) -> Vec<&str> {
    report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter_map(|m| m["command"].as_str())
        .collect()
}

fn class_bytes(jar: &std::path::Path, entry: &str) -> Vec<u8> {
    let file = std::fs::File::open(jar).unwrap_or_else(|e| panic!("{}: {e}", jar.display()));
    let mut zip = zip::ZipArchive::new(file).expect("a jar");
    let mut e = zip
        .by_name(entry)
        .unwrap_or_else(|_| panic!("{entry} in {}", jar.display()));
    let mut out = Vec::new();
    e.read_to_end(&mut out).expect("read entry");
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// From an empty repository, `install` installs the whole upstream in a valid order
/// (each module after what it needs), then `check` exits 0; the story's change then
/// needs exactly the interface module and the service, and the jar has the change.
#[test]
fn install_the_upstream_then_exactly_what_changed() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-service-portalview")
            .arg("--offline")
            .arg("-j")
            .arg("2"),
    );
    assert_eq!(code, 0, "{report}");
    let done = results(&report);
    assert_eq!(done.len(), 6, "{done:?}");
    assert!(done.iter().all(|(_, r)| r == "installed"), "{done:?}");
    // Completion order respects the graph.
    let pos = |a: &str| done.iter().position(|(m, _)| m == a).expect(a);
    assert_eq!(pos("xc-framework-parent"), 0);
    assert!(pos("xc-framework-model") < pos("xc-service-api"));
    assert!(pos("xc-service-api") < pos("xc-service-portalview"));
    assert_eq!(pos("xc-service-portalview"), 5);
    for m in report["modules"].as_array().expect("modules") {
        let log = std::path::Path::new(m["log"].as_str().expect("log"));
        assert!(
            log.is_file(),
            "the log of {} is kept: {}",
            m["id"],
            log.display()
        );
    }
    let stamp = repo.artifact(
        "com.xuecheng",
        "xc-service-api",
        "1.0-SNAPSHOT",
        "m2fresh.json",
    );
    assert!(
        stamp.is_file(),
        "a stamp next to the artifact: {}",
        stamp.display()
    );
    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0, "{report}");

    // The story: the REST prefix changes in the interface module.
    let source =
        project.path("xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java");
    let text = std::fs::read_to_string(&source).expect("read");
    assert!(
        text.contains("\"/cms/page\""),
        "the fixture's prefix: {text}"
    );
    std::fs::write(
        &source,
        text.replace("\"/cms/page\"", "\"/api/v2/cms/page\""),
    )
    .expect("write");

    let (code, plan) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("plan")
            .arg("xc-service-portalview"),
    );
    assert_eq!(code, 0);
    let planned: Vec<&str> = plan["install"]
        .as_array()
        .expect("install")
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        planned,
        vec![
            "com.xuecheng:xc-service-api",
            "com.xuecheng:xc-service-portalview"
        ]
    );
    assert_eq!(
        plan["install"][1]["waitsFor"][0],
        "com.xuecheng:xc-service-api"
    );

    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-service-portalview")
            .arg("--offline"),
    );
    assert_eq!(code, 0, "{report}");
    let done = results(&report);
    assert_eq!(
        done,
        vec![
            ("xc-service-api".to_string(), "installed".to_string()),
            ("xc-service-portalview".to_string(), "installed".to_string())
        ]
    );
    let jar = repo.artifact("com.xuecheng", "xc-service-api", "1.0-SNAPSHOT", "jar");
    let class = class_bytes(&jar, "com/xuecheng/api/cms/CmsPageControllerApi.class");
    assert!(
        contains(&class, "/api/v2/cms/page"),
        "the new prefix is in the installed jar"
    );
    assert!(!contains(&class, "\"/cms/page"), "and not the old one");
    let (code, _) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0);

    // Nothing left to do.
    let (code, _, stderr) = run(m2fresh_in(&project.root, &repo)
        .arg("install")
        .arg("xc-service-portalview"));
    assert_eq!(code, 0);
    assert!(stderr.contains("nothing to install"), "{stderr}");
}

/// A module that does not compile: exit 1, no stamp, its dependents not run; with
/// `--keep-going` the independent modules are still installed.
#[test]
fn a_failed_module_stops_its_dependents_and_leaves_no_stamp() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let common_src =
        project.path("xc-framework-common/src/main/java/com/xuecheng/framework/Broken.java");
    std::fs::create_dir_all(common_src.parent().expect("dir")).expect("mkdir");
    std::fs::write(
        &common_src,
        "package com.xuecheng.framework;\nclass Broken { not java }\n",
    )
    .expect("write");

    let (code, stdout, stderr) = run(m2fresh_in(&project.root, &repo)
        .arg("install")
        .arg("xc-service-portalview")
        .arg("--offline")
        .arg("-j")
        .arg("1"));
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stderr.contains("xc-framework-common failed"), "{stderr}");
    assert!(
        stderr.contains("COMPILATION ERROR") || stderr.contains("BUILD FAILURE"),
        "the log's tail: {stderr}"
    );
    assert!(
        !repo
            .artifact(
                "com.xuecheng",
                "xc-framework-common",
                "1.0-SNAPSHOT",
                "m2fresh.json"
            )
            .exists()
    );
    assert!(
        !repo
            .artifact(
                "com.xuecheng",
                "xc-service-portalview",
                "1.0-SNAPSHOT",
                "jar"
            )
            .exists()
    );

    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-service-portalview")
            .arg("--offline")
            .arg("--keep-going"),
    );
    assert_eq!(code, 1);
    let done = results(&report);
    let result = |m: &str| {
        done.iter()
            .find(|(id, _)| id == m)
            .map(|(_, r)| r.as_str())
            .unwrap_or("absent")
    };
    assert_eq!(result("xc-framework-common"), "failed", "{done:?}");
    assert_eq!(result("xc-service-portalview"), "skipped", "{done:?}");
    // What does not need the broken module is installed, in the first run before the
    // failure (then fresh and not planned again) or with --keep-going.
    assert_eq!(
        result("xc-service-api"),
        "installed",
        "api needs only parent and model: {done:?}"
    );
    let (_, report) = check(&project, &repo, "xc-service-portalview");
    for independent in [
        "xc-framework-parent",
        "xc-framework-model",
        "xc-framework-utils",
        "xc-service-api",
    ] {
        assert_eq!(
            status_of(&report, independent)["status"],
            "fresh",
            "{independent}: {report}"
        );
    }
    assert_eq!(
        status_of(&report, "xc-framework-common")["status"],
        "missing"
    );
}

/// In an aggregator workspace the whole plan goes to one Maven reactor (`-pl` with
/// exactly the planned modules, `-T`), with the workspace's `-D` and `-P` passed on; each
/// module is stamped and the result is fresh.
#[test]
fn install_in_an_aggregator_workspace_runs_one_reactor() {
    let project = Project::copy_fixture("reactor/basic");
    let repo = LocalRepo::new();
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("-Dm2fresh.test=passed-on")
            .arg("-P")
            .arg("!no-such-profile")
            .arg("install")
            .arg("app")
            .arg("--offline")
            .arg("-j")
            .arg("2"),
    );
    assert_eq!(code, 0, "{report}");
    let done = results(&report);
    assert_eq!(
        done.len(),
        6,
        "parent, core, svc-a, svc-b, testkit, app: {done:?}"
    );
    assert!(done.iter().all(|(_, r)| r == "installed"), "{done:?}");
    let commands = maven_commands(&report);
    assert!(
        commands.windows(2).all(|w| w[0] == w[1]),
        "one command: {commands:?}"
    );
    let command = commands[0];
    for expected in [
        " -pl ",
        "com.example.basic:core",
        "com.example.basic:app",
        " -T 2 ",
        "-Dm2fresh.test=passed-on",
        " -P '!no-such-profile' ",
        " clean install",
    ] {
        assert!(command.contains(expected), "{expected} in {command}");
    }
    // Fresh for the parameters it was built with; a check without them names them.
    let same = ["-Dm2fresh.test=passed-on", "-P", "!no-such-profile"];
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .args(same)
            .arg("check")
            .arg("app"),
    );
    assert_eq!(code, 0, "{report}");
    let (code, report) = run_json(m2fresh_in(&project.root, &repo).arg("check").arg("app"));
    assert_eq!(code, 1, "{report}");
    let kinds: Vec<&str> = report["modules"][0]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["parameter-changed", "parameter-changed"],
        "{report}"
    );

    // --per-module: one Maven per module, POM modules with -N.
    std::fs::write(project.path("core/marker.txt"), "not an input").expect("write");
    let core_src = project.path("core/src/main/java/basic/Core.java");
    std::fs::create_dir_all(core_src.parent().expect("dir")).expect("mkdir");
    std::fs::write(&core_src, "package basic;\npublic class Core {}\n").expect("write");
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .args(same)
            .arg("install")
            .arg("app")
            .arg("--offline")
            .arg("--per-module"),
    );
    assert_eq!(code, 0, "{report}");
    let done = results(&report);
    // core changed; svc-a, svc-b, testkit and app are built against it.
    assert_eq!(done.len(), 5, "{done:?}");
    let commands = maven_commands(&report);
    assert!(
        commands
            .iter()
            .all(|c| c.contains(" -f ") && !c.contains(" -pl ")),
        "{commands:?}"
    );
}

/// A module that fails in the reactor: with --keep-going (`-fae`) Maven builds what does
/// not need it, and m2fresh reads each outcome from the reactor summary: the failed
/// module and what needs it get no stamp, the rest is installed and fresh.
#[test]
fn a_failure_in_the_reactor_is_told_module_by_module() {
    let project = Project::copy_fixture("reactor/basic");
    let repo = LocalRepo::new();
    let broken = project.path("svc-b/src/main/java/basic/Broken.java");
    std::fs::create_dir_all(broken.parent().expect("dir")).expect("mkdir");
    std::fs::write(&broken, "package basic;\nclass Broken { not java }\n").expect("write");
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("app")
            .arg("--offline")
            .arg("--keep-going"),
    );
    assert_eq!(code, 1, "{report}");
    let done = results(&report);
    let result = |m: &str| {
        done.iter()
            .find(|(id, _)| id == &format!("com.example.basic:{m}"))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| format!("absent from {done:?}"))
    };
    assert_eq!(result("svc-b"), "failed");
    assert_eq!(result("app"), "skipped");
    for installed in ["basic-parent", "core", "svc-a", "testkit"] {
        assert_eq!(result(installed), "installed", "{installed}");
    }
    let app = report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .find(|m| m["id"] == "com.example.basic:app")
        .expect("app");
    assert_eq!(app["because"], "com.example.basic:svc-b", "{app}");

    let (code, report) = check(&project, &repo, "app");
    assert_eq!(code, 1);
    let status = |m: &str| {
        report["modules"]
            .as_array()
            .expect("modules")
            .iter()
            .find(|x| x["id"] == format!("com.example.basic:{m}"))
            .map(|x| x["status"].clone())
            .unwrap_or_else(|| panic!("{m} in {report}"))
    };
    for fresh in ["basic-parent", "core", "svc-a", "testkit"] {
        assert_eq!(status(fresh), "fresh", "{fresh}: {report}");
    }
    assert_eq!(status("svc-b"), "missing");
    assert_eq!(status("app"), "missing");
}

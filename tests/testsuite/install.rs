//! `plan` and `install` with real Maven: valid order, only what is stale, failures.

use crate::common::{LocalRepo, Project};
use crate::freshness::{check, status_of};
use crate::{m2fresh_in, run, run_json};
use serde_json::Value;
use std::io::Read;

/// Each module of an install document with its result, `com.xuecheng:` left out.
pub(crate) fn results(report: &Value) -> Vec<(String, String)> {
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
    let (code, stdout, _) = run(m2fresh_in(&project.root, &repo)
        .arg("install")
        .arg("xc-service-portalview"));
    assert_eq!(code, 0);
    assert!(stdout.contains("nothing to install"), "{stdout}");
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
    // The summary (stdout) names the failure and shows the log's tail.
    assert!(stdout.contains("xc-framework-common failed"), "{stdout}");
    assert!(
        stdout.contains("COMPILATION ERROR") || stdout.contains("BUILD FAILURE"),
        "the log's tail: {stdout}"
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
    let module = |id: &str| {
        report["modules"]
            .as_array()
            .expect("modules")
            .iter()
            .find(|m| m["id"] == id)
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .clone()
    };
    let kinds: Vec<String> = module("com.example.basic:core")["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_string))
        .collect();
    assert_eq!(
        kinds,
        ["parameter-changed", "parameter-changed"],
        "{report}"
    );
    // The parent's artifact is its POM as written: parameters do not reach it.
    assert_eq!(
        module("com.example.basic:basic-parent")["status"],
        "fresh",
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

/// Writes `text` to `path`, creating its directory.
fn write(path: &std::path::Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// A workspace (`lib`, and `app` that needs it) whose parent `ext:ext-parent:1.0` is in
/// no local repository, only in a `file://` repository that the settings declare: the
/// first install makes Maven download it, as with `spring-boot-starter-parent` on a
/// clean CI runner. The parent brings what changes the children's model (the compiler
/// release, the pinned plugins). With `aggregator`, a root POM lists both modules.
fn external_parent_workspace(
    aggregator: bool,
) -> (tempfile::TempDir, std::path::PathBuf, LocalRepo) {
    let dir = tempfile::tempdir().expect("temp dir");
    let xuecheng_parent =
        crate::common::fixtures_dir().join("xuecheng/xc-framework-parent/pom.xml");
    let parent = std::fs::read_to_string(&xuecheng_parent)
        .expect("the xuecheng parent")
        .replacen(
            "<groupId>com.xuecheng</groupId>",
            "<groupId>ext</groupId>",
            1,
        )
        .replacen(
            "<artifactId>xc-framework-parent</artifactId>",
            "<artifactId>ext-parent</artifactId>",
            1,
        )
        .replacen(
            "<version>1.0-SNAPSHOT</version>",
            "<version>1.0</version>",
            1,
        );
    assert!(parent.contains("<artifactId>ext-parent</artifactId>"));
    let remote = dir.path().join("remote");
    write(
        &remote.join("ext/ext-parent/1.0/ext-parent-1.0.pom"),
        &parent,
    );
    let ws = dir.path().join("ws");
    let module = |name: &str, deps: &str| {
        format!(
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  \
             <parent><groupId>ext</groupId><artifactId>ext-parent</artifactId><version>1.0</version>\
             <relativePath/></parent>\n  <groupId>com.example.ext</groupId>\n  <artifactId>{name}</artifactId>\n  \
             <version>1.0</version>\n{deps}</project>\n"
        )
    };
    write(&ws.join("lib/pom.xml"), &module("lib", ""));
    write(
        &ws.join("lib/src/main/java/ext/Lib.java"),
        "package ext;\npublic class Lib { public static final String NAME = \"lib\"; }\n",
    );
    write(
        &ws.join("lib/src/main/resources/lib.properties"),
        "name=lib\n",
    );
    write(
        &ws.join("app/pom.xml"),
        &module(
            "app",
            "  <dependencies><dependency><groupId>com.example.ext</groupId><artifactId>lib</artifactId><version>1.0</version></dependency></dependencies>\n",
        ),
    );
    write(
        &ws.join("app/src/main/java/ext/App.java"),
        "package ext;\npublic class App { String n = Lib.NAME; }\n",
    );
    if aggregator {
        write(
            &ws.join("pom.xml"),
            "<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  <modelVersion>4.0.0</modelVersion>\n  \
             <groupId>com.example.ext</groupId>\n  <artifactId>root</artifactId>\n  <version>1.0</version>\n  \
             <packaging>pom</packaging>\n  <modules><module>lib</module><module>app</module></modules>\n</project>\n",
        );
    }
    let repo = LocalRepo::new();
    let url = format!("file://{}", remote.display());
    write(
        repo.settings(),
        &format!(
            "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\">\n  <profiles><profile><id>ext</id>\
             <repositories><repository><id>ext</id><url>{url}</url></repository></repositories>\
             </profile></profiles>\n  <activeProfiles><activeProfile>ext</activeProfile></activeProfiles>\n</settings>\n"
        ),
    );
    assert!(
        !repo.path().join("ext").exists(),
        "the parent is in no local repository before the install"
    );
    (dir, ws, repo)
}

/// Issue 11 item 5: the first install into a local repository without the external
/// parent stamps what Maven built — the model read after Maven downloaded the parent —
/// so the next `check` finds everything fresh and a second install does nothing. In
/// both modes: one Maven per module (sibling projects) and one reactor (aggregator).
#[test]
fn a_first_install_with_an_external_parent_is_fresh_and_not_repeated() {
    for aggregator in [false, true] {
        let (_dir, ws, repo) = external_parent_workspace(aggregator);
        // `-s` relative to where m2fresh runs (Maven runs elsewhere: in each module).
        let settings_dir = repo.settings().parent().expect("settings directory");
        let (code, report) = run_json(
            crate::common::m2fresh()
                .current_dir(settings_dir)
                .arg("-w")
                .arg(&ws)
                .arg("--local-repo")
                .arg(repo.path())
                .args(["-s", "settings.xml", "install", "app", "-j", "1"]),
        );
        assert_eq!(code, 0, "aggregator {aggregator}: {report}");
        assert_eq!(
            results(&report),
            vec![
                ("com.example.ext:lib".to_string(), "installed".to_string()),
                ("com.example.ext:app".to_string(), "installed".to_string())
            ],
            "aggregator {aggregator}"
        );
        assert!(
            repo.path()
                .join("ext/ext-parent/1.0/ext-parent-1.0.pom")
                .is_file(),
            "Maven downloaded the parent"
        );
        let (code, report) = run_json(m2fresh_in(&ws, &repo).arg("check").arg("app"));
        assert_eq!(
            code, 0,
            "aggregator {aggregator}: the stamps describe what Maven built: {report}"
        );
        assert_eq!(report["summary"]["fresh"], 2);
        let (code, stdout, stderr) = run(m2fresh_in(&ws, &repo).arg("install").arg("app"));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stdout.contains("nothing to install"),
            "aggregator {aggregator}: {stdout}"
        );
    }
}

/// A `--mvn` that runs `script` (with `$1`... the Maven arguments) before it hands over
/// to the real Maven: what a user does in another terminal while Maven builds.
fn maven_that_first_runs(dir: &std::path::Path, script: &str) -> std::path::PathBuf {
    let mvn = crate::common::require_mvn();
    let path = dir.join("mvn-with-an-edit");
    write(
        &path,
        &format!("#!/bin/sh\n{script}\nexec {} \"$@\"\n", mvn.display()),
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// The message of a module of an install report.
fn module_entry<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .find(|m| m["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

/// Issue 11 item 5: sources that change while Maven builds are not stamped with the
/// fingerprint taken before Maven started: the module is installed but "not stamped",
/// naming the file, in JSON and text, and the install exits 1. Per module, an edit; in
/// one reactor, a branch switched and back (same bytes, another file: Maven may have
/// built the other branch). A plain rerun then stamps it.
#[test]
fn sources_changed_during_the_build_are_not_stamped() {
    // One Maven per module (`--per-module`): the model's source edited as its build starts.
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let source = project
        .path("xc-framework-model/src/main/java/com/xuecheng/framework/model/cms/CmsPage.java");
    assert!(source.is_file(), "{}", source.display());
    let mvn = maven_that_first_runs(
        project.dir.path(),
        &format!(
            "case \"$*\" in *xc-framework-model/pom.xml*) echo '// edited during the build' >> '{}';; esac",
            source.display()
        ),
    );
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .args([
                "install",
                "xc-framework-model",
                "--offline",
                "--per-module",
                "--mvn",
            ])
            .arg(&mvn),
    );
    assert_eq!(code, 1, "{report}");
    let model = module_entry(&report, "com.xuecheng:xc-framework-model");
    assert_eq!(model["result"], "not-stamped", "{model}");
    let message = model["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("sources changed during the build"),
        "{message}"
    );
    assert!(message.contains("CmsPage.java"), "{message}");
    assert_eq!(
        module_entry(&report, "com.xuecheng:xc-framework-parent")["result"],
        "installed"
    );
    let stamp = repo.artifact(
        "com.xuecheng",
        "xc-framework-model",
        "1.0-SNAPSHOT",
        "m2fresh.json",
    );
    assert!(
        !stamp.exists(),
        "no stamp for what Maven may not have built from these sources"
    );
    let (code, report) = check(&project, &repo, "xc-framework-model");
    assert_eq!(code, 1, "{report}");
    assert_ne!(status_of(&report, "xc-framework-model")["status"], "fresh");
    let (code, stdout, stderr) =
        run(m2fresh_in(&project.root, &repo).args(["install", "xc-framework-model", "--offline"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stamp.is_file());

    // One reactor: core's source switched to another branch and back as Maven starts.
    let project = Project::copy_fixture("reactor/basic");
    let repo = LocalRepo::new();
    let core = project.path("core/src/main/java/basic/Core.java");
    write(&core, "package basic;\npublic class Core {}\n");
    let mvn = maven_that_first_runs(
        project.dir.path(),
        &format!(
            "f='{}'; cp \"$f\" \"$f.orig\"; echo 'other branch' > \"$f\"; mv \"$f.orig\" \"$f\"",
            core.display()
        ),
    );
    let (code, stdout, stderr) = run(m2fresh_in(&project.root, &repo)
        .args(["install", "core", "--offline", "--mvn"])
        .arg(&mvn));
    assert_eq!(code, 1, "{stdout}{stderr}");
    // The summary (stdout) says which module was left without a stamp, and why.
    assert!(stdout.contains("NOT STAMPED"), "{stdout}");
    assert!(
        stdout.contains("com.example.basic:core was installed but not stamped: sources changed during the build (src/main/java/basic/Core.java"),
        "{stdout}"
    );
    let (code, report) = run_json(m2fresh_in(&project.root, &repo).arg("check").arg("core"));
    assert_eq!(code, 1, "{report}");
}

/// Issue 11 item 6: a failed install keeps what is true. Stamps of modules whose
/// artifacts the failed run did not replace stay, so once the sources are back the
/// modules are fresh again (on main they were deleted before Maven ran, and the
/// byte-identical jars became `unverified`).
#[test]
fn a_failed_install_keeps_the_stamps_of_artifacts_it_did_not_replace() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let (code, stdout, stderr) =
        run(m2fresh_in(&project.root, &repo).args(["install", "xc-service-api", "--offline"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    let source = project
        .path("xc-framework-model/src/main/java/com/xuecheng/framework/model/cms/CmsPage.java");
    let good = std::fs::read_to_string(&source).expect("read");
    std::fs::write(&source, format!("{good}\nclass Broken {{ not java }}\n")).expect("break");
    let stamps: Vec<_> = ["xc-framework-model", "xc-service-api"]
        .iter()
        .map(|a| repo.artifact("com.xuecheng", a, "1.0-SNAPSHOT", "m2fresh.json"))
        .collect();
    let before: Vec<Vec<u8>> = stamps
        .iter()
        .map(|s| std::fs::read(s).expect("stamp"))
        .collect();
    let (code, report) =
        run_json(m2fresh_in(&project.root, &repo).args(["install", "xc-service-api", "--offline"]));
    assert_eq!(code, 1, "{report}");
    // One reactor (sibling projects): Maven skips what needs the failed module.
    assert_eq!(report["mode"], "sibling-reactor", "{report}");
    assert_eq!(
        results(&report),
        vec![
            ("xc-framework-model".to_string(), "failed".to_string()),
            ("xc-service-api".to_string(), "skipped".to_string())
        ]
    );
    for (stamp, bytes) in stamps.iter().zip(&before) {
        assert_eq!(
            &std::fs::read(stamp).expect("the stamp is kept"),
            bytes,
            "{}",
            stamp.display()
        );
    }
    let (code, report) = check(&project, &repo, "xc-service-api");
    assert_eq!(code, 1);
    assert_eq!(
        status_of(&report, "xc-framework-model")["status"],
        "stale",
        "{report}"
    );
    std::fs::write(&source, &good).expect("restore");
    let (code, report) = check(&project, &repo, "xc-service-api");
    assert_eq!(
        code, 0,
        "the same sources, the same artifacts: fresh again: {report}"
    );
}

//! What is an input of a module's fingerprint, each checked against real Maven on the
//! story's fixture: build parameters, POM elements the reactor does not need, filter
//! files, dotfiles the resources plugin copies, paths a plugin configuration names, and
//! the artifacts a module is built against when they come from the local repository —
//! the story in its real form, each project installed from its own directory.

use crate::common::{self, LocalRepo, Project};
use crate::freshness::{check, install_with_m2fresh, install_with_maven, status_of};
use crate::{m2fresh_in, run, run_json};
use serde_json::Value;
use std::path::Path;

fn evidence<'a>(module: &'a Value, kind: &str) -> Vec<&'a Value> {
    module["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains(from), "{} has {from:?}", path.display());
    common::write_file(path, &text.replacen(from, to, 1));
}

/// The stamp m2fresh wrote for a module of the story.
fn stamp(repo: &LocalRepo, artifact_id: &str) -> Value {
    let path = repo
        .path()
        .join(format!("com/xuecheng/{artifact_id}/1.0-SNAPSHOT"))
        .join(format!("{artifact_id}-1.0-SNAPSHOT.m2fresh.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let stamp = serde_json::from_str(&text).expect("a stamp is JSON");
    crate::validated("stamp", &stamp);
    stamp
}

/// Installed with `-Dflag=X` after `install --`, a module is not fresh for a check
/// without it (Maven may have built it differently: plugins read user properties), and
/// the evidence names the property and both values. `-Dflag=X` on the check, or in
/// `.mvn/maven.config`, makes it fresh again.
#[test]
fn build_parameters_are_inputs_and_named_when_they_differ() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let (code, stdout, stderr) = run(m2fresh_in(&project.root, &repo).args([
        "install",
        "xc-framework-utils",
        "--offline",
        "--",
        "-Dflag=X",
    ]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert_eq!(
        stamp(&repo, "xc-framework-utils")["parameters"]["userProperties"]["flag"],
        "X"
    );

    let (code, report) = check(&project, &repo, "xc-framework-utils");
    assert_eq!(code, 1, "{report}");
    let utils = status_of(&report, "xc-framework-utils");
    assert_eq!(utils["status"], "stale", "{utils}");
    let named = evidence(utils, "parameter-changed");
    assert_eq!(named.len(), 1, "{utils}");
    assert_eq!(named[0]["path"], "-Dflag");
    assert_eq!(named[0]["detail"], "installed with -Dflag=X, now not set");

    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("-Dflag=X")
            .args(["check", "xc-framework-utils"]),
    );
    assert_eq!(code, 0, "the same parameter on the check: {report}");
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("-Dflag=Y")
            .args(["check", "xc-framework-utils"]),
    );
    assert_eq!(code, 1);
    assert_eq!(
        evidence(
            status_of(&report, "xc-framework-utils"),
            "parameter-changed"
        )[0]["detail"],
        "installed with -Dflag=X, now -Dflag=Y"
    );

    common::write_file(&project.path(".mvn/maven.config"), "-Dflag=X\n");
    let (code, report) = check(&project, &repo, "xc-framework-utils");
    assert_eq!(code, 0, ".mvn/maven.config gives the property: {report}");
}

/// Elements the reactor does not need still reach the artifact (resource filtering puts
/// `<description>` into the jar), and files the model names are inputs: a filter file,
/// a manifest named in the jar plugin's configuration, a `.gitattributes` in the
/// resources (which maven-resources-plugin 3.5.0 copies).
#[test]
fn pom_elements_filter_files_and_configured_files_are_inputs() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let utils = project.path("xc-framework-utils");
    common::write_file(
        &utils.join("src/main/resources/app.properties"),
        "description=${project.description}\nowner=${owner}\n",
    );
    common::write_file(
        &utils.join("src/main/filters/team.properties"),
        "owner=cms\n",
    );
    common::write_file(
        &utils.join("src/main/resources/.gitattributes"),
        "* text=auto\n",
    );
    common::write_file(
        &utils.join("src/main/manifest/MANIFEST.MF"),
        "Manifest-Version: 1.0\nX-Team: cms\n",
    );
    edit(
        &utils.join("pom.xml"),
        "<artifactId>xc-framework-utils</artifactId>",
        "<artifactId>xc-framework-utils</artifactId>\n  <description>paths</description>\n  \
         <build>\n    <filters><filter>src/main/filters/team.properties</filter></filters>\n    \
         <resources><resource><directory>src/main/resources</directory><filtering>true</filtering></resource></resources>\n    \
         <plugins><plugin><artifactId>maven-jar-plugin</artifactId><configuration><archive>\
         <manifestFile>src/main/manifest/MANIFEST.MF</manifestFile></archive></configuration></plugin></plugins>\n  \
         </build>",
    );
    install_with_m2fresh(&project, &repo, "xc-framework-utils");
    let inputs = &stamp(&repo, "xc-framework-utils")["inputs"];
    for input in [
        "src/main/filters/team.properties",
        "src/main/manifest/MANIFEST.MF",
        "src/main/resources/.gitattributes",
        "src/main/resources/app.properties",
    ] {
        assert!(inputs.get(input).is_some(), "{input} in {inputs}");
    }
    let (code, report) = check(&project, &repo, "xc-framework-utils");
    assert_eq!(code, 0, "{report}");

    let changes: [(&str, &str, &str, &str); 4] = [
        (
            "pom.xml",
            "<description>paths</description>",
            "<description>files</description>",
            "model-changed",
        ),
        (
            "src/main/filters/team.properties",
            "owner=cms",
            "owner=portal",
            "file-changed",
        ),
        (
            "src/main/manifest/MANIFEST.MF",
            "X-Team: cms",
            "X-Team: portal",
            "file-changed",
        ),
        (
            "src/main/resources/.gitattributes",
            "text=auto",
            "text eol=lf",
            "file-changed",
        ),
    ];
    for (file, from, to, kind) in changes {
        let path = utils.join(file);
        edit(&path, from, to);
        let (code, report) = check(&project, &repo, "xc-framework-utils");
        let module = status_of(&report, "xc-framework-utils");
        assert_eq!(code, 1, "{file}: {module}");
        assert_eq!(module["status"], "stale", "{file}: {module}");
        assert!(
            !evidence(module, kind).is_empty(),
            "{file}: {kind} in {module}"
        );
        edit(&path, to, from);
    }
    let (code, report) = check(&project, &repo, "xc-framework-utils");
    assert_eq!(code, 0, "all restored: {report}");
}

/// Every file that the resources plugin in use copies is an input: the files Maven put
/// into `target/classes` (with the fixture's maven-resources-plugin 3.5.0) are all among
/// the stamp's inputs, whatever dotfile or editor backup they are.
#[test]
fn every_file_the_resources_plugin_copies_is_an_input() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let resources = project.path("xc-framework-utils/src/main/resources");
    let names = [
        "a~",
        "#a#",
        ".#a",
        "%a%",
        "._a",
        ".cvsignore",
        "vssver.scc",
        "project.pj",
        ".DS_Store",
        ".gitignore",
        ".gitattributes",
        ".gitmodules",
        ".gitkeep",
        ".hgignore",
        ".hgtags",
        ".npmignore",
        "CVS/x",
        ".svn/x",
        ".git/x",
        ".hg/x",
        "d/.gitignore",
        "plain.txt",
    ];
    for name in names {
        common::write_file(&resources.join(name), name);
    }
    install_with_m2fresh(&project, &repo, "xc-framework-utils");
    let inputs = stamp(&repo, "xc-framework-utils")["inputs"].clone();
    let classes = project.path("xc-framework-utils/target/classes");
    let mut copied = Vec::new();
    for name in names {
        if classes.join(name).is_file() {
            copied.push(name);
            let input = format!("src/main/resources/{name}");
            assert!(
                inputs.get(&input).is_some(),
                "Maven copied {name} into the jar, so it must be an input: {inputs}"
            );
        }
    }
    assert!(
        copied.contains(&".gitattributes") && copied.contains(&"plain.txt"),
        "resources plugin 3.5.0 copies .gitattributes: {copied:?}"
    );
}

/// The story in its real form: the interface module is reinstalled with plain Maven from
/// its own directory after its `API_PREFIX` changed. The service's jar still holds the old
/// inlined constant, and `check` says so — from the service's own directory (where the
/// interface comes from the local repository) as from the root.
#[test]
fn an_upstream_reinstalled_from_elsewhere_makes_its_consumers_stale() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    install_with_m2fresh(&project, &repo, "xc-service-portalview");
    let portal_dir = project.path("xc-service-portalview");
    let from_dir = || {
        run_json(
            m2fresh_in(&portal_dir, &repo)
                .arg("check")
                .arg("xc-service-portalview"),
        )
    };

    // Fresh from both places, with the same fingerprint.
    let (code, root_report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 0, "{root_report}");
    let (code, dir_report) = from_dir();
    assert_eq!(code, 0, "{dir_report}");
    assert_eq!(
        status_of(&root_report, "xc-service-portalview")["fingerprint"],
        status_of(&dir_report, "xc-service-portalview")["fingerprint"],
        "the fingerprint does not depend on where the check starts"
    );

    edit(
        &project
            .path("xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java"),
        "\"/cms/page\"",
        "\"/api/cms/page\"",
    );
    install_with_maven(&project, &repo, &["xc-service-api"]);

    let (code, report) = from_dir();
    assert_eq!(code, 1, "{report}");
    let portal = status_of(&report, "xc-service-portalview");
    assert_eq!(portal["status"], "stale", "{portal}");
    let changed = evidence(portal, "upstream-changed");
    assert_eq!(changed.len(), 1, "{portal}");
    assert_eq!(changed[0]["path"], "com.xuecheng:xc-service-api");
    assert!(
        changed[0]["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("built against another com.xuecheng:xc-service-api")),
        "{portal}"
    );

    let (code, report) = check(&project, &repo, "xc-service-portalview");
    assert_eq!(code, 1, "{report}");
    let portal = status_of(&report, "xc-service-portalview");
    assert_eq!(portal["status"], "stale", "{portal}");
    assert!(
        !evidence(portal, "upstream-replaced").is_empty(),
        "{portal}"
    );
    assert_eq!(status_of(&report, "xc-service-api")["status"], "foreign");
}

//! `install` of sibling projects (the story's layout, no aggregator) in one Maven
//! reactor of an aggregator POM m2fresh writes in its cache directory: the same
//! artifacts and stamps as one Maven per module, and one Maven per module (with a note)
//! when Maven refuses that reactor or the projects need their own `.mvn`.

use crate::common::{LocalRepo, Project};
use crate::freshness::check;
use crate::install::results;
use crate::{m2fresh_in, run_json};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The story's projects, each with the extension of its main artifact.
const XUECHENG: [(&str, &str); 6] = [
    ("xc-framework-parent", "pom"),
    ("xc-framework-model", "jar"),
    ("xc-framework-utils", "jar"),
    ("xc-framework-common", "jar"),
    ("xc-service-api", "jar"),
    ("xc-service-portalview", "jar"),
];

fn notes(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// A jar's entries by name with their bytes; `pom.properties` without its comment
/// lines (older archivers write the build time there).
fn jar_entries(jar: &Path) -> BTreeMap<String, Vec<u8>> {
    let file = std::fs::File::open(jar).unwrap_or_else(|e| panic!("{}: {e}", jar.display()));
    let mut zip = zip::ZipArchive::new(file).expect("a jar");
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().expect("entry name").to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read entry");
        if name.ends_with("pom.properties") {
            let text = String::from_utf8_lossy(&bytes);
            bytes = text
                .lines()
                .filter(|l| !l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n")
                .into_bytes();
        }
        out.insert(name, bytes);
    }
    out
}

fn stamp(repo: &LocalRepo, artifact_id: &str) -> Value {
    let path = repo.artifact("com.xuecheng", artifact_id, "1.0-SNAPSHOT", "m2fresh.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The POM after `-f` in a Maven command line.
fn pom_of(command: &str) -> PathBuf {
    let after = command.split(" -f ").nth(1).expect("-f in the command");
    let pom = after.split(' ').next().expect("a path");
    PathBuf::from(pom.trim_matches('\''))
}

/// The story's fixture installed in one reactor and, in a second local repository, one
/// Maven per module: the same jar entries, the same POMs, the same fingerprints in the
/// stamps; the aggregator POM is outside the workspace and never installed; a check
/// afterwards finds everything fresh.
#[test]
fn sibling_projects_in_one_reactor_install_what_one_maven_per_module_installs() {
    let project = Project::copy_fixture("xuecheng");
    let one = LocalRepo::new();
    let (code, report) = run_json(
        m2fresh_in(&project.root, &one)
            .arg("install")
            .arg("xc-service-portalview")
            .arg("--offline")
            .arg("-j")
            .arg("2"),
    );
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["mode"], "sibling-reactor", "{report}");
    let done = results(&report);
    assert_eq!(done.len(), 6, "{done:?}");
    assert!(done.iter().all(|(_, r)| r == "installed"), "{done:?}");
    let commands: Vec<&str> = report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .filter_map(|m| m["command"].as_str())
        .collect();
    assert!(commands.windows(2).all(|w| w[0] == w[1]), "{commands:?}");
    for expected in [
        " -pl ",
        "com.xuecheng:xc-service-api",
        " -T 2 ",
        " clean install",
    ] {
        assert!(
            commands[0].contains(expected),
            "{expected} in {}",
            commands[0]
        );
    }
    let aggregator = pom_of(commands[0]);
    assert!(aggregator.is_file(), "{}", aggregator.display());
    assert!(
        !aggregator.starts_with(&project.root),
        "the aggregator POM is not written into the workspace: {}",
        aggregator.display()
    );
    let text = std::fs::read_to_string(&aggregator).expect("aggregator POM");
    assert!(
        text.contains("<module>") && text.contains("xc-service-api</module>"),
        "{text}"
    );
    assert!(
        !one.path().join("m2fresh").exists() && !one.path().join("m2fresh.synthetic").exists(),
        "Maven did not install the aggregator"
    );
    let (code, checked) = check(&project, &one, "xc-service-portalview");
    assert_eq!(code, 0, "fresh after the one-reactor install: {checked}");

    let per = LocalRepo::new();
    let (code, report) = run_json(
        m2fresh_in(&project.root, &per)
            .arg("install")
            .arg("xc-service-portalview")
            .arg("--offline")
            .arg("-j")
            .arg("2")
            .arg("--per-module"),
    );
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["mode"], "per-module", "{report}");
    assert_eq!(results(&report).len(), 6);

    for (artifact_id, ext) in XUECHENG {
        let pom = |repo: &LocalRepo| {
            std::fs::read(repo.artifact("com.xuecheng", artifact_id, "1.0-SNAPSHOT", "pom"))
                .expect("installed POM")
        };
        assert_eq!(pom(&one), pom(&per), "{artifact_id}'s installed POM");
        if ext == "jar" {
            let jar = |repo: &LocalRepo| {
                jar_entries(&repo.artifact("com.xuecheng", artifact_id, "1.0-SNAPSHOT", "jar"))
            };
            let (a, b) = (jar(&one), jar(&per));
            assert_eq!(
                a.keys().collect::<Vec<_>>(),
                b.keys().collect::<Vec<_>>(),
                "{artifact_id}'s entries"
            );
            for (name, bytes) in &a {
                assert!(b[name] == *bytes, "{artifact_id}: {name} differs");
            }
        }
        let (a, b) = (stamp(&one, artifact_id), stamp(&per, artifact_id));
        assert!(a["fingerprint"].is_string(), "{a}");
        assert_eq!(a["fingerprint"], b["fingerprint"], "{artifact_id}'s stamp");
    }
}

/// The story's parent made an aggregator of `modules`, written into its POM.
fn parent_aggregating(project: &Project, modules: &str) {
    let parent = project.path("xc-framework-parent/pom.xml");
    let text = std::fs::read_to_string(&parent).expect("parent POM");
    let aggregating = text.replacen(
        "<packaging>pom</packaging>",
        &format!("<packaging>pom</packaging>\n  <modules>{modules}</modules>"),
        1,
    );
    assert_ne!(text, aggregating, "the parent declares its packaging");
    std::fs::write(&parent, aggregating).expect("write");
}

/// `install xc-framework-model --offline` into `repo`: it succeeds in `mode`, installs
/// the parent and the model, and a `check` afterwards finds the model fresh. The report,
/// for what else a test asserts.
fn install_model(project: &Project, repo: &LocalRepo, mode: &str) -> Value {
    let (code, report) = run_json(
        m2fresh_in(&project.root, repo)
            .arg("install")
            .arg("xc-framework-model")
            .arg("--offline"),
    );
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["mode"], mode, "{report}");
    assert_eq!(
        results(&report),
        [
            ("xc-framework-parent".to_string(), "installed".to_string()),
            ("xc-framework-model".to_string(), "installed".to_string())
        ]
    );
    let (code, checked) = check(project, repo, "xc-framework-model");
    assert_eq!(code, 0, "{checked}");
    report
}

/// A parent that also aggregates a sibling (`<module>../xc-framework-model</module>`):
/// the sibling is reached through the parent, so m2fresh's aggregator lists it once
/// (twice, Maven would refuse the reactor: "is duplicated in the reactor").
#[test]
fn a_sibling_aggregated_by_a_planned_parent_is_listed_once() {
    let project = Project::copy_fixture("xuecheng");
    parent_aggregating(&project, "<module>../xc-framework-model</module>");
    let repo = LocalRepo::new();
    let report = install_model(&project, &repo, "sibling-reactor");
    let command = report["modules"][0]["command"].as_str().expect("command");
    let text = std::fs::read_to_string(pom_of(command)).expect("aggregator POM");
    assert!(text.contains("xc-framework-parent</module>"), "{text}");
    assert!(!text.contains("xc-framework-model</module>"), "{text}");
}

/// A parent whose `<modules>` names a directory that is gone: its own Maven (`-N`)
/// builds it, a reactor does not ("Child module ... does not exist"). The plan then runs
/// one Maven per module, says why, and installs.
#[test]
fn a_reactor_maven_refuses_falls_back_to_one_maven_per_module() {
    let project = Project::copy_fixture("xuecheng");
    parent_aggregating(&project, "<module>../gone</module>");
    let repo = LocalRepo::new();
    let report = install_model(&project, &repo, "per-module");
    let notes = notes(&report);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Maven refused the one reactor") && n.contains("does not exist")),
        "{notes:?}"
    );
}

/// `.mvn/maven.config` above the projects reaches each project's own Maven, not a
/// reactor elsewhere: the plan runs one Maven per module, and says why.
#[test]
fn projects_with_their_own_maven_config_run_one_maven_per_module() {
    let project = Project::copy_fixture("xuecheng");
    let config = project.path(".mvn/maven.config");
    std::fs::create_dir_all(config.parent().expect("dir")).expect("mkdir");
    std::fs::write(&config, "-Dm2fresh.siblings=config\n").expect("write");
    let repo = LocalRepo::new();
    let report = install_model(&project, &repo, "per-module");
    let notes = notes(&report);
    assert!(
        notes.iter().any(|n| n.contains("maven.config")),
        "{notes:?}"
    );
}

/// `${maven.multiModuleProjectDirectory}` in a parent names the directory Maven starts
/// from: in a reactor of m2fresh's, its cache directory. Such projects run one Maven per
/// module (a Maven that fails at once shows the choice without building).
#[test]
fn a_pom_using_the_project_directory_runs_one_maven_per_module() {
    let project = Project::copy_fixture("xuecheng");
    let parent = project.path("xc-framework-parent/pom.xml");
    let text = std::fs::read_to_string(&parent).expect("parent POM");
    let using = text.replacen(
        "<packaging>pom</packaging>",
        "<packaging>pom</packaging>\n  <description>${maven.multiModuleProjectDirectory}</description>",
        1,
    );
    assert_ne!(text, using, "the parent declares its packaging");
    std::fs::write(&parent, using).expect("write");
    let repo = LocalRepo::empty();
    let (code, report) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-framework-model")
            .arg("--mvn")
            .arg("/bin/false"),
    );
    assert_eq!(code, 1, "{report}");
    assert_eq!(report["mode"], "per-module", "{report}");
    assert!(
        notes(&report)
            .iter()
            .any(|n| n.contains("${maven.multiModuleProjectDirectory}")),
        "{report}"
    );
}

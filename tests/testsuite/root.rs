//! Where m2fresh runs from does not change the answer: without `-w`, the workspace root
//! is found from the current directory (the outermost aggregator, else the top of the Git
//! work tree for sibling projects), and a module's directory makes that module the
//! default target — as `mvn` in a module's directory builds that module.

use crate::common::{self, LocalRepo, Project};
use crate::{m2fresh_in, run, run_json};
use serde_json::Value;
use std::path::Path;

/// `m2fresh` started in `dir`, without `-w`, isolated from the user's Maven setup.
fn m2fresh_at(dir: &Path, repo: &LocalRepo) -> assert_cmd::Command {
    let mut cmd = common::m2fresh();
    cmd.current_dir(dir)
        .arg("--local-repo")
        .arg(repo.path())
        .arg("-s")
        .arg(repo.settings());
    cmd
}

/// `(id, status, fingerprint)` of every module of a check report.
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    report["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap_or("").to_string(),
                m["status"].as_str().unwrap_or("").to_string(),
                m["fingerprint"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_module_directory_of_an_aggregator_checks_that_module_as_from_the_root() {
    let project = Project::copy_fixture("reactor/basic");
    let repo = LocalRepo::empty();
    let (_, from_root) = run_json(m2fresh_in(&project.root, &repo).args(["check", "app"]));
    let (_, from_module) = run_json(m2fresh_at(&project.path("app"), &repo).arg("check"));
    assert_eq!(verdicts(&from_module), verdicts(&from_root));
    assert_eq!(verdicts(&from_root).len(), 6, "{from_root}");

    let (code, _, stderr) = run(m2fresh_at(&project.path("app"), &repo).args(["-v", "order"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "workspace root: {} (its pom.xml aggregates the current directory)",
            project.root.display()
        )),
        "{stderr}"
    );
}

/// The story's sibling projects in a Git work tree: from the service's directory, the
/// root is the top of the work tree, and the verdicts and fingerprints are the root's.
#[test]
fn sibling_projects_in_git_are_checked_from_the_top_of_the_work_tree() {
    let project = Project::copy_fixture("xuecheng");
    let init = std::process::Command::new("git")
        .arg("init")
        .arg("-q")
        .arg(&project.root)
        .status()
        .expect("git runs");
    assert!(init.success());
    let repo = LocalRepo::empty();
    let (_, from_root) =
        run_json(m2fresh_in(&project.root, &repo).args(["check", "xc-service-portalview"]));
    let portal = project.path("xc-service-portalview");
    let (_, from_module) = run_json(m2fresh_at(&portal, &repo).arg("check"));
    assert_eq!(verdicts(&from_module), verdicts(&from_root));
    assert_eq!(verdicts(&from_root).len(), 6, "{from_root}");
    let (_, _, stderr) = run(m2fresh_at(&portal, &repo).args(["-v", "order"]));
    assert!(stderr.contains("(the top of the Git work tree"), "{stderr}");
}

//! The library without the CLI (issue 18): a deploy tool written against `m2fresh` gets
//! the same promises and the same JSON as `m2fresh` itself.

use crate::common::{LocalRepo, MAVEN_ENV, Project};
use crate::{m2fresh_in, run_json};
use m2fresh::environment::Environment;
use m2fresh::error::Error;
use m2fresh::image::{Engine, ImageError, ImageOptions};
use m2fresh::project::{ImageRequest, OpenOptions, StatCachePolicy};

/// The example of `examples/deploy.rs`, compiled into this test binary so that it runs
/// in every `cargo test`.
#[path = "../../examples/deploy.rs"]
#[allow(dead_code)]
mod deploy;

/// This process's environment without what would reach the user's Maven setup or m2fresh
/// cache, with a fresh home — what the CLI tests give the `m2fresh` binary.
fn isolated_environment() -> (tempfile::TempDir, Environment) {
    let home = tempfile::tempdir().expect("home");
    let vars: Vec<(std::ffi::OsString, std::ffi::OsString)> = std::env::vars_os()
        .filter(|(name, _)| {
            let name = name.to_string_lossy();
            !MAVEN_ENV.contains(&name.as_ref())
                && !name.starts_with("XDG_")
                && !name.starts_with("M2FRESH_")
                && name != "HOME"
        })
        .chain([("HOME".into(), home.path().as_os_str().to_owned())])
        .collect();
    (home, Environment::from_vars(vars))
}

fn open(project: &Project, repo: &LocalRepo, env: Environment) -> m2fresh::project::Project {
    let opts = OpenOptions::new()
        .local_repository(repo.path())
        .settings(repo.settings())
        .stat_cache(StatCachePolicy::Disabled)
        .environment(env);
    m2fresh::project::Project::open(&project.root, &opts).expect("the fixture opens")
}

fn docker_request(run: bool) -> ImageRequest {
    let mut options = ImageOptions::default();
    options.engine = Engine::Docker;
    let mut request = ImageRequest::new(options);
    request.run = run;
    request
}

/// The story's mistake through the library: an image is not built on upstream artifacts
/// that are not fresh, and a tag is not reused for other content — no CLI involved.
#[test]
fn the_library_refuses_a_stale_upstream_and_a_reused_tag() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let (_home, env) = isolated_environment();
    let opened = open(&project, &repo, env.clone());
    let target = opened
        .workspace
        .find("xc-service-portalview")
        .expect("the service");
    let mut log = Vec::new();
    match opened.image(target, &docker_request(true), &mut log) {
        Err(Error::Image(ImageError::StaleUpstream { target, not_fresh })) => {
            assert_eq!(target, "com.xuecheng:xc-service-portalview");
            assert!(
                not_fresh
                    .iter()
                    .any(|m| m.id == "com.xuecheng:xc-service-api"),
                "{not_fresh:?}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(log.is_empty(), "nothing ran");
    assert!(!project.path("xc-service-portalview/target").exists());

    // Planning is refused too (issue 13: the guard holds in every mode); allowed, the
    // plan names what is not fresh, and its tag is recorded as planned, not built.
    assert!(matches!(
        opened.image(target, &docker_request(false), &mut log),
        Err(Error::Image(ImageError::StaleUpstream { .. }))
    ));
    let mut allowed = docker_request(false);
    allowed.allow_stale = true;
    let job = opened.image(target, &allowed, &mut log).expect("a plan");
    assert!(!job.built);
    assert!(!job.not_fresh.is_empty());
    assert_eq!(job.plan.image, "xc-service-portalview:1.0-SNAPSHOT");
    assert_eq!(job.recorded, Some(m2fresh::image::LedgerState::Planned));

    let main = project.path(
        "xc-service-portalview/src/main/java/com/xuecheng/portalview/PortalviewApplication.java",
    );
    let mut text = std::fs::read_to_string(&main).expect("read");
    text.push_str("\n// changed\n");
    std::fs::write(&main, text).expect("write");
    let changed = open(&project, &repo, env);
    match changed.image(target, &allowed, &mut log) {
        Err(Error::Image(ImageError::TagReused {
            suggestion, state, ..
        })) => {
            assert_eq!(suggestion.as_deref(), Some("1.1-SNAPSHOT"));
            assert_eq!(state, m2fresh::image::TagHolder::LedgerPlanned);
        }
        other => panic!("expected the tag to be refused, got {other:?}"),
    }
    let mut retag = allowed.clone();
    retag.allow_retag = true;
    assert!(changed.image(target, &retag, &mut log).is_ok());
}

/// `examples/deploy.rs` checks, installs (under the install lock) and plans the image
/// through the library, and prints the documents `m2fresh check`, `install` and `image`
/// print: the check and the image are the CLI's, byte for byte.
#[test]
fn the_example_deploy_tool_prints_the_clis_json() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let (code, check) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("check")
            .arg("xc-service-portalview"),
    );
    assert_eq!(code, 1, "{check}");

    let (_home, env) = isolated_environment();
    let args: Vec<String> = [
        "--local-repo".as_ref(),
        repo.path().as_os_str(),
        "-s".as_ref(),
        repo.settings().as_os_str(),
        "--engine".as_ref(),
        "docker".as_ref(),
        project.root.as_os_str(),
        "xc-service-portalview".as_ref(),
    ]
    .iter()
    .map(|a: &&std::ffi::OsStr| a.to_string_lossy().into_owned())
    .collect();
    let mut out = Vec::new();
    let done = deploy::deploy(&args, env, &mut out).expect("the deploy tool runs");
    let out = String::from_utf8(out).expect("UTF-8");
    assert!(done, "{out}");
    let docs: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON document per line"))
        .collect();
    assert_eq!(docs.len(), 3, "{out}");
    crate::validated("check", &docs[0]);
    crate::validated("image", &docs[2]);
    assert_eq!(docs[0], check, "the check is the CLI's");

    let installed = &docs[1];
    assert_eq!(installed["schema"], 1);
    assert_eq!(
        installed["localRepository"],
        repo.path().display().to_string()
    );
    let results: Vec<(&str, &str)> = installed["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .map(|m| {
            (
                m["id"].as_str().unwrap_or(""),
                m["result"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(results.len(), 5, "the service's upstream: {results:?}");
    assert!(
        results.iter().all(|(_, r)| *r == "installed"),
        "{results:?}"
    );

    let (code, image) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("image")
            .arg("xc-service-portalview")
            .arg("--engine")
            .arg("docker"),
    );
    assert_eq!(code, 0, "{image}");
    assert_eq!(docs[2], image, "the image plan is the CLI's");

    // What the library installed is fresh for the CLI.
    let (_, after) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("check")
            .arg("xc-service-portalview"),
    );
    for m in after["modules"].as_array().expect("modules") {
        let expected = if m["id"] == "com.xuecheng:xc-service-portalview" {
            "missing"
        } else {
            "fresh"
        };
        assert_eq!(m["status"], expected, "{m}");
    }
}

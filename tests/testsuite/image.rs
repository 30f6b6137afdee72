//! `image`: the emitted command for the story's service, the tag guard.

use crate::common::{LocalRepo, Project};
use crate::{m2fresh_in, run, run_json};

/// The Dockerfile route: the packaging step and `docker build`, as argv arrays and as a
/// line that shlex splits back into the same words.
#[test]
fn the_services_image_command() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let (code, plan) = run_json(
        m2fresh_in(&project.root, &repo)
            .arg("image")
            .arg("xc-service-portalview")
            .arg("--engine")
            .arg("docker"),
    );
    assert_eq!(code, 0, "{plan}");
    assert_eq!(plan["schema"], 1);
    assert_eq!(plan["image"], "xc-service-portalview:1.0-SNAPSHOT");
    assert_eq!(plan["method"], "dockerfile");
    let steps = plan["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2);
    let mvn: Vec<&str> = steps[0]["argv"]
        .as_array()
        .expect("argv")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    assert!(mvn[0].ends_with("mvn"), "{mvn:?}");
    let pom = project
        .path("xc-service-portalview/pom.xml")
        .to_string_lossy()
        .into_owned();
    assert_eq!(&mvn[1..5], &["-B", "-f", pom.as_str(), "package"]);
    assert!(
        mvn.contains(&format!("-Dmaven.repo.local={}", repo.path().display()).as_str()),
        "{mvn:?}"
    );
    let docker: Vec<&str> = steps[1]["argv"]
        .as_array()
        .expect("argv")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    let module = project
        .path("xc-service-portalview")
        .to_string_lossy()
        .into_owned();
    let dockerfile = format!("{module}/Dockerfile");
    assert_eq!(
        docker,
        vec![
            "docker",
            "build",
            "-t",
            "xc-service-portalview:1.0-SNAPSHOT",
            "-f",
            dockerfile.as_str(),
            module.as_str()
        ]
    );
    let line = plan["command"].as_str().expect("command");
    let words = shlex::split(line).expect("a shell-safe line");
    assert_eq!(words[0], "cd");
    assert!(words.contains(&"docker".to_string()));

    let (code, stdout, _) = run(m2fresh_in(&project.root, &repo)
        .arg("image")
        .arg("xc-service-portalview")
        .arg("--engine")
        .arg("podman")
        .arg("--registry")
        .arg("registry.example.com:5000/team")
        .arg("--tag-policy")
        .arg("fingerprint"));
    assert_eq!(code, 0);
    let words = shlex::split(stdout.trim()).expect("shell-safe");
    assert!(words.contains(&"push".to_string()), "{stdout}");
    let tagged = words
        .iter()
        .find(|w| w.starts_with("registry.example.com:5000/team/xc-service-portalview:"))
        .expect("the registry-qualified name");
    assert_eq!(
        tagged.rsplit(':').next().map(str::len),
        Some(12),
        "a 12-digit fingerprint tag: {tagged}"
    );
}

/// Issue 18 (and issue 13, item 2): the packaging step builds the model that `install`
/// builds and stamps — the same `-D`, `-P`, settings file and local repository. It used
/// to drop `-D` and `-P`.
#[test]
fn the_packaging_step_builds_the_stamped_model() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let (code, plan) = run_json(
        m2fresh_in(&project.root, &repo)
            .args(["-D", "flag=X", "-P", "extra"])
            .args(["image", "xc-service-portalview", "--engine", "docker"]),
    );
    assert_eq!(code, 0, "{plan}");
    let mvn: Vec<&str> = plan["steps"][0]["argv"]
        .as_array()
        .expect("argv")
        .iter()
        .filter_map(|a| a.as_str())
        .collect();
    let settings = repo.settings().display().to_string();
    let local = format!("-Dmaven.repo.local={}", repo.path().display());
    for expected in [
        &["-Dflag=X"][..],
        &["-P", "extra"],
        &["-s", settings.as_str()],
        &[local.as_str()],
    ] {
        assert!(
            mvn.windows(expected.len()).any(|w| w == expected),
            "{expected:?} in {mvn:?}"
        );
    }
}

/// The same tag for other content is refused with the next version suggested; a content
/// tag changes with the content.
#[test]
fn a_tag_never_stands_for_two_contents() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let image = |policy: &str| {
        let mut cmd = m2fresh_in(&project.root, &repo);
        cmd.arg("image")
            .arg("xc-service-portalview")
            .arg("--engine")
            .arg("docker")
            .arg("--tag-policy")
            .arg(policy);
        cmd
    };
    let (code, first) = run_json(&mut image("version"));
    assert_eq!(code, 0);
    let (code, again) = run_json(&mut image("version"));
    assert_eq!(code, 0, "same content, same tag: accepted");
    assert_eq!(first["fingerprint"], again["fingerprint"]);
    let (_, by_content) = run_json(&mut image("fingerprint"));

    let main = project.path(
        "xc-service-portalview/src/main/java/com/xuecheng/portalview/PortalviewApplication.java",
    );
    let mut text = std::fs::read_to_string(&main).expect("read");
    text.push_str("\n// changed\n");
    std::fs::write(&main, text).expect("write");

    let (code, _, stderr) = run(&mut image("version"));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("xc-service-portalview:1.0-SNAPSHOT"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1.1-SNAPSHOT"),
        "the next version is suggested: {stderr}"
    );
    let (code, changed) = run_json(&mut image("fingerprint"));
    assert_eq!(code, 0);
    assert_ne!(
        changed["tag"], by_content["tag"],
        "a content tag changes with the content"
    );
    let (code, _) = run_json(image("version").arg("--allow-retag"));
    assert_eq!(code, 0, "--allow-retag overrides");
}

/// An upstream module that is not fresh is named; `--run` refuses to build with it.
#[test]
fn the_image_is_not_built_on_stale_upstream() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(&project.root, &repo)
        .arg("image")
        .arg("xc-service-portalview")
        .arg("--engine")
        .arg("docker")
        .arg("--run"));
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("upstream com.xuecheng:xc-service-api is missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("m2fresh build xc-service-portalview"),
        "{stderr}"
    );
}

/// The story, caught end to end: after a change in the interface module, `m2fresh build
/// --engine jib --run` installs it and builds an image (a Jib tarball on `scratch`, no
/// registry or daemon needed) whose layers hold the *new* interface jar.
#[test]
fn build_puts_the_new_interface_jar_into_the_image() {
    let project = Project::copy_fixture("xuecheng");
    crate::common::configure_jib(&project);
    let repo = LocalRepo::new();
    crate::freshness::install_with_m2fresh(&project, &repo, "xc-service-portalview");

    let source =
        project.path("xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java");
    let text = std::fs::read_to_string(&source).expect("read");
    std::fs::write(
        &source,
        text.replace("\"/cms/page\"", "\"/api/v3/cms/page\""),
    )
    .expect("write");

    let (code, stdout, stderr) = run(m2fresh_in(&project.root, &repo)
        .arg("build")
        .arg("xc-service-portalview")
        .arg("--engine")
        .arg("jib")
        .arg("--run")
        .arg("--offline"));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("installed com.xuecheng:xc-service-api"),
        "the stale module is installed first: {stderr}"
    );
    assert!(
        stderr.contains("built xc-service-portalview:1.0-SNAPSHOT"),
        "{stderr}"
    );

    let tarball = project.path("xc-service-portalview/target/jib-image.tar");
    assert!(tarball.is_file(), "{}", tarball.display());
    let unpacked = tempfile::tempdir().expect("temp dir");
    untar(&tarball, unpacked.path(), false);
    let mut api_jars = Vec::new();
    for layer in std::fs::read_dir(unpacked.path())
        .expect("read")
        .filter_map(|e| e.ok())
    {
        let name = layer.file_name().to_string_lossy().into_owned();
        if name.ends_with(".tar.gz") {
            let dir = unpacked.path().join(format!("{name}.d"));
            std::fs::create_dir_all(&dir).expect("mkdir");
            untar(&layer.path(), &dir, true);
            for f in walkdir::WalkDir::new(&dir)
                .into_iter()
                .filter_map(|e| e.ok())
            {
                if f.file_name() == "xc-service-api-1.0-SNAPSHOT.jar" {
                    api_jars.push(f.into_path());
                }
            }
        }
    }
    assert_eq!(
        api_jars.len(),
        1,
        "one copy of the interface jar in the image: {api_jars:?}"
    );
    let class = {
        use std::io::Read;
        let mut zip =
            zip::ZipArchive::new(std::fs::File::open(&api_jars[0]).expect("open")).expect("a jar");
        let mut entry = zip
            .by_name("com/xuecheng/api/cms/CmsPageControllerApi.class")
            .expect("the class");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        bytes
    };
    let has = |s: &str| class.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(
        has("/api/v3/cms/page"),
        "the image holds the new interface code"
    );
}

fn untar(archive: &std::path::Path, into: &std::path::Path, gzip: bool) {
    let status = std::process::Command::new("tar")
        .arg(if gzip { "-xzf" } else { "-xf" })
        .arg(archive)
        .arg("-C")
        .arg(into)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar {}", archive.display());
}

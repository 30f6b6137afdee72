//! `image`: the emitted command for the story's service and for the course's
//! configuration, the stale-upstream guard in every mode, the tag ledger.

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
            .arg("docker")
            .arg("--allow-stale"),
    );
    assert_eq!(code, 0, "{plan}");
    assert_eq!(plan["schema"], 1);
    assert_eq!(plan["recorded"], "planned");
    assert_eq!(plan["built"], false);
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
    // `COPY target/*.jar`: the context is the module directory.
    assert_eq!(
        docker[..6],
        [
            "docker",
            "build",
            "-t",
            "xc-service-portalview:1.0-SNAPSHOT",
            "-f",
            dockerfile.as_str(),
        ]
    );
    assert_eq!(docker.last(), Some(&module.as_str()));
    let fingerprint = plan["fingerprint"].as_str().expect("fingerprint");
    for label in [
        format!("m2fresh.fingerprint={fingerprint}"),
        "org.opencontainers.image.version=1.0-SNAPSHOT".to_string(),
    ] {
        assert!(
            docker.windows(2).any(|w| w == ["--label", label.as_str()]),
            "{label} in {docker:?}"
        );
    }
    let line = plan["command"].as_str().expect("command");
    let words = shlex::split(line).expect("a shell-safe line");
    assert_eq!(words[0], "cd");
    assert!(words.contains(&"docker".to_string()));

    let (code, stdout, _) = run(m2fresh_in(&project.root, &repo)
        .arg("image")
        .arg("xc-service-portalview")
        .arg("--allow-stale")
        .arg("--offline")
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
            .args(["image", "xc-service-portalview", "--engine", "docker"])
            .arg("--allow-stale"),
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
            .arg(policy)
            .arg("--allow-stale");
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
        stderr.contains("xc-service-portalview:1.0-SNAPSHOT was already planned"),
        "the message says the tag was only planned, not built: {stderr}"
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

/// Issue 13, item 3: an upstream module that is not fresh is refused in every mode —
/// printed or run, text or JSON — with exit 1, as the motivating bug deserves; only
/// `--allow-stale` lets it through, with a warning.
#[test]
fn the_image_is_refused_on_stale_upstream_in_every_mode() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let image = || {
        let mut cmd = m2fresh_in(&project.root, &repo);
        cmd.args(["image", "xc-service-portalview", "--engine", "docker"]);
        cmd
    };
    for extra in [&[][..], &["--run"][..]] {
        let (code, stdout, stderr) = run(image().args(extra));
        assert_eq!(code, 1, "{extra:?}: {stderr}");
        assert!(stdout.is_empty(), "no command is printed: {stdout}");
        assert!(
            stderr.contains("upstream com.xuecheng:xc-service-api is missing"),
            "{stderr}"
        );
        assert!(
            stderr.contains("m2fresh build xc-service-portalview"),
            "{stderr}"
        );
    }
    let (code, doc) = run_json(&mut image());
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["error"]["code"], "m2fresh::image::stale_upstream");
    let message = doc["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("com.xuecheng:xc-service-api (missing)"),
        "{message}"
    );
    assert!(
        !repo.path().join(".m2fresh/image-tags.json").exists(),
        "a refused tag is not recorded"
    );

    let (code, stdout, stderr) = run(image().arg("--allow-stale"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: upstream com.xuecheng:xc-service-api is missing"),
        "{stderr}"
    );
    assert!(stdout.contains("docker build"), "{stdout}");
    let (_, doc) = run_json(image().arg("--allow-stale"));
    let not_fresh: Vec<&str> = doc["notFresh"]
        .as_array()
        .expect("notFresh")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert!(not_fresh.contains(&"com.xuecheng:xc-service-api"), "{doc}");
}

/// Issue 13, item 1: the course's `com.spotify:docker-maven-plugin` configuration with
/// the Dockerfile as a resource template, as kzdwts/xcEduService has it: `image` drives
/// the plugin as the course does (`docker:build`, `-DdockerImageTags`, `-DpushImage`),
/// and `--engine buildah` builds the same Dockerfile directly, from `target/classes`,
/// with `target/` (where the jar it ADDs is after `package`) as the context.
#[test]
fn the_course_configuration_emits_the_right_command() {
    let project = Project::copy_fixture("xuecheng");
    crate::common::configure_course_plugin(&project);
    let repo = LocalRepo::empty();
    let module = project.path("xc-service-portalview");
    let pom = module.join("pom.xml").display().to_string();
    let local = format!("-Dmaven.repo.local={}", repo.path().display());
    let settings = repo.settings().display().to_string();
    let image = |args: &[&str]| {
        run_json(
            m2fresh_in(&project.root, &repo)
                .args([
                    "image",
                    "xc-service-portalview",
                    "--allow-stale",
                    "--offline",
                ])
                .args(args),
        )
    };

    let (code, plan) = image(&[]);
    assert_eq!(code, 0, "{plan}");
    assert_eq!(plan["method"], "spotify-docker-maven-plugin");
    assert_eq!(plan["image"], "xc-service-portalview:1.0-SNAPSHOT");
    let steps = argvs(&plan);
    assert_eq!(steps.len(), 1, "{plan}");
    assert_eq!(
        steps[0][1..],
        [
            "-B",
            "-f",
            pom.as_str(),
            "package",
            "docker:build",
            "-DskipTests",
            "-o",
            "-s",
            settings.as_str(),
            local.as_str(),
        ]
    );
    assert!(
        plan["labelNote"]
            .as_str()
            .expect("a note")
            .contains("dockerDirectory"),
        "{plan}"
    );

    // A content tag: the plugin adds it (pushing it with -DpushImageTag when the name has
    // a registry: the planner's unit tests).
    let (code, plan) = image(&["--tag-policy", "fingerprint"]);
    assert_eq!(code, 0, "{plan}");
    let tag = plan["tag"].as_str().expect("tag");
    let steps = argvs(&plan);
    assert_eq!(steps.len(), 1, "{plan}");
    assert_eq!(
        steps[0][5..8],
        [
            "docker:build".to_string(),
            format!("-DdockerImageTags={tag}"),
            "-DskipTests".to_string()
        ]
    );

    // The same Dockerfile, built directly: the processed template, the jar's directory.
    let (code, plan) = image(&["--engine", "buildah", "--registry", "127.0.0.1:5000"]);
    assert_eq!(code, 0, "{plan}");
    assert_eq!(plan["method"], "dockerfile");
    let classes = module
        .join("target/classes/Dockerfile")
        .display()
        .to_string();
    let target = module.join("target").display().to_string();
    assert_eq!(plan["dockerfile"], classes);
    assert_eq!(plan["context"], target);
    let steps = argvs(&plan);
    let build = &steps[1];
    assert_eq!(
        build[..6],
        [
            "buildah",
            "bud",
            "-t",
            "127.0.0.1:5000/xc-service-portalview:1.0-SNAPSHOT",
            "-f",
            classes.as_str()
        ]
    );
    assert_eq!(
        build[6..10],
        [
            "--build-arg",
            "ARTIFACTID=xc-service-portalview",
            "--build-arg",
            "VERSION=1.0-SNAPSHOT"
        ]
    );
    assert_eq!(build.last(), Some(&target));
    assert_eq!(
        steps[2],
        [
            "buildah",
            "push",
            "--tls-verify=false",
            "127.0.0.1:5000/xc-service-portalview:1.0-SNAPSHOT"
        ]
    );
    // podman and docker are the same command.
    for engine in ["podman", "docker"] {
        let (code, plan) = image(&["--engine", engine]);
        assert_eq!(code, 0, "{plan}");
        assert_eq!(argvs(&plan)[1][..2], [engine, "build"]);
        assert_eq!(plan["context"], target);
    }
}

/// The steps' argv arrays of an image document.
fn argvs(plan: &serde_json::Value) -> Vec<Vec<String>> {
    plan["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            s["argv"]
                .as_array()
                .expect("argv")
                .iter()
                .filter_map(|a| a.as_str().map(str::to_owned))
                .collect()
        })
        .collect()
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
        .arg("--offline"));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains("installed com.xuecheng:xc-service-api"),
        "the stale module is installed first: {stderr}"
    );
    assert!(
        stderr.contains(
            "built xc-service-portalview:1.0-SNAPSHOT (recorded as built in the tag ledger)"
        ),
        "`build` runs by default: {stderr}"
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
        // Layers written by libarchive carry headers GNU tar does not know; not an error.
        .arg("--warning=no-unknown-keyword")
        .arg(if gzip { "-xzf" } else { "-xf" })
        .arg(archive)
        .arg("-C")
        .arg(into)
        .status()
        .expect("tar runs");
    assert!(status.success(), "tar {}", archive.display());
}

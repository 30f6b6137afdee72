//! The image against a real OCI registry (issue 13, items 5 to 7): Debian's
//! `docker-registry` on a loopback port, Jib's `jib:build` pushing to it (no daemon),
//! the labels read back from the registry, `image --verify`, and the registry's tag
//! guard refusing a second push of other content under the same tag — also on a machine
//! whose tag ledger never saw the first push. And buildah building the course's kind of
//! Dockerfile for real, when it can run here.

use crate::common::registry::Registry;
use crate::common::{LocalRepo, Project, configure_jib};
use crate::{m2fresh_in, run, run_json};
use m2fresh::image::registry::{ImageReference, RegistryClient, RegistryOptions};

/// The image's labels, read from the registry with the library's client.
fn labels_of(image: &str) -> std::collections::BTreeMap<String, String> {
    let reference = ImageReference::parse(image).expect("a reference");
    let mut client =
        RegistryClient::connect(&reference, &RegistryOptions::default()).expect("a client");
    client
        .image(&reference)
        .expect("the registry answers")
        .expect("the image is there")
        .labels
}

#[test]
fn jib_pushes_to_the_registry_and_the_registry_guards_the_tag() {
    let Some(registry) = Registry::start() else {
        return;
    };
    let project = Project::copy_fixture("xuecheng");
    configure_jib(&project);
    let repo = LocalRepo::new();
    crate::freshness::install_with_m2fresh(&project, &repo, "xc-service-portalview");
    let image = format!("{}/xc-service-portalview:1.0-SNAPSHOT", registry.host);
    let push = |extra: &[&str]| {
        let mut cmd = m2fresh_in(&project.root, &repo);
        // Not --offline: Jib refuses to push from an offline Maven.
        cmd.args(["image", "xc-service-portalview", "--engine", "jib"])
            .args(["--registry", registry.host.as_str()])
            .args(extra);
        cmd
    };

    // 1. Push: jib:build to the registry, with the labels.
    let (code, plan) = run_json(&mut push(&[]));
    assert_eq!(code, 0, "{plan}");
    assert_eq!(plan["registry"]["tag"], "absent");
    let fingerprint = plan["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    let (code, stdout, stderr) = run(&mut push(&["--run"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "built {image} (recorded as built in the tag ledger)"
        )),
        "{stderr}"
    );
    let labels = labels_of(&image);
    assert_eq!(labels["m2fresh.fingerprint"], fingerprint, "{labels:?}");
    assert_eq!(labels["org.opencontainers.image.version"], "1.0-SNAPSHOT");

    // 2. --verify: every workspace jar in Jib's layers is the fresh artifact.
    let (code, report) =
        run_json(m2fresh_in(&project.root, &repo).args(["image", "--verify", image.as_str()]));
    assert_eq!(code, 0, "{report}");
    let verified: Vec<(&str, &str)> = report["modules"]
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
    for module in [
        "xc-service-api",
        "xc-framework-model",
        "xc-framework-common",
        "xc-framework-utils",
    ] {
        assert!(
            verified.contains(&(format!("com.xuecheng:{module}").as_str(), "identical")),
            "{module} in {verified:?}"
        );
    }

    // 3. The same content again: the registry has it, nothing to refuse.
    let (code, plan) = run_json(&mut push(&[]));
    assert_eq!(code, 0, "{plan}");
    assert_eq!(plan["registry"]["tag"], "same");

    // 4. Changed content under the same tag: refused by the ledger here, and by the
    //    registry on a machine whose ledger never saw the push (another CI runner).
    let main = project.path(
        "xc-service-portalview/src/main/java/com/xuecheng/portalview/PortalviewApplication.java",
    );
    let mut text = std::fs::read_to_string(&main).expect("read");
    text.push_str("\n// changed\n");
    std::fs::write(&main, text).expect("write");
    let (code, _, stderr) = run(&mut push(&["--run"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("was already built from different content"),
        "{stderr}"
    );
    std::fs::remove_file(repo.path().join(".m2fresh/image-tags.json")).expect("the ledger");
    let (code, _, stderr) = run(&mut push(&["--run"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{image} is already in the registry with different content"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("1.1-SNAPSHOT"),
        "the next version: {stderr}"
    );
    let (code, doc) = run_json(&mut push(&[]));
    assert_eq!(code, 2, "{doc}");
    assert_eq!(doc["error"]["code"], "m2fresh::image::tag_reused");
    assert_eq!(
        labels_of(&image)["m2fresh.fingerprint"],
        fingerprint,
        "nothing was pushed"
    );

    // 5. The seed's bug in a pushed image: the interface changes and is installed; the
    //    image still holds the old jar, and --verify names it with both hashes.
    let api =
        project.path("xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java");
    let source = std::fs::read_to_string(&api).expect("read");
    std::fs::write(
        &api,
        source.replace("\"/cms/page\"", "\"/api/v2/cms/page\""),
    )
    .expect("write");
    crate::freshness::install_with_m2fresh(&project, &repo, "xc-service-api");
    let (code, stdout, _) =
        run(m2fresh_in(&project.root, &repo).args(["image", "--verify", image.as_str()]));
    assert_eq!(code, 1, "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("com.xuecheng:xc-service-api"))
        .unwrap_or_else(|| panic!("the interface module is named: {stdout}"));
    assert!(line.contains("DIFFERS"), "{line}");
    assert!(
        line.contains("image blake3") && line.contains("local repository blake3"),
        "{line}"
    );
}

/// No registry there: a clear error, or with `--offline` a warning and the ledger alone.
#[test]
fn an_unreachable_registry_is_an_error_or_with_offline_a_warning() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let host = format!("127.0.0.1:{port}");
    let image = |extra: &[&str]| {
        let mut cmd = m2fresh_in(&project.root, &repo);
        cmd.args([
            "image",
            "xc-service-portalview",
            "--engine",
            "docker",
            "--allow-stale",
        ])
        .args(["--registry", host.as_str()])
        .args(extra);
        cmd
    };
    let (code, _, stderr) = run(&mut image(&[]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the registry {host}")),
        "{stderr}"
    );
    assert!(
        stderr.contains("--offline"),
        "the help names the way out: {stderr}"
    );
    let (code, stdout, stderr) = run(&mut image(&["--offline"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("warning: cannot reach the registry"),
        "{stderr}"
    );
    assert!(stderr.contains("local ledger alone"), "{stderr}");
    assert!(stdout.contains("docker push"), "{stdout}");
    let (code, doc) = run_json(&mut image(&["--offline"]));
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["registry"]["tag"], "unreachable");
}

/// buildah (rootless-style: vfs storage, chroot isolation, no daemon) builds a Dockerfile
/// that ADDs the service's jar, pushes it to the registry, and `--verify` finds the jar
/// under its new name by the pom.properties inside it.
#[test]
fn buildah_builds_and_pushes_a_dockerfile_for_real() {
    let Some(registry) = Registry::start() else {
        return;
    };
    if !buildah_runs() {
        return;
    }
    let project = Project::copy_fixture("xuecheng");
    // `FROM scratch`: no base image to pull.
    crate::common::write_file(
        &project.path("xc-service-portalview/Dockerfile"),
        "FROM scratch\nCOPY target/*.jar /app.jar\n",
    );
    // A reproducible jar (maven-jar-plugin 3.5): `package` for the image then writes the
    // bytes `install` put into the local repository, which --verify compares.
    let pom = project.path("xc-service-portalview/pom.xml");
    let text = std::fs::read_to_string(&pom).expect("read");
    crate::common::write_file(
        &pom,
        &text.replacen(
            "<dependencies>",
            "<properties><project.build.outputTimestamp>2024-01-01T00:00:00Z</project.build.outputTimestamp></properties>\n  <dependencies>",
            1,
        ),
    );
    let repo = LocalRepo::new();
    crate::freshness::install_with_m2fresh(&project, &repo, "xc-service-portalview");
    let storage = tempfile::tempdir().expect("a temporary directory");
    let image = format!("{}/xc-service-portalview:1.0-SNAPSHOT", registry.host);
    let (code, stdout, stderr) = run(m2fresh_in(&project.root, &repo)
        .env("STORAGE_DRIVER", "vfs")
        .env("BUILDAH_ISOLATION", "chroot")
        .env("CONTAINERS_STORAGE_CONF", storage_conf(storage.path()))
        .args(["image", "xc-service-portalview", "--engine", "buildah"])
        .args(["--registry", registry.host.as_str(), "--offline", "--run"]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let labels = labels_of(&image);
    assert_eq!(labels["org.opencontainers.image.version"], "1.0-SNAPSHOT");
    assert!(labels.contains_key("m2fresh.fingerprint"), "{labels:?}");
    let (code, report) =
        run_json(m2fresh_in(&project.root, &repo).args(["image", "--verify", image.as_str()]));
    assert_eq!(code, 0, "{report}");
    let modules = report["modules"].as_array().expect("modules");
    assert!(
        modules
            .iter()
            .any(|m| m["id"] == "com.xuecheng:xc-service-portalview" && m["path"] == "app.jar"),
        "the ADDed jar, renamed: {report}"
    );
}

/// Whether buildah can build here; under CI it must.
fn buildah_runs() -> bool {
    let ok = std::process::Command::new("buildah")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let message =
            "buildah is not installed (Debian: `apt-get install buildah`; .ci/run installs it)";
        if crate::common::under_ci() {
            panic!("{message}");
        }
        eprintln!("SKIPPED: {message}");
    }
    ok
}

/// A containers-storage configuration with vfs storage in `dir`, so the test neither
/// needs overlay mounts nor touches the machine's image store.
fn storage_conf(dir: &std::path::Path) -> std::path::PathBuf {
    let conf = dir.join("storage.conf");
    std::fs::write(
        &conf,
        format!(
            "[storage]\ndriver = \"vfs\"\nrunroot = \"{0}/run\"\ngraphroot = \"{0}/graph\"\n",
            dir.display()
        ),
    )
    .expect("write storage.conf");
    conf
}

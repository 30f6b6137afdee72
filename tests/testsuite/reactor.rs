//! The module set, edges and order agree with real Maven's reactor on every aggregator
//! fixture; Maven's reactor errors are m2fresh's input errors.

use crate::common::{self, LocalRepo, maven_reactor_order};
use crate::{m2fresh_in, run, run_json};
use std::path::Path;

/// The order m2fresh gives, with the fixture's `settings.xml` (if any) as `-s`, as
/// [`maven_reactor_order`] gives it to Maven.
fn m2fresh_order(dir: &Path, targets: &[&str], extra: &[&str]) -> Vec<String> {
    let repo = LocalRepo::for_fixture(dir);
    let mut cmd = m2fresh_in(dir, &repo);
    cmd.args(extra).arg("order").args(targets);
    let (code, json) = run_json(&mut cmd);
    assert_eq!(code, 0, "m2fresh order failed on {}", dir.display());
    json["order"]
        .as_array()
        .expect("order is an array")
        .iter()
        .map(|id| {
            let id = id.as_str().expect("ids are strings");
            id.rsplit(':').next().unwrap_or(id).to_string()
        })
        .collect()
}

fn reactor_fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(common::fixtures_dir().join("reactor"))
        .expect("fixtures/reactor exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("pom.xml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 9,
        "the reactor fixtures are there: {names:?}"
    );
    names
}

/// The whole order of every fixture, with the properties that switch profiles and
/// CI-friendly versions; a fixture's `settings.xml` is the user settings of both.
#[test]
fn order_equals_mavens_on_every_fixture() {
    common::require_mvn();
    let mut cases: Vec<(String, Vec<&str>)> = reactor_fixtures()
        .into_iter()
        .map(|f| (f, vec![]))
        .collect();
    cases.push(("profiles".into(), vec!["-Dwith-extra"]));
    cases.push(("ci-friendly".into(), vec!["-Drevision=1.0.0-SNAPSHOT"]));
    // Settings profiles: deactivated with -P, overridden by -D (see each README).
    cases.push(("settings-profile-properties".into(), vec!["-P!local"]));
    cases.push((
        "settings-profile-properties".into(),
        vec!["-Db.version=0.3"],
    ));
    for args in ["-P!extra", "-P!listed", "-P!always", "-Dwith-tools=no"] {
        cases.push(("settings-profile-activation".into(), vec![args]));
    }
    for (fixture, extra) in cases {
        let dir = common::fixtures_dir().join("reactor").join(&fixture);
        let maven = maven_reactor_order(&dir, &extra)
            .unwrap_or_else(|e| panic!("Maven failed on {fixture}: {e}"));
        let ours = m2fresh_order(&dir, &[], &extra);
        assert_eq!(ours, maven, "order of fixtures/reactor/{fixture} {extra:?}");
    }
}

/// Edges, checked through Maven itself: for every module, `mvn -pl :m -am` builds
/// exactly the modules m2fresh says `m` needs, in the same order.
#[test]
fn upstream_of_every_module_equals_mavens_also_make() {
    common::require_mvn();
    for fixture in reactor_fixtures() {
        let dir = common::fixtures_dir().join("reactor").join(&fixture);
        let all = m2fresh_order(&dir, &[], &[]);
        for module in &all {
            let selector = format!(":{module}");
            let maven = maven_reactor_order(&dir, &["-pl", &selector, "-am"])
                .unwrap_or_else(|e| panic!("Maven failed on {fixture} -pl {module}: {e}"));
            let ours = m2fresh_order(&dir, &[module], &[]);
            assert_eq!(
                ours, maven,
                "upstream of {module} in fixtures/reactor/{fixture}"
            );
        }
    }
}

/// Every case that makes Maven's reactor fail makes m2fresh fail with exit code 2 and
/// a message that says the same thing, pointing into the POM.
#[test]
fn mavens_reactor_errors_are_input_errors() {
    let cases = [
        ("dep-cycle", "cyclic reference", "a/pom.xml"),
        ("duplicate-module", "duplicate child module", "pom.xml:18"),
        ("missing-module", "does not exist", "pom.xml:17"),
        (
            "duplicated-in-reactor",
            "is duplicated in the reactor",
            "shared/pom.xml",
        ),
        (
            "aggregation-cycle",
            "forms aggregation cycle",
            "sub/pom.xml:13",
        ),
        ("property-cycle", "recursive expression cycle", "pom.xml:16"),
        ("plugin-cycle-second-sort", "cyclic reference", "pom.xml"),
        (
            "relative-path-wrong",
            "Non-resolvable parent POM",
            "child/pom.xml",
        ),
        (
            "relative-path-empty",
            "Non-resolvable parent POM",
            "child/pom.xml",
        ),
    ];
    for (fixture, message, place) in cases {
        let dir = common::fixtures_dir().join("reactor-errors").join(fixture);
        let repo = LocalRepo::empty();
        let (code, _, stderr) = run(m2fresh_in(&dir, &repo).arg("order"));
        assert_eq!(code, 2, "{fixture}: exit code, stderr:\n{stderr}");
        assert!(
            stderr.contains(message),
            "{fixture}: `{message}` in:\n{stderr}"
        );
        assert!(stderr.contains(place), "{fixture}: `{place}` in:\n{stderr}");
        assert!(!stderr.contains("panicked"), "{fixture}: {stderr}");
    }
}

/// The dependency cycle names every module of the cycle and the POM line of each edge,
/// in Maven's order.
#[test]
fn a_cycle_names_every_module_and_edge() {
    let dir = common::fixtures_dir().join("reactor-errors/dep-cycle");
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(&dir, &repo).arg("graph"));
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "com.example.depcycle:a:1.0-SNAPSHOT --> com.example.depcycle:b:1.0-SNAPSHOT"
        ),
        "{stderr}"
    );
    for edge in ["a/pom.xml:16", "b/pom.xml:16", "c/pom.xml:16"] {
        assert!(
            stderr.contains(edge) || stderr.contains(&edge.replace(":16", ":16:5")),
            "{edge} in {stderr}"
        );
    }
}

/// A dependency on a workspace module's coordinates with another version is a finding
/// that points at the version, and gives no edge (as in Maven).
#[test]
fn version_mismatch_is_a_finding_with_the_pom_line() {
    let dir = common::fixtures_dir().join("reactor/version-mismatch");
    let repo = LocalRepo::empty();
    let (code, json) = run_json(m2fresh_in(&dir, &repo).arg("graph"));
    assert_eq!(code, 0);
    let findings = json["findings"].as_array().expect("findings");
    let mismatch = findings
        .iter()
        .find(|f| f["kind"] == "version-mismatch")
        .unwrap_or_else(|| panic!("a version-mismatch finding in {findings:?}"));
    assert_eq!(mismatch["pom"], "app/pom.xml");
    assert_eq!(mismatch["line"], 19);
    let app = json["modules"]
        .as_array()
        .expect("modules")
        .iter()
        .find(|m| m["artifactId"] == "app")
        .expect("app");
    assert!(
        !app["dependsOn"]
            .as_array()
            .expect("dependsOn")
            .iter()
            .any(|d| d == "com.example.mismatch:lib"),
        "no reactor edge to lib: {app}"
    );
}

/// A build extension that is a workspace module: Maven fails the reactor; m2fresh
/// orders it and says that it must be installed first.
#[test]
fn a_workspace_extension_is_reported() {
    let dir = common::fixtures_dir().join("reactor-errors/extension-in-reactor");
    let repo = LocalRepo::empty();
    let (code, json) = run_json(m2fresh_in(&dir, &repo).arg("graph"));
    assert_eq!(code, 0);
    let text = json["findings"].to_string();
    assert!(text.contains("extension-in-reactor"), "{text}");
    let order: Vec<&str> = json["order"]
        .as_array()
        .expect("order")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    let ext = order.iter().position(|m| m.ends_with(":ext"));
    let app = order.iter().position(|m| m.ends_with(":app"));
    assert!(ext < app, "the extension comes first: {order:?}");
}

/// The story's layout has no aggregator: scan mode finds the sibling projects, follows
/// `../xc-framework-parent/pom.xml` parents, and orders the upstream of the service.
#[test]
fn scan_mode_reads_the_story_layout() {
    let dir = common::fixtures_dir().join("xuecheng");
    let repo = LocalRepo::empty();
    let (code, json) = run_json(
        m2fresh_in(&dir, &repo)
            .arg("graph")
            .arg("xc-service-portalview"),
    );
    assert_eq!(code, 0);
    assert_eq!(json["discovery"], "scan");
    let order: Vec<&str> = json["order"]
        .as_array()
        .expect("order")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        order.len(),
        6,
        "portalview and its five upstream modules: {order:?}"
    );
    assert_eq!(order[0], "com.xuecheng:xc-framework-parent");
    assert_eq!(order[5], "com.xuecheng:xc-service-portalview");
    assert!(!order.contains(&"com.xuecheng:xc-service-manage-cms"));
    let pos = |id: &str| order.iter().position(|m| *m == id).expect(id);
    assert!(pos("com.xuecheng:xc-framework-model") < pos("com.xuecheng:xc-service-api"));
    let portal = &json["modules"][5];
    assert_eq!(
        portal["parent"],
        "com.xuecheng:xc-framework-parent:1.0-SNAPSHOT"
    );
    let api_edge = portal["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["to"] == "com.xuecheng:xc-service-api")
        .expect("an edge to the api");
    assert_eq!(api_edge["kind"], "dependency");
    assert_eq!(api_edge["pom"], "xc-service-portalview/pom.xml");
}

//! The story's third lesson on `fixtures/xuecheng-rest`: the REST prefix in
//! `xc-service-api` changes; `m2fresh api` says the constant is inlined into consumers,
//! and `m2fresh contract` says the service's endpoints moved, though no line of the
//! service changed.

use crate::common::{LocalRepo, Project, run_mvn_ok, write_file};
use crate::{m2fresh_in, run, run_json};
use serde_json::{Value, json};
use std::fs;

fn install_story(project: &Project, repo: &LocalRepo) {
    let (code, _, stderr) = run(m2fresh_in(&project.root, repo).args([
        "install",
        "xc-service-manage-cms",
        "xc-service-portalview",
        "--offline",
        // One Maven at a time: tests run in parallel on a machine others share.
        "-j",
        "1",
    ]));
    assert_eq!(code, 0, "install failed:\n{stderr}");
}

fn change_prefix(project: &Project, to: &str) {
    let api =
        project.path("xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java");
    let text = fs::read_to_string(&api).unwrap_or_else(|e| panic!("{}: {e}", api.display()));
    assert!(
        text.contains("\"/cms/page\""),
        "the fixture's prefix is /cms/page"
    );
    write_file(&api, &text.replace("\"/cms/page\"", &format!("{to:?}")));
}

fn endpoints(report: &Value) -> Vec<(String, String, String)> {
    report["endpoints"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            (
                e["method"].as_str().unwrap_or_default().to_string(),
                e["path"].as_str().unwrap_or_default().to_string(),
                e["handler"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_controller_inherits_its_mappings_from_the_api_interface() {
    let project = Project::copy_fixture("xuecheng-rest");
    let repo = LocalRepo::new();
    install_story(&project, &repo);
    let (code, report) =
        run_json(m2fresh_in(&project.root, &repo).args(["contract", "xc-service-manage-cms"]));
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["schema"], 1);
    assert_eq!(
        endpoints(&report),
        vec![
            (
                "GET".into(),
                "/cms/page/get/{id}".into(),
                "findById(java.lang.String)".into()
            ),
            (
                "GET".into(),
                "/cms/page/list/{page}/{size}".into(),
                "findList(int,int)".into()
            ),
        ]
    );
    let get = &report["endpoints"][0];
    assert_eq!(
        get["type"],
        "com.xuecheng.manage_cms.controller.CmsPageController"
    );
    assert_eq!(get["framework"], "spring-mvc");
    assert_eq!(get["produces"], json!(["application/json"]));
}

#[test]
fn a_changed_prefix_is_an_inlined_constant_and_moved_endpoints() {
    let project = Project::copy_fixture("xuecheng-rest");
    let repo = LocalRepo::new();
    install_story(&project, &repo);
    change_prefix(&project, "/api/cms/page");
    run_mvn_ok(
        &project.path("xc-service-api"),
        &repo,
        &["-o", "-q", "package", "-DskipTests"],
    );

    // The interface module: installed jar vs the jar just built.
    let (code, api) = run_json(m2fresh_in(&project.root, &repo).args(["api", "xc-service-api"]));
    assert_eq!(code, 1, "consumers must be recompiled: exit 1\n{api:#}");
    let constant = api["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["change"] == "constant-changed")
        .unwrap_or_else(|| panic!("no constant-changed: {api:#}"));
    assert_eq!(
        constant["type"],
        "com.xuecheng.api.cms.CmsPageControllerApi"
    );
    assert_eq!(constant["member"], "API_PREFIX");
    // Deliberately beyond japicmp, which sees nothing incompatible here.
    assert_eq!(constant["binaryCompatible"], true);
    assert_eq!(constant["sourceCompatible"], true);
    let detail = constant["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("\"/cms/page\"")
            && detail.contains("\"/api/cms/page\"")
            && detail.contains("recompiled"),
        "{detail}"
    );
    assert_eq!(
        api["summary"],
        json!({"binaryIncompatible": 0, "sourceIncompatible": 0, "constantsChanged": 1})
    );

    // The service: its installed contract vs the one it has with the new interface.
    let (code, contract) = run_json(m2fresh_in(&project.root, &repo).args([
        "contract",
        "xc-service-manage-cms",
        "xc-service-manage-cms",
    ]));
    assert_eq!(code, 1, "endpoints moved: exit 1\n{contract:#}");
    assert_eq!(
        contract["changes"],
        json!([
            {"change": "moved", "method": "GET", "path": "/api/cms/page/get/{id}",
             "oldPath": "/cms/page/get/{id}",
             "type": "com.xuecheng.manage_cms.controller.CmsPageController",
             "handler": "findById(java.lang.String)"},
            {"change": "moved", "method": "GET", "path": "/api/cms/page/list/{page}/{size}",
             "oldPath": "/cms/page/list/{page}/{size}",
             "type": "com.xuecheng.manage_cms.controller.CmsPageController",
             "handler": "findList(int,int)"},
        ])
    );

    // The install flow says it all: what changed, who was rebuilt, what the service needs.
    let (code, install) = run_json(m2fresh_in(&project.root, &repo).args([
        "install",
        "xc-service-manage-cms",
        "xc-service-portalview",
        "--offline",
        "-j",
        "1",
    ]));
    assert_eq!(code, 0, "{install:#}");
    let interfaces = install["interfaces"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let of = |id: &str| {
        interfaces
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no interface report for {id}: {install:#}"))
    };
    let api = of("com.xuecheng:xc-service-api");
    assert_eq!(api["api"]["constantsChanged"], 1);
    assert_eq!(
        api["consumersRebuilt"],
        json!([
            "com.xuecheng:xc-service-manage-cms",
            "com.xuecheng:xc-service-portalview"
        ])
    );
    let service = of("com.xuecheng:xc-service-manage-cms");
    let moved: Vec<&Value> = service["contract"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["change"] == "moved")
        .collect();
    assert_eq!(moved.len(), 2, "{service:#}");
    assert_eq!(
        service["service"]["version"]["key"],
        "servicecomb.service.version"
    );
    assert_eq!(service["service"]["version"]["value"], "1.0.0");
    assert_eq!(service["service"]["versionChanged"], false);
    let advice = service["service"]["advice"].to_string();
    assert!(
        advice.contains("registry may still hold the old contract") && advice.contains("new tag"),
        "{advice}"
    );
}

#[test]
fn an_unchanged_module_has_no_interface_changes() {
    let project = Project::copy_fixture("xuecheng-rest");
    let repo = LocalRepo::new();
    install_story(&project, &repo);
    let (code, api) = run_json(m2fresh_in(&project.root, &repo).args(["api", "xc-service-api"]));
    assert_eq!(code, 0, "{api:#}");
    assert_eq!(api["changes"], json!([]));
    let (code, contract) = run_json(m2fresh_in(&project.root, &repo).args([
        "contract",
        "xc-service-manage-cms",
        "xc-service-manage-cms",
    ]));
    assert_eq!(code, 0, "{contract:#}");
    assert_eq!(contract["changes"], json!([]));
}

//! Checks the test harness and the fixtures against real Maven: the xuecheng projects
//! install into an isolated local repository, every `fixtures/reactor/*` aggregator
//! gives the reactor order recorded here (and in its README), and every
//! `fixtures/reactor-errors/*` makes Maven fail with the error its README quotes.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{LocalRepo, Project, XUECHENG_BUILD_ORDER};

/// For each `fixtures/reactor-errors/*` aggregator, a part of the error Maven 3.8.7
/// reports (the README quotes it whole).
const REACTOR_ERRORS: &[(&str, &str)] = &[
    (
        "aggregation-cycle",
        "aggregation-cycle/sub/pom.xml forms aggregation cycle",
    ),
    (
        "dep-cycle",
        "The projects in the reactor contain a cyclic reference: Edge between \
         'Vertex{label='com.example.depcycle:c:1.0-SNAPSHOT'}' and \
         'Vertex{label='com.example.depcycle:a:1.0-SNAPSHOT'}' introduces to cycle",
    ),
    (
        "duplicate-module",
        "'modules.module[2]' specifies duplicate child module a",
    ),
    (
        "duplicated-in-reactor",
        "Project 'com.example.dupreactor:shared:1.0-SNAPSHOT' is duplicated in the reactor",
    ),
    (
        "extension-in-reactor",
        "Unresolveable build extension: Plugin com.example.extension:ext:1.0-SNAPSHOT",
    ),
    ("missing-module", "missing-module/pom.xml does not exist"),
    (
        "plugin-cycle-second-sort",
        "Edge between 'Vertex{label='com.example.pluginsort:app:1.0-SNAPSHOT'}' and \
         'Vertex{label='com.example.pluginsort:lib:1.0-SNAPSHOT'}' introduces to cycle",
    ),
    (
        "property-cycle",
        "Detected the following recursive expression cycle in 'a': [a, b]",
    ),
    (
        "relative-path-empty",
        "Could not find artifact com.example.relempty:base:pom:1.0-SNAPSHOT and \
         'parent.relativePath' points at no local POM",
    ),
    (
        "relative-path-wrong",
        "Could not find artifact com.example.relwrong:base:pom:1.0-SNAPSHOT and \
         'parent.relativePath' points at wrong local POM",
    ),
];

#[test]
fn xuecheng_projects_install_offline_into_a_fresh_local_repo() {
    let repo = LocalRepo::new();
    let api_jar = repo.artifact("com.xuecheng", "xc-service-api", "1.0-SNAPSHOT", "jar");
    assert!(
        !repo.path().join("com/xuecheng").exists(),
        "a fresh LocalRepo must hold no xuecheng artifact"
    );

    // The README's first command builds in fixtures/xuecheng itself, so a target/ may be
    // there already; this test must only not create one.
    let fixture_output = common::fixtures_dir().join("xuecheng/xc-service-api/target");
    let output_before = fixture_output.exists();
    let project = Project::copy_fixture("xuecheng");
    assert!(
        !project.path("xc-service-api/target").exists(),
        "the copy leaves build output behind"
    );
    for name in XUECHENG_BUILD_ORDER {
        // Offline: the seed must hold every plugin that install needs.
        common::run_mvn_ok(
            &project.path(name),
            &repo,
            &["-o", "-q", "install", "-DskipTests"],
        );
    }

    assert!(api_jar.is_file(), "{} was not installed", api_jar.display());
    for name in XUECHENG_BUILD_ORDER {
        let ext = if name == "xc-framework-parent" {
            "pom"
        } else {
            "jar"
        };
        let artifact = repo.artifact("com.xuecheng", name, "1.0-SNAPSHOT", ext);
        assert!(
            artifact.is_file(),
            "{} was not installed",
            artifact.display()
        );
    }
    assert!(
        output_before || !fixture_output.exists(),
        "the build must run in the copy, not in fixtures/"
    );

    // The story's service prints the REST prefix it was compiled against.
    let jar = project.path("xc-service-portalview/target/xc-service-portalview-1.0-SNAPSHOT.jar");
    let run = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .output()
        .unwrap_or_else(|e| panic!("cannot run java -jar {}: {e}", jar.display()));
    assert!(run.status.success(), "{}", common::output_text(&run));
    assert_eq!(
        String::from_utf8_lossy(&run.stdout).trim(),
        "xc-service-portalview uses CMS API prefix /cms/page"
    );
}

#[test]
fn local_repos_are_private_copies_of_the_seed() {
    let first = LocalRepo::new();
    let second = LocalRepo::new();
    let plugin =
        "org/apache/maven/plugins/maven-install-plugin/3.1.4/maven-install-plugin-3.1.4.jar";
    let a = first.path().join(plugin);
    let b = second.path().join(plugin);
    assert!(a.is_file(), "the seed lacks {plugin}");
    let (meta_a, meta_b) = (fs::metadata(&a).unwrap(), fs::metadata(&b).unwrap());
    assert_ne!(meta_a.ino(), meta_b.ino(), "two LocalRepos share a file");
    assert_eq!(meta_a.nlink(), 1, "{} is hard-linked", a.display());

    fs::write(first.path().join("written-by-first"), "x").unwrap();
    assert!(!second.path().join("written-by-first").exists());
    assert_ne!(first.path(), second.path());
    assert!(first.settings().is_file());
}

#[test]
fn fixture_copies_are_private() {
    let project = Project::copy_fixture("reactor/basic");
    assert!(project.root.ends_with("basic"));
    assert!(project.path("core/pom.xml").is_file());
    fs::write(project.path("core/pom.xml"), "changed").unwrap();
    let original = common::fixtures_dir().join("reactor/basic/core/pom.xml");
    assert_ne!(fs::read_to_string(original).unwrap(), "changed");
}

#[test]
fn reactor_order_is_read_from_the_build_headers() {
    // The "Reactor Build Order" list shows `<name>`s; the headers show coordinates.
    let log = "\
[INFO] Scanning for projects...
[INFO] ------------------------------------------------------------------------
[INFO] Reactor Build Order:
[INFO] 
[INFO] basic-parent                                                       [pom]
[INFO] My Project Name                                                    [jar]
[INFO] 
[INFO] -------------------< com.example.basic:basic-parent >-------------------
[INFO] Building basic-parent 1.0-SNAPSHOT                                 [1/2]
[INFO] --------------------------------[ pom ]---------------------------------
[INFO] ------------------------< com.example.basic:core >------------------------
[INFO] Building My Project Name 1.0-SNAPSHOT                              [2/2]
";
    assert_eq!(
        common::parse_reactor_order(log),
        Some(vec!["basic-parent".to_owned(), "core".to_owned()])
    );
    assert_eq!(
        common::parse_reactor_order("[INFO] Building core 1.0\n"),
        None
    );
}

#[test]
fn every_reactor_error_fixture_makes_maven_fail() {
    assert_table_covers(
        "reactor-errors",
        REACTOR_ERRORS.iter().map(|(name, _)| *name),
    );
    let failures = in_parallel(REACTOR_ERRORS, |(name, expected)| {
        let project = Project::copy_fixture(&format!("reactor-errors/{name}"));
        match common::maven_reactor_order(&project.root, &[]) {
            Ok(order) => Some(format!(
                "reactor-errors/{name}: Maven succeeded with order {order:?}"
            )),
            Err(errors) if errors.contains(expected) => None,
            Err(errors) => Some(format!(
                "reactor-errors/{name}: Maven's errors lack {expected:?}:\n{errors}"
            )),
        }
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Fails when a fixture directory under `fixtures/<dir>` has no entry in its table (or
/// the table names a fixture that does not exist), so no fixture goes unchecked.
fn assert_table_covers<'a>(dir: &str, table: impl Iterator<Item = &'a str>) {
    let on_disk: BTreeSet<String> = fs::read_dir(common::fixtures_dir().join(dir))
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    let in_table: BTreeSet<String> = table.map(str::to_owned).collect();
    assert_eq!(
        on_disk, in_table,
        "fixtures/{dir} and the test's table differ"
    );
    for name in &on_disk {
        let readme = common::fixtures_dir()
            .join(dir)
            .join(name)
            .join("README.md");
        assert!(readme.is_file(), "{} is missing", readme.display());
    }
}

/// Runs `check` on every row, a few Maven processes at a time, and collects the
/// failures it reports.
fn in_parallel<T: Sync>(rows: &[T], check: impl Fn(&T) -> Option<String> + Sync) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(4));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                while let Some(row) = rows.get(next.fetch_add(1, Ordering::Relaxed)) {
                    if let Some(failure) = check(row) {
                        failures.lock().unwrap().push(failure);
                    }
                }
            });
        }
    });
    failures.into_inner().unwrap()
}

#[test]
fn maven_runs_use_the_tests_repository_and_settings() {
    let repo = LocalRepo::empty();
    let project = Project::copy_fixture("reactor/basic");
    let output = common::run_mvn_ok(&project.root, &repo, &["-o", "-X", "validate"]);
    let log = common::output_text(&output);
    let settings = format!("Reading user settings from {}", repo.settings().display());
    let local = format!("Using local repository at {}", repo.path().display());
    assert!(log.contains(&settings), "no {settings:?} in:\n{log}");
    assert!(log.contains(&local), "no {local:?} in:\n{log}");
}

//! `m2fresh effective-pom` prints what `mvn help:effective-pom` prints, element by
//! element, on every fixture, with the machine's Maven (3.8) and with Maven 3.9; and the
//! full effective model agrees with the typed one the reactor is built from.
//!
//! One Maven run per fixture reactor: the xuecheng projects, siblings without an
//! aggregator, are compared through a temporary aggregator listing them (it is nobody's
//! parent, so their models do not change).

use crate::common::{self, LocalRepo, Project};
use crate::run;
use m2fresh::maven::effective::{EffectiveModels, Node, runtime::MavenRuntime};
use m2fresh::maven::workspace::{LoadOptions, Workspace};
use std::path::{Path, PathBuf};

/// A fixture reactor to compare: its copy, and the settings file both tools get.
struct Case {
    name: String,
    project: Project,
    dir: PathBuf,
    settings: Option<PathBuf>,
}

fn cases() -> Vec<Case> {
    let mut names: Vec<String> = std::fs::read_dir(common::fixtures_dir().join("reactor"))
        .expect("fixtures/reactor exists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("pom.xml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(
        names.len() >= 18,
        "the reactor fixtures are there: {names:?}"
    );
    let mut cases: Vec<Case> = names
        .into_iter()
        .map(|name| {
            let project = Project::copy_fixture(&format!("reactor/{name}"));
            let dir = project.root.clone();
            let settings = Some(dir.join("settings.xml")).filter(|s| s.is_file());
            Case {
                name,
                project,
                dir,
                settings,
            }
        })
        .collect();
    let story = Project::copy_fixture("xuecheng");
    write_aggregator(&story.root, &common::XUECHENG_BUILD_ORDER);
    cases.push(Case {
        name: "xuecheng".into(),
        dir: story.root.clone(),
        project: story,
        settings: None,
    });
    cases
}

/// A POM aggregating sibling projects (packaging `pom`, no parent).
fn write_aggregator(dir: &Path, modules: &[&str]) {
    let modules: String = modules
        .iter()
        .map(|m| format!("    <module>{m}</module>\n"))
        .collect();
    let pom = format!(
        "<project>\n  <modelVersion>4.0.0</modelVersion>\n  <groupId>m2fresh.test</groupId>\n  \
         <artifactId>all</artifactId>\n  <version>1</version>\n  <packaging>pom</packaging>\n  \
         <modules>\n{modules}  </modules>\n</project>\n"
    );
    std::fs::write(dir.join("pom.xml"), pom).expect("the aggregator POM is written");
}

/// Maven's effective POMs of a reactor (`-o`, the help plugin from the seed).
fn maven_effective(mvn: &Path, case: &Case, repo: &LocalRepo) -> String {
    let out = case
        .project
        .dir
        .path()
        .join(format!("maven-{}.xml", mvn_tag(mvn)));
    let settings = case.settings.as_deref().unwrap_or(repo.settings());
    let output = common::isolated_maven(mvn, &case.dir, repo.path(), settings)
        .arg("-o")
        .arg(format!("{}:effective-pom", common::HELP_PLUGIN))
        .arg(format!("-Doutput={}", out.display()))
        .output()
        .expect("Maven starts");
    assert!(
        output.status.success(),
        "Maven ({}) failed on {}:\n{}",
        mvn.display(),
        case.name,
        common::output_text(&output)
    );
    std::fs::read_to_string(&out).expect("Maven wrote the effective POM")
}

fn mvn_tag(mvn: &Path) -> String {
    blake3::hash(mvn.as_os_str().as_encoded_bytes()).to_hex()[..8].to_string()
}

/// m2fresh's effective POMs of the same reactor.
fn m2fresh_effective(mvn: &Path, case: &Case, repo: &LocalRepo) -> String {
    let settings = case.settings.as_deref().unwrap_or(repo.settings());
    let mut cmd = common::m2fresh();
    cmd.arg("-w")
        .arg(&case.dir)
        .arg("--local-repo")
        .arg(repo.path())
        .arg("-s")
        .arg(settings)
        .arg("effective-pom")
        .arg("--mvn")
        .arg(mvn);
    let (code, stdout, stderr) = run(&mut cmd);
    assert_eq!(
        code, 0,
        "m2fresh effective-pom failed on {}:\n{stderr}",
        case.name
    );
    stdout
}

/// An XML document as lines `path = text`, comments and whitespace gone, so that two
/// documents compare element by element.
fn canonical(xml: &str) -> Vec<String> {
    let root = m2fresh::maven::xml::parse(xml).expect("well-formed XML");
    let mut lines = Vec::new();
    canonical_into(&root, 0, &mut lines);
    lines
}

fn canonical_into(e: &m2fresh::maven::xml::Element, depth: usize, out: &mut Vec<String>) {
    let attrs: Vec<String> = e
        .attrs
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "xmlns" | "xsi" | "schemaLocation"))
        .map(|(k, v)| format!("{k}=\"{v}\""))
        .collect();
    let mut line = format!("{}{}", "  ".repeat(depth), e.name);
    if !attrs.is_empty() {
        line.push_str(&format!(" [{}]", attrs.join(" ")));
    }
    if e.children.is_empty() && !e.text.is_empty() {
        line.push_str(" = ");
        line.push_str(&e.text);
    }
    out.push(line);
    for c in &e.children {
        canonical_into(c, depth + 1, out);
    }
}

/// The one difference m2fresh accepts: text of a POM in an encoding m2fresh does not
/// decode (GBK, ...) keeps only its ASCII characters (see `maven::xml::decode`), where
/// Maven shows the characters.
fn same_line(maven: &str, ours: &str) -> bool {
    if maven == ours {
        return true;
    }
    let (Some((mp, mv)), Some((op, ov))) = (maven.split_once(" = "), ours.split_once(" = ")) else {
        return false;
    };
    mp == op && ov.contains('\u{fffd}') && !mv.is_ascii()
}

/// A readable diff of two canonical documents: the first differing region with
/// context, as `-` Maven / `+` m2fresh lines.
fn diff(maven: &[String], ours: &[String]) -> Option<String> {
    let start = maven
        .iter()
        .zip(ours)
        .position(|(m, o)| !same_line(m, o))
        .or_else(|| (maven.len() != ours.len()).then(|| maven.len().min(ours.len())))?;
    let tail = maven
        .iter()
        .rev()
        .zip(ours.iter().rev())
        .take_while(|(m, o)| same_line(m, o))
        .count()
        .min(maven.len() - start)
        .min(ours.len() - start);
    let from = start.saturating_sub(8);
    let mut out = String::new();
    for l in &maven[from..start] {
        out.push_str(&format!("  {l}\n"));
    }
    for l in maven[start..maven.len() - tail].iter().take(40) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in ours[start..ours.len() - tail].iter().take(40) {
        out.push_str(&format!("+ {l}\n"));
    }
    for l in maven[maven.len() - tail..].iter().take(4) {
        out.push_str(&format!("  {l}\n"));
    }
    Some(out)
}

/// Compares every case with one Maven; all differences are reported together. One
/// Maven at a time: the test harness runs other Maven tests alongside.
fn compare_all(mvn: &Path) {
    let repo = LocalRepo::new();
    let mut failures = Vec::new();
    for case in cases() {
        let maven = canonical(&maven_effective(mvn, &case, &repo));
        let ours = canonical(&m2fresh_effective(mvn, &case, &repo));
        if let Some(d) = diff(&maven, &ours) {
            failures.push(format!(
                "{} (Maven {}): effective POMs differ\n{d}",
                case.name,
                mvn.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn effective_pom_equals_maven_38_on_every_fixture() {
    compare_all(&common::require_mvn());
}

#[test]
fn effective_pom_equals_maven_39_on_every_fixture() {
    common::require_mvn();
    compare_all(&common::maven_39());
}

/// `--verbose` writes what Maven 3.9's help plugin writes with `-Dverbose`: each value
/// followed by `<!-- modelId, line N -->` (the super POM's and the lifecycle bindings'
/// too), line for line.
#[test]
fn verbose_equals_maven_39s_verbose() {
    common::require_mvn();
    let mvn = common::maven_39();
    let case = Project::copy_fixture("reactor/basic");
    let repo = LocalRepo::new();
    let app = case.root.join("app");
    let out = case.dir.path().join("verbose.xml");
    let output = common::isolated_maven(&mvn, &app, repo.path(), repo.settings())
        .arg("-o")
        .arg(format!("{}:effective-pom", common::HELP_PLUGIN))
        .arg("-Dverbose")
        .arg(format!("-Doutput={}", out.display()))
        .output()
        .expect("Maven starts");
    assert!(output.status.success(), "{}", common::output_text(&output));
    let maven = std::fs::read_to_string(&out).expect("Maven wrote the effective POM");
    let mut cmd = crate::m2fresh_in(&case.root, &repo);
    cmd.args(["--verbose", "effective-pom", "app", "--mvn"])
        .arg(&mvn);
    let (code, ours, stderr) = run(&mut cmd);
    assert_eq!(code, 0, "{stderr}");
    // The banners differ ("Generated by ..."); every other line is compared.
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("<!--"))
            .map(|l| l.trim_end().to_string())
            .collect()
    };
    let (maven, ours) = (lines(&maven), lines(&ours));
    if let Some(d) = diff(&maven, &ours) {
        panic!("--verbose differs from Maven 3.9's -Dverbose:\n{d}");
    }
}

/// The typed model (the fast path the reactor is built from) and the full model agree
/// on what the typed one holds: dependencies, build plugins, properties.
#[test]
fn the_typed_and_the_full_model_agree_on_every_fixture() {
    let repo = LocalRepo::new();
    for case in cases() {
        let opts = LoadOptions {
            local_repository: Some(repo.path().to_path_buf()),
            settings: m2fresh::maven::settings::SettingsFiles {
                user: case.settings.clone(),
                global: None,
            },
            ..LoadOptions::default()
        };
        let ws = Workspace::load(&case.dir, &opts).expect("the fixture loads");
        let runtime = MavenRuntime::embedded("3.8.7");
        let models = EffectiveModels::new(&ws, runtime.clone());
        for m in &ws.modules {
            let full = models.model(m.id).expect("the full model builds");
            let at = format!("{} in {}", m.key(), case.name);
            assert_eq!(
                typed_dependencies(m),
                full_dependencies(&full),
                "dependencies of {at}"
            );
            assert_eq!(
                typed_properties(m),
                full_properties(&full),
                "properties of {at}"
            );
            let lifecycle: Vec<String> = runtime
                .default_plugins(&m.packaging)
                .unwrap_or_default()
                .iter()
                .map(plugin_key)
                .collect();
            let full_plugins: Vec<(String, Option<String>)> = full
                .child("build")
                .and_then(|b| b.child("plugins"))
                .map(|p| {
                    p.children
                        .iter()
                        .map(|p| (plugin_key(p), p.text_at("version").map(String::from)))
                        .collect()
                })
                .unwrap_or_default();
            let mut position = 0;
            for p in &m.effective.build.plugins {
                let key = p.key();
                let found = full_plugins[position..].iter().position(|(k, _)| *k == key);
                let Some(i) = found else {
                    panic!(
                        "plugin {key} of {at}: not in the full model (or out of order): {full_plugins:?}"
                    );
                };
                if let Some(v) = m2fresh::maven::pom::text(&p.version) {
                    assert_eq!(
                        full_plugins[position + i].1.as_deref(),
                        Some(v),
                        "version of {key} of {at}"
                    );
                }
                for (skipped, _) in &full_plugins[position..position + i] {
                    assert!(
                        lifecycle.contains(skipped),
                        "{skipped} of {at} is neither declared nor bound by default"
                    );
                }
                position += i + 1;
            }
            for (rest, _) in &full_plugins[position..] {
                assert!(
                    lifecycle.contains(rest),
                    "{rest} of {at} is neither declared nor bound by default"
                );
            }
        }
    }
}

fn plugin_key(p: &Node) -> String {
    format!(
        "{}:{}",
        p.text_at("groupId").unwrap_or("org.apache.maven.plugins"),
        p.text_at("artifactId").unwrap_or("")
    )
}

fn typed_dependencies(m: &m2fresh::maven::workspace::Module) -> Vec<String> {
    use m2fresh::maven::pom::text;
    m.effective
        .dependencies
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d.management_key(),
                text(&d.version).unwrap_or(""),
                text(&d.scope).unwrap_or("compile")
            )
        })
        .collect()
}

fn full_dependencies(full: &Node) -> Vec<String> {
    let deps = full
        .child("dependencies")
        .map(|d| d.children.as_slice())
        .unwrap_or(&[]);
    deps.iter()
        .map(|d| {
            let mut key = format!(
                "{}:{}:{}",
                d.text_at("groupId").unwrap_or(""),
                d.text_at("artifactId").unwrap_or(""),
                d.text_at("type").unwrap_or("jar")
            );
            if let Some(c) = d.text_at("classifier").filter(|c| !c.is_empty()) {
                key.push(':');
                key.push_str(c);
            }
            format!(
                "{key} {} {}",
                d.text_at("version").unwrap_or(""),
                d.text_at("scope").unwrap_or("compile")
            )
        })
        .collect()
}

fn typed_properties(m: &m2fresh::maven::workspace::Module) -> Vec<(String, String)> {
    m.effective
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), v.text.clone()))
        .collect()
}

fn full_properties(full: &Node) -> Vec<(String, String)> {
    let mut props: Vec<(String, String)> = full
        .child("properties")
        .map(|p| {
            p.children
                .iter()
                .map(|c| (c.name.clone(), c.text.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    props.sort();
    props
}

#[test]
fn one_module_is_a_project_several_are_projects_in_reactor_order_and_json_is_the_same_tree() {
    let case = Project::copy_fixture("reactor/basic");
    let repo = LocalRepo::empty();
    let effective = |args: &[&str]| {
        let mut cmd = crate::m2fresh_in(&case.root, &repo);
        cmd.arg("effective-pom")
            .args(args)
            .arg("--mvn")
            .arg(common::require_mvn());
        let (code, stdout, stderr) = run(&mut cmd);
        assert_eq!(code, 0, "{stderr}");
        stdout
    };
    let one = canonical(&effective(&["app"]));
    assert_eq!(one[0], "project");
    let two = canonical(&effective(&["app", "core"]));
    assert_eq!(two[0], "projects");
    let ids: Vec<&String> = two
        .iter()
        .filter(|l| l.starts_with("    artifactId = "))
        .collect();
    assert_eq!(
        ids,
        ["    artifactId = core", "    artifactId = app"],
        "reactor order"
    );
    let json: serde_json::Value =
        serde_json::from_str(&effective(&["--format", "json", "app"])).expect("JSON");
    crate::validated("effective-pom", &json);
    let model = &json["projects"][0]["model"];
    assert_eq!(model["name"], "project");
    let artifact = model["children"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "artifactId"))
        .expect("an artifactId");
    assert_eq!(artifact["text"], "app");
    let verbose = effective(&["--verbose", "app"]);
    assert!(
        verbose.contains(
            "<artifactId>app</artifactId>  <!-- com.example.basic:app:1.0-SNAPSHOT, line 13 -->"
        ),
        "{verbose}"
    );
}

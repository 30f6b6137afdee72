//! `m2fresh api`: the class-level API diff, checked against japicmp (the oracle) on real
//! jar pairs from Maven Central with real breaking changes.
//!
//! japicmp 0.27.0 and the jars are downloaded once per checkout (Maven, into
//! `target/tmp/japicmp-oracle`), and japicmp's verdict for each pair is kept there too:
//! later runs start no JVM. Maven and Java are required; without them the tests fail.

use crate::common::{self, require_mvn, target_tmpdir, write_file};
use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The jar pairs: (groupId, artifactId, old version, new version, how many types japicmp
/// finds binary-incompatible — a guard that the oracle ran on what we think it did).
const PAIRS: [(&str, &str, &str, &str, usize); 5] = [
    ("com.google.guava", "guava", "18.0", "19.0", 5),
    (
        "com.fasterxml.jackson.core",
        "jackson-databind",
        "2.9.10",
        "2.10.0",
        11,
    ),
    (
        "org.apache.commons",
        "commons-collections4",
        "4.0",
        "4.1",
        6,
    ),
    ("joda-time", "joda-time", "1.6.2", "2.0", 50),
    ("commons-io", "commons-io", "1.4", "2.0", 6),
];

const JAPICMP: &str = "0.27.0";

/// Bump when the oracle's recipe changes, so the cache is rebuilt.
const ORACLE_FORMAT: &str = "m2fresh-japicmp-oracle-1";

fn oracle_pom() -> String {
    let items: String = PAIRS
        .iter()
        .flat_map(|(g, a, old, new, _)| [(g, a, old), (g, a, new)])
        .map(|(g, a, v)| {
            format!(
                "<artifactItem><groupId>{g}</groupId><artifactId>{a}</artifactId>\
                 <version>{v}</version></artifactItem>\n"
            )
        })
        .collect();
    format!(
        r#"<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>m2fresh.test</groupId><artifactId>japicmp-oracle</artifactId><version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>com.github.siom79.japicmp</groupId><artifactId>japicmp</artifactId><version>{JAPICMP}</version></dependency>
  </dependencies>
  <build><plugins><plugin>
    <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.6.1</version>
    <executions>
      <execution><id>lib</id><phase>validate</phase><goals><goal>copy-dependencies</goal></goals>
        <configuration><outputDirectory>${{project.basedir}}/lib</outputDirectory></configuration></execution>
      <execution><id>jars</id><phase>validate</phase><goals><goal>copy</goal></goals>
        <configuration><outputDirectory>${{project.basedir}}/jars</outputDirectory><artifactItems>
{items}        </artifactItems></configuration></execution>
    </executions>
  </plugin></plugins></build>
</project>
"#
    )
}

/// The oracle's directory, with `lib/` (japicmp and its dependencies), `jars/` and
/// japicmp's XML report per pair; built under an exclusive file lock the first time.
fn oracle() -> PathBuf {
    let base = target_tmpdir().join("japicmp-oracle");
    fs::create_dir_all(&base).unwrap_or_else(|e| panic!("cannot create {}: {e}", base.display()));
    let lock_path = base.join("lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", lock_path.display()));
    lock.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", lock_path.display()));
    let marker = base.join("complete");
    let key = format!("{ORACLE_FORMAT}\n{}", oracle_pom());
    if fs::read_to_string(&marker).is_ok_and(|k| k == key) {
        return base;
    }
    build_oracle(&base);
    write_file(&marker, &key);
    base
}

fn build_oracle(base: &Path) {
    write_file(&base.join("pom.xml"), &oracle_pom());
    let settings = base.join("settings.xml");
    write_file(
        &settings,
        "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\"/>\n",
    );
    let output = Command::new(require_mvn())
        .current_dir(base)
        .args(["-B", "-q", "--no-transfer-progress", "-s"])
        .arg(&settings)
        .arg(format!(
            "-Dmaven.repo.local={}",
            base.join("repository").display()
        ))
        .arg("validate")
        .env("MAVEN_SKIP_RC", "true")
        .output()
        .unwrap_or_else(|e| panic!("cannot start Maven: {e}"));
    assert!(
        output.status.success(),
        "downloading japicmp and the jar pairs from Maven Central failed:\n{}",
        common::output_text(&output)
    );
    for (_, a, old, new, _) in PAIRS {
        let report = base.join(format!("{a}-{new}.japicmp.xml"));
        let output = Command::new(require_java())
            .current_dir(base)
            .arg("-cp")
            .arg("lib/*")
            .arg("japicmp.JApiCmp")
            .arg("-o")
            .arg(format!("jars/{a}-{old}.jar"))
            .arg("-n")
            .arg(format!("jars/{a}-{new}.jar"))
            .args([
                "--only-incompatible",
                "--ignore-missing-classes",
                "-a",
                "protected",
            ])
            .arg("-x")
            .arg(&report)
            .output()
            .unwrap_or_else(|e| panic!("cannot start java: {e}"));
        assert!(
            output.status.success(),
            "japicmp failed on {a} {old} -> {new}:\n{}",
            common::output_text(&output)
        );
    }
}

fn require_java() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("java"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "Java is required for the japicmp oracle, but `java` is not on PATH \
                 (Debian/Ubuntu: `apt-get install openjdk-17-jdk-headless`)"
            )
        })
}

/// The classes japicmp's XML report marks `binaryCompatible="false"`.
fn japicmp_incompatible(report: &Path) -> BTreeSet<String> {
    use quick_xml::events::Event;
    let text = fs::read_to_string(report)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", report.display()));
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut out = BTreeSet::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) if e.name().as_ref() == "class" => {
                let attr = |name: &str| {
                    e.attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref() == name)
                        .map(|a| a.value.to_string())
                };
                if attr("binaryCompatible").as_deref() == Some("false") {
                    out.extend(attr("fullyQualifiedName"));
                }
            }
            Ok(Event::Eof) => break,
            Err(e) => panic!("{} is not XML: {e}", report.display()),
            _ => {}
        }
    }
    out
}

fn m2fresh_api(old: &Path, new: &Path) -> (i32, serde_json::Value) {
    let mut cmd = common::m2fresh();
    cmd.arg("api").arg(old).arg(new);
    crate::run_json(&mut cmd)
}

#[test]
fn binary_incompatible_types_equal_japicmps_on_real_jar_pairs() {
    let base = oracle();
    let mut failures = Vec::new();
    for (_, a, old, new, expected) in PAIRS {
        let theirs = japicmp_incompatible(&base.join(format!("{a}-{new}.japicmp.xml")));
        assert_eq!(
            theirs.len(),
            expected,
            "japicmp's verdict on {a} {old} -> {new} changed: {theirs:#?}"
        );
        let (code, report) = m2fresh_api(
            &base.join(format!("jars/{a}-{old}.jar")),
            &base.join(format!("jars/{a}-{new}.jar")),
        );
        assert_eq!(code, 1, "{a} {old} -> {new} breaks consumers: exit 1");
        let ours: BTreeSet<String> = report["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["binaryCompatible"] == false)
            .filter_map(|c| c["type"].as_str().map(str::to_string))
            .collect();
        if ours != theirs {
            failures.push(format!(
                "{a} {old} -> {new}: only japicmp {:?}, only m2fresh {:?}",
                theirs.difference(&ours).collect::<Vec<_>>(),
                ours.difference(&theirs).collect::<Vec<_>>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_version_compared_with_itself_has_no_changes() {
    let base = oracle();
    let jar = base.join("jars/commons-io-2.0.jar");
    let (code, report) = m2fresh_api(&jar, &jar);
    assert_eq!(code, 0);
    assert_eq!(report["schema"], 1);
    assert_eq!(report["changes"], serde_json::json!([]));
    assert_eq!(
        report["summary"],
        serde_json::json!({"binaryIncompatible": 0, "sourceIncompatible": 0, "constantsChanged": 0})
    );
}

#[test]
fn the_report_names_the_member_and_why() {
    let base = oracle();
    let (_, report) = m2fresh_api(
        &base.join("jars/commons-io-1.4.jar"),
        &base.join("jars/commons-io-2.0.jar"),
    );
    let change = report["changes"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| {
            c["type"] == "org.apache.commons.io.comparator.NameFileComparator"
                && c["change"] == "method-removed"
        })
        .unwrap_or_else(|| panic!("no method-removed for NameFileComparator: {report:#}"));
    assert_eq!(
        change["member"],
        "compare(java.lang.Object,java.lang.Object)"
    );
    assert_eq!(change["binaryCompatible"], false);
    assert_eq!(change["sourceCompatible"], false);
}

#[test]
fn a_broken_jar_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = dir.path().join("bad.jar");
    write_file(&bad, "not a zip");
    let mut cmd = common::m2fresh();
    cmd.arg("api").arg(&bad).arg(&bad);
    let (code, _, stderr) = crate::run(&mut cmd);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("bad.jar"), "{stderr}");
}

//! Input errors: exit code 2, the file and line, never a panic.

use crate::common::LocalRepo;
use crate::{m2fresh_in, run};

fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    dir
}

#[test]
fn malformed_xml_names_the_file_and_line() {
    let dir = workspace(&[(
        "pom.xml",
        "<project>\n  <groupId>g</groupId>\n  <artifactId>a</artifactId>\n  <version>1</version>\n  <dependencies>\n</project>\n",
    )]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("pom.xml"), "{stderr}");
    assert!(stderr.contains("malformed XML"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unknown_module_name_is_a_usage_error() {
    let dir = workspace(&[(
        "pom.xml",
        "<project><groupId>g</groupId><artifactId>a</artifactId><version>1</version></project>",
    )]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("check").arg("nope"));
    assert_eq!(code, 2);
    assert!(stderr.contains("no module named `nope`"), "{stderr}");
}

#[test]
fn a_doctype_is_refused_and_never_expanded() {
    let dir = workspace(&[(
        "pom.xml",
        "<?xml version=\"1.0\"?>\n<!DOCTYPE p [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<project><groupId>&x;</groupId></project>",
    )]);
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 2);
    assert!(stderr.contains("DOCTYPE"), "{stderr}");
    assert!(
        !stderr.contains("root:"),
        "the entity was not expanded: {stderr}"
    );
}

#[test]
fn an_empty_directory_says_what_to_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    let (code, _, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 2);
    assert!(stderr.contains("no pom.xml"), "{stderr}");
}

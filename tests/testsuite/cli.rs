//! The command line as a user meets it: help that separates the global options,
//! completions and a manual page generated from the same definitions, and counts that
//! read as English.

use crate::common::{self, LocalRepo};
use crate::{m2fresh_in, run};

/// A subcommand's help lists its own options first and the global ones under their own
/// heading, so `m2fresh install --help` is not a wall of flags.
#[test]
fn help_puts_global_options_under_their_own_heading() {
    let (code, stdout, _) = run(common::m2fresh().args(["install", "--help"]));
    assert_eq!(code, 0);
    let own = stdout.find("--keep-going").expect("install's own option");
    let heading = stdout
        .find("Global options:")
        .expect("a heading for global options");
    let global = stdout.find("--local-repo").expect("a global option");
    assert!(own < heading && heading < global, "{stdout}");
}

/// `completions SHELL` prints a script that names the subcommands and their options;
/// `man` prints a roff page with every subcommand. Neither needs a workspace.
#[test]
fn completions_and_man_page_come_from_the_definitions() {
    let empty = tempfile::tempdir().expect("temp dir");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, stderr) = run(common::m2fresh()
            .current_dir(empty.path())
            .args(["completions", shell]));
        assert_eq!(code, 0, "{shell}: {stderr}");
        for word in ["install", "effective-pom", "keep-going"] {
            assert!(stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let (code, _, stderr) = run(common::m2fresh().args(["completions", "tcsh"]));
    assert_eq!(code, 2, "an unknown shell is a usage error: {stderr}");

    let (code, stdout, stderr) = run(common::m2fresh().current_dir(empty.path()).arg("man"));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with(".ie") || stdout.contains(".TH m2fresh"),
        "{stdout}"
    );
    // roff escapes the dashes of names.
    for sub in ["check", "install", "why", "effective\\-pom"] {
        assert!(
            stdout.contains(&format!("m2fresh\\-{sub}(1)")),
            "man page lacks {sub}"
        );
    }
}

/// "1 module", not "1 modules".
#[test]
fn one_module_is_singular() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>\
         <artifactId>only</artifactId><version>1</version></project>",
    )
    .expect("write");
    let repo = LocalRepo::empty();
    let (code, stdout, stderr) = run(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("1 module in "), "{stdout}");
    let (_, stdout, _) = run(m2fresh_in(dir.path(), &repo).arg("check"));
    assert!(
        stdout.contains("\n1 module: 0 fresh, 1 missing"),
        "{stdout}"
    );
}

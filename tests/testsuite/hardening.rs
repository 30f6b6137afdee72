//! Hardening: m2fresh runs in CI on pull requests, so its input is untrusted, and it
//! writes into the user's local repository, so it must never leave it worse than it found
//! it. Each case asserts the exact behaviour: a clear message naming the file and line
//! (or the path), the exit code, no panic, and no hang — every run has a deadline.
//!
//! The small hostile inputs are committed under `fixtures/bad/` (one line each in its
//! README); the big ones (a 50 MB POM, 100,000 nested elements, 10,000 modules) and the
//! ones git cannot hold (FIFOs, dangling symlinks, names that are not UTF-8) are made by
//! the tests.

use crate::common::{self, LocalRepo, Project};
use crate::m2fresh_in;
use serde_json::Value;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longer than any case takes on a loaded machine (debug build, Maven tests running in
/// parallel); a run that needs longer is a hang.
const DEADLINE: Duration = Duration::from_secs(30);

/// For the generated inputs of ten thousand modules or sixty thousand findings: an order
/// of magnitude above what a debug build needs on a loaded two-core machine, far below
/// what a quadratic step would take.
const BIG_DEADLINE: Duration = Duration::from_secs(120);

/// What a run printed and how it ended.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs `cmd` and fails the test when it does not finish within `limit`, or panics, or
/// dies from a signal.
fn bounded_within(cmd: &mut assert_cmd::Command, limit: Duration) -> Run {
    let started = Instant::now();
    let out = cmd
        .timeout(limit)
        .output()
        .unwrap_or_else(|e| panic!("cannot run m2fresh: {e}"));
    let elapsed = started.elapsed();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        elapsed < limit && out.status.code().is_some(),
        "m2fresh did not finish within {limit:?} ({}):\n{}",
        out.status,
        run.text()
    );
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "m2fresh panicked:\n{}",
        run.stderr
    );
    run
}

fn bounded(cmd: &mut assert_cmd::Command) -> Run {
    bounded_within(cmd, DEADLINE)
}

/// Exit code `code`, each of `present` in the output, none of `absent`.
fn assert_run(run: &Run, code: i32, present: &[&str], absent: &[&str]) {
    let text = run.text();
    assert_eq!(run.code, code, "exit code; output:\n{text}");
    for p in present {
        assert!(text.contains(p), "expected `{p}` in:\n{text}");
    }
    for a in absent {
        assert!(!text.contains(a), "did not expect `{a}` in:\n{text}");
    }
}

fn write(path: &Path, content: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
    }
    fs::write(path, content).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

fn pom(artifact_id: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project>\n  <modelVersion>4.0.0</modelVersion>\n  \
         <groupId>bad</groupId>\n  <artifactId>{artifact_id}</artifactId>\n  <version>1.0</version>\n{body}</project>\n"
    )
}

// ---------------------------------------------------------------------------------------
// The committed corpus: fixtures/bad/<case>.

/// One case of `fixtures/bad`: `m2fresh graph` on it, what it must print and must not.
struct Case {
    name: &'static str,
    /// The workspace root inside the case directory.
    root: &'static str,
    code: i32,
    present: &'static [&'static str],
    absent: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "prolog",
        root: ".",
        code: 2,
        present: &["[pom.xml:1:1]", "XML declaration not closed"],
        absent: &[],
    },
    Case {
        name: "late-declaration",
        root: ".",
        code: 2,
        present: &["[pom.xml:2:1]", "must be the very first thing in the file"],
        absent: &[],
    },
    Case {
        name: "root-tag",
        root: ".",
        code: 2,
        present: &["[pom.xml:2:1]", "malformed attribute"],
        absent: &[],
    },
    // Shell syntax in coordinates and image properties: a POM like any other to `graph`
    // (`no_text_from_a_pom_or_a_file_name_reaches_a_shell` takes it through `image`).
    Case {
        name: "hostile-image",
        root: ".",
        code: 0,
        present: &["bad:x$(touch PWNED)`touch PWNED`;touch PWNED:1.0'; touch PWNED; echo ' [jar]"],
        absent: &["×"],
    },
    Case {
        name: "in-dependencies",
        root: ".",
        code: 2,
        present: &[
            "[pom.xml:9:21]",
            "expected `</groupId>`, but `</grou>` was found",
        ],
        absent: &[],
    },
    Case {
        name: "unclosed",
        root: ".",
        code: 2,
        present: &["[pom.xml:8:5]", "<dependency> is never closed"],
        absent: &[],
    },
    Case {
        name: "mismatched",
        root: ".",
        code: 2,
        present: &[
            "[pom.xml:9:1]",
            "expected `</build>`, but `</project>` was found",
        ],
        absent: &[],
    },
    Case {
        name: "bad-attribute",
        root: ".",
        code: 2,
        present: &["[pom.xml:8:5]", "attribute value not closed"],
        absent: &[],
    },
    Case {
        name: "empty",
        root: ".",
        code: 2,
        present: &["[pom.xml:1:1]", "the file has no root element"],
        absent: &[],
    },
    // Maven reads a POM with a UTF-8 byte-order mark, and so does m2fresh.
    Case {
        name: "byte-order-mark",
        root: ".",
        code: 0,
        present: &["bad:byte-order-mark:1.0 [jar]"],
        absent: &["×"],
    },
    // Found by the fuzzer: a second mark shifted every span and panicked.
    Case {
        name: "double-byte-order-mark",
        root: ".",
        code: 2,
        present: &[
            "[pom.xml:1:1]",
            "a byte-order mark (U+FEFF) before the root element",
        ],
        absent: &[],
    },
    Case {
        name: "latin1",
        root: ".",
        code: 0,
        present: &["bad:latin1:1.0-caf\u{e9} [jar]"],
        absent: &["×"],
    },
    Case {
        name: "invalid-utf8",
        root: ".",
        code: 0,
        present: &[
            "the file is not valid UTF-8 (byte 170, line 7)",
            "like Maven, m2fresh reads such bytes as U+FFFD",
        ],
        absent: &[],
    },
    Case {
        name: "billion-laughs",
        root: ".",
        code: 2,
        present: &["[pom.xml:19:9]", "never expands entities a DTD declares"],
        absent: &["lollol"],
    },
    Case {
        name: "external-entity",
        root: ".",
        code: 2,
        present: &["[pom.xml:10:9]", "never expands entities a DTD declares"],
        absent: &["root:x:0"],
    },
    Case {
        name: "recursive-properties",
        root: ".",
        code: 2,
        present: &[
            "[pom.xml:6:12]",
            "recursive expression cycle in 'a': [a, b, a]",
        ],
        absent: &[],
    },
    Case {
        name: "property-laughs",
        root: ".",
        code: 2,
        present: &[
            "m2fresh::maven::model::expansion-too-large",
            "expanding `${l7}` makes the model of pom.xml larger than 32 MiB",
            "[pom.xml:7:9]",
        ],
        absent: &[],
    },
    Case {
        name: "parent-cycle",
        root: ".",
        code: 2,
        present: &[
            "the parents form a cycle: a/pom.xml -> b/pom.xml -> a/pom.xml",
            "[a/pom.xml:4:3]",
            "[b/pom.xml:4:3]",
        ],
        absent: &[],
    },
    Case {
        name: "self-parent",
        root: ".",
        code: 2,
        present: &[
            "the parents form a cycle: pom.xml -> pom.xml",
            "[pom.xml:4:3]",
        ],
        absent: &[],
    },
    Case {
        name: "missing-parent",
        root: ".",
        code: 2,
        present: &["Non-resolvable parent POM bad:gone:1.0", "[pom.xml:4:3]"],
        absent: &[],
    },
    // A parent that cannot be found but is not needed for the coordinates: a warning
    // naming the line, and the graph, as m2fresh documents.
    Case {
        name: "unresolved-parent",
        root: ".",
        code: 0,
        present: &[
            "bad:unresolved-parent:1.0 [jar]",
            "the parent bad:gone:1.0 of pom.xml is neither at its relativePath nor in the local repository",
            "[pom.xml:4:3]",
        ],
        absent: &[],
    },
    Case {
        name: "module-cycle",
        root: ".",
        code: 2,
        present: &["forms aggregation cycle", "[sub/pom.xml:9:13]"],
        absent: &[],
    },
    Case {
        name: "module-self",
        root: ".",
        code: 2,
        present: &["forms aggregation cycle", "[pom.xml:9:13]"],
        absent: &[],
    },
    Case {
        name: "missing-module",
        root: ".",
        code: 2,
        present: &[
            "missing-module/gone of",
            "does not exist",
            "[pom.xml:10:13]",
        ],
        absent: &[],
    },
    // Maven allows modules outside the aggregator's directory, and so does m2fresh.
    Case {
        name: "module-outside",
        root: "root",
        code: 0,
        present: &["bad:sibling:1.0 [jar]  ../sibling/pom.xml"],
        absent: &["×"],
    },
    // A <module> naming a file anywhere: read, refused, and never quoted.
    Case {
        name: "module-file-outside",
        root: ".",
        code: 2,
        present: &["/etc/passwd:1:1 is not a POM", "does not show its content"],
        absent: &["root:", "nologin", "/bin/"],
    },
    // A "regular file" of size 0 whose read blocks forever (for root): never read.
    Case {
        name: "module-proc-file",
        root: ".",
        code: 2,
        present: &["/proc/kmsg"],
        absent: &[],
    },
    Case {
        name: "parent-file-outside",
        root: ".",
        code: 2,
        present: &[
            "/proc/self/environ:1:1 is not a POM",
            "does not show its content",
        ],
        absent: &[SECRET],
    },
];

/// Put into m2fresh's environment, so `/proc/self/environ` holds it.
const SECRET: &str = "m2fresh-canary-5ac1d3e";

#[test]
fn every_committed_bad_case_fails_or_works_exactly_as_documented() {
    let readme = fs::read_to_string(common::fixtures_dir().join("bad/README.md"))
        .expect("fixtures/bad/README.md");
    let dirs: Vec<String> = fs::read_dir(common::fixtures_dir().join("bad"))
        .expect("fixtures/bad")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for dir in &dirs {
        assert!(
            CASES.iter().any(|c| c.name == dir),
            "fixtures/bad/{dir} has no case in this test"
        );
    }
    let repo = LocalRepo::empty();
    for case in CASES {
        assert!(
            readme.contains(&format!("`{}`", case.name)),
            "fixtures/bad/README.md describes `{}`",
            case.name
        );
        let project = Project::copy_fixture(&format!("bad/{}", case.name));
        let run = bounded(
            m2fresh_in(&project.path(case.root), &repo)
                .env("M2FRESH_CANARY", SECRET)
                .env("CANARY", SECRET)
                .arg("graph"),
        );
        let text = run.text();
        assert_eq!(run.code, case.code, "case {}:\n{text}", case.name);
        for p in case.present {
            assert!(
                text.contains(p),
                "case {}: expected `{p}` in:\n{text}",
                case.name
            );
        }
        for a in case.absent {
            assert!(
                !text.contains(a),
                "case {}: did not expect `{a}` in:\n{text}",
                case.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Big inputs, generated.

/// A POM of 50 MB is refused at once, without reading it all; one just under the limit
/// (7 MB, 60,000 dependencies of which none has a version, so 60,000 findings) is read,
/// and its findings are summed up rather than each printed with the file.
#[test]
fn a_huge_pom_is_refused_and_a_large_one_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    let mut text = String::from(
        "<project><groupId>g</groupId><artifactId>big</artifactId><version>1</version>\n<dependencies>\n",
    );
    let mut n = 0;
    while text.len() < 50 << 20 {
        text.push_str(&format!(
            "<dependency><groupId>x{n}</groupId><artifactId>y</artifactId><version>1</version></dependency>\n"
        ));
        n += 1;
    }
    text.push_str("</dependencies></project>\n");
    write(&dir.path().join("huge/pom.xml"), &text);
    let run = bounded(m2fresh_in(&dir.path().join("huge"), &repo).arg("graph"));
    assert_run(
        &run,
        2,
        &[
            "huge/pom.xml is larger than 8 MiB",
            "m2fresh::maven::pom::too-large",
        ],
        &[],
    );

    let mut text = String::from(
        "<project><groupId>g</groupId><artifactId>large</artifactId><version>1</version>\n<dependencies>\n",
    );
    for n in 0..60_000 {
        text.push_str(&format!(
            "<dependency><groupId>x{n}</groupId><artifactId>y</artifactId></dependency>\n"
        ));
    }
    text.push_str("</dependencies></project>\n");
    assert!(text.len() > 4 << 20, "{}", text.len());
    write(&dir.path().join("large/pom.xml"), &text);
    let run = bounded_within(
        m2fresh_in(&dir.path().join("large"), &repo).arg("graph"),
        BIG_DEADLINE,
    );
    assert_run(
        &run,
        0,
        &[
            "g:large:1 [jar]",
            "the dependency x0:y has no version",
            "... and 59980 more warnings",
        ],
        &["x59999:y"],
    );
    assert!(run.stderr.len() < 100_000, "{} bytes", run.stderr.len());
}

/// Issue 11: a linear chain of 30,000 properties (`p0` = `${p1}`, ...) in the version, a
/// dependency and a profile's file activation used to overflow the stack (exit 134). It
/// resolves as Maven resolves it; the same chain closed into a cycle is the cycle error.
#[test]
fn a_chain_of_thirty_thousand_properties_does_not_crash() {
    const N: usize = 30_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    let chain = |last: &str, profile: &str| {
        let mut props = String::new();
        for i in 0..N {
            props.push_str(&format!("<p{i}>${{p{}}}</p{i}>", i + 1));
        }
        props.push_str(&format!("<p{N}>{last}</p{N}>"));
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>g</groupId>\
             <artifactId>chain</artifactId><version>${{p0}}</version>\
             <properties>{props}</properties>\
             <dependencies><dependency><groupId>x</groupId><artifactId>y</artifactId>\
             <version>${{p0}}</version></dependency></dependencies>\
             {profile}</project>\n"
        )
    };
    let profile = "<profiles><profile><id>f</id><activation><file><exists>${p0}</exists>\
                   </file></activation></profile></profiles>";
    write(&dir.path().join("ws/pom.xml"), chain("1.0-end", profile));
    let run = bounded(m2fresh_in(&dir.path().join("ws"), &repo).arg("graph"));
    assert_run(&run, 0, &["g:chain:1.0-end [jar]"], &["overflow"]);
    let run = bounded(m2fresh_in(&dir.path().join("ws"), &repo).arg("check"));
    assert_run(&run, 1, &["g:chain  missing"], &["overflow"]);

    write(&dir.path().join("ws/pom.xml"), chain("${p0}", ""));
    let run = bounded(m2fresh_in(&dir.path().join("ws"), &repo).arg("graph"));
    assert_run(&run, 2, &["p29999", "p0", "cycle"], &["overflow"]);
}

/// 100,000 nested elements: refused at depth 256 without exhausting the stack, and the
/// one-line file is named by line and column, not printed.
#[test]
fn elements_nested_a_hundred_thousand_deep_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    let text = format!(
        "<project>{}{}</project>",
        "<a>".repeat(100_000),
        "</a>".repeat(100_000)
    );
    write(&dir.path().join("pom.xml"), &text);
    let run = bounded(m2fresh_in(dir.path(), &repo).arg("graph"));
    assert_run(
        &run,
        2,
        &[
            "elements are nested deeper than 256 levels",
            "(at pom.xml:1:775)",
        ],
        &[],
    );
    assert!(
        run.stderr.len() < 2_000,
        "no megabyte line: {}",
        run.stderr.len()
    );
}

/// 10,000 modules under one aggregator, each depending on the previous one: read,
/// ordered and checked without a quadratic blow-up (the deadline catches one; how fast
/// is measured in benches/, not asserted here).
#[test]
fn ten_thousand_modules_work() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    const N: usize = 10_000;
    let modules: String = (0..N).map(|i| format!("<module>m/m{i}</module>")).collect();
    write(
        &dir.path().join("pom.xml"),
        format!(
            "<project><groupId>g</groupId><artifactId>root</artifactId><version>1</version>\
             <packaging>pom</packaging><modules>{modules}</modules></project>"
        ),
    );
    for i in 0..N {
        let dependency = if i == 0 {
            String::new()
        } else {
            format!(
                "<dependencies><dependency><groupId>g</groupId><artifactId>m{}</artifactId>\
                 <version>1</version></dependency></dependencies>",
                i - 1
            )
        };
        write(
            &dir.path().join(format!("m/m{i}/pom.xml")),
            format!(
                "<project><parent><groupId>g</groupId><artifactId>root</artifactId>\
                 <version>1</version><relativePath>../..</relativePath></parent>\
                 <artifactId>m{i}</artifactId>{dependency}</project>"
            ),
        );
    }
    let run = bounded_within(m2fresh_in(dir.path(), &repo).arg("order"), BIG_DEADLINE);
    assert_run(&run, 0, &[], &[]);
    let order: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(order.len(), N + 1);
    assert_eq!(order[0], "g:root:1 [pom]");
    assert_eq!(order[1], "g:m0:1 [jar]");
    assert_eq!(order[N], format!("g:m{}:1 [jar]", N - 1));

    let run = bounded_within(
        m2fresh_in(dir.path(), &repo)
            .arg("check")
            .arg("--format")
            .arg("json"),
        BIG_DEADLINE,
    );
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    crate::validated("check", &report);
    assert_eq!(run.code, 1, "missing modules: {}", run.stderr);
    assert_eq!(report["summary"]["total"], N + 1);
    assert_eq!(report["summary"]["missing"], N + 1);
}

// ---------------------------------------------------------------------------------------
// Broken source trees.

/// A module `g:a` with one Java source, in `dir`.
fn module_with_sources(dir: &Path) {
    write(&dir.join("pom.xml"), pom("a", ""));
    write(
        &dir.join("src/main/java/p/A.java"),
        "package p;\npublic class A {}\n",
    );
    fs::create_dir_all(dir.join("src/main/resources")).expect("mkdir");
}

/// `m2fresh ARGS` as a user whom permission bits stop: this user, or — when the tests run
/// as root (as CI does), whom no permission stops — `nobody`, through `setpriv`. A
/// permission test then tests something as root too instead of passing silently. Its
/// home is a fresh directory it may write.
fn unprivileged_m2fresh(args: &[&std::ffi::OsStr]) -> Run {
    let home = tempfile::tempdir().expect("home");
    fs::set_permissions(home.path(), fs::Permissions::from_mode(0o777)).expect("chmod home");
    let mut cmd = if rustix::process::geteuid().is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "--",
            env!("CARGO_BIN_EXE_m2fresh"),
        ]);
        cmd
    } else {
        Command::new(env!("CARGO_BIN_EXE_m2fresh"))
    };
    cmd.env("HOME", home.path()).env("MAVEN_SKIP_RC", "true");
    for name in common::MAVEN_ENV
        .iter()
        .chain(&["XDG_CACHE_HOME", "XDG_CONFIG_HOME"])
    {
        cmd.env_remove(name);
    }
    cmd.args(args);
    let run = bounded(&mut assert_cmd::Command::from_std(cmd));
    assert!(
        !run.stderr.contains("setpriv:"),
        "setpriv could not switch to nobody:\n{}",
        run.stderr
    );
    run
}

/// Makes `dirs` and every directory above them readable and searchable by everyone (a
/// temporary directory is private to its creator), so that [`unprivileged_m2fresh`] can
/// reach what a test made for it.
fn open_to_everyone(dirs: &[&Path]) {
    for dir in dirs {
        for d in dir.ancestors() {
            let Ok(meta) = fs::metadata(d) else { continue };
            let mode = meta.permissions().mode();
            if mode & 0o005 != 0o005 {
                fs::set_permissions(d, fs::Permissions::from_mode(mode | 0o055))
                    .unwrap_or_else(|e| panic!("chmod {}: {e}", d.display()));
            }
        }
        for entry in walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(|e| e.ok())
        {
            let mode = entry
                .metadata()
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            if mode & 0o777 != 0 {
                let _ = fs::set_permissions(entry.path(), fs::Permissions::from_mode(mode | 0o055));
            }
        }
    }
}

fn check_module(dir: &Path) -> Run {
    let repo = LocalRepo::empty();
    bounded(m2fresh_in(dir, &repo).arg("check"))
}

#[test]
fn a_symlink_loop_in_the_sources_names_the_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    module_with_sources(dir.path());
    let link = dir.path().join("src/main/java/p/loop");
    std::os::unix::fs::symlink("..", &link).expect("symlink");
    let run = check_module(dir.path());
    assert_run(
        &run,
        2,
        &[
            &format!("symlink loop: {} leads back to", link.display()),
            "remove or exclude the symlink",
        ],
        &[],
    );
}

/// What cannot be read: a dangling symlink and a FIFO (opening it would wait forever for
/// a writer), and a `chmod 000` directory (as an unprivileged user when the tests run as
/// root, see [`unprivileged_m2fresh`]).
#[test]
fn unreadable_entries_in_the_sources_name_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    module_with_sources(dir.path());
    let dangling = dir.path().join("src/main/resources/gone.txt");
    std::os::unix::fs::symlink("/nonexistent/m2fresh/target", &dangling).expect("symlink");
    let run = check_module(dir.path());
    assert_run(
        &run,
        2,
        &[
            &format!("cannot walk {}", dangling.display()),
            "No such file or directory",
        ],
        &[],
    );
    fs::remove_file(&dangling).expect("rm");

    let fifo = dir.path().join("src/main/resources/pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let run = check_module(dir.path());
    assert_run(
        &run,
        2,
        &[&format!("{} is not a regular file", fifo.display())],
        &[],
    );
    fs::remove_file(&fifo).expect("rm");

    let locked = dir.path().join("src/main/resources/locked");
    fs::create_dir_all(&locked).expect("mkdir");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).expect("chmod");
    let repo = LocalRepo::empty();
    open_to_everyone(&[dir.path(), repo.path()]);
    let run = unprivileged_m2fresh(&[
        "-w".as_ref(),
        dir.path().as_os_str(),
        "--local-repo".as_ref(),
        repo.path().as_os_str(),
        "check".as_ref(),
    ]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert_run(
        &run,
        2,
        &[
            &format!("cannot walk {}", locked.display()),
            "Permission denied",
        ],
        &[],
    );
}

/// A resource the POM places in `/proc`: files there claim size 0 and then produce
/// content (`self/environ`) or block forever (`kmsg`, for root). They are hashed as what
/// their size says, empty, and never read.
#[test]
fn special_files_named_by_a_pom_are_never_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        &dir.path().join("pom.xml"),
        pom(
            "proc",
            "  <build>\n    <resources>\n      <resource>\n        <directory>/proc</directory>\n        \
             <includes><include>kmsg</include></includes>\n      \
             </resource>\n    </resources>\n  </build>\n",
        ),
    );
    let run = check_module(dir.path());
    assert_run(&run, 1, &["bad:proc  missing"], &[]);
}

/// A name that is not UTF-8 would hash differently elsewhere (in a source tree), or reach
/// Maven mangled (a module directory): both are refused with the path.
#[test]
fn names_that_are_not_utf8_are_refused_with_the_path() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    module_with_sources(dir.path());
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    write(&dir.path().join("src/main/resources").join(name), "x");
    let run = check_module(dir.path());
    assert_run(
        &run,
        2,
        &[
            "file name is not valid UTF-8",
            "src/main/resources/caf\u{fffd}.txt",
            "rename the file",
        ],
        &[],
    );

    // A module directory named so: its graph is shown, but it is neither checked (its
    // source roots would name no file: "zero files") nor handed to Maven.
    let ws = tempfile::tempdir().expect("temp dir");
    let module = ws.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    write(&module.join("pom.xml"), pom("latin", ""));
    write(&module.join("src/main/java/A.java"), "class A {}\n");
    let repo = LocalRepo::empty();
    let run = bounded(m2fresh_in(ws.path(), &repo).arg("graph"));
    assert_run(&run, 0, &["bad:latin:1.0 [jar]"], &[]);
    for args in [&["check"][..], &["install", "--mvn", "/bin/true"]] {
        let run = bounded(m2fresh_in(ws.path(), &repo).args(args));
        assert_run(
            &run,
            2,
            &[
                "the directory of bad:latin is not valid UTF-8",
                "caf\u{fffd}",
            ],
            &["installed", "missing"],
        );
    }
}

// ---------------------------------------------------------------------------------------
// A broken local repository.

/// A jar that is not a zip, or is cut short, is evidence (`broken-artifact`), not a crash;
/// stamps, the tag ledger and the install lock that are FIFOs are errors, not hangs.
#[test]
fn broken_files_in_the_local_repository_are_evidence_or_errors() {
    let ws = tempfile::tempdir().expect("temp dir");
    module_with_sources(ws.path());
    write(&ws.path().join("Dockerfile"), "FROM scratch\n");
    let repo = LocalRepo::empty();
    let jar = repo.artifact("bad", "a", "1.0", "jar");
    write(
        &repo.artifact("bad", "a", "1.0", "pom"),
        fs::read(ws.path().join("pom.xml")).expect("pom"),
    );
    let check = || {
        let run = bounded(
            m2fresh_in(ws.path(), &repo)
                .arg("check")
                .arg("--format")
                .arg("json"),
        );
        let report: Value =
            serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.text()));
        crate::validated("check", &report);
        (run, report)
    };

    write(&jar, "this is not a zip\n");
    let (run, report) = check();
    assert_eq!(run.code, 1, "{}", run.text());
    let module = &report["modules"][0];
    assert_eq!(module["status"], "stale", "{report}");
    assert_eq!(module["evidence"][0]["kind"], "broken-artifact", "{report}");
    let detail = module["evidence"][0]["detail"].as_str().unwrap_or("");
    assert!(detail.contains("is not a readable jar"), "{detail}");

    // A real jar, cut in the middle.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("p/A.class", zip::write::SimpleFileOptions::default())
        .expect("entry");
    zip.write_all(&[0xCA; 4096]).expect("write");
    let bytes = zip.finish().expect("zip").into_inner();
    write(&jar, &bytes[..bytes.len() / 2]);
    let (run, report) = check();
    assert_eq!(run.code, 1, "{}", run.text());
    assert_eq!(
        report["modules"][0]["evidence"][0]["kind"],
        "broken-artifact"
    );

    // A stamp that is a FIFO: reported, never opened.
    fs::remove_file(&jar).expect("rm");
    write(&jar, &bytes);
    let stamp = repo.artifact("bad", "a", "1.0", "m2fresh.json");
    assert!(
        Command::new("mkfifo")
            .arg(&stamp)
            .status()
            .expect("mkfifo")
            .success()
    );
    let (run, report) = check();
    assert_eq!(run.code, 1, "{}", run.text());
    let kinds: Vec<&str> = report["modules"][0]["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"stamp-unreadable"), "{report}");

    // The tag ledger and the install lock.
    let ledger = repo.path().join(".m2fresh/image-tags.json");
    fs::create_dir_all(ledger.parent().expect("dir")).expect("mkdir");
    assert!(
        Command::new("mkfifo")
            .arg(&ledger)
            .status()
            .expect("mkfifo")
            .success()
    );
    let run = bounded(
        m2fresh_in(ws.path(), &repo)
            .arg("image")
            .arg("a")
            .arg("--engine")
            .arg("docker"),
    );
    assert_run(
        &run,
        2,
        &[
            &format!("{}: cannot read the image tag ledger", ledger.display()),
            "not a regular file",
        ],
        &[],
    );
    let lock = repo.path().join(".m2fresh/install.lock");
    assert!(
        Command::new("mkfifo")
            .arg(&lock)
            .status()
            .expect("mkfifo")
            .success()
    );
    let run = bounded(
        m2fresh_in(ws.path(), &repo)
            .arg("install")
            .arg("--mvn")
            .arg("/bin/false"),
    );
    assert_run(
        &run,
        2,
        &[
            &format!("cannot open {}", lock.display()),
            "not a regular file",
        ],
        &[],
    );
}

// ---------------------------------------------------------------------------------------
// Faults during `install`. After each: no stamp without the artifact it describes, no
// partial stamp or temporary file, a clear message, the right exit code, and a rerun that
// completes.

/// Every stamp in the repository describes files that are there, byte for byte, and
/// nothing m2fresh writes is left half-done.
fn assert_repository_consistent(repo: &LocalRepo) {
    for entry in walkdir::WalkDir::new(repo.path()) {
        let entry = entry.unwrap_or_else(|e| panic!("walk {}: {e}", repo.path().display()));
        let name = entry.file_name().to_string_lossy();
        assert!(
            !(name.starts_with('.') && name.ends_with(".tmp")),
            "a temporary file of an interrupted write: {}",
            entry.path().display()
        );
        if !name.ends_with(".m2fresh.json") {
            continue;
        }
        let stamp: Value = serde_json::from_slice(&fs::read(entry.path()).expect("read stamp"))
            .unwrap_or_else(|e| panic!("partial stamp {}: {e}", entry.path().display()));
        crate::validated("stamp", &stamp);
        let dir = entry.path().parent().expect("artifact directory");
        let gav = &stamp["gav"];
        let pom = dir.join(format!(
            "{}-{}.pom",
            gav["artifact_id"].as_str().expect("artifactId"),
            gav["version"].as_str().expect("version")
        ));
        let hash = |path: &Path| {
            let bytes = fs::read(path).unwrap_or_else(|e| {
                panic!(
                    "the stamp {} describes {}, which is not there: {e}",
                    entry.path().display(),
                    path.display()
                )
            });
            blake3::hash(&bytes).to_hex().to_string()
        };
        assert_eq!(
            stamp["pom_blake3"],
            hash(&pom),
            "{}",
            entry.path().display()
        );
        if let Some(artifact) = stamp["artifact"].as_object() {
            let file = dir.join(artifact["file"].as_str().expect("file"));
            assert_eq!(
                artifact["blake3"],
                hash(&file),
                "{}",
                entry.path().display()
            );
        }
    }
}

/// A missing Maven is a usage error (exit 2) before anything runs or is removed: a typo
/// in `--mvn`, no `mvn` on PATH, a `mvnw` that is not executable.
#[test]
fn maven_that_cannot_run_is_a_usage_error_before_anything_happens() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let install = |configure: &dyn Fn(&mut assert_cmd::Command)| {
        let mut cmd = m2fresh_in(&project.root, &repo);
        cmd.arg("install").arg("xc-service-api");
        configure(&mut cmd);
        bounded(&mut cmd)
    };
    let run = install(&|c| {
        c.arg("--mvn").arg("/nonexistent/mvn");
    });
    assert_run(
        &run,
        2,
        &[
            "--mvn /nonexistent/mvn: no such program",
            "give the path of Maven's `mvn` launcher",
        ],
        &["installing", "FAILED"],
    );
    let empty_path = tempfile::tempdir().expect("temp dir");
    let run = install(&|c| {
        c.env("PATH", empty_path.path());
    });
    assert_run(
        &run,
        2,
        &[
            "Maven is not on PATH and the workspace has no mvnw",
            "pass --mvn PATH",
        ],
        &["installing", "FAILED"],
    );
    let wrapper = project.path("mvnw");
    write(&wrapper, "#!/bin/sh\nexit 0\n");
    let run = install(&|_| {});
    assert_run(
        &run,
        2,
        &[
            &format!("{} is not executable", wrapper.display()),
            "chmod +x",
        ],
        &["installing", "FAILED"],
    );
    fs::remove_file(&wrapper).expect("rm");
    // Nothing was installed, and nothing m2fresh writes is half-done.
    assert!(!repo.path().join("com").exists());
    assert_repository_consistent(&repo);
}

/// Coordinates that are not paths of the local repository (shell syntax, `/`) are never
/// handed to Maven nor stamped: `install` refuses them before anything runs.
#[test]
fn hostile_coordinates_are_never_installed() {
    let project = Project::copy_fixture("bad/hostile-image");
    let repo = LocalRepo::empty();
    let run = bounded(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("--mvn")
            .arg("/bin/true"),
    );
    assert_run(
        &run,
        2,
        &[
            "cannot be installed: the artifactId `x$(touch PWNED)`touch PWNED`;touch PWNED` is not made of letters",
            "hostile-image/pom.xml; Maven refuses them too",
        ],
        &["installing"],
    );
    let left: Vec<_> = walkdir::WalkDir::new(repo.path())
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file() && !e.path().starts_with(repo.path().join(".m2fresh")))
        .map(|e| e.path().display().to_string())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Issue 11: no input controls the terminal. Escape sequences and newlines in a POM's
/// coordinates (an OSC that retitles the window, a screen clear, a forged output line)
/// and in a source file's name are shown escaped by every text renderer, and by the
/// diagnostics that quote them.
#[test]
fn text_from_input_never_controls_the_terminal() {
    let ws = tempfile::tempdir().expect("temp dir");
    let repo = LocalRepo::empty();
    write(
        &ws.path().join("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>bad</groupId>\
         <artifactId>a\u{1b}]0;owned\u{7}\u{1b}[2J</artifactId>\
         <version>1.0&#10;[INFO] BUILD SUCCESS</version>\
         <dependencies><dependency><groupId>x\u{1b}[1A</groupId><artifactId>y</artifactId>\
         </dependency></dependencies></project>\n",
    );
    write(
        &ws.path().join("src/main/java/p/A.java"),
        "package p; class A {}\n",
    );
    write(&ws.path().join("src/main/resources/r\u{1b}[31m.txt"), "x\n");
    let runs = [
        vec!["graph"],
        vec!["order"],
        vec!["check"],
        vec!["plan"],
        vec!["why", "bad:a\u{1b}]0;owned\u{7}\u{1b}[2J"],
        vec!["graph", "nothing-is-called-so\u{1b}[2J"],
    ];
    for args in runs {
        let run = bounded(m2fresh_in(ws.path(), &repo).args(&args));
        let text = run.text();
        assert!(
            !text.contains('\u{1b}'),
            "{args:?}: a raw escape in:\n{text:?}"
        );
        assert!(
            !text.contains('\u{7}'),
            "{args:?}: a raw bell in:\n{text:?}"
        );
        assert!(
            !text.lines().any(|l| l.starts_with("[INFO] BUILD SUCCESS")),
            "{args:?}: a forged line in:\n{text}"
        );
        assert!(
            text.contains("\\u{1b}"),
            "{args:?}: the escape shown escaped:\n{text}"
        );
    }
}

/// Issue 11: an artifact directory this user may not read is a permission error naming
/// the path (exit 2), not `missing` — the artifact may well be there.
#[test]
fn a_local_repository_that_cannot_be_read_is_an_error_not_missing() {
    let ws = tempfile::tempdir().expect("temp dir");
    module_with_sources(ws.path());
    let repo = LocalRepo::empty();
    let jar = repo.artifact("bad", "a", "1.0", "jar");
    write(&jar, "not read\n");
    write(&repo.artifact("bad", "a", "1.0", "pom"), pom("a", ""));
    open_to_everyone(&[ws.path(), repo.path()]);
    let group = repo.path().join("bad");
    fs::set_permissions(&group, fs::Permissions::from_mode(0o700)).expect("chmod");
    let run = unprivileged_m2fresh(&[
        "-w".as_ref(),
        ws.path().as_os_str(),
        "--local-repo".as_ref(),
        repo.path().as_os_str(),
        "check".as_ref(),
    ]);
    fs::set_permissions(&group, fs::Permissions::from_mode(0o755)).expect("chmod back");
    assert_run(
        &run,
        2,
        &[&jar.display().to_string(), "Permission denied"],
        &["missing"],
    );
}

/// Issue 11: `-s FILE` that does not exist is an error naming it (exit 2), as in Maven —
/// also when `--local-repo` says where the repository is.
#[test]
fn a_settings_file_that_does_not_exist_is_an_error() {
    let ws = tempfile::tempdir().expect("temp dir");
    module_with_sources(ws.path());
    let repo = LocalRepo::empty();
    let missing = ws.path().join("no-such-settings.xml");
    for command in ["check", "graph"] {
        let run = bounded(
            common::m2fresh()
                .arg("-w")
                .arg(ws.path())
                .arg("--local-repo")
                .arg(repo.path())
                .arg("-s")
                .arg(&missing)
                .arg(command),
        );
        assert_run(
            &run,
            2,
            &[
                "the specified user settings file does not exist",
                &missing.display().to_string(),
            ],
            &["bad:a"],
        );
    }
}

/// Issue 11: a workspace whose path is not UTF-8 is an error naming it, not a module
/// with "zero files" (its source roots, made of text, would name no file).
#[test]
fn a_workspace_path_that_is_not_utf8_is_an_error() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let ws = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9"));
    module_with_sources(&ws);
    let repo = LocalRepo::empty();
    for command in ["check", "graph"] {
        let run = bounded(m2fresh_in(&ws, &repo).arg(command));
        assert_run(
            &run,
            2,
            &["is not valid UTF-8", "caf\u{fffd}", "rename"],
            &["bad:a"],
        );
    }
}

/// A local repository that cannot be written: under a regular file, m2fresh cannot even
/// take its lock (exit 2, the path); when only the artifact directories are blocked,
/// Maven fails (exit 1, no stamp), and once the way is clear a rerun completes.
#[test]
fn a_local_repository_that_cannot_be_written() {
    common::require_mvn();
    let project = Project::copy_fixture("xuecheng");
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let under_a_file = file.path().join("repository");
    let run = bounded(
        common::m2fresh()
            .arg("-w")
            .arg(&project.root)
            .arg("--local-repo")
            .arg(&under_a_file)
            .arg("install")
            .arg("xc-service-api")
            .arg("--offline"),
    );
    assert_run(
        &run,
        2,
        &[
            &format!("cannot create {}/.m2fresh", under_a_file.display()),
            "Not a directory",
        ],
        &["installing"],
    );

    let repo = LocalRepo::new();
    // Maven creates com/xuecheng/<artifactId>/...: a file there blocks every install.
    let blocker = repo.path().join("com/xuecheng");
    write(&blocker, "not a directory\n");
    let run = bounded_within(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-service-api")
            .arg("--offline")
            .arg("-j")
            .arg("1"),
        Duration::from_secs(180),
    );
    assert_run(
        &run,
        1,
        &[
            "com.xuecheng:xc-framework-parent failed",
            "Not a directory",
            "0 of 3 modules installed",
        ],
        &[],
    );
    assert_repository_consistent(&repo);
    fs::remove_file(&blocker).expect("rm");
    let run = bounded_within(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-service-api")
            .arg("--offline"),
        Duration::from_secs(180),
    );
    assert_run(&run, 0, &["3 of 3 modules installed"], &[]);
    assert_repository_consistent(&repo);
}

// ---------------------------------------------------------------------------------------
// Signals and concurrency: m2fresh as a process we can watch and signal.

/// `m2fresh -w DIR --local-repo REPO -s SETTINGS ARGS` as a process of its own, isolated
/// like the harness's commands, with stderr streamed line by line.
struct Watched {
    child: Child,
    lines: mpsc::Receiver<(Instant, String)>,
    seen: Vec<(Instant, String)>,
}

impl Watched {
    fn start(dir: &Path, repo: &LocalRepo, args: &[&str]) -> Watched {
        Watched::start_with_env(dir, repo, args, &[])
    }

    /// [`Watched::start`] with extra environment variables for m2fresh (and so for the
    /// Maven it starts).
    fn start_with_env(
        dir: &Path,
        repo: &LocalRepo,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Watched {
        let homes = common::target_tmpdir().join("homes");
        fs::create_dir_all(&homes).expect("homes");
        let home = tempfile::Builder::new()
            .prefix("home-")
            .tempdir_in(&homes)
            .expect("home")
            .keep();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_m2fresh"));
        // Install logs go to $XDG_CACHE_HOME/m2fresh/logs: keep them next to the project
        // so that the test can read them.
        let cache = dir.parent().unwrap_or(dir).join("cache");
        cmd.env("HOME", home)
            .env("XDG_CACHE_HOME", cache)
            .env("MAVEN_SKIP_RC", "true")
            .arg("-w")
            .arg(dir)
            .arg("--local-repo")
            .arg(repo.path())
            .arg("-s")
            .arg(repo.settings())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in common::MAVEN_ENV.iter().chain(&["XDG_CONFIG_HOME", "CI"]) {
            cmd.env_remove(name);
        }
        cmd.envs(env.iter().copied());
        let mut child = cmd.spawn().expect("spawn m2fresh");
        // Progress goes to stderr, the summary to stdout: both are watched, line by line.
        let (send, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let streams: [Box<dyn std::io::Read + Send>; 2] = [Box::new(stdout), Box::new(stderr)];
        for stream in streams {
            let send = send.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if send.send((Instant::now(), line)).is_err() {
                        break;
                    }
                }
            });
        }
        Watched {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a stderr line containing `needle`, and returns when it was printed.
    fn wait_for(&mut self, needle: &str, limit: Duration) -> Instant {
        let deadline = Instant::now() + limit;
        if let Some((at, _)) = self.seen.iter().find(|(_, l)| l.contains(needle)) {
            return *at;
        }
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) => {
                    let found = line.contains(needle);
                    self.seen.push((at, line));
                    if found {
                        return at;
                    }
                }
                Err(_) => {
                    let _ = self.child.kill();
                    panic!(
                        "no line with `{needle}` within {limit:?}; stderr so far:\n{}",
                        self.output()
                    );
                }
            }
        }
    }

    /// Sends `signal` (a `kill -s` name) to m2fresh.
    fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg("-s")
            .arg(signal)
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(sent.success(), "kill -s {signal}");
    }

    /// Waits for m2fresh to exit (failing the test after `limit`); returns its status and
    /// when it exited.
    fn finish(&mut self, limit: Duration) -> (ExitStatus, Instant) {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                let at = Instant::now();
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
                    self.seen.push(line);
                }
                return (status, at);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("m2fresh did not exit within {limit:?}:\n{}", self.output());
            }
            while let Ok(line) = self.lines.try_recv() {
                self.seen.push(line);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything it printed so far, stdout and stderr lines as they came.
    fn output(&self) -> String {
        self.seen
            .iter()
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Processes whose command line mentions `path` (Maven runs of one test's workspace).
fn processes_mentioning(path: &Path) -> Vec<String> {
    let needle = path.to_string_lossy().into_owned();
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").expect("/proc").flatten() {
        let pid = entry.file_name().to_string_lossy().into_owned();
        if !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(cmdline) = fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(&needle) {
            found.push(format!("{pid}: {cmdline}"));
        }
    }
    found
}

/// Waits until a Maven of the run is running on `repo` (its command line names the
/// local repository, `-Dmaven.repo.local`, in one reactor — whose POM may be m2fresh's,
/// outside the workspace — as in one Maven per module), failing the test after a minute:
/// a signal test that signals before Maven runs tests nothing.
fn wait_for_maven(repo: &Path, run: &Watched) {
    let started = Instant::now();
    // m2fresh's own command line names the local repository too.
    let m2fresh = format!("{}: ", run.child.id());
    while processes_mentioning(repo)
        .iter()
        .all(|p| p.starts_with(&m2fresh))
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Maven never ran on {}; m2fresh said:\n{}",
            repo.display(),
            run.output()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Issue 11 item 7: `kill -9` of m2fresh while Maven runs (it is seen running first)
/// leaves no Maven running, and until the last Maven of the run has exited nobody else
/// can take the install lock (so a second install cannot start next to it).
///
/// Maven's JVM is held at its start by a debug agent waiting for a debugger
/// (`MAVEN_OPTS=-agentlib:jdwp=...suspend=y`), so it would run until killed: nothing but
/// the parent-death signal ends it within the deadline.
#[test]
fn kill_9_of_m2fresh_leaves_no_maven_running() {
    common::require_mvn();
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let mut run = Watched::start_with_env(
        &project.root,
        &repo,
        &["install", "xc-service-portalview", "--offline", "-j", "1"],
        &[(
            "MAVEN_OPTS",
            "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=127.0.0.1:0",
        )],
    );
    // Not "installing ...": in one reactor that is Maven announcing the project, which
    // the held JVM never does.
    wait_for_maven(repo.path(), &run);
    run.signal("KILL");
    let lock = repo.path().join(".m2fresh/install.lock");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left = processes_mentioning(repo.path());
        if left.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "Maven processes outlived m2fresh: {left:#?}"
        );
        let file = fs::File::open(&lock).expect("the install lock");
        if file.try_lock().is_ok() && !processes_mentioning(repo.path()).is_empty() {
            panic!("the install lock was free while Maven of the killed run still ran");
        }
        drop(file);
        std::thread::sleep(Duration::from_millis(5));
    }
    let (status, _) = run.finish(Duration::from_secs(10));
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(9), "{status}");
    assert_repository_consistent(&repo);
}

/// SIGINT or SIGTERM while Maven installs the first module of the plan: m2fresh stops
/// Maven, exits non-zero, leaves no stamp without its artifact and no partial file, no
/// Maven process of the run survives it, and a rerun completes and ends fresh.
fn interrupted_install(signal: &str) {
    common::require_mvn();
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::new();
    let mut run = Watched::start(
        &project.root,
        &repo,
        &["install", "xc-service-portalview", "--offline", "-j", "1"],
    );
    run.wait_for(
        "installing com.xuecheng:xc-framework-parent",
        Duration::from_secs(60),
    );
    // Let Maven start for real, so that there is a process to stop.
    wait_for_maven(repo.path(), &run);
    run.signal(signal);
    let (status, _) = run.finish(Duration::from_secs(60));
    let stderr = run.output();
    assert!(
        !status.success(),
        "exit status after SIG{signal}: {status}\n{stderr}"
    );
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("not started"),
        "the modules after the interrupted one are reported: {stderr}"
    );
    let left = processes_mentioning(repo.path());
    assert!(left.is_empty(), "Maven processes left behind: {left:#?}");
    assert_repository_consistent(&repo);

    let rerun = bounded_within(
        m2fresh_in(&project.root, &repo)
            .arg("install")
            .arg("xc-service-portalview")
            .arg("--offline"),
        Duration::from_secs(300),
    );
    assert_eq!(rerun.code, 0, "{}", rerun.text());
    assert_repository_consistent(&repo);
    let check = bounded(
        m2fresh_in(&project.root, &repo)
            .arg("check")
            .arg("xc-service-portalview"),
    );
    assert_run(&check, 0, &["6 modules: 6 fresh"], &[]);
}

#[test]
fn sigint_in_the_middle_of_an_install() {
    interrupted_install("INT");
}

#[test]
fn sigterm_in_the_middle_of_an_install() {
    interrupted_install("TERM");
}

/// Two installs at once on one local repository, from two copies of the workspace (the
/// second with a change to the interface module): the second says it waits, starts only
/// after the first has exited, and both end well.
#[test]
fn two_installs_at_once_take_turns() {
    common::require_mvn();
    let first = Project::copy_fixture("xuecheng");
    let second = Project::copy_fixture("xuecheng");
    let api =
        second.path("xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java");
    let text = fs::read_to_string(&api).expect("read");
    write(&api, text.replace("\"/cms/page\"", "\"/api/cms/page\""));
    let repo = LocalRepo::new();
    let args = ["install", "xc-service-portalview", "--offline", "-j", "1"];

    let mut a = Watched::start(&first.root, &repo, &args);
    a.wait_for(
        "installing com.xuecheng:xc-framework-parent",
        Duration::from_secs(60),
    );
    let mut b = Watched::start(&second.root, &repo, &args);
    let waiting = b.wait_for(
        "waiting for another m2fresh install on this local repository",
        Duration::from_secs(60),
    );
    let (a_status, a_exit) = a.finish(Duration::from_secs(300));
    let (b_status, _) = b.finish(Duration::from_secs(300));
    assert!(a_status.success(), "{a_status}\n{}", a.output());
    assert!(b_status.success(), "{b_status}\n{}", b.output());
    assert!(
        waiting < a_exit,
        "the second run said it waits while the first ran"
    );
    assert!(
        b.output()
            .contains("installing com.xuecheng:xc-service-api"),
        "the second run installs the change:\n{}",
        b.output()
    );
    // No interleaving, from the Maven logs: every log of the first run was last written
    // before the second run created its first one.
    let logs = |project: &Project| -> Vec<fs::Metadata> {
        let cache = project.root.parent().unwrap_or(&project.root).join("cache");
        walkdir::WalkDir::new(cache)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".log"))
            .filter_map(|e| e.metadata().ok())
            .collect()
    };
    let first_done = logs(&first)
        .iter()
        .map(|m| m.modified().expect("mtime"))
        .max()
        .expect("the first run's logs");
    let second_logs = logs(&second);
    // One reactor log (api and the service in one Maven), or one per module.
    assert!(
        !second_logs.is_empty(),
        "the second run installed api and the service"
    );
    for log in &second_logs {
        match log.created() {
            Ok(created) => assert!(
                created >= first_done,
                "a log of the second run was created while the first run was still building"
            ),
            // No birth time on this filesystem: the last write must still come after.
            Err(_) => assert!(log.modified().expect("mtime") >= first_done),
        }
    }
    assert_repository_consistent(&repo);
    let check = bounded(
        m2fresh_in(&second.root, &repo)
            .arg("check")
            .arg("xc-service-portalview"),
    );
    assert_run(&check, 0, &["6 modules: 6 fresh"], &[]);
}

// ---------------------------------------------------------------------------------------
// No text from a POM or a file name reaches a shell.

/// A directory of fake programs (`mvn`, `docker`, `podman`, `buildah`, and `touch`, which
/// the hostile values call) that record each run, argument count first, NUL-separated,
/// into `$FAKE_LOG`.
fn fake_programs(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    for name in ["mvn", "docker", "podman", "buildah", "touch", "echo", "rm"] {
        let path = bin.join(name);
        write(
            &path,
            "#!/bin/sh\nprintf '%s\\0' \"$#\" \"${0##*/}\" \"$@\" >> \"$FAKE_LOG\"\n",
        );
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    bin
}

/// The runs the fakes recorded: program name (no directory), then the arguments.
fn recorded_runs(log: &Path) -> Vec<Vec<String>> {
    let bytes = fs::read(log).unwrap_or_default();
    let mut fields = bytes
        .split(|b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned());
    let mut runs = Vec::new();
    while let Some(count) = fields.next() {
        let Ok(count) = count.parse::<usize>() else {
            break;
        };
        let run: Vec<String> = fields.by_ref().take(count + 1).collect();
        runs.push(run);
    }
    runs
}

/// The words a shell sees in the line for `steps`: `cd DIR && argv… && …`.
fn expected_words(steps: &[Value]) -> Vec<String> {
    let mut words = Vec::new();
    let mut cwd: Option<&str> = None;
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            words.push("&&".to_owned());
        }
        let dir = step["cwd"].as_str().expect("cwd");
        if cwd != Some(dir) {
            words.extend(["cd".to_owned(), dir.to_owned(), "&&".to_owned()]);
            cwd = Some(dir);
        }
        words.extend(
            step["argv"]
                .as_array()
                .expect("argv")
                .iter()
                .map(|a| a.as_str().expect("word").to_owned()),
        );
    }
    words
}

/// `m2fresh image` with hostile input either refuses (exit 2, a message naming the POM)
/// or prints a line that `shlex` splits back into exactly the JSON's argv, and that a
/// real `sh` runs as exactly those commands and nothing else.
fn assert_image_is_safe(
    ws: &Path,
    repo: &Path,
    settings: &Path,
    target: &str,
    args: &[&str],
    bin: &Path,
) -> bool {
    let image = |format: &str| {
        bounded(
            common::m2fresh()
                .env("PATH", bin)
                .arg("-w")
                .arg(ws)
                .arg("--local-repo")
                .arg(repo)
                .arg("-s")
                .arg(settings)
                .arg("--format")
                .arg(format)
                .arg("image")
                .arg(target)
                .args(args)
                .arg("--allow-retag")
                .arg("--allow-stale")
                // The registry guard asks the (made-up) registries: a warning, not a refusal.
                .arg("--offline"),
        )
    };
    let json = image("json");
    if json.code != 0 {
        // A refusal: with --format json, one error document on stdout.
        assert_run(&json, 2, &["\"error\""], &["panicked"]);
        let doc: Value = serde_json::from_str(&json.stdout).expect("an error document");
        crate::validated("error", &doc);
        let error = doc["error"].to_string();
        assert!(
            error.contains("pom.xml") || error.contains("--name") || error.contains("--registry"),
            "the refusal names its source: {error}"
        );
        let text = image("text");
        assert_run(&text, 2, &["×"], &["panicked"]);
        return false;
    }
    let plan: Value = serde_json::from_str(&json.stdout).expect("JSON");
    crate::validated("image", &plan);
    let steps = plan["steps"].as_array().expect("steps");
    let text = image("text");
    assert_eq!(text.code, 0, "{}", text.text());
    let line = text.stdout.trim_end_matches('\n');
    assert_eq!(plan["command"], line);
    let words = shlex::split(line).unwrap_or_else(|| panic!("not shell-safe: {line}"));
    assert_eq!(words, expected_words(steps), "{line}");

    // And a real shell agrees: exactly the steps run, with exactly these arguments.
    let log = bin.parent().expect("dir").join("runs.log");
    let _ = fs::remove_file(&log);
    let sh = Command::new("/bin/sh")
        .arg("-c")
        .arg(line)
        .env_clear()
        .env("PATH", bin)
        .env("FAKE_LOG", &log)
        .output()
        .expect("sh");
    assert!(
        sh.status.success(),
        "sh -c {line}: {}",
        common::output_text(&sh)
    );
    let runs = recorded_runs(&log);
    let expected: Vec<Vec<String>> = steps
        .iter()
        .map(|step| {
            let argv: Vec<String> = step["argv"]
                .as_array()
                .expect("argv")
                .iter()
                .map(|a| a.as_str().expect("word").to_owned())
                .collect();
            let program = Path::new(&argv[0])
                .file_name()
                .expect("program")
                .to_string_lossy()
                .into_owned();
            std::iter::once(program)
                .chain(argv[1..].iter().cloned())
                .collect()
        })
        .collect();
    assert_eq!(runs, expected, "{line}");
    true
}

/// The hostile POM of `fixtures/bad/hostile-image` (shell syntax in its artifactId,
/// version and image properties), and hostile file names (the workspace, the module, the
/// local repository and the settings file), through every image route.
#[test]
fn no_text_from_a_pom_or_a_file_name_reaches_a_shell() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let bin = fake_programs(scratch.path());
    let hostile = "h 'q' \"d\" $(touch PWNED) `touch PWNED` ;&|<>*?~ #x \\ !$HOME\ttab\nline";
    let repo = scratch.path().join(format!("repo {hostile}"));
    let settings = scratch.path().join(format!("settings {hostile}.xml"));
    write(&settings, "<settings/>\n");
    fs::create_dir_all(&repo).expect("repo");

    // Hostile values in the POM: every combination is refused or safe.
    let project = Project::copy_fixture("bad/hostile-image");
    let target = project.root.to_string_lossy().into_owned();
    let routes: &[&[&str]] = &[
        &["--engine", "docker"],
        &["--engine", "docker", "--name", "ok"],
        &[
            "--engine",
            "docker",
            "--name",
            "ok",
            "--tag-policy",
            "fingerprint",
        ],
        &[
            "--engine",
            "podman",
            "--registry",
            "registry.example.com:5000/team",
            "--name",
            "ok",
            "--tag-policy",
            "version-fingerprint",
        ],
        &["--engine", "jib"],
        &["--engine", "jib", "--tag-policy", "fingerprint"],
    ];
    let mut emitted = 0;
    for args in routes {
        if assert_image_is_safe(&project.root, &repo, &settings, &target, args, &bin) {
            emitted += 1;
        }
    }
    assert!(
        emitted >= 1,
        "at least one route gets past the hostile values"
    );

    // Hostile file names, valid coordinates: the line is emitted, and safe.
    let ws = scratch.path().join(format!("ws {hostile}"));
    let module = ws.join(format!("svc {hostile}"));
    write(
        &module.join("pom.xml"),
        pom("svc", "  <packaging>jar</packaging>\n"),
    );
    write(&module.join("Dockerfile"), "FROM scratch\n");
    let target = module.to_string_lossy().into_owned();
    for args in routes.iter().filter(|a| !a.contains(&"jib")) {
        assert!(
            assert_image_is_safe(&ws, &repo, &settings, &target, args, &bin),
            "{args:?} with valid coordinates is emitted"
        );
    }
    assert!(!scratch.path().join("PWNED").exists() && !module.join("PWNED").exists());
}

// ---------------------------------------------------------------------------------------
// The fuzz targets' steps on stable Rust: their findings stay fixed, and a property test
// runs in every `cargo test` (libFuzzer needs nightly: fuzz/README.md).

/// What the `pom` fuzz target does with one input; panics on a violation.
fn read_pom_bytes(data: &[u8]) {
    use m2fresh::maven::pom::{Loc, Sources, Value};
    let Ok(text) = m2fresh::maven::xml::decode(data) else {
        return;
    };
    let mut sources = Sources::default();
    let id = sources.add("pom.xml".into(), "pom.xml".into(), text.as_str().into());
    match m2fresh::maven::pom::parse_model(&text, id) {
        Ok(mut model) => model.for_each_value_mut(&mut |v: &mut Value| {
            assert!(
                text.get(v.loc.span.clone()).is_some(),
                "span {:?} of {:?} does not slice the text",
                v.loc.span,
                v.text
            );
        }),
        Err((message, span)) => {
            let loc = Loc { source: id, span };
            let d = m2fresh::error::PomDiagnostic::at(
                &sources,
                "m2fresh::test",
                message,
                Some(&loc),
                "here",
            );
            render(&d);
        }
    }
}

/// What the `workspace` fuzz target does with one input.
fn read_workspace_bytes(data: &[u8]) {
    use m2fresh::project::{OpenOptions, Project};
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("ws");
    let files = [
        "pom.xml",
        "a/pom.xml",
        "b/pom.xml",
        "a/c/pom.xml",
        ".mvn/maven.config",
    ];
    for (part, name) in data.split(|&b| b == 0).zip(files) {
        write(&root.join(name), part);
    }
    fs::create_dir_all(&root).expect("mkdir");
    let settings = dir.path().join("settings.xml");
    write(&settings, "<settings/>");
    let opts = OpenOptions::new()
        .local_repository(dir.path().join("repo"))
        .settings(settings)
        .stat_cache(m2fresh::project::StatCachePolicy::Disabled);
    let project = match Project::open(&root, &opts) {
        Ok(p) => p,
        Err(e) => return render(&e),
    };
    let ws = &project.workspace;
    for f in ws.findings.iter().chain(&project.graph.findings) {
        render(&f.diagnostic(&ws.sources));
    }
    let all = project.graph.order.clone();
    let report = m2fresh::report::graph_report(ws, &project.graph, &all);
    serde_json::to_string(&report).expect("JSON");
    match project.check(&all) {
        Ok(check) => {
            serde_json::to_string(&check).expect("JSON");
        }
        Err(e) => render(&e),
    }
}

fn render(diagnostic: &dyn miette::Diagnostic) {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_context_lines(2);
    let mut out = String::new();
    handler
        .render_report(&mut out, diagnostic)
        .expect("a diagnostic renders");
}

/// The files of a corpus directory (none when git has not kept it: it was empty).
fn files_in(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(PathBuf, Vec<u8>)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = fs::read(&p).expect("read");
            (p, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Every committed fuzz finding and seed, through the targets' steps.
#[test]
fn fuzz_regressions_and_seeds_stay_fixed() {
    let fuzz = common::repo_root().join("fuzz");
    let regressions = files_in(&fuzz.join("regressions/pom"));
    assert!(
        !regressions.is_empty(),
        "the fuzzer's first finding is kept"
    );
    assert!(
        files_in(&fuzz.join("seeds/workspace")).len() > 10,
        "the workspace seeds are there"
    );
    for (path, bytes) in regressions.iter().chain(&files_in(&fuzz.join("seeds/pom"))) {
        let started = Instant::now();
        read_pom_bytes(bytes);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{}",
            path.display()
        );
    }
    for (path, bytes) in files_in(&fuzz.join("regressions/workspace"))
        .iter()
        .chain(&files_in(&fuzz.join("seeds/workspace")))
    {
        let started = Instant::now();
        read_workspace_bytes(bytes);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{}",
            path.display()
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Arbitrary bytes, and seeds with bytes flipped, inserted and cut: the POM reader
    /// never panics and every span it keeps slices the text.
    #[test]
    fn arbitrary_bytes_never_panic_the_pom_reader(
        noise in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
        seed in 0usize..1000,
        edits in proptest::collection::vec((0usize..100_000, proptest::num::u8::ANY, 0u8..3), 0..8),
    ) {
        read_pom_bytes(&noise);
        let seeds = files_in(&common::repo_root().join("fuzz/seeds/pom"));
        let mut bytes = seeds[seed % seeds.len()].1.clone();
        for (at, byte, kind) in edits {
            let at = at % (bytes.len() + 1);
            match kind {
                0 if at < bytes.len() => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => bytes.truncate(at),
            }
        }
        read_pom_bytes(&bytes);
    }
}

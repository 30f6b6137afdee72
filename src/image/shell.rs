//! The one-line shell form of an image plan, for users who copy it into a script.
//!
//! m2fresh itself never runs a step through a shell (see `run`); this line exists only to
//! be shown or emitted. Every word is quoted with `shlex`, so values that came from POMs
//! or the command line can hold spaces, quotes or `$(…)` without changing what the line
//! does; a NUL byte, which no shell can carry, is an error.

use super::{ImageError, Step};
use std::path::{Path, PathBuf};

/// Words that a POSIX shell (or bash) reads as syntax, not as a command, when they stand
/// unquoted where a command name is expected. `shlex` leaves them bare because they are
/// plain letters.
const RESERVED_WORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "function", "select", "time", "coproc", "]]",
];

/// One shell-safe line that runs `steps` in order and stops at the first failure:
/// `cd DIR && argv… && argv…`.
///
/// Consecutive steps with the same working directory share one `cd`. When the working
/// directory changes and some directory is relative, each group runs in a subshell
/// (`( cd A && … ) && ( cd B && … )`) so that a relative `cd` is not taken from the
/// previous group's directory. An empty slice gives an empty line.
///
/// Errors: a step with an empty argv, a non-UTF-8 working directory, or a word holding a
/// NUL byte.
pub fn shell_line(steps: &[Step]) -> Result<String, ImageError> {
    let mut groups: Vec<(&Path, Vec<&Step>)> = Vec::new();
    for step in steps {
        match groups.last_mut() {
            Some((cwd, members)) if *cwd == step.cwd.as_path() => members.push(step),
            _ => groups.push((step.cwd.as_path(), vec![step])),
        }
    }
    let isolate = groups.len() > 1 && groups.iter().any(|(cwd, _)| !cwd.is_absolute());
    let mut parts = Vec::with_capacity(groups.len());
    for (cwd, members) in &groups {
        let mut commands = vec![format!("cd {}", quote_dir(cwd)?)];
        for step in members {
            commands.push(quote_argv(&step.argv)?);
        }
        let body = commands.join(" && ");
        parts.push(if isolate { format!("( {body} )") } else { body });
    }
    Ok(parts.join(" && "))
}

/// The quoted words of one command. The first word is also kept from being read as a
/// reserved word or a variable assignment.
pub(crate) fn quote_argv(argv: &[String]) -> Result<String, ImageError> {
    let Some((program, args)) = argv.split_first() else {
        return Err(ImageError::EmptyStep);
    };
    let mut words = Vec::with_capacity(argv.len());
    let quoted = quote(program)?;
    words.push(
        if quoted == program.as_str() && RESERVED_WORDS.contains(&program.as_str()) {
            // Plain letters only (shlex left it bare), so single quotes are enough.
            format!("'{program}'")
        } else {
            quoted
        },
    );
    for arg in args {
        words.push(quote_argument(arg)?);
    }
    Ok(words.join(" "))
}

/// Like [`quote`], but leaves `-Dkey=value` words bare when nothing else in them needs
/// quoting: after the command name, a `=` that does not start the word is plain text to
/// every POSIX shell (and to zsh, whose `=cmd` expansion needs it first).
fn quote_argument(word: &str) -> Result<String, ImageError> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"+-./:@]_=".contains(&b);
    if !word.starts_with('=') && !word.is_empty() && word.bytes().all(plain) {
        return Ok(word.to_owned());
    }
    quote(word)
}

fn quote(word: &str) -> Result<String, ImageError> {
    shlex::try_quote(word)
        .map(|q| q.into_owned())
        .map_err(|_| ImageError::NulInArgument {
            value: word.escape_debug().to_string(),
        })
}

/// A directory for `cd`: `.` for an empty path, and `./` before a relative path that
/// starts with `-`, which `cd` would take for an option.
fn quote_dir(dir: &Path) -> Result<String, ImageError> {
    let text = dir.to_str().ok_or_else(|| ImageError::NonUtf8Path {
        path: dir.to_path_buf(),
    })?;
    let text = if text.is_empty() {
        ".".to_owned()
    } else if text.starts_with('-') {
        PathBuf::from(".").join(text).to_string_lossy().into_owned()
    } else {
        text.to_owned()
    };
    quote(&text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::process::Command;

    fn step(argv: &[&str], cwd: &str) -> Step {
        Step {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: PathBuf::from(cwd),
        }
    }

    #[test]
    fn one_directory_one_cd() {
        let line = shell_line(&[
            step(&["mvn", "-B", "package"], "/ws"),
            step(&["docker", "build", "-t", "app:1.0", "/ws/app"], "/ws"),
        ])
        .unwrap();
        assert_eq!(
            line,
            "cd /ws && mvn -B package && docker build -t app:1.0 /ws/app"
        );
    }

    #[test]
    fn absolute_directories_chain_cds() {
        let line = shell_line(&[step(&["a"], "/x y"), step(&["b"], "/z")]).unwrap();
        assert_eq!(line, "cd '/x y' && a && cd /z && b");
    }

    #[test]
    fn relative_directories_use_subshells() {
        let line = shell_line(&[step(&["a"], "x"), step(&["b"], "-y"), step(&["c"], "")]).unwrap();
        assert_eq!(line, "( cd x && a ) && ( cd ./-y && b ) && ( cd . && c )");
    }

    #[test]
    fn hostile_words_are_quoted() {
        let line = shell_line(&[step(
            &[
                "mvn",
                "-Dx=a;rm -rf /",
                "$(touch pwned)",
                "`id`",
                "it's\nfine",
            ],
            "/ws",
        )])
        .unwrap();
        assert_eq!(
            shlex::split(&line).unwrap(),
            [
                "cd",
                "/ws",
                "&&",
                "mvn",
                "-Dx=a;rm -rf /",
                "$(touch pwned)",
                "`id`",
                "it's\nfine"
            ]
        );
    }

    #[test]
    fn nul_and_empty_steps_are_errors() {
        assert!(matches!(
            shell_line(&[step(&["mvn", "a\0b"], "/ws")]),
            Err(ImageError::NulInArgument { .. })
        ));
        assert!(matches!(
            shell_line(&[step(&[], "/ws")]),
            Err(ImageError::EmptyStep)
        ));
        assert_eq!(shell_line(&[]).unwrap(), "");
    }

    /// A reserved word or an assignment in command position must still run as a command
    /// (and fail with "not found", 127), not be parsed as shell syntax (2) or run nothing.
    #[test]
    fn command_words_are_never_syntax() {
        let dir = tempfile::tempdir().unwrap();
        let cwd = dir.path().to_str().unwrap();
        for word in [
            "if", "then", "fi", "time", "case", "!", "{", "A=b", "]]", "done",
        ] {
            let line = shell_line(&[step(&[word, "x"], cwd)]).unwrap();
            let status = Command::new("sh").arg("-c").arg(&line).output().unwrap();
            assert_eq!(status.status.code(), Some(127), "{word}: {line}");
        }
    }

    /// Any text without NUL, often built from the characters shells care about most.
    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            "[^\0]*",
            // Nearly plain words, where a single special character is easiest to miss.
            "[-a-z0-9=:~/]{0,8}",
            "[-=a-zA-Z0-9~:@%^&|;<>()$`'\"\\\\ \t\n!#*?{},\\[\\]]{0,10}",
        ]
    }

    proptest! {
        #[test]
        fn shlex_round_trip(argv in prop::collection::vec(word(), 1..6), cwd in "/[^\0]*") {
            let line = shell_line(&[Step { argv: argv.clone(), cwd: PathBuf::from(&cwd) }]).unwrap();
            let words = shlex::split(&line).unwrap();
            prop_assert_eq!(&words[..3], &["cd".to_string(), cwd, "&&".to_string()][..]);
            prop_assert_eq!(&words[3..], &argv[..]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The real thing: `sh -c LINE` with `printf '%s\0'` prints back every argument.
        #[test]
        fn sh_round_trip(args in prop::collection::vec(word(), 0..6)) {
            let dir = tempfile::tempdir().unwrap();
            let mut argv = vec!["printf".to_string(), "%s\\0".to_string()];
            argv.extend(args.iter().cloned());
            let line = shell_line(&[Step { argv, cwd: dir.path().to_path_buf() }]).unwrap();
            let out = Command::new("sh").arg("-c").arg(&line).output().unwrap();
            prop_assert!(out.status.success(), "{line}");
            let mut printed: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .split('\0')
                .map(str::to_owned)
                .collect();
            // printf repeats the format until the arguments are used up, at least once.
            let last = printed.pop();
            prop_assert_eq!(last.as_deref(), Some(""));
            if args.is_empty() {
                prop_assert_eq!(printed, vec![String::new()]);
            } else {
                prop_assert_eq!(printed, args);
            }
        }
    }
}

//! `--run`: executes an image plan's steps, each as a direct process (never a shell), in
//! order, stopping at the first failure.

use super::shell::quote_argv;
use super::{ImageError, ImagePlan, Step};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;

/// Runs every step of `plan` in order, each with its argv as given and its own working
/// directory, with stdin closed. Before each step, `$ <command>` goes to `log`; the step's
/// stdout and stderr are copied to `log` as they arrive.
///
/// Stops at the first step that cannot start or exits unsuccessfully, with that step and
/// its exit status in the error.
pub fn run_steps(plan: &ImagePlan, log: &mut dyn Write) -> Result<(), ImageError> {
    for (index, step) in plan.steps.iter().enumerate() {
        run_step(index, step, log)?;
    }
    Ok(())
}

fn run_step(index: usize, step: &Step, log: &mut dyn Write) -> Result<(), ImageError> {
    let command = quote_argv(&step.argv)?;
    let Some((program, args)) = step.argv.split_first() else {
        return Err(ImageError::EmptyStep);
    };
    writeln!(log, "$ {command}").map_err(|source| ImageError::LogWrite { source })?;

    // A relative program path such as `./mvnw` means "in the step's directory"; std leaves
    // that case platform-dependent, so resolve it here.
    let program_path = PathBuf::from(program);
    let program_path = if program.contains('/') && program_path.is_relative() {
        step.cwd.join(program_path)
    } else {
        program_path
    };

    let mut child = Command::new(&program_path)
        .args(args)
        .current_dir(&step.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| ImageError::StepSpawn {
            index: index + 1,
            program: program.clone(),
            cwd: step.cwd.clone(),
            source,
        })?;

    // Both pipes are drained at once, or a child filling one of them would stall.
    let (tx, rx) = mpsc::channel::<Vec<u8>>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(spawn_reader(out, tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(spawn_reader(err, tx.clone()));
    }
    drop(tx);
    let mut log_error = None;
    for chunk in rx {
        if log_error.is_none()
            && let Err(e) = log.write_all(&chunk)
        {
            log_error = Some(e);
        }
    }
    for reader in readers {
        let _ = reader.join();
    }
    let status = child.wait().map_err(|source| ImageError::StepSpawn {
        index: index + 1,
        program: program.clone(),
        cwd: step.cwd.clone(),
        source,
    })?;
    if let Some(source) = log_error {
        return Err(ImageError::LogWrite { source });
    }
    if !status.success() {
        return Err(ImageError::StepFailed {
            index: index + 1,
            command,
            cwd: step.cwd.clone(),
            status: status.to_string(),
        });
    }
    log.flush()
        .map_err(|source| ImageError::LogWrite { source })
}

fn spawn_reader(
    mut pipe: impl Read + Send + 'static,
    tx: mpsc::Sender<Vec<u8>>,
) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{BuildMethod, Engine};
    use std::path::Path;

    fn plan(steps: Vec<Step>) -> ImagePlan {
        ImagePlan {
            image: "app:1".into(),
            name: "app".into(),
            tag: "1".into(),
            fingerprint: "f".into(),
            engine: Engine::Docker,
            method: BuildMethod::Dockerfile,
            steps,
            dockerfile: None,
            context: None,
            labels: Default::default(),
            label_note: None,
            pushes: false,
        }
    }

    fn step(argv: &[&str], cwd: &Path) -> Step {
        Step {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: cwd.to_path_buf(),
        }
    }

    #[test]
    fn runs_in_order_in_each_directory_without_a_shell() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let mut log = Vec::new();
        run_steps(
            &plan(vec![
                step(&["touch", "first"], dir.path()),
                // A shell would expand this; run directly it is one literal file name.
                step(&["touch", "$(echo pwned);x"], &sub),
                step(&["ls", "-1", ".."], &sub),
            ]),
            &mut log,
        )
        .unwrap();
        assert!(dir.path().join("first").is_file());
        assert!(sub.join("$(echo pwned);x").is_file());
        let log = String::from_utf8(log).unwrap();
        assert!(log.contains("$ touch first\n"), "{log}");
        assert!(log.contains("$ touch '$(echo pwned);x'\n"), "{log}");
        assert!(log.contains("first\nsub\n"), "{log}");
    }

    #[test]
    fn stops_at_the_first_failure_with_step_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = Vec::new();
        let err = run_steps(
            &plan(vec![
                step(&["sh", "-c", "echo oops >&2; exit 3"], dir.path()),
                step(&["touch", "never"], dir.path()),
            ]),
            &mut log,
        )
        .unwrap_err();
        match &err {
            ImageError::StepFailed { index, status, .. } => {
                assert_eq!(*index, 1);
                assert!(status.contains('3'), "{status}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!dir.path().join("never").exists());
        assert!(String::from_utf8(log).unwrap().contains("oops"));
    }

    #[test]
    fn relative_programs_resolve_in_the_step_directory() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("mvnw");
        std::fs::write(&script, "#!/bin/sh\necho wrapper \"$@\"\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let mut log = Vec::new();
        run_steps(&plan(vec![step(&["./mvnw", "-B"], dir.path())]), &mut log).unwrap();
        assert!(String::from_utf8(log).unwrap().contains("wrapper -B"));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = run_steps(
            &plan(vec![step(&["m2fresh-no-such-program"], dir.path())]),
            &mut Vec::new(),
        )
        .unwrap_err();
        assert!(
            matches!(err, ImageError::StepSpawn { index: 1, .. }),
            "{err:?}"
        );
    }
}

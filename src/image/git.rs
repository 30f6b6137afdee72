//! The git commit behind the `git` tag policy.
//!
//! Behind a trait so that planning stays a pure function in tests and library users can
//! answer from their own git binding; [`CommandGit`] asks the `git` binary.

use super::ImageError;
use std::path::Path;
use std::process::{Command, Stdio};

/// The checked-out commit of a working tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitHead {
    /// The abbreviated commit id (at least 12 hex digits with [`CommandGit`]).
    pub short: String,
    /// The full commit id (the `org.opencontainers.image.revision` label); may be empty
    /// when the caller's git binding does not know it.
    pub commit: String,
    /// Whether the working tree has changes, untracked files included.
    pub dirty: bool,
}

/// Where the `git` tag policy gets its commit from.
pub trait GitInfo {
    /// The commit checked out at `dir`, or `None` when `dir` is not inside a git working
    /// tree.
    fn head(&self, dir: &Path) -> Result<Option<GitHead>, ImageError>;
}

/// [`GitInfo`] from the `git` program on `PATH`, run directly (never through a shell):
/// `git rev-parse --short=12 HEAD` and `git status --porcelain`.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommandGit;

impl CommandGit {
    fn run(dir: &Path, args: &[&str]) -> Result<std::process::Output, ImageError> {
        Command::new("git")
            // Without this, `git status` may take `index.lock` to refresh the index and
            // collide with the user's own git commands.
            .arg("--no-optional-locks")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| ImageError::GitSpawn {
                dir: dir.to_path_buf(),
                source,
            })
    }

    fn checked(dir: &Path, args: &[&str]) -> Result<String, ImageError> {
        let out = Self::run(dir, args)?;
        if !out.status.success() {
            return Err(ImageError::Git {
                dir: dir.to_path_buf(),
                command: format!("git {}", args.join(" ")),
                message: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
            });
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

impl GitInfo for CommandGit {
    fn head(&self, dir: &Path) -> Result<Option<GitHead>, ImageError> {
        let inside = Self::run(dir, &["rev-parse", "--is-inside-work-tree"])?;
        if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
            return Ok(None);
        }
        let short = Self::checked(dir, &["rev-parse", "--short=12", "HEAD"])?
            .trim()
            .to_owned();
        let commit = Self::checked(dir, &["rev-parse", "HEAD"])?
            .trim()
            .to_owned();
        let dirty = !Self::checked(dir, &["status", "--porcelain"])?
            .trim()
            .is_empty();
        Ok(Some(GitHead {
            short,
            commit,
            dirty,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(dir: &Path, args: &[&str]) {
        let status = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    }

    #[test]
    fn reads_commit_and_dirtiness_from_a_real_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(CommandGit.head(root).unwrap(), None);

        git(root, &["init", "-q"]);
        // No commit yet: HEAD does not resolve, which is an error, not "not a repo".
        assert!(matches!(CommandGit.head(root), Err(ImageError::Git { .. })));

        std::fs::write(root.join("a.txt"), "1").unwrap();
        git(root, &["add", "a.txt"]);
        git(root, &["commit", "-q", "-m", "one"]);
        let head = CommandGit.head(root).unwrap().unwrap();
        assert_eq!(head.short.len(), 12);
        assert_eq!(head.commit.len(), 40);
        assert!(head.commit.starts_with(&head.short));
        assert!(head.short.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!head.dirty);

        std::fs::create_dir(root.join("module")).unwrap();
        std::fs::write(root.join("module/new.txt"), "2").unwrap();
        let from_sub = CommandGit.head(&root.join("module")).unwrap().unwrap();
        assert_eq!(from_sub.short, head.short);
        assert!(from_sub.dirty, "an untracked file makes the tree dirty");
    }
}

//! The process environment m2fresh depends on, read in one place and passed in.
//!
//! Maven's answers depend on the environment: `PATH` (which `mvn`, `java`, `docker`),
//! `HOME` (`~/.m2`), `MAVEN_OPTS` (system properties, the local repository), `JAVA_HOME`
//! (`java.version` for profile activation), `MAVEN_HOME`/`M2_HOME` (the global
//! settings), `XDG_CACHE_HOME` (where m2fresh keeps its stat cache and logs), and every
//! variable as `${env.NAME}`. Reading them deep inside the pipeline would make the
//! library's results depend on state a caller cannot see or pin; so an [`Environment`]
//! is captured once ([`Environment::from_process`], the default of
//! [`crate::project::OpenOptions`]) and handed down, and a test or an embedding tool can
//! give another ([`Environment::from_vars`]).

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A snapshot of environment variables, with the lookups m2fresh makes in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    vars: BTreeMap<OsString, OsString>,
}

impl Default for Environment {
    /// The process environment ([`Environment::from_process`]).
    fn default() -> Self {
        Environment::from_process()
    }
}

impl Environment {
    /// The environment of this process, as it is now.
    pub fn from_process() -> Self {
        Environment {
            vars: std::env::vars_os().collect(),
        }
    }

    /// An environment of exactly these variables (none inherited from the process).
    ///
    /// ```
    /// use m2fresh::environment::Environment;
    /// let env = Environment::from_vars([("HOME", "/home/ci"), ("XDG_CACHE_HOME", "")]);
    /// assert_eq!(env.cache_dir(), Some("/home/ci/.cache/m2fresh".into()));
    /// ```
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        Environment {
            vars: vars
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
                .collect(),
        }
    }

    /// A variable's value.
    pub fn var_os(&self, name: impl AsRef<OsStr>) -> Option<&OsStr> {
        self.vars.get(name.as_ref()).map(OsString::as_os_str)
    }

    /// A variable's value, when it is set and valid UTF-8.
    pub fn var(&self, name: impl AsRef<OsStr>) -> Option<&str> {
        self.var_os(name)?.to_str()
    }

    /// Every variable whose name and value are UTF-8 (Maven's `${env.NAME}`).
    pub fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars
            .iter()
            .filter_map(|(k, v)| Some((k.to_str()?, v.to_str()?)))
    }

    /// A directory path from a variable that is set and not empty.
    fn dir(&self, name: &str) -> Option<PathBuf> {
        self.var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// `$HOME`.
    pub fn home(&self) -> Option<PathBuf> {
        self.dir("HOME")
    }

    /// `$MAVEN_OPTS`, the JVM options the `mvn` script passes.
    pub fn maven_opts(&self) -> Option<&str> {
        self.var("MAVEN_OPTS")
    }

    /// `$JAVA_HOME`.
    pub fn java_home(&self) -> Option<PathBuf> {
        self.dir("JAVA_HOME")
    }

    /// `$MAVEN_HOME`, else `$M2_HOME`, that names a Maven installation (a directory with
    /// a `conf/`).
    pub fn maven_home(&self) -> Option<PathBuf> {
        ["MAVEN_HOME", "M2_HOME"]
            .into_iter()
            .filter_map(|name| self.dir(name))
            .find(|dir| dir.join("conf").is_dir())
    }

    /// m2fresh's cache directory: `$XDG_CACHE_HOME/m2fresh`, else `~/.cache/m2fresh`
    /// (`None` without either).
    pub fn cache_dir(&self) -> Option<PathBuf> {
        self.dir("XDG_CACHE_HOME")
            .or_else(|| self.home().map(|h| h.join(".cache")))
            .map(|base| base.join("m2fresh"))
    }

    /// The first executable file called `program` in a `PATH` directory — the one a
    /// shell would run.
    pub fn find_program(&self, program: impl AsRef<Path>) -> Option<PathBuf> {
        let path = self.var_os("PATH")?;
        std::env::split_paths(path)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join(program.as_ref()))
            .find(|candidate| is_executable(candidate))
    }
}

/// Whether `path` is a file this process could execute (on Unix: with an execute bit).
pub(crate) fn is_executable(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_read_only_the_given_variables() {
        let env = Environment::from_vars([
            ("HOME", "/home/u"),
            ("MAVEN_OPTS", "-Dx=1"),
            ("JAVA_HOME", ""),
        ]);
        assert_eq!(env.home(), Some(PathBuf::from("/home/u")));
        assert_eq!(env.maven_opts(), Some("-Dx=1"));
        assert_eq!(env.java_home(), None, "empty is unset");
        assert_eq!(
            env.cache_dir(),
            Some(PathBuf::from("/home/u/.cache/m2fresh"))
        );
        assert_eq!(env.find_program("sh"), None, "no PATH, no program");
        let env = Environment::from_vars([("XDG_CACHE_HOME", "/c"), ("HOME", "/h")]);
        assert_eq!(env.cache_dir(), Some(PathBuf::from("/c/m2fresh")));
        assert_eq!(Environment::from_vars::<&str, &str>([]).cache_dir(), None);
    }

    #[test]
    fn a_program_on_path_must_be_executable() {
        use std::os::unix::fs::PermissionsExt;
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        std::fs::write(a.path().join("mvn"), "not executable").unwrap();
        std::fs::write(b.path().join("mvn"), "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(b.path().join("mvn"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let path = std::env::join_paths([a.path(), b.path()]).unwrap();
        let env = Environment::from_vars([("PATH", path)]);
        assert_eq!(env.find_program("mvn"), Some(b.path().join("mvn")));
        assert_eq!(env.find_program("docker"), None);
    }
}

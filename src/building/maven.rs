//! Maven as m2fresh starts it, in one place: which Maven ([`find_maven`]: `--mvn`, the
//! workspace's `mvnw`, `mvn` on `PATH`) and which arguments ([`MavenCommandLine`]).
//!
//! Every Maven m2fresh starts for a project — one per module or one reactor for
//! `install`, the packaging step of `image` — must build the model m2fresh read and
//! fingerprinted: the same local repository, user settings, `-D` properties and `-P`
//! profiles ([`ModelArgs`], which [`crate::project::Project::maven_model`] gives). Building
//! those arguments in one place is what keeps the commands from drifting apart.

use crate::environment::{Environment, is_executable};
use crate::error::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The Maven m2fresh runs.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MavenTool {
    /// The program.
    pub program: PathBuf,
    /// Its version, when it could be told without running it.
    pub version: Option<String>,
}

impl MavenTool {
    /// Whether this Maven's resolver offers named file locks (Maven 3.9+).
    pub fn supports_file_locks(&self) -> bool {
        self.version.as_deref().is_some_and(|v| {
            let mut parts = v.split(['.', '-']).map(|p| p.parse::<u32>().unwrap_or(0));
            let major = parts.next().unwrap_or(0);
            let minor = parts.next().unwrap_or(0);
            (major, minor) >= (3, 9)
        })
    }
}

/// Finds the Maven for a module: `--mvn` (a path, or a name looked up on `PATH`), else the
/// nearest `mvnw` from the module's directory up to the workspace root, else `mvn` on
/// `env`'s `PATH`.
pub fn find_maven(
    explicit: Option<&Path>,
    module_dir: &Path,
    root: &Path,
    env: &Environment,
) -> Result<MavenTool> {
    if let Some(p) = explicit {
        let program = if p.components().count() == 1 {
            env.find_program(p).unwrap_or_else(|| p.to_path_buf())
        } else {
            p.to_path_buf()
        };
        // Checked before anything runs: a typo in --mvn is a usage error, not a build
        // failure of the first module.
        if !is_executable(&program) {
            return Err(Error::usage(
                format!(
                    "--mvn {}: {}",
                    p.display(),
                    if program.is_file() {
                        "the file is not executable"
                    } else {
                        "no such program (not a file, and not found on PATH)"
                    }
                ),
                Some("give the path of Maven's `mvn` launcher, or leave --mvn out to use mvnw or mvn on PATH".into()),
            ));
        }
        return Ok(MavenTool {
            version: maven_version(&program, env),
            program,
        });
    }
    let mut dir = Some(module_dir);
    while let Some(d) = dir {
        let wrapper = d.join("mvnw");
        if wrapper.is_file() {
            if !is_executable(&wrapper) {
                return Err(Error::usage(
                    format!("{} is not executable", wrapper.display()),
                    Some(format!(
                        "make it executable (`chmod +x {}`, and `git update-index --chmod=+x` \
                         to commit that), or pass --mvn PATH",
                        wrapper.display()
                    )),
                ));
            }
            return Ok(MavenTool {
                version: wrapper_version(d),
                program: wrapper,
            });
        }
        if d == root {
            break;
        }
        dir = d.parent();
    }
    match env.find_program("mvn") {
        Some(program) => Ok(MavenTool {
            version: maven_version(&program, env),
            program,
        }),
        None => Err(Error::usage(
            "Maven is not on PATH and the workspace has no mvnw",
            Some(
                "install Maven (https://maven.apache.org/install.html), or pass --mvn PATH".into(),
            ),
        )),
    }
}

/// The parameters of the model m2fresh read, as Maven must be given them: the local
/// repository, the user settings file, the `-D` user properties and `-P` profiles of the
/// command line (`.mvn/maven.config` is not repeated: Maven reads it itself).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModelArgs {
    /// `-Dmaven.repo.local`.
    pub local_repository: PathBuf,
    /// `-s`, absolute (Maven runs in other directories).
    pub settings: Option<PathBuf>,
    /// `-Dname=value`.
    pub user_properties: BTreeMap<String, String>,
    /// `-P` arguments, as given.
    pub profiles: Vec<String>,
}

impl ModelArgs {
    /// The arguments for a local repository alone (no settings, properties or profiles).
    pub fn new(local_repository: impl Into<PathBuf>) -> Self {
        ModelArgs {
            local_repository: local_repository.into(),
            ..ModelArgs::default()
        }
    }
}

/// One Maven command line (without the program), always in this order:
/// `-B -f POM [-N] [-pl IDS] [-T N] [-fae] [-DskipTests] [-o] [-s FILE]
/// -Dmaven.repo.local=DIR [file locks] [-Dname=value…] [-P IDS] GOALS… EXTRA…` — the
/// caller's extra arguments last, so that they can override m2fresh's (a later `-D`
/// wins).
#[derive(Clone, Debug, Default)]
pub struct MavenCommandLine<'a> {
    /// `-f`: the POM to build (none: Maven's default, the working directory's).
    pub pom: Option<&'a Path>,
    /// `-N`: the POM alone, not its modules.
    pub non_recursive: bool,
    /// `-pl`: the projects of the reactor to build.
    pub projects: Vec<String>,
    /// `-T`: threads of the reactor (given when more than 1).
    pub threads: usize,
    /// `-fae`: build what does not need a failed project.
    pub fail_at_end: bool,
    /// Goals and phases (`clean`, `install`, `package`, `jib:build`…).
    pub goals: Vec<String>,
    /// `-DskipTests`.
    pub skip_tests: bool,
    /// `-o`.
    pub offline: bool,
    /// The model's parameters; none for a command line without a project.
    pub model: Option<&'a ModelArgs>,
    /// The resolver's named file locks (only where the Maven supports them), for Maven
    /// processes that run side by side.
    pub file_locks: bool,
    /// `deploy` to another repository than the POM's `<distributionManagement>`:
    /// `-DaltDeploymentRepository=id::default::url` (a form maven-deploy-plugin 2.x and
    /// 3.x both read).
    pub deploy_repository: Option<&'a str>,
    /// The caller's own arguments.
    pub extra: &'a [String],
}

impl MavenCommandLine<'_> {
    /// The arguments.
    pub fn args(&self) -> Vec<String> {
        let mut args = vec!["-B".to_string()];
        if let Some(pom) = self.pom {
            args.push("-f".into());
            args.push(pom.display().to_string());
        }
        if self.non_recursive {
            args.push("-N".into());
        }
        if !self.projects.is_empty() {
            args.push("-pl".into());
            args.push(self.projects.join(","));
        }
        if self.threads > 1 {
            args.push("-T".into());
            args.push(self.threads.to_string());
        }
        if self.fail_at_end {
            args.push("-fae".into());
        }
        args.extend(self.options());
        args.extend(self.goals.iter().cloned());
        args.extend(self.extra.iter().cloned());
        args
    }

    /// The options without the POM, the selection and the goals, then the caller's
    /// arguments: what the image planner appends to the packaging step it writes.
    pub fn parameters(&self) -> Vec<String> {
        let mut args = self.options();
        args.extend(self.extra.iter().cloned());
        args
    }

    /// Tests, offline, the model's parameters.
    fn options(&self) -> Vec<String> {
        let mut args = Vec::new();
        if self.skip_tests {
            args.push("-DskipTests".into());
        }
        if self.offline {
            args.push("-o".into());
        }
        if let Some(model) = self.model {
            if let Some(settings) = &model.settings {
                args.push("-s".into());
                args.push(settings.display().to_string());
            }
            args.push(format!(
                "-Dmaven.repo.local={}",
                model.local_repository.display()
            ));
        }
        if let Some(repository) = self.deploy_repository {
            args.push(format!("-DaltDeploymentRepository={repository}"));
        }
        if self.file_locks {
            args.push("-Daether.syncContext.named.factory=file-lock".into());
            args.push("-Daether.syncContext.named.nameMapper=file-gav".into());
        }
        if let Some(model) = self.model {
            // Maven must build what m2fresh modelled (and stamps): the same properties
            // and profiles.
            for (name, value) in &model.user_properties {
                args.push(format!("-D{name}={value}"));
            }
            if !model.profiles.is_empty() {
                args.push("-P".into());
                args.push(model.profiles.join(","));
            }
        }
        args
    }
}

/// The version of an installed Maven, from its `lib/maven-core` jar: the file name, or
/// (Debian names it `maven-core-3.x.jar`) the `pom.properties` inside it.
fn maven_version(program: &Path, env: &Environment) -> Option<String> {
    let home = crate::freshness::localrepo::maven_home(Some(program), env)?;
    let jar = std::fs::read_dir(home.join("lib")).ok()?.find_map(|e| {
        let e = e.ok()?;
        let name = e.file_name().into_string().ok()?;
        (name.starts_with("maven-core") && name.ends_with(".jar")).then(|| (name, e.path()))
    })?;
    let from_name = jar
        .0
        .strip_prefix("maven-core-")
        .and_then(|v| v.strip_suffix(".jar"))
        .filter(|v| {
            v.split('.')
                .all(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty())
        });
    if let Some(v) = from_name {
        return Some(v.to_string());
    }
    let file = File::open(&jar.1).ok()?;
    let mut zip = zip::ZipArchive::new(file).ok()?;
    let mut entry = zip
        .by_name("META-INF/maven/org.apache.maven/maven-core/pom.properties")
        .ok()?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut entry, &mut text).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("version="))
        .map(|v| v.trim().to_string())
}

/// The version a Maven wrapper downloads, from `.mvn/wrapper/maven-wrapper.properties`.
fn wrapper_version(dir: &Path) -> Option<String> {
    let props = std::fs::read_to_string(dir.join(".mvn/wrapper/maven-wrapper.properties")).ok()?;
    let url = props
        .lines()
        .find_map(|l| l.trim().strip_prefix("distributionUrl="))?;
    let file = url.rsplit('/').next()?;
    file.strip_prefix("apache-maven-")?
        .split("-bin")
        .next()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    /// The one order of every Maven command line m2fresh makes; the model's parameters
    /// are always there, so no command builds another model than the one stamped.
    #[test]
    fn a_command_line_carries_the_model() {
        let mut model = ModelArgs::new("/r");
        model.settings = Some("/s.xml".into());
        model.user_properties.insert("flag".into(), "X".into());
        model.profiles = strings(&["ci", "!slow"]);
        let extra = strings(&["-X"]);
        let line = MavenCommandLine {
            pom: Some(Path::new("/w/a/pom.xml")),
            non_recursive: true,
            goals: strings(&["clean", "install"]),
            skip_tests: true,
            offline: true,
            model: Some(&model),
            file_locks: true,
            extra: &extra,
            ..MavenCommandLine::default()
        };
        assert_eq!(
            line.args(),
            strings(&[
                "-B",
                "-f",
                "/w/a/pom.xml",
                "-N",
                "-DskipTests",
                "-o",
                "-s",
                "/s.xml",
                "-Dmaven.repo.local=/r",
                "-Daether.syncContext.named.factory=file-lock",
                "-Daether.syncContext.named.nameMapper=file-gav",
                "-Dflag=X",
                "-P",
                "ci,!slow",
                "clean",
                "install",
                "-X",
            ])
        );
        let reactor = MavenCommandLine {
            pom: Some(Path::new("/w/pom.xml")),
            projects: strings(&["g:a", "g:b"]),
            threads: 2,
            fail_at_end: true,
            model: Some(&model),
            ..MavenCommandLine::default()
        };
        assert_eq!(
            reactor.args()[..8],
            strings(&[
                "-B",
                "-f",
                "/w/pom.xml",
                "-pl",
                "g:a,g:b",
                "-T",
                "2",
                "-fae"
            ])
        );
        assert!(reactor.args().contains(&"-Dflag=X".to_string()));
    }

    #[test]
    fn a_maven_that_cannot_run_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let env = Environment::from_vars([("PATH", "/nonexistent")]);
        let err = find_maven(
            Some(Path::new("/nonexistent/mvn")),
            dir.path(),
            dir.path(),
            &env,
        )
        .unwrap_err();
        assert!(err.to_string().contains("no such program"), "{err}");
        let script = dir.path().join("mvn");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        let err = find_maven(Some(&script), dir.path(), dir.path(), &env).unwrap_err();
        assert!(err.to_string().contains("not executable"), "{err}");
        let wrapper = dir.path().join("mvnw");
        std::fs::write(&wrapper, "#!/bin/sh\n").unwrap();
        let err = find_maven(None, dir.path(), dir.path(), &env).unwrap_err();
        assert!(err.to_string().contains("mvnw is not executable"), "{err}");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            find_maven(None, dir.path(), dir.path(), &env)
                .unwrap()
                .program,
            wrapper
        );
    }
}

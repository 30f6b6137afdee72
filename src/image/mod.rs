//! The `image` command: the packaging step plus the container image build for one module,
//! as argv arrays, as one shell-safe line, or run directly.
//!
//! Its inputs are plain data ([`ImageTarget`], filled from the effective model by the
//! caller), so this module owns only the decisions: how the module builds an image (the
//! Jib plugin, a `Dockerfile`, or a Docker Maven plugin), with which engine, under which
//! `name:tag` (validated against the image reference grammar, so nothing from a POM
//! reaches a command unchecked), and whether that tag already stood for other content
//! ([`TagLedger`]). A rebuilt image pushed under an old tag is not picked up by running
//! workloads; the tag guard exists to make that mistake loud.
//!
//! ```no_run
//! use m2fresh::image::{plan_image, shell_line, CommandGit, ImageOptions, ImageTarget, TagLedger};
//! # fn target() -> ImageTarget { unimplemented!() }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let plan = plan_image(&target(), &ImageOptions::default(), &CommandGit)?;
//! let mut ledger = TagLedger::open_in(std::path::Path::new("/home/me/.m2/repository"))?;
//! ledger.check(&plan.image, &plan.fingerprint)?;
//! println!("{}", shell_line(&plan.steps)?);
//! ledger.record(&plan.image, &plan.fingerprint);
//! ledger.save()?;
//! # Ok(()) }
//! ```

mod git;
mod ledger;
mod planner;
mod reference;
mod run;
mod shell;
mod target;

pub use git::{CommandGit, GitHead, GitInfo};
pub use ledger::{LEDGER_SCHEMA, LedgerEntry, TagLedger};
pub use planner::{plan_image, plan_image_with};
pub use reference::next_version;
pub use run::run_steps;
pub use shell::shell_line;

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::str::FromStr;

/// The version of the JSON form of [`ImagePlan`].
pub const PLAN_SCHEMA: u32 = 1;

/// One element of a plugin's `<configuration>`, as a small XML tree (attributes dropped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigNode {
    /// The element name, e.g. `image`.
    pub name: String,
    /// The element's text, if it has any (already interpolated).
    pub text: Option<String>,
    /// Child elements, in document order.
    pub children: Vec<ConfigNode>,
}

impl ConfigNode {
    /// The first child element called `name`.
    pub fn child(&self, name: &str) -> Option<&ConfigNode> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child element called `name`, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a ConfigNode> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed, non-empty text at a path of child names (`["to", "image"]`).
    pub fn text_at(&self, path: &[&str]) -> Option<&str> {
        let mut node = self;
        for name in path {
            node = node.child(name)?;
        }
        node.text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }
}

/// A build plugin of the module's effective model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PluginInfo {
    /// The plugin's groupId.
    pub group_id: String,
    /// The plugin's artifactId.
    pub artifact_id: String,
    /// The plugin's version, when the model gives one.
    pub version: Option<String>,
    /// The plugin-level `<configuration>` element (not the executions' ones).
    pub configuration: Option<ConfigNode>,
}

/// How to start Maven: the program and the arguments every invocation gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MavenCommand {
    /// `mvn`, `./mvnw` (relative to the workspace root) or a path.
    pub program: String,
    /// Extra arguments appended to every Maven command, e.g. `-Dmaven.repo.local=/x`, `-o`.
    pub args: Vec<String>,
}

impl Default for MavenCommand {
    fn default() -> Self {
        MavenCommand {
            program: "mvn".into(),
            args: Vec::new(),
        }
    }
}

/// The module to build an image for, as the effective model describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageTarget {
    /// The project's groupId.
    pub group_id: String,
    /// The project's artifactId (the image name when nothing else gives one).
    pub artifact_id: String,
    /// The project version (the tag under the `version` policy).
    pub version: String,
    /// The project's packaging.
    pub packaging: String,
    /// The module's directory (where a `Dockerfile` is looked for).
    pub module_dir: PathBuf,
    /// The module's `pom.xml`.
    pub pom: PathBuf,
    /// The workspace root; Maven runs here (so `./mvnw` is found).
    pub workspace_root: PathBuf,
    /// Hex blake3 fingerprint of the module's content.
    pub fingerprint: String,
    /// The effective build plugins.
    pub plugins: Vec<PluginInfo>,
    /// The effective model's properties.
    pub properties: BTreeMap<String, String>,
    /// How to run Maven.
    pub maven: MavenCommand,
}

/// The program that builds (and pushes) the image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Choose from the module: Jib when configured, else a Dockerfile with docker (podman,
    /// buildah when docker is not on `PATH`), else a Docker Maven plugin.
    #[default]
    Auto,
    /// `docker build` / `docker push`.
    Docker,
    /// `podman build` / `podman push`.
    Podman,
    /// `buildah bud` / `buildah push`.
    Buildah,
    /// The Jib Maven plugin.
    Jib,
}

/// How the image tag is chosen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagPolicy {
    /// The project version, e.g. `1.0-SNAPSHOT`.
    #[default]
    Version,
    /// The first 12 hex digits of the module fingerprint.
    Fingerprint,
    /// `<version>-<12 hex digits of the fingerprint>`.
    VersionFingerprint,
    /// The short git commit, with `-dirty` when the working tree has changes.
    Git,
}

/// The Jib goal that builds the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum JibGoal {
    /// `jib:build`: builds and pushes to the registry.
    #[serde(rename = "build")]
    Build,
    /// `jib:dockerBuild`: loads the image into the local Docker (or Podman) daemon.
    #[serde(rename = "dockerBuild")]
    DockerBuild,
    /// `jib:buildTar`: writes `target/jib-image.tar`.
    #[serde(rename = "buildTar")]
    BuildTar,
}

/// What builds the image, as detected in the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum BuildMethod {
    /// A `Dockerfile` (or `Containerfile`) in the module directory.
    #[serde(rename = "dockerfile")]
    Dockerfile,
    /// `com.google.cloud.tools:jib-maven-plugin`.
    #[serde(rename = "jib")]
    Jib,
    /// `io.fabric8:docker-maven-plugin` (`docker:build`).
    #[serde(rename = "fabric8-docker-maven-plugin")]
    Fabric8DockerPlugin,
    /// `com.spotify:dockerfile-maven-plugin` (`dockerfile:build`).
    #[serde(rename = "spotify-dockerfile-maven-plugin")]
    SpotifyDockerfilePlugin,
}

/// Options of `m2fresh image`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageOptions {
    /// The engine; [`Engine::Auto`] detects.
    pub engine: Engine,
    /// A registry (`host[:port][/path]`) to prefix the name with and push to.
    pub registry: Option<String>,
    /// The repository name (`team/app`); default: the POM's configured image, else the
    /// artifactId.
    pub name: Option<String>,
    /// How the tag is chosen.
    pub tag_policy: TagPolicy,
    /// The Jib goal; default `build` with a registry, `dockerBuild` when docker or podman
    /// was chosen, `buildTar` otherwise.
    pub jib_goal: Option<JibGoal>,
}

/// One command of a plan: run `argv` directly (no shell) in `cwd`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The program and its arguments.
    pub argv: Vec<String>,
    /// The working directory.
    pub cwd: PathBuf,
}

/// The commands that build (and push) the image of one module.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImagePlan {
    /// `name:tag`.
    pub image: String,
    /// The image name, registry included.
    pub name: String,
    /// The tag.
    pub tag: String,
    /// The module fingerprint the image is built from.
    pub fingerprint: String,
    /// The engine that builds it (never [`Engine::Auto`]).
    pub engine: Engine,
    /// What in the module defines the image.
    pub method: BuildMethod,
    /// The commands, in order.
    pub steps: Vec<Step>,
}

impl ImagePlan {
    /// The steps as one shell-safe line (see [`shell_line`]).
    pub fn command(&self) -> Result<String, ImageError> {
        shell_line(&self.steps)
    }
}

/// JSON (schema 1): `{"schema":1,"image","name","tag","fingerprint","engine","method",
/// "steps":[{"argv":[…],"cwd":"…"}],"command":"<shell line>"}`.
impl Serialize for ImagePlan {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Json<'a> {
            schema: u32,
            image: &'a str,
            name: &'a str,
            tag: &'a str,
            fingerprint: &'a str,
            engine: Engine,
            method: BuildMethod,
            steps: &'a [Step],
            command: String,
        }
        let command = self.command().map_err(serde::ser::Error::custom)?;
        Json {
            schema: PLAN_SCHEMA,
            image: &self.image,
            name: &self.name,
            tag: &self.tag,
            fingerprint: &self.fingerprint,
            engine: self.engine,
            method: self.method,
            steps: &self.steps,
            command,
        }
        .serialize(serializer)
    }
}

macro_rules! text_enum {
    ($ty:ident, $what:literal, $($variant:ident = $text:literal),+ $(,)?) => {
        impl $ty {
            /// The name used on the command line and in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($ty::$variant),)+
                    _ => Err(format!(
                        concat!("unknown ", $what, " `{}` (expected one of: {})"),
                        s,
                        [$($text),+].join(", ")
                    )),
                }
            }
        }
    };
}

text_enum!(
    Engine,
    "engine",
    Auto = "auto",
    Docker = "docker",
    Podman = "podman",
    Buildah = "buildah",
    Jib = "jib"
);
text_enum!(
    TagPolicy,
    "tag policy",
    Version = "version",
    Fingerprint = "fingerprint",
    VersionFingerprint = "version-fingerprint",
    Git = "git",
);
text_enum!(
    JibGoal,
    "Jib goal",
    Build = "build",
    DockerBuild = "dockerBuild",
    BuildTar = "buildTar"
);
text_enum!(
    BuildMethod,
    "build method",
    Dockerfile = "dockerfile",
    Jib = "jib",
    Fabric8DockerPlugin = "fabric8-docker-maven-plugin",
    SpotifyDockerfilePlugin = "spotify-dockerfile-maven-plugin",
);

/// What to add to a module so that it can build an image.
const NO_SOURCE_HELP: &str =
    "add a `Dockerfile` next to the module's pom.xml, or the Jib plugin to its <build><plugins>:
    <plugin>
      <groupId>com.google.cloud.tools</groupId>
      <artifactId>jib-maven-plugin</artifactId>
      <version>3.5.1</version>
      <configuration>
        <to><image>my-team/my-service</image></to>
      </configuration>
    </plugin>";

/// Everything that can go wrong while planning, guarding or running an image build.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum ImageError {
    /// The image would be built with upstream artifacts that are not fresh in the local
    /// repository — the old jar in the image, the bug m2fresh exists to catch.
    #[error(
        "the image of {target} would be built with upstream artifacts that are not fresh: {}",
        not_fresh.iter().map(|m| format!("{} ({})", m.id, m.status.as_str())).collect::<Vec<_>>().join(", ")
    )]
    #[diagnostic(
        code(m2fresh::image::stale_upstream),
        help(
            "install them first (`m2fresh build` installs, then builds the image), or allow it with --allow-stale"
        )
    )]
    StaleUpstream {
        /// The module whose image it is, `groupId:artifactId`.
        target: String,
        /// The upstream modules that are not fresh, with their evidence.
        not_fresh: Vec<crate::freshness::status::ModuleStatus>,
    },

    /// The module has no Jib plugin, no Dockerfile and no Docker Maven plugin.
    #[error("{}: no way to build a container image (no Jib plugin, no Dockerfile, no Docker Maven plugin)", .module.display())]
    #[diagnostic(code(m2fresh::image::no_source), help("{}", NO_SOURCE_HELP))]
    NoImageSource {
        /// The module directory.
        module: PathBuf,
    },

    /// `--engine jib` (or a Jib goal) was asked for, but the POM has no Jib plugin.
    #[error("{}: --engine jib needs com.google.cloud.tools:jib-maven-plugin in the module's build plugins", .pom.display())]
    #[diagnostic(code(m2fresh::image::no_jib_plugin), help("{}", NO_SOURCE_HELP))]
    JibNotConfigured {
        /// The module's POM.
        pom: PathBuf,
    },

    /// The chosen engine needs a Dockerfile the module does not have.
    #[error("{}: --engine {engine} needs a Dockerfile (or Containerfile) in the module directory", .module.display())]
    #[diagnostic(
        code(m2fresh::image::no_dockerfile),
        help("add a Dockerfile to {}, or choose another engine (`--engine auto` detects one)", .module.display())
    )]
    NoDockerfile {
        /// The module directory.
        module: PathBuf,
        /// The engine asked for.
        engine: Engine,
    },

    /// The image name (from `--name`, a POM, or the artifactId) is not a valid image name.
    #[error("{}: invalid image name `{name}` (from {origin}): {reason}", .pom.display())]
    #[diagnostic(
        code(m2fresh::image::invalid_name),
        help(
            "image names are lower-case `[registry/]path` like `registry.example.com/team/app`; pass a valid one with `--name`"
        )
    )]
    InvalidImageName {
        /// The rejected name, escaped for display.
        name: String,
        /// Where it came from.
        origin: String,
        /// What is wrong with it.
        reason: String,
        /// The module's POM.
        pom: PathBuf,
    },

    /// `--registry` is not a registry reference.
    #[error("invalid --registry `{registry}`: {reason}")]
    #[diagnostic(
        code(m2fresh::image::invalid_registry),
        help(
            "give a registry host with an optional port and path, like `registry.example.com:5000/team` (no scheme, no spaces)"
        )
    )]
    InvalidRegistry {
        /// The rejected value, escaped for display.
        registry: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The tag the policy produced is not a valid Docker tag.
    #[error("{}: the {policy} tag policy gives `{tag}`, which is not a valid image tag: {reason}", .pom.display())]
    #[diagnostic(
        code(m2fresh::image::invalid_tag),
        help(
            "tags are `[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}`; fix the project version or use `--tag-policy fingerprint`"
        )
    )]
    InvalidTag {
        /// The rejected tag, escaped for display.
        tag: String,
        /// The policy that produced it.
        policy: TagPolicy,
        /// What is wrong with it.
        reason: String,
        /// The module's POM.
        pom: PathBuf,
    },

    /// The fingerprint given is not hex or too short for a tag.
    #[error("module fingerprint `{fingerprint}` is not a hex hash of at least 12 digits")]
    #[diagnostic(
        code(m2fresh::image::invalid_fingerprint),
        help("this is a bug in the caller: pass the module's blake3 fingerprint in hex")
    )]
    InvalidFingerprint {
        /// The rejected value, escaped for display.
        fingerprint: String,
    },

    /// `--tag-policy git` outside a git working tree.
    #[error("{}: not inside a git working tree, so `--tag-policy git` has no commit to use", .dir.display())]
    #[diagnostic(
        code(m2fresh::image::not_git),
        help("use `--tag-policy version-fingerprint` or `--tag-policy fingerprint` instead")
    )]
    NotAGitRepository {
        /// The module directory.
        dir: PathBuf,
    },

    /// `git` could not be started.
    #[error("{}: could not run git", .dir.display())]
    #[diagnostic(
        code(m2fresh::image::git_spawn),
        help("install git or use another `--tag-policy`")
    )]
    GitSpawn {
        /// The directory git was run in.
        dir: PathBuf,
        /// Why it could not start.
        #[source]
        source: io::Error,
    },

    /// `git` failed.
    #[error("{}: `{command}` failed: {message}", .dir.display())]
    #[diagnostic(
        code(m2fresh::image::git),
        help(
            "check the repository with the same git command (a repository without commits has no HEAD)"
        )
    )]
    Git {
        /// The directory git was run in.
        dir: PathBuf,
        /// The git command.
        command: String,
        /// Git's error output.
        message: String,
    },

    /// A Docker Maven plugin is configured in a way m2fresh cannot turn into an image name.
    #[error("{}: {plugin}: {reason}", .pom.display())]
    #[diagnostic(
        code(m2fresh::image::plugin_config),
        help(
            "give the image name with `--name`, or add a Dockerfile to the module so that m2fresh builds it directly"
        )
    )]
    UnsupportedPluginConfig {
        /// `groupId:artifactId` of the plugin.
        plugin: String,
        /// What m2fresh could not handle.
        reason: String,
        /// The module's POM.
        pom: PathBuf,
    },

    /// A path of the target cannot be made absolute (the current directory is gone).
    #[error("{}: cannot make the path absolute", .path.display())]
    #[diagnostic(
        code(m2fresh::image::path),
        help("run m2fresh from an existing directory, or pass absolute paths")
    )]
    InvalidPath {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// A path that must go into a command is not UTF-8.
    #[error("{}: path is not valid UTF-8 and cannot be put into a command", .path.display())]
    #[diagnostic(
        code(m2fresh::image::non_utf8_path),
        help("rename the directory to a UTF-8 name")
    )]
    NonUtf8Path {
        /// The path.
        path: PathBuf,
    },

    /// A command word holds a NUL byte, which no shell (and no process argument) can carry.
    #[error("a command argument contains a NUL byte: `{value}`")]
    #[diagnostic(
        code(m2fresh::image::nul),
        help("remove the NUL byte from the Maven arguments or the POM value it came from")
    )]
    NulInArgument {
        /// The argument, escaped for display.
        value: String,
    },

    /// A step without a program.
    #[error("a step has an empty command")]
    #[diagnostic(
        code(m2fresh::image::empty_step),
        help("every step needs at least a program name")
    )]
    EmptyStep,

    /// The tag was already built or emitted for different content.
    #[error(
        "{image} was already built from different content (fingerprint {recorded_fingerprint}, now {fingerprint})"
    )]
    #[diagnostic(code(m2fresh::image::tag_reused), help("{help}"))]
    TagReused {
        /// `name:tag`.
        image: String,
        /// The fingerprint the tag was recorded for.
        recorded_fingerprint: String,
        /// The fingerprint of the content now.
        fingerprint: String,
        /// The next version to bump to, when the tag is a version.
        suggestion: Option<String>,
        /// What to do, with the suggestion in it.
        help: String,
    },

    /// The tag ledger could not be read.
    #[error("{}: cannot read the image tag ledger", .path.display())]
    #[diagnostic(
        code(m2fresh::image::ledger_read),
        help("check the file's permissions")
    )]
    LedgerRead {
        /// The ledger file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// The tag ledger is not valid JSON of the expected shape.
    #[error("{}: the image tag ledger is damaged", .path.display())]
    #[diagnostic(
        code(m2fresh::image::ledger_parse),
        help(
            "move the file aside; m2fresh starts a new ledger (and forgets which tags it handed out)"
        )
    )]
    LedgerParse {
        /// The ledger file.
        path: PathBuf,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },

    /// The tag ledger was written by a newer m2fresh.
    #[error("{}: image tag ledger schema {schema} is not supported (this m2fresh reads schema 1)", .path.display())]
    #[diagnostic(
        code(m2fresh::image::ledger_schema),
        help("use the m2fresh version that wrote it, or move the file aside")
    )]
    LedgerSchema {
        /// The ledger file.
        path: PathBuf,
        /// The schema found.
        schema: u32,
    },

    /// The tag ledger could not be locked.
    #[error("{}: cannot lock the image tag ledger", .path.display())]
    #[diagnostic(
        code(m2fresh::image::ledger_lock),
        help("check that the local repository is writable")
    )]
    LedgerLock {
        /// The lock file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// The tag ledger could not be written.
    #[error("{}: cannot write the image tag ledger", .path.display())]
    #[diagnostic(
        code(m2fresh::image::ledger_write),
        help("check that the local repository is writable and the disk is not full")
    )]
    LedgerWrite {
        /// The ledger file or its directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// A step's program could not be started.
    #[error("step {index}: cannot start `{program}` in {}", .cwd.display())]
    #[diagnostic(
        code(m2fresh::image::step_spawn),
        help("check that the program is installed and on PATH")
    )]
    StepSpawn {
        /// 1-based step number.
        index: usize,
        /// The program.
        program: String,
        /// The working directory.
        cwd: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },

    /// A step exited unsuccessfully.
    #[error("step {index} failed ({status}) in {}: {command}", .cwd.display())]
    #[diagnostic(
        code(m2fresh::image::step_failed),
        help("the output above shows why; fix it and run again")
    )]
    StepFailed {
        /// 1-based step number.
        index: usize,
        /// The step as a shell-quoted command.
        command: String,
        /// The working directory.
        cwd: PathBuf,
        /// The exit status.
        status: String,
    },

    /// The step log could not be written.
    #[error("cannot write the step log")]
    #[diagnostic(code(m2fresh::image::log_write), help("check the output destination"))]
    LogWrite {
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

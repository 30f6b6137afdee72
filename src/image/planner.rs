//! Turning an [`ImageTarget`] and [`ImageOptions`] into an [`ImagePlan`]: detection of how
//! the module builds an image, the engine, the validated `name:tag`, and the argv of each
//! step.
//!
//! Every path in the argv is absolute (so steps can be run one by one from anywhere, and a
//! path can never be read as an option), every name and tag has passed the reference
//! grammar, and nothing here runs a command except the `GitInfo` the caller hands in.

use super::reference::{check_name, check_registry, check_tag, split_domain, split_reference};
use super::shell::shell_line;
use super::{
    BuildMethod, ConfigNode, Engine, GitInfo, ImageError, ImageOptions, ImagePlan, ImageTarget,
    JibGoal, PluginInfo, Step, TagPolicy,
};
use std::path::{Path, PathBuf};

const JIB: (&str, &str) = ("com.google.cloud.tools", "jib-maven-plugin");
const FABRIC8: (&str, &str) = ("io.fabric8", "docker-maven-plugin");
const SPOTIFY: (&str, &str) = ("com.spotify", "dockerfile-maven-plugin");

/// How many hex digits of the fingerprint go into a tag.
const FINGERPRINT_TAG_LEN: usize = 12;

/// Plans the image build for `target`, looking engines up on `PATH` (see
/// [`plan_image_with`]).
pub fn plan_image(
    target: &ImageTarget,
    options: &ImageOptions,
    git: &dyn GitInfo,
) -> Result<ImagePlan, ImageError> {
    plan_image_with(target, options, git, &on_path)
}

/// Plans the image build for `target`, asking `on_path(program)` whether `docker`,
/// `podman` or `buildah` is installed (only [`Engine::Auto`] asks).
///
/// Choice of method, by engine:
/// - `auto`: the Jib plugin when configured; else a `Dockerfile` (or `Containerfile`)
///   with docker, or podman, or buildah, whichever is on `PATH` first; else
///   `io.fabric8:docker-maven-plugin`, else `com.spotify:dockerfile-maven-plugin`.
/// - `jib`: the Jib plugin, which must be configured.
/// - `docker`/`podman`: a Dockerfile; else the Jib plugin with `jib:dockerBuild`; else a
///   Docker Maven plugin.
/// - `buildah`: a Dockerfile.
///
/// A [`ImageOptions::jib_goal`] selects the Jib plugin whatever the engine.
///
/// The name is `--registry/` + (`--name`, or the repository part of the image the POM
/// configures for the chosen method, or the lower-cased artifactId). Without `--registry`
/// a POM-configured registry host stays; with it, the POM's host is replaced. A tag in a
/// POM-configured image is ignored: the tag comes from the policy.
pub fn plan_image_with(
    target: &ImageTarget,
    options: &ImageOptions,
    git: &dyn GitInfo,
    on_path: &dyn Fn(&str) -> bool,
) -> Result<ImagePlan, ImageError> {
    let paths = Paths::new(target)?;
    let route = choose_route(target, options, &paths, on_path)?;
    let name = image_name(target, options, &route)?;
    let tag = image_tag(target, options.tag_policy, git)?;
    let image = format!("{name}:{tag}");
    let push = options.registry.is_some();

    let mut steps = Vec::new();
    let (engine, method) = match &route {
        Route::Dockerfile { engine, file } => {
            steps.push(paths.maven(target, &[]));
            let program = engine.as_str();
            let build = if *engine == Engine::Buildah {
                "bud"
            } else {
                "build"
            };
            steps.push(paths.step([program, build, "-t", &image, "-f", file, &paths.module]));
            if push {
                steps.push(paths.step([program, "push", &image]));
            }
            (*engine, BuildMethod::Dockerfile)
        }
        Route::Jib { goal, daemon, .. } => {
            let goal_arg = format!("jib:{goal}");
            let image_arg = format!("-Djib.to.image={image}");
            let mut extra = vec![goal_arg.as_str(), image_arg.as_str()];
            if *daemon == Engine::Podman && *goal == JibGoal::DockerBuild {
                extra.push("-Djib.dockerClient.executable=podman");
            }
            steps.push(paths.maven(target, &extra));
            if push && *goal == JibGoal::DockerBuild {
                steps.push(paths.step([daemon.as_str(), "push", &image]));
            }
            (Engine::Jib, BuildMethod::Jib)
        }
        Route::Plugin { kind, engine } => {
            let (built, maven_args) = match kind {
                PluginKind::Fabric8 => (fabric8_image(target)?, Vec::new()),
                PluginKind::Spotify => spotify_build(target, &name, &tag),
            };
            check_built_image(target, *kind, &built)?;
            let mut extra = vec![kind.goal()];
            extra.extend(maven_args.iter().map(String::as_str));
            steps.push(paths.maven(target, &extra));
            if built != image {
                steps.push(paths.step([engine.as_str(), "tag", &built, &image]));
            }
            if push {
                steps.push(paths.step([engine.as_str(), "push", &image]));
            }
            (*engine, kind.method())
        }
    };
    // Surfaces a NUL in the user's Maven arguments now, not when the plan is printed.
    shell_line(&steps)?;
    Ok(ImagePlan {
        image,
        name,
        tag,
        fingerprint: target.fingerprint.clone(),
        engine,
        method,
        steps,
    })
}

/// The absolute, UTF-8 forms of the target's paths.
struct Paths {
    root: PathBuf,
    module: String,
    pom: String,
}

impl Paths {
    fn new(target: &ImageTarget) -> Result<Self, ImageError> {
        let absolute = |p: &Path| {
            let p = if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            };
            std::path::absolute(p).map_err(|source| ImageError::InvalidPath {
                path: p.to_path_buf(),
                source,
            })
        };
        let utf8 = |p: PathBuf| match p.into_os_string().into_string() {
            Ok(s) => Ok(s),
            Err(os) => Err(ImageError::NonUtf8Path { path: os.into() }),
        };
        let root = absolute(&target.workspace_root)?;
        utf8(root.clone())?;
        Ok(Paths {
            root,
            module: utf8(absolute(&target.module_dir)?)?,
            pom: utf8(absolute(&target.pom)?)?,
        })
    }

    fn step<'a>(&self, argv: impl IntoIterator<Item = &'a str>) -> Step {
        Step {
            argv: argv.into_iter().map(str::to_owned).collect(),
            cwd: self.root.clone(),
        }
    }

    /// `mvn -B -f POM package GOALS… -DskipTests EXTRA…`; the caller's arguments go last
    /// so that they can override ours (a later `-D` wins).
    fn maven(&self, target: &ImageTarget, goals_and_props: &[&str]) -> Step {
        let mut argv = vec![
            target.maven.program.clone(),
            "-B".into(),
            "-f".into(),
            self.pom.clone(),
            "package".into(),
        ];
        argv.extend(goals_and_props.iter().map(|s| s.to_string()));
        argv.push("-DskipTests".into());
        argv.extend(target.maven.args.iter().cloned());
        Step {
            argv,
            cwd: self.root.clone(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PluginKind {
    Fabric8,
    Spotify,
}

impl PluginKind {
    fn goal(self) -> &'static str {
        match self {
            PluginKind::Fabric8 => "docker:build",
            PluginKind::Spotify => "dockerfile:build",
        }
    }

    fn method(self) -> BuildMethod {
        match self {
            PluginKind::Fabric8 => BuildMethod::Fabric8DockerPlugin,
            PluginKind::Spotify => BuildMethod::SpotifyDockerfilePlugin,
        }
    }
}

/// The way the image will be built.
enum Route {
    Dockerfile {
        engine: Engine,
        file: String,
    },
    Jib {
        goal: JibGoal,
        /// The daemon `jib:dockerBuild` loads into, which also pushes.
        daemon: Engine,
        /// The image the POM configures (`jib.to.image`, `<to><image>`, `image`).
        configured: Option<String>,
    },
    Plugin {
        kind: PluginKind,
        engine: Engine,
    },
}

fn find_plugin<'a>(
    target: &'a ImageTarget,
    (group, artifact): (&str, &str),
) -> Option<&'a PluginInfo> {
    target
        .plugins
        .iter()
        .find(|p| p.group_id == group && p.artifact_id == artifact)
}

fn find_dockerfile(module: &str) -> Option<String> {
    ["Dockerfile", "Containerfile"]
        .iter()
        .map(|name| Path::new(module).join(name))
        .find(|p| p.is_file())
        .and_then(|p| p.into_os_string().into_string().ok())
}

fn choose_route(
    target: &ImageTarget,
    options: &ImageOptions,
    paths: &Paths,
    on_path: &dyn Fn(&str) -> bool,
) -> Result<Route, ImageError> {
    let jib = find_plugin(target, JIB);
    let dockerfile = find_dockerfile(&paths.module);
    let registry = options.registry.is_some();
    let jib_route = |daemon: Engine, default_goal: JibGoal| -> Result<Route, ImageError> {
        let Some(plugin) = jib else {
            return Err(ImageError::JibNotConfigured {
                pom: target.pom.clone(),
            });
        };
        Ok(Route::Jib {
            goal: options.jib_goal.unwrap_or(default_goal),
            daemon,
            configured: jib_image(target, plugin),
        })
    };
    let jib_default_goal = if registry {
        JibGoal::Build
    } else {
        JibGoal::BuildTar
    };
    let first_on_path = |candidates: &[Engine]| {
        candidates
            .iter()
            .copied()
            .find(|e| on_path(e.as_str()))
            .or_else(|| candidates.first().copied())
            .unwrap_or(Engine::Docker)
    };

    if options.jib_goal.is_some() {
        let daemon = match options.engine {
            Engine::Podman => Engine::Podman,
            Engine::Docker => Engine::Docker,
            _ => first_on_path(&[Engine::Docker, Engine::Podman]),
        };
        return jib_route(daemon, jib_default_goal);
    }
    match options.engine {
        Engine::Jib => jib_route(
            first_on_path(&[Engine::Docker, Engine::Podman]),
            jib_default_goal,
        ),
        Engine::Buildah => match dockerfile {
            Some(file) => Ok(Route::Dockerfile {
                engine: Engine::Buildah,
                file,
            }),
            None => Err(ImageError::NoDockerfile {
                module: target.module_dir.clone(),
                engine: Engine::Buildah,
            }),
        },
        engine @ (Engine::Docker | Engine::Podman) => {
            if let Some(file) = dockerfile {
                Ok(Route::Dockerfile { engine, file })
            } else if jib.is_some() {
                jib_route(engine, JibGoal::DockerBuild)
            } else if let Some(route) = plugin_route(target, engine) {
                Ok(route)
            } else {
                Err(ImageError::NoDockerfile {
                    module: target.module_dir.clone(),
                    engine,
                })
            }
        }
        Engine::Auto => {
            if jib.is_some() {
                let daemon = first_on_path(&[Engine::Docker, Engine::Podman]);
                jib_route(daemon, jib_default_goal)
            } else if let Some(file) = dockerfile {
                Ok(Route::Dockerfile {
                    engine: first_on_path(&[Engine::Docker, Engine::Podman, Engine::Buildah]),
                    file,
                })
            } else {
                let engine = first_on_path(&[Engine::Docker, Engine::Podman]);
                plugin_route(target, engine).ok_or_else(|| ImageError::NoImageSource {
                    module: target.module_dir.clone(),
                })
            }
        }
    }
}

/// The image Jib would build: `jib.to.image` beats `<to><image>` beats `image`, as in
/// Jib's own lookup.
fn jib_image(target: &ImageTarget, plugin: &PluginInfo) -> Option<String> {
    let property = |key: &str| {
        target
            .properties
            .get(key)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    property("jib.to.image")
        .or_else(|| config_text(plugin, &["to", "image"]))
        .or_else(|| property("image"))
}

fn config_text(plugin: &PluginInfo, path: &[&str]) -> Option<String> {
    plugin
        .configuration
        .as_ref()
        .and_then(|c| c.text_at(path))
        .map(str::to_owned)
}

fn plugin_route(target: &ImageTarget, engine: Engine) -> Option<Route> {
    let kind = if find_plugin(target, FABRIC8).is_some() {
        PluginKind::Fabric8
    } else if find_plugin(target, SPOTIFY).is_some() {
        PluginKind::Spotify
    } else {
        return None;
    };
    Some(Route::Plugin { kind, engine })
}

/// What spotify's `dockerfile:build` will build, and the `-D` arguments that make it
/// build `name:tag`. Only what the POM leaves unconfigured can be set from the command
/// line: an explicit `<repository>` or `<tag>` beats `-Ddockerfile.repository`/`.tag`.
fn spotify_build(target: &ImageTarget, name: &str, tag: &str) -> (String, Vec<String>) {
    let plugin = find_plugin(target, SPOTIFY);
    let configured = |key: &str| plugin.and_then(|p| config_text(p, &[key]));
    let mut args = Vec::new();
    let repository = configured("repository").unwrap_or_else(|| {
        args.push(format!("-Ddockerfile.repository={name}"));
        name.to_owned()
    });
    let built_tag = configured("tag").unwrap_or_else(|| {
        args.push(format!("-Ddockerfile.tag={tag}"));
        tag.to_owned()
    });
    (format!("{repository}:{built_tag}"), args)
}

/// The image a plugin builds goes into `docker tag`, so it must be a valid reference too.
fn check_built_image(
    target: &ImageTarget,
    kind: PluginKind,
    built: &str,
) -> Result<(), ImageError> {
    let (bare, tag, digest) = split_reference(built);
    let reason = if digest.is_some() {
        Some("a digest cannot be built".to_owned())
    } else {
        check_name(bare)
            .err()
            .or_else(|| check_tag(tag.unwrap_or_default()).err())
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(ImageError::UnsupportedPluginConfig {
            plugin: match kind {
                PluginKind::Fabric8 => format!("{}:{}", FABRIC8.0, FABRIC8.1),
                PluginKind::Spotify => format!("{}:{}", SPOTIFY.0, SPOTIFY.1),
            },
            reason: format!(
                "it builds `{}`, which is not a valid image reference: {reason}",
                built.escape_debug()
            ),
            pom: target.pom.clone(),
        }),
    }
}

/// The name (with tag) fabric8's `docker:build` gives its single built image, after its
/// `%g`, `%a`, `%v`, `%l`, `%t` placeholders and its default tag `latest`.
fn fabric8_image(target: &ImageTarget) -> Result<String, ImageError> {
    let Some(plugin) = find_plugin(target, FABRIC8) else {
        return Err(ImageError::NoImageSource {
            module: target.module_dir.clone(),
        });
    };
    let unsupported = |reason: String| ImageError::UnsupportedPluginConfig {
        plugin: format!("{}:{}", FABRIC8.0, FABRIC8.1),
        reason,
        pom: target.pom.clone(),
    };
    let images: Vec<&ConfigNode> = plugin
        .configuration
        .as_ref()
        .and_then(|c| c.child("images"))
        .map(|images| images.children_named("image").collect())
        .unwrap_or_default();
    // Images without <build> are only run (a database for tests), never built.
    let built: Vec<&ConfigNode> = images
        .iter()
        .copied()
        .filter(|i| i.child("build").is_some())
        .collect();
    let image = match built.as_slice() {
        [one] => *one,
        [] => {
            return Err(unsupported(
                "no <images><image> with a <build> section, so there is no image name to use"
                    .into(),
            ));
        }
        many => {
            return Err(unsupported(format!(
                "{} images have a <build> section; m2fresh builds one image per module",
                many.len()
            )));
        }
    };
    let Some(name) = image.text_at(&["name"]) else {
        return Err(unsupported("the <image> has no <name>".into()));
    };
    let formatted = fabric8_format(target, name).map_err(unsupported)?;
    let (bare, tag, _) = split_reference(&formatted);
    Ok(match tag {
        Some(_) => formatted,
        None => format!("{bare}:latest"),
    })
}

fn fabric8_format(target: &ImageTarget, name: &str) -> Result<String, String> {
    let property = |key: &str| target.properties.get(key).filter(|v| !v.is_empty());
    let snapshot = target.version.ends_with("-SNAPSHOT");
    let version_tag = || {
        property("docker.image.tag")
            .cloned()
            .unwrap_or_else(|| target.version.clone())
    };
    let mut out = String::new();
    let mut chars = name.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('g') => out.push_str(&match property("docker.image.user") {
                Some(user) => user.clone(),
                None => {
                    let group = target.group_id.trim_end_matches('.');
                    fabric8_sanitize(group.rsplit('.').next().unwrap_or(group))
                }
            }),
            Some('a') => out.push_str(&fabric8_sanitize(&target.artifact_id)),
            Some('v') => out.push_str(&version_tag()),
            Some('l') => {
                if property("docker.image.tag").is_none() && snapshot {
                    out.push_str("latest");
                } else {
                    out.push_str(&version_tag());
                }
            }
            Some('t') if property("docker.image.tag").is_some() || !snapshot => {
                out.push_str(&version_tag())
            }
            Some('t') | Some('T') => {
                return Err(format!(
                    "the image name `{name}` has a timestamp placeholder, so the image it builds cannot be known in advance"
                ));
            }
            other => {
                return Err(format!(
                    "the image name `{name}` has an unknown placeholder `%{}`",
                    other.map(String::from).unwrap_or_default()
                ));
            }
        }
    }
    Ok(out)
}

/// fabric8's name sanitising: letters, digits, `-`, at most two `_` and one `.` in a row,
/// lower case.
fn fabric8_sanitize(name: &str) -> String {
    let mut out = String::new();
    let (mut underscores, mut last_dot) = (0, false);
    for c in name.chars() {
        match c {
            '_' => {
                underscores += 1;
                if underscores <= 2 {
                    out.push(c);
                }
            }
            '.' => {
                if !last_dot {
                    out.push(c);
                }
                last_dot = true;
            }
            _ => {
                underscores = 0;
                last_dot = false;
                if c.is_alphanumeric() || c == '-' {
                    out.extend(c.to_lowercase());
                }
            }
        }
    }
    out
}

/// The image the POM configures for the plugins that can name one, for the Dockerfile
/// route (the POM's name for this module's image is still the best default).
fn any_configured_image(target: &ImageTarget) -> Option<(String, String)> {
    if let Some(jib) = find_plugin(target, JIB)
        && let Some(image) = jib_image(target, jib)
    {
        return Some((image, format!("{}:{}", JIB.0, JIB.1)));
    }
    if let Some(spotify) = find_plugin(target, SPOTIFY)
        && let Some(repo) = spotify_repository(target, spotify)
    {
        return Some((repo, format!("{}:{}", SPOTIFY.0, SPOTIFY.1)));
    }
    // A fabric8 name that cannot be worked out in advance (a timestamp placeholder, several
    // images) matters only when fabric8 builds; the Dockerfile route then falls back to
    // the artifactId.
    if let Ok(image) = fabric8_image(target) {
        return Some((image, format!("{}:{}", FABRIC8.0, FABRIC8.1)));
    }
    None
}

fn spotify_repository(target: &ImageTarget, plugin: &PluginInfo) -> Option<String> {
    config_text(plugin, &["repository"]).or_else(|| {
        target
            .properties
            .get("dockerfile.repository")
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    })
}

/// The full image name (registry included, no tag), validated.
fn image_name(
    target: &ImageTarget,
    options: &ImageOptions,
    route: &Route,
) -> Result<String, ImageError> {
    let invalid = |name: &str, origin: &str, reason: String| ImageError::InvalidImageName {
        name: name.escape_debug().to_string(),
        origin: origin.to_owned(),
        reason,
        pom: target.pom.clone(),
    };

    let (candidate, origin) = if let Some(name) = &options.name {
        (name.clone(), "--name".to_owned())
    } else {
        let configured = match route {
            Route::Jib { configured, .. } => configured
                .clone()
                .map(|i| (i, format!("{}:{} / jib.to.image", JIB.0, JIB.1))),
            Route::Plugin {
                kind: PluginKind::Fabric8,
                ..
            } => Some((
                fabric8_image(target)?,
                format!("{}:{}", FABRIC8.0, FABRIC8.1),
            )),
            Route::Plugin {
                kind: PluginKind::Spotify,
                ..
            } => find_plugin(target, SPOTIFY)
                .and_then(|p| spotify_repository(target, p))
                .map(|i| (i, format!("{}:{}", SPOTIFY.0, SPOTIFY.1))),
            Route::Dockerfile { .. } => any_configured_image(target),
        };
        match configured {
            Some((image, plugin)) => {
                // The tag (and digest) of a configured image are dropped: the policy tags.
                let (bare, _, _) = split_reference(&image);
                (
                    bare.to_owned(),
                    format!("the image configured for {plugin}"),
                )
            }
            None => (
                target.artifact_id.to_ascii_lowercase(),
                "the artifactId".to_owned(),
            ),
        }
    };
    check_name(&candidate).map_err(|reason| invalid(&candidate, &origin, reason))?;

    let Some(registry) = &options.registry else {
        return Ok(candidate);
    };
    check_registry(registry).map_err(|reason| ImageError::InvalidRegistry {
        registry: registry.escape_debug().to_string(),
        reason,
    })?;
    let (domain, path) = split_domain(&candidate);
    if domain.is_some() && options.name.is_some() {
        return Err(invalid(
            &candidate,
            &origin,
            "it names a registry host, and --registry gives one too; pass the host only with --registry".into(),
        ));
    }
    let full = format!("{}/{path}", registry.trim_end_matches('/'));
    check_name(&full).map_err(|reason| invalid(&full, "--registry and the name", reason))?;
    Ok(full)
}

fn image_tag(
    target: &ImageTarget,
    policy: TagPolicy,
    git: &dyn GitInfo,
) -> Result<String, ImageError> {
    let fingerprint_prefix = || {
        let fp = &target.fingerprint;
        if fp.len() < FINGERPRINT_TAG_LEN || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ImageError::InvalidFingerprint {
                fingerprint: fp.escape_debug().to_string(),
            });
        }
        Ok(fp[..FINGERPRINT_TAG_LEN].to_ascii_lowercase())
    };
    let tag = match policy {
        TagPolicy::Version => target.version.clone(),
        TagPolicy::Fingerprint => fingerprint_prefix()?,
        TagPolicy::VersionFingerprint => format!("{}-{}", target.version, fingerprint_prefix()?),
        TagPolicy::Git => {
            let head =
                git.head(&target.module_dir)?
                    .ok_or_else(|| ImageError::NotAGitRepository {
                        dir: target.module_dir.clone(),
                    })?;
            if head.dirty {
                format!("{}-dirty", head.short)
            } else {
                head.short
            }
        }
    };
    check_tag(&tag).map_err(|reason| ImageError::InvalidTag {
        tag: tag.escape_debug().to_string(),
        policy,
        reason,
        pom: target.pom.clone(),
    })?;
    Ok(tag)
}

/// Whether `program` is an executable file in a `PATH` directory.
fn on_path(program: &str) -> bool {
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        let candidate = dir.join(program);
        match std::fs::metadata(&candidate) {
            #[cfg(unix)]
            Ok(meta) => {
                use std::os::unix::fs::PermissionsExt;
                meta.is_file() && meta.permissions().mode() & 0o111 != 0
            }
            #[cfg(not(unix))]
            Ok(meta) => meta.is_file(),
            Err(_) => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::{CommandGit, GitHead, MavenCommand};
    use std::collections::BTreeMap;
    use std::fs;

    const FP: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    struct FakeGit(Option<GitHead>);

    impl GitInfo for FakeGit {
        fn head(&self, _dir: &Path) -> Result<Option<GitHead>, ImageError> {
            Ok(self.0.clone())
        }
    }

    const NO_GIT: FakeGit = FakeGit(None);

    /// A workspace `<tmp>/ws` with a module `<tmp>/ws/app`.
    struct Fixture {
        _dir: tempfile::TempDir,
        target: ImageTarget,
        ws: String,
        module: String,
        pom: String,
    }

    fn fixture(dockerfile: bool) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        let module = ws.join("app");
        fs::create_dir_all(&module).unwrap();
        if dockerfile {
            fs::write(module.join("Dockerfile"), "FROM scratch\n").unwrap();
        }
        let target = ImageTarget {
            group_id: "com.example.shop".into(),
            artifact_id: "app".into(),
            version: "1.0-SNAPSHOT".into(),
            packaging: "jar".into(),
            module_dir: module.clone(),
            pom: module.join("pom.xml"),
            workspace_root: ws.clone(),
            fingerprint: FP.into(),
            plugins: Vec::new(),
            properties: BTreeMap::new(),
            maven: MavenCommand {
                program: "mvn".into(),
                args: vec!["-Dmaven.repo.local=/x".into(), "-o".into()],
            },
        };
        let s = |p: &Path| p.to_str().unwrap().to_owned();
        Fixture {
            target,
            ws: s(&ws),
            module: s(&module),
            pom: s(&module.join("pom.xml")),
            _dir: dir,
        }
    }

    fn node(name: &str, text: Option<&str>, children: Vec<ConfigNode>) -> ConfigNode {
        ConfigNode {
            name: name.into(),
            text: text.map(str::to_owned),
            children,
        }
    }

    fn leaf(name: &str, text: &str) -> ConfigNode {
        node(name, Some(text), Vec::new())
    }

    fn plugin(coords: (&str, &str), configuration: Option<ConfigNode>) -> PluginInfo {
        PluginInfo {
            group_id: coords.0.into(),
            artifact_id: coords.1.into(),
            version: Some("1".into()),
            configuration,
        }
    }

    fn jib_plugin(image: Option<&str>) -> PluginInfo {
        plugin(
            JIB,
            image.map(|i| {
                node(
                    "configuration",
                    None,
                    vec![node("to", None, vec![leaf("image", i)])],
                )
            }),
        )
    }

    fn only(programs: &'static [&'static str]) -> impl Fn(&str) -> bool {
        move |p| programs.contains(&p)
    }

    fn argv(plan: &ImagePlan) -> Vec<Vec<&str>> {
        plan.steps
            .iter()
            .map(|s| s.argv.iter().map(String::as_str).collect())
            .collect()
    }

    fn opts(engine: Engine, registry: Option<&str>) -> ImageOptions {
        ImageOptions {
            engine,
            registry: registry.map(str::to_owned),
            ..ImageOptions::default()
        }
    }

    fn plan(
        f: &Fixture,
        o: &ImageOptions,
        path: &'static [&'static str],
    ) -> Result<ImagePlan, ImageError> {
        plan_image_with(&f.target, o, &NO_GIT, &only(path))
    }

    #[test]
    fn dockerfile_with_docker() {
        let f = fixture(true);
        let p = plan(&f, &opts(Engine::Auto, None), &["docker", "podman"]).unwrap();
        assert_eq!(p.image, "app:1.0-SNAPSHOT");
        assert_eq!(
            (p.engine, p.method),
            (Engine::Docker, BuildMethod::Dockerfile)
        );
        let df = format!("{}/Dockerfile", f.module);
        assert_eq!(
            argv(&p),
            vec![
                vec![
                    "mvn",
                    "-B",
                    "-f",
                    &f.pom,
                    "package",
                    "-DskipTests",
                    "-Dmaven.repo.local=/x",
                    "-o"
                ],
                vec![
                    "docker",
                    "build",
                    "-t",
                    "app:1.0-SNAPSHOT",
                    "-f",
                    &df,
                    &f.module
                ],
            ]
        );
        assert!(p.steps.iter().all(|s| s.cwd == Path::new(&f.ws)));
    }

    #[test]
    fn dockerfile_with_registry_pushes() {
        let f = fixture(true);
        let p = plan(
            &f,
            &opts(Engine::Docker, Some("reg.example.com:5000/team")),
            &[],
        )
        .unwrap();
        let image = "reg.example.com:5000/team/app:1.0-SNAPSHOT";
        assert_eq!(p.image, image);
        assert_eq!(p.name, "reg.example.com:5000/team/app");
        assert_eq!(p.tag, "1.0-SNAPSHOT");
        let df = format!("{}/Dockerfile", f.module);
        assert_eq!(
            argv(&p)[1..],
            vec![
                vec!["docker", "build", "-t", image, "-f", &df, &f.module],
                vec!["docker", "push", image],
            ]
        );
    }

    #[test]
    fn auto_falls_back_to_podman_then_buildah() {
        let f = fixture(true);
        let df = format!("{}/Dockerfile", f.module);
        let p = plan(
            &f,
            &opts(Engine::Auto, Some("reg.io")),
            &["podman", "buildah"],
        )
        .unwrap();
        assert_eq!(p.engine, Engine::Podman);
        assert_eq!(
            argv(&p)[1..],
            vec![
                vec![
                    "podman",
                    "build",
                    "-t",
                    "reg.io/app:1.0-SNAPSHOT",
                    "-f",
                    &df,
                    &f.module
                ],
                vec!["podman", "push", "reg.io/app:1.0-SNAPSHOT"],
            ]
        );
        let p = plan(&f, &opts(Engine::Auto, Some("reg.io")), &["buildah"]).unwrap();
        assert_eq!(
            argv(&p)[1..],
            vec![
                vec![
                    "buildah",
                    "bud",
                    "-t",
                    "reg.io/app:1.0-SNAPSHOT",
                    "-f",
                    &df,
                    &f.module
                ],
                vec!["buildah", "push", "reg.io/app:1.0-SNAPSHOT"],
            ]
        );
        // Nothing installed: still docker, the commonest, for the emitted line.
        let p = plan(&f, &opts(Engine::Auto, None), &[]).unwrap();
        assert_eq!(p.engine, Engine::Docker);
    }

    #[test]
    fn explicit_engines() {
        let f = fixture(true);
        let df = format!("{}/Dockerfile", f.module);
        let p = plan(&f, &opts(Engine::Buildah, None), &["docker"]).unwrap();
        assert_eq!(
            argv(&p)[1],
            vec![
                "buildah",
                "bud",
                "-t",
                "app:1.0-SNAPSHOT",
                "-f",
                &df,
                &f.module
            ]
        );
        let p = plan(&f, &opts(Engine::Podman, None), &["docker"]).unwrap();
        assert_eq!(argv(&p)[1][0], "podman");
        assert_eq!(p.steps.len(), 2);

        let bare = fixture(false);
        assert!(matches!(
            plan(&bare, &opts(Engine::Buildah, None), &[]),
            Err(ImageError::NoDockerfile {
                engine: Engine::Buildah,
                ..
            })
        ));
        assert!(matches!(
            plan(&bare, &opts(Engine::Docker, None), &[]),
            Err(ImageError::NoDockerfile {
                engine: Engine::Docker,
                ..
            })
        ));
    }

    #[test]
    fn containerfile_counts_as_dockerfile() {
        let f = fixture(false);
        fs::write(Path::new(&f.module).join("Containerfile"), "FROM scratch\n").unwrap();
        let p = plan(&f, &opts(Engine::Podman, None), &[]).unwrap();
        assert_eq!(argv(&p)[1][5], format!("{}/Containerfile", f.module));
    }

    #[test]
    fn jib_goals() {
        let mut f = fixture(true);
        f.target.plugins.push(jib_plugin(None));
        let mvn = |goal: &str, image: &str, pom: &str| -> Vec<String> {
            [
                "mvn",
                "-B",
                "-f",
                pom,
                "package",
                goal,
                &format!("-Djib.to.image={image}"),
                "-DskipTests",
                "-Dmaven.repo.local=/x",
                "-o",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect()
        };
        // Auto prefers Jib over the Dockerfile; no registry: a tar, nothing pushed.
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert_eq!((p.engine, p.method), (Engine::Jib, BuildMethod::Jib));
        assert_eq!(p.steps.len(), 1);
        assert_eq!(
            p.steps[0].argv,
            mvn("jib:buildTar", "app:1.0-SNAPSHOT", &f.pom)
        );

        // With a registry Jib pushes by itself.
        let p = plan(&f, &opts(Engine::Jib, Some("reg.io/team")), &[]).unwrap();
        assert_eq!(p.steps.len(), 1);
        assert_eq!(
            p.steps[0].argv,
            mvn("jib:build", "reg.io/team/app:1.0-SNAPSHOT", &f.pom)
        );

        // An explicit goal wins; dockerBuild loads into docker, which then pushes.
        let o = ImageOptions {
            jib_goal: Some(JibGoal::DockerBuild),
            ..opts(Engine::Auto, Some("reg.io"))
        };
        let p = plan(&f, &o, &["docker"]).unwrap();
        assert_eq!(
            p.steps[0].argv,
            mvn("jib:dockerBuild", "reg.io/app:1.0-SNAPSHOT", &f.pom)
        );
        assert_eq!(
            argv(&p)[1],
            vec!["docker", "push", "reg.io/app:1.0-SNAPSHOT"]
        );
    }

    #[test]
    fn docker_engine_without_dockerfile_uses_jib_docker_build() {
        let mut f = fixture(false);
        f.target.plugins.push(jib_plugin(None));
        let p = plan(&f, &opts(Engine::Podman, Some("reg.io")), &[]).unwrap();
        assert_eq!(
            argv(&p),
            vec![
                vec![
                    "mvn",
                    "-B",
                    "-f",
                    &f.pom,
                    "package",
                    "jib:dockerBuild",
                    "-Djib.to.image=reg.io/app:1.0-SNAPSHOT",
                    "-Djib.dockerClient.executable=podman",
                    "-DskipTests",
                    "-Dmaven.repo.local=/x",
                    "-o",
                ],
                vec!["podman", "push", "reg.io/app:1.0-SNAPSHOT"],
            ]
        );
    }

    #[test]
    fn jib_without_plugin_is_an_error() {
        let f = fixture(true);
        let err = plan(&f, &opts(Engine::Jib, None), &[]).unwrap_err();
        assert!(matches!(err, ImageError::JibNotConfigured { .. }));
        let help = miette::Diagnostic::help(&err).unwrap().to_string();
        assert!(
            help.contains("<artifactId>jib-maven-plugin</artifactId>"),
            "{help}"
        );
    }

    #[test]
    fn jib_image_name_from_the_pom() {
        let mut f = fixture(false);
        f.target
            .plugins
            .push(jib_plugin(Some("registry.example.com/team/svc:latest")));
        // No --registry: the POM's registry stays; the POM's tag does not.
        let p = plan(&f, &opts(Engine::Auto, None), &[]).unwrap();
        assert_eq!(p.image, "registry.example.com/team/svc:1.0-SNAPSHOT");
        // --registry replaces the POM's host.
        let p = plan(&f, &opts(Engine::Auto, Some("other.io:5000")), &[]).unwrap();
        assert_eq!(p.image, "other.io:5000/team/svc:1.0-SNAPSHOT");
        // jib.to.image beats <to><image>, which beats `image`.
        f.target
            .properties
            .insert("image".into(), "low/prio".into());
        assert_eq!(
            plan(&f, &opts(Engine::Auto, None), &[]).unwrap().name,
            "registry.example.com/team/svc"
        );
        f.target
            .properties
            .insert("jib.to.image".into(), "top/prio:9".into());
        assert_eq!(
            plan(&f, &opts(Engine::Auto, None), &[]).unwrap().name,
            "top/prio"
        );
        f.target.plugins = vec![jib_plugin(None)];
        f.target.properties.remove("jib.to.image");
        assert_eq!(
            plan(&f, &opts(Engine::Auto, None), &[]).unwrap().name,
            "low/prio"
        );
        // --name beats all.
        let o = ImageOptions {
            name: Some("mine/x".into()),
            ..opts(Engine::Auto, None)
        };
        assert_eq!(plan(&f, &o, &[]).unwrap().name, "mine/x");
    }

    #[test]
    fn dockerfile_route_takes_the_name_a_plugin_configures() {
        let mut f = fixture(true);
        f.target.plugins.push(plugin(
            SPOTIFY,
            Some(node(
                "configuration",
                None,
                vec![leaf("repository", "team/shop-app")],
            )),
        ));
        let p = plan(&f, &opts(Engine::Docker, None), &[]).unwrap();
        assert_eq!(p.method, BuildMethod::Dockerfile);
        assert_eq!(p.image, "team/shop-app:1.0-SNAPSHOT");
    }

    fn fabric8(name: &str) -> PluginInfo {
        plugin(
            FABRIC8,
            Some(node(
                "configuration",
                None,
                vec![node(
                    "images",
                    None,
                    vec![
                        node(
                            "image",
                            None,
                            vec![leaf("name", "postgres:16"), node("run", None, vec![])],
                        ),
                        node(
                            "image",
                            None,
                            vec![leaf("name", name), node("build", None, vec![])],
                        ),
                    ],
                )],
            )),
        )
    }

    #[test]
    fn fabric8_builds_then_tags_then_pushes() {
        let mut f = fixture(false);
        f.target.artifact_id = "Order_Service".into();
        f.target.plugins.push(fabric8("%g/%a:%l"));
        let p = plan(&f, &opts(Engine::Auto, Some("reg.io")), &["docker"]).unwrap();
        assert_eq!(
            (p.engine, p.method),
            (Engine::Docker, BuildMethod::Fabric8DockerPlugin)
        );
        assert_eq!(
            argv(&p),
            vec![
                vec![
                    "mvn",
                    "-B",
                    "-f",
                    &f.pom,
                    "package",
                    "docker:build",
                    "-DskipTests",
                    "-Dmaven.repo.local=/x",
                    "-o"
                ],
                vec![
                    "docker",
                    "tag",
                    "shop/order_service:latest",
                    "reg.io/shop/order_service:1.0-SNAPSHOT"
                ],
                vec!["docker", "push", "reg.io/shop/order_service:1.0-SNAPSHOT"],
            ]
        );
        // Same name and tag as the plugin builds: no tag step, and no push without registry.
        let mut f = fixture(false);
        f.target.version = "2.1".into();
        f.target.plugins.push(fabric8("team/app:%v"));
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert_eq!(p.image, "team/app:2.1");
        assert_eq!(p.steps.len(), 1);
    }

    #[test]
    fn fabric8_unknowable_names_are_errors() {
        for name in ["app:%t", "app:%T", "app:%x", "app:%"] {
            let mut f = fixture(false);
            f.target.plugins.push(fabric8(name));
            let err = plan(&f, &opts(Engine::Auto, None), &[]).unwrap_err();
            assert!(
                matches!(err, ImageError::UnsupportedPluginConfig { .. }),
                "{name}: {err:?}"
            );
        }
        // With a Dockerfile, m2fresh builds it and needs no fabric8 name.
        let mut f = fixture(true);
        f.target.plugins.push(fabric8("app:%t"));
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert_eq!(
            (p.method, p.image.as_str()),
            (BuildMethod::Dockerfile, "app:1.0-SNAPSHOT")
        );
        // Release versions make %t plain again.
        let mut f = fixture(false);
        f.target.version = "3.0".into();
        f.target.plugins.push(fabric8("app:%t"));
        assert_eq!(
            plan(&f, &opts(Engine::Auto, None), &[]).unwrap().image,
            "app:3.0"
        );
    }

    #[test]
    fn spotify_gets_name_and_tag_through_properties_when_unconfigured() {
        let mut f = fixture(false);
        f.target.plugins.push(plugin(SPOTIFY, None));
        let p = plan(&f, &opts(Engine::Auto, Some("reg.io")), &["docker"]).unwrap();
        assert_eq!(p.method, BuildMethod::SpotifyDockerfilePlugin);
        assert_eq!(
            argv(&p),
            vec![
                vec![
                    "mvn",
                    "-B",
                    "-f",
                    &f.pom,
                    "package",
                    "dockerfile:build",
                    "-Ddockerfile.repository=reg.io/app",
                    "-Ddockerfile.tag=1.0-SNAPSHOT",
                    "-DskipTests",
                    "-Dmaven.repo.local=/x",
                    "-o",
                ],
                vec!["docker", "push", "reg.io/app:1.0-SNAPSHOT"],
            ]
        );
        // Configured repository and tag cannot be overridden: build, then retag.
        let mut f = fixture(false);
        f.target.plugins.push(plugin(
            SPOTIFY,
            Some(node(
                "configuration",
                None,
                vec![leaf("repository", "team/app"), leaf("tag", "latest")],
            )),
        ));
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert_eq!(
            argv(&p)[1..],
            vec![vec![
                "docker",
                "tag",
                "team/app:latest",
                "team/app:1.0-SNAPSHOT"
            ]]
        );
    }

    #[test]
    fn nothing_to_build_with_says_how_to_add_it() {
        let f = fixture(false);
        let err = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap_err();
        assert!(matches!(err, ImageError::NoImageSource { .. }));
        assert!(err.to_string().contains(&f.module), "{err}");
        let help = miette::Diagnostic::help(&err).unwrap().to_string();
        assert!(
            help.contains("Dockerfile") && help.contains("jib-maven-plugin"),
            "{help}"
        );
    }

    #[test]
    fn tag_policies() {
        let mut f = fixture(true);
        let tag = |f: &Fixture, policy, git: &FakeGit| {
            let o = ImageOptions {
                tag_policy: policy,
                ..ImageOptions::default()
            };
            plan_image_with(&f.target, &o, git, &only(&["docker"])).map(|p| p.tag)
        };
        assert_eq!(
            tag(&f, TagPolicy::Version, &NO_GIT).unwrap(),
            "1.0-SNAPSHOT"
        );
        assert_eq!(
            tag(&f, TagPolicy::Fingerprint, &NO_GIT).unwrap(),
            "0123456789ab"
        );
        assert_eq!(
            tag(&f, TagPolicy::VersionFingerprint, &NO_GIT).unwrap(),
            "1.0-SNAPSHOT-0123456789ab"
        );
        let clean = FakeGit(Some(GitHead {
            short: "3f2a9c1b0d4e".into(),
            dirty: false,
        }));
        let dirty = FakeGit(Some(GitHead {
            short: "3f2a9c1b0d4e".into(),
            dirty: true,
        }));
        assert_eq!(tag(&f, TagPolicy::Git, &clean).unwrap(), "3f2a9c1b0d4e");
        assert_eq!(
            tag(&f, TagPolicy::Git, &dirty).unwrap(),
            "3f2a9c1b0d4e-dirty"
        );
        assert!(matches!(
            tag(&f, TagPolicy::Git, &NO_GIT),
            Err(ImageError::NotAGitRepository { .. })
        ));
        f.target.fingerprint = "xyz".into();
        assert!(matches!(
            tag(&f, TagPolicy::Fingerprint, &NO_GIT),
            Err(ImageError::InvalidFingerprint { .. })
        ));
        f.target.version = "1.0+build.5".into();
        assert!(matches!(
            tag(&f, TagPolicy::Version, &NO_GIT),
            Err(ImageError::InvalidTag {
                policy: TagPolicy::Version,
                ..
            })
        ));
    }

    #[test]
    fn git_policy_against_a_real_repository() {
        let f = fixture(true);
        let run = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .arg("-C")
                .arg(&f.ws)
                .args(args)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.com")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.com")
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        run(&["init", "-q"]);
        run(&["add", "."]);
        run(&["-c", "commit.gpgsign=false", "commit", "-q", "-m", "init"]);
        let o = ImageOptions {
            tag_policy: TagPolicy::Git,
            ..ImageOptions::default()
        };
        let clean = plan_image_with(&f.target, &o, &CommandGit, &only(&["docker"])).unwrap();
        assert_eq!(clean.tag.len(), 12, "{}", clean.tag);
        fs::write(Path::new(&f.module).join("Dockerfile"), "FROM busybox\n").unwrap();
        let dirty = plan_image_with(&f.target, &o, &CommandGit, &only(&["docker"])).unwrap();
        assert_eq!(dirty.tag, format!("{}-dirty", clean.tag));
    }

    #[test]
    fn hostile_pom_values_are_rejected() {
        let mut f = fixture(true);
        f.target.artifact_id = "a;rm -rf /".into();
        let err = plan(&f, &opts(Engine::Auto, None), &[]).unwrap_err();
        assert!(
            matches!(err, ImageError::InvalidImageName { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("the artifactId"), "{err}");

        let mut f = fixture(true);
        f.target.version = "$(x)".into();
        assert!(matches!(
            plan(&f, &opts(Engine::Auto, None), &[]),
            Err(ImageError::InvalidTag { .. })
        ));
        // Under the fingerprint policy the version is not used at all.
        let o = ImageOptions {
            tag_policy: TagPolicy::Fingerprint,
            ..ImageOptions::default()
        };
        let p = plan(&f, &o, &[]).unwrap();
        assert!(!p.command().unwrap().contains("$(x)"));

        for registry in ["reg io", "reg.io\n", "reg.io;ls", "$(x)", "reg.io/'a'"] {
            let f = fixture(true);
            assert!(
                matches!(
                    plan(&f, &opts(Engine::Auto, Some(registry)), &[]),
                    Err(ImageError::InvalidRegistry { .. })
                ),
                "{registry:?}"
            );
        }

        let mut f = fixture(false);
        f.target.plugins.push(jib_plugin(Some("team/app`id`")));
        let err = plan(&f, &opts(Engine::Auto, None), &[]).unwrap_err();
        assert!(
            matches!(err, ImageError::InvalidImageName { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("jib-maven-plugin"), "{err}");

        let mut f = fixture(false);
        f.target.plugins.push(plugin(
            SPOTIFY,
            Some(node(
                "configuration",
                None,
                vec![leaf("repository", "app"), leaf("tag", "x;reboot")],
            )),
        ));
        assert!(matches!(
            plan(&f, &opts(Engine::Auto, None), &[]),
            Err(ImageError::UnsupportedPluginConfig { .. })
        ));
    }

    #[test]
    fn name_option_with_a_host_conflicts_with_registry() {
        let f = fixture(true);
        let o = ImageOptions {
            name: Some("other.io/app".into()),
            ..opts(Engine::Auto, Some("reg.io"))
        };
        assert!(matches!(
            plan(&f, &o, &[]),
            Err(ImageError::InvalidImageName { .. })
        ));
        let o = ImageOptions {
            name: Some("Bad".into()),
            ..ImageOptions::default()
        };
        assert!(matches!(
            plan(&f, &o, &[]),
            Err(ImageError::InvalidImageName { .. })
        ));
    }

    #[test]
    fn upper_case_artifact_id_is_lowered() {
        let mut f = fixture(true);
        f.target.artifact_id = "PortalView".into();
        assert_eq!(
            plan(&f, &opts(Engine::Auto, None), &[]).unwrap().name,
            "portalview"
        );
    }

    #[test]
    fn odd_paths_and_arguments_are_quoted_in_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("my ws$(touch x)'q'");
        let module = ws.join("app\nmod");
        fs::create_dir_all(&module).unwrap();
        fs::write(module.join("Dockerfile"), "FROM scratch\n").unwrap();
        let mut f = fixture(true);
        f.target.workspace_root = ws.clone();
        f.target.module_dir = module.clone();
        f.target.pom = module.join("pom.xml");
        f.target.maven = MavenCommand {
            program: "./mvnw".into(),
            args: vec!["-Dx=$(rm -rf /)".into(), "-Dy=a b;c".into()],
        };
        let p = plan(&f, &opts(Engine::Auto, Some("reg.io")), &["docker"]).unwrap();
        let line = p.command().unwrap();
        let mut expected = vec!["cd".to_string(), ws.to_str().unwrap().to_owned()];
        for step in &p.steps {
            expected.push("&&".into());
            expected.extend(step.argv.iter().cloned());
        }
        assert_eq!(shlex::split(&line).unwrap(), expected);
        assert!(line.starts_with("cd '"));

        f.target.maven.args.push("nul\0".into());
        assert!(matches!(
            plan(&f, &opts(Engine::Auto, None), &[]),
            Err(ImageError::NulInArgument { .. })
        ));
    }

    #[test]
    fn relative_paths_become_absolute() {
        let f = fixture(true);
        let cwd = std::env::current_dir().unwrap();
        let mut t = f.target.clone();
        t.workspace_root = PathBuf::from("ws-rel");
        t.module_dir = PathBuf::from(&f.module);
        t.pom = PathBuf::from("-f/pom.xml");
        let p = plan_image_with(&t, &ImageOptions::default(), &NO_GIT, &only(&["docker"])).unwrap();
        assert_eq!(p.steps[0].cwd, cwd.join("ws-rel"));
        assert_eq!(p.steps[0].argv[3], cwd.join("-f/pom.xml").to_str().unwrap());
    }

    #[test]
    fn json_form() {
        let f = fixture(true);
        let p = plan(&f, &opts(Engine::Auto, Some("reg.io")), &["docker"]).unwrap();
        let json = serde_json::to_value(&p).unwrap();
        let df = format!("{}/Dockerfile", f.module);
        assert_eq!(
            json,
            serde_json::json!({
                "schema": 1,
                "image": "reg.io/app:1.0-SNAPSHOT",
                "name": "reg.io/app",
                "tag": "1.0-SNAPSHOT",
                "fingerprint": FP,
                "engine": "docker",
                "method": "dockerfile",
                "steps": [
                    {"argv": ["mvn", "-B", "-f", f.pom, "package", "-DskipTests", "-Dmaven.repo.local=/x", "-o"], "cwd": f.ws},
                    {"argv": ["docker", "build", "-t", "reg.io/app:1.0-SNAPSHOT", "-f", df, f.module], "cwd": f.ws},
                    {"argv": ["docker", "push", "reg.io/app:1.0-SNAPSHOT"], "cwd": f.ws},
                ],
                "command": p.command().unwrap(),
            })
        );
        assert_eq!(
            p.command().unwrap(),
            format!(
                "cd {} && mvn -B -f {} package -DskipTests -Dmaven.repo.local=/x -o && docker build -t reg.io/app:1.0-SNAPSHOT -f {df} {} && docker push reg.io/app:1.0-SNAPSHOT",
                f.ws, f.pom, f.module
            )
        );
    }

    #[test]
    fn option_names_parse() {
        assert_eq!("podman".parse::<Engine>(), Ok(Engine::Podman));
        assert_eq!(
            "version-fingerprint".parse::<TagPolicy>(),
            Ok(TagPolicy::VersionFingerprint)
        );
        assert_eq!("dockerBuild".parse::<JibGoal>(), Ok(JibGoal::DockerBuild));
        let err = "rkt".parse::<Engine>().unwrap_err();
        assert!(err.contains("docker, podman"), "{err}");
    }
}

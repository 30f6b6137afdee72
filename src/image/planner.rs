//! Turning an [`ImageTarget`] and [`ImageOptions`] into an [`ImagePlan`]: the route
//! ([`super::routes`]), the validated `name:tag`, the labels, and the argv of each step.
//!
//! Every path in the argv is absolute (so steps can be run one by one from anywhere, and a
//! path can never be read as an option), every name and tag has passed the reference
//! grammar, and nothing here runs a command except the `GitInfo` the caller hands in.

use super::reference::{check_name, check_registry, check_tag, split_domain, split_reference};
use super::routes::{
    self, FABRIC8, FoundDockerfile, JIB, PluginKind, Route, SPOTIFY, SPOTIFY_DOCKER, config_node,
    config_text, find_plugin,
};
use super::shell::shell_line;
use super::{
    BuildMethod, ConfigNode, Engine, GitInfo, ImageError, ImageOptions, ImagePlan, ImageTarget,
    JibGoal, LABEL_FINGERPRINT, LABEL_REVISION, LABEL_VERSION, PluginInfo, Step, TagPolicy,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
/// `podman` or `buildah` is installed.
///
/// The route (see the `routes` module): with `auto`, the one plugin the POM configures
/// (Jib, `com.spotify:docker-maven-plugin`, `com.spotify:dockerfile-maven-plugin`,
/// `io.fabric8:docker-maven-plugin`), else the one Dockerfile (next to the POM, in
/// `src/main/docker`, or a resource template) built by docker, podman or buildah,
/// whichever is on `PATH` first; two of either are ambiguous. `jib` (or a Jib goal): the
/// Jib plugin. `docker`/`podman`/`buildah`: the one Dockerfile, else (docker, podman) the
/// one plugin. `--dockerfile` and `--context` override.
///
/// The name is `--registry/` + (`--name`, or the repository part of the image the POM
/// configures for the chosen route, or the lower-cased artifactId). Without `--registry`
/// a POM-configured registry host stays; with it, the POM's host is replaced. A tag in a
/// POM-configured image is ignored: the tag comes from the policy.
///
/// Every image gets the labels of [`image_labels`], through the route's own mechanism
/// (`--label`, Jib's `jib.container.labels`, the plugins' properties); where a route has
/// none, [`ImagePlan::label_note`] says so.
pub fn plan_image_with(
    target: &ImageTarget,
    options: &ImageOptions,
    git: &dyn GitInfo,
    on_path: &dyn Fn(&str) -> bool,
) -> Result<ImagePlan, ImageError> {
    let paths = Paths::new(target)?;
    let route = routes::choose_route(target, options, on_path)?;
    let name = image_name(target, options, &route)?;
    let tag = image_tag(target, options.tag_policy, git)?;
    let image = format!("{name}:{tag}");
    let labels = image_labels(target, git);
    let push = options.registry.is_some() || split_domain(&name).0.is_some() && options.push;
    let insecure = options.insecure_registry || split_domain(&name).0.is_some_and(is_loopback);
    let request = StepRequest {
        target,
        paths: &paths,
        image: &image,
        name: &name,
        tag: &tag,
        labels: &labels,
        push,
        insecure,
    };
    let built = match &route {
        Route::Dockerfile {
            engine,
            file,
            context,
        } => dockerfile_steps(&request, *engine, file, context)?,
        Route::Jib { goal, daemon, .. } => jib_steps(&request, *goal, *daemon)?,
        Route::Plugin { kind, engine } => plugin_steps(&request, *kind, *engine)?,
    };
    // Surfaces a NUL in the user's Maven arguments now, not when the plan is printed.
    shell_line(&built.steps)?;
    Ok(ImagePlan {
        image,
        name,
        tag,
        fingerprint: target.fingerprint.clone(),
        engine: built.engine,
        method: built.method,
        steps: built.steps,
        dockerfile: built.dockerfile,
        context: built.context,
        labels,
        label_note: built.label_note,
        pushes: push,
    })
}

/// The labels every image gets: the project version, the git commit when the module is in
/// a git working tree, and the m2fresh fingerprint of the module.
pub fn image_labels(target: &ImageTarget, git: &dyn GitInfo) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    labels.insert(LABEL_VERSION.to_owned(), target.version.clone());
    if let Ok(Some(head)) = git.head(&target.module_dir)
        && !head.commit.is_empty()
    {
        labels.insert(LABEL_REVISION.to_owned(), head.commit);
    }
    labels.insert(LABEL_FINGERPRINT.to_owned(), target.fingerprint.clone());
    labels
}

/// Whether a registry host is on this machine: plain HTTP is allowed there.
pub(crate) fn is_loopback(domain: &str) -> bool {
    let host = match domain.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => domain.rsplit_once(':').map_or(domain, |(h, _)| h),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// What every route's steps are made from.
struct StepRequest<'a> {
    target: &'a ImageTarget,
    paths: &'a Paths,
    image: &'a str,
    name: &'a str,
    tag: &'a str,
    labels: &'a BTreeMap<String, String>,
    push: bool,
    /// The registry is reached over plain HTTP (loopback, or `--insecure-registry`).
    insecure: bool,
}

/// The steps of a route and what the plan says about them.
struct Built {
    engine: Engine,
    method: BuildMethod,
    steps: Vec<Step>,
    dockerfile: Option<PathBuf>,
    context: Option<PathBuf>,
    label_note: Option<String>,
}

fn utf8(path: &Path) -> Result<String, ImageError> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| ImageError::NonUtf8Path {
            path: path.to_path_buf(),
        })
}

/// `ENGINE build -t IMAGE -f FILE [--build-arg K=V]… [--label K=V]… CONTEXT`, then the push.
fn dockerfile_steps(
    r: &StepRequest,
    engine: Engine,
    file: &FoundDockerfile,
    context: &Path,
) -> Result<Built, ImageError> {
    let program = engine.as_str();
    let build = if engine == Engine::Buildah {
        "bud"
    } else {
        "build"
    };
    let dockerfile = utf8(&absolute(&file.built)?)?;
    let context = absolute(context)?;
    let mut argv: Vec<String> = [program, build, "-t", r.image, "-f", &dockerfile]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for (k, v) in &file.build_args {
        argv.push("--build-arg".into());
        argv.push(format!("{k}={v}"));
    }
    for (k, v) in r.labels {
        argv.push("--label".into());
        argv.push(format!("{k}={v}"));
    }
    argv.push(utf8(&context)?);
    let mut steps = vec![r.paths.maven(r.target, &[]), r.paths.step_owned(argv)];
    if r.push {
        steps.push(push_step(r, engine, r.image));
    }
    Ok(Built {
        engine,
        method: BuildMethod::Dockerfile,
        steps,
        dockerfile: Some(PathBuf::from(dockerfile)),
        context: Some(context),
        label_note: None,
    })
}

/// `ENGINE push IMAGE`; podman and buildah need `--tls-verify=false` for a plain-HTTP
/// registry (docker allows one on loopback by itself).
fn push_step(r: &StepRequest, engine: Engine, image: &str) -> Step {
    let mut argv = vec![engine.as_str(), "push"];
    if r.insecure && matches!(engine, Engine::Podman | Engine::Buildah) {
        argv.push("--tls-verify=false");
    }
    argv.push(image);
    r.paths.step(argv)
}

fn jib_steps(r: &StepRequest, goal: JibGoal, daemon: Engine) -> Result<Built, ImageError> {
    let goal_arg = format!("jib:{goal}");
    let image_arg = format!("-Djib.to.image={}", r.image);
    let mut extra = vec![goal_arg, image_arg];
    if daemon == Engine::Podman && goal == JibGoal::DockerBuild {
        extra.push("-Djib.dockerClient.executable=podman".into());
    }
    if r.insecure && goal == JibGoal::Build {
        extra.push("-Djib.allowInsecureRegistries=true".into());
    }
    // `jib.container.labels` replaces the POM's <container><labels>: merge them.
    let mut labels: BTreeMap<String, String> = find_plugin(r.target, JIB)
        .and_then(|p| config_node(p, &["container", "labels"]))
        .map(|n| {
            n.children
                .iter()
                .map(|c| (c.name.clone(), c.text.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    labels.extend(r.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    let label_note = if labels
        .iter()
        .any(|(k, v)| k.contains([',', '=']) || v.contains(','))
    {
        Some("labels: not set, a value holds a `,`, which jib.container.labels cannot carry".into())
    } else {
        let list: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        extra.push(format!("-Djib.container.labels={}", list.join(",")));
        None
    };
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut steps = vec![r.paths.maven(r.target, &extra)];
    if r.push && goal == JibGoal::DockerBuild {
        steps.push(push_step(r, daemon, r.image));
    }
    Ok(Built {
        engine: Engine::Jib,
        method: BuildMethod::Jib,
        steps,
        dockerfile: None,
        context: None,
        label_note,
    })
}

fn plugin_steps(r: &StepRequest, kind: PluginKind, engine: Engine) -> Result<Built, ImageError> {
    let mut built_image = match kind {
        PluginKind::Fabric8 => fabric8_image(r.target)?,
        PluginKind::Spotify => spotify_build(r.target, r.name, r.tag).0,
        PluginKind::SpotifyDocker => spotify_docker_image(r.target)?,
    };
    check_built_image(r.target, kind, &built_image)?;
    let mut extra: Vec<String> = vec![goal_of(kind).to_owned()];
    let mut pushed_by_plugin = false;
    let mut label_note = None;
    let mut dockerfile = None;
    let mut context = None;
    match kind {
        PluginKind::Spotify => {
            extra.extend(spotify_build(r.target, r.name, r.tag).1);
            label_note = Some(format!(
                "labels: not set, {} has no way to add labels from the command line; add LABEL lines to the Dockerfile or build it with --engine docker",
                kind.id()
            ));
        }
        PluginKind::Fabric8 => {
            extra.push("-Ddocker.imagePropertyConfiguration=override".into());
            for (k, v) in r.labels {
                extra.push(format!("-Ddocker.labels.{k}={v}"));
            }
        }
        PluginKind::SpotifyDocker => {
            let course = spotify_docker(r, &built_image);
            extra.extend(course.args);
            built_image = course.built;
            pushed_by_plugin = course.pushes;
            label_note = course.label_note;
            dockerfile = course.dockerfile;
            context = Some(r.target.build_directory.join("docker"));
        }
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let mut steps = vec![r.paths.maven(r.target, &extra)];
    if built_image != r.image {
        steps.push(
            r.paths
                .step([engine.as_str(), "tag", &built_image, r.image]),
        );
    }
    if r.push && !pushed_by_plugin {
        steps.push(push_step(r, engine, r.image));
    }
    Ok(Built {
        engine,
        method: match kind {
            PluginKind::Fabric8 => BuildMethod::Fabric8DockerPlugin,
            PluginKind::Spotify => BuildMethod::SpotifyDockerfilePlugin,
            PluginKind::SpotifyDocker => BuildMethod::SpotifyDockerPlugin,
        },
        steps,
        dockerfile,
        context,
        label_note,
    })
}

fn goal_of(kind: PluginKind) -> &'static str {
    match kind {
        PluginKind::Fabric8 | PluginKind::SpotifyDocker => "docker:build",
        PluginKind::Spotify => "dockerfile:build",
    }
}

/// The image `com.spotify:docker-maven-plugin` builds: its `imageName` (configured, or
/// `-DdockerImageName` in the model), with `latest` when it has no tag.
fn spotify_docker_image(target: &ImageTarget) -> Result<String, ImageError> {
    let configured = find_plugin(target, SPOTIFY_DOCKER)
        .and_then(|p| config_text(p, &["imageName"]))
        .or_else(|| target.properties.get("dockerImageName").cloned())
        .filter(|v| !v.trim().is_empty());
    let Some(name) = configured else {
        return Err(ImageError::UnsupportedPluginConfig {
            plugin: PluginKind::SpotifyDocker.id(),
            reason: "no <imageName> is configured, so the plugin has no image to build".into(),
            pom: target.pom.clone(),
        });
    };
    let name = name.trim();
    let (bare, tag, _) = split_reference(name);
    Ok(match tag {
        Some(_) => name.to_owned(),
        None => format!("{bare}:latest"),
    })
}

/// The course's plugin, driven as the course drives it: `docker:build`, the extra tag
/// through `-DdockerImageTags` and the push through `-DpushImage` / `-DpushImageTag`.
struct CourseArgs {
    args: Vec<String>,
    /// What the plugin leaves: the image m2fresh then tags when it is another.
    built: String,
    pushes: bool,
    label_note: Option<String>,
    dockerfile: Option<PathBuf>,
}

fn spotify_docker(r: &StepRequest, built: &str) -> CourseArgs {
    let plugin = find_plugin(r.target, SPOTIFY_DOCKER);
    let configured = |key: &str| plugin.and_then(|p| config_node(p, &[key])).is_some();
    let (repo, built_tag, _) = split_reference(built);
    let mut args = Vec::new();
    let mut result_image = built.to_owned();
    let mut pushes = false;
    if repo == r.name {
        if built_tag == Some(r.tag) {
            if r.push {
                args.push("-DpushImage".to_owned());
                pushes = true;
            }
            result_image = r.image.to_owned();
        } else if !configured("imageTags") {
            args.push(format!("-DdockerImageTags={}", r.tag));
            if r.push {
                args.push("-DpushImageTag".to_owned());
                pushes = true;
            }
            result_image = r.image.to_owned();
        }
    }
    let docker_dir = plugin.and_then(|p| config_text(p, &["dockerDirectory"]));
    let label_note = if docker_dir.is_some() {
        Some(format!(
            "labels: not set, {} adds labels only to a Dockerfile it generates (this one has a dockerDirectory); add LABEL lines to the Dockerfile, or build it with --engine docker|podman|buildah",
            PluginKind::SpotifyDocker.id()
        ))
    } else if configured("labels") {
        Some(format!(
            "labels: not set, the POM configures <labels> for {}, which -DdockerLabels cannot extend",
            PluginKind::SpotifyDocker.id()
        ))
    } else {
        let list: Vec<String> = r.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        args.push(format!("-DdockerLabels={}", list.join(",")));
        None
    };
    let dockerfile = docker_dir.map(|d| {
        let p = Path::new(&d);
        let dir = if p.is_absolute() {
            p.to_path_buf()
        } else {
            r.target.module_dir.join(p)
        };
        dir.join("Dockerfile")
    });
    CourseArgs {
        args,
        built: result_image,
        pushes,
        label_note,
        dockerfile,
    }
}

fn absolute(p: &Path) -> Result<PathBuf, ImageError> {
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::path::absolute(p).map_err(|source| ImageError::InvalidPath {
        path: p.to_path_buf(),
        source,
    })
}

/// The absolute, UTF-8 forms of the target's paths.
struct Paths {
    root: PathBuf,
    pom: String,
}

impl Paths {
    fn new(target: &ImageTarget) -> Result<Self, ImageError> {
        let root = absolute(&target.workspace_root)?;
        utf8(&root)?;
        utf8(&absolute(&target.module_dir)?)?;
        Ok(Paths {
            root,
            pom: utf8(&absolute(&target.pom)?)?,
        })
    }

    fn step<'a>(&self, argv: impl IntoIterator<Item = &'a str>) -> Step {
        self.step_owned(argv.into_iter().map(str::to_owned).collect())
    }

    fn step_owned(&self, argv: Vec<String>) -> Step {
        Step {
            argv,
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

/// The image Jib would build: `jib.to.image` beats `<to><image>` beats `image`, as in
/// Jib's own lookup.
pub(crate) fn jib_image(target: &ImageTarget, plugin: &PluginInfo) -> Option<String> {
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
            plugin: kind.id(),
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
            looked_for: routes::LOOKED_FOR.to_owned(),
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
    if let Ok(image) = spotify_docker_image(target) {
        return Some((image, PluginKind::SpotifyDocker.id()));
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
            Route::Plugin {
                kind: PluginKind::SpotifyDocker,
                ..
            } => Some((
                spotify_docker_image(target)?,
                PluginKind::SpotifyDocker.id(),
            )),
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
            build_directory: module.join("target"),
            output_directory: module.join("target/classes"),
            final_name: "app-1.0-SNAPSHOT".into(),
            resources: vec![crate::image::ResourceRoot {
                directory: module.join("src/main/resources"),
                target_path: None,
                filtering: false,
            }],
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

    /// The steps' argv without the label arguments, which `labels_by_route` checks.
    fn argv(plan: &ImagePlan) -> Vec<Vec<&str>> {
        plan.steps.iter().map(|s| without_labels(&s.argv)).collect()
    }

    fn without_labels(argv: &[String]) -> Vec<&str> {
        let mut out = Vec::new();
        let mut skip = false;
        for a in argv {
            if std::mem::take(&mut skip) {
                continue;
            }
            if a == "--label" {
                skip = true;
                continue;
            }
            if a.starts_with("-Djib.container.labels=")
                || a.starts_with("-DdockerLabels=")
                || a.starts_with("-Ddocker.labels.")
                || a == "-Ddocker.imagePropertyConfiguration=override"
            {
                continue;
            }
            out.push(a.as_str());
        }
        out
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
            without_labels(&p.steps[0].argv),
            mvn("jib:buildTar", "app:1.0-SNAPSHOT", &f.pom)
        );

        // With a registry Jib pushes by itself.
        let p = plan(&f, &opts(Engine::Jib, Some("reg.io/team")), &[]).unwrap();
        assert_eq!(p.steps.len(), 1);
        assert_eq!(
            without_labels(&p.steps[0].argv),
            mvn("jib:build", "reg.io/team/app:1.0-SNAPSHOT", &f.pom)
        );

        // An explicit goal wins; dockerBuild loads into docker, which then pushes.
        let o = ImageOptions {
            jib_goal: Some(JibGoal::DockerBuild),
            ..opts(Engine::Auto, Some("reg.io"))
        };
        let p = plan(&f, &o, &["docker"]).unwrap();
        assert_eq!(
            without_labels(&p.steps[0].argv),
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
        // With a Dockerfile and --engine docker, m2fresh builds it and needs no fabric8
        // name (with auto, the plugin the POM configures is the project's way).
        let mut f = fixture(true);
        f.target.plugins.push(fabric8("app:%t"));
        assert!(plan(&f, &opts(Engine::Auto, None), &["docker"]).is_err());
        let p = plan(&f, &opts(Engine::Docker, None), &["docker"]).unwrap();
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
            commit: "3f2a9c1b0d4e5f60718293a4b5c6d7e8f9a0b1c2".into(),
            dirty: false,
        }));
        let dirty = FakeGit(Some(GitHead {
            short: "3f2a9c1b0d4e".into(),
            commit: "3f2a9c1b0d4e5f60718293a4b5c6d7e8f9a0b1c2".into(),
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
        assert_eq!(p.tag, "0123456789ab");
        // The version label carries it, as one quoted word.
        let words = shlex::split(&p.command().unwrap()).unwrap();
        assert!(
            words.contains(&"org.opencontainers.image.version=$(x)".to_string()),
            "{words:?}"
        );

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
                "dockerfile": df,
                "context": f.module,
                "labels": {
                    "m2fresh.fingerprint": FP,
                    "org.opencontainers.image.version": "1.0-SNAPSHOT",
                },
                "labelNote": null,
                "pushes": true,
                "steps": [
                    {"argv": ["mvn", "-B", "-f", f.pom, "package", "-DskipTests", "-Dmaven.repo.local=/x", "-o"], "cwd": f.ws},
                    {"argv": ["docker", "build", "-t", "reg.io/app:1.0-SNAPSHOT", "-f", df,
                        "--label", format!("m2fresh.fingerprint={FP}"),
                        "--label", "org.opencontainers.image.version=1.0-SNAPSHOT", f.module], "cwd": f.ws},
                    {"argv": ["docker", "push", "reg.io/app:1.0-SNAPSHOT"], "cwd": f.ws},
                ],
                "command": p.command().unwrap(),
            })
        );
        assert_eq!(
            p.command().unwrap(),
            format!(
                "cd {} && mvn -B -f {} package -DskipTests -Dmaven.repo.local=/x -o && docker build -t reg.io/app:1.0-SNAPSHOT -f {df} --label m2fresh.fingerprint={FP} --label org.opencontainers.image.version=1.0-SNAPSHOT {} && docker push reg.io/app:1.0-SNAPSHOT",
                f.ws, f.pom, f.module
            )
        );
    }

    /// The course's plugin with a Dockerfile template in src/main/resources, as
    /// kzdwts/xcEduService has it.
    fn course(f: &mut Fixture, image_name: &str) {
        let res = Path::new(&f.module).join("src/main/resources");
        fs::create_dir_all(&res).unwrap();
        fs::write(
            res.join("Dockerfile"),
            "FROM eclipse-temurin:17-jre\nARG ARTIFACTID\nARG VERSION\n\
             ADD ${ARTIFACTID}-${VERSION}.jar /app.jar\nENTRYPOINT [\"java\",\"-jar\",\"/app.jar\"]\n",
        )
        .unwrap();
        fs::remove_file(Path::new(&f.module).join("Dockerfile")).ok();
        f.target.plugins.push(plugin(
            SPOTIFY_DOCKER,
            Some(node(
                "configuration",
                None,
                vec![
                    leaf("imageName", image_name),
                    leaf("dockerDirectory", &format!("{}/target/classes", f.module)),
                    node(
                        "buildArgs",
                        None,
                        vec![leaf("ARTIFACTID", "app"), leaf("VERSION", "1.0-SNAPSHOT")],
                    ),
                    node(
                        "resources",
                        None,
                        vec![node(
                            "resource",
                            None,
                            vec![
                                leaf("targetPath", "/"),
                                leaf("directory", &format!("{}/target", f.module)),
                                leaf("include", "app-1.0-SNAPSHOT.jar"),
                            ],
                        )],
                    ),
                ],
            )),
        ));
    }

    #[test]
    fn the_course_plugin_builds_tags_and_pushes_as_the_course_does() {
        let mut f = fixture(true);
        course(&mut f, "app:1.0-SNAPSHOT");
        // auto: the plugin the POM configures; its own name and tag, nothing to add.
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert_eq!(p.method, BuildMethod::SpotifyDockerPlugin);
        assert_eq!(
            argv(&p),
            vec![vec![
                "mvn",
                "-B",
                "-f",
                &f.pom,
                "package",
                "docker:build",
                "-DskipTests",
                "-Dmaven.repo.local=/x",
                "-o"
            ]]
        );
        assert!(p.label_note.as_deref().unwrap().contains("dockerDirectory"));
        assert_eq!(p.context, Some(Path::new(&f.module).join("target/docker")));
        // A fingerprint tag goes through -DdockerImageTags, the push through -DpushImageTag.
        let mut f = fixture(true);
        course(&mut f, "reg.io:5000/app:1.0-SNAPSHOT");
        let o = ImageOptions {
            tag_policy: TagPolicy::Fingerprint,
            push: true,
            ..ImageOptions::default()
        };
        let p = plan(&f, &o, &["docker"]).unwrap();
        assert_eq!(p.image, "reg.io:5000/app:0123456789ab");
        assert_eq!(
            argv(&p)[0][5..8],
            [
                "docker:build",
                "-DdockerImageTags=0123456789ab",
                "-DpushImageTag"
            ]
        );
        assert_eq!(p.steps.len(), 1, "the plugin tags and pushes");
        // The version tag is the configured one: -DpushImage, as the course pushes.
        let o = ImageOptions {
            push: true,
            ..ImageOptions::default()
        };
        let p = plan(&f, &o, &["docker"]).unwrap();
        assert_eq!(argv(&p)[0][5..7], ["docker:build", "-DpushImage"]);
        // Another registry: the plugin builds its name, docker tags and pushes ours.
        let p = plan(&f, &opts(Engine::Auto, Some("other.io")), &["docker"]).unwrap();
        assert_eq!(
            argv(&p)[1..],
            vec![
                vec![
                    "docker",
                    "tag",
                    "reg.io:5000/app:1.0-SNAPSHOT",
                    "other.io/app:1.0-SNAPSHOT"
                ],
                vec!["docker", "push", "other.io/app:1.0-SNAPSHOT"],
            ]
        );
        // Without a dockerDirectory the plugin generates the Dockerfile: labels go in.
        let mut f = fixture(false);
        f.target.plugins.push(plugin(
            SPOTIFY_DOCKER,
            Some(node(
                "configuration",
                None,
                vec![leaf("imageName", "app"), leaf("baseImage", "java")],
            )),
        ));
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert_eq!(p.label_note, None);
        assert!(
            p.steps[0]
                .argv
                .iter()
                .any(|a| a.starts_with("-DdockerLabels=m2fresh.fingerprint="))
        );
        // `imageName` has no tag (the plugin's `latest`): ours is added by the plugin.
        assert!(
            p.steps[0]
                .argv
                .contains(&"-DdockerImageTags=1.0-SNAPSHOT".to_string())
        );
        assert_eq!(p.steps.len(), 1);
    }

    #[test]
    fn the_course_dockerfile_built_directly_gets_the_jar_directory_as_context() {
        let mut f = fixture(true);
        course(&mut f, "app:1.0-SNAPSHOT");
        for engine in [Engine::Docker, Engine::Buildah] {
            let p = plan(&f, &opts(engine, Some("127.0.0.1:5000")), &[]).unwrap();
            assert_eq!(p.method, BuildMethod::Dockerfile);
            let module = Path::new(&f.module);
            let classes = module.join("target/classes/Dockerfile");
            let target = module.join("target");
            assert_eq!(p.dockerfile.as_deref(), Some(classes.as_path()));
            assert_eq!(p.context.as_deref(), Some(target.as_path()));
            let build = &p.steps[1].argv;
            assert_eq!(
                build[..6],
                [
                    engine.as_str(),
                    if engine == Engine::Buildah {
                        "bud"
                    } else {
                        "build"
                    },
                    "-t",
                    "127.0.0.1:5000/app:1.0-SNAPSHOT",
                    "-f",
                    classes.to_str().unwrap()
                ]
            );
            assert_eq!(
                build[6..10],
                [
                    "--build-arg",
                    "ARTIFACTID=app",
                    "--build-arg",
                    "VERSION=1.0-SNAPSHOT"
                ]
            );
            assert_eq!(build.last().map(String::as_str), target.to_str());
            let push = &p.steps[2].argv;
            if engine == Engine::Buildah {
                assert_eq!(
                    push[..3],
                    ["buildah", "push", "--tls-verify=false"],
                    "loopback is plain HTTP"
                );
            } else {
                assert_eq!(push[..2], ["docker", "push"]);
            }
        }
    }

    #[test]
    fn a_plain_resources_template_is_filtered_and_its_context_found() {
        let mut f = fixture(false);
        let res = Path::new(&f.module).join("src/main/resources");
        fs::create_dir_all(&res).unwrap();
        fs::write(
            res.join("Dockerfile"),
            "FROM scratch\nADD ${project.artifactId}-${project.version}.jar /app.jar\nCOPY application.yml /\n",
        )
        .unwrap();
        fs::write(res.join("application.yml"), "x: 1\n").unwrap();
        // Unfiltered, `${project.artifactId}` is a Docker variable nothing defines: it
        // matches anything, and the jar is in target/ — but application.yml is only in
        // target/classes: no single context has both.
        let err = plan(&f, &opts(Engine::Docker, None), &[]).unwrap_err();
        assert!(matches!(err, ImageError::NoContext { .. }), "{err:?}");
        assert!(err.to_string().contains("application.yml"), "{err}");
        // --context decides.
        let o = ImageOptions {
            context: Some(Path::new(&f.module).join("target")),
            ..opts(Engine::Docker, None)
        };
        let p = plan(&f, &o, &[]).unwrap();
        assert_eq!(p.context, Some(Path::new(&f.module).join("target")));
        // Only the jar: target/.
        fs::write(
            res.join("Dockerfile"),
            "FROM scratch\nADD ${project.artifactId}-${project.version}.jar /app.jar\n",
        )
        .unwrap();
        f.target.resources[0].filtering = true;
        let p = plan(&f, &opts(Engine::Auto, None), &["podman"]).unwrap();
        assert_eq!(p.engine, Engine::Podman);
        assert_eq!(p.context, Some(Path::new(&f.module).join("target")));
    }

    #[test]
    fn ambiguity_and_nothing_found_say_what_was_found_and_looked_for() {
        let mut f = fixture(true);
        fs::create_dir_all(Path::new(&f.module).join("src/main/docker")).unwrap();
        fs::write(
            Path::new(&f.module).join("src/main/docker/Dockerfile"),
            "FROM scratch\n",
        )
        .unwrap();
        let err = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap_err();
        assert!(matches!(err, ImageError::AmbiguousRoute { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("next to pom.xml") && text.contains("src/main/docker"),
            "{text}"
        );
        // --dockerfile picks one.
        let o = ImageOptions {
            dockerfile: Some(Path::new(&f.module).join("src/main/docker/Dockerfile")),
            ..opts(Engine::Auto, None)
        };
        let p = plan(&f, &o, &["docker"]).unwrap();
        assert!(
            p.dockerfile
                .unwrap()
                .ends_with("src/main/docker/Dockerfile")
        );
        // Two plugins.
        f.target.plugins.push(jib_plugin(None));
        f.target.plugins.push(fabric8("app:1"));
        let err = plan(&f, &opts(Engine::Auto, None), &[]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("jib-maven-plugin") && text.contains("io.fabric8"),
            "{text}"
        );
        // Nothing: the error lists what was looked for.
        let bare = fixture(false);
        let err = plan(&bare, &opts(Engine::Auto, None), &[]).unwrap_err();
        let text = err.to_string();
        for looked in [
            "src/main/docker",
            "src/main/resources",
            "com.spotify:docker-maven-plugin",
            "jib-maven-plugin",
        ] {
            assert!(text.contains(looked), "{looked} in {text}");
        }
    }

    #[test]
    fn labels_by_route() {
        let git = FakeGit(Some(GitHead {
            short: "3f2a9c1b0d4e".into(),
            commit: "3f2a9c1b0d4e5f60718293a4b5c6d7e8f9a0b1c2".into(),
            dirty: false,
        }));
        let mut f = fixture(true);
        let p = plan_image_with(&f.target, &opts(Engine::Docker, None), &git, &only(&[])).unwrap();
        assert_eq!(
            p.labels["org.opencontainers.image.revision"],
            "3f2a9c1b0d4e5f60718293a4b5c6d7e8f9a0b1c2"
        );
        assert_eq!(p.labels["org.opencontainers.image.version"], "1.0-SNAPSHOT");
        assert_eq!(p.labels["m2fresh.fingerprint"], FP);
        let build = &p.steps[1].argv;
        assert!(
            build
                .windows(2)
                .any(|w| w[0] == "--label" && w[1] == format!("m2fresh.fingerprint={FP}"))
        );
        // Jib: merged with the POM's <container><labels>, one property.
        f.target.plugins.push(plugin(
            JIB,
            Some(node(
                "configuration",
                None,
                vec![node(
                    "container",
                    None,
                    vec![node("labels", None, vec![leaf("team", "shop")])],
                )],
            )),
        ));
        let p = plan_image_with(
            &f.target,
            &opts(Engine::Jib, Some("localhost:5000")),
            &git,
            &only(&[]),
        )
        .unwrap();
        let arg = p.steps[0]
            .argv
            .iter()
            .find(|a| a.starts_with("-Djib.container.labels="))
            .unwrap();
        assert_eq!(
            arg,
            &format!(
                "-Djib.container.labels=m2fresh.fingerprint={FP},org.opencontainers.image.revision=3f2a9c1b0d4e5f60718293a4b5c6d7e8f9a0b1c2,org.opencontainers.image.version=1.0-SNAPSHOT,team=shop"
            )
        );
        assert!(
            p.steps[0]
                .argv
                .contains(&"-Djib.allowInsecureRegistries=true".to_string())
        );
        // fabric8: property configuration.
        let mut f = fixture(false);
        f.target.plugins.push(fabric8("team/app:%v"));
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert!(
            p.steps[0]
                .argv
                .contains(&"-Ddocker.imagePropertyConfiguration=override".to_string())
        );
        assert!(
            p.steps[0]
                .argv
                .contains(&format!("-Ddocker.labels.m2fresh.fingerprint={FP}"))
        );
        // spotify's dockerfile plugin has no way: a note says so.
        let mut f = fixture(false);
        f.target.plugins.push(plugin(SPOTIFY, None));
        let p = plan(&f, &opts(Engine::Auto, None), &["docker"]).unwrap();
        assert!(p.label_note.unwrap().contains("no way to add labels"));
    }

    #[test]
    fn loopback_registries_are_told_apart() {
        for host in [
            "localhost",
            "localhost:5000",
            "127.0.0.1:5000",
            "127.1.2.3",
            "[::1]:5000",
        ] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "reg.io",
            "10.0.0.1:5000",
            "localhost.evil.io",
            "[::2]:5000",
            "192.168.1.1",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
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

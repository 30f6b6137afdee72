//! How a module builds its image: every route the ecosystem uses, found in the module
//! ([`find_routes`]), and the one chosen for a request ([`choose_route`]).
//!
//! The routes: the Jib plugin; the Docker Maven plugins (`com.spotify:docker-maven-plugin`
//! of the course, spotify's `dockerfile-maven-plugin`, `io.fabric8:docker-maven-plugin`);
//! and plain Dockerfiles where projects keep them — next to the POM, in `src/main/docker`,
//! or in a resource directory as a template that `package` processes into
//! `target/classes`. A plain Dockerfile gets the build context its `ADD`/`COPY` sources
//! need after `package` ([`super::dockerfile`]).
//!
//! With `--engine auto`, a plugin configured in the POM is the project's own way and wins
//! over Dockerfiles (which are then usually the plugin's); two plugins, or no plugin and
//! two Dockerfiles, are ambiguous: the error lists what was found, and `--engine`,
//! `--dockerfile` or `--context` choose.

use super::dockerfile::{self, ContextSources};
use super::{ConfigNode, Engine, ImageError, ImageOptions, ImageTarget, JibGoal, PluginInfo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) const JIB: (&str, &str) = ("com.google.cloud.tools", "jib-maven-plugin");
pub(crate) const FABRIC8: (&str, &str) = ("io.fabric8", "docker-maven-plugin");
pub(crate) const SPOTIFY: (&str, &str) = ("com.spotify", "dockerfile-maven-plugin");
pub(crate) const SPOTIFY_DOCKER: (&str, &str) = ("com.spotify", "docker-maven-plugin");

/// Files under a resource directory looked at to predict what `package` copies.
const MAX_RESOURCE_FILES: usize = 20_000;

/// What m2fresh looks for, for the error that finds nothing.
pub(crate) const LOOKED_FOR: &str = "a Dockerfile or Containerfile next to pom.xml, in src/main/docker, or in a resource directory (src/main/resources, as a template processed into target/classes); the plugins com.google.cloud.tools:jib-maven-plugin, com.spotify:docker-maven-plugin, com.spotify:dockerfile-maven-plugin, io.fabric8:docker-maven-plugin";

/// A Docker Maven plugin that builds the image itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PluginKind {
    Fabric8,
    /// `com.spotify:dockerfile-maven-plugin`.
    Spotify,
    /// `com.spotify:docker-maven-plugin`, the course's.
    SpotifyDocker,
}

impl PluginKind {
    pub(crate) fn coords(self) -> (&'static str, &'static str) {
        match self {
            PluginKind::Fabric8 => FABRIC8,
            PluginKind::Spotify => SPOTIFY,
            PluginKind::SpotifyDocker => SPOTIFY_DOCKER,
        }
    }

    pub(crate) fn id(self) -> String {
        let (g, a) = self.coords();
        format!("{g}:{a}")
    }
}

/// A Dockerfile as found in the module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FoundDockerfile {
    /// The file as it is on disk now.
    pub source: PathBuf,
    /// The file the engine reads, after `package` (a template's processed copy).
    pub built: PathBuf,
    /// Maven's resource filtering processes it.
    pub filtered: bool,
    /// Where its build context is looked for, in order.
    pub contexts: Vec<PathBuf>,
    /// Where it was found, in words.
    pub place: &'static str,
    /// The `--build-arg`s the plugin whose Dockerfile it is passes (`<buildArgs>`).
    pub build_args: BTreeMap<String, String>,
}

/// One way the module can build an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found {
    Jib,
    Plugin(PluginKind),
    Dockerfile(FoundDockerfile),
}

impl Found {
    /// For the list of an ambiguous choice.
    pub(crate) fn describe(&self) -> String {
        match self {
            Found::Jib => format!("{}:{}", JIB.0, JIB.1),
            Found::Plugin(kind) => kind.id(),
            Found::Dockerfile(d) => format!("{} ({})", d.source.display(), d.place),
        }
    }
}

/// The way the image will be built.
#[derive(Clone, Debug)]
pub(crate) enum Route {
    Dockerfile {
        engine: Engine,
        file: FoundDockerfile,
        context: PathBuf,
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

pub(crate) fn find_plugin<'a>(
    target: &'a ImageTarget,
    (group, artifact): (&str, &str),
) -> Option<&'a PluginInfo> {
    target
        .plugins
        .iter()
        .find(|p| p.group_id == group && p.artifact_id == artifact)
}

pub(crate) fn config_text(plugin: &PluginInfo, path: &[&str]) -> Option<String> {
    plugin
        .configuration
        .as_ref()
        .and_then(|c| c.text_at(path))
        .map(str::to_owned)
}

pub(crate) fn config_node<'a>(plugin: &'a PluginInfo, path: &[&str]) -> Option<&'a ConfigNode> {
    let mut node = plugin.configuration.as_ref()?;
    for name in path {
        node = node.child(name)?;
    }
    Some(node)
}

/// A directory named in a configuration: relative to the module, as Maven resolves it.
fn module_path(target: &ImageTarget, value: &str) -> PathBuf {
    let p = Path::new(value);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        target.module_dir.join(p)
    }
}

/// The Dockerfile (or Containerfile) in `dir`, if any.
fn dockerfile_in(dir: &Path) -> Option<PathBuf> {
    ["Dockerfile", "Containerfile"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
}

/// Every Dockerfile of the module, where projects keep them, in this order: next to the
/// POM, `src/main/docker`, the course plugin's `dockerDirectory`, each resource directory.
pub(crate) fn find_dockerfiles(target: &ImageTarget) -> Vec<FoundDockerfile> {
    let module = &target.module_dir;
    let mut found: Vec<FoundDockerfile> = Vec::new();
    let mut push = |d: FoundDockerfile| {
        if !found.iter().any(|f| f.source == d.source) {
            found.push(d);
        }
    };
    let build_dirs = [
        target.build_directory.clone(),
        target.output_directory.clone(),
        target.workspace_root.clone(),
    ];
    if let Some(file) = dockerfile_in(module) {
        let mut contexts = vec![module.clone()];
        contexts.extend(build_dirs.iter().cloned());
        push(FoundDockerfile {
            built: file.clone(),
            source: file,
            filtered: false,
            contexts,
            place: "next to pom.xml",
            build_args: BTreeMap::new(),
        });
    }
    let docker_dir = module.join("src/main/docker");
    if let Some(file) = dockerfile_in(&docker_dir) {
        let mut contexts = vec![module.clone(), docker_dir];
        contexts.extend(build_dirs.iter().cloned());
        push(FoundDockerfile {
            built: file.clone(),
            source: file,
            filtered: false,
            contexts,
            place: "src/main/docker",
            build_args: BTreeMap::new(),
        });
    }
    if let Some(plugin) = find_plugin(target, SPOTIFY_DOCKER)
        && let Some(dir) = config_text(plugin, &["dockerDirectory"])
    {
        let dir = module_path(target, &dir);
        // A dockerDirectory inside the build output holds a processed template: before
        // `package` it is only in the resource directory it is copied from.
        let found = dockerfile_in(&dir)
            .map(|f| (f.clone(), f))
            .or_else(|| resource_source_for(target, &dir).map(|s| (s, dir.join("Dockerfile"))));
        if let Some((source, built)) = found {
            let mut contexts = vec![dir.clone()];
            contexts.extend(build_dirs.iter().cloned());
            contexts.push(module.clone());
            let built = match built.file_name() {
                Some(name) if source.file_name() == Some(name) => built,
                _ => dir.join(source.file_name().unwrap_or_default()),
            };
            push(FoundDockerfile {
                filtered: target
                    .resources
                    .iter()
                    .any(|r| r.filtering && source.starts_with(&r.directory))
                    && built != source,
                source,
                built,
                contexts,
                place: "the dockerDirectory of com.spotify:docker-maven-plugin",
                build_args: plugin_build_args(target),
            });
        }
    }
    for resource in &target.resources {
        let Some(file) = dockerfile_in(&resource.directory) else {
            continue;
        };
        let out = match &resource.target_path {
            Some(tp) if Path::new(tp).is_absolute() => PathBuf::from(tp),
            Some(tp) => target.output_directory.join(tp),
            None => target.output_directory.clone(),
        };
        let built = out.join(file.file_name().unwrap_or_default());
        push(FoundDockerfile {
            source: file,
            built,
            filtered: resource.filtering,
            contexts: vec![
                out,
                target.build_directory.clone(),
                module.clone(),
                target.workspace_root.clone(),
            ],
            place: "a resource template, processed into the build output by package",
            build_args: BTreeMap::new(),
        });
    }
    found
}

/// The Dockerfile (or Containerfile) of a resource directory that `package` copies into
/// `dir` (a directory of the build output), if any.
fn resource_source_for(target: &ImageTarget, dir: &Path) -> Option<PathBuf> {
    let rel = dir.strip_prefix(&target.output_directory).ok()?;
    target
        .resources
        .iter()
        .filter(|r| r.target_path.is_none())
        .find_map(|r| dockerfile_in(&r.directory.join(rel)))
}

/// Every route the module offers: the plugins, then the Dockerfiles.
pub(crate) fn find_routes(target: &ImageTarget) -> Vec<Found> {
    let mut found = Vec::new();
    if find_plugin(target, JIB).is_some() {
        found.push(Found::Jib);
    }
    for kind in [
        PluginKind::SpotifyDocker,
        PluginKind::Spotify,
        PluginKind::Fabric8,
    ] {
        if find_plugin(target, kind.coords()).is_some() {
            found.push(Found::Plugin(kind));
        }
    }
    found.extend(find_dockerfiles(target).into_iter().map(Found::Dockerfile));
    found
}

/// What `package` leaves in the build directory, for a context that needs it: the
/// artifact (`<finalName>.<extension>`) and the processed resources.
pub(crate) fn predicted_outputs(target: &ImageTarget) -> Vec<PathBuf> {
    let extension = match target.packaging.as_str() {
        "war" => "war",
        "ear" => "ear",
        "rar" => "rar",
        "pom" => "pom",
        _ => "jar",
    };
    let mut out = vec![
        target
            .build_directory
            .join(format!("{}.{extension}", target.final_name)),
    ];
    let mut budget = MAX_RESOURCE_FILES;
    for resource in &target.resources {
        let base = match &resource.target_path {
            Some(tp) => target.output_directory.join(tp),
            None => target.output_directory.clone(),
        };
        for entry in walkdir::WalkDir::new(&resource.directory)
            .follow_links(false)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            if budget == 0 {
                return out;
            }
            budget -= 1;
            if let Ok(rel) = entry.path().strip_prefix(&resource.directory) {
                out.push(base.join(rel));
            }
        }
    }
    out
}

/// Maven's values that resource filtering substitutes into a template.
pub(crate) fn filter_values(target: &ImageTarget) -> BTreeMap<String, String> {
    let mut values = target.properties.clone();
    for (keys, value) in [
        (["project.artifactId", "artifactId"], &target.artifact_id),
        (["project.groupId", "groupId"], &target.group_id),
        (["project.version", "version"], &target.version),
        (["project.packaging", "packaging"], &target.packaging),
        (
            ["project.build.finalName", "build.finalName"],
            &target.final_name,
        ),
    ] {
        for key in keys {
            values.insert(key.to_owned(), value.clone());
        }
    }
    values.insert(
        "project.build.directory".into(),
        target.build_directory.display().to_string(),
    );
    values
}

/// The build arguments a plugin passes to the Dockerfile (`<buildArgs>`).
pub(crate) fn plugin_build_args(target: &ImageTarget) -> BTreeMap<String, String> {
    let mut args = BTreeMap::new();
    for kind in [PluginKind::SpotifyDocker, PluginKind::Spotify] {
        if let Some(node) =
            find_plugin(target, kind.coords()).and_then(|p| config_node(p, &["buildArgs"]))
        {
            for child in &node.children {
                if let Some(text) = child.text.as_deref() {
                    args.insert(child.name.clone(), text.trim().to_owned());
                }
            }
        }
    }
    args
}

/// The build context of a plain Dockerfile: `--context`, or the first of its candidate
/// places where every `ADD`/`COPY` source will be after `package`.
pub(crate) fn context_for(
    target: &ImageTarget,
    file: &FoundDockerfile,
    explicit: Option<&Path>,
) -> Result<PathBuf, ImageError> {
    if let Some(dir) = explicit {
        return Ok(dir.to_path_buf());
    }
    let values = filter_values(target);
    let sources = dockerfile::read_sources(
        &file.source,
        &file.build_args,
        file.filtered.then_some(&values),
    )
    .map_err(|source| ImageError::DockerfileRead {
        path: file.source.clone(),
        source,
    })?;
    let predicted = predicted_outputs(target);
    dockerfile::choose_context(&sources, &file.contexts, &predicted).ok_or_else(|| {
        ImageError::NoContext {
            dockerfile: file.source.clone(),
            missing: missing_sources(&sources, &file.contexts, &predicted),
            tried: file.contexts.clone(),
        }
    })
}

fn missing_sources(
    sources: &ContextSources,
    contexts: &[PathBuf],
    predicted: &[PathBuf],
) -> Vec<String> {
    let nowhere: Vec<String> = sources
        .sources
        .iter()
        .filter(|s| {
            !contexts
                .iter()
                .any(|c| dockerfile::source_available(c, s, predicted))
        })
        .cloned()
        .collect();
    if nowhere.is_empty() {
        // Each is somewhere, but no one directory has them all.
        sources.sources.clone()
    } else {
        nowhere
    }
}

/// A Dockerfile the user named (`--dockerfile`), with the places its context is looked
/// for: its own directory, the module, the build directories.
fn given_dockerfile(target: &ImageTarget, path: &Path) -> Result<FoundDockerfile, ImageError> {
    let file = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::path::absolute(path).map_err(|source| ImageError::InvalidPath {
            path: path.to_path_buf(),
            source,
        })?
    };
    if !file.is_file() {
        return Err(ImageError::DockerfileRead {
            path: file,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let filtered = target
        .resources
        .iter()
        .any(|r| r.filtering && file.starts_with(&r.directory));
    let mut contexts = Vec::new();
    if let Some(dir) = file.parent() {
        contexts.push(dir.to_path_buf());
    }
    contexts.extend([
        target.module_dir.clone(),
        target.build_directory.clone(),
        target.output_directory.clone(),
        target.workspace_root.clone(),
    ]);
    Ok(FoundDockerfile {
        built: file.clone(),
        source: file,
        filtered,
        contexts,
        place: "--dockerfile",
        build_args: BTreeMap::new(),
    })
}

/// Chooses the route for `options` among what the module offers (see the module doc);
/// `on_path(program)` tells whether `docker`, `podman` or `buildah` is installed.
pub(crate) fn choose_route(
    target: &ImageTarget,
    options: &ImageOptions,
    on_path: &dyn Fn(&str) -> bool,
) -> Result<Route, ImageError> {
    let found = find_routes(target);
    let first_on_path = |candidates: &[Engine]| {
        candidates
            .iter()
            .copied()
            .find(|e| on_path(e.as_str()))
            .or_else(|| candidates.first().copied())
            .unwrap_or(Engine::Docker)
    };
    let daemon = match options.engine {
        Engine::Podman => Engine::Podman,
        Engine::Docker => Engine::Docker,
        _ => first_on_path(&[Engine::Docker, Engine::Podman]),
    };
    let registry = options.registry.is_some();
    let jib = |goal: Option<JibGoal>| -> Result<Route, ImageError> {
        let Some(plugin) = find_plugin(target, JIB) else {
            return Err(ImageError::JibNotConfigured {
                pom: target.pom.clone(),
            });
        };
        Ok(Route::Jib {
            goal: options.jib_goal.or(goal).unwrap_or(if registry {
                JibGoal::Build
            } else {
                JibGoal::BuildTar
            }),
            daemon,
            configured: super::planner::jib_image(target, plugin),
        })
    };
    let dockerfile_route = |engine: Engine, file: FoundDockerfile| -> Result<Route, ImageError> {
        let context = context_for(target, &file, options.context.as_deref())?;
        Ok(Route::Dockerfile {
            engine,
            file,
            context,
        })
    };
    let dockerfile_engine = match options.engine {
        e @ (Engine::Docker | Engine::Podman | Engine::Buildah) => e,
        _ => first_on_path(&[Engine::Docker, Engine::Podman, Engine::Buildah]),
    };

    if let Some(path) = &options.dockerfile {
        if options.engine == Engine::Jib || options.jib_goal.is_some() {
            return Err(ImageError::ConflictingOptions {
                reason: "--dockerfile builds with docker, podman or buildah, not with Jib".into(),
            });
        }
        return dockerfile_route(dockerfile_engine, given_dockerfile(target, path)?);
    }
    if options.engine == Engine::Jib || options.jib_goal.is_some() {
        return jib(None);
    }
    let dockerfiles: Vec<FoundDockerfile> = found
        .iter()
        .filter_map(|f| match f {
            Found::Dockerfile(d) => Some(d.clone()),
            _ => None,
        })
        .collect();
    let plugins: Vec<&Found> = found
        .iter()
        .filter(|f| !matches!(f, Found::Dockerfile(_)))
        .collect();
    let ambiguous = |candidates: Vec<String>, how: &str| ImageError::AmbiguousRoute {
        module: target.module_dir.clone(),
        found: candidates,
        how: how.to_owned(),
    };

    match options.engine {
        engine @ (Engine::Docker | Engine::Podman | Engine::Buildah) => match dockerfiles.len() {
            1 => dockerfile_route(engine, dockerfiles[0].clone()),
            0 if engine != Engine::Buildah && plugins.len() == 1 => match plugins[0] {
                Found::Jib => jib(Some(JibGoal::DockerBuild)),
                Found::Plugin(kind) => Ok(Route::Plugin {
                    kind: *kind,
                    engine,
                }),
                Found::Dockerfile(_) => unreachable_dockerfile(target),
            },
            0 => Err(ImageError::NoDockerfile {
                module: target.module_dir.clone(),
                engine,
            }),
            _ => Err(ambiguous(
                dockerfiles
                    .iter()
                    .map(|d| Found::Dockerfile(d.clone()).describe())
                    .collect(),
                "pick one with --dockerfile FILE",
            )),
        },
        Engine::Auto | Engine::Jib => match (plugins.as_slice(), dockerfiles.len()) {
            ([Found::Jib], _) => jib(None),
            ([Found::Plugin(kind)], _) => Ok(Route::Plugin {
                kind: *kind,
                engine: first_on_path(&[Engine::Docker, Engine::Podman]),
            }),
            ([], 1) => dockerfile_route(dockerfile_engine, dockerfiles[0].clone()),
            ([], 0) => Err(ImageError::NoImageSource {
                module: target.module_dir.clone(),
                looked_for: LOOKED_FOR.to_owned(),
            }),
            _ => Err(ambiguous(
                found.iter().map(Found::describe).collect(),
                "choose with --engine jib (the Jib plugin), --engine docker|podman|buildah with --dockerfile FILE (a Dockerfile), or remove the plugins that are not used",
            )),
        },
    }
}

/// `plugins` holds no Dockerfile by construction; an error rather than a panic all the
/// same.
fn unreachable_dockerfile(target: &ImageTarget) -> Result<Route, ImageError> {
    Err(ImageError::NoImageSource {
        module: target.module_dir.clone(),
        looked_for: LOOKED_FOR.to_owned(),
    })
}

//! What `OLD` and `NEW` of `m2fresh api` (and `contract`) name: a jar or class
//! directory on disk, `groupId:artifactId:version` in the local repository, or a
//! workspace module — as `OLD` its installed artifact, as `NEW` what its last build left
//! in `target/` (the jar, else `target/classes`).

use super::ApiError;
use crate::coords::Gav;
use crate::freshness::localrepo::LocalRepository;
use crate::maven::workspace::{Module, Workspace};
use std::path::{Path, PathBuf};

/// Which side a module name stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The artifact installed in the local repository.
    Installed,
    /// The artifact the module's last build wrote to `target/`.
    Built,
}

/// Resolves `spec` to a jar or class directory: a file, then `g:a:v`, then a module of
/// `workspace` (a module's directory names the module), then a directory of classes.
pub fn resolve(
    spec: &str,
    side: Side,
    workspace: Option<&Workspace>,
    repository: Option<&LocalRepository>,
) -> Result<PathBuf, ApiError> {
    let path = Path::new(spec);
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    let no_repository = || ApiError::NotFound {
        message: format!("{spec}: no local repository to look in"),
        help: Some("pass --local-repo".into()),
    };
    if is_coordinates(spec) {
        let parts: Vec<&str> = spec.split(':').collect();
        let gav = Gav::new(parts[0], parts[1], parts[2]);
        return installed(repository.ok_or_else(no_repository)?, &gav, "jar");
    }
    let module = workspace.and_then(|ws| ws.find(spec).ok().map(|id| ws.module(id)));
    match (module, side) {
        (Some(module), Side::Installed) => installed(
            repository.ok_or_else(no_repository)?,
            &module.gav,
            &module.packaging,
        ),
        (Some(module), Side::Built) => built(module),
        (None, _) if path.is_dir() => Ok(path.to_path_buf()),
        (None, _) => Err(ApiError::NotFound {
            message: format!(
                "{spec} is not a jar, a class directory, groupId:artifactId:version, or a module of the workspace"
            ),
            help: Some("name a jar, a class directory, g:a:v, or a module".into()),
        }),
    }
}

fn installed(
    repository: &LocalRepository,
    gav: &Gav,
    packaging: &str,
) -> Result<PathBuf, ApiError> {
    let path = repository
        .main_artifact(gav, packaging)
        .unwrap_or_else(|| repository.artifact_path(gav, "jar", None));
    if path.is_file() {
        Ok(path)
    } else {
        Err(ApiError::NotFound {
            message: format!("{gav} is not installed: no {}", path.display()),
            help: Some(format!(
                "install it first (`m2fresh install {}`)",
                gav.artifact_id
            )),
        })
    }
}

/// The module's freshly built artifact: `${build.directory}/${finalName}.jar`, else
/// `${build.outputDirectory}` (the classes, after `mvn compile`).
pub fn built(module: &Module) -> Result<PathBuf, ApiError> {
    let build = &module.effective.build;
    let text = |v: &Option<crate::maven::pom::Value>| v.as_ref().map(|v| v.text.clone());
    let directory = text(&build.directory)
        .map(PathBuf::from)
        .unwrap_or_else(|| module.dir.join("target"));
    let final_name = text(&build.final_name)
        .unwrap_or_else(|| format!("{}-{}", module.gav.artifact_id, module.gav.version));
    let jar = directory.join(format!("{final_name}.jar"));
    if jar.is_file() {
        return Ok(jar);
    }
    let classes = text(&build.output_directory)
        .map(PathBuf::from)
        .unwrap_or_else(|| directory.join("classes"));
    if classes.is_dir() {
        return Ok(classes);
    }
    Err(ApiError::NotFound {
        message: format!(
            "{} has no build output: neither {} nor {}",
            module.gav,
            jar.display(),
            classes.display()
        ),
        help: Some("build it first (`mvn package` in the module)".into()),
    })
}

/// Whether `spec` is `groupId:artifactId:version` (and not a file that exists).
pub fn is_coordinates(spec: &str) -> bool {
    let parts: Vec<&str> = spec.split(':').collect();
    !Path::new(spec).is_file() && parts.len() == 3 && parts.iter().all(|p| !p.is_empty())
}

/// Whether resolving `spec` may need the workspace: it is neither a file nor
/// coordinates (a directory may be a module's).
pub fn needs_workspace(spec: &str) -> bool {
    !Path::new(spec).is_file() && !is_coordinates(spec)
}

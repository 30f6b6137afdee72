//! Which files a module's artifact is built from: the roots that the default lifecycle of
//! its packaging reads, as its effective model configures them, and every file or
//! directory that a plugin's configuration names.
//!
//! The rule is the one of the whole fingerprint: when in doubt, hash more. A packaging
//! m2fresh does not know is read whole (everything in the module's directory but its
//! build output, its tests and its nested modules); a plugin configuration value that
//! names an existing path in the checkout makes that path an input, as
//! maven-build-cache-extension does. Test sources and test resources are never inputs:
//! they do not reach the installed artifact.

use super::files::{MAVEN_DEFAULT_EXCLUDES, RESOURCES_PLUGIN_VERSIONS_MEASURED, Root};
use crate::maven::pom::{Config, Model, Plugin, text};
use crate::maven::workspace::{Module, Workspace};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Packagings whose default lifecycle m2fresh knows: what they package comes from the
/// main source root, the resources and, for some, one directory of their own.
const KNOWN_PACKAGINGS: &[&str] = &[
    "jar",
    "war",
    "ear",
    "ejb",
    "rar",
    "maven-plugin",
    "maven-archetype",
    "bundle",
    "test-jar",
];

/// Version-control directories: never walked into (a plugin that names `.git` is handled
/// by [`git_state`]).
const VCS_DIRS: &[&str] = &[".git", ".svn", ".hg", ".bzr", "CVS", "_darcs"];

/// Where a workspace keeps what is never an input: computed once for all its modules.
#[derive(Clone, Debug)]
pub struct Layout {
    /// The top of the checkout: paths outside it are not read.
    pub checkout: PathBuf,
    /// Every module's build directory, sorted (see [`below`]).
    build_dirs: Vec<PathBuf>,
    /// The same, to look a path up in (a `Path` comparison walks components: a binary
    /// search per ancestor of each of thousands of configuration values added up).
    build_dir_set: HashSet<PathBuf, foldhash::fast::RandomState>,
    /// Every module's directory, sorted.
    module_dirs: Vec<PathBuf>,
}

impl Layout {
    /// The layout of `ws`.
    pub fn of(ws: &Workspace) -> Layout {
        let mut build_dirs: Vec<PathBuf> = ws
            .modules
            .iter()
            .filter_map(|o| text(&o.effective.build.directory).map(PathBuf::from))
            .collect();
        let mut module_dirs: Vec<PathBuf> = ws.modules.iter().map(|o| o.dir.clone()).collect();
        build_dirs.sort();
        build_dirs.dedup();
        module_dirs.sort();
        module_dirs.dedup();
        Layout {
            checkout: checkout_root(ws),
            build_dir_set: build_dirs.iter().cloned().collect(),
            build_dirs,
            module_dirs,
        }
    }

    /// Whether `path` is in (or is) a module's build directory: a lookup per ancestor,
    /// not a comparison per module (a configuration holds dozens of values, a workspace
    /// hundreds of modules).
    fn in_build_dir(&self, path: &Path) -> bool {
        path.ancestors().any(|a| self.build_dir_set.contains(a))
    }
}

/// The paths of `sorted` at or below `dir`. `Path`'s order compares component by
/// component, so the paths that start with `dir` follow each other from `dir` on.
fn below<'a>(sorted: &'a [PathBuf], dir: &'a Path) -> impl Iterator<Item = &'a PathBuf> + 'a {
    let start = sorted.partition_point(|p| p.as_path() < dir);
    sorted[start..]
        .iter()
        .take_while(move |p| p.starts_with(dir))
}

/// The roots of a module's inputs, as paths relative to its directory (or absolute).
pub fn roots(layout: &Layout, m: &Module) -> Vec<Root> {
    if m.packaging == "pom" {
        // The POM is the artifact: the model is the whole input.
        return Vec::new();
    }
    let model = &m.effective;
    let mut roots = Vec::new();
    if !KNOWN_PACKAGINGS.contains(&m.packaging.as_str()) {
        roots.push(whole_module(layout, m));
    }
    if let Some(src) = text(&model.build.source_directory) {
        roots.push(Root {
            dir: src.into(),
            ..Root::default()
        });
    }
    let default_excludes = applies_default_excludes(model);
    for r in &model.build.resources {
        if let Some(dir) = text(&r.directory) {
            roots.push(Root {
                dir: dir.into(),
                includes: r.includes.iter().map(|v| v.text.clone()).collect(),
                excludes: r.excludes.iter().map(|v| v.text.clone()).collect(),
                default_excludes,
            });
        }
    }
    for f in &model.build.filters {
        roots.push(Root {
            dir: f.text.clone().into(),
            ..Root::default()
        });
    }
    if let Some((artifact_id, parameter, default)) = packaging_directory(&m.packaging) {
        let dir = plugin_config(model, artifact_id, parameter)
            .map_or_else(|| m.dir.join(default), |d| m.dir.join(d));
        roots.push(Root {
            dir,
            ..Root::default()
        });
    }
    roots.extend(configured_paths(layout, m));
    roots
}

/// The directory a packaging adds to what it packages, with the plugin parameter that
/// moves it: a war's web application, an ear's application, a rar's resource adapter.
fn packaging_directory(packaging: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match packaging {
        "war" => Some(("maven-war-plugin", "warSourceDirectory", "src/main/webapp")),
        "ear" => Some((
            "maven-ear-plugin",
            "earSourceDirectory",
            "src/main/application",
        )),
        "rar" => Some(("maven-rar-plugin", "rarSourceDirectory", "src/main/rar")),
        _ => None,
    }
}

/// A top-level configuration value of a plugin of the build.
fn plugin_config<'a>(model: &'a Model, artifact_id: &str, parameter: &str) -> Option<&'a str> {
    model
        .build
        .plugins
        .iter()
        .filter(|p| text(&p.artifact_id) == Some(artifact_id))
        .find_map(|p| p.configuration.as_ref()?.text_at(parameter))
}

/// Whether the resources plugin in use applies [`MAVEN_DEFAULT_EXCLUDES`]: only for the
/// versions they were measured with (the version Maven binds by default when the model
/// names none), and not with `addDefaultExcludes=false`.
fn applies_default_excludes(model: &Model) -> bool {
    let plugin = model
        .build
        .plugins
        .iter()
        .chain(&model.build.plugin_management)
        .find(|p| text(&p.artifact_id) == Some("maven-resources-plugin"));
    let Some(plugin) = plugin else {
        return true;
    };
    let measured = match text(&plugin.version) {
        None => true,
        Some(v) => RESOURCES_PLUGIN_VERSIONS_MEASURED.contains(&v),
    };
    let disabled = configurations(plugin).any(|c| {
        c.text_at("addDefaultExcludes")
            .is_some_and(|v| v.trim() == "false")
    });
    measured && !disabled && !MAVEN_DEFAULT_EXCLUDES.is_empty()
}

/// A plugin's configuration and those of its executions.
fn configurations(plugin: &Plugin) -> impl Iterator<Item = &Config> {
    plugin.configuration.iter().chain(
        plugin
            .executions
            .iter()
            .filter_map(|e| e.configuration.as_ref()),
    )
}

/// The module's whole directory, for a packaging whose inputs m2fresh cannot tell: all
/// but its build output, tests, nested modules and version-control metadata.
fn whole_module(layout: &Layout, m: &Module) -> Root {
    Root {
        dir: m.dir.clone(),
        includes: Vec::new(),
        excludes: outputs_and_tests(layout, m, &m.dir),
        default_excludes: false,
    }
}

/// Exclude patterns, relative to `dir`, for what is never an input of `m`: build
/// directories (its own and every module's below `dir`), its test roots, the directories
/// of other modules below `dir`, version-control metadata and `node_modules`.
fn outputs_and_tests(layout: &Layout, m: &Module, dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = VCS_DIRS
        .iter()
        .chain(&["node_modules"])
        .map(|d| format!("**/{d}/**"))
        .collect();
    let mut exclude = |path: &Path| {
        if let Ok(rel) = path.strip_prefix(dir) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !rel.is_empty() {
                out.push(format!("{rel}/**"));
            }
        }
    };
    exclude(&m.dir.join("src/test"));
    for build in below(&layout.build_dirs, dir) {
        exclude(build);
    }
    for other in below(&layout.module_dirs, dir).filter(|d| **d != m.dir) {
        exclude(other);
    }
    out
}

/// Every existing path in the checkout that a plugin's configuration names (a descriptor,
/// a template directory, an extra source root, a file to embed), as a root. Paths in any
/// module's build output are outputs, not inputs; a directory that contains the module
/// (the workspace root, say) contributes its own files but not the modules in it.
fn configured_paths(layout: &Layout, m: &Module) -> Vec<Root> {
    let mut values = Vec::new();
    for p in &m.effective.build.plugins {
        for c in configurations(p) {
            collect_values(c, &mut values);
        }
    }
    values.sort();
    values.dedup();
    let mut roots = Vec::new();
    for value in values {
        let Some(path) = as_path(&m.dir, value) else {
            continue;
        };
        if !path.starts_with(&layout.checkout) || layout.in_build_dir(&path) {
            continue;
        }
        if path
            .components()
            .any(|c| VCS_DIRS.iter().any(|v| c.as_os_str() == *v))
        {
            roots.extend(git_state(&path));
            continue;
        }
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.is_file() {
            roots.push(Root {
                dir: path,
                ..Root::default()
            });
        } else if meta.is_dir() {
            let excludes = outputs_and_tests(layout, m, &path);
            roots.push(Root {
                dir: path,
                includes: Vec::new(),
                excludes,
                default_excludes: false,
            });
        }
    }
    roots
}

/// The top directory of the checkout: the workspace root, or Maven's multi-module
/// project directory when that is above it.
fn checkout_root(ws: &Workspace) -> PathBuf {
    if ws.root.starts_with(&ws.project_directory) {
        ws.project_directory.clone()
    } else {
        ws.root.clone()
    }
}

/// The texts of a configuration tree.
fn collect_values<'a>(c: &'a Config, out: &mut Vec<&'a str>) {
    if let Some(v) = &c.value {
        out.push(v.text.as_str());
    }
    for child in &c.children {
        collect_values(child, out);
    }
}

/// A configuration value read as a path (relative ones from the module's directory), when
/// it can be one: one line, no unresolved expression, not a URL.
fn as_path(basedir: &Path, value: &str) -> Option<PathBuf> {
    let value = value.trim();
    if value.is_empty()
        || value.len() > 4096
        || value.contains('\n')
        || value.contains("${")
        || value.contains("://")
    {
        return None;
    }
    let path = Path::new(value);
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        basedir.join(path)
    };
    Some(crate::maven::model::normalize(&joined))
}

/// For a plugin that reads a Git directory (git-commit-id and the like put the commit
/// into the artifact): the files that say which commit is checked out — `HEAD` and the
/// ref it points to — rather than the whole object store.
fn git_state(path: &Path) -> Vec<Root> {
    let Some(git) = path
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == ".git"))
    else {
        return Vec::new();
    };
    let head = git.join("HEAD");
    let mut roots = vec![Root {
        dir: head.clone(),
        ..Root::default()
    }];
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(reference) = text.trim().strip_prefix("ref: ")
        && !reference.contains("..")
    {
        roots.push(Root {
            dir: git.join(reference),
            ..Root::default()
        });
        roots.push(Root {
            dir: git.join("packed-refs"),
            ..Root::default()
        });
    }
    roots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn below_finds_every_path_under_a_directory_in_a_sorted_list() {
        let mut paths: Vec<PathBuf> = [
            "/w/b-x",
            "/w/b/c/target",
            "/w/bc",
            "/w/b",
            "/w/a/b",
            "/w/b/c",
            "/w/b.d/x",
            "/w/b/z/target",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        paths.sort();
        let found: Vec<&str> = below(&paths, Path::new("/w/b"))
            .map(|p| p.to_str().unwrap_or_default())
            .collect();
        assert_eq!(found, ["/w/b", "/w/b/c", "/w/b/c/target", "/w/b/z/target"]);
        assert_eq!(below(&paths, Path::new("/v")).count(), 0);
        assert_eq!(below(&paths, Path::new("/")).count(), paths.len());
    }
}

//! One Maven reactor for sibling projects: the aggregator POM m2fresh writes for a plan
//! in a workspace without one (the story's layout), so that the plan still goes to one
//! Maven (`mvn -f THAT -pl g:a,... -T N clean install`) instead of one JVM per module.
//!
//! A planned project that Maven reaches through another planned project's `<modules>`
//! is not listed again (Maven refuses a project twice in one reactor).
//!
//! The POM lives in m2fresh's cache directory ([`crate::project::Project::aggregator_dir`]),
//! never in the user's tree. Its `<modules>` are the planned projects' directories,
//! relative to it (Maven 3.8 joins even an absolute `<module>` to the aggregator's
//! directory); its coordinates (`m2fresh.synthetic:reactor-<hash>:0`) cannot be a
//! project's; it is not selected by `-pl`, so Maven neither builds nor installs it. An
//! empty `.mvn` directory beside it makes that directory Maven's multi-module project
//! directory, so no `.mvn` further up (a home directory's) reaches the build.
//!
//! What a synthetic reactor cannot reproduce, it refuses (and the caller runs one Maven
//! per module, with the reason as a note): a project whose multi-module project directory
//! has `.mvn/maven.config`, `jvm.config` or `extensions.xml` (Maven reads `.mvn` only
//! from the directory of `-f`'s POM upward, so the reactor would build without them),
//! and a POM (or parent POM) that uses `${maven.multiModuleProjectDirectory}`, which would
//! name m2fresh's cache directory instead of the project's.

use crate::building::plan::Plan;
use crate::maven::workspace::{ModuleId, find_project_directory};
use crate::project::Project;
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// The files of `.mvn/` that change a build, which a reactor elsewhere would not read.
const MVN_CONFIG: [&str; 3] = ["maven.config", "jvm.config", "extensions.xml"];

/// Why the plan cannot be built in a synthetic reactor, if it cannot.
pub(crate) fn refusal(project: &Project, plan: &Plan) -> Option<String> {
    for p in &plan.install {
        let m = project.workspace.module(p.module);
        let dir = find_project_directory(&m.dir);
        for file in MVN_CONFIG {
            let path = dir.join(".mvn").join(file);
            if path.is_file() {
                return Some(format!(
                    "{} reads {}, which Maven applies only to a reactor under {}; one \
                     Maven runs per module",
                    m.key(),
                    path.display(),
                    dir.display()
                ));
            }
        }
        for pom in &m.lineage {
            let text = std::fs::read(pom).unwrap_or_default();
            if text
                .windows(PROJECT_DIRECTORY.len())
                .any(|w| w == PROJECT_DIRECTORY.as_bytes())
            {
                return Some(format!(
                    "{} uses ${{{PROJECT_DIRECTORY}}} ({}), which in one reactor elsewhere \
                     would name m2fresh's directory; one Maven runs per module",
                    m.key(),
                    pom.display()
                ));
            }
        }
    }
    None
}

/// The property the `mvn` launcher sets to the multi-module project directory.
const PROJECT_DIRECTORY: &str = "maven.multiModuleProjectDirectory";

/// Writes the aggregator POM of the plan's projects into `dir` (created) and returns its
/// path, or says why it cannot.
pub(crate) fn write(project: &Project, plan: &Plan, dir: &Path) -> Result<PathBuf, String> {
    let cannot = |what: &Path, e: std::io::Error| format!("cannot create {}: {e}", what.display());
    let mvn = dir.join(".mvn");
    std::fs::create_dir_all(&mvn).map_err(|e| cannot(&mvn, e))?;
    // Physical paths on both sides: Maven resolves `..` in a module path against the
    // physical directory (the launcher's `pwd -P`), so a symlink must not be in between.
    let base = dir
        .canonicalize()
        .map_err(|e| format!("cannot resolve {}: {e}", dir.display()))?;
    let reached = reached_through_others(project, plan);
    let mut modules = Vec::with_capacity(plan.install.len());
    for p in &plan.install {
        if reached.contains(&p.module) {
            continue;
        }
        let m = project.workspace.module(p.module);
        let module_dir = m
            .dir
            .canonicalize()
            .map_err(|e| format!("cannot resolve {}: {e}", m.dir.display()))?;
        let rel = relative(&base, &module_dir);
        let text = rel
            .to_str()
            .ok_or_else(|| format!("{} is not valid UTF-8", rel.display()))?;
        // `pom.xml` is what a directory module means; a POM of another name is named.
        let file_name = m
            .pom
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("pom.xml");
        modules.push(if file_name == "pom.xml" {
            text.to_string()
        } else {
            format!("{text}/{file_name}")
        });
    }
    let key = blake3::hash(modules.join("\n").as_bytes()).to_hex();
    let key = &key[..16];
    let pom = render(key, &modules);
    // A name per content: two runs with different plans do not overwrite each other's.
    let path = base.join(format!("reactor-{key}.xml"));
    crate::fsutil::write_atomically(&path, pom.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    prune(&base, &path);
    Ok(path)
}

/// How long an aggregator POM of another plan is kept: long past any build that may
/// still be reading it, short enough that one per plan does not pile up.
const KEEP: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Removes the aggregator POMs of other plans not written for [`KEEP`] (a rewrite of the
/// same plan refreshes its time). Best effort: a file that cannot be looked at stays.
fn prune(dir: &Path, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEEP);
        if name.starts_with("reactor-") && name.ends_with(".xml") && path != keep && old {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// The planned modules that Maven reaches through another planned module's `<modules>`
/// (directly, or through modules in between): a sibling project that is a multi-module
/// project itself, or a parent that also aggregates siblings (`../x`). Listed again, they
/// would be in the reactor twice, which Maven refuses ("is duplicated in the reactor").
/// Where this reading and Maven's differ, Maven refuses the reactor or the `-pl`
/// selection, and the caller runs one Maven per module.
fn reached_through_others(project: &Project, plan: &Plan) -> HashSet<ModuleId> {
    let ws = &project.workspace;
    let aggregates = |id: ModuleId| !ws.module(id).effective.modules.is_empty();
    if !plan.install.iter().any(|p| aggregates(p.module)) {
        return HashSet::new();
    }
    let by_pom: HashMap<PathBuf, ModuleId> = ws
        .modules
        .iter()
        .filter_map(|m| Some((m.pom.canonicalize().ok()?, m.id)))
        .collect();
    let children = |id: ModuleId| -> Vec<ModuleId> {
        let m = ws.module(id);
        m.effective
            .modules
            .iter()
            .filter_map(|entry| {
                let path = m.dir.join(entry.text.replace('\\', "/"));
                let pom = if path.is_file() {
                    path
                } else {
                    path.join("pom.xml")
                };
                by_pom.get(&pom.canonicalize().ok()?).copied()
            })
            .collect()
    };
    let mut reached = HashSet::new();
    for p in &plan.install {
        let mut stack = children(p.module);
        let mut seen: HashSet<ModuleId> = HashSet::from([p.module]);
        while let Some(id) = stack.pop() {
            if seen.insert(id) {
                reached.insert(id);
                stack.extend(children(id));
            }
        }
    }
    reached
}

/// The aggregator POM's text.
fn render(key: &str, modules: &[String]) -> String {
    let mut pom = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <!-- Written by m2fresh: one Maven reactor for the planned sibling projects. \
         Not a project of yours; m2fresh selects the modules with -pl, so Maven never \
         installs this POM. -->\n\
         <project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n  \
         <modelVersion>4.0.0</modelVersion>\n  \
         <groupId>m2fresh.synthetic</groupId>\n",
    );
    let _ = writeln!(pom, "  <artifactId>reactor-{key}</artifactId>");
    pom.push_str("  <version>0</version>\n  <packaging>pom</packaging>\n  <modules>\n");
    for m in modules {
        let _ = writeln!(pom, "    <module>{}</module>", escape(m));
    }
    pom.push_str("  </modules>\n</project>\n");
    pom
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `to` relative to `from` (both absolute, without `.`, `..` or symlinks).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to[common..] {
        out.push(c.as_os_str());
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_relative_to_the_aggregator() {
        assert_eq!(
            relative(Path::new("/c/m2fresh/reactors/k"), Path::new("/w/xc-api")),
            Path::new("../../../../w/xc-api")
        );
        assert_eq!(
            relative(Path::new("/w/a"), Path::new("/w/a/b")),
            Path::new("b")
        );
        assert_eq!(relative(Path::new("/w"), Path::new("/w")), Path::new("."));
    }

    #[test]
    fn old_aggregator_poms_of_other_plans_are_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let week_ago = std::time::SystemTime::now() - KEEP - std::time::Duration::from_secs(60);
        for name in ["reactor-old.xml", "reactor-mine.xml", "notes.txt"] {
            std::fs::write(dir.join(name), "x").unwrap();
            let f = std::fs::File::options()
                .write(true)
                .open(dir.join(name))
                .unwrap();
            f.set_modified(week_ago).unwrap();
        }
        std::fs::write(dir.join("reactor-recent.xml"), "x").unwrap();
        prune(dir, &dir.join("reactor-mine.xml"));
        assert!(!dir.join("reactor-old.xml").exists());
        for kept in ["reactor-mine.xml", "reactor-recent.xml", "notes.txt"] {
            assert!(dir.join(kept).exists(), "{kept} was removed");
        }
    }

    #[test]
    fn the_pom_escapes_module_paths() {
        let pom = render("k", &["../a&b".to_string(), "../c/other.xml".to_string()]);
        assert!(pom.contains("<module>../a&amp;b</module>"), "{pom}");
        assert!(pom.contains("<module>../c/other.xml</module>"), "{pom}");
        assert!(pom.contains("<artifactId>reactor-k</artifactId>"), "{pom}");
        assert!(pom.contains("<packaging>pom</packaging>"), "{pom}");
    }
}

//! The model, itemized: what the stamp keeps of a module's model so that a changed model
//! hash can be explained — `property lombok.version: 1.16.16 → 1.18.30`, `dependency
//! org.x:y added`, `plugin maven-compiler-plugin configuration changed`,
//! `xc-framework-parent/pom.xml changed` — rather than "the model changed".
//!
//! The digest explains; it does not decide. Freshness is decided by the model hash, which
//! covers the whole model; a difference the digest cannot itemize is reported as a change
//! of the POM it was written in.

use super::canonical::{self, Encoder, PathContext};
use crate::maven::pom::{Config, Dependency, Plugin, text};
use crate::maven::workspace::Module;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

/// Property values longer than this are kept as a hash.
const MAX_SHOWN_VALUE: usize = 120;

/// The itemized model of a module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelDigest {
    /// Each POM of the lineage (relative to the module, or `groupId:artifactId:version`
    /// for one from the local repository) → the hash of its canonical form.
    #[serde(default)]
    pub poms: BTreeMap<String, String>,
    /// Effective properties → value (a hash, `blake3:…`, for a long value or one whose
    /// name suggests a secret).
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    /// Effective dependencies by management key → `version scope [optional]` and a hash
    /// of the rest (exclusions, system path).
    #[serde(default)]
    pub dependencies: BTreeMap<String, String>,
    /// Managed dependencies, the same way (shared between the modules that manage the
    /// same list: a BOM's thousand entries are not repeated per module).
    #[serde(default)]
    pub managed: Arc<BTreeMap<String, String>>,
    /// Build plugins by `groupId:artifactId` → `version` and a hash of their
    /// configuration, executions and dependencies.
    #[serde(default)]
    pub plugins: BTreeMap<String, String>,
    /// Its own active profiles.
    #[serde(default)]
    pub profiles: Vec<String>,
}

impl ModelDigest {
    /// The digest of a module's model; `poms` are the lineage's hashes by path.
    pub fn of(m: &Module, poms: &[(&Path, &str)], paths: &PathContext) -> ModelDigest {
        Self::with_managed(m, poms, paths, &ManagedDigests::default())
    }

    /// [`ModelDigest::of`], the managed dependencies taken from `shared` when another
    /// module's list was the same.
    pub(crate) fn with_managed(
        m: &Module,
        poms: &[(&Path, &str)],
        paths: &PathContext,
        shared: &ManagedDigests,
    ) -> ModelDigest {
        let e = &m.effective;
        ModelDigest {
            poms: poms
                .iter()
                .map(|(path, hash)| (pom_name(m, path), (*hash).to_string()))
                .collect(),
            properties: e
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), shown_value(k, &paths.portable(&v.text))))
                .collect(),
            dependencies: e
                .dependencies
                .iter()
                .map(|d| dependency(d, paths))
                .collect(),
            managed: shared.of(&e.dependency_management, paths),
            plugins: e.build.plugins.iter().map(|p| plugin(p, paths)).collect(),
            profiles: m.active_profiles.clone(),
        }
    }

    /// What differs from `now`, one sentence each, with what it is about.
    pub fn differences(&self, now: &ModelDigest) -> Vec<(String, String)> {
        let mut out = Vec::new();
        maps(
            &mut out,
            "property",
            &self.properties,
            &now.properties,
            |k, a, b| format!("property {k}: {a} → {b}"),
        );
        maps(
            &mut out,
            "dependency",
            &self.dependencies,
            &now.dependencies,
            |k, a, b| versions_or("dependency", k, a, b),
        );
        maps(
            &mut out,
            "managed dependency",
            &self.managed,
            &now.managed,
            |k, a, b| versions_or("managed dependency", k, a, b),
        );
        maps(
            &mut out,
            "plugin",
            &self.plugins,
            &now.plugins,
            |k, a, b| versions_or("plugin", k, a, b),
        );
        if self.profiles != now.profiles {
            out.push((
                "profiles".into(),
                format!(
                    "active profiles: [{}] → [{}]",
                    self.profiles.join(", "),
                    now.profiles.join(", ")
                ),
            ));
        }
        // POMs last: they explain what the items above do not.
        maps(&mut out, "POM", &self.poms, &now.poms, |k, _, _| {
            format!("{k} changed")
        });
        out
    }
}

/// Adds a sentence for each key added, removed or changed between two maps.
fn maps(
    out: &mut Vec<(String, String)>,
    what: &str,
    was: &BTreeMap<String, String>,
    is: &BTreeMap<String, String>,
    changed: impl Fn(&str, &str, &str) -> String,
) {
    for (k, a) in was {
        match is.get(k) {
            Some(b) if a == b => {}
            Some(b) => out.push((k.clone(), changed(k, a, b))),
            None => out.push((k.clone(), format!("{what} {k} removed"))),
        }
    }
    for k in is.keys().filter(|k| !was.contains_key(*k)) {
        out.push((k.clone(), format!("{what} {k} added")));
    }
}

/// `plugin g:a: version 1 → 2`, or `… configuration changed` when the versions agree.
fn versions_or(what: &str, key: &str, was: &str, is: &str) -> String {
    let version = |s: &str| s.split(" #").next().unwrap_or("").to_string();
    let (a, b) = (version(was), version(is));
    if a != b {
        format!("{what} {key}: {a} → {b}")
    } else if what == "plugin" {
        format!("{what} {key}: configuration, executions or dependencies changed")
    } else {
        format!("{what} {key}: exclusions or other details changed")
    }
}

/// How a lineage POM is named in the digest: relative to the module when it is a file
/// of the checkout, else its path as read.
fn pom_name(m: &Module, path: &Path) -> String {
    if path == m.pom {
        return "pom.xml".into();
    }
    match pathdiff(path, &m.dir) {
        Some(rel) => rel,
        None => path.display().to_string(),
    }
}

/// `path` relative to `base` with `..`, both absolute.
fn pathdiff(path: &Path, base: &Path) -> Option<String> {
    let path: Vec<_> = path.components().collect();
    let base: Vec<_> = base.components().collect();
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let mut parts: Vec<String> = vec!["..".into(); base.len() - common];
    parts.extend(
        path[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(parts.join("/"))
}

/// A property value as the digest keeps it.
fn shown_value(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let secret = [
        "password",
        "passwd",
        "secret",
        "token",
        "credential",
        "apikey",
        "api-key",
    ]
    .iter()
    .any(|s| lower.contains(s));
    if secret || value.chars().count() > MAX_SHOWN_VALUE || value.contains('\n') {
        format!("blake3:{}", &canonical::hash(value.as_bytes())[..16])
    } else {
        value.to_string()
    }
}

/// The digests of managed-dependency lists, by list: the loader shares one list between
/// the modules that manage the same entries. A list with a `systemPath` is digested per
/// module (the path is shown relative to the module).
#[derive(Default)]
pub(crate) struct ManagedDigests {
    by_list: Mutex<HashMap<usize, ListDigest>>,
}

/// A list digested: the list itself (so that its address names it while it is kept
/// here) and its digest.
type ListDigest = (Arc<Vec<Dependency>>, Arc<BTreeMap<String, String>>);

impl ManagedDigests {
    fn of(
        &self,
        list: &Arc<Vec<Dependency>>,
        paths: &PathContext,
    ) -> Arc<BTreeMap<String, String>> {
        let address = Arc::as_ptr(list) as usize;
        let lock = || self.by_list.lock().unwrap_or_else(PoisonError::into_inner);
        // Only lists without a `systemPath` are kept, so a hit needs no second look.
        if let Some((_, done)) = lock().get(&address).filter(|(l, _)| Arc::ptr_eq(l, list)) {
            return done.clone();
        }
        let done: Arc<BTreeMap<_, _>> =
            Arc::new(list.iter().map(|d| dependency(d, paths)).collect());
        if !list.iter().any(|d| d.system_path.is_some()) {
            lock().insert(address, (list.clone(), done.clone()));
        }
        done
    }
}

fn dependency(d: &Dependency, paths: &PathContext) -> (String, String) {
    let mut rest = Encoder::new();
    for (g, a) in &d.exclusions {
        rest.bytes(text(g).unwrap_or("").as_bytes());
        rest.bytes(text(a).unwrap_or("").as_bytes());
    }
    rest.bytes(
        paths
            .portable(text(&d.system_path).unwrap_or(""))
            .as_bytes(),
    );
    let mut shown = format!(
        "{} {}",
        text(&d.version).unwrap_or("(no version)"),
        text(&d.scope).unwrap_or("compile")
    );
    if text(&d.optional) == Some("true") {
        shown.push_str(" optional");
    }
    let hash = canonical::hash(&rest.finish());
    (d.management_key(), format!("{shown} #{}", &hash[..12]))
}

fn plugin(p: &Plugin, paths: &PathContext) -> (String, String) {
    let mut rest = Encoder::new();
    rest.bytes(text(&p.extensions).unwrap_or("").as_bytes());
    rest.bytes(text(&p.inherited).unwrap_or("").as_bytes());
    config(&mut rest, p.configuration.as_ref(), paths);
    for e in &p.executions {
        rest.bytes(text(&e.id).unwrap_or("default").as_bytes());
        rest.bytes(text(&e.phase).unwrap_or("").as_bytes());
        rest.list(
            e.goals
                .iter()
                .map(|g| g.text.as_str())
                .collect::<Vec<_>>()
                .into_iter(),
        );
        config(&mut rest, e.configuration.as_ref(), paths);
    }
    for d in &p.dependencies {
        let (k, v) = dependency(d, paths);
        rest.bytes(k.as_bytes());
        rest.bytes(v.as_bytes());
    }
    let hash = canonical::hash(&rest.finish());
    (
        p.key(),
        format!(
            "{} #{}",
            text(&p.version).unwrap_or("(no version)"),
            &hash[..12]
        ),
    )
}

fn config(e: &mut Encoder, c: Option<&Config>, paths: &PathContext) {
    let Some(c) = c else {
        e.bytes(b"");
        return;
    };
    e.bytes(c.name.as_bytes());
    let mut attrs = c.attrs.clone();
    attrs.sort();
    for (k, v) in &attrs {
        e.bytes(k.as_bytes());
        e.bytes(paths.portable(v).as_bytes());
    }
    e.bytes(paths.portable(text(&c.value).unwrap_or("")).as_bytes());
    e.bytes(&(c.children.len() as u64).to_le_bytes());
    for child in &c.children {
        config(e, Some(child), paths);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(properties: &[(&str, &str)], plugins: &[(&str, &str)]) -> ModelDigest {
        ModelDigest {
            properties: properties
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            plugins: plugins
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..ModelDigest::default()
        }
    }

    #[test]
    fn differences_name_the_item_and_both_values() {
        let was = digest(
            &[("lombok.version", "1.16.16"), ("gone", "x")],
            &[("g:compiler", "3.1 #aa"), ("g:jar", "3.0 #bb")],
        );
        let now = digest(
            &[("lombok.version", "1.18.30"), ("new", "y")],
            &[("g:compiler", "3.8 #aa"), ("g:jar", "3.0 #cc")],
        );
        let d: Vec<String> = was.differences(&now).into_iter().map(|(_, s)| s).collect();
        assert_eq!(
            d,
            [
                "property gone removed",
                "property lombok.version: 1.16.16 → 1.18.30",
                "property new added",
                "plugin g:compiler: 3.1 → 3.8",
                "plugin g:jar: configuration, executions or dependencies changed",
            ]
        );
        assert!(was.differences(&was).is_empty());
    }

    #[test]
    fn secrets_and_long_values_are_kept_as_hashes() {
        assert_eq!(shown_value("db.url", "jdbc:x"), "jdbc:x");
        assert!(shown_value("db.password", "hunter2").starts_with("blake3:"));
        assert!(shown_value("x", &"a".repeat(500)).starts_with("blake3:"));
    }
}

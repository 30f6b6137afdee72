//! Maven's model merging on the full model: `ModelMerger`'s generic rules, the
//! `MavenModelMerger` overrides, and the variants that inheritance, profile injection,
//! management injection, lifecycle bindings and duplicate removal use — ported from
//! maven-model-builder 3.8.7 (`merge/`, `inheritance/`, `profile/`, `management/`,
//! `normalization/`) and maven-core's `DefaultLifecycleBindingsInjector`.
//!
//! `target` receives `source`; `dominant` is Maven's `sourceDominant`. A field with a
//! default value (`packaging`, a dependency's `type`, ...) always has a value in Maven's
//! model, so the recessive side's value never replaces it.

use super::Node;
use super::schema::{self, Class, Field, Kind};
use std::collections::HashMap;

/// Which of Maven's mergers runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merger {
    /// `DefaultInheritanceAssembler`: the child (target) receives its parent.
    Inheritance,
    /// `DefaultProfileInjector`: a model receives an active profile (dominant).
    Profile,
    /// `DefaultModelNormalizer.mergeDuplicates`: a plugin declared twice.
    Duplicates,
    /// `DefaultPluginManagementInjector`.
    PluginManagement,
    /// `DefaultDependencyManagementInjector`.
    DependencyManagement,
    /// `DefaultLifecycleBindingsInjector`.
    Lifecycle,
}

/// A merge: which merger, who dominates, and for inheritance the child's path.
#[derive(Clone, Debug)]
pub struct Ctx {
    /// The merger.
    pub merger: Merger,
    /// Maven's `sourceDominant`.
    pub dominant: bool,
    /// For inheritance: the child's directory name (`project.directory`, else its
    /// artifactId), appended to inherited URLs.
    pub child_directory: Option<String>,
    /// For inheritance: the path of the child's module entry in the parent, up to its
    /// last segment.
    pub path_adjustment: Option<String>,
}

impl Ctx {
    /// A merge without a child path.
    pub fn new(merger: Merger, dominant: bool) -> Ctx {
        Ctx {
            merger,
            dominant,
            child_directory: None,
            path_adjustment: None,
        }
    }
}

/// The text of a field: as written, else the model's default.
pub fn value<'a>(node: &'a Node, field: &Field) -> Option<&'a str> {
    node.child(field.name)
        .and_then(|c| c.text.as_deref())
        .or(field.default)
}

fn field(class: Class, name: &str) -> &'static Field {
    // Only called with names of the schema; a miss is a bug, answered with a harmless
    // text field rather than a panic.
    schema::field(class, name).unwrap_or(&Field {
        name: "",
        kind: Kind::Text,
        default: None,
    })
}

/// Maven's `isInherited()`: unset means inherited, else `Boolean.parseBoolean`.
pub fn is_inherited(node: &Node) -> bool {
    node.text_at("inherited")
        .is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

/// The key a list of this class is merged by (`None`: every element is its own key).
pub fn key(class: Class, node: &Node) -> Option<String> {
    let mut k = String::new();
    key_into(class, node, &mut k).then_some(k)
}

/// [`key`] written to `out` (cleared first), for a lookup that needs no key of its own;
/// `false` when the class has no key.
fn key_into(class: Class, node: &Node, out: &mut String) -> bool {
    out.clear();
    let t = |name: &str| value(node, field(class, name)).unwrap_or("null");
    let parts: &[&str] = match class {
        Class::Dependency => &["groupId", "artifactId", "type"],
        Class::Plugin | Class::ReportPlugin | Class::Extension | Class::Exclusion => {
            &["groupId", "artifactId"]
        }
        Class::PluginExecution | Class::ReportSet | Class::Repository => &["id"],
        _ => return false,
    };
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        out.push_str(t(part));
    }
    if class == Class::Dependency
        && let Some(c) = node.text_at("classifier")
    {
        out.push(':');
        out.push_str(c);
    }
    true
}

/// Merges only the named fields of `source` into `target` (a profile's model-base
/// fields into a model, as `ProfileModelMerger.mergeModelBase` does).
pub fn merge_only(target: &mut Node, source: &Node, class: Class, names: &[&str], cx: &Ctx) {
    for f in schema::fields(class)
        .iter()
        .filter(|f| names.contains(&f.name))
    {
        if !special(target, source, class, f, cx) {
            generic(target, source, class, f, cx);
        }
    }
}

/// Merges `source` into `target`, both of `class`.
pub fn merge(target: &mut Node, source: &Node, class: Class, cx: &Ctx) {
    for attr in schema::attributes(class) {
        if let Some(v) = source.attr(attr)
            && (cx.dominant || target.attr(attr).is_none())
        {
            target.set_attr(attr, v.to_string());
        }
    }
    let skip_config =
        class == Class::Plugin && cx.merger == Merger::Inheritance && !is_inherited(source);
    for f in schema::fields(class) {
        if skip_config && matches!(f.name, "configuration" | "inherited") {
            continue;
        }
        if !special(target, source, class, f, cx) {
            generic(target, source, class, f, cx);
        }
    }
}

/// `ModelMerger`'s rule for one field.
fn generic(target: &mut Node, source: &Node, class: Class, f: &Field, cx: &Ctx) {
    match f.kind {
        Kind::Text | Kind::Bool(_) => {
            let Some(src) = source.child(f.name) else {
                return;
            };
            if cx.dominant || value(target, f).is_none() {
                target.set_child(src.clone());
            }
        }
        Kind::Object(c) => {
            let Some(src) = source.child(f.name) else {
                return;
            };
            let created = target.child(f.name).is_none();
            let tgt = target.child_or_insert(f.name);
            if tgt.loc.is_none() {
                tgt.loc = src.loc.clone();
            }
            // ModelMerger creates these with a default unset, so the source's is taken.
            let unset = match (class, f.name) {
                (Class::Model, "scm") => Some("tag"),
                (Class::Model, "parent") => Some("relativePath"),
                _ => None,
            };
            if created && let Some(name) = unset {
                tgt.children.extend(src.child(name).cloned());
            }
            merge(tgt, src, c, cx);
        }
        Kind::Objects(item, c) => merge_keyed(target, source, f.name, item, c, cx.dominant),
        Kind::Texts(_) => {
            let Some(src) = source.child(f.name).filter(|s| !s.children.is_empty()) else {
                return;
            };
            let tgt = target.child_or_insert(f.name);
            tgt.children.extend(src.children.iter().cloned());
        }
        Kind::Properties => {
            let Some(src) = source.child(f.name) else {
                return;
            };
            let tgt = target.child_or_insert(f.name);
            let exclude = (class == Class::Model && cx.merger == Merger::Inheritance)
                .then_some("project.directory");
            for p in &src.children {
                if Some(p.name.as_str()) == exclude {
                    continue;
                }
                if cx.dominant || tgt.child(&p.name).is_none() {
                    tgt.set_child(p.clone());
                }
            }
        }
        Kind::Dom => {
            let Some(src) = source.child(f.name) else {
                return;
            };
            match target.take_child(f.name) {
                Some(tgt) if !cx.dominant => {
                    let mut tgt = tgt;
                    merge_dom(&mut tgt, src);
                    target.set_child(tgt);
                }
                tgt => {
                    let mut dom = src.clone();
                    if let Some(tgt) = tgt {
                        merge_dom(&mut dom, &tgt);
                    }
                    target.set_child(dom);
                }
            }
        }
    }
}

/// The `MavenModelMerger` overrides and the merger-specific ones; `false` when the
/// generic rule applies.
fn special(target: &mut Node, source: &Node, class: Class, f: &Field, cx: &Ctx) -> bool {
    model_rules(target, source, class, f, cx)
        .unwrap_or_else(|| list_rules(target, source, class, f, cx))
}

/// The overrides for the project's own fields, URLs and repositories; `None` when they
/// do not apply.
fn model_rules(
    target: &mut Node,
    source: &Node,
    class: Class,
    f: &Field,
    cx: &Ctx,
) -> Option<bool> {
    use Class as C;
    let handled = match (class, f.name) {
        (C::Model, "modelVersion" | "artifactId" | "profiles" | "prerequisites") => true,
        (C::Model, "name") => {
            if cx.dominant
                && let Some(src) = source.child("name")
            {
                target.set_child(src.clone());
            }
            true
        }
        (C::Model, "url") => {
            url(
                target,
                source,
                "url",
                "child.project.url.inherit.append.path",
                cx,
            );
            true
        }
        (C::Scm, "url") => {
            url(
                target,
                source,
                "url",
                "child.scm.url.inherit.append.path",
                cx,
            );
            true
        }
        (C::Scm, "connection") => {
            let attr = "child.scm.connection.inherit.append.path";
            url(target, source, "connection", attr, cx);
            true
        }
        (C::Scm, "developerConnection") => {
            let attr = "child.scm.developerConnection.inherit.append.path";
            url(target, source, "developerConnection", attr, cx);
            true
        }
        (C::Site, "url") => {
            url(
                target,
                source,
                "url",
                "child.site.url.inherit.append.path",
                cx,
            );
            true
        }
        (C::Model, "licenses" | "developers" | "contributors" | "mailingLists") => {
            if target.child(f.name).is_none_or(|t| t.children.is_empty())
                && let Some(src) = source.child(f.name)
            {
                target.set_child(src.clone());
            }
            true
        }
        (C::Model | C::Profile, "modules") => {
            if cx.dominant {
                unique_add(target, source, f.name);
            }
            true
        }
        (C::Model | C::Profile, "repositories" | "pluginRepositories") => {
            dominant_first(target, source, f.name, C::Repository, cx.dominant);
            true
        }
        (C::Build | C::BuildBase, "filters") | (C::PluginExecution, "goals") => {
            unique_add(target, source, f.name);
            true
        }
        (C::Build | C::BuildBase, "resources" | "testResources") => {
            !(cx.dominant || target.child(f.name).is_none_or(|t| t.children.is_empty()))
        }
        (C::DistributionManagement, "repository" | "snapshotRepository") => {
            if let Some(src) = source.child(f.name)
                && (cx.dominant || target.child(f.name).is_none())
            {
                let mut fresh = Node::new(f.name);
                fresh.loc = src.loc.clone();
                merge(&mut fresh, src, C::DeploymentRepository, cx);
                target.set_child(fresh);
            }
            true
        }
        (C::DistributionManagement, "site") => {
            site(target, source, cx);
            true
        }
        _ => return None,
    };
    Some(handled)
}

/// The overrides for plugin, execution, report and dependency lists.
fn list_rules(target: &mut Node, source: &Node, class: Class, f: &Field, cx: &Ctx) -> bool {
    use Class as C;
    match (class, f.name) {
        (C::Plugin, "executions") => {
            executions(target, source, cx);
            true
        }
        (C::ReportPlugin, "reportSets") => {
            report_sets(target, source, cx);
            true
        }
        (C::Build | C::BuildBase | C::PluginManagement, "plugins") => match cx.merger {
            Merger::Inheritance => {
                inherit_plugins(target, source, cx);
                true
            }
            Merger::Profile => {
                inject_plugins(target, source, cx);
                true
            }
            _ => false,
        },
        (C::Reporting, "plugins") => report_plugins(target, source, cx),
        (C::Dependency, "optional") => cx.merger == Merger::DependencyManagement,
        (C::Dependency, "exclusions") if cx.merger == Merger::DependencyManagement => {
            if target.child(f.name).is_none_or(|t| t.children.is_empty())
                && let Some(src) = source.child(f.name)
            {
                target.set_child(src.clone());
            }
            true
        }
        _ => false,
    }
}

/// A URL that a child inherits gets the child's path appended, unless the parent's
/// `child.*.inherit.append.path` attribute says `false`.
fn url(target: &mut Node, source: &Node, name: &str, attr: &str, cx: &Ctx) {
    let Some(src) = source.child(name) else {
        return;
    };
    if cx.dominant {
        target.set_child(src.clone());
    } else if target.child(name).is_none() {
        let append = source
            .attr(attr)
            .is_none_or(|v| v.eq_ignore_ascii_case("true"));
        let mut node = src.clone();
        if let (Some(text), true, Merger::Inheritance) = (&src.text, append, cx.merger)
            && let (Some(dir), Some(adjust)) = (&cx.child_directory, &cx.path_adjustment)
            && !text.trim().is_empty()
        {
            node.text = Some(append_path(text, dir, adjust));
        }
        target.set_child(node);
    }
}

/// `InheritanceModelMerger.appendPath`.
fn append_path(parent_url: &str, child_path: &str, adjustment: &str) -> String {
    let mut url = parent_url.to_string();
    concat_path(&mut url, adjustment);
    concat_path(&mut url, child_path);
    url
}

fn concat_path(url: &mut String, path: &str) {
    if path.is_empty() {
        return;
    }
    let ends_with_slash = url.ends_with('/');
    if path.starts_with('/') {
        if ends_with_slash {
            url.pop();
        }
    } else if !ends_with_slash {
        url.push('/');
    }
    url.push_str(path);
    if ends_with_slash && !path.ends_with('/') {
        url.push('/');
    }
}

/// `MavenModelMerger.mergeDistributionManagement_Site`.
fn site(target: &mut Node, source: &Node, cx: &Ctx) {
    let Some(src) = source.child("site") else {
        return;
    };
    let empty = |s: &Node| {
        ["id", "name", "url"]
            .iter()
            .all(|n| s.text_at(n).is_none_or(str::is_empty))
    };
    let replace = cx.dominant || target.child("site").is_none_or(empty);
    let tgt = target.child_or_insert("site");
    if replace {
        tgt.loc = src.loc.clone();
        for name in ["id", "name"] {
            if let Some(v) = src.child(name)
                && (cx.dominant || tgt.child(name).is_none())
            {
                tgt.set_child(v.clone());
            }
        }
        url(tgt, src, "url", "child.site.url.inherit.append.path", cx);
    }
    let attr = "child.site.url.inherit.append.path";
    if let Some(v) = src.attr(attr)
        && (cx.dominant || tgt.attr(attr).is_none())
    {
        tgt.set_attr(attr, v.to_string());
    }
}

/// Adds the source's entries that the target does not have (modules, filters, goals).
fn unique_add(target: &mut Node, source: &Node, name: &str) {
    let Some(src) = source.child(name).filter(|s| !s.children.is_empty()) else {
        return;
    };
    let tgt = target.child_or_insert(name);
    let known: Vec<Option<String>> = tgt.children.iter().map(|c| c.text.clone()).collect();
    for s in &src.children {
        if !known.contains(&s.text) {
            tgt.children.push(s.clone());
        }
    }
}

/// `ModelMerger.merge` with a `MergingList`: the target's entries by key (a later
/// duplicate replacing an earlier one in place), then the source's: a known key is
/// replaced when the source dominates, a new one appended.
fn merge_keyed(
    target: &mut Node,
    source: &Node,
    name: &str,
    item: &str,
    class: Class,
    dominant: bool,
) {
    let Some(src) = source.child(name).filter(|s| !s.children.is_empty()) else {
        return;
    };
    let _ = item;
    let tgt = target.child_or_insert(name);
    if tgt.loc.is_none() {
        tgt.loc = src.loc.clone();
    }
    if tgt.children.is_empty() && distinct_keys(class, &src.children) {
        // What the keyed merge below gives when nothing is replaced: every element, in
        // order (a module inheriting its parents' lists, most of the time).
        tgt.children = src.children.clone();
        return;
    }
    let mut list = Keyed::new(class);
    for t in tgt.children.drain(..) {
        list.put(t, true);
    }
    for s in &src.children {
        list.put_copy(s, dominant);
    }
    tgt.children = list.into_values();
}

/// Whether no two of `items` share a [`key`] (told by the keys' hashes: two keys with
/// the same hash count as shared, and the caller then takes the long way).
fn distinct_keys(class: Class, items: &[Node]) -> bool {
    use std::hash::BuildHasher;
    let hasher = foldhash::fast::FixedState::default();
    let mut seen: std::collections::HashSet<u64, foldhash::fast::RandomState> =
        std::collections::HashSet::with_capacity_and_hasher(items.len(), Default::default());
    let mut k = String::new();
    items
        .iter()
        .all(|item| !key_into(class, item, &mut k) || seen.insert(hasher.hash_one(k.as_str())))
}

/// A `LinkedHashMap` of model elements by [`key`].
struct Keyed {
    class: Class,
    entries: Vec<Node>,
    index: HashMap<String, usize, foldhash::fast::RandomState>,
}

impl Keyed {
    fn new(class: Class) -> Keyed {
        Keyed {
            class,
            entries: Vec::new(),
            index: HashMap::default(),
        }
    }

    fn get(&self, node: &Node) -> Option<usize> {
        key(self.class, node).and_then(|k| self.index.get(&k).copied())
    }

    /// Adds `node`; one with the same key is replaced in place when `replace`.
    fn put(&mut self, node: Node, replace: bool) {
        let slot = self.slot(&node);
        self.place(slot, replace, || node);
    }

    /// [`Keyed::put`] of a copy of `node`, made only when it is kept.
    fn put_copy(&mut self, node: &Node, replace: bool) {
        self.place(self.slot(node), replace, || node.clone());
    }

    fn place(&mut self, slot: Slot, replace: bool, node: impl FnOnce() -> Node) {
        match slot {
            Slot::Taken(i) => {
                if replace {
                    self.entries[i] = node();
                }
            }
            Slot::Free(key) => self.push(key, node()),
        }
    }

    /// Where `node` goes: the entry of its key, or a new one (its key, when it has one).
    fn slot(&self, node: &Node) -> Slot {
        match key(self.class, node) {
            Some(k) => match self.index.get(&k) {
                Some(&i) => Slot::Taken(i),
                None => Slot::Free(Some(k)),
            },
            None => Slot::Free(None),
        }
    }

    fn push(&mut self, key: Option<String>, node: Node) {
        if let Some(k) = key {
            self.index.insert(k, self.entries.len());
        }
        self.entries.push(node);
    }

    fn into_values(self) -> Vec<Node> {
        self.entries
    }
}

/// Where [`Keyed`] puts an element.
enum Slot {
    /// At the entry of the same key.
    Taken(usize),
    /// At the end, indexed by its key when it has one.
    Free(Option<String>),
}

/// `MavenModelMerger.mergeModelBase_Repositories`: the dominant side's repositories
/// first, then the others' new ids.
fn dominant_first(target: &mut Node, source: &Node, name: &str, class: Class, dominant: bool) {
    let Some(src) = source.child(name).filter(|s| !s.children.is_empty()) else {
        return;
    };
    let tgt = target.child_or_insert(name);
    let own = std::mem::take(&mut tgt.children);
    let (first, second): (Vec<Node>, Vec<Node>) = if dominant {
        (src.children.clone(), own)
    } else {
        (own, src.children.clone())
    };
    let mut list = Keyed::new(class);
    for n in first {
        list.put(n, true);
    }
    for n in second {
        list.put(n, false);
    }
    tgt.children = list.into_values();
}

/// The plugin list of `node`, taken out to be rebuilt.
fn take_items(node: &mut Node, name: &str) -> Vec<Node> {
    node.child_mut(name)
        .map(|c| std::mem::take(&mut c.children))
        .unwrap_or_default()
}

fn set_items(node: &mut Node, name: &str, items: Vec<Node>) {
    node.child_or_insert(name).children = items;
}

/// `InheritanceModelMerger.mergePluginContainer_Plugins`: the parent's plugins lead in
/// the parent's order (those not inherited only when they have executions); a child
/// plugin the parent has is merged into it at the parent's position, with the child-only
/// plugins before it; the other child-only plugins follow.
fn inherit_plugins(target: &mut Node, source: &Node, cx: &Ctx) {
    let Some(src) = source.child("plugins").filter(|s| !s.children.is_empty()) else {
        return;
    };
    let mut master = Keyed::new(Class::Plugin);
    for p in &src.children {
        let has_executions = p
            .child("executions")
            .is_some_and(|e| !e.children.is_empty());
        if is_inherited(p) || has_executions {
            // Maven starts from a plugin whose groupId is unset (not defaulted), so the
            // parent's groupId is taken.
            let mut plugin = Node::new("plugin");
            plugin.loc = p.loc.clone();
            plugin.children.extend(p.child("groupId").cloned());
            merge(&mut plugin, p, Class::Plugin, cx);
            master.put(plugin, true);
        }
    }
    let mut predecessors: HashMap<usize, Vec<Node>> = HashMap::new();
    let mut pending = Vec::new();
    for mut element in take_items(target, "plugins") {
        match master.get(&element) {
            Some(i) => {
                merge(&mut element, &master.entries[i], Class::Plugin, cx);
                master.entries[i] = element;
                if !pending.is_empty() {
                    predecessors.insert(i, std::mem::take(&mut pending));
                }
            }
            None => pending.push(element),
        }
    }
    let mut result = Vec::new();
    for (i, plugin) in master.into_values().into_iter().enumerate() {
        if let Some(pre) = predecessors.remove(&i) {
            result.extend(pre);
        }
        result.push(plugin);
    }
    result.extend(pending);
    set_items(target, "plugins", result);
}

/// `ProfileModelMerger.mergePluginContainer_Plugins`: the model's plugins keep their
/// order; a profile plugin the model has is merged into it, with the profile-only
/// plugins before it; the other profile-only plugins follow.
fn inject_plugins(target: &mut Node, source: &Node, cx: &Ctx) {
    let Some(src) = source.child("plugins").filter(|s| !s.children.is_empty()) else {
        return;
    };
    let mut master = Keyed::new(Class::Plugin);
    for p in take_items(target, "plugins") {
        master.put(p, true);
    }
    let mut predecessors: HashMap<usize, Vec<Node>> = HashMap::new();
    let mut pending = Vec::new();
    for element in &src.children {
        match master.get(element) {
            Some(i) => {
                merge(&mut master.entries[i], element, Class::Plugin, cx);
                if !pending.is_empty() {
                    predecessors.insert(i, std::mem::take(&mut pending));
                }
            }
            None => pending.push(element.clone()),
        }
    }
    let mut result = Vec::new();
    for (i, plugin) in master.into_values().into_iter().enumerate() {
        if let Some(pre) = predecessors.remove(&i) {
            result.extend(pre);
        }
        result.push(plugin);
    }
    result.extend(pending);
    set_items(target, "plugins", result);
}

/// The executions of a plugin: `MavenModelMerger`'s order (the source's inherited ones
/// first, the target's merged into them or appended) for most mergers; the profile
/// injector keeps the target's order and merges the profile's into it.
fn executions(target: &mut Node, source: &Node, cx: &Ctx) {
    keyed_children(target, source, "executions", Class::PluginExecution, cx);
}

fn report_sets(target: &mut Node, source: &Node, cx: &Ctx) {
    keyed_children(target, source, "reportSets", Class::ReportSet, cx);
}

fn keyed_children(target: &mut Node, source: &Node, name: &str, class: Class, cx: &Ctx) {
    let Some(src) = source.child(name).filter(|s| !s.children.is_empty()) else {
        return;
    };
    let mut merged = Keyed::new(class);
    let own = take_items(target, name);
    if cx.merger == Merger::Profile {
        for t in own {
            merged.put(t, true);
        }
        for s in &src.children {
            match merged.get(s) {
                Some(i) => merge(&mut merged.entries[i], s, class, cx),
                None => merged.put_copy(s, true),
            }
        }
    } else {
        let plugin_inherited = is_inherited(source);
        for s in &src.children {
            let inherited = match s.text_at("inherited") {
                Some(v) => v.eq_ignore_ascii_case("true"),
                None => plugin_inherited,
            };
            if cx.dominant || cx.merger == Merger::PluginManagement || inherited {
                merged.put(s.clone(), true);
            }
        }
        for mut t in own {
            if let Some(i) = merged.get(&t) {
                merge(&mut t, &merged.entries[i], class, cx);
            }
            merged.put(t, true);
        }
    }
    set_items(target, name, merged.into_values());
}

/// Reporting plugins under inheritance and profile injection; `false` for the generic
/// rule.
fn report_plugins(target: &mut Node, source: &Node, cx: &Ctx) -> bool {
    if !matches!(cx.merger, Merger::Inheritance | Merger::Profile) {
        return false;
    }
    let Some(src) = source.child("plugins").filter(|s| !s.children.is_empty()) else {
        return true;
    };
    let mut merged = Keyed::new(Class::ReportPlugin);
    let own = take_items(target, "plugins");
    if cx.merger == Merger::Profile {
        for t in own {
            merged.put(t, true);
        }
        for s in &src.children {
            match merged.get(s) {
                Some(i) => merge(&mut merged.entries[i], s, Class::ReportPlugin, cx),
                None => merged.put_copy(s, true),
            }
        }
    } else {
        for s in src.children.iter().filter(|s| is_inherited(s)) {
            let mut plugin = Node::new("plugin");
            plugin.loc = s.loc.clone();
            plugin.children.extend(s.child("groupId").cloned());
            merge(&mut plugin, s, Class::ReportPlugin, cx);
            merged.put(plugin, true);
        }
        for mut t in own {
            if let Some(i) = merged.get(&t) {
                merge(&mut t, &merged.entries[i], Class::ReportPlugin, cx);
            }
            merged.put(t, true);
        }
    }
    set_items(target, "plugins", merged.into_values());
    true
}

/// plexus-utils' `Xpp3Dom.mergeXpp3Dom` (3.4): `dominant` receives `recessive`.
pub fn merge_dom(dominant: &mut Node, recessive: &Node) {
    if dominant.attr("combine.self") == Some("override") {
        return;
    }
    if dominant.text.as_deref().is_none_or(str::is_empty)
        && recessive.text.as_deref().is_some_and(|t| !t.is_empty())
    {
        dominant.text = recessive.text.clone();
        dominant.loc = recessive.loc.clone();
    }
    for (k, v) in &recessive.attrs {
        if dominant.attr(k).is_none_or(str::is_empty) && k != "combine.self" {
            dominant.set_attr(k, v.clone());
        }
    }
    if recessive.children.is_empty() {
        return;
    }
    if dominant.attr("combine.children") == Some("append") {
        let own = std::mem::take(&mut dominant.children);
        dominant.children = recessive.children.clone();
        dominant.children.extend(own);
        return;
    }
    // For each name the recessive side has, the dominant children of that name are
    // consumed in order.
    let mut next: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in dominant.children.iter().enumerate().rev() {
        if recessive.child(&c.name).is_some() {
            next.entry(c.name.as_str()).or_default().push(i);
        }
    }
    let next: HashMap<String, Vec<usize>> =
        next.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut next = next;
    let mut appended = Vec::new();
    for r in &recessive.children {
        match next.get_mut(&r.name) {
            None => appended.push(r.clone()),
            Some(stack) => {
                if let Some(i) = stack.pop() {
                    merge_dom(&mut dominant.children[i], r);
                }
            }
        }
    }
    dominant.children.extend(appended);
}

/// `DefaultModelNormalizer.mergeDuplicates`: a build plugin declared twice is merged
/// (the later declaration dominant) at the first one's position; a dependency declared
/// twice keeps the first position and the last declaration.
pub fn merge_duplicates(model: &mut Node) {
    if let Some(build) = model.child_mut("build")
        && let Some(plugins) = build.child_mut("plugins")
    {
        let mut list = Keyed::new(Class::Plugin);
        for mut p in std::mem::take(&mut plugins.children) {
            if let Some(i) = list.get(&p) {
                merge(
                    &mut p,
                    &list.entries[i],
                    Class::Plugin,
                    &Ctx::new(Merger::Duplicates, false),
                );
            }
            list.put(p, true);
        }
        plugins.children = list.into_values();
    }
    if let Some(deps) = model.child_mut("dependencies") {
        let mut list = Keyed::new(Class::Dependency);
        for d in std::mem::take(&mut deps.children) {
            list.put(d, true);
        }
        deps.children = list.into_values();
    }
}

/// `DefaultPluginManagementInjector`: each build plugin receives its managed
/// declaration (the build's own values win).
pub fn inject_plugin_management(model: &mut Node) {
    let Some(build) = model.child_mut("build") else {
        return;
    };
    let Some(managed) = build
        .child("pluginManagement")
        .and_then(|m| m.child("plugins"))
    else {
        return;
    };
    let mut by_key: HashMap<String, Node> = HashMap::new();
    for m in &managed.children {
        if let Some(k) = key(Class::Plugin, m) {
            by_key.insert(k, m.clone());
        }
    }
    let cx = Ctx::new(Merger::PluginManagement, false);
    if let Some(plugins) = build.child_mut("plugins") {
        for p in &mut plugins.children {
            if let Some(m) = key(Class::Plugin, p).and_then(|k| by_key.get(&k)) {
                merge(p, m, Class::Plugin, &cx);
            }
        }
    }
}

/// `DefaultDependencyManagementInjector`: each dependency receives its managed entry
/// (its own values win; `optional` is never managed; exclusions only when it has none).
pub fn inject_dependency_management(model: &mut Node) {
    fn managed_list(model: &mut Node) -> Option<&mut Vec<Node>> {
        model
            .child_mut("dependencyManagement")
            .and_then(|m| m.child_mut("dependencies"))
            .map(|d| &mut d.children)
    }
    // Lent out while the dependencies are merged, not copied: imported BOMs make it
    // hundreds of entries long in every module.
    let Some(managed) = managed_list(model).map(std::mem::take) else {
        return;
    };
    if let Some(deps) = model.child_mut("dependencies") {
        let mut index: HashMap<String, usize, foldhash::fast::RandomState> = HashMap::default();
        for (i, d) in deps.children.iter().enumerate() {
            if let Some(k) = key(Class::Dependency, d) {
                index.insert(k, i);
            }
        }
        let cx = Ctx::new(Merger::DependencyManagement, false);
        let mut k = String::new();
        for m in &managed {
            if key_into(Class::Dependency, m, &mut k)
                && let Some(&i) = index.get(k.as_str())
            {
                merge(&mut deps.children[i], m, Class::Dependency, &cx);
            }
        }
    }
    if let Some(list) = managed_list(model) {
        *list = managed;
    }
}

/// `DefaultLifecycleBindingsInjector`: the plugins the packaging's lifecycles bind by
/// default join the build's: a plugin the build has receives the default executions
/// (first) and version; a new one is appended, merged into its managed declaration when
/// there is one.
pub fn inject_lifecycle(model: &mut Node, defaults: &[Node]) {
    if defaults.is_empty() {
        return;
    }
    let build = model.child_or_insert("build");
    let managed: Vec<Node> = build
        .child("pluginManagement")
        .and_then(|m| m.child("plugins"))
        .map(|p| p.children.clone())
        .unwrap_or_default();
    let cx = Ctx::new(Merger::Lifecycle, false);
    let mut merged = Keyed::new(Class::Plugin);
    for p in take_items(build, "plugins") {
        merged.put(p, true);
    }
    let mut added: Vec<(String, usize, &Node)> = Vec::new();
    for element in defaults {
        match merged.get(element) {
            Some(i) => merge(&mut merged.entries[i], element, Class::Plugin, &cx),
            None => {
                if let Some(k) = key(Class::Plugin, element) {
                    added.push((k, merged.entries.len(), element));
                }
                merged.put(element.clone(), true);
            }
        }
    }
    for m in &managed {
        let Some(k) = key(Class::Plugin, m) else {
            continue;
        };
        if let Some(&(_, i, element)) = added.iter().find(|(a, _, _)| *a == k) {
            let mut plugin = m.clone();
            merge(&mut plugin, element, Class::Plugin, &cx);
            merged.entries[i] = plugin;
        }
    }
    set_items(build, "plugins", merged.into_values());
}

/// `DefaultPluginConfigurationExpander`: a plugin's configuration is merged into each
/// of its executions' (the execution's own values win), for build plugins and managed
/// ones.
pub fn expand_plugin_configuration(model: &mut Node) {
    let Some(build) = model.child_mut("build") else {
        return;
    };
    expand_in(build.child_mut("plugins"));
    if let Some(pm) = build.child_mut("pluginManagement") {
        expand_in(pm.child_mut("plugins"));
    }
}

fn expand_in(plugins: Option<&mut Node>) {
    let Some(plugins) = plugins else { return };
    for plugin in &mut plugins.children {
        let Some(config) = plugin.child("configuration").cloned() else {
            continue;
        };
        if let Some(executions) = plugin.child_mut("executions") {
            for e in &mut executions.children {
                merge_execution_config(e, &config, "configuration");
            }
        }
    }
}

/// Merges `config` (recessive) into the `name` DOM of `node`.
pub fn merge_execution_config(node: &mut Node, config: &Node, name: &str) {
    match node.child_mut(name) {
        Some(own) => merge_dom(own, config),
        None => {
            let mut copy = config.clone();
            copy.name = name.to_string();
            node.set_child(copy);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::effective::read;
    use crate::maven::pom::SourceId;
    use crate::maven::xml;

    /// A list the target does not declare is the source's, one element per key: copied
    /// whole when the keys are distinct, else the first (or, dominant, the last) of each.
    #[test]
    fn an_inherited_list_keeps_one_element_per_key() {
        let dep = |a: &str, v: &str| {
            let mut d = Node::new("dependency");
            d.children.push(Node::with_text("groupId", "g"));
            d.children.push(Node::with_text("artifactId", a));
            d.children.push(Node::with_text("version", v));
            d
        };
        let source = |deps: Vec<Node>| {
            let mut list = Node::new("dependencies");
            list.children = deps;
            let mut project = Node::new("project");
            project.children.push(list);
            project
        };
        let merged = |source: &Node, dominant: bool| {
            let mut target = Node::new("project");
            merge_keyed(
                &mut target,
                source,
                "dependencies",
                "dependency",
                Class::Dependency,
                dominant,
            );
            target.children[0]
                .children
                .iter()
                .map(|d| {
                    format!(
                        "{}:{}",
                        d.text_at("artifactId").unwrap_or(""),
                        d.text_at("version").unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
        };
        let distinct = source(vec![dep("a", "1"), dep("b", "1"), dep("c", "1")]);
        assert_eq!(merged(&distinct, false), ["a:1", "b:1", "c:1"]);
        let repeated = source(vec![dep("a", "1"), dep("b", "1"), dep("a", "2")]);
        assert_eq!(merged(&repeated, false), ["a:1", "b:1"]);
        assert_eq!(merged(&repeated, true), ["a:2", "b:1"]);
    }

    fn model(text: &str) -> Node {
        read::object(&xml::parse(text).unwrap(), Class::Model, SourceId(0))
    }

    fn ids(n: &Node, path: &str) -> Vec<String> {
        let mut node = n;
        for part in path.split('/') {
            node = node.child(part).unwrap();
        }
        node.children
            .iter()
            .map(|c| {
                c.text_at("artifactId")
                    .or(c.text_at("id"))
                    .unwrap_or("?")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn inherited_urls_get_the_child_path_unless_the_parent_says_no() {
        let parent = model(
            "<project><url>https://x.org/root/</url>\
             <scm child.scm.url.inherit.append.path=\"false\"><url>https://git/x</url>\
             <connection>scm:git:x</connection></scm></project>",
        );
        let mut child = model("<project><artifactId>c</artifactId></project>");
        let cx = Ctx {
            merger: Merger::Inheritance,
            dominant: false,
            child_directory: Some("c".into()),
            path_adjustment: Some("mods".into()),
        };
        merge(&mut child, &parent, Class::Model, &cx);
        assert_eq!(child.text_at("url"), Some("https://x.org/root/mods/c/"));
        assert_eq!(child.text_at("scm/url"), Some("https://git/x"));
        assert_eq!(child.text_at("scm/connection"), Some("scm:git:x/mods/c"));
        assert_eq!(
            child
                .child("scm")
                .unwrap()
                .attr("child.scm.url.inherit.append.path"),
            Some("false")
        );
    }

    #[test]
    fn dom_merge_follows_plexus() {
        let mut d = read::dom(
            &xml::parse("<c><a combine.children=\"append\"><i>d</i></a><b><k>d</k></b><v/></c>")
                .unwrap(),
            SourceId(0),
        );
        let r = read::dom(
            &xml::parse("<c><a><i>r</i></a><b><k>r</k><z>r</z></b><v>r</v><n>r</n></c>").unwrap(),
            SourceId(0),
        );
        merge_dom(&mut d, &r);
        let a: Vec<&str> = d
            .child("a")
            .unwrap()
            .children
            .iter()
            .map(|c| c.text.as_deref().unwrap())
            .collect();
        assert_eq!(a, ["r", "d"], "append puts the recessive children first");
        assert_eq!(d.text_at("b/k"), Some("d"));
        assert_eq!(d.text_at("b/z"), Some("r"));
        assert_eq!(
            d.text_at("v"),
            Some("r"),
            "an empty value takes the recessive one"
        );
        assert_eq!(d.text_at("n"), Some("r"));
    }

    #[test]
    fn lifecycle_executions_come_first_and_managed_versions_win() {
        let mut m = model(
            "<project><build><pluginManagement><plugins><plugin><artifactId>maven-jar-plugin</artifactId>\
             <version>9</version></plugin></plugins></pluginManagement><plugins>\
             <plugin><artifactId>maven-compiler-plugin</artifactId><executions><execution><id>x</id>\
             <goals><goal>compile</goal></goals></execution></executions></plugin></plugins></build></project>",
        );
        let defaults = model(
            "<project><build><plugins><plugin><artifactId>maven-compiler-plugin</artifactId><version>3.1</version>\
             <executions><execution><id>default-compile</id><phase>compile</phase></execution></executions></plugin>\
             <plugin><artifactId>maven-jar-plugin</artifactId><version>2.4</version></plugin></plugins></build></project>",
        );
        let plugins = defaults
            .child("build")
            .unwrap()
            .child("plugins")
            .unwrap()
            .children
            .clone();
        inject_lifecycle(&mut m, &plugins);
        assert_eq!(
            ids(&m, "build/plugins"),
            ["maven-compiler-plugin", "maven-jar-plugin"]
        );
        let compiler = &m.child("build").unwrap().child("plugins").unwrap().children[0];
        assert_eq!(compiler.text_at("version"), Some("3.1"));
        assert_eq!(ids(compiler, "executions"), ["default-compile", "x"]);
        let jar = &m.child("build").unwrap().child("plugins").unwrap().children[1];
        assert_eq!(jar.text_at("version"), Some("9"));
    }
}

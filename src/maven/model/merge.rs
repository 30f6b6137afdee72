//! Merging models as Maven's `MavenModelMerger` does: profile injection (the profile
//! dominates), parent inheritance (the child dominates) and management injection (the
//! declaration dominates its management entry).
//!
//! Order matters here: the reactor's edges are added in the order of the effective
//! dependency and plugin lists, and that order decides Maven's build order. So lists are
//! merged with Maven's exact ordering rules, not just as sets.

use crate::FastMap;
use crate::maven::pom::{
    Build, Config, Dependency, Extension, Model, Plugin, Profile, Value, text,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// `DefaultModelNormalizer.mergeDuplicates`, run on each POM before its profiles: a
/// dependency declared twice keeps the first position and the last declaration; a build
/// plugin declared twice is merged (the later one dominant) at the first position.
pub fn merge_duplicates(model: &mut Model) {
    // Decide with borrowed keys first: which declaration ends up at each first position.
    let keep: Vec<Option<usize>> = {
        let mut position: FastMap<(&str, &str, &str, &str), usize> =
            FastMap::with_capacity_and_hasher(model.dependencies.len(), Default::default());
        let mut last: Vec<usize> = Vec::with_capacity(model.dependencies.len());
        for (i, d) in model.dependencies.iter().enumerate() {
            match position.get(&d.key_parts()) {
                Some(&slot) => last[slot] = i,
                None => {
                    position.insert(d.key_parts(), last.len());
                    last.push(i);
                }
            }
        }
        let mut keep = vec![None; model.dependencies.len()];
        for (slot, &i) in last.iter().enumerate() {
            keep[i] = Some(slot);
        }
        keep
    };
    if keep.iter().any(Option::is_none) {
        let mut slots: Vec<(usize, Dependency)> = model
            .dependencies
            .drain(..)
            .zip(keep)
            .filter_map(|(d, slot)| slot.map(|s| (s, d)))
            .collect();
        slots.sort_by_key(|(s, _)| *s);
        model.dependencies = slots.into_iter().map(|(_, d)| d).collect();
    }

    let mut position: HashMap<String, usize> = HashMap::new();
    let mut plugins: Vec<Plugin> = Vec::with_capacity(model.build.plugins.len());
    for p in model.build.plugins.drain(..) {
        match position.get(&p.key()) {
            Some(&i) => plugins[i] = merge_plugin(p, &plugins[i]),
            None => {
                position.insert(p.key(), plugins.len());
                plugins.push(p);
            }
        }
    }
    model.build.plugins = plugins;
}

/// Injects an active profile into its own POM's model (the profile dominates).
pub fn inject_profile(model: &mut Model, profile: &Profile) {
    for (k, v) in &profile.properties {
        model.properties.insert(k.clone(), v.clone());
    }
    merge_dependencies(&mut model.dependencies, &profile.dependencies, true);
    if !profile.dependency_management.is_empty() {
        merge_dependencies(
            Arc::make_mut(&mut model.dependency_management),
            &profile.dependency_management,
            true,
        );
    }
    for m in &profile.modules {
        if !model.modules.iter().any(|x| x.text == m.text) {
            model.modules.push(m.clone());
        }
    }
    merge_build(&mut model.build, &profile.build, true);
}

/// Makes `child` the result of inheriting from `parent` (an already merged parent model).
/// Not inherited: artifactId, name, packaging, prerequisites, modules, profiles.
pub fn inherit(child: &mut Model, parent: &Model) {
    if child.group_id.is_none() {
        child.group_id = parent.group_id.clone();
    }
    if child.version.is_none() {
        child.version = parent.version.clone();
    }
    for (k, v) in &parent.properties {
        child
            .properties
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    merge_dependencies(&mut child.dependencies, &parent.dependencies, false);
    if child.dependency_management.is_empty() {
        // The common case: the child manages nothing itself and shares its parent's list.
        child.dependency_management = parent.dependency_management.clone();
    } else {
        merge_dependencies(
            Arc::make_mut(&mut child.dependency_management),
            &parent.dependency_management,
            false,
        );
    }
    merge_build_base(&mut child.build, &parent.build, false);
    inherit_plugins(&mut child.build.plugins, &parent.build.plugins);
    inherit_plugins(
        &mut child.build.plugin_management,
        &parent.build.plugin_management,
    );
}

/// Maven's `ConfigurationContainer.isInherited`: unset means inherited; otherwise only
/// `true` (in any case) is, as `Boolean.parseBoolean` reads it.
fn is_inherited(inherited: &Option<Value>) -> bool {
    text(inherited).is_none_or(|v| v.eq_ignore_ascii_case("true"))
}

/// What a child receives of one parent plugin (`InheritanceModelMerger.mergePlugin` into
/// an empty plugin): everything for an inherited plugin but the executions marked
/// `<inherited>false</inherited>`; for a plugin marked `<inherited>false</inherited>`,
/// still its coordinates and dependencies and the executions marked inherited, without
/// its configuration.
fn inherited_part(p: &Plugin) -> Plugin {
    let inherited = is_inherited(&p.inherited);
    let mut part = p.clone();
    if !inherited {
        part.configuration = None;
        part.inherited = None;
    }
    part.executions.retain(|e| match text(&e.inherited) {
        Some(_) => is_inherited(&e.inherited),
        None => inherited,
    });
    part
}

/// `InheritanceModelMerger.mergePluginContainer_Plugins`: the parent's plugins lead, in
/// the parent's order (those marked `<inherited>false</inherited>` only if they have
/// executions); a child plugin the parent also has is merged into it, the child
/// dominant, at the parent's position, and the child-only plugins declared before it are
/// placed just before it; the other child-only plugins follow.
fn inherit_plugins(child: &mut Vec<Plugin>, parent: &[Plugin]) {
    let mut master: Vec<(String, Plugin)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for p in parent
        .iter()
        .filter(|p| is_inherited(&p.inherited) || !p.executions.is_empty())
    {
        match position.get(&p.key()) {
            Some(&i) => master[i].1 = inherited_part(p),
            None => {
                position.insert(p.key(), master.len());
                master.push((p.key(), inherited_part(p)));
            }
        }
    }
    if master.is_empty() {
        return;
    }
    let mut predecessors: HashMap<usize, Vec<Plugin>> = HashMap::new();
    let mut pending: Vec<Plugin> = Vec::new();
    for p in child.drain(..) {
        match position.get(&p.key()) {
            Some(&i) => {
                master[i].1 = merge_plugin(p, &master[i].1);
                if !pending.is_empty() {
                    predecessors.insert(i, std::mem::take(&mut pending));
                }
            }
            None => pending.push(p),
        }
    }
    for (i, (_, plugin)) in master.into_iter().enumerate() {
        if let Some(pre) = predecessors.remove(&i) {
            child.extend(pre);
        }
        child.push(plugin);
    }
    child.extend(pending);
}

/// Merges `source` into `target` (profile injection: the profile dominates).
fn merge_build(target: &mut Build, source: &Build, source_dominant: bool) {
    merge_build_base(target, source, source_dominant);
    merge_plugins(&mut target.plugins, &source.plugins, source_dominant);
    merge_plugins(
        &mut target.plugin_management,
        &source.plugin_management,
        source_dominant,
    );
}

/// Merges all of `<build>` but the plugin lists, whose order rules differ between
/// profile injection and inheritance; `source_dominant` says which wins.
fn merge_build_base(target: &mut Build, source: &Build, source_dominant: bool) {
    let pick = |t: &mut Option<Value>, s: &Option<Value>| {
        if s.is_some() && (source_dominant || t.is_none()) {
            *t = s.clone();
        }
    };
    pick(&mut target.source_directory, &source.source_directory);
    pick(&mut target.directory, &source.directory);
    pick(&mut target.output_directory, &source.output_directory);
    pick(&mut target.final_name, &source.final_name);
    // `ModelMerger.mergeBuildBase_Filters`: the union, each filter once.
    for f in &source.filters {
        if !target.filters.iter().any(|t| t.text == f.text) {
            target.filters.push(f.clone());
        }
    }
    if !source.resources.is_empty() && (source_dominant || target.resources.is_empty()) {
        target.resources = source.resources.clone();
    }
    merge_extensions(&mut target.extensions, &source.extensions, source_dominant);
}

/// `ModelMerger.mergeModelBase_Dependencies`: the target's entries first, in order; a
/// source entry with the same management key replaces it in place when the source
/// dominates; other source entries are appended.
pub fn merge_dependencies(
    target: &mut Vec<Dependency>,
    source: &[Dependency],
    source_dominant: bool,
) {
    if source.is_empty() {
        return;
    }
    // Decide first with borrowed keys (this runs for every module and every level of its
    // parent chain, over the root's whole dependencyManagement), then apply.
    let actions: Vec<Option<usize>> = {
        let mut index: FastMap<(&str, &str, &str, &str), usize> =
            FastMap::with_capacity_and_hasher(target.len() + source.len(), Default::default());
        for (i, d) in target.iter().enumerate() {
            index.entry(d.key_parts()).or_insert(i);
        }
        let mut next = target.len();
        source
            .iter()
            .map(|d| match index.get(&d.key_parts()) {
                Some(&i) => Some(i),
                None => {
                    index.insert(d.key_parts(), next);
                    next += 1;
                    None
                }
            })
            .collect()
    };
    target.reserve_exact(actions.iter().filter(|a| a.is_none()).count());
    for (d, action) in source.iter().zip(actions) {
        match action {
            Some(i) if source_dominant => target[i] = d.clone(),
            Some(_) => {}
            None => target.push(d.clone()),
        }
    }
}

/// `ModelMerger.mergeBuild_Extensions`: keyed by groupId:artifactId; the target's order,
/// a shared one replaced in place when the source dominates, the source's others appended.
fn merge_extensions(target: &mut Vec<Extension>, source: &[Extension], source_dominant: bool) {
    let key = |e: &Extension| {
        format!(
            "{}:{}",
            text(&e.group_id).unwrap_or(""),
            text(&e.artifact_id).unwrap_or("")
        )
    };
    let mut position: HashMap<String, usize> = target
        .iter()
        .enumerate()
        .map(|(i, e)| (key(e), i))
        .collect();
    for e in source {
        match position.get(&key(e)) {
            Some(&i) if source_dominant => target[i] = e.clone(),
            Some(_) => {}
            None => {
                position.insert(key(e), target.len());
                target.push(e.clone());
            }
        }
    }
}

/// `MavenModelMerger.mergePluginContainer_Plugins`: the target's plugins keep their order;
/// a source plugin shared with the target is merged into it, and the source plugins that
/// precede a shared one in the source are placed just before it; the rest are appended.
pub fn merge_plugins(target: &mut Vec<Plugin>, source: &[Plugin], source_dominant: bool) {
    if source.is_empty() {
        return;
    }
    let mut master: Vec<(String, Plugin)> = target.drain(..).map(|p| (p.key(), p)).collect();
    let position: HashMap<String, usize> = master
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.clone(), i))
        .collect();
    let mut predecessors: HashMap<usize, Vec<Plugin>> = HashMap::new();
    let mut pending: Vec<Plugin> = Vec::new();
    for p in source {
        match position.get(&p.key()) {
            Some(&i) => {
                let (dominant, recessive) = if source_dominant {
                    (p.clone(), &master[i].1)
                } else {
                    (master[i].1.clone(), p)
                };
                master[i].1 = merge_plugin(dominant, recessive);
                if !pending.is_empty() {
                    predecessors.insert(i, std::mem::take(&mut pending));
                }
            }
            None => pending.push(p.clone()),
        }
    }
    for (i, (_, plugin)) in master.into_iter().enumerate() {
        if let Some(pre) = predecessors.remove(&i) {
            target.extend(pre);
        }
        target.push(plugin);
    }
    target.extend(pending);
}

/// Merges a recessive plugin declaration into a dominant one.
pub fn merge_plugin(mut dominant: Plugin, recessive: &Plugin) -> Plugin {
    if dominant.group_id.is_none() {
        dominant.group_id = recessive.group_id.clone();
    }
    if dominant.version.is_none() {
        dominant.version = recessive.version.clone();
    }
    if dominant.extensions.is_none() {
        dominant.extensions = recessive.extensions.clone();
    }
    merge_dependencies(&mut dominant.dependencies, &recessive.dependencies, false);
    dominant.configuration = match (dominant.configuration.take(), &recessive.configuration) {
        (Some(d), Some(r)) => Some(merge_config(d, r)),
        (d, r) => d.or_else(|| r.clone()),
    };
    let ids: HashSet<String> = dominant
        .executions
        .iter()
        .map(|e| text(&e.id).unwrap_or("default").to_string())
        .collect();
    for e in &recessive.executions {
        if !ids.contains(text(&e.id).unwrap_or("default")) {
            dominant.executions.push(e.clone());
        }
    }
    dominant
}

/// plexus `Xpp3Dom.mergeXpp3Dom`: the dominant tree wins; recessive children are merged
/// by name, in order, unless `combine.self="override"` or `combine.children="append"`.
pub fn merge_config(mut dominant: Config, recessive: &Config) -> Config {
    let attr = |c: &Config, name: &str| {
        c.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if attr(&dominant, "combine.self").as_deref() == Some("override") {
        return dominant;
    }
    if dominant.value.is_none() && recessive.value.is_some() {
        dominant.value = recessive.value.clone();
        for (k, v) in &recessive.attrs {
            if attr(&dominant, k).is_none() {
                dominant.attrs.push((k.clone(), v.clone()));
            }
        }
    }
    if attr(&dominant, "combine.children").as_deref() == Some("append") {
        dominant.children.extend(recessive.children.iter().cloned());
        return dominant;
    }
    // For each name, the dominant children of that name are consumed in order by the
    // recessive children of that name.
    let mut next: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in dominant.children.iter().enumerate().rev() {
        next.entry(c.name.clone()).or_default().push(i);
    }
    let names_in_dominant: HashSet<String> = next.keys().cloned().collect();
    let mut appended = Vec::new();
    for r in &recessive.children {
        if !names_in_dominant.contains(&r.name) {
            appended.push(r.clone());
        } else if let Some(i) = next.get_mut(&r.name).and_then(Vec::pop) {
            let d = std::mem::replace(
                &mut dominant.children[i],
                Config {
                    name: String::new(),
                    attrs: Vec::new(),
                    value: None,
                    children: Vec::new(),
                },
            );
            dominant.children[i] = merge_config(d, r);
        }
    }
    dominant.children.extend(appended);
    dominant
}

/// Injects `dependencyManagement` into the dependencies: a missing version, scope or
/// type-specific detail comes from the managed entry with the same key; an explicit value
/// is never overridden.
pub fn inject_dependency_management(model: &mut Model) {
    if model.dependency_management.is_empty() {
        return;
    }
    let managed: FastMap<(&str, &str, &str, &str), &Dependency> = model
        .dependency_management
        .iter()
        .rev()
        .map(|d| (d.key_parts(), d))
        .collect();
    let hits: Vec<Option<&Dependency>> = model
        .dependencies
        .iter()
        .map(|d| managed.get(&d.key_parts()).copied())
        .collect();
    for (d, hit) in model.dependencies.iter_mut().zip(hits) {
        if let Some(m) = hit {
            if d.version.is_none() {
                d.version = m.version.clone();
            }
            if d.scope.is_none() {
                d.scope = m.scope.clone();
            }
            if d.optional.is_none() {
                d.optional = m.optional.clone();
            }
            if d.exclusions.is_empty() {
                d.exclusions = m.exclusions.clone();
            }
        }
    }
}

/// Injects `pluginManagement` into the build plugins (the declaration dominates).
pub fn inject_plugin_management(build: &mut Build) {
    if build.plugin_management.is_empty() {
        return;
    }
    let managed: HashMap<String, &Plugin> = build
        .plugin_management
        .iter()
        .rev()
        .map(|p| (p.key(), p))
        .collect();
    for p in &mut build.plugins {
        if let Some(m) = managed.get(&p.key()) {
            let merged = merge_plugin(p.clone(), m);
            *p = merged;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::pom::{SourceId, parse_model};

    fn model(xml: &str) -> Model {
        parse_model(xml, SourceId(0)).unwrap()
    }

    fn artifact_ids(deps: &[Dependency]) -> Vec<&str> {
        deps.iter().map(|d| text(&d.artifact_id).unwrap()).collect()
    }

    #[test]
    fn inheritance_keeps_the_child_first_and_the_child_wins() {
        let parent = model(
            "<project><groupId>g</groupId><version>1</version><artifactId>p</artifactId>\
             <packaging>pom</packaging><properties><a>parent</a><b>parent</b></properties>\
             <dependencies><dependency><groupId>x</groupId><artifactId>d1</artifactId><version>1</version></dependency>\
             <dependency><groupId>x</groupId><artifactId>d2</artifactId><version>1</version></dependency></dependencies>\
             <modules><module>m</module></modules></project>",
        );
        let mut child = model(
            "<project><artifactId>c</artifactId><properties><a>child</a></properties>\
             <dependencies><dependency><groupId>x</groupId><artifactId>d2</artifactId><version>2</version></dependency>\
             <dependency><groupId>x</groupId><artifactId>d3</artifactId></dependency></dependencies></project>",
        );
        inherit(&mut child, &parent);
        assert_eq!(text(&child.group_id), Some("g"));
        assert_eq!(text(&child.version), Some("1"));
        assert_eq!(text(&child.artifact_id), Some("c"));
        assert_eq!(child.packaging, None, "packaging is not inherited");
        assert!(child.modules.is_empty(), "modules are not inherited");
        assert_eq!(child.properties["a"].text, "child");
        assert_eq!(child.properties["b"].text, "parent");
        assert_eq!(artifact_ids(&child.dependencies), vec!["d2", "d3", "d1"]);
        assert_eq!(text(&child.dependencies[0].version), Some("2"));
    }

    #[test]
    fn plugins_keep_maven_order_and_honour_inherited_false() {
        let parent = model(
            "<project><build><plugins>\
             <plugin><artifactId>p1</artifactId><version>1</version></plugin>\
             <plugin><artifactId>shared</artifactId><version>1</version>\
               <configuration><a>parent</a><b>parent</b></configuration></plugin>\
             <plugin><artifactId>p3</artifactId><inherited>false</inherited></plugin>\
             <plugin><artifactId>p4</artifactId></plugin>\
             </plugins></build></project>",
        );
        let mut child = model(
            "<project><build><plugins>\
             <plugin><artifactId>c1</artifactId></plugin>\
             <plugin><artifactId>shared</artifactId><configuration><a>child</a></configuration></plugin>\
             </plugins></build></project>",
        );
        inherit(&mut child, &parent);
        let ids: Vec<&str> = child
            .build
            .plugins
            .iter()
            .map(|p| text(&p.artifact_id).unwrap())
            .collect();
        assert_eq!(ids, vec!["p1", "c1", "shared", "p4"]);
        let shared = &child.build.plugins[2];
        assert_eq!(text(&shared.version), Some("1"));
        let conf = shared.configuration.as_ref().unwrap();
        assert_eq!(conf.text_at("a"), Some("child"));
        assert_eq!(conf.text_at("b"), Some("parent"));
    }

    #[test]
    fn management_fills_in_but_never_overrides() {
        let mut m = model(
            "<project><dependencyManagement><dependencies>\
             <dependency><groupId>g</groupId><artifactId>a</artifactId><version>1</version><scope>test</scope></dependency>\
             <dependency><groupId>g</groupId><artifactId>b</artifactId><version>1</version></dependency>\
             <dependency><groupId>g</groupId><artifactId>a</artifactId><version>9</version><type>test-jar</type></dependency>\
             </dependencies></dependencyManagement><dependencies>\
             <dependency><groupId>g</groupId><artifactId>a</artifactId></dependency>\
             <dependency><groupId>g</groupId><artifactId>b</artifactId><version>2</version></dependency>\
             <dependency><groupId>g</groupId><artifactId>a</artifactId><type>test-jar</type></dependency>\
             </dependencies></project>",
        );
        inject_dependency_management(&mut m);
        assert_eq!(text(&m.dependencies[0].version), Some("1"));
        assert_eq!(text(&m.dependencies[0].scope), Some("test"));
        assert_eq!(text(&m.dependencies[1].version), Some("2"));
        assert_eq!(text(&m.dependencies[2].version), Some("9"));
    }

    #[test]
    fn profile_injection_dominates() {
        let mut m = model(
            "<project><properties><x>pom</x></properties><modules><module>a</module></modules>\
             <profiles><profile><id>p</id><properties><x>profile</x></properties>\
             <modules><module>a</module><module>b</module></modules></profile></profiles></project>",
        );
        let profile = m.profiles[0].clone();
        inject_profile(&mut m, &profile);
        assert_eq!(m.properties["x"].text, "profile");
        let modules: Vec<&str> = m.modules.iter().map(|v| v.as_str()).collect();
        assert_eq!(modules, vec!["a", "b"]);
    }

    #[test]
    fn configuration_merge_modes() {
        let d = model(
            "<project><build><plugins><plugin><artifactId>x</artifactId><configuration>\
             <list combine.children=\"append\"><i>d</i></list><over combine.self=\"override\"><k>d</k></over>\
             </configuration></plugin></plugins></build></project>",
        );
        let r = model(
            "<project><build><plugins><plugin><artifactId>x</artifactId><configuration>\
             <list><i>r</i></list><over><k>r</k><z>r</z></over><extra>r</extra>\
             </configuration></plugin></plugins></build></project>",
        );
        let merged = merge_config(
            d.build.plugins[0].configuration.clone().unwrap(),
            r.build.plugins[0].configuration.as_ref().unwrap(),
        );
        let list = merged.child("list").unwrap();
        assert_eq!(list.children.len(), 2);
        assert!(merged.child("over").unwrap().child("z").is_none());
        assert_eq!(merged.text_at("extra"), Some("r"));
    }

    #[test]
    fn duplicates_keep_the_first_position_and_the_last_declaration() {
        let mut m = model(
            "<project><dependencies>\
             <dependency><groupId>x</groupId><artifactId>a</artifactId><version>1</version></dependency>\
             <dependency><groupId>x</groupId><artifactId>b</artifactId><version>1</version></dependency>\
             <dependency><groupId>x</groupId><artifactId>a</artifactId><version>2</version></dependency>\
             <dependency><groupId>x</groupId><artifactId>a</artifactId><version>3</version><classifier>c</classifier></dependency>\
             </dependencies><build><plugins>\
             <plugin><artifactId>p</artifactId><version>1</version><dependencies><dependency><groupId>x</groupId><artifactId>d1</artifactId></dependency></dependencies></plugin>\
             <plugin><groupId>y</groupId><artifactId>q</artifactId></plugin>\
             <plugin><groupId>org.apache.maven.plugins</groupId><artifactId>p</artifactId><version>2</version></plugin>\
             </plugins></build></project>",
        );
        merge_duplicates(&mut m);
        assert_eq!(artifact_ids(&m.dependencies), ["a", "b", "a"]);
        assert_eq!(text(&m.dependencies[0].version), Some("2"));
        let plugins: Vec<String> = m.build.plugins.iter().map(Plugin::key).collect();
        assert_eq!(plugins, ["org.apache.maven.plugins:p", "y:q"]);
        assert_eq!(text(&m.build.plugins[0].version), Some("2"));
        assert_eq!(artifact_ids(&m.build.plugins[0].dependencies), ["d1"]);
    }

    #[test]
    fn inherited_plugins_follow_the_parent_s_order() {
        let parent = model(
            "<project><build><plugins>\
             <plugin><artifactId>a</artifactId></plugin>\
             <plugin><artifactId>b</artifactId><version>1</version></plugin>\
             <plugin><artifactId>quiet</artifactId><inherited>false</inherited></plugin>\
             <plugin><artifactId>run</artifactId><inherited>false</inherited><configuration><x>1</x></configuration>\
             <executions><execution><id>e</id></execution><execution><id>f</id><inherited>true</inherited></execution></executions></plugin>\
             </plugins></build></project>",
        );
        let mut child = model(
            "<project><build><plugins>\
             <plugin><artifactId>c</artifactId></plugin>\
             <plugin><artifactId>b</artifactId><version>2</version></plugin>\
             <plugin><artifactId>d</artifactId></plugin>\
             </plugins></build></project>",
        );
        inherit(&mut child, &parent);
        let keys: Vec<&str> = child
            .build
            .plugins
            .iter()
            .map(|p| text(&p.artifact_id).unwrap())
            .collect();
        assert_eq!(keys, ["a", "c", "b", "run", "d"]);
        assert_eq!(text(&child.build.plugins[2].version), Some("2"));
        let run = &child.build.plugins[3];
        assert!(run.configuration.is_none());
        let ids: Vec<&str> = run
            .executions
            .iter()
            .map(|e| text(&e.id).unwrap())
            .collect();
        assert_eq!(ids, ["f"]);
    }
}

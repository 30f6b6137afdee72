//! Findings grouped by cause: one root cause, one finding, naming every module it
//! concerns and the other warnings it explains. An external parent that is not in the
//! local repository makes every module below it lose the versions it manages; reporting
//! that as one warning per module, and each unmanaged dependency on its own, buries the
//! one thing to do (get the parent) under dozens of lines.

use crate::error::{Finding, FindingKind};
use crate::maven::workspace::{ModuleId, Workspace};
use std::collections::BTreeSet;

/// The findings of a workspace and its graph, grouped: identical findings (same kind,
/// message and place) once, with the modules they concern; a dependency without a version
/// in a module whose parent or imported BOM could not be read, folded into that cause as
/// a consequence it explains. Order: the first occurrence of each group.
pub fn grouped<'a>(
    ws: &Workspace,
    findings: impl IntoIterator<Item = &'a Finding>,
) -> Vec<Finding> {
    let mut groups: Vec<Finding> = Vec::new();
    let mut index: std::collections::HashMap<_, usize> = std::collections::HashMap::new();
    for f in findings {
        match index.entry((f.kind, f.message.clone(), f.loc.clone())) {
            std::collections::hash_map::Entry::Occupied(at) => {
                add_module(&mut groups[*at.get()], f.module.as_deref());
            }
            std::collections::hash_map::Entry::Vacant(at) => {
                at.insert(groups.len());
                let mut g = f.clone();
                g.modules = f.module.iter().cloned().collect();
                groups.push(g);
            }
        }
    }
    for g in &mut groups {
        if g.kind == FindingKind::UnresolvedParent {
            // Raised for the POM that declares the parent: every module inheriting
            // from that POM is concerned.
            for m in &ws.modules {
                let declares = g
                    .loc
                    .as_ref()
                    .map(|l| ws.sources.path(l.source))
                    .is_some_and(|pom| m.lineage.iter().any(|p| p == pom));
                if declares {
                    add_module(g, Some(&m.key()));
                }
            }
        }
    }
    groups.iter_mut().for_each(dedup_modules);
    let mut groups = fold_consequences(groups);
    for g in &mut groups {
        // One module named on its own; several in `modules`.
        if g.modules.len() > 1 {
            g.module = None;
        }
    }
    groups
}

/// The grouped findings of the workspace that concern `modules` (all of them when every
/// module is asked for; a finding about no module in particular always).
pub fn for_modules(ws: &Workspace, modules: &[ModuleId]) -> Vec<Finding> {
    let all = modules.len() == ws.modules.len();
    let keys: BTreeSet<String> = modules.iter().map(|&id| ws.module(id).key()).collect();
    grouped(ws, &ws.findings)
        .into_iter()
        .filter(|f| all || f.modules.is_empty() || f.modules.iter().any(|m| keys.contains(m)))
        .collect()
}

/// Adds a module to a group; [`dedup_modules`] removes repeats once grouping is done.
fn add_module(g: &mut Finding, module: Option<&str>) {
    if let Some(m) = module {
        g.modules.push(m.to_string());
    }
}

/// Each module once, in the order of first mention.
fn dedup_modules(g: &mut Finding) {
    let mut seen = std::collections::HashSet::new();
    g.modules.retain(|m| seen.insert(m.clone()));
}

/// Moves each missing-version finding of a module concerned by an unresolved parent or
/// BOM into that cause's `explains`.
fn fold_consequences(groups: Vec<Finding>) -> Vec<Finding> {
    let causes: Vec<usize> = groups
        .iter()
        .enumerate()
        .filter(|(_, g)| {
            matches!(
                g.kind,
                FindingKind::UnresolvedParent | FindingKind::UnresolvedImport
            )
        })
        .map(|(i, _)| i)
        .collect();
    if causes.is_empty() {
        return groups;
    }
    let mut explained: Vec<Vec<(String, String)>> = vec![Vec::new(); groups.len()];
    let mut keep = vec![true; groups.len()];
    for (i, g) in groups.iter().enumerate() {
        if g.kind != FindingKind::MissingVersion {
            continue;
        }
        let cause = causes
            .iter()
            .find(|&&c| g.modules.iter().any(|m| groups[c].modules.contains(m)));
        if let Some(&c) = cause {
            let what = g
                .message
                .split(" has no version")
                .next()
                .unwrap_or(&g.message)
                .trim_start_matches("the dependency ")
                .to_string();
            for m in &g.modules {
                explained[c].push((what.clone(), m.clone()));
            }
            keep[i] = false;
        }
    }
    groups
        .into_iter()
        .enumerate()
        .filter(|(i, _)| keep[*i])
        .map(|(i, mut g)| {
            if !explained[i].is_empty() {
                let deps: BTreeSet<&str> = explained[i].iter().map(|(d, _)| d.as_str()).collect();
                let modules: BTreeSet<&str> =
                    explained[i].iter().map(|(_, m)| m.as_str()).collect();
                g.explains.push(format!(
                    "{} dependencies without a version in {} modules ({}): the versions it \
                     would manage are unknown",
                    explained[i].len(),
                    modules.len(),
                    deps.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            g
        })
        .collect()
}

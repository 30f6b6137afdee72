//! The install plan: which modules of the targets' upstream closure must be installed,
//! why, and what each waits for.
//!
//! Every module that is not `fresh` is planned (`unverified` ones too, unless trusted).
//! Parents and imported BOMs are part of the closure (a consumer resolving a module's
//! POM from the repository needs its parent POM there too), so they are planned by the
//! same rule. A module waits for every planned module in its own upstream, directly or
//! through modules that are not planned; the [`queue`] then starts each one as soon as
//! those are done.

pub mod queue;

use crate::error::{Error, Result};
use crate::freshness::status::{CheckReport, Status};
use crate::maven::graph::ReactorGraph;
use crate::maven::workspace::{ModuleId, Workspace};
use queue::DependencyQueue;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// Options for [`plan`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PlanOptions {
    /// Treat `unverified` artifacts (installed by plain `mvn install`) as fresh, unless
    /// something they were built against is reinstalled.
    pub trust_unverified: bool,
}

/// One module to install.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlannedModule {
    /// The module.
    #[serde(skip)]
    pub module: ModuleId,
    /// `groupId:artifactId`.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its packaging (`pom` modules are installed with `-N`).
    pub packaging: String,
    /// Its POM, relative to the workspace root.
    pub pom: String,
    /// Its status now.
    pub status: Status,
    /// Why it is installed, in a few words.
    pub reason: String,
    /// The nearest planned modules it waits for (ids); it also waits for what they wait
    /// for.
    pub waits_for: Vec<String>,
}

/// `m2fresh plan --format json`: what `install` would do.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Plan {
    /// Always [`crate::report::SCHEMA`].
    pub schema: u32,
    /// The local repository it installs into.
    pub local_repository: PathBuf,
    /// Planned against remote repositories (`plan --remote`: what `deploy` deploys);
    /// absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Vec<crate::freshness::status::RepositoryInfo>>,
    /// The modules to install (with `remote`: to deploy), in Maven's build order.
    pub install: Vec<PlannedModule>,
    /// The modules of the closure that are fresh (ids).
    pub fresh: Vec<String>,
    /// The check's findings about these modules ([`CheckReport::findings`]).
    pub findings: Vec<crate::error::Finding>,
    #[serde(skip)]
    waits: HashMap<ModuleId, Vec<ModuleId>>,
}

impl Plan {
    /// Whether there is nothing to install.
    pub fn is_empty(&self) -> bool {
        self.install.is_empty()
    }

    /// The plan without `done` (modules that became fresh another way, such as a
    /// download): they move to `fresh`, and nothing waits for them any more.
    pub fn without(&self, done: &[ModuleId]) -> Plan {
        let mut plan = self.clone();
        plan.install.retain(|p| !done.contains(&p.module));
        for p in &self.install {
            if done.contains(&p.module) {
                plan.fresh.push(p.id.clone());
            }
        }
        let removed: Vec<String> = self
            .install
            .iter()
            .filter(|p| done.contains(&p.module))
            .map(|p| p.id.clone())
            .collect();
        for p in &mut plan.install {
            p.waits_for.retain(|w| !removed.contains(w));
        }
        plan.waits.retain(|id, _| !done.contains(id));
        for deps in plan.waits.values_mut() {
            deps.retain(|d| !done.contains(d));
        }
        plan
    }

    /// The scheduling queue for the planned modules.
    pub fn queue(&self) -> Result<DependencyQueue<ModuleId>> {
        DependencyQueue::new(self.install.iter().map(|p| {
            (
                p.module,
                self.waits.get(&p.module).cloned().unwrap_or_default(),
            )
        }))
        .map_err(|e| Error::usage(format!("{e}"), None))
    }

    /// Whether planned module `a` waits for `b` (directly or through others).
    pub fn waits_on(&self, a: ModuleId, b: ModuleId) -> bool {
        self.waits.get(&a).is_some_and(|w| w.contains(&b))
    }

    /// The planned module for an id.
    pub fn get(&self, id: ModuleId) -> Option<&PlannedModule> {
        self.install.iter().find(|p| p.module == id)
    }
}

/// Plans the install of the modules checked in `report` (the targets' closure).
pub fn plan(ws: &Workspace, graph: &ReactorGraph, report: &CheckReport, opts: PlanOptions) -> Plan {
    let mut planned: HashSet<ModuleId> = HashSet::new();
    let mut reasons: HashMap<ModuleId, String> = HashMap::new();
    // The report is in build order, so upstream decisions are known first.
    for s in &report.modules {
        let needed = match s.status {
            Status::Fresh => false,
            Status::Unverified if opts.trust_unverified => {
                let rebuilt_upstream = graph
                    .upstream(&[s.module])
                    .into_iter()
                    .find(|u| *u != s.module && planned.contains(u));
                if let Some(u) = rebuilt_upstream {
                    reasons.insert(
                        s.module,
                        format!(
                            "trusted, but built against {}, which is reinstalled",
                            ws.module(u).key()
                        ),
                    );
                    true
                } else {
                    false
                }
            }
            _ => true,
        };
        if needed {
            planned.insert(s.module);
            reasons
                .entry(s.module)
                .or_insert_with(|| format!("{}: {}", s.status.as_str(), s.summary()));
        }
    }
    let mut install = Vec::new();
    let mut waits = HashMap::new();
    let mut fresh = Vec::new();
    for s in &report.modules {
        if !planned.contains(&s.module) {
            fresh.push(s.id.clone());
            continue;
        }
        let deps: Vec<ModuleId> = graph
            .upstream(&[s.module])
            .into_iter()
            .filter(|u| *u != s.module && planned.contains(u))
            .collect();
        let m = ws.module(s.module);
        // Show only the nearest planned modules; the queue still waits for all of them.
        let nearest: Vec<ModuleId> = deps
            .iter()
            .copied()
            .filter(|d| {
                !deps
                    .iter()
                    .any(|e| e != d && waits.get(e).is_some_and(|w: &Vec<ModuleId>| w.contains(d)))
            })
            .collect();
        install.push(PlannedModule {
            module: s.module,
            id: s.id.clone(),
            version: s.version.clone(),
            packaging: s.packaging.clone(),
            pom: m.rel_pom.clone(),
            status: s.status,
            reason: reasons.remove(&s.module).unwrap_or_default(),
            waits_for: nearest.iter().map(|d| ws.module(*d).key()).collect(),
        });
        waits.insert(s.module, deps);
    }
    Plan {
        schema: crate::report::SCHEMA,
        local_repository: report.local_repository.clone(),
        remote: report.remote.clone(),
        install,
        fresh,
        findings: report.findings.clone(),
        waits,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::freshness::status::ModuleStatus;
    use crate::maven::workspace::{Discovery, LoadOptions};

    /// A scan workspace: `p` (the parent POM), `a` (child of `p`), `b` (child of `p`,
    /// depends on `a`), `c` (child of `p`, alone).
    pub(crate) fn three_modules() -> (tempfile::TempDir, Workspace, ReactorGraph) {
        let dir = tempfile::tempdir().unwrap();
        let module = |name: &str, body: &str| {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
            std::fs::write(
                dir.path().join(name).join("pom.xml"),
                format!(
                    "<project><modelVersion>4.0.0</modelVersion>{body}<groupId>g</groupId>\
                     <artifactId>{name}</artifactId><version>1</version></project>"
                ),
            )
            .unwrap();
        };
        let parent = "<parent><groupId>g</groupId><artifactId>p</artifactId>\
                      <version>1</version><relativePath>../p</relativePath></parent>";
        module("p", "<packaging>pom</packaging>");
        module("a", parent);
        module(
            "b",
            &format!(
                "{parent}<dependencies><dependency><groupId>g</groupId><artifactId>a\
                 </artifactId><version>1</version></dependency></dependencies>"
            ),
        );
        module("c", parent);
        let opts = LoadOptions {
            discovery: Discovery::Scan,
            environment: crate::environment::Environment::from_vars::<&str, &str>([]),
            ..LoadOptions::default()
        };
        let ws = Workspace::load(dir.path(), &opts).unwrap();
        let graph = ReactorGraph::build(&ws).unwrap();
        (dir, ws, graph)
    }

    fn report(ws: &Workspace, graph: &ReactorGraph, statuses: &[(&str, Status)]) -> CheckReport {
        let modules = graph
            .order
            .iter()
            .map(|&id| {
                let m = ws.module(id);
                let status = statuses
                    .iter()
                    .find(|(a, _)| *a == m.gav.artifact_id)
                    .map_or(Status::Fresh, |(_, s)| *s);
                ModuleStatus {
                    module: id,
                    id: m.key(),
                    version: m.gav.version.clone(),
                    packaging: m.packaging.clone(),
                    status,
                    artifact: None,
                    fingerprint: String::new(),
                    evidence: Vec::new(),
                    installed: None,
                    stamp: None,
                    deployed: None,
                }
            })
            .collect();
        CheckReport {
            schema: crate::report::SCHEMA,
            local_repository: "/r".into(),
            remote: None,
            modules,
            summary: Default::default(),
            findings: Vec::new(),
        }
    }

    fn planned(plan: &Plan) -> Vec<(&str, Vec<&str>)> {
        plan.install
            .iter()
            .map(|p| {
                (
                    p.id.as_str(),
                    p.waits_for.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn everything_not_fresh_is_planned_in_build_order_waiting_for_its_nearest() {
        let (_dir, ws, graph) = three_modules();
        let r = report(
            &ws,
            &graph,
            &[
                ("p", Status::Missing),
                ("a", Status::Stale),
                ("b", Status::Unverified),
            ],
        );
        let plan = plan(&ws, &graph, &r, PlanOptions::default());
        assert_eq!(
            planned(&plan),
            vec![
                ("g:p", vec![]),
                ("g:a", vec!["g:p"]),
                // b waits for p too, through a; only the nearest is shown.
                ("g:b", vec!["g:a"]),
            ]
        );
        assert_eq!(plan.fresh, vec!["g:c"]);
        let (p, a, b) = (
            plan.install[0].module,
            plan.install[1].module,
            plan.install[2].module,
        );
        assert!(plan.waits_on(b, p) && plan.waits_on(b, a) && !plan.waits_on(a, b));
        assert_eq!(
            plan.install[0].reason,
            "missing: not in the local repository"
        );
        let mut queue = plan.queue().unwrap();
        assert_eq!(queue.dequeue(), Some(p), "the parent alone is ready");
        assert_eq!(queue.dequeue(), None);
    }

    /// `install --from-remote`: modules downloaded instead of built leave the plan, and
    /// nothing waits for them any more.
    #[test]
    fn a_plan_without_downloaded_modules_waits_only_for_the_rest() {
        let (_dir, ws, graph) = three_modules();
        let r = report(
            &ws,
            &graph,
            &[
                ("p", Status::Missing),
                ("a", Status::Stale),
                ("b", Status::Stale),
            ],
        );
        let full = plan(&ws, &graph, &r, PlanOptions::default());
        let (p, a, b) = (
            full.install[0].module,
            full.install[1].module,
            full.install[2].module,
        );
        let rest = full.without(&[p, a]);
        assert_eq!(planned(&rest), vec![("g:b", vec![])]);
        assert_eq!(rest.fresh, vec!["g:c", "g:p", "g:a"]);
        assert!(!rest.waits_on(b, a) && !rest.waits_on(b, p));
        let mut queue = rest.queue().unwrap();
        assert_eq!(queue.dequeue(), Some(b), "b is ready at once");
        assert_eq!(full.without(&[]).install.len(), 3);
    }

    #[test]
    fn a_trusted_unverified_module_is_planned_only_when_its_upstream_is() {
        let (_dir, ws, graph) = three_modules();
        let trust = PlanOptions {
            trust_unverified: true,
        };
        let r = report(
            &ws,
            &graph,
            &[("b", Status::Unverified), ("c", Status::Unverified)],
        );
        assert!(plan(&ws, &graph, &r, trust).is_empty(), "trusted");
        let r = report(
            &ws,
            &graph,
            &[
                ("a", Status::Stale),
                ("b", Status::Unverified),
                ("c", Status::Unverified),
            ],
        );
        let plan = plan(&ws, &graph, &r, trust);
        assert_eq!(
            planned(&plan),
            vec![("g:a", vec![]), ("g:b", vec!["g:a"])],
            "c is trusted, b is built against a reinstalled a"
        );
        assert_eq!(
            plan.install[1].reason,
            "trusted, but built against g:a, which is reinstalled"
        );
    }
}

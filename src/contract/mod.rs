//! The REST contract of a service, read from its compiled classes (`m2fresh contract`):
//! each endpoint's HTTP method, full path, media types and handler, for Spring MVC,
//! JAX-RS and ServiceComb (`@RestSchema`, `@RpcSchema`), and the diff of two versions.
//!
//! A service's mappings often live in an upstream interface module (the xuecheng
//! controllers implement `xc-service-api`'s interfaces), so a module's contract is read
//! from its classes *and* its workspace upstream: [`module_classpath`].

pub mod scan;
pub mod service;

use crate::api::ApiError;
use crate::api::archive::{self, ClassSet};
use crate::api::input::{self, Side};
use crate::freshness::localrepo::LocalRepository;
use crate::maven::graph::ReactorGraph;
use crate::maven::workspace::{ModuleId, Workspace};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The version of the `contract` JSON document.
pub const SCHEMA: u32 = 1;

/// Which framework declared an endpoint.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Framework {
    /// `@RestController` / `@Controller` with `@RequestMapping` and its shortcuts.
    SpringMvc,
    /// `@Path` with `@GET`, `@POST`... (`javax.ws.rs` or `jakarta.ws.rs`).
    JaxRs,
    /// ServiceComb `@RestSchema` (Spring MVC or JAX-RS annotations).
    ServicecombRest,
    /// ServiceComb `@RpcSchema`: every public method, `POST /{schemaId}/{method}`.
    ServicecombRpc,
}

/// One REST endpoint.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    /// The HTTP method (`GET`...), or `ANY` for a mapping without one.
    pub method: String,
    /// The full path: the type's mapping joined with the method's.
    pub path: String,
    /// The class that handles it, dotted.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The handler method: `findList(int,int)`.
    pub handler: String,
    /// The framework whose annotations declared it.
    pub framework: Framework,
    /// Media types it produces (empty: any).
    pub produces: Vec<String>,
    /// Media types it consumes (empty: any).
    pub consumes: Vec<String>,
}

/// What happened to an endpoint between two versions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointChangeKind {
    /// Only in the new version.
    Added,
    /// Only in the old version: its callers get 404.
    Removed,
    /// The same handler answers at another path: callers of the old path get 404.
    Moved,
    /// Same method and path, another handler or other media types.
    Changed,
}

/// One difference between two contracts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointChange {
    /// What happened.
    pub change: EndpointChangeKind,
    /// The HTTP method.
    pub method: String,
    /// The path now (for `removed`: the old path).
    pub path: String,
    /// The old path, for `moved`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    /// The handling class.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The handler method.
    pub handler: String,
}

/// The `contract` report: the endpoints, and with an old version the changes.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractReport {
    /// [`SCHEMA`].
    pub schema: u32,
    /// The endpoints, sorted by path, method, handler.
    pub endpoints: Vec<Endpoint>,
    /// The changes from the old version (absent without one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changes: Option<Vec<EndpointChange>>,
}

impl ContractReport {
    /// Whether any endpoint was removed, moved or changed (callers may break).
    pub fn breaks_callers(&self) -> bool {
        self.changes
            .iter()
            .flatten()
            .any(|c| c.change != EndpointChangeKind::Added)
    }
}

/// The classes of one version of a service: its own, and the libraries its mappings may
/// be inherited from.
#[derive(Clone, Debug, Default)]
pub struct ContractInput {
    /// The service's classes (a jar or a class directory).
    pub own: PathBuf,
    /// Jars or class directories of its upstream.
    pub libraries: Vec<PathBuf>,
}

/// The endpoints the classes of `input` declare, sorted.
pub fn read_endpoints(input: &ContractInput) -> Result<Vec<Endpoint>, ApiError> {
    let own = archive::read(&input.own)?;
    let libraries = input
        .libraries
        .iter()
        .map(|p| archive::read(p))
        .collect::<Result<Vec<ClassSet>, _>>()?;
    let mut endpoints = scan::endpoints(&scan::Classpath {
        own: &own,
        libraries: &libraries,
    });
    endpoints.sort_by(|a, b| {
        (&a.path, &a.method, &a.type_name, &a.handler).cmp(&(
            &b.path,
            &b.method,
            &b.type_name,
            &b.handler,
        ))
    });
    endpoints.dedup();
    Ok(endpoints)
}

/// The contract of `new`, and with `old` the changes from it.
pub fn contract(
    new: &ContractInput,
    old: Option<&ContractInput>,
) -> Result<ContractReport, ApiError> {
    let endpoints = read_endpoints(new)?;
    let changes = match old {
        Some(old) => Some(diff(&read_endpoints(old)?, &endpoints)),
        None => None,
    };
    Ok(ContractReport {
        schema: SCHEMA,
        endpoints,
        changes,
    })
}

/// The changes from `old` to `new`: same handler and method at another path is `moved`.
pub fn diff(old: &[Endpoint], new: &[Endpoint]) -> Vec<EndpointChange> {
    let mut gone: Vec<&Endpoint> = old.iter().filter(|e| !new.contains(e)).collect();
    let mut came: Vec<&Endpoint> = new.iter().filter(|e| !old.contains(e)).collect();
    let mut out = Vec::new();
    let change = |kind, e: &Endpoint, old_path: Option<String>| EndpointChange {
        change: kind,
        method: e.method.clone(),
        path: e.path.clone(),
        old_path,
        type_name: e.type_name.clone(),
        handler: e.handler.clone(),
    };
    gone.retain(|o| {
        let same_route = came
            .iter()
            .position(|n| n.method == o.method && n.path == o.path);
        let same_handler = came.iter().position(|n| {
            n.method == o.method && n.type_name == o.type_name && n.handler == o.handler
        });
        match (same_route, same_handler) {
            (Some(i), _) => {
                out.push(change(EndpointChangeKind::Changed, came.remove(i), None));
                false
            }
            (None, Some(i)) => {
                out.push(change(
                    EndpointChangeKind::Moved,
                    came.remove(i),
                    Some(o.path.clone()),
                ));
                false
            }
            (None, None) => true,
        }
    });
    out.extend(
        gone.into_iter()
            .map(|o| change(EndpointChangeKind::Removed, o, None)),
    );
    out.extend(
        came.into_iter()
            .map(|n| change(EndpointChangeKind::Added, n, None)),
    );
    out.sort_by(|a, b| (&a.path, &a.method, a.change).cmp(&(&b.path, &b.method, b.change)));
    out
}

/// A module's contract input: for [`Side::Built`] its `target/` output and, for each
/// workspace module upstream of it, that module's build output (else its installed
/// artifact); for [`Side::Installed`] the installed artifacts.
pub fn module_classpath(
    workspace: &Workspace,
    graph: &ReactorGraph,
    repository: &LocalRepository,
    module: ModuleId,
    side: Side,
) -> Result<ContractInput, ApiError> {
    let resolve = |id: ModuleId, side: Side| -> Result<PathBuf, ApiError> {
        let m = workspace.module(id);
        match side {
            Side::Built => input::built(m),
            Side::Installed => {
                input::resolve(&m.gav.to_string(), side, Some(workspace), Some(repository))
            }
        }
    };
    let own = resolve(module, side)?;
    let mut libraries = Vec::new();
    for id in graph.upstream(&[module]) {
        let m = workspace.module(id);
        if id == module || m.packaging == "pom" {
            continue;
        }
        let path = match side {
            Side::Built => resolve(id, Side::Built).or_else(|_| resolve(id, Side::Installed)),
            Side::Installed => resolve(id, Side::Installed),
        };
        // An upstream that is nowhere to be found cannot contribute mappings; the
        // endpoints of the module's own classes are still listed.
        if let Ok(path) = path {
            libraries.push(path);
        }
    }
    Ok(ContractInput { own, libraries })
}

/// A contract input from a jar or class directory alone.
pub fn path_input(path: &Path) -> ContractInput {
    ContractInput {
        own: path.to_path_buf(),
        libraries: Vec::new(),
    }
}

/// What `spec` names, as a contract input: a module of the workspace (with its upstream,
/// see [`module_classpath`]), else a jar, class directory or `g:a:v` alone.
pub fn input_for(
    spec: &str,
    side: Side,
    workspace: Option<(&Workspace, &ReactorGraph)>,
    repository: Option<&LocalRepository>,
) -> Result<ContractInput, ApiError> {
    if input::needs_workspace(spec)
        && let (Some((ws, graph)), Some(repository)) = (workspace, repository)
        && let Ok(id) = ws.find(spec)
    {
        return module_classpath(ws, graph, repository, id, side);
    }
    let ws = workspace.map(|(ws, _)| ws);
    input::resolve(spec, side, ws, repository).map(|p| path_input(&p))
}

//! A module's fingerprint: a blake3 Merkle hash of everything that decides what
//! `mvn install` puts into the local repository for it.
//!
//! Inputs, each hashed on its own so that `why` can say which one changed:
//! - the **model**: the canonical encoding ([`canonical`]) of the module's whole effective
//!   model ([`crate::maven::effective`], what `m2fresh effective-pom` prints: every
//!   element, known to m2fresh or not — `<name>`, `<description>`, `<build><filters>`,
//!   free-form plugin configuration — after profiles, inheritance, interpolation,
//!   management and the default lifecycle bindings of the Maven in use), and its own POM
//!   as written (Maven installs it beside the artifact and embeds it in a jar); comments,
//!   formatting and attribute order do not count, and absolute paths are written relative
//!   to the module;
//! - the **build parameters** ([`params`]): user properties from every source Maven reads
//!   (`.mvn/maven.config`, `-D`, the Maven arguments after `install --`), the JVM's
//!   `-D` from `.mvn/jvm.config` and `MAVEN_OPTS`, the `-P` selections, and any other
//!   Maven argument that may change the build — except for `pom` packaging, whose
//!   artifact is the POM as written: parameters reach it only through the model;
//! - the **files** ([`inputs`]): what the packaging's default lifecycle packages (main
//!   source root, resources with the excludes the resources plugin applies, filter files,
//!   a war's web application...), every existing path a plugin's configuration names,
//!   and for a packaging m2fresh does not know, the whole module directory; by relative
//!   `/`-separated path and blake3 of content; never build output or tests;
//! - the **upstream**, what it is built against: for a workspace module it needs (reactor
//!   edges and imported BOMs, but not `test`-scoped dependencies), that module's
//!   fingerprint; for an artifact that comes from the local repository (a dependency,
//!   the parent, a BOM, a plugin), the fingerprint in its m2fresh stamp when the stamp is
//!   valid, else the artifact's own hash ([`InstalledArtifacts`]). A fresh upstream gives
//!   the same value either way, so the fingerprint is the same from every directory.
//!
//! Relative paths and content hashes make the fingerprint the same on every machine and
//! checkout location. Not covered: sources generated during the build from outside the
//! checkout, and profiles that are not active.

pub mod canonical;
pub mod digest;
pub mod files;
pub mod inputs;
pub mod params;

use crate::coords::Gav;
use crate::error::{Error, Result};
use crate::maven::effective::runtime::MavenRuntime;
use crate::maven::effective::{EffectiveModels, Node};
use crate::maven::graph::{EdgeKind, ReactorGraph};
use crate::maven::pom::{Dependency, text};
use crate::maven::workspace::{Module, ModuleId, Workspace};
use canonical::{Encoder, PathContext};
use files::{FileDigest, StatCache};
use params::BuildParameters;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The version of the fingerprint recipe; part of every hash, so a change to the recipe
/// makes every stamp stale rather than wrongly fresh.
pub const RECIPE: &str = "m2fresh-fingerprint-2";

/// The fingerprint of one module and the inputs it was made of.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleFingerprint {
    /// The Merkle hash, hex.
    pub fingerprint: String,
    /// The hash of the canonical model, hex.
    pub model_hash: String,
    /// Not hashed: the model itemized, to say what changed when the model hash differs.
    pub model: digest::ModelDigest,
    /// The build parameters.
    pub parameters: BuildParameters,
    /// Input files: relative path → blake3 hex.
    pub inputs: BTreeMap<String, String>,
    /// What it is built against: `groupId:artifactId` (with `:type:classifier` for an
    /// artifact other than the main one) → a fingerprint, `blake3:<hex>` of an artifact
    /// without a valid stamp, or `absent`.
    pub upstream: BTreeMap<String, String>,
    /// Not hashed: the identity of each workspace upstream module's artifact in the local
    /// repository now (see [`InstalledArtifacts`]), to compare with what the stamp says
    /// the module was built against.
    pub built_against: BTreeMap<String, String>,
}

/// Fingerprints of a set of modules.
#[derive(Clone, Debug, Default)]
pub struct Fingerprints {
    by_module: HashMap<ModuleId, ModuleFingerprint>,
}

impl Fingerprints {
    /// The fingerprint of a module, when it was computed.
    pub fn get(&self, id: ModuleId) -> Option<&ModuleFingerprint> {
        self.by_module.get(&id)
    }
}

/// An artifact a module is built against that does not come from the workspace.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ExternalArtifact {
    /// Its coordinates.
    pub gav: Gav,
    /// Its type (`jar`, `pom`, `test-jar`, `maven-plugin`...).
    pub type_: String,
    /// Its classifier, when it has one.
    pub classifier: Option<String>,
    /// For a `system`-scoped dependency: the file it names.
    pub system_path: Option<PathBuf>,
}

impl ExternalArtifact {
    /// The main artifact of a workspace module, as the local repository holds it.
    pub fn of_module(m: &Module) -> ExternalArtifact {
        ExternalArtifact {
            gav: m.gav.clone(),
            type_: m.packaging.clone(),
            classifier: None,
            system_path: None,
        }
    }

    /// The key under which it is listed in [`ModuleFingerprint::upstream`].
    pub fn key(&self) -> String {
        let main = matches!(self.type_.as_str(), "jar" | "pom" | "maven-plugin");
        match (&self.classifier, main) {
            (None, true) => self.gav.ga(),
            (c, _) => format!(
                "{}:{}:{}",
                self.gav.ga(),
                self.type_,
                c.as_deref().unwrap_or("")
            ),
        }
    }
}

/// What the local repository holds for artifacts that do not come from the workspace.
pub trait InstalledArtifacts: Sync {
    /// The identity of the artifact: the fingerprint in its m2fresh stamp when the stamp
    /// is valid for it, else `blake3:<hex>` of its bytes, else `absent`.
    fn identity(&self, artifact: &ExternalArtifact) -> String;
}

/// No local repository: every external artifact is `absent`.
pub struct NoRepository;

impl InstalledArtifacts for NoRepository {
    fn identity(&self, _: &ExternalArtifact) -> String {
        "absent".into()
    }
}

/// What a fingerprint is computed with besides the workspace.
pub struct Context<'a> {
    /// The stat cache for file hashes.
    pub cache: &'a StatCache,
    /// The build parameters (the same for every module of a run).
    pub parameters: &'a BuildParameters,
    /// The artifacts of the local repository.
    pub installed: &'a dyn InstalledArtifacts,
    /// The local repository's directory, written as a symbol in the model.
    pub repository: Option<&'a Path>,
    /// The Maven whose super POM and default lifecycle bindings make the effective model.
    pub runtime: &'a MavenRuntime,
}

impl<'a> Context<'a> {
    /// A context without a local repository: external artifacts are all `absent`.
    pub fn without_repository(
        cache: &'a StatCache,
        parameters: &'a BuildParameters,
        runtime: &'a MavenRuntime,
    ) -> Context<'a> {
        Context {
            cache,
            parameters,
            installed: &NoRepository,
            repository: None,
            runtime,
        }
    }
}

/// Whether an edge makes the upstream module an input of the downstream one.
fn is_input(kind: &EdgeKind) -> bool {
    !matches!(kind, EdgeKind::Dependency { scope } if scope == "test")
}

/// Computes the fingerprints of `modules` and of everything they need (the closure is
/// taken here, since a fingerprint covers its upstream). Files are hashed in parallel;
/// the stat cache skips unchanged files.
pub fn fingerprint(
    ws: &Workspace,
    graph: &ReactorGraph,
    modules: &[ModuleId],
    ctx: &Context,
) -> Result<Fingerprints> {
    let closure = graph.upstream(modules);
    let layout = inputs::Layout::of(ws);
    let poms = PomHashes::of(ws, &closure, &layout, ctx.repository)?;
    let models = EffectiveModels::new(ws, ctx.runtime.clone());
    let managed = digest::ManagedDigests::default();
    let no_parameters = BuildParameters::default();
    let pom_parameters_hash = parameters_hash(&no_parameters);
    let parameters_hash = parameters_hash(ctx.parameters);
    // Files, models and external artifacts first, in parallel; the Merkle step then
    // goes in build order.
    let leaves: Vec<(ModuleId, Leaf)> = closure
        .par_iter()
        .map(|&id| {
            let m = ws.module(id);
            let paths = PathContext::new(&m.dir, &layout.checkout, ctx.repository);
            let full = models.model(id)?;
            let model_hash = canonical::hash(&canonical_model(&poms, m, &full, &paths));
            let lineage: Vec<(&Path, &str)> = m
                .lineage
                .iter()
                .map(|p| {
                    (
                        p.as_path(),
                        poms.by_path.get(p).map_or("unread", String::as_str),
                    )
                })
                .collect();
            let model = digest::ModelDigest::with_managed(m, &lineage, &paths, &managed);
            let digests = files::digest_roots(&m.dir, &inputs::roots(&layout, m), ctx.cache)?;
            let external = external_artifacts(ws, graph, m)
                .into_iter()
                .map(|a| (a.key(), ctx.installed.identity(&a)))
                .collect();
            Ok((
                id,
                Leaf {
                    model_hash,
                    model,
                    digests,
                    external,
                },
            ))
        })
        .collect::<Result<_>>()?;
    let mut leaf_by_id: HashMap<ModuleId, Leaf> = leaves.into_iter().collect();
    let mut out = Fingerprints::default();
    for &id in &closure {
        let Some(leaf) = leaf_by_id.remove(&id) else {
            continue;
        };
        let mut upstream: BTreeMap<String, String> = leaf.external;
        let mut built_against = BTreeMap::new();
        for e in graph.needs(id) {
            if !is_input(&e.kind) {
                continue;
            }
            if let Some(up) = out.by_module.get(&e.to) {
                let to = ws.module(e.to);
                upstream.insert(to.key(), up.fingerprint.clone());
                built_against.insert(
                    to.key(),
                    ctx.installed.identity(&ExternalArtifact::of_module(to)),
                );
            }
        }
        let inputs: BTreeMap<String, String> = leaf
            .digests
            .into_iter()
            .map(|d| (d.path, d.blake3))
            .collect();
        // A `pom` module's artifact is its POM as written: no parameter reaches it but
        // through the model (interpolation), which the model hash already covers.
        let (parameters, hash) = if ws.module(id).packaging == "pom" {
            (&no_parameters, &pom_parameters_hash)
        } else {
            (ctx.parameters, &parameters_hash)
        };
        let fingerprint = merkle(&leaf.model_hash, hash, &inputs, &upstream);
        out.by_module.insert(
            id,
            ModuleFingerprint {
                fingerprint,
                model_hash: leaf.model_hash,
                model: leaf.model,
                parameters: parameters.clone(),
                inputs,
                upstream,
                built_against,
            },
        );
    }
    Ok(out)
}

/// What is computed for each module on its own, before the Merkle step.
struct Leaf {
    model_hash: String,
    model: digest::ModelDigest,
    digests: Vec<FileDigest>,
    external: BTreeMap<String, String>,
}

/// The canonical hash of each POM file of the modules' lineages, each computed once (a
/// root POM with ten thousand `<module>` entries is the parent of all ten thousand).
struct PomHashes {
    by_path: HashMap<PathBuf, String>,
}

impl PomHashes {
    fn of(
        ws: &Workspace,
        modules: &[ModuleId],
        layout: &inputs::Layout,
        repository: Option<&Path>,
    ) -> Result<PomHashes> {
        let mut texts: HashMap<&Path, &str> = HashMap::new();
        for i in 0..ws.sources.len() {
            let id = crate::maven::pom::SourceId(u32::try_from(i).unwrap_or(u32::MAX));
            if let Some(f) = ws.sources.get(id) {
                texts.insert(f.path.as_path(), &*f.text);
            }
        }
        let mut wanted: Vec<&PathBuf> = modules
            .iter()
            .flat_map(|&id| ws.module(id).lineage.iter())
            .collect();
        wanted.sort();
        wanted.dedup();
        let by_path = wanted
            .par_iter()
            .map(|&pom| {
                let text = texts.get(pom.as_path()).copied().ok_or_else(|| {
                    Error::usage(
                        format!("{} was not read with the workspace", pom.display()),
                        None,
                    )
                })?;
                let root = crate::maven::xml::parse(text).map_err(|err| {
                    Error::usage(format!("{}: {}", pom.display(), err.message), None)
                })?;
                // A POM's paths are written relative to its own directory.
                let dir = pom.parent().unwrap_or(Path::new(""));
                let paths = PathContext::new(dir, &layout.checkout, repository);
                let mut e = Encoder::new();
                e.element(&root, &paths);
                Ok((pom.clone(), canonical::hash(&e.finish())))
            })
            .collect::<Result<_>>()?;
        Ok(PomHashes { by_path })
    }
}

/// The canonical bytes of a module's model: its whole effective model — the one
/// `m2fresh effective-pom` prints, every element after profiles, inheritance,
/// interpolation, management and lifecycle bindings — and its own POM as written (by
/// hash), which Maven installs beside the artifact and embeds in a jar: an element that
/// changes nothing in the effective model (a version equal to the managed one) still
/// changes those.
fn canonical_model(poms: &PomHashes, m: &Module, full: &Node, paths: &PathContext) -> Vec<u8> {
    let mut e = Encoder::new();
    e.bytes(
        poms.by_path
            .get(&m.pom)
            .map_or("unread", String::as_str)
            .as_bytes(),
    );
    e.node(full, paths);
    e.finish()
}

/// What a module is built against that does not come from the workspace: its parent,
/// its dependencies (but `test`-scoped ones), the BOMs it imports, and its build plugins
/// and extensions, when they are not workspace modules.
pub fn external_artifacts(
    ws: &Workspace,
    graph: &ReactorGraph,
    m: &Module,
) -> Vec<ExternalArtifact> {
    let in_workspace = |gav: &Gav| ws.by_gav(gav).is_some();
    let linked: std::collections::HashSet<String> = graph
        .needs(m.id)
        .iter()
        .map(|e| ws.module(e.to).key())
        .collect();
    let mut out = Vec::new();
    let mut add = |gav: Gav, type_: &str, classifier: Option<&str>, system_path: Option<&str>| {
        if gav.version.is_empty() || in_workspace(&gav) || linked.contains(&gav.ga()) {
            return;
        }
        out.push(ExternalArtifact {
            gav,
            type_: type_.to_string(),
            classifier: classifier.filter(|c| !c.is_empty()).map(str::to_string),
            system_path: system_path.map(PathBuf::from),
        });
    };
    if let Some(parent) = &m.parent {
        add(parent.gav.clone(), "pom", None, None);
    }
    let gav_of = |d: &Dependency| Gav {
        group_id: text(&d.group_id).unwrap_or("").to_string(),
        artifact_id: text(&d.artifact_id).unwrap_or("").to_string(),
        version: text(&d.version).unwrap_or("").to_string(),
    };
    for d in &m.effective.dependencies {
        if text(&d.scope) == Some("test") {
            continue;
        }
        let system = text(&d.system_path).filter(|_| text(&d.scope) == Some("system"));
        add(gav_of(d), d.type_or_default(), text(&d.classifier), system);
    }
    for (gav, _) in &m.imports {
        add(gav.clone(), "pom", None, None);
    }
    for p in &m.effective.build.plugins {
        let gav = Gav {
            group_id: p.group_id_or_default().to_string(),
            artifact_id: text(&p.artifact_id).unwrap_or("").to_string(),
            version: text(&p.version).unwrap_or("").to_string(),
        };
        add(gav, "maven-plugin", None, None);
        for d in &p.dependencies {
            add(gav_of(d), d.type_or_default(), text(&d.classifier), None);
        }
    }
    for x in &m.effective.build.extensions {
        let gav = Gav {
            group_id: text(&x.group_id).unwrap_or("").to_string(),
            artifact_id: text(&x.artifact_id).unwrap_or("").to_string(),
            version: text(&x.version).unwrap_or("").to_string(),
        };
        add(gav, "jar", None, None);
    }
    out.sort();
    out.dedup();
    out
}

/// The hash of the build parameters.
fn parameters_hash(p: &BuildParameters) -> String {
    let mut e = Encoder::new();
    e.map(
        p.user_properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    e.map(
        p.jvm_properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    e.list(p.profiles.iter().map(String::as_str));
    e.list(p.maven_args.iter().map(String::as_str));
    canonical::hash(&e.finish())
}

/// The Merkle combination of a module's input hashes.
pub fn merkle(
    model_hash: &str,
    parameters_hash: &str,
    inputs: &BTreeMap<String, String>,
    upstream: &BTreeMap<String, String>,
) -> String {
    let mut e = Encoder::new();
    e.bytes(RECIPE.as_bytes());
    e.bytes(model_hash.as_bytes());
    e.bytes(parameters_hash.as_bytes());
    e.map(inputs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    e.map(upstream.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    canonical::hash(&e.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::workspace::LoadOptions;

    /// The fingerprints of the fixtures' modules, as a name → fingerprint list.
    fn fingerprints_of(fixture: &str) -> Vec<(String, String)> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(fixture);
        fingerprints_at(&root)
    }

    fn fingerprints_at(root: &Path) -> Vec<(String, String)> {
        let ws = Workspace::load(root, &LoadOptions::default()).unwrap();
        let graph = ReactorGraph::build(&ws).unwrap();
        let cache = StatCache::new();
        let parameters = BuildParameters::default();
        let runtime = MavenRuntime::embedded("3.8.7");
        let ctx = Context::without_repository(&cache, &parameters, &runtime);
        let fps = fingerprint(&ws, &graph, &graph.order, &ctx).unwrap();
        graph
            .order
            .iter()
            .map(|&id| {
                let fp = fps.get(id).unwrap();
                (ws.module(id).key(), fp.fingerprint[..16].to_string())
            })
            .collect()
    }

    /// Golden fingerprints: the same sources give the same fingerprint on every machine,
    /// checkout location and run. A change of the recipe, the canonical encoding or the
    /// effective model that changes them must be deliberate: bump [`RECIPE`] (every stamp
    /// goes stale rather than wrongly fresh) and update these values.
    #[test]
    fn the_fixtures_fingerprints_are_pinned() {
        let pinned: Vec<(String, String)> = GOLDEN
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut now = fingerprints_of("xuecheng");
        now.extend(fingerprints_of("reactor/basic"));
        assert_eq!(now, pinned, "fingerprints changed; see the doc comment");
    }

    /// A copy of a fixture elsewhere has the same fingerprints: absolute paths in the
    /// model are written relative to each module.
    #[test]
    fn a_copy_elsewhere_has_the_same_fingerprints() {
        let dir = tempfile::tempdir().unwrap();
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/xuecheng");
        let to = dir.path().join("somewhere/else/xuecheng");
        for entry in walkdir::WalkDir::new(&from) {
            let entry = entry.unwrap();
            let rel = entry.path().strip_prefix(&from).unwrap();
            if rel.components().any(|c| c.as_os_str() == "target") {
                continue;
            }
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(to.join(rel)).unwrap();
            } else {
                std::fs::copy(entry.path(), to.join(rel)).unwrap();
            }
        }
        assert_eq!(fingerprints_at(&to), fingerprints_of("xuecheng"));
    }

    const GOLDEN: &[(&str, &str)] = &[
        ("com.xuecheng:xc-framework-parent", "944862db6a9408b1"),
        ("com.xuecheng:xc-framework-common", "7079d7f0a192a957"),
        ("com.xuecheng:xc-framework-model", "4fbd1b48a2f5ff6e"),
        ("com.xuecheng:xc-framework-utils", "7e2d4818edd1b7fa"),
        ("com.xuecheng:xc-service-api", "13bcb8b52eb133ea"),
        ("com.xuecheng:xc-service-manage-cms", "729fd5b4c0372432"),
        ("com.xuecheng:xc-service-portalview", "d42fe9e488c805d4"),
        ("com.example.basic:basic-parent", "81189f9252b8423b"),
        ("com.example.basic:core", "16d80b52b3cb880c"),
        ("com.example.basic:svc-b", "b41f27a0101d8995"),
        ("com.example.basic:svc-a", "c51bcf73b10e009d"),
        ("com.example.basic:testkit", "f00a0db5c69fc6aa"),
        ("com.example.basic:app", "dc6b935f68ee6356"),
    ];

    #[test]
    fn merkle_depends_on_every_input_and_on_paths() {
        let files = BTreeMap::from([("src/A.java".to_string(), "aa".to_string())]);
        let up = BTreeMap::from([("g:x".to_string(), "ff".to_string())]);
        let base = merkle("m", "p", &files, &up);
        assert_eq!(base, merkle("m", "p", &files, &up), "deterministic");
        assert_ne!(base, merkle("m2", "p", &files, &up));
        let renamed = BTreeMap::from([("src/B.java".to_string(), "aa".to_string())]);
        assert_ne!(base, merkle("m", "p", &renamed, &up));
        let up2 = BTreeMap::from([("g:x".to_string(), "fe".to_string())]);
        assert_ne!(base, merkle("m", "p", &files, &up2));
        // A path and a hash cannot be shifted into each other.
        let a = BTreeMap::from([("ab".to_string(), "c".to_string())]);
        let b = BTreeMap::from([("a".to_string(), "bc".to_string())]);
        assert_ne!(merkle("m", "p", &a, &up), merkle("m", "p", &b, &up));
    }
}

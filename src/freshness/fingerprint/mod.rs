//! A module's fingerprint: a blake3 Merkle hash of everything that decides what
//! `mvn install` puts into the local repository for it.
//!
//! Inputs, each hashed on its own so that `why` can say which one changed:
//! - the **model**: a canonical form of the effective model (JSON of the interpolated,
//!   inherited model, with the module's absolute directory replaced by `${basedir}`), so
//!   comments, formatting and element order of properties do not count, but a changed
//!   dependency, property or plugin configuration does;
//! - the **files** under the main source root and resource roots, as the POM configures
//!   them (`src/main/java` and `src/main/resources` by default), by relative
//!   `/`-separated path and blake3 of content; never `target/`, and not the tests, which
//!   do not change the installed artifact;
//! - the **upstream**: the fingerprints of the workspace modules it needs (reactor edges
//!   and imported BOMs, but not `test`-scoped dependencies, for the same reason).
//!
//! Relative paths and content hashes make the fingerprint the same on every machine and
//! checkout location. Not covered: sources generated during the build (annotation
//! processors, `build-helper` roots), and profiles that are not active.

pub mod files;

use crate::error::{Error, Result};
use crate::maven::graph::{EdgeKind, ReactorGraph};
use crate::maven::workspace::{Module, ModuleId, Workspace};
use files::{FileDigest, Root, StatCache};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The version of the fingerprint recipe; part of every hash, so a change to the recipe
/// makes every stamp stale rather than wrongly fresh.
pub const RECIPE: &str = "m2fresh-fingerprint-1";

/// The fingerprint of one module and the inputs it was made of.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModuleFingerprint {
    /// The Merkle hash, hex.
    pub fingerprint: String,
    /// The hash of the canonical effective model, hex.
    pub model_hash: String,
    /// Input files: relative path → blake3 hex.
    pub inputs: BTreeMap<String, String>,
    /// Upstream modules (`groupId:artifactId`) → their fingerprints.
    pub upstream: BTreeMap<String, String>,
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

/// The canonical form of a module's effective model: what the model hash is taken of.
pub fn canonical_model(m: &Module) -> String {
    #[derive(Serialize)]
    struct Canonical<'a> {
        recipe: &'static str,
        packaging: &'a str,
        model: &'a crate::maven::pom::Model,
    }
    let json = serde_json::to_string(&Canonical {
        recipe: RECIPE,
        packaging: &m.packaging,
        model: &m.effective,
    })
    .unwrap_or_default();
    let dir = m.dir.display().to_string();
    if dir.is_empty() {
        json
    } else {
        json.replace(&serde_json_escape(&dir), "${basedir}")
    }
}

fn serde_json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

/// The main source and resource roots of a module, as its effective model configures
/// them, with Maven's default excludes on resources.
pub fn roots(m: &Module) -> Vec<Root> {
    let mut roots = Vec::new();
    if m.packaging == "pom" {
        return roots;
    }
    if let Some(src) = crate::maven::pom::text(&m.effective.build.source_directory) {
        roots.push(Root {
            dir: src.into(),
            includes: Vec::new(),
            excludes: Vec::new(),
            default_excludes: false,
        });
    }
    for r in &m.effective.build.resources {
        if let Some(dir) = crate::maven::pom::text(&r.directory) {
            roots.push(Root {
                dir: dir.into(),
                includes: r.includes.iter().map(|v| v.text.clone()).collect(),
                excludes: r.excludes.iter().map(|v| v.text.clone()).collect(),
                default_excludes: true,
            });
        }
    }
    roots
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
    cache: &StatCache,
) -> Result<Fingerprints> {
    let closure = graph.upstream(modules);
    // Files and models first, in parallel; the Merkle step then goes in build order.
    let leaves: Vec<(ModuleId, String, Vec<FileDigest>)> = closure
        .par_iter()
        .map(|&id| {
            let m = ws.module(id);
            let model_hash = blake3::hash(canonical_model(m).as_bytes())
                .to_hex()
                .to_string();
            let digests = files::digest_roots(&m.dir, &roots(m), cache)
                .map_err(|e| Error::Other(Box::new(e)))?;
            Ok((id, model_hash, digests))
        })
        .collect::<Result<_>>()?;
    let mut leaf_by_id: HashMap<ModuleId, (String, Vec<FileDigest>)> =
        leaves.into_iter().map(|(id, h, d)| (id, (h, d))).collect();
    let mut out = Fingerprints::default();
    for &id in &closure {
        let Some((model_hash, digests)) = leaf_by_id.remove(&id) else {
            continue;
        };
        let mut upstream = BTreeMap::new();
        for e in graph.needs(id) {
            if !is_input(&e.kind) {
                continue;
            }
            if let Some(up) = out.by_module.get(&e.to) {
                upstream.insert(ws.module(e.to).key(), up.fingerprint.clone());
            }
        }
        let inputs: BTreeMap<String, String> =
            digests.into_iter().map(|d| (d.path, d.blake3)).collect();
        let fingerprint = merkle(&model_hash, &inputs, &upstream);
        out.by_module.insert(
            id,
            ModuleFingerprint {
                fingerprint,
                model_hash,
                inputs,
                upstream,
            },
        );
    }
    Ok(out)
}

/// The Merkle combination of a module's input hashes.
pub fn merkle(
    model_hash: &str,
    inputs: &BTreeMap<String, String>,
    upstream: &BTreeMap<String, String>,
) -> String {
    let mut h = blake3::Hasher::new();
    h.update(RECIPE.as_bytes());
    h.update(b"\0model\0");
    h.update(model_hash.as_bytes());
    // Each entry as `name \0 hash \n`: a name and a hash cannot shift into each other.
    let mut section = |tag: &[u8], entries: &BTreeMap<String, String>| {
        h.update(tag);
        for (name, hash) in entries {
            h.update(name.as_bytes());
            h.update(b"\0");
            h.update(hash.as_bytes());
            h.update(b"\n");
        }
    };
    section(b"\0files\0", inputs);
    section(b"\0upstream\0", upstream);
    h.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merkle_depends_on_every_input_and_on_paths() {
        let files = BTreeMap::from([("src/A.java".to_string(), "aa".to_string())]);
        let up = BTreeMap::from([("g:x".to_string(), "ff".to_string())]);
        let base = merkle("m", &files, &up);
        assert_eq!(base, merkle("m", &files, &up), "deterministic");
        assert_ne!(base, merkle("m2", &files, &up));
        let renamed = BTreeMap::from([("src/B.java".to_string(), "aa".to_string())]);
        assert_ne!(base, merkle("m", &renamed, &up));
        let up2 = BTreeMap::from([("g:x".to_string(), "fe".to_string())]);
        assert_ne!(base, merkle("m", &files, &up2));
        // A path and a hash cannot be shifted into each other.
        let a = BTreeMap::from([("ab".to_string(), "c".to_string())]);
        let b = BTreeMap::from([("a".to_string(), "bc".to_string())]);
        assert_ne!(merkle("m", &a, &up), merkle("m", &b, &up));
    }
}

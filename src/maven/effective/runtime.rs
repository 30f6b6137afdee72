//! The Maven version in use, and what it decides about the effective model: the super
//! POM and the plugins each packaging's lifecycles bind by default (with their versions).
//!
//! Maven is found as `install` finds it (`--mvn`, the workspace's `mvnw` with
//! `.mvn/wrapper/maven-wrapper.properties`, `mvn` on `PATH`), without starting a JVM:
//! an installation's version is in its `lib/maven-core-*.jar` (file name, else the jar's
//! `pom.properties`); the super POM is `org/apache/maven/model/pom-4.0.0.xml` in
//! `lib/maven-model-builder-*.jar`; the bindings are maven-core's
//! `META-INF/plexus/default-bindings.xml` (the `default` lifecycle per packaging) and
//! `components.xml` (the `clean` and `site` lifecycles). Copies for Maven 3.8.7 and
//! 3.9.16 are embedded for when no installation can be read (a wrapper that has not
//! downloaded its Maven yet).

use super::Node;
use crate::maven::pom::Loc;
use crate::maven::xml::{self, Element};
use std::io::Read;
use std::path::{Path, PathBuf};

const SUPER_POM_387: &str = include_str!("data/super-pom-3.8.7.xml");
const SUPER_POM_3916: &str = include_str!("data/super-pom-3.9.16.xml");
const BINDINGS_387: &str = include_str!("data/default-bindings-3.8.7.xml");
const BINDINGS_3916: &str = include_str!("data/default-bindings-3.9.16.xml");

/// The `clean` and `site` lifecycles' default phases of the embedded versions, as
/// maven-core's `components.xml` declares them.
const OTHER_LIFECYCLES_387: &[(&str, &str, &str)] = &[
    (
        "clean",
        "clean",
        "org.apache.maven.plugins:maven-clean-plugin:2.5:clean",
    ),
    (
        "site",
        "site",
        "org.apache.maven.plugins:maven-site-plugin:3.3:site",
    ),
    (
        "site",
        "site-deploy",
        "org.apache.maven.plugins:maven-site-plugin:3.3:deploy",
    ),
];
const OTHER_LIFECYCLES_3916: &[(&str, &str, &str)] = &[
    (
        "clean",
        "clean",
        "org.apache.maven.plugins:maven-clean-plugin:3.2.0:clean",
    ),
    (
        "site",
        "site",
        "org.apache.maven.plugins:maven-site-plugin:3.12.1:site",
    ),
    (
        "site",
        "site-deploy",
        "org.apache.maven.plugins:maven-site-plugin:3.12.1:deploy",
    ),
];

/// The Maven that builds the workspace, as far as the effective model is concerned.
#[derive(Clone, Debug)]
pub struct MavenRuntime {
    /// Its version (`3.8.7`).
    pub version: String,
    /// Its installation, when one was read.
    pub home: Option<PathBuf>,
    /// The super POM's text.
    pub super_pom: String,
    /// `default-bindings.xml`: the default lifecycle's plugins per packaging.
    default_bindings: String,
    /// The other lifecycles' default phases: (lifecycle, phase, goal specs).
    other_lifecycles: Vec<(String, String, String)>,
    /// What the user should know (an unknown version, an unreadable installation).
    pub notes: Vec<String>,
    /// [`MavenRuntime::default_plugins_at`] by packaging and location, computed once.
    memo: std::sync::Arc<std::sync::Mutex<LifecycleMemo>>,
}

/// Default plugins by packaging and location.
type LifecycleMemo = std::collections::HashMap<(String, Option<Loc>), Option<Vec<Node>>>;

impl MavenRuntime {
    /// The embedded model of the Maven release line of `version`: 3.8.7's for 3.8 and
    /// older, 3.9.16's for 3.9 and newer; a note says so when `version` is neither.
    pub fn embedded(version: &str) -> MavenRuntime {
        let nine = version_at_least(version, 3, 9);
        let (super_pom, bindings, others, exact) = if nine {
            (
                SUPER_POM_3916,
                BINDINGS_3916,
                OTHER_LIFECYCLES_3916,
                "3.9.16",
            )
        } else {
            (SUPER_POM_387, BINDINGS_387, OTHER_LIFECYCLES_387, "3.8.7")
        };
        let mut notes = Vec::new();
        if version != exact {
            notes.push(format!(
                "Maven {version}: its super POM and default lifecycle bindings are not known to \
                 m2fresh without its installation; using those of Maven {exact} (plugin versions \
                 bound by default may differ)"
            ));
        }
        MavenRuntime {
            version: version.to_string(),
            home: None,
            super_pom: super_pom.to_string(),
            default_bindings: bindings.to_string(),
            other_lifecycles: others
                .iter()
                .map(|(l, p, g)| (l.to_string(), p.to_string(), g.to_string()))
                .collect(),
            notes,
            memo: Default::default(),
        }
    }

    /// Reads a Maven installation (`MAVEN_HOME`, the directory above `bin/mvn`).
    pub fn from_home(home: &Path) -> Result<MavenRuntime, String> {
        let lib = home.join("lib");
        let core = jar_in(&lib, "maven-core-")
            .ok_or_else(|| format!("{} has no maven-core jar", lib.display()))?;
        let builder = jar_in(&lib, "maven-model-builder-")
            .ok_or_else(|| format!("{} has no maven-model-builder jar", lib.display()))?;
        let version = version_from_jar_name(&core, "maven-core-")
            .or_else(|| {
                read_entry(
                    &core,
                    "META-INF/maven/org.apache.maven/maven-core/pom.properties",
                )
                .ok()
                .and_then(|p| {
                    p.lines()
                        .find_map(|l| l.strip_prefix("version=").map(|v| v.trim().to_string()))
                })
            })
            .ok_or_else(|| format!("cannot tell the version of {}", core.display()))?;
        let super_pom = read_entry(&builder, "org/apache/maven/model/pom-4.0.0.xml")?;
        let default_bindings = read_entry(&core, "META-INF/plexus/default-bindings.xml")?;
        let components = read_entry(&core, "META-INF/plexus/components.xml")?;
        let other_lifecycles = other_lifecycles(&components)?;
        Ok(MavenRuntime {
            version,
            home: Some(home.to_path_buf()),
            super_pom,
            default_bindings,
            other_lifecycles,
            notes: Vec::new(),
            memo: Default::default(),
        })
    }

    /// The Maven a build of the workspace at `root` would run: `explicit` (`--mvn`),
    /// else the workspace's `mvnw` (its distribution if downloaded, else the embedded
    /// model of its version), else `mvn` on `PATH`, else `MAVEN_HOME`; the embedded 3.9.16
    /// when there is none.
    pub fn find(root: &Path, explicit: Option<&Path>) -> MavenRuntime {
        let from = |home: &Path| {
            MavenRuntime::from_home(home).unwrap_or_else(|e| {
                let mut r = MavenRuntime::embedded("3.9.16");
                r.notes = vec![format!(
                    "cannot read the Maven installation at {}: {e}; using Maven 3.9.16's super \
                     POM and lifecycle bindings",
                    home.display()
                )];
                r
            })
        };
        if let Some(program) = explicit {
            let program = crate::project::find_on_path(&program.to_string_lossy())
                .filter(|_| program.components().count() == 1)
                .unwrap_or_else(|| program.to_path_buf());
            if let Some(home) = home_of(&program) {
                return from(&home);
            }
        }
        if let Some(version) = wrapper_version(root) {
            if let Some(home) = wrapper_home(&version) {
                return from(&home);
            }
            return MavenRuntime::embedded(&version);
        }
        if let Some(home) = crate::project::find_on_path("mvn").and_then(|p| home_of(&p)) {
            return from(&home);
        }
        if let Some(home) = std::env::var_os("MAVEN_HOME").map(PathBuf::from) {
            return from(&home);
        }
        let mut r = MavenRuntime::embedded("3.9.16");
        r.notes = vec![
            "no Maven found (no mvnw, no mvn on PATH): using Maven 3.9.16's super POM and \
             lifecycle bindings"
                .into(),
        ];
        r
    }

    /// Whether this Maven sorts the reactor once (3.9) rather than twice (3.8).
    pub fn sorts_reactor_once(&self) -> bool {
        version_at_least(&self.version, 3, 9)
    }

    /// The plugins a packaging's lifecycles bind by default, as maven-core's
    /// `DefaultLifecyclePluginAnalyzer` lists them (lifecycles by id, each lifecycle's
    /// phases in `HashMap` order, a plugin's executions `default-<goal>`); `None` for a
    /// packaging Maven does not know without an extension.
    pub fn default_plugins(&self, packaging: &str) -> Option<Vec<Node>> {
        self.default_plugins_at(packaging, None)
    }

    /// [`MavenRuntime::default_plugins`], each value located at `loc` (for `--verbose`:
    /// Maven says `maven-core:V:default-lifecycle-bindings`).
    pub fn default_plugins_at(&self, packaging: &str, loc: Option<&Loc>) -> Option<Vec<Node>> {
        let key = (packaging.to_string(), loc.cloned());
        if let Ok(memo) = self.memo.lock()
            && let Some(hit) = memo.get(&key)
        {
            return hit.clone();
        }
        let plugins = self.compute_default_plugins(packaging, loc);
        if let Ok(mut memo) = self.memo.lock() {
            memo.insert(key, plugins.clone());
        }
        plugins
    }

    fn compute_default_plugins(&self, packaging: &str, loc: Option<&Loc>) -> Option<Vec<Node>> {
        let default = default_phases(&self.default_bindings, packaging)?;
        let mut lifecycles: Vec<(String, Vec<(String, String)>)> =
            vec![("default".into(), default)];
        for (lifecycle, phase, goals) in &self.other_lifecycles {
            match lifecycles.iter_mut().find(|(l, _)| l == lifecycle) {
                Some((_, phases)) => phases.push((phase.clone(), goals.clone())),
                None => lifecycles.push((lifecycle.clone(), vec![(phase.clone(), goals.clone())])),
            }
        }
        lifecycles.sort_by(|a, b| a.0.cmp(&b.0));
        let mut plugins: Vec<Node> = Vec::new();
        for (_, phases) in lifecycles {
            for (phase, goals) in java_hash_map_order(phases) {
                for goal in goals.split(',').map(str::trim).filter(|g| !g.is_empty()) {
                    bind(&mut plugins, &phase, goal, loc);
                }
            }
        }
        Some(plugins)
    }
}

/// Adds one `groupId:artifactId[:version]:goal` binding to the plugin list.
fn bind(plugins: &mut Vec<Node>, phase: &str, spec: &str, loc: Option<&Loc>) {
    let text = |name: &str, value: &str| {
        let mut n = Node::with_text(name, value);
        n.loc = loc.cloned();
        n
    };
    let parts: Vec<&str> = spec.split(':').filter(|p| !p.is_empty()).collect();
    let (g, a, v, goal) = match parts.as_slice() {
        [g, a, goal] => (*g, *a, None, *goal),
        [g, a, v, goal] => (*g, *a, Some(*v), *goal),
        _ => return,
    };
    let i = match plugins
        .iter()
        .position(|p| p.text_at("groupId") == Some(g) && p.text_at("artifactId") == Some(a))
    {
        Some(i) => i,
        None => {
            let mut p = Node::new("plugin");
            p.children.push(text("groupId", g));
            p.children.push(text("artifactId", a));
            p.children.push(Node::new("executions"));
            plugins.push(p);
            plugins.len() - 1
        }
    };
    let plugin = &mut plugins[i];
    if plugin.child("version").is_none()
        && let Some(v) = v
    {
        plugin.children.push(text("version", v));
    }
    let executions = plugin.child_or_insert("executions");
    let base = format!("default-{goal}");
    let mut id = base.clone();
    let mut n = 1;
    while executions
        .children
        .iter()
        .any(|e| e.text_at("id") == Some(&id))
    {
        id = format!("{base}-{n}");
        n += 1;
    }
    let mut execution = Node::new("execution");
    execution.children.push(text("id", &id));
    execution.children.push(text("phase", phase));
    let mut goals = Node::new("goals");
    goals.children.push(text("goal", goal));
    execution.children.push(goals);
    executions.children.push(execution);
}

/// The default lifecycle's phases (phase, goal specs) of a packaging in
/// `default-bindings.xml`, in document order.
fn default_phases(bindings: &str, packaging: &str) -> Option<Vec<(String, String)>> {
    let root = xml::parse(bindings).ok()?;
    let components = root.child("components")?;
    let component = components
        .children_named("component")
        .find(|c| c.child("role-hint").is_some_and(|h| h.text == packaging))?;
    let lifecycles = component.child("configuration")?.child("lifecycles")?;
    let default = lifecycles
        .children_named("lifecycle")
        .find(|l| l.child("id").is_some_and(|i| i.text == "default"))?;
    let phases = default.child("phases")?;
    Some(
        phases
            .children
            .iter()
            .map(|p| (p.name.clone(), p.text.clone()))
            .collect(),
    )
}

/// The `clean` and `site` lifecycles' default phases in maven-core's `components.xml`.
fn other_lifecycles(components: &str) -> Result<Vec<(String, String, String)>, String> {
    let root = xml::parse(components).map_err(|e| format!("components.xml: {}", e.message))?;
    let mut out = Vec::new();
    let all = root
        .child("components")
        .map(|c| c.children_named("component"));
    for c in all.into_iter().flatten() {
        let role = c.child("role").map(|r| r.text.as_str());
        if role != Some("org.apache.maven.lifecycle.Lifecycle") {
            continue;
        }
        let Some(config) = c.child("configuration") else {
            continue;
        };
        let id = config.child("id").map_or("", |i| i.text.as_str());
        if id == "default" {
            continue;
        }
        for phase in config
            .child("default-phases")
            .iter()
            .flat_map(|d| &d.children)
        {
            out.push((id.to_string(), phase.name.clone(), phase_goals(phase)));
        }
    }
    Ok(out)
}

/// A phase's goals: its text (`g:a:v:goal, ...`), or its `<mojos>` (Maven 3.9 may
/// write them as elements).
fn phase_goals(phase: &Element) -> String {
    if !phase.text.is_empty() {
        return phase.text.clone();
    }
    phase
        .child("mojos")
        .map(|m| {
            m.children_named("mojo")
                .filter_map(|mojo| mojo.child("goal").map(|g| g.text.clone()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// The iteration order of a `java.util.HashMap` of these string keys inserted in this
/// order: by bucket (`hash ^ hash >>> 16`, masked to the table size), then insertion.
pub fn java_hash_map_order<V>(entries: Vec<(String, V)>) -> Vec<(String, V)> {
    let mut table = 16usize;
    while entries.len() > table * 3 / 4 {
        table *= 2;
    }
    let mut keyed: Vec<(usize, usize, (String, V))> = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| (spread(java_hash(&e.0)) as usize & (table - 1), i, e))
        .collect();
    keyed.sort_by_key(|(bucket, i, _)| (*bucket, *i));
    keyed.into_iter().map(|(_, _, e)| e).collect()
}

/// `String.hashCode()`.
pub fn java_hash(s: &str) -> i32 {
    s.encode_utf16()
        .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(i32::from(c)))
}

/// `HashMap.hash`/`ConcurrentHashMap.spread`, as an unsigned bucket source.
fn spread(h: i32) -> u32 {
    let h = h as u32;
    (h ^ (h >> 16)) & 0x7fff_ffff
}

fn version_at_least(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let ma = parts.next().unwrap_or(0);
    let mi = parts.next().unwrap_or(0);
    (ma, mi) >= (major, minor)
}

/// The jar in `lib` whose name starts with `prefix` (`maven-core-`).
fn jar_in(lib: &Path, prefix: &str) -> Option<PathBuf> {
    let mut jars: Vec<PathBuf> = std::fs::read_dir(lib)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && n.ends_with(".jar"))
        })
        .collect();
    jars.sort();
    jars.into_iter().next()
}

/// `3.9.16` of `maven-core-3.9.16.jar`; `None` for a name without a version (Debian's
/// `maven-core-3.x.jar`).
fn version_from_jar_name(jar: &Path, prefix: &str) -> Option<String> {
    let name = jar.file_name()?.to_str()?;
    let v = name.strip_prefix(prefix)?.strip_suffix(".jar")?;
    let numeric = v.split(['.', '-']).next()?.parse::<u32>().is_ok()
        && v.split('.')
            .nth(1)
            .is_some_and(|m| m.parse::<u32>().is_ok());
    numeric.then(|| v.to_string())
}

fn read_entry(jar: &Path, name: &str) -> Result<String, String> {
    let file = std::fs::File::open(jar).map_err(|e| format!("{}: {e}", jar.display()))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("{}: {e}", jar.display()))?;
    let mut entry = archive
        .by_name(name)
        .map_err(|e| format!("{}!{name}: {e}", jar.display()))?;
    let mut text = String::new();
    entry
        .by_ref()
        .take(4 << 20)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}!{name}: {e}", jar.display()))?;
    Ok(text)
}

/// The installation a launcher belongs to: `<home>/bin/mvn`, links resolved.
fn home_of(program: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(program).ok()?;
    let home = real.parent()?.parent()?;
    home.join("lib").is_dir().then(|| home.to_path_buf())
}

/// The Maven version a workspace's wrapper downloads (`distributionUrl` in
/// `.mvn/wrapper/maven-wrapper.properties`, looked up from `root` upwards).
pub fn wrapper_version(root: &Path) -> Option<String> {
    let mut dir = Some(root);
    while let Some(d) = dir {
        let props = d.join(".mvn/wrapper/maven-wrapper.properties");
        if d.join("mvnw").is_file() && props.is_file() {
            let text = std::fs::read_to_string(props).ok()?;
            let url = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("distributionUrl="))?;
            let file = url.trim().rsplit('/').next()?;
            let v = file.strip_prefix("apache-maven-")?;
            let v = v.split("-bin").next()?;
            return Some(v.to_string());
        }
        dir = d.parent();
    }
    None
}

/// A distribution the wrapper has downloaded: `~/.m2/wrapper/dists/apache-maven-V-bin/*/apache-maven-V`.
fn wrapper_home(version: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from)?;
    let dists = home
        .join(".m2/wrapper/dists")
        .join(format!("apache-maven-{version}-bin"));
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&dists)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    candidates.sort();
    candidates
        .into_iter()
        .map(|d| d.join(format!("apache-maven-{version}")))
        .find(|d| d.join("lib").is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_string_hashes() {
        assert_eq!(java_hash(""), 0);
        assert_eq!(java_hash("a"), 97);
        assert_eq!(java_hash("compile"), 950491699);
        assert_eq!(java_hash("process-test-resources"), 838392264);
    }

    #[test]
    fn jar_phases_in_hash_map_order_as_maven_lists_its_plugins() {
        // What `mvn help:effective-pom` (3.8.7) prints for a jar project.
        let r = MavenRuntime::embedded("3.8.7");
        let plugins = r.default_plugins("jar").unwrap();
        let ids: Vec<&str> = plugins
            .iter()
            .map(|p| p.text_at("artifactId").unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                "maven-clean-plugin",
                "maven-resources-plugin",
                "maven-jar-plugin",
                "maven-compiler-plugin",
                "maven-surefire-plugin",
                "maven-install-plugin",
                "maven-deploy-plugin",
                "maven-site-plugin"
            ]
        );
        let resources = &plugins[1];
        let executions: Vec<&str> = resources
            .child("executions")
            .unwrap()
            .children
            .iter()
            .map(|e| e.text_at("id").unwrap())
            .collect();
        assert_eq!(executions, ["default-testResources", "default-resources"]);
        assert!(r.default_plugins("bundle").is_none());
        assert!(r.notes.is_empty());
        assert!(!MavenRuntime::embedded("3.9.2").notes.is_empty());
    }

    #[test]
    fn versions_from_jar_names() {
        assert_eq!(
            version_from_jar_name(Path::new("lib/maven-core-3.9.16.jar"), "maven-core-"),
            Some("3.9.16".into())
        );
        assert_eq!(
            version_from_jar_name(Path::new("lib/maven-core-3.x.jar"), "maven-core-"),
            None
        );
    }
}

//! A generator of realistic, deterministic Maven workspaces for m2fresh's benchmarks.
//!
//! Shared by the criterion benches (`mod gen;`) and `examples/gen-workspace.rs`, which
//! `compare.sh` runs to make the inputs it gives both m2fresh and real Maven. Each target
//! uses only part of it, hence the `dead_code` allowance.
//!
//! What a generated workspace looks like (aggregator layout):
//!
//! ```text
//! DIR/pom.xml                          gen-root: aggregator and root parent (properties,
//!                                      dependencyManagement, pluginManagement, a profile)
//! DIR/parents/gen-base-parent/         parent gen-root (relativePath ../../pom.xml)
//! DIR/parents/gen-lib-parent/          parent gen-base-parent (relativePath as a directory)
//! DIR/parents/gen-service-parent/      parent gen-base-parent, configures the jar plugin
//! DIR/layer-NN/pom.xml                 an aggregator per layer (default relativePath)
//! DIR/layer-NN/<artifactId>/           jar modules: Java sources, resources, some tests
//! ```
//!
//! Modules form a random DAG in layers: a module depends only on modules of lower layers,
//! mostly the one or two just below, some test-scoped. Versions come from properties
//! (`${gen.platform.version}`, `${project.version}`); the core modules are managed in the
//! root's `dependencyManagement`, so dependencies on them carry no version. The Java code
//! compiles with a plain JDK 17 and each module's entry class calls its compile-scope
//! dependencies, so `mvn install` does real work. Plugins are pinned to the versions
//! `fixtures/xuecheng` pins, so one seeded local repository serves both.
//!
//! The `scan` layout has no aggregator: the parents and the modules are sibling projects
//! in `DIR`, linked by `relativePath`, like the story's xuecheng workspace.
//!
//! The same seed gives byte-identical files (file times aside).

#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// groupId of every generated project.
pub const GROUP_ID: &str = "com.example.gen";
/// Version of every generated project.
pub const VERSION: &str = "1.0.0-SNAPSHOT";

/// The plugins the build uses, pinned like `fixtures/xuecheng` pins them (so its seeded
/// local repository has them), each version held in a property.
const PLUGINS: [(&str, &str); 6] = [
    ("maven-clean-plugin", "3.5.0"),
    ("maven-resources-plugin", "3.5.0"),
    ("maven-compiler-plugin", "3.14.1"),
    ("maven-surefire-plugin", "3.5.4"),
    ("maven-jar-plugin", "3.5.0"),
    ("maven-install-plugin", "3.1.4"),
];

/// Third-party libraries that are managed (with versions from properties) but used by no
/// module, so that building needs nothing beyond the plugins.
const LIBRARIES: [(&str, &str, &str, &str); 5] = [
    ("org.slf4j", "slf4j-api", "slf4j.version", "2.0.13"),
    (
        "com.fasterxml.jackson.core",
        "jackson-databind",
        "jackson.version",
        "2.17.1",
    ),
    ("com.google.guava", "guava", "guava.version", "33.2.1-jre"),
    (
        "org.junit.jupiter",
        "junit-jupiter",
        "junit.version",
        "5.10.2",
    ),
    ("org.mockito", "mockito-core", "mockito.version", "5.12.0"),
];

const DOMAINS: [&str; 16] = [
    "order",
    "billing",
    "catalog",
    "customer",
    "payment",
    "search",
    "inventory",
    "shipping",
    "report",
    "auth",
    "notify",
    "pricing",
    "media",
    "review",
    "cart",
    "audit",
];

/// Module kinds from the bottom layer up.
const KINDS: [&str; 8] = [
    "model",
    "common",
    "util",
    "core",
    "repository",
    "service",
    "api",
    "web",
];

const NOUNS: [&str; 16] = [
    "Entity",
    "Service",
    "Repository",
    "Mapper",
    "Validator",
    "Handler",
    "Factory",
    "Builder",
    "Converter",
    "Policy",
    "Resolver",
    "Registry",
    "Request",
    "Response",
    "Event",
    "Listener",
];

const FIELDS: [(&str, &str); 32] = [
    ("long", "id"),
    ("String", "name"),
    ("String", "status"),
    ("long", "createdAt"),
    ("long", "updatedAt"),
    ("String", "owner"),
    ("double", "amount"),
    ("String", "currency"),
    ("int", "quantity"),
    ("String", "code"),
    ("String", "description"),
    ("String", "region"),
    ("int", "priority"),
    ("long", "version"),
    ("String", "tenant"),
    ("String", "email"),
    ("String", "phone"),
    ("String", "address"),
    ("double", "score"),
    ("boolean", "enabled"),
    ("String", "category"),
    ("String", "reference"),
    ("double", "weight"),
    ("int", "limit"),
    ("String", "locale"),
    ("String", "channel"),
    ("long", "parentId"),
    ("int", "retries"),
    ("String", "checksum"),
    ("boolean", "archived"),
    ("String", "source"),
    ("String", "target"),
];

/// How to generate a workspace.
#[derive(Clone, Debug)]
pub struct GenOptions {
    /// Number of jar modules (parents and aggregators come on top).
    pub modules: usize,
    /// Java files under `src/main/java` per module.
    pub files: usize,
    /// The seed: the same seed gives the same workspace.
    pub seed: u64,
    /// Sibling projects without an aggregator (`--scan`) instead of an aggregator tree.
    pub scan: bool,
}

/// One generated jar module.
#[derive(Clone, Debug)]
pub struct GenModule {
    /// Its artifactId (also its directory name).
    pub artifact_id: String,
    /// Its directory, relative to the workspace root, `/`-separated.
    pub rel_dir: String,
    /// Its layer: dependencies go to lower layers only.
    pub layer: usize,
    /// Its dependencies: index into [`GenSummary::modules`] and whether test-scoped.
    pub deps: Vec<(usize, bool)>,
    /// Its Java package.
    pub package: String,
    /// The simple name of its entry class (the one calling its dependencies).
    pub entry_class: String,
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct GenSummary {
    /// The jar modules, in declaration order.
    pub modules: Vec<GenModule>,
    /// Every POM written (modules, parents, aggregators).
    pub poms: usize,
    /// Number of layers.
    pub layers: usize,
    /// Files under `src/main` (what m2fresh fingerprints).
    pub input_files: usize,
    /// Their total size in bytes.
    pub input_bytes: u64,
    /// Every file written, POMs and tests included.
    pub all_files: usize,
}

impl GenSummary {
    /// All modules `index` needs, directly or not, through dependencies of every scope
    /// (what `mvn -am` builds), `index` excluded.
    pub fn upstream(&self, index: usize) -> Vec<usize> {
        let mut seen = vec![false; self.modules.len()];
        let mut stack = vec![index];
        while let Some(i) = stack.pop() {
            for &(d, _) in &self.modules[i].deps {
                if !seen[d] {
                    seen[d] = true;
                    stack.push(d);
                }
            }
        }
        (0..self.modules.len()).filter(|&i| seen[i]).collect()
    }

    /// A target for "install after one change" scenarios: the module with the largest
    /// upstream (the first such, for determinism).
    pub fn target(&self) -> usize {
        let mut best = (0, 0);
        for i in 0..self.modules.len() {
            let n = self.upstream(i).len();
            if n > best.1 {
                best = (i, n);
            }
        }
        best.0
    }

    /// A bottom-layer module in `target`'s upstream that `target` reaches through
    /// compile-scope dependencies only (so changing it really changes the target's
    /// inputs); the one most of the upstream depends on.
    pub fn low_module(&self, target: usize) -> Option<usize> {
        let upstream = self.upstream(target);
        let compile_reach = |from: usize, to: usize| -> bool {
            let mut seen = vec![false; self.modules.len()];
            let mut stack = vec![from];
            while let Some(i) = stack.pop() {
                if i == to {
                    return true;
                }
                for &(d, test) in &self.modules[i].deps {
                    if !test && !seen[d] {
                        seen[d] = true;
                        stack.push(d);
                    }
                }
            }
            false
        };
        upstream
            .iter()
            .copied()
            .filter(|&i| self.modules[i].layer == 0 && compile_reach(target, i))
            .max_by_key(|&low| {
                let dependents = upstream
                    .iter()
                    .filter(|&&u| u != low && self.upstream(u).contains(&low))
                    .count();
                // Ties go to the first module: max_by_key keeps the last maximum.
                (dependents, std::cmp::Reverse(low))
            })
    }

    /// A module just below `target` (a direct compile dependency) that few others in the
    /// target's upstream need: a change there is the story's case, an interface module
    /// changed under the service that uses it. The one with the fewest dependents in the
    /// upstream (the first such).
    pub fn near_module(&self, target: usize) -> Option<usize> {
        let upstream = self.upstream(target);
        self.modules[target]
            .deps
            .iter()
            .filter(|(_, test)| !test)
            .map(|&(d, _)| d)
            .min_by_key(|&near| {
                let dependents = upstream
                    .iter()
                    .filter(|&&u| u != near && self.upstream(u).contains(&near))
                    .count();
                (dependents, near)
            })
    }

    /// The entry class source of a module, relative to the workspace root: the file to
    /// change in "one change" scenarios.
    pub fn entry_file(&self, index: usize) -> String {
        let m = &self.modules[index];
        format!(
            "{}/src/main/java/{}/{}.java",
            m.rel_dir,
            m.package.replace('.', "/"),
            m.entry_class
        )
    }
}

/// splitmix64: tiny, good enough, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Number of layers for `n` modules: about log2(n), at least 3.
fn layer_count(n: usize) -> usize {
    let log = usize::BITS - n.max(1).leading_zeros();
    (log as usize).clamp(3, 16).min(n.max(1))
}

fn pascal(s: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in s.chars() {
        if c == '-' || c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Writes a workspace into `dir` (created; it should be empty) and says what it wrote.
pub fn generate(dir: &Path, opts: &GenOptions) -> io::Result<GenSummary> {
    let mut rng = Rng(opts.seed ^ 0x6D32_6672_6573_6821);
    let n = opts.modules.max(1);
    let layers = layer_count(n);
    let layer_of = |i: usize| i * layers / n;
    // Core modules (bottom layer, at most 64) are managed in the root POM.
    let managed = |i: usize| layer_of(i) == 0 && i < 64;

    let mut modules: Vec<GenModule> = Vec::with_capacity(n);
    let mut layer_start = vec![n; layers + 1];
    for i in (0..n).rev() {
        layer_start[layer_of(i)] = i;
    }
    for i in 0..n {
        let layer = layer_of(i);
        let domain = *rng.pick(&DOMAINS);
        let kind = KINDS[(layer * KINDS.len() / layers).min(KINDS.len() - 1)];
        let artifact_id = format!("{domain}-{kind}-{i:05}");
        let rel_dir = if opts.scan {
            artifact_id.clone()
        } else {
            format!("layer-{layer:02}/{artifact_id}")
        };
        let mut deps: Vec<(usize, bool)> = Vec::new();
        if layer > 0 {
            let wanted = rng.range(1, 5);
            for _ in 0..wanted * 2 {
                if deps.len() >= wanted {
                    break;
                }
                // Mostly the layer just below or the one under it, sometimes any lower one.
                let from_layer = if rng.chance(80) {
                    layer.saturating_sub(rng.range(1, 2))
                } else {
                    rng.below(layer)
                };
                let (lo, hi) = (layer_start[from_layer], layer_start[from_layer + 1]);
                if lo >= hi {
                    continue;
                }
                let d = lo + rng.below(hi - lo);
                if deps.iter().any(|&(x, _)| x == d) {
                    continue;
                }
                deps.push((d, rng.chance(12)));
            }
        }
        // Keep at least one compile-scope dependency above the bottom layer, so the
        // module really builds against its upstream.
        if let Some(first) = deps.first_mut() {
            first.1 = false;
        }
        let package = format!("{GROUP_ID}.{domain}.{kind}{i:05}");
        let entry_class = format!("{}{}{:05}Module", pascal(domain), pascal(kind), i);
        modules.push(GenModule {
            artifact_id,
            rel_dir,
            layer,
            deps,
            package,
            entry_class,
        });
    }

    let mut out = Writer {
        root: dir.to_path_buf(),
        files: 0,
        input_files: 0,
        input_bytes: 0,
    };
    fs::create_dir_all(dir)?;
    let mut poms = 0;

    // The parent chain.
    let (root_dir, parents_dir) = if opts.scan {
        ("gen-parent".to_string(), String::new())
    } else {
        (String::new(), "parents/".to_string())
    };
    let mut root_modules: Vec<String> = Vec::new();
    if !opts.scan {
        for p in ["gen-base-parent", "gen-lib-parent", "gen-service-parent"] {
            root_modules.push(format!("parents/{p}"));
        }
        for l in 0..layers {
            root_modules.push(format!("layer-{l:02}"));
        }
    }
    let root_pom = root_pom(&modules, &root_modules, managed, opts.scan);
    out.write(&join(&root_dir, "pom.xml"), &root_pom, false)?;
    poms += 1;

    let to_root = if opts.scan {
        "../gen-parent/pom.xml"
    } else {
        "../../pom.xml"
    };
    let root_artifact = if opts.scan { "gen-parent" } else { "gen-root" };
    out.write(
        &format!("{parents_dir}gen-base-parent/pom.xml"),
        &base_parent_pom(root_artifact, to_root),
        false,
    )?;
    // A directory as relativePath: Maven appends pom.xml.
    out.write(
        &format!("{parents_dir}gen-lib-parent/pom.xml"),
        &lib_parent_pom("../gen-base-parent"),
        false,
    )?;
    out.write(
        &format!("{parents_dir}gen-service-parent/pom.xml"),
        &service_parent_pom("../gen-base-parent/pom.xml"),
        false,
    )?;
    poms += 3;

    if !opts.scan {
        for l in 0..layers {
            let members: Vec<&str> = modules
                .iter()
                .filter(|m| m.layer == l)
                .map(|m| m.artifact_id.as_str())
                .collect();
            out.write(
                &format!("layer-{l:02}/pom.xml"),
                &layer_pom(l, &members),
                false,
            )?;
            poms += 1;
        }
    }

    for (i, m) in modules.iter().enumerate() {
        let service = m.layer * 2 >= layers;
        let parent_rel = match (opts.scan, service) {
            (true, false) => "../gen-lib-parent/pom.xml",
            (true, true) => "../gen-service-parent/pom.xml",
            (false, false) => "../../parents/gen-lib-parent/pom.xml",
            (false, true) => "../../parents/gen-service-parent/pom.xml",
        };
        let parent = if service {
            "gen-service-parent"
        } else {
            "gen-lib-parent"
        };
        let pom = module_pom(&mut rng, m, &modules, parent, parent_rel, managed);
        out.write(&format!("{}/pom.xml", m.rel_dir), &pom, false)?;
        poms += 1;
        write_sources(&mut out, &mut rng, i, &modules, opts)?;
    }

    Ok(GenSummary {
        modules,
        poms,
        layers,
        input_files: out.input_files,
        input_bytes: out.input_bytes,
        all_files: out.files,
    })
}

fn join(dir: &str, file: &str) -> String {
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

struct Writer {
    root: PathBuf,
    files: usize,
    input_files: usize,
    input_bytes: u64,
}

impl Writer {
    /// Writes `rel` (creating its directory); `input` counts it as a fingerprint input.
    fn write(&mut self, rel: &str, content: &str, input: bool) -> io::Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, content)?;
        self.files += 1;
        if input {
            self.input_files += 1;
            self.input_bytes += content.len() as u64;
        }
        Ok(())
    }
}

const PROJECT_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
"#;

fn parent_block(artifact: &str, relative_path: Option<&str>) -> String {
    let mut s = format!(
        "\n  <parent>\n    <groupId>{GROUP_ID}</groupId>\n    <artifactId>{artifact}</artifactId>\n    <version>{VERSION}</version>\n"
    );
    if let Some(rel) = relative_path {
        let _ = writeln!(s, "    <relativePath>{rel}</relativePath>");
    }
    s.push_str("  </parent>\n");
    s
}

fn root_pom(
    modules: &[GenModule],
    root_modules: &[String],
    managed: impl Fn(usize) -> bool,
    scan: bool,
) -> String {
    let artifact = if scan { "gen-parent" } else { "gen-root" };
    let mut s = String::from(PROJECT_HEAD);
    let _ = write!(
        s,
        "\n  <groupId>{GROUP_ID}</groupId>\n  <artifactId>{artifact}</artifactId>\n  <version>{VERSION}</version>\n  <packaging>pom</packaging>\n  <name>Generated platform</name>\n  <description>A workspace generated for m2fresh's benchmarks.</description>\n"
    );
    if !root_modules.is_empty() {
        s.push_str("\n  <modules>\n");
        for m in root_modules {
            let _ = writeln!(s, "    <module>{m}</module>");
        }
        s.push_str("  </modules>\n");
    }
    s.push_str("\n  <properties>\n    <maven.compiler.release>17</maven.compiler.release>\n    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>\n    <project.reporting.outputEncoding>UTF-8</project.reporting.outputEncoding>\n    <gen.platform.version>${project.version}</gen.platform.version>\n    <gen.vendor>Example Corp</gen.vendor>\n");
    for (_, _, prop, version) in LIBRARIES {
        let _ = writeln!(s, "    <{prop}>{version}</{prop}>");
    }
    for (plugin, version) in PLUGINS {
        let _ = writeln!(s, "    <{plugin}.version>{version}</{plugin}.version>");
    }
    s.push_str("  </properties>\n\n  <dependencyManagement>\n    <dependencies>\n");
    for (group, artifact, prop, _) in LIBRARIES {
        let scope = if artifact.starts_with("junit") || artifact.starts_with("mockito") {
            "\n        <scope>test</scope>"
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "      <dependency>\n        <groupId>{group}</groupId>\n        <artifactId>{artifact}</artifactId>\n        <version>${{{prop}}}</version>{scope}\n      </dependency>"
        );
    }
    for (i, m) in modules.iter().enumerate() {
        if managed(i) {
            let _ = writeln!(
                s,
                "      <dependency>\n        <groupId>${{project.groupId}}</groupId>\n        <artifactId>{}</artifactId>\n        <version>${{gen.platform.version}}</version>\n      </dependency>",
                m.artifact_id
            );
        }
    }
    s.push_str("    </dependencies>\n  </dependencyManagement>\n\n  <build>\n    <pluginManagement>\n      <plugins>\n");
    for (plugin, _) in PLUGINS {
        let _ = writeln!(
            s,
            "        <plugin>\n          <groupId>org.apache.maven.plugins</groupId>\n          <artifactId>{plugin}</artifactId>\n          <version>${{{plugin}.version}}</version>\n        </plugin>"
        );
    }
    s.push_str("      </plugins>\n    </pluginManagement>\n  </build>\n\n  <profiles>\n    <profile>\n      <id>dev</id>\n      <activation>\n        <activeByDefault>true</activeByDefault>\n      </activation>\n      <properties>\n        <gen.environment>dev</gen.environment>\n      </properties>\n    </profile>\n    <profile>\n      <id>release</id>\n      <activation>\n        <property>\n          <name>release</name>\n        </property>\n      </activation>\n      <properties>\n        <gen.environment>release</gen.environment>\n      </properties>\n    </profile>\n  </profiles>\n</project>\n");
    s
}

fn base_parent_pom(root: &str, relative_path: &str) -> String {
    let mut s = String::from(PROJECT_HEAD);
    s.push_str(&parent_block(root, Some(relative_path)));
    s.push_str("\n  <artifactId>gen-base-parent</artifactId>\n  <packaging>pom</packaging>\n  <name>Generated base parent</name>\n\n  <properties>\n    <gen.layer>base</gen.layer>\n    <gen.build.label>${gen.vendor} ${gen.layer} ${project.version}</gen.build.label>\n  </properties>\n</project>\n");
    s
}

fn lib_parent_pom(relative_path: &str) -> String {
    let mut s = String::from(PROJECT_HEAD);
    s.push_str(&parent_block("gen-base-parent", Some(relative_path)));
    s.push_str("\n  <artifactId>gen-lib-parent</artifactId>\n  <packaging>pom</packaging>\n  <name>Generated library parent</name>\n\n  <properties>\n    <gen.layer>library</gen.layer>\n  </properties>\n</project>\n");
    s
}

fn service_parent_pom(relative_path: &str) -> String {
    let mut s = String::from(PROJECT_HEAD);
    s.push_str(&parent_block("gen-base-parent", Some(relative_path)));
    s.push_str("\n  <artifactId>gen-service-parent</artifactId>\n  <packaging>pom</packaging>\n  <name>Generated service parent</name>\n\n  <properties>\n    <gen.layer>service</gen.layer>\n  </properties>\n\n  <build>\n    <plugins>\n      <plugin>\n        <groupId>org.apache.maven.plugins</groupId>\n        <artifactId>maven-jar-plugin</artifactId>\n        <configuration>\n          <archive>\n            <manifestEntries>\n              <Implementation-Title>${project.artifactId}</Implementation-Title>\n              <Implementation-Vendor>${gen.vendor}</Implementation-Vendor>\n              <Build-Label>${gen.build.label}</Build-Label>\n            </manifestEntries>\n          </archive>\n        </configuration>\n      </plugin>\n    </plugins>\n  </build>\n</project>\n");
    s
}

fn layer_pom(layer: usize, members: &[&str]) -> String {
    let mut s = String::from(PROJECT_HEAD);
    // Default relativePath: ../pom.xml, the root.
    s.push_str(&parent_block("gen-root", None));
    let _ = write!(
        s,
        "\n  <artifactId>gen-layer-{layer:02}</artifactId>\n  <packaging>pom</packaging>\n  <name>Layer {layer}</name>\n\n  <modules>\n"
    );
    for m in members {
        let _ = writeln!(s, "    <module>{m}</module>");
    }
    s.push_str("  </modules>\n</project>\n");
    s
}

fn module_pom(
    rng: &mut Rng,
    m: &GenModule,
    modules: &[GenModule],
    parent: &str,
    parent_rel: &str,
    managed: impl Fn(usize) -> bool,
) -> String {
    let mut s = String::from(PROJECT_HEAD);
    s.push_str(&parent_block(parent, Some(parent_rel)));
    let _ = write!(
        s,
        "\n  <artifactId>{}</artifactId>\n  <name>{}</name>\n  <description>The {} module of layer {}, built by ${{gen.vendor}}.</description>\n",
        m.artifact_id,
        pascal(&m.artifact_id),
        m.artifact_id,
        m.layer
    );
    if rng.chance(30) {
        let _ = write!(
            s,
            "\n  <properties>\n    <gen.module.owner>team-{}</gen.module.owner>\n    <gen.module.label>${{project.artifactId}} (${{gen.layer}})</gen.module.label>\n  </properties>\n",
            m.artifact_id.split('-').next().unwrap_or("core")
        );
    }
    if !m.deps.is_empty() {
        s.push_str("\n  <dependencies>\n");
        for &(d, test) in &m.deps {
            let group = if rng.chance(50) {
                "${project.groupId}"
            } else {
                GROUP_ID
            };
            let version = if managed(d) && rng.chance(70) {
                String::new()
            } else if rng.chance(20) {
                "\n      <version>${gen.platform.version}</version>".to_string()
            } else {
                "\n      <version>${project.version}</version>".to_string()
            };
            let scope = if test {
                "\n      <scope>test</scope>"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "    <dependency>\n      <groupId>{group}</groupId>\n      <artifactId>{}</artifactId>{version}{scope}\n    </dependency>",
                modules[d].artifact_id
            );
        }
        s.push_str("  </dependencies>\n");
    }
    s.push_str("</project>\n");
    s
}

fn write_sources(
    out: &mut Writer,
    rng: &mut Rng,
    index: usize,
    modules: &[GenModule],
    opts: &GenOptions,
) -> io::Result<()> {
    let m = &modules[index];
    let pkg_dir = m.package.replace('.', "/");
    let main = format!("{}/src/main/java/{pkg_dir}", m.rel_dir);
    let prefix = pascal(m.artifact_id.split('-').next().unwrap_or("gen"));

    // The entry class: calls every compile-scope dependency, so the module really
    // compiles against its upstream.
    let mut entry = license(opts.seed);
    let _ = write!(
        entry,
        "package {};\n\n/**\n * Entry point of {}: names the module and what it was built against.\n */\npublic final class {} {{\n\n    /** The artifactId of this module. */\n    public static final String ID = \"{}\";\n\n    /** Bumped by `benches/compare.sh` to make a one-line change. */\n    static final long REVISION = 0L;\n\n    private {}() {{\n    }}\n\n    /**\n     * Describes this module and its compile-scope dependencies.\n     *\n     * @return a one-line description\n     */\n    public static String describe() {{\n        StringBuilder sb = new StringBuilder(ID);\n",
        m.package, m.artifact_id, m.entry_class, m.artifact_id, m.entry_class
    );
    for &(d, test) in &m.deps {
        if !test {
            let dep = &modules[d];
            let _ = writeln!(
                entry,
                "        sb.append(\" <- \").append({}.{}.ID);",
                dep.package, dep.entry_class
            );
        }
    }
    entry.push_str("        return sb.toString();\n    }\n}\n");
    out.write(&format!("{main}/{}.java", m.entry_class), &entry, true)?;

    let subpackages = ["model", "service", "support"];
    for f in 1..opts.files.max(1) {
        let noun = NOUNS[(f + index) % NOUNS.len()];
        let class = format!("{prefix}{noun}{f}");
        let sub = subpackages[f % subpackages.len()];
        let target_bytes = rng.range(1_500, 6_000);
        let source = java_class(
            rng,
            &format!("{}.{sub}", m.package),
            &class,
            target_bytes,
            opts.seed,
        );
        out.write(&format!("{main}/{sub}/{class}.java"), &source, true)?;
    }

    // Resources: a properties file, and for some modules an XML file under META-INF.
    let res = format!("{}/src/main/resources", m.rel_dir);
    let mut props = format!(
        "# Settings of {}\nmodule.id={}\nmodule.layer={}\n",
        m.artifact_id, m.artifact_id, m.layer
    );
    for k in 0..rng.range(8, 40) {
        let (_, field) = rng.pick(&FIELDS);
        let _ = writeln!(
            props,
            "{}.{field}.{k}={}",
            m.artifact_id,
            rng.next() % 100_000
        );
    }
    out.write(&format!("{res}/{}.properties", m.artifact_id), &props, true)?;
    if rng.chance(35) {
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<messages module=\"{}\">\n",
            m.artifact_id
        );
        for k in 0..rng.range(10, 60) {
            let _ = writeln!(
                xml,
                "  <message key=\"msg.{k}\">Message {k} of {} ({})</message>",
                m.artifact_id,
                rng.next() % 1_000
            );
        }
        xml.push_str("</messages>\n");
        out.write(
            &format!("{res}/META-INF/{}/messages.xml", m.artifact_id),
            &xml,
            true,
        )?;
    }

    // Tests: not fingerprint inputs, but a real workspace has them.
    if rng.chance(50) {
        let test = format!(
            "{}package {};\n\n/** Checks {}. Plain Java: runs without a test framework. */\npublic class {}Test {{\n\n    public static void main(String[] args) {{\n        if (!{}.describe().startsWith({}.ID)) {{\n            throw new AssertionError(\"describe() must start with the module id\");\n        }}\n    }}\n}}\n",
            license(opts.seed),
            m.package,
            m.entry_class,
            m.entry_class,
            m.entry_class,
            m.entry_class
        );
        out.write(
            &format!(
                "{}/src/test/java/{pkg_dir}/{}Test.java",
                m.rel_dir, m.entry_class
            ),
            &test,
            false,
        )?;
    }
    Ok(())
}

fn license(seed: u64) -> String {
    format!(
        "/*\n * Copyright (c) Example Corp. All rights reserved.\n * Generated by m2fresh's gen-workspace (seed {seed}) for benchmarks.\n *\n * Licensed under the Apache License, Version 2.0.\n */\n"
    )
}

/// A plain Java class of about `target_bytes`: fields with getters and setters,
/// `equals`/`hashCode`/`toString`, and a method with a loop.
fn java_class(rng: &mut Rng, package: &str, class: &str, target_bytes: usize, seed: u64) -> String {
    // Each field with its accessors is about 330 bytes.
    let field_count = (target_bytes.saturating_sub(1_200) / 330).clamp(2, 64);
    let start = rng.below(FIELDS.len());
    let fields: Vec<(&str, String)> = (0..field_count)
        .map(|k| {
            let (ty, name) = FIELDS[(start + k) % FIELDS.len()];
            let name = if k < FIELDS.len() {
                name.to_string()
            } else {
                format!("{name}{}", k / FIELDS.len())
            };
            (ty, name)
        })
        .collect();

    let mut s = license(seed);
    let _ = write!(
        s,
        "package {package};\n\nimport java.util.ArrayList;\nimport java.util.LinkedHashMap;\nimport java.util.List;\nimport java.util.Map;\nimport java.util.Objects;\n\n/**\n * {class}: part of the generated {package} package.\n *\n * <p>Holds {field_count} properties and converts them to a map for serialisation.\n */\npublic class {class} {{\n\n    private static final String KIND = \"{class}\";\n\n"
    );
    for (ty, name) in &fields {
        let _ = writeln!(
            s,
            "    /** The {name} of this {class}. */\n    private {ty} {name};\n"
        );
    }
    let _ = writeln!(
        s,
        "    /** Creates an empty {class}. */\n    public {class}() {{\n    }}\n"
    );
    for (ty, name) in &fields {
        let cap = pascal(name);
        let getter = if *ty == "boolean" { "is" } else { "get" };
        let _ = writeln!(
            s,
            "    /**\n     * Returns the {name}.\n     *\n     * @return the {name}\n     */\n    public {ty} {getter}{cap}() {{\n        return {name};\n    }}\n\n    /**\n     * Sets the {name}.\n     *\n     * @param {name} the new {name}\n     */\n    public void set{cap}({ty} {name}) {{\n        this.{name} = {name};\n    }}\n"
        );
    }
    s.push_str(
        "    /**\n     * The properties as a map, in declaration order.\n     *\n     * @return a new map\n     */\n    public Map<String, Object> toMap() {\n        Map<String, Object> map = new LinkedHashMap<>();\n",
    );
    for (_, name) in &fields {
        let _ = writeln!(s, "        map.put(\"{name}\", {name});");
    }
    let modulus = rng.range(7, 9_973);
    let _ = write!(
        s,
        "        return map;\n    }}\n\n    /**\n     * A checksum over some values, for change detection.\n     *\n     * @param values the values\n     * @return the checksum\n     */\n    public static int checksum(List<String> values) {{\n        List<String> seen = new ArrayList<>();\n        int sum = KIND.length();\n        for (String v : values) {{\n            if (v == null || seen.contains(v)) {{\n                continue;\n            }}\n            seen.add(v);\n            sum = (sum * 31 + v.hashCode()) % {modulus};\n        }}\n        return sum;\n    }}\n\n    @Override\n    public boolean equals(Object o) {{\n        if (this == o) {{\n            return true;\n        }}\n        if (!(o instanceof {class})) {{\n            return false;\n        }}\n        {class} other = ({class}) o;\n        return toMap().equals(other.toMap());\n    }}\n\n    @Override\n    public int hashCode() {{\n        return Objects.hash(toMap().values().toArray());\n    }}\n\n    @Override\n    public String toString() {{\n        return KIND + toMap();\n    }}\n}}\n"
    );
    s
}

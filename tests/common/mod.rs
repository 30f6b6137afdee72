//! The shared harness of m2fresh's integration tests (`mod common;` in every file of
//! `tests/`): copies of the fixture projects, isolated local Maven repositories, and real
//! Maven runs that cannot see the user's `~/.m2`.
//!
//! Tests drive real Maven because m2fresh's promises are about what Maven does. To keep
//! that affordable, the Maven plugins that `install` needs are downloaded once per
//! checkout into a *seed* repository under cargo's target directory; each
//! [`LocalRepo`] starts as a private copy of it, so tests never share a repository and
//! never touch the network after the seed exists.
//!
//! Maven is required: a test that needs it fails (never silently passes) when `mvn` is
//! not on `PATH`.

// Every test binary compiles this module but uses only part of it.
#![allow(dead_code)]

pub mod registry;

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use tempfile::TempDir;

/// The xuecheng projects in the order a developer installs them: each project's
/// upstream comes before it. (The projects are siblings without an aggregator, so Maven
/// has no reactor to order them.)
pub const XUECHENG_BUILD_ORDER: [&str; 7] = [
    "xc-framework-parent",
    "xc-framework-model",
    "xc-framework-common",
    "xc-framework-utils",
    "xc-service-api",
    "xc-service-manage-cms",
    "xc-service-portalview",
];

/// The projects of `fixtures/xuecheng-rest` whose builds bring what the REST fixture
/// needs into the seed (spring-web and its dependencies), in build order.
pub const XUECHENG_REST_SEED_ORDER: [&str; 3] = [
    "xc-framework-parent",
    "xc-framework-model",
    "xc-service-api",
];

/// Environment variables through which a user's Maven setup would reach the Maven we
/// start (read by the `mvn` launcher script or by Maven 3.9+).
pub const MAVEN_ENV: [&str; 6] = [
    "MAVEN_OPTS",
    "MAVEN_ARGS",
    "MAVEN_CONFIG",
    "MAVEN_DEBUG_OPTS",
    "MAVEN_BASEDIR",
    "MAVEN_PROJECTBASEDIR",
];

/// A user settings file with nothing in it: no mirrors, proxies, profiles or
/// `<localRepository>` from the user's `~/.m2/settings.xml`.
const EMPTY_SETTINGS: &str = "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\"/>\n";

/// Bump when the way the seed is built changes, so existing seeds are rebuilt.
const SEED_FORMAT: &str = "m2fresh-test-seed-4";

/// The Jib Maven plugin the image tests use (in the seed, so they run offline).
pub const JIB_VERSION: &str = "3.4.4";

/// The maven-deploy-plugin the remote repository tests pin (in the seed, so that
/// `mvn deploy` needs no network but the test's own repository server).
pub const DEPLOY_PLUGIN_VERSION: &str = "3.1.4";

/// The maven-help-plugin whose `effective-pom` the effective-POM tests compare with (in
/// the seed, so they run offline).
pub const HELP_PLUGIN: &str = "org.apache.maven.plugins:maven-help-plugin:3.5.2";

/// The second Maven version the tests compare with, from Maven Central.
pub const MAVEN_39: &str = "3.9.16";

/// Configures the copied story service to build its image with Jib on a `scratch` base
/// (no registry, no daemon: `jib:buildTar` writes `target/jib-image.tar`).
pub fn configure_jib(project: &Project) {
    let pom = project.path("xc-service-portalview/pom.xml");
    let text = fs::read_to_string(&pom).unwrap_or_else(|e| panic!("{}: {e}", pom.display()));
    let plugin = format!(
        "<plugin>\n        <groupId>com.google.cloud.tools</groupId>\n        \
         <artifactId>jib-maven-plugin</artifactId>\n        <version>{JIB_VERSION}</version>\n        \
         <configuration><from><image>scratch</image></from>\
         <to><image>xc-service-portalview</image></to></configuration>\n      </plugin>\n    </plugins>"
    );
    assert!(
        text.contains("</plugins>"),
        "the service's POM has build plugins"
    );
    write_file(&pom, &text.replacen("</plugins>", &plugin, 1));
}

/// Configures the copied story service as the course's project builds images
/// (kzdwts/xcEduService): `com.spotify:docker-maven-plugin` with `imageName`,
/// `baseImage`, `entryPoint`, a `dockerDirectory` in the build output, `buildArgs` and
/// the jar copied from `${project.build.directory}`; the Dockerfile is a resource
/// template (`src/main/resources/Dockerfile`) that `ADD`s `${ARTIFACTID}-${VERSION}.jar`.
/// The Dockerfile next to the POM goes (the course has none there).
pub fn configure_course_plugin(project: &Project) {
    let module = project.path("xc-service-portalview");
    let pom = module.join("pom.xml");
    let text = fs::read_to_string(&pom).unwrap_or_else(|e| panic!("{}: {e}", pom.display()));
    let plugin = "<plugin>
        <groupId>com.spotify</groupId>
        <artifactId>docker-maven-plugin</artifactId>
        <version>1.2.2</version>
        <configuration>
          <imageName>${project.artifactId}:${project.version}</imageName>
          <baseImage>java</baseImage>
          <entryPoint>[\"java\", \"-jar\", \"/${project.build.finalName}.jar\"]</entryPoint>
          <dockerDirectory>${project.build.outputDirectory}</dockerDirectory>
          <buildArgs>
            <ARTIFACTID>${project.artifactId}</ARTIFACTID>
            <VERSION>${project.version}</VERSION>
          </buildArgs>
          <resources>
            <resource>
              <targetPath>/</targetPath>
              <directory>${project.build.directory}</directory>
              <include>${project.build.finalName}.jar</include>
            </resource>
          </resources>
        </configuration>
      </plugin>
    </plugins>";
    assert!(
        text.contains("</plugins>"),
        "the service's POM has build plugins"
    );
    write_file(&pom, &text.replacen("</plugins>", plugin, 1));
    let _ = fs::remove_file(module.join("Dockerfile"));
    write_file(
        &module.join("src/main/resources/Dockerfile"),
        "FROM eclipse-temurin:17-jre\nARG ARTIFACTID\nARG VERSION\n\
         ADD ${ARTIFACTID}-${VERSION}.jar app.jar\nENTRYPOINT [\"java\", \"-jar\", \"/app.jar\"]\n",
    );
}

/// The root of this checkout (where `Cargo.toml` is).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/` of this checkout.
pub fn fixtures_dir() -> PathBuf {
    repo_root().join("fixtures")
}

/// Cargo's scratch directory for integration tests (`target/tmp`): it survives between
/// runs, so the Maven seed is built once per checkout, and `cargo clean` removes it.
pub fn target_tmpdir() -> PathBuf {
    match option_env!("CARGO_TARGET_TMPDIR") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("target").join("tmp"),
    }
}

/// The `mvn` executable on `PATH`, if there is one.
pub fn mvn() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("mvn"))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The `mvn` executable on `PATH`; panics (failing the test) when Maven is missing.
///
/// There is no skip: these tests check behaviour against real Maven, and a test that
/// passes without Maven would claim something nobody checked.
pub fn require_mvn() -> PathBuf {
    match mvn() {
        Some(mvn) => mvn,
        None => panic!(
            "Maven is required for this test, but `mvn` is not on PATH. Install Maven 3.8+ \
             and a JDK 17 (Debian/Ubuntu: `apt-get install maven openjdk-17-jdk-headless`; \
             elsewhere: https://maven.apache.org/install.html) and put `mvn` on PATH."
        ),
    }
}

/// Whether the tests run under CI (`CI` set, and not to `false` or `0`): then a component
/// a test needs (an OCI registry, buildah) must be there, and its absence fails the test
/// instead of skipping it.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A private copy of a fixture project in a temporary directory, removed on drop.
pub struct Project {
    /// The temporary directory holding the copy.
    pub dir: TempDir,
    /// The copied fixture: `dir/<last component of the fixture name>`, so paths in
    /// messages read like the fixture's (`.../xuecheng/xc-service-api`).
    pub root: PathBuf,
}

impl Project {
    /// Copies `fixtures/<name>` (e.g. `"xuecheng"` or `"reactor/basic"`) into a fresh
    /// temporary directory, leaving out every `target/` directory a local build may
    /// have left in the fixture.
    pub fn copy_fixture(name: &str) -> Project {
        let source = fixtures_dir().join(name);
        assert!(
            source.is_dir(),
            "no fixture {name}: {} is not a directory",
            source.display()
        );
        let dir = tempfile::Builder::new()
            .prefix("m2fresh-fixture-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let base = source.file_name().unwrap_or(OsStr::new("project"));
        let root = dir.path().join(base);
        copy_tree(&source, &root, is_not_build_output);
        Project { dir, root }
    }

    /// `rel` inside the copied fixture.
    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    /// A private copy of another project's tree (e.g. one already built and installed),
    /// in a fresh temporary directory, leaving out every `target/` directory.
    pub fn copy_of(other: &Project) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("m2fresh-fixture-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let base = other.root.file_name().unwrap_or(OsStr::new("project"));
        let root = dir.path().join(base);
        copy_tree(&other.root, &root, is_not_build_output);
        Project { dir, root }
    }
}

/// A local Maven repository of one test, in a temporary directory removed on drop,
/// with an empty user settings file next to it.
pub struct LocalRepo {
    dir: TempDir,
    repository: PathBuf,
    settings: PathBuf,
}

impl LocalRepo {
    /// A repository holding a copy of the seed: every Maven plugin the xuecheng
    /// projects need for `install` (and surefire for `test`), but no `com.xuecheng`
    /// artifact. Builds the seed first if this checkout has none (this needs Maven
    /// Central once).
    ///
    /// The seed is copied file by file, never hard-linked: Maven rewrites files in its
    /// repository (metadata, `_remote.repositories`), and a link would let one test's
    /// Maven change every other test's repository.
    pub fn new() -> LocalRepo {
        let repo = LocalRepo::empty();
        with_seed(|seed| copy_tree(seed, &repo.repository, |_| true));
        repo
    }

    /// A repository with nothing in it, for runs that need no plugin (`mvn -o validate`)
    /// or that must show what happens when an artifact is absent.
    pub fn empty() -> LocalRepo {
        let dir = tempfile::Builder::new()
            .prefix("m2fresh-repo-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        let repository = dir.path().join("repository");
        let settings = dir.path().join("settings.xml");
        fs::create_dir(&repository)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", repository.display()));
        write_file(&settings, EMPTY_SETTINGS);
        LocalRepo {
            dir,
            repository,
            settings,
        }
    }

    /// An empty repository whose user settings file (the one [`run_mvn`] and m2fresh
    /// get with `-s`) is a copy of `dir/settings.xml` when the fixture has one, so that
    /// Maven and m2fresh apply the same settings profiles; else the empty settings.
    pub fn for_fixture(dir: &Path) -> LocalRepo {
        let repo = LocalRepo::empty();
        let fixture_settings = dir.join("settings.xml");
        if fixture_settings.is_file() {
            fs::copy(&fixture_settings, &repo.settings)
                .unwrap_or_else(|e| panic!("cannot copy {}: {e}", fixture_settings.display()));
        }
        repo
    }

    /// A private copy of this repository and its settings file (e.g. of a repository
    /// that already holds installed artifacts, for a test that must change it alone).
    pub fn copy_of(&self) -> LocalRepo {
        let repo = LocalRepo::empty();
        copy_tree(&self.repository, &repo.repository, |_| true);
        fs::copy(&self.settings, &repo.settings)
            .unwrap_or_else(|e| panic!("cannot copy {}: {e}", self.settings.display()));
        repo
    }

    /// The repository directory (what `-Dmaven.repo.local` names).
    pub fn path(&self) -> &Path {
        &self.repository
    }

    /// The user settings file that [`run_mvn`] passes with `-s` (empty unless made by
    /// [`LocalRepo::for_fixture`]).
    pub fn settings(&self) -> &Path {
        &self.settings
    }

    /// Where Maven installs `groupId:artifactId:version` with the given extension
    /// (`jar`, `pom`) in this repository.
    pub fn artifact(&self, group_id: &str, artifact_id: &str, version: &str, ext: &str) -> PathBuf {
        let mut path = self.repository.clone();
        path.extend(group_id.split('.'));
        path.push(artifact_id);
        path.push(version);
        path.push(format!("{artifact_id}-{version}.{ext}"));
        path
    }
}

/// A `mvn` command isolated from the user's Maven setup: batch mode, `repo` as the local
/// repository, an empty user settings file (`-s`), and no `MAVEN_OPTS`, `MAVEN_CONFIG`,
/// `MAVEN_ARGS` or `mavenrc` files.
///
/// Maven's global settings (`$MAVEN_HOME/conf/settings.xml`) still apply: that is the
/// machine's setup (e.g. a CI mirror), not the user's.
pub fn mvn_command(project_dir: &Path, repo: &LocalRepo) -> Command {
    isolated_mvn(project_dir, repo.path(), repo.settings())
}

fn isolated_mvn(project_dir: &Path, repository: &Path, settings: &Path) -> Command {
    isolated_maven(&require_mvn(), project_dir, repository, settings)
}

/// [`mvn_command`] for any Maven launcher (`mvn`), local repository and user settings.
pub fn isolated_maven(
    mvn: &Path,
    project_dir: &Path,
    repository: &Path,
    settings: &Path,
) -> Command {
    let mut command = Command::new(mvn);
    command
        .current_dir(project_dir)
        .arg("-B")
        .arg(format!("-Dmaven.repo.local={}", repository.display()))
        .arg("-s")
        .arg(settings)
        .env("MAVEN_SKIP_RC", "true");
    for name in MAVEN_ENV {
        command.env_remove(name);
    }
    command
}

/// Runs Maven in `project_dir` with `args`, isolated as [`mvn_command`] describes, and
/// returns what it printed and how it exited.
pub fn run_mvn(project_dir: &Path, repo: &LocalRepo, args: &[&str]) -> Output {
    let mut command = mvn_command(project_dir, repo);
    command.args(args);
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot start Maven in {}: {e}", project_dir.display()))
}

/// [`run_mvn`], failing the test with Maven's output when Maven fails.
pub fn run_mvn_ok(project_dir: &Path, repo: &LocalRepo, args: &[&str]) -> Output {
    let output = run_mvn(project_dir, repo, args);
    assert!(
        output.status.success(),
        "mvn {} in {} failed ({}):\n{}",
        args.join(" "),
        project_dir.display(),
        output.status,
        output_text(&output)
    );
    output
}

/// Stdout followed by stderr, as text.
pub fn output_text(output: &Output) -> String {
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    text
}

/// The projects of the reactor rooted at `aggregator_dir`, in Maven's "Reactor Build
/// Order", as Maven 3 computes it: `mvn -B -o validate` with an empty local repository
/// (nothing is bound to `validate`, so no plugin is needed) plus `extra_args` (e.g.
/// `-Dwith-extra`, `-P!defaults`). A `settings.xml` next to the aggregator is the user
/// settings (`-s`), as [`LocalRepo::for_fixture`] arranges.
///
/// Maven prints each project's `<name>`, which is its artifactId when the POM has no
/// name (as in every fixture). Maven prints no order for a reactor of a single project;
/// that is an `Err` too. When Maven fails, the `Err` holds its `[ERROR]`/`[FATAL]` lines.
pub fn maven_reactor_order(
    aggregator_dir: &Path,
    extra_args: &[&str],
) -> Result<Vec<String>, String> {
    let repo = LocalRepo::for_fixture(aggregator_dir);
    let mut args = vec!["-o", "validate"];
    args.extend_from_slice(extra_args);
    let output = run_mvn(aggregator_dir, &repo, &args);
    let log = output_text(&output);
    if !output.status.success() {
        let errors: Vec<&str> = log
            .lines()
            .filter(|line| line.starts_with("[ERROR]") || line.starts_with("[FATAL]"))
            .collect();
        return Err(if errors.is_empty() {
            format!(
                "Maven failed ({}) without an ERROR line:\n{log}",
                output.status
            )
        } else {
            errors.join("\n")
        });
    }
    parse_reactor_order(&log).ok_or_else(|| {
        format!("Maven printed no project header (`---< groupId:artifactId >---`):\n{log}")
    })
}

/// The artifactIds of the projects Maven built, in order, from the header it prints for
/// each (`------< groupId:artifactId >------`): unlike the "Reactor Build Order:" list,
/// these do not show the project's `<name>`. `None` when the log has no such header.
pub fn parse_reactor_order(log: &str) -> Option<Vec<String>> {
    let order: Vec<String> = log
        .lines()
        .map(|line| line.strip_prefix("[INFO]").unwrap_or(line).trim())
        .filter_map(|line| {
            let inner = line.strip_prefix('-')?.trim_matches('-').trim();
            let ga = inner.strip_prefix('<')?.strip_suffix('>')?.trim();
            let (_, artifact_id) = ga.split_once(':')?;
            Some(artifact_id.to_owned())
        })
        .collect();
    (!order.is_empty()).then_some(order)
}

/// The `m2fresh` binary of this checkout, with `HOME` pointed at a fresh empty
/// directory and the user's XDG, Maven and `M2FRESH_*` environment removed, so nothing
/// of the user's setup reaches it.
///
/// The home directory lives under [`target_tmpdir`]`/homes` (an `assert_cmd::Command`
/// cannot own a `TempDir`); `cargo clean` removes it.
pub fn m2fresh() -> assert_cmd::Command {
    let homes = target_tmpdir().join("homes");
    fs::create_dir_all(&homes).unwrap_or_else(|e| panic!("cannot create {}: {e}", homes.display()));
    let home = tempfile::Builder::new()
        .prefix("home-")
        .tempdir_in(&homes)
        .unwrap_or_else(|e| panic!("cannot create a home directory in {}: {e}", homes.display()))
        .keep();
    let mut command = assert_cmd::Command::cargo_bin("m2fresh").unwrap_or_else(|e| {
        panic!("the m2fresh binary is not built (it needs the `cli` feature): {e}")
    });
    command.env("HOME", &home).env("MAVEN_SKIP_RC", "true");
    for name in [
        "XDG_CONFIG_HOME",
        "XDG_CACHE_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
    ]
    .into_iter()
    .chain(MAVEN_ENV)
    {
        command.env_remove(name);
    }
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("M2FRESH_") {
            command.env_remove(name);
        }
    }
    command
}

/// Runs `use_seed` on the seed repository while holding a shared lock on it, building
/// the seed first (under an exclusive lock) when it is missing or out of date.
///
/// Test binaries run in parallel and so do the tests inside each, so the seed's
/// directory is guarded by a file lock: one builder, many readers.
fn with_seed<T>(use_seed: impl Fn(&Path) -> T) -> T {
    static BUILD_FAILED: OnceLock<String> = OnceLock::new();
    let base = target_tmpdir().join("maven-seed");
    let repository = base.join("repository");
    let marker = base.join("complete");
    fs::create_dir_all(&base).unwrap_or_else(|e| panic!("cannot create {}: {e}", base.display()));
    let key = seed_key();
    let is_complete = || fs::read_to_string(&marker).is_ok_and(|k| k == key);
    loop {
        if let Some(failure) = BUILD_FAILED.get() {
            panic!("the Maven seed repository could not be built earlier in this run:\n{failure}");
        }
        let lock = open_lock(&base);
        lock.lock_shared()
            .unwrap_or_else(|e| panic!("cannot lock {}: {e}", base.display()));
        if is_complete() {
            return use_seed(&repository);
        }
        drop(lock);

        let lock = open_lock(&base);
        lock.lock()
            .unwrap_or_else(|e| panic!("cannot lock {}: {e}", base.display()));
        if !is_complete() {
            if let Err(failure) = build_seed(&base, &repository) {
                let failure = BUILD_FAILED.get_or_init(|| failure);
                panic!("cannot build the Maven seed repository:\n{failure}");
            }
            write_file(&marker, &key);
        }
        drop(lock);
    }
}

fn open_lock(base: &Path) -> File {
    let path = base.join("lock");
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()))
}

/// What the seed's content depends on: the harness's recipe, the Maven in use and the
/// xuecheng POMs (which pin the plugin versions). A change to any rebuilds the seed.
fn seed_key() -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(SEED_FORMAT.as_bytes());
    hasher.update(require_mvn().as_os_str().as_encoded_bytes());
    let fixture = fixtures_dir().join("xuecheng");
    for project in XUECHENG_BUILD_ORDER {
        let pom = fixture.join(project).join("pom.xml");
        let bytes = fs::read(&pom).unwrap_or_else(|e| panic!("cannot read {}: {e}", pom.display()));
        hasher.update(project.as_bytes());
        hasher.update(&bytes);
    }
    let rest = fixtures_dir().join("xuecheng-rest");
    for project in XUECHENG_REST_SEED_ORDER {
        let pom = rest.join(project).join("pom.xml");
        let bytes = fs::read(&pom).unwrap_or_else(|e| panic!("cannot read {}: {e}", pom.display()));
        hasher.update(b"xuecheng-rest/");
        hasher.update(project.as_bytes());
        hasher.update(&bytes);
    }
    hasher.finalize().to_hex().to_string()
}

/// Fills `repository` by building a scratch copy of the xuecheng projects with real
/// Maven (online), then removes the xuecheng artifacts so a fresh [`LocalRepo`] holds
/// plugins only. Returns Maven's output when a build fails.
fn build_seed(base: &Path, repository: &Path) -> Result<(), String> {
    let work = base.join("work");
    for stale in [repository, work.as_path()] {
        if stale.exists() {
            fs::remove_dir_all(stale)
                .map_err(|e| format!("cannot remove {}: {e}", stale.display()))?;
        }
    }
    fs::create_dir_all(repository)
        .map_err(|e| format!("cannot create {}: {e}", repository.display()))?;
    let projects = work.join("xuecheng");
    copy_tree(
        &fixtures_dir().join("xuecheng"),
        &projects,
        is_not_build_output,
    );
    let settings = base.join("settings.xml");
    write_file(&settings, EMPTY_SETTINGS);

    let mut steps: Vec<(&str, &[&str])> = XUECHENG_BUILD_ORDER
        .iter()
        .map(|project| (*project, &["clean", "install", "-DskipTests"][..]))
        .collect();
    // Installing with -DskipTests loads surefire but not the provider that runs tests.
    steps.push(("xc-framework-utils", &["test"]));
    // The image tests build a Jib tarball offline.
    let jib_goal = format!("com.google.cloud.tools:jib-maven-plugin:{JIB_VERSION}:buildTar");
    let jib_args = [
        "package",
        jib_goal.as_str(),
        "-Djib.from.image=scratch",
        "-Djib.to.image=seed:seed",
        "-DskipTests",
    ];
    steps.push(("xc-service-portalview", &jib_args[..]));
    // The remote repository tests deploy with maven-deploy-plugin (its help goal loads
    // the plugin and every dependency it runs with).
    let deploy_help =
        format!("org.apache.maven.plugins:maven-deploy-plugin:{DEPLOY_PLUGIN_VERSION}:help");
    let deploy_args = [deploy_help.as_str()];
    steps.push(("xc-framework-utils", &deploy_args[..]));
    // The effective-POM tests run the help plugin offline.
    let help_goal = format!("{HELP_PLUGIN}:effective-pom");
    let help_args = [help_goal.as_str(), "-Doutput=target/effective-pom.xml"];
    steps.push(("xc-framework-parent", &help_args[..]));
    // The REST fixture's dependencies (spring-web), so its tests run offline too.
    let rest = work.join("xuecheng-rest");
    copy_tree(
        &fixtures_dir().join("xuecheng-rest"),
        &rest,
        is_not_build_output,
    );
    let rest_steps: Vec<(PathBuf, &[&str])> = XUECHENG_REST_SEED_ORDER
        .iter()
        .map(|project| (rest.join(project), &["clean", "install", "-DskipTests"][..]))
        .collect();
    let steps: Vec<(PathBuf, &[&str])> = steps
        .into_iter()
        .map(|(project, goals)| (projects.join(project), goals))
        .chain(rest_steps)
        .collect();
    for (dir, goals) in steps {
        let output = isolated_mvn(&dir, repository, &settings)
            .arg("--no-transfer-progress")
            .args(goals)
            .output()
            .map_err(|e| format!("cannot start Maven in {}: {e}", dir.display()))?;
        if !output.status.success() {
            return Err(format!(
                "mvn {} in {} failed ({}). Building the seed downloads Maven's plugins from \
                 Maven Central once per checkout; check the network.\n{}",
                goals.join(" "),
                dir.display(),
                output.status,
                output_text(&output)
            ));
        }
    }
    let ours = repository.join("com").join("xuecheng");
    fs::remove_dir_all(&ours).map_err(|e| format!("cannot remove {}: {e}", ours.display()))?;
    fs::remove_dir_all(&work).map_err(|e| format!("cannot remove {}: {e}", work.display()))?;
    Ok(())
}

/// False for a `target/` directory: Maven's build output, never part of a fixture.
fn is_not_build_output(entry: &walkdir::DirEntry) -> bool {
    !(entry.file_type().is_dir() && entry.file_name() == "target")
}

/// Copies the directory tree `from` to `to` (created), with real file copies, keeping
/// symbolic links as links; `keep` decides which entries (and their subtrees) to copy.
fn copy_tree(from: &Path, to: &Path, keep: impl Fn(&walkdir::DirEntry) -> bool) {
    let walk = walkdir::WalkDir::new(from)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || keep(entry));
    for entry in walk {
        let entry = entry.unwrap_or_else(|e| panic!("cannot walk {}: {e}", from.display()));
        let rel = entry.path().strip_prefix(from).unwrap_or_else(|e| {
            panic!(
                "{} is outside {}: {e}",
                entry.path().display(),
                from.display()
            )
        });
        let target = to.join(rel);
        let file_type = entry.file_type();
        let result = if file_type.is_dir() {
            fs::create_dir_all(&target)
        } else if file_type.is_symlink() {
            fs::read_link(entry.path()).and_then(|link| std::os::unix::fs::symlink(link, &target))
        } else {
            fs::copy(entry.path(), &target).map(|_| ())
        };
        result.unwrap_or_else(|e| {
            panic!(
                "cannot copy {} to {}: {e}",
                entry.path().display(),
                target.display()
            )
        });
    }
}

/// Writes `content` to `path` (creating its directory) through a temporary file and a
/// rename, so a reader never sees half a file.
pub fn write_file(path: &Path, content: &str) {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .unwrap_or_else(|e| panic!("cannot create a file in {}: {e}", dir.display()));
    file.write_all(content.as_bytes())
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    file.persist(path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// The Maven 3.9 installation the effective-POM tests also compare with: downloaded
/// from Maven Central once per checkout (`org.apache.maven:apache-maven:3.9.16:tar.gz:bin`,
/// with `mvn dependency:copy`) and unpacked next to the seed. Returns its `bin/mvn`.
pub fn maven_39() -> PathBuf {
    static READY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let ready = READY.get_or_init(|| {
        let base = target_tmpdir().join(format!("maven-{MAVEN_39}"));
        fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
        let lock = open_lock(&base);
        lock.lock()
            .map_err(|e| format!("cannot lock {}: {e}", base.display()))?;
        let home = base.join(format!("apache-maven-{MAVEN_39}"));
        let mvn = home.join("bin").join("mvn");
        if !is_executable(&mvn) {
            download_maven_39(&base)?;
        }
        if is_executable(&mvn) {
            Ok(mvn)
        } else {
            Err(format!("{} is missing after unpacking", mvn.display()))
        }
    });
    match ready {
        Ok(mvn) => mvn.clone(),
        Err(e) => panic!("Maven {MAVEN_39} is not available: {e}"),
    }
}

fn download_maven_39(base: &Path) -> Result<(), String> {
    let repository = base.join("download-repository");
    let settings = base.join("settings.xml");
    write_file(&settings, EMPTY_SETTINGS);
    let artifact = format!("-Dartifact=org.apache.maven:apache-maven:{MAVEN_39}:tar.gz:bin");
    let output = isolated_mvn(base, &repository, &settings)
        .args([
            "--no-transfer-progress",
            "org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy",
            artifact.as_str(),
            &format!("-DoutputDirectory={}", base.display()),
        ])
        .output()
        .map_err(|e| format!("cannot start Maven: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "downloading Maven {MAVEN_39} from Maven Central failed (check the network):\n{}",
            output_text(&output)
        ));
    }
    let archive = base.join(format!("apache-maven-{MAVEN_39}-bin.tar.gz"));
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&archive)
        .arg("-C")
        .arg(base)
        .status()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !status.success() {
        return Err(format!("tar could not unpack {}", archive.display()));
    }
    let _ = fs::remove_dir_all(&repository);
    Ok(())
}

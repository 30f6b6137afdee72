//! The team's remote repository, for real: an HTTP Maven repository on a loopback port
//! (Debian's nginx with its WebDAV module accepting authenticated `PUT`, as Maven's
//! documentation describes hosting a repository on a web server), real `mvn deploy`
//! into it, and two "runners" — two checkouts, two local repositories — that check,
//! reuse and rebuild through it (issue 15).
//!
//! nginx is required, as Maven is: `.ci/run` installs it, and a test fails (never
//! skips) without it.

use crate::common::{self, DEPLOY_PLUGIN_VERSION, LocalRepo, Project};
use crate::{m2fresh_in, run, run_json};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The user and password of the test server's `<server>`.
pub const USER: &str = "ci-runner";
/// A password distinctive enough to search for in every output and file.
pub const PASSWORD: &str = "pw-7f3a9c-never-shown";

/// An nginx serving `www/` on a loopback port: `GET` for everyone who authenticates,
/// `PUT` (with the directories created) for the same user, stopped on drop.
pub struct RepoServer {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    scheme: &'static str,
}

/// The nginx program; fails the test when it is missing.
fn require_nginx() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")])
        .map(|d| d.join("nginx"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "nginx is required for the remote repository tests (an HTTP Maven repository \
                 accepting PUT). Debian/Ubuntu: `apt-get install nginx` (its WebDAV \
                 module is built in); `.ci/run` installs it."
            )
        })
}

impl RepoServer {
    /// A plain HTTP server.
    pub fn start() -> RepoServer {
        RepoServer::start_with(None)
    }

    /// An HTTPS server with this certificate and key (PEM files).
    pub fn start_tls(cert: &Path, key: &Path) -> RepoServer {
        RepoServer::start_with(Some((cert, key)))
    }

    fn start_with(tls: Option<(&Path, &Path)>) -> RepoServer {
        let nginx = require_nginx();
        let dir = tempfile::Builder::new()
            .prefix("m2fresh-nginx-")
            .tempdir()
            .unwrap_or_else(|e| panic!("cannot create a temporary directory: {e}"));
        for sub in ["www/repo", "tmp"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap_or_else(|e| panic!("{sub}: {e}"));
        }
        common::write_file(
            &dir.path().join("htpasswd"),
            &format!("{USER}:{{PLAIN}}{PASSWORD}\n"),
        );
        for attempt in 0..5 {
            let port = free_port();
            let conf = dir.path().join("nginx.conf");
            common::write_file(&conf, &config(dir.path(), port, tls));
            let log = fs::File::create(dir.path().join("stderr.log"))
                .unwrap_or_else(|e| panic!("cannot create the nginx log: {e}"));
            let mut child = Command::new(&nginx)
                .arg("-e")
                .arg(dir.path().join("error.log"))
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", nginx.display()));
            if wait_listening(port, &mut child) {
                return RepoServer {
                    child,
                    dir,
                    port,
                    scheme: if tls.is_some() { "https" } else { "http" },
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            if attempt == 4 {
                let err = fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                panic!("nginx did not start:\n{err}");
            }
        }
        unreachable!("the loop returns or panics")
    }

    /// The URL of a repository below the server's `/repo/` (`snapshots`, `releases`).
    pub fn url(&self, repository: &str) -> String {
        format!(
            "{}://127.0.0.1:{}/repo/{repository}",
            self.scheme, self.port
        )
    }

    /// The file on disk behind a repository path.
    pub fn file(&self, repository: &str, path: &str) -> PathBuf {
        self.dir.path().join("www/repo").join(repository).join(path)
    }

    /// The server's access log: one line per request.
    pub fn requests(&self) -> Vec<String> {
        fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Every file the server holds, as text where it is text.
    pub fn all_text(&self) -> String {
        let mut out = String::new();
        for entry in walkdir::WalkDir::new(self.dir.path().join("www")) {
            let Ok(entry) = entry else { continue };
            if entry.file_type().is_file() {
                out.push_str(&String::from_utf8_lossy(
                    &fs::read(entry.path()).unwrap_or_default(),
                ));
            }
        }
        out
    }
}

impl Drop for RepoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap_or_else(|e| panic!("cannot bind a loopback port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("no local address: {e}"))
        .port()
}

/// Whether nginx accepts connections on `port` within five seconds (and is still alive).
fn wait_listening(port: u16, child: &mut Child) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn config(dir: &Path, port: u16, tls: Option<(&Path, &Path)>) -> String {
    let d = dir.display();
    let (listen, certs) = match tls {
        Some((cert, key)) => (
            format!("127.0.0.1:{port} ssl"),
            format!(
                "ssl_certificate {};\n    ssl_certificate_key {};",
                cert.display(),
                key.display()
            ),
        ),
        None => (format!("127.0.0.1:{port}"), String::new()),
    };
    // Running as root, the one process stays root (no workers switching to `nobody`),
    // so it can write the temporary directory it was given.
    let user = if is_root() { "user root;\n" } else { "" };
    format!(
        "{user}daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log {d}/access.log;
  client_body_temp_path {d}/tmp/body;
  proxy_temp_path {d}/tmp/proxy;
  fastcgi_temp_path {d}/tmp/fastcgi;
  uwsgi_temp_path {d}/tmp/uwsgi;
  scgi_temp_path {d}/tmp/scgi;
  client_max_body_size 256m;
  server {{
    listen {listen};
    {certs}
    root {d}/www;
    location /repo/ {{
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
      auth_basic \"team repository\";
      auth_basic_user_file {d}/htpasswd;
    }}
  }}
}}
"
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Settings with the server's credentials under `<server><id>team</id>`, for Maven and
/// m2fresh alike (the local repository's `-s` file).
pub fn write_team_settings(repo: &LocalRepo) {
    common::write_file(
        repo.settings(),
        &format!(
            "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.2.0\">\n  <servers>\n    \
             <server><id>team</id><username>{USER}</username><password>{PASSWORD}</password>\
             </server>\n  </servers>\n</settings>\n"
        ),
    );
}

/// The story's fixture, deploying to `server` (`<distributionManagement>` in the parent
/// POM, with the seed's maven-deploy-plugin pinned).
pub fn team_project(server: &RepoServer) -> Project {
    let project = Project::copy_fixture("xuecheng");
    let pom = project.path("xc-framework-parent/pom.xml");
    let text = fs::read_to_string(&pom).unwrap_or_else(|e| panic!("{}: {e}", pom.display()));
    let dm = format!(
        "<distributionManagement>\n    <repository><id>team</id><url>{}</url></repository>\n    \
         <snapshotRepository><id>team</id><url>{}</url></snapshotRepository>\n  \
         </distributionManagement>\n\n  <build>",
        server.url("releases"),
        server.url("snapshots")
    );
    let plugin = format!(
        "<plugin>\n          <groupId>org.apache.maven.plugins</groupId>\n          \
         <artifactId>maven-deploy-plugin</artifactId>\n          \
         <version>{DEPLOY_PLUGIN_VERSION}</version>\n        </plugin>\n      </plugins>\n    \
         </pluginManagement>"
    );
    let text = text.replacen("<build>", &dm, 1).replacen(
        "</plugins>\n    </pluginManagement>",
        &plugin,
        1,
    );
    assert!(
        text.contains("maven-deploy-plugin"),
        "the parent POM was patched"
    );
    common::write_file(&pom, &text);
    project
}

/// A runner: its own local repository (plugins from the seed) with the team's settings.
pub fn runner() -> LocalRepo {
    let repo = LocalRepo::new();
    write_team_settings(&repo);
    repo
}

const API_SOURCE: &str =
    "xc-service-api/src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java";

fn change_api(project: &Project) {
    let path = project.path(API_SOURCE);
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let changed = text.replace("\"/cms/page\"", "\"/api/cms/page\"");
    assert_ne!(changed, text, "the API prefix is in the source");
    common::write_file(&path, &changed);
}

fn with_status<'a>(doc: &'a Value, status: &str) -> Vec<&'a str> {
    doc["modules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["status"] == status)
        .filter_map(|m| m["id"].as_str())
        .map(|id| id.trim_start_matches("com.xuecheng:"))
        .collect()
}

fn results(doc: &Value) -> Vec<(String, String)> {
    doc["modules"]
        .as_array()
        .unwrap_or_else(|| panic!("no modules: {doc}"))
        .iter()
        .map(|m| {
            let id = m["id"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("com.xuecheng:");
            (
                id.to_string(),
                m["result"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// The story across two machines (issue 15's "done when"): runner A deploys everything;
/// the API module's source changes; runner B's `check --remote` names exactly the API
/// and the service as stale, with evidence, without downloading a jar; B's `install
/// --from-remote` downloads the four unchanged modules and builds only those two; after
/// A deploys the change, B's `check --remote` is fresh.
#[test]
fn the_story_across_two_runners() {
    let server = RepoServer::start();
    let a = team_project(&server);
    let repo_a = runner();
    let b = Project::copy_of(&a);
    let repo_b = runner();
    let target = "xc-service-portalview";

    // Runner A deploys everything its service needs.
    let (code, deployed) =
        run_json(m2fresh_in(&a.root, &repo_a).args(["deploy", target, "-j", "2"]));
    assert_eq!(code, 0, "{deployed:#}");
    assert_eq!(deployed["remote"][0]["id"], "team");
    for (id, result) in results(&deployed) {
        assert_eq!(result, "deployed", "{id}: {deployed:#}");
    }
    let api = deployed["modules"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["id"] == "com.xuecheng:xc-service-api"))
        .unwrap_or_else(|| panic!("api deployed: {deployed:#}"));
    let version = api["version"].as_str().unwrap_or_default();
    assert!(
        version.starts_with("1.0-2") && !version.ends_with("SNAPSHOT"),
        "{version}"
    );
    let stamp = server.file(
        "snapshots",
        &format!("com/xuecheng/xc-service-api/1.0-SNAPSHOT/xc-service-api-{version}.m2fresh.json"),
    );
    assert!(stamp.is_file(), "the stamp is beside the timestamped build");
    assert_eq!(
        api["stamp"],
        Value::from(format!(
            "{}/com/xuecheng/xc-service-api/1.0-SNAPSHOT/xc-service-api-{version}.m2fresh.json",
            server.url("snapshots")
        ))
    );

    // The API changes; runner B (another checkout, another local repository) asks.
    change_api(&b);
    let before = server.requests().len();
    let (code, check) = run_json(m2fresh_in(&b.root, &repo_b).args(["check", target, "--remote"]));
    assert_eq!(code, 1);
    assert_eq!(
        with_status(&check, "stale"),
        vec!["xc-service-api", "xc-service-portalview"],
        "{check:#}"
    );
    assert_eq!(with_status(&check, "fresh").len(), 4, "{check:#}");
    let evidence = |id: &str| -> Vec<(String, String)> {
        check["modules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["id"] == format!("com.xuecheng:{id}"))
            .flat_map(|m| m["evidence"].as_array().cloned().unwrap_or_default())
            .map(|e| {
                (
                    e["kind"].as_str().unwrap_or("").to_string(),
                    e["path"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    assert_eq!(
        evidence("xc-service-api"),
        vec![(
            "file-changed".to_string(),
            "src/main/java/com/xuecheng/api/cms/CmsPageControllerApi.java".to_string()
        )]
    );
    assert_eq!(
        evidence("xc-service-portalview"),
        vec![(
            "upstream-changed".to_string(),
            "com.xuecheng:xc-service-api".to_string()
        )]
    );
    let downloads: Vec<String> = server.requests()[before..]
        .iter()
        .filter(|l| l.contains(".jar ") && !l.contains(".jar.sha1"))
        .cloned()
        .collect();
    assert!(
        downloads.is_empty(),
        "checksums suffice, no jar is read: {downloads:?}"
    );

    // `why` and `plan` answer against the remote repository too.
    let (code, why) = run_json(m2fresh_in(&b.root, &repo_b).args([
        "why",
        "xc-service-api",
        "--target",
        target,
        "--remote",
    ]));
    assert_eq!(code, 1);
    assert_eq!(why["module"]["status"], "stale", "{why:#}");
    assert_eq!(why["remote"][0]["id"], "team");
    assert_eq!(why["path"][0]["to"], "com.xuecheng:xc-service-api");
    assert!(
        why["module"]["deployed"]["stamp"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(".m2fresh.json")),
        "{why:#}"
    );
    let (code, plan) = run_json(m2fresh_in(&b.root, &repo_b).args(["plan", target, "--remote"]));
    assert_eq!(code, 0);
    let planned: Vec<&str> = plan["install"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(
        planned,
        vec![
            "com.xuecheng:xc-service-api",
            "com.xuecheng:xc-service-portalview"
        ],
        "{plan:#}"
    );

    // B reuses what matches and builds the rest.
    let (code, installed) =
        run_json(m2fresh_in(&b.root, &repo_b).args(["install", target, "--from-remote"]));
    assert_eq!(code, 0, "{installed:#}");
    let mut got = results(&installed);
    got.sort();
    assert_eq!(
        got,
        [
            ("xc-framework-common", "downloaded"),
            ("xc-framework-model", "downloaded"),
            ("xc-framework-parent", "downloaded"),
            ("xc-framework-utils", "downloaded"),
            ("xc-service-api", "installed"),
            ("xc-service-portalview", "installed"),
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let (code, local) = run_json(m2fresh_in(&b.root, &repo_b).args(["check", target]));
    assert_eq!(
        (code, with_status(&local, "fresh").len()),
        (0, 6),
        "{local:#}"
    );
    // What B downloaded is what A built, byte for byte.
    let jar = |r: &LocalRepo| {
        fs::read(r.artifact("com.xuecheng", "xc-framework-model", "1.0-SNAPSHOT", "jar"))
            .unwrap_or_default()
    };
    assert_eq!(jar(&repo_a), jar(&repo_b));

    // A deploys the change: exactly the two modules; then B's check is fresh.
    change_api(&a);
    let (code, again) = run_json(m2fresh_in(&a.root, &repo_a).args(["deploy", target]));
    assert_eq!(code, 0, "{again:#}");
    assert_eq!(
        results(&again),
        [
            ("xc-service-api", "deployed"),
            ("xc-service-portalview", "deployed")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let (code, check) = run_json(m2fresh_in(&b.root, &repo_b).args(["check", target, "--remote"]));
    assert_eq!(
        (code, with_status(&check, "fresh").len()),
        (0, 6),
        "{check:#}"
    );
    let (code, text, _) = run(m2fresh_in(&b.root, &repo_b).args(["check", target, "--remote"]));
    assert_eq!(code, 0);
    assert!(
        text.contains("remote repository: team (http://127.0.0.1:"),
        "{text}"
    );

    // The credentials reached the server, and nothing else.
    assert!(
        !server.all_text().contains(PASSWORD),
        "no stamp or file holds the password"
    );
    assert!(!format!("{deployed}{check}{installed}").contains(PASSWORD));
}

/// The version a `deploy` document says a module was deployed as.
fn deployed_version(doc: &Value, id: &str) -> String {
    doc["modules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["id"] == format!("com.xuecheng:{id}"))
        .and_then(|m| m["version"].as_str())
        .unwrap_or_else(|| panic!("{id} not deployed: {doc:#}"))
        .to_string()
}

fn module<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["modules"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| m["id"] == format!("com.xuecheng:{id}"))
        .unwrap_or_else(|| panic!("{id} not in {doc:#}"))
}

/// One SNAPSHOT, several builds: each stamp is bound to its own timestamped build, so a
/// build deployed by something else is `unverified` (and `stale` when its jar
/// contradicts the sources), never fresh through another build's stamp; a later m2fresh
/// deploy stamps its own build without touching the first stamp; an artifact replaced on
/// the server behind m2fresh's back is `foreign`.
#[test]
fn every_build_of_a_snapshot_has_its_own_stamp() {
    let server = RepoServer::start();
    let a = team_project(&server);
    let b = Project::copy_of(&a);
    let (repo_a, repo_b) = (runner(), runner());
    let model = "xc-framework-model";
    let snapshots = |file: &str| {
        server.file(
            "snapshots",
            &format!("com/xuecheng/{model}/1.0-SNAPSHOT/{model}-{file}"),
        )
    };

    let (code, first) = run_json(m2fresh_in(&a.root, &repo_a).args(["deploy", model]));
    assert_eq!(code, 0, "{first:#}");
    let v1 = deployed_version(&first, model);
    // Another runner deploys the same SNAPSHOT with plain Maven: a new build, no stamp.
    std::thread::sleep(Duration::from_millis(1100));
    common::run_mvn_ok(&b.path(model), &repo_b, &["deploy", "-DskipTests"]);
    let (code, check) = run_json(m2fresh_in(&b.root, &repo_b).args(["check", model, "--remote"]));
    assert_eq!(code, 1);
    let m = module(&check, model);
    assert_eq!(m["status"], "unverified", "{check:#}");
    assert_ne!(
        m["deployed"]["version"].as_str(),
        Some(v1.as_str()),
        "the newest build"
    );
    assert!(
        snapshots(&format!("{v1}.m2fresh.json")).is_file(),
        "the first stamp stays"
    );

    // Sources the unstamped jar does not have: evidence from the jar, as locally.
    common::write_file(
        &b.path(format!(
            "{model}/src/main/java/com/xuecheng/framework/model/Added.java"
        )),
        "package com.xuecheng.framework.model;\npublic class Added {}\n",
    );
    let (code, check) = run_json(m2fresh_in(&b.root, &repo_b).args(["check", model, "--remote"]));
    assert_eq!(code, 1);
    let m = module(&check, model);
    assert_eq!(m["status"], "stale", "{check:#}");
    assert_eq!(m["evidence"][0]["kind"], "missing-class", "{check:#}");

    // Runner A deploys again: its own build, its own stamp, the first one untouched.
    let (code, second) = run_json(m2fresh_in(&a.root, &repo_a).args(["deploy", model]));
    assert_eq!(code, 0, "{second:#}");
    let v3 = deployed_version(&second, model);
    assert_ne!(v1, v3);
    assert!(snapshots(&format!("{v1}.m2fresh.json")).is_file());
    assert!(snapshots(&format!("{v3}.m2fresh.json")).is_file());
    let (code, check) = run_json(m2fresh_in(&a.root, &repo_a).args(["check", model, "--remote"]));
    assert_eq!(
        (code, with_status(&check, "fresh").len()),
        (0, 2),
        "{check:#}"
    );

    // Someone overwrites the deployed jar (and its checksum) on the server.
    let jar = snapshots(&format!("{v3}.jar"));
    let mut bytes = fs::read(&jar).unwrap_or_default();
    bytes.extend_from_slice(b"tampered");
    fs::write(&jar, &bytes).unwrap_or_else(|e| panic!("{e}"));
    let sha1 = {
        use sha1::Digest as _;
        sha1::Sha1::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    fs::write(snapshots(&format!("{v3}.jar.sha1")), sha1).unwrap_or_else(|e| panic!("{e}"));
    let (code, check) = run_json(m2fresh_in(&a.root, &repo_a).args(["check", model, "--remote"]));
    assert_eq!(code, 1);
    let m = module(&check, model);
    assert_eq!(m["status"], "foreign", "{check:#}");
    assert_eq!(m["evidence"][0]["kind"], "artifact-replaced", "{check:#}");
    // `install --from-remote` does not take it: it builds instead.
    let fresh_repo = runner();
    let (code, installed) =
        run_json(m2fresh_in(&a.root, &fresh_repo).args(["install", model, "--from-remote"]));
    assert_eq!(code, 0, "{installed:#}");
    assert_eq!(
        results(&installed),
        [
            ("xc-framework-parent", "downloaded"),
            ("xc-framework-model", "installed")
        ]
        .map(|(a, b)| (a.to_string(), b.to_string()))
    );
}

/// Nothing listens: a clear error (exit 2), never `fresh`.
#[test]
fn an_unreachable_repository_is_an_error_never_fresh() {
    let project = Project::copy_fixture("xuecheng");
    let repo = LocalRepo::empty();
    let url = format!("http://127.0.0.1:{}/repo", free_port());
    let (code, _, stderr) = run(m2fresh_in(&project.root, &repo).args([
        "check",
        "xc-framework-model",
        "--remote",
        &url,
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot reach repository url"), "{stderr}");
    let (code, doc) = run_json(m2fresh_in(&project.root, &repo).args([
        "check",
        "xc-framework-model",
        "--remote",
        &url,
    ]));
    assert_eq!(code, 2);
    assert_eq!(
        doc["error"]["code"], "m2fresh::remote::unreachable",
        "{doc:#}"
    );
    // No distributionManagement and no --remote value: told what to add.
    let (code, _, stderr) =
        run(m2fresh_in(&project.root, &repo).args(["check", "xc-framework-model", "--remote"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("has no <distributionManagement>"),
        "{stderr}"
    );
}

/// Credentials go to the server and nowhere else; a refusal says what to fix; plain
/// HTTP to another machine and credentials in URLs are refused before any request.
#[test]
fn credentials_are_sent_and_never_shown() {
    let server = RepoServer::start();
    let project = team_project(&server);
    let target = "xc-framework-model";
    let good = runner();
    let (code, doc) =
        run_json(m2fresh_in(&project.root, &good).args(["check", target, "--remote"]));
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(with_status(&doc, "missing").len(), 2, "{doc:#}");

    let wrong = LocalRepo::empty();
    let wrong_password = "wrong-6e1d-never-shown";
    common::write_file(
        wrong.settings(),
        &format!(
            "<settings><servers><server><id>team</id><username>{USER}</username>\
             <password>${{env.TEAM_PASSWORD}}</password></server></servers></settings>"
        ),
    );
    let (code, stdout, stderr) = run(m2fresh_in(&project.root, &wrong)
        .env("TEAM_PASSWORD", wrong_password)
        .args(["check", target, "--remote", "-v"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("answered 401"), "{stderr}");
    assert!(
        stderr.contains("credentials in settings.xml were refused"),
        "{stderr}"
    );
    assert!(
        !format!("{stdout}{stderr}").contains(wrong_password),
        "{stderr}"
    );

    let none = LocalRepo::empty();
    let (code, _, stderr) =
        run(m2fresh_in(&project.root, &none).args(["check", target, "--remote"]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("add a <server> with this repository's id"),
        "{stderr}"
    );

    let (code, _, stderr) = run(m2fresh_in(&project.root, &good).args([
        "check",
        target,
        "--remote",
        "http://repo.example.invalid/snapshots",
    ]));
    assert_eq!(code, 2);
    assert!(stderr.contains("plain HTTP to another machine"), "{stderr}");
    let (code, _, stderr) = run(m2fresh_in(&project.root, &good).args([
        "check",
        target,
        "--remote",
        "https://ci:hunter2-in-url@repo.example.invalid/snapshots",
    ]));
    assert_eq!(code, 2);
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(
        stderr.contains("user information in a repository URL is refused"),
        "{stderr}"
    );
    assert!(!server.all_text().contains(PASSWORD));
}

/// A company CA and a server certificate it signed for 127.0.0.1: (CA, certificate,
/// key), PEM files made with openssl.
fn company_ca(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let f = |name: &str| dir.join(name);
    common::write_file(&f("ext.cnf"), "subjectAltName=IP:127.0.0.1\n");
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=m2fresh test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "key.pem",
            "-out",
            "leaf.csr",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
            "-out",
            "cert.pem",
        ],
    ];
    for args in steps {
        let out = Command::new("openssl")
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("openssl is required for this test (apt-get install openssl): {e}")
            });
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (f("ca.pem"), f("cert.pem"), f("key.pem"))
}

/// TLS is verified: a server whose certificate no trusted CA signed is refused, and
/// trusted once its CA is named by `SSL_CERT_FILE`.
#[test]
fn tls_is_verified() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (ca, cert, key) = company_ca(dir.path());
    let server = RepoServer::start_tls(&cert, &key);
    let project = Project::copy_fixture("xuecheng");
    let repo = runner();
    let url = format!("team::{}", server.url("snapshots"));
    let (code, _, stderr) = run(m2fresh_in(&project.root, &repo).args([
        "check",
        "xc-framework-parent",
        "--remote",
        &url,
    ]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    let (code, doc) = run_json(
        m2fresh_in(&project.root, &repo)
            .env("SSL_CERT_FILE", &ca)
            .args(["check", "xc-framework-parent", "--remote", &url]),
    );
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(with_status(&doc, "missing"), vec!["xc-framework-parent"]);
}

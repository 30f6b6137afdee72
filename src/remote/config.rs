//! Which remote repository, at which URL, with which credentials — read from where Maven
//! reads it, so that a CI job needs no configuration of m2fresh's own:
//!
//! - the POM's `<distributionManagement>`: `<snapshotRepository>` for a SNAPSHOT (else
//!   `<repository>`, as `maven-deploy-plugin` falls back), inherited along the module's
//!   lineage element by element, its URL interpolated with the `-D` properties, the
//!   model's properties and the system properties (`env.*` among them);
//! - the POM's `<repositories>` and those of the active profiles of `settings.xml`
//!   (`<activeProfiles>`, `-P`, `activeByDefault`), for `--remote ID` naming a repository
//!   Maven reads from; a `<mirror>` whose `mirrorOf` matches such a repository replaces
//!   it (mirrors never apply to `<distributionManagement>`, as in Maven);
//! - `settings.xml`'s `<servers>`: the `<username>`/`<password>` and the `httpHeaders` of
//!   the server whose `<id>` is the repository's (or the mirror's) id, interpolated like
//!   every settings value (`${env.DEPLOY_TOKEN}`), user settings over global ones.
//!
//! Credentials are [`Credentials`]: their `Debug` shows no secret, and nothing in m2fresh
//! formats them into a message, a log, a stamp or a JSON document.

use crate::freshness::status::RepositoryInfo;
use crate::maven::model::interpolate::{OnCycle, expand_simple};
use crate::maven::settings::SettingsFiles;
use crate::maven::workspace::{Module, ModuleId, Workspace};
use crate::maven::xml::{self, Element};
use crate::remote::RemoteError;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What `--remote` names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RemoteSpec {
    /// The POM's `<distributionManagement>` repository for the version's kind.
    #[default]
    Deployment,
    /// A repository id (settings or POM), a URL, or `ID::URL` (a URL with the id whose
    /// `<server>` has its credentials, as Maven's `altDeploymentRepository`).
    Named(String),
}

impl RemoteSpec {
    /// `--remote` as given: empty for the deployment repository.
    pub fn parse(value: &str) -> RemoteSpec {
        if value.trim().is_empty() {
            RemoteSpec::Deployment
        } else {
            RemoteSpec::Named(value.trim().to_string())
        }
    }
}

/// A secret value: shown as `***` by `Debug`, never serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret itself, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// What a `<server>` gives to requests: Basic authentication and extra headers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Credentials {
    /// `<username>`.
    pub username: Option<String>,
    /// `<password>`.
    pub password: Option<Secret>,
    /// `<configuration><httpHeaders>`: name and (secret) value, e.g. GitLab's
    /// `Job-Token`.
    pub headers: Vec<(String, Secret)>,
}

/// One remote repository, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Repository {
    /// Its id (the `<server>` whose credentials it uses); `url` for a bare URL.
    pub id: String,
    /// Its root URL, without a trailing `/` and without user information.
    pub url: String,
    /// Where it was found (`distributionManagement`, `settings`, `pom`, `mirror`,
    /// `command line`).
    pub source: String,
    /// Its credentials, when a `<server>` has them.
    #[serde(skip)]
    pub credentials: Option<Credentials>,
}

impl Repository {
    /// The URL of a path below the root.
    pub fn url_of(&self, path: &str) -> String {
        format!("{}/{}", self.url, path.trim_start_matches('/'))
    }
}

/// A `<server>` of `settings.xml`.
#[derive(Clone, Debug, Default)]
struct Server {
    username: Option<String>,
    password: Option<String>,
    headers: Vec<(String, String)>,
}

/// A `<mirror>` of `settings.xml`.
#[derive(Clone, Debug)]
struct Mirror {
    id: String,
    url: String,
    mirror_of: String,
}

/// The repositories and credentials of the settings files.
#[derive(Clone, Debug, Default)]
pub struct RemoteSettings {
    servers: BTreeMap<String, Server>,
    mirrors: Vec<Mirror>,
    /// `<repositories>` of the active settings profiles: id → URL.
    repositories: Vec<(String, String)>,
}

impl RemoteSettings {
    /// Reads the servers, mirrors and active profiles' repositories of the settings files:
    /// the user's dominate the global ones (by id), values are interpolated with
    /// `lookup` (user properties, then system properties and `env.*`), and a profile is
    /// active by `<activeProfiles>`, by `active_ids` (`-P`) or `activeByDefault`.
    pub fn read(
        files: &SettingsFiles,
        lookup: &dyn Fn(&str) -> Option<String>,
        active_ids: &[String],
    ) -> Result<RemoteSettings, RemoteError> {
        let mut out = RemoteSettings::default();
        for path in [files.user.as_deref(), files.global.as_deref()]
            .into_iter()
            .flatten()
        {
            let Some(root) = read_settings(path)? else {
                continue;
            };
            out.merge(&root, lookup, active_ids);
        }
        Ok(out)
    }

    /// Adds what one settings file has that the ones read before do not.
    fn merge(&mut self, root: &Element, lookup: &dyn Fn(&str) -> Option<String>, ids: &[String]) {
        let i = |e: Option<&Element>| e.map(|e| interpolate(&e.text, lookup));
        for s in children(root, "servers", "server") {
            let Some(id) = i(s.child("id")) else { continue };
            let headers = s
                .child("configuration")
                .and_then(|c| c.child("httpHeaders"))
                .into_iter()
                .flat_map(|h| h.children_named("property"))
                .filter_map(|p| Some((i(p.child("name"))?, i(p.child("value"))?)))
                .collect();
            self.servers.entry(id).or_insert(Server {
                username: i(s.child("username")),
                password: i(s.child("password")),
                headers,
            });
        }
        for m in children(root, "mirrors", "mirror") {
            let (Some(id), Some(url)) = (i(m.child("id")), i(m.child("url"))) else {
                continue;
            };
            if self.mirrors.iter().any(|x| x.id == id) {
                continue;
            }
            let mirror_of = i(m.child("mirrorOf")).unwrap_or_default();
            self.mirrors.push(Mirror { id, url, mirror_of });
        }
        let listed: Vec<String> = children(root, "activeProfiles", "activeProfile")
            .map(|e| interpolate(&e.text, lookup))
            .collect();
        for p in children(root, "profiles", "profile") {
            let id = i(p.child("id")).unwrap_or_else(|| "default".into());
            let by_default = p
                .child("activation")
                .and_then(|a| a.child("activeByDefault"))
                .is_some_and(|e| e.text.eq_ignore_ascii_case("true"));
            if !(by_default || listed.contains(&id) || ids.contains(&id)) {
                continue;
            }
            for r in children(p, "repositories", "repository") {
                if let (Some(id), Some(url)) = (i(r.child("id")), i(r.child("url")))
                    && !self.repositories.iter().any(|(x, _)| *x == id)
                {
                    self.repositories.push((id, url));
                }
            }
        }
    }

    /// The credentials of the server with this id.
    pub fn credentials(&self, id: &str) -> Result<Option<Credentials>, RemoteError> {
        let Some(s) = self.servers.get(id) else {
            return Ok(None);
        };
        let encrypted = |v: &str| v.starts_with('{') && v.ends_with('}') && v.len() > 2;
        if s.password.as_deref().is_some_and(encrypted)
            || s.headers.iter().any(|(_, v)| encrypted(v))
        {
            return Err(RemoteError::EncryptedPassword { server: id.into() });
        }
        Ok(Some(Credentials {
            username: s.username.clone(),
            password: s.password.clone().map(Secret),
            headers: s
                .headers
                .iter()
                .map(|(n, v)| (n.clone(), Secret(v.clone())))
                .collect(),
        }))
    }

    /// The mirror Maven would use instead of the repository `id` at `url`, if any: an
    /// exact id in `mirrorOf` beats a pattern (`*`, `external:*`, lists, `!id`).
    fn mirror_for(&self, id: &str, url: &str) -> Option<&Mirror> {
        self.mirrors
            .iter()
            .find(|m| m.mirror_of.split(',').any(|p| p.trim() == id))
            .or_else(|| {
                self.mirrors
                    .iter()
                    .find(|m| mirror_matches(&m.mirror_of, id, url))
            })
    }
}

/// Maven's `DefaultMirrorSelector.matchPattern` for `mirrorOf`.
fn mirror_matches(pattern: &str, id: &str, url: &str) -> bool {
    let external = !is_local_url(url);
    let mut result = false;
    for p in pattern.split(',').map(str::trim) {
        if let Some(excluded) = p.strip_prefix('!') {
            if excluded == id {
                return false;
            }
            continue;
        }
        result |= p == id
            || p == "*"
            || (p == "external:*" && external)
            || (p == "external:http:*" && external && url.starts_with("http:"));
    }
    result
}

/// Whether a URL is on this machine (`localhost`, `127.*`, `file:`), as Maven's
/// `isExternalRepo` decides.
fn is_local_url(url: &str) -> bool {
    if url.starts_with("file:") {
        return true;
    }
    crate::remote::http::parse_url(url).is_ok_and(|u| u.is_loopback())
}

fn children<'a>(
    root: &'a Element,
    list: &'a str,
    item: &'a str,
) -> impl Iterator<Item = &'a Element> {
    root.child(list)
        .into_iter()
        .flat_map(move |l| l.children_named(item))
}

fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    expand_simple(text, lookup, OnCycle::KeepLiteral).unwrap_or_else(|_| text.to_string())
}

/// The most of a settings file m2fresh reads here (Maven reads the same file).
const MAX_SETTINGS_BYTES: u64 = 16 << 20;

fn read_settings(path: &Path) -> Result<Option<Element>, RemoteError> {
    let malformed = |message: String| RemoteError::Settings {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match crate::fsutil::read_record(path) {
        Ok(Some(b)) => b,
        Ok(None) => return Ok(None),
        Err(e) => return Err(malformed(e.to_string())),
    };
    if bytes.len() as u64 > MAX_SETTINGS_BYTES {
        return Err(malformed("larger than 16 MiB".into()));
    }
    let text = xml::decode(&bytes).map_err(malformed)?;
    let root = xml::parse(&text).map_err(|e| malformed(e.message))?;
    Ok(Some(root))
}

/// The `<distributionManagement>` and `<repositories>` of each module's lineage, read
/// from the POM texts the workspace holds.
pub struct PomRepositories<'a> {
    ws: &'a Workspace,
    texts: HashMap<PathBuf, std::sync::Arc<str>>,
}

impl<'a> PomRepositories<'a> {
    /// Indexes the POM texts of `ws`.
    pub fn new(ws: &'a Workspace) -> PomRepositories<'a> {
        let mut texts = HashMap::new();
        for i in 0..ws.sources.len() {
            let id = crate::maven::pom::SourceId(u32::try_from(i).unwrap_or(u32::MAX));
            if let Some(f) = ws.sources.get(id) {
                texts.insert(f.path.clone(), f.text.clone());
            }
        }
        PomRepositories { ws, texts }
    }

    fn lineage(&self, m: &Module) -> Vec<Element> {
        m.lineage
            .iter()
            .filter_map(|p| xml::parse(self.texts.get(p)?).ok())
            .collect()
    }

    /// The repository `mvn deploy` deploys `m` to: `snapshotRepository` for a SNAPSHOT
    /// (else `repository`), the nearest POM of the lineage that declares it winning.
    /// (id, URL), the URL interpolated.
    pub fn deployment(&self, m: &Module) -> Option<(String, String)> {
        let lineage = self.lineage(m);
        let find = |name: &str| {
            lineage
                .iter()
                .find_map(|pom| pom.child("distributionManagement")?.child(name))
        };
        let snapshot = m.gav.is_snapshot();
        let repo = snapshot
            .then(|| find("snapshotRepository"))
            .flatten()
            .or_else(|| find("repository"))?;
        let id = repo.child("id").map_or("", |e| e.text.as_str());
        let url = repo.child("url")?.text.as_str();
        Some((self.interpolate(m, id), self.interpolate(m, url)))
    }

    /// The `<repositories>` of the module's lineage: (id, URL).
    pub fn repositories(&self, m: &Module) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for pom in self.lineage(m) {
            for r in children(&pom, "repositories", "repository") {
                let (Some(id), Some(url)) = (r.child("id"), r.child("url")) else {
                    continue;
                };
                let id = self.interpolate(m, &id.text);
                if !out.iter().any(|(x, _)| *x == id) {
                    out.push((id, self.interpolate(m, &url.text)));
                }
            }
        }
        out
    }

    /// `${...}` in a POM value, as Maven's model interpolation sees it: `project.*`,
    /// then `-D` properties, the model's properties, system properties.
    fn interpolate(&self, m: &Module, text: &str) -> String {
        let a = &self.ws.context.activation;
        let lookup = |name: &str| -> Option<String> {
            let project = name
                .strip_prefix("project.")
                .or_else(|| name.strip_prefix("pom."));
            match project {
                Some("groupId") => return Some(m.gav.group_id.clone()),
                Some("artifactId") => return Some(m.gav.artifact_id.clone()),
                Some("version") => return Some(m.gav.version.clone()),
                Some("basedir") => return Some(m.dir.display().to_string()),
                _ => {}
            }
            a.user
                .get(name)
                .cloned()
                .or_else(|| m.effective.properties.get(name).map(|v| v.text.clone()))
                .or_else(|| a.system.get(name).cloned())
        };
        interpolate(text, &lookup)
    }
}

/// Resolves `spec` for one module: the repository its artifact is checked against (or
/// deployed to).
pub fn resolve_for(
    spec: &RemoteSpec,
    m: &Module,
    poms: &PomRepositories,
    settings: &RemoteSettings,
) -> Result<Repository, RemoteError> {
    let named = match spec {
        RemoteSpec::Deployment => {
            let (id, url) = poms
                .deployment(m)
                .ok_or_else(|| RemoteError::NoRepository {
                    module: m.key(),
                    pom: m.rel_pom.clone(),
                })?;
            return repository(id, &url, "distributionManagement", settings);
        }
        RemoteSpec::Named(name) => name,
    };
    if let Some((id, url)) = named.split_once("::") {
        // `id::url`, or Maven 2's `id::default::url`.
        let url = url.strip_prefix("default::").unwrap_or(url);
        return repository(id.to_string(), url, "command line", settings);
    }
    if named.contains("://") {
        // A bare URL: the id of a known repository with that URL gives its credentials.
        let wanted = normalize_url(named);
        let known = poms
            .deployment(m)
            .into_iter()
            .chain(poms.repositories(m))
            .chain(settings.repositories.iter().cloned())
            .find(|(_, url)| normalize_url(url) == wanted);
        let id = known.map_or_else(|| "url".to_string(), |(id, _)| id);
        return repository(id, named, "command line", settings);
    }
    if let Some((id, url)) = poms.deployment(m).filter(|(id, _)| id == named) {
        return repository(id, &url, "distributionManagement", settings);
    }
    let read_repo = poms
        .repositories(m)
        .into_iter()
        .map(|r| (r, "pom"))
        .chain(
            settings
                .repositories
                .iter()
                .cloned()
                .map(|r| (r, "settings")),
        )
        .find(|((id, _), _)| id == named);
    if let Some(((id, url), source)) = read_repo {
        if let Some(mirror) = settings.mirror_for(&id, &url) {
            return repository(mirror.id.clone(), &mirror.url, "mirror", settings);
        }
        return repository(id, &url, source, settings);
    }
    if let Some(mirror) = settings.mirrors.iter().find(|x| &x.id == named) {
        return repository(mirror.id.clone(), &mirror.url, "mirror", settings);
    }
    let mut known: Vec<String> = poms
        .deployment(m)
        .into_iter()
        .chain(poms.repositories(m))
        .chain(settings.repositories.iter().cloned())
        .map(|(id, _)| id)
        .chain(settings.mirrors.iter().map(|x| x.id.clone()))
        .collect();
    known.sort();
    known.dedup();
    Err(RemoteError::UnknownRepository {
        name: named.clone(),
        known,
    })
}

/// The repository of each module of a check or deploy.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    repositories: Vec<Repository>,
    by_module: HashMap<ModuleId, usize>,
}

impl Resolved {
    /// The repository of a module, when it was resolved.
    pub fn of(&self, id: ModuleId) -> Option<&Repository> {
        self.repositories.get(*self.by_module.get(&id)?)
    }

    /// The distinct repositories, in the order they were first needed.
    pub fn repositories(&self) -> &[Repository] {
        &self.repositories
    }
    /// The distinct repositories as reports list them (`"remote"`).
    pub fn infos(&self) -> Vec<RepositoryInfo> {
        self.repositories
            .iter()
            .map(|r| RepositoryInfo {
                id: r.id.clone(),
                url: r.url.clone(),
                source: r.source.clone(),
            })
            .collect()
    }
}

/// Resolves `spec` for each of `modules` (see [`resolve_for`]).
pub fn resolve(
    spec: &RemoteSpec,
    ws: &Workspace,
    modules: &[ModuleId],
    settings: &RemoteSettings,
) -> Result<Resolved, RemoteError> {
    let poms = PomRepositories::new(ws);
    let mut out = Resolved::default();
    for &id in modules {
        let repo = resolve_for(spec, ws.module(id), &poms, settings)?;
        let index = match out.repositories.iter().position(|r| *r == repo) {
            Some(i) => i,
            None => {
                out.repositories.push(repo);
                out.repositories.len() - 1
            }
        };
        out.by_module.insert(id, index);
    }
    Ok(out)
}

fn repository(
    id: String,
    url: &str,
    source: &str,
    settings: &RemoteSettings,
) -> Result<Repository, RemoteError> {
    let parsed = crate::remote::http::parse_url(url)?;
    Ok(Repository {
        credentials: settings.credentials(&id)?,
        id,
        url: parsed.to_string(),
        source: source.to_string(),
    })
}

fn normalize_url(url: &str) -> String {
    url.trim().trim_end_matches('/').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str, ids: &[&str]) -> RemoteSettings {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.xml");
        std::fs::write(&path, text).unwrap();
        let files = SettingsFiles {
            user: Some(path),
            global: None,
        };
        let lookup = |name: &str| (name == "env.TOKEN").then(|| "s3cret".to_string());
        let ids: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
        RemoteSettings::read(&files, &lookup, &ids).unwrap()
    }

    const SETTINGS: &str = r#"<settings>
      <servers>
        <server><id>team</id><username>ci</username><password>${env.TOKEN}</password></server>
        <server><id>gitlab</id><configuration><httpHeaders><property>
          <name>Job-Token</name><value>${env.TOKEN}</value></property></httpHeaders></configuration></server>
        <server><id>enc</id><username>u</username><password>{COQLCE6DU6GtcS5P=}</password></server>
      </servers>
      <mirrors>
        <mirror><id>all</id><url>https://nexus.example/repository/public</url><mirrorOf>*,!team</mirrorOf></mirror>
      </mirrors>
      <profiles>
        <profile><id>ci</id><repositories><repository><id>team</id>
          <url>https://nexus.example/repository/team/</url></repository></repositories></profile>
        <profile><id>off</id><repositories><repository><id>other</id>
          <url>https://other.example/</url></repository></repositories></profile>
      </profiles>
      <activeProfiles><activeProfile>ci</activeProfile></activeProfiles>
    </settings>"#;

    #[test]
    fn servers_give_credentials_that_never_show() {
        let s = settings(SETTINGS, &[]);
        let c = s.credentials("team").unwrap().unwrap();
        assert_eq!(c.username.as_deref(), Some("ci"));
        assert_eq!(c.password.as_ref().unwrap().expose(), "s3cret");
        let shown = format!("{c:?} {s:?}");
        assert!(!format!("{c:?}").contains("s3cret"), "{shown}");
        let g = s.credentials("gitlab").unwrap().unwrap();
        assert_eq!(g.headers[0].0, "Job-Token");
        assert_eq!(g.headers[0].1.expose(), "s3cret");
        assert!(matches!(
            s.credentials("enc"),
            Err(RemoteError::EncryptedPassword { .. })
        ));
        assert_eq!(s.credentials("nobody").unwrap(), None);
    }

    #[test]
    fn active_profiles_repositories_and_mirrors() {
        let s = settings(SETTINGS, &[]);
        assert_eq!(
            s.repositories,
            vec![(
                "team".to_string(),
                "https://nexus.example/repository/team/".to_string()
            )]
        );
        let with_p = settings(SETTINGS, &["off"]);
        assert_eq!(with_p.repositories.len(), 2);
        assert!(
            s.mirror_for("team", "https://nexus.example/x").is_none(),
            "!team"
        );
        assert_eq!(
            s.mirror_for("central", "https://repo.maven.apache.org/maven2")
                .map(|m| m.id.as_str()),
            Some("all")
        );
    }

    #[test]
    fn mirror_of_patterns_follow_maven() {
        assert!(mirror_matches("*", "a", "https://x"));
        assert!(mirror_matches("a,b", "b", "https://x"));
        assert!(!mirror_matches("*,!a", "a", "https://x"));
        assert!(mirror_matches("external:*", "a", "https://x"));
        assert!(!mirror_matches(
            "external:*",
            "a",
            "http://localhost:8080/r"
        ));
        assert!(!mirror_matches("external:*", "a", "http://127.0.0.1/r"));
        assert!(mirror_matches("external:http:*", "a", "http://x/r"));
        assert!(!mirror_matches("external:http:*", "a", "https://x/r"));
        assert!(!mirror_matches("b", "a", "https://x"));
    }

    #[test]
    fn a_spec_is_the_deployment_repository_an_id_or_a_url() {
        assert_eq!(RemoteSpec::parse(""), RemoteSpec::Deployment);
        assert_eq!(
            RemoteSpec::parse(" team "),
            RemoteSpec::Named("team".into())
        );
    }
}

//! Credentials for a registry, found as Docker finds them: `$DOCKER_CONFIG/config.json`
//! (else `~/.docker/config.json`) — a credential helper for the host (`credHelpers`), the
//! default store (`credsStore`), or an `auths` entry — else anonymous; and the
//! `WWW-Authenticate` challenges of the distribution API (Basic, Bearer with a token).
//!
//! A credential is a [`Secret`]: its `Debug` and `Display` print nothing of it, and no
//! error message or log line m2fresh writes contains one.

use super::RegistryError;
use crate::environment::Environment;
use base64::Engine as _;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The size limit of `config.json` and of a credential helper's answer.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Docker Hub's key in `config.json` and for credential helpers.
pub(crate) const DOCKER_HUB_KEY: &str = "https://index.docker.io/v1/";

/// A value that must never be shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// How m2fresh authenticates to one registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// No credentials: anonymous access (public repositories, a local test registry).
    Anonymous,
    /// A user name and a password (or a personal access token).
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: Secret,
    },
    /// An identity token (OAuth2 refresh token), exchanged for a bearer token.
    IdentityToken(Secret),
}

impl Credential {
    /// Where the credential came from, for messages (never the credential itself).
    pub fn kind(&self) -> &'static str {
        match self {
            Credential::Anonymous => "anonymous",
            Credential::Basic { .. } => "user and password",
            Credential::IdentityToken(_) => "identity token",
        }
    }

    pub(crate) fn basic_header(&self) -> Option<String> {
        match self {
            Credential::Basic { username, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", password.expose()))
            )),
            _ => None,
        }
    }
}

/// Docker's client configuration file for `env`: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
pub fn docker_config_path(env: &Environment) -> Option<PathBuf> {
    if let Some(dir) = env.var("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(Path::new(dir).join("config.json"));
    }
    env.home().map(|h| h.join(".docker").join("config.json"))
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default)]
    creds_store: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

/// `registry.example.com`, `https://registry.example.com/v1/` → `registry.example.com`.
fn normalize_key(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// The credential for `host` (`registry.example.com:5000`; `docker.io` for Docker Hub)
/// from the config file at `config` (a missing file: anonymous).
pub fn credential_for(
    host: &str,
    config: Option<&Path>,
    env: &Environment,
) -> Result<Credential, RegistryError> {
    let Some(path) = config else {
        return Ok(Credential::Anonymous);
    };
    let text = match read_bounded(path) {
        Ok(Some(text)) => text,
        Ok(None) => return Ok(Credential::Anonymous),
        Err(message) => {
            return Err(RegistryError::Credentials {
                path: path.to_path_buf(),
                message,
            });
        }
    };
    let file: ConfigFile = serde_json::from_str(&text).map_err(|e| RegistryError::Credentials {
        path: path.to_path_buf(),
        // serde_json's message names a position, never the content.
        message: format!("not a Docker config file: {e}"),
    })?;
    let hub = host == "docker.io" || host == "registry-1.docker.io";
    let key_matches = |key: &str| {
        let k = normalize_key(key);
        k == host || (hub && (k == "index.docker.io" || k == "docker.io"))
    };
    let server = if hub { DOCKER_HUB_KEY } else { host };
    if let Some((_, helper)) = file.cred_helpers.iter().find(|(k, _)| key_matches(k)) {
        return run_helper(helper, server, env);
    }
    if let Some(store) = file.creds_store.as_deref().filter(|s| !s.is_empty()) {
        let from_store = run_helper(store, server, env)?;
        if from_store != Credential::Anonymous {
            return Ok(from_store);
        }
    }
    let Some((_, entry)) = file.auths.iter().find(|(k, _)| key_matches(k)) else {
        return Ok(Credential::Anonymous);
    };
    entry_credential(entry).map_err(|message| RegistryError::Credentials {
        path: path.to_path_buf(),
        message,
    })
}

fn entry_credential(entry: &AuthEntry) -> Result<Credential, String> {
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Credential::IdentityToken(Secret::new(token)));
    }
    if let (Some(username), Some(password)) = (&entry.username, &entry.password) {
        return Ok(Credential::Basic {
            username: username.clone(),
            password: Secret::new(password.clone()),
        });
    }
    let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) else {
        return Ok(Credential::Anonymous);
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.trim())
        .map_err(|_| "an `auth` entry is not base64".to_owned())?;
    let decoded = String::from_utf8(decoded).map_err(|_| "an `auth` entry is not UTF-8")?;
    let (username, password) = decoded
        .split_once(':')
        .ok_or("an `auth` entry is not `user:password`")?;
    Ok(Credential::Basic {
        username: username.to_owned(),
        password: Secret::new(password),
    })
}

fn read_bounded(path: &Path) -> Result<Option<String>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it: {e}")),
    };
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(format!("larger than {MAX_CONFIG_BYTES} bytes"));
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| "not UTF-8".to_owned())
}

#[derive(serde::Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// `docker-credential-<helper> get`, the server on stdin, as Docker runs it. An answer
/// of "credentials not found" is anonymous.
fn run_helper(helper: &str, server: &str, env: &Environment) -> Result<Credential, RegistryError> {
    let fail = |message: String| RegistryError::CredentialHelper {
        helper: helper.escape_debug().to_string(),
        message,
    };
    if !helper
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(fail("not a helper name".into()));
    }
    let program = format!("docker-credential-{helper}");
    let Some(path) = env.find_program(&program) else {
        return Err(fail(format!("`{program}` is not on PATH")));
    };
    let mut child = Command::new(path)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("cannot start `{program}`: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading is answered by its exit status below.
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout
            .take(MAX_CONFIG_BYTES)
            .read_to_end(&mut out)
            .map_err(|e| fail(format!("cannot read its answer: {e}")))?;
    }
    let status = child
        .wait()
        .map_err(|e| fail(format!("cannot wait for `{program}`: {e}")))?;
    if !status.success() {
        // "credentials not found in native keychain" is the helpers' answer for a host
        // they hold nothing for; the output is never shown (it might hold a secret).
        if String::from_utf8_lossy(&out).contains("credentials not found") {
            return Ok(Credential::Anonymous);
        }
        return Err(fail(format!("`{program} get` failed ({status})")));
    }
    let answer: HelperAnswer = serde_json::from_slice(&out)
        .map_err(|_| fail(format!("`{program} get` did not answer with JSON")))?;
    Ok(match (answer.username.as_str(), answer.secret) {
        (_, s) if s.is_empty() => Credential::Anonymous,
        ("<token>", s) => Credential::IdentityToken(Secret::new(s)),
        (u, s) => Credential::Basic {
            username: u.to_owned(),
            password: Secret::new(s),
        },
    })
}

/// A `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
}

/// Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params = BTreeMap::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let after = after.trim_start();
        let (value, tail) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        params.insert(key.trim().to_ascii_lowercase(), value.to_owned());
        rest = tail.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge::Bearer {
        realm: params.remove("realm")?,
        service: params.remove("service"),
        scope: params.remove("scope"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/a:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/a:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry Realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
    }

    #[test]
    fn credentials_from_config_json_and_never_in_debug() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("ci:s3cret-pass");
        std::fs::write(
            &path,
            format!(
                r#"{{"auths":{{"https://reg.example.com:5000/v1/":{{"auth":"{auth}"}},
                "https://index.docker.io/v1/":{{"identitytoken":"tok-123"}}}}}}"#
            ),
        )
        .unwrap();
        let env = Environment::from_vars([("PATH", "/nonexistent")]);
        let c = credential_for("reg.example.com:5000", Some(&path), &env).unwrap();
        assert_eq!(c.kind(), "user and password");
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(c.basic_header().unwrap().starts_with("Basic "));
        let hub = credential_for("docker.io", Some(&path), &env).unwrap();
        assert!(matches!(hub, Credential::IdentityToken(_)));
        assert!(!format!("{hub:?}").contains("tok-123"));
        assert_eq!(
            credential_for("other.io", Some(&path), &env).unwrap(),
            Credential::Anonymous
        );
        assert_eq!(
            credential_for("other.io", Some(&dir.path().join("none.json")), &env).unwrap(),
            Credential::Anonymous
        );
        std::fs::write(&path, "{\"auths\":{\"x\":{\"auth\":\"%%%\"}}}").unwrap();
        let err = credential_for("x", Some(&path), &env).unwrap_err();
        assert!(err.to_string().contains("config.json"), "{err}");
    }

    #[test]
    fn credential_helpers_answer_on_stdout() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-fake");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread server\nif [ \"$server\" = reg.example.com ]; then \
             echo '{\"ServerURL\":\"reg.example.com\",\"Username\":\"bot\",\"Secret\":\"hunter2\"}'; \
             else echo 'credentials not found in native keychain'; exit 1; fi\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(
            &path,
            r#"{"credHelpers":{"reg.example.com":"fake"},"credsStore":"fake"}"#,
        )
        .unwrap();
        let env = Environment::from_vars([("PATH", dir.path().as_os_str())]);
        match credential_for("reg.example.com", Some(&path), &env).unwrap() {
            Credential::Basic { username, password } => {
                assert_eq!(username, "bot");
                assert_eq!(password.expose(), "hunter2");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            credential_for("elsewhere.io", Some(&path), &env).unwrap(),
            Credential::Anonymous
        );
    }
}

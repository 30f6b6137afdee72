//! The OCI distribution API, as far as the tag guard and `image --verify` need it: a
//! tag's manifest (through an index to the `linux/amd64` image), its config's labels,
//! and its layers.
//!
//! One blocking HTTP client (ureq with rustls; no async runtime). HTTPS, except for a
//! registry on this machine (loopback) or with [`RegistryOptions::insecure`]. Credentials
//! come from Docker's `config.json` and credential helpers ([`auth`]), or none; they are
//! sent only to the registry and its token realm, never follow a redirect, and never
//! appear in a message. Every response is untrusted: manifests, configs and tokens are
//! read with size limits, blobs are checked against their digests.

pub mod auth;

use crate::environment::Environment;
use auth::{Challenge, Credential};
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A manifest or an image config larger than this is refused (registries cap manifests
/// at 4 MiB).
pub const MAX_DOCUMENT_BYTES: u64 = 4 * 1024 * 1024;

/// A token response larger than this is refused.
const MAX_TOKEN_BYTES: u64 = 1024 * 1024;

const MANIFEST_TYPES: &str = "application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json";

/// Everything that can go wrong talking to a registry.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum RegistryError {
    /// The registry did not answer.
    #[error("cannot reach the registry {registry}: {message}")]
    #[diagnostic(
        code(m2fresh::registry::unreachable),
        help(
            "check the registry's address and the network; a registry that speaks plain HTTP needs --insecure-registry (loopback ones are plain HTTP already); with --offline m2fresh warns and guards the tag with the local ledger alone"
        )
    )]
    Unreachable {
        /// `host[:port]`.
        registry: String,
        /// What went wrong.
        message: String,
    },

    /// The registry refused the credentials (or has none for anonymous access).
    #[error("the registry {registry} refused access to {repository} ({credential} credentials)")]
    #[diagnostic(
        code(m2fresh::registry::unauthorized),
        help(
            "log in with `docker login {registry}` (m2fresh reads Docker's config.json and its credential helpers)"
        )
    )]
    Unauthorized {
        /// `host[:port]`.
        registry: String,
        /// The repository.
        repository: String,
        /// Which kind of credentials were tried.
        credential: &'static str,
    },

    /// An answer m2fresh does not understand, or one too large.
    #[error("the registry {registry} answered {what}: {message}")]
    #[diagnostic(
        code(m2fresh::registry::protocol),
        help("this registry does not speak the OCI distribution API as m2fresh expects")
    )]
    Protocol {
        /// `host[:port]`.
        registry: String,
        /// Which request.
        what: String,
        /// What is wrong.
        message: String,
    },

    /// A blob whose content does not match its digest.
    #[error("the registry {registry} sent {digest} with other content (sha256 {actual})")]
    #[diagnostic(
        code(m2fresh::registry::digest_mismatch),
        help("the registry (or something between) is corrupting content; do not trust it")
    )]
    DigestMismatch {
        /// `host[:port]`.
        registry: String,
        /// The digest asked for.
        digest: String,
        /// The digest of what came.
        actual: String,
    },

    /// Docker's config file could not be read.
    #[error("{}: {message}", .path.display())]
    #[diagnostic(
        code(m2fresh::registry::credentials),
        help("fix or move Docker's config.json (DOCKER_CONFIG names its directory)")
    )]
    Credentials {
        /// The file.
        path: PathBuf,
        /// What is wrong (never its content).
        message: String,
    },

    /// A credential helper failed.
    #[error("credential helper `{helper}`: {message}")]
    #[diagnostic(
        code(m2fresh::registry::credential_helper),
        help("check `docker-credential-{helper} get` by hand, or remove it from config.json")
    )]
    CredentialHelper {
        /// The helper's name.
        helper: String,
        /// What went wrong.
        message: String,
    },

    /// The image name is not one m2fresh can ask a registry about.
    #[error("`{image}` is not an image reference m2fresh can look up: {reason}")]
    #[diagnostic(code(m2fresh::registry::reference))]
    Reference {
        /// The reference, escaped.
        image: String,
        /// Why.
        reason: String,
    },

    /// A temporary file for a layer could not be written.
    #[error("cannot keep a layer of {image} on disk: {source}")]
    #[diagnostic(
        code(m2fresh::registry::io),
        help("check the temporary directory's space")
    )]
    Io {
        /// The image.
        image: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// How to reach registries.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RegistryOptions {
    /// Plain HTTP for every registry (otherwise only for loopback ones).
    pub insecure: bool,
    /// Docker's `config.json` to take credentials from (none: anonymous).
    pub docker_config: Option<PathBuf>,
    /// The environment credential helpers are looked up in.
    pub environment: Environment,
}

impl RegistryOptions {
    /// Options for `env`: its `config.json` ([`auth::docker_config_path`]), HTTPS except
    /// on loopback.
    pub fn from_environment(env: &Environment) -> Self {
        RegistryOptions {
            insecure: false,
            docker_config: auth::docker_config_path(env),
            environment: env.clone(),
        }
    }
}

/// An image reference split as the distribution API wants it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageReference {
    /// `host[:port]` as written (`docker.io` for Docker Hub).
    pub registry: String,
    /// The repository (`library/busybox` on Docker Hub).
    pub repository: String,
    /// The tag or `sha256:` digest.
    pub reference: String,
}

impl ImageReference {
    /// Parses `[registry/]repository[:tag][@digest]` (the tag defaults to `latest`).
    pub fn parse(image: &str) -> Result<Self, RegistryError> {
        let bad = |reason: &str| RegistryError::Reference {
            image: image.escape_debug().to_string(),
            reason: reason.to_owned(),
        };
        let (name, tag, digest) = super::reference::split_reference(image);
        super::reference::check_name(name).map_err(|r| bad(&r))?;
        if let Some(tag) = tag {
            super::reference::check_tag(tag).map_err(|r| bad(&r))?;
        }
        let (domain, path) = super::reference::split_domain(name);
        let (registry, repository) = match domain {
            Some(d) => (d.to_owned(), path.to_owned()),
            None if path.contains('/') => ("docker.io".to_owned(), path.to_owned()),
            None => ("docker.io".to_owned(), format!("library/{path}")),
        };
        let reference = match (digest, tag) {
            (Some(d), _) => {
                let hex = d
                    .strip_prefix("sha256:")
                    .ok_or_else(|| bad("only sha256 digests"))?;
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(bad("a digest is sha256: and 64 hex digits"));
                }
                d.to_owned()
            }
            (None, Some(t)) => t.to_owned(),
            (None, None) => "latest".to_owned(),
        };
        Ok(ImageReference {
            registry,
            repository,
            reference,
        })
    }
}

/// A layer of an image manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// `sha256:…`.
    pub digest: String,
    /// The media type (`…tar+gzip`, `…tar`).
    pub media_type: String,
    /// The size the manifest gives.
    pub size: u64,
}

/// What a registry holds under a tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteImage {
    /// The manifest's digest (from the registry's header, else computed).
    pub digest: String,
    /// The config's labels.
    pub labels: BTreeMap<String, String>,
    /// The layers, in order.
    pub layers: Vec<Layer>,
}

/// A connection to one registry, with its credentials and bearer token.
pub struct RegistryClient {
    agent: ureq::Agent,
    base: String,
    registry: String,
    credential: Credential,
    token: Option<auth::Secret>,
}

impl std::fmt::Debug for RegistryClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryClient")
            .field("base", &self.base)
            .field("credential", &self.credential.kind())
            .finish()
    }
}

/// One answer, read with a limit.
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl RegistryClient {
    /// A client for the registry of `image`, with the credentials `options` give for it.
    pub fn connect(
        image: &ImageReference,
        options: &RegistryOptions,
    ) -> Result<Self, RegistryError> {
        let plain = options.insecure || super::planner::is_loopback(&image.registry);
        let host = if image.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            image.registry.as_str()
        };
        let credential = auth::credential_for(
            &image.registry,
            options.docker_config.as_deref(),
            &options.environment,
        )?;
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_per_read(Some(Duration::from_secs(60)))
            .max_redirects(5)
            .redirect_auth_headers(ureq::config::RedirectAuthHeaders::Never)
            .user_agent(concat!("m2fresh/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(RegistryClient {
            agent: ureq::Agent::new_with_config(config),
            base: format!("{}://{host}", if plain { "http" } else { "https" }),
            registry: image.registry.clone(),
            credential,
            token: None,
        })
    }

    fn unreachable(&self, e: &ureq::Error) -> RegistryError {
        RegistryError::Unreachable {
            registry: self.registry.clone(),
            message: e.to_string(),
        }
    }

    fn protocol(&self, what: &str, message: impl Into<String>) -> RegistryError {
        RegistryError::Protocol {
            registry: self.registry.clone(),
            what: what.to_owned(),
            message: message.into(),
        }
    }

    /// A GET with the current authorization; the body read up to `limit` bytes (a longer
    /// body is an error), or handed to `sink` when given.
    fn get_once(
        &self,
        path: &str,
        accept: &str,
        limit: u64,
        sink: Option<&mut HashingWriter>,
    ) -> Result<Answer, RegistryError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.agent.get(&url).header("Accept", accept);
        if let Some(token) = &self.token {
            request = request.header("Authorization", &format!("Bearer {}", token.expose()));
        } else if let Some(basic) = self.credential.basic_header() {
            request = request.header("Authorization", &basic);
        }
        let mut response = request.call().map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        let headers: BTreeMap<String, String> = response
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_owned()))
            })
            .collect();
        let mut body = Vec::new();
        let mut reader = response
            .body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader();
        match sink {
            Some(sink) if status == 200 => {
                let copied = std::io::copy(&mut reader, sink)
                    .map_err(|e| self.protocol(path, format!("reading the body: {e}")))?;
                if copied > limit {
                    return Err(self.protocol(path, format!("larger than {limit} bytes")));
                }
            }
            _ => {
                reader
                    .read_to_end(&mut body)
                    .map_err(|e| self.protocol(path, format!("reading the body: {e}")))?;
                if body.len() as u64 > limit {
                    return Err(self.protocol(path, format!("larger than {limit} bytes")));
                }
            }
        }
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    /// A GET that answers a 401 once by authenticating as the challenge asks.
    fn get(
        &mut self,
        path: &str,
        accept: &str,
        limit: u64,
        repository: &str,
        mut sink: Option<&mut HashingWriter>,
    ) -> Result<Answer, RegistryError> {
        let first = self.get_once(path, accept, limit, sink.as_deref_mut())?;
        if first.status != 401 {
            return Ok(first);
        }
        let challenge = first
            .headers
            .get("www-authenticate")
            .and_then(|h| auth::parse_challenge(h));
        match challenge {
            Some(Challenge::Bearer {
                realm,
                service,
                scope,
            }) => {
                let scope = scope.unwrap_or_else(|| format!("repository:{repository}:pull"));
                self.token =
                    Some(self.fetch_token(&realm, service.as_deref(), &scope, repository)?);
            }
            Some(Challenge::Basic) if self.credential.basic_header().is_some() => {}
            _ => return Err(self.unauthorized(repository)),
        }
        let second = self.get_once(path, accept, limit, sink)?;
        if second.status == 401 || second.status == 403 {
            return Err(self.unauthorized(repository));
        }
        Ok(second)
    }

    fn unauthorized(&self, repository: &str) -> RegistryError {
        RegistryError::Unauthorized {
            registry: self.registry.clone(),
            repository: repository.to_owned(),
            credential: self.credential.kind(),
        }
    }

    /// The bearer token for `scope` from the challenge's realm, with the credentials.
    fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        repository: &str,
    ) -> Result<auth::Secret, RegistryError> {
        let realm_plain = realm.starts_with("http://");
        if !(realm.starts_with("https://") || (realm_plain && self.base.starts_with("http://"))) {
            return Err(self.protocol("the token realm", "not an HTTPS address"));
        }
        let mut query = vec![("scope", scope.to_owned())];
        if let Some(service) = service {
            query.push(("service", service.to_owned()));
        }
        let response = match &self.credential {
            Credential::IdentityToken(token) => {
                let mut form = vec![
                    ("grant_type", "refresh_token".to_owned()),
                    ("client_id", "m2fresh".to_owned()),
                    ("refresh_token", token.expose().to_owned()),
                ];
                form.extend(query.iter().cloned());
                self.agent
                    .post(realm)
                    .send_form(form.iter().map(|(k, v)| (*k, v.as_str())))
            }
            other => {
                let mut request = self.agent.get(realm);
                for (k, v) in &query {
                    request = request.query(k, v);
                }
                if let Some(basic) = other.basic_header() {
                    request = request.header("Authorization", &basic);
                }
                request.call()
            }
        };
        let mut response = response.map_err(|e| self.unreachable(&e))?;
        let status = response.status().as_u16();
        if status == 401 || status == 403 {
            return Err(self.unauthorized(repository));
        }
        if status != 200 {
            return Err(self.protocol("the token request", format!("HTTP {status}")));
        }
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_TOKEN_BYTES)
            .read_to_vec()
            .map_err(|e| self.protocol("the token request", e.to_string()))?;
        #[derive(serde::Deserialize)]
        struct Token {
            token: Option<String>,
            access_token: Option<String>,
        }
        let token: Token = serde_json::from_slice(&body)
            .map_err(|_| self.protocol("the token request", "not a token document"))?;
        token
            .token
            .or(token.access_token)
            .filter(|t| !t.is_empty())
            .map(auth::Secret::new)
            .ok_or_else(|| self.protocol("the token request", "no token in the answer"))
    }

    /// The image under `image`'s tag or digest: `None` when the registry has no such
    /// manifest. An index is followed to its `linux/amd64` image (else its first).
    pub fn image(&mut self, image: &ImageReference) -> Result<Option<RemoteImage>, RegistryError> {
        let repo = image.repository.clone();
        let mut reference = image.reference.clone();
        for _ in 0..2 {
            let path = format!("/v2/{repo}/manifests/{reference}");
            let answer = self.get(&path, MANIFEST_TYPES, MAX_DOCUMENT_BYTES, &repo, None)?;
            match answer.status {
                200 => {}
                404 => return Ok(None),
                s => {
                    return Err(
                        self.protocol(&format!("manifest {reference}"), format!("HTTP {s}"))
                    );
                }
            }
            let computed = format!("sha256:{}", hex(&Sha256::digest(&answer.body)));
            if reference.starts_with("sha256:") && reference != computed {
                return Err(RegistryError::DigestMismatch {
                    registry: self.registry.clone(),
                    digest: reference,
                    actual: computed,
                });
            }
            let manifest: Manifest = serde_json::from_slice(&answer.body)
                .map_err(|e| self.protocol(&format!("manifest {reference}"), e.to_string()))?;
            if let Some(entries) = manifest.manifests {
                let chosen = entries
                    .iter()
                    .find(|m| {
                        m.platform.as_ref().is_some_and(|p| {
                            p.os.as_deref() == Some("linux")
                                && p.architecture.as_deref() == Some("amd64")
                        })
                    })
                    .or(entries.first())
                    .ok_or_else(|| self.protocol("an index", "it lists no manifest"))?;
                reference = checked_digest(&chosen.digest)
                    .ok_or_else(|| self.protocol("an index", "a digest is not sha256"))?;
                continue;
            }
            let config = manifest
                .config
                .ok_or_else(|| self.protocol(&format!("manifest {reference}"), "no config"))?;
            let config_bytes = self.blob_bytes(&repo, &config.digest, MAX_DOCUMENT_BYTES)?;
            let parsed: ImageConfig = serde_json::from_slice(&config_bytes)
                .map_err(|e| self.protocol("the image config", e.to_string()))?;
            let digest = answer
                .headers
                .get("docker-content-digest")
                .cloned()
                .unwrap_or(computed);
            return Ok(Some(RemoteImage {
                digest,
                labels: parsed.config.and_then(|c| c.labels).unwrap_or_default(),
                layers: manifest
                    .layers
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| Layer {
                        digest: l.digest,
                        media_type: l.media_type.unwrap_or_default(),
                        size: l.size.unwrap_or(0),
                    })
                    .collect(),
            }));
        }
        Err(self.protocol("an index", "it points to another index"))
    }

    /// A small blob (a config), checked against its digest.
    fn blob_bytes(
        &mut self,
        repo: &str,
        digest: &str,
        limit: u64,
    ) -> Result<Vec<u8>, RegistryError> {
        let digest = checked_digest(digest)
            .ok_or_else(|| self.protocol("a manifest", "a digest is not sha256"))?;
        let answer = self.get(
            &format!("/v2/{repo}/blobs/{digest}"),
            "*/*",
            limit,
            repo,
            None,
        )?;
        if answer.status != 200 {
            return Err(self.protocol(&format!("blob {digest}"), format!("HTTP {}", answer.status)));
        }
        self.verify_digest(&digest, &hex(&Sha256::digest(&answer.body)))?;
        Ok(answer.body)
    }

    fn verify_digest(&self, digest: &str, actual_hex: &str) -> Result<(), RegistryError> {
        if digest.strip_prefix("sha256:") == Some(actual_hex) {
            Ok(())
        } else {
            Err(RegistryError::DigestMismatch {
                registry: self.registry.clone(),
                digest: digest.to_owned(),
                actual: actual_hex.to_owned(),
            })
        }
    }

    /// A layer, streamed into a temporary file in `dir` (at most `limit` bytes), checked
    /// against its digest.
    pub fn download_layer(
        &mut self,
        image: &ImageReference,
        layer: &Layer,
        dir: &Path,
        limit: u64,
    ) -> Result<tempfile::NamedTempFile, RegistryError> {
        let io = |source| RegistryError::Io {
            image: format!("{}/{}", image.registry, image.repository),
            source,
        };
        let digest = checked_digest(&layer.digest)
            .ok_or_else(|| self.protocol("a manifest", "a layer digest is not sha256"))?;
        let file = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
        let mut sink = HashingWriter {
            inner: file.reopen().map_err(io)?,
            hasher: Sha256::new(),
        };
        let answer = self.get(
            &format!("/v2/{}/blobs/{digest}", image.repository),
            "*/*",
            limit,
            &image.repository,
            Some(&mut sink),
        )?;
        if answer.status != 200 {
            return Err(self.protocol(&format!("blob {digest}"), format!("HTTP {}", answer.status)));
        }
        sink.inner.flush().map_err(io)?;
        self.verify_digest(&digest, &hex(&sink.hasher.finalize()))?;
        Ok(file)
    }
}

struct HashingWriter {
    inner: std::fs::File,
    hasher: Sha256,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A digest safe to put into a URL path: `sha256:` and 64 hex digits.
fn checked_digest(digest: &str) -> Option<String> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| digest.to_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    manifests: Option<Vec<IndexEntry>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    digest: String,
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    size: Option<u64>,
}

#[derive(serde::Deserialize)]
struct IndexEntry {
    digest: String,
    #[serde(default)]
    platform: Option<Platform>,
}

#[derive(serde::Deserialize)]
struct Platform {
    #[serde(default)]
    os: Option<String>,
    #[serde(default)]
    architecture: Option<String>,
}

#[derive(serde::Deserialize)]
struct ImageConfig {
    #[serde(default)]
    config: Option<ContainerConfig>,
}

#[derive(serde::Deserialize)]
struct ContainerConfig {
    #[serde(rename = "Labels", default)]
    labels: Option<BTreeMap<String, String>>,
}

/// What the registry says about a tag, for the tag guard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteTag {
    /// The registry has no such tag.
    Absent,
    /// The tag exists; its fingerprint label, when it has one.
    Present {
        /// The manifest digest.
        digest: String,
        /// The `m2fresh.fingerprint` label.
        fingerprint: Option<String>,
    },
}

/// Asks the registry of `image` (`name:tag` with a registry host) whether the tag exists,
/// and with which m2fresh fingerprint.
pub fn remote_tag(image: &str, options: &RegistryOptions) -> Result<RemoteTag, RegistryError> {
    let reference = ImageReference::parse(image)?;
    let mut client = RegistryClient::connect(&reference, options)?;
    Ok(match client.image(&reference)? {
        None => RemoteTag::Absent,
        Some(remote) => RemoteTag::Present {
            digest: remote.digest,
            fingerprint: remote.labels.get(super::LABEL_FINGERPRINT).cloned(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_as_the_distribution_api_wants() {
        let r = ImageReference::parse("127.0.0.1:5000/team/app:1.0").unwrap();
        assert_eq!(
            (
                r.registry.as_str(),
                r.repository.as_str(),
                r.reference.as_str()
            ),
            ("127.0.0.1:5000", "team/app", "1.0")
        );
        let r = ImageReference::parse("busybox").unwrap();
        assert_eq!(
            (
                r.registry.as_str(),
                r.repository.as_str(),
                r.reference.as_str()
            ),
            ("docker.io", "library/busybox", "latest")
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = ImageReference::parse(&format!("reg.io/x@{d}")).unwrap();
        assert_eq!(r.reference, d);
        for bad in ["reg.io/x@sha256:zz", "reg.io/x@md5:00", "reg.io/X:1", "a b"] {
            assert!(ImageReference::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_closed_port_is_unreachable_not_a_panic() {
        // Bind, learn the port, close: nothing listens there now.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let options = RegistryOptions::default();
        let err = remote_tag(&format!("127.0.0.1:{port}/app:1"), &options).unwrap_err();
        assert!(matches!(err, RegistryError::Unreachable { .. }), "{err:?}");
    }

    /// A one-shot HTTP server on loopback answering each request with the next canned
    /// response; returns its address.
    fn serve(responses: Vec<String>) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        std::thread::spawn(move || {
            for response in responses {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(response.as_bytes());
            }
        });
        addr
    }

    fn http(status: &str, body: &str) -> String {
        format!(
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n{body}",
            body.len()
        )
    }

    #[test]
    fn hostile_answers_are_errors() {
        // A manifest larger than the limit.
        let big = format!(
            "{{\"x\":\"{}\"}}",
            "a".repeat(MAX_DOCUMENT_BYTES as usize + 10)
        );
        let addr = serve(vec![http("200 OK", &big)]);
        let err = remote_tag(&format!("{addr}/app:1"), &RegistryOptions::default()).unwrap_err();
        assert!(err.to_string().contains("larger than"), "{err}");
        // Not JSON.
        let addr = serve(vec![http("200 OK", "<html>")]);
        let err = remote_tag(&format!("{addr}/app:1"), &RegistryOptions::default()).unwrap_err();
        assert!(matches!(err, RegistryError::Protocol { .. }), "{err:?}");
        // A config whose bytes are not its digest.
        let manifest = format!(
            "{{\"schemaVersion\":2,\"config\":{{\"digest\":\"sha256:{}\",\"size\":2}},\"layers\":[]}}",
            "0".repeat(64)
        );
        let addr = serve(vec![http("200 OK", &manifest), http("200 OK", "{}")]);
        let err = remote_tag(&format!("{addr}/app:1"), &RegistryOptions::default()).unwrap_err();
        assert!(
            matches!(err, RegistryError::DigestMismatch { .. }),
            "{err:?}"
        );
        // 401 without a challenge.
        let addr = serve(vec![http("401 Unauthorized", "{}")]);
        let err = remote_tag(&format!("{addr}/app:1"), &RegistryOptions::default()).unwrap_err();
        assert!(matches!(err, RegistryError::Unauthorized { .. }), "{err:?}");
        // 404: absent.
        let addr = serve(vec![http("404 Not Found", "{\"errors\":[]}")]);
        assert_eq!(
            remote_tag(&format!("{addr}/app:1"), &RegistryOptions::default()).unwrap(),
            RemoteTag::Absent
        );
    }
}

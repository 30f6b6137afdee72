//! The one HTTP client of m2fresh's remote repository work: blocking (`ureq`, rustls),
//! with Maven's verbs — `GET` and `HEAD` to read, `PUT` to deploy — and these rules:
//!
//! - **TLS is verified**, against Mozilla's roots, or the certificates of the PEM file
//!   `SSL_CERT_FILE` names (a company CA); there is no switch to turn verification off;
//! - **plain HTTP** only to this machine (`localhost`, `127.0.0.0/8`, `[::1]`) unless
//!   [`HttpOptions::allow_insecure_http`] says otherwise: credentials and artifacts would
//!   otherwise cross a network in clear text;
//! - **credentials** from a `<server>` go out as `Authorization: Basic` (or the server's
//!   `httpHeaders`), never into a URL, a message or a log; they are dropped on a
//!   redirect; a URL with user information in it is refused;
//! - **bounded**: connecting, waiting for a response and reading a body each have a time
//!   limit, every body read has a size limit, and a request is tried at most
//!   [`HttpOptions::attempts`] times (only on a network error, `429` or a `5xx`), with a
//!   short pause between tries. A repository that cannot be reached is an error, which no
//!   caller turns into `fresh`.

use crate::remote::RemoteError;
use crate::remote::config::{Credentials, Repository};
use base64::Engine as _;
use std::io::Read;
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;
use ureq::http::Response;

/// How the client talks to repositories.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// Allow `http://` URLs that are not on this machine.
    pub allow_insecure_http: bool,
    /// The time limit to connect, and to wait for a response's headers.
    pub timeout: Duration,
    /// The time limit to send or receive one body.
    pub body_timeout: Duration,
    /// Tries per request (at least 1).
    pub attempts: u32,
    /// A PEM file of root certificates to trust instead of Mozilla's (`SSL_CERT_FILE`).
    pub ca_file: Option<std::path::PathBuf>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            allow_insecure_http: false,
            timeout: Duration::from_secs(20),
            body_timeout: Duration::from_secs(300),
            attempts: 3,
            ca_file: None,
        }
    }
}

/// A URL as m2fresh uses it: `http` or `https`, a host, an optional port, a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    /// `http` or `https`.
    pub scheme: String,
    /// The host (an IPv6 address without its brackets).
    pub host: String,
    /// The port, when given.
    pub port: Option<u16>,
    /// The path, without a trailing `/`.
    pub path: String,
}

impl Url {
    /// Whether the host is this machine.
    pub fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        write!(f, "{}://{host}", self.scheme)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        f.write_str(&self.path)
    }
}

/// Parses a repository URL. User information (`user:password@`) is refused — and not
/// repeated in the error — because credentials belong in `settings.xml`.
pub fn parse_url(text: &str) -> Result<Url, RemoteError> {
    let text = text.trim();
    let bad = |message: &str| RemoteError::BadUrl {
        url: redact_userinfo(text),
        message: message.to_string(),
    };
    let (scheme, rest) = text
        .split_once("://")
        .ok_or_else(|| bad("not a URL (http:// or https://)"))?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(bad("only http:// and https:// repositories are supported"));
    }
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(bad(
            "user information in a repository URL is refused: put the credentials in a \
             <server> of settings.xml",
        ));
    }
    if path.contains(['?', '#']) || text.chars().any(|c| c.is_control() || c == ' ') {
        return Err(bad("a repository URL has no query, fragment or spaces"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6
            .split_once(']')
            .ok_or_else(|| bad("unclosed [ in the host"))?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let host_ok = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    if !host_ok {
        return Err(bad("the host is not a host name or address"));
    }
    let port = match port {
        Some(p) => Some(
            p.parse::<u16>()
                .map_err(|_| bad("the port is not a number"))?,
        ),
        None => None,
    };
    Ok(Url {
        scheme,
        host: host.to_ascii_lowercase(),
        port,
        path: path.trim_end_matches('/').to_string(),
    })
}

/// `scheme://***@host/...` for a URL with user information, to name it in an error.
fn redact_userinfo(text: &str) -> String {
    match text.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => text.to_string(),
            }
        }
        None => text.to_string(),
    }
}

/// The HTTP client.
pub struct Client {
    /// Through the proxy of the environment, when there is one.
    agent: ureq::Agent,
    /// Without a proxy: for this machine.
    direct: ureq::Agent,
    opts: HttpOptions,
}

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Get,
    Head,
    Put,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Put => "PUT",
        }
    }
}

impl Client {
    /// A client with these options.
    ///
    /// # Errors
    ///
    /// When the CA file cannot be read or holds no certificate.
    pub fn new(opts: HttpOptions) -> Result<Client, RemoteError> {
        let roots = match &opts.ca_file {
            Some(path) => read_roots(path)?,
            None => ureq::tls::RootCerts::WebPki,
        };
        let build = |proxy: bool| {
            let mut config = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .user_agent(concat!("m2fresh/", env!("CARGO_PKG_VERSION")))
                .timeout_connect(Some(opts.timeout))
                .timeout_recv_response(Some(opts.timeout))
                .timeout_send_body(Some(opts.body_timeout))
                .timeout_recv_body(Some(opts.body_timeout))
                .max_redirects(5)
                .tls_config(
                    ureq::tls::TlsConfig::builder()
                        .root_certs(roots.clone())
                        .build(),
                );
            if !proxy {
                config = config.proxy(None);
            }
            ureq::Agent::new_with_config(config.build())
        };
        Ok(Client {
            agent: build(true),
            direct: build(false),
            opts,
        })
    }

    /// Refuses a repository whose URL would send credentials or artifacts in clear text
    /// over a network.
    pub fn check_allowed(&self, repo: &Repository) -> Result<(), RemoteError> {
        let url = parse_url(&repo.url)?;
        if url.scheme == "http" && !url.is_loopback() && !self.opts.allow_insecure_http {
            return Err(RemoteError::InsecureUrl {
                repository: repo.id.clone(),
                url: repo.url.clone(),
            });
        }
        Ok(())
    }

    /// `GET` a file of the repository: `None` when it is not there (404, 410), its bytes
    /// (at most `limit`) otherwise.
    pub fn get(
        &self,
        repo: &Repository,
        path: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, RemoteError> {
        let url = repo.url_of(path);
        let Some(mut response) = self.found(repo, &url, Method::Get, None)? else {
            return Ok(None);
        };
        let bytes = response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| body_error(repo, &url, e, limit))?;
        Ok(Some(bytes))
    }

    /// `GET` a file into `dest` (at most `limit` bytes): `None` when the repository does
    /// not have it, else its size.
    pub fn download(
        &self,
        repo: &Repository,
        path: &str,
        dest: &Path,
        limit: u64,
    ) -> Result<Option<u64>, RemoteError> {
        let url = repo.url_of(path);
        let Some(mut response) = self.found(repo, &url, Method::Get, None)? else {
            return Ok(None);
        };
        let mut file = std::fs::File::create(dest).map_err(|e| RemoteError::Local {
            path: dest.to_path_buf(),
            message: e.to_string(),
        })?;
        let reader = response.body_mut().with_config().limit(limit).reader();
        let copied = std::io::copy(&mut reader.take(limit.saturating_add(1)), &mut file);
        match copied {
            Ok(n) => Ok(Some(n)),
            Err(e) => Err(RemoteError::Transfer {
                repository: repo.id.clone(),
                url,
                message: e.to_string(),
            }),
        }
    }

    /// Whether the repository has a file (`HEAD`).
    pub fn exists(&self, repo: &Repository, path: &str) -> Result<bool, RemoteError> {
        let url = repo.url_of(path);
        Ok(self.found(repo, &url, Method::Head, None)?.is_some())
    }

    /// `PUT` a file into the repository, as Maven deploys (the server creates the
    /// directories).
    pub fn put(&self, repo: &Repository, path: &str, bytes: &[u8]) -> Result<(), RemoteError> {
        let url = repo.url_of(path);
        let response = self.request(repo, &url, Method::Put, Some(bytes))?;
        match response.status().as_u16() {
            200..=299 => Ok(()),
            status => Err(status_error(repo, &url, Method::Put, status)),
        }
    }

    /// A request whose answer is the file (2xx), or `None` for 404/410; every other
    /// status is an error.
    fn found(
        &self,
        repo: &Repository,
        url: &str,
        method: Method,
        body: Option<&[u8]>,
    ) -> Result<Option<Response<ureq::Body>>, RemoteError> {
        let response = self.request(repo, url, method, body)?;
        match response.status().as_u16() {
            200..=299 => Ok(Some(response)),
            404 | 410 => Ok(None),
            status => Err(status_error(repo, url, method, status)),
        }
    }

    /// One request, tried again on a network error, `429` or a `5xx`.
    fn request(
        &self,
        repo: &Repository,
        url: &str,
        method: Method,
        body: Option<&[u8]>,
    ) -> Result<Response<ureq::Body>, RemoteError> {
        self.check_allowed(repo)?;
        let loopback = parse_url(url).is_ok_and(|u| u.is_loopback());
        let agent = if loopback { &self.direct } else { &self.agent };
        let attempts = self.opts.attempts.max(1);
        let mut last = None;
        for attempt in 0..attempts {
            if attempt > 0 {
                std::thread::sleep(Duration::from_millis(250 * 4u64.pow(attempt - 1)));
            }
            let result = match method {
                Method::Get => authorize(agent.get(url), repo.credentials.as_ref()).call(),
                Method::Head => authorize(agent.head(url), repo.credentials.as_ref()).call(),
                Method::Put => authorize(agent.put(url), repo.credentials.as_ref())
                    .send(body.unwrap_or_default()),
            };
            match result {
                Ok(r) if retryable(r.status().as_u16()) && attempt + 1 < attempts => {
                    last = Some(Ok(r));
                }
                Ok(r) => return Ok(r),
                Err(e) => last = Some(Err(e)),
            }
        }
        match last {
            Some(Ok(r)) => Ok(r),
            Some(Err(e)) => Err(RemoteError::Unreachable {
                repository: repo.id.clone(),
                url: url.to_string(),
                message: format!("{} failed after {attempts} tries: {e}", method.as_str()),
            }),
            None => Err(RemoteError::Unreachable {
                repository: repo.id.clone(),
                url: url.to_string(),
                message: "no request was made".into(),
            }),
        }
    }
}

fn retryable(status: u16) -> bool {
    status == 429 || (500..=599).contains(&status)
}

/// Adds the credentials of a `<server>` to a request.
fn authorize<B>(
    mut request: ureq::RequestBuilder<B>,
    credentials: Option<&Credentials>,
) -> ureq::RequestBuilder<B> {
    let Some(c) = credentials else {
        return request;
    };
    if c.username.is_some() || c.password.is_some() {
        let user = c.username.as_deref().unwrap_or("");
        let password = c.password.as_ref().map_or("", |p| p.expose());
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request = request.header("Authorization", format!("Basic {token}"));
    }
    for (name, value) in &c.headers {
        request = request.header(name.as_str(), value.expose());
    }
    request
}

fn status_error(repo: &Repository, url: &str, method: Method, status: u16) -> RemoteError {
    match status {
        401 | 403 => RemoteError::Unauthorized {
            repository: repo.id.clone(),
            url: url.to_string(),
            status,
            had_credentials: repo.credentials.is_some(),
        },
        _ => RemoteError::Status {
            repository: repo.id.clone(),
            url: url.to_string(),
            method: method.as_str(),
            status,
        },
    }
}

fn body_error(repo: &Repository, url: &str, e: ureq::Error, limit: u64) -> RemoteError {
    match e {
        ureq::Error::BodyExceedsLimit(_) => RemoteError::TooLarge {
            url: url.to_string(),
            limit,
        },
        other => RemoteError::Transfer {
            repository: repo.id.clone(),
            url: url.to_string(),
            message: other.to_string(),
        },
    }
}

/// The root certificates of a PEM file.
fn read_roots(path: &Path) -> Result<ureq::tls::RootCerts, RemoteError> {
    let bad = |message: String| RemoteError::Local {
        path: path.to_path_buf(),
        message,
    };
    let bytes = match crate::fsutil::read_record(path) {
        Ok(Some(b)) => b,
        Ok(None) => return Err(bad("no such file (SSL_CERT_FILE)".into())),
        Err(e) => return Err(bad(e.to_string())),
    };
    let certs: Vec<_> = ureq::tls::parse_pem(&bytes)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(bad("no PEM certificate in it (SSL_CERT_FILE)".into()));
    }
    Ok(ureq::tls::RootCerts::from(certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(url: &str) -> Repository {
        Repository {
            id: "team".into(),
            url: url.into(),
            source: "test".into(),
            credentials: None,
        }
    }

    #[test]
    fn urls_parse_and_print_without_a_trailing_slash() {
        let u = parse_url("HTTPS://Nexus.Example:8443/repository/snapshots/").unwrap();
        assert_eq!(
            u.to_string(),
            "https://nexus.example:8443/repository/snapshots"
        );
        let v6 = parse_url("http://[::1]:8081/r").unwrap();
        assert!(v6.is_loopback());
        assert_eq!(v6.to_string(), "http://[::1]:8081/r");
        assert!(parse_url("http://127.0.0.7/").unwrap().is_loopback());
        assert!(parse_url("http://localhost/").unwrap().is_loopback());
        assert!(!parse_url("http://10.0.0.1/").unwrap().is_loopback());
        for bad in [
            "ftp://x/",
            "nexus",
            "http:///r",
            "http://a b/",
            "http://x:99999/",
            "http://x/r?q",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    /// Credentials written into a URL are refused, and the error does not repeat them.
    #[test]
    fn user_information_is_refused_and_not_repeated() {
        let err = parse_url("https://ci:s3cret@nexus.example/r").unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("***@nexus.example"), "{shown}");
    }

    #[test]
    fn plain_http_only_to_this_machine_unless_allowed() {
        let client = Client::new(HttpOptions::default()).unwrap();
        assert!(client.check_allowed(&repo("http://127.0.0.1:1/r")).is_ok());
        assert!(
            client
                .check_allowed(&repo("https://nexus.example/r"))
                .is_ok()
        );
        assert!(matches!(
            client.check_allowed(&repo("http://nexus.example/r")),
            Err(RemoteError::InsecureUrl { .. })
        ));
        let allowed = Client::new(HttpOptions {
            allow_insecure_http: true,
            ..HttpOptions::default()
        })
        .unwrap();
        assert!(
            allowed
                .check_allowed(&repo("http://nexus.example/r"))
                .is_ok()
        );
    }

    /// Nothing listens on the port: a clear error after the bounded tries, quickly.
    #[test]
    fn an_unreachable_repository_is_an_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let client = Client::new(HttpOptions {
            attempts: 2,
            ..HttpOptions::default()
        })
        .unwrap();
        let started = std::time::Instant::now();
        let err = client
            .get(&repo(&format!("http://127.0.0.1:{port}/r")), "a/b", 10)
            .unwrap_err();
        assert!(matches!(err, RemoteError::Unreachable { .. }), "{err:?}");
        assert!(err.to_string().contains("cannot reach"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

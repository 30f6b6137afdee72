//! Beyond one machine: the team's remote Maven repository (Nexus, Artifactory,
//! Reposilite, or any server with Maven's layout and verbs).
//!
//! m2fresh's stamps travel with deployed artifacts: after `mvn deploy`, `m2fresh deploy`
//! uploads each module's stamp next to the artifact Maven deployed — for a SNAPSHOT,
//! bound to the exact timestamped build `maven-metadata.xml` names, with that build's
//! checksums inside ([`stamp`]). Then any machine can ask "was the artifact in our
//! repository built from these sources?" by reading the metadata, the checksum files
//! and the stamp, without downloading jars ([`status`]), and reuse a matching artifact
//! instead of building it ([`fetch`]).
//!
//! | file | what it owns |
//! |---|---|
//! | [`config`] | which repository, URL and credentials: `settings.xml` servers, mirrors and profiles, the POM's `distributionManagement` and `repositories` |
//! | [`http`] | the HTTP client: verified TLS, plain HTTP only to this machine, bounded time, size and tries, credentials that never show |
//! | [`layout`] | Maven's repository layout, `maven-metadata.xml`, checksum files — all untrusted input, validated |
//! | [`stamp`] | the remote stamp: the local stamp plus the deployed build's version and checksums |
//! | [`status`] | fresh/stale/missing/unverified/foreign for the remote artifact (`check --remote`, `plan`, `why`) |
//! | [`fetch`] | downloading a matching artifact and its POM into the local repository (`install --from-remote`) |
//!
//! `deploy` itself, which runs Maven, is [`crate::building::deploy`].

pub mod config;
pub mod fetch;
pub mod http;
pub mod layout;
pub mod stamp;
pub mod status;

use miette::Diagnostic;
use std::path::PathBuf;
use thiserror::Error;

pub use config::{RemoteSpec, Repository};
pub use http::{Client, HttpOptions};

/// Why the remote repository cannot be used. Messages name the repository id and URL,
/// never a credential.
#[derive(Debug, Error, Diagnostic)]
#[non_exhaustive]
pub enum RemoteError {
    /// `--remote` without a value, and the module's POM deploys nowhere.
    #[error("{module} has no <distributionManagement> repository to check against")]
    #[diagnostic(
        code(m2fresh::remote::no_repository),
        help(
            "add <distributionManagement> to {pom} (or its parent), or name the repository: \
             --remote ID or --remote URL"
        )
    )]
    NoRepository {
        /// The module.
        module: String,
        /// Its POM.
        pom: String,
    },
    /// `--remote ID` names no repository m2fresh knows.
    #[error("no repository `{name}` in settings.xml or the POMs (known: {})", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    #[diagnostic(
        code(m2fresh::remote::unknown_repository),
        help(
            "give a repository id of <distributionManagement>, <repositories>, a settings \
             profile or a mirror, a URL, or ID::URL; `--remote` alone means the POM's \
             <distributionManagement>"
        )
    )]
    UnknownRepository {
        /// What was given.
        name: String,
        /// The ids that are known.
        known: Vec<String>,
    },
    /// A repository URL m2fresh will not use.
    #[error("repository URL {url}: {message}")]
    #[diagnostic(code(m2fresh::remote::bad_url))]
    BadUrl {
        /// The URL, with any user information replaced by `***`.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// Plain HTTP to another machine.
    #[error("repository {repository} is plain HTTP to another machine ({url})")]
    #[diagnostic(
        code(m2fresh::remote::insecure),
        help(
            "use https://, or pass --allow-insecure-http if this network is yours: \
             credentials and artifacts would cross it in clear text"
        )
    )]
    InsecureUrl {
        /// The repository id.
        repository: String,
        /// Its URL.
        url: String,
    },
    /// A `<server>` password encrypted with Maven's master password.
    #[error(
        "the password of <server> {server} in settings.xml is encrypted (Maven's settings-security.xml)"
    )]
    #[diagnostic(
        code(m2fresh::remote::encrypted_password),
        help(
            "m2fresh does not decrypt Maven passwords; in CI, write \
             <password>${{env.REPO_PASSWORD}}</password> and pass the secret as a variable"
        )
    )]
    EncryptedPassword {
        /// The server id.
        server: String,
    },
    /// A settings file that cannot be read for servers and mirrors.
    #[error("cannot read settings file {}: {message}", path.display())]
    #[diagnostic(code(m2fresh::remote::settings))]
    Settings {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The repository could not be reached (after the bounded tries).
    #[error("cannot reach repository {repository} ({url}): {message}")]
    #[diagnostic(
        code(m2fresh::remote::unreachable),
        help(
            "check the URL and the network (a proxy from HTTPS_PROXY/NO_PROXY is used for \
             other hosts; SSL_CERT_FILE names a PEM file of CA certificates to trust); \
             nothing was reported fresh"
        )
    )]
    Unreachable {
        /// The repository id.
        repository: String,
        /// The URL requested.
        url: String,
        /// The cause.
        message: String,
    },
    /// The repository refused the credentials (or their absence).
    #[error("repository {repository} answered {status} for {url}")]
    #[diagnostic(
        code(m2fresh::remote::unauthorized),
        help(
            "{}",
            if *had_credentials {
                "the <server> credentials in settings.xml were refused: check them and their permissions"
            } else {
                "add a <server> with this repository's id and its credentials to settings.xml (-s FILE)"
            }
        )
    )]
    Unauthorized {
        /// The repository id.
        repository: String,
        /// The URL requested.
        url: String,
        /// 401 or 403.
        status: u16,
        /// Whether credentials were sent.
        had_credentials: bool,
    },
    /// Any other unexpected status.
    #[error("repository {repository} answered {status} to {method} {url}")]
    #[diagnostic(code(m2fresh::remote::status))]
    Status {
        /// The repository id.
        repository: String,
        /// The URL.
        url: String,
        /// The verb.
        method: &'static str,
        /// The status.
        status: u16,
    },
    /// A body could not be read or sent completely.
    #[error("transfer from repository {repository} failed ({url}): {message}")]
    #[diagnostic(code(m2fresh::remote::transfer))]
    Transfer {
        /// The repository id.
        repository: String,
        /// The URL.
        url: String,
        /// The cause.
        message: String,
    },
    /// A body larger than m2fresh reads for its kind of file.
    #[error("{url} is larger than {limit} bytes")]
    #[diagnostic(
        code(m2fresh::remote::too_large),
        help("m2fresh bounds what it reads from a remote repository")
    )]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// A file of the repository that does not have the shape Maven writes.
    #[error("{url} is not usable: {message}")]
    #[diagnostic(
        code(m2fresh::remote::invalid),
        help(
            "the repository holds a file Maven did not write this way; nothing was reported fresh"
        )
    )]
    Invalid {
        /// The URL.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// A downloaded file is not what the stamp and the checksums describe.
    #[error("downloaded {url} does not match: {message}")]
    #[diagnostic(
        code(m2fresh::remote::mismatch),
        help(
            "the artifact changed in the repository while it was read, or was tampered with; it was not installed"
        )
    )]
    Mismatch {
        /// The URL.
        url: String,
        /// What differs.
        message: String,
    },
    /// A file on this machine.
    #[error("{}: {message}", path.display())]
    #[diagnostic(code(m2fresh::remote::local))]
    Local {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

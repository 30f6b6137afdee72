//! m2fresh: is the jar in `~/.m2` built from the sources on disk now?
//!
//! A multi-module Maven build resolves sibling modules from the local repository when
//! they are not part of the reactor. If a build script forgets to install one, Maven
//! silently takes an old jar. m2fresh reads a workspace's POMs (no JVM), tells for each
//! module whether the installed artifact was built from today's sources, installs exactly
//! the stale ones with real Maven, and emits the image build command with a tag that
//! changes with the content.
//!
//! # Map
//!
//! Data flows one way; lower layers never call upward. Each command of the CLI is a thin
//! wrapper around the function named here.
//!
//! | stage | module | what it owns |
//! |---|---|---|
//! | XML | [`maven::xml`] | spanned XML tree; DTDs and custom entities refused |
//! | POM | [`maven::pom`] | the POM model as written, each value with its file and span |
//! | effective model | [`maven::model`] | parents, profiles, inheritance, interpolation, management |
//! | full effective model | [`maven::effective`] | the whole model as `mvn help:effective-pom` prints it, for the Maven in use (`effective-pom`) |
//! | settings | [`maven::settings`] | the profiles of the user and global `settings.xml` |
//! | workspace | [`maven::workspace`] | aggregator or scan discovery, BOM imports; [`maven::workspace::Workspace::load`] |
//! | graph | [`maven::graph`] | reactor edges and Maven's build order; [`maven::graph::ReactorGraph::build`] (`graph`, `order`) |
//! | fingerprint | [`freshness::fingerprint`] | blake3 Merkle hash of model, files and upstream; stat cache |
//! | local repository | [`freshness::localrepo`], [`freshness::stamp`], [`freshness::installed`], [`freshness::jar`] | where Maven installs, m2fresh's stamps, what an installed upstream is (stamped fingerprint or hash), evidence from jars |
//! | status | [`freshness::status`], [`freshness::evidence`] | fresh/stale/missing/unverified/foreign; [`freshness::status::check`] (`check`), [`freshness::status::why`] (`why`) |
//! | plan | [`building::plan`] | what to install and in which order; the dependency queue |
//! | execution | [`building::exec`] | running Maven jobs over the queue, logs, cancellation |
//! | Maven command line | [`building::maven`] | which Maven runs and the one builder of its arguments, the model's `-D`/`-P`/settings/repository included (install, reactor, image) |
//! | install | [`building::install`], [`building::stamping`] | Maven `install` for a plan under the install lock, one reactor or one Maven per module; stamps for what Maven actually built |
//! | remote repository | [`remote`] | the team's repository: URLs, mirrors and credentials from `settings.xml` and the POM; the HTTP client; `maven-metadata.xml` and checksums; remote stamps; fresh/stale/... of the deployed artifact ([`remote::status::check`], `check --remote`); downloads for `install --from-remote` ([`remote::fetch`]) |
//! | deploy | [`building::deploy`] | Maven `deploy` for a plan checked against the remote (the install pipeline with another goal), then each module's stamp uploaded beside the build it deployed |
//! | image | [`image`] | every route (Jib, the Docker Maven plugins, Dockerfiles and their build context), labels, the image build command, the tag ledger, running the steps; [`image::registry`] (the OCI distribution API: the registry tag guard) and [`image::verify`] (the jars in a pushed image) |
//! | interface changes | [`api`], [`contract`] | class-file API diff with JLS 13 compatibility and changed constants (`api`); REST endpoints from compiled classes and their diff (`contract`); what an install changed, who was rebuilt, what a service must re-register ([`api::impact`]) |
//! | operations | [`project`] | a workspace opened once ([`project::OpenOptions`] asks, [`project::Project`] carries what was resolved): targets, check, why, plan, image with its guards — what the CLI calls |
//! | output | [`report`] | the versioned JSON schema, DOT and Mermaid |
//! | support | [`coords`], [`error`], [`fsutil`], [`environment`] | Maven coordinates; errors, diagnostics and findings; atomic writes, bounded reads, lock files, file hashes; the environment variables, read once and passed in |
//!
//! The folders follow the stages: [`maven`] (reading the build), [`freshness`] (deciding
//! what is fresh), [`building`] (running Maven), [`image`]. [`project::Project`] is what
//! the operations work on, as cargo's ops work on its `Workspace`: it uses the stages
//! below it (and [`building::maven`] for the packaging step of an image), and
//! [`building::install::install`] takes it; nothing below `project` imports it.
//!
//! Every promise holds for a library caller as for the CLI: `install` requires the local
//! repository's install lock ([`building::install::lock_repository`]), and
//! [`project::Project::image`] refuses upstream artifacts that are not fresh and a tag
//! that stood for other content. `examples/deploy.rs` is a deploy tool built on them.
//!
//! Errors are [`error::Error`] values; problems in POMs carry the file, line and span
//! ([`error::PomDiagnostic`]), warnings are [`error::Finding`]s.
//!
//! # Example
//!
//! ```no_run
//! use m2fresh::maven::{graph::ReactorGraph, workspace::{LoadOptions, Workspace}};
//! let ws = Workspace::load("fixtures/xuecheng".as_ref(), &LoadOptions::default())?;
//! let graph = ReactorGraph::build(&ws)?;
//! let target = ws.find("xc-service-portalview")?;
//! for id in graph.upstream(&[target]) {
//!     println!("{}", ws.module(id).gav);
//! }
//! # Ok::<(), m2fresh::error::Error>(())
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod building;
pub mod contract;
pub mod coords;
pub mod environment;
pub mod error;
pub mod freshness;
pub mod fsutil;
pub mod image;
pub mod maven;
pub mod project;
pub mod remote;
pub mod report;

/// Hash maps and sets for the hot paths of model building: keys are short strings read
/// from POMs, and SipHash's protection against crafted collisions is not worth its cost
/// for maps that live for one module's merge. (foldhash seeds per process, so collisions
/// cannot be precomputed either.)
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

//! Errors and findings. Both point into POMs: an error stops the command (exit code 2), a
//! finding is reported and the command goes on, as Maven would.

use crate::maven::pom::{Loc, Sources};
use miette::{Diagnostic, LabeledSpan, NamedSource, Severity, SourceCode};
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;

/// The result type of m2fresh's library functions.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why an operation failed. Match the variants a caller can act on (a refused image, a
/// local repository that cannot be located, a source that cannot be hashed); each keeps
/// its own diagnostic code and help.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[non_exhaustive]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    #[diagnostic(code(m2fresh::io))]
    Io {
        /// What m2fresh was doing ("cannot read").
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// A problem in a POM, shown with the lines it is about.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Pom(Box<PomDiagnostic>),

    /// Wrong use of a command or the library: an unknown module, conflicting options.
    #[error("{message}")]
    #[diagnostic(code(m2fresh::usage))]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do instead.
        #[help]
        help: Option<String>,
    },

    /// The local repository cannot be located (a missing `-s` file, unreadable
    /// settings).
    #[error(transparent)]
    #[diagnostic(transparent)]
    LocalRepository(#[from] crate::freshness::localrepo::LocalRepoError),

    /// A `settings.xml` cannot be read.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Settings(#[from] crate::maven::settings::SettingsError),

    /// An input file of a fingerprint cannot be read (unreadable, a symlink loop, a FIFO).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Hash(#[from] crate::freshness::fingerprint::files::HashError),

    /// An installed jar cannot be read for evidence.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Jar(#[from] crate::freshness::jar::JarError),

    /// An image cannot be planned, is refused (stale upstream, a reused tag), or its build
    /// failed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Image(#[from] crate::image::ImageError),

    /// The remote repository cannot be resolved, reached or read, or refused a request.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Remote(#[from] crate::remote::RemoteError),

    /// A POM a scan left out (it cannot be read) turned out to matter: it is in the
    /// targets' closure, or would change it. The error is the one reading it gave.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Skipped(SharedError),

    /// Any other failure with its own diagnostic.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Other(Box<dyn Diagnostic + Send + Sync + 'static>),
}

/// The file, 1-based line and column of a diagnostic's first label, when it has one.
pub fn position(d: &dyn Diagnostic) -> (Option<String>, Option<usize>, Option<usize>) {
    if let (Some(source), Some(label)) = (d.source_code(), d.labels().and_then(|mut l| l.next()))
        && let Ok(contents) = source.read_span(label.inner(), 0, 0)
    {
        return (
            contents.name().map(str::to_string),
            Some(contents.line() + 1),
            Some(contents.column() + 1),
        );
    }
    (None, None, None)
}

/// An error kept to be reported later, possibly more than once (a POM a scan left out).
#[derive(Debug, Clone)]
pub struct SharedError(pub std::sync::Arc<Error>);

impl fmt::Display for SharedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for SharedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

impl Diagnostic for SharedError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.code()
    }
    fn severity(&self) -> Option<Severity> {
        self.0.severity()
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }
    fn url<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.url()
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0.source_code()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.labels()
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        self.0.related()
    }
    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}

impl Error {
    /// An I/O error with the path it is about.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A usage error.
    pub fn usage(message: impl Into<String>, help: Option<String>) -> Self {
        Error::Usage {
            message: message.into(),
            help,
        }
    }
}

/// A diagnostic about one or more places in POMs: the message, a code such as
/// `m2fresh::maven::graph::cycle`, labels into one source, and related diagnostics for places in
/// other POMs (a cycle spans several files).
#[derive(Debug)]
pub struct PomDiagnostic {
    /// A stable code, `m2fresh::area::kind`.
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// Error or warning.
    pub severity: Severity,
    /// The POM the labels are in.
    pub source: Option<NamedSource<String>>,
    /// The labelled places.
    pub labels: Vec<LabeledSpan>,
    /// Places in other POMs.
    pub related: Vec<PomDiagnostic>,
}

impl PomDiagnostic {
    /// A diagnostic with one label at `loc`.
    pub fn at(
        sources: &Sources,
        code: &'static str,
        message: impl Into<String>,
        loc: Option<&Loc>,
        label: impl Into<String>,
    ) -> Self {
        let mut d = PomDiagnostic {
            code,
            message: message.into(),
            help: None,
            severity: Severity::Error,
            source: None,
            labels: Vec::new(),
            related: Vec::new(),
        };
        let Some(loc) = loc else { return d };
        let Some(file) = sources.get(loc.source) else {
            return d;
        };
        match quotable_span(&file.text, &loc.span) {
            Some(span) => {
                d.source = Some(sources.named(loc.source));
                d.labels
                    .push(LabeledSpan::new_with_span(Some(label.into()), span));
            }
            None => {
                // Showing these lines would flood the terminal or the CI log (a minified
                // or generated POM has megabyte-long lines): name the place instead.
                d.message = format!("{} (at {})", d.message, sources.describe(loc));
            }
        }
        d
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a related diagnostic.
    pub fn with_related(mut self, related: PomDiagnostic) -> Self {
        self.related.push(related);
        self
    }

    /// Makes it a warning.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }
}

/// The longest line a diagnostic quotes, in bytes; real POM lines are far shorter.
const MAX_QUOTED_LINE: usize = 1000;

/// The part of `span` worth labelling (its first line: a span over a whole file would
/// quote the whole file), or `None` when the lines around it are too long to show.
fn quotable_span(text: &str, span: &std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    // Byte offsets from the parser may fall inside a character; labels must not.
    let floor = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let ceil = |mut i: usize| {
        while !text.is_char_boundary(i) {
            i += 1;
        }
        i
    };
    let start = floor(span.start.min(text.len()));
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text
        .get(start..)?
        .find('\n')
        .map_or(text.len(), |i| start + i);
    // The label's line and the context lines miette shows around it.
    let before = text.get(..line_start)?.trim_end_matches('\n');
    let context_start = before
        .rmatch_indices('\n')
        .nth(1)
        .map_or(0, |(i, _)| i + 1)
        .min(line_start);
    let context_end = text
        .get(line_end..)?
        .match_indices('\n')
        .nth(2)
        .map_or(text.len(), |(i, _)| line_end + i);
    let context = text.get(context_start..context_end)?;
    if context.lines().any(|l| l.len() > MAX_QUOTED_LINE) {
        return None;
    }
    let end = ceil(span.end.clamp(start, line_end.max(start)));
    Some(start..end)
}

impl fmt::Display for PomDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PomDiagnostic {}

impl Diagnostic for PomDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
        }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|d| d as &dyn Diagnostic)))
        }
    }
}

impl From<PomDiagnostic> for Error {
    fn from(d: PomDiagnostic) -> Self {
        Error::Pom(Box::new(d))
    }
}

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    /// Maven would go on, but the result is probably not what the user wants.
    Warning,
    /// Worth knowing.
    Info,
}

/// What a finding is about; its `kind` in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A dependency names a workspace module's coordinates with another version: Maven
    /// takes the jar from the repository, not from the sources.
    VersionMismatch,
    /// A parent's relativePath leads to a POM that is not that parent.
    RelativePathMismatch,
    /// A parent outside the workspace is not in the local repository: what it would
    /// contribute is unknown.
    UnresolvedParent,
    /// An imported BOM is neither in the workspace nor in the local repository.
    UnresolvedImport,
    /// `${x}` names no property; Maven leaves it as it is.
    UndefinedProperty,
    /// Two POMs have the same coordinates (scan mode).
    DuplicateCoordinates,
    /// A dependency without a version that nothing manages.
    MissingVersion,
    /// `.mvn/extensions.xml` loads core extensions m2fresh cannot emulate.
    CoreExtensions,
    /// A profile activation m2fresh cannot evaluate exactly (OS conditions).
    ProfileActivation,
    /// A plugin or extension edge that would close a cycle, dropped as Maven drops it.
    DroppedEdge,
    /// A build extension (or a plugin with `<extensions>true`) is a workspace module:
    /// Maven resolves it from the repository before the reactor is built, so it must be
    /// installed first.
    ExtensionInReactor,
    /// Something in a POM file that Maven reads silently but that deserves a look: a
    /// skipped `<!DOCTYPE>`, bytes that are not valid in the file's encoding.
    XmlNotice,
    /// A `-P` id that names no profile (Maven warns the same).
    UnknownProfile,
    /// A POM that cannot be read, left out of a scan (it is an error as soon as the
    /// targets need it).
    UnreadablePom,
}

/// Something m2fresh noticed that Maven would not stop for.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    /// What kind of finding.
    pub kind: FindingKind,
    /// How serious.
    pub severity: FindingSeverity,
    /// The module it is about, `groupId:artifactId`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    /// What happened.
    pub message: String,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The POM, relative to the workspace when inside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pom: Option<String>,
    /// 1-based line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    /// Every module this one cause concerns, `groupId:artifactId` (when grouped:
    /// [`crate::maven::findings::grouped`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    /// The other warnings this cause explains (a dependency without a version that the
    /// missing parent or BOM would manage), one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explains: Vec<String>,
    /// Where, for rendering with the source.
    #[serde(skip)]
    pub loc: Option<Loc>,
}

impl Finding {
    /// A warning at a place in a POM.
    pub fn warning(
        sources: &Sources,
        kind: FindingKind,
        module: Option<String>,
        message: impl Into<String>,
        loc: Option<&Loc>,
    ) -> Self {
        let place = loc.and_then(|l| Some((sources.get(l.source)?, sources.line_col(l)?)));
        let (pom, line, column) = match place {
            Some((f, (line, col))) => (Some(f.name.clone()), Some(line), Some(col)),
            None => (None, None, None),
        };
        Finding {
            kind,
            severity: FindingSeverity::Warning,
            module,
            message: message.into(),
            help: None,
            pom,
            line,
            column,
            modules: Vec::new(),
            explains: Vec::new(),
            loc: loc.cloned(),
        }
    }

    /// Adds a help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// A renderable diagnostic with the POM's lines.
    pub fn diagnostic(&self, sources: &Sources) -> PomDiagnostic {
        let code = match self.kind {
            FindingKind::VersionMismatch => "m2fresh::maven::graph::version-mismatch",
            FindingKind::RelativePathMismatch => "m2fresh::maven::model::relative-path",
            FindingKind::UnresolvedParent => "m2fresh::maven::model::unresolved-parent",
            FindingKind::UnresolvedImport => "m2fresh::maven::model::unresolved-import",
            FindingKind::UndefinedProperty => "m2fresh::maven::model::undefined-property",
            FindingKind::DuplicateCoordinates => "m2fresh::maven::workspace::duplicate",
            FindingKind::MissingVersion => "m2fresh::maven::model::missing-version",
            FindingKind::CoreExtensions => "m2fresh::maven::workspace::core-extensions",
            FindingKind::ProfileActivation => "m2fresh::maven::model::profile-activation",
            FindingKind::DroppedEdge => "m2fresh::maven::graph::dropped-edge",
            FindingKind::ExtensionInReactor => "m2fresh::maven::graph::extension-in-reactor",
            FindingKind::XmlNotice => "m2fresh::maven::pom::notice",
            FindingKind::UnknownProfile => "m2fresh::maven::model::unknown-profile",
            FindingKind::UnreadablePom => "m2fresh::maven::workspace::unreadable",
        };
        let mut message = self.message.clone();
        if self.modules.len() > 1 {
            const SHOWN: usize = 5;
            let mut names = self.modules[..self.modules.len().min(SHOWN)].join(", ");
            if self.modules.len() > SHOWN {
                names.push_str(&format!(", … {} more", self.modules.len() - SHOWN));
            }
            message.push_str(&format!(
                "\n(affects {} modules: {names})",
                self.modules.len()
            ));
        }
        for consequence in &self.explains {
            message.push_str(&format!("\nthis explains: {consequence}"));
        }
        let mut d = PomDiagnostic::at(sources, code, message, self.loc.as_ref(), "here").warning();
        d.help = self.help.clone();
        if self.severity == FindingSeverity::Info {
            d.severity = Severity::Advice;
        }
        d
    }
}

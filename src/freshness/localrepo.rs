//! The local Maven repository: where it is, and where an artifact lives inside it.
//!
//! m2fresh must look at the same directory Maven 3.8 would install into, or every verdict
//! is about the wrong jar. So [`locate`] follows Maven's own order (checked against
//! `mvn -X` 3.8.7): the `maven.repo.local` user property (`-D` on the command line or in
//! `.mvn/maven.config`), then the same JVM system property (`MAVEN_OPTS`, which the `mvn`
//! script places after `.mvn/jvm.config` so it wins over it), then `<localRepository>` in
//! the user `settings.xml`, then in the global one, then `${user.home}/.m2/repository`.
//! The layout half ([`LocalRepository::artifact_path`] and friends) maps coordinates and
//! packaging to file names the way Maven's artifact handlers do.

use crate::coords::Gav;
use crate::environment::Environment;
use miette::Diagnostic;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Name of the property that overrides the local repository, in Maven's spelling.
const REPO_LOCAL_PROPERTY: &str = "maven.repo.local";

/// Everything that can decide where the local repository is, as the caller gathered it.
#[derive(Clone, Debug, Default)]
pub struct LocateOptions {
    /// m2fresh's own `--local-repo`: beats everything Maven knows about.
    pub explicit: Option<PathBuf>,
    /// `-D` properties from the command line and `.mvn/maven.config`, already merged.
    pub user_properties: BTreeMap<String, String>,
    /// The `MAVEN_OPTS` environment variable.
    pub maven_opts: Option<String>,
    /// The contents of `.mvn/jvm.config`.
    pub jvm_config: Option<String>,
    /// `-s`: the user settings file. `None` means Maven's default,
    /// `${user.home}/.m2/settings.xml`; a given file that does not exist is an error,
    /// as it is for Maven.
    pub user_settings: Option<PathBuf>,
    /// `-gs`, or the default `${maven.home}/conf/settings.xml` (see [`maven_home`]).
    /// `None` reads no global settings; a file that does not exist is skipped.
    pub global_settings: Option<PathBuf>,
    /// The user's home directory: the JVM's `user.home` unless a `-Duser.home`
    /// overrides it.
    pub home: PathBuf,
}

/// Which setting decided the local repository's location.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "file")]
pub enum RepositorySource {
    /// m2fresh's `--local-repo`.
    Explicit,
    /// `-Dmaven.repo.local` on the command line or in `.mvn/maven.config`.
    UserProperty,
    /// `-Dmaven.repo.local` in `MAVEN_OPTS`.
    MavenOpts,
    /// `-Dmaven.repo.local` in `.mvn/jvm.config`.
    JvmConfig,
    /// `<localRepository>` in this user settings file.
    UserSettings(PathBuf),
    /// `<localRepository>` in this global settings file.
    GlobalSettings(PathBuf),
    /// Nothing set it: `${user.home}/.m2/repository`.
    Default,
}

impl fmt::Display for RepositorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RepositorySource::Explicit => f.write_str("--local-repo"),
            RepositorySource::UserProperty => f.write_str("-Dmaven.repo.local"),
            RepositorySource::MavenOpts => f.write_str("-Dmaven.repo.local in MAVEN_OPTS"),
            RepositorySource::JvmConfig => f.write_str("-Dmaven.repo.local in .mvn/jvm.config"),
            RepositorySource::UserSettings(p) => {
                write!(f, "<localRepository> in user settings {}", p.display())
            }
            RepositorySource::GlobalSettings(p) => {
                write!(f, "<localRepository> in global settings {}", p.display())
            }
            RepositorySource::Default => f.write_str("Maven's default"),
        }
    }
}

/// A local Maven repository: its absolute root and what decided it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalRepository {
    /// Absolute path of the repository root.
    pub path: PathBuf,
    /// The setting that chose `path`.
    pub source: RepositorySource,
}

/// Why the local repository could not be located.
#[derive(Debug, Error, Diagnostic)]
pub enum LocalRepoError {
    /// `-s` named a file that is not there; Maven refuses to run in that case too.
    #[error("the specified user settings file does not exist: {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::localrepo::settings_missing),
        help("fix the path given to -s, or drop -s to use ~/.m2/settings.xml")
    )]
    SettingsMissing {
        /// The file given with `-s`.
        path: PathBuf,
    },
    /// A settings file exists but could not be read.
    #[error("cannot read settings file {}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::localrepo::settings_read),
        help("check the file's permissions; Maven needs to read it too")
    )]
    SettingsRead {
        /// The settings file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A settings file is not well-formed XML; Maven fails on it as well.
    #[error("settings file {} is not well-formed XML at byte {position}: {message}", path.display())]
    #[diagnostic(
        code(m2fresh::freshness::localrepo::settings_malformed),
        help("fix the XML in this settings file; `mvn` reports the same problem")
    )]
    SettingsMalformed {
        /// The settings file.
        path: PathBuf,
        /// Byte offset where parsing stopped.
        position: u64,
        /// The parser's description.
        message: String,
    },
    /// A relative repository path needs the working directory, and it is unavailable.
    #[error("cannot determine the working directory to resolve the local repository path")]
    #[diagnostic(
        code(m2fresh::freshness::localrepo::working_dir),
        help("run m2fresh from an existing directory, or give an absolute --local-repo")
    )]
    WorkingDir {
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
}

/// Finds the local repository the way Maven 3.8 does, relative to the current directory,
/// with `${env.*}` in settings files read from this process's environment.
pub fn locate(opts: &LocateOptions) -> Result<LocalRepository, LocalRepoError> {
    let cwd = std::env::current_dir().map_err(|source| LocalRepoError::WorkingDir { source })?;
    locate_in(opts, &cwd, &Environment::from_process())
}

/// [`locate`] with the working directory and environment passed in.
pub fn locate_in(
    opts: &LocateOptions,
    cwd: &Path,
    env: &Environment,
) -> Result<LocalRepository, LocalRepoError> {
    let found = |raw: &str, source| LocalRepository {
        path: absolute(cwd, raw),
        source,
    };
    // Maven refuses a missing `-s` file whatever else is given; so does m2fresh, even
    // when `--local-repo` makes the file's `<localRepository>` irrelevant (its profiles
    // and Maven's own run still depend on it).
    let user_settings = match &opts.user_settings {
        Some(path) => {
            let path = absolute(cwd, path);
            if !path.exists() {
                return Err(LocalRepoError::SettingsMissing { path });
            }
            Some(path)
        }
        None => None,
    };
    if let Some(explicit) = &opts.explicit {
        return Ok(LocalRepository {
            path: absolute(cwd, explicit),
            source: RepositorySource::Explicit,
        });
    }
    let jvm = JvmProperties::parse(opts.jvm_config.as_deref(), opts.maven_opts.as_deref());
    if let Some(value) = opts.user_properties.get(REPO_LOCAL_PROPERTY) {
        return Ok(found(value, RepositorySource::UserProperty));
    }
    if let Some((value, source)) = jvm.get(REPO_LOCAL_PROPERTY) {
        return Ok(found(value, source));
    }

    // Maven copies -D user properties into the system properties, and the JVM's
    // user.home (which a -Duser.home can move) locates both defaults.
    let user_home = opts
        .user_properties
        .get("user.home")
        .cloned()
        .or_else(|| jvm.get("user.home").map(|(v, _)| v.to_owned()))
        .unwrap_or_else(|| opts.home.to_string_lossy().into_owned());
    let cwd_text = cwd.to_string_lossy();
    let lookup = |name: &str| -> Option<String> {
        if let Some(v) = opts.user_properties.get(name) {
            return Some(v.clone());
        }
        if let Some((v, _)) = jvm.get(name) {
            return Some(v.to_owned());
        }
        match name {
            "user.home" => Some(user_home.clone()),
            "user.dir" => Some(cwd_text.clone().into_owned()),
            _ => name
                .strip_prefix("env.")
                .and_then(|n| env.var(n))
                .map(str::to_owned),
        }
    };

    let user_file =
        user_settings.unwrap_or_else(|| Path::new(&user_home).join(".m2").join("settings.xml"));
    if let Some(value) = settings_local_repository(&user_file, &lookup)? {
        return Ok(found(&value, RepositorySource::UserSettings(user_file)));
    }
    if let Some(global) = &opts.global_settings {
        let global = absolute(cwd, global);
        if let Some(value) = settings_local_repository(&global, &lookup)? {
            return Ok(found(&value, RepositorySource::GlobalSettings(global)));
        }
    }
    Ok(LocalRepository {
        path: absolute(cwd, &user_home).join(".m2").join("repository"),
        source: RepositorySource::Default,
    })
}

/// Java's `new File(raw).getAbsoluteFile()`: no `~` expansion, no normalisation, and an
/// empty string means the working directory itself (so `-Dmaven.repo.local=` is the cwd).
fn absolute(cwd: &Path, raw: impl AsRef<Path>) -> PathBuf {
    let raw = raw.as_ref();
    if raw.as_os_str().is_empty() {
        cwd.to_path_buf()
    } else {
        cwd.join(raw)
    }
}

/// The `-D` system properties the JVM that runs Maven starts with.
struct JvmProperties {
    /// Name → (value, where it came from); a later definition replaces an earlier one.
    values: BTreeMap<String, (String, RepositorySource)>,
}

impl JvmProperties {
    /// The `mvn` script runs `java $MAVEN_OPTS` with `.mvn/jvm.config`'s lines prepended,
    /// unquoted: the shell splits on whitespace and keeps quote characters literally, so
    /// neither shell quoting nor comments apply, and for a repeated `-D` the last wins.
    fn parse(jvm_config: Option<&str>, maven_opts: Option<&str>) -> Self {
        let mut values = BTreeMap::new();
        let sources = [
            (jvm_config, RepositorySource::JvmConfig),
            (maven_opts, RepositorySource::MavenOpts),
        ];
        for (text, source) in sources {
            for word in text.unwrap_or_default().split_whitespace() {
                let Some(def) = word.strip_prefix("-D") else {
                    continue;
                };
                // The java launcher gives a bare `-Dname` the empty string.
                let (name, value) = def.split_once('=').unwrap_or((def, ""));
                if !name.is_empty() {
                    values.insert(name.to_owned(), (value.to_owned(), source.clone()));
                }
            }
        }
        JvmProperties { values }
    }

    fn get(&self, name: &str) -> Option<(&str, RepositorySource)> {
        self.values
            .get(name)
            .map(|(value, source)| (value.as_str(), source.clone()))
    }
}

/// The interpolated, non-blank `<localRepository>` of a settings file, if it has one.
/// A missing file has none; an unreadable or malformed one is an error, as in Maven.
fn settings_local_repository(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<String>, LocalRepoError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(LocalRepoError::SettingsRead {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    // Lossy, so a stray Latin-1 byte in a comment does not make the whole file unusable.
    let text = String::from_utf8_lossy(&bytes);
    let raw = read_local_repository_element(&text).map_err(|(position, message)| {
        LocalRepoError::SettingsMalformed {
            path: path.to_path_buf(),
            position,
            message,
        }
    })?;
    // Maven trims the element text when parsing, interpolates, then treats a blank value
    // as unset so that the next settings level applies.
    Ok(raw
        .map(|raw| interpolate(raw.trim(), lookup))
        .filter(|value| !value.trim().is_empty()))
}

/// Text of the `<localRepository>` element directly under the root; the whole document
/// is read so that malformed XML anywhere is reported, as Maven would.
fn read_local_repository_element(text: &str) -> Result<Option<String>, (u64, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut depth = 0usize;
    let mut inside = false;
    let mut current = String::new();
    let mut result = None;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| (reader.error_position(), e.to_string()))?;
        match event {
            Event::Start(start) => {
                depth += 1;
                if depth == 2 && start.local_name().as_ref() == "localRepository" {
                    inside = true;
                    current.clear();
                }
            }
            Event::End(_) => {
                if depth == 2 && inside {
                    inside = false;
                    // A repeated element: the last one wins in Maven's lenient reader.
                    result = Some(std::mem::take(&mut current));
                }
                depth = depth.saturating_sub(1);
            }
            Event::Empty(start)
                if depth == 1 && start.local_name().as_ref() == "localRepository" =>
            {
                result = Some(String::new());
            }
            Event::Text(t) if inside => current.push_str(&t.xml10_content()),
            Event::CData(t) if inside => {
                current.push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) if inside => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match quick_xml::escape::resolve_predefined_entity(&r) {
                        Some(s) => s.to_owned(),
                        None => {
                            return Err((position, format!("unknown entity &{};", &*r)));
                        }
                    },
                    Err(e) => return Err((position, e.to_string())),
                };
                current.push_str(&resolved);
            }
            Event::Eof => {
                if depth != 0 {
                    return Err((position, "unexpected end of file: unclosed element".into()));
                }
                return Ok(result);
            }
            _ => {}
        }
    }
}

/// Maven's settings interpolation: each `${name}` that resolves is replaced once; one that
/// does not stays literally in the value (Maven then uses a path containing `${...}`).
fn interpolate(raw: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if end > 0 => {
                let name = &after[..end];
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => {
                        out.push_str("${");
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The Maven installation directory: the real location of `mvn` (symlinks resolved) two
/// levels up, else `$MAVEN_HOME` or `$M2_HOME` of `env`. Only a directory with a `conf/`
/// counts, since that is where the global `settings.xml` lives.
pub fn maven_home(mvn: Option<&Path>, env: &Environment) -> Option<PathBuf> {
    let is_home = |dir: &Path| dir.join("conf").is_dir();
    if let Some(mvn) = mvn
        && let Ok(real) = std::fs::canonicalize(mvn)
        && let Some(home) = real.parent().and_then(Path::parent)
    {
        if is_home(home) {
            return Some(home.to_path_buf());
        }
        // Homebrew links `bin/mvn` to a wrapper that runs `libexec/bin/mvn`.
        let libexec = home.join("libexec");
        if is_home(&libexec) {
            return Some(libexec);
        }
    }
    env.maven_home()
}

/// Maven's base version: a timestamped snapshot `1.0-20240101.120000-3` lives in the
/// `1.0-SNAPSHOT` directory.
pub fn base_version(version: &str) -> String {
    let bytes = version.as_bytes();
    // The timestamp and build number: "-yyyyMMdd.HHmmss-N".
    if let Some(dash) = version.rfind('-')
        && dash > 0
        && !version[dash + 1..].is_empty()
        && version[dash + 1..].bytes().all(|b| b.is_ascii_digit())
        && let Some(stamp_start) = version[..dash].rfind('-')
    {
        let stamp = &bytes[stamp_start + 1..dash];
        let is_stamp = stamp.len() == 15
            && stamp[8] == b'.'
            && stamp
                .iter()
                .enumerate()
                .all(|(i, b)| i == 8 || b.is_ascii_digit());
        if is_stamp {
            return format!("{}-SNAPSHOT", &version[..stamp_start]);
        }
    }
    version.to_owned()
}

/// Extension and classifier of the main artifact for a packaging, from Maven's artifact
/// handlers; `None` for `pom`, whose only artifact is the POM itself.
pub fn packaging_file(packaging: &str) -> Option<(&str, Option<&'static str>)> {
    Some(match packaging {
        "pom" => return None,
        "ejb" | "maven-plugin" | "bundle" => ("jar", None),
        "test-jar" => ("jar", Some("tests")),
        "ejb-client" => ("jar", Some("client")),
        "java-source" => ("jar", Some("sources")),
        "javadoc" => ("jar", Some("javadoc")),
        // jar, war, ear, rar and anything unknown: Maven's default handler uses the
        // packaging name as the extension.
        other => (other, None),
    })
}

impl LocalRepository {
    /// `groupId` (dots → directories) / `artifactId` / base version.
    pub fn artifact_dir(&self, gav: &Gav) -> PathBuf {
        let mut dir = self.path.clone();
        for part in gav.group_id.split('.') {
            dir.push(part);
        }
        dir.push(&gav.artifact_id);
        dir.push(base_version(&gav.version));
        dir
    }

    /// `artifactId-version[-classifier].extension` in [`Self::artifact_dir`]. A local
    /// install of a SNAPSHOT keeps the `-SNAPSHOT` name, so the version is used as is.
    pub fn artifact_path(&self, gav: &Gav, extension: &str, classifier: Option<&str>) -> PathBuf {
        let mut name = format!("{}-{}", gav.artifact_id, gav.version);
        if let Some(classifier) = classifier.filter(|c| !c.is_empty()) {
            name.push('-');
            name.push_str(classifier);
        }
        name.push('.');
        name.push_str(extension);
        self.artifact_dir(gav).join(name)
    }

    /// The installed POM, `artifactId-version.pom`.
    pub fn pom_path(&self, gav: &Gav) -> PathBuf {
        self.artifact_path(gav, "pom", None)
    }

    /// The main artifact a module of this packaging installs, or `None` for `pom`
    /// packaging (its POM is all there is).
    pub fn main_artifact(&self, gav: &Gav, packaging: &str) -> Option<PathBuf> {
        let (extension, classifier) = packaging_file(packaging)?;
        Some(self.artifact_path(gav, extension, classifier))
    }

    /// The file of an artifact of this type (a dependency's `<type>`, which Maven's
    /// artifact handlers map to an extension and a classifier); an explicit classifier
    /// beats the type's.
    pub fn typed_artifact(&self, gav: &Gav, type_: &str, classifier: Option<&str>) -> PathBuf {
        match packaging_file(type_) {
            None => self.pom_path(gav),
            Some((extension, implied)) => {
                self.artifact_path(gav, extension, classifier.or(implied))
            }
        }
    }

    /// Whether Maven's resolver recorded these coordinates as installed locally rather
    /// than downloaded: in `_remote.repositories`, a line `artifactId-version….ext>=` has
    /// an empty repository id. A missing or unreadable file answers `false`.
    pub fn is_local_install(&self, gav: &Gav) -> bool {
        let Ok(text) = std::fs::read_to_string(self.artifact_dir(gav).join("_remote.repositories"))
        else {
            return false;
        };
        let prefix = format!("{}-{}", gav.artifact_id, gav.version);
        text.lines().map(str::trim).any(|line| {
            if line.starts_with('#') || line.starts_with('!') {
                return false;
            }
            // Java properties: `key=value` with key `file>repositoryId`; the value is empty.
            let key = line.split(['=', ':']).next().unwrap_or_default();
            let Some((file, repo)) = key.rsplit_once('>') else {
                return false;
            };
            let names_this = file
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'));
            names_this && repo.is_empty()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn opts(home: &Path) -> LocateOptions {
        LocateOptions {
            home: home.to_path_buf(),
            ..LocateOptions::default()
        }
    }

    fn no_env() -> Environment {
        Environment::from_vars::<&str, &str>([])
    }

    fn settings(dir: &Path, name: &str, local_repo: &str) -> PathBuf {
        fs::create_dir_all(dir).unwrap();
        let path = dir.join(name);
        let body = format!(
            "<?xml version=\"1.0\"?>\n<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\">\n  <!-- <localRepository>/commented</localRepository> -->\n  <localRepository>{local_repo}</localRepository>\n</settings>\n"
        );
        fs::write(&path, body).unwrap();
        path
    }

    fn at(o: &LocateOptions, cwd: &Path) -> LocalRepository {
        locate_in(o, cwd, &no_env()).unwrap()
    }

    #[test]
    fn default_is_home_m2_repository() {
        let home = tempfile::tempdir().unwrap();
        let repo = at(&opts(home.path()), Path::new("/work"));
        assert_eq!(repo.path, home.path().join(".m2/repository"));
        assert_eq!(repo.source, RepositorySource::Default);
    }

    #[test]
    fn precedence_explicit_then_user_property_then_maven_opts_then_jvm_config() {
        let home = tempfile::tempdir().unwrap();
        settings(&home.path().join(".m2"), "settings.xml", "/ignored");
        let mut o = opts(home.path());
        o.explicit = Some("/explicit".into());
        o.user_properties
            .insert("maven.repo.local".into(), "/cli".into());
        o.maven_opts = Some("-Xmx1g -Dmaven.repo.local=/opts".into());
        o.jvm_config = Some("-Dmaven.repo.local=/jvm\n-Xss4m\n".into());
        let cwd = Path::new("/w");
        assert_eq!(at(&o, cwd).source, RepositorySource::Explicit);
        assert_eq!(at(&o, cwd).path, Path::new("/explicit"));
        o.explicit = None;
        assert_eq!(at(&o, cwd).source, RepositorySource::UserProperty);
        assert_eq!(at(&o, cwd).path, Path::new("/cli"));
        o.user_properties.clear();
        assert_eq!(at(&o, cwd).source, RepositorySource::MavenOpts);
        assert_eq!(at(&o, cwd).path, Path::new("/opts"));
        o.maven_opts = Some("-Xmx1g".into());
        assert_eq!(at(&o, cwd).source, RepositorySource::JvmConfig);
        assert_eq!(at(&o, cwd).path, Path::new("/jvm"));
    }

    #[test]
    fn last_definition_in_maven_opts_wins() {
        let home = tempfile::tempdir().unwrap();
        let mut o = opts(home.path());
        o.maven_opts = Some("-Dmaven.repo.local=/first  -Dmaven.repo.local=/second".into());
        assert_eq!(at(&o, Path::new("/w")).path, Path::new("/second"));
    }

    #[test]
    fn maven_opts_quotes_are_literal_like_the_mvn_script() {
        // `mvn` expands $MAVEN_OPTS unquoted: quotes stay in the value.
        let home = tempfile::tempdir().unwrap();
        let mut o = opts(home.path());
        o.maven_opts = Some("-Dmaven.repo.local=\"/q\"".into());
        assert_eq!(at(&o, Path::new("/w")).path, Path::new("/w/\"/q\""));
    }

    #[test]
    fn relative_tilde_and_empty_values_resolve_against_the_working_dir() {
        let home = tempfile::tempdir().unwrap();
        let mut o = opts(home.path());
        let cwd = Path::new("/proj");
        o.user_properties
            .insert("maven.repo.local".into(), "repo".into());
        assert_eq!(at(&o, cwd).path, Path::new("/proj/repo"));
        o.user_properties
            .insert("maven.repo.local".into(), "~/x".into());
        assert_eq!(at(&o, cwd).path, Path::new("/proj/~/x"));
        // `-Dmaven.repo.local=` makes Maven use the working directory itself.
        o.user_properties
            .insert("maven.repo.local".into(), "".into());
        assert_eq!(at(&o, cwd).path, Path::new("/proj"));
        o.user_properties.clear();
        o.explicit = Some("rel".into());
        assert_eq!(at(&o, cwd).path, Path::new("/proj/rel"));
    }

    #[test]
    fn user_settings_beat_global_settings() {
        let home = tempfile::tempdir().unwrap();
        let user = settings(&home.path().join(".m2"), "settings.xml", "/user-repo");
        let global = settings(home.path(), "global.xml", "/global-repo");
        let mut o = opts(home.path());
        o.global_settings = Some(global.clone());
        let repo = at(&o, Path::new("/w"));
        assert_eq!(repo.path, Path::new("/user-repo"));
        assert_eq!(repo.source, RepositorySource::UserSettings(user.clone()));
        // Without the user file, the global one decides.
        fs::remove_file(&user).unwrap();
        let repo = at(&o, Path::new("/w"));
        assert_eq!(repo.path, Path::new("/global-repo"));
        assert_eq!(repo.source, RepositorySource::GlobalSettings(global));
    }

    #[test]
    fn blank_user_settings_fall_through_to_global() {
        let home = tempfile::tempdir().unwrap();
        let user = settings(home.path(), "user.xml", "   ");
        let global = settings(home.path(), "global.xml", "/global-repo");
        let mut o = opts(home.path());
        o.user_settings = Some(user);
        o.global_settings = Some(global.clone());
        let repo = at(&o, Path::new("/w"));
        assert_eq!(repo.path, Path::new("/global-repo"));
        assert_eq!(repo.source, RepositorySource::GlobalSettings(global));
    }

    #[test]
    fn settings_values_interpolate_home_env_and_properties() {
        let home = tempfile::tempdir().unwrap();
        let user = settings(
            home.path(),
            "user.xml",
            "  ${user.home}/r-${env.FOO}-${foo}-${nope}-${env.NOPE}  ",
        );
        let mut o = opts(home.path());
        o.user_settings = Some(user);
        o.user_properties.insert("foo".into(), "baz".into());
        let env = Environment::from_vars([("FOO", "bar")]);
        let repo = locate_in(&o, Path::new("/w"), &env).unwrap();
        let expected = format!(
            "{}/r-bar-baz-${{nope}}-${{env.NOPE}}",
            home.path().display()
        );
        assert_eq!(repo.path, PathBuf::from(expected));
    }

    #[test]
    fn jvm_user_home_moves_default_settings_and_repository() {
        let home = tempfile::tempdir().unwrap();
        let other = tempfile::tempdir().unwrap();
        let mut o = opts(home.path());
        o.maven_opts = Some(format!("-Duser.home={}", other.path().display()));
        let repo = at(&o, Path::new("/w"));
        assert_eq!(repo.path, other.path().join(".m2/repository"));
        settings(
            &other.path().join(".m2"),
            "settings.xml",
            "${user.home}/moved",
        );
        let repo = at(&o, Path::new("/w"));
        assert_eq!(repo.path, other.path().join("moved"));
        assert_eq!(
            repo.source,
            RepositorySource::UserSettings(other.path().join(".m2/settings.xml"))
        );
    }

    #[test]
    fn settings_text_handles_entities_cdata_and_ignores_nested_elements() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.xml");
        fs::write(
            &path,
            "<settings><profiles><profile><localRepository>/nested</localRepository></profile></profiles></settings>",
        )
        .unwrap();
        assert_eq!(settings_local_repository(&path, &|_| None).unwrap(), None);
        fs::write(
            &path,
            "<settings><localRepository>/a&amp;b&#x41;<![CDATA[/c]]></localRepository></settings>",
        )
        .unwrap();
        assert_eq!(
            settings_local_repository(&path, &|_| None).unwrap(),
            Some("/a&bA/c".to_owned())
        );
    }

    #[test]
    fn malformed_settings_is_an_error_naming_the_file() {
        let home = tempfile::tempdir().unwrap();
        let path = home.path().join("bad.xml");
        fs::write(&path, "<settings><localRepository>/x</localRepository>").unwrap();
        let mut o = opts(home.path());
        o.user_settings = Some(path.clone());
        match locate_in(&o, Path::new("/w"), &no_env()) {
            Err(e @ LocalRepoError::SettingsMalformed { .. }) => {
                assert!(e.to_string().contains(&path.display().to_string()));
            }
            other => panic!("expected a malformed-settings error, got {other:?}"),
        }
        fs::write(&path, "<settings><a></b></settings>").unwrap();
        assert!(matches!(
            locate_in(&o, Path::new("/w"), &no_env()),
            Err(LocalRepoError::SettingsMalformed { .. })
        ));
    }

    #[test]
    fn missing_dash_s_file_is_an_error_but_missing_global_is_not() {
        let home = tempfile::tempdir().unwrap();
        let mut o = opts(home.path());
        o.global_settings = Some(home.path().join("no-global.xml"));
        assert_eq!(at(&o, Path::new("/w")).source, RepositorySource::Default);
        o.user_settings = Some(home.path().join("nope.xml"));
        assert!(matches!(
            locate_in(&o, Path::new("/w"), &no_env()),
            Err(LocalRepoError::SettingsMissing { .. })
        ));
        // Issue 11: also when --local-repo decides the repository, as Maven refuses it.
        o.explicit = Some(home.path().join("repo"));
        assert!(matches!(
            locate_in(&o, Path::new("/w"), &no_env()),
            Err(LocalRepoError::SettingsMissing { .. })
        ));
    }

    #[test]
    fn relative_settings_value_is_relative_to_the_working_dir() {
        let home = tempfile::tempdir().unwrap();
        let mut o = opts(home.path());
        o.user_settings = Some(settings(home.path(), "u.xml", "rel/repo"));
        assert_eq!(at(&o, Path::new("/cwd")).path, Path::new("/cwd/rel/repo"));
    }

    #[test]
    fn maven_home_follows_the_symlink_then_env() {
        let root = tempfile::tempdir().unwrap();
        let home = root.path().join("maven");
        fs::create_dir_all(home.join("bin")).unwrap();
        fs::create_dir_all(home.join("conf")).unwrap();
        fs::write(home.join("bin/mvn"), "#!/bin/sh\n").unwrap();
        let link_dir = root.path().join("usr-bin");
        fs::create_dir_all(&link_dir).unwrap();
        std::os::unix::fs::symlink(home.join("bin/mvn"), link_dir.join("mvn")).unwrap();
        let real_home = fs::canonicalize(&home).unwrap();
        let none = Environment::from_vars::<&str, &str>([]);
        assert_eq!(
            maven_home(Some(&link_dir.join("mvn")), &none),
            Some(real_home)
        );
        let env = Environment::from_vars([("M2_HOME", &home)]);
        assert_eq!(maven_home(None, &env), Some(home.clone()));
        // A directory without conf/ is not a Maven home.
        assert_eq!(maven_home(Some(&link_dir.join("nope")), &none), None);
        let bare = root.path().join("bare");
        let env = Environment::from_vars([("MAVEN_HOME", &bare), ("M2_HOME", &bare)]);
        assert_eq!(maven_home(None, &env), None);
    }

    fn repo() -> LocalRepository {
        LocalRepository {
            path: "/r".into(),
            source: RepositorySource::Default,
        }
    }

    #[test]
    fn layout_follows_maven_for_each_packaging() {
        let gav = Gav::new("com.example.app", "core", "1.2");
        let r = repo();
        assert_eq!(
            r.artifact_dir(&gav),
            Path::new("/r/com/example/app/core/1.2")
        );
        assert_eq!(
            r.pom_path(&gav),
            Path::new("/r/com/example/app/core/1.2/core-1.2.pom")
        );
        let cases = [
            ("jar", "core-1.2.jar"),
            ("war", "core-1.2.war"),
            ("ear", "core-1.2.ear"),
            ("rar", "core-1.2.rar"),
            ("ejb", "core-1.2.jar"),
            ("maven-plugin", "core-1.2.jar"),
            ("bundle", "core-1.2.jar"),
            ("test-jar", "core-1.2-tests.jar"),
            ("ejb-client", "core-1.2-client.jar"),
            ("java-source", "core-1.2-sources.jar"),
            ("javadoc", "core-1.2-javadoc.jar"),
            ("nar", "core-1.2.nar"),
        ];
        for (packaging, file) in cases {
            assert_eq!(
                r.main_artifact(&gav, packaging),
                Some(r.artifact_dir(&gav).join(file)),
                "packaging {packaging}"
            );
        }
        assert_eq!(r.main_artifact(&gav, "pom"), None);
        assert_eq!(
            r.artifact_path(&gav, "zip", Some("dist")),
            Path::new("/r/com/example/app/core/1.2/core-1.2-dist.zip")
        );
    }

    #[test]
    fn snapshots_keep_their_name_and_timestamps_use_the_base_version_dir() {
        let r = repo();
        let snap = Gav::new("g", "a", "1.0-SNAPSHOT");
        assert_eq!(
            r.main_artifact(&snap, "jar"),
            Some(PathBuf::from("/r/g/a/1.0-SNAPSHOT/a-1.0-SNAPSHOT.jar"))
        );
        let stamped = Gav::new("g", "a", "1.0-20240101.120000-3");
        assert_eq!(
            r.main_artifact(&stamped, "jar"),
            Some(PathBuf::from(
                "/r/g/a/1.0-SNAPSHOT/a-1.0-20240101.120000-3.jar"
            ))
        );
        // Not a timestamp: a plain release version with a build suffix.
        assert_eq!(base_version("1.0-2024-3"), "1.0-2024-3");
        assert_eq!(base_version("2-1"), "2-1");
    }

    #[test]
    fn local_install_is_read_from_remote_repositories() {
        let dir = tempfile::tempdir().unwrap();
        let r = LocalRepository {
            path: dir.path().to_path_buf(),
            source: RepositorySource::Default,
        };
        let gav = Gav::new("com.ex", "demo", "1.0-SNAPSHOT");
        assert!(!r.is_local_install(&gav), "no file, no claim");
        fs::create_dir_all(r.artifact_dir(&gav)).unwrap();
        let file = r.artifact_dir(&gav).join("_remote.repositories");
        // As written by `mvn install` 3.8.7.
        fs::write(&file, "#NOTE: This is a Maven Resolver internal implementation file, its format can be changed without prior notice.\n#Thu Nov 26 08:45:50 UTC 2026\ndemo-1.0-SNAPSHOT.jar>=\ndemo-1.0-SNAPSHOT.pom>=\n").unwrap();
        assert!(r.is_local_install(&gav));
        fs::write(
            &file,
            "#x\ndemo-1.0-SNAPSHOT.jar>central=\ndemo-1.0-SNAPSHOT.pom>central=\n",
        )
        .unwrap();
        assert!(!r.is_local_install(&gav));
        // Another artifact whose name shares the prefix does not count.
        fs::write(&file, "demo-1.0-SNAPSHOTX.jar>=\n").unwrap();
        assert!(!r.is_local_install(&gav));
    }
}

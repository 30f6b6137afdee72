//! The profiles of the user and global `settings.xml`, which Maven applies to every
//! project as "external profiles".
//!
//! A settings profile can change the reactor: its properties override the POM's own (a
//! dependency's `${version}` may start or stop matching a reactor project), they switch
//! POM profiles activated by a property, and `<activeProfiles>` activates POM profiles by
//! id as `-P` does. So m2fresh reads them as Maven 3.8.7 does (checked against its
//! sources and `mvn validate -s`):
//!
//! - the user settings (`-s`, default `~/.m2/settings.xml`) dominate the global ones
//!   (`${maven.home}/conf/settings.xml`): the user's profiles come first, then each
//!   global profile whose id the user settings do not have (`MavenSettingsMerger`); the
//!   `<activeProfiles>` are the user's, then the global ones not already listed;
//! - every value is interpolated with user properties, then system properties, then
//!   environment variables (`env.X`), recursively; what does not resolve stays as written
//!   (`DefaultSettingsBuilder.interpolate`);
//! - each profile becomes a model profile with only its id, activation and properties
//!   (`SettingsUtils.convertFromSettingsProfile`; its repositories do not matter to the
//!   reactor). Activation and injection happen in the model builder
//!   ([`crate::maven::model::Loader::build`]).

use crate::maven::pom::{Activation, Build, Loc, OsCondition, Profile, SourceId, Sources, Value};
use crate::maven::xml::{self, Element};
use miette::Diagnostic;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use thiserror::Error;

/// The settings files a Maven run would read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SettingsFiles {
    /// The user settings: `-s`, else `${user.home}/.m2/settings.xml`. `None` reads none.
    pub user: Option<PathBuf>,
    /// The global settings: `-gs`, else `${maven.home}/conf/settings.xml`. `None` reads
    /// none.
    pub global: Option<PathBuf>,
}

/// The merged, interpolated profiles of the settings files.
#[derive(Clone, Debug, Default)]
pub struct SettingsProfiles {
    /// The profiles, user settings first, as model profiles (id, activation, properties).
    pub profiles: Vec<Profile>,
    /// `<activeProfiles>`: ids that are active as if given with `-P`, for settings and POM
    /// profiles alike.
    pub active_profiles: Vec<String>,
}

/// Why a settings file could not be read.
#[derive(Debug, Error, Diagnostic)]
pub enum SettingsError {
    /// A settings file exists but could not be read.
    #[error("cannot read settings file {}", path.display())]
    #[diagnostic(
        code(m2fresh::maven::settings::read),
        help("check the file's permissions; Maven needs to read it too")
    )]
    Read {
        /// The settings file.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// A settings file is not a well-formed `<settings>` document; Maven fails on it too.
    #[error("settings file {} is not one Maven can read: {message}", path.display())]
    #[diagnostic(
        code(m2fresh::maven::settings::malformed),
        help("fix this settings file; `mvn` reports the same problem")
    )]
    Malformed {
        /// The settings file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Reads the profiles of both settings files, adds their texts to `sources` (so a
/// problem with a settings profile can point into its file), merges them as Maven does,
/// and interpolates them with `lookup` (user properties, then system properties, then
/// `env.*`). A file that does not exist contributes nothing.
pub fn read_profiles(
    files: &SettingsFiles,
    sources: &mut Sources,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<SettingsProfiles, SettingsError> {
    let user = read_file(files.user.as_deref(), sources)?;
    let global = read_file(files.global.as_deref(), sources)?;
    let mut merged = user.unwrap_or_default();
    if let Some(global) = global {
        for profile in global.profiles {
            if !merged
                .profiles
                .iter()
                .any(|p| p.id_or_default() == profile.id_or_default())
            {
                merged.profiles.push(profile);
            }
        }
        for id in global.active_profiles {
            if !merged.active_profiles.contains(&id) {
                merged.active_profiles.push(id);
            }
        }
    }
    for profile in &mut merged.profiles {
        interpolate_profile(profile, lookup);
    }
    for id in &mut merged.active_profiles {
        *id = interpolate(id, lookup);
    }
    Ok(merged)
}

fn read_file(
    path: Option<&Path>,
    sources: &mut Sources,
) -> Result<Option<SettingsProfiles>, SettingsError> {
    let Some(path) = path else {
        return Ok(None);
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SettingsError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let malformed = |message: String| SettingsError::Malformed {
        path: path.to_path_buf(),
        message,
    };
    let text = xml::decode(&bytes).map_err(malformed)?;
    let text: Arc<str> = Arc::from(text);
    let source = sources.add(path.to_path_buf(), path.display().to_string(), text.clone());
    parse(&text, source).map(Some).map_err(malformed)
}

/// The profiles and `<activeProfiles>` of one settings text, as written.
fn parse(text: &str, source: SourceId) -> Result<SettingsProfiles, String> {
    let root = xml::parse(text).map_err(|e| e.message)?;
    if root.name != "settings" {
        return Err(format!(
            "the root element is <{}>, not <settings>",
            root.name
        ));
    }
    let value = |e: &Element| Value {
        text: e.text.clone(),
        loc: Loc {
            source,
            span: e.text_span.clone(),
        },
    };
    let child = |parent: &Element, name: &str| parent.child(name).map(value);
    let profiles = root
        .child("profiles")
        .into_iter()
        .flat_map(|ps| ps.children_named("profile"))
        .map(|p| Profile {
            loc: Loc {
                source,
                span: p.span.clone(),
            },
            id: child(p, "id"),
            activation: p.child("activation").map(|a| {
                let property = a.child("property");
                let file = a.child("file");
                Activation {
                    // The settings reader takes a boolean, like Boolean.valueOf.
                    active_by_default: child(a, "activeByDefault").map(|mut v| {
                        v.text = v.text.eq_ignore_ascii_case("true").to_string();
                        v
                    }),
                    jdk: child(a, "jdk"),
                    property_name: property.and_then(|pr| child(pr, "name")),
                    property_value: property.and_then(|pr| child(pr, "value")),
                    file_exists: file.and_then(|f| child(f, "exists")),
                    file_missing: file.and_then(|f| child(f, "missing")),
                    os: a.child("os").map(|o| OsCondition {
                        name: child(o, "name"),
                        family: child(o, "family"),
                        arch: child(o, "arch"),
                        version: child(o, "version"),
                    }),
                }
            }),
            properties: p
                .child("properties")
                .map(|ps| {
                    ps.children
                        .iter()
                        .map(|e| (e.name.clone(), value(e)))
                        .collect::<BTreeMap<_, _>>()
                })
                .unwrap_or_default(),
            dependency_management: Vec::new(),
            dependencies: Vec::new(),
            modules: Vec::new(),
            build: Build::default(),
        })
        .collect();
    let active_profiles = root
        .child("activeProfiles")
        .into_iter()
        .flat_map(|a| a.children_named("activeProfile"))
        .map(|e| e.text.clone())
        .collect();
    Ok(SettingsProfiles {
        profiles,
        active_profiles,
    })
}

fn interpolate_profile(profile: &mut Profile, lookup: &dyn Fn(&str) -> Option<String>) {
    let each = |v: &mut Option<Value>| {
        if let Some(v) = v {
            v.text = interpolate(&v.text, lookup);
        }
    };
    each(&mut profile.id);
    if let Some(a) = &mut profile.activation {
        each(&mut a.jdk);
        each(&mut a.property_name);
        each(&mut a.property_value);
        each(&mut a.file_exists);
        each(&mut a.file_missing);
        if let Some(os) = &mut a.os {
            each(&mut os.name);
            each(&mut os.family);
            each(&mut os.arch);
            each(&mut os.version);
        }
    }
    for v in profile.properties.values_mut() {
        v.text = interpolate(&v.text, lookup);
    }
}

/// plexus' `RegexBasedInterpolator` as the settings builder uses it: each `${name}` that
/// resolves is replaced by its value, itself interpolated; an unresolved one (or one that
/// would recurse into itself) stays as written.
fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    use crate::maven::model::interpolate::{OnCycle, expand_simple};
    expand_simple(text, lookup, OnCycle::KeepLiteral).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::pom::text;
    use std::fs;

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, body).unwrap();
        path
    }

    fn ids(s: &SettingsProfiles) -> Vec<&str> {
        s.profiles.iter().map(Profile::id_or_default).collect()
    }

    #[test]
    fn user_settings_win_over_global_on_the_same_id() {
        let dir = tempfile::tempdir().unwrap();
        let user = write(
            dir.path(),
            "user.xml",
            "<settings><profiles>\
             <profile><id>shared</id><properties><v>user</v></properties></profile>\
             <profile><id>mine</id></profile>\
             </profiles><activeProfiles><activeProfile>shared</activeProfile></activeProfiles></settings>",
        );
        let global = write(
            dir.path(),
            "global.xml",
            "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"><profiles>\
             <profile><id>corp</id><activation><activeByDefault>TRUE</activeByDefault></activation></profile>\
             <profile><id>shared</id><properties><v>global</v></properties></profile>\
             </profiles><activeProfiles><activeProfile>corp</activeProfile>\
             <activeProfile>shared</activeProfile></activeProfiles></settings>",
        );
        let files = SettingsFiles {
            user: Some(user),
            global: Some(global),
        };
        let mut sources = Sources::default();
        let s = read_profiles(&files, &mut sources, &|_| None).unwrap();
        assert_eq!(ids(&s), ["shared", "mine", "corp"]);
        assert_eq!(s.profiles[0].properties["v"].text, "user");
        assert_eq!(s.active_profiles, ["shared", "corp"]);
        let corp = s.profiles[2].activation.as_ref().unwrap();
        assert_eq!(text(&corp.active_by_default), Some("true"));
        // Both texts are there for diagnostics.
        assert_eq!(sources.len(), 2);
    }

    #[test]
    fn values_are_interpolated_recursively_and_unknown_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let user = write(
            dir.path(),
            "s.xml",
            "<settings><profiles><profile><id>${pid}</id>\
             <activation><property><name>${pname}</name></property></activation>\
             <properties><a>${outer}</a><b>${nope}</b><c>${self}</c></properties>\
             </profile></profiles></settings>",
        );
        let lookup = |name: &str| -> Option<String> {
            match name {
                "pid" => Some("ci".into()),
                "pname" => Some("env.CI".into()),
                "outer" => Some("x-${inner}".into()),
                "inner" => Some("1".into()),
                "self" => Some("${self}".into()),
                _ => None,
            }
        };
        let files = SettingsFiles {
            user: Some(user),
            global: None,
        };
        let s = read_profiles(&files, &mut Sources::default(), &lookup).unwrap();
        let p = &s.profiles[0];
        assert_eq!(p.id_or_default(), "ci");
        let a = p.activation.as_ref().unwrap();
        assert_eq!(text(&a.property_name), Some("env.CI"));
        assert_eq!(p.properties["a"].text, "x-1");
        assert_eq!(p.properties["b"].text, "${nope}");
        assert_eq!(p.properties["c"].text, "${self}");
    }

    #[test]
    fn missing_files_give_nothing_and_malformed_ones_fail() {
        let dir = tempfile::tempdir().unwrap();
        let files = SettingsFiles {
            user: Some(dir.path().join("none.xml")),
            global: None,
        };
        let s = read_profiles(&files, &mut Sources::default(), &|_| None).unwrap();
        assert!(s.profiles.is_empty() && s.active_profiles.is_empty());
        let bad = write(dir.path(), "bad.xml", "<settings><profiles></settings>");
        let files = SettingsFiles {
            user: Some(bad),
            global: None,
        };
        assert!(matches!(
            read_profiles(&files, &mut Sources::default(), &|_| None),
            Err(SettingsError::Malformed { .. })
        ));
        let pom = write(dir.path(), "pom.xml", "<project/>");
        let files = SettingsFiles {
            user: None,
            global: Some(pom),
        };
        assert!(matches!(
            read_profiles(&files, &mut Sources::default(), &|_| None),
            Err(SettingsError::Malformed { .. })
        ));
    }
}

//! Build parameters: what a Maven run is given besides the sources and the POMs. A jar
//! built with `-Dflag=X` can differ from one built without it even when the effective
//! model does not mention `flag` (plugins read user properties directly), so the
//! parameters are an input of the fingerprint of their own, recorded in the stamp and
//! named when they differ.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// User properties that never change what `install` puts into the local repository for
/// a module's main artifact and POM: they skip tests, name the local repository (which
/// m2fresh passes itself) or say where and how `deploy` uploads. They are still part of
/// the model where a POM uses them.
pub const IGNORED_PROPERTIES: &[&str] = &[
    "skipTests",
    "maven.test.skip",
    "maven.test.failure.ignore",
    "maven.repo.local",
    "altDeploymentRepository",
    "altSnapshotDeploymentRepository",
    "altReleaseDeploymentRepository",
    "deployAtEnd",
    "retryFailedDeploymentCount",
];

/// Maven options that change how Maven runs, not what it builds: output, logging,
/// threads, failure handling, snapshot updates and network use. Given after `install --`
/// they are not recorded; every other option is.
const NEUTRAL_FLAGS: &[&str] = &[
    "-B",
    "--batch-mode",
    "-q",
    "--quiet",
    "-X",
    "--debug",
    "-e",
    "--errors",
    "-o",
    "--offline",
    "-U",
    "--update-snapshots",
    "-nsu",
    "--no-snapshot-updates",
    "-ntp",
    "--no-transfer-progress",
    "-fae",
    "--fail-at-end",
    "-ff",
    "--fail-fast",
    "-fn",
    "--fail-never",
    "-V",
    "--show-version",
    "-C",
    "--strict-checksums",
    "-c",
    "--lax-checksums",
];

/// Neutral options that take a value as the next argument.
const NEUTRAL_WITH_VALUE: &[&str] = &["-T", "--threads", "-l", "--log-file", "--color"];

/// What a build was (or would be) run with, besides sources and POMs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildParameters {
    /// User properties (`-D`): `.mvn/maven.config`, then m2fresh's `-D`, then the Maven
    /// arguments after `install --` (later wins, as in Maven), without
    /// [`IGNORED_PROPERTIES`].
    #[serde(default)]
    pub user_properties: BTreeMap<String, String>,
    /// System properties of the JVM that runs Maven: `-D` in `.mvn/jvm.config` and
    /// `MAVEN_OPTS`.
    #[serde(default)]
    pub jvm_properties: BTreeMap<String, String>,
    /// The `-P` selections (`.mvn/maven.config`, `-P`, after `install --`), one id each
    /// (`!id` deactivates), sorted.
    #[serde(default)]
    pub profiles: Vec<String>,
    /// Other Maven arguments after `install --` that may change the build, in order.
    #[serde(default)]
    pub maven_args: Vec<String>,
}

impl BuildParameters {
    /// Parameters from user properties, JVM properties and `-P` arguments (each may
    /// list several ids separated by commas).
    pub fn new(
        user_properties: &BTreeMap<String, String>,
        jvm_properties: &BTreeMap<String, String>,
        profile_args: &[String],
    ) -> BuildParameters {
        let mut p = BuildParameters {
            user_properties: user_properties
                .iter()
                .filter(|(k, _)| !IGNORED_PROPERTIES.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            jvm_properties: jvm_properties.clone(),
            profiles: Vec::new(),
            maven_args: Vec::new(),
        };
        p.add_profiles(profile_args);
        p
    }

    /// The parameters a workspace was modelled with: `.mvn/maven.config` and the
    /// caller's `-D` and `-P`, the JVM's `-D`.
    pub fn of(ws: &crate::maven::workspace::Workspace) -> BuildParameters {
        BuildParameters::new(
            ws.context.user_properties(),
            &ws.jvm_properties,
            &ws.profile_args,
        )
    }

    fn add_profiles(&mut self, args: &[String]) {
        for arg in args {
            for id in arg.split(',').map(str::trim).filter(|id| !id.is_empty()) {
                // `-P -id` is `-P !id`.
                let id = match id.strip_prefix('-') {
                    Some(rest) => format!("!{rest}"),
                    None => id.to_string(),
                };
                self.profiles.push(id);
            }
        }
        self.profiles.sort();
        self.profiles.dedup();
    }

    /// These parameters with the Maven arguments given after `install --`: their `-D`
    /// and `-P` join the properties and profiles, neutral options are dropped, and every
    /// other argument is kept as given.
    pub fn with_maven_args(&self, args: &[String]) -> BuildParameters {
        let mut p = self.clone();
        let split = split_maven_args(args);
        for (k, v) in split.user_properties {
            if !IGNORED_PROPERTIES.contains(&k.as_str()) {
                p.user_properties.insert(k, v);
            }
        }
        p.add_profiles(&split.profiles);
        p.maven_args.extend(split.other);
        p
    }

    /// How these parameters differ from `now`, one sentence each, for evidence:
    /// `installed with -Dflag=X, now not set`.
    pub fn differences(&self, now: &BuildParameters) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut maps = |name: &str,
                        was: &BTreeMap<String, String>,
                        is: &BTreeMap<String, String>| {
            let keys: std::collections::BTreeSet<&String> = was.keys().chain(is.keys()).collect();
            for k in keys {
                let sentence = match (was.get(k), is.get(k)) {
                    (Some(a), Some(b)) if a == b => continue,
                    (Some(a), Some(b)) => {
                        format!("installed with {name}{k}={a}, now {name}{k}={b}")
                    }
                    (Some(a), None) => format!("installed with {name}{k}={a}, now not set"),
                    (None, Some(b)) => format!("installed without {name}{k}, now {name}{k}={b}"),
                    (None, None) => continue,
                };
                out.push((format!("{name}{k}"), sentence));
            }
        };
        maps("-D", &self.user_properties, &now.user_properties);
        maps(
            "MAVEN_OPTS/jvm.config -D",
            &self.jvm_properties,
            &now.jvm_properties,
        );
        if self.profiles != now.profiles {
            out.push((
                "-P".into(),
                format!(
                    "installed with {}, now {}",
                    describe_profiles(&self.profiles),
                    describe_profiles(&now.profiles)
                ),
            ));
        }
        if self.maven_args != now.maven_args {
            let words = |a: &[String]| {
                if a.is_empty() {
                    "no other Maven arguments".to_string()
                } else {
                    format!("Maven arguments `{}`", a.join(" "))
                }
            };
            out.push((
                "maven-args".into(),
                format!(
                    "installed with {}, now {}",
                    words(&self.maven_args),
                    words(&now.maven_args)
                ),
            ));
        }
        out
    }
}

fn describe_profiles(ids: &[String]) -> String {
    if ids.is_empty() {
        "no -P".into()
    } else {
        format!("-P {}", ids.join(","))
    }
}

/// Maven arguments split into what m2fresh models (`-D`, `-P`) and the rest.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SplitArgs {
    /// `-Dname=value` (`-Dname` is `true`, as in Maven).
    pub user_properties: BTreeMap<String, String>,
    /// `-P` arguments as given.
    pub profiles: Vec<String>,
    /// Everything else that may change the build, in order (neutral options dropped).
    pub other: Vec<String>,
    /// Every argument but the `-D` and `-P` ones, in order: what is passed to Maven as
    /// given, next to the properties and profiles m2fresh passes itself.
    pub passthrough: Vec<String>,
}

/// Splits Maven command-line arguments: `-D`/`--define`, `-P`/`--activate-profiles`,
/// neutral options (dropped) and the rest.
pub fn split_maven_args(args: &[String]) -> SplitArgs {
    let mut out = SplitArgs::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let define = |s: &str, props: &mut BTreeMap<String, String>| {
            let (k, v) = s.split_once('=').unwrap_or((s, "true"));
            props.insert(k.to_string(), v.to_string());
        };
        if let Some(d) = arg
            .strip_prefix("--define=")
            .or_else(|| arg.strip_prefix("-D").filter(|d| !d.is_empty()))
        {
            define(d, &mut out.user_properties);
        } else if arg == "-D" || arg == "--define" {
            if let Some(next) = it.next() {
                define(next, &mut out.user_properties);
            }
        } else if let Some(p) = arg
            .strip_prefix("--activate-profiles=")
            .or_else(|| arg.strip_prefix("-P").filter(|p| !p.is_empty()))
        {
            out.profiles.push(p.to_string());
        } else if arg == "-P" || arg == "--activate-profiles" {
            if let Some(next) = it.next() {
                out.profiles.push(next.clone());
            }
        } else if NEUTRAL_WITH_VALUE.contains(&arg.as_str()) {
            out.passthrough.push(arg.clone());
            if let Some(value) = it.next() {
                out.passthrough.push(value.clone());
            }
        } else if NEUTRAL_FLAGS.contains(&arg.as_str())
            || arg.starts_with("-T")
            || arg.starts_with("--threads=")
            || arg.starts_with("--color=")
            || arg.starts_with("--log-file=")
        {
            out.passthrough.push(arg.clone());
        } else {
            out.other.push(arg.clone());
            out.passthrough.push(arg.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn maven_args_are_split_as_maven_reads_them() {
        let s = split_maven_args(&args(&[
            "-Dflag=X",
            "-D",
            "other",
            "--define=a=b=c",
            "-Pone,two",
            "-P",
            "!three",
            "-T",
            "4",
            "-T1C",
            "-q",
            "-U",
            "--also-make",
            "-Dempty=",
        ]));
        assert_eq!(s.user_properties["flag"], "X");
        assert_eq!(s.user_properties["other"], "true");
        assert_eq!(s.user_properties["a"], "b=c");
        assert_eq!(s.user_properties["empty"], "");
        assert_eq!(s.profiles, args(&["one,two", "!three"]));
        assert_eq!(s.other, args(&["--also-make"]));
        assert_eq!(
            s.passthrough,
            args(&["-T", "4", "-T1C", "-q", "-U", "--also-make"])
        );
    }

    #[test]
    fn profiles_are_one_id_each_sorted_and_minus_is_not() {
        let p = BuildParameters::new(
            &BTreeMap::new(),
            &BTreeMap::new(),
            &args(&["b,a", "-c", "a"]),
        );
        assert_eq!(p.profiles, args(&["!c", "a", "b"]));
    }

    #[test]
    fn differences_name_the_property_and_both_values() {
        let was = BuildParameters::new(
            &BTreeMap::from([("flag".to_string(), "X".to_string())]),
            &BTreeMap::new(),
            &[],
        );
        let now = BuildParameters::default();
        let d = was.differences(&now);
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].1, "installed with -Dflag=X, now not set");
        let d = now.differences(&was);
        assert_eq!(d[0].1, "installed without -Dflag, now -Dflag=X");
        assert!(was.differences(&was).is_empty());
    }

    #[test]
    fn test_skipping_and_the_repository_are_not_parameters() {
        let p = BuildParameters::default().with_maven_args(&args(&[
            "-DskipTests",
            "-Dmaven.repo.local=/tmp/r",
            "-Dx=1",
            "-o",
        ]));
        assert_eq!(
            p.user_properties,
            BTreeMap::from([("x".to_string(), "1".to_string())])
        );
        assert!(p.maven_args.is_empty());
    }
}

//! The remote stamp: what m2fresh knew about a module when it deployed it, next to the
//! deployed artifact in the remote repository.
//!
//! It is the local stamp ([`crate::freshness::stamp::Stamp`]: the fingerprint, every
//! input's hash, the model, the parameters, the upstream) plus [`Deployed`]: the version
//! as deployed — for a SNAPSHOT the exact timestamped build (`1.0-20240101.120000-3`) —
//! and the size, SHA-1 and SHA-256 of the artifact and the POM that were deployed. Its
//! name binds it to that build: `<artifactId>-<deployed version>.m2fresh.json` in the
//! version's directory, the name Maven's layout gives an attached artifact of extension
//! `m2fresh.json`. Two runners that deploy the same SNAPSHOT get two timestamped builds,
//! and so two stamps that cannot overwrite each other; a reader takes the stamp of the
//! build `maven-metadata.xml` names, and compares its checksums with the ones the
//! repository publishes for that build's files: a difference makes the artifact
//! `foreign`.
//!
//! A stamp holds no URL, host or credential: only hashes, relative paths, the model and
//! the parameters (whose secret-looking values the local stamp already keeps as hashes).

use crate::coords::Gav;
use crate::freshness::stamp::{STAMP_SCHEMA, Stamp};
use crate::remote::layout::{self, file_name};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The most of a remote stamp m2fresh reads (it lists every input of a module).
pub const MAX_STAMP_BYTES: u64 = 32 << 20;

/// A stamp as deployed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteStamp {
    /// The local stamp's record of the build.
    #[serde(flatten)]
    pub stamp: Stamp,
    /// What was deployed.
    pub deployed: Deployed,
}

/// The deployed build a remote stamp is bound to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// The version as deployed: a SNAPSHOT's timestamped version, else the version.
    pub version: String,
    /// The main artifact; `None` for `pom` packaging.
    pub artifact: Option<DeployedFile>,
    /// The POM.
    pub pom: DeployedFile,
    /// When the stamp was uploaded, RFC 3339 UTC.
    pub deployed_at: String,
}

/// One deployed file and its checksums.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeployedFile {
    /// Its name in the version directory (`a-1.0-20240101.120000-3.jar`).
    pub file: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-1, lowercase hex (what Maven publishes beside it as `.sha1`).
    pub sha1: String,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

impl DeployedFile {
    /// Hashes the local copy of a file deployed under `file`.
    pub fn of(path: &Path, file: String) -> std::io::Result<DeployedFile> {
        let size = std::fs::metadata(path)?.len();
        let (sha1, sha256) = layout::file_checksums(path)?;
        Ok(DeployedFile {
            file,
            size,
            sha1,
            sha256,
        })
    }

    /// The recorded checksum for an algorithm.
    pub fn checksum(&self, algorithm: layout::ChecksumAlgorithm) -> &str {
        match algorithm {
            layout::ChecksumAlgorithm::Sha1 => &self.sha1,
            layout::ChecksumAlgorithm::Sha256 => &self.sha256,
        }
    }
}

/// The stamp's file name for a deployed version: `artifactId-version.m2fresh.json`.
pub fn stamp_file(artifact_id: &str, deployed_version: &str) -> String {
    file_name(artifact_id, deployed_version, None, "m2fresh.json")
}

/// Parses a remote stamp and checks that it is the one of `gav`'s build
/// `deployed_version` with a main artifact of this extension and classifier: a stamp
/// of other coordinates, another build or of impossible shape is refused with why.
pub fn parse(
    bytes: &[u8],
    gav: &Gav,
    deployed_version: &str,
    main: (&str, Option<&str>),
) -> Result<RemoteStamp, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not a stamp: {e}"))?;
    let schema = value
        .get("schema")
        .and_then(serde_json::Value::as_u64)
        .ok_or("no numeric \"schema\" field")?;
    if schema != u64::from(STAMP_SCHEMA) {
        return Err(format!(
            "schema {schema}, this m2fresh reads schema {STAMP_SCHEMA}"
        ));
    }
    let stamp: RemoteStamp =
        serde_json::from_value(value).map_err(|e| format!("not a remote stamp: {e}"))?;
    if stamp.stamp.gav != *gav {
        return Err(format!("it is the stamp of {}", stamp.stamp.gav));
    }
    let d = &stamp.deployed;
    if d.version != deployed_version {
        return Err(format!(
            "it is bound to build {}, not {deployed_version}",
            d.version.escape_debug()
        ));
    }
    let (extension, classifier) = main;
    let expected_pom = file_name(&gav.artifact_id, deployed_version, None, "pom");
    check_file(&d.pom, &expected_pom)?;
    match (&d.artifact, extension) {
        (None, "pom") => {}
        (Some(a), ext) if ext != "pom" => {
            check_file(
                a,
                &file_name(&gav.artifact_id, deployed_version, classifier, ext),
            )?;
        }
        _ => return Err("its artifact does not match the module's packaging".into()),
    }
    Ok(stamp)
}

fn check_file(f: &DeployedFile, expected: &str) -> Result<(), String> {
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    if f.file != expected {
        return Err(format!(
            "it names {} where {expected} was deployed",
            f.file.escape_debug()
        ));
    }
    if !hex(&f.sha1, 40) || !hex(&f.sha256, 64) {
        return Err(format!("the checksums of {expected} are not hex digests"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn sample(version: &str) -> RemoteStamp {
        let gav = Gav::new("g", "a", "1.0-SNAPSHOT");
        let file = |ext: &str| DeployedFile {
            file: file_name("a", version, None, ext),
            size: 10,
            sha1: "1".repeat(40),
            sha256: "2".repeat(64),
        };
        RemoteStamp {
            stamp: Stamp {
                schema: STAMP_SCHEMA,
                gav,
                packaging: "jar".into(),
                fingerprint: "ab".repeat(32),
                model_hash: "cd".repeat(32),
                model: Default::default(),
                inputs: BTreeMap::new(),
                upstream: BTreeMap::new(),
                parameters: Default::default(),
                built_against: BTreeMap::new(),
                artifact: None,
                pom_blake3: "05".repeat(32),
                installed_at: "2024-01-01T12:00:00Z".into(),
                tool: "m2fresh test".into(),
            },
            deployed: Deployed {
                version: version.into(),
                artifact: Some(file("jar")),
                pom: file("pom"),
                deployed_at: "2024-01-01T12:00:01Z".into(),
            },
        }
    }

    const BUILD: &str = "1.0-20240101.120000-3";

    #[test]
    fn a_stamp_round_trips_and_is_bound_to_its_build() {
        let s = sample(BUILD);
        let bytes = serde_json::to_vec(&s).unwrap();
        let gav = s.stamp.gav.clone();
        assert_eq!(parse(&bytes, &gav, BUILD, ("jar", None)).unwrap(), s);
        assert_eq!(
            stamp_file("a", BUILD),
            "a-1.0-20240101.120000-3.m2fresh.json"
        );
        let other = parse(&bytes, &gav, "1.0-20240101.130000-4", ("jar", None)).unwrap_err();
        assert!(other.contains("bound to build"), "{other}");
        let elsewhere = parse(
            &bytes,
            &Gav::new("g", "b", "1.0-SNAPSHOT"),
            BUILD,
            ("jar", None),
        );
        assert!(elsewhere.unwrap_err().contains("stamp of g:a"));
        assert!(parse(&bytes, &gav, BUILD, ("pom", None)).is_err());
    }

    /// Whatever the server sends, parsing is an answer, never a panic.
    #[test]
    fn hostile_stamps_are_refused() {
        let s = sample(BUILD);
        let gav = s.stamp.gav.clone();
        let good = serde_json::to_value(&s).unwrap();
        let mut cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"null".to_vec(),
            b"[]".to_vec(),
            b"{\"schema\": 99}".to_vec(),
            vec![0xff; 100],
        ];
        let mut bad_sha = good.clone();
        bad_sha["deployed"]["artifact"]["sha1"] = "zz".into();
        let mut bad_file = good.clone();
        bad_file["deployed"]["pom"]["file"] = "../../x.pom".into();
        let mut no_deployed = good.clone();
        no_deployed.as_object_mut().unwrap().remove("deployed");
        for v in [bad_sha, bad_file, no_deployed] {
            cases.push(serde_json::to_vec(&v).unwrap());
        }
        let full = serde_json::to_vec(&good).unwrap();
        for cut in [1, full.len() / 2, full.len() - 1] {
            cases.push(full[..cut].to_vec());
        }
        for (i, case) in cases.iter().enumerate() {
            assert!(parse(case, &gav, BUILD, ("jar", None)).is_err(), "case {i}");
        }
    }
}

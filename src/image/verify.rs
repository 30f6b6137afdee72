//! `image --verify`: the jars inside a pushed image, read from the registry, to compare
//! with the fresh artifacts in the local repository.
//!
//! Every layer is streamed to a temporary file (checked against its digest), unpacked as
//! a tar stream (gzip or not), and every `.jar`/`.war` in it is hashed (blake3) and
//! identified by the `META-INF/maven/<groupId>/<artifactId>/pom.properties` Maven puts
//! into it — so a jar renamed to `/app.jar` is still known. Jars nested in a Spring Boot
//! fat jar (`BOOT-INF/lib`) or a war (`WEB-INF/lib`) are read too; Jib's dependency
//! layers hold them as plain files. Later layers win, whiteouts remove.
//!
//! Layers are untrusted: their sizes, the number of entries, each jar's size and the
//! nesting are bounded, and no path from a layer is ever written to disk.

use super::registry::{ImageReference, RegistryClient, RegistryError, RegistryOptions};
use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;

/// Limits for reading an image.
#[derive(Clone, Copy, Debug)]
pub struct VerifyLimits {
    /// The largest layer (compressed) downloaded.
    pub max_layer_bytes: u64,
    /// The largest jar read from a layer or a fat jar.
    pub max_jar_bytes: u64,
    /// The most tar entries read from one layer.
    pub max_entries: usize,
}

impl Default for VerifyLimits {
    fn default() -> Self {
        VerifyLimits {
            max_layer_bytes: 4 * 1024 * 1024 * 1024,
            max_jar_bytes: 512 * 1024 * 1024,
            max_entries: 1_000_000,
        }
    }
}

/// Maven coordinates read from a jar's `pom.properties`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JarIdentity {
    /// The groupId.
    pub group_id: String,
    /// The artifactId.
    pub artifact_id: String,
    /// The version.
    pub version: String,
}

/// A jar found in an image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageJar {
    /// Its path in the image; `outer.jar!/BOOT-INF/lib/x.jar` for a nested one.
    pub path: String,
    /// The coordinates it carries, when it carries exactly one `pom.properties` (or one
    /// that matches its file name).
    pub identity: Option<JarIdentity>,
    /// blake3 of its bytes, hex.
    pub blake3: String,
    /// Its size.
    pub size: u64,
}

/// An image read from a registry: its digest, labels and jars.
#[derive(Clone, Debug)]
pub struct ImageContents {
    /// The manifest digest.
    pub digest: String,
    /// The config's labels.
    pub labels: BTreeMap<String, String>,
    /// The jars, by path.
    pub jars: Vec<ImageJar>,
}

/// Why reading an image failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[non_exhaustive]
pub enum VerifyError {
    /// The registry part.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Registry(#[from] RegistryError),

    /// The registry has no such image.
    #[error("the registry has no image {image}")]
    #[diagnostic(
        code(m2fresh::verify::not_found),
        help("check the name and tag; `--verify` reads a pushed image")
    )]
    NotFound {
        /// The image.
        image: String,
    },

    /// A layer that is not a tar stream, or over a limit.
    #[error("layer {digest} of {image}: {message}")]
    #[diagnostic(
        code(m2fresh::verify::layer),
        help("the image's layers must be tar (or gzip'd tar) streams within m2fresh's limits")
    )]
    Layer {
        /// The image.
        image: String,
        /// The layer.
        digest: String,
        /// What is wrong.
        message: String,
    },

    /// A temporary directory could not be made.
    #[error("cannot make a temporary directory: {0}")]
    #[diagnostic(code(m2fresh::verify::io))]
    Io(#[source] std::io::Error),
}

/// Reads `image` from its registry: every jar in its layers, identified and hashed.
pub fn read_image(
    image: &str,
    options: &RegistryOptions,
    limits: &VerifyLimits,
) -> Result<ImageContents, VerifyError> {
    let reference = ImageReference::parse(image)?;
    let mut client = RegistryClient::connect(&reference, options)?;
    let Some(remote) = client.image(&reference)? else {
        return Err(VerifyError::NotFound {
            image: image.to_owned(),
        });
    };
    let tmp = tempfile::tempdir().map_err(VerifyError::Io)?;
    let mut jars: BTreeMap<String, ImageJar> = BTreeMap::new();
    for layer in &remote.layers {
        let file = client.download_layer(&reference, layer, tmp.path(), limits.max_layer_bytes)?;
        let layer_error = |message: String| VerifyError::Layer {
            image: image.to_owned(),
            digest: layer.digest.clone(),
            message,
        };
        let mut reader = std::io::BufReader::new(file.reopen().map_err(VerifyError::Io)?);
        let gzip = {
            use std::io::BufRead;
            let head = reader.fill_buf().map_err(|e| layer_error(e.to_string()))?;
            head.starts_with(&[0x1f, 0x8b])
        };
        let stream: Box<dyn Read> = if gzip {
            Box::new(flate2::read::GzDecoder::new(reader))
        } else {
            Box::new(reader)
        };
        read_layer(stream, tmp.path(), limits, &mut jars).map_err(layer_error)?;
    }
    Ok(ImageContents {
        digest: remote.digest,
        labels: remote.labels,
        jars: jars.into_values().collect(),
    })
}

/// One layer's entries applied to `jars`: jars added or replaced, whiteouts removing.
fn read_layer(
    stream: Box<dyn Read>,
    tmp: &Path,
    limits: &VerifyLimits,
    jars: &mut BTreeMap<String, ImageJar>,
) -> Result<(), String> {
    let mut archive = tar::Archive::new(stream);
    let entries = archive
        .entries()
        .map_err(|e| format!("not a tar stream: {e}"))?;
    for (count, entry) in entries.enumerate() {
        if count >= limits.max_entries {
            return Err(format!("more than {} entries", limits.max_entries));
        }
        let mut entry = entry.map_err(|e| format!("a damaged tar entry: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| format!("a tar entry without a path: {e}"))?
            .to_string_lossy()
            .trim_start_matches("./")
            .trim_start_matches('/')
            .to_owned();
        let name = path.rsplit('/').next().unwrap_or(&path).to_owned();
        if let Some(removed) = name.strip_prefix(".wh.") {
            let dir = path[..path.len() - name.len()].to_owned();
            if removed == ".wh..opq" || name == ".wh..wh..opq" {
                jars.retain(|p, _| !p.starts_with(&dir));
            } else {
                let gone = format!("{dir}{removed}");
                jars.retain(|p, _| p != &gone && !p.starts_with(&format!("{gone}/")));
            }
            continue;
        }
        if !entry.header().entry_type().is_file() || !is_archive_name(&name) {
            continue;
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if size > limits.max_jar_bytes {
            return Err(format!(
                "{} is larger than {} bytes",
                path.escape_debug(),
                limits.max_jar_bytes
            ));
        }
        let mut file = tempfile::tempfile_in(tmp).map_err(|e| e.to_string())?;
        let copied = std::io::copy(&mut (&mut entry).take(size), &mut file)
            .map_err(|e| format!("reading {}: {e}", path.escape_debug()))?;
        file.rewind().map_err(|e| e.to_string())?;
        jars.retain(|p, _| !p.starts_with(&format!("{path}!/")));
        for jar in read_jar(file, &path, &name, copied, limits) {
            jars.insert(jar.path.clone(), jar);
        }
    }
    Ok(())
}

fn is_archive_name(name: &str) -> bool {
    name.ends_with(".jar") || name.ends_with(".war")
}

/// The jar itself and the jars nested in it (`BOOT-INF/lib`, `WEB-INF/lib`), one level.
fn read_jar<R: Read + Seek>(
    mut reader: R,
    path: &str,
    name: &str,
    size: u64,
    limits: &VerifyLimits,
) -> Vec<ImageJar> {
    let mut hasher = blake3::Hasher::new();
    if std::io::copy(&mut reader, &mut hasher).is_err() || reader.rewind().is_err() {
        return Vec::new();
    }
    let mut out = vec![ImageJar {
        path: path.to_owned(),
        identity: None,
        blake3: hasher.finalize().to_hex().to_string(),
        size,
    }];
    let Ok(mut zip) = zip::ZipArchive::new(reader) else {
        return out;
    };
    out[0].identity = identity(&mut zip, name);
    let nested: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| {
            (n.starts_with("BOOT-INF/lib/") || n.starts_with("WEB-INF/lib/")) && is_archive_name(n)
        })
        .collect();
    for inner in nested {
        let Ok(mut entry) = zip.by_name(&inner) else {
            continue;
        };
        if entry.size() > limits.max_jar_bytes {
            continue;
        }
        let mut bytes = Vec::new();
        if (&mut entry)
            .take(limits.max_jar_bytes)
            .read_to_end(&mut bytes)
            .is_err()
        {
            continue;
        }
        drop(entry);
        let inner_name = inner.rsplit('/').next().unwrap_or(&inner).to_owned();
        let mut nested_jar = ImageJar {
            path: format!("{path}!/{inner}"),
            identity: None,
            blake3: blake3::hash(&bytes).to_hex().to_string(),
            size: bytes.len() as u64,
        };
        if let Ok(mut inner_zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) {
            nested_jar.identity = identity(&mut inner_zip, &inner_name);
        }
        out.push(nested_jar);
    }
    out
}

/// The coordinates in a jar's `META-INF/maven/*/*/pom.properties`: the one whose
/// `artifactId-version` starts the file name, else the only one.
fn identity<R: Read + Seek>(zip: &mut zip::ZipArchive<R>, file_name: &str) -> Option<JarIdentity> {
    let names: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .filter(|n| n.starts_with("META-INF/maven/") && n.ends_with("/pom.properties"))
        .take(1000)
        .collect();
    let mut found = Vec::new();
    for name in &names {
        let Ok(entry) = zip.by_name(name) else {
            continue;
        };
        let mut text = String::new();
        if entry.take(64 * 1024).read_to_string(&mut text).is_err() {
            continue;
        }
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(key)?.trim_start().strip_prefix('='))
                .map(|v| v.trim().to_owned())
        };
        if let (Some(g), Some(a), Some(v)) =
            (value("groupId"), value("artifactId"), value("version"))
        {
            found.push(JarIdentity {
                group_id: g,
                artifact_id: a,
                version: v,
            });
        }
    }
    if let Some(by_name) = found
        .iter()
        .find(|i| file_name.starts_with(&format!("{}-{}", i.artifact_id, i.version)))
    {
        return Some(by_name.clone());
    }
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn jar(entries: &[(&str, &[u8])], stored: bool) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default().compression_method(if stored {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            });
            for (name, data) in entries {
                w.start_file(*name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        buf.into_inner()
    }

    fn props(g: &str, a: &str, v: &str) -> Vec<u8> {
        format!("groupId={g}\nartifactId={a}\nversion={v}\n").into_bytes()
    }

    fn layer(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    #[test]
    fn jars_are_found_plain_renamed_and_nested_and_whiteouts_remove() {
        let api_props = props("com.x", "api", "1.0");
        let api = jar(
            &[(
                "META-INF/maven/com.x/api/pom.properties",
                api_props.as_slice(),
            )],
            false,
        );
        let app_props = props("com.x", "app", "1.0");
        let fat = jar(
            &[
                (
                    "META-INF/maven/com.x/app/pom.properties",
                    app_props.as_slice(),
                ),
                ("BOOT-INF/lib/api-1.0.jar", api.as_slice()),
            ],
            true,
        );
        let tmp = tempfile::tempdir().unwrap();
        let limits = VerifyLimits::default();
        let mut jars = BTreeMap::new();
        let first = layer(&[("app/libs/api-1.0.jar", &api), ("app.jar", &fat)]);
        read_layer(
            Box::new(std::io::Cursor::new(first)),
            tmp.path(),
            &limits,
            &mut jars,
        )
        .unwrap();
        let api_hash = blake3::hash(&api).to_hex().to_string();
        assert_eq!(jars["app/libs/api-1.0.jar"].blake3, api_hash);
        assert_eq!(
            jars["app.jar"]
                .identity
                .as_ref()
                .map(|i| i.artifact_id.as_str()),
            Some("app")
        );
        let nested = &jars["app.jar!/BOOT-INF/lib/api-1.0.jar"];
        assert_eq!(nested.blake3, api_hash);
        assert_eq!(nested.identity.as_ref().unwrap().artifact_id, "api");

        let second = layer(&[("app/libs/.wh.api-1.0.jar", b"")]);
        read_layer(
            Box::new(std::io::Cursor::new(second)),
            tmp.path(),
            &limits,
            &mut jars,
        )
        .unwrap();
        assert!(!jars.contains_key("app/libs/api-1.0.jar"));
        assert!(jars.contains_key("app.jar!/BOOT-INF/lib/api-1.0.jar"));
    }

    #[test]
    fn garbage_and_oversized_layers_are_errors_not_panics() {
        let tmp = tempfile::tempdir().unwrap();
        let mut jars = BTreeMap::new();
        let limits = VerifyLimits {
            max_jar_bytes: 10,
            ..VerifyLimits::default()
        };
        let junk = vec![0xffu8; 2048];
        assert!(
            read_layer(
                Box::new(std::io::Cursor::new(junk)),
                tmp.path(),
                &limits,
                &mut jars
            )
            .is_err()
        );
        let big = layer(&[("a.jar", &[0u8; 100])]);
        let err = read_layer(
            Box::new(std::io::Cursor::new(big)),
            tmp.path(),
            &limits,
            &mut jars,
        )
        .unwrap_err();
        assert!(err.contains("larger than"), "{err}");
        // A .jar that is no zip is hashed, without identity.
        let notzip = layer(&[("b.jar", b"plain")]);
        read_layer(
            Box::new(std::io::Cursor::new(notzip)),
            tmp.path(),
            &VerifyLimits::default(),
            &mut jars,
        )
        .unwrap();
        assert_eq!(jars["b.jar"].identity, None);
    }
}

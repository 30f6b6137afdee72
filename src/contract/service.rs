//! A service's registration identity: the version under which its contract is
//! registered (ServiceComb/CSE `servicecomb.service.version` or
//! `service_description.version`, Eureka or Nacos metadata), read from the configuration
//! files a Spring Boot or ServiceComb service keeps in `src/main/resources`.
//!
//! A registry keys a contract by service name and version: a changed contract under an
//! unchanged version is not registered again (ServiceComb refuses it, or keeps the old
//! schema), which is the story's third lesson.

use std::path::{Path, PathBuf};

/// The files read, in order; the first that names a version wins.
pub const FILES: [&str; 5] = [
    "microservice.yaml",
    "application.yml",
    "application.yaml",
    "bootstrap.yml",
    "application.properties",
];

/// The keys that hold a registered service's version.
pub const VERSION_KEYS: [&str; 5] = [
    "servicecomb.service.version",
    "service_description.version",
    "eureka.instance.metadata-map.version",
    "spring.cloud.nacos.discovery.metadata.version",
    "spring.application.version",
];

/// The largest configuration file read.
const MAX_FILE: u64 = 1 << 20;

/// Where a service's version is configured, and its value.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ServiceVersion {
    /// The file.
    pub file: PathBuf,
    /// The key, dotted (`servicecomb.service.version`).
    pub key: String,
    /// The value as written.
    pub value: String,
}

/// The service version configured in `resources` (a module's `src/main/resources`, or an
/// exploded jar), if any file there names one.
pub fn service_version(resources: &Path) -> Option<ServiceVersion> {
    for name in FILES {
        let file = resources.join(name);
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        if !meta.is_file() || meta.len() > MAX_FILE {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        let entries = if name.ends_with(".properties") {
            properties(&text)
        } else {
            yaml_scalars(&text)
        };
        for key in VERSION_KEYS {
            if let Some((_, value)) = entries.iter().find(|(k, _)| k == key) {
                return Some(ServiceVersion {
                    file,
                    key: key.to_string(),
                    value: value.clone(),
                });
            }
        }
    }
    None
}

fn properties(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with('!'))
        .filter_map(|l| {
            let (k, v) = l.split_once(['=', ':'])?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect()
}

/// The scalar entries of a YAML mapping as dotted keys: enough of YAML for
/// configuration files (nested mappings by indentation, dotted keys, quoted values);
/// sequences and multi-line values are skipped.
pub fn yaml_scalars(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    // (indentation, key) of the enclosing mappings.
    let mut stack: Vec<(usize, String)> = Vec::new();
    for line in text.lines() {
        let content = line.split(" #").next().unwrap_or(line);
        let trimmed = content.trim_end();
        if trimmed.trim().is_empty() || trimmed.trim_start().starts_with('#') {
            continue;
        }
        if trimmed.trim_start().starts_with('-') || trimmed.trim() == "---" {
            continue;
        }
        let indent = trimmed.len() - trimmed.trim_start().len();
        let Some((key, value)) = trimmed.trim_start().split_once(':') else {
            continue;
        };
        while stack.last().is_some_and(|(i, _)| *i >= indent) {
            stack.pop();
        }
        let key = key.trim().trim_matches(['"', '\'']).to_string();
        let mut path: Vec<&str> = stack.iter().map(|(_, k)| k.as_str()).collect();
        path.push(&key);
        let full = path.join(".");
        let value = value.trim();
        if value.is_empty() {
            stack.push((indent, key));
        } else {
            out.push((full, value.trim_matches(['"', '\'']).to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_and_dotted_yaml_keys() {
        let text = "APPLICATION_ID: xuecheng\nservice_description:\n  name: cms # the name\n  version: 1.0.0\nservicecomb:\n  service:\n    version: \"2.0\"\nspring.application.name: cms\n";
        let entries = yaml_scalars(text);
        assert!(entries.contains(&("service_description.version".into(), "1.0.0".into())));
        assert!(entries.contains(&("servicecomb.service.version".into(), "2.0".into())));
        assert!(entries.contains(&("spring.application.name".into(), "cms".into())));
        assert!(entries.contains(&("service_description.name".into(), "cms".into())));
    }

    #[test]
    fn the_servicecomb_key_wins() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            dir.path().join("microservice.yaml"),
            "service_description:\n  version: 1.0.0\nservicecomb:\n  service:\n    version: 1.2.0\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let found = service_version(dir.path()).unwrap_or_else(|| panic!("no version"));
        assert_eq!(found.key, "servicecomb.service.version");
        assert_eq!(found.value, "1.2.0");
        assert!(service_version(&dir.path().join("nothing")).is_none());
    }
}

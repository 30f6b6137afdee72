//! Filling an [`ImageTarget`] from a workspace module's effective model.

use super::{ConfigNode, ImageTarget, MavenCommand, PluginInfo, ResourceRoot};
use crate::maven::pom::{Config, text};
use crate::maven::workspace::{Module, Workspace};

impl ImageTarget {
    /// The image target of a module: its coordinates, directories, effective build
    /// plugins (with their interpolated configuration), properties, build directories
    /// and resource directories.
    pub fn from_module(ws: &Workspace, m: &Module, fingerprint: &str, maven: MavenCommand) -> Self {
        let build = &m.effective.build;
        let path = |v: &Option<crate::maven::pom::Value>, default: &str| {
            text(v)
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| m.dir.join(default))
        };
        ImageTarget {
            build_directory: path(&build.directory, "target"),
            output_directory: path(&build.output_directory, "target/classes"),
            final_name: text(&build.final_name)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("{}-{}", m.gav.artifact_id, m.gav.version)),
            resources: build
                .resources
                .iter()
                .filter_map(|r| {
                    Some(ResourceRoot {
                        directory: std::path::PathBuf::from(text(&r.directory)?),
                        target_path: text(&r.target_path).map(str::to_owned),
                        filtering: text(&r.filtering) == Some("true"),
                    })
                })
                .collect(),
            group_id: m.gav.group_id.clone(),
            artifact_id: m.gav.artifact_id.clone(),
            version: m.gav.version.clone(),
            packaging: m.packaging.clone(),
            module_dir: m.dir.clone(),
            pom: m.pom.clone(),
            workspace_root: ws.root.clone(),
            fingerprint: fingerprint.to_string(),
            plugins: m
                .effective
                .build
                .plugins
                .iter()
                .map(|p| PluginInfo {
                    group_id: p.group_id_or_default().to_string(),
                    artifact_id: text(&p.artifact_id).unwrap_or("").to_string(),
                    version: text(&p.version).map(str::to_owned),
                    configuration: p.configuration.as_ref().map(config_node),
                })
                .collect(),
            properties: m
                .effective
                .properties
                .iter()
                .map(|(k, v)| (k.clone(), v.text.clone()))
                .collect(),
            maven,
        }
    }
}

fn config_node(c: &Config) -> ConfigNode {
    ConfigNode {
        name: c.name.clone(),
        text: text(&c.value).map(str::to_owned),
        children: c.children.iter().map(config_node).collect(),
    }
}

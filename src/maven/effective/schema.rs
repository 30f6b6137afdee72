//! The POM 4.0.0 model as Maven's `MavenXpp3Writer` writes it: each class's elements in
//! the writer's order, with their kinds and the default values the writer leaves out.
//!
//! Read from maven-model 3.8.7's and 3.9.16's generated writers (`javap -c` on
//! `MavenXpp3Writer`: both write the same elements in the same order). Reading, merging
//! and writing the effective model are driven by this one table, so an element is
//! either known everywhere or nowhere.

/// A class of Maven's model (`maven.mdo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// `<project>`.
    Model,
    /// `<parent>`.
    Parent,
    /// `<organization>`.
    Organization,
    /// `<license>`.
    License,
    /// `<developer>`.
    Developer,
    /// `<contributor>`.
    Contributor,
    /// `<mailingList>`.
    MailingList,
    /// `<prerequisites>`.
    Prerequisites,
    /// `<scm>`.
    Scm,
    /// `<issueManagement>`.
    IssueManagement,
    /// `<ciManagement>`.
    CiManagement,
    /// `<notifier>`.
    Notifier,
    /// `<distributionManagement>`.
    DistributionManagement,
    /// `<repository>`/`<snapshotRepository>` of `distributionManagement`.
    DeploymentRepository,
    /// `<site>`.
    Site,
    /// `<relocation>`.
    Relocation,
    /// `<dependencyManagement>`.
    DependencyManagement,
    /// `<dependency>`.
    Dependency,
    /// `<exclusion>`.
    Exclusion,
    /// `<repository>`/`<pluginRepository>`.
    Repository,
    /// `<releases>`/`<snapshots>`.
    RepositoryPolicy,
    /// `<build>` of the project.
    Build,
    /// `<build>` of a profile.
    BuildBase,
    /// `<extension>`.
    Extension,
    /// `<resource>`/`<testResource>`.
    Resource,
    /// `<pluginManagement>`.
    PluginManagement,
    /// `<plugin>` of a build.
    Plugin,
    /// `<execution>`.
    PluginExecution,
    /// `<reporting>`.
    Reporting,
    /// `<plugin>` of reporting.
    ReportPlugin,
    /// `<reportSet>`.
    ReportSet,
    /// `<profile>`.
    Profile,
    /// `<activation>`.
    Activation,
    /// `<os>` of an activation.
    ActivationOs,
    /// `<property>` of an activation.
    ActivationProperty,
    /// `<file>` of an activation.
    ActivationFile,
}

/// What an element of a class holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A text value.
    Text,
    /// A boolean, written only when it differs from this default.
    Bool(bool),
    /// A list of text values, each in an element of this name.
    Texts(&'static str),
    /// One object.
    Object(Class),
    /// A list of objects, each in an element of this name.
    Objects(&'static str, Class),
    /// `Properties`: child elements named by their keys.
    Properties,
    /// A free-form DOM (`<configuration>`), attributes included.
    Dom,
}

/// One element of a class.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    /// The element name.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// The value the model has when the element is absent, which the writer leaves out.
    pub default: Option<&'static str>,
}

const fn text(name: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Text,
        default: None,
    }
}

const fn text_or(name: &'static str, default: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Text,
        default: Some(default),
    }
}

const fn boolean(name: &'static str, default: bool) -> Field {
    Field {
        name,
        kind: Kind::Bool(default),
        default: Some(if default { "true" } else { "false" }),
    }
}

const fn texts(name: &'static str, item: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Texts(item),
        default: None,
    }
}

const fn object(name: &'static str, class: Class) -> Field {
    Field {
        name,
        kind: Kind::Object(class),
        default: None,
    }
}

const fn objects(name: &'static str, item: &'static str, class: Class) -> Field {
    Field {
        name,
        kind: Kind::Objects(item, class),
        default: None,
    }
}

const fn properties(name: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Properties,
        default: None,
    }
}

const fn dom(name: &'static str) -> Field {
    Field {
        name,
        kind: Kind::Dom,
        default: None,
    }
}

const PLUGINS_GROUP: &str = "org.apache.maven.plugins";

const MODEL: &[Field] = &[
    text("modelVersion"),
    object("parent", Class::Parent),
    text("groupId"),
    text("artifactId"),
    text("version"),
    text_or("packaging", "jar"),
    text("name"),
    text("description"),
    text("url"),
    text("inceptionYear"),
    object("organization", Class::Organization),
    objects("licenses", "license", Class::License),
    objects("developers", "developer", Class::Developer),
    objects("contributors", "contributor", Class::Contributor),
    objects("mailingLists", "mailingList", Class::MailingList),
    object("prerequisites", Class::Prerequisites),
    texts("modules", "module"),
    object("scm", Class::Scm),
    object("issueManagement", Class::IssueManagement),
    object("ciManagement", Class::CiManagement),
    object("distributionManagement", Class::DistributionManagement),
    properties("properties"),
    object("dependencyManagement", Class::DependencyManagement),
    objects("dependencies", "dependency", Class::Dependency),
    objects("repositories", "repository", Class::Repository),
    objects("pluginRepositories", "pluginRepository", Class::Repository),
    object("build", Class::Build),
    dom("reports"),
    object("reporting", Class::Reporting),
    objects("profiles", "profile", Class::Profile),
];

const PARENT: &[Field] = &[
    text("groupId"),
    text("artifactId"),
    text("version"),
    text_or("relativePath", "../pom.xml"),
];

const ORGANIZATION: &[Field] = &[text("name"), text("url")];

const LICENSE: &[Field] = &[
    text("name"),
    text("url"),
    text("distribution"),
    text("comments"),
];

const DEVELOPER: &[Field] = &[
    text("id"),
    text("name"),
    text("email"),
    text("url"),
    text("organization"),
    text("organizationUrl"),
    texts("roles", "role"),
    text("timezone"),
    properties("properties"),
];

const CONTRIBUTOR: &[Field] = &[
    text("name"),
    text("email"),
    text("url"),
    text("organization"),
    text("organizationUrl"),
    texts("roles", "role"),
    text("timezone"),
    properties("properties"),
];

const MAILING_LIST: &[Field] = &[
    text("name"),
    text("subscribe"),
    text("unsubscribe"),
    text("post"),
    text("archive"),
    texts("otherArchives", "otherArchive"),
];

const PREREQUISITES: &[Field] = &[text_or("maven", "2.0")];

const SCM: &[Field] = &[
    text("connection"),
    text("developerConnection"),
    text_or("tag", "HEAD"),
    text("url"),
];

const ISSUE_MANAGEMENT: &[Field] = &[text("system"), text("url")];

const CI_MANAGEMENT: &[Field] = &[
    text("system"),
    text("url"),
    objects("notifiers", "notifier", Class::Notifier),
];

const NOTIFIER: &[Field] = &[
    text_or("type", "mail"),
    boolean("sendOnError", true),
    boolean("sendOnFailure", true),
    boolean("sendOnSuccess", true),
    boolean("sendOnWarning", true),
    text("address"),
    properties("configuration"),
];

const DISTRIBUTION_MANAGEMENT: &[Field] = &[
    object("repository", Class::DeploymentRepository),
    object("snapshotRepository", Class::DeploymentRepository),
    object("site", Class::Site),
    text("downloadUrl"),
    object("relocation", Class::Relocation),
    text("status"),
];

const DEPLOYMENT_REPOSITORY: &[Field] = &[
    boolean("uniqueVersion", true),
    object("releases", Class::RepositoryPolicy),
    object("snapshots", Class::RepositoryPolicy),
    text("id"),
    text("name"),
    text("url"),
    text_or("layout", "default"),
];

const SITE: &[Field] = &[text("id"), text("name"), text("url")];

const RELOCATION: &[Field] = &[
    text("groupId"),
    text("artifactId"),
    text("version"),
    text("message"),
];

const DEPENDENCY_MANAGEMENT: &[Field] = &[objects("dependencies", "dependency", Class::Dependency)];

const DEPENDENCY: &[Field] = &[
    text("groupId"),
    text("artifactId"),
    text("version"),
    text_or("type", "jar"),
    text("classifier"),
    text("scope"),
    text("systemPath"),
    objects("exclusions", "exclusion", Class::Exclusion),
    text("optional"),
];

const EXCLUSION: &[Field] = &[text("groupId"), text("artifactId")];

const REPOSITORY: &[Field] = &[
    object("releases", Class::RepositoryPolicy),
    object("snapshots", Class::RepositoryPolicy),
    text("id"),
    text("name"),
    text("url"),
    text_or("layout", "default"),
];

const REPOSITORY_POLICY: &[Field] = &[
    text("enabled"),
    text("updatePolicy"),
    text("checksumPolicy"),
];

const BUILD: &[Field] = &[
    text("sourceDirectory"),
    text("scriptSourceDirectory"),
    text("testSourceDirectory"),
    text("outputDirectory"),
    text("testOutputDirectory"),
    objects("extensions", "extension", Class::Extension),
    text("defaultGoal"),
    objects("resources", "resource", Class::Resource),
    objects("testResources", "testResource", Class::Resource),
    text("directory"),
    text("finalName"),
    texts("filters", "filter"),
    object("pluginManagement", Class::PluginManagement),
    objects("plugins", "plugin", Class::Plugin),
];

const BUILD_BASE: &[Field] = &[
    text("defaultGoal"),
    objects("resources", "resource", Class::Resource),
    objects("testResources", "testResource", Class::Resource),
    text("directory"),
    text("finalName"),
    texts("filters", "filter"),
    object("pluginManagement", Class::PluginManagement),
    objects("plugins", "plugin", Class::Plugin),
];

const EXTENSION: &[Field] = &[text("groupId"), text("artifactId"), text("version")];

const RESOURCE: &[Field] = &[
    text("targetPath"),
    text("filtering"),
    text("directory"),
    texts("includes", "include"),
    texts("excludes", "exclude"),
];

const PLUGIN_MANAGEMENT: &[Field] = &[objects("plugins", "plugin", Class::Plugin)];

const PLUGIN: &[Field] = &[
    text_or("groupId", PLUGINS_GROUP),
    text("artifactId"),
    text("version"),
    text("extensions"),
    objects("executions", "execution", Class::PluginExecution),
    objects("dependencies", "dependency", Class::Dependency),
    dom("goals"),
    text("inherited"),
    dom("configuration"),
];

const PLUGIN_EXECUTION: &[Field] = &[
    text_or("id", "default"),
    text("phase"),
    texts("goals", "goal"),
    text("inherited"),
    dom("configuration"),
];

const REPORTING: &[Field] = &[
    text("excludeDefaults"),
    text("outputDirectory"),
    objects("plugins", "plugin", Class::ReportPlugin),
];

const REPORT_PLUGIN: &[Field] = &[
    text_or("groupId", PLUGINS_GROUP),
    text("artifactId"),
    text("version"),
    objects("reportSets", "reportSet", Class::ReportSet),
    text("inherited"),
    dom("configuration"),
];

const REPORT_SET: &[Field] = &[
    text_or("id", "default"),
    texts("reports", "report"),
    text("inherited"),
    dom("configuration"),
];

const PROFILE: &[Field] = &[
    text_or("id", "default"),
    object("activation", Class::Activation),
    object("build", Class::BuildBase),
    texts("modules", "module"),
    object("distributionManagement", Class::DistributionManagement),
    properties("properties"),
    object("dependencyManagement", Class::DependencyManagement),
    objects("dependencies", "dependency", Class::Dependency),
    objects("repositories", "repository", Class::Repository),
    objects("pluginRepositories", "pluginRepository", Class::Repository),
    dom("reports"),
    object("reporting", Class::Reporting),
];

const ACTIVATION: &[Field] = &[
    boolean("activeByDefault", false),
    text("jdk"),
    object("os", Class::ActivationOs),
    object("property", Class::ActivationProperty),
    object("file", Class::ActivationFile),
];

const ACTIVATION_OS: &[Field] = &[text("name"), text("family"), text("arch"), text("version")];

const ACTIVATION_PROPERTY: &[Field] = &[text("name"), text("value")];

const ACTIVATION_FILE: &[Field] = &[text("missing"), text("exists")];

/// The elements of a class, in the writer's order.
pub fn fields(class: Class) -> &'static [Field] {
    match class {
        Class::Model => MODEL,
        Class::Parent => PARENT,
        Class::Organization => ORGANIZATION,
        Class::License => LICENSE,
        Class::Developer => DEVELOPER,
        Class::Contributor => CONTRIBUTOR,
        Class::MailingList => MAILING_LIST,
        Class::Prerequisites => PREREQUISITES,
        Class::Scm => SCM,
        Class::IssueManagement => ISSUE_MANAGEMENT,
        Class::CiManagement => CI_MANAGEMENT,
        Class::Notifier => NOTIFIER,
        Class::DistributionManagement => DISTRIBUTION_MANAGEMENT,
        Class::DeploymentRepository => DEPLOYMENT_REPOSITORY,
        Class::Site => SITE,
        Class::Relocation => RELOCATION,
        Class::DependencyManagement => DEPENDENCY_MANAGEMENT,
        Class::Dependency => DEPENDENCY,
        Class::Exclusion => EXCLUSION,
        Class::Repository => REPOSITORY,
        Class::RepositoryPolicy => REPOSITORY_POLICY,
        Class::Build => BUILD,
        Class::BuildBase => BUILD_BASE,
        Class::Extension => EXTENSION,
        Class::Resource => RESOURCE,
        Class::PluginManagement => PLUGIN_MANAGEMENT,
        Class::Plugin => PLUGIN,
        Class::PluginExecution => PLUGIN_EXECUTION,
        Class::Reporting => REPORTING,
        Class::ReportPlugin => REPORT_PLUGIN,
        Class::ReportSet => REPORT_SET,
        Class::Profile => PROFILE,
        Class::Activation => ACTIVATION,
        Class::ActivationOs => ACTIVATION_OS,
        Class::ActivationProperty => ACTIVATION_PROPERTY,
        Class::ActivationFile => ACTIVATION_FILE,
    }
}

/// The attributes Maven's reader keeps on a class's element (the `child.*` flags that
/// switch off appending the child's path to inherited URLs), in the writer's order.
pub fn attributes(class: Class) -> &'static [&'static str] {
    match class {
        Class::Model => &["child.project.url.inherit.append.path"],
        Class::Scm => &[
            "child.scm.connection.inherit.append.path",
            "child.scm.developerConnection.inherit.append.path",
            "child.scm.url.inherit.append.path",
        ],
        Class::Site => &["child.site.url.inherit.append.path"],
        _ => &[],
    }
}

/// The field of a class with this element name.
pub fn field(class: Class, name: &str) -> Option<&'static Field> {
    fields(class).iter().find(|f| f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_distinct_element_names() {
        let classes = [
            Class::Model,
            Class::Dependency,
            Class::Build,
            Class::BuildBase,
            Class::Plugin,
            Class::Profile,
            Class::DistributionManagement,
        ];
        for class in classes {
            let names: Vec<&str> = fields(class).iter().map(|f| f.name).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), names.len(), "{class:?}");
        }
    }
}

//! Which of a POM's profiles are active, by Maven 3.8's `DefaultProfileSelector` rules.
//!
//! Property activation sees user and system properties only (never the POM's own
//! properties; the model builder puts the properties of active `settings.xml` profiles
//! below the user properties); JDK activation the JDK's version; OS activation `os.*`.
//! File activation is evaluated against the directory of the project being built, for
//! the profiles of every POM of its lineage: a parent's `<exists>src/main/java</exists>`
//! looks in each child, which is how parents such as commons-parent switch profiles on per
//! module. All present conditions must hold. `activeByDefault` profiles count only when no
//! other profile of the same POM is active; the external profiles of `settings.xml`
//! ([`active_external_profiles`]) are selected apart from the POM's, and theirs always
//! count. `-P id` (or `<activeProfiles>` in `settings.xml`) activates and `-P !id` /
//! `-P -id` deactivates, whatever the conditions.

use crate::maven::pom::{Activation, Model, OsCondition, Profile, Value, text};
use std::collections::BTreeMap;
use std::path::Path;

/// What activation conditions are evaluated against.
#[derive(Clone, Debug, Default)]
pub struct ActivationContext {
    /// `-D` and `.mvn/maven.config` properties.
    pub user: BTreeMap<String, String>,
    /// System properties, including `java.version`, `os.*` and `env.*`.
    pub system: BTreeMap<String, String>,
    /// Profile ids given with `-P`.
    pub active_ids: Vec<String>,
    /// Profile ids given with `-P !id` or `-P -id`.
    pub inactive_ids: Vec<String>,
}

impl ActivationContext {
    /// Adds `-P` arguments (comma-separated ids, `!`/`-` to deactivate, `+` allowed).
    pub fn add_profile_args(&mut self, arg: &str) {
        for id in arg.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if let Some(id) = id.strip_prefix('!').or_else(|| id.strip_prefix('-')) {
                self.inactive_ids.push(id.to_string());
            } else {
                let id = id.strip_prefix('+').unwrap_or(id);
                self.active_ids.push(id.to_string());
            }
        }
    }

    fn property(&self, name: &str) -> Option<&str> {
        self.user
            .get(name)
            .or_else(|| self.system.get(name))
            .map(String::as_str)
    }
}

/// A profile whose activation Maven cannot evaluate, which fails its build ("Failed to
/// determine activation for profile ...").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivationError {
    /// The profile's index in the model.
    pub profile: usize,
    /// Why, in Maven's words.
    pub message: String,
}

/// The indices of the model's active profiles, in declaration order. `project_directory`
/// is the directory of the project being built (for a parent's profiles too: the
/// child's), or `None` for a POM built on its own from the repository (an imported BOM),
/// where Maven has no directory and file conditions relative to it never hold.
pub fn active_profiles(
    model: &Model,
    project_directory: Option<&Path>,
    ctx: &ActivationContext,
) -> Result<Vec<usize>, ActivationError> {
    select(
        &model.profiles,
        &model.properties,
        project_directory,
        ctx,
        true,
    )
}

/// The indices of the active external profiles (those of `settings.xml`), in order.
/// Maven selects them once per project, in its directory and without any model
/// properties, and unlike a POM's, an `activeByDefault` one stays active whatever else
/// is (`DefaultProfileSelector` only holds back the POM's own).
pub fn active_external_profiles(
    profiles: &[Profile],
    project_directory: Option<&Path>,
    ctx: &ActivationContext,
) -> Result<Vec<usize>, ActivationError> {
    select(profiles, &BTreeMap::new(), project_directory, ctx, false)
}

fn select(
    profiles: &[Profile],
    own_properties: &BTreeMap<String, Value>,
    project_directory: Option<&Path>,
    ctx: &ActivationContext,
    by_default_yields: bool,
) -> Result<Vec<usize>, ActivationError> {
    let mut active = Vec::new();
    let mut by_default = Vec::new();
    for (i, profile) in profiles.iter().enumerate() {
        let id = profile.id_or_default();
        if ctx.inactive_ids.iter().any(|x| x == id) {
            continue;
        }
        // As in Maven, a profile named with -P is not evaluated, so it cannot fail.
        let explicit = ctx.active_ids.iter().any(|x| x == id);
        if explicit
            || is_active(profile, own_properties, project_directory, ctx).map_err(|message| {
                ActivationError {
                    profile: i,
                    message,
                }
            })?
        {
            active.push(i);
        } else if profile
            .activation
            .as_ref()
            .and_then(|a| text(&a.active_by_default))
            == Some("true")
        {
            if by_default_yields {
                by_default.push(i);
            } else {
                active.push(i);
            }
        }
    }
    Ok(if active.is_empty() {
        by_default
    } else {
        active
    })
}

/// Whether a profile has an OS version condition, which m2fresh cannot evaluate exactly
/// Whether a profile of this POM has a file condition, the only activation that depends
/// on the directory of the project being built.
pub fn has_file_condition(model: &Model) -> bool {
    model.profiles.iter().any(|p| {
        p.activation
            .as_ref()
            .is_some_and(|a| a.file_exists.is_some() || a.file_missing.is_some())
    })
}

/// (it compares family, name and arch as Maven does, but not the kernel version).
pub fn has_os_version_condition(profile: &Profile) -> bool {
    profile
        .activation
        .as_ref()
        .and_then(|a| a.os.as_ref())
        .is_some_and(|os| os.version.is_some())
}

/// Maven's `OperatingSystemProfileActivator` against `os.name`, `os.arch` and the family
/// derived from them (plexus `Os.isFamily`).
fn os_matches(os: &OsCondition, ctx: &ActivationContext) -> bool {
    let name = ctx.property("os.name").unwrap_or("").to_lowercase();
    let arch = ctx.property("os.arch").unwrap_or("").to_lowercase();
    let check =
        |cond: &Option<crate::maven::pom::Value>, test: &dyn Fn(&str) -> bool| match text(cond) {
            None => true,
            Some(c) => match c.strip_prefix('!') {
                Some(c) => !test(&c.to_lowercase()),
                None => test(&c.to_lowercase()),
            },
        };
    let family = |f: &str| match f {
        "windows" => name.contains("windows"),
        "mac" => name.contains("mac"),
        "unix" => !name.contains("windows") && !name.contains("os/2"),
        "dos" => false,
        other => name.contains(other),
    };
    // An `<os/>` without conditions is present but never holds, as in Maven.
    let any = [&os.family, &os.name, &os.arch, &os.version]
        .iter()
        .any(|c| c.is_some());
    any && check(&os.family, &family)
        && check(&os.name, &|n| n == name)
        && check(&os.arch, &|a| a == arch)
        && check(&os.version, &|_| true)
}

fn is_active(
    profile: &Profile,
    own_properties: &BTreeMap<String, Value>,
    project_directory: Option<&Path>,
    ctx: &ActivationContext,
) -> Result<bool, String> {
    let Some(a) = &profile.activation else {
        return Ok(false);
    };
    let mut present = false;
    let mut all = true;
    if let Some(jdk) = text(&a.jdk) {
        present = true;
        all &= jdk_matches(jdk, ctx.property("java.version").unwrap_or(""))?;
    }
    if a.property_name.is_some() || a.property_value.is_some() {
        present = true;
        all &= property_matches(a, ctx);
    }
    if a.file_exists.is_some() || a.file_missing.is_some() {
        present = true;
        all &= file_matches(a, project_directory, own_properties, ctx)?;
    }
    if let Some(os) = &a.os {
        present = true;
        all &= os_matches(os, ctx);
    }
    Ok(present && all)
}

fn property_matches(a: &Activation, ctx: &ActivationContext) -> bool {
    let Some(mut name) = text(&a.property_name) else {
        return false;
    };
    let mut reverse_name = false;
    if let Some(n) = name.strip_prefix('!') {
        reverse_name = true;
        name = n;
    }
    if name.is_empty() {
        return false;
    }
    let actual = ctx.property(name);
    match text(&a.property_value).filter(|v| !v.is_empty()) {
        Some(expected) => match expected.strip_prefix('!') {
            Some(not) => actual != Some(not),
            None => actual == Some(expected),
        },
        None => {
            let set = actual.is_some_and(|v| !v.is_empty());
            set != reverse_name
        }
    }
}

/// Maven 3.8's `FileProfileActivator`: `exists` if given, else `missing`; the path is
/// interpolated with `${basedir}` (the project directory), the POM's own properties, user
/// and system properties (`${java.home}/lib/src.zip` is a common one), then a relative
/// path is taken from the project directory.
fn file_matches(
    a: &Activation,
    project_directory: Option<&Path>,
    own_properties: &BTreeMap<String, Value>,
    ctx: &ActivationContext,
) -> Result<bool, String> {
    let non_empty = |v: &Option<Value>| text(v).filter(|t| !t.is_empty()).map(str::to_owned);
    let (path, missing) = match (non_empty(&a.file_exists), non_empty(&a.file_missing)) {
        (Some(p), _) => (p, false),
        (None, Some(p)) => (p, true),
        (None, None) => return Ok(false),
    };
    if project_directory.is_none() && path.contains("${basedir}") {
        return Ok(false);
    }
    let lookup = |name: &str| -> Option<String> {
        match (name, project_directory) {
            ("basedir", Some(dir)) => Some(dir.display().to_string()),
            _ => own_properties
                .get(name)
                .map(|v| v.text.clone())
                .or_else(|| ctx.user.get(name).cloned())
                .or_else(|| ctx.system.get(name).cloned()),
        }
    };
    let path = super::interpolate::expand_simple(&path, &lookup, super::interpolate::OnCycle::Fail)
        .map_err(|cycle| {
            format!(
                "Failed to interpolate file location {path}: the expressions form a cycle: {}",
                cycle.join(" -> ")
            )
        })?
        .replace('\\', "/");
    let path = Path::new(&path);
    let file = if path.is_absolute() {
        path.to_path_buf()
    } else if let Some(dir) = project_directory {
        super::normalize(&dir.join(path))
    } else {
        return Ok(false);
    };
    Ok(file.exists() != missing)
}

/// Maven 3.8's JDK activation (`JdkVersionProfileActivator`): a prefix match of
/// `java.version`, `!` to negate it, or a range. The range is Maven's own reading, not a
/// version range: the text is split at commas and only the first two bounds count, so
/// `[1.8,11),[17,)` means `[1.8,11)`, and `[9,` means `[9,)`. Each side compares three
/// numeric segments, so `17.0.15` is above the bound `17`: it is in `(17,)` and not in
/// `[11,17]`. A segment that is not a number (`[17]` reads `17]`) is an error in Maven;
/// the `Err` carries Maven's message.
pub fn jdk_matches(condition: &str, java_version: &str) -> Result<bool, String> {
    if java_version.is_empty() {
        // m2fresh found no JDK; Maven always has one. Nothing can be said: inactive.
        return Ok(false);
    }
    if let Some(not) = condition.strip_prefix('!') {
        return Ok(!java_version.starts_with(not));
    }
    if !(condition.starts_with('[') || condition.starts_with('(')) {
        return Ok(java_version.starts_with(condition));
    }
    let bounds = range_bounds(condition);
    let (Some(low), Some(high)) = (bounds.first(), bounds.get(1)) else {
        return Ok(false);
    };
    match relation(java_version, low, true)? {
        0 => Ok(true),
        r if r < 0 => Ok(false),
        _ => Ok(relation(java_version, high, false)? <= 0),
    }
}

/// One side of a JDK range: its text and whether it is inclusive.
struct RangeBound {
    value: String,
    closed: bool,
}

/// Maven's `getRange`: the comma-separated tokens that open or close a bound, padded with
/// an open `99999999` when fewer than two.
fn range_bounds(range: &str) -> Vec<RangeBound> {
    let bound = |value: String, closed| RangeBound {
        value: value.trim_matches(|c| c <= ' ').to_string(),
        closed,
    };
    let mut bounds = Vec::new();
    for token in java_split(range, |c| c == ',') {
        if token.starts_with('[') {
            bounds.push(bound(token.replace('[', ""), true));
        } else if token.starts_with('(') {
            bounds.push(bound(token.replace('(', ""), false));
        } else if token.ends_with(']') {
            bounds.push(bound(token.replace(']', ""), true));
        } else if token.ends_with(')') {
            bounds.push(bound(token.replace(')', ""), false));
        } else if token.is_empty() {
            bounds.push(bound(String::new(), false));
        }
    }
    if bounds.len() < 2 {
        bounds.push(bound("99999999".into(), false));
    }
    bounds
}

/// Maven's `getRelationOrder`: where `java.version` lies against a bound (-1 below, 0 on
/// an inclusive bound, 1 above), on three numeric segments; an open bound that equals the
/// version counts as outside.
fn relation(version: &str, bound: &RangeBound, is_left: bool) -> Result<i32, String> {
    if bound.value.is_empty() {
        return Ok(if is_left { 1 } else { -1 });
    }
    let cleaned: String = version
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
        .collect();
    let ours = java_split(&cleaned, |c| matches!(c, '.' | '-' | '_'));
    let theirs = java_split(&bound.value, |c| c == '.');
    let int = |tokens: &[&str], i: usize| -> Result<i32, String> {
        let t = tokens.get(i).copied().unwrap_or("0");
        t.parse::<i32>()
            .map_err(|_| format!("For input string: \"{t}\""))
    };
    for i in 0..3 {
        match int(&ours, i)?.cmp(&int(&theirs, i)?) {
            std::cmp::Ordering::Less => return Ok(-1),
            std::cmp::Ordering::Greater => return Ok(1),
            std::cmp::Ordering::Equal => {}
        }
    }
    if !bound.closed {
        return Ok(if is_left { -1 } else { 1 });
    }
    Ok(0)
}

/// Java's `String.split`: the whole text when no separator occurs, else the pieces less
/// the trailing empty ones.
fn java_split(text: &str, separator: impl Fn(char) -> bool) -> Vec<&str> {
    if !text.contains(&separator) {
        return vec![text];
    }
    let mut pieces: Vec<&str> = text.split(separator).collect();
    while pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::pom::{SourceId, parse_model};

    fn ids(xml: &str, ctx: &ActivationContext) -> Vec<String> {
        let m = parse_model(xml, SourceId(0)).unwrap();
        active_profiles(&m, Some(Path::new("/nonexistent")), ctx)
            .unwrap()
            .into_iter()
            .map(|i| m.profiles[i].id_or_default().to_string())
            .collect()
    }

    const POM: &str = "<project><profiles>\
        <profile><id>def</id><activation><activeByDefault>true</activeByDefault></activation></profile>\
        <profile><id>prop</id><activation><property><name>with-extra</name></property></activation></profile>\
        <profile><id>notprop</id><activation><property><name>!skip</name></property></activation></profile>\
        <profile><id>val</id><activation><property><name>env</name><value>!prod</value></property></activation></profile>\
        </profiles></project>";

    #[test]
    fn active_by_default_yields_to_any_other_active_profile() {
        let mut ctx = ActivationContext::default();
        ctx.user.insert("skip".into(), "true".into());
        ctx.user.insert("env".into(), "prod".into());
        assert_eq!(ids(POM, &ctx), vec!["def"]);
        ctx.user.insert("with-extra".into(), "true".into());
        assert_eq!(ids(POM, &ctx), vec!["prop"]);
    }

    #[test]
    fn external_active_by_default_does_not_yield() {
        let m = parse_model(POM, SourceId(0)).unwrap();
        let mut ctx = ActivationContext::default();
        ctx.user.insert("with-extra".into(), "true".into());
        ctx.user.insert("skip".into(), "true".into());
        ctx.user.insert("env".into(), "prod".into());
        let active = active_external_profiles(&m.profiles, None, &ctx).unwrap();
        assert_eq!(active, [0, 1], "def stays active next to prop");
        ctx.inactive_ids.push("def".into());
        assert_eq!(
            active_external_profiles(&m.profiles, None, &ctx).unwrap(),
            [1]
        );
    }

    #[test]
    fn negated_names_and_values() {
        let ctx = ActivationContext::default();
        // `!skip` holds when skip is unset; `!prod` holds when env is unset.
        assert_eq!(ids(POM, &ctx), vec!["notprop", "val"]);
    }

    #[test]
    fn explicit_profile_arguments_win() {
        let mut ctx = ActivationContext::default();
        ctx.add_profile_args("!notprop,-val,+prop");
        assert_eq!(ids(POM, &ctx), vec!["prop"]);
        let mut ctx = ActivationContext::default();
        ctx.add_profile_args("!def");
        ctx.user.insert("skip".into(), "1".into());
        ctx.user.insert("env".into(), "prod".into());
        assert!(ids(POM, &ctx).is_empty());
    }

    #[test]
    fn jdk_conditions_follow_maven_3_8() {
        let on = |c: &str, v: &str| jdk_matches(c, v).unwrap();
        assert!(on("17", "17.0.15"));
        assert!(!on("1.8", "17.0.15"));
        assert!(on("1.8", "1.8.0_392"));
        assert!(on("!1.8", "17.0.15"));
        assert!(on("[17,18)", "17.0.15"));
        assert!(on("[11,)", "17.0.15"));
        assert!(!on("(,11]", "17.0.15"));
        assert!(on("[1.8,10]", "1.8.0_392"));
        // Three segments are compared: 17.0.15 is above the bound 17.
        assert!(!on("[11,17]", "17.0.15"));
        assert!(on("(17,)", "17.0.15"));
        assert!(on("(,17.0.15]", "17.0.15"));
        assert!(!on("(,17.0.15)", "17.0.15"));
        assert!(!on("[11,25]", "25.0.3"));
        assert!(on("[11,25]", "25"));
        // Only the first two bounds count; a missing close still has an open top.
        assert!(!on("[1.8,11),[17,)", "21"));
        assert!(!on("[11,12),[16,)", "17.0.15"));
        assert!(on("[9,", "17.0.15"));
        assert!(on("[17, )", "17.0.15"));
        assert!(!on("[,9)", "17.0.15"));
    }

    #[test]
    fn a_jdk_bound_that_is_not_a_number_is_maven_s_error() {
        assert_eq!(
            jdk_matches("[17]", "17.0.15"),
            Err("For input string: \"17]\"".to_string())
        );
    }

    #[test]
    fn file_conditions_use_the_project_directory_and_the_pom_s_own_properties() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("marker"), "").unwrap();
        let home = tmp.path().join("jdk");
        std::fs::create_dir_all(home.join("lib")).unwrap();
        std::fs::write(home.join("lib/src.zip"), "").unwrap();
        let pom = "<project><properties><mark>marker</mark></properties><profiles>\
            <profile><id>own</id><activation><file><exists>${mark}</exists></file></activation></profile>\
            <profile><id>based</id><activation><file><exists>${basedir}/marker</exists></file></activation></profile>\
            <profile><id>jdk</id><activation><file><exists>${java.home}/lib/src.zip</exists></file></activation></profile>\
            <profile><id>both</id><activation><file><missing>marker</missing><exists>marker</exists></file></activation></profile>\
            </profiles></project>";
        let m = parse_model(pom, SourceId(0)).unwrap();
        let mut ctx = ActivationContext::default();
        ctx.system
            .insert("java.home".into(), home.display().to_string());
        let ids = |dir: Option<&Path>| -> Vec<&str> {
            active_profiles(&m, dir, &ctx)
                .unwrap()
                .into_iter()
                .map(|i| m.profiles[i].id_or_default())
                .collect()
        };
        // `exists` wins over `missing`.
        assert_eq!(ids(Some(tmp.path())), ["own", "based", "jdk", "both"]);
        // A POM built on its own from the repository has no directory: only absolute
        // paths can hold.
        assert_eq!(ids(None), ["jdk"]);
    }

    #[test]
    fn os_conditions_and_an_empty_os_that_never_holds() {
        let pom = "<project><profiles>\
            <profile><id>empty</id><activation><os/></activation></profile>\
            <profile><id>unix</id><activation><os><family>unix</family></os></activation></profile>\
            <profile><id>win</id><activation><os><family>windows</family></os></activation></profile>\
            <profile><id>notwin</id><activation><os><family>!windows</family><arch>amd64</arch></os></activation></profile>\
            </profiles></project>";
        let mut ctx = ActivationContext::default();
        ctx.system.insert("os.name".into(), "Linux".into());
        ctx.system.insert("os.arch".into(), "amd64".into());
        assert_eq!(ids(pom, &ctx), vec!["unix", "notwin"]);
    }
}

//! Which of a POM's profiles are active, by Maven 3.8's `DefaultProfileSelector` rules.
//!
//! Activation sees user and system properties only (never the POM's own properties), the
//! JDK's version, files relative to the module, and the OS. All present conditions must
//! hold. `activeByDefault` profiles count only when no other profile of the same POM is
//! active. `-P id` activates and `-P !id` / `-P -id` deactivates, whatever the conditions.

use crate::pom::{Activation, Model, OsCondition, Profile, text};
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

/// The indices of the model's active profiles, in declaration order.
pub fn active_profiles(model: &Model, basedir: &Path, ctx: &ActivationContext) -> Vec<usize> {
    let mut active = Vec::new();
    let mut by_default = Vec::new();
    for (i, profile) in model.profiles.iter().enumerate() {
        let id = profile.id_or_default();
        if ctx.inactive_ids.iter().any(|x| x == id) {
            continue;
        }
        if ctx.active_ids.iter().any(|x| x == id) || is_active(profile, basedir, ctx) {
            active.push(i);
        } else if profile
            .activation
            .as_ref()
            .and_then(|a| text(&a.active_by_default))
            == Some("true")
        {
            by_default.push(i);
        }
    }
    if active.is_empty() {
        by_default
    } else {
        active
    }
}

/// Whether a profile has an OS version condition, which m2fresh cannot evaluate exactly
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
    let check = |cond: &Option<crate::pom::Value>, test: &dyn Fn(&str) -> bool| match text(cond) {
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
    check(&os.family, &family)
        && check(&os.name, &|n| n == name)
        && check(&os.arch, &|a| a == arch)
        && check(&os.version, &|_| true)
}

fn is_active(profile: &Profile, basedir: &Path, ctx: &ActivationContext) -> bool {
    let Some(a) = &profile.activation else {
        return false;
    };
    let mut present = false;
    let mut all = true;
    if let Some(jdk) = text(&a.jdk) {
        present = true;
        all &= jdk_matches(jdk, ctx.property("java.version").unwrap_or(""));
    }
    if a.property_name.is_some() || a.property_value.is_some() {
        present = true;
        all &= property_matches(a, ctx);
    }
    if a.file_exists.is_some() || a.file_missing.is_some() {
        present = true;
        all &= file_matches(a, basedir);
    }
    if let Some(os) = &a.os {
        present = true;
        all &= os_matches(os, ctx);
    }
    present && all
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

fn file_matches(a: &Activation, basedir: &Path) -> bool {
    let resolve = |p: &str| {
        let p = p.replace("${basedir}", &basedir.display().to_string());
        let path = Path::new(&p);
        if path.is_absolute() {
            path.to_path_buf()
        } else {
            basedir.join(path)
        }
    };
    if let Some(missing) = text(&a.file_missing) {
        return !resolve(missing).exists();
    }
    if let Some(exists) = text(&a.file_exists) {
        return resolve(exists).exists();
    }
    false
}

/// Maven's JDK activation: a prefix match, `!` to negate, or a version range.
pub fn jdk_matches(condition: &str, java_version: &str) -> bool {
    let condition = condition.trim();
    if let Some(not) = condition.strip_prefix('!') {
        return !java_version.starts_with(not);
    }
    if condition.starts_with('[') || condition.starts_with('(') {
        return in_ranges(java_version, condition);
    }
    java_version.starts_with(condition)
}

/// `[1.8,11),[17,)`: any of the comma-separated ranges.
fn in_ranges(version: &str, ranges: &str) -> bool {
    let mut rest = ranges;
    while let Some(open) = rest.find(['[', '(']) {
        let Some(close) = rest[open..].find([']', ')']) else {
            return false;
        };
        let range = &rest[open..open + close + 1];
        if in_range(version, range) {
            return true;
        }
        rest = &rest[open + close + 1..];
    }
    false
}

fn in_range(version: &str, range: &str) -> bool {
    let inclusive_low = range.starts_with('[');
    let inclusive_high = range.ends_with(']');
    let inner = &range[1..range.len() - 1];
    let (low, high) = match inner.split_once(',') {
        Some((l, h)) => (l.trim(), h.trim()),
        // `[17]` means exactly 17 (prefix match as Maven does with one bound).
        None => return version.starts_with(inner.trim()),
    };
    let v = segments(version);
    if !low.is_empty() {
        let ord = compare(&v, &segments(low));
        if ord.is_lt() || (ord.is_eq() && !inclusive_low) {
            return false;
        }
    }
    if !high.is_empty() {
        let ord = compare(&v, &segments(high));
        if ord.is_gt() || (ord.is_eq() && !inclusive_high) {
            return false;
        }
    }
    true
}

fn segments(v: &str) -> Vec<u64> {
    v.split(['.', '-', '_', '+'])
        .map_while(|s| s.parse::<u64>().ok())
        .collect()
}

/// Compares only as many segments as the bound has, as Maven's `RangeValue` does, so that
/// `17.0.15` equals the bound `17`.
fn compare(version: &[u64], bound: &[u64]) -> std::cmp::Ordering {
    for (i, b) in bound.iter().enumerate() {
        let v = version.get(i).copied().unwrap_or(0);
        match v.cmp(b) {
            std::cmp::Ordering::Equal => {}
            other => return other,
        }
    }
    std::cmp::Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pom::{SourceId, parse_model};

    fn ids(xml: &str, ctx: &ActivationContext) -> Vec<String> {
        let m = parse_model(xml, SourceId(0)).unwrap();
        active_profiles(&m, Path::new("/nonexistent"), ctx)
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
    fn jdk_conditions() {
        assert!(jdk_matches("17", "17.0.15"));
        assert!(!jdk_matches("1.8", "17.0.15"));
        assert!(jdk_matches("!1.8", "17.0.15"));
        assert!(jdk_matches("[17,18)", "17.0.15"));
        assert!(jdk_matches("[11,)", "17.0.15"));
        assert!(!jdk_matches("(,11]", "17.0.15"));
        assert!(jdk_matches("[1.8,11),[17,)", "21"));
        assert!(!jdk_matches("[17,17.0.15)", "17.0.15"));
    }
}

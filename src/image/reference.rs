//! The container image reference grammar (`[registry/]path[:tag]`), as the Docker
//! distribution library defines it, and the version bump suggested when a tag is reused.
//!
//! Every image name and tag m2fresh puts into a command passes through here first, so a
//! value from a POM that is not a valid reference (shell syntax, quotes, newlines, upper
//! case) is refused instead of being handed to `docker` or to a shell.

/// Docker's limit on the whole name (registry and path, without the tag).
const MAX_NAME_LEN: usize = 255;

/// Docker's limit on a tag.
const MAX_TAG_LEN: usize = 128;

/// Splits an image reference into its name, tag and digest:
/// `registry:5000/team/app:1.0@sha256:…` → (`registry:5000/team/app`, `1.0`, `sha256:…`).
///
/// A `:` belongs to the tag only after the last `/`; before it, it is a registry port.
pub(crate) fn split_reference(reference: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (reference, None),
    };
    let path_start = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[path_start..].rfind(':') {
        Some(i) => {
            let colon = path_start + i;
            (&rest[..colon], Some(&rest[colon + 1..]), digest)
        }
        None => (rest, None, digest),
    }
}

/// Splits a name into its registry part and its repository path, with Docker's rule: the
/// first `/`-separated component is a registry only when there is a `/` after it and it
/// contains a `.` or a `:`, is `localhost`, or has upper-case letters.
pub(crate) fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest)) if looks_like_domain(first) => (Some(first), rest),
        _ => (None, name),
    }
}

fn looks_like_domain(component: &str) -> bool {
    component.contains(['.', ':'])
        || component == "localhost"
        || component.bytes().any(|b| b.is_ascii_uppercase())
}

/// Checks an image name (`[registry/]path`, no tag). The error is the reason, for a message.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("it is empty".into());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("it is longer than {MAX_NAME_LEN} characters"));
    }
    let (domain, path) = split_domain(name);
    if let Some(domain) = domain {
        check_domain(domain)?;
    }
    check_path(path)
}

/// Checks a `--registry` value: a registry host (with an optional port), optionally
/// followed by `/`-separated path components (`registry.example.com:5000/team`), or a
/// plain namespace such as a Docker Hub user.
pub(crate) fn check_registry(registry: &str) -> Result<(), String> {
    if registry.is_empty() {
        return Err("it is empty".into());
    }
    let (first, rest) = match registry.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (registry, None),
    };
    if looks_like_domain(first) {
        check_domain(first)?;
    } else {
        check_component(first)?;
    }
    match rest {
        Some(rest) => check_path(rest),
        None => Ok(()),
    }
}

/// Checks a tag against `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
pub(crate) fn check_tag(tag: &str) -> Result<(), String> {
    let mut bytes = tag.bytes();
    match bytes.next() {
        None => return Err("it is empty".into()),
        Some(b) if b.is_ascii_alphanumeric() || b == b'_' => {}
        Some(_) => return Err("a tag must start with a letter, a digit or `_`".into()),
    }
    if tag.len() > MAX_TAG_LEN {
        return Err(format!("it is longer than {MAX_TAG_LEN} characters"));
    }
    if let Some(bad) = tag
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "{bad:?} is not allowed in a tag (only letters, digits, `_`, `.` and `-`)"
        ));
    }
    Ok(())
}

fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("the repository path is empty".into());
    }
    path.split('/').try_for_each(check_component)
}

/// A path component: lower-case alphanumeric runs joined by `.`, `_`, `__` or `-`+.
fn check_component(component: &str) -> Result<(), String> {
    if component.is_empty() {
        return Err("it has an empty path component (`//` or a `/` at an end)".into());
    }
    if component.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(format!(
            "`{component}` has upper-case letters; image names must be lower case"
        ));
    }
    let bytes = component.as_bytes();
    let is_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        let run_start = i;
        while i < bytes.len() && is_alnum(bytes[i]) {
            i += 1;
        }
        if i == run_start {
            return Err(match bytes.get(i) {
                Some(&b) if is_separator(b) => format!(
                    "`{component}`: a separator (`.`, `_`, `-`) must sit between letters or digits"
                ),
                _ => bad_char(component, i),
            });
        }
        if i == bytes.len() {
            return Ok(());
        }
        let sep_start = i;
        match bytes[i] {
            b'.' => i += 1,
            b'_' => {
                i += 1;
                if bytes.get(i) == Some(&b'_') {
                    i += 1;
                }
            }
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return Err(bad_char(component, i)),
        }
        if i == bytes.len() {
            return Err(format!(
                "`{component}` ends with the separator `{}`",
                &component[sep_start..]
            ));
        }
    }
}

fn is_separator(b: u8) -> bool {
    matches!(b, b'.' | b'_' | b'-')
}

fn bad_char(component: &str, byte_index: usize) -> String {
    let bad = component
        .get(byte_index..)
        .and_then(|s| s.chars().next())
        .unwrap_or('?');
    format!(
        "{bad:?} is not allowed in an image name (only lower-case letters, digits, `.`, `_`, `-` and `/`)"
    )
}

/// A registry host: DNS labels joined by `.`, or a bracketed IPv6 address, with an
/// optional numeric port.
fn check_domain(domain: &str) -> Result<(), String> {
    let (host, port) = if let Some(after_bracket) = domain.strip_prefix('[') {
        let Some((addr, rest)) = after_bracket.split_once(']') else {
            return Err(format!("registry `{domain}`: `[` without `]`"));
        };
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(format!("registry `{domain}`: not an IPv6 address"));
        }
        match rest {
            "" => (None, None),
            _ => match rest.strip_prefix(':') {
                Some(port) => (None, Some(port)),
                None => return Err(format!("registry `{domain}`: junk after `]`")),
            },
        }
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        for label in host.split('.') {
            let bytes = label.as_bytes();
            let ok = match (bytes.first(), bytes.last()) {
                (Some(first), Some(last)) => {
                    first.is_ascii_alphanumeric()
                        && last.is_ascii_alphanumeric()
                        && bytes
                            .iter()
                            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
                }
                _ => false,
            };
            if !ok {
                return Err(format!(
                    "registry host `{host}` is not a host name (letters, digits and `-`, separated by `.`)"
                ));
            }
        }
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!("registry `{domain}`: the port must be a number"));
    }
    Ok(())
}

/// The next version after `version`, for telling a user what to bump to: the last number
/// of the leading numeric part goes up by one, the rest stays (`1.0.3` → `1.0.4`,
/// `1.0-SNAPSHOT` → `1.1-SNAPSHOT`, `2.0.0-SNAPSHOT` → `2.0.1-SNAPSHOT`,
/// `1.0.0.RELEASE` → `1.0.1.RELEASE`). `None` when the version does not start with a
/// number (a git commit, say).
pub fn next_version(version: &str) -> Option<String> {
    let (base, qualifier) = match version.find('-') {
        Some(i) => version.split_at(i),
        None => (version, ""),
    };
    let mut parts: Vec<String> = base.split('.').map(str::to_owned).collect();
    let numeric = parts
        .iter()
        .take_while(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        .count();
    let last = numeric.checked_sub(1)?;
    let bumped = parts[last].parse::<u64>().ok()?.checked_add(1)?;
    parts[last] = bumped.to_string();
    Some(format!("{}{qualifier}", parts.join(".")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_names_pass() {
        for name in [
            "app",
            "team/app",
            "a.b_c__d-e---f",
            "x9/a.b_c__d-e---f",
            "registry.example.com/team/app",
            "registry.example.com:5000/team/app",
            "localhost/app",
            "localhost:5000/app",
            "[::1]:5000/app",
            "Registry.Example.com/app",
            "192.168.0.1:5000/a/b/c",
        ] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn invalid_names_fail() {
        for name in [
            "",
            "App",
            "team/App",
            "a;rm -rf /",
            "a b",
            "a\nb",
            "$(x)",
            "a'b",
            "-app",
            "app-",
            "a___b",
            "a..b",
            "team//app",
            "team/app/",
            "/app",
            "registry.example.com:port/app",
            "bad_host.com/app",
            "-bad.com/app",
            "reg.com:/app",
            "[zz]/app",
            "app:tag",
            "a.b_c/x",
            "app@sha256",
        ] {
            assert!(check_name(name).is_err(), "{name:?} passed");
        }
        assert!(check_name(&"a".repeat(256)).is_err());
        assert_eq!(check_name(&"a".repeat(255)), Ok(()));
    }

    #[test]
    fn upper_case_is_explained() {
        let reason = check_name("team/MyApp").unwrap_err();
        assert!(reason.contains("lower case"), "{reason}");
    }

    #[test]
    fn tags_follow_docker_grammar() {
        for tag in [
            "1.0",
            "1.0-SNAPSHOT",
            "_x",
            "A",
            "v1.2.3_rc-1",
            &"a".repeat(128),
        ] {
            assert_eq!(check_tag(tag), Ok(()), "{tag}");
        }
        for tag in [
            "",
            "-x",
            ".x",
            "1.0+build",
            "$(x)",
            "1.0;ls",
            "a b",
            "a\n",
            "é",
            &"a".repeat(129),
        ] {
            assert!(check_tag(tag).is_err(), "{tag:?} passed");
        }
    }

    #[test]
    fn registries() {
        for r in [
            "registry.example.com",
            "registry.example.com:5000",
            "registry.example.com:5000/team/sub",
            "localhost:5000",
            "myuser",
            "[::1]:443",
        ] {
            assert_eq!(check_registry(r), Ok(()), "{r}");
        }
        for r in [
            "",
            "registry example.com",
            "registry.example.com\n",
            "reg.com/",
            "reg.com//x",
            "reg.com:abc",
            "reg.com/Team",
            "re$g.com",
            "https://reg.com",
        ] {
            assert!(check_registry(r).is_err(), "{r:?} passed");
        }
    }

    #[test]
    fn references_split_into_name_tag_digest() {
        assert_eq!(split_reference("app"), ("app", None, None));
        assert_eq!(split_reference("app:1.0"), ("app", Some("1.0"), None));
        assert_eq!(
            split_reference("reg:5000/team/app"),
            ("reg:5000/team/app", None, None)
        );
        assert_eq!(
            split_reference("reg:5000/team/app:1.0@sha256:abc"),
            ("reg:5000/team/app", Some("1.0"), Some("sha256:abc"))
        );
        assert_eq!(
            split_domain("reg:5000/team/app"),
            (Some("reg:5000"), "team/app")
        );
        assert_eq!(split_domain("team/app"), (None, "team/app"));
        assert_eq!(split_domain("localhost/app"), (Some("localhost"), "app"));
        assert_eq!(split_domain("reg.com"), (None, "reg.com"));
    }

    #[test]
    fn version_bumps() {
        for (from, to) in [
            ("1.0.3", "1.0.4"),
            ("1.0-SNAPSHOT", "1.1-SNAPSHOT"),
            ("2.0.0-SNAPSHOT", "2.0.1-SNAPSHOT"),
            ("1", "2"),
            ("1.9", "1.10"),
            ("1.0.0.RELEASE", "1.0.1.RELEASE"),
            ("3.2-rc-1", "3.3-rc-1"),
        ] {
            assert_eq!(next_version(from).as_deref(), Some(to), "{from}");
        }
        for v in [
            "",
            "abc",
            "3f2a9c1b0d4e-dirty",
            "-SNAPSHOT",
            "99999999999999999999999",
        ] {
            assert_eq!(next_version(v), None, "{v}");
        }
    }
}

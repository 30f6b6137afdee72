//! Reading a Dockerfile for what it needs from its build context: the sources of its
//! `ADD` and `COPY` instructions, with `ARG` defaults and build arguments substituted.
//!
//! The build context of a Maven module's Dockerfile is wherever those sources are *after*
//! `mvn package`: a Dockerfile next to the POM usually copies `target/*.jar` from the
//! module directory, while the course's template in `src/main/resources` (processed into
//! `target/classes`) `ADD`s `${artifactId}-${version}.jar`, which is in `target/`.
//! [`choose_context`] tries the places in order and takes the first where every source
//! will be there, counting what `package` will have produced by then.
//!
//! The file is untrusted input: it is read with a size bound, and nothing in it is run or
//! reaches a command line; only paths derived from it are tested for existence.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A Dockerfile larger than this is not read (real ones are a few KiB).
pub(crate) const MAX_DOCKERFILE_BYTES: u64 = 1024 * 1024;

/// Directory entries looked at per directory while matching a source pattern.
const MAX_ENTRIES_PER_DIR: usize = 10_000;

/// What a Dockerfile takes from its build context.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ContextSources {
    /// The `ADD`/`COPY` sources, relative to the context, variables substituted; a
    /// variable that nothing defines is left as `*` (it matches any name).
    pub sources: Vec<String>,
}

/// Reads `path` (bounded) and returns its context sources, with `build_args` and the
/// file's own `ARG` defaults substituted and, when `maven` is given (a template that
/// Maven's resource filtering processes), Maven's `${…}` and `@…@` placeholders first.
pub(crate) fn read_sources(
    path: &Path,
    build_args: &BTreeMap<String, String>,
    maven: Option<&BTreeMap<String, String>>,
) -> std::io::Result<ContextSources> {
    let text = read_bounded(path)?;
    let text = match maven {
        Some(props) => maven_filter(&text, props),
        None => text,
    };
    Ok(parse_sources(&text, build_args))
}

fn read_bounded(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_DOCKERFILE_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_DOCKERFILE_BYTES {
        return Err(std::io::Error::other(format!(
            "larger than {MAX_DOCKERFILE_BYTES} bytes"
        )));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Maven resource filtering, as far as it changes file names: `${name}` and `@name@`
/// replaced by the model's value when there is one, left alone otherwise.
pub(crate) fn maven_filter(text: &str, props: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(['$', '@']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let replaced = if let Some(inner) = tail.strip_prefix("${") {
            inner
                .find('}')
                .and_then(|end| props.get(&inner[..end]).map(|v| (v, end + 3)))
        } else if let Some(inner) = tail.strip_prefix('@') {
            inner
                .find(['@', '\n'])
                .filter(|&end| inner.as_bytes().get(end) == Some(&b'@'))
                .and_then(|end| props.get(&inner[..end]).map(|v| (v, end + 2)))
        } else {
            None
        };
        match replaced {
            Some((value, consumed)) => {
                out.push_str(value);
                rest = &tail[consumed..];
            }
            None => {
                out.push_str(&tail[..1]);
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The logical lines of a Dockerfile: comments dropped, `\` continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for raw in text.lines() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            continue;
        }
        if let Some(body) = trimmed.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(trimmed);
        if !current.trim().is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        current.clear();
    }
    if !current.trim().is_empty() {
        lines.push(current);
    }
    lines
}

/// The context sources of a Dockerfile's text.
pub(crate) fn parse_sources(text: &str, build_args: &BTreeMap<String, String>) -> ContextSources {
    let mut args: BTreeMap<String, String> = BTreeMap::new();
    let mut sources = Vec::new();
    for line in logical_lines(text) {
        let (keyword, rest) = match line.trim().split_once(char::is_whitespace) {
            Some((k, r)) => (k.to_ascii_uppercase(), r.trim()),
            None => continue,
        };
        match keyword.as_str() {
            "ARG" => {
                for decl in rest.split_whitespace() {
                    let (name, default) = match decl.split_once('=') {
                        Some((n, d)) => (n, Some(unquote(d))),
                        None => (decl, None),
                    };
                    let value = build_args.get(name).cloned().or(default);
                    if let Some(value) = value {
                        args.insert(name.to_owned(), value);
                    }
                }
            }
            "ADD" | "COPY" => {
                if let Some(words) = copy_sources(rest) {
                    sources.extend(words.iter().map(|w| substitute(w, &args)));
                }
            }
            _ => {}
        }
    }
    ContextSources { sources }
}

/// The sources of one `ADD`/`COPY` (flags and destination removed); `None` when it does
/// not read the context (`--from=` another stage, a URL, a heredoc).
fn copy_sources(rest: &str) -> Option<Vec<String>> {
    let mut rest = rest.trim();
    while let Some(flag) = rest.strip_prefix("--") {
        let (word, tail) = flag.split_once(char::is_whitespace).unwrap_or((flag, ""));
        if word.starts_with("from=") {
            return None;
        }
        rest = tail.trim_start();
    }
    let words: Vec<String> = if rest.starts_with('[') {
        serde_json::from_str::<Vec<String>>(rest).ok()?
    } else {
        rest.split_whitespace().map(str::to_owned).collect()
    };
    let (_, sources) = words.split_last()?;
    Some(
        sources
            .iter()
            .filter(|s| !(s.contains("://") || s.starts_with("git@") || s.starts_with("<<")))
            .cloned()
            .collect(),
    )
}

fn unquote(value: &str) -> String {
    let v = value.trim();
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner.to_owned();
        }
    }
    v.to_owned()
}

/// `$NAME`, `${NAME}` and `${NAME:-default}` from the `ARG`s; what is undefined becomes
/// `*`.
fn substitute(word: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    let mut chars = word.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let rest = &word[i + 1..];
        let (expr, consumed) = if let Some(inner) = rest.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => (inner, rest.len()),
            }
        } else {
            let end = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            (&rest[..end], end)
        };
        if expr.is_empty() && consumed == 0 {
            out.push('$');
            continue;
        }
        let (name, default) = match expr.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (expr, None),
        };
        match args.get(name).map(String::as_str).or(default) {
            Some(value) => out.push_str(value),
            None => out.push('*'),
        }
        for _ in 0..consumed {
            chars.next();
        }
    }
    out
}

/// Whether `pattern` (Go's `filepath.Match` syntax as Docker uses it: `*`, `?`, `[…]`
/// taken as a literal here) matches one path component.
fn component_matches(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    if p.len() > 256 || n.len() > 1024 {
        return false;
    }
    // Dynamic programming over (pattern prefix, name prefix): O(|p|·|n|) whatever the
    // stars, where backtracking would be exponential on a crafted pattern.
    let mut row = vec![false; n.len() + 1];
    row[0] = true;
    for &pc in p {
        let mut next = vec![false; n.len() + 1];
        if pc == b'*' {
            next[0] = row[0];
            for j in 1..=n.len() {
                next[j] = row[j] || next[j - 1];
            }
        } else {
            for j in 1..=n.len() {
                next[j] = row[j - 1] && (pc == b'?' || pc == n[j - 1]);
            }
        }
        row = next;
    }
    row[n.len()]
}

/// The components of a source, `.` and empty ones dropped; `None` for a source that
/// leaves the context (`..`) or is absolute-looking beyond the context root.
fn source_components(source: &str) -> Option<Vec<&str>> {
    let mut parts = Vec::new();
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    Some(parts)
}

/// Whether `source` will be found in `context` after `package`: an existing file or
/// directory matches, and so does one of `predicted` (absolute paths that `package`
/// produces, such as the module's jar).
pub(crate) fn source_available(context: &Path, source: &str, predicted: &[PathBuf]) -> bool {
    let Some(parts) = source_components(source) else {
        return false;
    };
    if parts.is_empty() {
        return context.is_dir() || predicted.iter().any(|p| p.starts_with(context));
    }
    let predicted_match = predicted.iter().any(|p| {
        p.strip_prefix(context).is_ok_and(|rel| {
            let names: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            // A source naming a directory above a predicted file matches it too.
            names.len() >= parts.len()
                && parts
                    .iter()
                    .zip(&names)
                    .all(|(pat, name)| component_matches(pat, name))
        })
    });
    predicted_match || exists_matching(context, &parts)
}

fn exists_matching(dir: &Path, parts: &[&str]) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return true;
    };
    if !first.contains(['*', '?']) {
        let next = dir.join(first);
        return if rest.is_empty() {
            next.exists()
        } else {
            next.is_dir() && exists_matching(&next, rest)
        };
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries
        .take(MAX_ENTRIES_PER_DIR)
        .filter_map(Result::ok)
        .any(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            component_matches(first, &name)
                && (rest.is_empty() || (e.path().is_dir() && exists_matching(&e.path(), rest)))
        })
}

/// The first of `candidates` where every source will be after `package`; `None` when no
/// candidate has them all. A Dockerfile without sources takes the first candidate.
pub(crate) fn choose_context(
    sources: &ContextSources,
    candidates: &[PathBuf],
    predicted: &[PathBuf],
) -> Option<PathBuf> {
    candidates
        .iter()
        .find(|c| {
            sources
                .sources
                .iter()
                .all(|s| source_available(c, s, predicted))
        })
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_args() -> BTreeMap<String, String> {
        BTreeMap::new()
    }

    #[test]
    fn sources_of_add_and_copy_with_flags_json_and_continuations() {
        let text = "# syntax=docker/dockerfile:1\n\
            FROM eclipse-temurin:17-jre AS base\n\
            copy --chown=app:app target/*.jar \\\n    /app/app.jar\n\
            ADD [\"conf/a b.yml\", \"b.yml\", \"/etc/\"]\n\
            COPY --from=build /out/x /x\n\
            ADD https://example.com/x.tgz /x\n\
            COPY <<EOF /hello\n\
            RUN echo hi\n";
        let s = parse_sources(text, &no_args());
        assert_eq!(s.sources, vec!["target/*.jar", "conf/a b.yml", "b.yml"]);
    }

    #[test]
    fn args_defaults_and_build_args_are_substituted_and_unknowns_match_anything() {
        let text = "ARG VERSION=1.0\nFROM x\nARG NAME\nADD ${NAME}-${VERSION}.jar $NAME.jar\n\
                    COPY ${MISSING:-lib}/a ${OTHER}/b /d/\n";
        assert_eq!(
            parse_sources(text, &no_args()).sources,
            vec!["*-1.0.jar", "lib/a", "*/b"]
        );
        let mut args = no_args();
        args.insert("NAME".into(), "app".into());
        args.insert("VERSION".into(), "2.0".into());
        assert_eq!(
            parse_sources(text, &args).sources,
            vec!["app-2.0.jar", "lib/a", "*/b"]
        );
    }

    #[test]
    fn maven_filtering_replaces_known_placeholders_only() {
        let mut props = no_args();
        props.insert("artifactId".into(), "svc".into());
        props.insert("project.version".into(), "1.0".into());
        assert_eq!(
            maven_filter(
                "ADD ${artifactId}-${project.version}.jar @artifactId@ ${ARTIFACTID} a@b.c",
                &props
            ),
            "ADD svc-1.0.jar svc ${ARTIFACTID} a@b.c"
        );
    }

    #[test]
    fn the_context_is_where_the_sources_are_after_package() {
        let dir = tempfile::tempdir().unwrap();
        let module = dir.path().join("svc");
        let target = module.join("target");
        let classes = target.join("classes");
        std::fs::create_dir_all(module.join("src/main/resources")).unwrap();
        std::fs::write(module.join("src/main/resources/Dockerfile"), "x").unwrap();
        let predicted = vec![target.join("svc-1.0.jar"), classes.join("Dockerfile")];
        let candidates = vec![classes.clone(), target.clone(), module.clone()];
        // The course's template: the jar is in target/, not next to the processed file.
        let s = parse_sources("FROM x\nADD svc-1.0.jar /app.jar\n", &no_args());
        assert_eq!(choose_context(&s, &candidates, &predicted), Some(target));
        // A Dockerfile next to the POM copying target/*.jar: the module directory.
        let s = parse_sources("FROM x\nCOPY target/*.jar /app.jar\n", &no_args());
        let candidates2 = vec![module.clone(), classes.clone()];
        assert_eq!(
            choose_context(&s, &candidates2, &predicted),
            Some(module.clone())
        );
        // Existing files count too; something nowhere gives no context.
        let s = parse_sources(
            "FROM x\nCOPY src/main/resources/Dockerfile /d\n",
            &no_args(),
        );
        assert_eq!(
            choose_context(&s, &candidates, &predicted),
            Some(module.clone())
        );
        let s = parse_sources("FROM x\nCOPY nowhere.txt /d\n", &no_args());
        assert_eq!(choose_context(&s, &candidates, &predicted), None);
        // `..` never matches; no sources: the first candidate.
        let s = parse_sources("FROM x\nCOPY ../secret /d\n", &no_args());
        assert_eq!(choose_context(&s, &candidates, &predicted), None);
        let s = parse_sources("FROM scratch\n", &no_args());
        assert_eq!(choose_context(&s, &candidates, &predicted), Some(classes));
    }

    #[test]
    fn hostile_patterns_stay_cheap() {
        let p = "*".repeat(200) + "x";
        assert!(!component_matches(&p, &"a".repeat(30)));
        assert!(component_matches("*.jar", "a.jar"));
        assert!(!component_matches("*.jar", "a.war"));
    }
}

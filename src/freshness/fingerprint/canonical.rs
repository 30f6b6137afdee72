//! The canonical encoding: the bytes the fingerprint hashes for a model, written by an
//! explicit encoder rather than by formatting a serde structure.
//!
//! The encoding is versioned ([`ENCODING`], part of every hash), and every field is
//! length-prefixed, so that no two different trees encode to the same bytes (a name and a
//! value cannot shift into each other, an empty text differs from no text, the end of a
//! list is known). What is not part of the model does not reach the encoder: comments,
//! whitespace between elements and the order of attributes in the source.
//!
//! Absolute paths are the one thing in a model that depends on the machine. Before a text
//! is encoded, [`PathContext::portable`] replaces the module's directory, the workspace's
//! multi-module project directory and the local repository with symbols, where they occur
//! as whole path prefixes: `/ws/app/src` becomes `${basedir}/src`, but `/ws/app-2/src`
//! stays as it is. So the same sources give the same fingerprint in every checkout.

use crate::maven::effective::Node;
use crate::maven::xml::Element;
use std::borrow::Cow;
use std::path::Path;

/// The version of the encoding; part of every encoded model.
pub const ENCODING: &str = "m2fresh-canonical-1";

/// The machine-specific directories of one module, and how paths in them are written.
#[derive(Clone, Debug, Default)]
pub struct PathContext {
    /// The module's directory, as components of a normalised absolute path.
    basedir: Vec<String>,
    /// `(directory as text, how a path in it is made portable)`, the longest first.
    prefixes: Vec<(String, Portable)>,
}

/// How a path inside a known directory is written.
#[derive(Clone, Debug)]
enum Portable {
    /// Relative to the module's directory: `${basedir}/../lib/x`.
    FromBasedir,
    /// The directory becomes this symbol: `${localRepository}/a.jar`.
    Symbol(&'static str),
}

impl PathContext {
    /// The context of a module in `basedir`, in a checkout whose top directory is
    /// `checkout` (paths inside it are written relative to `basedir`), with the local
    /// repository `repository`.
    pub fn new(basedir: &Path, checkout: &Path, repository: Option<&Path>) -> PathContext {
        let mut prefixes: Vec<(String, Portable)> = Vec::new();
        let mut add = |dir: &Path, how: Portable| {
            let text = dir.to_string_lossy().trim_end_matches('/').to_string();
            // The file system root is a prefix of every path: never replace it.
            if !text.is_empty() {
                prefixes.push((text, how));
            }
        };
        add(checkout, Portable::FromBasedir);
        if !basedir.starts_with(checkout) {
            add(basedir, Portable::FromBasedir);
        }
        if let Some(repository) = repository {
            add(repository, Portable::Symbol("${localRepository}"));
        }
        prefixes.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        PathContext {
            basedir: components(&basedir.to_string_lossy()),
            prefixes,
        }
    }

    /// `text` with each path inside a directory of the context made portable, where the
    /// directory occurs as a whole path (not inside a longer name on either side).
    pub fn portable<'t>(&self, text: &'t str) -> Cow<'t, str> {
        // Every directory of the context is absolute: without a `/`, nothing to replace.
        if !text.contains('/')
            || !self
                .prefixes
                .iter()
                .any(|(dir, _)| text.contains(dir.as_str()))
        {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        // Every directory of the context is absolute: a match can only start at a `/`.
        while let Some(slash) = rest.find('/') {
            let (before, at) = rest.split_at(slash);
            out.push_str(before);
            let before_ok = out.chars().next_back().is_none_or(|c| !is_path_char(c));
            let replaced = if before_ok {
                self.replace_at(at, &mut out)
            } else {
                None
            };
            match replaced {
                Some(after) => rest = after,
                None => {
                    out.push('/');
                    rest = &at[1..];
                }
            }
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// When `at` starts with a directory of the context as a whole path: writes the path
    /// made portable to `out` and returns what follows it.
    fn replace_at<'t>(&self, at: &'t str, out: &mut String) -> Option<&'t str> {
        for (dir, how) in &self.prefixes {
            let Some(after) = at.strip_prefix(dir.as_str()) else {
                continue;
            };
            if after
                .chars()
                .next()
                .is_some_and(|c| c != '/' && is_path_char(c))
            {
                continue;
            }
            let tail_len = after.find(|c| !is_path_char(c)).unwrap_or(after.len());
            let (tail, after) = after.split_at(tail_len);
            match how {
                Portable::Symbol(symbol) => {
                    out.push_str(symbol);
                    out.push_str(tail);
                }
                Portable::FromBasedir => {
                    out.push_str(&self.relative_to_basedir(&format!("{dir}{tail}")));
                }
            }
            return Some(after);
        }
        None
    }

    /// An absolute path written relative to the module's directory: `${basedir}`,
    /// `${basedir}/src`, `${basedir}/../lib`.
    fn relative_to_basedir(&self, path: &str) -> String {
        let target = components(path);
        let common = self
            .basedir
            .iter()
            .zip(&target)
            .take_while(|(a, b)| a == b)
            .count();
        let mut out = String::from("${basedir}");
        for _ in common..self.basedir.len() {
            out.push_str("/..");
        }
        for part in &target[common..] {
            out.push('/');
            out.push_str(part);
        }
        if path.ends_with('/') && !out.ends_with('/') {
            out.push('/');
        }
        out
    }
}

/// The names of a `/`-separated absolute path, with `.` dropped and `..` applied.
fn components(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            other => out.push(other.to_string()),
        }
    }
    out
}

/// A character that can continue a file or directory name (or a path): a directory
/// followed or preceded by one is part of a longer path, not a whole path.
fn is_path_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '@' | '/')
}

/// Writes the canonical bytes of models.
#[derive(Debug, Default)]
pub struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    /// An encoder whose output starts with [`ENCODING`].
    pub fn new() -> Encoder {
        let mut e = Encoder { out: Vec::new() };
        e.bytes(ENCODING.as_bytes());
        e
    }

    /// The bytes written so far.
    pub fn finish(self) -> Vec<u8> {
        self.out
    }

    /// A length-prefixed byte string.
    pub fn bytes(&mut self, b: &[u8]) {
        self.out.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.out.extend_from_slice(b);
    }

    /// A tag byte, which says what follows.
    fn tag(&mut self, t: u8) {
        self.out.push(t);
    }

    /// A count of what follows.
    fn count(&mut self, n: usize) {
        self.out.extend_from_slice(&(n as u64).to_le_bytes());
    }

    /// A tree of the effective model, its texts and attribute values made portable.
    pub fn node(&mut self, node: &Node, paths: &PathContext) {
        self.tag(b'E');
        self.bytes(node.name.as_bytes());
        self.attributes(&node.attrs, paths);
        self.text(node.text.as_deref(), paths);
        self.count(node.children.len());
        for child in &node.children {
            self.node(child, paths);
        }
    }

    /// An XML element as written (a POM of the lineage), the same way as a [`Node`].
    pub fn element(&mut self, element: &Element, paths: &PathContext) {
        self.tag(b'E');
        self.bytes(element.name.as_bytes());
        self.attributes(&element.attrs, paths);
        // An element with children has no text in Maven's model (mixed content is
        // dropped), and an empty element is an empty text.
        if element.children.is_empty() {
            self.text(Some(&element.text), paths);
        } else {
            self.text(None, paths);
        }
        self.count(element.children.len());
        for child in &element.children {
            self.element(child, paths);
        }
    }

    /// A name → value map in its own order (callers pass sorted maps).
    pub fn map<'a>(&mut self, entries: impl ExactSizeIterator<Item = (&'a str, &'a str)>) {
        self.tag(b'M');
        self.count(entries.len());
        for (k, v) in entries {
            self.bytes(k.as_bytes());
            self.bytes(v.as_bytes());
        }
    }

    /// A list of strings in its own order.
    pub fn list<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a str>) {
        self.tag(b'L');
        self.count(items.len());
        for item in items {
            self.bytes(item.as_bytes());
        }
    }

    fn attributes(&mut self, attrs: &[(String, String)], paths: &PathContext) {
        // Attribute order carries no meaning in XML.
        let mut sorted: Vec<&(String, String)> = attrs.iter().collect();
        sorted.sort();
        self.count(sorted.len());
        for (k, v) in sorted {
            self.bytes(k.as_bytes());
            self.bytes(paths.portable(v).as_bytes());
        }
    }

    fn text(&mut self, text: Option<&str>, paths: &PathContext) {
        match text {
            Some(t) => {
                self.tag(b'T');
                self.bytes(paths.portable(t).as_bytes());
            }
            None => self.tag(b'N'),
        }
    }
}

/// The blake3 hex of encoded bytes.
pub fn hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::xml;

    fn ctx() -> PathContext {
        PathContext::new(
            Path::new("/ws/app"),
            Path::new("/ws"),
            Some(Path::new("/home/u/.m2/repository")),
        )
    }

    #[test]
    fn whole_directories_become_symbols() {
        let c = ctx();
        assert_eq!(c.portable("/ws/app/src/main"), "${basedir}/src/main");
        assert_eq!(c.portable("/ws/app"), "${basedir}");
        assert_eq!(c.portable("/ws/lib/x"), "${basedir}/../lib/x");
        assert_eq!(c.portable("/ws/app/../lib/x"), "${basedir}/../lib/x");
        assert_eq!(c.portable("/ws"), "${basedir}/..");
        assert_eq!(
            c.portable("-javaagent:/home/u/.m2/repository/a.jar"),
            "-javaagent:${localRepository}/a.jar"
        );
        assert_eq!(
            c.portable("/ws/app/a:/ws/app/b"),
            "${basedir}/a:${basedir}/b"
        );
    }

    #[test]
    fn a_sibling_sharing_the_prefix_is_left_alone() {
        let c = ctx();
        assert_eq!(c.portable("/ws/app-2/src"), "${basedir}/../app-2/src");
        assert_eq!(c.portable("/ws/apple"), "${basedir}/../apple");
        assert_eq!(c.portable("/usr/lib/jvm"), "/usr/lib/jvm");
        assert_eq!(c.portable("/x/ws/app/src"), "/x/ws/app/src");
        assert_eq!(c.portable("/wsx/app"), "/wsx/app");
        assert_eq!(c.portable("no paths here"), "no paths here");
    }

    #[test]
    fn the_same_module_elsewhere_encodes_the_same() {
        let node = |dir: &str| {
            let mut n = Node::new("build");
            n.children
                .push(Node::with_text("directory", format!("{dir}/target")));
            n
        };
        let a = PathContext::new(Path::new("/a/ws/m"), Path::new("/a/ws"), None);
        let b = PathContext::new(Path::new("/b/other/m"), Path::new("/b/other"), None);
        let enc = |n: &Node, c: &PathContext| {
            let mut e = Encoder::new();
            e.node(n, c);
            e.finish()
        };
        assert_eq!(enc(&node("/a/ws/m"), &a), enc(&node("/b/other/m"), &b));
        assert_ne!(enc(&node("/a/ws/m"), &a), enc(&node("/a/ws/n"), &a));
    }

    #[test]
    fn different_trees_encode_differently() {
        let enc = |n: &Node| {
            let mut e = Encoder::new();
            e.node(n, &PathContext::default());
            hash(&e.finish())
        };
        let empty_text = Node::with_text("a", "");
        let no_text = Node::new("a");
        assert_ne!(enc(&empty_text), enc(&no_text));
        // A name and a text cannot shift into each other.
        assert_ne!(
            enc(&Node::with_text("ab", "c")),
            enc(&Node::with_text("a", "bc"))
        );
        // Nesting is part of the encoding.
        let mut nested = Node::new("a");
        nested.children.push(Node::new("b"));
        nested.children.push(Node::new("c"));
        let mut deeper = Node::new("a");
        let mut b = Node::new("b");
        b.children.push(Node::new("c"));
        deeper.children.push(b);
        assert_ne!(enc(&nested), enc(&deeper));
    }

    #[test]
    fn comments_whitespace_and_attribute_order_do_not_count() {
        let enc = |text: &str| {
            let root = xml::parse(text).unwrap();
            let mut e = Encoder::new();
            e.element(&root, &PathContext::default());
            hash(&e.finish())
        };
        let a = enc("<project><name>x</name><c a=\"1\" b=\"2\"/></project>");
        let b = enc(
            "<project>\n  <!-- the name -->\n  <name> x </name>\n  <c b=\"2\" a=\"1\"></c>\n</project>",
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            enc("<project><name>y</name><c a=\"1\" b=\"2\"/></project>")
        );
    }

    /// The encoding is pinned: a change to it must bump [`ENCODING`] (which changes every
    /// fingerprint on purpose) and this value.
    #[test]
    fn the_encoding_is_pinned() {
        let mut n = Node::new("project");
        n.attrs.push(("combine.children".into(), "append".into()));
        n.children.push(Node::with_text("artifactId", "app"));
        n.children
            .push(Node::with_text("directory", "/ws/app/target"));
        let mut e = Encoder::new();
        e.node(&n, &ctx());
        e.map([("skipTests", "true")].into_iter());
        e.list(["a", "b"].into_iter());
        assert_eq!(
            hash(&e.finish()),
            "46aa142cfb36ce30a493c0b1a2f1fbf3e6a5a3721794344a1fd61895979525e2",
        );
    }
}

//! What `mvn help:effective-pom` prints: the model in `MavenXpp3Writer`'s element
//! order, without the values the writer leaves out (defaults, empty lists), with the
//! project's properties sorted (the help plugin's `SortedProperties`) and every other
//! `Properties` in `java.util.Properties`' own order; as XML, or as the same tree in JSON.

use super::Node;
use super::runtime::java_hash;
use super::schema::{self, Class, Kind};
use crate::maven::pom::{Loc, Sources};

/// The model as the writer writes it. The tree is taken apart, not copied: what the
/// writer keeps moves into the rendered tree.
pub fn render(model: Node) -> Node {
    let mut out = object(model, Class::Model, true);
    out.name = "project".into();
    out
}

fn object(node: Node, class: Class, top: bool) -> Node {
    let Node {
        name,
        mut attrs,
        children,
        loc,
        ..
    } = node;
    let mut out = Node::new(name);
    out.loc = loc;
    out.children.reserve_exact(children.len());
    for attr in schema::attributes(class) {
        if let Some(i) = attrs.iter().position(|(k, _)| k == attr) {
            out.attrs.push(attrs.swap_remove(i));
        }
    }
    // Each field takes the first child of its name, as `Node::child` finds it.
    let mut children: Vec<Option<Node>> = children.into_iter().map(Some).collect();
    let mut take = |name: &str| {
        children
            .iter_mut()
            .find(|c| c.as_ref().is_some_and(|c| c.name == name))
            .and_then(Option::take)
    };
    for f in schema::fields(class) {
        let Some(mut child) = take(f.name) else {
            continue;
        };
        match f.kind {
            Kind::Text | Kind::Bool(_) => {
                if let Some(t) = child.text.take()
                    && f.default != Some(t.as_str())
                {
                    let mut c = Node::with_text(f.name, t);
                    c.loc = child.loc;
                    out.children.push(c);
                }
            }
            Kind::Texts(item) => {
                if !child.children.is_empty() {
                    let mut list = Node::new(f.name);
                    list.loc = child.loc;
                    list.children.reserve_exact(child.children.len());
                    for mut n in child.children.into_iter().filter(|c| c.text.is_some()) {
                        n.name = item.to_string();
                        n.children.clear();
                        list.children.push(n);
                    }
                    out.children.push(list);
                }
            }
            Kind::Object(c) => {
                let mut n = object(child, c, false);
                n.name = f.name.to_string();
                out.children.push(n);
            }
            Kind::Objects(item, c) => {
                if !child.children.is_empty() {
                    let mut list = Node::new(f.name);
                    list.loc = child.loc;
                    list.children.reserve_exact(child.children.len());
                    for e in child.children {
                        let mut n = object(e, c, false);
                        n.name = item.to_string();
                        list.children.push(n);
                    }
                    out.children.push(list);
                }
            }
            Kind::Properties => {
                if !child.children.is_empty() {
                    let mut props = child;
                    props.name = f.name.to_string();
                    if top && class == Class::Model {
                        props
                            .children
                            .sort_by(|a, b| a.name.encode_utf16().cmp(b.name.encode_utf16()));
                    } else {
                        props.children = properties_order(props.children);
                    }
                    out.children.push(props);
                }
            }
            Kind::Dom => {
                let mut n = child;
                n.name = f.name.to_string();
                dom_attribute_order(&mut n);
                out.children.push(n);
            }
        }
    }
    out
}

/// plexus' `Xpp3Dom` keeps attributes in a `HashMap`: the writer meets them in its order.
fn dom_attribute_order(node: &mut Node) {
    if node.attrs.len() > 1 {
        node.attrs = super::runtime::java_hash_map_order(std::mem::take(&mut node.attrs));
    }
    for c in &mut node.children {
        dom_attribute_order(c);
    }
}

/// The iteration order of a `Properties` that Maven's reader filled with these keys in
/// this order, then cloned once (`Model.clone()` before profile injection): what the
/// writer's `keySet()` walk meets.
fn properties_order(entries: Vec<Node>) -> Vec<Node> {
    cloned_order(read_order(entries))
}

/// `Properties.clone()` (Java 9+): a `ConcurrentHashMap` presized for the entries
/// (`tryPresize`), filled in the original's iteration order.
fn cloned_order(entries: Vec<Node>) -> Vec<Node> {
    let count = entries.len();
    let wanted = (count + (count >> 1) + 1).next_power_of_two();
    let mut size = 16usize.max(wanted);
    while wanted > size - (size >> 2) {
        size *= 2;
    }
    let mut keyed: Vec<(usize, usize, Node)> = entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| (spread(java_hash(&e.name)) as usize & (size - 1), i, e))
        .collect();
    keyed.sort_by_key(|(bin, i, _)| (*bin, *i));
    keyed.into_iter().map(|(_, _, e)| e).collect()
}

/// The iteration order of a `java.util.Properties` (a `ConcurrentHashMap` of initial
/// capacity 8 since Java 9) filled with these keys in this order: bins of the table in
/// order, each bin's keys as its resizes left them.
fn read_order(entries: Vec<Node>) -> Vec<Node> {
    let mut size = 16usize;
    let mut table: Vec<Vec<(u32, Node)>> = vec![Vec::new(); size];
    let mut count = 0usize;
    for e in entries {
        let h = spread(java_hash(&e.name));
        let bin = &mut table[h as usize & (size - 1)];
        if let Some(slot) = bin.iter_mut().find(|(_, n)| n.name == e.name) {
            slot.1 = e;
            continue;
        }
        bin.push((h, e));
        count += 1;
        if count >= size - (size >> 2) {
            table = resize(table, size);
            size *= 2;
        }
    }
    table.into_iter().flatten().map(|(_, n)| n).collect()
}

/// `ConcurrentHashMap.transfer`: each bin splits into a low and a high bin; the last run
/// of nodes going the same way keeps its order, the nodes before it are prepended.
fn resize(table: Vec<Vec<(u32, Node)>>, n: usize) -> Vec<Vec<(u32, Node)>> {
    let mut next: Vec<Vec<(u32, Node)>> = vec![Vec::new(); n * 2];
    for (i, bin) in table.into_iter().enumerate() {
        if bin.is_empty() {
            continue;
        }
        let bit = |h: u32| h as usize & n;
        let mut last_run = 0;
        let mut run_bit = bit(bin[0].0);
        for (j, (h, _)) in bin.iter().enumerate().skip(1) {
            if bit(*h) != run_bit {
                run_bit = bit(*h);
                last_run = j;
            }
        }
        let mut low: Vec<(u32, Node)> = Vec::new();
        let mut high: Vec<(u32, Node)> = Vec::new();
        let mut nodes = bin;
        let tail = nodes.split_off(last_run);
        if run_bit == 0 {
            low = tail;
        } else {
            high = tail;
        }
        for node in nodes {
            if bit(node.0) == 0 {
                low.insert(0, node);
            } else {
                high.insert(0, node);
            }
        }
        next[i] = low;
        next[i + n] = high;
    }
    next
}

fn spread(h: i32) -> u32 {
    let h = h as u32;
    (h ^ (h >> 16)) & 0x7fff_ffff
}

/// Where each value came from, for `--verbose`: the comment Maven 3.9's help plugin
/// writes after a value (`<!-- groupId:artifactId:version, line N -->`).
pub trait Locations {
    /// The comment text for a location, without `<!--`/`-->`.
    fn describe(&self, loc: &Loc) -> Option<String>;
}

/// Locations described by the model id of the POM that holds them and the line.
pub struct ModelIds<'a> {
    /// The source texts.
    pub sources: &'a Sources,
    /// The model id (`groupId:artifactId:version`) of each source that is a POM, and
    /// whether its lines mean something.
    pub ids: &'a dyn Fn(crate::maven::pom::SourceId) -> Option<(String, bool)>,
}

impl Locations for ModelIds<'_> {
    fn describe(&self, loc: &Loc) -> Option<String> {
        let (id, lines) =
            (self.ids)(loc.source).unwrap_or_else(|| (self.sources.name(loc.source), true));
        if !lines {
            return Some(id);
        }
        Some(format!("{id}, line {}", self.sources.line(loc)))
    }
}

/// Writes a node as indented XML (two spaces per level, as the help plugin does).
pub fn xml(out: &mut String, node: &Node, depth: usize, verbose: Option<&dyn Locations>) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&node.name);
    for (k, v) in &node.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape(out, v, true);
        out.push('"');
    }
    let comment = verbose
        .zip(node.loc.as_ref())
        .and_then(|(v, loc)| v.describe(loc));
    if node.children.is_empty() {
        match &node.text {
            Some(t) => {
                out.push('>');
                escape(out, t, false);
                out.push_str("</");
                out.push_str(&node.name);
                out.push('>');
            }
            None => out.push_str(" />"),
        }
        if let Some(c) = comment {
            out.push_str("  <!-- ");
            out.push_str(&c.replace("--", "- -"));
            out.push_str(" -->");
        }
        out.push('\n');
        return;
    }
    // Maven's verbose writer comments values, not the elements that hold them.
    out.push_str(">\n");
    for c in &node.children {
        xml(out, c, depth + 1, verbose);
    }
    out.push_str(&indent);
    out.push_str("</");
    out.push_str(&node.name);
    out.push_str(">\n");
}

fn escape(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {
                out.push_str(&format!("&#{};", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// The same tree as JSON: `{"name", "attributes"?, "text"?, "children"?, "location"?}`.
pub fn json(node: &Node, verbose: Option<&dyn Locations>) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    map.insert("name".into(), node.name.clone().into());
    if !node.attrs.is_empty() {
        let attrs: serde_json::Map<String, serde_json::Value> = node
            .attrs
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        map.insert("attributes".into(), attrs.into());
    }
    if let Some(t) = &node.text {
        map.insert("text".into(), t.clone().into());
    }
    if !node.children.is_empty() {
        let children: Vec<serde_json::Value> =
            node.children.iter().map(|c| json(c, verbose)).collect();
        map.insert("children".into(), children.into());
    }
    if let Some(l) = verbose
        .zip(node.loc.as_ref())
        .and_then(|(v, loc)| v.describe(loc))
    {
        map.insert("location".into(), l.into());
    }
    map.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_empty_lists_are_left_out_in_writer_order() {
        let mut m = Node::new("project");
        m.children.push(Node::with_text("packaging", "jar"));
        m.children.push(Node::with_text("artifactId", "a"));
        m.children.push(Node::new("dependencies"));
        let mut props = Node::new("properties");
        props.children.push(Node::with_text("b", "2"));
        props.children.push(Node::with_text("a", "1"));
        m.children.push(props);
        m.children.push(Node::with_text("modelVersion", "4.0.0"));
        let r = render(m);
        let names: Vec<&str> = r.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["modelVersion", "artifactId", "properties"]);
        let keys: Vec<&str> = r.children[2]
            .children
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(keys, ["a", "b"]);
    }

    fn names(keys: &str) -> Vec<Node> {
        keys.split(',').map(|k| Node::with_text(k, "")).collect()
    }

    fn joined(nodes: Vec<Node>) -> String {
        nodes
            .into_iter()
            .map(|n| n.name)
            .collect::<Vec<_>>()
            .join(",")
    }

    #[test]
    fn properties_iterate_as_java_17_does() {
        // What Java 17 prints for `new Properties()` filled in this order: its keySet(),
        // then its clone's keySet().
        let keys = names("x1,x2,x3,x4,x5,x6,x7,x8,x9,x10,x11,x12,x13");
        assert_eq!(
            joined(read_order(keys.clone())),
            "x8,x9,x10,x12,x1,x11,x2,x3,x13,x4,x5,x6,x7"
        );
        assert_eq!(
            joined(properties_order(keys)),
            "x8,x9,x10,x12,x11,x13,x1,x2,x3,x4,x5,x6,x7"
        );
        let keys = names(
            "java.version,project.build.sourceEncoding,spring-boot.version,skipTests,\
             maven.compiler.source,maven.compiler.target,lombok.version,a,b,c,d,e,f,g,h,i,j,k,\
             l,m,n,o,p,q,r,s,t",
        );
        assert_eq!(
            joined(read_order(keys.clone())),
            "spring-boot.version,project.build.sourceEncoding,skipTests,a,b,c,d,java.version,e,\
             maven.compiler.source,f,g,h,i,j,k,l,m,n,o,lombok.version,p,q,maven.compiler.target,r,s,t"
        );
        assert_eq!(
            joined(properties_order(keys)),
            "maven.compiler.source,spring-boot.version,project.build.sourceEncoding,skipTests,a,\
             b,c,d,java.version,e,f,g,h,i,j,k,l,m,n,o,lombok.version,p,q,maven.compiler.target,r,s,t"
        );
    }
}

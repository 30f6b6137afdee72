//! The whole effective model of a module, as Maven builds it and as
//! `mvn help:effective-pom` prints it: every element of every POM of the lineage in effect
//! after profile activation, inheritance, interpolation, path alignment, management and
//! lifecycle injection — unknown elements and free-form plugin `<configuration>` included.
//!
//! [`crate::maven::model`] builds the part of the model that decides the reactor, fast,
//! for every module of a workspace; this module builds the whole model for the modules a
//! command needs. It is the one model behind `m2fresh effective-pom` and behind the
//! fingerprint's canonical form ([`crate::freshness::fingerprint`]), so what m2fresh
//! believes Maven builds from can be printed, and compared with Maven's own.

use crate::maven::pom::Loc;

/// One element of the effective model: Maven's model as an ordered tree, with element
/// names as a POM writes them. An element has either text or children (Maven's model has
/// no mixed content, and Maven's reader drops it in `<configuration>` too).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The element name.
    pub name: String,
    /// Attributes in the order Maven writes them (`combine.children`, `combine.self`,
    /// `child.inherit.append.path`, and any in free-form configuration).
    pub attrs: Vec<(String, String)>,
    /// The text, interpolated, when the element has text.
    pub text: Option<String>,
    /// Child elements in the order Maven writes them.
    pub children: Vec<Node>,
    /// Where the value came from (a POM of the lineage, the super POM, a lifecycle
    /// binding), when known: what `effective-pom --verbose` prints.
    pub loc: Option<Loc>,
}

impl Node {
    /// An element with no attributes, text or children.
    pub fn new(name: impl Into<String>) -> Node {
        Node {
            name: name.into(),
            attrs: Vec::new(),
            text: None,
            children: Vec::new(),
            loc: None,
        }
    }

    /// An element with text.
    pub fn with_text(name: impl Into<String>, text: impl Into<String>) -> Node {
        Node {
            text: Some(text.into()),
            ..Node::new(name)
        }
    }

    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text at a path of child names, like `build/directory`.
    pub fn text_at(&self, path: &str) -> Option<&str> {
        let mut node = self;
        for part in path.split('/') {
            node = node.child(part)?;
        }
        node.text.as_deref()
    }
}

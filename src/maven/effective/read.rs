//! A POM's XML as Maven's reader sees it: the elements of the 4.0.0 model
//! ([`super::schema`]) become [`Node`]s, each value trimmed and with where it was
//! written; unknown elements are dropped (Maven's strict reader fails on them, then
//! reads the file leniently, which drops them); free-form `<configuration>` is kept whole.

use super::Node;
use super::schema::{self, Class, Kind};
use crate::maven::pom::{Loc, SourceId};
use crate::maven::xml::Element;

/// Reads an element of a model class.
pub fn object(el: &Element, class: Class, source: SourceId) -> Node {
    let mut node = Node::new(el.name.clone());
    node.loc = Some(loc(source, &el.span));
    for attr in schema::attributes(class) {
        if let Some(v) = el.attr(attr) {
            node.attrs.push((attr.to_string(), v.trim().to_string()));
        }
    }
    for child in &el.children {
        let Some(field) = schema::field(class, &child.name) else {
            continue;
        };
        let value = match field.kind {
            Kind::Text => text(child, source),
            Kind::Bool(_) => {
                let mut n = text(child, source);
                let truth = child.text.eq_ignore_ascii_case("true");
                n.text = Some(truth.to_string());
                n
            }
            Kind::Texts(item) => list(child, source, item, |e| text(e, source)),
            Kind::Object(c) => object(child, c, source),
            Kind::Objects(item, c) => list(child, source, item, |e| object(e, c, source)),
            Kind::Properties => list(child, source, "", |e| text(e, source)),
            Kind::Dom => dom(child, source),
        };
        node.set_child(value);
    }
    node
}

/// A text element.
fn text(el: &Element, source: SourceId) -> Node {
    let mut node = Node::with_text(el.name.clone(), el.text.clone());
    node.loc = Some(loc(source, &el.text_span));
    node
}

/// A list element: its children named `item` (every child when `item` is empty).
fn list(el: &Element, source: SourceId, item: &str, read: impl Fn(&Element) -> Node) -> Node {
    let mut node = Node::new(el.name.clone());
    node.loc = Some(loc(source, &el.span));
    for child in &el.children {
        if item.is_empty() {
            // Properties: a key read twice keeps its last value.
            node.set_child(read(child));
        } else if child.name == item {
            node.children.push(read(child));
        }
    }
    node
}

/// A free-form DOM, as plexus' `Xpp3DomBuilder` reads it (trimmed values; an element
/// with children has no value).
pub fn dom(el: &Element, source: SourceId) -> Node {
    let mut node = Node::new(el.name.clone());
    node.attrs = el.attrs.clone();
    if el.children.is_empty() {
        node.text = (!el.text.is_empty()).then(|| el.text.clone());
        node.loc = Some(loc(source, &el.text_span));
    } else {
        node.loc = Some(loc(source, &el.span));
        node.children = el.children.iter().map(|c| dom(c, source)).collect();
    }
    node
}

fn loc(source: SourceId, span: &std::ops::Range<usize>) -> Loc {
    Loc {
        source,
        span: span.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::xml;

    #[test]
    fn known_elements_are_kept_unknown_ones_dropped_configuration_whole() {
        let root = xml::parse(
            "<project child.project.url.inherit.append.path=\"false\" other=\"x\">\
             <artifactId> a </artifactId><unknown>x</unknown>\
             <properties><b>2</b><a>1</a><b>3</b></properties>\
             <build><plugins><plugin><artifactId>p</artifactId>\
             <configuration><x combine.children=\"append\"><y>1</y></x><z/></configuration>\
             </plugin></plugins></build>\
             <profiles><profile><activation><activeByDefault>TRUE</activeByDefault></activation></profile></profiles>\
             </project>",
        )
        .unwrap();
        let n = object(&root, Class::Model, SourceId(0));
        assert_eq!(
            n.attrs,
            [(
                "child.project.url.inherit.append.path".to_string(),
                "false".to_string()
            )]
        );
        assert_eq!(n.text_at("artifactId"), Some("a"));
        assert!(n.child("unknown").is_none());
        let props: Vec<(&str, &str)> = n
            .child("properties")
            .unwrap()
            .children
            .iter()
            .map(|c| (c.name.as_str(), c.text.as_deref().unwrap()))
            .collect();
        assert_eq!(props, [("b", "3"), ("a", "1")]);
        let conf = n.child("build").unwrap().child("plugins").unwrap().children[0]
            .child("configuration")
            .unwrap();
        assert_eq!(conf.children[0].attr("combine.children"), Some("append"));
        assert_eq!(conf.text_at("x/y"), Some("1"));
        assert_eq!(
            n.text_at("profiles/profile/activation/activeByDefault"),
            Some("true")
        );
    }
}

//! A small spanned XML tree on top of quick-xml: every element and every text value keeps
//! the byte range it came from, so that a finding about a POM can point at its line.
//!
//! POMs are data, not documents: m2fresh never expands a DTD or a custom entity (a
//! `<!DOCTYPE>` or `&foo;` is an error, not an invitation to read a file or explode in
//! memory), and refuses nesting deeper than any real POM needs, so that hostile input
//! cannot exhaust the stack.

use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::ops::Range;

/// The deepest element nesting m2fresh accepts. Real POMs stay under 20; plugin
/// configurations rarely pass 40.
pub const MAX_DEPTH: usize = 256;

/// A byte range in a source text.
pub type Span = Range<usize>;

/// One element: its local name, attributes, text and children, with spans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    /// The local name (a `pom:` prefix is dropped, as Maven ignores namespaces).
    pub name: String,
    /// Attributes in document order, values unescaped.
    pub attrs: Vec<(String, String)>,
    /// The element's own text (text, CDATA and references concatenated, then trimmed as
    /// Maven's reader trims values).
    pub text: String,
    /// Where the text is; the start tag when there is none.
    pub text_span: Span,
    /// The start tag.
    pub span: Span,
    /// Child elements in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a text is not a POM m2fresh will read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    /// What is wrong, in words.
    pub message: String,
    /// Where.
    pub span: Span,
}

impl XmlError {
    fn new(message: impl Into<String>, span: Span) -> Self {
        XmlError {
            message: message.into(),
            span,
        }
    }
}

/// Parses a whole document and returns its root element.
pub fn parse(source: &str) -> Result<Element, XmlError> {
    // quick-xml skips a leading byte-order mark without counting it, which would shift
    // every span by three bytes. `decode` removes the file's mark; one still here was a
    // second one, which Maven's parser rejects as content before the root element.
    if source.starts_with('\u{feff}') {
        return Err(XmlError::new(
            "malformed XML: a byte-order mark (U+FEFF) before the root element; the file \
             starts with two?",
            0..'\u{feff}'.len_utf8(),
        ));
    }
    let mut reader = Reader::from_str(source);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = false;

    // Open elements; the text of each is gathered until its end tag.
    let mut stack: Vec<(Element, Option<Span>)> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = offset(reader.buffer_position());
        let event = reader.read_event().map_err(|e| {
            let at = offset(reader.error_position());
            XmlError::new(format!("malformed XML: {e}"), at..at.max(start) + 1)
        })?;
        let end = offset(reader.buffer_position());
        match event {
            Event::Start(tag) | Event::Empty(tag) if root.is_some() && stack.is_empty() => {
                let _ = tag;
                return Err(XmlError::new(
                    "malformed XML: a second root element",
                    start..end,
                ));
            }
            Event::Start(tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::new(
                        format!("elements are nested deeper than {MAX_DEPTH} levels"),
                        start..end,
                    ));
                }
                stack.push((element(&tag, start..end)?, None));
            }
            Event::Empty(tag) => {
                let el = element(&tag, start..end)?;
                close(&mut stack, &mut root, el);
            }
            Event::End(_) => {
                if let Some((mut el, text_span)) = stack.pop() {
                    finish_text(&mut el, text_span);
                    close(&mut stack, &mut root, el);
                }
            }
            Event::Text(text) => {
                let content = text.xml10_content();
                append_text(&mut stack, &content, start..end, source)?;
            }
            Event::CData(data) => {
                let content = data.to_string();
                append_text(&mut stack, &content, start..end, source)?;
            }
            Event::GeneralRef(reference) => {
                let name = reference.xml10_content();
                let resolved = match &*name {
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "amp" => "&".to_string(),
                    "apos" => "'".to_string(),
                    "quot" => "\"".to_string(),
                    _ => match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            return Err(XmlError::new(
                                format!(
                                    "the entity reference `&{name};` is not one of XML's five \
                                     predefined entities; m2fresh never expands custom entities"
                                ),
                                start..end,
                            ));
                        }
                    },
                };
                append_text(&mut stack, &resolved, start..end, source)?;
            }
            Event::DocType(_) => {
                return Err(XmlError::new(
                    "a <!DOCTYPE> declaration: POMs have none, and m2fresh never reads or \
                     expands a DTD",
                    start..end,
                ));
            }
            Event::Decl(_) if start != 0 => {
                // As Maven's parser: `<?xml` anywhere else is a reserved target.
                return Err(XmlError::new(
                    "malformed XML: the XML declaration <?xml ...?> must be the very first \
                     thing in the file",
                    start..end,
                ));
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if let Some((el, _)) = stack.last() {
        return Err(XmlError::new(
            format!("malformed XML: <{}> is never closed", el.name),
            el.span.clone(),
        ));
    }
    root.ok_or_else(|| XmlError::new("the file has no root element", 0..source.len().min(1)))
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

fn element(tag: &quick_xml::events::BytesStart<'_>, span: Span) -> Result<Element, XmlError> {
    let name = tag.local_name().into_inner().to_string();
    let mut attrs = Vec::new();
    for attr in tag.attributes() {
        let attr =
            attr.map_err(|e| XmlError::new(format!("malformed attribute: {e}"), span.clone()))?;
        let key = attr.key.local_name().into_inner().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| XmlError::new(format!("attribute `{key}`: {e}"), span.clone()))?;
        attrs.push((key, value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        text: String::new(),
        text_span: span.clone(),
        span,
        children: Vec::new(),
    })
}

fn append_text(
    stack: &mut [(Element, Option<Span>)],
    content: &str,
    span: Span,
    source: &str,
) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some((el, text_span)) => {
            el.text.push_str(content);
            *text_span = Some(match text_span.take() {
                Some(s) => s.start..span.end,
                None => span,
            });
            Ok(())
        }
        None if source
            .get(span.clone())
            .is_some_and(|t| t.trim().is_empty()) =>
        {
            Ok(())
        }
        None => Err(XmlError::new(
            "malformed XML: text outside the root element",
            span,
        )),
    }
}

/// Trims the gathered text, and narrows its span to the trimmed part so that a caret
/// points at the value and not at the indentation around it.
fn finish_text(el: &mut Element, text_span: Option<Span>) {
    let Some(span) = text_span else { return };
    let trimmed = el.text.trim();
    if trimmed.is_empty() {
        el.text.clear();
        return;
    }
    let lead = el.text.len() - el.text.trim_start().len();
    let trail = el.text.len() - el.text.trim_end().len();
    // Only exact when the text had no references; close enough otherwise.
    let start = (span.start + lead).min(span.end);
    let end = span.end.saturating_sub(trail).max(start);
    el.text = trimmed.to_string();
    el.text_span = start..end;
}

fn close(stack: &mut [(Element, Option<Span>)], root: &mut Option<Element>, el: Element) {
    match stack.last_mut() {
        Some((parent, _)) => parent.children.push(el),
        None => *root = Some(el),
    }
}

/// Decodes a POM file's bytes: UTF-8 (with or without a byte-order mark), or ISO-8859-1
/// when the XML declaration says so, as Maven's reader would. Anything else is refused
/// rather than guessed.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    let with_bom = bytes;
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err("the file is UTF-16; m2fresh reads UTF-8 and ISO-8859-1 POMs".into());
    }
    let declared = declared_encoding(bytes);
    match declared.as_deref() {
        None | Some("utf-8") | Some("utf8") => {
            std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| {
                // Offsets count from the start of the file, byte-order mark included, so
                // that `cmp`, `xxd -s` or an editor find the byte.
                let at = e.valid_up_to() + (with_bom.len() - bytes.len());
                let line = with_bom[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                format!(
                    "the file is not valid UTF-8 (byte {at}, line {line}); declare its \
                     encoding in <?xml ... encoding=\"...\"?> or convert it"
                )
            })
        }
        Some("iso-8859-1") | Some("latin1") | Some("latin-1") | Some("us-ascii")
        | Some("ascii") => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        Some(other) => Err(format!(
            "the file declares encoding \"{other}\"; m2fresh reads UTF-8 and ISO-8859-1 POMs"
        )),
    }
}

fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = String::from_utf8_lossy(&head[..end]);
    let at = decl.find("encoding")?;
    let rest = decl[at + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next()?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let value = &rest[1..];
    let close = value.find(quote)?;
    Some(value[..close].to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_spans() {
        let src = "<project>\n  <version> 1.0 </version>\n</project>";
        let root = parse(src).unwrap();
        let v = root.child("version").unwrap();
        assert_eq!(v.text, "1.0");
        assert_eq!(&src[v.text_span.clone()], "1.0");
    }

    #[test]
    fn predefined_and_character_references_are_resolved() {
        let root = parse("<a><b>x &amp; y &#65;&#x42; &lt;</b></a>").unwrap();
        assert_eq!(root.child("b").unwrap().text, "x & y AB <");
    }

    #[test]
    fn cdata_is_text() {
        let root = parse("<a><b><![CDATA[<x>]]></b></a>").unwrap();
        assert_eq!(root.child("b").unwrap().text, "<x>");
    }

    #[test]
    fn doctype_is_refused_and_never_expanded() {
        let src = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">]>\n<project>&lol;</project>";
        let err = parse(src).unwrap_err();
        assert!(err.message.contains("DOCTYPE"), "{}", err.message);
        assert_eq!(&src[err.span.clone()][..9], "<!DOCTYPE");
    }

    #[test]
    fn custom_entities_are_refused() {
        let err = parse("<a>&xxe;</a>").unwrap_err();
        assert!(err.message.contains("&xxe;"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflowing_the_stack() {
        let src = "<a>".repeat(100_000);
        let err = parse(&src).unwrap_err();
        assert!(err.message.contains("nested deeper"), "{}", err.message);
    }

    #[test]
    fn mismatched_and_unclosed_tags_are_errors() {
        assert!(parse("<a><b></a>").is_err());
        assert!(
            parse("<a><b>")
                .unwrap_err()
                .message
                .contains("never closed")
        );
        assert!(parse("").is_err());
        assert!(parse("<a/><b/>").is_err());
    }

    #[test]
    fn a_second_byte_order_mark_is_an_error_not_a_panic() {
        // Found by the fuzzer: spans were off by the mark's three bytes.
        let text = decode(b"\xEF\xBB\xBF\xEF\xBB\xBF\r").unwrap();
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("byte-order mark"), "{}", err.message);
        assert_eq!(&text[err.span.clone()], "\u{feff}");
    }

    #[test]
    fn the_xml_declaration_comes_first_or_not_at_all() {
        assert!(parse("<?xml version=\"1.0\"?><a/>").is_ok());
        for late in [
            "\n<?xml version=\"1.0\"?><a/>",
            "<?xml version=\"1.0\"?><?xml version=\"1.0\"?><a/>",
            "<a/><?xml version=\"1.0\"?>",
        ] {
            let err = parse(late).unwrap_err();
            assert!(
                err.message.contains("very first"),
                "{late:?}: {}",
                err.message
            );
        }
    }

    #[test]
    fn namespace_prefixes_are_ignored() {
        let root = parse("<pom:project xmlns:pom=\"x\"><pom:version>1</pom:version></pom:project>")
            .unwrap();
        assert_eq!(root.name, "project");
        assert_eq!(root.child("version").unwrap().text, "1");
    }

    #[test]
    fn decoding_handles_bom_and_latin1() {
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>").unwrap(), "<a/>");
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xE9</a>";
        assert!(decode(latin).unwrap().ends_with("caf\u{e9}</a>"));
        assert!(
            decode(b"<a>caf\xE9</a>")
                .unwrap_err()
                .contains("not valid UTF-8 (byte 6, line 1)")
        );
        assert!(
            decode(b"\xEF\xBB\xBF<a>\n\xE9</a>")
                .unwrap_err()
                .contains("(byte 7, line 2)")
        );
        assert!(decode(b"<?xml version='1.0' encoding='Shift_JIS'?><a/>").is_err());
    }
}

//! A small spanned XML tree on top of quick-xml: every element and every text value keeps
//! the byte range it came from, so that a finding about a POM can point at its line.
//!
//! It accepts what Maven's reader (plexus-utils' `MXParser` with Modello's default
//! entities) accepts: XML's five entities, character references and the 248 XHTML
//! entities (`&nbsp;`, `&oslash;`, `&copy;`, ...) that Maven's `MavenXpp3Reader` defines. A
//! `<!DOCTYPE>` is skipped as `MXParser` skips it: never read, never expanded, so an entity
//! it declares stays undefined (an error, as in Maven), not an invitation to read a file or
//! explode in memory. Nesting deeper than any real POM needs is refused, so that hostile
//! input cannot exhaust the stack.

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
    parse_document(source).map(|d| d.root)
}

/// A parsed document: the root element, and where a skipped `<!DOCTYPE>` was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Document {
    /// The root element.
    pub root: Element,
    /// The `<!DOCTYPE ...>` declaration, when the file has one. Like Maven's parser,
    /// m2fresh skips it: its entities are never defined, never expanded, and no external
    /// DTD is read.
    pub doctype: Option<Span>,
}

/// Parses a whole document.
pub fn parse_document(source: &str) -> Result<Document, XmlError> {
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
    let mut doctype: Option<Span> = None;
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
                let resolved = match resolve_entity(&name) {
                    Some(text) => text.to_string(),
                    None => match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            return Err(XmlError::new(
                                format!(
                                    "could not resolve entity named '{name}': it is neither one \
                                     of XML's five nor an XHTML entity, and m2fresh, like Maven, \
                                     never expands entities a DTD declares"
                                ),
                                start..end,
                            ));
                        }
                    },
                };
                append_text(&mut stack, &resolved, start..end, source)?;
            }
            // Maven's MXParser skips the declaration, internal subset included: its entities
            // are never defined, so a reference to one is an error below.
            Event::DocType(_) => doctype = Some(start..end),
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
    let root =
        root.ok_or_else(|| XmlError::new("the file has no root element", 0..source.len().min(1)))?;
    Ok(Document { root, doctype })
}

/// The text of an entity Maven's POM reader knows: XML's five, then the XHTML entities.
fn resolve_entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => XHTML_ENTITIES
            .binary_search_by_key(&name, |&(n, _)| n)
            .ok()
            .map(|i| XHTML_ENTITIES[i].1),
    }
}

/// The XHTML 1.0 Latin-1, special and symbol entities (less XML's own), which Modello's
/// generated readers define for every POM Maven reads (plexus-utils'
/// `EntityReplacementMap.defaultEntityReplacementMap`). Sorted by name.
#[rustfmt::skip]
const XHTML_ENTITIES: [(&str, &str); 248] = [
    ("AElig", "\u{c6}"), ("Aacute", "\u{c1}"), ("Acirc", "\u{c2}"), ("Agrave", "\u{c0}"),
    ("Alpha", "\u{391}"), ("Aring", "\u{c5}"), ("Atilde", "\u{c3}"), ("Auml", "\u{c4}"),
    ("Beta", "\u{392}"), ("Ccedil", "\u{c7}"), ("Chi", "\u{3a7}"), ("Dagger", "\u{2021}"),
    ("Delta", "\u{394}"), ("ETH", "\u{d0}"), ("Eacute", "\u{c9}"), ("Ecirc", "\u{ca}"),
    ("Egrave", "\u{c8}"), ("Epsilon", "\u{395}"), ("Eta", "\u{397}"), ("Euml", "\u{cb}"),
    ("Gamma", "\u{393}"), ("Iacute", "\u{cd}"), ("Icirc", "\u{ce}"), ("Igrave", "\u{cc}"),
    ("Iota", "\u{399}"), ("Iuml", "\u{cf}"), ("Kappa", "\u{39a}"), ("Lambda", "\u{39b}"),
    ("Mu", "\u{39c}"), ("Ntilde", "\u{d1}"), ("Nu", "\u{39d}"), ("OElig", "\u{152}"),
    ("Oacute", "\u{d3}"), ("Ocirc", "\u{d4}"), ("Ograve", "\u{d2}"), ("Omega", "\u{3a9}"),
    ("Omicron", "\u{39f}"), ("Oslash", "\u{d8}"), ("Otilde", "\u{d5}"), ("Ouml", "\u{d6}"),
    ("Phi", "\u{3a6}"), ("Pi", "\u{3a0}"), ("Prime", "\u{2033}"), ("Psi", "\u{3a8}"),
    ("Rho", "\u{3a1}"), ("Scaron", "\u{160}"), ("Sigma", "\u{3a3}"), ("THORN", "\u{de}"),
    ("Tau", "\u{3a4}"), ("Theta", "\u{398}"), ("Uacute", "\u{da}"), ("Ucirc", "\u{db}"),
    ("Ugrave", "\u{d9}"), ("Upsilon", "\u{3a5}"), ("Uuml", "\u{dc}"), ("Xi", "\u{39e}"),
    ("Yacute", "\u{dd}"), ("Yuml", "\u{178}"), ("Zeta", "\u{396}"), ("aacute", "\u{e1}"),
    ("acirc", "\u{e2}"), ("acute", "\u{b4}"), ("aelig", "\u{e6}"), ("agrave", "\u{e0}"),
    ("alefsym", "\u{2135}"), ("alpha", "\u{3b1}"), ("and", "\u{2227}"), ("ang", "\u{2220}"),
    ("aring", "\u{e5}"), ("asymp", "\u{2248}"), ("atilde", "\u{e3}"), ("auml", "\u{e4}"),
    ("bdquo", "\u{201e}"), ("beta", "\u{3b2}"), ("brvbar", "\u{a6}"), ("bull", "\u{2022}"),
    ("cap", "\u{2229}"), ("ccedil", "\u{e7}"), ("cedil", "\u{b8}"), ("cent", "\u{a2}"),
    ("chi", "\u{3c7}"), ("circ", "\u{2c6}"), ("clubs", "\u{2663}"), ("cong", "\u{2245}"),
    ("copy", "\u{a9}"), ("crarr", "\u{21b5}"), ("cup", "\u{222a}"), ("curren", "\u{a4}"),
    ("dArr", "\u{21d3}"), ("dagger", "\u{2020}"), ("darr", "\u{2193}"), ("deg", "\u{b0}"),
    ("delta", "\u{3b4}"), ("diams", "\u{2666}"), ("divide", "\u{f7}"), ("eacute", "\u{e9}"),
    ("ecirc", "\u{ea}"), ("egrave", "\u{e8}"), ("empty", "\u{2205}"), ("emsp", "\u{2003}"),
    ("ensp", "\u{2002}"), ("epsilon", "\u{3b5}"), ("equiv", "\u{2261}"), ("eta", "\u{3b7}"),
    ("eth", "\u{f0}"), ("euml", "\u{eb}"), ("euro", "\u{20ac}"), ("exist", "\u{2203}"),
    ("fnof", "\u{192}"), ("forall", "\u{2200}"), ("frac12", "\u{bd}"), ("frac14", "\u{bc}"),
    ("frac34", "\u{be}"), ("frasl", "\u{2044}"), ("gamma", "\u{3b3}"), ("ge", "\u{2265}"),
    ("hArr", "\u{21d4}"), ("harr", "\u{2194}"), ("hearts", "\u{2665}"), ("hellip", "\u{2026}"),
    ("iacute", "\u{ed}"), ("icirc", "\u{ee}"), ("iexcl", "\u{a1}"), ("igrave", "\u{ec}"),
    ("image", "\u{2111}"), ("infin", "\u{221e}"), ("int", "\u{222b}"), ("iota", "\u{3b9}"),
    ("iquest", "\u{bf}"), ("isin", "\u{2208}"), ("iuml", "\u{ef}"), ("kappa", "\u{3ba}"),
    ("lArr", "\u{21d0}"), ("lambda", "\u{3bb}"), ("lang", "\u{2329}"), ("laquo", "\u{ab}"),
    ("larr", "\u{2190}"), ("lceil", "\u{2308}"), ("ldquo", "\u{201c}"), ("le", "\u{2264}"),
    ("lfloor", "\u{230a}"), ("lowast", "\u{2217}"), ("loz", "\u{25ca}"), ("lrm", "\u{200e}"),
    ("lsaquo", "\u{2039}"), ("lsquo", "\u{2018}"), ("macr", "\u{af}"), ("mdash", "\u{2014}"),
    ("micro", "\u{b5}"), ("middot", "\u{b7}"), ("minus", "\u{2212}"), ("mu", "\u{3bc}"),
    ("nabla", "\u{2207}"), ("nbsp", "\u{a0}"), ("ndash", "\u{2013}"), ("ne", "\u{2260}"),
    ("ni", "\u{220b}"), ("not", "\u{ac}"), ("notin", "\u{2209}"), ("nsub", "\u{2284}"),
    ("ntilde", "\u{f1}"), ("nu", "\u{3bd}"), ("oacute", "\u{f3}"), ("ocirc", "\u{f4}"),
    ("oelig", "\u{153}"), ("ograve", "\u{f2}"), ("oline", "\u{203e}"), ("omega", "\u{3c9}"),
    ("omicron", "\u{3bf}"), ("oplus", "\u{2295}"), ("or", "\u{2228}"), ("ordf", "\u{aa}"),
    ("ordm", "\u{ba}"), ("oslash", "\u{f8}"), ("otilde", "\u{f5}"), ("otimes", "\u{2297}"),
    ("ouml", "\u{f6}"), ("para", "\u{b6}"), ("part", "\u{2202}"), ("permil", "\u{2030}"),
    ("perp", "\u{22a5}"), ("phi", "\u{3c6}"), ("pi", "\u{3c0}"), ("piv", "\u{3d6}"),
    ("plusmn", "\u{b1}"), ("pound", "\u{a3}"), ("prime", "\u{2032}"), ("prod", "\u{220f}"),
    ("prop", "\u{221d}"), ("psi", "\u{3c8}"), ("rArr", "\u{21d2}"), ("radic", "\u{221a}"),
    ("rang", "\u{232a}"), ("raquo", "\u{bb}"), ("rarr", "\u{2192}"), ("rceil", "\u{2309}"),
    ("rdquo", "\u{201d}"), ("real", "\u{211c}"), ("reg", "\u{ae}"), ("rfloor", "\u{230b}"),
    ("rho", "\u{3c1}"), ("rlm", "\u{200f}"), ("rsaquo", "\u{203a}"), ("rsquo", "\u{2019}"),
    ("sbquo", "\u{201a}"), ("scaron", "\u{161}"), ("sdot", "\u{22c5}"), ("sect", "\u{a7}"),
    ("shy", "\u{ad}"), ("sigma", "\u{3c3}"), ("sigmaf", "\u{3c2}"), ("sim", "\u{223c}"),
    ("spades", "\u{2660}"), ("sub", "\u{2282}"), ("sube", "\u{2286}"), ("sum", "\u{2211}"),
    ("sup", "\u{2283}"), ("sup1", "\u{b9}"), ("sup2", "\u{b2}"), ("sup3", "\u{b3}"),
    ("supe", "\u{2287}"), ("szlig", "\u{df}"), ("tau", "\u{3c4}"), ("there4", "\u{2234}"),
    ("theta", "\u{3b8}"), ("thetasym", "\u{3d1}"), ("thinsp", "\u{2009}"), ("thorn", "\u{fe}"),
    ("tilde", "\u{2dc}"), ("times", "\u{d7}"), ("trade", "\u{2122}"), ("uArr", "\u{21d1}"),
    ("uacute", "\u{fa}"), ("uarr", "\u{2191}"), ("ucirc", "\u{fb}"), ("ugrave", "\u{f9}"),
    ("uml", "\u{a8}"), ("upsih", "\u{3d2}"), ("upsilon", "\u{3c5}"), ("uuml", "\u{fc}"),
    ("weierp", "\u{2118}"), ("xi", "\u{3be}"), ("yacute", "\u{fd}"), ("yen", "\u{a5}"),
    ("yuml", "\u{ff}"), ("zeta", "\u{3b6}"), ("zwj", "\u{200d}"), ("zwnj", "\u{200c}"),
];

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
            .normalized_value_with(quick_xml::XmlVersion::Implicit1_0, 1, resolve_entity)
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

/// Decodes a POM file's bytes as Maven's `XmlStreamReader` does: a byte-order mark wins,
/// then the encoding the XML declaration names, else UTF-8. Like Java's decoders, it never
/// fails on a byte the encoding cannot map: that byte becomes U+FFFD.
///
/// UTF-8, UTF-16, ISO-8859-1, US-ASCII and windows-1252 are decoded exactly. Any other
/// declared encoding (GBK, Shift_JIS, ISO-8859-15, ...) is ASCII-compatible, or its
/// declaration could not have been read: its ASCII bytes are kept and every other byte
/// becomes U+FFFD. The markup, coordinates and properties m2fresh reads are ASCII in such
/// POMs; only names and descriptions lose their accents.
pub fn decode(bytes: &[u8]) -> Result<String, String> {
    decode_reporting(bytes).map(|(text, _)| text)
}

/// [`decode`], also saying where the first byte that had to be replaced is (as byte
/// offset from the start of the file and line), so that it can be reported: Maven goes
/// on silently, m2fresh goes on and warns.
pub fn decode_reporting(bytes: &[u8]) -> Result<(String, Option<String>), String> {
    let text = decode_lossy(bytes)?;
    let declared = declared_encoding(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes));
    let utf8 = matches!(declared.as_deref(), None | Some("utf-8" | "utf8"))
        && !bytes.starts_with(b"\xFF\xFE")
        && !bytes.starts_with(b"\xFE\xFF");
    let mut warning = None;
    if utf8 && let Err(e) = std::str::from_utf8(bytes) {
        let at = e.valid_up_to();
        let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        warning = Some(format!(
            "the file is not valid UTF-8 (byte {at}, line {line}); like Maven, m2fresh reads \
             such bytes as U+FFFD; declare the encoding in <?xml ... encoding=\"...\"?> or \
             convert the file"
        ));
    }
    Ok((text, warning))
}

fn decode_lossy(bytes: &[u8]) -> Result<String, String> {
    if bytes.starts_with(b"\x00\x00\xFE\xFF") || bytes.starts_with(b"\xFF\xFE\x00\x00") {
        return Err("the file is UTF-32, which Maven's reader does not read either".into());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Ok(String::from_utf8_lossy(rest).into_owned());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Ok(utf16(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Ok(utf16(rest, u16::from_be_bytes));
    }
    // `<?` in UTF-16 without a byte-order mark, as XmlStreamReader guesses it.
    if bytes.starts_with(b"<\x00?\x00") {
        return Ok(utf16(bytes, u16::from_le_bytes));
    }
    if bytes.starts_with(b"\x00<\x00?") {
        return Ok(utf16(bytes, u16::from_be_bytes));
    }
    let declared = declared_encoding(bytes);
    let single_byte = |map: fn(u8) -> char| bytes.iter().map(|&b| map(b)).collect();
    Ok(match declared.as_deref() {
        None | Some("utf-8" | "utf8") => String::from_utf8_lossy(bytes).into_owned(),
        Some(
            "iso-8859-1" | "iso8859-1" | "iso8859_1" | "iso_8859_1" | "latin1" | "latin-1" | "l1",
        ) => single_byte(char::from),
        Some("windows-1252" | "cp1252") => single_byte(windows_1252),
        Some(_) => single_byte(|b| {
            if b.is_ascii() {
                char::from(b)
            } else {
                char::REPLACEMENT_CHARACTER
            }
        }),
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks(2).map(|c| match *c {
        [a, b] => unit([a, b]),
        _ => 0xFFFD,
    });
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
}

/// windows-1252: ISO-8859-1 but for 0x80..0xA0, where it has printable characters (and
/// five holes, which Java decodes as U+FFFD).
fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{fffd}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{fffd}', '\u{17d}',
        '\u{fffd}', '\u{fffd}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}',
        '\u{2013}', '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}',
        '\u{fffd}', '\u{17e}', '\u{178}',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
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
    fn a_doctype_is_skipped_and_its_entities_never_expanded() {
        let src = "<?xml version=\"1.0\"?>\n<!DOCTYPE project>\n<project><v>1</v></project>";
        assert_eq!(parse(src).unwrap().child("v").unwrap().text, "1");
        let src = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\">]>\n<project>&lol;</project>";
        let err = parse(src).unwrap_err();
        assert!(err.message.contains("'lol'"), "{}", err.message);
        assert_eq!(&src[err.span.clone()], "&lol;");
    }

    #[test]
    fn xhtml_entities_are_resolved_as_maven_does_and_others_refused() {
        let root = parse("<a><b>Bj&oslash;rn&nbsp;&copy;&hellip;&euro;</b><c x=\"&eacute;\"/></a>")
            .unwrap();
        assert_eq!(
            root.child("b").unwrap().text,
            "Bj\u{f8}rn\u{a0}\u{a9}\u{2026}\u{20ac}"
        );
        assert_eq!(root.child("c").unwrap().attr("x"), Some("\u{e9}"));
        let err = parse("<a>&xxe;</a>").unwrap_err();
        assert!(err.message.contains("'xxe'"), "{}", err.message);
    }

    #[test]
    fn the_xhtml_entity_table_is_sorted_for_binary_search() {
        assert!(XHTML_ENTITIES.windows(2).all(|w| w[0].0 < w[1].0));
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
    fn decoding_follows_the_bom_then_the_declaration() {
        assert_eq!(decode(b"\xEF\xBB\xBF<a/>").unwrap(), "<a/>");
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xE9</a>";
        assert!(decode(latin).unwrap().ends_with("caf\u{e9}</a>"));
        let cp1252 = b"<?xml version='1.0' encoding='windows-1252'?><a>\x80\x93</a>";
        assert!(decode(cp1252).unwrap().ends_with("\u{20ac}\u{201c}</a>"));
        let utf16: Vec<u8> = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-16\"?><a>\u{e9}</a>"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(decode(&utf16).unwrap().ends_with("<a>\u{e9}</a>"));
        assert!(decode(b"\x00\x00\xFE\xFF").is_err());
    }

    #[test]
    fn undecodable_bytes_become_replacement_characters_as_in_java() {
        assert_eq!(decode(b"<a>caf\xE9</a>").unwrap(), "<a>caf\u{fffd}</a>");
        // GBK for "中文": the markup around it survives.
        let gbk = b"<?xml version=\"1.0\" encoding=\"GBK\"?><a><b>1</b>\xD6\xD0\xCE\xC4</a>";
        let text = decode(gbk).unwrap();
        assert_eq!(parse(&text).unwrap().child("b").unwrap().text, "1");
    }
}

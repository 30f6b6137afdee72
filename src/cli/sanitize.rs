//! Text from POMs, file names, jars and Maven logs, made safe to print on a terminal.
//!
//! Coordinates, paths, evidence and log lines are input: a pull request can put an escape
//! sequence into an artifactId (`ESC ] 0 ; title BEL` retitles the window, `ESC [ 2 J`
//! clears the screen, `ESC [ 1 A` overwrites the line above, a newline forges a line of
//! output). Every text renderer passes such values through [`text`], which shows each
//! control character escaped (`\u{1b}`, `\n`), so what is printed is exactly one value
//! on the line where it belongs. Diagnostics rendered by miette go through
//! [`diagnostic`], which keeps miette's own line breaks and colours.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as it is: C0 and C1 control characters, DEL,
/// and the Unicode bidirectional controls (which reorder what is shown).
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `value` with every control character escaped as Rust writes it (`\n`, `\u{1b}`);
/// borrowed when there is none, the common case.
pub fn text(value: &str) -> Cow<'_, str> {
    if !value.chars().any(is_unsafe) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path, as [`text`] (a name that is not UTF-8 shows U+FFFD).
pub fn path(path: &std::path::Path) -> String {
    text(&path.to_string_lossy()).into_owned()
}

/// A diagnostic as miette rendered it: line breaks stay, and with `colors`, so do the
/// colour sequences miette writes (`ESC [ ... m`, which only set colours); every other
/// control character, and every other escape sequence, is shown escaped.
pub fn diagnostic(rendered: &str, colors: bool) -> Cow<'_, str> {
    let keep = |c: char| c == '\n';
    if !rendered.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(rendered);
    }
    let mut out = String::with_capacity(rendered.len() + 16);
    let mut rest = rendered;
    while let Some(c) = rest.chars().next() {
        if colors && c == '\u{1b}' {
            let sgr = sgr_len(rest);
            if sgr > 0 {
                out.push_str(&rest[..sgr]);
                rest = &rest[sgr..];
                continue;
            }
        }
        if is_unsafe(c) && !keep(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// The length of a colour sequence (`ESC [` digits and `;` then `m`) at the start of
/// `s`, 0 when there is none.
fn sgr_len(s: &str) -> usize {
    let Some(body) = s.strip_prefix("\u{1b}[") else {
        return 0;
    };
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    if body.as_bytes().get(params) == Some(&b'm') {
        2 + params + 1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_escaped() {
        assert!(matches!(text("com.example:core"), Cow::Borrowed(_)));
        assert_eq!(
            text("a\u{1b}]0;owned\u{7}b\nc\r\td\u{9b}2J\u{202e}x"),
            "a\\u{1b}]0;owned\\u{7}b\\nc\\r\\td\\u{9b}2J\\u{202e}x"
        );
        assert_eq!(text("café ✓"), "café ✓");
    }

    #[test]
    fn diagnostics_keep_their_lines_and_colours_only() {
        let rendered = "\u{1b}[31m× bad\u{1b}[0m\n  a\u{1b}[2Jb\u{1b}]0;t\u{7}\n";
        assert_eq!(
            diagnostic(rendered, true),
            "\u{1b}[31m× bad\u{1b}[0m\n  a\\u{1b}[2Jb\\u{1b}]0;t\\u{7}\n"
        );
        assert_eq!(
            diagnostic(rendered, false),
            "\\u{1b}[31m× bad\\u{1b}[0m\n  a\\u{1b}[2Jb\\u{1b}]0;t\\u{7}\n"
        );
        assert!(matches!(
            diagnostic("plain\ntext\n", true),
            Cow::Borrowed(_)
        ));
    }
}

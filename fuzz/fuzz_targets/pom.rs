//! Fuzz target `pom`: one file's bytes through everything m2fresh does to a POM before it
//! needs other files: decoding (byte-order mark, declared encoding), the spanned XML
//! tree, the raw model, and the diagnostic shown when the file is refused.
//!
//! What must hold for any input: no panic, no hang, and every span m2fresh keeps points
//! into the text on character boundaries (diagnostics slice the text with them).

#![no_main]

use libfuzzer_sys::fuzz_target;
use m2fresh::error::PomDiagnostic;
use m2fresh::maven::pom::{Loc, Sources, Value, parse_model};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = m2fresh::maven::xml::decode(data) else {
        return;
    };
    let mut sources = Sources::default();
    let id = sources.add("pom.xml".into(), "pom.xml".into(), text.as_str().into());
    match parse_model(&text, id) {
        Ok(mut model) => {
            let mut check = |v: &mut Value| {
                assert!(
                    text.get(v.loc.span.clone()).is_some(),
                    "span {:?} of {:?} is not a slice of the text",
                    v.loc.span,
                    v.text
                );
            };
            model.for_each_value_mut(&mut check);
        }
        Err((message, span)) => {
            assert!(
                span.start <= text.len() + 1,
                "error span {span:?} past the end ({} bytes)",
                text.len()
            );
            let loc = Loc { source: id, span };
            let diagnostic =
                PomDiagnostic::at(&sources, "m2fresh::fuzz", message, Some(&loc), "here");
            render(&diagnostic);
        }
    }
});

/// Renders a diagnostic as the CLI does (graphical, with two context lines).
fn render(diagnostic: &dyn miette::Diagnostic) {
    let handler =
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_context_lines(2);
    let mut out = String::new();
    let _ = handler.render_report(&mut out, diagnostic);
}

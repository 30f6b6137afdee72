//! Text rendering of `api` and `contract` reports.

use m2fresh::api::ApiReport;

/// One line per change, grouped by type, then the summary.
pub fn render_api_text(report: &ApiReport) -> String {
    let mut out = format!("API of {}\n    vs {}\n", report.new, report.old);
    let mut current: Option<&str> = None;
    for c in &report.changes {
        if current != Some(c.type_name.as_str()) {
            out.push_str(&format!("\n{}\n", c.type_name));
            current = Some(&c.type_name);
        }
        let verdict = match (c.binary_compatible, c.source_compatible) {
            (false, _) => "BREAKS BINARY",
            (true, false) => "breaks source",
            (true, true) if c.change == m2fresh::api::ChangeKind::ConstantChanged => {
                "RECOMPILE CONSUMERS"
            }
            (true, true) => "compatible",
        };
        let change = serde_json::to_value(c.change)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<20} {:<28} {}{}\n",
            verdict,
            change,
            c.member
                .as_deref()
                .map_or(String::new(), |m| format!("{m}: ")),
            c.detail
        ));
    }
    let s = &report.summary;
    out.push_str(&format!(
        "\n{} changes: {} binary-incompatible, {} source-incompatible, {} constants changed{}\n",
        report.changes.len(),
        s.binary_incompatible,
        s.source_incompatible,
        s.constants_changed,
        if s.constants_changed > 0 {
            " (inlined into consumers: they must be recompiled)"
        } else {
            ""
        }
    ));
    out
}

/// The endpoints, then the changes when there is an old version.
pub fn render_contract_text(report: &m2fresh::contract::ContractReport) -> String {
    let mut out = String::new();
    for e in &report.endpoints {
        out.push_str(&format!(
            "{:<7} {:<40} {}#{}\n",
            e.method, e.path, e.type_name, e.handler
        ));
    }
    out.push_str(&format!("{} endpoints\n", report.endpoints.len()));
    if let Some(changes) = &report.changes {
        out.push_str(&format!("\n{} changes:\n", changes.len()));
        for c in changes {
            let change = serde_json::to_value(c.change)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            let from = c
                .old_path
                .as_deref()
                .map_or(String::new(), |p| format!(" (was {p})"));
            out.push_str(&format!(
                "  {:<8} {:<7} {}{from}  {}#{}\n",
                change, c.method, c.path, c.type_name, c.handler
            ));
        }
    }
    out
}

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

/// What the install changed in the installed modules' interfaces.
pub fn render_impact_text(modules: &[m2fresh::api::impact::ModuleInterface]) -> String {
    let mut out = String::new();
    for m in modules {
        out.push_str(&format!("\ninterface of {} changed:\n", m.id));
        for c in &m.changes {
            let member = c
                .member
                .as_deref()
                .map_or(String::new(), |m| format!(".{m}"));
            out.push_str(&format!("  {}{member}: {}\n", c.type_name, c.detail));
        }
        for c in &m.contract {
            let from = c
                .old_path
                .as_deref()
                .map_or(String::new(), |p| format!(" (was {p})"));
            let change = serde_json::to_value(c.change)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            out.push_str(&format!(
                "  endpoint {change}: {} {}{from}\n",
                c.method, c.path
            ));
        }
        if !m.consumers_rebuilt.is_empty() {
            out.push_str(&format!(
                "  consumers rebuilt: {}\n",
                m.consumers_rebuilt.join(", ")
            ));
        }
        let affects = m.api.binary_incompatible > 0 || m.api.constants_changed > 0;
        if affects && !m.consumers_not_rebuilt.is_empty() {
            out.push_str(&format!(
                "  consumers NOT rebuilt (they keep the old constants or link against the old API): {}\n",
                m.consumers_not_rebuilt.join(", ")
            ));
        }
        for line in m.service.iter().flat_map(|s| &s.advice) {
            out.push_str(&format!("  service: {line}\n"));
        }
    }
    out
}

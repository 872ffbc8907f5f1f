//! SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for code
//! scanning: `arbor check --format sarif > arbor.sarif`.
//!
//! One run of the tool `arbor`; its rules are the codes that occur (with their
//! one-line summaries); one result per diagnostic with the primary label as its
//! location and the other labels as related locations. Regions are 1-based,
//! `endColumn` exclusive, columns in Unicode code points (`columnKind`), as in
//! the JSON output. A relative spec path is a relative URI against
//! `%SRCROOT%` (the directory `arbor check` ran in: run it from the
//! repository's root); an absolute one a `file://` URI.

use serde_json::{Value, json};

use super::{Diagnostic, Severity};
use crate::source::{Location, SourceMap};

/// `$schema` of the document.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Renders diagnostics as one SARIF 2.1.0 log (pretty-printed JSON).
pub fn render_sarif(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut rules: Vec<&'static str> = diagnostics.iter().map(|d| d.code).collect();
    rules.sort_unstable();
    rules.dedup();
    let rule_objects: Vec<Value> = rules.iter().map(|code| rule(code)).collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let index = rules.binary_search(&d.code).unwrap_or(0);
            result(d, index, sources)
        })
        .collect();
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "arbor",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rule_objects,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(code: &'static str) -> Value {
    let name = code.strip_prefix("arbor::").unwrap_or(code);
    let is_lint = crate::check::lints::LINTS.iter().any(|l| l.code == code);
    let mut rule = json!({
        "id": code,
        "name": name,
        "defaultConfiguration": { "level": if is_lint { "warning" } else { "error" } },
    });
    if let Some(summary) = crate::codes::summary(code) {
        rule["shortDescription"] = json!({ "text": summary });
    }
    rule
}

fn result(d: &Diagnostic, rule_index: usize, sources: &SourceMap) -> Value {
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": level(d.severity),
        "message": { "text": text },
    });
    let mut labels = d
        .labels
        .iter()
        .filter_map(|l| Some((sources.location(l.span)?, l.message.as_str())));
    if let Some((primary, message)) = labels.next() {
        let mut location = physical(&primary);
        if !message.is_empty() {
            location["message"] = json!({ "text": message });
        }
        result["locations"] = json!([location]);
    }
    let related: Vec<Value> = labels
        .enumerate()
        .map(|(i, (loc, message))| {
            let mut location = physical(&loc);
            location["id"] = json!(i);
            if !message.is_empty() {
                location["message"] = json!({ "text": message });
            }
            location
        })
        .collect();
    if !related.is_empty() {
        result["relatedLocations"] = json!(related);
    }
    result
}

fn physical(loc: &Location) -> Value {
    let (uri, base) = uri(&loc.file);
    let mut artifact = json!({ "uri": uri });
    if let Some(base) = base {
        artifact["uriBaseId"] = json!(base);
    }
    json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": loc.line,
                "startColumn": loc.column,
                "endLine": loc.end_line,
                "endColumn": loc.end_column.max(1),
            }
        }
    })
}

/// A file name as a URI reference: relative against `%SRCROOT%`, or `file://`.
fn uri(file: &str) -> (String, Option<&'static str>) {
    let path = file.replace('\\', "/");
    let absolute = path.starts_with('/')
        || (path.len() > 2 && path.as_bytes()[1] == b':' && path.as_bytes()[2] == b'/');
    if absolute {
        let lead = if path.starts_with('/') { "" } else { "/" };
        (format!("file://{lead}{}", percent_encode(&path)), None)
    } else {
        let path = path.strip_prefix("./").unwrap_or(&path);
        (percent_encode(path), Some("%SRCROOT%"))
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, `/` and `:`.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri("specs/my chat.kdl"),
            ("specs/my%20chat.kdl".to_owned(), Some("%SRCROOT%"))
        );
        assert_eq!(
            uri("./specs/é.kdl"),
            ("specs/%C3%A9.kdl".to_owned(), Some("%SRCROOT%"))
        );
        assert_eq!(uri("/w/a.kdl"), ("file:///w/a.kdl".to_owned(), None));
        assert_eq!(uri("C:\\w\\a.kdl"), ("file:///C:/w/a.kdl".to_owned(), None));
    }
}

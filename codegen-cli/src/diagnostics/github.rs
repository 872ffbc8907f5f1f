//! GitHub Actions workflow commands: one `::error` / `::warning` annotation per
//! diagnostic, on the spec line it points at (`arbor check --format github`).
//!
//! ```text
//! ::error file=specs/chat.kdl,line=7,endLine=7,col=5,endColumn=11,title=arbor%3A%3Acall_cycle::synchronous call cycle: A → B → A
//! ```
//!
//! The syntax and its escaping are GitHub's ("Workflow commands for GitHub
//! Actions"): in the message `%`, CR and LF become `%25`, `%0D`, `%0A`; in a
//! property value `:` and `,` also become `%3A` and `%2C`. `col` is 1-based and
//! `endColumn` inclusive (the JSON output's `end_column` is exclusive).
//! Other labels and the help are lines of the message. A diagnostic without a
//! location (an unreadable file) is an annotation without `file`.

use std::fmt::Write;

use super::{Diagnostic, Severity};
use crate::source::{Location, SourceMap};

/// How to name files in annotations.
#[derive(Clone, Debug, Default)]
pub struct GithubOptions {
    /// The repository's checkout (`$GITHUB_WORKSPACE`): a spec path under it is written
    /// relative to it, since GitHub places annotations by repository path.
    pub workspace: Option<String>,
    /// The directory relative spec paths are relative to (where `arbor check` runs), so that
    /// a run from a subdirectory of the workspace still names files from its root.
    pub cwd: Option<String>,
}

/// Renders diagnostics as workflow commands, one line each (stdout of a step).
pub fn render_github(
    diagnostics: &[Diagnostic],
    sources: &SourceMap,
    options: &GithubOptions,
) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&annotation(d, sources, options));
        out.push('\n');
    }
    out
}

fn annotation(d: &Diagnostic, sources: &SourceMap, options: &GithubOptions) -> String {
    let command = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(loc) = d.span().and_then(|s| sources.location(s)) {
        let end_column = if loc.end_line == loc.line {
            // Inclusive, and never before the start (an empty span is one column).
            loc.end_column.saturating_sub(1).max(loc.column)
        } else {
            loc.end_column.saturating_sub(1).max(1)
        };
        props.push(("file", file_name(&loc, options)));
        props.push(("line", loc.line.to_string()));
        props.push(("endLine", loc.end_line.to_string()));
        props.push(("col", loc.column.to_string()));
        props.push(("endColumn", end_column.to_string()));
    }
    props.push(("title", d.code.to_owned()));
    let props = props
        .iter()
        .map(|(k, v)| format!("{k}={}", escape_property(v)))
        .collect::<Vec<_>>()
        .join(",");
    let mut message = d.message.clone();
    if let Some(first) = d.labels.first()
        && !first.message.is_empty()
    {
        let _ = write!(message, "\nhere: {}", first.message);
    }
    for label in d.labels.iter().skip(1) {
        if let Some(loc) = sources.location(label.span) {
            let _ = write!(message, "\n{}: {}", loc, label.message);
        }
    }
    if let Some(help) = &d.help {
        let _ = write!(message, "\nhelp: {help}");
    }
    format!("::{command} {props}::{}", escape_data(&message))
}

fn file_name(loc: &Location, options: &GithubOptions) -> String {
    let mut file = loc.file.replace('\\', "/");
    let drive = file.get(1..3) == Some(":/");
    let relative = !file.starts_with('/') && !drive;
    if relative
        && options.workspace.is_some()
        && let Some(cwd) = &options.cwd
        && !file.split('/').any(|part| part == "..")
    {
        let rest = file.strip_prefix("./").unwrap_or(&file);
        file = format!("{}/{rest}", cwd.replace('\\', "/").trim_end_matches('/'));
    }
    if let Some(root) = &options.workspace {
        let root = root.replace('\\', "/");
        let root = root.trim_end_matches('/');
        if !root.is_empty()
            && let Some(rest) = file.strip_prefix(root)
            && let Some(rest) = rest.strip_prefix('/')
        {
            return rest.to_owned();
        }
    }
    file.strip_prefix("./").unwrap_or(&file).to_owned()
}

/// Escapes a command's message: `%`, CR, LF.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a property value: as a message, and `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    #[test]
    fn escaping_follows_the_documented_rules() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_data("a: b, c"), "a: b, c");
        assert_eq!(
            escape_property("arbor::x, 100%\n"),
            "arbor%3A%3Ax%2C 100%25%0A"
        );
    }

    #[test]
    fn absolute_paths_under_the_workspace_become_relative() {
        let mut map = SourceMap::new();
        let id = map.add("/home/runner/work/app/specs/a.kdl", "actor A {}\n");
        let d = Diagnostic::error("arbor::x", "m").with_label(Span::new(id, 0, 5), "");
        let options = GithubOptions {
            workspace: Some("/home/runner/work/app/".to_owned()),
            cwd: None,
        };
        let line = render_github(&[d], &map, &options);
        assert!(
            line.starts_with("::error file=specs/a.kdl,line=1,"),
            "{line}"
        );
    }

    #[test]
    fn relative_paths_from_a_subdirectory_are_named_from_the_workspace() {
        let mut map = SourceMap::new();
        let a = map.add("./specs/a.kdl", "actor A {}\n");
        let b = map.add("../b.kdl", "actor B {}\n");
        let ds = [
            Diagnostic::error("arbor::x", "m").with_label(Span::new(a, 0, 5), ""),
            Diagnostic::error("arbor::x", "m").with_label(Span::new(b, 0, 5), ""),
        ];
        let in_sub = GithubOptions {
            workspace: Some("/w/app".to_owned()),
            cwd: Some("/w/app/service".to_owned()),
        };
        let out = render_github(&ds, &map, &in_sub);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("::error file=service/specs/a.kdl,"),
            "{out}"
        );
        // `..` is left as written rather than guessed at.
        assert!(lines[1].starts_with("::error file=../b.kdl,"), "{out}");
        // Outside GitHub Actions (no workspace) paths stay as given.
        let local = GithubOptions {
            workspace: None,
            cwd: Some("/w/app/service".to_owned()),
        };
        let out = render_github(&ds[..1], &map, &local);
        assert!(out.starts_with("::error file=specs/a.kdl,"), "{out}");
    }
}

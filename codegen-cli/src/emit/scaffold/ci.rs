//! What `arbor new` writes so that a project guards its own system in CI: the
//! spec edits that must never merge (`tests/spec_checks.rs`, through
//! [`crate::testing`], on any toolchain), the code that must not compile
//! (`tests/compile_fail.rs`, trybuild, with rustc's expected output), and the
//! project's README.
//!
//! Each case is found by trying it on the spec at hand with [`crate::testing`]:
//! the cycle is closed by the first added `calls` that closes one, and the
//! expected cycle written into the test is the one the analysis reported.

use std::path::PathBuf;

use super::super::names::snake;
use crate::model::Spec;
use crate::testing::{self, add_to_actor};

/// The most edits tried for one case (large specs: the first hits come early).
const MAX_TRIES: usize = 400;

/// Names the project files are built from.
pub(super) struct Names<'a> {
    /// The package (`my-chat`).
    pub package: &'a str,
    /// The library crate (`my_chat`).
    pub krate: &'a str,
    /// The spec's file stem (`chat`).
    pub stem: &'a str,
    /// The module of the system in the crate (`chat`).
    pub module: &'a str,
    /// How `src/main.rs` starts the system, for the README (`chat::start(chat::config())`).
    pub start: Option<String>,
}

/// `tests/spec_checks.rs`, `tests/compile_fail.rs` and its cases, `README.md`.
pub(super) fn files(spec: &Spec, spec_text: &str, names: &Names<'_>) -> Vec<(PathBuf, String)> {
    let checks = spec_checks(spec, spec_text, names.stem);
    // What the cases are, for the README: only those written.
    let cases: Vec<&str> = [
        (
            "fn a_call_that_closes_a_cycle",
            "a call that closes a cycle",
        ),
        (
            "fn a_call_during_start_up",
            "a call during start-up to an actor that starts later",
        ),
        (
            "fn a_call_to_an_actor_the_spec_does_not_declare",
            "a call to an actor the system does not have",
        ),
    ]
    .into_iter()
    .filter(|(f, _)| checks.contains(f))
    .map(|(_, what)| what)
    .collect();
    let mut files = vec![(PathBuf::from("tests/spec_checks.rs"), checks.clone())];
    let fail = undeclared_call(spec, names);
    if let Some((case, stderr)) = &fail {
        files.push((
            PathBuf::from("tests/compile_fail.rs"),
            COMPILE_FAIL.to_owned(),
        ));
        files.push((
            PathBuf::from("tests/compile-fail/undeclared_call.rs"),
            case.clone(),
        ));
        files.push((
            PathBuf::from("tests/compile-fail/undeclared_call.stderr"),
            stderr.clone(),
        ));
    }
    files.push((
        PathBuf::from("README.md"),
        readme(names, &cases, fail.is_some()),
    ));
    files
}

fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("{n:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The shortest edit that closes a cycle: one `calls` back along an existing
/// dependency, else a pair of calls between the first two actors, else a self-call.
/// Lines to add: `(actor, line)`.
type Edits = Vec<(String, String)>;

fn cycle_edit(spec: &Spec, text: &str) -> Option<(Edits, Vec<String>)> {
    let actors: Vec<&str> = spec.actors.iter().map(|a| a.name.as_str()).collect();
    let try_edits = |edits: &[(String, String)]| -> Option<Vec<String>> {
        let mut edited = text.to_owned();
        for (actor, line) in edits {
            edited = add_to_actor(&edited, actor, line).ok()?;
        }
        let report = testing::check_str(&edited);
        let cycle = report.with_code("call_cycle").find_map(|f| f.cycle())?;
        Some(cycle.into_iter().map(str::to_owned).collect())
    };
    let mut tries = 0;
    for a in &spec.actors {
        for dep in a.calls.iter().chain(&a.casts) {
            let to = dep.target.as_str();
            if to == a.name.as_str() || !actors.contains(&to) || tries >= MAX_TRIES {
                continue;
            }
            tries += 1;
            let edits = vec![(to.to_owned(), format!("calls {}", a.name))];
            if let Some(cycle) = try_edits(&edits) {
                return Some((edits, cycle));
            }
        }
    }
    let edits = match actors.as_slice() {
        [] => return None,
        [only] => vec![(only.to_string(), format!("calls {only}"))],
        [first, second, ..] => vec![
            (first.to_string(), format!("calls {second}")),
            (second.to_string(), format!("calls {first}")),
        ],
    };
    try_edits(&edits).map(|cycle| (edits, cycle))
}

/// A `calls X during=init` to an actor that starts later, if the tree has one.
fn boot_order_edit(spec: &Spec, text: &str) -> Option<(String, String)> {
    let mut tries = 0;
    for a in &spec.actors {
        for b in &spec.actors {
            if a.name.as_str() == b.name.as_str()
                || a.calls.iter().any(|d| d.target.as_str() == b.name.as_str())
                || tries >= MAX_TRIES
            {
                continue;
            }
            tries += 1;
            let line = format!("calls {} during=init", b.name);
            let edited = add_to_actor(text, a.name.as_str(), &line).ok()?;
            if testing::check_str(&edited)
                .with_code("boot_order")
                .next()
                .is_some()
            {
                return Some((a.name.as_str().to_owned(), line));
            }
        }
    }
    None
}

fn edit_code(edits: &[(String, String)]) -> String {
    let mut code = String::from("    let spec = SPEC.to_owned();\n");
    for (actor, line) in edits {
        code.push_str(&format!(
            "    let spec = add_to_actor(&spec, {actor:?}, {line:?}).expect(\"the edit applies\");\n"
        ));
    }
    code
}

fn spec_checks(spec: &Spec, text: &str, stem: &str) -> String {
    let mut out = format!(
        r#"//! Spec edits that must never merge, rejected by the same analysis `build.rs` runs (so
//! `cargo build` fails on them too): the diagnostics as data, through
//! `arbor_codegen::testing` — no compiler output involved, so these pass on any toolchain.
//! Keep them as the spec grows; add your own (a case whose edit no longer applies says so).

use arbor_codegen::testing::{{self, add_to_actor}};

const SPEC: &str = include_str!("../specs/{stem}.kdl");

#[test]
fn the_spec_passes_the_checks() {{
    let report = testing::check_str(SPEC);
    assert!(report.passes(), "{{report}}");
}}
"#
    );
    if let Some((edits, cycle)) = cycle_edit(spec, text) {
        let names: Vec<&str> = cycle.iter().map(String::as_str).collect();
        let said: Vec<String> = edits
            .iter()
            .map(|(a, l)| format!("`{a}` gets `{l}`"))
            .collect();
        out.push_str(&format!(
            r#"
/// {}: a cycle of synchronous calls, which can deadlock.
#[test]
fn a_call_that_closes_a_cycle_is_rejected_naming_the_cycle() {{
{}    let report = testing::check_str(&spec);
    let cycle = report.expect_error("call_cycle");
    assert_eq!(cycle.cycle(), Some(vec![{}]), "{{report}}");
}}
"#,
            said.join(", "),
            edit_code(&edits),
            quoted(&names)
        ));
    }
    if let Some((actor, line)) = boot_order_edit(spec, text) {
        out.push_str(&format!(
            r#"
/// `{actor}` gets `{line}`: a call while starting to an actor that is not started yet.
#[test]
fn a_call_during_start_up_to_a_later_actor_is_rejected() {{
{}    testing::check_str(&spec).expect_error("boot_order");
}}
"#,
            edit_code(&[(actor.clone(), line.clone())])
        ));
    }
    if let Some(first) = spec.actors.first() {
        let mut nobody = String::from("Nobody");
        while spec.actors.iter().any(|a| a.name.as_str() == nobody) {
            nobody.push('X');
        }
        let line = format!("calls {nobody}");
        out.push_str(&format!(
            r#"
/// `{actor}` gets `{line}`: a dependency on an actor the system does not have.
#[test]
fn a_call_to_an_actor_the_spec_does_not_declare_is_rejected() {{
{}    let report = testing::check_str(&spec);
    let finding = report.expect_error("unknown_reference");
    assert!(finding.message.contains("`{nobody}`"), "{{report}}");
}}
"#,
            edit_code(&[(first.name.as_str().to_owned(), line.clone())]),
            actor = first.name,
        ));
    }
    // rustfmt's layout (doc comments survive: they are attributes), a blank line between items.
    let Ok(file) = syn::parse_file(&out) else {
        return out;
    };
    let mut spaced = String::new();
    let mut previous = "";
    for line in prettyplease::unparse(&file).lines() {
        let attribute_of_docs = line.starts_with('#') && previous.starts_with("///");
        let top = !(line.is_empty() || line.starts_with([' ', '}']) || attribute_of_docs);
        let after_item =
            previous == "}" || previous.starts_with("use ") || previous.starts_with("const ");
        let after_docs = previous.starts_with("//!") && !line.starts_with("//!");
        if top && (after_item || after_docs) {
            spaced.push('\n');
        }
        spaced.push_str(line);
        spaced.push('\n');
        previous = line;
    }
    spaced
}

const COMPILE_FAIL: &str = r#"//! Code that must not compile, with rustc's expected output in `tests/compile-fail/*.stderr`
//! (trybuild; offline). The output is rustc's own: after a toolchain change, re-bless with
//!
//!     TRYBUILD=overwrite cargo test --test compile_fail
//!
//! and review the diff of the `.stderr` files.

#[test]
fn code_that_must_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile-fail/*.rs");
}
"#;

/// Methods every `Ctx` has: an actor named like one of them is not a useful case.
const CTX_METHODS: &[&str] = &[
    "myself",
    "client",
    "id",
    "cell",
    "stop",
    "tasks",
    "send_self",
    "send_after",
];

/// A handler of the first actor reaching an actor its declaration does not list: the case
/// and rustc's output (as 1.95 prints it).
fn undeclared_call(spec: &Spec, names: &Names<'_>) -> Option<(String, String)> {
    let usable = |n: &str| !CTX_METHODS.contains(&snake(n).as_str());
    let pair = spec.actors.iter().find_map(|from| {
        let declared = |n: &str| {
            from.calls
                .iter()
                .chain(&from.casts)
                .any(|d| d.target.as_str() == n)
        };
        spec.actors
            .iter()
            .map(|a| a.name.as_str())
            .find(|n| *n != from.name.as_str() && usable(n) && !declared(n))
            .map(|to| (from, to))
    });
    // Without such a pair, an actor reaching itself (its context has no client of its own).
    let (from, to) = match pair {
        Some(pair) => pair,
        None => {
            let from = spec.actors.iter().find(|a| usable(a.name.as_str()))?;
            (from, from.name.as_str())
        }
    };
    let from_mod = snake(from.name.as_str());
    let method = snake(to);
    let (krate, module) = (names.krate, names.module);
    let why = if to == from.name.as_str() {
        format!(
            "// `{to}` cannot reach itself: its handlers' context holds no client of its own\n\
             // actor, so this does not compile."
        )
    } else {
        format!(
            "// `{}` does not declare `{to}` (no `calls {to}` or `casts {to}`\n\
             // in the spec): its handlers' context has no way to reach it, so this does not compile.",
            from.name
        )
    };
    let case = format!(
        r#"{why}

use {krate}::{module}::{from_mod};

#[allow(dead_code)]
async fn a_handler_body(ctx: &mut {from_mod}::Ctx) {{
    let _ = ctx.{method}();
}}

fn main() {{}}
"#
    );
    let ty = if spec.actors.len() == 1 {
        "Ctx".to_owned()
    } else {
        format!("{krate}::{module}::{from_mod}::Ctx")
    };
    let line = case
        .lines()
        .position(|l| l.starts_with("    let _ = ctx."))
        .map_or(1, |i| i + 1);
    let column = "    let _ = ctx.".chars().count() + 1;
    let gutter = " ".repeat(line.to_string().len());
    let carets = "^".repeat(method.chars().count());
    let stderr = format!(
        "error[E0599]: no method named `{method}` found for mutable reference `&mut {ty}` in the current scope\n\
         {gutter}--> tests/compile-fail/undeclared_call.rs:{line}:{column}\n\
         {gutter} |\n\
         {line} |     let _ = ctx.{method}();\n\
         {gutter} |{pad}{carets} method not found in `&mut {ty}`\n",
        pad = " ".repeat(column),
    );
    Some((case, stderr))
}

fn readme(names: &Names<'_>, cases: &[&str], compile_fail: bool) -> String {
    let Names {
        package,
        stem,
        module,
        ..
    } = names;
    let start = match &names.start {
        Some(start) => format!(
            "`src/main.rs` starts the system, prints its supervision tree and stops it:\n\n\
             ```rust\nlet app = {start}.await?;\n```\n\n\
             `{module}::config()` (in `src/{module}/mod.rs`) holds the arguments of every child: edit\n\
             it to configure the system. `app` is the root supervisor's handle: `app.snapshot()`\n\
             gives the tree, `app.shutdown()` stops it.\n"
        ),
        None => "The spec declares no supervisor: there is nothing to start yet.\n".to_owned(),
    };
    let compile_fail_line = if compile_fail {
        "- `tests/compile_fail.rs`: code that must not compile (a handler reaching an actor its\n  \
         spec entry does not declare), with rustc's expected output in\n  \
         `tests/compile-fail/*.stderr`. That output is rustc's: after a toolchain change, re-bless\n  \
         with `TRYBUILD=overwrite cargo test --test compile_fail` and review the diff.\n"
    } else {
        ""
    };
    let cases = if cases.is_empty() {
        String::new()
    } else {
        format!(
            ", and spec edits that must never merge are rejected ({})",
            cases.join("; ")
        )
    };
    format!(
        r#"# {package}

An Arbor system: `specs/{stem}.kdl` describes its actors, protocols and supervision tree;
`build.rs` generates the code from it on every build (edit the spec, never the generated
code); `src/{module}/` holds what is yours: the types the spec names and the handlers.

## Run

```sh
cargo run
```

{start}
## Test

```sh
cargo test
```

- `tests/app.rs`: the system starts with its default configuration and stops cleanly.
- `tests/spec_checks.rs`: the spec passes the checks{cases}, asserted on the diagnostics
  as data (`arbor_codegen::testing`). These pass on any toolchain.
{compile_fail_line}
## CI

```sh
arbor check --deny-warnings specs/*.kdl     # lints fail the job too
cargo test --locked                         # the three suites above
```

`arbor check --format github` writes the diagnostics as annotations on the spec's lines (in a
GitHub Actions step), `--format sarif` a SARIF 2.1.0 log for code scanning. Exit codes: 0 no
error, 1 errors (or warnings with `--deny-warnings`), 2 a usage error. Cache `~/.cargo` and
`target/` between runs. The whole recipe is in Arbor's `docs/ci.md`.
"#
    )
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn names(start: Option<&str>) -> Names<'static> {
        Names {
            package: "my-app",
            krate: "my_app",
            stem: "app",
            module: "app",
            start: start.map(str::to_owned),
        }
    }

    fn scaffold(text: &str) -> Vec<(PathBuf, String)> {
        let (spec, _) = crate::load_str(&[("app.kdl", text)]).expect("the spec loads");
        files(&spec, text, &names(Some("app::start(app::config())")))
    }

    fn file<'f>(files: &'f [(PathBuf, String)], name: &str) -> Option<&'f str> {
        files
            .iter()
            .find(|(p, _)| p == Path::new(name))
            .map(|(_, t)| t.as_str())
    }

    const SOLO: &str = "protocol P {\n    call p reply=u32 timeout=\"1s\"\n}\nactor Solo {\n    serves P\n    state S\n}\nsupervisor T {\n    child solo actor=Solo\n}\n";

    #[test]
    fn one_actor_closes_the_cycle_on_itself_and_cannot_reach_itself() {
        let files = scaffold(SOLO);
        let checks = file(&files, "tests/spec_checks.rs").expect("spec checks");
        assert!(
            checks.contains(r#"add_to_actor(&spec, "Solo", "calls Solo")"#),
            "{checks}"
        );
        assert!(checks.contains(r#"Some(vec!["Solo", "Solo"])"#), "{checks}");
        // No other actor starts later: no boot-order case, and the README does not claim one.
        assert!(!checks.contains("boot_order"), "{checks}");
        let readme = file(&files, "README.md").expect("README");
        assert!(!readme.contains("during start-up"), "{readme}");
        assert!(
            readme.contains(
                "(a call that closes a cycle; a call to an actor the system does not have)"
            ),
            "{readme}"
        );
        let case = file(&files, "tests/compile-fail/undeclared_call.rs").expect("case");
        assert!(case.contains("let _ = ctx.solo();"), "{case}");
        assert!(case.contains("`Solo` cannot reach itself"), "{case}");
        // One `Ctx` in the crate graph: rustc prints the trimmed name (what rustc 1.95 printed
        // for this spec through scripts/scaffold-ci.sh).
        let stderr = file(&files, "tests/compile-fail/undeclared_call.stderr").expect("stderr");
        assert_eq!(
            stderr,
            "error[E0599]: no method named `solo` found for mutable reference `&mut Ctx` in the current scope\n \
             --> tests/compile-fail/undeclared_call.rs:8:17\n  \
             |\n\
             8 |     let _ = ctx.solo();\n  \
             |                 ^^^^ method not found in `&mut Ctx`\n"
        );
    }

    #[test]
    fn a_call_back_along_a_dependency_closes_the_cycle() {
        let text = "protocol P {\n    call p reply=u32 timeout=\"1s\"\n}\n\
                    actor Front {\n    serves P\n    state S\n    casts Back\n}\n\
                    actor Back {\n    serves P\n    state S\n    mailbox capacity=4 overflow=reject\n}\n\
                    actor Other {\n    serves P\n    state S\n}\n\
                    supervisor T {\n    child back actor=Back\n    child front actor=Front\n    child other actor=Other\n}\n";
        let files = scaffold(text);
        let checks = file(&files, "tests/spec_checks.rs").expect("spec checks");
        // Front casts into a rejecting mailbox (no edge): the first try fails, the pair is added.
        assert!(
            checks.contains(r#"Some(vec!["Front", "Back", "Front"])"#),
            "{checks}"
        );
        assert!(checks.contains("expect_error(\"boot_order\")"), "{checks}");
        // Front does not declare Other: that is the compile-fail case (Back it may reach).
        let case = file(&files, "tests/compile-fail/undeclared_call.rs").expect("case");
        assert!(case.contains("use my_app::app::front;"), "{case}");
        assert!(case.contains("let _ = ctx.other();"), "{case}");
        let stderr = file(&files, "tests/compile-fail/undeclared_call.stderr").expect("stderr");
        assert!(
            stderr.contains("`&mut my_app::app::front::Ctx`"),
            "{stderr}"
        );
    }

    #[test]
    fn no_actor_means_no_case() {
        let files = scaffold("protocol P {\n    cast c\n}\n");
        let checks = file(&files, "tests/spec_checks.rs").expect("spec checks");
        assert!(checks.contains("fn the_spec_passes_the_checks()"));
        assert!(!checks.contains("add_to_actor(&spec"), "{checks}");
        assert!(file(&files, "tests/compile_fail.rs").is_none());
        let readme = file(&files, "README.md").expect("README");
        assert!(!readme.contains("compile_fail"), "{readme}");
    }
}

//! The analysis: everything a spec can be told about without running it.
//!
//! Passes, in order — each reads shared lookup tables (`index`) and reports
//! into one sink that applies `allow`s:
//! - `validate`: OTP's own rules and references (errors);
//! - [`cycles`]: synchronous-call cycles (errors);
//! - `boot`: calls during start-up to actors not yet started (errors);
//! - [`lints`]: anti-patterns (warnings, each silenced per item by `allow`).
//!
//! Every pass is linear in the size of the spec (the cycle listing is bounded
//! per cycle group), so a 10 000-actor spec checks in milliseconds.

mod boot;
pub mod cycles;
pub(crate) mod fx;
mod index;
pub mod lints;
mod remote;
mod validate;

use fx::FxSet;
use std::fmt;

use crate::diagnostics::{self, Diagnostic, Severity};
use crate::model::{Allow, Ident, Spec};
use lints::Lint;

/// Runs every pass; the diagnostics come back in reading order, their help
/// texts spelled for KDL.
pub fn check(spec: &Spec) -> Vec<Diagnostic> {
    check_for(spec, Frontend::Kdl)
}

/// Which front-end a spec was written in: help texts spell the fix in its
/// syntax (`capacity=N` in KDL, `mailbox(capacity = N)` in the macros).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Frontend {
    /// A `.kdl` spec file.
    #[default]
    Kdl,
    /// The derive and attribute macros (`arbor-macros`).
    Macros,
}

impl Frontend {
    /// The KDL or the macro spelling of the same text.
    pub fn pick<'a>(self, kdl: &'a str, macros: &'a str) -> &'a str {
        match self {
            Frontend::Kdl => kdl,
            Frontend::Macros => macros,
        }
    }
}

/// [`check`], with help texts spelled for `frontend`.
pub fn check_for(spec: &Spec, frontend: Frontend) -> Vec<Diagnostic> {
    let index = index::Index::new(spec);
    let mut sink = Sink {
        frontend,
        ..Sink::default()
    };
    validate::run(&index, &mut sink);
    cycles::run(&index, &mut sink);
    boot::run(&index, &mut sink);
    remote::run(&index, &mut sink);
    lints::run(&index, &mut sink);
    let mut out = sink.diagnostics;
    diagnostics::sort(&mut out);
    out
}

/// Collects diagnostics and applies `allow`s.
#[derive(Default)]
pub(crate) struct Sink {
    diagnostics: Vec<Diagnostic>,
    /// Allows that silenced something, by address: spans need not be unique
    /// (a macro front-end may leave them detached).
    used: FxSet<*const Allow>,
    /// How help texts spell a fix.
    pub frontend: Frontend,
}

impl Sink {
    pub fn error(&mut self, d: Diagnostic) {
        self.push(d);
    }

    /// Reports a diagnostic that no `allow` can silence.
    pub fn push(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Reports lint `lint` on `item` unless one of the item's `allows` names
    /// it. The diagnostic is built only when reported: most lints are checked
    /// on every actor, and a large spec allows many.
    pub fn lint(
        &mut self,
        lint: &Lint,
        allows: &[Allow],
        item: &Item<'_>,
        d: impl FnOnce() -> Diagnostic,
    ) {
        if let Some(allow) = allows.iter().find(|a| a.lint_name() == lint.name()) {
            self.used.insert(allow as *const Allow);
            return;
        }
        let d = d();
        let hint = match self.frontend {
            Frontend::Kdl => format!(
                "if this is intended, write `allow {} reason=\"…\"` in {item}",
                lint.name()
            ),
            Frontend::Macros => format!(
                "if this is intended, add `allow({}, reason = \"…\")` to {}",
                lint.name(),
                item.attribute()
            ),
        };
        self.diagnostics.push(Diagnostic {
            code: lint.code,
            severity: Severity::Warning,
            ..d.with_help(hint)
        });
    }

    pub fn was_used(&self, allow: &Allow) -> bool {
        self.used.contains(&(allow as *const Allow))
    }
}

/// The item a lint is reported on (and its `allow` written in), for messages.
#[derive(Clone, Copy)]
pub(crate) enum Item<'a> {
    Actor(&'a Ident),
    Supervisor(&'a Ident),
    DynamicSupervisor(&'a Ident),
    Child(&'a Ident),
    /// A dynamic supervisor's template (named by the supervisor).
    Template(&'a Ident),
}

impl Item<'_> {
    /// Where the macros write an `allow` for this item.
    fn attribute(&self) -> String {
        match self {
            Item::Actor(n) => format!("the `#[actor(…)]` of actor `{n}`"),
            Item::Supervisor(n) => format!("the `#[supervisor(…)]` of `{n}`"),
            Item::DynamicSupervisor(n) => format!("the `#[child(dynamic, …)]` of `{n}`"),
            Item::Child(n) => format!("the `#[child(…)]` of field `{n}`"),
            Item::Template(n) => format!("the `#[child(dynamic, template(…))]` of `{n}`"),
        }
    }
}

impl fmt::Display for Item<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Actor(n) => write!(f, "actor `{n}`"),
            Item::Supervisor(n) => write!(f, "supervisor `{n}`"),
            Item::DynamicSupervisor(n) => write!(f, "dynamic supervisor `{n}`"),
            Item::Child(n) => write!(f, "child `{n}`"),
            Item::Template(n) => write!(f, "the template of `{n}`"),
        }
    }
}

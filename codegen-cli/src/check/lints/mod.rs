//! Lints: OTP anti-patterns reported as warnings.
//!
//! Each lint has a stable code `arbor::NAME` and fires on one kind of item;
//! `allow NAME reason="…"` written in that item silences it there. An `allow`
//! naming no lint is an error; one that silences nothing is itself a warning
//! (`unused_allow`), so stale allows do not pile up.

mod actors;
mod chains;
mod children;
mod strategy;
mod timeouts;

use std::time::Duration;

use super::index::Index;
use super::{Frontend, Sink};
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{Allow, ChildKind, Supervisor};
use crate::suggest;

/// A lint's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lint {
    /// `arbor::NAME`.
    pub code: &'static str,
    /// What it reports, in one line.
    pub summary: &'static str,
    /// The item an `allow` for it goes in.
    pub item: &'static str,
}

impl Lint {
    /// The code without the `arbor::` prefix, as written in `allow`.
    pub fn name(&self) -> &'static str {
        self.code.strip_prefix("arbor::").unwrap_or(self.code)
    }
}

macro_rules! lints {
    ($($id:ident = $code:literal, $item:literal, $summary:literal;)*) => {
        $(
            #[doc = $summary]
            pub const $id: Lint = Lint { code: $code, summary: $summary, item: $item };
        )*
        /// Every lint.
        pub const LINTS: &[Lint] = &[$($id),*];
    };
}

lints! {
    UNBOUNDED_MAILBOX = "arbor::unbounded_mailbox", "actor",
        "an actor whose mailbox has no bound";
    TIMEOUT_CASCADE = "arbor::timeout_cascade", "actor",
        "an actor's longest call timeout is not longer than that of an actor it calls";
    LONG_CALL_TIMEOUT = "arbor::long_call_timeout", "actor",
        "a call with a timeout above 5 s that is not `deferred` (blocking work in handle_call)";
    ONE_FOR_ALL_INDEPENDENT = "arbor::one_for_all_independent", "supervisor",
        "one_for_all over children with no declared dependency between them";
    ONE_FOR_ONE_DEPENDENT = "arbor::one_for_one_dependent", "supervisor",
        "one_for_one where a child calls an earlier sibling (rest_for_one fits)";
    RESTART_INTENSITY = "arbor::restart_intensity", "supervisor",
        "more than 10 restarts per second allowed: restart storms go unnoticed";
    UNSUPERVISED_ACTOR = "arbor::unsupervised_actor", "actor",
        "an actor that no supervisor starts";
    TEMPORARY_SERVES_CALLS = "arbor::temporary_serves_calls", "child",
        "a temporary child (never restarted) whose actor serves calls";
    BRUTAL_KILL_TERMINATE = "arbor::brutal_kill_terminate", "child",
        "shutdown=brutal-kill on an actor with a terminate hook, which then never runs";
    INFINITY_SHUTDOWN_WORKER = "arbor::infinity_shutdown_worker", "child",
        "shutdown=infinity on a worker: a stuck worker blocks shutdown forever";
    GOD_ACTOR = "arbor::god_actor", "actor",
        "an actor serving more than 20 messages or more than 3 protocols";
    STATELESS_ACTOR = "arbor::stateless_actor", "actor",
        "an actor without state (a function would do, without the bottleneck)";
    DEEP_CALL_CHAIN = "arbor::deep_call_chain", "actor",
        "a chain of more than 10 synchronous calls: every actor on it waits for the rest";
    UNUSED_ALLOW = "arbor::unused_allow", "any",
        "an `allow` that silences nothing";
}

/// Above this many restarts per second, `restart_intensity` fires.
pub const MAX_RESTARTS_PER_SECOND: u32 = 10;
/// Above this many messages (over all its protocols), `god_actor` fires.
pub const GOD_ACTOR_MESSAGES: usize = 20;
/// Above this many protocols, `god_actor` fires.
pub const GOD_ACTOR_PROTOCOLS: usize = 3;
/// Longer chains of synchronous calls (in hops) fire `deep_call_chain`.
pub const DEEP_CALL_CHAIN_LIMIT: usize = 10;
/// Calls with a longer timeout should be `deferred` (`long_call_timeout`).
pub const LONG_CALL_TIMEOUT_LIMIT: Duration = Duration::from_secs(5);

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    actors::run(index, sink);
    timeouts::run(index, sink);
    chains::run(index, sink);
    strategy::run(index, sink);
    children::run(index, sink);
    allows(index, sink);
}

/// Unknown lint names (errors) and allows that silenced nothing (warnings).
fn allows(index: &Index<'_>, sink: &mut Sink) {
    let mut all: Vec<(&Allow, String)> = Vec::new();
    for a in index.spec.actors.iter().filter(|a| !a.allows.is_empty()) {
        let item = format!("actor `{}`", a.name);
        all.extend(a.allows.iter().map(|x| (x, item.clone())));
    }
    for s in &index.spec.supervisors {
        collect_tree(s, &mut all);
    }
    for (allow, item) in all {
        let name = allow.lint_name();
        if !LINTS.iter().any(|l| l.name() == name) {
            let is_error = codes::ERRORS
                .iter()
                .any(|c| c.strip_prefix("arbor::") == Some(name));
            let help = if is_error {
                format!("`{name}` is an error: errors cannot be allowed, only fixed")
            } else {
                suggest::help(name, LINTS.iter().map(|l| l.name())).unwrap_or_else(|| {
                    let names: Vec<&str> = LINTS.iter().map(|l| l.name()).collect();
                    format!("the lints are: {}", names.join(", "))
                })
            };
            sink.error(
                Diagnostic::error(
                    codes::UNKNOWN_LINT,
                    format!("there is no lint named `{name}`"),
                )
                .with_label(allow.lint.span, "not a lint")
                .with_help(help),
            );
        } else if name != UNUSED_ALLOW.name() && !sink.was_used(allow) {
            let written = match sink.frontend {
                Frontend::Kdl => format!("allow {name}"),
                Frontend::Macros => format!("allow({name}, …)"),
            };
            let d = Diagnostic::warning(
                UNUSED_ALLOW.code,
                format!("`{written}` silences nothing in {item}"),
            )
            .with_label(allow.span, "unused")
            .with_help(format!(
                "remove it; `{name}` is reported on {} items",
                LINTS
                    .iter()
                    .find(|l| l.name() == name)
                    .map_or("other", |l| l.item)
            ));
            sink.push(d);
        }
    }
}

fn collect_tree<'a>(sup: &'a Supervisor, all: &mut Vec<(&'a Allow, String)>) {
    add_allows(all, &sup.allows, || format!("supervisor `{}`", sup.name));
    for child in &sup.children {
        match &child.kind {
            ChildKind::Worker(w) => add_allows(all, &w.allows, || format!("child `{}`", child.id)),
            ChildKind::Supervisor(s) => collect_tree(s, all),
            ChildKind::DynamicSupervisor(d) => {
                add_allows(all, &d.allows, || {
                    format!("dynamic supervisor `{}`", d.name)
                });
                add_allows(all, &d.template.allows, || {
                    format!("the template of `{}`", d.name)
                });
            }
            ChildKind::TaskSupervisor(_) | ChildKind::Registry(_) => {}
        }
    }
}

/// Item names are built only for items that have allows.
fn add_allows<'a>(
    all: &mut Vec<(&'a Allow, String)>,
    allows: &'a [Allow],
    item: impl FnOnce() -> String,
) {
    if !allows.is_empty() {
        let item = item();
        all.extend(allows.iter().map(|x| (x, item.clone())));
    }
}

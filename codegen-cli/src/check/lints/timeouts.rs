//! Timeout lints: `timeout_cascade` and `long_call_timeout`.
//!
//! The spec says which actors an actor calls, not from which handler. So the
//! cascade compares longest with longest: if even the caller's longest call
//! timeout is not longer than the longest call of an actor it `calls` (at run
//! time, not `during=init`), the handler that waits on that call is cut off
//! by its own caller first. Comparing with the caller's shortest call instead
//! would flag every quick query that sits beside a slow command.
//!
//! Equal timeouts cascade too (the caller gives up just as the callee's own call does),
//! except when both are OTP's default: a spec that never sets a timeout checks clean, as
//! Erlang's 5 s everywhere does; setting one brings the comparison in.

use super::{LONG_CALL_TIMEOUT, LONG_CALL_TIMEOUT_LIMIT, TIMEOUT_CASCADE};
use crate::check::index::Index;
use crate::check::{Frontend, Item, Sink};
use crate::diagnostics::Diagnostic;
use crate::model::{Actor, During, Message, Timeout};

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    for actor in &index.spec.actors {
        cascade(index, sink, actor);
        long(index, sink, actor);
    }
}

fn timeout_of(m: &Message) -> Option<Timeout> {
    m.timeout().map(|t| t.value)
}

/// The call of `actor` with the longest timeout (the first, on ties).
fn longest_call<'a>(index: &Index<'a>, actor: &'a Actor) -> Option<&'a Message> {
    let mut best: Option<&Message> = None;
    for p in index.served(actor) {
        for m in p.messages.iter().filter(|m| m.is_call()) {
            if best.is_none_or(|b| timeout_of(m) > timeout_of(b)) {
                best = Some(m);
            }
        }
    }
    best
}

fn cascade(index: &Index<'_>, sink: &mut Sink, actor: &Actor) {
    let Some(own) = longest_call(index, actor) else {
        return;
    };
    let Some(own_timeout) = own.timeout() else {
        return;
    };
    for dep in actor.calls.iter().filter(|d| d.during == During::Run) {
        if dep.target == actor.name {
            continue; // a cycle, reported as such
        }
        let Some(callee) = index.actor(dep.target.as_str()) else {
            continue;
        };
        let Some(theirs) = longest_call(index, callee) else {
            continue;
        };
        let Some(their_timeout) = theirs.timeout() else {
            continue;
        };
        if own_timeout.value > their_timeout.value
            || (own_timeout.value == Timeout::DEFAULT && their_timeout.value == Timeout::DEFAULT)
        {
            continue;
        }
        sink.lint(
            &TIMEOUT_CASCADE,
            &actor.allows,
            &Item::Actor(&actor.name),
            || {
                Diagnostic::warning(
                    TIMEOUT_CASCADE.code,
                    format!(
                        "callers of `{}.{}` give up after {}, but it may wait {} on `{}.{}`",
                        actor.name,
                        own.name,
                        own_timeout.value,
                        their_timeout.value,
                        callee.name,
                        theirs.name
                    ),
                )
                .with_label(
                    dep.span,
                    format!("`{}` calls `{}`", actor.name, callee.name),
                )
                .with_label(
                    own_timeout.span,
                    format!(
                        "`{}.{}` times out after {}",
                        actor.name, own.name, own_timeout.value
                    ),
                )
                .with_label(
                    their_timeout.span,
                    format!(
                        "`{}.{}` may take {}",
                        callee.name, theirs.name, their_timeout.value
                    ),
                )
                .with_help(format!(
                    "when the caller gives up first, the work downstream goes on for nothing and a \
                 late reply is dropped: give `{}.{}` a longer timeout than `{}.{}`, or shorten `{}.{}`",
                    actor.name, own.name, callee.name, theirs.name, callee.name, theirs.name
                ))
            },
        );
    }
}

fn long(index: &Index<'_>, sink: &mut Sink, actor: &Actor) {
    for p in index.served(actor) {
        for m in &p.messages {
            let Some(t) = m.timeout() else { continue };
            let long = match t.value {
                Timeout::After(d) => d > LONG_CALL_TIMEOUT_LIMIT,
                Timeout::Infinity => true,
            };
            if !long || actor.deferred.iter().any(|h| h == &m.name) {
                continue;
            }
            let serves = actor
                .serves
                .iter()
                .find(|s| s.as_str() == p.name.as_str())
                .map_or(actor.name.span(), |s| s.span());
            let frontend = sink.frontend;
            sink.lint(
                &LONG_CALL_TIMEOUT,
                &actor.allows,
                &Item::Actor(&actor.name),
                || {
                    Diagnostic::warning(
                    LONG_CALL_TIMEOUT.code,
                    format!(
                        "`{}.{}` may take {} but is handled inside the actor",
                        actor.name, m.name, t.value
                    ),
                )
                .with_label(serves, format!("`{}` serves `{}` here", actor.name, p.name))
                .with_label(t.span, "long timeout")
                .with_help(match frontend {
                    Frontend::Kdl => format!(
                        "while a handler works, every other message waits: declare `deferred {}` in \
                         `{}` so the reply comes from a supervised task",
                        m.name, actor.name
                    ),
                    Frontend::Macros => format!(
                        "while a handler works, every other message waits: mark `{}`'s handler \
                         `{}` with `#[call(deferred)]` so the reply comes from a supervised task",
                        actor.name, m.name
                    ),
                })
                },
            );
        }
    }
}

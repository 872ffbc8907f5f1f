//! Lints on actor declarations: `unbounded_mailbox`, `stateless_actor`,
//! `god_actor`, `unsupervised_actor`.

use super::{
    GOD_ACTOR, GOD_ACTOR_MESSAGES, GOD_ACTOR_PROTOCOLS, STATELESS_ACTOR, UNBOUNDED_MAILBOX,
    UNSUPERVISED_ACTOR,
};
use crate::check::index::Index;
use crate::check::{Item, Sink};
use crate::diagnostics::Diagnostic;
use crate::model::MailboxKind;

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    let frontend = sink.frontend;
    for actor in &index.spec.actors {
        let item = Item::Actor(&actor.name);
        if actor.mailbox.kind == MailboxKind::Unbounded {
            sink.lint(&UNBOUNDED_MAILBOX, &actor.allows, &item, || {
                Diagnostic::warning(
                    UNBOUNDED_MAILBOX.code,
                    format!("actor `{}` has an unbounded mailbox", actor.name),
                )
                .with_label(actor.mailbox.span, "no bound")
                .with_help(format!(
                    "a slow actor then grows its queue until memory runs out: bound it with {}",
                    frontend.pick(
                        "capacity=N and choose what a full mailbox does (overflow=block|reject|drop-*)",
                        "`mailbox(capacity = N, overflow = \"…\")` instead of `unbounded` and choose \
                         what a full mailbox does (\"block\", \"reject\", \"drop_newest\", \"drop_oldest\")"
                    )
                ))
            });
        }
        if actor.state.is_none() {
            sink.lint(&STATELESS_ACTOR, &actor.allows, &item, || {
                Diagnostic::warning(
                    STATELESS_ACTOR.code,
                    format!("actor `{}` has no state", actor.name),
                )
                .with_label(actor.name.span(), "no `state`")
                .with_help(format!(
                    "an actor serializes its messages; without state to protect that is only a \
                     bottleneck: use a plain function (or a task supervisor), or {}",
                    frontend.pick("declare `state TYPE`", "give it a state struct")
                ))
            });
        }
        let served = index.served(actor);
        let messages: usize = served.iter().map(|p| p.messages.len()).sum();
        if messages > GOD_ACTOR_MESSAGES || served.len() > GOD_ACTOR_PROTOCOLS {
            sink.lint(&GOD_ACTOR, &actor.allows, &item, || {
                Diagnostic::warning(
                    GOD_ACTOR.code,
                    format!(
                        "actor `{}` handles {messages} messages from {} protocols",
                        actor.name,
                        served.len()
                    ),
                )
                .with_label(actor.name.span(), "does too much")
                .with_help(format!(
                    "one actor is one serial bottleneck, and a crash restarts all its duties \
                     (limits: {GOD_ACTOR_MESSAGES} messages, {GOD_ACTOR_PROTOCOLS} protocols): \
                     split it by domain, or shard it by key"
                ))
            });
        }
        if !index.starts_of.contains_key(actor.name.as_str()) {
            sink.lint(&UNSUPERVISED_ACTOR, &actor.allows, &item, || {
                Diagnostic::warning(
                    UNSUPERVISED_ACTOR.code,
                    format!("no supervisor starts actor `{}`", actor.name),
                )
                .with_label(actor.name.span(), "not supervised")
                .with_help(format!(
                    "an unsupervised actor that crashes stays dead: start it from {}",
                    frontend.pick(
                        "a supervisor (`child ID actor=…`) or a dynamic supervisor's template",
                        "a supervisor (a field `id: Actor` of a `#[derive(Supervisor)]` struct) \
                         or a `#[child(dynamic)]` field"
                    )
                ))
            });
        }
    }
}

//! Child-spec lints: `temporary_serves_calls`, `brutal_kill_terminate`,
//! `infinity_shutdown_worker`. They apply to worker children and to dynamic
//! supervisors' templates alike.

use super::{BRUTAL_KILL_TERMINATE, INFINITY_SHUTDOWN_WORKER, TEMPORARY_SERVES_CALLS};
use crate::check::index::{Index, Site};
use crate::check::{Item, Sink};
use crate::diagnostics::Diagnostic;
use crate::model::{Allow, Ident, Restart, Shutdown, Spanned};

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    let frontend = sink.frontend;
    for start in &index.starts {
        let (item, restart, shutdown, allows): (
            Item<'_>,
            Spanned<Restart>,
            Spanned<Shutdown>,
            &[Allow],
        ) = match start.site {
            Site::Worker(c, w) => (Item::Child(&c.id), c.restart, c.shutdown, &w.allows),
            Site::Template(d, t) => (Item::Template(&d.name), t.restart, t.shutdown, &t.allows),
        };
        let actor_name: &Ident = start.actor;
        let actor = index.actor(actor_name.as_str());
        if restart.value == Restart::Temporary && actor.is_some_and(|a| index.serves_calls(a)) {
            sink.lint(&TEMPORARY_SERVES_CALLS, allows, &item, || {
                Diagnostic::warning(
                    TEMPORARY_SERVES_CALLS.code,
                    format!("{item} is temporary, but `{actor_name}` serves calls"),
                )
                .with_label(restart.span, "never restarted")
                .with_help(format!(
                    "once it crashes every caller gets an error until something restarts it: \
                     make it {}",
                    frontend.pick(
                        "transient (restarted after a crash) or permanent",
                        "`restart = \"transient\"` (restarted after a crash) or \"permanent\""
                    )
                ))
            });
        }
        match shutdown.value {
            Shutdown::BrutalKill => {
                let Some(actor) = actor.filter(|a| a.terminate.value) else {
                    continue;
                };
                sink.lint(&BRUTAL_KILL_TERMINATE, allows, &item, || {
                    Diagnostic::warning(
                        BRUTAL_KILL_TERMINATE.code,
                        format!(
                            "{item} is killed outright, so `{actor_name}`'s terminate never runs"
                        ),
                    )
                    .with_label(
                        shutdown.span,
                        frontend.pick("brutal-kill", "`shutdown = \"brutal_kill\"`"),
                    )
                    .with_label(actor.terminate.span, "terminate hook declared here")
                    .with_help(format!(
                        "give it a shutdown timeout (e.g. {}) so it can clean up",
                        frontend.pick("shutdown=\"5s\"", "#[child(shutdown = \"5s\")]")
                    ))
                });
            }
            Shutdown::Infinity => sink.lint(&INFINITY_SHUTDOWN_WORKER, allows, &item, || {
                Diagnostic::warning(
                    INFINITY_SHUTDOWN_WORKER.code,
                    format!(
                        "{item} is a worker with {}",
                        frontend.pick("shutdown=infinity", "`shutdown = \"infinity\"`")
                    ),
                )
                .with_label(shutdown.span, "waits forever")
                .with_help(format!(
                    "infinity is meant for supervisors; a stuck worker would hang the whole \
                     shutdown: give it a timeout, e.g. {}",
                    frontend.pick("shutdown=\"30s\"", "#[child(shutdown = \"30s\")]")
                ))
            }),
            Shutdown::After(_) => {}
        }
    }
}

//! Across nodes: what an `export` and a remote `extern-actor` may be.
//!
//! - An exported actor serves exactly one protocol (a node serves one protocol per exported
//!   name) and has exactly one static instance in the spec (the one other nodes reach).
//! - Export names are unique in the spec.
//! - A remote extern actor is not called during start-up: it runs on another node, started
//!   by nobody here, so no start order can make it ready (a remote dependency is not
//!   boot-ordered).

use super::Sink;
use super::index::Index;
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::During;

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    let spec = index.spec;
    let mut seen: Vec<(&str, &crate::model::Spanned<String>)> = Vec::new();
    for actor in &spec.actors {
        let Some(export) = &actor.export else {
            continue;
        };
        let name = actor.name.as_str();
        if actor.serves.len() != 1 {
            sink.error(
                Diagnostic::error(
                    codes::INVALID_EXPORT,
                    format!(
                        "`{name}` is exported but serves {} protocols: an exported actor serves exactly one",
                        actor.serves.len()
                    ),
                )
                .with_label(export.span, "exported here")
                .with_label(actor.name.span(), format!("`{name}` is declared here"))
                .with_help(
                    "other nodes reach an exported actor through one protocol: split it into one \
                     actor per protocol, and export the one other nodes call",
                ),
            );
        }
        let starts = index.starts_of.get(name).map_or(&[][..], Vec::as_slice);
        let single = starts.len() == 1 && !index.starts[starts[0]].is_dynamic();
        if !single {
            let why = if starts.is_empty() {
                "no supervisor of the spec starts it".to_owned()
            } else if starts.iter().any(|&i| index.starts[i].is_dynamic()) {
                "its instances are started at run time by a dynamic supervisor".to_owned()
            } else {
                format!("it is started {} times", starts.len())
            };
            let mut d = Diagnostic::error(
                codes::INVALID_EXPORT,
                format!(
                    "`{name}` is exported, but {why}: an exported actor has exactly one instance"
                ),
            )
            .with_label(export.span, "exported here");
            for &i in starts {
                d = d.with_label(index.starts[i].site.span(), "started here");
            }
            sink.error(d.with_help(
                "start it as one worker child of one supervisor; other nodes reach that child \
                 (and its restarts)",
            ));
        }
        if let Some((first, at)) = seen.iter().find(|(_, e)| e.value == export.value) {
            sink.error(
                Diagnostic::error(
                    codes::INVALID_EXPORT,
                    format!(
                        "`{}` is exported twice (by `{first}` and `{name}`)",
                        export.value
                    ),
                )
                .with_label(export.span, "exported again here")
                .with_label(at.span, "first exported here")
                .with_help("give one of them another name: `export name=\"…\"`"),
            );
        } else {
            seen.push((name, export));
        }
    }
    for actor in &spec.actors {
        for dep in actor.calls.iter().filter(|d| d.during == During::Init) {
            let Some(remote) = spec
                .extern_actor(dep.target.as_str())
                .and_then(|e| e.remote.as_ref())
            else {
                continue;
            };
            let after = sink.frontend.pick(
                "drop `during=init`",
                "name it in `calls(…)` instead of `calls_during_init(…)`",
            );
            sink.error(
                Diagnostic::error(
                    codes::BOOT_ORDER,
                    format!(
                        "`{}` calls remote actor `{}` while starting, but a remote dependency is \
                         not boot-ordered",
                        actor.name, dep.target
                    ),
                )
                .with_label(dep.span, "called during start-up")
                .with_label(
                    remote.span,
                    format!("`{}` runs on another node", dep.target),
                )
                .with_help(format!(
                    "no start order of this system can make an actor of another node ready: \
                     make the call after start-up ({after}), and expect `CallError::Exited` \
                     while that node is down"
                )),
            );
        }
    }
}

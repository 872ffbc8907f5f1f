//! Validation errors: references that do not resolve, names declared twice,
//! and the child-spec and supervisor-flag combinations OTP itself rejects.

use super::fx::FxMap;

use super::index::{Index, Kind, SupRef};
use super::{Frontend, Sink};
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::{
    Actor, AutoShutdown, Child, ChildKind, Ident, Intensity, Restart, Strategy, Supervisor,
};
use crate::suggest;

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    duplicates(index, sink);
    for actor in &index.spec.actors {
        actor_references(index, sink, actor);
    }
    for p in &index.spec.protocols {
        let mut seen: FxMap<&str, &Ident> = FxMap::default();
        for m in &p.messages {
            repeated(sink, &mut seen, &m.name, &format!("protocol `{}`", p.name));
            let mut args: FxMap<&str, &Ident> = FxMap::default();
            for a in &m.args {
                repeated(sink, &mut args, &a.name, &format!("message `{}`", m.name));
            }
        }
    }
    for app in &index.spec.apps {
        match index.names.get(app.root.as_str()) {
            Some(n) if n.kind == Kind::Supervisor && !n.top_level => sink.error(
                Diagnostic::error(
                    codes::INVALID_ROOT,
                    format!(
                        "app `{}` starts `{}`, a nested supervisor",
                        app.name, app.root
                    ),
                )
                .with_label(app.root.span(), "not a top-level supervisor")
                .with_label(n.name.span(), "declared inside another supervisor here")
                .with_help(sink.frontend.pick(
                    "an app's root must be a top-level `supervisor`: its parent starts it already",
                    "an app's root must be a supervisor no other supervisor nests (its parent \
                     starts it already): put `app = \"…\"` in the `#[supervisor(…)]` of the top one",
                )),
            ),
            _ => {
                resolve(index, sink, &app.root, Kind::Supervisor);
            }
        }
    }
    for sup in &index.supervisors {
        match sup {
            SupRef::Static(s) => supervisor(index, sink, s),
            SupRef::Dynamic(d) => {
                zero_period(sink, &d.intensity);
                if d.strategy.value != Strategy::OneForOne {
                    sink.error(
                        Diagnostic::error(
                            codes::DYNAMIC_STRATEGY,
                            format!("dynamic supervisor `{}` can only be one_for_one", d.name),
                        )
                        .with_label(d.strategy.span, "not one_for_one")
                        .with_help(format!(
                            "its children are independent instances started at run time; \
                             remove `strategy` {}",
                            sink.frontend.pick(
                                "(or use a static supervisor)",
                                "from its `#[child(dynamic, …)]` (or make it a \
                                 `#[derive(Supervisor)]` struct)"
                            )
                        )),
                    );
                }
                resolve(index, sink, &d.template.actor, Kind::Actor);
            }
        }
    }
}

fn duplicates(index: &Index<'_>, sink: &mut Sink) {
    for (first, again) in &index.duplicates {
        sink.error(
            Diagnostic::error(
                codes::DUPLICATE_NAME,
                format!("`{}` is declared twice", again.name),
            )
            .with_label(
                again.name.span(),
                format!("{} named `{}`", again.kind.noun(), again.name),
            )
            .with_label(
                first.name.span(),
                format!("already {} here", first.kind.noun()),
            )
            .with_help(
                "protocols, actors, supervisors, registries and apps become Rust types and \
                 share one namespace; rename one",
            ),
        );
    }
}

/// Reports `name` if it was seen before in `seen` (one scope of names).
fn repeated<'a>(
    sink: &mut Sink,
    seen: &mut FxMap<&'a str, &'a Ident>,
    name: &'a Ident,
    scope: &str,
) {
    if let Some(first) = seen.get(name.as_str()) {
        sink.error(
            Diagnostic::error(
                codes::DUPLICATE_NAME,
                format!("`{name}` is declared twice in {scope}"),
            )
            .with_label(name.span(), "declared again")
            .with_label(first.span(), "first declared here"),
        );
    } else {
        seen.insert(name.as_str(), name);
    }
}

/// Checks that `name` names an item of kind `want`; reports it otherwise.
pub(super) fn resolve(index: &Index<'_>, sink: &mut Sink, name: &Ident, want: Kind) -> bool {
    match index.names.get(name.as_str()) {
        Some(n) if n.kind == want => true,
        Some(n) if n.kind == Kind::ExternActor && want == Kind::Actor => {
            sink.error(
                Diagnostic::error(
                    codes::WRONG_KIND,
                    format!("`{name}` is an extern actor: its own system starts it"),
                )
                .with_label(name.span(), "started here")
                .with_label(n.name.span(), format!("`{name}` is declared extern here"))
                .with_help(
                    "a supervisor starts the actors of its own system; call or cast to an \
                     extern actor, start it in the system that declares it",
                ),
            );
            false
        }
        Some(n) => {
            sink.error(
                Diagnostic::error(
                    codes::WRONG_KIND,
                    format!("`{name}` is {}, not {}", n.kind.noun(), want.noun()),
                )
                .with_label(name.span(), format!("expected {}", want.noun()))
                .with_label(n.name.span(), format!("`{name}` is declared here")),
            );
            false
        }
        None => {
            let candidates = index.names_of(want);
            let help = suggest::help(name.as_str(), candidates.iter().copied())
                .unwrap_or_else(|| declare(want, name, sink.frontend));
            sink.error(
                Diagnostic::error(
                    codes::UNKNOWN_REFERENCE,
                    format!("there is no {} named `{name}`", keyword(want)),
                )
                .with_label(name.span(), "not declared")
                .with_help(help),
            );
            false
        }
    }
}

/// How to declare a missing item, in the front-end's syntax.
fn declare(kind: Kind, name: &Ident, frontend: Frontend) -> String {
    match frontend {
        Frontend::Kdl => format!("declare it: {} {name} {{ … }}", keyword(kind)),
        Frontend::Macros => match kind {
            Kind::Protocol => format!("declare it: `#[protocol] trait {name} {{ … }}`"),
            Kind::Actor => format!(
                "declare it: `#[derive(Actor)] struct {name}State {{ … }}` with a `#[handlers]` block"
            ),
            Kind::Supervisor => {
                format!("declare it: `#[derive(Supervisor)] struct {name} {{ … }}`")
            }
            Kind::DynamicSupervisor => "declare it: a `#[child(dynamic)]` field".to_owned(),
            Kind::ExternActor => {
                format!("declare it: `#[system(externs({name} = path::to::its_module))]`")
            }
            Kind::TaskSupervisor => "declare it: a `#[child(tasks)]` field".to_owned(),
            Kind::Registry => {
                "declare it: a `#[child(registry, keys = \"unique\")]` field".to_owned()
            }
            Kind::App => {
                format!("declare it: `#[supervisor(app = \"{name}\")]` on the root supervisor")
            }
        },
    }
}

fn keyword(kind: Kind) -> &'static str {
    match kind {
        Kind::Protocol => "protocol",
        Kind::Actor => "actor",
        Kind::ExternActor => "extern-actor",
        Kind::Supervisor => "supervisor",
        Kind::DynamicSupervisor => "dynamic-supervisor",
        Kind::TaskSupervisor => "task-supervisor",
        Kind::Registry => "registry",
        Kind::App => "app",
    }
}

fn actor_references(index: &Index<'_>, sink: &mut Sink, actor: &Actor) {
    for p in &actor.serves {
        resolve(index, sink, p, Kind::Protocol);
    }
    for dep in actor.calls.iter().chain(&actor.casts) {
        // An extern actor is called and cast to like a local one.
        let is_extern = index
            .names
            .get(dep.target.as_str())
            .is_some_and(|n| n.kind == Kind::ExternActor);
        if !is_extern {
            resolve(index, sink, &dep.target, Kind::Actor);
        }
    }
    let served = index.served(actor);
    for handler in &actor.deferred {
        let found = served.iter().find_map(|p| p.message(handler.as_str()));
        match found {
            Some(m) if m.is_call() => {}
            Some(m) => sink.error(
                Diagnostic::error(
                    codes::WRONG_KIND,
                    format!("`{handler}` is not a call, so it cannot be deferred"),
                )
                .with_label(handler.span(), "not a call")
                .with_label(m.name.span(), "declared here")
                .with_help("only a call has a reply to send later"),
            ),
            // An unknown protocol was reported already; a handler in it is unknowable.
            None if served.len() < actor.serves.len() => {}
            None => {
                let calls = served
                    .iter()
                    .flat_map(|p| p.messages.iter())
                    .filter(|m| m.is_call())
                    .map(|m| m.name.as_str());
                let help = suggest::help(handler.as_str(), calls).unwrap_or_else(|| {
                    "`deferred` names a call of a protocol the actor serves".to_owned()
                });
                sink.error(
                    Diagnostic::error(
                        codes::UNKNOWN_REFERENCE,
                        format!("actor `{}` serves no call named `{handler}`", actor.name),
                    )
                    .with_label(handler.span(), "not a call it serves")
                    .with_help(help),
                );
            }
        }
    }
}

fn supervisor(index: &Index<'_>, sink: &mut Sink, sup: &Supervisor) {
    zero_period(sink, &sup.intensity);
    let mut ids: FxMap<&str, &Child> = FxMap::default();
    for child in &sup.children {
        if let Some(first) = ids.get(child.id.as_str()) {
            sink.error(
                Diagnostic::error(
                    codes::DUPLICATE_CHILD_ID,
                    format!(
                        "supervisor `{}` has two children with id `{}`",
                        sup.name, child.id
                    ),
                )
                .with_label(child.id.span(), "second child")
                .with_label(first.id.span(), "first child")
                .with_help("child ids name children for restarts and lookups; make them unique"),
            );
        } else {
            ids.insert(child.id.as_str(), child);
        }
        significant(sink, sup, child);
        if let ChildKind::Worker(w) = &child.kind {
            resolve(index, sink, &w.actor, Kind::Actor);
        }
    }
}

fn significant(sink: &mut Sink, sup: &Supervisor, child: &Child) {
    if !child.significant.value {
        return;
    }
    if child.restart.value == Restart::Permanent {
        sink.error(
            Diagnostic::error(
                codes::SIGNIFICANT_PERMANENT,
                format!("child `{}` is significant and permanent", child.id),
            )
            .with_label(child.significant.span, "significant")
            .with_label(child.restart.span, "permanent (the default)")
            .with_help(
                "a permanent child is always restarted, so its end can never shut the \
                 supervisor down: make it transient or temporary",
            ),
        );
    }
    if sup.auto_shutdown.value == AutoShutdown::Never {
        sink.error(
            Diagnostic::error(
                codes::SIGNIFICANT_WITHOUT_AUTO_SHUTDOWN,
                format!(
                    "child `{}` is significant, but supervisor `{}` never shuts down automatically",
                    child.id, sup.name
                ),
            )
            .with_label(child.significant.span, "significant")
            .with_label(
                sup.auto_shutdown.span,
                sink.frontend
                    .pick("auto-shutdown is never", "`auto_shutdown` is \"never\""),
            )
            .with_help(format!(
                "OTP rejects significant children in this mode: give `{}` {}",
                sup.name,
                sink.frontend.pick(
                    "auto-shutdown=any-significant or all-significant",
                    "#[supervisor(auto_shutdown = \"any_significant\")] (or \"all_significant\")"
                )
            )),
        );
    }
}

fn zero_period(sink: &mut Sink, intensity: &Intensity) {
    if intensity.max_seconds.value == 0 {
        sink.error(
            Diagnostic::error(
                codes::ZERO_PERIOD,
                format!(
                    "{} is zero",
                    sink.frontend.pick("max-seconds", "`max_seconds`")
                ),
            )
            .with_label(intensity.max_seconds.span, "zero")
            .with_help("the restart window must be at least one second (OTP's `period`)"),
        );
    }
}

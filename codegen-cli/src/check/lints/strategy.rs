//! Supervisor lints: `one_for_all_independent`, `one_for_one_dependent`,
//! `restart_intensity`.
//!
//! A child's actors are those it starts, anywhere below it; a dependency
//! between two children is a `calls` or `casts` from an actor of one to an
//! actor of the other.

use crate::check::fx::FxMap;

use super::{
    MAX_RESTARTS_PER_SECOND, ONE_FOR_ALL_INDEPENDENT, ONE_FOR_ONE_DEPENDENT, RESTART_INTENSITY,
};
use crate::check::index::{Index, SupRef, actors_under};
use crate::check::{Item, Sink};
use crate::diagnostics::Diagnostic;
use crate::model::{Allow, Dependency, Ident, Intensity, Strategy, Supervisor};

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    for sup in &index.supervisors {
        match sup {
            SupRef::Static(s) => {
                let item = Item::Supervisor(&s.name);
                intensity(sink, &s.name, &s.intensity, &s.allows, &item);
                match s.strategy.value {
                    Strategy::OneForAll => one_for_all(index, sink, s, &item),
                    Strategy::OneForOne => one_for_one(index, sink, s, &item),
                    Strategy::RestForOne => {}
                }
            }
            SupRef::Dynamic(d) => {
                let item = Item::DynamicSupervisor(&d.name);
                intensity(sink, &d.name, &d.intensity, &d.allows, &item);
            }
        }
    }
}

fn intensity(sink: &mut Sink, name: &Ident, i: &Intensity, allows: &[Allow], item: &Item<'_>) {
    let (restarts, seconds) = (i.max_restarts.value, i.max_seconds.value);
    // u64: `seconds * 10` must not overflow.
    if seconds == 0
        || u64::from(restarts) <= u64::from(seconds) * u64::from(MAX_RESTARTS_PER_SECOND)
    {
        return;
    }
    let frontend = sink.frontend;
    sink.lint(&RESTART_INTENSITY, allows, item, || {
        Diagnostic::warning(
            RESTART_INTENSITY.code,
            format!("`{name}` allows {restarts} restarts in {seconds} s"),
        )
        .with_label(
            i.max_restarts.span,
            frontend.pick("max-restarts", "max_restarts"),
        )
        .with_label(
            i.max_seconds.span,
            frontend.pick("max-seconds", "max_seconds"),
        )
        .with_help(format!(
            "above {MAX_RESTARTS_PER_SECOND} restarts per second a crash loop burns CPU instead \
             of escalating to the parent, which might fix it: lower {}",
            frontend.pick("max-restarts", "max_restarts")
        ))
    });
}

/// Each child's actors, and which child starts each actor.
fn child_actors(sup: &Supervisor) -> (Vec<Vec<&Ident>>, FxMap<&str, Vec<usize>>) {
    let sets: Vec<Vec<&Ident>> = sup.children.iter().map(actors_under).collect();
    let mut owner: FxMap<&str, Vec<usize>> = FxMap::default();
    for (i, set) in sets.iter().enumerate() {
        for a in set {
            owner.entry(a.as_str()).or_default().push(i);
        }
    }
    (sets, owner)
}

fn one_for_all(index: &Index<'_>, sink: &mut Sink, sup: &Supervisor, item: &Item<'_>) {
    let (sets, owner) = child_actors(sup);
    if sets.iter().filter(|s| !s.is_empty()).count() < 2 {
        return;
    }
    for (i, set) in sets.iter().enumerate() {
        for a in set {
            let Some(actor) = index.actor(a.as_str()) else {
                continue;
            };
            let depends = actor.calls.iter().chain(&actor.casts).any(|d| {
                owner
                    .get(d.target.as_str())
                    .is_some_and(|js| js.iter().any(|&j| j != i))
            });
            if depends {
                return;
            }
        }
    }
    let frontend = sink.frontend;
    sink.lint(&ONE_FOR_ALL_INDEPENDENT, &sup.allows, item, || {
        Diagnostic::warning(
            ONE_FOR_ALL_INDEPENDENT.code,
            format!(
                "`{}` restarts all its children together, but none depends on another",
                sup.name
            ),
        )
        .with_label(sup.strategy.span, "one_for_all")
        .with_help(format!(
            "one crash then restarts unrelated children and loses their state: use one_for_one, \
             or declare the dependency ({}) that makes them fail together",
            frontend.pick("`calls`/`casts`", "`#[actor(calls(…))]`/`casts(…)`")
        ))
    });
}

fn one_for_one(index: &Index<'_>, sink: &mut Sink, sup: &Supervisor, item: &Item<'_>) {
    let (sets, owner) = child_actors(sup);
    let mut found: Option<(usize, usize, &Dependency)> = None;
    'search: for (j, set) in sets.iter().enumerate() {
        for a in set {
            let Some(actor) = index.actor(a.as_str()) else {
                continue;
            };
            for dep in &actor.calls {
                if let Some(&i) = owner
                    .get(dep.target.as_str())
                    .and_then(|is| is.iter().find(|&&i| i < j))
                {
                    found = Some((i, j, dep));
                    break 'search;
                }
            }
        }
    }
    let Some((i, j, dep)) = found else { return };
    let frontend = sink.frontend;
    let (earlier, later) = (&sup.children[i], &sup.children[j]);
    sink.lint(&ONE_FOR_ONE_DEPENDENT, &sup.allows, item, || {
        Diagnostic::warning(
            ONE_FOR_ONE_DEPENDENT.code,
            format!(
                "`{}` depends on its earlier sibling `{}`, but `{}` is one_for_one",
                later.id, earlier.id, sup.name
            ),
        )
        .with_label(sup.strategy.span, "one_for_one")
        .with_label(dep.span, format!("calls `{}`", dep.target))
        .with_label(earlier.span, "started earlier")
        .with_help(format!(
            "when `{}` restarts, `{}` keeps talking to a process that is gone (or a fresh one with \
             lost state): {} restarts the children after a failed one",
            earlier.id,
            later.id,
            frontend.pick("rest_for_one", "`strategy = \"rest_for_one\"`")
        ))
    });
}

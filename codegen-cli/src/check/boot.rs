//! Boot order: a supervisor starts its children one after the other, each
//! `init` finishing before the next starts. An actor that calls another
//! during `init` (`calls X during=init`) needs X running already, i.e. started
//! earlier in the same tree. Otherwise the call fails and the tree cannot boot.
//!
//! A dynamic supervisor's template counts as starting where the dynamic
//! supervisor does: its instances can start as soon as that supervisor runs.

use super::Sink;
use super::index::{Index, Site, Start};
use crate::codes;
use crate::diagnostics::Diagnostic;
use crate::model::During;

pub(super) fn run(index: &Index<'_>, sink: &mut Sink) {
    let after_start_up = sink.frontend.pick(
        "drop `during=init`",
        "name it in `calls(…)` instead of `calls_during_init(…)`",
    );
    for start in &index.starts {
        let Some(actor) = index.actor(start.actor.as_str()) else {
            continue;
        };
        for dep in actor.calls.iter().filter(|d| d.during == During::Init) {
            // Calling itself is a cycle, reported as one.
            if dep.target == actor.name || index.actor(dep.target.as_str()).is_none() {
                continue;
            }
            let targets: Vec<&Start<'_>> = index
                .starts_of
                .get(dep.target.as_str())
                .map(|v| v.iter().map(|&i| &index.starts[i]).collect())
                .unwrap_or_default();
            let ready = targets
                .iter()
                .any(|t| t.tree == start.tree && !t.is_dynamic() && t.order < start.order);
            if ready {
                continue;
            }
            let who = match start.site {
                Site::Worker(c, _) => format!("child `{}`", c.id),
                Site::Template(d, _) => format!("the children of `{}`", d.name),
            };
            let mut d = Diagnostic::error(
                codes::BOOT_ORDER,
                format!(
                    "`{}` calls `{}` while starting, but `{}` is not running yet",
                    actor.name, dep.target, dep.target
                ),
            )
            .with_label(dep.span, "called during start-up")
            .with_label(start.site.span(), format!("{who} starts here"));
            let same_tree: Vec<&&Start<'_>> =
                targets.iter().filter(|t| t.tree == start.tree).collect();
            let help = if let Some(later) = same_tree.iter().find(|t| !t.is_dynamic()) {
                d = d.with_label(
                    later.site.span(),
                    format!("`{}` starts later, here", dep.target),
                );
                format!(
                    "start `{}` before {who}: children start in the order they are written",
                    dep.target
                )
            } else if let Some(dynamic) = same_tree.first() {
                d = d.with_label(
                    dynamic.site.span(),
                    format!("instances of `{}` are started at run time", dep.target),
                );
                format!(
                    "no instance of `{}` exists at boot; make the call after start-up ({})",
                    dep.target, after_start_up
                )
            } else {
                format!(
                    "no supervisor in this tree starts `{}` before {who}: add a child for it earlier, \
                     or make the call after start-up ({after_start_up})",
                    dep.target
                )
            };
            sink.error(d.with_help(help));
        }
    }
}

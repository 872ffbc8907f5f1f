//! Restart strategies: what a supervisor does when a child exits on its own.
//!
//! The decision follows OTP's `supervisor:restart/2`:
//!
//! - A temporary child is never restarted and its spec is dropped; a transient child is
//!   restarted only after an abnormal exit. A child that is not restarted may trigger the
//!   supervisor's [`AutoShutdown`](super::AutoShutdown) if it is significant.
//! - Otherwise the restart is recorded in the [intensity](super::Intensity) window (exceeding
//!   it stops the supervisor with `shutdown`, escalating to its parent), then:
//!   - [`Strategy::OneForOne`]: only that child is started again;
//!   - [`Strategy::OneForAll`]: the other children are stopped in reverse start order, then
//!     all are started in order;
//!   - [`Strategy::RestForOne`]: the children started after it are stopped in reverse order,
//!     then it and they are started in order.
//! - Temporary children stopped by a sibling's restart are dropped, not restarted.
//! - If a start fails during a restart, that child is marked restarting and the supervisor
//!   sends itself a retry (OTP's `try_again_restart`), which counts as another restart; the
//!   children after it in a multi-child restart stay stopped until the retry.

use std::sync::Arc;

use crate::exit::ExitReason;

use super::server::{ChildState, Supervisor, SupervisorInfo};
use super::spec::{AutoShutdown, Restart};

/// Which children a supervisor restarts when one exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Only the child that exited.
    #[default]
    OneForOne,
    /// All children: stopped in reverse start order, started in order.
    OneForAll,
    /// The child that exited and those started after it.
    RestForOne,
}

impl Supervisor {
    /// Handles child `i` exiting on its own with `reason`. `Some(reason)` when the
    /// supervisor must stop.
    pub(crate) async fn child_exited(
        &mut self,
        i: usize,
        reason: ExitReason,
    ) -> Option<ExitReason> {
        self.set_stopped(i, false);
        self.children[i].last_exit = Some(reason.clone());
        let spec = &self.children[i].spec;
        tracing::debug!(supervisor = %self.me.id(), child = &*spec.id, %reason, "child exited");
        if spec.restart.restarts_after(&reason) {
            return self.restart(i).await;
        }
        let significant = spec.significant;
        if spec.restart == Restart::Temporary {
            self.children.remove(i);
        }
        self.auto_shutdown_after(significant)
    }

    /// Whether a significant child's exit (not restarted) shuts the supervisor down.
    fn auto_shutdown_after(&self, significant: bool) -> Option<ExitReason> {
        if !significant {
            return None;
        }
        let shut = match self.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            // As OTP: a significant child counts while it runs or waits for another restart
            // attempt (`{restarting, _}` is not `undefined`).
            AutoShutdown::AllSignificant => !self
                .children
                .iter()
                .any(|c| c.spec.significant && !matches!(c.state, ChildState::Stopped)),
        };
        shut.then_some(ExitReason::Shutdown)
    }

    /// Restarts child `i` (stopped) by the strategy. `Some(reason)` when the supervisor must
    /// stop because the restart intensity was exceeded.
    pub(crate) async fn restart(&mut self, i: usize) -> Option<ExitReason> {
        if !self.window.add_restart() {
            tracing::error!(
                supervisor = %self.me.id(),
                child = &*self.children[i].spec.id,
                "reached maximum restart intensity; shutting down"
            );
            return Some(ExitReason::Shutdown);
        }
        // Temporary children are only dropped at or after `from`, so `i` stays valid.
        let range = match self.strategy {
            Strategy::OneForOne => i..i + 1,
            Strategy::OneForAll => {
                self.stop_from(0).await;
                0..self.children.len()
            }
            Strategy::RestForOne => {
                self.stop_from(i + 1).await;
                i..self.children.len()
            }
        };
        if let Err(failed) = self.start_range(range).await {
            self.retry_later(failed);
        }
        None
    }

    /// Stops the running children from index `from` on, in reverse start order, and drops the
    /// temporary ones.
    async fn stop_from(&mut self, from: usize) {
        for j in (from..self.children.len()).rev() {
            self.stop_at(j).await;
        }
        let mut j = from;
        while j < self.children.len() {
            if self.children[j].spec.restart == Restart::Temporary {
                self.children.remove(j);
            } else {
                j += 1;
            }
        }
    }

    /// Starts the stopped children in `range`, in order. On a failed start, marks that child
    /// restarting and returns its id; the later children stay stopped.
    async fn start_range(&mut self, range: std::ops::Range<usize>) -> Result<(), Arc<str>> {
        for j in range {
            if matches!(self.children[j].state, ChildState::Running(_)) {
                continue;
            }
            self.children[j].restarts += 1;
            match self.start_at(j).await {
                Ok(_) => {
                    let child = &self.children[j];
                    tracing::info!(
                        supervisor = %self.me.id(),
                        child = &*child.spec.id,
                        actor = ?child.cell().map(crate::ActorCell::id),
                        restarts = child.restarts,
                        "child restarted"
                    );
                }
                Err(reason) => {
                    let id = self.children[j].spec.id.clone();
                    tracing::warn!(supervisor = %self.me.id(), child = &*id, %reason, "restart failed; retrying");
                    self.set_stopped(j, true);
                    return Err(id);
                }
            }
        }
        Ok(())
    }

    /// Schedules another restart attempt of `id` through the mailbox, so that calls and exit
    /// signals get their turn between attempts.
    fn retry_later(&self, id: Arc<str>) {
        if let Some(me) = self.me.downcast::<Supervisor>() {
            let _ = me.try_send(SupervisorInfo::TryAgain(id));
        }
    }
}

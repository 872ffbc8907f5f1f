//! Links and monitors between actors.
//!
//! A **link** is symmetric: when either actor exits with a reason other than
//! [`ExitReason::Normal`], the other exits with the same reason, unless it traps exits, in
//! which case it receives the exit as a message ([`Actor::handle_exit`]). This is how a
//! supervisor learns that a child died. A **monitor** is one-way: the watcher receives a
//! [`Down`] with the exit reason ([`Actor::handle_down`]), whatever the reason. Monitoring an
//! actor that has already exited delivers the DOWN at once; linking to one delivers its exit
//! signal at once (with its real exit reason, where Erlang would say `noproc`).
//!
//! [`Actor::handle_exit`]: crate::Actor::handle_exit
//! [`Actor::handle_down`]: crate::Actor::handle_down

use std::sync::Weak;

use crate::cell::{ActorCell, CellApi, Core, Down, ExitSignal, Phase, Signal, Watcher};

pub use crate::cell::MonitorRef;
use crate::exit::ExitReason;
use crate::lineage::ActorId;

impl Core {
    /// Adds a link to `other`; the exit reason if this actor has already exited.
    fn add_link(&self, other: &ActorCell) -> Result<(), ExitReason> {
        let mut st = self.state.lock();
        if let Phase::Exited(reason) = &st.phase {
            return Err(reason.clone());
        }
        st.links.insert(other);
        Ok(())
    }

    pub(crate) fn remove_link(&self, id: ActorId) {
        self.state.lock().links.remove(id);
    }

    fn add_watcher(&self, monitor: u64, watcher: Weak<dyn CellApi>) -> Result<(), ExitReason> {
        let mut st = self.state.lock();
        if let Phase::Exited(reason) = &st.phase {
            return Err(reason.clone());
        }
        let watchers = &mut st.rare().watchers;
        // Watchers that exited without demonitoring are pruned here, not when they exit.
        watchers.retain(|w| w.cell.strong_count() > 0);
        watchers.push(Watcher {
            monitor,
            cell: watcher,
        });
        Ok(())
    }

    fn remove_watcher(&self, monitor: u64) {
        let mut st = self.state.lock();
        if let Some(rare) = st.rare_mut() {
            rare.watchers.retain(|w| w.monitor != monitor);
        }
    }
}

impl ActorCell {
    /// Links this actor and `other` (symmetric, idempotent). If either has already exited, the
    /// other receives its exit signal at once.
    pub fn link(&self, other: &ActorCell) {
        if self.id() == other.id() {
            return;
        }
        if let Err(reason) = self.core().add_link(other) {
            other.deliver_exit(ExitSignal {
                from: self.id(),
                reason,
            });
            return;
        }
        if let Err(reason) = other.core().add_link(self) {
            self.deliver_exit(ExitSignal {
                from: other.id(),
                reason,
            });
        }
    }

    /// Removes the link between this actor and `other`, if any.
    pub fn unlink(&self, other: &ActorCell) {
        self.core().remove_link(other.id());
        other.core().remove_link(self.id());
    }

    /// Makes this actor watch `target`: when `target` exits, this actor's
    /// [`handle_down`](crate::Actor::handle_down) receives a [`Down`]. If `target` has already
    /// exited, the DOWN is delivered at once.
    pub fn monitor(&self, target: &ActorCell) -> MonitorRef {
        let monitor = MonitorRef::next(target);
        let watcher = std::sync::Arc::downgrade(&self.0);
        if let Err(reason) = target.core().add_watcher(monitor.id, watcher) {
            self.0.push_ordered(Signal::Down(Box::new(Down {
                monitor: monitor.clone(),
                id: target.id(),
                reason,
            })));
        }
        monitor
    }

    /// Removes a monitor this actor holds, and any DOWN of it not yet handled. `true` if a
    /// pending DOWN was discarded.
    pub fn demonitor(&self, monitor: &MonitorRef) -> bool {
        if let Some(target) = monitor.target_cell.as_ref().and_then(Weak::upgrade) {
            target.core().remove_watcher(monitor.id);
        }
        self.0.flush_down(monitor.id)
    }

    /// The actors linked to this one.
    pub fn links(&self) -> Vec<ActorId> {
        self.core().state.lock().links.ids()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::cell::Links;
    use crate::cell::{ActorCell, CellApi};
    use crate::test_support::{Idle, unstarted};

    fn cell() -> ActorCell {
        ActorCell(unstarted::<Idle>() as Arc<dyn CellApi>)
    }

    #[test]
    fn links_stay_sorted_and_unique() {
        let (a, b, c) = (cell(), cell(), cell());
        let mut links = Links::None;
        links.insert(&c);
        links.insert(&c);
        assert!(matches!(links, Links::One(_)));
        links.insert(&a);
        links.insert(&b);
        links.insert(&a);
        assert_eq!(links.ids(), vec![a.id(), b.id(), c.id()]);
        links.remove(b.id());
        links.remove(b.id());
        assert_eq!(links.ids(), vec![a.id(), c.id()]);
        let taken: Vec<_> = links.take().map(|cell| cell.id()).collect();
        assert_eq!(taken, vec![a.id(), c.id()]);
        assert!(links.ids().is_empty());
        links.insert(&b);
        links.remove(a.id());
        assert_eq!(links.ids(), vec![b.id()]);
        links.remove(b.id());
        assert!(matches!(links, Links::None));
    }
}

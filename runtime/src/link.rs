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

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::actor::{Down, ExitSignal};
use crate::cell::{ActorCell, CellApi, Core, Phase, Signal, Watcher};
use crate::exit::ExitReason;
use crate::lineage::ActorId;

/// Identifies one monitor (OTP's monitor reference). Equality and hashing go by the monitor
/// only.
#[derive(Clone)]
pub struct MonitorRef {
    pub(crate) id: u64,
    target: ActorId,
    target_cell: Option<Weak<dyn CellApi>>,
}

impl MonitorRef {
    fn next(target: &ActorCell) -> MonitorRef {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        MonitorRef {
            id: NEXT.fetch_add(1, Ordering::Relaxed),
            target: target.id(),
            target_cell: Some(std::sync::Arc::downgrade(&target.0)),
        }
    }

    /// The reference carried by a DOWN (the target is gone, no need to reach it).
    pub(crate) fn fired(id: u64, target: ActorId) -> MonitorRef {
        MonitorRef {
            id,
            target,
            target_cell: None,
        }
    }

    /// The monitored actor.
    pub fn target(&self) -> ActorId {
        self.target
    }
}

impl fmt::Debug for MonitorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MonitorRef({} on {})", self.id, self.target)
    }
}

impl PartialEq for MonitorRef {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Eq for MonitorRef {}

impl Hash for MonitorRef {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

/// An actor's links, sorted by id (a supervisor linked to 100 000 children finds one in
/// O(log n); ids grow over time, so a new child's link is usually appended). Most actors have
/// no link or one (their supervisor): those take no allocation.
#[derive(Default)]
pub(crate) enum Links {
    #[default]
    None,
    One(ActorCell),
    Many(Vec<ActorCell>),
}

impl Links {
    /// Adds `cell` unless it is already there.
    fn insert(&mut self, cell: &ActorCell) {
        match self {
            Links::None => *self = Links::One(cell.clone()),
            Links::One(one) if one.id() == cell.id() => {}
            Links::One(_) => {
                let Links::One(one) = std::mem::take(self) else {
                    unreachable!("matched One above")
                };
                let mut many = vec![one, cell.clone()];
                many.sort_by_key(ActorCell::id);
                *self = Links::Many(many);
            }
            Links::Many(many) => {
                if let Err(i) = many.binary_search_by_key(&cell.id(), ActorCell::id) {
                    many.insert(i, cell.clone());
                }
            }
        }
    }

    fn remove(&mut self, id: ActorId) {
        match self {
            Links::One(one) if one.id() == id => *self = Links::None,
            Links::Many(many) => {
                if let Ok(i) = many.binary_search_by_key(&id, ActorCell::id) {
                    many.remove(i);
                }
            }
            Links::None | Links::One(_) => {}
        }
    }

    fn ids(&self) -> Vec<ActorId> {
        match self {
            Links::None => Vec::new(),
            Links::One(one) => vec![one.id()],
            Links::Many(many) => many.iter().map(ActorCell::id).collect(),
        }
    }

    /// The linked actors, emptying the set.
    pub(crate) fn take(&mut self) -> impl Iterator<Item = ActorCell> + use<> {
        let (one, many) = match std::mem::take(self) {
            Links::None => (None, Vec::new()),
            Links::One(one) => (Some(one), Vec::new()),
            Links::Many(many) => (None, many),
        };
        one.into_iter().chain(many)
    }
}

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

    use super::Links;
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

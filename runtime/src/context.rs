//! [`Context`]: what an actor's callbacks know about the actor and can do to it.
//!
//! Every callback receives `&mut Context<Self>`: the actor's identity and lineage, the callers
//! of the request being handled, exit trapping, links and monitors, timers, the idle timeout,
//! a way to stop after the current callback, and starting linked children whose ancestors
//! include this actor.

use std::time::Duration;

use crate::actor::Actor;
use crate::cell::ActorCell;
use crate::exit::ExitReason;
use crate::handle::ActorRef;
use crate::lineage::{self, ActorId, Ancestors, CallChain};
use crate::link::MonitorRef;

/// The actor's view of itself, passed to every callback.
pub struct Context<A: Actor> {
    pub(crate) myself: ActorRef<A>,
    /// Allocated on first use: the context lives in the actor's task for its whole life, and
    /// most actors never set an idle timeout or stop themselves.
    rare: Option<Box<Rare>>,
}

/// The parts of a [`Context`] few actors use.
#[derive(Default)]
struct Rare {
    idle_timeout: Option<Duration>,
    /// The idle timeout fires once per idle period; any handled event re-arms it.
    idle_armed: bool,
    stop: Option<ExitReason>,
}

impl<A: Actor> Context<A> {
    pub(crate) fn new(myself: ActorRef<A>) -> Context<A> {
        Context { myself, rare: None }
    }

    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_default()
    }

    /// The stop requested by the last callback, if any (taken).
    pub(crate) fn take_stop(&mut self) -> Option<ExitReason> {
        self.rare.as_mut().and_then(|rare| rare.stop.take())
    }

    /// The idle timeout, if it is set and armed (it fires once per idle period).
    pub(crate) fn armed_idle_timeout(&self) -> Option<Duration> {
        self.rare
            .as_ref()
            .filter(|rare| rare.idle_armed)
            .and_then(|rare| rare.idle_timeout)
    }

    /// Arms (after a handled event) or disarms (when it fires) the idle timeout.
    pub(crate) fn arm_idle_timeout(&mut self, armed: bool) {
        if let Some(rare) = &mut self.rare {
            rare.idle_armed = armed;
        }
    }

    /// A typed handle to this actor (to give to others, or to cast to oneself).
    pub fn myself(&self) -> ActorRef<A> {
        self.myself.clone()
    }

    /// The untyped handle to this actor.
    pub fn cell(&self) -> ActorCell {
        self.myself.cell()
    }

    /// This actor's id.
    pub fn id(&self) -> ActorId {
        self.myself.id()
    }

    /// This actor's name, if it was given one.
    pub fn name(&self) -> Option<&str> {
        self.myself.name()
    }

    /// The actors that started this one, nearest first.
    pub fn ancestors(&self) -> &Ancestors {
        self.myself.ancestors()
    }

    /// The callers waiting on the call being handled, immediate caller first; empty outside
    /// `handle_call` and for calls from outside actors.
    pub fn callers(&self) -> CallChain {
        lineage::current_chain()
    }

    /// Traps exits (or stops trapping): exit signals from linked actors then arrive at
    /// [`Actor::handle_exit`] instead of stopping this actor at once.
    pub fn trap_exit(&mut self, trap: bool) {
        self.myself.shared.core.set_trap_exit(trap);
    }

    /// `true` while trapping exits.
    pub fn is_trapping_exits(&self) -> bool {
        self.myself.shared.core.traps_exits()
    }

    /// Links this actor to `other` (see [`ActorCell::link`]).
    pub fn link(&self, other: &ActorCell) {
        self.cell().link(other);
    }

    /// Removes the link to `other`.
    pub fn unlink(&self, other: &ActorCell) {
        self.cell().unlink(other);
    }

    /// Monitors `target`: its exit arrives at [`Actor::handle_down`].
    pub fn monitor(&self, target: &ActorCell) -> MonitorRef {
        self.cell().monitor(target)
    }

    /// Removes a monitor and any DOWN of it not yet handled.
    pub fn demonitor(&self, monitor: &MonitorRef) -> bool {
        self.cell().demonitor(monitor)
    }

    /// Calls [`Actor::handle_timeout`] when no message or signal arrives for `timeout`
    /// (once per idle period); `None` turns it off. Setting it re-arms it.
    pub fn set_idle_timeout(&mut self, timeout: Option<Duration>) {
        if timeout.is_none() && self.rare.is_none() {
            return;
        }
        let rare = self.rare();
        rare.idle_timeout = timeout;
        rare.idle_armed = true;
    }

    /// The idle timeout, if set.
    pub fn idle_timeout(&self) -> Option<Duration> {
        self.rare.as_ref().and_then(|rare| rare.idle_timeout)
    }

    /// Stops this actor with `reason` once the current callback returns (`terminate` runs),
    /// whatever the callback returns.
    pub fn stop(&mut self, reason: ExitReason) {
        self.rare().stop = Some(reason);
    }
}

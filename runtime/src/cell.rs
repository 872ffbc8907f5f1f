//! [`ActorCell`]: the untyped handle that supervisors and registries hold, and the shared
//! core behind every actor (identity, system signals, links, monitors, exit state).
//!
//! Stopping an actor follows OTP's child shutdown: [`ActorCell::shutdown`] asks for a graceful
//! stop (the actor finishes its current callback, runs `terminate`, exits) and kills it if it
//! takes longer than the timeout; [`ActorCell::kill`] aborts it at once, without `terminate`.
//! Any number of tasks can [`wait`](ActorCell::wait) for an actor's exit.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::pin::pin;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use futures::task::AtomicWaker;
use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::exit::{ExitReason, ShutdownMode};
use crate::lineage::{ActorId, Ancestors};
use crate::mailbox::MailboxConfig;

/// An exit signal from a linked actor, delivered to [`Actor::handle_exit`](crate::Actor::handle_exit) when the receiver
/// traps exits (OTP's `{'EXIT', Pid, Reason}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExitSignal {
    /// The linked actor that exited.
    pub from: ActorId,
    /// Why it exited.
    pub reason: ExitReason,
}

/// A monitor notification, delivered to [`Actor::handle_down`](crate::Actor::handle_down) (OTP's
/// `{'DOWN', Ref, process, Pid, Reason}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Down {
    /// The monitor that fired.
    pub monitor: MonitorRef,
    /// The monitored actor.
    pub id: ActorId,
    /// Why it exited.
    pub reason: ExitReason,
}

/// Identifies one monitor (OTP's monitor reference). Equality and hashing go by the monitor
/// only.
#[derive(Clone)]
pub struct MonitorRef {
    pub(crate) id: u64,
    target: ActorId,
    pub(crate) target_cell: Option<Weak<dyn CellApi>>,
}

impl MonitorRef {
    pub(crate) fn next(target: &ActorCell) -> MonitorRef {
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
    pub(crate) fn insert(&mut self, cell: &ActorCell) {
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

    pub(crate) fn remove(&mut self, id: ActorId) {
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

    pub(crate) fn ids(&self) -> Vec<ActorId> {
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

/// A system signal: never dropped, handled before the next mailbox message.
pub(crate) enum Signal {
    /// Graceful stop: `terminate(reason)`, then exit.
    Stop(ExitReason),
    /// A linked actor exited.
    Exit(ExitSignal),
    /// A monitored actor exited (boxed: the largest signal, and a rare one).
    Down(Box<Down>),
    /// Run a closure on the state (`:sys.get_state`-like introspection).
    Inspect(InspectJob),
}

/// A closure run on the actor's state, as `&mut dyn Any` (downcast by the typed side).
pub(crate) type InspectJob = Box<dyn FnOnce(&mut dyn Any) + Send>;

pub(crate) enum Phase {
    Running,
    /// Deciding to exit: dropping state and queued messages (their callers learn the reason).
    Exiting(ExitReason),
    Exited(ExitReason),
}

pub(crate) struct Watcher {
    pub(crate) monitor: u64,
    pub(crate) cell: Weak<dyn CellApi>,
}

pub(crate) struct CoreState {
    pub(crate) phase: Phase,
    pub(crate) links: Links,
    /// What most actors never need, allocated on first use (and freed at exit).
    pub(crate) rare: Option<Box<Rare>>,
}

/// The rarely used part of an actor's core: system signals waiting to be handled, monitors
/// watching it, and the tasks waiting for its exit.
#[derive(Default)]
pub(crate) struct Rare {
    pub(crate) signals: VecDeque<Signal>,
    pub(crate) watchers: Vec<Watcher>,
    /// Woken when the actor exits; created by the first waiter, shared with every waiter.
    pub(crate) exited: Option<Arc<Notify>>,
    /// The lineage of this actor's children, shared by all of them.
    pub(crate) children: Option<Ancestors>,
    /// The actor's registered name ([`crate::names`]), freed at exit.
    pub(crate) registered: Option<Arc<str>>,
    /// Time its task ran while timing was on (`crate::introspect::set_timing`), in ns.
    pub(crate) busy_ns: u64,
}

impl CoreState {
    pub(crate) fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_default()
    }

    pub(crate) fn rare_mut(&mut self) -> Option<&mut Rare> {
        self.rare.as_deref_mut()
    }
}

pub(crate) const SIGNALS: u8 = 1;
const KILL: u8 = 2;
pub(crate) const DEAD: u8 = 4;
const TRAP: u8 = 8;

/// What every actor shares with its handles, whatever its type.
pub(crate) struct Core {
    pub(crate) id: ActorId,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) ancestors: Ancestors,
    pub(crate) flags: AtomicU8,
    /// Mailbox messages handled, wrapping at 2^32; written by the actor's task only (see
    /// [`Core::count_handled`]). Beside `flags`, in what would otherwise be padding: the
    /// shared block stays at 216 bytes (a 240-byte malloc chunk, which lines up with the
    /// 128-aligned task cell allocated after it).
    pub(crate) handled: AtomicU32,
    /// The actor task's waker, registered on each poll of the task.
    pub(crate) waker: AtomicWaker,
    pub(crate) state: Mutex<CoreState>,
}

impl Core {
    pub(crate) fn new(name: Option<Arc<str>>, ancestors: Ancestors) -> Core {
        Core {
            id: ActorId::next(),
            name,
            ancestors,
            flags: AtomicU8::new(0),
            handled: AtomicU32::new(0),
            waker: AtomicWaker::new(),
            state: Mutex::new(CoreState {
                phase: Phase::Running,
                links: Links::None,
                rare: None,
            }),
        }
    }

    /// Counts a handled message. Only the actor's task writes the counter, so a plain load and
    /// store do (no locked read-modify-write on the message path).
    #[inline]
    pub(crate) fn count_handled(&self) {
        let n = self.handled.load(Ordering::Relaxed);
        self.handled.store(n.wrapping_add(1), Ordering::Relaxed);
    }

    /// Adds time spent polling the actor's task (only while timing is on: it takes the core's
    /// lock, and allocates the rare part on first use).
    pub(crate) fn add_busy(&self, elapsed: std::time::Duration) {
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Exited(_)) {
            return;
        }
        let add = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let rare = st.rare();
        rare.busy_ns = rare.busy_ns.wrapping_add(add);
    }

    /// Nanoseconds added by [`add_busy`](Self::add_busy).
    pub(crate) fn busy_ns(&self) -> u64 {
        self.state
            .lock()
            .rare
            .as_ref()
            .map_or(0, |rare| rare.busy_ns)
    }

    /// Queues a system signal; `false` if the actor has already exited.
    pub(crate) fn push_signal(&self, signal: Signal) -> bool {
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Exited(_)) {
            drop(st);
            crate::reply::drop_with_cause(crate::reply::Undelivered::Exited(self.id), signal);
            return false;
        }
        st.rare().signals.push_back(signal);
        self.flags.fetch_or(SIGNALS, Ordering::Release);
        drop(st);
        self.waker.wake();
        true
    }

    pub(crate) fn has_signals(&self) -> bool {
        self.flags.load(Ordering::Acquire) & SIGNALS != 0
    }

    pub(crate) fn pop_signal(&self) -> Option<Signal> {
        if !self.has_signals() {
            return None;
        }
        let mut st = self.state.lock();
        let signals = st.rare_mut().map(|rare| &mut rare.signals);
        let (signal, more) = match signals {
            Some(signals) => (signals.pop_front(), !signals.is_empty()),
            None => (None, false),
        };
        if !more {
            self.flags.fetch_and(!SIGNALS, Ordering::Release);
        }
        signal
    }

    /// Aborts the actor at once with `reason` (the first reason wins). The actor counts as
    /// exiting from now on.
    pub(crate) fn request_kill(&self, reason: ExitReason) {
        self.mark_exiting(&reason);
        self.flags.fetch_or(KILL, Ordering::Release);
        self.waker.wake();
    }

    pub(crate) fn kill_requested(&self) -> bool {
        self.flags.load(Ordering::Acquire) & KILL != 0
    }

    pub(crate) fn kill_reason(&self) -> ExitReason {
        self.exiting_reason().unwrap_or(ExitReason::Killed)
    }

    pub(crate) fn set_trap_exit(&self, trap: bool) {
        if trap {
            self.flags.fetch_or(TRAP, Ordering::AcqRel);
        } else {
            self.flags.fetch_and(!TRAP, Ordering::AcqRel);
        }
    }

    pub(crate) fn traps_exits(&self) -> bool {
        self.flags.load(Ordering::Acquire) & TRAP != 0
    }

    pub(crate) fn is_alive(&self) -> bool {
        self.flags.load(Ordering::Acquire) & DEAD == 0
    }

    /// The reason once the actor has exited.
    pub(crate) fn exit_reason(&self) -> Option<ExitReason> {
        match &self.state.lock().phase {
            Phase::Exited(r) => Some(r.clone()),
            _ => None,
        }
    }

    /// The reason once the actor has decided to exit (it may still be cleaning up).
    pub(crate) fn exiting_reason(&self) -> Option<ExitReason> {
        match &self.state.lock().phase {
            Phase::Running => None,
            Phase::Exiting(r) | Phase::Exited(r) => Some(r.clone()),
        }
    }

    /// The reason of an actor whose mailbox is closed (it is set before the mailbox closes).
    pub(crate) async fn exit_reason_soon(&self) -> ExitReason {
        match self.exiting_reason() {
            Some(reason) => reason,
            // Boxed: a cold path whose state would otherwise bloat every call future.
            None => Box::pin(self.wait()).await,
        }
    }

    pub(crate) fn mark_exiting(&self, reason: &ExitReason) {
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Running) {
            st.phase = Phase::Exiting(reason.clone());
        }
    }

    /// The ancestors of a child of this actor: this actor, then its own ancestors. One shared
    /// node for all its children (a supervisor may have 100 000).
    pub(crate) fn child_ancestors(&self) -> Ancestors {
        let new = || Ancestors::child_of(self.id, self.name.clone(), &self.ancestors);
        let mut st = self.state.lock();
        if matches!(st.phase, Phase::Exited(_)) {
            return new();
        }
        st.rare().children.get_or_insert_with(new).clone()
    }

    pub(crate) async fn wait(&self) -> ExitReason {
        let exited = {
            let mut st = self.state.lock();
            if let Phase::Exited(reason) = &st.phase {
                return reason.clone();
            }
            st.rare().exited.get_or_insert_default().clone()
        };
        loop {
            let mut notified = pin!(exited.notified());
            notified.as_mut().enable();
            if let Some(reason) = self.exit_reason() {
                return reason;
            }
            notified.await;
        }
    }
}

/// The type-erased side of an actor, behind [`ActorCell`].
pub(crate) trait CellApi: Any + Send + Sync {
    fn core(&self) -> &Core;
    fn mailbox_len(&self) -> usize;
    fn mailbox_config(&self) -> MailboxConfig;
    /// Queues a trapped exit or a DOWN behind the messages already in the mailbox; `false`
    /// if the actor has exited.
    fn push_ordered(&self, signal: Signal) -> bool;
    /// Removes a queued DOWN of `monitor`; `true` if there was one.
    fn flush_down(&self, monitor: u64) -> bool;
    fn mailbox_overflows(&self) -> u32;
    fn type_name(&self) -> &'static str;
}

/// An untyped handle to an actor: what supervisors, registries and links hold.
///
/// Cheap to clone; equality and hashing go by [`ActorId`]. Recover the typed handle with
/// [`downcast`](ActorCell::downcast).
#[derive(Clone)]
pub struct ActorCell(pub(crate) Arc<dyn CellApi>);

impl ActorCell {
    pub(crate) fn core(&self) -> &Core {
        self.0.core()
    }

    /// Delivers a linked actor's exit. As in OTP, a non-trapping actor dies at once from an
    /// abnormal exit signal (even in the middle of a callback, without `terminate`) and
    /// ignores a `Normal` one; a trapping actor gets it as a message, after the messages the
    /// exiting actor sent it before (Erlang's ordering between a pair of processes).
    pub(crate) fn deliver_exit(&self, signal: ExitSignal) {
        let core = self.core();
        core.remove_link(signal.from);
        if core.traps_exits() {
            self.0.push_ordered(Signal::Exit(signal));
        } else if signal.reason != ExitReason::Normal {
            core.request_kill(signal.reason);
        }
    }

    /// The actor's id.
    pub fn id(&self) -> ActorId {
        self.core().id
    }

    /// The name given at spawn, if any.
    pub fn name(&self) -> Option<&str> {
        self.core().name.as_deref()
    }

    /// The actors that started this one, nearest first.
    pub fn ancestors(&self) -> &Ancestors {
        &self.core().ancestors
    }

    /// `false` once the actor has exited.
    pub fn is_alive(&self) -> bool {
        self.core().is_alive()
    }

    /// The exit reason, once the actor has exited.
    pub fn exit_reason(&self) -> Option<ExitReason> {
        self.core().exit_reason()
    }

    /// Messages waiting in the mailbox.
    pub fn mailbox_len(&self) -> usize {
        self.0.mailbox_len()
    }

    /// The mailbox's capacity and overflow policy.
    pub fn mailbox_config(&self) -> MailboxConfig {
        self.0.mailbox_config()
    }

    /// The actor's Rust type (`std::any::type_name`), for tools.
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }

    /// Counters of the actor's work: messages handled, mailbox overflows, and the time its
    /// task spent running while timing is on ([`set_timing`](crate::introspect::set_timing)).
    pub fn stats(&self) -> crate::stats::ActorStats {
        let core = self.core();
        crate::stats::ActorStats {
            handled: u64::from(core.handled.load(Ordering::Relaxed)),
            busy: std::time::Duration::from_nanos(core.busy_ns()),
            overflowed: u64::from(self.0.mailbox_overflows()),
        }
    }

    /// Kills the actor at once (`exit(Pid, kill)`): its current callback is abandoned,
    /// `terminate` does not run, the exit reason is [`ExitReason::Killed`]. Returns without
    /// waiting; use [`wait`](Self::wait) to observe the exit.
    pub fn kill(&self) {
        self.core().request_kill(ExitReason::Killed);
    }

    /// Asks the actor to stop with `reason` after its current callback (running `terminate`)
    /// without waiting. `false` if it had already exited.
    pub fn request_stop(&self, reason: ExitReason) -> bool {
        self.core().push_signal(Signal::Stop(reason))
    }

    /// Stops the actor with `reason` and waits for its exit, like `gen_server:stop/2`: the
    /// current callback finishes, `terminate(reason)` runs, the actor exits. Returns the actual
    /// exit reason (the earlier one if it had already exited).
    pub async fn stop(&self, reason: ExitReason) -> ExitReason {
        self.request_stop(reason);
        self.wait().await
    }

    /// Stops the actor as a supervisor stops a child, and returns its exit reason.
    ///
    /// - [`ShutdownMode::BrutalKill`]: [`kill`](Self::kill) at once.
    /// - [`ShutdownMode::Timeout`]: graceful stop with [`ExitReason::Shutdown`]; killed if it
    ///   has not exited within the timeout.
    /// - [`ShutdownMode::Infinity`]: graceful stop, however long it takes.
    pub async fn shutdown(&self, mode: ShutdownMode) -> ExitReason {
        match mode {
            ShutdownMode::BrutalKill => self.kill(),
            ShutdownMode::Timeout(limit) => {
                self.request_stop(ExitReason::Shutdown);
                if let Ok(reason) = tokio::time::timeout(limit, self.wait()).await {
                    return reason;
                }
                self.kill();
            }
            ShutdownMode::Infinity => {
                self.request_stop(ExitReason::Shutdown);
            }
        }
        self.wait().await
    }

    /// Waits until the actor has exited and returns why. Returns at once for an exited actor;
    /// any number of tasks may wait.
    pub async fn wait(&self) -> ExitReason {
        self.core().wait().await
    }

    /// Like [`wait`](Self::wait), but the future owns a handle, so it is `'static` (a
    /// supervisor can keep one per child in a `FuturesUnordered` and select over them).
    pub fn exited(&self) -> impl Future<Output = ExitReason> + Send + 'static {
        let cell = self.clone();
        async move { cell.wait().await }
    }
}

impl fmt::Debug for ActorCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("ActorCell");
        d.field("id", &self.id());
        if let Some(name) = self.name() {
            d.field("name", &name);
        }
        d.field("alive", &self.is_alive()).finish()
    }
}

impl PartialEq for ActorCell {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for ActorCell {}

impl Hash for ActorCell {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

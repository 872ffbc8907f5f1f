//! Named regression tests for what the supervisor model tests (`model_supervisor.rs`) and
//! the fault-injection work found: each reproduces one case deterministically on tokio's
//! paused clock.

mod sup_common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{AutoShutdown, ChildSpec, ChildStatus, Restart, Strategy, SupervisorSpec};
use sup_common::*;

/// `auto_shutdown = all_significant`: a significant child waiting for another restart
/// attempt (its restart failed, the retry is queued) still counts as present, as in OTP's
/// `do_auto_shutdown` (any significant child whose pid is not `undefined`). Before the fix a
/// sibling's exit in that window shut the supervisor down.
#[tokio::test(start_paused = true)]
async fn all_significant_counts_a_child_waiting_for_restart() {
    let mut ev = Events::new();
    let a = ev.probe("a");
    let knobs = a.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(10, Duration::from_secs(5))
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(
            ChildSpec::actor::<Probe>("a", a)
                .restart(Restart::Transient)
                .significant(true),
        )
        .child(ev.child_with("b", Restart::Temporary).significant(true))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);

    // a's next start fails after 100 ms; a crashes, so the supervisor is busy restarting it.
    knobs.fail_next(1);
    knobs.fail_delay_ms.store(100, Ordering::SeqCst);
    let a_cell = sup.child::<ActorCell>("a").unwrap();
    let b_cell = sup.child::<ActorCell>("b").unwrap();
    a_cell
        .downcast::<Probe>()
        .unwrap()
        .cast(ProbeCast::Crash)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    // b (significant, temporary) exits normally while a's restart is failing: its exit is
    // handled after the failed attempt, before the retry.
    stop_with(&b_cell, ExitReason::Normal).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert!(sup.cell().is_alive(), "{:?}", sup.cell().exit_reason());
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].id.as_deref(), Some("a"));
    assert!(matches!(children[0].status, ChildStatus::Running(_)));
    sup.shutdown().await;
}

// ---- reply paths ----------------------------------------------------------------------------

/// An actor that hands its calls' `ReplyTo`s to others.
struct Forwarder;

enum FwdCall {
    /// A spawned task takes the `ReplyTo` and panics.
    TaskPanics(ReplyTo<u32>),
    /// The `ReplyTo` goes to `holder`'s state; `holder` then crashes.
    HolderCrashes(ActorRef<Holder>, ReplyTo<u32>),
    /// The `ReplyTo` goes to `holder`'s state; `holder` is then killed.
    HolderKilled(ActorRef<Holder>, ReplyTo<u32>),
}

impl Actor for Forwarder {
    type Args = ();
    type Call = FwdCall;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Forwarder)
    }

    async fn handle_call(&mut self, msg: FwdCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            FwdCall::TaskPanics(reply_to) => {
                tokio::spawn(async move {
                    let _held = reply_to;
                    panic!("reply-task crashed");
                });
            }
            FwdCall::HolderCrashes(holder, reply_to) => {
                let _ = holder.cast(HolderCast::Keep(reply_to, true)).await;
            }
            FwdCall::HolderKilled(holder, reply_to) => {
                let _ = holder.cast(HolderCast::Keep(reply_to, false)).await;
                holder.cell().kill();
            }
        }
        Handled::Continue
    }
}

struct Holder(Vec<ReplyTo<u32>>);

enum HolderCast {
    /// Keep the `ReplyTo`; crash at once if the flag is set.
    Keep(ReplyTo<u32>, bool),
}

impl Actor for Holder {
    type Args = ();
    type Call = std::convert::Infallible;
    type Cast = HolderCast;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Holder(Vec::new()))
    }

    async fn handle_cast(&mut self, msg: HolderCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        let HolderCast::Keep(reply_to, crash) = msg;
        self.0.push(reply_to);
        if crash {
            panic!("holder crashed");
        }
        Handled::Continue
    }
}

fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .unwrap_or_default();
            if !msg.ends_with("crashed") {
                default(info);
            }
        }));
    });
}

/// A `ReplyTo` dropped by a panic somewhere other than the target (a task the handler
/// spawned) fails the call at once with `NoReply`, while the target goes on serving. Before
/// the fix the caller waited for the target to exit: it got `Timeout` after the full call
/// timeout, and hung forever with `Duration::MAX`.
#[tokio::test(start_paused = true)]
async fn reply_to_dropped_by_a_panicking_task_fails_the_call_at_once() {
    quiet_panics();
    let fwd = Forwarder::spawn(()).await.unwrap().running().unwrap();
    let start = tokio::time::Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(3600),
        fwd.call_timeout(Duration::MAX, FwdCall::TaskPanics),
    )
    .await
    .expect("the caller hung");
    assert_eq!(result, Err(CallError::NoReply));
    assert_eq!(start.elapsed(), Duration::ZERO, "no timeout was waited for");
    assert!(fwd.is_alive());
}

/// The same when the `ReplyTo` sits in another actor's state and that actor crashes or is
/// killed: the target lives, the caller learns at once that no answer will come.
#[tokio::test(start_paused = true)]
async fn reply_to_held_by_an_exiting_actor_fails_the_call_at_once() {
    quiet_panics();
    let fwd = Forwarder::spawn(()).await.unwrap().running().unwrap();
    for crash in [true, false] {
        let holder = Holder::spawn(()).await.unwrap().running().unwrap();
        let start = tokio::time::Instant::now();
        let result = tokio::time::timeout(
            Duration::from_secs(3600),
            fwd.call_timeout(Duration::MAX, |r| {
                if crash {
                    FwdCall::HolderCrashes(holder.clone(), r)
                } else {
                    FwdCall::HolderKilled(holder.clone(), r)
                }
            }),
        )
        .await
        .expect("the caller hung");
        assert_eq!(result, Err(CallError::NoReply), "crash: {crash}");
        assert_eq!(start.elapsed(), Duration::ZERO, "no timeout was waited for");
        assert!(fwd.is_alive());
    }
}

// ---- overload ---------------------------------------------------------------------------------

/// Counts the messages it handles.
struct Counter(Arc<std::sync::atomic::AtomicU64>);

impl Actor for Counter {
    type Args = Arc<std::sync::atomic::AtomicU64>;
    type Call = CounterCall;
    type Cast = ();
    type Info = ();
    type Continue = std::convert::Infallible;

    async fn init(n: Self::Args, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Counter(n))
    }

    async fn handle_call(&mut self, msg: CounterCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let CounterCall::Get(reply_to) = msg;
        let _ = reply_to.send(self.0.fetch_add(1, Ordering::SeqCst));
        Handled::Continue
    }

    async fn handle_cast(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Handled::Continue
    }

    async fn handle_info(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Handled::Continue
    }
}

enum CounterCall {
    Get(ReplyTo<u64>),
}

use std::sync::Arc;

/// A sender looping on a full `Reject`, `DropNewest` or `DropOldest` mailbox (or on an actor
/// that exited) completes every send at once: without a yield point it never gave the
/// scheduler back, so on a single thread the receiver never ran and the queue never drained
/// (a livelock found by the overload soak, where 32 senders starved a 2-thread runtime).
/// `cast`, `send` and `call` now consume tokio's cooperative budget.
#[tokio::test(flavor = "current_thread")]
async fn retrying_senders_against_a_full_mailbox_let_the_receiver_run() {
    for overflow in [Overflow::Reject, Overflow::DropNewest, Overflow::DropOldest] {
        for kind in ["cast", "send", "call"] {
            let handled = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let counter = Spawn::<Counter>::new()
                .mailbox(MailboxConfig::bounded(1).overflow(overflow))
                .start(handled.clone())
                .await
                .unwrap()
                .running()
                .unwrap();
            let flooder = {
                let counter = counter.clone();
                let handled = handled.clone();
                tokio::spawn(async move {
                    // Fill the mailbox: the receiver has not run yet.
                    counter.try_cast(()).unwrap();
                    let goal = if kind == "call" { 1 } else { 10 };
                    let mut tries = 0u64;
                    while handled.load(Ordering::SeqCst) < goal && tries < 2_000_000 {
                        tries += 1;
                        match kind {
                            "cast" => drop(counter.cast(()).await),
                            "send" => drop(counter.send(()).await),
                            _ => drop(counter.call(CounterCall::Get).await),
                        }
                    }
                    tries
                })
            };
            let tries = flooder.await.unwrap();
            let n = handled.load(Ordering::SeqCst);
            assert!(
                tries < 2_000_000,
                "{overflow:?} {kind}: the receiver handled {n} messages in {tries} tries"
            );
            counter.cell().kill();
        }
    }
}

/// Casts into a bounded, blocking mailbox of an actor that is already scheduled take no
/// budget back from the sender (the actor handles them in the run it was woken for; the
/// bound stops the sender): a burst below the capacity is queued without a yield, then
/// handled in one run. Every other send still takes a unit: 500 casts into an unbounded
/// mailbox yield to the receiver on the way (tokio's budget is 128 units per task poll).
#[tokio::test(flavor = "current_thread")]
async fn a_burst_into_a_scheduled_bounded_mailbox_is_batched_and_unbounded_casts_yield() {
    for (mailbox, batched) in [
        (MailboxConfig::bounded(1024), true),
        (MailboxConfig::unbounded(), false),
    ] {
        let handled = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = Spawn::<Counter>::new()
            .mailbox(mailbox)
            .start(handled.clone())
            .await
            .unwrap()
            .running()
            .unwrap();
        let sender = {
            let counter = counter.clone();
            let handled = handled.clone();
            tokio::spawn(async move {
                for _ in 0..500 {
                    counter.cast(()).await.unwrap();
                }
                handled.load(Ordering::SeqCst)
            })
        };
        let during = sender.await.unwrap();
        if batched {
            assert_eq!(during, 0, "the burst was queued without a yield");
        } else {
            assert!(during > 0, "the sender yielded to the receiver");
        }
        // Whatever the batching, every cast is handled, in order, before a later call.
        assert_eq!(counter.call(CounterCall::Get).await, Ok(500));
        counter.cell().kill();
    }
}

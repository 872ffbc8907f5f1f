//! Overload soak: one slow actor per mailbox overflow policy (block, reject, drop-newest,
//! drop-oldest), each with an 8-message mailbox, flooded by many senders mixing casts,
//! non-waiting casts and tagged calls. Checked throughout:
//!
//! - the queue never holds more than its capacity (sampled continuously): memory stays
//!   bounded whatever the load;
//! - every call returns a reply or an error no later than its timeout (no hung caller), and a
//!   reply always carries its own request's tag;
//! - each policy fails the way it says: `Block` never refuses (calls only time out waiting
//!   for room), `Reject` refuses with `MailboxFull` and never drops, `DropNewest` drops the
//!   new message (`Dropped`, or `MailboxFull` for a call), `DropOldest` accepts every cast
//!   and fails the evicted calls with `MailboxFull`;
//! - nothing is lost silently: every cast the actor handled was accepted, and after the
//!   flood every accepted message was either handled or evicted by the policy.
//!
//! Runs for `ARBOR_SOAK_SECS` (default 3 s).

mod soak_common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use arbor::prelude::*;
use parking_lot::Mutex;
use soak_common::*;

const CAPACITY: usize = 8;
const SENDERS: usize = 8;
const CALL_TIMEOUT: Duration = Duration::from_millis(50);
const HANG_MARGIN: Duration = Duration::from_secs(3);

#[derive(Default)]
struct Sink {
    handled_casts: Arc<AtomicU64>,
}

enum SinkCall {
    Echo(u64, ReplyTo<u64>),
}

impl Actor for Sink {
    type Args = Arc<AtomicU64>;
    type Call = SinkCall;
    type Cast = u64;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(handled_casts: Arc<AtomicU64>, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Sink { handled_casts })
    }

    async fn handle_call(&mut self, msg: SinkCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let SinkCall::Echo(tag, reply_to) = msg;
        tokio::time::sleep(Duration::from_millis(1)).await;
        let _ = reply_to.send(tag);
        Handled::Continue
    }

    async fn handle_cast(&mut self, _n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        self.handled_casts.fetch_add(1, Ordering::Relaxed);
        Handled::Continue
    }
}

/// What the senders saw for one policy.
#[derive(Default)]
struct Tally {
    outcomes: Mutex<BTreeMap<String, u64>>,
    casts_accepted: AtomicU64,
    calls: AtomicU64,
    hung: AtomicU64,
    wrong: AtomicU64,
    max_len: AtomicUsize,
    samples: AtomicU64,
}

impl Tally {
    fn count(&self, what: impl Into<String>) {
        *self.outcomes.lock().entry(what.into()).or_default() += 1;
    }
}

async fn sender(seed: u64, sink: ActorRef<Sink>, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    static TAGS: AtomicU64 = AtomicU64::new(1);
    let mut rng = Rng::new(seed);
    while !stop.load(Ordering::Relaxed) {
        match rng.below(3) {
            0 => match tokio::time::timeout(CALL_TIMEOUT, sink.cast(1)).await {
                Ok(Ok(())) => {
                    tally.casts_accepted.fetch_add(1, Ordering::Relaxed);
                    tally.count("cast ok");
                }
                Ok(Err(e)) => tally.count(format!("cast {e:?}")),
                // A blocked cast gave up waiting for room: it was never queued.
                Err(_) => tally.count("cast gave up waiting"),
            },
            1 => match sink.try_cast(1) {
                Ok(()) => {
                    tally.casts_accepted.fetch_add(1, Ordering::Relaxed);
                    tally.count("try_cast ok");
                }
                Err(e) => tally.count(format!("try_cast {e:?}")),
            },
            _ => {
                let tag = TAGS.fetch_add(1, Ordering::Relaxed);
                tally.calls.fetch_add(1, Ordering::Relaxed);
                let call = sink.call_timeout(CALL_TIMEOUT, |r| SinkCall::Echo(tag, r));
                match tokio::time::timeout(CALL_TIMEOUT + HANG_MARGIN, call).await {
                    Err(_) => {
                        tally.hung.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(Ok(got)) => {
                        if got != tag {
                            tally.wrong.fetch_add(1, Ordering::Relaxed);
                        }
                        tally.count("call ok");
                    }
                    Ok(Err(e)) => tally.count(format!("call {e:?}")),
                }
            }
        }
    }
}

/// Reads the queue length as often as it can.
async fn sampler(sink: ActorRef<Sink>, tally: Arc<Tally>, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        tally
            .max_len
            .fetch_max(sink.mailbox_len(), Ordering::Relaxed);
        tally.samples.fetch_add(1, Ordering::Relaxed);
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_overload() {
    let duration = soak_duration(Duration::from_secs(3));
    let seed = soak_seed();
    let tasks_before = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let policies = [
        Overflow::Block,
        Overflow::Reject,
        Overflow::DropNewest,
        Overflow::DropOldest,
    ];
    let stop = Arc::new(AtomicBool::new(false));
    let mut runs = Vec::new();
    let mut handles = Vec::new();
    for (p, &policy) in policies.iter().enumerate() {
        let handled = Arc::new(AtomicU64::new(0));
        let sink = Spawn::<Sink>::new()
            .mailbox(MailboxConfig::bounded(CAPACITY).overflow(policy))
            .start(handled.clone())
            .await
            .unwrap()
            .running()
            .unwrap();
        let tally = Arc::new(Tally::default());
        for s in 0..SENDERS {
            handles.push(tokio::spawn(sender(
                seed ^ ((p * 100 + s) as u64 + 1),
                sink.clone(),
                tally.clone(),
                stop.clone(),
            )));
        }
        handles.push(tokio::spawn(sampler(
            sink.clone(),
            tally.clone(),
            stop.clone(),
        )));
        runs.push((policy, sink, tally, handled));
    }
    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::SeqCst);
    for h in handles {
        h.await.expect("a sender panicked");
    }

    let mut failures = Vec::new();
    for (policy, sink, tally, handled) in &runs {
        // Let the actor drain what is queued, then stop it.
        let drained = eventually(Duration::from_secs(5), || sink.mailbox_len() == 0).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            sink.cell().stop(ExitReason::Shutdown).await,
            ExitReason::Shutdown
        );
        let outcomes = tally.outcomes.lock().clone();
        let accepted = tally.casts_accepted.load(Ordering::Relaxed);
        let handled = handled.load(Ordering::Relaxed);
        let max_len = tally.max_len.load(Ordering::Relaxed);
        println!(
            "soak_overload {policy:?}: calls {}, casts accepted {accepted}, casts handled \
             {handled}, max queue {max_len}/{CAPACITY} over {} samples, hung {}, wrong {}, \
             outcomes {outcomes:?}",
            tally.calls.load(Ordering::Relaxed),
            tally.samples.load(Ordering::Relaxed),
            tally.hung.load(Ordering::Relaxed),
            tally.wrong.load(Ordering::Relaxed),
        );
        let mut check = |ok: bool, what: &str| {
            if !ok {
                failures.push(format!("{policy:?}: {what}"));
            }
        };
        check(drained, "the queue did not drain");
        check(max_len <= CAPACITY, "queue over capacity");
        check(tally.hung.load(Ordering::Relaxed) == 0, "hung callers");
        check(tally.wrong.load(Ordering::Relaxed) == 0, "wrong replies");
        check(handled <= accepted, "handled more casts than were accepted");
        check(outcomes.contains_key("call ok"), "no call was answered");
        let has = |k: &str| outcomes.contains_key(k);
        match policy {
            Overflow::Block => {
                check(handled == accepted, "an accepted cast was lost");
                check(
                    !has("call MailboxFull"),
                    "a blocking mailbox refused a call",
                );
                check(
                    !has("cast MailboxFull"),
                    "a blocking mailbox refused a cast",
                );
                check(!has("cast Dropped"), "a blocking mailbox dropped a cast");
            }
            Overflow::Reject => {
                check(handled == accepted, "an accepted cast was lost");
                check(has("cast MailboxFull"), "never rejected a cast");
                check(!has("cast Dropped"), "a rejecting mailbox dropped a cast");
                check(
                    !has("cast gave up waiting"),
                    "a rejecting mailbox made a cast wait",
                );
            }
            Overflow::DropNewest => {
                check(handled == accepted, "an accepted cast was lost");
                check(has("cast Dropped"), "never dropped a cast");
                check(
                    !has("cast gave up waiting"),
                    "a dropping mailbox made a cast wait",
                );
            }
            Overflow::DropOldest => {
                check(has("call MailboxFull"), "never evicted a call");
                check(!has("cast Dropped"), "drop-oldest dropped a new cast");
                check(
                    !has("cast gave up waiting"),
                    "a dropping mailbox made a cast wait",
                );
            }
        }
    }
    drop(runs);
    let metrics = tokio::runtime::Handle::current().metrics();
    let no_task_left = eventually(Duration::from_secs(5), || {
        metrics.num_alive_tasks() == tasks_before
    })
    .await;
    println!(
        "soak_overload: tasks before/after {tasks_before}/{}",
        metrics.num_alive_tasks()
    );
    assert!(no_task_left, "tasks left after the sinks stopped");
    assert!(failures.is_empty(), "{failures:#?}");
}

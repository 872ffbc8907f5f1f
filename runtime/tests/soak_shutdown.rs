//! Graceful shutdown under load: an application (a supervision tree of static, nested and
//! dynamic supervisors over about a thousand workers) is stopped while many callers have
//! calls in flight, some answered at once, some from `handle_continue`, some by a spawned
//! task, some by slow handlers. Checked:
//!
//! - every caller gets its reply (with its own tag) or an error saying the target exited
//!   with `shutdown`: never a timeout, a lost reply, or any other error; no caller hangs;
//! - `terminate` runs exactly once for every worker that started (no actor is killed:
//!   shutdowns are graceful and well within their timeouts), and every supervisor exits with
//!   `shutdown`;
//! - nothing is left: no worker state, no task.
//!
//! The shutdown comes at a random moment within `ARBOR_SOAK_SECS` (default 1 s); it repeats
//! for several rounds (`ARBOR_SHUTDOWN_ROUNDS`, default 3).

mod soak_common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{
    ChildSpec, DynamicSupervisorRef, DynamicSupervisorSpec, Strategy, SupervisorRef, SupervisorSpec,
};
use parking_lot::Mutex;
use soak_common::*;

#[derive(Default)]
struct Stats {
    starts: AtomicU64,
    terminates: AtomicU64,
    /// `terminate` reasons other than `shutdown`.
    odd_terminates: AtomicU64,
    live: AtomicI64,
    calls: AtomicU64,
    replies: AtomicU64,
    exited_shutdown: AtomicU64,
    hung: AtomicU64,
    wrong: AtomicU64,
    unexpected: Mutex<BTreeMap<String, u64>>,
}

#[derive(Clone)]
struct Args {
    stats: Arc<Stats>,
}

struct Worker {
    stats: Arc<Stats>,
    rng: Rng,
    pending: Vec<(u64, ReplyTo<u64>)>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stats.live.fetch_sub(1, Ordering::SeqCst);
    }
}

#[derive(Clone, Copy)]
enum Mode {
    Now,
    Deferred,
    Continue,
    Slow,
}

enum Call {
    Echo(u64, Mode, ReplyTo<u64>),
}

impl Actor for Worker {
    type Args = Args;
    type Call = Call;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = ();

    async fn init(args: Args, _ctx: &mut Context<Self>) -> Init<Self> {
        args.stats.starts.fetch_add(1, Ordering::SeqCst);
        args.stats.live.fetch_add(1, Ordering::SeqCst);
        Init::Ok(Worker {
            stats: args.stats,
            rng: Rng::fresh(),
            pending: Vec::new(),
        })
    }

    async fn handle_call(&mut self, msg: Call, _ctx: &mut Context<Self>) -> Handled<Self> {
        let Call::Echo(tag, mode, reply_to) = msg;
        match mode {
            Mode::Now => {
                let _ = reply_to.send(tag);
            }
            Mode::Deferred => {
                let delay = Duration::from_micros(self.rng.below(3000));
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = reply_to.send(tag);
                });
            }
            Mode::Continue => {
                self.pending.push((tag, reply_to));
                return Handled::ContinueWith(());
            }
            Mode::Slow => {
                tokio::time::sleep(Duration::from_millis(1 + self.rng.below(3))).await;
                let _ = reply_to.send(tag);
            }
        }
        Handled::Continue
    }

    async fn handle_continue(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        for (tag, reply_to) in self.pending.drain(..) {
            let _ = reply_to.send(tag);
        }
        Handled::Continue
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        // Some graceful stops take a little while.
        if self.rng.below(10) == 0 {
            tokio::time::sleep(Duration::from_micros(self.rng.below(3000))).await;
        }
        if *reason != ExitReason::Shutdown {
            self.stats.odd_terminates.fetch_add(1, Ordering::SeqCst);
        }
        self.stats.terminates.fetch_add(1, Ordering::SeqCst);
    }
}

const GROUPS: [(Strategy, usize); 4] = [
    (Strategy::OneForOne, 200),
    (Strategy::RestForOne, 100),
    (Strategy::OneForAll, 50),
    (Strategy::OneForOne, 200),
];
const NESTED: usize = 4;
const NESTED_WORKERS: usize = 25;
const DYNAMIC: usize = 300;
const CALLERS: usize = 32;
const CALL_TIMEOUT: Duration = Duration::from_secs(10);
const HANG_MARGIN: Duration = Duration::from_secs(5);

fn workers(stats: &Arc<Stats>, n: usize) -> Vec<ChildSpec> {
    let args = Args {
        stats: stats.clone(),
    };
    (0..n)
        .map(|i| {
            ChildSpec::actor::<Worker>(format!("w{i}"), args.clone())
                .shutdown(ShutdownMode::Timeout(Duration::from_secs(30)))
        })
        .collect()
}

fn app(stats: &Arc<Stats>) -> SupervisorSpec {
    let mut spec = SupervisorSpec::new(Strategy::OneForOne).name("app");
    for (g, &(strategy, n)) in GROUPS.iter().enumerate() {
        spec = spec.child(ChildSpec::supervisor(
            format!("g{g}"),
            SupervisorSpec::new(strategy).children(workers(stats, n)),
        ));
    }
    let mut nested = SupervisorSpec::new(Strategy::OneForAll);
    for k in 0..NESTED {
        nested = nested.child(ChildSpec::supervisor(
            format!("n{k}"),
            SupervisorSpec::new(Strategy::OneForOne).children(workers(stats, NESTED_WORKERS)),
        ));
    }
    spec.child(ChildSpec::supervisor("nested", nested))
        .child(ChildSpec::supervisor("dyn", DynamicSupervisorSpec::new()))
}

/// Any worker of the app, through the supervisors' directories (`None` once it stopped).
fn pick(
    rng: &mut Rng,
    app: &SupervisorRef,
    dynamic: &[ActorRef<Worker>],
) -> Option<ActorRef<Worker>> {
    match rng.below(6) {
        0 => {
            let k = rng.below(NESTED as u64);
            let w = rng.below(NESTED_WORKERS as u64);
            app.child::<SupervisorRef>("nested")?
                .child::<SupervisorRef>(&format!("n{k}"))?
                .child(&format!("w{w}"))
        }
        1 if !dynamic.is_empty() => Some(dynamic[rng.below(dynamic.len() as u64) as usize].clone()),
        _ => {
            let g = rng.below(GROUPS.len() as u64) as usize;
            let w = rng.below(GROUPS[g].1 as u64);
            app.child::<SupervisorRef>(&format!("g{g}"))?
                .child(&format!("w{w}"))
        }
    }
}

async fn caller(
    seed: u64,
    app: SupervisorRef,
    dynamic: Arc<Vec<ActorRef<Worker>>>,
    stats: Arc<Stats>,
    done: Arc<AtomicBool>,
) {
    static TAGS: AtomicU64 = AtomicU64::new(1);
    let mut rng = Rng::new(seed);
    // A handle kept from before the shutdown: calls through it must fail cleanly after.
    let mut kept: Option<ActorRef<Worker>> = None;
    // Go on until the app has stopped, then a few more calls on stale handles.
    let mut after = 0;
    while after < 20 {
        if done.load(Ordering::Relaxed) {
            after += 1;
        }
        let target = if rng.below(4) == 0 || done.load(Ordering::Relaxed) {
            kept.clone()
        } else {
            pick(&mut rng, &app, &dynamic)
        };
        let Some(target) = target else {
            tokio::task::yield_now().await;
            continue;
        };
        kept = Some(target.clone());
        let tag = TAGS.fetch_add(1, Ordering::Relaxed);
        let mode = match rng.below(4) {
            0 => Mode::Now,
            1 => Mode::Deferred,
            2 => Mode::Continue,
            _ => Mode::Slow,
        };
        stats.calls.fetch_add(1, Ordering::Relaxed);
        let call = target.call_timeout(CALL_TIMEOUT, |r| Call::Echo(tag, mode, r));
        match tokio::time::timeout(CALL_TIMEOUT + HANG_MARGIN, call).await {
            Err(_) => {
                stats.hung.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Ok(got)) => {
                stats.replies.fetch_add(1, Ordering::Relaxed);
                if got != tag {
                    stats.wrong.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Err(CallError::Exited(ExitReason::Shutdown))) => {
                stats.exited_shutdown.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Err(e)) => {
                *stats.unexpected.lock().entry(format!("{e:?}")).or_default() += 1;
            }
        }
    }
}

async fn round(round: u64, stats: &Arc<Stats>, within: Duration) {
    let app_ref = app(stats).start().await.expect("the app starts");
    let dynamic = app_ref.child::<DynamicSupervisorRef>("dyn").unwrap();
    let mut dyn_workers = Vec::new();
    for _ in 0..DYNAMIC {
        let args = Args {
            stats: stats.clone(),
        };
        let spec = ChildSpec::actor::<Worker>("", args)
            .shutdown(ShutdownMode::Timeout(Duration::from_secs(30)));
        let cell = dynamic
            .start_child(spec)
            .await
            .unwrap()
            .unwrap()
            .into_cell();
        dyn_workers.push(cell.downcast::<Worker>().unwrap());
    }
    let dyn_workers = Arc::new(dyn_workers);
    let done = Arc::new(AtomicBool::new(false));
    let callers: Vec<_> = (0..CALLERS)
        .map(|i| {
            tokio::spawn(caller(
                soak_seed() ^ (round * 1000 + i as u64 + 1),
                app_ref.clone(),
                dyn_workers.clone(),
                stats.clone(),
                done.clone(),
            ))
        })
        .collect();
    // Shut down at a random moment while calls are in flight.
    let mut rng = Rng::new(soak_seed() ^ round);
    let when = within.mul_f64(0.2 + 0.8 * (rng.below(1000) as f64 / 1000.0));
    tokio::time::sleep(when).await;
    let in_flight = stats.calls.load(Ordering::Relaxed)
        - stats.replies.load(Ordering::Relaxed)
        - stats.exited_shutdown.load(Ordering::Relaxed);
    let reason = app_ref.shutdown().await;
    assert_eq!(reason, ExitReason::Shutdown, "the app's exit reason");
    assert_eq!(dynamic.cell().exit_reason(), Some(ExitReason::Shutdown));
    done.store(true, Ordering::SeqCst);
    for c in callers {
        c.await.expect("a caller panicked");
    }
    println!(
        "soak_shutdown round {round}: shut down after {when:?} with ~{in_flight} calls in flight"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_shutdown_under_load() {
    let within = soak_duration(Duration::from_secs(1));
    let rounds: u64 = std::env::var("ARBOR_SHUTDOWN_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let metrics = tokio::runtime::Handle::current().metrics();
    let tasks_before = metrics.num_alive_tasks();
    let stats = Arc::new(Stats::default());
    for r in 0..rounds {
        round(r, &stats, within).await;
    }
    let no_actor_left = eventually(Duration::from_secs(10), || {
        stats.live.load(Ordering::SeqCst) == 0
    })
    .await;
    let no_task_left = eventually(Duration::from_secs(10), || {
        metrics.num_alive_tasks() == tasks_before
    })
    .await;
    let unexpected = stats.unexpected.lock().clone();
    let starts = stats.starts.load(Ordering::SeqCst);
    let terminates = stats.terminates.load(Ordering::SeqCst);
    println!(
        "soak_shutdown: {rounds} rounds, {starts} workers started, {terminates} terminated \
         ({} not with shutdown), calls {} (replies {}, exited with shutdown {}), hung {}, \
         wrong {}, unexpected {unexpected:?}, tasks before/after {tasks_before}/{}, live \
         workers after {}",
        stats.odd_terminates.load(Ordering::SeqCst),
        stats.calls.load(Ordering::Relaxed),
        stats.replies.load(Ordering::Relaxed),
        stats.exited_shutdown.load(Ordering::Relaxed),
        stats.hung.load(Ordering::Relaxed),
        stats.wrong.load(Ordering::Relaxed),
        metrics.num_alive_tasks(),
        stats.live.load(Ordering::SeqCst),
    );
    assert_eq!(stats.hung.load(Ordering::Relaxed), 0, "hung callers");
    assert_eq!(stats.wrong.load(Ordering::Relaxed), 0, "wrong replies");
    assert!(
        unexpected.is_empty(),
        "unexpected call results: {unexpected:?}"
    );
    assert_eq!(
        terminates, starts,
        "terminate must run once for every worker"
    );
    assert_eq!(stats.odd_terminates.load(Ordering::SeqCst), 0);
    assert!(
        stats.exited_shutdown.load(Ordering::Relaxed) > 0,
        "no call met the shutdown"
    );
    assert!(no_actor_left, "workers left");
    assert!(no_task_left, "tasks left");
}

//! Fault injection soak: a supervision tree of a few thousand actors under random panics in
//! every callback kind (init, call, cast, info, continue, terminate, and tasks holding a
//! deferred `ReplyTo`), random kills of workers and supervisors, and a steady load of tagged
//! calls. Invariants checked throughout:
//!
//! - every call returns (a reply or an error) no later than its timeout: each call is wrapped
//!   in an outer timeout of call timeout + margin; a call that outlives it is a hung caller;
//! - every reply carries its own request's tag (no reply reaches the wrong caller);
//! - a call to an actor that had already exited fails at once (never with `Timeout`);
//! - no mailbox ever holds more than its capacity;
//! - restart intensity: a supervisor whose child crashes in a loop restarts it exactly
//!   `max_restarts` times, then exits with `shutdown` (escalates), every time;
//! - the root never escalates (its intensity is generous), and after it shuts down no actor
//!   state and no task is left (tokio's `num_alive_tasks` back to its value before).
//!
//! Runs for `ARBOR_SOAK_SECS` (default 3 s); `ARBOR_SOAK_SEED` picks the faults. Figures are
//! printed with `--nocapture`.

mod soak_common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{
    ChildSpec, DynamicSupervisorRef, DynamicSupervisorSpec, Strategy, SupervisorRef, SupervisorSpec,
};
use parking_lot::Mutex;
use soak_common::*;

// ---- fault plan and figures ---------------------------------------------------------------

/// Callback kinds that can panic.
#[derive(Clone, Copy, Debug)]
enum Fault {
    Init,
    Call,
    Cast,
    Info,
    Continue,
    Terminate,
    /// A task holding a deferred `ReplyTo`.
    ReplyTask,
}

const FAULT_KINDS: usize = 7;
const FAULT_NAMES: [&str; FAULT_KINDS] = [
    "init",
    "call",
    "cast",
    "info",
    "continue",
    "terminate",
    "reply-task",
];

/// Probability of a panic per callback, per million.
fn fault_rate(f: Fault) -> u64 {
    match f {
        Fault::Init => 5_000,
        Fault::Call => 3_000,
        Fault::Cast => 10_000,
        Fault::Info => 5_000,
        Fault::Continue => 10_000,
        Fault::Terminate => 50_000,
        Fault::ReplyTask => 10_000,
    }
}

#[derive(Default)]
struct Stats {
    /// Faults are injected only once the tree has started.
    armed: AtomicBool,
    faults: [AtomicU64; FAULT_KINDS],
    starts: AtomicU64,
    terminates: AtomicU64,
    /// Live worker states.
    live: AtomicI64,
    kills: AtomicU64,
    calls: AtomicU64,
    replies: AtomicU64,
    errors: Mutex<HashMap<&'static str, u64>>,
    hung: AtomicU64,
    wrong_reply: AtomicU64,
    late_error: AtomicU64,
    mailbox_checks: AtomicU64,
    mailbox_over: AtomicU64,
    casts: AtomicU64,
}

impl Stats {
    fn fault(&self, f: Fault) {
        self.faults[f as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn error(&self, e: &CallError) {
        let name = match e {
            CallError::Timeout => "timeout",
            CallError::CallingSelf => "calling-self",
            CallError::Deadlock { .. } => "deadlock",
            CallError::Exited(_) => "exited",
            CallError::MailboxFull => "mailbox-full",
            CallError::NoReply => "no-reply",
            CallError::Remote(_) => "remote",
        };
        *self.errors.lock().entry(name).or_default() += 1;
    }
}

// ---- the chaos worker ---------------------------------------------------------------------

#[derive(Clone)]
struct WorkerArgs {
    stats: Arc<Stats>,
    faults: bool,
}

struct Worker {
    stats: Arc<Stats>,
    rng: Rng,
    faults: bool,
    /// Calls answered from `handle_continue`.
    pending: Vec<(u64, ReplyTo<u64>)>,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stats.live.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Worker {
    fn maybe_panic(&mut self, f: Fault) {
        if self.faults && self.stats.armed.load(Ordering::Relaxed) && self.rng.chance(fault_rate(f))
        {
            self.stats.fault(f);
            panic!("soak-fault in {}", FAULT_NAMES[f as usize]);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    Now,
    /// A spawned task answers after up to 2 ms.
    Deferred,
    /// Answered from `handle_continue`.
    Continue,
    /// The handler sleeps 1 ms first.
    Slow,
}

enum WorkerCall {
    Echo {
        tag: u64,
        mode: Mode,
        reply_to: ReplyTo<u64>,
    },
}

enum WorkerCast {
    Poke,
}

enum WorkerInfo {
    Tick,
}

impl Actor for Worker {
    type Args = WorkerArgs;
    type Call = WorkerCall;
    type Cast = WorkerCast;
    type Info = WorkerInfo;
    type Continue = ();

    async fn init(args: WorkerArgs, ctx: &mut Context<Self>) -> Init<Self> {
        let mut rng = Rng::fresh();
        if args.faults
            && args.stats.armed.load(Ordering::Relaxed)
            && rng.chance(fault_rate(Fault::Init))
        {
            args.stats.fault(Fault::Init);
            panic!("soak-fault in init");
        }
        args.stats.starts.fetch_add(1, Ordering::Relaxed);
        args.stats.live.fetch_add(1, Ordering::SeqCst);
        ctx.send_after(Duration::from_millis(5 + rng.below(50)), WorkerInfo::Tick);
        let worker = Worker {
            stats: args.stats,
            rng,
            faults: args.faults,
            pending: Vec::new(),
        };
        Init::Continue(worker, ())
    }

    async fn handle_call(&mut self, msg: WorkerCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let WorkerCall::Echo {
            tag,
            mode,
            reply_to,
        } = msg;
        self.maybe_panic(Fault::Call);
        match mode {
            Mode::Now => {
                let _ = reply_to.send(tag);
            }
            Mode::Deferred => {
                let delay = Duration::from_micros(self.rng.below(2000));
                let panic = self.faults
                    && self.stats.armed.load(Ordering::Relaxed)
                    && self.rng.chance(fault_rate(Fault::ReplyTask));
                let stats = self.stats.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    if panic {
                        stats.fault(Fault::ReplyTask);
                        let _held = reply_to;
                        panic!("soak-fault in reply-task");
                    }
                    let _ = reply_to.send(tag);
                });
            }
            Mode::Continue => {
                self.pending.push((tag, reply_to));
                return Handled::ContinueWith(());
            }
            Mode::Slow => {
                tokio::time::sleep(Duration::from_millis(1)).await;
                let _ = reply_to.send(tag);
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, _msg: WorkerCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.stats.casts.fetch_add(1, Ordering::Relaxed);
        self.maybe_panic(Fault::Cast);
        Handled::Continue
    }

    async fn handle_info(&mut self, _msg: WorkerInfo, ctx: &mut Context<Self>) -> Handled<Self> {
        self.maybe_panic(Fault::Info);
        ctx.send_after(
            Duration::from_millis(5 + self.rng.below(50)),
            WorkerInfo::Tick,
        );
        Handled::Continue
    }

    async fn handle_continue(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        self.maybe_panic(Fault::Continue);
        for (tag, reply_to) in self.pending.drain(..) {
            let _ = reply_to.send(tag);
        }
        Handled::Continue
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.stats.terminates.fetch_add(1, Ordering::Relaxed);
        self.maybe_panic(Fault::Terminate);
    }
}

// ---- the storm: a child that always crashes -----------------------------------------------

/// Starts of the crasher, by the supervisor incarnation that started it.
type StormLog = Arc<Mutex<HashMap<ActorId, u32>>>;

struct Crasher;

impl Actor for Crasher {
    type Args = StormLog;
    type Call = std::convert::Infallible;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = ();

    async fn init(log: StormLog, ctx: &mut Context<Self>) -> Init<Self> {
        let parent = ctx.ancestors().parent().expect("a supervised crasher");
        *log.lock().entry(parent).or_default() += 1;
        Init::Continue(Crasher, ())
    }

    async fn handle_continue(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        tokio::time::sleep(Duration::from_millis(5)).await;
        panic!("soak-fault storm");
    }
}

const STORM_MAX_RESTARTS: u32 = 3;

// ---- the test -----------------------------------------------------------------------------

const GROUPS: [(Strategy, usize); 6] = [
    (Strategy::OneForOne, 300),
    (Strategy::OneForOne, 300),
    (Strategy::OneForOne, 300),
    (Strategy::RestForOne, 100),
    (Strategy::OneForAll, 16),
    (Strategy::OneForOne, 300),
];
const DYNAMIC_CHILDREN: usize = 500;
const CALLERS: usize = 24;
const CALL_TIMEOUT: Duration = Duration::from_millis(250);
/// How far past its own timeout a call may return before it counts as hung (the machine
/// may be loaded).
const HANG_MARGIN: Duration = Duration::from_secs(3);

fn group_spec(stats: &Arc<Stats>, strategy: Strategy, n: usize) -> SupervisorSpec {
    let args = WorkerArgs {
        stats: stats.clone(),
        faults: true,
    };
    SupervisorSpec::new(strategy)
        .intensity(100_000, Duration::from_secs(1))
        .children((0..n).map(|i| {
            ChildSpec::actor::<Worker>(format!("w{i}"), args.clone())
                .shutdown(ShutdownMode::Timeout(Duration::from_secs(1)))
        }))
}

/// The workers callers can reach right now.
#[derive(Default)]
struct Targets {
    dynamic: Mutex<Vec<ActorRef<Worker>>>,
}

fn pick_target(rng: &mut Rng, root: &SupervisorRef, targets: &Targets) -> Option<ActorRef<Worker>> {
    if rng.below(4) == 0 {
        let dynamic = targets.dynamic.lock();
        if dynamic.is_empty() {
            return None;
        }
        return Some(dynamic[rng.below(dynamic.len() as u64) as usize].clone());
    }
    let g = rng.below(GROUPS.len() as u64) as usize;
    let group = root.child::<SupervisorRef>(&format!("g{g}"))?;
    let w = rng.below(GROUPS[g].1 as u64);
    group.child::<ActorRef<Worker>>(&format!("w{w}"))
}

async fn caller(
    seed: u64,
    root: SupervisorRef,
    targets: Arc<Targets>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) {
    static TAGS: AtomicU64 = AtomicU64::new(1);
    let mut rng = Rng::new(seed);
    while !stop.load(Ordering::Relaxed) {
        let Some(target) = pick_target(&mut rng, &root, &targets) else {
            tokio::task::yield_now().await;
            continue;
        };
        if rng.below(8) == 0 {
            let _ = target.try_cast(WorkerCast::Poke);
            continue;
        }
        let tag = TAGS.fetch_add(1, Ordering::Relaxed);
        let mode = match rng.below(4) {
            0 => Mode::Now,
            1 => Mode::Deferred,
            2 => Mode::Continue,
            _ => Mode::Slow,
        };
        let was_dead = !target.is_alive();
        let started = tokio::time::Instant::now();
        stats.calls.fetch_add(1, Ordering::Relaxed);
        let call = target.call_timeout(CALL_TIMEOUT, |reply_to| WorkerCall::Echo {
            tag,
            mode,
            reply_to,
        });
        match tokio::time::timeout(CALL_TIMEOUT + HANG_MARGIN, call).await {
            Err(_) => {
                stats.hung.fetch_add(1, Ordering::Relaxed);
            }
            Ok(Ok(got)) => {
                stats.replies.fetch_add(1, Ordering::Relaxed);
                if got != tag {
                    stats.wrong_reply.fetch_add(1, Ordering::Relaxed);
                }
            }
            Ok(Err(e)) => {
                if was_dead && e == CallError::Timeout {
                    stats.late_error.fetch_add(1, Ordering::Relaxed);
                }
                if e == CallError::Timeout && std::env::var_os("SOAK_DEBUG").is_some() {
                    eprintln!(
                        "timeout: mode {mode:?}, alive {}, mailbox {}, took {:?}",
                        target.is_alive(),
                        target.mailbox_len(),
                        started.elapsed()
                    );
                }
                stats.error(&e);
            }
        }
    }
}

/// Kills or stops 1 to 4 random workers (and now and then a whole group supervisor) every
/// millisecond.
async fn chaos(
    seed: u64,
    root: SupervisorRef,
    targets: Arc<Targets>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) {
    let mut rng = Rng::new(seed);
    while !stop.load(Ordering::Relaxed) {
        tokio::time::sleep(Duration::from_millis(1)).await;
        if rng.below(200) == 0 {
            let g = rng.below(GROUPS.len() as u64);
            if let Some(group) = root.child::<ActorCell>(&format!("g{g}")) {
                group.kill();
                stats.kills.fetch_add(1, Ordering::Relaxed);
            }
            continue;
        }
        for _ in 0..1 + rng.below(4) {
            if let Some(target) = pick_target(&mut rng, &root, &targets) {
                if rng.below(3) == 0 {
                    target.cell().request_stop(ExitReason::error("soak stop"));
                } else {
                    target.cell().kill();
                }
                stats.kills.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Refreshes the dynamic workers' handles; checks every mailbox against its capacity.
async fn watcher(
    root: SupervisorRef,
    dynamic: DynamicSupervisorRef,
    targets: Arc<Targets>,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        if let Ok(children) = dynamic.which_children().await {
            let children: Vec<ActorCell> =
                children.iter().filter_map(|c| c.cell().cloned()).collect();
            let refs: Vec<ActorRef<Worker>> =
                children.iter().filter_map(ActorCell::downcast).collect();
            for cell in &children {
                check_mailbox(cell, &stats);
            }
            *targets.dynamic.lock() = refs;
        }
        for (g, &(_, n)) in GROUPS.iter().enumerate() {
            if let Some(group) = root.child::<SupervisorRef>(&format!("g{g}")) {
                for w in 0..n {
                    if let Some(cell) = group.child::<ActorCell>(&format!("w{w}")) {
                        check_mailbox(&cell, &stats);
                    }
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn check_mailbox(cell: &ActorCell, stats: &Stats) {
    stats.mailbox_checks.fetch_add(1, Ordering::Relaxed);
    if let Some(cap) = cell.mailbox_config().capacity()
        && cell.mailbox_len() > cap
    {
        stats.mailbox_over.fetch_add(1, Ordering::Relaxed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_faults() {
    quiet_panics("soak-fault");
    let duration = soak_duration(Duration::from_secs(3));
    let seed = soak_seed();
    let tasks_before = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let stats = Arc::new(Stats::default());
    let storm_log: StormLog = Arc::default();

    let mut root_spec = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(1_000_000, Duration::from_secs(1))
        .name("root");
    for (g, &(strategy, n)) in GROUPS.iter().enumerate() {
        root_spec = root_spec.child(ChildSpec::supervisor(
            format!("g{g}"),
            group_spec(&stats, strategy, n),
        ));
    }
    root_spec = root_spec
        .child(ChildSpec::supervisor(
            "dyn",
            DynamicSupervisorSpec::new().intensity(100_000, Duration::from_secs(1)),
        ))
        .child(ChildSpec::supervisor(
            "storm",
            SupervisorSpec::new(Strategy::OneForOne)
                .intensity(STORM_MAX_RESTARTS, Duration::from_secs(60))
                .child(ChildSpec::actor::<Crasher>("crasher", storm_log.clone())),
        ));
    let root = root_spec.start().await.expect("the tree starts");
    let dynamic = root.child::<DynamicSupervisorRef>("dyn").unwrap();
    let worker = WorkerArgs {
        stats: stats.clone(),
        faults: true,
    };
    for _ in 0..DYNAMIC_CHILDREN {
        // A start may fail (an injected init panic): that is fine.
        let _ = dynamic
            .start_child(ChildSpec::anonymous::<Worker>(worker.clone()))
            .await;
    }

    stats.armed.store(true, Ordering::SeqCst);
    let stop = Arc::new(AtomicBool::new(false));
    let targets = Arc::new(Targets::default());
    let mut handles = Vec::new();
    for i in 0..CALLERS {
        handles.push(tokio::spawn(caller(
            seed ^ (i as u64 + 1),
            root.clone(),
            targets.clone(),
            stats.clone(),
            stop.clone(),
        )));
    }
    handles.push(tokio::spawn(chaos(
        seed ^ 0xc4a05,
        root.clone(),
        targets.clone(),
        stats.clone(),
        stop.clone(),
    )));
    handles.push(tokio::spawn(watcher(
        root.clone(),
        dynamic.clone(),
        targets.clone(),
        stats.clone(),
        stop.clone(),
    )));

    tokio::time::sleep(duration).await;
    stop.store(true, Ordering::SeqCst);
    for h in handles {
        h.await.expect("a soak task panicked");
    }
    assert!(
        root.cell().is_alive(),
        "the root escalated: {:?}",
        root.cell().exit_reason()
    );
    drop(dynamic);
    targets.dynamic.lock().clear();
    let reason = root.shutdown().await;
    assert_eq!(reason, ExitReason::Shutdown);
    drop(root);

    let no_actor_left = eventually(Duration::from_secs(10), || {
        stats.live.load(Ordering::SeqCst) == 0
    })
    .await;
    let metrics = tokio::runtime::Handle::current().metrics();
    let no_task_left = eventually(Duration::from_secs(10), || {
        metrics.num_alive_tasks() == tasks_before
    })
    .await;

    // Every storm supervisor but the last (stopped by the shutdown) restarted its crasher
    // exactly max_restarts times, then escalated.
    let storm = storm_log.lock().clone();
    let mut storm_counts: Vec<u32> = storm.values().copied().collect();
    storm_counts.sort_unstable();
    let escalated = storm_counts
        .iter()
        .filter(|&&n| n == STORM_MAX_RESTARTS + 1)
        .count();

    let faults: Vec<String> = FAULT_NAMES
        .iter()
        .zip(&stats.faults)
        .map(|(name, n)| format!("{name} {}", n.load(Ordering::Relaxed)))
        .collect();
    let total_faults: u64 = stats.faults.iter().map(|n| n.load(Ordering::Relaxed)).sum();
    let errors = stats.errors.lock().clone();
    println!(
        "soak_faults: {:.1} s, {} actor starts, {} terminates, faults injected {} ({}), kills {}, \
         calls {} (replies {}, errors {:?}), casts handled {}, hung {}, wrong replies {}, \
         late errors {}, mailbox checks {} (over capacity {}), storm escalations {} of {} \
         incarnations, tasks before/after {}/{}, live actors after {}",
        duration.as_secs_f64(),
        stats.starts.load(Ordering::Relaxed),
        stats.terminates.load(Ordering::Relaxed),
        total_faults,
        faults.join(", "),
        stats.kills.load(Ordering::Relaxed),
        stats.calls.load(Ordering::Relaxed),
        stats.replies.load(Ordering::Relaxed),
        errors,
        stats.casts.load(Ordering::Relaxed),
        stats.hung.load(Ordering::Relaxed),
        stats.wrong_reply.load(Ordering::Relaxed),
        stats.late_error.load(Ordering::Relaxed),
        stats.mailbox_checks.load(Ordering::Relaxed),
        stats.mailbox_over.load(Ordering::Relaxed),
        escalated,
        storm_counts.len(),
        tasks_before,
        metrics.num_alive_tasks(),
        stats.live.load(Ordering::SeqCst),
    );

    assert_eq!(stats.hung.load(Ordering::Relaxed), 0, "hung callers");
    assert_eq!(
        stats.wrong_reply.load(Ordering::Relaxed),
        0,
        "replies to the wrong caller"
    );
    assert_eq!(
        stats.late_error.load(Ordering::Relaxed),
        0,
        "calls to dead actors timed out"
    );
    assert_eq!(
        stats.mailbox_over.load(Ordering::Relaxed),
        0,
        "a mailbox over capacity"
    );
    assert!(
        stats.replies.load(Ordering::Relaxed) > 0,
        "no call was answered"
    );
    assert!(total_faults > 0, "no fault was injected");
    assert!(no_actor_left, "actors left after the shutdown");
    assert!(no_task_left, "tasks left after the shutdown");
    // All storm incarnations escalated after exactly max_restarts restarts, except the last
    // one, which the shutdown may have stopped earlier.
    assert!(
        storm_counts.len() >= 2,
        "the storm supervisor never escalated"
    );
    assert!(
        storm_counts.len() - escalated <= 1,
        "storm supervisors with unexpected restart counts: {storm_counts:?}"
    );
}

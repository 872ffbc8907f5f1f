//! Model-based property tests of static supervisors.
//!
//! A small pure reference model of OTP's `supervisor` (strategies, restart types, the
//! intensity sliding window, significant children and auto-shutdown, failed restarts and
//! `try_again_restart`, administration calls) runs side by side with the real runtime. Each
//! case is a random supervision tree (nested supervisors up to three levels) and a random
//! schedule of faults and calls:
//!
//! - crashes (a panic in a handler), normal exits, `shutdown` / `{shutdown, _}` exits, error
//!   exits and kills of running workers, and stops and kills of nested supervisors;
//! - starts that fail (the next `n` starts of a worker fail);
//! - `terminate_child`, `restart_child`, `delete_child`, `start_child` (valid and invalid
//!   specs, duplicate ids, ids that do not exist);
//! - time passing (tokio's paused clock), which slides the intensity windows.
//!
//! The probes record every start, failed start and `terminate` on a channel. After each step
//! the test waits for the whole system to be idle (the paused clock only moves when no task
//! can run), then checks that the events, the answers of the administration calls, every
//! live supervisor's `which_children`, and the root's exit (escalation) are those of the
//! model. At the end the root is shut down and no actor or task may be left.
//!
//! `PROPTEST_CASES` sets the number of cases (200 by default); figures are printed with
//! `--nocapture`.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{
    AutoShutdown, ChildError, ChildSpec, ChildStatus, Restart, SpecError, StartChildError,
    Strategy as SupStrategy, SupervisorRef, SupervisorSpec,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use tokio::sync::mpsc;
use tokio::time::Instant;

// ---- the probe worker ---------------------------------------------------------------------

/// What a probe reports.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ev {
    /// A worker started: its name and incarnation (1, 2, ...).
    Started(Arc<str>, u32),
    StartFailed(Arc<str>),
    /// `terminate` ran: name, incarnation, reason.
    Terminated(Arc<str>, u32, ExitReason),
}

#[derive(Clone)]
struct WorkerArgs {
    name: Arc<str>,
    ignore: bool,
    /// While > 0, each start fails and decrements it.
    fail: Arc<AtomicU32>,
    /// Successful starts of this worker so far (its incarnations).
    starts: Arc<AtomicU32>,
    events: mpsc::UnboundedSender<Ev>,
    /// Live probe states (incremented by `init`, decremented on drop).
    live: Arc<AtomicI64>,
}

struct Worker {
    args: WorkerArgs,
    incarnation: u32,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.args.live.fetch_sub(1, Ordering::SeqCst);
    }
}

enum WorkerCast {
    Panic,
    Stop(ExitReason),
}

impl Actor for Worker {
    type Args = WorkerArgs;
    type Call = std::convert::Infallible;
    type Cast = WorkerCast;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(args: WorkerArgs, _ctx: &mut Context<Self>) -> Init<Self> {
        let failing = args
            .fail
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            let _ = args.events.send(Ev::StartFailed(args.name.clone()));
            return Init::Stop(ExitReason::error("start failed"));
        }
        if args.ignore {
            return Init::Ignore;
        }
        args.live.fetch_add(1, Ordering::SeqCst);
        let incarnation = args.starts.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = args
            .events
            .send(Ev::Started(args.name.clone(), incarnation));
        Init::Ok(Worker { args, incarnation })
    }

    async fn handle_cast(&mut self, msg: WorkerCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            WorkerCast::Panic => panic!("model-crash {}", self.args.name),
            WorkerCast::Stop(reason) => Handled::Stop(reason),
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        let _ = self.args.events.send(Ev::Terminated(
            self.args.name.clone(),
            self.incarnation,
            reason.clone(),
        ));
    }
}

fn crash_reason(name: &str) -> ExitReason {
    ExitReason::panic(format!("model-crash {name}"))
}

// ---- trees and schedules ------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Kind {
    Worker { ignore: bool },
    Sup(SupDef),
}

#[derive(Clone, Debug)]
struct ChildDef {
    id: Arc<str>,
    kind: Kind,
    restart: Restart,
    /// `brutal_kill` (else: 5 s for workers, infinity for supervisors).
    brutal: bool,
    significant: bool,
}

#[derive(Clone, Debug)]
struct SupDef {
    strategy: SupStrategy,
    max_restarts: u32,
    period_ms: u64,
    auto: AutoShutdown,
    children: Vec<ChildDef>,
}

#[derive(Clone, Copy, Debug)]
enum How {
    Panic,
    Normal,
    Shutdown,
    ShutdownWith,
    Error,
    Kill,
}

#[derive(Clone, Debug)]
enum Op {
    /// A running worker or nested supervisor (chosen by index) exits.
    Exit {
        target: usize,
        how: How,
    },
    /// The next `n` starts of a worker fail.
    FailNext {
        worker: usize,
        n: u32,
    },
    Terminate {
        sup: usize,
        child: usize,
    },
    Restart {
        sup: usize,
        child: usize,
    },
    Delete {
        sup: usize,
        child: usize,
    },
    /// `start_child` of a new worker, or (`reuse`) of a spec whose id exists.
    StartChild {
        sup: usize,
        child: usize,
        reuse: bool,
        restart: Restart,
        significant: bool,
        ignore: bool,
        brutal: bool,
    },
    /// Tokio's paused clock moves on.
    Advance {
        ms: u64,
    },
    /// The clock moves to just before, at, or just after (`delta_ms`) the moment the oldest
    /// restart in a supervisor's window leaves it.
    Edge {
        sup: usize,
        delta_ms: i64,
    },
}

fn restart_strategy() -> impl Strategy<Value = Restart> {
    prop_oneof![
        2 => Just(Restart::Permanent),
        2 => Just(Restart::Transient),
        1 => Just(Restart::Temporary),
    ]
}

fn how_strategy() -> impl Strategy<Value = How> {
    prop_oneof![
        3 => Just(How::Panic),
        1 => Just(How::Normal),
        1 => Just(How::Shutdown),
        1 => Just(How::ShutdownWith),
        1 => Just(How::Error),
        2 => Just(How::Kill),
    ]
}

fn child_strategy(depth: u32) -> BoxedStrategy<ChildDef> {
    let worker = (any::<u8>()).prop_map(|b| Kind::Worker {
        ignore: b % 10 == 0,
    });
    let kind = if depth == 0 {
        worker.boxed()
    } else {
        prop_oneof![3 => worker, 1 => sup_strategy(depth - 1).prop_map(Kind::Sup)].boxed()
    };
    (kind, restart_strategy(), any::<bool>(), any::<bool>())
        .prop_map(|(kind, restart, brutal, significant)| ChildDef {
            id: "".into(),
            kind,
            restart,
            brutal,
            significant,
        })
        .boxed()
}

fn sup_strategy(depth: u32) -> BoxedStrategy<SupDef> {
    let strategy = prop_oneof![
        Just(SupStrategy::OneForOne),
        Just(SupStrategy::OneForAll),
        Just(SupStrategy::RestForOne),
    ];
    let auto = prop_oneof![
        2 => Just(AutoShutdown::Never),
        1 => Just(AutoShutdown::AnySignificant),
        1 => Just(AutoShutdown::AllSignificant),
    ];
    (
        strategy,
        prop_oneof![1 => Just(0u32), 1 => Just(1), 4 => 2u32..6],
        prop_oneof![Just(1000u64), Just(5000), Just(20_000)],
        auto,
        prop::collection::vec(child_strategy(depth), 1..5),
    )
        .prop_map(
            |(strategy, max_restarts, period_ms, auto, children)| SupDef {
                strategy,
                max_restarts,
                period_ms,
                auto,
                children,
            },
        )
        .boxed()
}

/// Gives every child a unique id and keeps `significant` only where OTP allows it.
fn fix_tree(def: &mut SupDef, next: &mut (u32, u32)) {
    for c in &mut def.children {
        c.significant &= c.restart != Restart::Permanent && def.auto != AutoShutdown::Never;
        match &mut c.kind {
            Kind::Worker { .. } => {
                c.id = format!("w{}", next.0).into();
                next.0 += 1;
            }
            Kind::Sup(sub) => {
                c.id = format!("s{}", next.1).into();
                next.1 += 1;
                fix_tree(sub, next);
            }
        }
    }
}

fn tree_strategy() -> impl Strategy<Value = SupDef> {
    // The root tolerates more restarts: most cases should run their whole schedule.
    (sup_strategy(2), 0u32..12).prop_map(|(mut def, root_max)| {
        def.max_restarts = root_max;
        fix_tree(&mut def, &mut (0, 0));
        def
    })
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let sel = 0usize..64;
    prop_oneof![
        8 => (sel.clone(), how_strategy()).prop_map(|(target, how)| Op::Exit { target, how }),
        2 => (sel.clone(), 1u32..4).prop_map(|(worker, n)| Op::FailNext { worker, n }),
        1 => (sel.clone(), sel.clone()).prop_map(|(sup, child)| Op::Terminate { sup, child }),
        1 => (sel.clone(), sel.clone()).prop_map(|(sup, child)| Op::Restart { sup, child }),
        1 => (sel.clone(), sel.clone()).prop_map(|(sup, child)| Op::Delete { sup, child }),
        1 => (
            sel.clone(),
            sel.clone(),
            prop::bool::weighted(0.2),
            restart_strategy(),
            prop::bool::weighted(0.3),
            prop::bool::weighted(0.1),
            any::<bool>()
        )
            .prop_map(|(sup, child, reuse, restart, significant, ignore, brutal)| {
                Op::StartChild {
                    sup,
                    child,
                    reuse,
                    restart,
                    significant,
                    ignore,
                    brutal,
                }
            }),
        4 => prop_oneof![Just(10u64), Just(500), Just(1000), Just(4000), Just(30_000)]
            .prop_map(|ms| Op::Advance { ms }),
        2 => (sel.clone(), -1i64..=1).prop_map(|(sup, delta_ms)| Op::Edge { sup, delta_ms }),
    ]
}

// ---- the reference model ------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum St {
    Running,
    Stopped,
    Restarting,
}

#[derive(Debug)]
struct MChild {
    def: ChildDef,
    state: St,
    /// The running nested supervisor.
    sub: Option<MSup>,
    /// The running worker's incarnation.
    inc: u32,
}

#[derive(Debug)]
struct MSup {
    def: SupDef,
    children: Vec<MChild>,
    /// Times of the restarts in the window.
    window: VecDeque<Duration>,
}

/// What the model's actions share: the clock, the failing starts, the events produced.
struct Env {
    now: Duration,
    fails: HashMap<Arc<str>, u32>,
    starts: HashMap<Arc<str>, u32>,
    /// Events in the order the supervisors cause them.
    events: Vec<Ev>,
    /// Events of orphaned subtrees (the children of a killed supervisor's child
    /// supervisors, stopped by them concurrently with everything else): order not checked.
    orphans: Vec<Ev>,
    /// Set while the model follows an orphaned subtree.
    orphan: bool,
}

/// The outcome of a restart by the strategy.
enum Restarted {
    Done,
    /// The supervisor stops (intensity exceeded).
    Stop(ExitReason),
    /// A start failed; the supervisor retries this child through its mailbox.
    Retry(Arc<str>),
}

/// An administration call's answer, reduced to what both sides can say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Ok,
    OkRunning,
    OkIgnored,
    NotFound,
    Running,
    Restarting,
    Failed,
    AlreadyStarted,
    AlreadyPresent,
    InvalidSignificantPermanent,
    InvalidSignificantNever,
    Other,
}

impl Env {
    fn push(&mut self, ev: Ev) {
        if self.orphan {
            self.orphans.push(ev);
        } else {
            self.events.push(ev);
        }
    }

    /// A supervisor is killed: its workers die with it (no terminate); its child
    /// supervisors trap exits, so they get the exit signal from their parent and stop their
    /// own children gracefully, each on its own (OTP does the same).
    fn kill_sup(&mut self, s: &mut MSup) {
        for c in &mut s.children {
            if let Some(mut sub) = c.sub.take() {
                let was = std::mem::replace(&mut self.orphan, true);
                self.stop_all(&mut sub);
                self.orphan = was;
            }
            c.state = St::Stopped;
        }
    }

    fn start_sup(&mut self, def: &SupDef) -> Result<MSup, ()> {
        let mut s = MSup {
            def: def.clone(),
            children: Vec::new(),
            window: VecDeque::new(),
        };
        for c in &def.children {
            s.children.push(MChild {
                def: c.clone(),
                state: St::Stopped,
                sub: None,
                inc: 0,
            });
            let i = s.children.len() - 1;
            match self.start_at(&mut s, i) {
                Ok(running) => {
                    if !running && c.restart == Restart::Temporary {
                        s.children.pop();
                    }
                }
                Err(()) => {
                    self.stop_all(&mut s);
                    return Err(());
                }
            }
        }
        Ok(s)
    }

    /// Starts child `i`: `Ok(true)` running, `Ok(false)` ignored; the state is unchanged on
    /// a failure.
    fn start_at(&mut self, s: &mut MSup, i: usize) -> Result<bool, ()> {
        let def = s.children[i].def.clone();
        match &def.kind {
            Kind::Worker { ignore } => {
                let fails = self.fails.entry(def.id.clone()).or_default();
                if *fails > 0 {
                    *fails -= 1;
                    self.events.push(Ev::StartFailed(def.id.clone()));
                    return Err(());
                }
                if *ignore {
                    s.children[i].state = St::Stopped;
                    return Ok(false);
                }
                let inc = self.starts.entry(def.id.clone()).or_default();
                *inc += 1;
                let inc = *inc;
                self.events.push(Ev::Started(def.id.clone(), inc));
                s.children[i].state = St::Running;
                s.children[i].inc = inc;
                Ok(true)
            }
            Kind::Sup(sub_def) => {
                let sub = self.start_sup(sub_def)?;
                s.children[i].sub = Some(sub);
                s.children[i].state = St::Running;
                Ok(true)
            }
        }
    }

    /// The supervisor stops child `i` with its shutdown mode.
    fn stop_at(&mut self, s: &mut MSup, i: usize) {
        let c = &mut s.children[i];
        if c.state == St::Running {
            match &c.def.kind {
                Kind::Worker { .. } => {
                    if !c.def.brutal {
                        let ev = Ev::Terminated(c.def.id.clone(), c.inc, ExitReason::Shutdown);
                        self.push(ev);
                    }
                }
                Kind::Sup(_) => {
                    let mut sub = c.sub.take().expect("a running supervisor");
                    if c.def.brutal {
                        self.kill_sup(&mut sub);
                    } else {
                        self.stop_all(&mut sub);
                    }
                }
            }
        }
        let c = &mut s.children[i];
        c.state = St::Stopped;
        c.sub = None;
    }

    fn stop_all(&mut self, s: &mut MSup) {
        for i in (0..s.children.len()).rev() {
            self.stop_at(s, i);
        }
    }

    /// Records a restart; `false` when that exceeds the intensity.
    fn add_restart(&self, s: &mut MSup) -> bool {
        let period = Duration::from_millis(s.def.period_ms);
        while let Some(&oldest) = s.window.front() {
            if self.now - oldest > period {
                s.window.pop_front();
            } else {
                break;
            }
        }
        s.window.push_back(self.now);
        s.window.len() <= s.def.max_restarts as usize
    }

    fn restart(&mut self, s: &mut MSup, i: usize) -> Restarted {
        if !self.add_restart(s) {
            return Restarted::Stop(ExitReason::Shutdown);
        }
        let range = match s.def.strategy {
            SupStrategy::OneForOne => i..i + 1,
            SupStrategy::OneForAll => {
                self.stop_from(s, 0);
                0..s.children.len()
            }
            SupStrategy::RestForOne => {
                self.stop_from(s, i + 1);
                i..s.children.len()
            }
        };
        for j in range {
            if s.children[j].state == St::Running {
                continue;
            }
            if self.start_at(s, j).is_err() {
                s.children[j].state = St::Restarting;
                return Restarted::Retry(s.children[j].def.id.clone());
            }
        }
        Restarted::Done
    }

    /// Stops children from `from` on in reverse order and drops the temporary ones.
    fn stop_from(&mut self, s: &mut MSup, from: usize) {
        for j in (from..s.children.len()).rev() {
            self.stop_at(s, j);
        }
        let mut j = from;
        while j < s.children.len() {
            if s.children[j].def.restart == Restart::Temporary {
                s.children.remove(j);
            } else {
                j += 1;
            }
        }
    }

    /// Restarts child `i`, then retries failed starts as the supervisor's mailbox would,
    /// until done or the supervisor must stop.
    fn restart_until_settled(&mut self, s: &mut MSup, i: usize) -> Option<ExitReason> {
        let mut outcome = self.restart(s, i);
        loop {
            match outcome {
                Restarted::Done => return None,
                Restarted::Stop(reason) => return Some(reason),
                Restarted::Retry(id) => match s.children.iter().position(|c| c.def.id == id) {
                    Some(j) if s.children[j].state == St::Restarting => {
                        outcome = self.restart(s, j);
                    }
                    _ => return None,
                },
            }
        }
    }

    /// Child `i` exited on its own with `reason`; `Some` if the supervisor must stop.
    fn child_exited(&mut self, s: &mut MSup, i: usize, reason: &ExitReason) -> Option<ExitReason> {
        s.children[i].state = St::Stopped;
        s.children[i].sub = None;
        let def = s.children[i].def.clone();
        if def.restart.restarts_after(reason) {
            return self.restart_until_settled(s, i);
        }
        if def.restart == Restart::Temporary {
            s.children.remove(i);
        }
        if !def.significant {
            return None;
        }
        let shut = match s.def.auto {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            // OTP counts children that run or wait for a restart attempt.
            AutoShutdown::AllSignificant => !s
                .children
                .iter()
                .any(|c| c.def.significant && c.state != St::Stopped),
        };
        shut.then_some(ExitReason::Shutdown)
    }

    /// A supervisor that decided to stop: its `terminate` stops its children.
    fn stopping(&mut self, s: &mut MSup, reason: Option<ExitReason>) -> Option<ExitReason> {
        if reason.is_some() {
            self.stop_all(s);
        }
        reason
    }

    /// The node at `path` (indices from `s`) exits as `how` says; returns `s`'s own exit if
    /// it must stop.
    fn exit_at(&mut self, s: &mut MSup, path: &[usize], how: How) -> Option<ExitReason> {
        let i = path[0];
        let reason = if path.len() > 1 {
            let sub = s.children[i].sub.as_mut().expect("running");
            self.exit_at(sub, &path[1..], how)?
        } else {
            let c = &mut s.children[i];
            let reason = exit_reason(how, &c.def.id);
            match &c.def.kind {
                Kind::Worker { .. } => {
                    if !matches!(how, How::Kill) {
                        let ev = Ev::Terminated(c.def.id.clone(), c.inc, reason.clone());
                        self.push(ev);
                    }
                }
                Kind::Sup(_) => {
                    let mut sub = c.sub.take().expect("running");
                    if matches!(how, How::Kill) {
                        self.kill_sup(&mut sub);
                    } else {
                        self.stop_all(&mut sub);
                    }
                }
            }
            reason
        };
        let stop = self.child_exited(s, i, &reason);
        self.stopping(s, stop)
    }

    fn terminate_child(&mut self, s: &mut MSup, id: &str) -> Answer {
        let Some(i) = s.children.iter().position(|c| &*c.def.id == id) else {
            return Answer::NotFound;
        };
        self.stop_at(s, i);
        if s.children[i].def.restart == Restart::Temporary {
            s.children.remove(i);
        }
        Answer::Ok
    }

    fn restart_child(&mut self, s: &mut MSup, id: &str) -> Answer {
        let Some(i) = s.children.iter().position(|c| &*c.def.id == id) else {
            return Answer::NotFound;
        };
        match s.children[i].state {
            St::Running => Answer::Running,
            St::Restarting => Answer::Restarting,
            St::Stopped => match self.start_at(s, i) {
                Ok(true) => Answer::OkRunning,
                Ok(false) => Answer::OkIgnored,
                Err(()) => Answer::Failed,
            },
        }
    }

    fn delete_child(&mut self, s: &mut MSup, id: &str) -> Answer {
        let Some(i) = s.children.iter().position(|c| &*c.def.id == id) else {
            return Answer::NotFound;
        };
        match s.children[i].state {
            St::Running => Answer::Running,
            St::Restarting => Answer::Restarting,
            St::Stopped => {
                s.children.remove(i);
                Answer::Ok
            }
        }
    }

    fn start_child(&mut self, s: &mut MSup, def: ChildDef) -> Answer {
        if def.significant && def.restart == Restart::Permanent {
            return Answer::InvalidSignificantPermanent;
        }
        if def.significant && s.def.auto == AutoShutdown::Never {
            return Answer::InvalidSignificantNever;
        }
        if let Some(i) = s.children.iter().position(|c| c.def.id == def.id) {
            return match s.children[i].state {
                St::Running => Answer::AlreadyStarted,
                _ => Answer::AlreadyPresent,
            };
        }
        let temporary = def.restart == Restart::Temporary;
        s.children.push(MChild {
            def,
            state: St::Stopped,
            sub: None,
            inc: 0,
        });
        let i = s.children.len() - 1;
        match self.start_at(s, i) {
            Ok(true) => Answer::OkRunning,
            Ok(false) => {
                if temporary {
                    s.children.pop();
                }
                Answer::OkIgnored
            }
            Err(()) => {
                s.children.pop();
                Answer::Failed
            }
        }
    }
}

fn exit_reason(how: How, id: &str) -> ExitReason {
    match how {
        How::Panic => crash_reason(id),
        How::Normal => ExitReason::Normal,
        How::Shutdown => ExitReason::Shutdown,
        How::ShutdownWith => ExitReason::shutdown_with("model"),
        How::Error => ExitReason::error("model"),
        How::Kill => ExitReason::Killed,
    }
}

/// Running nodes below `s` (not `s` itself): index paths, with whether each is a worker.
fn running_nodes(s: &MSup, prefix: &mut Vec<usize>, out: &mut Vec<(Vec<usize>, bool)>) {
    for (i, c) in s.children.iter().enumerate() {
        if c.state != St::Running {
            continue;
        }
        prefix.push(i);
        match &c.sub {
            Some(sub) => {
                out.push((prefix.clone(), false));
                running_nodes(sub, prefix, out);
            }
            None => out.push((prefix.clone(), true)),
        }
        prefix.pop();
    }
}

/// Running supervisors, the root (empty path) first.
fn running_sups(s: &MSup, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(prefix.clone());
    for (i, c) in s.children.iter().enumerate() {
        if let Some(sub) = &c.sub {
            prefix.push(i);
            running_sups(sub, prefix, out);
            prefix.pop();
        }
    }
}

fn sup_at<'a>(mut s: &'a mut MSup, path: &[usize]) -> &'a mut MSup {
    for &i in path {
        s = s.children[i].sub.as_mut().expect("running supervisor");
    }
    s
}

fn sup_at_ref<'a>(mut s: &'a MSup, path: &[usize]) -> &'a MSup {
    for &i in path {
        s = s.children[i].sub.as_ref().expect("running supervisor");
    }
    s
}

/// Index path to id path.
fn ids_of(mut s: &MSup, path: &[usize]) -> Vec<Arc<str>> {
    let mut ids = Vec::new();
    for &i in path {
        ids.push(s.children[i].def.id.clone());
        if let Some(sub) = &s.children[i].sub {
            s = sub;
        }
    }
    ids
}

// ---- the real side ------------------------------------------------------------------------

struct Real {
    events: mpsc::UnboundedSender<Ev>,
    rx: mpsc::UnboundedReceiver<Ev>,
    live: Arc<AtomicI64>,
    knobs: HashMap<Arc<str>, Arc<AtomicU32>>,
    starts: HashMap<Arc<str>, Arc<AtomicU32>>,
}

impl Real {
    fn knob(&mut self, name: &Arc<str>) -> Arc<AtomicU32> {
        self.knobs.entry(name.clone()).or_default().clone()
    }

    fn child_spec(&mut self, def: &ChildDef) -> ChildSpec {
        let spec = match &def.kind {
            Kind::Worker { ignore } => {
                let args = WorkerArgs {
                    name: def.id.clone(),
                    ignore: *ignore,
                    fail: self.knob(&def.id),
                    starts: self.starts.entry(def.id.clone()).or_default().clone(),
                    events: self.events.clone(),
                    live: self.live.clone(),
                };
                let spec = ChildSpec::actor::<Worker>(def.id.clone(), args);
                if def.brutal {
                    spec.shutdown(ShutdownMode::BrutalKill)
                } else {
                    spec.shutdown(ShutdownMode::Timeout(Duration::from_secs(5)))
                }
            }
            Kind::Sup(sub) => {
                let spec = ChildSpec::supervisor(def.id.clone(), self.sup_spec(sub));
                if def.brutal {
                    spec.shutdown(ShutdownMode::BrutalKill)
                } else {
                    spec
                }
            }
        };
        spec.restart(def.restart).significant(def.significant)
    }

    fn sup_spec(&mut self, def: &SupDef) -> SupervisorSpec {
        let children: Vec<ChildSpec> = def.children.iter().map(|c| self.child_spec(c)).collect();
        SupervisorSpec::new(def.strategy)
            .intensity(def.max_restarts, Duration::from_millis(def.period_ms))
            .auto_shutdown(def.auto)
            .children(children)
    }

    fn drain(&mut self) -> Vec<Ev> {
        let mut out = Vec::new();
        while let Ok(ev) = self.rx.try_recv() {
            out.push(ev);
        }
        out
    }
}

fn resolve_sup(root: &SupervisorRef, ids: &[Arc<str>]) -> Option<SupervisorRef> {
    let mut s = root.clone();
    for id in ids {
        s = s.child::<SupervisorRef>(id)?;
    }
    Some(s)
}

fn resolve_cell(root: &SupervisorRef, ids: &[Arc<str>]) -> Option<ActorCell> {
    let (last, parents) = ids.split_last()?;
    resolve_sup(root, parents)?.child::<ActorCell>(last)
}

/// Waits until no task can run: the paused clock only moves (here by 1 ms) when the
/// runtime is idle.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(1)).await;
}

fn answer_child(r: Result<(), ChildError>) -> Answer {
    match r {
        Ok(()) => Answer::Ok,
        Err(e) => child_error(e),
    }
}

fn child_error(e: ChildError) -> Answer {
    match e {
        ChildError::NotFound => Answer::NotFound,
        ChildError::Running => Answer::Running,
        ChildError::Restarting => Answer::Restarting,
        ChildError::Failed(_) => Answer::Failed,
        ChildError::Supervisor(_) => Answer::Other,
    }
}

fn answer_started(r: Result<Option<ActorCell>, StartChildError>) -> Answer {
    match r {
        Ok(Some(_)) => Answer::OkRunning,
        Ok(None) => Answer::OkIgnored,
        Err(StartChildError::AlreadyStarted(_)) => Answer::AlreadyStarted,
        Err(StartChildError::AlreadyPresent) => Answer::AlreadyPresent,
        Err(StartChildError::Invalid(SpecError::SignificantPermanent(_))) => {
            Answer::InvalidSignificantPermanent
        }
        Err(StartChildError::Invalid(SpecError::SignificantWithoutAutoShutdown(_))) => {
            Answer::InvalidSignificantNever
        }
        Err(StartChildError::Failed(_)) => Answer::Failed,
        Err(_) => Answer::Other,
    }
}

// ---- one case -----------------------------------------------------------------------------

/// Figures over all cases.
static CASES: AtomicU64 = AtomicU64::new(0);
static STEPS: AtomicU64 = AtomicU64::new(0);
static FAULTS: AtomicU64 = AtomicU64::new(0);
static EVENTS: AtomicU64 = AtomicU64::new(0);
static ESCALATIONS: AtomicU64 = AtomicU64::new(0);
static EDGES: AtomicU64 = AtomicU64::new(0);

fn run_case(tree: &SupDef, ops: &[Op]) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(run_case_async(tree, ops))
}

async fn run_case_async(tree: &SupDef, ops: &[Op]) -> Result<(), String> {
    let t0 = Instant::now();
    let (tx, rx) = mpsc::unbounded_channel();
    let mut real = Real {
        events: tx,
        rx,
        live: Arc::new(AtomicI64::new(0)),
        knobs: HashMap::new(),
        starts: HashMap::new(),
    };
    let mut env = Env {
        now: Duration::ZERO,
        fails: HashMap::new(),
        starts: HashMap::new(),
        events: Vec::new(),
        orphans: Vec::new(),
        orphan: false,
    };
    let root = real
        .sup_spec(tree)
        .start()
        .await
        .map_err(|e| format!("root failed to start: {e}"))?;
    let mut model = Some(env.start_sup(tree).expect("no start fails at first"));
    let mut log = String::new();
    let mut new_ids = 0u32;
    settle().await;
    compare(&mut real, &mut env, &root, model.as_ref(), "start", &log).await?;

    for (n, op) in ops.iter().enumerate() {
        let Some(m) = model.as_mut() else { break };
        env.now = Instant::now() - t0;
        let _ = writeln!(log, "{n}: {op:?}");
        let mut answers = None;
        match op {
            Op::Exit { target, how } => {
                let mut nodes = Vec::new();
                running_nodes(m, &mut Vec::new(), &mut nodes);
                if nodes.is_empty() {
                    continue;
                }
                let (path, is_worker) = &nodes[target % nodes.len()];
                let ids = ids_of(m, path);
                let cell = resolve_cell(&root, &ids)
                    .ok_or_else(|| format!("{log}no running child at {ids:?}"))?;
                FAULTS.fetch_add(1, Ordering::Relaxed);
                let reason = exit_reason(*how, ids.last().expect("a path"));
                match (how, is_worker) {
                    (How::Kill, _) => cell.kill(),
                    (How::Panic, true) => {
                        let w = cell.downcast::<Worker>().expect("a worker");
                        w.cast(WorkerCast::Panic).await.map_err(|e| e.to_string())?;
                    }
                    (_, true) => {
                        let w = cell.downcast::<Worker>().expect("a worker");
                        w.cast(WorkerCast::Stop(reason))
                            .await
                            .map_err(|e| e.to_string())?;
                    }
                    (_, false) => {
                        cell.request_stop(reason);
                    }
                }
                if let Some(exit) = env.exit_at(m, path, *how) {
                    ESCALATIONS.fetch_add(1, Ordering::Relaxed);
                    let _ = writeln!(log, "   model: root exits with {exit}");
                    model = None;
                    settle().await;
                    let events = real.drain();
                    check_events(&mut env, events, &log)?;
                    let got = root.cell().exit_reason();
                    if got != Some(exit.clone()) {
                        return Err(format!("{log}root exit: model {exit:?}, runtime {got:?}"));
                    }
                    break;
                }
            }
            Op::FailNext { worker, n } => {
                let mut names: Vec<Arc<str>> = real.knobs.keys().cloned().collect();
                names.sort();
                if names.is_empty() {
                    continue;
                }
                let name = &names[worker % names.len()];
                real.knobs[name].store(*n, Ordering::SeqCst);
                env.fails.insert(name.clone(), *n);
                FAULTS.fetch_add(1, Ordering::Relaxed);
            }
            Op::Terminate { sup, child }
            | Op::Restart { sup, child }
            | Op::Delete { sup, child }
            | Op::StartChild { sup, child, .. } => {
                let mut sups = Vec::new();
                running_sups(m, &mut Vec::new(), &mut sups);
                let path = sups[sup % sups.len()].clone();
                let ids = ids_of(m, &path);
                let target = resolve_sup(&root, &ids)
                    .ok_or_else(|| format!("{log}no running supervisor at {ids:?}"))?;
                let ms = sup_at(m, &path);
                let child_ids: Vec<Arc<str>> =
                    ms.children.iter().map(|c| c.def.id.clone()).collect();
                let id: Arc<str> = if child % (child_ids.len() + 1) == child_ids.len() {
                    "missing".into()
                } else {
                    child_ids[child % (child_ids.len() + 1)].clone()
                };
                let (want, got) = match op {
                    Op::Terminate { .. } => (
                        env.terminate_child(ms, &id),
                        answer_child(target.terminate_child(&id).await),
                    ),
                    Op::Restart { .. } => (
                        env.restart_child(ms, &id),
                        match target.restart_child(&id).await {
                            Ok(Some(_)) => Answer::OkRunning,
                            Ok(None) => Answer::OkIgnored,
                            Err(e) => child_error(e),
                        },
                    ),
                    Op::Delete { .. } => (
                        env.delete_child(ms, &id),
                        answer_child(target.delete_child(&id).await),
                    ),
                    Op::StartChild {
                        reuse,
                        restart,
                        significant,
                        ignore,
                        brutal,
                        ..
                    } => {
                        let id = if *reuse && !child_ids.is_empty() {
                            child_ids[child % child_ids.len()].clone()
                        } else {
                            new_ids += 1;
                            format!("n{new_ids}").into()
                        };
                        let def = ChildDef {
                            id,
                            kind: Kind::Worker { ignore: *ignore },
                            restart: *restart,
                            brutal: *brutal,
                            significant: *significant,
                        };
                        let spec = real.child_spec(&def);
                        (
                            env.start_child(ms, def),
                            answer_started(target.start_child(spec).await),
                        )
                    }
                    _ => unreachable!(),
                };
                answers = Some((want, got));
            }
            Op::Advance { ms } => {
                tokio::time::advance(Duration::from_millis(*ms)).await;
            }
            Op::Edge { sup, delta_ms } => {
                let mut sups = Vec::new();
                running_sups(m, &mut Vec::new(), &mut sups);
                let ms = sup_at_ref(m, &sups[sup % sups.len()]);
                let Some(&oldest) = ms.window.front() else {
                    continue;
                };
                // The settle after this step takes one more millisecond.
                let edge = oldest + Duration::from_millis(ms.def.period_ms);
                let target = edge.as_millis() as i64 + delta_ms - 1;
                let now = env.now.as_millis() as i64;
                if target <= now {
                    continue;
                }
                EDGES.fetch_add(1, Ordering::Relaxed);
                tokio::time::advance(Duration::from_millis((target - now) as u64)).await;
            }
        }
        STEPS.fetch_add(1, Ordering::Relaxed);
        settle().await;
        if let Some((want, got)) = answers
            && want != got
        {
            return Err(format!("{log}answer: model {want:?}, runtime {got:?}"));
        }
        compare(&mut real, &mut env, &root, model.as_ref(), "step", &log).await?;
    }

    // Shut the tree down: every child stops, in reverse order, and nothing is left.
    if let Some(mut m) = model.take() {
        let _ = writeln!(log, "shutdown");
        env.stop_all(&mut m);
        let reason = root.shutdown().await;
        if reason != ExitReason::Shutdown {
            return Err(format!("{log}root shutdown reason {reason:?}"));
        }
        settle().await;
        let events = real.drain();
        check_events(&mut env, events, &log)?;
    }
    drop(root);
    for _ in 0..10 {
        settle().await;
    }
    let live = real.live.load(Ordering::SeqCst);
    if live != 0 {
        return Err(format!(
            "{log}{live} probe(s) still alive after the tree stopped"
        ));
    }
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    if tasks != 0 {
        return Err(format!(
            "{log}{tasks} task(s) still alive after the tree stopped"
        ));
    }
    CASES.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// The runtime's events must be the model's ordered events, in order, plus its orphan
/// events in any order.
fn check_events(env: &mut Env, got: Vec<Ev>, log: &str) -> Result<(), String> {
    let want = std::mem::take(&mut env.events);
    let mut orphans = std::mem::take(&mut env.orphans);
    EVENTS.fetch_add((want.len() + orphans.len()) as u64, Ordering::Relaxed);
    let all = got.clone();
    let mut ordered = Vec::with_capacity(got.len());
    for ev in got {
        match orphans.iter().position(|o| *o == ev) {
            Some(i) => {
                orphans.swap_remove(i);
            }
            None => ordered.push(ev),
        }
    }
    if want != ordered || !orphans.is_empty() {
        return Err(format!(
            "{log}events:\n  model   {want:?}\n  orphans missing {orphans:?}\n  runtime {all:?}"
        ));
    }
    Ok(())
}

/// Events, then every running supervisor's children, against the model.
async fn compare(
    real: &mut Real,
    env: &mut Env,
    root: &SupervisorRef,
    model: Option<&MSup>,
    what: &str,
    log: &str,
) -> Result<(), String> {
    let events = real.drain();
    check_events(env, events, log)?;
    let Some(m) = model else { return Ok(()) };
    if !root.cell().is_alive() {
        return Err(format!(
            "{log}{what}: the root exited ({:?}) but the model runs",
            root.cell().exit_reason()
        ));
    }
    let mut sups = Vec::new();
    running_sups(m, &mut Vec::new(), &mut sups);
    for path in sups {
        let ids = ids_of(m, &path);
        let ms = sup_at_ref(m, &path);
        let Some(s) = resolve_sup(root, &ids) else {
            return Err(format!("{log}{what}: supervisor {ids:?} not running"));
        };
        let children = s
            .which_children()
            .await
            .map_err(|e| format!("{log}{what}: which_children {ids:?}: {e}"))?;
        let got: Vec<(Arc<str>, St)> = children
            .into_iter()
            .map(|c| {
                let st = match c.status {
                    ChildStatus::Running(cell) if cell.is_alive() => St::Running,
                    ChildStatus::Running(_) => St::Stopped,
                    ChildStatus::Restarting => St::Restarting,
                    ChildStatus::Undefined => St::Stopped,
                };
                (c.id.unwrap_or_default(), st)
            })
            .collect();
        let want: Vec<(Arc<str>, St)> = ms
            .children
            .iter()
            .map(|c| (c.def.id.clone(), c.state))
            .collect();
        if want != got {
            return Err(format!(
                "{log}{what}: children of {ids:?}:\n  model   {want:?}\n  runtime {got:?}"
            ));
        }
    }
    Ok(())
}

// ---- the property -------------------------------------------------------------------------

fn quiet_model_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let msg = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            if !msg.starts_with("model-crash") {
                default(info);
            }
        }));
    });
}

fn config() -> Config {
    let mut config = Config {
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 200;
    }
    config
}

#[test]
fn supervisor_matches_model() {
    quiet_model_panics();
    let mut runner = TestRunner::new(config());
    let strategy = (tree_strategy(), prop::collection::vec(op_strategy(), 1..40));
    let result = runner.run(&strategy, |(tree, ops)| {
        run_case(&tree, &ops).map_err(TestCaseError::fail)
    });
    println!(
        "model_supervisor: {} cases, {} steps, {} faults injected, {} events checked, {} root escalations, {} window edges, 0 divergences",
        CASES.load(Ordering::Relaxed),
        STEPS.load(Ordering::Relaxed),
        FAULTS.load(Ordering::Relaxed),
        EVENTS.load(Ordering::Relaxed),
        ESCALATIONS.load(Ordering::Relaxed),
        EDGES.load(Ordering::Relaxed),
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, (tree, ops))) => {
            panic!("divergence: {reason}\ntree: {tree:#?}\nops: {ops:#?}")
        }
        Err(e) => panic!("{e}"),
    }
}

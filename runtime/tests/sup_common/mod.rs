//! A probe actor for supervision tests: it records its starts and stops through a channel,
//! can be told to fail its start, crash, stop with any reason, or hang in `terminate`.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{ChildSpec, Restart};
use tokio::sync::mpsc;

/// What a probe did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// `init` succeeded.
    Started(&'static str),
    /// `terminate` ran to its end with this reason.
    Terminated(&'static str, ExitReason),
    /// `terminate` began (for probes that hang in it).
    Terminating(&'static str),
    /// `init` is about to fail because of [`Knobs::fail_next`].
    Failing(&'static str),
}

/// How a probe's `init` behaves.
#[derive(Clone, Debug)]
pub enum Boot {
    Ok,
    Ignore,
    Fail,
}

/// Shared knobs a test can turn while the tree runs.
#[derive(Clone, Debug, Default)]
pub struct Knobs {
    /// While > 0, each start fails and decrements it.
    pub fail_starts: Arc<AtomicU32>,
    /// A failing start takes this many milliseconds first.
    pub fail_delay_ms: Arc<AtomicU32>,
}

impl Knobs {
    pub fn fail_next(&self, n: u32) {
        self.fail_starts.store(n, Ordering::SeqCst);
    }
}

#[derive(Clone)]
pub struct ProbeArgs {
    pub name: &'static str,
    pub events: mpsc::UnboundedSender<Event>,
    pub boot: Boot,
    pub knobs: Knobs,
    /// `terminate` sleeps this long (None: returns at once).
    pub linger: Option<Duration>,
    /// Started with exit trapping.
    pub trap: bool,
    /// In terminate: wait on this barrier (concurrent shutdown checks).
    pub barrier: Option<Arc<tokio::sync::Barrier>>,
}

pub struct Probe {
    args: ProbeArgs,
}

pub enum ProbeCall {
    Ping(ReplyTo<&'static str>),
}

pub enum ProbeCast {
    /// Panic in the handler.
    Crash,
    /// Stop with this reason (terminate runs).
    Stop(ExitReason),
}

impl Actor for Probe {
    type Args = ProbeArgs;
    type Call = ProbeCall;
    type Cast = ProbeCast;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init(args: ProbeArgs, ctx: &mut Context<Self>) -> Init<Self> {
        let failing = args
            .knobs
            .fail_starts
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if failing {
            let _ = args.events.send(Event::Failing(args.name));
            let delay = args.knobs.fail_delay_ms.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(delay.into())).await;
            return Init::Stop(ExitReason::error("start failed"));
        }
        match args.boot {
            Boot::Ok => {
                ctx.trap_exit(args.trap);
                let _ = args.events.send(Event::Started(args.name));
                Init::Ok(Probe { args })
            }
            Boot::Ignore => Init::Ignore,
            Boot::Fail => Init::Stop(ExitReason::error("init failed")),
        }
    }

    async fn handle_call(&mut self, msg: ProbeCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let ProbeCall::Ping(reply) = msg;
        let _ = reply.send(self.args.name);
        Handled::Continue
    }

    async fn handle_cast(&mut self, msg: ProbeCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            ProbeCast::Crash => panic!("probe {} crashed", self.args.name),
            ProbeCast::Stop(reason) => Handled::Stop(reason),
        }
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        let _ = self.args.events.send(Event::Terminating(self.args.name));
        if let Some(barrier) = &self.args.barrier {
            barrier.wait().await;
        }
        if let Some(linger) = self.args.linger {
            tokio::time::sleep(linger).await;
        }
        let _ = self
            .args
            .events
            .send(Event::Terminated(self.args.name, reason.clone()));
    }
}

/// Receives the probes' events.
pub struct Events {
    pub tx: mpsc::UnboundedSender<Event>,
    rx: mpsc::UnboundedReceiver<Event>,
}

impl Events {
    pub fn new() -> Events {
        let (tx, rx) = mpsc::unbounded_channel();
        Events { tx, rx }
    }

    /// A probe's arguments reporting here.
    pub fn probe(&self, name: &'static str) -> ProbeArgs {
        ProbeArgs {
            name,
            events: self.tx.clone(),
            boot: Boot::Ok,
            knobs: Knobs::default(),
            linger: None,
            trap: false,
            barrier: None,
        }
    }

    /// A permanent probe child spec.
    pub fn child(&self, name: &'static str) -> ChildSpec {
        ChildSpec::actor::<Probe>(name, self.probe(name))
    }

    /// A probe child spec with a restart type.
    pub fn child_with(&self, name: &'static str, restart: Restart) -> ChildSpec {
        self.child(name).restart(restart)
    }

    /// The next event, skipping `Terminating` (waits at most a minute of tokio time).
    pub async fn next(&mut self) -> Event {
        loop {
            match tokio::time::timeout(Duration::from_secs(60), self.rx.recv()).await {
                Ok(Some(Event::Terminating(_) | Event::Failing(_))) => continue,
                Ok(Some(event)) => return event,
                Ok(None) => panic!("event channel closed"),
                Err(_) => panic!("no event within 60 s"),
            }
        }
    }

    /// The next event, `Terminating` included.
    pub async fn next_raw(&mut self) -> Event {
        match tokio::time::timeout(Duration::from_secs(60), self.rx.recv()).await {
            Ok(Some(event)) => event,
            _ => panic!("no event within 60 s"),
        }
    }

    /// The next `n` events, in order.
    pub async fn take(&mut self, n: usize) -> Vec<Event> {
        let mut events = Vec::with_capacity(n);
        for _ in 0..n {
            events.push(self.next().await);
        }
        events
    }

    /// Asserts no event is pending (after letting every ready task run).
    pub async fn assert_quiet(&mut self) {
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        loop {
            match self.rx.try_recv() {
                Ok(Event::Terminating(_) | Event::Failing(_)) => continue,
                Ok(event) => panic!("unexpected event {event:?}"),
                Err(_) => return,
            }
        }
    }
}

pub fn started(name: &'static str) -> Event {
    Event::Started(name)
}

pub fn stopped(name: &'static str) -> Event {
    Event::Terminated(name, ExitReason::Shutdown)
}

/// Crashes a probe (panic in a handler) and waits for its exit.
pub async fn crash(cell: &ActorCell) {
    let probe = cell.downcast::<Probe>().expect("a probe");
    probe.cast(ProbeCast::Crash).await.expect("probe alive");
    probe.wait().await;
}

/// Stops a probe with `reason` (terminate runs) and waits for its exit.
pub async fn stop_with(cell: &ActorCell, reason: ExitReason) {
    let probe = cell.downcast::<Probe>().expect("a probe");
    probe
        .cast(ProbeCast::Stop(reason))
        .await
        .expect("probe alive");
    probe.wait().await;
}

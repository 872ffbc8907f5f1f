//! A probe actor for the integration tests: it records what happens to it as [`Ev`]ents on
//! an unbounded channel, and its requests exercise each runtime feature.
#![allow(dead_code)]

use std::time::Duration;

use arbor::prelude::*;
use tokio::sync::{mpsc, oneshot};

/// What a probe saw, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ev {
    Init,
    Call(u32),
    Cast(u32),
    Info(u32),
    Continue(u32),
    Exit(ActorId, ExitReason),
    Down(ActorId, ExitReason),
    Timeout,
    /// Blocked on a gate.
    Gated,
    Terminate(ExitReason),
}

/// How `init` behaves.
pub enum InitMode {
    Ok,
    Continue(u32),
    Ignore,
    Stop(ExitReason),
    Panic(&'static str),
    /// Waits for the gate, then `Ok`.
    Wait(oneshot::Receiver<()>),
}

pub struct Args {
    pub events: mpsc::UnboundedSender<Ev>,
    pub init: InitMode,
}

pub struct Probe {
    events: mpsc::UnboundedSender<Ev>,
    deferred: Vec<ReplyTo<u32>>,
    /// When set, `terminate` waits for this gate.
    pub terminate_gate: Option<oneshot::Receiver<()>>,
}

pub enum Req {
    Echo(u32, ReplyTo<u32>),
    /// Drops the ReplyTo without answering.
    Forget(ReplyTo<u32>),
    /// Panics while holding the ReplyTo.
    Panic(&'static str, ReplyTo<u32>),
    /// Keeps the ReplyTo in the state.
    Defer(ReplyTo<u32>),
    /// Answers every deferred call with the value; replies whether each answer was delivered.
    Release(u32, ReplyTo<Vec<bool>>),
    /// A spawned task answers once the gate opens.
    AnswerFromTask(u32, oneshot::Receiver<()>, ReplyTo<u32>),
    /// Calls the next actor of the path with the rest of the path; the last one answers 0.
    Relay(Vec<ActorRef<Probe>>, ReplyTo<Result<u32, CallError>>),
    /// Never answers nor returns.
    Hang(ReplyTo<u32>),
    /// Answers, then stops.
    Stop(ExitReason, ReplyTo<()>),
    /// The caller chain the handler sees.
    Callers(ReplyTo<Vec<ActorId>>),
    /// Like `Relay`, but the last actor answers with the callers it sees.
    CallersVia(
        Vec<ActorRef<Probe>>,
        ReplyTo<Result<Vec<ActorId>, CallError>>,
    ),
    /// Calls itself.
    CallSelf(ReplyTo<Result<u32, CallError>>),
}

pub type Job = Box<dyn FnOnce(&mut Probe, &mut Context<Probe>) + Send>;

pub enum Msg {
    Record(u32),
    /// Blocks the actor until the gate opens (or its sender is dropped).
    Gate(oneshot::Receiver<()>),
    Panic(&'static str),
    Stop(ExitReason),
    ContinueWith(u32),
    /// Runs a closure with the state and context (links, monitors, trapping, timers...).
    Run(Job),
}

impl Actor for Probe {
    type Args = Args;
    type Call = Req;
    type Cast = Msg;
    type Info = u32;
    type Continue = u32;

    async fn init(args: Args, _ctx: &mut Context<Self>) -> Init<Self> {
        let _ = args.events.send(Ev::Init);
        let probe = Probe {
            events: args.events,
            deferred: Vec::new(),
            terminate_gate: None,
        };
        match args.init {
            InitMode::Ok => Init::Ok(probe),
            InitMode::Continue(n) => Init::Continue(probe, n),
            InitMode::Ignore => Init::Ignore,
            InitMode::Stop(reason) => Init::Stop(reason),
            InitMode::Panic(message) => panic!("{message}"),
            InitMode::Wait(gate) => {
                let _ = gate.await;
                Init::Ok(probe)
            }
        }
    }

    async fn handle_call(&mut self, msg: Req, ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            Req::Echo(n, reply_to) => {
                if n != SYNC {
                    self.record(Ev::Call(n));
                }
                let _ = reply_to.send(n);
            }
            Req::Forget(reply_to) => drop(reply_to),
            Req::Panic(message, _reply_to) => panic!("{message}"),
            Req::Defer(reply_to) => self.deferred.push(reply_to),
            Req::Release(n, reply_to) => {
                let delivered = self.deferred.drain(..).map(|d| d.send(n).is_ok()).collect();
                let _ = reply_to.send(delivered);
            }
            Req::AnswerFromTask(n, gate, reply_to) => {
                tokio::spawn(async move {
                    let _ = gate.await;
                    let _ = reply_to.send(n);
                });
            }
            Req::Relay(mut path, reply_to) => {
                let result = if path.is_empty() {
                    Ok(0)
                } else {
                    let next = path.remove(0);
                    next.call(|r| Req::Relay(path, r))
                        .await
                        .and_then(|inner| inner)
                };
                let _ = reply_to.send(result);
            }
            Req::Hang(_reply_to) => std::future::pending::<()>().await,
            Req::Stop(reason, reply_to) => {
                let _ = reply_to.send(());
                return Handled::Stop(reason);
            }
            Req::Callers(reply_to) => {
                let _ = reply_to.send(ctx.callers().iter().collect());
            }
            Req::CallersVia(mut path, reply_to) => {
                let result = if path.is_empty() {
                    Ok(ctx.callers().iter().collect())
                } else {
                    let next = path.remove(0);
                    next.call(|r| Req::CallersVia(path, r))
                        .await
                        .and_then(|inner| inner)
                };
                let _ = reply_to.send(result);
            }
            Req::CallSelf(reply_to) => {
                let result = ctx.myself().call(|r| Req::Echo(1, r)).await;
                let _ = reply_to.send(result);
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, msg: Msg, ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            Msg::Record(n) => self.record(Ev::Cast(n)),
            Msg::Gate(gate) => {
                self.record(Ev::Gated);
                let _ = gate.await;
            }
            Msg::Panic(message) => panic!("{message}"),
            Msg::Stop(reason) => return Handled::Stop(reason),
            Msg::ContinueWith(n) => return Handled::ContinueWith(n),
            Msg::Run(job) => job(self, ctx),
        }
        Handled::Continue
    }

    async fn handle_info(&mut self, n: u32, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.record(Ev::Info(n));
        Handled::Continue
    }

    async fn handle_continue(&mut self, n: u32, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.record(Ev::Continue(n));
        Handled::Continue
    }

    async fn handle_exit(&mut self, signal: ExitSignal, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.record(Ev::Exit(signal.from, signal.reason));
        Handled::Continue
    }

    async fn handle_down(&mut self, down: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.record(Ev::Down(down.id, down.reason));
        Handled::Continue
    }

    async fn handle_timeout(&mut self, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.record(Ev::Timeout);
        Handled::Continue
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.record(Ev::Terminate(reason.clone()));
        if let Some(gate) = self.terminate_gate.take() {
            let _ = gate.await;
        }
    }
}

impl Probe {
    pub fn deferred_count(&self) -> usize {
        self.deferred.len()
    }

    pub fn record(&self, ev: Ev) {
        let _ = self.events.send(ev);
    }
}

/// A running probe and its event stream.
pub struct Spawned {
    pub actor: ActorRef<Probe>,
    pub events: mpsc::UnboundedReceiver<Ev>,
}

impl Spawned {
    /// The next event (fails the test if the actor's channel closed).
    pub async fn next(&mut self) -> Ev {
        self.events.recv().await.expect("event channel closed")
    }

    /// Events already recorded, without waiting.
    pub fn drain(&mut self) -> Vec<Ev> {
        let mut out = Vec::new();
        while let Ok(ev) = self.events.try_recv() {
            out.push(ev);
        }
        out
    }

    pub fn cell(&self) -> ActorCell {
        self.actor.cell()
    }

    /// Runs a closure in the actor (with its context) and waits until it has run.
    pub async fn run(&self, job: impl FnOnce(&mut Probe, &mut Context<Probe>) + Send + 'static) {
        self.actor.cast(Msg::Run(Box::new(job))).await.unwrap();
        self.sync().await;
    }

    /// Waits until the actor has handled everything queued before this call.
    pub async fn sync(&self) {
        self.actor.call(|r| Req::Echo(SYNC, r)).await.unwrap();
    }
}

pub fn args(init: InitMode) -> (Args, mpsc::UnboundedReceiver<Ev>) {
    let (events, rx) = mpsc::unbounded_channel();
    (Args { events, init }, rx)
}

/// Starts a probe with `spawn` options and waits for its `Init` event.
pub async fn start_with(spawn: Spawn<Probe>) -> Spawned {
    let (args, mut events) = args(InitMode::Ok);
    let actor = spawn.start(args).await.unwrap().running().unwrap();
    assert_eq!(events.recv().await, Some(Ev::Init));
    Spawned { actor, events }
}

pub async fn start() -> Spawned {
    start_with(Spawn::new()).await
}

impl Spawned {
    /// Blocks the actor on a gate and waits until it is blocked; opens when the sender is
    /// used or dropped.
    pub async fn block(&mut self) -> oneshot::Sender<()> {
        let (open, gate) = gate();
        self.actor.cast(Msg::Gate(gate)).await.unwrap();
        assert_eq!(self.next().await, Ev::Gated);
        open
    }
}

/// A gate: the receiver blocks a probe until `open` (or drop of the sender).
pub fn gate() -> (oneshot::Sender<()>, oneshot::Receiver<()>) {
    oneshot::channel()
}

/// An echo that is not recorded (see [`Spawned::sync`]).
pub const SYNC: u32 = u32::MAX;

pub const LONG: Duration = Duration::from_secs(3600);

//! Erlang orders every signal between a pair of processes: a worker's last result reaches its
//! parent before its EXIT (or DOWN). These tests log what a watcher sees and check that an
//! exit notification never overtakes a message the exiting actor sent earlier — through a
//! link (trapped exit) and a monitor, on both runtime flavours, with the watcher's bounded
//! mailbox full while the worker sends, repeated to catch a race.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use arbor::prelude::*;
use parking_lot::Mutex;
use tokio::sync::oneshot;

/// The watcher's mailbox: small, so that the worker's results fill it.
const CAPACITY: usize = 4;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Seen {
    Result(u32),
    Exit,
    Down,
}

/// How the watcher learns of the worker's exit.
#[derive(Clone, Copy, Debug)]
enum Watch {
    Link,
    Monitor,
}

/// Records results, exits and DOWNs in arrival order. Starts blocked on a gate so that the
/// worker fills its mailbox first.
struct Watcher {
    log: Arc<Mutex<Vec<Seen>>>,
    done: Option<oneshot::Sender<()>>,
}

enum WatcherCast {
    Result(u32),
    Wait(oneshot::Receiver<()>),
}

struct WatcherArgs {
    log: Arc<Mutex<Vec<Seen>>>,
    done: oneshot::Sender<()>,
}

impl Actor for Watcher {
    type Args = WatcherArgs;
    type Call = Infallible;
    type Cast = WatcherCast;
    type Info = Infallible;
    type Continue = Infallible;

    fn mailbox() -> MailboxConfig {
        MailboxConfig::bounded(CAPACITY)
    }

    async fn init(args: WatcherArgs, ctx: &mut Context<Self>) -> Init<Self> {
        ctx.trap_exit(true);
        Init::Ok(Watcher {
            log: args.log,
            done: Some(args.done),
        })
    }

    async fn handle_call(&mut self, msg: Infallible, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {}
    }

    async fn handle_cast(&mut self, msg: WatcherCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            WatcherCast::Result(n) => self.log.lock().push(Seen::Result(n)),
            WatcherCast::Wait(gate) => {
                let _ = gate.await;
            }
        }
        Handled::Continue
    }

    async fn handle_exit(&mut self, _: ExitSignal, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.finish(Seen::Exit)
    }

    async fn handle_down(&mut self, _: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.finish(Seen::Down)
    }
}

impl Watcher {
    fn finish(&mut self, seen: Seen) -> Handled<Self> {
        self.log.lock().push(seen);
        if let Some(done) = self.done.take() {
            let _ = done.send(());
        }
        Handled::Continue
    }
}

/// On a cast: sends `results` results to the watcher (waiting for room: its mailbox is
/// small), then exits abnormally.
struct Worker {
    watcher: ActorRef<Watcher>,
    results: u32,
}

impl Actor for Worker {
    type Args = (ActorRef<Watcher>, u32);
    type Call = Infallible;
    type Cast = ();
    type Info = Infallible;
    type Continue = Infallible;

    async fn init((watcher, results): Self::Args, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Worker { watcher, results })
    }

    async fn handle_call(&mut self, msg: Infallible, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {}
    }

    async fn handle_cast(&mut self, (): (), _ctx: &mut Context<Self>) -> Handled<Self> {
        for n in 0..self.results {
            self.watcher.cast(WatcherCast::Result(n)).await.unwrap();
        }
        Handled::Stop(ExitReason::error("crashed after its results"))
    }
}

/// One round: the watcher is held at a gate, the worker sends `results` results (more than the
/// watcher's mailbox holds) and crashes, the gate opens. Returns what the watcher saw.
async fn round(watch: Watch, results: u32) -> Vec<Seen> {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = oneshot::channel();
    let watcher = Spawn::<Watcher>::new()
        .start(WatcherArgs {
            log: log.clone(),
            done: done_tx,
        })
        .await
        .unwrap()
        .running()
        .unwrap();
    let (gate_tx, gate_rx) = oneshot::channel();
    watcher.cast(WatcherCast::Wait(gate_rx)).await.unwrap();

    let worker = Spawn::<Worker>::new()
        .start((watcher.clone(), results))
        .await
        .unwrap()
        .running()
        .unwrap();
    match watch {
        Watch::Link => worker.cell().link(&watcher.cell()),
        Watch::Monitor => {
            watcher.cell().monitor(&worker.cell());
        }
    }
    // The worker's last acts: its results, then an abnormal exit.
    worker.cast(()).await.unwrap();
    if results <= CAPACITY as u32 {
        // Everything fits: the results fill the watcher's mailbox (to the brim at
        // `CAPACITY`) and the exit notification arrives on top, all before the watcher
        // handles any of it.
        worker.cell().wait().await;
    } else {
        // More than fits: the worker waits for room, so the gate opens while it sends, and
        // the exit arrives while the last results are still queued.
        tokio::task::yield_now().await;
    }
    let _ = gate_tx.send(());
    tokio::time::timeout(Duration::from_secs(10), done_rx)
        .await
        .expect("the exit notification arrived")
        .unwrap();
    let seen = log.lock().clone();
    watcher.cell().kill();
    seen
}

fn expected(results: u32, last: Seen) -> Vec<Seen> {
    (0..results).map(Seen::Result).chain([last]).collect()
}

async fn repeat(watch: Watch) {
    let last = match watch {
        Watch::Link => Seen::Exit,
        Watch::Monitor => Seen::Down,
    };
    for i in 0..1_000u32 {
        let results = 1 + i % (3 * CAPACITY as u32);
        let seen = round(watch, results).await;
        assert_eq!(
            seen,
            expected(results, last.clone()),
            "round {i}, {watch:?}"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_trapped_exit_never_overtakes_earlier_messages_current_thread() {
    repeat(Watch::Link).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapped_exit_never_overtakes_earlier_messages_multi_thread() {
    repeat(Watch::Link).await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_down_never_overtakes_earlier_messages_current_thread() {
    repeat(Watch::Monitor).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_down_never_overtakes_earlier_messages_multi_thread() {
    repeat(Watch::Monitor).await;
}

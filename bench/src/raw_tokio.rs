//! Raw tokio: a task owning its state, a bounded `mpsc` mailbox and a `oneshot` per call. No
//! supervision, no panic handling, no timeouts: the practical limit an actor runtime on tokio
//! can approach.

use tokio::sync::{mpsc, oneshot};

use crate::{Counter, Framework, Linked};

/// The mailbox capacity: the same bound as Arbor's default mailbox.
pub const CAPACITY: usize = 1024;

/// Raw tokio.
pub struct RawTokio;

enum Msg {
    Ping(u64, oneshot::Sender<u64>),
    Add(u64),
    Total(oneshot::Sender<u64>),
    Stop,
}

/// A handle to a raw tokio "actor": its mailbox's sender.
#[derive(Clone)]
pub struct RawCounter {
    tx: mpsc::Sender<Msg>,
}

async fn serve(mut rx: mpsc::Receiver<Msg>, next: Option<RawCounter>) {
    let mut total = 0u64;
    while let Some(msg) = rx.recv().await {
        match msg {
            Msg::Ping(n, reply) => {
                let answer = match &next {
                    Some(next) => next.ping(n).await,
                    None => n + 1,
                };
                let _ = reply.send(answer);
            }
            Msg::Add(n) => total += n,
            Msg::Total(reply) => {
                let _ = reply.send(total);
            }
            Msg::Stop => break,
        }
    }
}

impl Counter for RawCounter {
    async fn ping(&self, n: u64) -> u64 {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Msg::Ping(n, tx)).await.expect("actor gone");
        rx.await.expect("no reply")
    }

    async fn add(&self, n: u64) {
        self.tx.send(Msg::Add(n)).await.expect("actor gone");
    }

    async fn total(&self) -> u64 {
        let (tx, rx) = oneshot::channel();
        self.tx.send(Msg::Total(tx)).await.expect("actor gone");
        rx.await.expect("no reply")
    }
}

/// Starts a counter task; with `next`, its `ping` calls `next`.
fn spawn(next: Option<RawCounter>) -> RawCounter {
    let (tx, rx) = mpsc::channel(CAPACITY);
    tokio::spawn(serve(rx, next));
    RawCounter { tx }
}

impl Framework for RawTokio {
    const NAME: &'static str = "raw_tokio";
    type Counter = RawCounter;
    type Chain = Linked<RawCounter>;

    async fn spawn_counter() -> RawCounter {
        spawn(None)
    }

    async fn spawn_chain() -> Linked<RawCounter> {
        let chain = Linked::start(|next| async move { spawn(next) }).await;
        Self::all_started(chain.members()).await;
        chain
    }

    async fn stop_chain(chain: Linked<RawCounter>) {
        Self::stop_all(chain.into_members()).await
    }

    async fn all_started(actors: &[RawCounter]) {
        // A task runs once polled; once the last one spawned answers, the runtime has polled
        // it (the others may still be queued, but they need no set-up: they are ready).
        if let Some(last) = actors.last() {
            last.total().await;
        }
    }

    async fn stop_all(actors: Vec<RawCounter>) {
        for actor in &actors {
            let _ = actor.tx.send(Msg::Stop).await;
        }
        for actor in &actors {
            // The receiver is dropped when the task ends.
            actor.tx.closed().await;
        }
    }
}

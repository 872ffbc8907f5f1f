//! Memory per idle actor: spawns many idle actors and reports the growth of the resident set
//! per actor (issue 3 aims for under 1 KiB per idle supervised child).
//!
//! `cargo run --release -p arbor --example idle_memory`

use std::convert::Infallible;

use arbor::prelude::*;

/// A minimal actor with one call, like a small worker.
struct Idle {
    count: u64,
}

enum IdleCall {
    Get(ReplyTo<u64>),
}

impl Actor for Idle {
    type Args = ();
    type Call = IdleCall;
    type Cast = u64;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Idle { count: 0 })
    }

    async fn handle_call(&mut self, msg: IdleCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let IdleCall::Get(reply_to) = msg;
        let _ = reply_to.send(self.count);
        Handled::Continue
    }

    async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.count += n;
        Handled::Continue
    }
}

/// Resident set size in bytes, from /proc (Linux only).
fn rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    const N: usize = 100_000;
    let mut actors = Vec::with_capacity(N);
    let before = rss();
    for _ in 0..N {
        actors.push(Idle::spawn(()).await.unwrap().running().unwrap());
    }
    let fresh = rss();
    // Every actor serves a cast and a call and is idle again (its queue buffer stays).
    for actor in &actors {
        actor.cast(1).await.unwrap();
        assert_eq!(actor.call(IdleCall::Get).await, Ok(1));
    }
    let after = rss();
    if let (Some(before), Some(fresh)) = (before, fresh) {
        let per_actor = (fresh.saturating_sub(before)) as f64 / N as f64;
        println!("{N} fresh actors: {per_actor:.0} bytes each (resident set growth)");
    }
    match (before, after) {
        (Some(before), Some(after)) => {
            let per_actor = (after.saturating_sub(before)) as f64 / N as f64;
            println!("{N} idle actors after messages: {per_actor:.0} bytes each");
        }
        _ => println!("resident set size unavailable on this platform"),
    }
}

//! The runtime's own call and cast, N times, on a current-thread runtime: for instruction
//! counts under valgrind, through the plain `Actor` API only (no generated client, no bench
//! crate), so the same file builds against older versions of the runtime to compare them.
//! Run it twice with different N and divide the difference by the difference of N:
//!
//! ```text
//! cargo build --release -p arbor --example instructions_core
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/instructions_core call 10000
//! ```
//!
//! Workloads: `call` (a call answered at once), `cast` (casts, then one call to see them
//! handled), `none` (start the actor only).

use std::convert::Infallible;

use arbor::{Actor, Context, Handled, Init, ReplyTo};

struct Echo(u64);

enum EchoCall {
    Echo(u64, ReplyTo<u64>),
    Sum(ReplyTo<u64>),
}

impl Actor for Echo {
    type Args = ();
    type Call = EchoCall;
    type Cast = u64;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Echo(0))
    }

    async fn handle_call(&mut self, msg: EchoCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            EchoCall::Echo(n, reply_to) => {
                let _ = reply_to.send(n);
            }
            EchoCall::Sum(reply_to) => {
                let _ = reply_to.send(self.0);
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.0 = self.0.wrapping_add(n);
        Handled::Continue
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let workload = args.next().unwrap_or_else(|| "call".into());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let actor = Echo::spawn(()).await.unwrap().running().unwrap();
        match workload.as_str() {
            "call" => {
                for i in 0..n {
                    actor.call(|r| EchoCall::Echo(i, r)).await.unwrap();
                }
            }
            "cast" => {
                for i in 0..n {
                    actor.cast(i).await.unwrap();
                }
                actor.call(EchoCall::Sum).await.unwrap();
            }
            "none" => {}
            other => panic!("unknown workload {other}"),
        }
    });
}

//! Arbor's runtime in one page: a counter actor answers a call, takes a cast, then crashes;
//! a watcher actor observes the crash through a monitor.
//!
//! Run with `cargo run -p arbor --example runtime_demo`.

use std::convert::Infallible;

use arbor::prelude::*;
use tokio::sync::mpsc;

/// The counter's state.
struct Counter {
    value: i64,
}

/// Calls: each variant carries the typed reply channel of its answer.
enum CounterCall {
    Get { reply_to: ReplyTo<i64> },
}

/// Casts: fire-and-forget requests.
enum CounterCast {
    Add(i64),
    DivideBy(i64),
}

impl Actor for Counter {
    type Args = i64;
    type Call = CounterCall;
    type Cast = CounterCast;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(value: i64, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Counter { value })
    }

    async fn handle_call(&mut self, msg: CounterCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            CounterCall::Get { reply_to } => {
                let _ = reply_to.send(self.value);
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, msg: CounterCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            CounterCast::Add(n) => self.value += n,
            // Dividing by zero panics: the runtime turns the panic into an exit reason.
            CounterCast::DivideBy(n) => self.value /= n,
        }
        Handled::Continue
    }

    async fn terminate(&mut self, reason: &ExitReason, ctx: &mut Context<Self>) {
        println!(
            "  counter {} terminate({reason}) with value {}",
            ctx.id(),
            self.value
        );
    }
}

/// Monitors an actor and forwards its DOWN to the demo.
struct Watcher {
    downs: mpsc::UnboundedSender<Down>,
}

impl Actor for Watcher {
    type Args = (ActorCell, mpsc::UnboundedSender<Down>);
    type Call = Infallible;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init((target, downs): Self::Args, ctx: &mut Context<Self>) -> Init<Self> {
        ctx.monitor(&target);
        Init::Ok(Watcher { downs })
    }

    async fn handle_down(&mut self, down: Down, ctx: &mut Context<Self>) -> Handled<Self> {
        println!(
            "  watcher {} got DOWN from {}: {}",
            ctx.id(),
            down.id,
            down.reason
        );
        let _ = self.downs.send(down);
        Handled::Continue
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // One short line per panic instead of the default report: the crash below is on purpose.
    std::panic::set_hook(Box::new(|info| {
        let message = info.payload_as_str().unwrap_or("?");
        let place = info.location().map(|l| format!(" at line {}", l.line()));
        println!("  (panic{}: {message})", place.unwrap_or_default());
    }));

    println!("== Arbor runtime demo ==");
    let counter = Spawn::<Counter>::new()
        .name("counter")
        .start(10)
        .await
        .expect("init cannot fail")
        .running()
        .expect("init does not ignore");
    println!(
        "started counter {} named {:?}",
        counter.id(),
        counter.name().unwrap_or("")
    );

    let value = counter.call(|reply_to| CounterCall::Get { reply_to }).await;
    println!("call Get            -> {value:?}");

    counter.cast(CounterCast::Add(32)).await.unwrap();
    println!("cast Add(32)");
    let value = counter.call(|reply_to| CounterCall::Get { reply_to }).await;
    println!("call Get            -> {value:?}");

    let (downs_tx, mut downs) = mpsc::unbounded_channel();
    let watcher = Watcher::spawn((counter.cell(), downs_tx))
        .await
        .unwrap()
        .running()
        .unwrap();
    println!(
        "started watcher {} monitoring counter {}",
        watcher.id(),
        counter.id()
    );

    println!("cast DivideBy(0)    (the handler will panic)");
    counter.cast(CounterCast::DivideBy(0)).await.unwrap();
    let down = downs.recv().await.expect("the watcher forwards the DOWN");
    assert!(matches!(down.reason, ExitReason::Panic(_)));

    match counter.call(|reply_to| CounterCall::Get { reply_to }).await {
        Ok(value) => println!("call Get            -> {value}"),
        Err(error) => println!("call Get            -> error: {error}"),
    }
    println!(
        "counter alive: {}, watcher alive: {}",
        counter.is_alive(),
        watcher.is_alive()
    );

    let reason = watcher.cell().shutdown(ShutdownMode::default()).await;
    println!("watcher shut down: {reason}");
    println!("== done ==");
}

//! actix: the counter as an `actix::Actor` with one `Handler` per message, reached with
//! `Addr::send` (call) and `Addr::do_send` (cast, which does not wait for mailbox room).
//! Default mailbox: 16. actix runs on a single-thread `System` by design, so it is measured on
//! the current-thread flavour only.
//!
//! Restart: actix's `Supervisor` restarts an actor that *stops*; a panic in a handler is not
//! caught (it unwinds through the arbiter), so actix has no figure for the restart workload.

use ::actix::prelude::*;

use crate::{Counter, Flavor, Framework, Linked, Rt};

/// actix.
pub struct Actix;

/// The counter actor.
pub struct ACounter {
    total: u64,
    next: Option<Addr<ACounter>>,
}

impl Actor for ACounter {
    type Context = Context<Self>;
}

/// Call: `n + 1`, or what the next actor of the chain answers.
pub struct Ping(pub u64);
impl Message for Ping {
    type Result = u64;
}

/// Cast: add to the total.
pub struct Add(pub u64);
impl Message for Add {
    type Result = ();
}

/// Call: the total.
pub struct Total;
impl Message for Total {
    type Result = u64;
}

/// Stops the actor.
pub struct Stop;
impl Message for Stop {
    type Result = ();
}

impl Handler<Ping> for ACounter {
    type Result = Response<u64>;

    fn handle(&mut self, Ping(n): Ping, _ctx: &mut Context<Self>) -> Response<u64> {
        match &self.next {
            Some(next) => {
                let next = next.clone();
                Response::fut(async move { next.send(Ping(n)).await.expect("chain call failed") })
            }
            None => Response::reply(n + 1),
        }
    }
}

impl Handler<Add> for ACounter {
    type Result = ();

    fn handle(&mut self, Add(n): Add, _ctx: &mut Context<Self>) {
        self.total += n;
    }
}

impl Handler<Total> for ACounter {
    type Result = u64;

    fn handle(&mut self, _: Total, _ctx: &mut Context<Self>) -> u64 {
        self.total
    }
}

impl Handler<Stop> for ACounter {
    type Result = ();

    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

impl Counter for Addr<ACounter> {
    async fn ping(&self, n: u64) -> u64 {
        self.send(Ping(n)).await.expect("send failed")
    }

    async fn add(&self, n: u64) {
        self.do_send(Add(n));
    }

    async fn total(&self) -> u64 {
        self.send(Total).await.expect("send failed")
    }
}

impl Framework for Actix {
    const NAME: &'static str = "actix";
    const FLAVORS: &'static [Flavor] = &[Flavor::CurrentThread];
    type Counter = Addr<ACounter>;

    fn runtime(flavor: Flavor) -> Rt {
        assert_eq!(
            flavor,
            Flavor::CurrentThread,
            "actix runs on a single-thread System"
        );
        Rt::Actix(::actix::System::new())
    }

    type Chain = Linked<Addr<ACounter>>;

    async fn spawn_counter() -> Addr<ACounter> {
        ACounter {
            total: 0,
            next: None,
        }
        .start()
    }

    async fn spawn_chain() -> Linked<Addr<ACounter>> {
        let chain = Linked::start(|next| async move { ACounter { total: 0, next }.start() }).await;
        Self::all_started(chain.members()).await;
        chain
    }

    async fn stop_chain(chain: Linked<Addr<ACounter>>) {
        Self::stop_all(chain.into_members()).await
    }

    async fn all_started(actors: &[Addr<ACounter>]) {
        // Actors start when the arbiter first polls them, in spawn order: once the last one
        // answers, all have started.
        if let Some(last) = actors.last() {
            last.total().await;
        }
    }

    async fn stop_all(actors: Vec<Addr<ACounter>>) {
        for actor in &actors {
            let _ = actor.send(Stop).await;
        }
        for actor in &actors {
            while actor.connected() {
                tokio::task::yield_now().await;
            }
        }
    }
}

//! What `specs/bench.kdl` leaves to the user: the generated code (from `build.rs`), the state
//! types it names and their handlers. Everything else — messages, clients, the actors'
//! runtime glue, the supervisors — is generated.

use ::arbor::ExitReason;

::arbor::include_spec!("bench");

/// The state of a counter (`BenchCounter`, and `ChainC` at the end of a chain).
pub struct CounterState {
    total: u64,
}

impl bench_counter::State for CounterState {
    type Args = ();

    async fn init(_: (), _ctx: &mut bench_counter::Ctx) -> Result<Self, ExitReason> {
        Ok(CounterState { total: 0 })
    }
}

impl chain_c::State for CounterState {
    type Args = ();

    async fn init(_: (), _ctx: &mut chain_c::Ctx) -> Result<Self, ExitReason> {
        Ok(CounterState { total: 0 })
    }
}

// The counter does not use its context: one implementation serves both actors.
impl<C: Send> counter::Handler<C> for CounterState {
    async fn ping(&mut self, n: u64, _ctx: &mut C) -> u64 {
        n + 1
    }

    async fn add(&mut self, n: u64, _ctx: &mut C) {
        self.total += n;
    }

    async fn total(&mut self, _ctx: &mut C) -> u64 {
        self.total
    }

    async fn crash(&mut self, _ctx: &mut C) {
        panic!("crash requested by the restart benchmark");
    }
}

/// The state of the first two actors of a chain (`ChainA`, `ChainB`): `ping` is answered by
/// the next actor, through the client the spec's `calls` gives the context.
pub struct ChainState {
    total: u64,
}

impl chain_b::State for ChainState {
    type Args = ();

    async fn init(_: (), _ctx: &mut chain_b::Ctx) -> Result<Self, ExitReason> {
        Ok(ChainState { total: 0 })
    }
}

impl chain_a::State for ChainState {
    type Args = ();

    async fn init(_: (), _ctx: &mut chain_a::Ctx) -> Result<Self, ExitReason> {
        Ok(ChainState { total: 0 })
    }
}

impl counter::Handler<chain_b::Ctx> for ChainState {
    async fn ping(&mut self, n: u64, ctx: &mut chain_b::Ctx) -> u64 {
        ctx.chain_c().ping(n).await.expect("chain call to c failed")
    }

    async fn add(&mut self, n: u64, _ctx: &mut chain_b::Ctx) {
        self.total += n;
    }

    async fn total(&mut self, _ctx: &mut chain_b::Ctx) -> u64 {
        self.total
    }

    async fn crash(&mut self, _ctx: &mut chain_b::Ctx) {
        panic!("crash requested");
    }
}

impl counter::Handler<chain_a::Ctx> for ChainState {
    async fn ping(&mut self, n: u64, ctx: &mut chain_a::Ctx) -> u64 {
        ctx.chain_b().ping(n).await.expect("chain call to b failed")
    }

    async fn add(&mut self, n: u64, _ctx: &mut chain_a::Ctx) {
        self.total += n;
    }

    async fn total(&mut self, _ctx: &mut chain_a::Ctx) -> u64 {
        self.total
    }

    async fn crash(&mut self, _ctx: &mut chain_a::Ctx) {
        panic!("crash requested");
    }
}

//! What the README says of `ctx`: it only hands out the declared actors, but a client handed
//! over another way (here in a message) compiles, and a cycle of calls through it is caught at
//! run time, at once, as `CallError::Deadlock` (not after the 5 s timeout).

use std::time::{Duration, Instant};

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(B))]
    pub struct AState;

    #[handlers(protocol = "AApi")]
    impl AState {
        /// Calls `B`, which calls back through the client it was given: a cycle.
        #[call]
        async fn go(&mut self, ctx: &mut a::Ctx) -> Result<u32, arbor::CallError> {
            ctx.b().ping().await?
        }

        #[call]
        async fn back(&mut self, _ctx: &mut a::Ctx) -> u32 {
            7
        }
    }

    /// Declares no dependency: `ctx` has no client of `A`.
    #[derive(Default, Actor)]
    pub struct BState {
        a: Option<a::Client>,
    }

    #[handlers(protocol = "BApi")]
    impl BState {
        #[cast]
        async fn remember(&mut self, a: a::Client, _ctx: &mut b::Ctx) {
            self.a = Some(a);
        }

        #[call]
        async fn ping(&mut self, _ctx: &mut b::Ctx) -> Result<u32, arbor::CallError> {
            match &self.a {
                Some(a) => a.back().await,
                None => Ok(0),
            }
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one")]
    pub struct Root {
        b: B,
        a: A,
    }
}

#[tokio::test]
async fn a_cycle_through_a_handed_over_client_fails_at_once_with_deadlock() {
    let app = sys::root::start(sys::root::Config { b: (), a: () })
        .await
        .unwrap();
    assert_eq!(app.a().back().await.unwrap(), 7);
    app.b().remember(app.a()).await.unwrap();
    // `B.ping` now calls `A` while `A.go` waits for it.
    let started = Instant::now();
    let result = app.a().go().await.unwrap();
    assert!(
        matches!(result, Err(arbor::CallError::Deadlock { .. })),
        "{result:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "caught at once, not by the timeout: {:?}",
        started.elapsed()
    );
    app.shutdown().await;
}

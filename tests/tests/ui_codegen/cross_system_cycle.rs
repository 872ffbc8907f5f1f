// A KDL-generated system (`ui_codegen/specs/back.kdl`: Back calls extern Front) and a
// `#[system]` module (Front calls extern Back). Each is acyclic alone; the compile-time walk
// of each follows the extern edge into the other and names the cycle.

mod back {
    include!("generated/back.rs");

    pub struct BackState;

    impl back::State for BackState {
        type Args = ();
        async fn init(_: (), _ctx: &mut back::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(BackState)
        }
    }

    impl ask::Handler<back::Ctx> for BackState {
        async fn ask(&mut self, ctx: &mut back::Ctx) -> u32 {
            ctx.front().hello().await.unwrap_or(0)
        }
    }
}

#[arbor_macros::system(externs(Back = crate::back::back))]
mod front {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(calls(Back), allow(unsupervised_actor, reason = "this case is about the cycle"))]
    pub struct FrontState;

    #[handlers(protocol = "Hello")]
    impl FrontState {
        #[call]
        async fn hello(&mut self, ctx: &mut front::Ctx) -> u32 {
            ctx.back().ask().await.unwrap_or(0) + 1
        }
    }
}

fn main() {}

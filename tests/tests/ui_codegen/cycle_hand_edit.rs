// Generated code edited by hand so that B calls A back (see `add_cycle` in codegen_ui.rs):
// the compile-time cycle check fails the build and names the cycle.

mod cycle {
    include!("generated/cycle_edited.rs");

    pub struct AState;
    pub struct BState;

    impl a::State for AState {
        type Args = ();
        async fn init(_: (), _ctx: &mut a::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(AState)
        }
    }

    impl ask::Handler<a::Ctx> for AState {
        async fn ask(&mut self, ctx: &mut a::Ctx) -> u32 {
            ctx.b().ask().await.unwrap_or(0) + 1
        }
    }

    impl b::State for BState {
        type Args = ();
        async fn init(_: (), _ctx: &mut b::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(BState)
        }
    }

    impl ask::Handler<b::Ctx> for BState {
        async fn ask(&mut self, _ctx: &mut b::Ctx) -> u32 {
            1
        }
    }
}

fn main() {}

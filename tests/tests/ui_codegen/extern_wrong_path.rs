// A spec's extern actor whose path leads nowhere (`ui_codegen/specs/wrong_path.kdl`: `ledgr`
// instead of `ledger`): the generated code does not compile, and rustc names the path.

mod billing {
    pub mod ledger {}
}

mod shop {
    include!("generated/wrong_path.rs");

    pub struct CartState;

    impl cart::State for CartState {
        type Args = ();
        async fn init(_: (), _ctx: &mut cart::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(CartState)
        }
    }

    impl checkout::Handler<cart::Ctx> for CartState {
        async fn checkout(&mut self, _ctx: &mut cart::Ctx) -> u32 {
            1
        }
    }
}

fn main() {}

// An extern actor whose path leads nowhere: the error points at the path.

#[arbor_macros::system(externs(Ledger = crate::billing::ledgr))]
mod shop {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(calls(Ledger), allow(unsupervised_actor, reason = "this case is about the extern path"))]
    pub struct CartState;

    #[handlers(protocol = "CartApi")]
    impl CartState {
        #[call]
        async fn checkout(&mut self, _ctx: &mut cart::Ctx) -> u32 {
            1
        }
    }
}

#[arbor_macros::system]
mod billing {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(allow(unsupervised_actor, reason = "this case is about the extern path"))]
    pub struct LedgerState;

    #[handlers(protocol = "Charge")]
    impl LedgerState {
        #[call]
        async fn charge(&mut self, _ctx: &mut ledger::Ctx) -> u32 {
            1
        }
    }
}

fn main() {}

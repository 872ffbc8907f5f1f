// `Logger`'s state has its handlers but no `State` impl: every use of the state needs it, and
// each error says which actor and the impl to write.

mod small {
    include!("generated/small.rs");

    pub struct PingState;
    pub struct LogState(u64);
    pub struct OtherState;

    impl pinger::State for PingState {
        type Args = ();
        async fn init(_: (), _ctx: &mut pinger::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(PingState)
        }
    }

    impl ping::Handler<pinger::Ctx> for PingState {
        async fn ping(&mut self, n: u32, _ctx: &mut pinger::Ctx) -> u32 {
            n
        }
    }

    impl log::Handler<logger::Ctx> for LogState {
        async fn total(&mut self, _ctx: &mut logger::Ctx) -> u64 {
            self.0
        }
        async fn line(&mut self, _text: String, _ctx: &mut logger::Ctx) {
            self.0 += 1;
        }
    }

    impl other::State for OtherState {
        type Args = ();
        async fn init(_: (), _ctx: &mut other::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(OtherState)
        }
    }

    impl ping::Handler<other::Ctx> for OtherState {
        async fn ping(&mut self, n: u32, _ctx: &mut other::Ctx) -> u32 {
            n
        }
    }
}

fn main() {}

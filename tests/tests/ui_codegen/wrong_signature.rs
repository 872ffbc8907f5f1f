// A handler whose argument type differs from the spec's (`arg n u32`).

mod small {
    include!("generated/small.rs");
    include!("support/small.rs");

    impl ping::Handler<pinger::Ctx> for PingState {
        async fn ping(&mut self, n: u64, _ctx: &mut pinger::Ctx) -> u32 {
            n as u32
        }
    }
}

fn main() {}

// `Pinger` declares no dependency on `Other`: its context has no way to reach it, so a
// synchronous call to `Other` from a Pinger handler does not compile.

mod small {
    include!("generated/small.rs");
    include!("support/small.rs");

    impl ping::Handler<pinger::Ctx> for PingState {
        async fn ping(&mut self, n: u32, ctx: &mut pinger::Ctx) -> u32 {
            ctx.other().ping(n).await.unwrap_or(0)
        }
    }
}

fn main() {}

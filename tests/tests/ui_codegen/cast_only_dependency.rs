// `Pinger` only `casts` to `Logger`: its context hands out a cast-only client, so calling
// `Logger` (a synchronous call, an edge the cycle check never saw) does not compile.

mod small {
    include!("generated/small.rs");
    include!("support/small.rs");

    impl ping::Handler<pinger::Ctx> for PingState {
        async fn ping(&mut self, n: u32, ctx: &mut pinger::Ctx) -> u32 {
            let _ = ctx.logger().line(format!("ping {n}")).await; // a cast: allowed
            ctx.logger().total().await.unwrap_or(0) as u32 // a call: not allowed
        }
    }
}

fn main() {}

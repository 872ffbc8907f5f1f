//! The same system as `ui_macros/lint_warning_denied.rs`, with each lint allowed where it
//! fires: it compiles under `#![deny(warnings)]`.
#![deny(warnings)]

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(unbounded, allow(unbounded_mailbox, reason = "the producer is rate-limited"))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[cast]
        async fn ping(&mut self, _ctx: &mut a::Ctx) {}
    }

    #[derive(Supervisor)]
    pub struct Root {
        #[child(
            shutdown = "infinity",
            allow(infinity_shutdown_worker, reason = "it flushes to disk and must finish")
        )]
        a: A,
    }
}

fn main() {
    let _ = sys::root::start;
}

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(unbounded, allow(unbounded_mailboxes, reason = "the producer is rate-limited"))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[cast]
        async fn ping(&mut self, _ctx: &mut a::Ctx) {}
    }

    #[derive(Supervisor)]
    #[supervisor(allow(call_cycle, reason = "it is fine"))]
    pub struct Root {
        a: A,
    }
}

fn main() {}

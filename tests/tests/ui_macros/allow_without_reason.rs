#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(unbounded, allow(unbounded_mailbox))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[cast]
        async fn ping(&mut self, _ctx: &mut a::Ctx) {}
    }

    #[derive(Supervisor)]
    pub struct Root {
        #[child(allow(unbounded_mailbox, reason = ""))]
        a: A,
    }
}

fn main() {}

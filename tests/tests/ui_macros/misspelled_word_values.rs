// Word values: a near miss is echoed with the closest word (as `arbor check` does for KDL),
// every one at once.
#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(mailbox(capacity = 8, overflow = "rejct"))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn ping(&mut self, _ctx: &mut a::Ctx) -> u32 {
            1
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_al", auto_shutdown = "any_significan")]
    pub struct Root {
        #[child(restart = "transiant")]
        a: A,
    }
}

fn main() {}

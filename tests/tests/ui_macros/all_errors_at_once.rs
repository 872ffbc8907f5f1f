// One compilation reports everything: an unknown key keeps the attribute's other options
// (`calls(B)` still counts), an actor with a bad option still has its `#[handlers]` block,
// and the analysis' errors (the cycle, boot order) come with the validation errors.
#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(mailbx(capacity = 8), calls(B))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn ping(&mut self, _ctx: &mut a::Ctx) -> u32 {
            1
        }
    }

    #[derive(Default, Actor)]
    #[actor(mailbox(overflow = "explode"), calls(A))]
    pub struct BState;

    #[handlers(protocol = "BProto")]
    impl BState {
        #[call]
        async fn pong(&mut self, _ctx: &mut b::Ctx) -> u32 {
            2
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one")]
    pub struct Root {
        a: A,
        b: B,
    }
}

fn main() {}

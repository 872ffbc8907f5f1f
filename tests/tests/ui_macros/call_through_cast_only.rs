#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(casts(B))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn ping(&mut self, ctx: &mut a::Ctx) -> u32 {
            let _ = &ctx;
            let _ = ctx.b().ping().await;
            1
        }
    }

    #[derive(Default, Actor)]
    #[actor(mailbox(overflow = "reject"))]
    pub struct BState;

    #[handlers(protocol = "BProto")]
    impl BState {
        #[call]
        async fn ping(&mut self, ctx: &mut b::Ctx) -> u32 {
            let _ = &ctx;
            
            1
        }
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
        b: B,
    }
}

fn main() {}

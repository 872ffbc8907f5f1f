#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn ping(&mut self, ctx: &mut a::Ctx) -> u32 {
            let _ = &ctx;
            
            1
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_some")]
    pub struct Root {
        a: A,
    }
}

fn main() {}

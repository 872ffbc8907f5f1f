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
    pub struct Root {
        #[child(dynamic, strategy = "one_for_all")]
        pool: A,
    }
}

fn main() {}

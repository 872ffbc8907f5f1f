#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call(deferred)]
        async fn slow(&mut self, _ctx: &mut a::Ctx) -> u32 {
            1
        }
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
    }
}

fn main() {}

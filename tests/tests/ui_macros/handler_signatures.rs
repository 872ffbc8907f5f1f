// Each wrong handler signature is named on the offending token, all at once; a handler
// without `ctx` is an error, not its last argument taken for the context.
#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn shared(&self, _ctx: &mut a::Ctx) -> u32 {
            1
        }

        #[call]
        async fn owned(self, _ctx: &mut a::Ctx) -> u32 {
            2
        }

        #[call]
        async fn order(&mut self, item: String) -> u32 {
            item.len() as u32
        }

        #[cast]
        fn put(&mut self, _key: String, _ctx: &mut a::Ctx) {}
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
    }
}

fn main() {}

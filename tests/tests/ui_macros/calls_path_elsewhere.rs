// A path in `calls(..)` that is not an actor of this system: the error says what `calls(..)`
// can name and how an actor of another system is declared.
mod elsewhere {
    pub struct Thing;
}

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(crate::elsewhere::Thing))]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn ping(&mut self, _ctx: &mut a::Ctx) -> u32 {
            1
        }
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
    }
}

fn main() {}

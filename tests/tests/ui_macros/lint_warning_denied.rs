//! A lint of the analysis is a compiler warning on the tokens it is about: denied here.
#![deny(warnings)]

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(unbounded)]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[cast]
        async fn ping(&mut self, _ctx: &mut a::Ctx) {}
    }

    #[derive(Supervisor)]
    pub struct Root {
        #[child(shutdown = "infinity")]
        a: A,
    }
}

fn main() {}

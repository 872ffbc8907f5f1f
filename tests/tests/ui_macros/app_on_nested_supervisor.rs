//! An app starts a top-level tree: on a nested supervisor it is refused, spelled for the macros.
#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[cast]
        async fn ping(&mut self, _ctx: &mut a::Ctx) {}
    }

    #[derive(Supervisor)]
    #[supervisor(app = "Service")]
    pub struct Inner {
        a: A,
    }

    #[derive(Supervisor)]
    pub struct Outer {
        inner: Inner,
    }
}

fn main() {}

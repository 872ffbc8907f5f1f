// Two `#[system]` modules, each acyclic alone: alpha's A calls beta's B, which calls A back.
// The compile-time walk of each system follows the extern edge and names the whole cycle.

#[arbor_macros::system(externs(B = crate::beta::b))]
mod alpha {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(B))]
    pub struct AState;

    #[handlers(protocol = "AskA")]
    impl AState {
        #[call]
        async fn ask(&mut self, ctx: &mut a::Ctx) -> u32 {
            ctx.b().ask().await.unwrap_or(0) + 1
        }
    }

    #[derive(Supervisor)]
    pub struct Alpha {
        a: A,
    }
}

#[arbor_macros::system(externs(A = crate::alpha::a))]
mod beta {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(A))]
    pub struct BState;

    #[handlers(protocol = "AskB")]
    impl BState {
        #[call]
        async fn ask(&mut self, ctx: &mut b::Ctx) -> u32 {
            ctx.a().ask().await.unwrap_or(0) + 1
        }
    }

    #[derive(Supervisor)]
    pub struct Beta {
        b: B,
    }
}

fn main() {}

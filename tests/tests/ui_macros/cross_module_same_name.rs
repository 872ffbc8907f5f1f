// Two systems whose modules are both named `sys` (in `left` and `right`): the cycle names each
// actor by its whole module path, so `A -> A` does not read like a self-call.

mod left {
    #[arbor_macros::system(externs(Other = crate::right::sys::a))]
    pub mod sys {
        use arbor_macros::{Actor, Supervisor};

        #[derive(Default, Actor)]
        #[actor(calls(Other))]
        pub struct AState;

        #[handlers(protocol = "AskLeft")]
        impl AState {
            #[call]
            async fn ask(&mut self, ctx: &mut a::Ctx) -> u32 {
                ctx.other().ask().await.unwrap_or(0) + 1
            }
        }

        #[derive(Supervisor)]
        pub struct Left {
            a: A,
        }
    }
}

mod right {
    #[arbor_macros::system(externs(Other = crate::left::sys::a))]
    pub mod sys {
        use arbor_macros::{Actor, Supervisor};

        #[derive(Default, Actor)]
        #[actor(calls(Other))]
        pub struct AState;

        #[handlers(protocol = "AskRight")]
        impl AState {
            #[call]
            async fn ask(&mut self, ctx: &mut a::Ctx) -> u32 {
                ctx.other().ask().await.unwrap_or(0) + 1
            }
        }

        #[derive(Supervisor)]
        pub struct Right {
            a: A,
        }
    }
}

fn main() {}

// A system spans its nested inline modules, with two rules the generated code needs: the
// states are visible from the `#[system]` module, and an actor's handlers sit beside its
// struct. Each broken rule is one error on the token, all at once.

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    mod hidden {
        use arbor_macros::Actor;

        #[derive(Default, Actor)]
        struct AState;

        mod deeper {
            use arbor_macros::Actor;

            #[derive(Default, Actor)]
            pub(crate) struct BState;
        }
    }

    #[derive(Default, Actor)]
    pub struct CState;

    mod elsewhere {
        use super::*;

        #[handlers(protocol = "CProto")]
        impl CState {
            #[call]
            async fn ping(&mut self, _ctx: &mut c::Ctx) -> u32 {
                1
            }
        }
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
        b: B,
        c: C,
    }
}

fn main() {}

// Three `#[system]` modules: alpha's A calls beta's B, which calls gamma's C, which calls A.
// No module sees more than one edge of the cycle; the compile-time walk names all of it.

#[arbor_macros::system(externs(B = crate::beta::b))]
mod alpha {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(calls(B), allow(unsupervised_actor, reason = "this case is about the cycle"))]
    pub struct AState;

    #[handlers(protocol = "AskA")]
    impl AState {
        #[call]
        async fn ask(&mut self, _ctx: &mut a::Ctx) -> u32 {
            1
        }
    }
}

#[arbor_macros::system(externs(C = crate::gamma::c))]
mod beta {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(calls(C), allow(unsupervised_actor, reason = "this case is about the cycle"))]
    pub struct BState;

    #[handlers(protocol = "AskB")]
    impl BState {
        #[call]
        async fn ask(&mut self, _ctx: &mut b::Ctx) -> u32 {
            2
        }
    }
}

#[arbor_macros::system(externs(crate::alpha::a))]
mod gamma {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(calls(A), allow(unsupervised_actor, reason = "this case is about the cycle"))]
    pub struct CState;

    #[handlers(protocol = "AskC")]
    impl CState {
        #[call]
        async fn ask(&mut self, _ctx: &mut c::Ctx) -> u32 {
            3
        }
    }
}

fn main() {}

// A cycle across two `#[system]` modules through a cast: alpha's A calls beta's B, and B casts
// to A, whose mailbox blocks a sender when full (the default). B can wait on A while A waits
// on B. (With `mailbox(overflow = "reject")` on A the cast would not count.)

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

        #[cast]
        async fn told(&mut self, _n: u32, _ctx: &mut a::Ctx) {}
    }
}

#[arbor_macros::system(externs(A = crate::alpha::a))]
mod beta {
    use arbor_macros::Actor;

    #[derive(Default, Actor)]
    #[actor(casts(A), allow(unsupervised_actor, reason = "this case is about the cycle"))]
    pub struct BState;

    #[handlers(protocol = "AskB")]
    impl BState {
        #[call]
        async fn ask(&mut self, _ctx: &mut b::Ctx) -> u32 {
            2
        }
    }
}

fn main() {}

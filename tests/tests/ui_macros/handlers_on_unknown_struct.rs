#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default)]
    pub struct Plain;

    #[handlers]
    impl Plain {
        #[cast]
        async fn poke(&mut self, _ctx: &mut ()) {}
    }
}

fn main() {}

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = "AProto")]
    impl AState {
        #[call]
        async fn ping(&mut self) -> u32 {
            let _ = &ctx;
            
            let ctx = (); let _ = ctx; 1
        }
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
    }
}

fn main() {}

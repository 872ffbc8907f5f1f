#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[protocol]
    pub trait Kv {
        #[call(timeout = "1s")]
        async fn get(&self, key: String) -> Option<String>;
        #[cast]
        fn put(&self, key: String, value: String);
    }

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = Kb)]
    impl AState {
        async fn get(&mut self, _key: String, _ctx: &mut a::Ctx) -> Option<String> {
            None
        }
    }

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
    }
}

fn main() {}

#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[protocol]
    pub trait Kv {
        async fn get(&self, key: String) -> Option<String>;
        #[cast]
        fn put(&self, key: String, value: String) {}
    }

    #[derive(Default, Actor)]
    pub struct AState;

    #[handlers(protocol = Kv)]
    impl AState {}

    #[derive(Supervisor)]
    pub struct Root {
        a: A,
    }
}

fn main() {}

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
    pub struct Root {
        #[child(keys = "unique", partitions = 2)]
        a: A,
        #[child(registry, keys = "uniq", partitions = 0)]
        names: Registry,
        #[child(tasks, partitions = "per_core")]
        jobs: Tasks,
    }
}

fn main() {}

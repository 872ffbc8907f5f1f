//! A call while starting to an actor only a dynamic supervisor starts: no instance exists at
//! boot; the help moves the dependency to `calls(…)`.
#[arbor_macros::system]
mod sys {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls_during_init(Worker))]
    pub struct BootState;

    #[handlers(protocol = "BootProto")]
    impl BootState {
        #[cast]
        async fn go(&mut self, _ctx: &mut boot::Ctx) {}
    }

    #[derive(Default, Actor)]
    pub struct WorkerState;

    #[handlers(protocol = "WorkerProto")]
    impl WorkerState {
        #[call]
        async fn work(&mut self, _ctx: &mut worker::Ctx) -> u32 {
            1
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one")]
    pub struct Root {
        boot: Boot,
        #[child(dynamic)]
        workers: Worker,
    }
}

fn main() {}

// Compiles and runs the code generated from `specs/features.kdl`: an actor serving two
// protocols in two trees, a partitioned dynamic supervisor, a deferred call on a task
// supervisor, several instances of one actor, a stateless actor.
#![deny(warnings)]

mod features {
    include!("../generated/features.rs");

    use arbor::ExitReason;

    pub struct MultiState {
        n: u64,
        notes: Vec<String>,
    }

    impl multi::State for MultiState {
        type Args = u64;
        async fn init(n: u64, _ctx: &mut multi::Ctx) -> Result<Self, ExitReason> {
            Ok(MultiState { n, notes: Vec::new() })
        }
        async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut multi::Ctx) {
            self.notes.clear();
        }
    }

    impl counter::Handler<multi::Ctx> for MultiState {
        async fn get(&mut self, ctx: &mut multi::Ctx) -> u64 {
            // `calls Worker`: the instances of Worker in the tree, by name. In the `Right`
            // tree there is none: the call fails, it does not panic.
            let doubled = ctx.worker().w1().run(self.n).await.unwrap_or(0);
            self.n + doubled
        }
        async fn add(&mut self, n: u64, _ctx: &mut multi::Ctx) {
            self.n += n;
        }
        async fn tick(&mut self, _ctx: &mut multi::Ctx) {
            self.n += 100;
        }
    }

    impl admin::Handler<multi::Ctx> for MultiState {
        async fn reset(&mut self, ctx: &mut multi::Ctx) {
            self.n = 0;
            ctx.send_after(std::time::Duration::from_millis(1), counter::Info::Tick);
        }
        async fn note(&mut self, text: String, _ctx: &mut multi::Ctx) {
            self.notes.push(text);
        }
    }

    pub struct WorkerState;

    impl worker::State for WorkerState {
        type Args = ();
        async fn init(_: (), _ctx: &mut worker::Ctx) -> Result<Self, ExitReason> {
            Ok(WorkerState)
        }
    }

    impl work::Handler<worker::Ctx> for WorkerState {
        fn run(
            &mut self,
            input: u64,
            _ctx: &mut worker::Ctx,
        ) -> impl Future<Output = u64> + Send + 'static {
            async move { input * 2 }
        }
    }

    impl idle::State for () {
        type Args = ();
        async fn init(_: (), _ctx: &mut idle::Ctx) -> Result<Self, ExitReason> {
            Ok(())
        }
    }

    impl admin::Handler<idle::Ctx> for () {
        async fn reset(&mut self, _ctx: &mut idle::Ctx) {}
        async fn note(&mut self, _text: String, _ctx: &mut idle::Ctx) {}
    }
}

use features::*;

fn main() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let left = left_app::start(left::Config {
            multi: 1,
            inner: inner::Config { w1: (), w2: () },
        })
        .await
        .unwrap();
        let right = right_app::start(right::Config { idle: (), multi2: 5 }).await.unwrap();

        let m = left.multi();
        m.counter().add(2).await.unwrap();
        assert_eq!(m.counter().get().await, Ok(3 + 6)); // 3 + w1.run(3)
        m.admin().reset().await.unwrap(); // timeout=infinity
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert_eq!(m.counter().with_timeout(std::time::Duration::from_secs(1)).get().await, Ok(300));

        // The partitioned dynamic supervisor.
        let workers = left.workers();
        assert_eq!(workers.partitions(), 2);
        let w = workers.start_child(()).await.unwrap();
        assert_eq!(w.run(21).await, Ok(42));
        let k = workers
            .start_registered(left.names(), "k".to_string(), (), ())
            .await
            .unwrap();
        assert_eq!(k.run(1).await, Ok(2));
        assert_eq!(workers.children().await.unwrap().len(), 2);
        assert_eq!(left.inner().w2().run(4).await, Ok(8));

        // Multi in the other tree: no Worker there, so its call fails and `get` goes on.
        assert_eq!(right.multi2().counter().get().await, Ok(5));
        right.idle().note("hello".into()).await.unwrap();

        assert_eq!(left.shutdown().await, arbor::ExitReason::Shutdown);
        assert_eq!(right.shutdown().await, arbor::ExitReason::Shutdown);
        assert!(m.counter().get().await.is_err());
    });
}

//! The macro front-end end to end, with what a spec file's `protocol`, `registry`,
//! `dynamic-supervisor partitions=…` and `task-supervisor` give: a `#[protocol]` trait served
//! by two actors, a partitioned registry, a partitioned dynamic supervisor and a task
//! supervisor as fields of a `#[derive(Supervisor)]` struct, used through the generated
//! typed handles.

use std::collections::HashMap;

#[arbor_macros::system]
mod kv {
    use std::collections::HashMap;

    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    /// A key-value store: served by the in-memory store and by each shard.
    #[protocol]
    pub trait Store {
        #[call(timeout = "1s")]
        async fn get(&self, key: String) -> Option<String>;
        #[cast]
        fn put(&self, key: String, value: String);
        #[call]
        fn len(&self) -> usize;
    }

    /// One map for the whole app.
    #[derive(Default, Actor)]
    pub struct MemoryState {
        map: HashMap<String, String>,
    }

    #[handlers(protocol = Store)]
    impl MemoryState {
        async fn get(&mut self, key: String, _ctx: &mut memory::Ctx) -> Option<String> {
            self.map.get(&key).cloned()
        }

        async fn put(&mut self, key: String, value: String, _ctx: &mut memory::Ctx) {
            self.map.insert(key, value);
        }

        async fn len(&mut self, _ctx: &mut memory::Ctx) -> usize {
            self.map.len()
        }
    }

    // A second handlers block: the memory store also serves `Admin`.
    #[handlers(protocol = "Admin")]
    impl MemoryState {
        #[call]
        async fn clear(&mut self, _ctx: &mut memory::Ctx) -> usize {
            let n = self.map.len();
            self.map.clear();
            n
        }
    }

    /// A shard: a map of its own, started on demand and found by name.
    #[derive(Actor)]
    pub struct ShardState {
        name: String,
        map: HashMap<String, String>,
    }

    #[handlers(protocol = Store)]
    impl ShardState {
        #[init]
        async fn start(name: String, _ctx: &mut shard::Ctx) -> Result<Self, ExitReason> {
            Ok(ShardState {
                name,
                map: HashMap::new(),
            })
        }

        #[call]
        async fn get(&mut self, key: String, _ctx: &mut shard::Ctx) -> Option<String> {
            // Each shard tags its values, so the test sees which actor answered.
            self.map.get(&key).map(|v| format!("{}:{v}", self.name))
        }

        #[cast]
        async fn put(&mut self, key: String, value: String, _ctx: &mut shard::Ctx) {
            self.map.insert(key, value);
        }

        #[call]
        async fn len(&mut self, _ctx: &mut shard::Ctx) -> usize {
            self.map.len()
        }
    }

    /// The tree: the memory store, the shards' registry, the shards, and a task supervisor.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_one")]
    pub struct KvSup {
        memory: Memory,
        #[child(registry, keys = "unique", partitions = 2)]
        shards_by_name: Registry,
        #[child(
            dynamic,
            partitions = 2,
            max_children = 64,
            template(restart = "transient")
        )]
        shards: Shard,
        #[child(tasks, max_children = 8)]
        jobs: Tasks,
    }
}

#[tokio::test]
async fn a_protocol_trait_registry_and_partitioned_dynamic_supervisor_from_macros() {
    let app = kv::kv_sup::start(kv::kv_sup::Config { memory: () })
        .await
        .unwrap();

    // The in-memory store serves `Store` and, from its second handlers block, `Admin`: its
    // client has one accessor per protocol.
    let memory = app.memory();
    memory.store().put("a".into(), "1".into()).await.unwrap();
    assert_eq!(
        memory.store().get("a".into()).await.unwrap(),
        Some("1".into())
    );
    assert_eq!(memory.store().len().await.unwrap(), 1);
    assert_eq!(memory.admin().clear().await.unwrap(), 1);
    assert_eq!(memory.store().len().await.unwrap(), 0);

    // Shards serve the same protocol; they start under the partitioned dynamic supervisor
    // and register in the partitioned registry under their name.
    assert_eq!(kv::shards::partitions(), 2);
    assert_eq!(app.shards().partitions(), 2);
    let mut shards = HashMap::new();
    for name in ["east", "west", "north"] {
        let client = app
            .shards()
            .start_registered(app.shards_by_name(), name.to_owned(), (), name.to_owned())
            .await
            .unwrap();
        shards.insert(name, client);
    }
    app.shards_by_name().sync().await;
    assert_eq!(app.shards_by_name().count(), 3);
    assert!(
        app.shards_by_name()
            .whereis::<kv::shard::Shard>(&"west".to_owned())
            .is_some()
    );
    assert!(
        app.shards_by_name()
            .whereis::<kv::shard::Shard>(&"south".to_owned())
            .is_none()
    );
    shards["west"].put("k".into(), "v".into()).await.unwrap();
    assert_eq!(
        shards["west"].get("k".into()).await.unwrap(),
        Some("west:v".into())
    );
    assert_eq!(shards["east"].get("k".into()).await.unwrap(), None);
    assert_eq!(shards["east"].len().await.unwrap(), 0);
    // Both partitions of the dynamic supervisor together hold the three shards.
    assert_eq!(app.shards().children().await.unwrap().len(), 3);

    // A registered name is unique: starting `west` again is refused.
    assert!(
        app.shards()
            .start_registered(
                app.shards_by_name(),
                "west".to_owned(),
                (),
                "west".to_owned()
            )
            .await
            .is_err()
    );

    // The task supervisor runs supervised tasks.
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.jobs()
        .expect("the task supervisor is running")
        .start_child(async move {
            let _ = tx.send(6 * 7);
        })
        .await
        .unwrap();
    assert_eq!(rx.await.unwrap(), 42);
    app.shutdown().await;
}

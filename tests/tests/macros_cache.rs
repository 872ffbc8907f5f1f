//! `specs/cache.kdl` written with the macros, run end to end: a read-through cache whose misses
//! are deferred (`#[call(deferred)]`: the handler returns the work, run on the task supervisor)
//! so hits are never blocked; the pool manager and a dynamic supervisor of connections
//! restart together under a nested one_for_all supervisor. `arbor-macros`' unit tests check
//! that this module gives the same model as the KDL file.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::ActorRef;

/// A value.
pub type Bytes = Vec<u8>;

/// A query: the key looked up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query(pub String);

/// A query's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rows(pub Option<Bytes>);

/// A failed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError(pub String);

/// A connection, by its actor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionId(pub ActorRef<sys::db_connection::DbConnection>);

/// No free connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolExhausted;

/// The database behind the connections: rows, a query count, a latency. (Not `Database`:
/// that is the name of a supervisor struct of the system.)
#[derive(Clone, Debug, Default)]
pub struct Data {
    rows: Arc<Mutex<HashMap<String, Bytes>>>,
    queries: Arc<AtomicU64>,
    latency: Duration,
}

/// Hits and misses, as the metrics actor counts them.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    hits: Arc<AtomicU64>,
    misses: Arc<AtomicU64>,
}

/// How the cache starts.
#[derive(Clone, Debug)]
pub struct CacheArgs {
    ttl: Duration,
}

/// The cache service of `specs/cache.kdl`.
#[arbor_macros::system]
pub mod sys {
    use std::collections::HashMap;
    use std::sync::atomic::Ordering;

    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    use super::*;

    /// Answers hits itself; a miss is deferred to a task that queries a pooled connection.
    #[derive(Actor)]
    #[actor(
        name = "CacheServer",
        mailbox(capacity = 1024, overflow = "reject"),
        calls_during_init(PoolManager),
        calls(PoolManager, DbConnection),
        casts(PoolManager, Metrics)
    )]
    pub struct CacheState {
        entries: HashMap<String, Bytes>,
        ttl: Duration,
    }

    #[handlers(protocol = "Cache")]
    impl CacheState {
        #[init]
        async fn start(args: CacheArgs, ctx: &mut cache_server::Ctx) -> Result<Self, ExitReason> {
            ctx.send_after(args.ttl, cache::Info::Cleanup);
            Ok(CacheState {
                entries: HashMap::new(),
                ttl: args.ttl,
            })
        }

        #[call(timeout = "800ms", deferred)]
        fn get(
            &mut self,
            key: String,
            ctx: &mut cache_server::Ctx,
        ) -> impl Future<Output = Option<Bytes>> + Send + 'static {
            let hit = self.entries.get(&key).cloned();
            let metrics = ctx.metrics().clone();
            let pool = ctx.pool_manager().clone();
            let connections = ctx.db_connection().connections().clone();
            let me = ctx.client();
            async move {
                if let Some(value) = hit {
                    let _ = metrics.hit().await;
                    return Some(value);
                }
                let _ = metrics.miss().await;
                let conn = pool.checkout().await.ok()?.ok()?;
                let rows = connections
                    .client(conn.0.clone())
                    .query(Query(key.clone()))
                    .await;
                let _ = pool.checkin(conn).await;
                let value = rows.ok()?.ok()?.0?;
                let _ = me.put(key, value.clone()).await;
                Some(value)
            }
        }

        #[cast]
        async fn put(&mut self, key: String, value: Bytes, _ctx: &mut cache_server::Ctx) {
            self.entries.insert(key, value);
        }

        #[cast]
        async fn invalidate(&mut self, key: String, _ctx: &mut cache_server::Ctx) {
            self.entries.remove(&key);
        }

        #[info]
        async fn cleanup(&mut self, ctx: &mut cache_server::Ctx) {
            self.entries.clear();
            ctx.send_after(self.ttl, cache::Info::Cleanup);
        }
    }

    /// The free connections.
    #[derive(Default, Actor)]
    #[actor(name = "PoolManager")]
    pub struct PoolState {
        free: Vec<ConnectionId>,
    }

    #[handlers(protocol = "Pool")]
    impl PoolState {
        #[call(timeout = "100ms")]
        async fn checkout(
            &mut self,
            _ctx: &mut pool_manager::Ctx,
        ) -> Result<ConnectionId, PoolExhausted> {
            self.free.retain(|c| c.0.is_alive());
            self.free.pop().ok_or(PoolExhausted)
        }

        #[cast]
        async fn checkin(&mut self, connection: ConnectionId, _ctx: &mut pool_manager::Ctx) {
            self.give_back(connection);
        }

        #[cast]
        async fn ready(&mut self, connection: ConnectionId, _ctx: &mut pool_manager::Ctx) {
            self.give_back(connection);
        }

        fn give_back(&mut self, connection: ConnectionId) {
            if connection.0.is_alive() && !self.free.contains(&connection) {
                self.free.push(connection);
            }
        }
    }

    /// One database connection; offers itself to the pool when it starts.
    #[derive(Actor)]
    #[actor(name = "DbConnection", casts(PoolManager))]
    pub struct Connection {
        db: Data,
    }

    #[handlers(protocol = "Db")]
    impl Connection {
        #[init]
        async fn start(db: Data, ctx: &mut db_connection::Ctx) -> Result<Self, ExitReason> {
            let me = ConnectionId(ctx.myself().clone());
            let _ = ctx.pool_manager().ready(me).await;
            Ok(Connection { db })
        }

        #[call(timeout = "500ms")]
        async fn query(
            &mut self,
            statement: Query,
            _ctx: &mut db_connection::Ctx,
        ) -> Result<Rows, DbError> {
            tokio::time::sleep(self.db.latency).await;
            self.db.queries.fetch_add(1, Ordering::Relaxed);
            let rows = self.db.rows.lock().unwrap();
            Ok(Rows(rows.get(&statement.0).cloned()))
        }

        #[terminate]
        async fn close(&mut self, _reason: &ExitReason, _ctx: &mut db_connection::Ctx) {}
    }

    /// Counts hits and misses; drops the oldest counts rather than slow the cache down.
    #[derive(Actor)]
    #[actor(name = "Metrics", mailbox(capacity = 4096, overflow = "drop_oldest"))]
    pub struct Counters {
        counts: Counts,
    }

    #[handlers(protocol = "Stats")]
    impl Counters {
        #[init]
        async fn start(counts: Counts, _ctx: &mut metrics::Ctx) -> Result<Self, ExitReason> {
            Ok(Counters { counts })
        }

        #[cast]
        async fn hit(&mut self, _ctx: &mut metrics::Ctx) {
            self.counts.hits.fetch_add(1, Ordering::Relaxed);
        }

        #[cast]
        async fn miss(&mut self, _ctx: &mut metrics::Ctx) {
            self.counts.misses.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The connections and their pool restart together.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_all")]
    pub struct Database {
        #[child(dynamic, max_children = 10, template(shutdown = "10s"))]
        connections: DbConnection,
        pool: PoolManager,
    }

    /// The database first, the cache last.
    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one", app = "CacheService")]
    pub struct CacheApp {
        database: Database,
        metrics: Metrics,
        #[child(tasks)]
        cache_tasks: Tasks,
        cache: CacheServer,
    }
}

async fn start(counts: &Counts) -> sys::cache_app::Handle {
    sys::cache_app::start(sys::cache_app::Config {
        database: sys::database::Config { pool: () },
        metrics: counts.clone(),
        cache: CacheArgs {
            ttl: Duration::from_secs(60),
        },
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn macro_cache_defers_misses_and_answers_hits_meanwhile() {
    let db = data(Duration::from_millis(300));
    let counts = Counts::default();
    let app = start(&counts).await;
    for _ in 0..2 {
        app.database()
            .connections()
            .start_child(db.clone())
            .await
            .unwrap();
    }
    let c = app.cache();

    assert_eq!(c.get("a".into()).await, Ok(Some(b"1".to_vec())));
    assert_eq!(db.queries.load(Ordering::Relaxed), 1);
    assert_eq!(c.get("a".into()).await, Ok(Some(b"1".to_vec())));
    assert_eq!(
        db.queries.load(Ordering::Relaxed),
        1,
        "a hit does not query"
    );

    // A slow miss runs on the task supervisor: a hit sent after it is answered while the
    // miss is still in flight.
    let slow = c.clone();
    let miss = tokio::spawn(async move { slow.get("slow".into()).await });
    while db.queries.load(Ordering::Relaxed) == 1 && counts.misses.load(Ordering::Relaxed) < 2 {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(c.get("a".into()).await, Ok(Some(b"1".to_vec())));
    assert!(!miss.is_finished(), "the hit waited for the miss");
    assert_eq!(miss.await.unwrap(), Ok(Some(b"2".to_vec())));

    assert_eq!(c.get("none".into()).await, Ok(None));
    for _ in 0..500 {
        if counts.hits.load(Ordering::Relaxed) == 2 && counts.misses.load(Ordering::Relaxed) == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(counts.hits.load(Ordering::Relaxed), 2);
    assert_eq!(counts.misses.load(Ordering::Relaxed), 3);
    app.shutdown().await;
}

#[tokio::test]
async fn macro_cache_answers_a_miss_without_connections() {
    let app = start(&Counts::default()).await;
    assert_eq!(app.cache().get("a".into()).await, Ok(None));
    app.shutdown().await;
}

fn data(latency: Duration) -> Data {
    Data {
        rows: Arc::new(Mutex::new(
            [
                ("a".to_string(), b"1".to_vec()),
                ("slow".to_string(), b"2".to_vec()),
            ]
            .into_iter()
            .collect(),
        )),
        queries: Arc::default(),
        latency,
    }
}

//! The read-through cache (`specs/cache.kdl`) in front of a pool of database connections.
//!
//! ```text
//! CacheApp (rest_for_one)
//! ├─ Database (one_for_all)
//! │  ├─ Connections  dynamic supervisor (DbConnection children)
//! │  └─ pool         PoolManager (the connections that are free)
//! ├─ metrics         Metrics (hit / miss counters; drops the oldest when flooded)
//! ├─ CacheTasks      task supervisor (deferred `get` work)
//! └─ cache           CacheServer
//! ```
//!
//! A hit is answered from the cache; a miss is deferred: a task checks a connection out of the
//! pool, queries it, checks it back in and answers the caller, while the cache goes on serving
//! hits. The answer is also cast back to the cache (`put`) so the next `get` is a hit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::supervisor::StartChildError;
use arbor::{ActorRef, ExitReason};

arbor::include_spec!("cache");

/// Cached values.
pub type Bytes = Vec<u8>;

/// A query: the key to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query(pub String);

/// A query's result: the value, if the key exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rows(pub Option<Bytes>);

/// A failed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError(pub String);

/// A checked-out connection: the connection actor itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionId(pub ActorRef<db_connection::DbConnection>);

/// No connection is free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolExhausted;

/// The database the connections read (shared storage in this example), and how many queries
/// reached it.
#[derive(Clone, Debug, Default)]
pub struct Database {
    rows: Arc<Mutex<HashMap<String, Bytes>>>,
    queries: Arc<AtomicU64>,
    /// Delay of every query (a slow database).
    pub latency: Duration,
}

impl Database {
    /// A database holding `rows`, answering after `latency`.
    pub fn new(rows: impl IntoIterator<Item = (String, Bytes)>, latency: Duration) -> Database {
        Database {
            rows: Arc::new(Mutex::new(rows.into_iter().collect())),
            queries: Arc::default(),
            latency,
        }
    }

    /// Queries that reached the database.
    pub fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }
}

/// One connection's state.
pub struct Connection {
    db: Database,
}

impl db_connection::State for Connection {
    type Args = Database;

    async fn init(db: Database, ctx: &mut db_connection::Ctx) -> Result<Self, ExitReason> {
        // A new connection offers itself to the pool.
        let me = ConnectionId(ctx.myself().clone());
        let _ = ctx.pool_manager().ready(me).await;
        Ok(Connection { db })
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut db_connection::Ctx) {
        // A real connection would roll back its open transaction and close the socket here.
    }
}

impl db::Handler<db_connection::Ctx> for Connection {
    async fn query(
        &mut self,
        statement: Query,
        _ctx: &mut db_connection::Ctx,
    ) -> Result<Rows, DbError> {
        tokio::time::sleep(self.db.latency).await;
        self.db.queries.fetch_add(1, Ordering::Relaxed);
        let rows = self
            .db
            .rows
            .lock()
            .map_err(|_| DbError("poisoned".into()))?;
        Ok(Rows(rows.get(&statement.0).cloned()))
    }
}

/// The pool's state: the connections that are free.
#[derive(Default)]
pub struct PoolState {
    free: Vec<ConnectionId>,
}

impl pool_manager::State for PoolState {
    type Args = ();

    async fn init(_: (), _ctx: &mut pool_manager::Ctx) -> Result<Self, ExitReason> {
        Ok(PoolState::default())
    }
}

impl pool::Handler<pool_manager::Ctx> for PoolState {
    async fn checkout(
        &mut self,
        _ctx: &mut pool_manager::Ctx,
    ) -> Result<ConnectionId, PoolExhausted> {
        // Connections that died since they were checked in are forgotten.
        self.free.retain(|c| c.0.is_alive());
        self.free.pop().ok_or(PoolExhausted)
    }

    async fn checkin(&mut self, connection: ConnectionId, _ctx: &mut pool_manager::Ctx) {
        if connection.0.is_alive() && !self.free.contains(&connection) {
            self.free.push(connection);
        }
    }

    async fn ready(&mut self, connection: ConnectionId, ctx: &mut pool_manager::Ctx) {
        self.checkin(connection, ctx).await;
    }
}

/// Hit and miss counts, readable from outside.
#[derive(Clone, Debug, Default)]
pub struct Counts {
    hits: Arc<AtomicU64>,
    misses: Arc<AtomicU64>,
}

impl Counts {
    /// (hits, misses) so far.
    pub fn get(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }
}

/// The metrics actor's state.
pub struct Counters {
    counts: Counts,
}

impl metrics::State for Counters {
    type Args = Counts;

    async fn init(counts: Counts, _ctx: &mut metrics::Ctx) -> Result<Self, ExitReason> {
        Ok(Counters { counts })
    }
}

impl stats::Handler<metrics::Ctx> for Counters {
    async fn hit(&mut self, _ctx: &mut metrics::Ctx) {
        self.counts.hits.fetch_add(1, Ordering::Relaxed);
    }

    async fn miss(&mut self, _ctx: &mut metrics::Ctx) {
        self.counts.misses.fetch_add(1, Ordering::Relaxed);
    }
}

/// How the cache starts.
#[derive(Clone, Debug)]
pub struct CacheArgs {
    /// How often the whole cache is dropped (`cleanup`).
    pub ttl: Duration,
}

/// The cache's state.
pub struct CacheState {
    entries: HashMap<String, Bytes>,
    ttl: Duration,
}

impl cache_server::State for CacheState {
    type Args = CacheArgs;

    async fn init(args: CacheArgs, ctx: &mut cache_server::Ctx) -> Result<Self, ExitReason> {
        ctx.send_after(args.ttl, cache::Info::Cleanup);
        Ok(CacheState {
            entries: HashMap::new(),
            ttl: args.ttl,
        })
    }
}

impl cache::Handler<cache_server::Ctx> for CacheState {
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
            // Runs on the task supervisor: the cache serves other requests meanwhile.
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

    async fn put(&mut self, key: String, value: Bytes, _ctx: &mut cache_server::Ctx) {
        self.entries.insert(key, value);
    }

    async fn invalidate(&mut self, key: String, _ctx: &mut cache_server::Ctx) {
        self.entries.remove(&key);
    }

    async fn cleanup(&mut self, ctx: &mut cache_server::Ctx) {
        self.entries.clear();
        ctx.send_after(self.ttl, cache::Info::Cleanup);
    }
}

/// The configuration of the cache service.
pub fn config(counts: Counts, ttl: Duration) -> cache_service::Config {
    cache_app::Config {
        database: database::Config { pool: () },
        metrics: counts,
        cache: CacheArgs { ttl },
    }
}

/// Opens `n` connections to `db` under the `Connections` supervisor.
pub async fn connect(
    app: &cache_service::Handle,
    db: &Database,
    n: usize,
) -> Result<(), StartChildError> {
    let connections = app.database().connections();
    for _ in 0..n {
        connections.start_child(db.clone()).await?;
    }
    Ok(())
}

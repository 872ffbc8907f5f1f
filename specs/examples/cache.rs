//! The read-through cache of `specs/cache.kdl`, running: misses are deferred to a task (the
//! cache keeps answering hits while a slow query runs), hits are answered at once.
//!
//! `cargo run -p arbor-specs --example cache`

use std::time::{Duration, Instant};

use arbor::CallError;
use arbor_specs::cache::{self, Bytes, Counts, Database};

/// A reply as text.
fn show(r: Result<Option<Bytes>, CallError>) -> String {
    match r {
        Ok(Some(v)) => format!("{:?}", String::from_utf8_lossy(&v)),
        Ok(None) => "not found".to_owned(),
        Err(e) => format!("error: {e}"),
    }
}

#[tokio::main]
async fn main() {
    let db = Database::new(
        [
            ("answer".to_string(), b"42".to_vec()),
            ("slow".to_string(), b"zzz".to_vec()),
        ],
        Duration::from_millis(200),
    );
    let counts = Counts::default();
    let app = cache::cache_service::start(cache::config(counts.clone(), Duration::from_secs(60)))
        .await
        .expect("the cache starts");
    cache::connect(&app, &db, 2)
        .await
        .expect("connections open");
    let cache = app.cache();

    let t = Instant::now();
    println!(
        "get answer (miss): {} in {:?}",
        show(cache.get("answer".into()).await),
        t.elapsed()
    );
    let t = Instant::now();
    println!(
        "get answer (hit):  {} in {:?}",
        show(cache.get("answer".into()).await),
        t.elapsed()
    );

    // A slow miss does not block hits: both run at once.
    let slow = cache.clone();
    let t = Instant::now();
    let (miss, hit) = tokio::join!(slow.get("slow".into()), async {
        let r = cache.get("answer".into()).await;
        (r, t.elapsed())
    });
    println!(
        "slow miss {} in {:?}; meanwhile a hit {} in {:?}",
        show(miss),
        t.elapsed(),
        show(hit.0),
        hit.1
    );
    println!("get missing: {}", show(cache.get("nothing".into()).await));
    println!(
        "(hits, misses) = {:?}; queries reaching the database: {}",
        counts.get(),
        db.queries()
    );
    println!("\n{}", app.snapshot().await);
    app.shutdown().await;
}

//! The cache end to end: a miss is deferred to a task and the cache keeps answering hits
//! meanwhile; hits do not reach the database.

use std::time::{Duration, Instant};

use arbor_specs::cache::{self, Counts, Database};

#[tokio::test]
async fn misses_are_deferred_and_hits_are_not_blocked() {
    let db = Database::new(
        [
            ("a".to_string(), b"1".to_vec()),
            ("slow".to_string(), b"2".to_vec()),
        ],
        Duration::from_millis(300),
    );
    let counts = Counts::default();
    let app = cache::cache_service::start(cache::config(counts.clone(), Duration::from_secs(60)))
        .await
        .unwrap();
    cache::connect(&app, &db, 2).await.unwrap();
    let c = app.cache();

    assert_eq!(c.get("a".into()).await, Ok(Some(b"1".to_vec())));
    assert_eq!(db.queries(), 1);
    // Now a hit: no query.
    assert_eq!(c.get("a".into()).await, Ok(Some(b"1".to_vec())));
    assert_eq!(db.queries(), 1);

    // A slow miss runs on the task supervisor; a hit meanwhile is answered at once.
    let slow = c.clone();
    let miss = tokio::spawn(async move { slow.get("slow".into()).await });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let t = Instant::now();
    assert_eq!(c.get("a".into()).await, Ok(Some(b"1".to_vec())));
    assert!(
        t.elapsed() < Duration::from_millis(200),
        "the hit waited for the miss"
    );
    assert_eq!(miss.await.unwrap(), Ok(Some(b"2".to_vec())));

    assert_eq!(c.get("none".into()).await, Ok(None));
    // Counts go through the metrics actor (a cast): wait for them.
    for _ in 0..200 {
        if counts.get() == (2, 3) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(counts.get(), (2, 3));
    app.shutdown().await;
}

#[tokio::test]
async fn a_miss_without_connections_is_answered() {
    // No connection: checkout fails, the deferred work answers `None` (not a hang).
    let app =
        cache::cache_service::start(cache::config(Counts::default(), Duration::from_secs(60)))
            .await
            .unwrap();
    assert_eq!(app.cache().get("a".into()).await, Ok(None));
    app.shutdown().await;
}

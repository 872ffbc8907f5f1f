//! The pipeline end to end: records flow through the four stages; rest_for_one restarts a
//! crashed stage and the stages started after it, not those before.

use std::time::Duration;

use arbor_specs::pipeline::{self, Plumbing};

async fn until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..1000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for {what}");
}

fn starts(p: &Plumbing) -> [u32; 4] {
    ["sink", "enricher", "parser", "source"].map(|s| p.starts(s))
}

#[tokio::test]
async fn rest_for_one_restarts_the_later_stages() {
    let p = Plumbing::default();
    let app = pipeline::ingest::start(pipeline::config(&p)).await.unwrap();
    assert_eq!(starts(&p), [1, 1, 1, 1]);

    p.feed(["a b", "c d e"]);
    until("two records", || p.output().len() == 2).await;
    assert_eq!(
        p.output().iter().map(|r| r.count).collect::<Vec<_>>(),
        [2, 3]
    );

    // The parser crashes: it and the source (started after it) restart; sink and enricher
    // keep running.
    p.feed(["!crash parser"]);
    until("the restarts", || starts(&p) == [1, 1, 2, 2]).await;

    // The enricher crashes: enricher, parser and source restart.
    p.feed(["!crash enricher"]);
    until("the restarts", || starts(&p) == [1, 2, 3, 3]).await;

    // Records flow again through the restarted stages.
    p.feed(["f"]);
    until("the third record", || p.output().len() == 3).await;

    let tree = app.snapshot().await;
    assert_eq!(tree.find("sink").unwrap().restarts, 0);
    assert_eq!(tree.find("source").unwrap().restarts, 2);
    app.shutdown().await;
    assert_eq!(starts(&p), [1, 2, 3, 3]);
}

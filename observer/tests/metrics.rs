//! With the `metrics` feature, each handled message is counted and timed through the
//! `metrics` facade, per actor and message kind (run with
//! `cargo test -p arbor-observer --features metrics --test metrics`).
#![cfg(feature = "metrics")]

mod common;

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;

#[test]
fn handled_messages_are_counted_and_timed_per_actor_and_kind() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // A local recorder: the actors run on this thread (a current-thread runtime).
    metrics::with_local_recorder(&recorder, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let shop = common::system::start(Duration::from_millis(1)).await;
            let inventory = shop
                .app
                .child::<arbor::ActorRef<common::system::inventory::Inventory>>("inventory")
                .unwrap();
            // Waits (bounded) for the front end's orders to reach the inventory.
            for _ in 0..2000 {
                if inventory.cell().stats().handled >= 5 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            assert!(inventory.cell().stats().handled >= 5);
            shop.app.shutdown().await;
        });
    });
    let text = handle.render();
    let count = |labels: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("arbor_messages_handled_total{{{labels}}} ")))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or_else(|| panic!("no counter for {labels}:\n{text}"))
    };
    assert!(count(r#"actor="inventory",kind="call""#) >= 5);
    assert!(count(r#"actor="audit",kind="cast""#) >= 1);
    assert!(count(r#"actor="frontend",kind="info""#) >= 5);
    assert!(
        text.contains(r#"arbor_handler_seconds_count{actor="inventory",kind="call"}"#),
        "{text}"
    );
}

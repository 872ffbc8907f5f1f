//! The nightly batch of `specs/batch.kdl`, running: each job is a supervisor that shuts itself
//! down when its significant children are done (any of them for the import, all of them for
//! the export); the scheduler stays.
//!
//! `cargo run -p arbor-specs --example batch`

use std::time::Duration;

use arbor_specs::batch::{self, Table};

#[tokio::main]
async fn main() {
    let table = Table::default();
    let rows = (1..=10).map(|i| format!("row {i}")).collect();
    let app = batch::nightly_batch::start(batch::config(rows, &table))
        .await
        .expect("the batch starts");
    println!("{}\n", app.snapshot().await);

    // Wait for both jobs to end.
    for _ in 0..200 {
        let running = app
            .supervisor()
            .count_children()
            .await
            .map(|c| c.active)
            .unwrap_or(0);
        if running == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    println!("finished jobs: {:?}", app.scheduler().status().await);
    println!("committed:     {} rows", table.rows().len());
    println!("\n{}", app.snapshot().await);
    app.shutdown().await;
}

//! The pipeline of `specs/pipeline.kdl`, running, and `rest_for_one` at work: crashing a stage
//! restarts it and the stages started after it (its producers), which subscribe again; the
//! stages started before it keep running.
//!
//! `cargo run -p arbor-specs --example pipeline`

use std::time::Duration;

use arbor_specs::pipeline::{self, Plumbing};

const STAGES: [&str; 4] = ["sink", "enricher", "parser", "source"];

fn starts(p: &Plumbing) -> String {
    STAGES
        .iter()
        .map(|s| format!("{s}={}", p.starts(s)))
        .collect::<Vec<_>>()
        .join(" ")
}

async fn drain(p: &Plumbing, n: usize) {
    for _ in 0..400 {
        if p.output().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::main]
async fn main() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("  (panic: {})", info.payload_as_str().unwrap_or("?"))
    }));
    let plumbing = Plumbing::default();
    let app = pipeline::ingest::start(pipeline::config(&plumbing))
        .await
        .expect("the pipeline starts");
    println!("started:            {}", starts(&plumbing));

    plumbing.feed(["the quick brown fox", "jumps over", "the lazy dog"]);
    drain(&plumbing, 3).await;
    println!(
        "output:             {:?}",
        plumbing
            .output()
            .iter()
            .map(|r| r.count)
            .collect::<Vec<_>>()
    );

    plumbing.feed(["!crash parser"]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!(
        "parser crashed:     {}   (parser and source restarted)",
        starts(&plumbing)
    );

    plumbing.feed(["!crash sink"]);
    tokio::time::sleep(Duration::from_millis(100)).await;
    println!(
        "sink crashed:       {}   (every stage restarted)",
        starts(&plumbing)
    );

    plumbing.feed(["still flowing after the restarts"]);
    drain(&plumbing, 4).await;
    println!(
        "output:             {:?}",
        plumbing
            .output()
            .iter()
            .map(|r| r.count)
            .collect::<Vec<_>>()
    );
    println!("\n{}", app.snapshot().await);
    app.shutdown().await;
}

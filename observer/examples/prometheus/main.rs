//! The shop's per-actor metrics through the `metrics` facade, scraped by Prometheus:
//! counters `arbor_messages_handled_total` and histograms `arbor_handler_seconds`, labelled
//! with the actor and the message kind (call, cast, info).
//!
//! ```sh
//! cargo run -p arbor-observer --features metrics --example prometheus
//! curl -s http://127.0.0.1:9000/metrics | grep arbor_
//! ```
//!
//! `--for <seconds>` stops it after a while; `--print` prints one scrape and exits.

#[path = "../shop/system.rs"]
mod system;

use std::time::Duration;

use metrics_exporter_prometheus::PrometheusBuilder;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let print_once = args.iter().any(|a| a == "--print");
    let stop_after = args
        .iter()
        .position(|a| a == "--for")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs);

    // The exporter installs itself as the `metrics` recorder.
    let handle = if print_once {
        PrometheusBuilder::new().install_recorder()?
    } else {
        let builder = PrometheusBuilder::new().with_http_listener(([127, 0, 0, 1], 9000));
        let (recorder, exporter) = builder.build()?;
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder)?;
        tokio::spawn(exporter);
        println!("metrics: http://127.0.0.1:9000/metrics");
        handle
    };

    let shop = system::start(Duration::from_millis(5)).await;
    if print_once {
        // Wait until the front end's orders show up, then print the scrape.
        loop {
            let text = handle.render();
            if text.contains("arbor_messages_handled_total{actor=\"inventory\",kind=\"call\"}") {
                println!("{text}");
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    } else {
        match stop_after {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending::<()>().await,
        }
    }
    shop.app.shutdown().await;
    Ok(())
}

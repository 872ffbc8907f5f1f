//! A small supervision tree with the observer on: open the printed address.
//!
//! ```sh
//! cargo run -p arbor-observer --example shop                 # http://127.0.0.1:7878/
//! cargo run -p arbor-observer --example shop -- 0.0.0.0:7878 secret-token
//! ```
//!
//! Optional arguments: the bind address and the token (a non-loopback address needs one),
//! and `--for <seconds>` to stop after a while (tests and demos).

mod system;

use std::time::Duration;

use arbor_observer::Observer;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let mut args = std::env::args().skip(1).collect::<Vec<_>>();
    let stop_after = match args.iter().position(|a| a == "--for") {
        Some(i) => {
            let secs: u64 = args.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(60);
            args.drain(i..(i + 2).min(args.len()));
            Some(Duration::from_secs(secs))
        }
        None => None,
    };
    let shop = system::start(Duration::from_millis(20)).await;

    // The one line: serve the observer (here with the options the example takes).
    let mut observer = Observer::new(shop.app.cell())
        .debug_state::<system::inventory::Inventory>()
        .debug_state::<system::audit::Audit>()
        .debug_state::<system::frontend::Frontend>()
        .debug_state::<system::session::Session>()
        .call_graph(&system::call_graph());
    if let Some(bind) = args.first() {
        observer = observer.bind(bind.parse()?);
    }
    if let Some(token) = args.get(1) {
        observer = observer.token(token.clone());
    }
    let observer = observer.start().await?;
    println!("observer: {}", observer.url());

    match stop_after {
        Some(limit) => tokio::time::sleep(limit).await,
        None => std::future::pending::<()>().await,
    }
    observer.shutdown().await;
    shop.app.shutdown().await;
    Ok(())
}

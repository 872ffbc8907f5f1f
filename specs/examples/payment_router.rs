//! The payment router of `specs/payment_router.kdl`, running: intents authorized through
//! per-provider gatekeepers; a failing provider trips its circuit breaker, which then refuses
//! at once while the other provider keeps working, and lets a trial through after its
//! cool-down.
//!
//! `cargo run -p arbor-specs --example payment_router`

use std::sync::atomic::Ordering;
use std::time::Duration;

use arbor_specs::payment_router::{self, PaymentRequest, Provider, ProviderBehaviour, Providers};

fn pay(amount: u64, provider: Provider) -> PaymentRequest {
    PaymentRequest {
        amount,
        provider: Some(provider),
    }
}

#[tokio::main]
async fn main() {
    let behaviour = || ProviderBehaviour {
        limit: 10_000,
        ..ProviderBehaviour::default()
    };
    let providers = Providers {
        stripe: behaviour(),
        adyen: behaviour(),
    };
    let app = payment_router::payments::start(payment_router::config(&providers))
        .await
        .expect("the payments app starts");
    let router = app.router();

    let id = router.submit(pay(1_500, Provider::Stripe)).await;
    println!("submit 15.00 via stripe:   {id:?}");
    if let Ok(Ok(id)) = &id {
        println!(
            "status:                    {:?}",
            router.status(id.clone()).await
        );
    }
    println!(
        "submit 500.00 via adyen:   {:?}",
        router.submit(pay(50_000, Provider::Adyen)).await
    );

    println!("-- stripe goes down");
    providers.stripe.down.store(true, Ordering::Relaxed);
    for _ in 0..4 {
        println!(
            "submit via stripe:         {:?}",
            router.submit(pay(100, Provider::Stripe)).await
        );
    }
    println!(
        "submit via adyen:          {:?}",
        router.submit(pay(100, Provider::Adyen)).await
    );
    println!(
        "stripe charges attempted:  {} (the open breaker refused the last one at once)",
        providers.stripe.charges.load(Ordering::Relaxed)
    );

    println!("-- stripe recovers; the breaker lets a trial through after its cool-down");
    providers.stripe.down.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(250)).await;
    println!(
        "submit via stripe:         {:?}",
        router.submit(pay(100, Provider::Stripe)).await
    );
    println!("\n{}", app.snapshot().await);
    app.shutdown().await;
}

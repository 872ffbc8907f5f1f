//! The payment router end to end: authorization through the gatekeepers, intents found by id,
//! a failing provider's breaker opening without affecting the other provider.

use std::sync::atomic::Ordering;
use std::time::Duration;

use arbor_specs::payment_router::{
    self, IntentId, IntentStatus, PaymentError, PaymentRequest, Provider, ProviderBehaviour,
    ProviderError, Providers, SubmitError,
};

fn pay(amount: u64, provider: Provider) -> PaymentRequest {
    PaymentRequest {
        amount,
        provider: Some(provider),
    }
}

fn providers() -> Providers {
    let b = || ProviderBehaviour {
        limit: 1_000,
        ..ProviderBehaviour::default()
    };
    Providers {
        stripe: b(),
        adyen: b(),
    }
}

#[tokio::test]
async fn payments_are_authorized_and_found_by_id() {
    let p = providers();
    let app = payment_router::payments::start(payment_router::config(&p))
        .await
        .unwrap();
    let router = app.router();

    let id = router
        .submit(pay(100, Provider::Adyen))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, IntentId("pi_1".into()));
    match router.status(id.clone()).await.unwrap() {
        Some(IntentStatus::Completed(a)) => assert_eq!(a.provider, Provider::Adyen),
        other => panic!("unexpected status {other:?}"),
    }
    // The intent is registered under its id.
    assert!(app.intents().lookup(&id.0).len() == 1);
    assert_eq!(router.status(IntentId("nope".into())).await, Ok(None));

    // Over the provider's limit: declined.
    assert_eq!(
        router.submit(pay(5_000, Provider::Stripe)).await,
        Ok(Err(SubmitError::Refused(PaymentError::Provider(
            ProviderError::Declined
        ))))
    );
    app.shutdown().await;
}

#[tokio::test]
async fn an_open_breaker_refuses_at_once_and_stays_local() {
    let p = providers();
    let app = payment_router::payments::start(payment_router::config(&p))
        .await
        .unwrap();
    let router = app.router();
    p.stripe.down.store(true, Ordering::Relaxed);
    for _ in 0..3 {
        assert_eq!(
            router.submit(pay(10, Provider::Stripe)).await,
            Ok(Err(SubmitError::Refused(PaymentError::Provider(
                ProviderError::Outage
            ))))
        );
    }
    // Three failures opened Stripe's breaker: refused without reaching the provider.
    assert_eq!(
        router.submit(pay(10, Provider::Stripe)).await,
        Ok(Err(SubmitError::Refused(PaymentError::ProviderDown)))
    );
    assert_eq!(p.stripe.charges.load(Ordering::Relaxed), 3);
    // Adyen is unaffected.
    assert!(matches!(
        router.submit(pay(10, Provider::Adyen)).await,
        Ok(Ok(_))
    ));

    // After the cool-down a trial goes through.
    p.stripe.down.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(250)).await;
    assert!(matches!(
        router.submit(pay(10, Provider::Stripe)).await,
        Ok(Ok(_))
    ));
    app.shutdown().await;
}

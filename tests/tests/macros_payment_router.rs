//! `specs/payment_router.kdl` written with the macros, run end to end: one actor per payment
//! intent found through a registry, a supervisor per provider integration with its
//! gatekeepers (a rate limiter and a circuit breaker, the same actor types in both subtrees)
//! and a pool of workers; `submit` and `authorize` are deferred. `arbor-macros`' unit tests
//! check that this module gives the same model as the KDL file (without its `app`).

use std::sync::atomic::Ordering;
use std::time::Duration;

mod payment_types;

use payment_types::*;

/// The payment router of `specs/payment_router.kdl`.
#[arbor_macros::system]
pub mod sys {
    use std::sync::atomic::Ordering;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    use super::*;

    /// Receives, decides, forwards; sheds load when flooded.
    #[derive(Actor)]
    #[actor(
        name = "PaymentRouter",
        mailbox(capacity = 10000, overflow = "reject"),
        calls(PaymentIntent)
    )]
    pub struct RoutingTable {
        apis: ProviderApis,
        next: u64,
    }

    #[handlers(protocol = "PaymentApi")]
    impl RoutingTable {
        #[init]
        async fn start(
            apis: ProviderApis,
            _ctx: &mut payment_router::Ctx,
        ) -> Result<Self, ExitReason> {
            Ok(RoutingTable { apis, next: 1 })
        }

        /// On the actor: pick the provider and the id. The rest runs as a task.
        #[call(timeout = "15s", deferred)]
        fn submit(
            &mut self,
            request: PaymentRequest,
            ctx: &mut payment_router::Ctx,
        ) -> impl Future<Output = Result<IntentId, SubmitError>> + Send + 'static {
            let id = IntentId(format!("pi_{}", self.next));
            let provider = request.provider.unwrap_or(if self.next % 2 == 1 {
                Provider::Stripe
            } else {
                Provider::Adyen
            });
            self.next += 1;
            let api = match provider {
                Provider::Stripe => self.apis.stripe.clone(),
                Provider::Adyen => self.apis.adyen.clone(),
            };
            let intents = ctx.intents().clone();
            let sup = ctx.payment_intent().intent_sup().clone();
            async move {
                let args = IntentArgs {
                    id: id.clone(),
                    worker: WorkerArgs { provider, api },
                    amount: request.amount,
                };
                let intent = sup
                    .start_registered(&intents, id.0.clone(), (), args)
                    .await
                    .map_err(|e| SubmitError::Unavailable(e.to_string()))?;
                match intent.authorize().await {
                    Ok(Ok(_)) => Ok(id),
                    Ok(Err(e)) => Err(SubmitError::Refused(e)),
                    Err(e) => Err(SubmitError::Unavailable(e.to_string())),
                }
            }
        }

        #[call(timeout = "500ms")]
        async fn status(
            &mut self,
            id: IntentId,
            ctx: &mut payment_router::Ctx,
        ) -> Option<IntentStatus> {
            let intent = ctx
                .intents()
                .whereis::<payment_intent::PaymentIntent>(&id.0)?;
            ctx.payment_intent()
                .intent_sup()
                .client(intent)
                .status()
                .await
                .ok()
        }
    }

    /// One per payment intent; its status is shared with the deferred authorization.
    #[derive(Actor)]
    #[actor(
        name = "PaymentIntent",
        calls(CircuitBreaker, RateLimiter, ProviderWorker),
        casts(CircuitBreaker)
    )]
    pub struct IntentState {
        args: IntentArgs,
        status: Arc<Mutex<IntentStatus>>,
    }

    #[handlers(protocol = "Intent")]
    impl IntentState {
        #[init]
        async fn start(
            args: IntentArgs,
            _ctx: &mut payment_intent::Ctx,
        ) -> Result<Self, ExitReason> {
            Ok(IntentState {
                args,
                status: Arc::new(Mutex::new(IntentStatus::Pending)),
            })
        }

        /// Rate limiter, breaker, a pool worker, then the outcome to the breaker.
        #[call(timeout = "12s", deferred)]
        fn authorize(
            &mut self,
            ctx: &mut payment_intent::Ctx,
        ) -> impl Future<Output = Result<Authorization, PaymentError>> + Send + 'static {
            set(&self.status, IntentStatus::Processing);
            let status = self.status.clone();
            let provider = self.args.worker.provider;
            let worker_args = self.args.worker.clone();
            let request = ChargeRequest {
                amount: self.args.amount,
                intent: self.args.id.clone(),
            };
            let (limiter, breaker, workers) = match provider {
                Provider::Stripe => (
                    ctx.rate_limiter().stripe_sup_limiter().clone(),
                    ctx.circuit_breaker().stripe_sup_breaker().clone(),
                    ctx.provider_worker().stripe_workers().clone(),
                ),
                Provider::Adyen => (
                    ctx.rate_limiter().adyen_sup_limiter().clone(),
                    ctx.circuit_breaker().adyen_sup_breaker().clone(),
                    ctx.provider_worker().adyen_workers().clone(),
                ),
            };
            ctx.send_after(KEEP, intent::Info::Expire);
            async move {
                let outcome: Result<Authorization, PaymentError> = async {
                    limiter
                        .take(1)
                        .await
                        .map_err(internal)?
                        .map_err(|RateLimited| PaymentError::RateLimited)?;
                    breaker
                        .acquire()
                        .await
                        .map_err(internal)?
                        .map_err(|Unavailable| PaymentError::ProviderDown)?;
                    let idle = workers.children().await.map_err(internal)?;
                    let worker = match idle.into_iter().next() {
                        Some(w) => w,
                        None => workers.start_child(worker_args).await.map_err(internal)?,
                    };
                    let charged = worker.charge(request).await.map_err(internal)?;
                    let report = match charged {
                        Ok(_) => CallOutcome::Success,
                        Err(_) => CallOutcome::Failure,
                    };
                    let _ = breaker.report(report).await;
                    let charge = charged.map_err(PaymentError::Provider)?;
                    Ok(Authorization {
                        provider,
                        reference: charge.reference,
                    })
                }
                .await;
                set(
                    &status,
                    match &outcome {
                        Ok(a) => IntentStatus::Completed(a.clone()),
                        Err(e) => IntentStatus::Failed(e.clone()),
                    },
                );
                outcome
            }
        }

        #[call(timeout = "200ms")]
        async fn status(&mut self, _ctx: &mut payment_intent::Ctx) -> IntentStatus {
            self.status
                .lock()
                .map(|s| s.clone())
                .unwrap_or(IntentStatus::Pending)
        }

        /// A transient child that ends normally is not restarted; its registration goes too.
        #[info]
        async fn expire(&mut self, ctx: &mut payment_intent::Ctx) {
            ctx.stop(ExitReason::Normal);
        }
    }

    /// A circuit breaker: opens after `threshold` failures in a row, half-opens after a
    /// cool-down.
    #[derive(Actor)]
    #[actor(name = "CircuitBreaker")]
    pub struct BreakerState {
        args: BreakerArgs,
        failures: u32,
        open: bool,
    }

    #[handlers(protocol = "Gate")]
    impl BreakerState {
        #[init]
        async fn start(
            args: BreakerArgs,
            _ctx: &mut circuit_breaker::Ctx,
        ) -> Result<Self, ExitReason> {
            Ok(BreakerState {
                args,
                failures: 0,
                open: false,
            })
        }

        #[call(timeout = "200ms")]
        async fn acquire(
            &mut self,
            _ctx: &mut circuit_breaker::Ctx,
        ) -> Result<Permit, Unavailable> {
            if self.open {
                Err(Unavailable)
            } else {
                Ok(Permit)
            }
        }

        #[cast]
        async fn report(&mut self, outcome: CallOutcome, ctx: &mut circuit_breaker::Ctx) {
            match outcome {
                CallOutcome::Success => self.failures = 0,
                CallOutcome::Failure => {
                    self.failures += 1;
                    if self.failures >= self.args.threshold && !self.open {
                        self.open = true;
                        ctx.send_after(self.args.cool_down, gate::Info::HalfOpen);
                    }
                }
            }
        }

        /// Let the next call through; one more failure opens it again.
        #[info]
        async fn half_open(&mut self, _ctx: &mut circuit_breaker::Ctx) {
            self.open = false;
            self.failures = self.args.threshold.saturating_sub(1);
        }
    }

    /// A token bucket.
    #[derive(Actor)]
    #[actor(name = "RateLimiter")]
    pub struct TokenBucket {
        args: LimiterArgs,
        tokens: u32,
    }

    #[handlers(protocol = "Limiter")]
    impl TokenBucket {
        #[init]
        async fn start(args: LimiterArgs, ctx: &mut rate_limiter::Ctx) -> Result<Self, ExitReason> {
            ctx.send_after(args.every, limiter::Info::Refill);
            Ok(TokenBucket {
                tokens: args.capacity,
                args,
            })
        }

        #[call(timeout = "100ms")]
        async fn take(
            &mut self,
            tokens: u32,
            _ctx: &mut rate_limiter::Ctx,
        ) -> Result<(), RateLimited> {
            if self.tokens >= tokens {
                self.tokens -= tokens;
                Ok(())
            } else {
                Err(RateLimited)
            }
        }

        #[info]
        async fn refill(&mut self, ctx: &mut rate_limiter::Ctx) {
            self.tokens = (self.tokens + self.args.refill).min(self.args.capacity);
            ctx.send_after(self.args.every, limiter::Info::Refill);
        }
    }

    /// A pool worker: one provider request at a time; the pool gives concurrency.
    #[derive(Actor)]
    #[actor(
        name = "ProviderWorker",
        allow(
            long_call_timeout,
            reason = "a pool worker exists to wait on one provider request; callers go through the intent, which defers"
        )
    )]
    pub struct ProviderClient {
        provider: Provider,
        api: ProviderBehaviour,
    }

    #[handlers(protocol = "ProviderApi")]
    impl ProviderClient {
        #[init]
        async fn start(
            args: WorkerArgs,
            _ctx: &mut provider_worker::Ctx,
        ) -> Result<Self, ExitReason> {
            Ok(ProviderClient {
                provider: args.provider,
                api: args.api,
            })
        }

        #[call(timeout = "10s")]
        async fn charge(
            &mut self,
            request: ChargeRequest,
            _ctx: &mut provider_worker::Ctx,
        ) -> Result<Charge, ProviderError> {
            let n = self.api.charges.fetch_add(1, Ordering::Relaxed) + 1;
            if self.api.crash_next.swap(false, Ordering::Relaxed) {
                panic!("the {:?} worker was told to crash", self.provider);
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
            if self.api.down.load(Ordering::Relaxed) {
                return Err(ProviderError::Outage);
            }
            if request.amount > self.api.limit {
                return Err(ProviderError::Declined);
            }
            Ok(Charge {
                reference: format!("{:?}-{n}-{}", self.provider, request.intent.0).to_lowercase(),
            })
        }

        /// A real worker would close its HTTP connection here.
        #[terminate]
        async fn close(&mut self, _reason: &ExitReason, _ctx: &mut provider_worker::Ctx) {}
    }

    /// Stripe's integration: its gatekeepers and its worker pool.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_one")]
    pub struct StripeSup {
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        #[child(
            dynamic,
            max_children = 20,
            template(restart = "transient", shutdown = "15s")
        )]
        stripe_workers: ProviderWorker,
    }

    /// Adyen's integration: the same actor types, other instances.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_one")]
    pub struct AdyenSup {
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        #[child(
            dynamic,
            max_children = 20,
            template(restart = "transient", shutdown = "15s")
        )]
        adyen_workers: ProviderWorker,
    }

    /// One subtree per provider, so one provider's failures stay local.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_one")]
    pub struct Providers {
        stripe_sup: StripeSup,
        adyen_sup: AdyenSup,
    }

    /// The registry and the providers first, the router last.
    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one", app = "Payments")]
    pub struct PaymentsSup {
        #[child(registry, keys = "unique")]
        intents: Registry,
        #[child(tasks)]
        tasks: Tasks,
        providers: Providers,
        #[child(dynamic, max_children = 100000, template(restart = "transient"))]
        intent_sup: PaymentIntent,
        router: PaymentRouter,
    }
}

fn config(apis: &ProviderApis) -> sys::payments::Config {
    let limiter = LimiterArgs {
        capacity: 100,
        refill: 100,
        every: Duration::from_secs(1),
    };
    let breaker = BreakerArgs {
        threshold: 3,
        cool_down: Duration::from_millis(200),
    };
    sys::payments::Config {
        providers: sys::providers::Config {
            stripe_sup: sys::stripe_sup::Config {
                limiter: limiter.clone(),
                breaker: breaker.clone(),
            },
            adyen_sup: sys::adyen_sup::Config { limiter, breaker },
        },
        router: apis.clone(),
    }
}

fn apis() -> ProviderApis {
    let b = || ProviderBehaviour {
        limit: 1_000,
        ..ProviderBehaviour::default()
    };
    ProviderApis {
        stripe: b(),
        adyen: b(),
    }
}

fn pay(amount: u64, provider: Provider) -> PaymentRequest {
    PaymentRequest {
        amount,
        provider: Some(provider),
    }
}

#[tokio::test]
async fn macro_payments_are_authorized_and_found_by_id() {
    let apis = apis();
    let app = sys::payments::start(config(&apis)).await.unwrap();
    let router = app.router();

    let id = router
        .submit(pay(100, Provider::Adyen))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, IntentId("pi_1".into()));
    match router.status(id.clone()).await.unwrap() {
        Some(IntentStatus::Completed(a)) => {
            assert_eq!(a.provider, Provider::Adyen);
            assert_eq!(a.reference, "adyen-1-pi_1");
        }
        other => panic!("unexpected status {other:?}"),
    }
    // The intent is registered under its id.
    assert_eq!(app.intents().lookup(&id.0).len(), 1);
    assert_eq!(router.status(IntentId("nope".into())).await, Ok(None));

    // Over the provider's limit: declined, and the intent says so.
    assert_eq!(
        router.submit(pay(5_000, Provider::Stripe)).await,
        Ok(Err(SubmitError::Refused(PaymentError::Provider(
            ProviderError::Declined
        ))))
    );
    assert_eq!(
        router.status(IntentId("pi_2".into())).await,
        Ok(Some(IntentStatus::Failed(PaymentError::Provider(
            ProviderError::Declined
        ))))
    );
    // One worker per provider was started, on demand, in its own pool.
    let tree = app.snapshot().await;
    assert_eq!(tree.find("StripeWorkers").unwrap().children.len(), 1);
    assert_eq!(tree.find("AdyenWorkers").unwrap().children.len(), 1);
    assert_eq!(tree.find("IntentSup").unwrap().children.len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn macro_an_open_breaker_refuses_at_once_and_stays_local() {
    let apis = apis();
    let app = sys::payments::start(config(&apis)).await.unwrap();
    let router = app.router();
    apis.stripe.down.store(true, Ordering::Relaxed);
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
    assert_eq!(apis.stripe.charges.load(Ordering::Relaxed), 3);
    // Adyen is unaffected.
    assert!(matches!(
        router.submit(pay(10, Provider::Adyen)).await,
        Ok(Ok(_))
    ));

    // After the cool-down (a `send_after` to the breaker) a trial goes through.
    apis.stripe.down.store(false, Ordering::Relaxed);
    let mut trial = router.submit(pay(10, Provider::Stripe)).await;
    for _ in 0..200 {
        if matches!(trial, Ok(Ok(_))) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        trial = router.submit(pay(10, Provider::Stripe)).await;
    }
    assert!(matches!(trial, Ok(Ok(_))), "{trial:?}");
    app.shutdown().await;
}

#[tokio::test]
async fn macro_a_crashed_pool_worker_is_restarted_in_its_pool_only() {
    let apis = apis();
    let app = sys::payments::start(config(&apis)).await.unwrap();
    let router = app.router();
    assert!(matches!(
        router.submit(pay(10, Provider::Stripe)).await,
        Ok(Ok(_))
    ));
    assert!(matches!(
        router.submit(pay(10, Provider::Adyen)).await,
        Ok(Ok(_))
    ));

    // The Stripe worker crashes in the middle of a charge: that payment fails, the transient
    // worker is restarted by its pool with the same arguments, and serves the next payment.
    apis.stripe.crash_next.store(true, Ordering::Relaxed);
    match router.submit(pay(10, Provider::Stripe)).await {
        Ok(Err(SubmitError::Refused(PaymentError::Internal(_)))) => {}
        other => panic!("unexpected {other:?}"),
    }
    let mut restarted = false;
    for _ in 0..500 {
        let tree = app.snapshot().await;
        let pool = tree.find("StripeWorkers").unwrap();
        if pool.children.len() == 1 && pool.children[0].restarts == 1 {
            restarted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(restarted, "the Stripe worker was restarted");
    assert!(matches!(
        router.submit(pay(10, Provider::Stripe)).await,
        Ok(Ok(_))
    ));
    assert_eq!(apis.stripe.charges.load(Ordering::Relaxed), 3);

    // Nothing else restarted: Adyen's worker and both subtrees' gatekeepers are the originals.
    let tree = app.snapshot().await;
    assert_eq!(tree.find("AdyenWorkers").unwrap().children[0].restarts, 0);
    for sup in ["StripeSup", "AdyenSup"] {
        let sup = tree.find(sup).unwrap();
        assert!(sup.children.iter().all(|c| c.restarts == 0), "{sup:?}");
    }
    app.shutdown().await;
}

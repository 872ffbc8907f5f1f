//! The payment router (`specs/payment_router.kdl`): one actor per payment intent, a
//! supervisor per provider integration with its gatekeepers (a rate limiter and a circuit
//! breaker) and a pool of workers for the provider's API.
//!
//! ```text
//! PaymentsSup (rest_for_one)
//! ├─ Intents     registry (intent id → PaymentIntent)
//! ├─ Tasks       task supervisor (deferred `submit` and `authorize` work)
//! ├─ Providers   (one_for_one)
//! │  ├─ StripeSup  limiter RateLimiter, breaker CircuitBreaker, StripeWorkers (ProviderWorker pool)
//! │  └─ AdyenSup   the same for Adyen
//! ├─ IntentSup   dynamic supervisor (PaymentIntent children, transient)
//! └─ router      PaymentRouter
//! ```
//!
//! `submit` (deferred) starts an intent registered under its id and waits for its
//! authorization; `authorize` (deferred, in the intent) takes a token from the provider's rate
//! limiter, asks its circuit breaker for a permit, charges through a pool worker and reports
//! the outcome to the breaker. Failures stay local: a provider whose breaker is open is
//! refused at once, the other provider keeps working.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::ExitReason;

arbor::include_spec!("payment_router");

/// The payment providers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Stripe.
    Stripe,
    /// Adyen.
    Adyen,
}

/// A payment to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Amount in cents.
    pub amount: u64,
    /// The provider to use (`None`: the router picks).
    pub provider: Option<Provider>,
}

/// A payment intent's id (its key in the `Intents` registry).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntentId(pub String);

/// Why a submission failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubmitError {
    /// The intent could not be started.
    Unavailable(String),
    /// The payment was refused.
    Refused(PaymentError),
}

/// Where an intent is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IntentStatus {
    /// Created, not yet authorized.
    Pending,
    /// Being authorized.
    Processing,
    /// Authorized.
    Completed(Authorization),
    /// Refused.
    Failed(PaymentError),
}

/// A successful authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// Who authorized it.
    pub provider: Provider,
    /// The provider's reference.
    pub reference: String,
}

/// Why a payment failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentError {
    /// The provider's rate limit is reached.
    RateLimited,
    /// The provider's circuit breaker is open.
    ProviderDown,
    /// The provider declined or failed.
    Provider(ProviderError),
    /// A gatekeeper or worker could not be reached.
    Internal(String),
}

/// A permit from a circuit breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permit;

/// The circuit breaker is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable;

/// The outcome of a provider call, reported to its breaker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    /// It worked.
    Success,
    /// It failed.
    Failure,
}

/// The rate limit is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimited;

/// A charge request for a provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeRequest {
    /// Amount in cents.
    pub amount: u64,
    /// The intent it is for.
    pub intent: IntentId,
}

/// A provider's confirmation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The provider's reference.
    pub reference: String,
}

/// A provider's refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProviderError {
    /// Declined (e.g. over the limit).
    Declined,
    /// The provider is failing.
    Outage,
}

fn internal(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Internal(e.to_string())
}

// ---------------------------------------------------------------------------------------------
// The router.

/// The router's state: how it picks providers and numbers intents.
pub struct RoutingTable {
    providers: Providers,
    next: u64,
}

impl payment_router::State for RoutingTable {
    type Args = Providers;

    async fn init(
        providers: Providers,
        _ctx: &mut payment_router::Ctx,
    ) -> Result<Self, ExitReason> {
        Ok(RoutingTable { providers, next: 1 })
    }
}

impl payment_api::Handler<payment_router::Ctx> for RoutingTable {
    fn submit(
        &mut self,
        request: PaymentRequest,
        ctx: &mut payment_router::Ctx,
    ) -> impl Future<Output = Result<IntentId, SubmitError>> + Send + 'static {
        // On the actor: decide (provider, id). The rest runs as a task.
        let id = IntentId(format!("pi_{}", self.next));
        let provider = request.provider.unwrap_or(if self.next % 2 == 1 {
            Provider::Stripe
        } else {
            Provider::Adyen
        });
        self.next += 1;
        let api = match provider {
            Provider::Stripe => self.providers.stripe.clone(),
            Provider::Adyen => self.providers.adyen.clone(),
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

// ---------------------------------------------------------------------------------------------
// A payment intent.

/// How an intent starts.
#[derive(Clone, Debug)]
pub struct IntentArgs {
    /// Its id.
    pub id: IntentId,
    /// The provider it goes through, and how its workers start.
    pub worker: WorkerArgs,
    /// Amount in cents.
    pub amount: u64,
}

/// An intent's state. The status is shared with the deferred authorization task, which
/// updates it when it is done.
pub struct IntentState {
    args: IntentArgs,
    status: Arc<Mutex<IntentStatus>>,
}

/// How long a finished intent stays around to answer `status`.
const KEEP: Duration = Duration::from_secs(30);

impl payment_intent::State for IntentState {
    type Args = IntentArgs;

    async fn init(args: IntentArgs, _ctx: &mut payment_intent::Ctx) -> Result<Self, ExitReason> {
        Ok(IntentState {
            args,
            status: Arc::new(Mutex::new(IntentStatus::Pending)),
        })
    }
}

fn set(status: &Mutex<IntentStatus>, value: IntentStatus) {
    if let Ok(mut s) = status.lock() {
        *s = value;
    }
}

impl intent::Handler<payment_intent::Ctx> for IntentState {
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
                // A pool worker: an idle one if any, else a new one (the pool is bounded).
                let worker = match workers
                    .children()
                    .await
                    .map_err(internal)?
                    .into_iter()
                    .next()
                {
                    Some(w) => w,
                    None => workers.start_child(worker_args).await.map_err(internal)?,
                };
                let charged = worker.charge(request).await.map_err(internal)?;
                let report = if charged.is_ok() {
                    CallOutcome::Success
                } else {
                    CallOutcome::Failure
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

    async fn status(&mut self, _ctx: &mut payment_intent::Ctx) -> IntentStatus {
        self.status
            .lock()
            .map(|s| s.clone())
            .unwrap_or(IntentStatus::Pending)
    }

    async fn expire(&mut self, ctx: &mut payment_intent::Ctx) {
        // A transient child that ends normally is not restarted; its registration goes with it.
        ctx.stop(ExitReason::Normal);
    }
}

// ---------------------------------------------------------------------------------------------
// Gatekeepers.

/// A circuit breaker's configuration.
#[derive(Clone, Debug)]
pub struct BreakerArgs {
    /// Failures in a row that open it.
    pub threshold: u32,
    /// How long it stays open before letting one trial through.
    pub cool_down: Duration,
}

/// A circuit breaker's state.
pub struct BreakerState {
    args: BreakerArgs,
    failures: u32,
    open: bool,
}

impl circuit_breaker::State for BreakerState {
    type Args = BreakerArgs;

    async fn init(args: BreakerArgs, _ctx: &mut circuit_breaker::Ctx) -> Result<Self, ExitReason> {
        Ok(BreakerState {
            args,
            failures: 0,
            open: false,
        })
    }
}

impl gate::Handler<circuit_breaker::Ctx> for BreakerState {
    async fn acquire(&mut self, _ctx: &mut circuit_breaker::Ctx) -> Result<Permit, Unavailable> {
        if self.open {
            Err(Unavailable)
        } else {
            Ok(Permit)
        }
    }

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

    async fn half_open(&mut self, _ctx: &mut circuit_breaker::Ctx) {
        // Let the next call through; one more failure opens it again.
        self.open = false;
        self.failures = self.args.threshold.saturating_sub(1);
    }
}

/// A rate limiter's configuration.
#[derive(Clone, Debug)]
pub struct LimiterArgs {
    /// Bucket size.
    pub capacity: u32,
    /// Tokens added per refill.
    pub refill: u32,
    /// How often it refills.
    pub every: Duration,
}

/// A token bucket.
pub struct TokenBucket {
    args: LimiterArgs,
    tokens: u32,
}

impl rate_limiter::State for TokenBucket {
    type Args = LimiterArgs;

    async fn init(args: LimiterArgs, ctx: &mut rate_limiter::Ctx) -> Result<Self, ExitReason> {
        ctx.send_after(args.every, limiter::Info::Refill);
        Ok(TokenBucket {
            tokens: args.capacity,
            args,
        })
    }
}

impl limiter::Handler<rate_limiter::Ctx> for TokenBucket {
    async fn take(&mut self, tokens: u32, _ctx: &mut rate_limiter::Ctx) -> Result<(), RateLimited> {
        if self.tokens >= tokens {
            self.tokens -= tokens;
            Ok(())
        } else {
            Err(RateLimited)
        }
    }

    async fn refill(&mut self, ctx: &mut rate_limiter::Ctx) {
        self.tokens = (self.tokens + self.args.refill).min(self.args.capacity);
        ctx.send_after(self.args.every, limiter::Info::Refill);
    }
}

// ---------------------------------------------------------------------------------------------
// Provider workers.

/// A simulated provider API: what it does with charges, and how many it received.
#[derive(Clone, Debug, Default)]
pub struct ProviderBehaviour {
    /// Charges above this amount are declined.
    pub limit: u64,
    /// Whether the provider is failing (every charge fails with an outage).
    pub down: Arc<std::sync::atomic::AtomicBool>,
    /// Charges received.
    pub charges: Arc<AtomicU64>,
}

/// The providers' behaviours (simulations of their APIs).
#[derive(Clone, Debug, Default)]
pub struct Providers {
    /// Stripe's.
    pub stripe: ProviderBehaviour,
    /// Adyen's.
    pub adyen: ProviderBehaviour,
}

/// How a pool worker starts: the provider it talks to.
#[derive(Clone, Debug)]
pub struct WorkerArgs {
    /// Which provider.
    pub provider: Provider,
    /// Its (simulated) API.
    pub api: ProviderBehaviour,
}

/// A pool worker's state: its connection to the provider.
pub struct ProviderClient {
    provider: Provider,
    api: ProviderBehaviour,
}

impl provider_worker::State for ProviderClient {
    type Args = WorkerArgs;

    async fn init(args: WorkerArgs, _ctx: &mut provider_worker::Ctx) -> Result<Self, ExitReason> {
        Ok(ProviderClient {
            provider: args.provider,
            api: args.api,
        })
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut provider_worker::Ctx) {
        // A real worker would close its HTTP connection here.
    }
}

impl provider_api::Handler<provider_worker::Ctx> for ProviderClient {
    async fn charge(
        &mut self,
        request: ChargeRequest,
        _ctx: &mut provider_worker::Ctx,
    ) -> Result<Charge, ProviderError> {
        let n = self.api.charges.fetch_add(1, Ordering::Relaxed) + 1;
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
}

/// The configuration of the payments app; `providers` sets how the simulated provider APIs
/// behave (provider workers are started on demand by the intents).
pub fn config(providers: &Providers) -> payments::Config {
    let limiter = LimiterArgs {
        capacity: 100,
        refill: 100,
        every: Duration::from_secs(1),
    };
    let breaker = BreakerArgs {
        threshold: 3,
        cool_down: Duration::from_millis(200),
    };
    payments_sup::Config {
        providers: providers::Config {
            stripe_sup: stripe_sup::Config {
                limiter: limiter.clone(),
                breaker: breaker.clone(),
            },
            adyen_sup: adyen_sup::Config { limiter, breaker },
        },
        router: providers.clone(),
    }
}

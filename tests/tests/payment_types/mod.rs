//! The plain types of `macros_payment_router.rs` (requests, replies, errors, the actors'
//! arguments, the simulated provider APIs): what `specs/src/payment_router.rs` defines beside
//! its generated code.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// The provider to use (`None`: the router alternates).
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
    /// A gatekeeper or worker could not be reached (or crashed).
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
    /// Declined (over the limit).
    Declined,
    /// The provider is failing.
    Outage,
}

/// A simulated provider API: what it does with charges, and how many it received.
#[derive(Clone, Debug, Default)]
pub struct ProviderBehaviour {
    /// Charges above this amount are declined.
    pub limit: u64,
    /// Every charge fails with an outage.
    pub down: Arc<AtomicBool>,
    /// The next charge crashes the worker handling it (then the flag clears).
    pub crash_next: Arc<AtomicBool>,
    /// Charges received.
    pub charges: Arc<AtomicU64>,
}

/// Both providers' behaviours. (Not `Providers`: that is a supervisor struct of the system.)
#[derive(Clone, Debug, Default)]
pub struct ProviderApis {
    /// Stripe's.
    pub stripe: ProviderBehaviour,
    /// Adyen's.
    pub adyen: ProviderBehaviour,
}

/// How an intent starts.
#[derive(Clone, Debug)]
pub struct IntentArgs {
    pub id: IntentId,
    pub worker: WorkerArgs,
    pub amount: u64,
}

/// How a pool worker starts: the provider it talks to.
#[derive(Clone, Debug)]
pub struct WorkerArgs {
    pub provider: Provider,
    pub api: ProviderBehaviour,
}

/// A circuit breaker's configuration.
#[derive(Clone, Debug)]
pub struct BreakerArgs {
    pub threshold: u32,
    pub cool_down: Duration,
}

/// A rate limiter's configuration.
#[derive(Clone, Debug)]
pub struct LimiterArgs {
    pub capacity: u32,
    pub refill: u32,
    pub every: Duration,
}

pub fn internal(e: impl std::fmt::Display) -> PaymentError {
    PaymentError::Internal(e.to_string())
}

pub fn set(status: &Mutex<IntentStatus>, value: IntentStatus) {
    if let Ok(mut s) = status.lock() {
        *s = value;
    }
}

/// How long a finished intent stays around to answer `status`.
pub const KEEP: Duration = Duration::from_secs(30);

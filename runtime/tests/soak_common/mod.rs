//! Shared pieces of the soak tests: the time budget, a small deterministic random number
//! generator, and a panic hook that keeps injected panics out of the test output.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long each soak test runs: `ARBOR_SOAK_SECS` (fractions allowed), else `default`.
pub fn soak_duration(default: Duration) -> Duration {
    std::env::var("ARBOR_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or(default)
}

/// The run's seed: `ARBOR_SOAK_SEED`, else a fixed one (runs are then as repeatable as
/// thread scheduling allows).
pub fn soak_seed() -> u64 {
    std::env::var("ARBOR_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_a4b0_12c3_d4e5)
}

/// xorshift64*: small, fast, good enough to pick faults.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, never zero.
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    /// A new generator from a global sequence (each actor incarnation gets its own).
    pub fn fresh() -> Rng {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Rng::new(
            soak_seed()
                ^ NEXT
                    .fetch_add(1, Ordering::Relaxed)
                    .wrapping_mul(0x2545_f491),
        )
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// `true` with probability `per_million / 1 000 000`.
    pub fn chance(&mut self, per_million: u64) -> bool {
        self.below(1_000_000) < per_million
    }
}

/// Keeps panics whose message starts with `prefix` quiet (they are injected on purpose);
/// every other panic still reports.
pub fn quiet_panics(prefix: &'static str) {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if !msg.starts_with(prefix) {
            default(info);
        }
    }));
}

/// Polls `done` until it holds or `limit` passes; `true` if it held.
pub async fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if tokio::time::Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

//! Restart intensity: how many restarts a supervisor tolerates in a sliding window before it
//! gives up and escalates (OTP's `intensity` and `period`).
//!
//! Every restart, including a failed restart attempt, is recorded with the time it happened.
//! Restarts older than the period fall out of the window; if more than `max_restarts` remain,
//! the supervisor stops. Time is tokio's, so tests can pause and advance it.
//!
//! ```
//! use arbor::supervisor::Intensity;
//! use std::time::Duration;
//!
//! let default = Intensity::default();
//! assert_eq!((default.max_restarts, default.period), (3, Duration::from_secs(5)));
//! ```

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

/// At most `max_restarts` restarts within any `period` (OTP: `intensity` in `period` seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Intensity {
    /// Restarts tolerated within the period (0: the first restart stops the supervisor).
    pub max_restarts: u32,
    /// The sliding window's length; must be longer than zero.
    pub period: Duration,
}

impl Intensity {
    /// `max_restarts` within `period`.
    pub const fn new(max_restarts: u32, period: Duration) -> Intensity {
        Intensity {
            max_restarts,
            period,
        }
    }
}

impl Default for Intensity {
    /// Elixir's default: 3 restarts in 5 seconds.
    fn default() -> Self {
        Intensity::new(3, Duration::from_secs(5))
    }
}

/// The restarts inside the current window.
#[derive(Debug)]
pub(crate) struct RestartWindow {
    limit: Intensity,
    times: VecDeque<Instant>,
}

impl RestartWindow {
    pub(crate) fn new(limit: Intensity) -> RestartWindow {
        RestartWindow {
            limit,
            times: VecDeque::new(),
        }
    }

    /// Records a restart now; `false` if that makes more than `max_restarts` in the window
    /// (the supervisor must then shut down).
    pub(crate) fn add_restart(&mut self) -> bool {
        let now = Instant::now();
        // A restart exactly `period` ago still counts, as in OTP (`Restart >= Now - Period`).
        while let Some(&oldest) = self.times.front() {
            if now.duration_since(oldest) > self.limit.period {
                self.times.pop_front();
            } else {
                break;
            }
        }
        self.times.push_back(now);
        self.times.len() <= self.limit.max_restarts as usize
    }
}

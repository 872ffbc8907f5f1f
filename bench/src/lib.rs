//! Shared workloads for Arbor's benchmarks against raw tokio and peer actor frameworks.
//!
//! Every framework implements [`Framework`] with its own idiomatic actor: one counter actor
//! type answering a call (`ping`: `n → n + 1`, or forwarded to the next actor of a chain),
//! a cast (`add`) and a flush call (`total`). The workloads in [`workloads`] are written once,
//! generic over [`Framework`], so every framework runs exactly the same sequence of requests.
//!
//! The peers (kameo, ractor, actix) are dependencies of this crate only, never of the runtime.
//!
//! Arbor is driven through the client stubs generated from `bench/specs/bench.kdl` (by
//! `bench/build.rs`, as a user's build script would): see [`arbor`].

use std::future::Future;
use std::time::Duration;

pub mod actix;
pub mod arbor;
pub mod arbor_spec;
pub mod kameo;
pub mod micro;
pub mod ractor;
pub mod raw_tokio;
pub mod workloads;

pub use micro::*;

/// The tokio runtime flavour a workload runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    /// A multi-thread runtime with 2 workers.
    MultiThread,
    /// A current-thread runtime.
    CurrentThread,
}

impl Flavor {
    /// Both flavours.
    pub const ALL: &'static [Flavor] = &[Flavor::MultiThread, Flavor::CurrentThread];

    /// The short id used in benchmark names and the report (`mt`, `ct`).
    pub fn id(self) -> &'static str {
        match self {
            Flavor::MultiThread => "mt",
            Flavor::CurrentThread => "ct",
        }
    }
}

/// Worker threads of the multi-thread flavour.
pub const WORKERS: usize = 2;

/// A runtime to drive one framework's workloads.
pub enum Rt {
    /// A plain tokio runtime; workloads run as a spawned task (so on a worker thread).
    Tokio(tokio::runtime::Runtime),
    /// An actix `System` (a current-thread tokio runtime with a `LocalSet`); workloads run
    /// inside it directly, where actix can start actors.
    Actix(::actix::SystemRunner),
}

impl Rt {
    /// A tokio runtime of the given flavour.
    pub fn tokio(flavor: Flavor) -> Rt {
        let rt = match flavor {
            Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread()
                .worker_threads(WORKERS)
                .enable_all()
                .build(),
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build(),
        };
        Rt::Tokio(rt.expect("building a tokio runtime"))
    }

    /// Runs `fut` to completion on this runtime.
    pub fn run<F>(&self, fut: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Rt::Tokio(rt) => {
                rt.block_on(async move { tokio::spawn(fut).await.expect("the workload panicked") })
            }
            Rt::Actix(sys) => sys.block_on(fut),
        }
    }
}

/// A handle to one framework's counter actor: what the workloads send requests through.
pub trait Counter: Clone + Send + Sync + 'static {
    /// A call: answers `n + 1` (or, in a chain, what the next actor answers).
    fn ping(&self, n: u64) -> impl Future<Output = u64> + Send;
    /// A cast: adds `n` to the actor's total.
    fn add(&self, n: u64) -> impl Future<Output = ()> + Send;
    /// A call: the actor's total; ends a burst of casts (everything before it is processed).
    fn total(&self) -> impl Future<Output = u64> + Send;
}

/// One framework (or raw tokio) under test.
pub trait Framework: Send + Sync + 'static {
    /// The name in benchmark ids and the report.
    const NAME: &'static str;
    /// The flavours it runs on.
    const FLAVORS: &'static [Flavor] = Flavor::ALL;
    /// Its counter actor's handle.
    type Counter: Counter;

    /// The runtime for `flavor`.
    fn runtime(flavor: Flavor) -> Rt {
        Rt::tokio(flavor)
    }

    /// The handle of a call chain's head (workload 6): its `ping` is answered by the last
    /// actor of the chain.
    type Chain: Counter;

    /// Starts a counter actor with the framework's default mailbox.
    fn spawn_counter() -> impl Future<Output = Self::Counter> + Send;

    /// Starts a chain a → b → c whose `ping` calls b, whose `ping` calls c, and waits until
    /// all three are started.
    fn spawn_chain() -> impl Future<Output = Self::Chain> + Send;

    /// Stops a chain's actors and waits until they have exited.
    fn stop_chain(chain: Self::Chain) -> impl Future<Output = ()> + Send;

    /// Waits until every actor in `actors` is started (for frameworks whose spawn returns
    /// before the actor runs); the default does nothing.
    fn all_started(actors: &[Self::Counter]) -> impl Future<Output = ()> + Send {
        let _ = actors;
        async {}
    }

    /// Stops the actors and waits until they have exited.
    fn stop_all(actors: Vec<Self::Counter>) -> impl Future<Output = ()> + Send;
}

/// A chain of counters of one type, each `ping` forwarded to the next: how the peers (and raw
/// tokio) build workload 6, with a `next` handle in the actor's state.
#[derive(Clone)]
pub struct Linked<C> {
    /// The chain, head first.
    members: Vec<C>,
}

impl<C: Counter> Linked<C> {
    /// Starts c, then b calling c, then a calling b, with `spawn(next)`.
    pub async fn start<Fut>(spawn: impl Fn(Option<C>) -> Fut) -> Linked<C>
    where
        Fut: Future<Output = C>,
    {
        let c = spawn(None).await;
        let b = spawn(Some(c.clone())).await;
        let a = spawn(Some(b.clone())).await;
        Linked {
            members: vec![a, b, c],
        }
    }

    /// The chain's actors, head first.
    pub fn members(&self) -> &[C] {
        &self.members
    }

    /// The chain's actors, head first (to stop them).
    pub fn into_members(self) -> Vec<C> {
        self.members
    }
}

impl<C: Counter> Counter for Linked<C> {
    fn ping(&self, n: u64) -> impl Future<Output = u64> + Send {
        self.members[0].ping(n)
    }

    fn add(&self, n: u64) -> impl Future<Output = ()> + Send {
        self.members[0].add(n)
    }

    fn total(&self) -> impl Future<Output = u64> + Send {
        self.members[0].total()
    }
}

/// `true` when a bench binary runs for real (`cargo bench` passes `--bench`); `false` in
/// `cargo test --benches`, where every benchmark runs once as a smoke test and workloads use
/// small sizes.
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Resident set size of this process in bytes, from `/proc/self/statm`.
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("reading /proc/self/statm");
    let resident: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("parsing /proc/self/statm");
    resident * page_size()
}

fn page_size() -> u64 {
    // The page size is 4 KiB on the platforms this suite runs on (x86_64 and aarch64 Linux
    // with default kernels); `getconf` confirms it without unsafe code.
    std::process::Command::new("getconf")
        .arg("PAGESIZE")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096)
}

/// CPU time of this whole process so far (every thread: on a loaded machine, less moved by
/// other processes than the elapsed time): the sum of the threads' `schedstat` (nanoseconds
/// on a CPU, Linux); zero elsewhere.
pub fn process_cpu() -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    let mut ns = 0u64;
    for task in tasks.flatten() {
        if let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) {
            ns += stat
                .split_whitespace()
                .next()
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
        }
    }
    Duration::from_nanos(ns)
}

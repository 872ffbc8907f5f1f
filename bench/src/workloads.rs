//! The workloads, written once and run for every [`Framework`].
//!
//! Each returns the time its measured part took for `iters` iterations (criterion's
//! `iter_custom`): set-up and tear-down (spawning and stopping the actors under test) are not
//! timed. An iteration is one request (call, cast, chain call, restart) except for spawning,
//! where it is one batch of actors.

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::{Counter, Framework};

/// Workload 1: call round-trip, one caller, one actor.
pub async fn call<F: Framework>(iters: u64) -> Duration {
    let actor = F::spawn_counter().await;
    F::all_started(std::slice::from_ref(&actor)).await;
    let start = Instant::now();
    for i in 0..iters {
        black_box(actor.ping(black_box(i)).await);
    }
    let elapsed = start.elapsed();
    F::stop_all(vec![actor]).await;
    elapsed
}

/// Workload 2: cast throughput, `producers` tasks → one actor, `iters` casts in all, timed
/// until all are processed (a flush call at the end).
pub async fn cast<F: Framework>(producers: u64, iters: u64) -> Duration {
    let actor = F::spawn_counter().await;
    F::all_started(std::slice::from_ref(&actor)).await;
    let start = Instant::now();
    if producers == 1 {
        for _ in 0..iters {
            actor.add(1).await;
        }
    } else {
        let mut tasks = Vec::with_capacity(producers as usize);
        for p in 0..producers {
            let actor = actor.clone();
            let share = iters / producers + u64::from(p < iters % producers);
            tasks.push(tokio::spawn(async move {
                for _ in 0..share {
                    actor.add(1).await;
                }
            }));
        }
        for task in tasks {
            task.await.expect("producer panicked");
        }
    }
    let total = actor.total().await;
    let elapsed = start.elapsed();
    assert_eq!(total, iters, "{}: casts lost", F::NAME);
    F::stop_all(vec![actor]).await;
    elapsed
}

/// Actors of the fan-out workload.
pub const FAN_OUT: usize = 100;

/// Workload 3: fan-out, `iters` casts round-robin to [`FAN_OUT`] actors, timed until all are
/// processed (a flush call to each actor at the end).
pub async fn fan_out<F: Framework>(iters: u64) -> Duration {
    let mut actors = Vec::with_capacity(FAN_OUT);
    for _ in 0..FAN_OUT {
        actors.push(F::spawn_counter().await);
    }
    F::all_started(&actors).await;
    let start = Instant::now();
    for i in 0..iters {
        actors[(i % FAN_OUT as u64) as usize].add(1).await;
    }
    let mut total = 0;
    for actor in &actors {
        total += actor.total().await;
    }
    let elapsed = start.elapsed();
    assert_eq!(total, iters, "{}: casts lost", F::NAME);
    F::stop_all(actors).await;
    elapsed
}

/// Workload 4: spawning `count` idle actors (default mailbox), `iters` times; timed until all
/// are started. The actors of a batch stay alive until the batch is done, then are stopped
/// (not timed).
pub async fn spawn<F: Framework>(count: usize, iters: u64) -> Duration {
    let mut elapsed = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let actors = spawn_idle::<F>(count).await;
        elapsed += start.elapsed();
        F::stop_all(actors).await;
    }
    elapsed
}

/// Spawns `count` idle counters and waits until all are started.
pub async fn spawn_idle<F: Framework>(count: usize) -> Vec<F::Counter> {
    let mut actors = Vec::with_capacity(count);
    for _ in 0..count {
        actors.push(F::spawn_counter().await);
    }
    F::all_started(&actors).await;
    actors
}

/// Workload 6: synchronous call chain a → b → c: the caller calls a, whose handler calls b,
/// whose handler calls c.
pub async fn chain<F: Framework>(iters: u64) -> Duration {
    let a = F::spawn_chain().await;
    let start = Instant::now();
    for i in 0..iters {
        let answer = a.ping(black_box(i)).await;
        debug_assert_eq!(answer, i + 1);
        black_box(answer);
    }
    let elapsed = start.elapsed();
    F::stop_chain(a).await;
    elapsed
}

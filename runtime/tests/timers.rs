//! Timers (`send_after`, cancel) and the idle timeout, on tokio's paused clock.

mod common;

use std::time::Duration;

use common::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn send_after_delivers_after_the_delay() {
    let mut p = start().await;
    let begin = Instant::now();
    let timer = p.actor.send_after(Duration::from_secs(3), 1);
    assert!(timer.is_pending());
    assert_eq!(p.next().await, Ev::Info(1));
    assert_eq!(begin.elapsed(), Duration::from_secs(3));
    assert!(!timer.is_pending());
    assert!(!timer.cancel(), "already fired");
}

#[tokio::test(start_paused = true)]
async fn timers_fire_in_deadline_order() {
    let mut p = start().await;
    p.actor.send_after(Duration::from_secs(2), 2);
    p.actor.send_after(Duration::from_secs(1), 1);
    p.actor.send_after(Duration::from_secs(3), 3);
    assert_eq!(p.next().await, Ev::Info(1));
    assert_eq!(p.next().await, Ev::Info(2));
    assert_eq!(p.next().await, Ev::Info(3));
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_timer_never_delivers() {
    let mut p = start().await;
    let cancelled = p.actor.send_after(Duration::from_secs(1), 1);
    p.actor.send_after(Duration::from_secs(2), 2);
    assert!(cancelled.cancel());
    assert!(!cancelled.cancel(), "only once");
    assert_eq!(
        p.next().await,
        Ev::Info(2),
        "the cancelled message never came"
    );
}

#[tokio::test(start_paused = true)]
async fn send_after_from_the_context() {
    let mut p = start().await;
    p.run(|_, ctx| {
        ctx.send_after(Duration::from_millis(10), 7);
    })
    .await;
    assert_eq!(p.next().await, Ev::Info(7));
}

#[tokio::test(start_paused = true)]
async fn a_timer_to_an_exited_actor_is_dropped() {
    let p = start().await;
    let timer = p.actor.send_after(Duration::from_secs(1), 1);
    p.cell().kill();
    p.actor.wait().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!timer.is_pending());
}

#[tokio::test(start_paused = true)]
async fn idle_timeout_fires_once_per_idle_period() {
    let mut p = start().await;
    let begin = Instant::now();
    p.run(|_, ctx| ctx.set_idle_timeout(Some(Duration::from_secs(10))))
        .await;
    assert_eq!(p.next().await, Ev::Timeout);
    assert_eq!(begin.elapsed(), Duration::from_secs(10));
    // Not again until something arrives.
    let tick = p.actor.send_after(Duration::from_secs(25), 1);
    assert_eq!(p.next().await, Ev::Info(1));
    assert!(!tick.is_pending());
    assert_eq!(p.next().await, Ev::Timeout);
    assert_eq!(begin.elapsed(), Duration::from_secs(45));
}

#[tokio::test(start_paused = true)]
async fn messages_postpone_the_idle_timeout() {
    let mut p = start().await;
    let begin = Instant::now();
    p.run(|_, ctx| ctx.set_idle_timeout(Some(Duration::from_secs(10))))
        .await;
    p.actor.send_after(Duration::from_secs(6), 1);
    assert_eq!(p.next().await, Ev::Info(1));
    assert_eq!(p.next().await, Ev::Timeout);
    assert_eq!(begin.elapsed(), Duration::from_secs(16));
    p.run(|_, ctx| ctx.set_idle_timeout(None)).await;
    p.actor.send_after(Duration::from_secs(100), 2);
    assert_eq!(p.next().await, Ev::Info(2), "no timeout once turned off");
}

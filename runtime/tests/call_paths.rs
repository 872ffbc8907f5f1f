//! Calls off their common path: waiting for room in a full mailbox is bounded by the call's
//! timeout, and a call whose answer never comes times out even when the actor is busy.

mod common;

use std::pin::pin;
use std::time::Duration;

use arbor::prelude::*;
use common::*;
use futures::poll;

#[tokio::test(start_paused = true)]
async fn waiting_for_room_is_bounded_by_the_call_timeout() {
    let mut p = start_with(Spawn::new().mailbox(MailboxConfig::bounded(1))).await;
    let open = p.block().await;
    p.actor.cast(Msg::Record(1)).await.unwrap();
    let started = tokio::time::Instant::now();
    let call = p
        .actor
        .call_timeout(Duration::from_millis(100), |r| Req::Echo(2, r))
        .await;
    assert_eq!(call, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(100));
    // The call was never queued: only the cast is handled.
    open.send(()).unwrap();
    p.sync().await;
    assert_eq!(p.drain(), vec![Ev::Cast(1)]);
}

#[tokio::test(start_paused = true)]
async fn a_call_to_a_busy_actor_times_out_on_time() {
    let mut p = start().await;
    let _open = p.block().await;
    let started = tokio::time::Instant::now();
    let call = p
        .actor
        .call_timeout(Duration::from_millis(250), |r| Req::Echo(1, r))
        .await;
    assert_eq!(call, Err(CallError::Timeout));
    assert_eq!(started.elapsed(), Duration::from_millis(250));
}

#[tokio::test]
async fn a_call_polled_before_the_actor_runs_gets_its_answer() {
    let p = start().await;
    let mut call = pin!(p.actor.call(|r| Req::Echo(7, r)));
    assert!(
        poll!(call.as_mut()).is_pending(),
        "the actor has not run yet"
    );
    assert_eq!(call.await, Ok(7));
}

#[tokio::test]
async fn a_call_to_an_exited_actor_fails_with_its_reason() {
    let p = start().await;
    p.cell().stop(ExitReason::error("gone")).await;
    let call = p.actor.call(|r| Req::Echo(1, r)).await;
    assert_eq!(call, Err(CallError::Exited(ExitReason::error("gone"))));
}

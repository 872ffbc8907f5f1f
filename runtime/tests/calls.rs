//! Calls: reply values, deferred replies, and every way a call fails.

mod common;

use std::time::Duration;

use arbor::DEFAULT_CALL_TIMEOUT;
use arbor::prelude::*;
use common::*;
use tokio::time::Instant;

#[tokio::test]
async fn call_returns_the_handlers_reply() {
    let mut p = start().await;
    assert_eq!(p.actor.call(|r| Req::Echo(7, r)).await, Ok(7));
    assert_eq!(p.actor.call(|r| Req::Echo(8, r)).await, Ok(8));
    assert_eq!(p.drain(), vec![Ev::Call(7), Ev::Call(8)]);
}

#[tokio::test]
async fn a_dropped_reply_to_is_no_reply() {
    let p = start().await;
    assert_eq!(p.actor.call(Req::Forget).await, Err(CallError::NoReply));
    // The actor keeps serving.
    assert_eq!(p.actor.call(|r| Req::Echo(1, r)).await, Ok(1));
}

#[tokio::test]
async fn deferred_reply_is_sent_later_while_the_actor_serves_others() {
    let p = start().await;
    let actor = p.actor.clone();
    let first = tokio::spawn(async move { actor.call(Req::Defer).await });
    let actor = p.actor.clone();
    let second = tokio::spawn(async move { actor.call(Req::Defer).await });
    // Both calls are parked; the actor still answers others.
    assert_eq!(p.actor.call(|r| Req::Echo(3, r)).await, Ok(3));
    let mut released = 0;
    while released < 2 {
        let delivered = p.actor.call(|r| Req::Release(42, r)).await.unwrap();
        assert!(delivered.iter().all(|&d| d));
        released += delivered.len();
    }
    assert_eq!(first.await.unwrap(), Ok(42));
    assert_eq!(second.await.unwrap(), Ok(42));
}

#[tokio::test]
async fn deferred_reply_from_another_task() {
    let p = start().await;
    let (open, gate) = gate();
    let actor = p.actor.clone();
    let call = tokio::spawn(async move { actor.call(|r| Req::AnswerFromTask(9, gate, r)).await });
    // The handler returned: the actor serves while the task holds the ReplyTo.
    assert_eq!(p.actor.call(|r| Req::Echo(1, r)).await, Ok(1));
    assert!(!call.is_finished());
    open.send(()).unwrap();
    assert_eq!(call.await.unwrap(), Ok(9));
}

#[tokio::test(start_paused = true)]
async fn a_call_times_out_and_never_sees_the_late_reply() {
    let p = start().await;
    let result = p
        .actor
        .call_timeout(Duration::from_millis(100), Req::Defer)
        .await;
    assert_eq!(result, Err(CallError::Timeout));
    // The handler's late answer is refused: nobody can see it.
    let delivered = p.actor.call(|r| Req::Release(5, r)).await.unwrap();
    assert_eq!(delivered, vec![false]);
}

#[tokio::test]
async fn a_cancelled_call_never_sees_the_late_reply() {
    let p = start().await;
    let actor = p.actor.clone();
    let pending = tokio::spawn(async move { actor.call(Req::Defer).await });
    p.sync().await;
    pending.abort();
    assert!(pending.await.unwrap_err().is_cancelled());
    let delivered = p.actor.call(|r| Req::Release(5, r)).await.unwrap();
    assert_eq!(delivered, vec![false]);
}

#[tokio::test(start_paused = true)]
async fn default_timeout_is_five_seconds() {
    let p = start().await;
    let start = Instant::now();
    assert_eq!(p.actor.call(Req::Defer).await, Err(CallError::Timeout));
    assert_eq!(start.elapsed(), DEFAULT_CALL_TIMEOUT);
}

#[tokio::test(start_paused = true)]
async fn calling_a_dead_actor_fails_at_once_with_its_reason() {
    let p = start().await;
    p.actor.cell().stop(ExitReason::error("gone")).await;
    let start = Instant::now();
    assert_eq!(
        p.actor.call(|r| Req::Echo(1, r)).await,
        Err(CallError::Exited(ExitReason::error("gone")))
    );
    assert_eq!(start.elapsed(), Duration::ZERO, "no timeout was waited for");
}

#[tokio::test(start_paused = true)]
async fn an_actor_panicking_mid_call_fails_the_call_at_once_with_the_panic() {
    let p = start().await;
    let start = Instant::now();
    let result = p.actor.call(|r| Req::Panic("kaboom", r)).await;
    assert_eq!(result, Err(CallError::Exited(ExitReason::panic("kaboom"))));
    assert_eq!(start.elapsed(), Duration::ZERO, "no timeout was waited for");
}

#[tokio::test]
async fn a_panicking_caller_waits_for_terminate_and_reports_the_panic() {
    let mut p = start().await;
    let (open, gate) = gate();
    p.run(move |probe, _| probe.terminate_gate = Some(gate))
        .await;
    let actor = p.actor.clone();
    let call = tokio::spawn(async move { actor.call(|r| Req::Panic("slow death", r)).await });
    assert_eq!(
        p.next().await,
        Ev::Terminate(ExitReason::panic("slow death"))
    );
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    // The ReplyTo was dropped by the panic while terminate still runs: the caller must
    // report the exit, not a missing reply.
    open.send(()).unwrap();
    assert_eq!(
        call.await.unwrap(),
        Err(CallError::Exited(ExitReason::panic("slow death")))
    );
}

#[tokio::test(start_paused = true)]
async fn queued_calls_fail_with_the_reason_when_the_actor_crashes() {
    let p = start().await;
    let (open, gate) = gate();
    p.actor.cast(Msg::Gate(gate)).await.unwrap();
    p.actor
        .cast(Msg::Panic("crash while calls wait"))
        .await
        .unwrap();
    let actor = p.actor.clone();
    let queued = tokio::spawn(async move { actor.call(|r| Req::Echo(1, r)).await });
    tokio::task::yield_now().await;
    open.send(()).unwrap();
    assert_eq!(
        queued.await.unwrap(),
        Err(CallError::Exited(ExitReason::panic(
            "crash while calls wait"
        )))
    );
}

#[tokio::test(start_paused = true)]
async fn deferred_callers_learn_the_reason_when_the_actor_exits() {
    let p = start().await;
    let actor = p.actor.clone();
    let parked = tokio::spawn(async move { actor.call(Req::Defer).await });
    p.sync().await;
    p.actor
        .cast(Msg::Stop(ExitReason::error("bye")))
        .await
        .unwrap();
    assert_eq!(
        parked.await.unwrap(),
        Err(CallError::Exited(ExitReason::error("bye")))
    );
}

#[tokio::test(start_paused = true)]
async fn killing_an_actor_mid_call_fails_the_call_with_killed() {
    let p = start().await;
    let actor = p.actor.clone();
    let hung = tokio::spawn(async move { actor.call(Req::Hang).await });
    tokio::task::yield_now().await;
    p.sync_kill().await;
    assert_eq!(
        hung.await.unwrap(),
        Err(CallError::Exited(ExitReason::Killed))
    );
}

#[tokio::test]
async fn an_actor_calling_itself_fails_at_once() {
    let p = start().await;
    assert_eq!(
        p.actor.call(Req::CallSelf).await,
        Ok(Err(CallError::CallingSelf))
    );
}

#[tokio::test]
async fn call_errors_display() {
    assert_eq!(CallError::Timeout.to_string(), "call timed out");
    assert_eq!(
        CallError::Exited(ExitReason::panic("x")).to_string(),
        "the actor exited: panic: x"
    );
}

trait KillAfterSync {
    async fn sync_kill(&self);
}

impl KillAfterSync for Spawned {
    async fn sync_kill(&self) {
        self.actor.cell().kill();
        assert_eq!(self.actor.wait().await, ExitReason::Killed);
    }
}

#[tokio::test(start_paused = true)]
async fn duration_max_waits_forever_like_otp_infinity() {
    let p = start().await;
    let actor = p.actor.clone();
    let parked = tokio::spawn(async move { actor.call_timeout(Duration::MAX, Req::Defer).await });
    p.sync().await;
    // Far beyond the default timeout, the call is still waiting.
    tokio::time::sleep(DEFAULT_CALL_TIMEOUT * 100).await;
    assert!(!parked.is_finished());
    assert_eq!(p.actor.call(|r| Req::Release(3, r)).await, Ok(vec![true]));
    assert_eq!(parked.await.unwrap(), Ok(3));
}

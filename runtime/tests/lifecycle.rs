//! Start-up outcomes, continue, stop, terminate, shutdown and kill.

mod common;

use std::time::Duration;

use arbor::prelude::*;
use common::*;

async fn start_mode(init: InitMode) -> (Result<Started<Probe>, ExitReason>, Vec<Ev>) {
    let (args, mut events) = args(init);
    let started = Probe::spawn(args).await;
    let mut seen = Vec::new();
    while let Ok(ev) = events.try_recv() {
        seen.push(ev);
    }
    (started, seen)
}

#[tokio::test]
async fn init_ok_starts_serving() {
    let (started, events) = start_mode(InitMode::Ok).await;
    let actor = started.unwrap().running().unwrap();
    assert!(actor.is_alive());
    assert_eq!(events, vec![Ev::Init]);
}

#[tokio::test]
async fn init_continue_runs_before_any_message() {
    let (args, mut events) = args(InitMode::Continue(7));
    let actor = Probe::spawn(args).await.unwrap().running().unwrap();
    actor.cast(Msg::Record(1)).await.unwrap();
    assert_eq!(events.recv().await, Some(Ev::Init));
    assert_eq!(events.recv().await, Some(Ev::Continue(7)));
    assert_eq!(events.recv().await, Some(Ev::Cast(1)));
}

#[tokio::test]
async fn handled_continue_with_runs_before_the_next_message() {
    let mut p = start().await;
    let open = p.block().await;
    p.actor.cast(Msg::ContinueWith(5)).await.unwrap();
    p.actor.cast(Msg::Record(6)).await.unwrap();
    open.send(()).unwrap();
    assert_eq!(p.next().await, Ev::Continue(5));
    assert_eq!(p.next().await, Ev::Cast(6));
}

#[tokio::test]
async fn init_ignore_starts_nothing() {
    let (started, events) = start_mode(InitMode::Ignore).await;
    assert!(matches!(started, Ok(Started::Ignored)));
    assert_eq!(events, vec![Ev::Init]);
}

#[tokio::test]
async fn init_stop_fails_the_start_with_its_reason() {
    let (started, events) = start_mode(InitMode::Stop(ExitReason::error("no db"))).await;
    assert_eq!(started.unwrap_err(), ExitReason::error("no db"));
    assert_eq!(
        events,
        vec![Ev::Init],
        "terminate does not run after a failed init"
    );
}

#[tokio::test]
async fn a_panic_in_init_fails_the_start_with_the_panic() {
    let (started, _) = start_mode(InitMode::Panic("init exploded")).await;
    assert_eq!(started.unwrap_err(), ExitReason::panic("init exploded"));
}

#[tokio::test]
async fn a_failed_start_sends_no_exit_signal_to_the_linked_starter() {
    let mut parent = start().await;
    parent.run(|_, ctx| ctx.trap_exit(true)).await;
    let (args, _) = args(InitMode::Stop(ExitReason::error("nope")));
    let started = Spawn::<Probe>::new()
        .child_of(&parent.cell())
        .start(args)
        .await;
    assert_eq!(started.unwrap_err(), ExitReason::error("nope"));
    assert!(parent.cell().links().is_empty());
    parent.sync().await;
    assert_eq!(parent.drain(), vec![]);
}

#[tokio::test(start_paused = true)]
async fn a_linked_crash_during_init_takes_the_child_down_and_fails_its_start() {
    let (open, gate) = gate();
    let (args, _) = args(InitMode::Wait(gate));
    let parent = start().await;
    let start = tokio::spawn(Spawn::<Probe>::new().link(&parent.cell()).start(args));
    // Wait until the child is linked, then kill the parent while the child is in init.
    let child = loop {
        let links = parent.cell().links();
        if let Some(&id) = links.first() {
            break id;
        }
        tokio::task::yield_now().await;
    };
    assert_ne!(child, parent.actor.id());
    parent.cell().kill();
    assert_eq!(start.await.unwrap().unwrap_err(), ExitReason::Killed);
    drop(open);
}

#[tokio::test]
async fn handler_stop_runs_terminate_with_the_reason() {
    let mut p = start().await;
    assert_eq!(
        p.actor
            .call(|r| Req::Stop(ExitReason::shutdown_with("done"), r))
            .await,
        Ok(())
    );
    assert_eq!(p.actor.wait().await, ExitReason::shutdown_with("done"));
    assert_eq!(
        p.drain(),
        vec![Ev::Terminate(ExitReason::shutdown_with("done"))]
    );
}

#[tokio::test]
async fn context_stop_stops_after_the_callback() {
    let mut p = start().await;
    p.actor
        .cast(Msg::Run(Box::new(|_, ctx| {
            ctx.stop(ExitReason::error("asked"))
        })))
        .await
        .unwrap();
    assert_eq!(p.actor.wait().await, ExitReason::error("asked"));
    assert_eq!(p.drain(), vec![Ev::Terminate(ExitReason::error("asked"))]);
}

#[tokio::test]
async fn a_panicking_handler_runs_terminate_with_the_panic() {
    let mut p = start().await;
    p.actor.cast(Msg::Panic("oops")).await.unwrap();
    assert_eq!(p.actor.wait().await, ExitReason::panic("oops"));
    assert_eq!(p.drain(), vec![Ev::Terminate(ExitReason::panic("oops"))]);
}

#[tokio::test]
async fn graceful_stop_finishes_the_current_callback_then_runs_terminate() {
    let mut p = start().await;
    let open = p.block().await;
    let cell = p.cell();
    let stopping = tokio::spawn(async move { cell.stop(ExitReason::error("stop")).await });
    tokio::task::yield_now().await;
    assert!(
        p.actor.is_alive(),
        "the blocked callback is not interrupted"
    );
    open.send(()).unwrap();
    assert_eq!(stopping.await.unwrap(), ExitReason::error("stop"));
    assert_eq!(p.drain(), vec![Ev::Terminate(ExitReason::error("stop"))]);
}

#[tokio::test]
async fn shutdown_runs_terminate() {
    let mut p = start().await;
    let reason = p
        .cell()
        .shutdown(ShutdownMode::Timeout(Duration::from_secs(5)))
        .await;
    assert_eq!(reason, ExitReason::Shutdown);
    assert_eq!(p.drain(), vec![Ev::Terminate(ExitReason::Shutdown)]);
}

#[tokio::test]
async fn kill_does_not_run_terminate() {
    let mut p = start().await;
    assert_eq!(
        p.cell().shutdown(ShutdownMode::BrutalKill).await,
        ExitReason::Killed
    );
    assert_eq!(p.drain(), vec![]);
    assert!(!p.actor.is_alive());
}

#[tokio::test(start_paused = true)]
async fn shutdown_kills_an_actor_that_does_not_stop_in_time() {
    let mut p = start().await;
    let _open = p.block().await; // never opened: the callback hangs
    let reason = p
        .cell()
        .shutdown(ShutdownMode::Timeout(Duration::from_millis(500)))
        .await;
    assert_eq!(reason, ExitReason::Killed);
    assert_eq!(p.drain(), vec![]);
}

#[tokio::test]
async fn stopping_a_dead_actor_returns_its_original_reason() {
    let p = start().await;
    p.actor.cast(Msg::Panic("first")).await.unwrap();
    p.actor.wait().await;
    assert_eq!(
        p.cell().shutdown(ShutdownMode::Infinity).await,
        ExitReason::panic("first")
    );
    assert_eq!(
        p.actor.cast(Msg::Record(1)).await,
        Err(CastError::Exited(ExitReason::panic("first")))
    );
}

#[tokio::test]
async fn runtime_survives_panics_everywhere() {
    for _ in 0..20 {
        let p = start().await;
        p.actor.cast(Msg::Panic("again")).await.unwrap();
        assert_eq!(p.actor.wait().await, ExitReason::panic("again"));
    }
    let p = start().await;
    assert_eq!(p.actor.call(|r| Req::Echo(1, r)).await, Ok(1));
}

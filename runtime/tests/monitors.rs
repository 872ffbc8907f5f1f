//! Monitors: DOWN messages with the exit reason.

mod common;

use arbor::prelude::*;
use common::*;

async fn monitor(watcher: &Spawned, target: &Spawned) -> MonitorRef {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let target = target.cell();
    watcher
        .run(move |_, ctx| {
            let _ = tx.send(ctx.monitor(&target));
        })
        .await;
    rx.await.unwrap()
}

#[tokio::test]
async fn a_panic_in_handle_cast_produces_a_down_with_the_panic_message() {
    let mut watcher = start().await;
    let target = start().await;
    let mref = monitor(&watcher, &target).await;
    assert_eq!(mref.target(), target.actor.id());
    target
        .actor
        .cast(Msg::Panic("cast went wrong"))
        .await
        .unwrap();
    assert_eq!(
        watcher.next().await,
        Ev::Down(target.actor.id(), ExitReason::panic("cast went wrong"))
    );
    assert!(watcher.actor.is_alive(), "a monitor is not a link");
}

#[tokio::test]
async fn a_normal_exit_is_reported_too() {
    let mut watcher = start().await;
    let target = start().await;
    monitor(&watcher, &target).await;
    target
        .actor
        .cast(Msg::Stop(ExitReason::Normal))
        .await
        .unwrap();
    assert_eq!(
        watcher.next().await,
        Ev::Down(target.actor.id(), ExitReason::Normal)
    );
}

#[tokio::test]
async fn monitoring_a_dead_actor_delivers_down_at_once() {
    let mut watcher = start().await;
    let target = start().await;
    target.cell().kill();
    target.actor.wait().await;
    monitor(&watcher, &target).await;
    assert_eq!(
        watcher.next().await,
        Ev::Down(target.actor.id(), ExitReason::Killed)
    );
}

#[tokio::test]
async fn demonitor_stops_the_down() {
    let mut watcher = start().await;
    let target = start().await;
    let mref = monitor(&watcher, &target).await;
    watcher
        .run(move |_, ctx| {
            ctx.demonitor(&mref);
        })
        .await;
    target.actor.cast(Msg::Panic("unseen")).await.unwrap();
    target.actor.wait().await;
    watcher.sync().await;
    assert_eq!(watcher.drain(), vec![]);
}

#[tokio::test]
async fn demonitor_flushes_a_pending_down() {
    let mut watcher = start().await;
    let target = start().await;
    let mref = monitor(&watcher, &target).await;
    let open = watcher.block().await;
    target.cell().kill();
    target.actor.wait().await;
    // The DOWN is queued behind the blocked handler; demonitor removes it.
    assert!(watcher.cell().demonitor(&mref));
    open.send(()).unwrap();
    watcher.sync().await;
    assert_eq!(watcher.drain(), vec![]);
}

#[tokio::test]
async fn many_waiters_all_see_the_exit() {
    let target = start().await;
    let waiters: Vec<_> = (0..5)
        .map(|_| tokio::spawn(target.cell().exited()))
        .collect();
    target
        .actor
        .cast(Msg::Stop(ExitReason::error("x")))
        .await
        .unwrap();
    for waiter in waiters {
        assert_eq!(waiter.await.unwrap(), ExitReason::error("x"));
    }
    // And after the fact.
    assert_eq!(target.cell().wait().await, ExitReason::error("x"));
    assert_eq!(target.cell().exit_reason(), Some(ExitReason::error("x")));
}

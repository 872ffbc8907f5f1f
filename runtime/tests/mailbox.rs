//! Mailbox capacity, overflow policies, and the priority of system signals.

mod common;

use std::pin::pin;

use arbor::prelude::*;
use common::*;
use futures::poll;

fn spawn(config: MailboxConfig) -> Spawn<Probe> {
    Spawn::new().mailbox(config)
}

#[tokio::test]
async fn default_mailbox_is_bounded_1024_blocking() {
    let p = start().await;
    let config = p.cell().mailbox_config();
    assert_eq!(config.capacity(), Some(1024));
    assert_eq!(config.overflow_policy(), Overflow::Block);
}

#[tokio::test]
async fn block_makes_the_sender_wait_until_a_message_is_taken() {
    let mut p = start_with(spawn(MailboxConfig::bounded(2))).await;
    let open = p.block().await;
    p.actor.cast(Msg::Record(1)).await.unwrap();
    p.actor.cast(Msg::Record(2)).await.unwrap();
    assert_eq!(p.actor.mailbox_len(), 2);

    let actor = p.actor.clone();
    let mut third = pin!(actor.cast(Msg::Record(3)));
    assert!(poll!(third.as_mut()).is_pending());
    tokio::task::yield_now().await;
    assert!(poll!(third.as_mut()).is_pending(), "still waiting for room");
    assert_eq!(
        p.actor.try_cast(Msg::Record(4)),
        Err(CastError::MailboxFull)
    );

    open.send(()).unwrap();
    third.await.unwrap();
    p.sync().await;
    assert_eq!(p.drain(), vec![Ev::Cast(1), Ev::Cast(2), Ev::Cast(3)]);
}

#[tokio::test]
async fn block_makes_a_call_wait_for_room_then_succeed() {
    let mut p = start_with(spawn(MailboxConfig::bounded(1))).await;
    let open = p.block().await;
    p.actor.cast(Msg::Record(1)).await.unwrap();
    let actor = p.actor.clone();
    let mut call = pin!(actor.call(|r| Req::Echo(2, r)));
    assert!(poll!(call.as_mut()).is_pending());
    open.send(()).unwrap();
    assert_eq!(call.await, Ok(2));
    assert_eq!(p.drain(), vec![Ev::Cast(1), Ev::Call(2)]);
}

#[tokio::test]
async fn reject_refuses_casts_and_calls_when_full() {
    let mut p = start_with(spawn(MailboxConfig::bounded(2).overflow(Overflow::Reject))).await;
    let open = p.block().await;
    p.actor.cast(Msg::Record(1)).await.unwrap();
    p.actor.cast(Msg::Record(2)).await.unwrap();
    assert_eq!(
        p.actor.cast(Msg::Record(3)).await,
        Err(CastError::MailboxFull)
    );
    assert_eq!(p.actor.send(3).await, Err(CastError::MailboxFull));
    assert_eq!(
        p.actor.call(|r| Req::Echo(4, r)).await,
        Err(CallError::MailboxFull)
    );
    open.send(()).unwrap();
    assert_eq!(p.next().await, Ev::Cast(1));
    assert_eq!(p.next().await, Ev::Cast(2));
    p.sync().await;
    assert_eq!(p.drain(), vec![], "nothing else was queued");
}

#[tokio::test]
async fn drop_newest_keeps_the_queued_messages() {
    let mut p = start_with(spawn(
        MailboxConfig::bounded(2).overflow(Overflow::DropNewest),
    ))
    .await;
    let open = p.block().await;
    for n in 1..=2 {
        p.actor.cast(Msg::Record(n)).await.unwrap();
    }
    assert_eq!(p.actor.cast(Msg::Record(3)).await, Err(CastError::Dropped));
    assert_eq!(
        p.actor.call(|r| Req::Echo(4, r)).await,
        Err(CallError::MailboxFull),
        "a dropped call fails at once"
    );
    open.send(()).unwrap();
    assert_eq!(p.next().await, Ev::Cast(1));
    assert_eq!(p.next().await, Ev::Cast(2));
    p.sync().await;
    assert_eq!(p.drain(), vec![], "nothing else was queued");
}

#[tokio::test]
async fn drop_oldest_keeps_the_newest_messages() {
    let mut p = start_with(spawn(
        MailboxConfig::bounded(2).overflow(Overflow::DropOldest),
    ))
    .await;
    let open = p.block().await;
    for n in 1..=4 {
        p.actor.cast(Msg::Record(n)).await.unwrap();
    }
    assert_eq!(p.actor.mailbox_len(), 2);
    open.send(()).unwrap();
    assert_eq!(p.next().await, Ev::Cast(3));
    assert_eq!(p.next().await, Ev::Cast(4));
    p.sync().await;
    assert_eq!(p.drain(), vec![], "1 and 2 were evicted");
}

#[tokio::test]
async fn drop_oldest_fails_an_evicted_call_at_once() {
    let mut p = start_with(spawn(
        MailboxConfig::bounded(1).overflow(Overflow::DropOldest),
    ))
    .await;
    let open = p.block().await;
    let actor = p.actor.clone();
    let evicted = tokio::spawn(async move { actor.call(|r| Req::Echo(1, r)).await });
    while p.actor.mailbox_len() == 0 {
        tokio::task::yield_now().await;
    }
    p.actor.cast(Msg::Record(2)).await.unwrap();
    assert_eq!(evicted.await.unwrap(), Err(CallError::MailboxFull));
    open.send(()).unwrap();
    assert_eq!(p.next().await, Ev::Cast(2));
    p.sync().await;
    assert_eq!(p.drain(), vec![]);
}

#[tokio::test]
async fn unbounded_never_refuses() {
    let mut p = start_with(spawn(MailboxConfig::unbounded())).await;
    let open = p.block().await;
    for n in 0..5000 {
        p.actor.try_cast(Msg::Record(n)).unwrap();
    }
    assert_eq!(p.actor.mailbox_len(), 5000);
    open.send(()).unwrap();
    p.sync().await;
    assert_eq!(p.drain().len(), 5000);
    assert_eq!(p.actor.mailbox_len(), 0);
}

#[tokio::test]
async fn shutdown_overtakes_queued_messages_and_fails_queued_calls() {
    let mut p = start_with(spawn(MailboxConfig::bounded(2))).await;
    let open = p.block().await;
    p.actor.cast(Msg::Record(1)).await.unwrap();
    let actor = p.actor.clone();
    let queued_call = tokio::spawn(async move { actor.call(|r| Req::Echo(2, r)).await });
    while p.actor.mailbox_len() < 2 {
        tokio::task::yield_now().await;
    }
    // A sender blocked on the full mailbox.
    let actor = p.actor.clone();
    let blocked = tokio::spawn(async move { actor.cast(Msg::Record(3)).await });
    let cell = p.cell();
    let shutdown = tokio::spawn(async move { cell.shutdown(ShutdownMode::Infinity).await });
    tokio::task::yield_now().await;
    open.send(()).unwrap();
    assert_eq!(shutdown.await.unwrap(), ExitReason::Shutdown);
    assert_eq!(
        queued_call.await.unwrap(),
        Err(CallError::Exited(ExitReason::Shutdown))
    );
    assert_eq!(
        blocked.await.unwrap(),
        Err(CastError::Exited(ExitReason::Shutdown))
    );
    // The stop signal was handled before the queued cast.
    assert_eq!(p.drain(), vec![Ev::Terminate(ExitReason::Shutdown)]);
}

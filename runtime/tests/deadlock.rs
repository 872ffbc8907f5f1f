//! Runtime deadlock detection through caller chains.

mod common;

use std::time::Duration;

use arbor::prelude::*;
use common::*;
use tokio::time::Instant;

#[tokio::test(start_paused = true)]
async fn a_to_b_to_a_is_detected_at_once() {
    let a = start().await;
    let b = start().await;
    let begin = Instant::now();
    // a calls b, which calls a back: refs travel in messages, no registry involved.
    let path = vec![b.actor.clone(), a.actor.clone()];
    let result = a.actor.call(|r| Req::Relay(path, r)).await;
    assert_eq!(
        result,
        Ok(Err(CallError::Deadlock {
            chain: vec![a.actor.id(), b.actor.id(), a.actor.id()]
        }))
    );
    assert_eq!(begin.elapsed(), Duration::ZERO, "detected without waiting");
}

#[tokio::test(start_paused = true)]
async fn a_three_actor_cycle_lists_the_whole_cycle() {
    let [a, b, c] = [start().await, start().await, start().await];
    let path = vec![b.actor.clone(), c.actor.clone(), b.actor.clone()];
    let result = a.actor.call(|r| Req::Relay(path, r)).await;
    // a → b → c → b: the cycle is b → c → b; a is not part of it.
    assert_eq!(
        result,
        Ok(Err(CallError::Deadlock {
            chain: vec![b.actor.id(), c.actor.id(), b.actor.id()]
        }))
    );
}

#[tokio::test]
async fn nested_calls_without_a_cycle_succeed() {
    let [a, b, c] = [start().await, start().await, start().await];
    let path = vec![b.actor.clone(), c.actor.clone()];
    assert_eq!(a.actor.call(|r| Req::Relay(path, r)).await, Ok(Ok(0)));
    // The same actors serve again: no chain leaks into later requests.
    let path = vec![a.actor.clone()];
    assert_eq!(c.actor.call(|r| Req::Relay(path, r)).await, Ok(Ok(0)));
}

#[tokio::test]
async fn handlers_see_their_callers_immediate_first() {
    let [a, b, c] = [start().await, start().await, start().await];
    // Outside actors: no callers.
    assert_eq!(b.actor.call(Req::Callers).await, Ok(vec![]));
    // a → b: b sees a.
    let path = vec![b.actor.clone()];
    assert_eq!(
        a.actor.call(|r| Req::CallersVia(path, r)).await,
        Ok(Ok(vec![a.actor.id()]))
    );
    // a → b → c: c sees b, then a.
    let path = vec![b.actor.clone(), c.actor.clone()];
    assert_eq!(
        a.actor.call(|r| Req::CallersVia(path, r)).await,
        Ok(Ok(vec![b.actor.id(), a.actor.id()]))
    );
}

#[tokio::test]
async fn a_task_spawned_by_a_handler_is_not_in_the_chain() {
    let a = start().await;
    let b = start().await;
    let b_ref = b.actor.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    a.run(move |_, _| {
        tokio::spawn(async move {
            let _ = tx.send(b_ref.call(Req::Callers).await);
        });
    })
    .await;
    assert_eq!(rx.await.unwrap(), Ok(vec![]));
}

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
            chain: vec![
                a.actor.id().into(),
                b.actor.id().into(),
                a.actor.id().into()
            ]
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
            chain: vec![
                b.actor.id().into(),
                c.actor.id().into(),
                b.actor.id().into()
            ]
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

/// A hop of another node, as the cluster layer decodes it from a request.
fn remote_hop(id: u64, actor: &str, node: &str) -> arbor::Hop {
    arbor::Hop {
        id,
        actor: Some(actor.into()),
        node: Some(node.into()),
    }
}

#[tokio::test(start_paused = true)]
async fn a_cycle_through_another_node_is_detected_at_once() {
    // a@here called B@n2 (over the network), and B's call comes back to a: the request
    // arrives with the chain [B@n2, a] and the serving side runs it `with_callers`.
    let a = start().await;
    let callers = vec![remote_hop(7, "B", "n2"), arbor::Hop::local(a.actor.id())];
    let begin = Instant::now();
    let target = a.actor.clone();
    let result =
        arbor::remote::with_callers(callers, async move { target.call(Req::Callers).await }).await;
    let Err(CallError::Deadlock { chain }) = result else {
        panic!("expected a deadlock, got {result:?}");
    };
    assert_eq!(
        chain,
        vec![
            arbor::Hop::local(a.actor.id()),
            remote_hop(7, "B", "n2"),
            arbor::Hop::local(a.actor.id()),
        ]
    );
    assert_eq!(begin.elapsed(), Duration::ZERO, "detected without waiting");
    let text = CallError::Deadlock { chain }.to_string();
    assert!(text.contains("B#7@n2"), "{text}");
}

#[tokio::test]
async fn an_inherited_chain_reaches_the_handler_and_clears_after() {
    // A request from another node whose callers do not include the target: served, and the
    // handler sees the remote callers; the next plain call sees none.
    let b = start().await;
    let callers = vec![remote_hop(3, "A", "n1")];
    let target = b.actor.clone();
    let seen =
        arbor::remote::with_callers(
            callers.clone(),
            async move { target.call(Req::Callers).await },
        )
        .await;
    // `iter()` lists local callers only: the remote one is in `hops()`.
    assert_eq!(seen, Ok(vec![]));
    assert_eq!(b.actor.call(Req::Callers).await, Ok(vec![]));
    let chain = arbor::CallChain::from_hops(callers.clone());
    assert_eq!(chain.hops().collect::<Vec<_>>(), callers);
    assert!(
        arbor::remote::outgoing_callers().is_empty(),
        "outside actors"
    );
}

#[tokio::test(start_paused = true)]
async fn a_deadlock_names_the_actors_on_its_cycle() {
    let a = start_with(Spawn::new().name("alpha")).await;
    let b = start_with(Spawn::new().name("beta")).await;
    let c = start_with(Spawn::new().name("gamma")).await;
    // alpha → beta → gamma → beta.
    let path = vec![b.actor.clone(), c.actor.clone(), b.actor.clone()];
    let result = a.actor.call(|r| Req::Relay(path, r)).await;
    let Ok(Err(CallError::Deadlock { chain })) = result else {
        panic!("expected a deadlock, got {result:?}");
    };
    let names: Vec<Option<&str>> = chain.iter().map(|hop| hop.actor.as_deref()).collect();
    assert_eq!(names, [Some("beta"), Some("gamma"), Some("beta")]);
    let ids: Vec<arbor::Hop> = vec![
        b.actor.id().into(),
        c.actor.id().into(),
        b.actor.id().into(),
    ];
    assert_eq!(chain, ids);
    let text = CallError::Deadlock { chain }.to_string();
    let (b, c) = (b.actor.id().as_u64(), c.actor.id().as_u64());
    assert_eq!(
        text,
        format!("deadlock: call cycle beta#{b} -> gamma#{c} -> beta#{b}")
    );
}

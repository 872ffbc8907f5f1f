//! Identity, names, lineage, mailbox length and state snapshots.

mod common;

use arbor::prelude::*;
use common::*;

#[tokio::test]
async fn ids_are_unique_and_names_are_kept() {
    let a = start_with(Spawn::new().name("alpha")).await;
    let b = start().await;
    assert_ne!(a.actor.id(), b.actor.id());
    assert_eq!(a.actor.name(), Some("alpha"));
    assert_eq!(a.cell().name(), Some("alpha"));
    assert_eq!(b.actor.name(), None);
    assert_eq!(a.cell().id(), a.actor.id());
    assert!(a.actor.ancestors().is_empty());
    assert_eq!(
        format!("{:?}", a.cell()),
        format!(
            "ActorCell {{ id: {:?}, name: \"alpha\", alive: true }}",
            a.actor.id()
        )
    );
}

#[tokio::test]
async fn inspect_reads_the_state_inside_the_actor() {
    let p = start().await;
    let parked = {
        let actor = p.actor.clone();
        tokio::spawn(async move { actor.call(Req::Defer).await })
    };
    p.sync().await;
    let deferred = p
        .actor
        .inspect(|probe: &Probe| probe.deferred_count())
        .await;
    assert_eq!(deferred, Ok(1));
    p.actor.call(|r| Req::Release(0, r)).await.unwrap();
    assert_eq!(parked.await.unwrap(), Ok(0));
    assert_eq!(p.actor.inspect(Probe::deferred_count).await, Ok(0));
}

#[tokio::test]
async fn inspect_of_a_dead_actor_fails_with_its_reason() {
    let p = start().await;
    p.cell().stop(ExitReason::error("gone")).await;
    assert_eq!(
        p.actor.inspect(|_| ()).await,
        Err(CallError::Exited(ExitReason::error("gone")))
    );
}

#[tokio::test]
async fn mailbox_length_is_observable() {
    let mut p = start().await;
    let open = p.block().await;
    assert_eq!(p.actor.mailbox_len(), 0);
    for n in 0..3 {
        p.actor.cast(Msg::Record(n)).await.unwrap();
    }
    assert_eq!(p.actor.mailbox_len(), 3);
    assert_eq!(p.cell().mailbox_len(), 3);
    open.send(()).unwrap();
    p.sync().await;
    assert_eq!(p.actor.mailbox_len(), 0);
}

#[tokio::test]
async fn a_cell_downcasts_to_its_typed_ref_only() {
    struct Other;
    impl Actor for Other {
        type Args = ();
        type Call = std::convert::Infallible;
        type Cast = std::convert::Infallible;
        type Info = std::convert::Infallible;
        type Continue = std::convert::Infallible;
        async fn init(_: (), _: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Other)
        }
    }
    let p = start().await;
    let cell = p.cell();
    assert_eq!(cell.downcast::<Probe>(), Some(p.actor.clone()));
    assert!(cell.downcast::<Other>().is_none());
    let other = Other::spawn(()).await.unwrap().running().unwrap();
    assert!(other.cell().downcast::<Probe>().is_none());
}

#[tokio::test]
async fn grandchildren_know_their_whole_lineage() {
    let root = start_with(Spawn::new().name("root")).await;
    let (args1, _e1) = args(InitMode::Ok);
    let child = Spawn::<Probe>::new()
        .name("child")
        .child_of(&root.cell())
        .start(args1)
        .await
        .unwrap()
        .running()
        .unwrap();
    let (args2, _e2) = args(InitMode::Ok);
    let grandchild = Spawn::<Probe>::new()
        .parent(&child.cell())
        .start(args2)
        .await
        .unwrap()
        .running()
        .unwrap();
    let lineage: Vec<_> = grandchild.ancestors().iter().collect();
    assert_eq!(
        lineage,
        vec![(child.id(), Some("child")), (root.actor.id(), Some("root"))]
    );
    assert_eq!(grandchild.ancestors().parent(), Some(child.id()));
    assert!(grandchild.ancestors().contains(root.actor.id()));
    assert_eq!(grandchild.ancestors().len(), 2);
    assert!(
        grandchild.cell().links().is_empty(),
        "parent() alone does not link"
    );
}

#[tokio::test]
async fn context_reports_identity_inside_callbacks() {
    let p = start_with(Spawn::new().name("me")).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    p.run(move |_, ctx| {
        let _ = tx.send((
            ctx.id(),
            ctx.name().map(str::to_owned),
            ctx.myself().id(),
            ctx.is_trapping_exits(),
        ));
    })
    .await;
    assert_eq!(
        rx.await.unwrap(),
        (p.actor.id(), Some("me".to_owned()), p.actor.id(), false)
    );
    assert_eq!(arbor::lineage::current_actor(), None);
}

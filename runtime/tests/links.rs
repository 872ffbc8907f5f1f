//! Links: exit propagation, trapping exits, the parent rule.

mod common;

use arbor::prelude::*;
use common::*;

async fn link(a: &Spawned, b: &Spawned) {
    a.cell().link(&b.cell());
    assert!(a.cell().links().contains(&b.actor.id()));
    assert!(b.cell().links().contains(&a.actor.id()));
}

async fn trap(p: &Spawned) {
    p.run(|_, ctx| ctx.trap_exit(true)).await;
}

#[tokio::test]
async fn an_abnormal_exit_takes_linked_actors_down_with_the_same_reason() {
    let a = start().await;
    let b = start().await;
    let c = start().await;
    link(&a, &b).await;
    link(&b, &c).await;
    a.actor.cast(Msg::Panic("boom")).await.unwrap();
    assert_eq!(a.actor.wait().await, ExitReason::panic("boom"));
    assert_eq!(b.actor.wait().await, ExitReason::panic("boom"));
    assert_eq!(c.actor.wait().await, ExitReason::panic("boom"));
}

#[tokio::test]
async fn a_linked_exit_does_not_run_terminate_of_a_non_trapping_actor() {
    let a = start().await;
    let mut b = start().await;
    link(&a, &b).await;
    a.actor
        .cast(Msg::Stop(ExitReason::error("bad")))
        .await
        .unwrap();
    assert_eq!(b.actor.wait().await, ExitReason::error("bad"));
    assert_eq!(
        b.drain(),
        vec![],
        "killed by the signal, like an OTP process"
    );
}

#[tokio::test]
async fn a_normal_exit_does_not_take_linked_actors_down() {
    let a = start().await;
    let mut b = start().await;
    link(&a, &b).await;
    a.actor.cast(Msg::Stop(ExitReason::Normal)).await.unwrap();
    a.actor.wait().await;
    assert_eq!(b.actor.call(|r| Req::Echo(1, r)).await, Ok(1));
    assert_eq!(b.drain(), vec![Ev::Call(1)]);
    assert!(b.cell().links().is_empty(), "the dead link was removed");
}

#[tokio::test]
async fn shutdown_propagates_to_non_trapping_links_as_in_otp() {
    let a = start().await;
    let b = start().await;
    link(&a, &b).await;
    a.cell().shutdown(ShutdownMode::Infinity).await;
    assert_eq!(b.actor.wait().await, ExitReason::Shutdown);
}

#[tokio::test]
async fn a_trapping_actor_receives_exits_as_messages() {
    let a = start().await;
    let b = start().await;
    let mut watcher = start().await;
    trap(&watcher).await;
    link(&watcher, &a).await;
    watcher.cell().link(&b.cell());
    a.actor.cast(Msg::Panic("a died")).await.unwrap();
    assert_eq!(
        watcher.next().await,
        Ev::Exit(a.actor.id(), ExitReason::panic("a died"))
    );
    b.actor.cast(Msg::Stop(ExitReason::Normal)).await.unwrap();
    assert_eq!(
        watcher.next().await,
        Ev::Exit(b.actor.id(), ExitReason::Normal)
    );
    assert!(watcher.actor.is_alive());
}

#[tokio::test]
async fn killed_propagates_as_killed() {
    let a = start().await;
    let mut b = start().await;
    trap(&b).await;
    link(&a, &b).await;
    a.cell().kill();
    assert_eq!(b.next().await, Ev::Exit(a.actor.id(), ExitReason::Killed));
}

#[tokio::test]
async fn linking_to_a_dead_actor_delivers_its_exit_at_once() {
    let dead = start().await;
    dead.cell().stop(ExitReason::error("earlier")).await;
    let mut p = start().await;
    trap(&p).await;
    p.cell().link(&dead.cell());
    assert_eq!(
        p.next().await,
        Ev::Exit(dead.actor.id(), ExitReason::error("earlier"))
    );
    assert!(p.cell().links().is_empty());

    // Not trapping: the dead actor's abnormal reason takes the linker down.
    let q = start().await;
    q.cell().link(&dead.cell());
    assert_eq!(q.actor.wait().await, ExitReason::error("earlier"));
}

#[tokio::test]
async fn unlinked_actors_no_longer_propagate() {
    let a = start().await;
    let b = start().await;
    link(&a, &b).await;
    a.cell().unlink(&b.cell());
    assert!(a.cell().links().is_empty() && b.cell().links().is_empty());
    a.actor.cast(Msg::Panic("alone")).await.unwrap();
    a.actor.wait().await;
    assert_eq!(b.actor.call(|r| Req::Echo(1, r)).await, Ok(1));
}

#[tokio::test]
async fn a_trapping_child_stops_with_its_parents_reason_and_runs_terminate() {
    let parent = start().await;
    let (args, mut events) = args(InitMode::Ok);
    let child = Spawn::<Probe>::new()
        .child_of(&parent.cell())
        .trap_exit(true)
        .start(args)
        .await
        .unwrap()
        .running()
        .unwrap();
    assert_eq!(events.recv().await, Some(Ev::Init));
    assert_eq!(child.ancestors().parent(), Some(parent.actor.id()));
    parent.cell().shutdown(ShutdownMode::Infinity).await;
    assert_eq!(child.wait().await, ExitReason::Shutdown);
    assert_eq!(
        events.recv().await,
        Some(Ev::Terminate(ExitReason::Shutdown)),
        "not handle_exit: a gen_server stops when its parent does"
    );
}

#[tokio::test]
async fn spawn_link_from_a_handler_links_and_records_lineage() {
    let parent = start_with(Spawn::new().name("parent")).await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    parent
        .run(move |_, ctx| {
            let spawn = ctx.spawn_child::<Probe>().name("child");
            tokio::spawn(async move {
                let (args, _events) = args(InitMode::Ok);
                let _ = tx.send(spawn.start(args).await);
            });
        })
        .await;
    let child = rx.await.unwrap().unwrap().running().unwrap();
    let lineage: Vec<_> = child
        .ancestors()
        .iter()
        .map(|(id, name)| (id, name.map(str::to_owned)))
        .collect();
    assert_eq!(
        lineage,
        vec![(parent.actor.id(), Some("parent".to_owned()))]
    );
    assert_eq!(child.cell().links(), vec![parent.actor.id()]);
    parent.actor.cast(Msg::Panic("parent crash")).await.unwrap();
    assert_eq!(child.wait().await, ExitReason::panic("parent crash"));
}

#[tokio::test]
async fn a_busy_non_trapping_actor_dies_at_once_from_a_linked_crash() {
    let a = start().await;
    let mut b = start().await;
    link(&a, &b).await;
    let _never_opened = b.block().await;
    a.actor.cast(Msg::Panic("crash")).await.unwrap();
    assert_eq!(b.actor.wait().await, ExitReason::panic("crash"));
    assert_eq!(b.drain(), vec![], "no terminate");
}

#[tokio::test]
async fn a_busy_trapping_actor_gets_the_exit_after_its_callback() {
    let a = start().await;
    let mut b = start().await;
    trap(&b).await;
    link(&a, &b).await;
    let open = b.block().await;
    a.actor.cast(Msg::Panic("crash")).await.unwrap();
    a.actor.wait().await;
    assert!(b.actor.is_alive());
    open.send(()).unwrap();
    assert_eq!(
        b.next().await,
        Ev::Exit(a.actor.id(), ExitReason::panic("crash"))
    );
}

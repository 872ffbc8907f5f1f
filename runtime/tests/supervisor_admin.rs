//! One administration surface for every kind of supervisor (issue #14, item 6): the same
//! assertions run against a static and a dynamic supervisor through [`SupervisorAdmin`], and
//! links do not make children (item 7).

mod sup_common;

use std::sync::Arc;

use arbor::prelude::*;
use arbor::supervisor::{
    ChildError, ChildInfo, ChildKind, ChildRef, ChildSelector, ChildSpec, ChildStatus,
    DynamicSupervisorRef, DynamicSupervisorSpec, PartitionSupervisorSpec, Restart, Strategy,
    SupervisorAdmin, SupervisorRef, SupervisorSpec,
};
use arbor::task::TaskSupervisorSpec;
use sup_common::*;

/// A kind of supervisor under test: how a child is started there, and what differs by kind
/// (only what OTP makes differ).
trait Kind: SupervisorAdmin {
    /// Starts a permanent probe worker `name`; its cell and a handle following its restarts.
    async fn add(&self, ev: &Events, name: &'static str) -> (ActorCell, ChildRef<ActorCell>);
    /// Starts a nested (dynamic) supervisor child `name`.
    async fn add_supervisor(&self, name: &'static str) -> ActorCell;
    /// The id `which_children` shows for child `name`.
    fn id(name: &'static str) -> Option<Arc<str>>;
    /// Whether a terminated child's spec is kept (a static supervisor's non-temporary child).
    const KEEPS_SPECS: bool;
}

impl Kind for SupervisorRef {
    async fn add(&self, ev: &Events, name: &'static str) -> (ActorCell, ChildRef<ActorCell>) {
        let cell = self.start_child(ev.child(name)).await.unwrap().unwrap();
        (cell, self.child_ref(name))
    }

    async fn add_supervisor(&self, name: &'static str) -> ActorCell {
        let spec = ChildSpec::supervisor(name, DynamicSupervisorSpec::new());
        self.start_child(spec).await.unwrap().unwrap()
    }

    fn id(name: &'static str) -> Option<Arc<str>> {
        Some(name.into())
    }

    const KEEPS_SPECS: bool = true;
}

impl Kind for DynamicSupervisorRef {
    async fn add(&self, ev: &Events, name: &'static str) -> (ActorCell, ChildRef<ActorCell>) {
        // No dummy id: dynamic children are known by reference.
        let spec = ChildSpec::anonymous::<Probe>(ev.probe(name));
        let child = self.start_child(spec).await.unwrap().unwrap();
        (child.cell().clone(), child.child_ref())
    }

    async fn add_supervisor(&self, name: &'static str) -> ActorCell {
        let spec = ChildSpec::supervisor(name, DynamicSupervisorSpec::new());
        self.start_child(spec).await.unwrap().unwrap().into_cell()
    }

    fn id(_: &'static str) -> Option<Arc<str>> {
        None
    }

    const KEEPS_SPECS: bool = false;
}

async fn static_sup() -> SupervisorRef {
    SupervisorSpec::new(Strategy::OneForOne)
        .start()
        .await
        .unwrap()
}

async fn dynamic_sup() -> DynamicSupervisorRef {
    DynamicSupervisorSpec::new().start().await.unwrap()
}

async fn which_children_lists_the_same_fields<K: Kind>(sup: K) {
    let mut ev = Events::new();
    let (a, _) = sup.add(&ev, "a").await;
    let s = sup.add_supervisor("s").await;
    assert_eq!(ev.take(1).await, [started("a")]);
    assert_eq!(
        sup.which_children().await.unwrap(),
        [
            ChildInfo {
                id: K::id("a"),
                status: ChildStatus::Running(a),
                kind: ChildKind::Worker,
                restart: Restart::Permanent,
            },
            ChildInfo {
                id: K::id("s"),
                status: ChildStatus::Running(s),
                kind: ChildKind::Supervisor,
                restart: Restart::Permanent,
            },
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn which_children_static() {
    which_children_lists_the_same_fields(static_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn which_children_dynamic() {
    which_children_lists_the_same_fields(dynamic_sup().await).await;
}

async fn count_children_counts_like_otp<K: Kind>(sup: K) {
    let mut ev = Events::new();
    let empty = sup.count_children().await.unwrap();
    assert_eq!(
        (empty.specs, empty.active, empty.supervisors, empty.workers),
        (0, 0, 0, 0)
    );
    let (a, _) = sup.add(&ev, "a").await;
    sup.add(&ev, "b").await;
    sup.add_supervisor("s").await;
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.supervisors,
            counts.workers
        ),
        (3, 3, 1, 2)
    );
    sup.terminate_child(&a).await.unwrap();
    assert_eq!(ev.take(1).await, [stopped("a")]);
    let counts = sup.count_children().await.unwrap();
    if K::KEEPS_SPECS {
        // OTP: a terminated static child keeps its spec; it is no longer active.
        assert_eq!(
            (
                counts.specs,
                counts.active,
                counts.supervisors,
                counts.workers
            ),
            (3, 2, 1, 2)
        );
    } else {
        assert_eq!(
            (
                counts.specs,
                counts.active,
                counts.supervisors,
                counts.workers
            ),
            (2, 2, 1, 1)
        );
    }
}

#[tokio::test(start_paused = true)]
async fn count_children_static() {
    count_children_counts_like_otp(static_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn count_children_dynamic() {
    count_children_counts_like_otp(dynamic_sup().await).await;
}

async fn terminate_child_by_reference<K: Kind>(sup: K) {
    let mut ev = Events::new();
    let (a, _) = sup.add(&ev, "a").await;
    let (b, _) = sup.add(&ev, "b").await;
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    // By cell, and by typed reference.
    assert_eq!(sup.terminate_child(&a).await, Ok(()));
    assert_eq!(ev.take(1).await, [stopped("a")]);
    let b_ref = b.downcast::<Probe>().unwrap();
    assert_eq!(sup.terminate_child(&b_ref).await, Ok(()));
    assert_eq!(ev.take(1).await, [stopped("b")]);
    // Neither is restarted.
    ev.assert_quiet().await;
    assert!(!a.is_alive() && !b.is_alive());
    assert_eq!(sup.count_children().await.unwrap().active, 0);
    // A reference to an incarnation that is no longer a child selects nothing.
    assert_eq!(sup.terminate_child(&a).await, Err(ChildError::NotFound));
    // Nor does an actor that never was one.
    let stranger = Probe::spawn(ev.probe("x"))
        .await
        .unwrap()
        .running()
        .unwrap();
    assert_eq!(ev.take(1).await, [started("x")]);
    assert_eq!(
        sup.terminate_child(stranger.id()).await,
        Err(ChildError::NotFound)
    );
    assert!(stranger.cell().is_alive());
}

#[tokio::test(start_paused = true)]
async fn terminate_child_by_reference_static() {
    terminate_child_by_reference(static_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn terminate_child_by_reference_dynamic() {
    terminate_child_by_reference(dynamic_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn terminate_child_by_id() {
    let mut ev = Events::new();
    // A static supervisor: by id, keeping the spec (OTP's terminate_child(Sup, Id)).
    let sup = static_sup().await;
    let (a, _) = sup.add(&ev, "a").await;
    assert_eq!(ev.take(1).await, [started("a")]);
    assert_eq!(sup.terminate_child("a").await, Ok(()));
    assert_eq!(ev.take(1).await, [stopped("a")]);
    assert!(!a.is_alive());
    assert_eq!(
        sup.which_children().await.unwrap()[0].status,
        ChildStatus::Undefined
    );
    // Not running: succeeds, as in OTP. Unknown id: not found.
    assert_eq!(sup.terminate_child("a").await, Ok(()));
    assert_eq!(sup.terminate_child("zz").await, Err(ChildError::NotFound));
    assert_eq!(
        sup.terminate_child(ChildSelector::Id("zz".into())).await,
        Err(ChildError::NotFound)
    );

    // A dynamic supervisor's children have no ids: an id selects nothing, the child runs on.
    let dynamic = dynamic_sup().await;
    let (d, _) = dynamic.add(&ev, "d").await;
    assert_eq!(ev.take(1).await, [started("d")]);
    assert_eq!(
        dynamic.terminate_child("d").await,
        Err(ChildError::NotFound)
    );
    assert!(d.is_alive());
}

async fn wait_restart_follows_a_crash<K: Kind>(sup: K) {
    let mut ev = Events::new();
    let (a, handle) = sup.add(&ev, "a").await;
    assert_eq!(ev.take(1).await, [started("a")]);
    assert_eq!(handle.get(), Some(a.clone()));
    crash(&a).await;
    let fresh = handle.wait_restart(&a).await.expect("restarted");
    assert_ne!(fresh.id(), a.id());
    assert!(fresh.is_alive());
    assert_eq!(handle.get(), Some(fresh.clone()));
    // which_children shows the new incarnation, at the same place.
    assert_eq!(sup.which_children().await.unwrap()[0].cell(), Some(&fresh));
    // And it is the one a reference selects now.
    assert_eq!(sup.terminate_child(&fresh).await, Ok(()));
    assert_eq!(handle.get(), None);
    // The supervisor exits: a wait for another restart ends.
    let cell = sup.cell();
    let waiting = tokio::spawn(async move { handle.wait_restart(&fresh).await });
    cell.shutdown(ShutdownMode::Infinity).await;
    assert_eq!(waiting.await.unwrap(), None);
}

#[tokio::test(start_paused = true)]
async fn wait_restart_static() {
    wait_restart_follows_a_crash(static_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn wait_restart_dynamic() {
    wait_restart_follows_a_crash(dynamic_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn dynamic_child_handle_waits_for_its_restart() {
    let mut ev = Events::new();
    let sup = dynamic_sup().await;
    let child = sup
        .start_child(ChildSpec::anonymous::<Probe>(ev.probe("a")))
        .await
        .unwrap()
        .unwrap();
    let other = sup
        .start_child(ChildSpec::anonymous::<Probe>(ev.probe("b")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    crash(child.cell()).await;
    let fresh = child.wait_restart(&child).await.expect("restarted");
    assert_ne!(fresh.id(), child.id());
    assert_eq!(child.current(), Some(fresh.clone()));
    // The other child's handle still points at its own, untouched incarnation.
    assert_eq!(other.current().as_ref(), Some(other.cell()));
    // Typed, from the supervisor: a handle for a running child.
    let typed = sup.child_ref::<ActorRef<Probe>>(&fresh).await.unwrap();
    assert_eq!(typed.get().unwrap().call(ProbeCall::Ping).await, Ok("a"));
    assert!(sup.child_ref::<ActorCell>(child.cell()).await.is_none());
}

#[tokio::test(start_paused = true)]
async fn dynamic_start_child_takes_no_id() {
    let mut ev = Events::new();
    let sup = dynamic_sup().await;
    let spec = ChildSpec::anonymous::<Probe>(ev.probe("a"));
    assert_eq!(spec.id(), "");
    let child = sup.start_child(spec).await.unwrap().unwrap();
    let b = sup
        .start_actor::<Probe>(ev.probe("b"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    let children = sup.which_children().await.unwrap();
    assert!(children.iter().all(|c| c.id.is_none()));
    let cells: Vec<_> = children
        .iter()
        .filter_map(ChildInfo::cell)
        .cloned()
        .collect();
    assert_eq!(cells, [child.cell().clone(), b.cell()]);
}

/// Every supervisor handle answers through the trait.
async fn active<S: SupervisorAdmin>(sup: &S) -> usize {
    sup.count_children().await.unwrap().active
}

#[tokio::test(start_paused = true)]
async fn task_and_partition_supervisors_answer_too() {
    let tasks = TaskSupervisorSpec::new().start().await.unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tasks
        .start_child(async move {
            let _ = rx.await;
        })
        .await
        .unwrap();
    assert_eq!(active(&tasks).await, 1);
    assert_eq!(
        SupervisorAdmin::which_children(&tasks).await.unwrap()[0].cell(),
        Some(&task)
    );
    SupervisorAdmin::terminate_child(&tasks, &task)
        .await
        .unwrap();
    assert_eq!(active(&tasks).await, 0);
    drop(tx);

    // A partition supervisor's children are its partitions (as Elixir lists them).
    let pool = PartitionSupervisorSpec::new(DynamicSupervisorSpec::new())
        .partitions(3)
        .start()
        .await
        .unwrap();
    assert_eq!(active(&pool).await, 3);
    let ids: Vec<_> = SupervisorAdmin::which_children(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.kind))
        .collect();
    assert_eq!(
        ids,
        [
            (Some("0".into()), ChildKind::Supervisor),
            (Some("1".into()), ChildKind::Supervisor),
            (Some("2".into()), ChildKind::Supervisor),
        ]
    );
}

// Item 7: links without parenthood.

async fn a_linked_actor_is_not_a_child<K: Kind>(sup: K) {
    let mut ev = Events::new();
    let (a, _) = sup.add(&ev, "a").await;
    assert_eq!(ev.take(1).await, [started("a")]);
    let before = sup.which_children().await.unwrap();
    let counts = sup.count_children().await.unwrap();

    // An unrelated actor, linked to the supervisor after the fact.
    let stranger = Probe::spawn(ev.probe("x"))
        .await
        .unwrap()
        .running()
        .unwrap();
    assert_eq!(ev.take(1).await, [started("x")]);
    stranger.cell().link(&sup.cell());
    assert_ne!(stranger.ancestors().parent(), Some(sup.cell().id()));

    // Not listed, not counted, not selectable.
    assert_eq!(sup.which_children().await.unwrap(), before);
    assert_eq!(sup.count_children().await.unwrap(), counts);
    assert_eq!(
        sup.terminate_child(&stranger).await,
        Err(ChildError::NotFound)
    );

    // Its crash reaches the supervisor (it traps exits) as an exit from a non-child: ignored,
    // as OTP's supervisor ignores an 'EXIT' from a pid that is not a child. Nothing restarts.
    crash(&stranger.cell()).await;
    assert_eq!(
        ev.take(1).await,
        [Event::Terminated("x", ExitReason::panic("probe x crashed"))]
    );
    assert_eq!(sup.which_children().await.unwrap(), before);
    assert_eq!(sup.count_children().await.unwrap(), counts);
    ev.assert_quiet().await;
    assert!(sup.cell().is_alive());
    assert!(a.is_alive());

    // The link was the only tie: when the supervisor stops, a linked non-trapping actor dies
    // of the exit signal (a link's ordinary effect), but is not shut down as a child.
    let linked = Probe::spawn(ev.probe("y"))
        .await
        .unwrap()
        .running()
        .unwrap();
    assert_eq!(ev.take(1).await, [started("y")]);
    linked.cell().link(&sup.cell());
    assert_eq!(
        sup.cell().shutdown(ShutdownMode::Infinity).await,
        ExitReason::Shutdown
    );
    assert_eq!(ev.take(1).await, [stopped("a")]);
    assert_eq!(linked.wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn linked_actor_is_not_a_child_static() {
    a_linked_actor_is_not_a_child(static_sup().await).await;
}

#[tokio::test(start_paused = true)]
async fn linked_actor_is_not_a_child_dynamic() {
    a_linked_actor_is_not_a_child(dynamic_sup().await).await;
}

/// The exception OTP makes: an exit from the supervisor's parent (a link that is parenthood)
/// stops the supervisor, children first, with the parent's reason.
#[tokio::test(start_paused = true)]
async fn an_exit_from_the_parent_stops_the_supervisor() {
    let mut ev = Events::new();
    let outer = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor(
            "inner",
            SupervisorSpec::new(Strategy::OneForOne).child(ev.child("a")),
        ))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(1).await, [started("a")]);
    let inner: SupervisorRef = outer.child("inner").unwrap();
    // The parent "crashes" (killed: no orderly shutdown of its children).
    outer.cell().kill();
    assert_eq!(
        inner.wait().await,
        ExitReason::Killed,
        "the supervisor stops with its parent's reason"
    );
    assert_eq!(
        ev.take(1).await,
        [Event::Terminated("a", ExitReason::Shutdown)]
    );
}

/// Generated code finds a dynamic supervisor by its cell (in a registry) and recovers the
/// handle from it: that handle's children follow their restarts too.
#[tokio::test(start_paused = true)]
async fn a_dynamic_supervisor_found_by_its_cell_gives_the_same_handles() {
    use arbor::supervisor::{FromChild, RunningChild};
    let mut ev = Events::new();
    let original = dynamic_sup().await;
    let sup = DynamicSupervisorRef::from_child(&RunningChild::new(original.cell())).unwrap();
    let (a, handle) = sup.add(&ev, "a").await;
    assert_eq!(ev.take(1).await, [started("a")]);
    crash(&a).await;
    let fresh = handle.wait_restart(&a).await.expect("restarted");
    let again = original.child_ref::<ActorCell>(&fresh).await.unwrap();
    assert_eq!(again.get(), Some(fresh));
}

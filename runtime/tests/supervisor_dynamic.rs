//! DynamicSupervisor and PartitionSupervisor, after Elixir's `dynamic_supervisor_test.exs`,
//! `partition_supervisor_test.exs` and OTP's `simple_one_for_one` cases.

mod sup_common;

use std::sync::Arc;
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{
    ChildError, ChildSpec, DynamicSupervisorRef, DynamicSupervisorSpec, PartitionSupervisorSpec,
    Restart, StartChildError, Strategy, SupervisorRef, SupervisorSpec,
};
use arbor::task::TaskSupervisorSpec;
use sup_common::*;

fn panicked(name: &'static str) -> Event {
    Event::Terminated(name, ExitReason::panic(format!("probe {name} crashed")))
}

async fn settle(sup: &DynamicSupervisorRef) {
    // Calls are handled after pending exit signals.
    sup.count_children().await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn starts_with_no_children() {
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    assert_eq!(sup.which_children().await.unwrap(), []);
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (0, 0));
}

#[tokio::test(start_paused = true)]
async fn start_child_and_which_children() {
    let mut ev = Events::new();
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    let a = sup
        .start_child(ev.child("a"))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    let b = sup
        .start_actor::<Probe>(ev.probe("b"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    assert_eq!(b.call(ProbeCall::Ping).await, Ok("b"));
    let children: Vec<ActorCell> = sup
        .which_children()
        .await
        .unwrap()
        .iter()
        .filter_map(|c| c.cell().cloned())
        .collect();
    // In start order.
    assert_eq!(children, [a, b.cell()]);
    // Children have the supervisor as parent.
    assert_eq!(b.ancestors().parent(), Some(sup.cell().id()));
}

#[tokio::test(start_paused = true)]
async fn start_child_with_ignore_and_error() {
    let ev = Events::new();
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    let mut ignore = ev.probe("i");
    ignore.boot = Boot::Ignore;
    assert_eq!(
        sup.start_child(ChildSpec::actor::<Probe>("", ignore)).await,
        Ok(None)
    );
    let mut fail = ev.probe("f");
    fail.boot = Boot::Fail;
    assert_eq!(
        sup.start_child(ChildSpec::actor::<Probe>("", fail)).await,
        Err(StartChildError::Failed(ExitReason::error("init failed")))
    );
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
}

#[tokio::test(start_paused = true)]
async fn max_children() {
    let ev = Events::new();
    let sup = DynamicSupervisorSpec::new()
        .max_children(2)
        .start()
        .await
        .unwrap();
    let a = sup
        .start_child(ev.child("a"))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    sup.start_child(ev.child("b")).await.unwrap();
    assert_eq!(
        sup.start_child(ev.child("c")).await,
        Err(StartChildError::MaxChildren)
    );
    sup.terminate_child(&a).await.unwrap();
    assert!(sup.start_child(ev.child("c")).await.unwrap().is_some());
}

#[tokio::test(start_paused = true)]
async fn restarting_children_count_toward_max_children() {
    // A child whose restart failed waits for another attempt and still holds its place.
    let mut ev = Events::new();
    let args = ev.probe("a");
    let knobs = args.knobs.clone();
    let sup = DynamicSupervisorSpec::new()
        .max_children(1)
        .intensity(10, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let a = sup
        .start_child(ChildSpec::actor::<Probe>("", args))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    assert_eq!(ev.next().await, started("a"));
    // The next three starts fail, each after 1 s: the supervisor is busy during each attempt,
    // so a request sent during an attempt is answered before the next attempt.
    knobs.fail_next(3);
    knobs
        .fail_delay_ms
        .store(1000, std::sync::atomic::Ordering::SeqCst);
    crash(&a).await;
    assert_eq!(ev.next().await, panicked("a"));
    assert_eq!(ev.next_raw().await, Event::Failing("a"));
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (1, 0));
    assert_eq!(
        sup.start_child(ev.child("b")).await,
        Err(StartChildError::MaxChildren)
    );
    assert_eq!(ev.next().await, started("a"));
    assert_eq!(sup.count_children().await.unwrap().active, 1);
}

#[tokio::test(start_paused = true)]
async fn restart_types() {
    let mut ev = Events::new();
    let sup = DynamicSupervisorSpec::new()
        .intensity(10, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let p = sup
        .start_child(ev.child_with("p", Restart::Permanent))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    let tr = sup
        .start_child(ev.child_with("tr", Restart::Transient))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    let te = sup
        .start_child(ev.child_with("te", Restart::Temporary))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    assert_eq!(
        ev.take(3).await,
        [started("p"), started("tr"), started("te")]
    );

    stop_with(&p, ExitReason::Normal).await;
    assert_eq!(
        ev.take(2).await,
        [Event::Terminated("p", ExitReason::Normal), started("p")]
    );
    stop_with(&tr, ExitReason::Normal).await;
    assert_eq!(ev.next().await, Event::Terminated("tr", ExitReason::Normal));
    stop_with(&te, ExitReason::error("bad")).await;
    assert_eq!(
        ev.next().await,
        Event::Terminated("te", ExitReason::error("bad"))
    );
    settle(&sup).await;
    ev.assert_quiet().await;
    assert_eq!(sup.count_children().await.unwrap().specs, 1);

    let tr = sup
        .start_child(ev.child_with("tr", Restart::Transient))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    assert_eq!(ev.next().await, started("tr"));
    crash(&tr).await;
    assert_eq!(ev.take(2).await, [panicked("tr"), started("tr")]);
}

#[tokio::test(start_paused = true)]
async fn terminate_child() {
    let mut ev = Events::new();
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    let a = sup
        .start_child(ev.child("a"))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    assert_eq!(ev.next().await, started("a"));
    assert_eq!(sup.terminate_child(&a).await, Ok(()));
    assert_eq!(ev.next().await, stopped("a"));
    // Not restarted, and gone.
    assert_eq!(sup.terminate_child(&a).await, Err(ChildError::NotFound));
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    ev.assert_quiet().await;
}

#[tokio::test(start_paused = true)]
async fn simple_one_for_one_escalation() {
    let mut ev = Events::new();
    let sup = DynamicSupervisorSpec::new()
        .intensity(1, Duration::from_secs(5))
        .start()
        .await
        .unwrap();
    let a = sup.start_child(ev.child("a")).await.unwrap().unwrap();
    sup.start_child(ev.child("b")).await.unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    crash(a.cell()).await;
    assert_eq!(ev.take(2).await, [panicked("a"), started("a")]);
    let again = a.wait_restart(&a).await.unwrap();
    crash(&again).await;
    assert_eq!(sup.cell().wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn sup_stop_timeout_dynamic() {
    // A child that ignores its shutdown is killed after its timeout; the others stop.
    let mut ev = Events::new();
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    let mut stuck = ev.probe("stuck");
    stuck.linger = Some(Duration::from_secs(3600));
    let stuck = sup
        .start_child(
            ChildSpec::actor::<Probe>("", stuck)
                .shutdown(ShutdownMode::Timeout(Duration::from_secs(1))),
        )
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    sup.start_child(ev.child("a")).await.unwrap();
    ev.take(2).await;
    sup.shutdown().await;
    assert_eq!(stuck.exit_reason(), Some(ExitReason::Killed));
    assert_eq!(ev.next().await, stopped("a"));
    ev.assert_quiet().await;
}

#[tokio::test(start_paused = true)]
async fn sup_stop_brutal_kill_dynamic() {
    let mut ev = Events::new();
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    let a = sup
        .start_child(ev.child("a").shutdown(ShutdownMode::BrutalKill))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    assert_eq!(ev.next().await, started("a"));
    sup.shutdown().await;
    assert_eq!(a.exit_reason(), Some(ExitReason::Killed));
    // terminate did not run.
    ev.assert_quiet().await;
}

#[tokio::test(start_paused = true)]
async fn shutdown_is_concurrent() {
    // Each child's terminate waits on a barrier that only opens when all three are
    // terminating at once: a sequential shutdown would time them out and kill them.
    let mut ev = Events::new();
    let barrier = Arc::new(tokio::sync::Barrier::new(3));
    let sup = DynamicSupervisorSpec::new().start().await.unwrap();
    for name in ["a", "b", "c"] {
        let mut args = ev.probe(name);
        args.barrier = Some(barrier.clone());
        let spec = ChildSpec::actor::<Probe>("", args)
            .shutdown(ShutdownMode::Timeout(Duration::from_secs(1)));
        sup.start_child(spec).await.unwrap();
    }
    ev.take(3).await;
    sup.shutdown().await;
    let mut stopped_names: Vec<_> = ev
        .take(3)
        .await
        .into_iter()
        .map(|e| match e {
            Event::Terminated(name, ExitReason::Shutdown) => name,
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    stopped_names.sort();
    assert_eq!(stopped_names, ["a", "b", "c"]);
}

#[tokio::test(start_paused = true)]
async fn dynamic_under_static() {
    // A dynamic supervisor nested in a static one; its children stop with the tree.
    let mut ev = Events::new();
    let root = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor("dyn", DynamicSupervisorSpec::new()))
        .start()
        .await
        .unwrap();
    let dynsup = root.child::<DynamicSupervisorRef>("dyn").unwrap();
    dynsup.start_child(ev.child("a")).await.unwrap();
    assert_eq!(ev.next().await, started("a"));
    let tree = root.snapshot().await;
    assert_eq!(tree.len(), 3);
    root.shutdown().await;
    assert_eq!(ev.next().await, stopped("a"));
}

// ---- PartitionSupervisor -----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn partition_routes_by_key() {
    let pool = PartitionSupervisorSpec::new(DynamicSupervisorSpec::new())
        .partitions(4)
        .start()
        .await
        .unwrap();
    assert_eq!(pool.partitions(), 4);
    let parts: Vec<_> = (0..4).map(|i| pool.partition_at(i).unwrap()).collect();
    for i in 0..4 {
        for j in 0..4 {
            assert_eq!(i == j, parts[i] == parts[j]);
        }
    }
    // The same key always goes to the same partition, and keys spread over partitions.
    let mut used = std::collections::HashSet::new();
    for key in 0..64u32 {
        let p = pool.partition(&key).unwrap();
        assert_eq!(pool.partition(&key).unwrap(), p);
        used.insert(p.cell().id());
    }
    assert!(used.len() > 1);
    assert_eq!(
        pool.supervisor()
            .count_children()
            .await
            .unwrap()
            .supervisors,
        4
    );
}

#[tokio::test(start_paused = true)]
async fn partition_default_count_and_restart() {
    let mut ev = Events::new();
    let pool = PartitionSupervisorSpec::new(DynamicSupervisorSpec::new())
        .start()
        .await
        .unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_eq!(pool.partitions(), cores);
    let part = pool.partition(&"k").unwrap();
    part.start_child(ev.child("a")).await.unwrap();
    assert_eq!(ev.next().await, started("a"));
    // A partition that dies is restarted; routing follows the new incarnation.
    part.cell().kill();
    part.cell().wait().await;
    pool.supervisor().which_children().await.unwrap();
    let fresh = pool.partition(&"k").unwrap();
    assert_ne!(fresh, part);
    assert!(fresh.cell().is_alive());
}

#[tokio::test(start_paused = true)]
async fn partition_of_task_supervisors() {
    let pool = PartitionSupervisorSpec::new(TaskSupervisorSpec::new())
        .partitions(2)
        .start()
        .await
        .unwrap();
    let tasks = pool.partition(&7u64).unwrap();
    let task = tasks.async_nolink(async { 6 * 7 }).await.unwrap();
    assert_eq!(task.await, Ok(42));
    // Nested under a static supervisor, it is reachable by id.
    let root = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor(
            "pool",
            PartitionSupervisorSpec::new(DynamicSupervisorSpec::new()).partitions(2),
        ))
        .start()
        .await
        .unwrap();
    let nested = root
        .child::<arbor::supervisor::PartitionSupervisorRef<DynamicSupervisorSpec>>("pool")
        .unwrap();
    assert_eq!(nested.partitions(), 2);
    assert!(root.child::<SupervisorRef>("pool").is_none());
}

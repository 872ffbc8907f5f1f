//! Task supervisors (after Elixir's `task/supervisor_test.exs`), the registry (after
//! `registry_test.exs`) and tree snapshots.

mod sup_common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use arbor::introspect::{NodeKind, NodeStatus};
use arbor::prelude::*;
use arbor::registry::{Keys, RegisterError, Registry};
use arbor::supervisor::{ChildSpec, DynamicSupervisorSpec, Restart, Strategy, SupervisorSpec};
use arbor::task::{StreamOptions, TaskSupervisorRef, TaskSupervisorSpec};
use futures::StreamExt;
use sup_common::*;
use tokio::sync::oneshot;

async fn tasks() -> TaskSupervisorRef {
    TaskSupervisorSpec::new().start().await.unwrap()
}

// ---- TaskSupervisor ----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn task_start_child_runs_supervised() {
    let sup = tasks().await;
    let (tx, rx) = oneshot::channel();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let task = sup
        .start_child(async move {
            let _ = go_rx.await;
            let _ = tx.send(42);
        })
        .await
        .unwrap();
    // It runs under the supervisor until it finishes.
    let children = sup.dynamic().which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].cell(), Some(&task));
    go_tx.send(()).unwrap();
    assert_eq!(rx.await, Ok(42));
    assert_eq!(task.wait().await, ExitReason::Normal);
    // A finished temporary task is dropped, not restarted.
    assert_eq!(sup.dynamic().count_children().await.unwrap().specs, 0);
}

#[tokio::test(start_paused = true)]
async fn task_start_child_transient_restarts_after_panic() {
    let sup = tasks().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    sup.start_child_with(Restart::Transient, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let tx = tx.clone();
        async move {
            let _ = tx.send(n);
            if n == 0 {
                panic!("first run fails");
            }
        }
    })
    .await
    .unwrap();
    assert_eq!(rx.recv().await, Some(0));
    assert_eq!(rx.recv().await, Some(1));
    sup.dynamic().count_children().await.unwrap();
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn task_async_returns_value() {
    let sup = tasks().await;
    let task = sup.async_task(async { "done" }).await.unwrap();
    assert_eq!(task.await, "done");
}

#[tokio::test(start_paused = true)]
async fn task_async_failure_reaches_caller() {
    // The awaiting caller fails with the task's reason.
    let sup = tasks().await;
    let caller = tokio::spawn(async move {
        let task = sup
            .async_task(async { panic!("task blew up") })
            .await
            .unwrap();
        let () = task.await;
    });
    let err = caller.await.unwrap_err();
    let message = err.into_panic();
    let message = message.downcast_ref::<String>().unwrap();
    assert!(message.contains("panic: task blew up"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn task_async_linked_caller_exits() {
    // Linked to an actor caller: the task's failure takes the caller down before it awaits.
    let mut ev = Events::new();
    let caller = Probe::spawn(ev.probe("caller"))
        .await
        .unwrap()
        .running()
        .unwrap();
    assert_eq!(ev.next().await, started("caller"));
    let sup = tasks().await;
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let task = sup
        .async_task(async move {
            let _ = go_rx.await;
            panic!("linked failure");
        })
        .await
        .unwrap()
        .link(&caller.cell());
    go_tx.send(()).unwrap();
    assert_eq!(caller.wait().await, ExitReason::panic("linked failure"));
    drop(task);
}

#[tokio::test(start_paused = true)]
async fn task_async_dropped_kills_task() {
    let sup = tasks().await;
    let task = sup.async_task(std::future::pending::<()>()).await.unwrap();
    let cell = task.cell().clone();
    drop(task);
    assert_eq!(cell.wait().await, ExitReason::Killed);
}

#[tokio::test(start_paused = true)]
async fn task_async_nolink_caller_survives() {
    let sup = tasks().await;
    let task = sup
        .async_nolink(async { panic!("nolink failure") })
        .await
        .unwrap();
    let result: Result<(), ExitReason> = task.await;
    assert_eq!(result, Err(ExitReason::panic("nolink failure")));
    let ok = sup.async_nolink(async { 7 }).await.unwrap();
    assert_eq!(ok.await, Ok(7));
}

#[tokio::test(start_paused = true)]
async fn task_async_nolink_shutdown() {
    let sup = tasks().await;
    let task = sup
        .async_nolink(std::future::pending::<u8>())
        .await
        .unwrap();
    let cell = task.cell().clone();
    assert_eq!(task.shutdown(ShutdownMode::BrutalKill).await, None);
    assert_eq!(cell.exit_reason(), Some(ExitReason::Killed));
}

/// Runs `async_stream` over 1..=8 where item n sleeps (9 - n) ms, recording the peak number
/// of tasks running at once.
async fn stream_run(options: StreamOptions) -> (Vec<u64>, usize) {
    let sup = tasks().await;
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let (r, p) = (running.clone(), peak.clone());
    let results: Vec<u64> = sup
        .async_stream(
            1..=8u64,
            move |n| {
                let (r, p) = (r.clone(), p.clone());
                async move {
                    let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                    p.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(9 - n)).await;
                    r.fetch_sub(1, Ordering::SeqCst);
                    n * 10
                }
            },
            options,
        )
        .map(Result::unwrap)
        .collect()
        .await;
    (results, peak.load(Ordering::SeqCst))
}

#[tokio::test(start_paused = true)]
async fn task_async_stream_ordered() {
    let (results, peak) = stream_run(StreamOptions::ordered(3)).await;
    assert_eq!(results, [10, 20, 30, 40, 50, 60, 70, 80]);
    assert!(peak <= 3 && peak > 1, "peak {peak}");
}

#[tokio::test(start_paused = true)]
async fn task_async_stream_unordered() {
    let (mut results, peak) = stream_run(StreamOptions::unordered(8)).await;
    // All at once: the shortest (the last items) finish first.
    assert_eq!(results[0], 80);
    assert_eq!(peak, 8);
    results.sort();
    assert_eq!(results, [10, 20, 30, 40, 50, 60, 70, 80]);
}

#[tokio::test(start_paused = true)]
async fn task_async_stream_failures_are_items() {
    let sup = tasks().await;
    let results: Vec<Result<u32, ExitReason>> = sup
        .async_stream(
            [1u32, 2, 3],
            |n| async move {
                if n == 2 {
                    panic!("item 2");
                }
                n
            },
            StreamOptions::ordered(1),
        )
        .collect()
        .await;
    assert_eq!(results, [Ok(1), Err(ExitReason::panic("item 2")), Ok(3)]);
}

#[tokio::test(start_paused = true)]
async fn task_supervisor_max_children() {
    let sup = TaskSupervisorSpec::new()
        .max_children(1)
        .start()
        .await
        .unwrap();
    let _busy = sup
        .async_nolink(std::future::pending::<()>())
        .await
        .unwrap();
    assert!(sup.async_nolink(async {}).await.is_err());
}

// ---- Registry ----------------------------------------------------------------------------

async fn probe(ev: &mut Events, name: &'static str) -> ActorRef<Probe> {
    let p = Probe::spawn(ev.probe(name))
        .await
        .unwrap()
        .running()
        .unwrap();
    assert_eq!(ev.next().await, started(name));
    p
}

#[tokio::test(start_paused = true)]
async fn registry_unique_keys() {
    let mut ev = Events::new();
    let reg: Registry<&'static str, u32> = Registry::with_partitions(Keys::Unique, 4).await;
    let a = probe(&mut ev, "a").await;
    let b = probe(&mut ev, "b").await;
    reg.register("k", &a.cell(), 1).unwrap();
    assert_eq!(
        reg.register("k", &b.cell(), 2),
        Err(RegisterError::AlreadyRegistered(a.cell()))
    );
    assert_eq!(reg.lookup(&"k"), [(a.cell(), 1)]);
    assert_eq!(reg.whereis::<Probe>(&"k"), Some(a.clone()));
    reg.register("other", &a.cell(), 3).unwrap();
    let mut keys = reg.keys(&a.cell());
    keys.sort();
    assert_eq!(keys, ["k", "other"]);
    reg.unregister(&"k", &a.cell());
    reg.register("k", &b.cell(), 2).unwrap();
    assert_eq!(reg.whereis::<Probe>(&"k"), Some(b));
}

#[tokio::test(start_paused = true)]
async fn registry_duplicate_keys_and_dispatch() {
    let mut ev = Events::new();
    let reg: Registry<String> = Registry::with_partitions(Keys::Duplicate, 2).await;
    let a = probe(&mut ev, "a").await;
    let b = probe(&mut ev, "b").await;
    reg.register("topic".into(), &a.cell(), ()).unwrap();
    reg.register("topic".into(), &b.cell(), ()).unwrap();
    let mut seen = Vec::new();
    assert_eq!(
        reg.dispatch(&"topic".into(), |cell, _| seen.push(cell.id())),
        2
    );
    seen.sort();
    let mut expected = vec![a.id(), b.id()];
    expected.sort();
    assert_eq!(seen, expected);
    assert_eq!(
        reg.dispatch(&"nobody".into(), |_, _| panic!("no entries")),
        0
    );
    assert_eq!(reg.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn registry_entries_removed_on_exit() {
    let mut ev = Events::new();
    let reg: Registry<u32> = Registry::with_partitions(Keys::Duplicate, 4).await;
    let a = probe(&mut ev, "a").await;
    let b = probe(&mut ev, "b").await;
    for key in 0..16 {
        reg.register(key, &a.cell(), ()).unwrap();
    }
    reg.register(3, &b.cell(), ()).unwrap();
    assert_eq!(reg.count(), 17);
    a.cell().kill();
    a.wait().await;
    reg.sync().await;
    assert_eq!(reg.count(), 1);
    assert!(reg.keys(&a.cell()).is_empty());
    assert_eq!(reg.lookup(&3), [(b.cell(), ())]);
    // A dead actor cannot register.
    assert_eq!(reg.register(1, &a.cell(), ()), Err(RegisterError::Exited));
}

#[tokio::test(start_paused = true)]
async fn registry_pubsub_publish() {
    // Local pub/sub: publish an info message to every subscriber of a topic.
    #[derive(Default)]
    struct Sub(Vec<u32>);
    enum SubCall {
        Seen(ReplyTo<Vec<u32>>),
    }
    impl Actor for Sub {
        type Args = ();
        type Call = SubCall;
        type Cast = std::convert::Infallible;
        type Info = u32;
        type Continue = std::convert::Infallible;
        async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Sub::default())
        }
        async fn handle_call(&mut self, msg: SubCall, _ctx: &mut Context<Self>) -> Handled<Self> {
            let SubCall::Seen(reply) = msg;
            let _ = reply.send(self.0.clone());
            Handled::Continue
        }
        async fn handle_info(&mut self, msg: u32, _ctx: &mut Context<Self>) -> Handled<Self> {
            self.0.push(msg);
            Handled::Continue
        }
    }
    let reg: Registry<&'static str> = Registry::new(Keys::Duplicate).await;
    let s1 = Sub::spawn(()).await.unwrap().running().unwrap();
    let s2 = Sub::spawn(()).await.unwrap().running().unwrap();
    reg.register("news", &s1.cell(), ()).unwrap();
    reg.register("news", &s2.cell(), ()).unwrap();
    assert_eq!(reg.publish::<Sub>(&"news", 5), 2);
    assert_eq!(reg.publish::<Sub>(&"sports", 6), 0);
    assert_eq!(s1.call(SubCall::Seen).await, Ok(vec![5]));
    assert_eq!(s2.call(SubCall::Seen).await, Ok(vec![5]));
}

#[tokio::test(start_paused = true)]
async fn registry_via_follows_restarts() {
    // A supervised child registered under a key at each start: the via-name finds the
    // current incarnation.
    let mut ev = Events::new();
    let reg: Registry<&'static str> = Registry::new(Keys::Unique).await;
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(reg.register_child(ev.child("svc"), "service", ()))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("svc"));
    let via = reg.via::<Probe>("service");
    let first = via.get().unwrap();
    assert_eq!(first.call(ProbeCall::Ping).await, Ok("svc"));
    crash(&first.cell()).await;
    assert_eq!(ev.take(2).await[1], started("svc"));
    sup.which_children().await.unwrap();
    let second = via.get().unwrap();
    assert_ne!(second, first);
    assert_eq!(second.call(ProbeCall::Ping).await, Ok("svc"));
}

#[tokio::test(start_paused = true)]
async fn registry_register_child_conflict_fails_start() {
    let mut ev = Events::new();
    let reg: Registry<&'static str> = Registry::new(Keys::Unique).await;
    let squatter = probe(&mut ev, "squatter").await;
    reg.register("service", &squatter.cell(), ()).unwrap();
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(reg.register_child(ev.child("svc"), "service", ()))
        .start()
        .await;
    assert!(result.is_err());
}

// ---- Introspection -----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn snapshot_of_a_tree() {
    let mut ev = Events::new();
    let inner = SupervisorSpec::new(Strategy::RestForOne).child(ev.child("x"));
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .name("root")
        .child(ev.child("a"))
        .child(ChildSpec::supervisor("inner", inner))
        .child(ChildSpec::supervisor("dyn", DynamicSupervisorSpec::new()))
        .child(ev.child_with("t", Restart::Transient))
        .start()
        .await
        .unwrap();
    ev.take(3).await;
    crash(&sup.child::<ActorCell>("a").unwrap()).await;
    ev.take(2).await;
    stop_with(&sup.child::<ActorCell>("t").unwrap(), ExitReason::Normal).await;
    let dynsup = sup
        .child::<arbor::supervisor::DynamicSupervisorRef>("dyn")
        .unwrap();
    dynsup.start_child(ev.child("d")).await.unwrap();

    let tree = sup.snapshot().await;
    assert_eq!(tree.name.as_deref(), Some("root"));
    assert_eq!(tree.kind, NodeKind::Supervisor);
    assert_eq!(tree.len(), 7);
    let a = tree.find("a").unwrap();
    assert_eq!(
        (a.kind, a.restarts, a.status),
        (NodeKind::Worker, 1, NodeStatus::Running)
    );
    assert_eq!(
        tree.find("inner").unwrap().children[0].id.as_deref(),
        Some("x")
    );
    let d = tree.find("dyn").unwrap();
    assert_eq!(d.kind, NodeKind::DynamicSupervisor);
    assert_eq!(d.children.len(), 1);
    assert_eq!(tree.find("t").unwrap().status, NodeStatus::Stopped);

    let drawing = tree.to_string();
    let lines: Vec<&str> = drawing.lines().collect();
    assert_eq!(lines.len(), 7, "{drawing}");
    assert!(lines[0].starts_with("root (supervisor)"), "{drawing}");
    assert!(
        lines[1].starts_with("├─ a (worker, permanent) #") && lines[1].ends_with("restarts=1"),
        "{drawing}"
    );
    assert!(
        lines[2].starts_with("├─ inner (supervisor, permanent)"),
        "{drawing}"
    );
    assert!(
        lines[3].starts_with("│  └─ x (worker, permanent)"),
        "{drawing}"
    );
    assert!(
        lines[4].starts_with("├─ dyn (dynamic supervisor, permanent)"),
        "{drawing}"
    );
    assert!(lines[5].starts_with("│  └─ #"), "{drawing}");
    assert_eq!(lines[6], "└─ t (worker, transient) stopped");
}

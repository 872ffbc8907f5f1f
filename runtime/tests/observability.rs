//! What tools read from a running system: per-actor counters (messages handled, mailbox
//! overflows, handler time while timing is on), the snapshot's new fields (mailbox
//! configuration, counters, the last exit reason a supervisor saw) and the control helpers.
//! (The tracing a subscriber gets is in `tracing_events.rs`, a process of its own: tracing
//! caches each call site's interest process-wide.)

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use arbor::introspect::{self, ControlError, NodeStatus};
use arbor::prelude::*;
use arbor::supervisor::{ChildSpec, DynamicSupervisorSpec, Strategy, SupervisorSpec};
use tokio::sync::Notify;

/// Handles casts; a `Hold` call waits on a gate (so its mailbox fills); `Crash` panics.
struct Worker {
    gate: Arc<Notify>,
}

enum WorkerCall {
    Hold(ReplyTo<()>),
    Spin(Duration, ReplyTo<()>),
}

enum WorkerCast {
    Note,
    Crash,
}

impl Actor for Worker {
    type Args = Arc<Notify>;
    type Call = WorkerCall;
    type Cast = WorkerCast;
    type Info = Infallible;
    type Continue = Infallible;

    fn mailbox() -> MailboxConfig {
        MailboxConfig::bounded(2).overflow(Overflow::Reject)
    }

    async fn init(gate: Arc<Notify>, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Worker { gate })
    }

    async fn handle_call(&mut self, msg: WorkerCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            WorkerCall::Hold(reply_to) => {
                self.gate.notified().await;
                let _ = reply_to.send(());
            }
            WorkerCall::Spin(limit, reply_to) => {
                std::thread::sleep(limit);
                let _ = reply_to.send(());
            }
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, msg: WorkerCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            WorkerCast::Note => Handled::Continue,
            WorkerCast::Crash => panic!("asked to crash"),
        }
    }
}

#[tokio::test]
async fn counters_count_handled_messages_and_overflows() {
    let gate = Arc::new(Notify::new());
    let worker = Worker::spawn(gate.clone())
        .await
        .unwrap()
        .running()
        .unwrap();
    let cell = worker.cell();
    assert_eq!(cell.stats().handled, 0);
    worker.cast(WorkerCast::Note).await.unwrap();
    worker.cast(WorkerCast::Note).await.unwrap();
    // The worker holds a call: its mailbox (2, reject) fills and refuses the third cast.
    let held = tokio::spawn({
        let worker = worker.clone();
        async move { worker.call(WorkerCall::Hold).await }
    });
    while cell.stats().handled < 3 {
        tokio::task::yield_now().await;
    }
    worker.try_cast(WorkerCast::Note).unwrap();
    worker.try_cast(WorkerCast::Note).unwrap();
    assert_eq!(
        worker.try_cast(WorkerCast::Note),
        Err(CastError::MailboxFull)
    );
    assert_eq!(
        worker.cast(WorkerCast::Note).await,
        Err(CastError::MailboxFull)
    );
    assert_eq!(cell.stats().overflowed, 2);
    gate.notify_one();
    held.await.unwrap().unwrap();
    worker
        .call(|r| WorkerCall::Spin(Duration::ZERO, r))
        .await
        .unwrap();
    // 2 casts, the held call, 2 queued casts, the last call.
    assert_eq!(cell.stats().handled, 6);
    assert_eq!(cell.type_name(), std::any::type_name::<Worker>());
}

#[tokio::test]
async fn handler_time_is_measured_only_while_timing_is_on() {
    // The only test of this binary that turns timing on.
    let worker = Worker::spawn(Arc::new(Notify::new()))
        .await
        .unwrap()
        .running()
        .unwrap();
    let spin = |limit| move |r| WorkerCall::Spin(limit, r);
    worker.call(spin(Duration::from_millis(2))).await.unwrap();
    assert_eq!(worker.cell().stats().busy, Duration::ZERO);
    introspect::set_timing(true);
    assert!(introspect::timing());
    worker.call(spin(Duration::from_millis(2))).await.unwrap();
    introspect::set_timing(false);
    let busy = worker.cell().stats().busy;
    assert!(busy >= Duration::from_millis(2), "{busy:?}");
    worker.call(spin(Duration::from_millis(2))).await.unwrap();
    assert_eq!(worker.cell().stats().busy, busy);
}

#[tokio::test]
async fn the_snapshot_has_mailboxes_counters_and_the_last_exit() {
    let gate = Arc::new(Notify::new());
    let app = SupervisorSpec::new(Strategy::OneForOne)
        .name("app")
        .child(ChildSpec::actor::<Worker>("worker", gate))
        .child(ChildSpec::supervisor("pool", DynamicSupervisorSpec::new()))
        .start()
        .await
        .unwrap();
    let first = app.child::<ActorRef<Worker>>("worker").unwrap();
    first.cast(WorkerCast::Note).await.unwrap();
    first.cast(WorkerCast::Crash).await.unwrap();
    let second = app
        .child_ref::<ActorRef<Worker>>("worker")
        .wait_restart(&first)
        .await
        .unwrap();
    let tree = app.snapshot().await;
    let node = tree.find("worker").unwrap();
    assert_eq!(node.actor, Some(second.id()));
    assert_eq!(node.restarts, 1);
    assert_eq!(
        node.last_exit,
        Some(ExitReason::Panic("asked to crash".into()))
    );
    assert_eq!(
        node.mailbox,
        Some(MailboxConfig::bounded(2).overflow(Overflow::Reject))
    );
    assert_eq!(node.stats.handled, 0, "a new incarnation counts from zero");
    assert_eq!(node.cell.as_ref().map(ActorCell::id), Some(second.id()));
    let (found, parent) = tree.find_actor(second.id()).unwrap();
    assert_eq!(found.id.as_deref(), Some("worker"));
    assert_eq!(parent.unwrap().actor, tree.actor);
    assert!(tree.find_actor(first.id()).is_none());
    app.shutdown().await;
}

#[tokio::test]
async fn control_helpers_terminate_and_restart_children() {
    let app = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::actor::<Worker>(
            "worker",
            Arc::new(Notify::new()),
        ))
        .child(ChildSpec::supervisor("pool", DynamicSupervisorSpec::new()))
        .start()
        .await
        .unwrap();
    let tree = app.snapshot().await;
    let node = tree.find("worker").unwrap();
    let old = node.actor.unwrap();
    let new = introspect::restart_child(&app.cell(), node)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(new.id(), old);
    let tree = app.snapshot().await;
    let node = tree.find("worker").unwrap();
    assert_eq!(node.actor, Some(new.id()));
    assert_eq!(node.restarts, 0, "a restart on request is not a failure");
    introspect::terminate_child(&app.cell(), node)
        .await
        .unwrap();
    let tree = app.snapshot().await;
    assert_eq!(tree.find("worker").unwrap().status, NodeStatus::Stopped);
    assert_eq!(new.wait().await, ExitReason::Shutdown);

    // A dynamic supervisor's child: terminated by actor id; not restartable on request.
    let pool = app
        .child::<arbor::supervisor::DynamicSupervisorRef>("pool")
        .unwrap();
    let child = pool
        .start_child(ChildSpec::anonymous::<Worker>(Arc::new(Notify::new())))
        .await
        .unwrap()
        .unwrap()
        .into_cell();
    let tree = app.snapshot().await;
    let (node, parent) = tree.find_actor(child.id()).unwrap();
    let parent = parent.unwrap().cell.clone().unwrap();
    assert_eq!(
        introspect::restart_child(&parent, node).await.err(),
        Some(ControlError::Unsupported)
    );
    introspect::terminate_child(&parent, node).await.unwrap();
    assert_eq!(child.wait().await, ExitReason::Shutdown);
    // The root has no supervisor.
    assert_eq!(
        introspect::terminate_child(&app.cell(), &tree).await.err(),
        Some(ControlError::NotSupervised)
    );
    app.shutdown().await;
}

//! Exit reasons keep their structure: a user's typed error travels whole to callers, monitors
//! and supervisors' reports, and a nested start failure is a chain (child id, its reason),
//! not a formatted text.

use std::convert::Infallible;

use arbor::prelude::*;
use arbor::supervisor::{ChildSpec, StartError, Strategy, SupervisorSpec};

#[derive(Debug, thiserror::Error)]
#[error("disk {0} is full")]
struct DiskFull(u8);

/// Fails its start with a typed error, or stops with one when asked.
struct Store;

impl Actor for Store {
    type Args = bool;
    type Call = ReplyTo<()>;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(fail: bool, _ctx: &mut Context<Self>) -> Init<Self> {
        if fail {
            Init::Stop(ExitReason::from_error(DiskFull(1)))
        } else {
            Init::Ok(Store)
        }
    }

    async fn handle_call(
        &mut self,
        reply_to: ReplyTo<()>,
        _ctx: &mut Context<Self>,
    ) -> Handled<Self> {
        drop(reply_to);
        Handled::Stop(ExitReason::from_error(DiskFull(2)))
    }

    async fn handle_cast(&mut self, msg: Infallible, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {}
    }
}

#[tokio::test]
async fn a_caller_and_a_monitor_get_the_typed_error() {
    let store = Spawn::<Store>::new()
        .start(false)
        .await
        .unwrap()
        .running()
        .unwrap();
    let (watcher, mut downs) = arbor_test_watcher().await;
    let _monitor = watcher.monitor(&store.cell());
    let err = store.call(|r| r).await.unwrap_err();
    let CallError::Exited(reason) = &err else {
        panic!("expected the server's exit reason, got {err:?}");
    };
    assert_eq!(reason.downcast_ref::<DiskFull>().map(|e| e.0), Some(2));
    let down = downs.recv().await.unwrap();
    assert_eq!(down.1.downcast_ref::<DiskFull>().map(|e| e.0), Some(2));
}

#[tokio::test]
async fn a_nested_start_failure_is_a_chain_down_to_the_typed_error() {
    let inner =
        SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::actor::<Store>("db", true));
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::supervisor("storage", inner))
        .start()
        .await;
    let Err(StartError::ChildFailed { id, reason }) = result else {
        panic!("expected a child failure, got {result:?}");
    };
    assert_eq!(&*id, "storage");
    assert!(
        reason.is_normal_exit(),
        "OTP's {{shutdown, {{failed_to_start_child, ..}}}}: {reason}"
    );
    // The inner supervisor's own failure, with its child's id and reason …
    let Some(StartError::ChildFailed {
        id: inner_id,
        reason: inner_reason,
    }) = reason.downcast_ref::<StartError>()
    else {
        panic!("the inner failure is kept whole: {reason:?}");
    };
    assert_eq!(&**inner_id, "db");
    assert_eq!(
        inner_reason.downcast_ref::<DiskFull>().map(|e| e.0),
        Some(1)
    );
    // … and the user's error is found from the top of the chain.
    assert_eq!(reason.downcast_ref::<DiskFull>().map(|e| e.0), Some(1));
}

/// A watcher actor that forwards the DOWNs it gets.
async fn arbor_test_watcher() -> (
    ActorCell,
    tokio::sync::mpsc::UnboundedReceiver<(MonitorRef, ExitReason)>,
) {
    struct Watcher(tokio::sync::mpsc::UnboundedSender<(MonitorRef, ExitReason)>);
    impl Actor for Watcher {
        type Args = tokio::sync::mpsc::UnboundedSender<(MonitorRef, ExitReason)>;
        type Call = Infallible;
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;
        async fn init(tx: Self::Args, _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Watcher(tx))
        }
        async fn handle_call(
            &mut self,
            msg: Infallible,
            _ctx: &mut Context<Self>,
        ) -> Handled<Self> {
            match msg {}
        }
        async fn handle_cast(
            &mut self,
            msg: Infallible,
            _ctx: &mut Context<Self>,
        ) -> Handled<Self> {
            match msg {}
        }
        async fn handle_down(&mut self, down: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
            let _ = self.0.send((down.monitor, down.reason));
            Handled::Continue
        }
    }
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let watcher = Spawn::<Watcher>::new()
        .start(tx)
        .await
        .unwrap()
        .running()
        .unwrap();
    (watcher.cell(), rx)
}

/// Drops its callers' `ReplyTo`s: then stops (with a slow or an instant `terminate`), or
/// lives on.
struct Dropper {
    slow_terminate: bool,
}

enum DropperCall {
    DropAndStop(ReplyTo<()>),
    DropAndContinue(ReplyTo<()>),
}

impl Actor for Dropper {
    type Args = bool;
    type Call = DropperCall;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(slow_terminate: bool, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Dropper { slow_terminate })
    }

    async fn handle_call(&mut self, msg: DropperCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            DropperCall::DropAndStop(reply_to) => {
                drop(reply_to);
                // The caller may look at its answer while this handler still runs.
                tokio::task::yield_now().await;
                Handled::Stop(ExitReason::from_error(DiskFull(3)))
            }
            DropperCall::DropAndContinue(reply_to) => {
                drop(reply_to);
                tokio::task::yield_now().await;
                Handled::Continue
            }
        }
    }

    async fn handle_cast(&mut self, msg: Infallible, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {}
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        if self.slow_terminate {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_stops_without_replying_gives_its_exit_reason_every_time() {
    for i in 0..1_000 {
        let slow = i % 2 == 0;
        let server = Spawn::<Dropper>::new()
            .start(slow)
            .await
            .unwrap()
            .running()
            .unwrap();
        let result = server.call(DropperCall::DropAndStop).await;
        match result {
            Err(CallError::Exited(reason)) => {
                assert_eq!(
                    reason.downcast_ref::<DiskFull>().map(|e| e.0),
                    Some(3),
                    "round {i}"
                );
            }
            other => panic!("round {i} (slow terminate: {slow}): {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_server_that_drops_the_reply_gives_no_reply_every_time() {
    let server = Spawn::<Dropper>::new()
        .start(false)
        .await
        .unwrap()
        .running()
        .unwrap();
    for i in 0..1_000 {
        let result = server.call(DropperCall::DropAndContinue).await;
        assert_eq!(result, Err(CallError::NoReply), "round {i}");
    }
    assert!(server.is_alive());
}

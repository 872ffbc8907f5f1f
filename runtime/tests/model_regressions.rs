//! Named regression tests for what the supervisor model tests (`model_supervisor.rs`) and
//! the fault-injection work found: each reproduces one case deterministically on tokio's
//! paused clock.

mod sup_common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{AutoShutdown, ChildSpec, ChildStatus, Restart, Strategy, SupervisorSpec};
use sup_common::*;

/// `auto_shutdown = all_significant`: a significant child waiting for another restart
/// attempt (its restart failed, the retry is queued) still counts as present, as in OTP's
/// `do_auto_shutdown` (any significant child whose pid is not `undefined`). Before the fix a
/// sibling's exit in that window shut the supervisor down.
#[tokio::test(start_paused = true)]
async fn all_significant_counts_a_child_waiting_for_restart() {
    let mut ev = Events::new();
    let a = ev.probe("a");
    let knobs = a.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(10, Duration::from_secs(5))
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(
            ChildSpec::actor::<Probe>("a", a)
                .restart(Restart::Transient)
                .significant(true),
        )
        .child(ev.child_with("b", Restart::Temporary).significant(true))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);

    // a's next start fails after 100 ms; a crashes, so the supervisor is busy restarting it.
    knobs.fail_next(1);
    knobs.fail_delay_ms.store(100, Ordering::SeqCst);
    let a_cell = sup.child::<ActorCell>("a").unwrap();
    let b_cell = sup.child::<ActorCell>("b").unwrap();
    a_cell
        .downcast::<Probe>()
        .unwrap()
        .cast(ProbeCast::Crash)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(10)).await;
    // b (significant, temporary) exits normally while a's restart is failing: its exit is
    // handled after the failed attempt, before the retry.
    stop_with(&b_cell, ExitReason::Normal).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert!(sup.cell().is_alive(), "{:?}", sup.cell().exit_reason());
    let children = sup.which_children().await.unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].id.as_ref(), "a");
    assert!(matches!(children[0].status, ChildStatus::Running(_)));
    sup.shutdown().await;
}

//! Static supervisor conformance, after Erlang/OTP's `supervisor_SUITE` and Elixir's
//! `supervisor_test.exs`. Each test is named after the OTP case whose behaviour it checks.
//! Events (starts, terminations) are recorded by the probe children and asserted in order;
//! time is tokio's paused clock, so timeouts and windows run instantly and deterministically.

mod sup_common;

use std::time::Duration;

use arbor::prelude::*;
use arbor::supervisor::{
    AutoShutdown, ChildError, ChildInfo, ChildKind, ChildSpec, ChildStatus, Restart, SpecError,
    StartChildError, StartError, Strategy, SupervisorRef, SupervisorSpec,
};
use sup_common::*;

fn panicked(name: &'static str) -> Event {
    Event::Terminated(name, ExitReason::panic(format!("probe {name} crashed")))
}

fn cell(sup: &SupervisorRef, id: &str) -> ActorCell {
    sup.child::<ActorCell>(id)
        .unwrap_or_else(|| panic!("child {id} not running"))
}

async fn abc(ev: &mut Events, strategy: Strategy) -> SupervisorRef {
    let sup = SupervisorSpec::new(strategy)
        .children([ev.child("a"), ev.child("b"), ev.child("c")])
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(3).await, [started("a"), started("b"), started("c")]);
    sup
}

// ---- start-up ----------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn sup_start_normal() {
    let mut ev = Events::new();
    let sup = abc(&mut ev, Strategy::OneForOne).await;
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.as_deref().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let counts = sup.count_children().await.unwrap();
    assert_eq!(
        (
            counts.specs,
            counts.active,
            counts.workers,
            counts.supervisors
        ),
        (3, 3, 3, 0)
    );
}

#[tokio::test(start_paused = true)]
async fn sup_start_ignore_child() {
    let ev = Events::new();
    let mut ignored = ev.probe("b");
    ignored.boot = Boot::Ignore;
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ChildSpec::actor::<Probe>("b", ignored))
        .start()
        .await
        .unwrap();
    let children = sup.which_children().await.unwrap();
    assert_eq!(children[1].id.as_deref(), Some("b"));
    assert_eq!(children[1].status, ChildStatus::Undefined);
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (2, 1));
    // The spec is kept: the child can be restarted (and ignores again).
    assert_eq!(sup.restart_child("b").await, Ok(None));
}

#[tokio::test(start_paused = true)]
async fn sup_start_ignore_temporary_child() {
    let ev = Events::new();
    let mut ignored = ev.probe("b");
    ignored.boot = Boot::Ignore;
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ChildSpec::actor::<Probe>("b", ignored).restart(Restart::Temporary))
        .start()
        .await
        .unwrap();
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, [Some("a".into())] as [Option<std::sync::Arc<str>>; 1]);
}

#[tokio::test(start_paused = true)]
async fn sup_start_ignore_temporary_child_start_child() {
    let ev = Events::new();
    let mut ignored = ev.probe("t");
    ignored.boot = Boot::Ignore;
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .start()
        .await
        .unwrap();
    let spec = ChildSpec::actor::<Probe>("t", ignored).restart(Restart::Temporary);
    assert_eq!(sup.start_child(spec).await, Ok(None));
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
}

#[tokio::test(start_paused = true)]
async fn sup_start_fail() {
    let mut ev = Events::new();
    let mut failing = ev.probe("b");
    failing.boot = Boot::Fail;
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ChildSpec::actor::<Probe>("b", failing))
        .child(ev.child("c"))
        .start()
        .await;
    assert_eq!(
        result.unwrap_err(),
        StartError::ChildFailed {
            id: "b".into(),
            reason: ExitReason::error("init failed")
        }
    );
    // a was started, then stopped; c was never started.
    assert_eq!(ev.take(2).await, [started("a"), stopped("a")]);
    ev.assert_quiet().await;
}

#[tokio::test(start_paused = true)]
async fn sup_start_fail_nested() {
    // A nested supervisor whose child fails makes the outer start fail, with the inner
    // failure as the reason (OTP's {shutdown, {failed_to_start_child, ...}}).
    let mut ev = Events::new();
    let mut failing = ev.probe("x");
    failing.boot = Boot::Fail;
    let inner =
        SupervisorSpec::new(Strategy::OneForOne).child(ChildSpec::actor::<Probe>("x", failing));
    let result = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ChildSpec::supervisor("inner", inner))
        .start()
        .await;
    let StartError::ChildFailed { id, reason } = result.unwrap_err() else {
        panic!("expected a child failure");
    };
    assert_eq!(&*id, "inner");
    assert!(reason.is_normal_exit(), "a shutdown reason: {reason}");
    assert!(reason.to_string().contains("\"x\""), "{reason}");
    assert_eq!(ev.take(2).await, [started("a"), stopped("a")]);
}

#[tokio::test(start_paused = true)]
async fn sup_start_map_faulty_specs() {
    let ev = Events::new();
    let duplicate =
        SupervisorSpec::new(Strategy::OneForOne).children([ev.child("a"), ev.child("a")]);
    assert_eq!(
        duplicate.validate(),
        Err(SpecError::DuplicateId("a".into()))
    );
    assert_eq!(
        duplicate.start().await.unwrap_err(),
        StartError::Invalid(SpecError::DuplicateId("a".into()))
    );

    let significant_permanent = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ev.child("a").significant(true));
    assert_eq!(
        significant_permanent.validate(),
        Err(SpecError::SignificantPermanent("a".into()))
    );

    let never = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child_with("a", Restart::Transient).significant(true));
    assert_eq!(
        never.validate(),
        Err(SpecError::SignificantWithoutAutoShutdown("a".into()))
    );

    let zero = SupervisorSpec::new(Strategy::OneForOne).intensity(3, Duration::ZERO);
    assert_eq!(zero.validate(), Err(SpecError::ZeroPeriod));
}

// ---- stopping ----------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn sup_stop_order() {
    let mut ev = Events::new();
    let sup = abc(&mut ev, Strategy::OneForOne).await;
    assert_eq!(sup.shutdown().await, ExitReason::Shutdown);
    assert_eq!(ev.take(3).await, [stopped("c"), stopped("b"), stopped("a")]);
}

#[tokio::test(start_paused = true)]
async fn sup_stop_infinity() {
    // A child with shutdown infinity is waited for, however long its terminate takes.
    let mut ev = Events::new();
    let mut slow = ev.probe("slow");
    slow.linger = Some(Duration::from_secs(3600));
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::actor::<Probe>("slow", slow).shutdown(ShutdownMode::Infinity))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("slow"));
    sup.shutdown().await;
    assert_eq!(ev.next().await, stopped("slow"));
}

#[tokio::test(start_paused = true)]
async fn sup_stop_timeout() {
    // A child that does not stop within its shutdown timeout is killed.
    let mut ev = Events::new();
    let mut stuck = ev.probe("stuck");
    stuck.linger = Some(Duration::from_secs(3600));
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(
            ChildSpec::actor::<Probe>("stuck", stuck)
                .shutdown(ShutdownMode::Timeout(Duration::from_secs(1))),
        )
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("stuck")]);
    let child = cell(&sup, "stuck");
    sup.shutdown().await;
    assert_eq!(child.wait().await, ExitReason::Killed);
    // Its terminate began but never finished; then a was stopped.
    assert_eq!(ev.next_raw().await, Event::Terminating("stuck"));
    assert_eq!(ev.next().await, stopped("a"));
}

#[tokio::test(start_paused = true)]
async fn sup_stop_brutal_kill() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ev.child("b").shutdown(ShutdownMode::BrutalKill))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    let b = cell(&sup, "b");
    sup.shutdown().await;
    assert_eq!(b.wait().await, ExitReason::Killed);
    // b's terminate did not run; a's did.
    assert_eq!(ev.next().await, stopped("a"));
    ev.assert_quiet().await;
}

// ---- child administration ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn child_adm() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .start()
        .await
        .unwrap();
    let a = sup.start_child(ev.child("a")).await.unwrap().unwrap();
    assert_eq!(ev.next().await, started("a"));
    assert_eq!(
        sup.start_child(ev.child("a")).await,
        Err(StartChildError::AlreadyStarted(a.clone()))
    );
    assert_eq!(sup.delete_child("a").await, Err(ChildError::Running));
    assert_eq!(sup.restart_child("a").await, Err(ChildError::Running));

    assert_eq!(sup.terminate_child("a").await, Ok(()));
    assert_eq!(ev.next().await, stopped("a"));
    assert_eq!(
        sup.which_children().await.unwrap(),
        [ChildInfo {
            id: Some("a".into()),
            status: ChildStatus::Undefined,
            kind: ChildKind::Worker,
            restart: Restart::Permanent
        }]
    );
    assert_eq!(
        sup.start_child(ev.child("a")).await,
        Err(StartChildError::AlreadyPresent)
    );
    // Terminating a stopped child is fine.
    assert_eq!(sup.terminate_child("a").await, Ok(()));

    let again = sup.restart_child("a").await.unwrap().unwrap();
    assert_ne!(again, a);
    assert_eq!(ev.next().await, started("a"));
    assert_eq!(sup.terminate_child("a").await, Ok(()));
    assert_eq!(sup.delete_child("a").await, Ok(()));
    assert_eq!(sup.count_children().await.unwrap().specs, 0);

    assert_eq!(sup.terminate_child("nope").await, Err(ChildError::NotFound));
    assert_eq!(sup.restart_child("nope").await, Err(ChildError::NotFound));
    assert_eq!(sup.delete_child("nope").await, Err(ChildError::NotFound));
}

#[tokio::test(start_paused = true)]
async fn child_adm_temporary() {
    // terminate_child drops a temporary child's spec.
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .start()
        .await
        .unwrap();
    sup.start_child(ev.child_with("t", Restart::Temporary))
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("t"));
    sup.terminate_child("t").await.unwrap();
    assert_eq!(ev.next().await, stopped("t"));
    assert_eq!(sup.restart_child("t").await, Err(ChildError::NotFound));
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
}

#[tokio::test(start_paused = true)]
async fn sup_start_child_returns_error() {
    let ev = Events::new();
    let mut failing = ev.probe("f");
    failing.boot = Boot::Fail;
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .start()
        .await
        .unwrap();
    assert_eq!(
        sup.start_child(ChildSpec::actor::<Probe>("f", failing))
            .await,
        Err(StartChildError::Failed(ExitReason::error("init failed")))
    );
    // The failed spec is not kept.
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    // An invalid spec is refused.
    assert!(matches!(
        sup.start_child(ev.child("s").significant(true)).await,
        Err(StartChildError::Invalid(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn sup_start_restart_child_returns_error() {
    let mut ev = Events::new();
    let args = ev.probe("a");
    let knobs = args.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ChildSpec::actor::<Probe>("a", args))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("a"));
    sup.terminate_child("a").await.unwrap();
    knobs.fail_next(1);
    assert_eq!(
        sup.restart_child("a").await,
        Err(ChildError::Failed(ExitReason::error("start failed")))
    );
    assert!(sup.restart_child("a").await.unwrap().is_some());
}

// ---- restart types -----------------------------------------------------------------------

/// Starts one child of `restart` type, makes it exit with `reason`, and reports whether it
/// was restarted and whether its spec is still held.
async fn exit_child(restart: Restart, reason: ExitReason) -> (bool, bool) {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child_with("c", restart))
        .child(ev.child("bystander"))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("c"), started("bystander")]);
    let bystander = cell(&sup, "bystander");
    stop_with(&cell(&sup, "c"), reason.clone()).await;
    assert_eq!(ev.next().await, Event::Terminated("c", reason));
    // which_children is answered after the exit signal is handled (signals come first).
    let children = sup.which_children().await.unwrap();
    let restarted = match children.iter().find(|c| c.id.as_deref() == Some("c")) {
        Some(ChildInfo {
            status: ChildStatus::Running(_),
            ..
        }) => {
            assert_eq!(ev.next().await, started("c"));
            true
        }
        _ => false,
    };
    let kept = children.iter().any(|c| c.id.as_deref() == Some("c"));
    // The bystander is never touched.
    assert_eq!(cell(&sup, "bystander"), bystander);
    ev.assert_quiet().await;
    (restarted, kept)
}

#[tokio::test(start_paused = true)]
async fn permanent_normal() {
    assert_eq!(
        exit_child(Restart::Permanent, ExitReason::Normal).await,
        (true, true)
    );
}

#[tokio::test(start_paused = true)]
async fn transient_normal() {
    assert_eq!(
        exit_child(Restart::Transient, ExitReason::Normal).await,
        (false, true)
    );
}

#[tokio::test(start_paused = true)]
async fn temporary_normal() {
    assert_eq!(
        exit_child(Restart::Temporary, ExitReason::Normal).await,
        (false, false)
    );
}

#[tokio::test(start_paused = true)]
async fn permanent_shutdown() {
    assert_eq!(
        exit_child(Restart::Permanent, ExitReason::Shutdown).await,
        (true, true)
    );
    let with = ExitReason::shutdown_with("done");
    assert_eq!(exit_child(Restart::Permanent, with).await, (true, true));
}

#[tokio::test(start_paused = true)]
async fn transient_shutdown() {
    assert_eq!(
        exit_child(Restart::Transient, ExitReason::Shutdown).await,
        (false, true)
    );
    let with = ExitReason::shutdown_with("done");
    assert_eq!(exit_child(Restart::Transient, with).await, (false, true));
}

#[tokio::test(start_paused = true)]
async fn temporary_shutdown() {
    assert_eq!(
        exit_child(Restart::Temporary, ExitReason::Shutdown).await,
        (false, false)
    );
}

#[tokio::test(start_paused = true)]
async fn permanent_abnormal() {
    assert_eq!(
        exit_child(Restart::Permanent, ExitReason::error("bad")).await,
        (true, true)
    );
}

#[tokio::test(start_paused = true)]
async fn transient_abnormal() {
    assert_eq!(
        exit_child(Restart::Transient, ExitReason::error("bad")).await,
        (true, true)
    );
}

#[tokio::test(start_paused = true)]
async fn temporary_abnormal() {
    assert_eq!(
        exit_child(Restart::Temporary, ExitReason::error("bad")).await,
        (false, false)
    );
}

#[tokio::test(start_paused = true)]
async fn permanent_killed() {
    // A kill is abnormal: restarted (terminate does not run).
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("c"))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("c"));
    let c = cell(&sup, "c");
    c.kill();
    assert_eq!(ev.next().await, started("c"));
    assert_ne!(cell(&sup, "c"), c);
}

#[tokio::test(start_paused = true)]
async fn temporary_bystander() {
    // A temporary child taken down by a sibling's failure (one_for_all) is not restarted and
    // its spec is dropped.
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForAll)
        .child(ev.child("p"))
        .child(ev.child_with("t", Restart::Temporary))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("p"), started("t")]);
    crash(&cell(&sup, "p")).await;
    assert_eq!(
        ev.take(3).await,
        [panicked("p"), stopped("t"), started("p")]
    );
    let ids: Vec<_> = sup
        .which_children()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.as_deref().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids, ["p"]);
    ev.assert_quiet().await;
}

// ---- strategies --------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn one_for_one() {
    let mut ev = Events::new();
    let sup = abc(&mut ev, Strategy::OneForOne).await;
    let (a, c) = (cell(&sup, "a"), cell(&sup, "c"));
    crash(&cell(&sup, "b")).await;
    assert_eq!(ev.take(2).await, [panicked("b"), started("b")]);
    ev.assert_quiet().await;
    assert_eq!((cell(&sup, "a"), cell(&sup, "c")), (a, c));
}

#[tokio::test(start_paused = true)]
async fn one_for_all() {
    let mut ev = Events::new();
    let sup = abc(&mut ev, Strategy::OneForAll).await;
    crash(&cell(&sup, "b")).await;
    // The others stop in reverse start order, then all start in order.
    assert_eq!(
        ev.take(6).await,
        [
            panicked("b"),
            stopped("c"),
            stopped("a"),
            started("a"),
            started("b"),
            started("c")
        ]
    );
    ev.assert_quiet().await;
}

#[tokio::test(start_paused = true)]
async fn rest_for_one() {
    let mut ev = Events::new();
    let sup = abc(&mut ev, Strategy::RestForOne).await;
    let a = cell(&sup, "a");
    crash(&cell(&sup, "b")).await;
    assert_eq!(
        ev.take(4).await,
        [panicked("b"), stopped("c"), started("b"), started("c")]
    );
    ev.assert_quiet().await;
    assert_eq!(cell(&sup, "a"), a);
}

/// Crashes child `id` until the supervisor gives up, checking that it gives up on the
/// (max_restarts + 1)-th crash within the period, and stops its children in reverse order.
async fn escalation(strategy: Strategy) {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(strategy)
        .intensity(2, Duration::from_secs(5))
        .children([ev.child("a"), ev.child("b")])
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    for _ in 0..2 {
        let b = sup.child_ref::<ActorCell>("b");
        let old = b.get().unwrap();
        crash(&old).await;
        b.wait_restart(&old).await.unwrap();
    }
    // Drain the restarts' events.
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(1), ev.next())
        .await
        .map(Some)
    {}
    crash(&cell(&sup, "b")).await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
    assert_eq!(ev.take(2).await, [panicked("b"), stopped("a")]);
    ev.assert_quiet().await;
}

#[tokio::test(start_paused = true)]
async fn one_for_one_escalation() {
    escalation(Strategy::OneForOne).await;
}

#[tokio::test(start_paused = true)]
async fn one_for_all_escalation() {
    escalation(Strategy::OneForAll).await;
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_escalation() {
    escalation(Strategy::RestForOne).await;
}

#[tokio::test(start_paused = true)]
async fn restart_intensity_sliding_window() {
    // 2 restarts in 10 s: crashes at t = 0, 6, 12, 18 never put 3 in one window.
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(2, Duration::from_secs(10))
        .child(ev.child("a"))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("a"));
    for _ in 0..4 {
        crash(&cell_when_running(&sup, "a").await).await;
        assert_eq!(ev.take(2).await, [panicked("a"), started("a")]);
        tokio::time::advance(Duration::from_secs(6)).await;
    }
    // Let the window empty, then three crashes within it: the third exceeds it.
    tokio::time::advance(Duration::from_secs(11)).await;
    for _ in 0..2 {
        crash(&cell_when_running(&sup, "a").await).await;
        assert_eq!(ev.take(2).await, [panicked("a"), started("a")]);
        tokio::time::advance(Duration::from_secs(1)).await;
    }
    crash(&cell_when_running(&sup, "a").await).await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

async fn cell_when_running(sup: &SupervisorRef, id: &str) -> ActorCell {
    // which_children is handled after pending exit signals: the child is settled then.
    sup.which_children().await.unwrap();
    cell(sup, id)
}

#[tokio::test(start_paused = true)]
async fn zero_intensity() {
    // max_restarts 0: the first crash stops the supervisor.
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(0, Duration::from_secs(1))
        .child(ev.child("a"))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("a"));
    crash(&cell(&sup, "a")).await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

// ---- failed restarts ---------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn one_for_one_restart_retry() {
    // A failed restart is retried (and counted): after 2 failures the third attempt works.
    let mut ev = Events::new();
    let args = ev.probe("a");
    let knobs = args.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(5, Duration::from_secs(5))
        .child(ChildSpec::actor::<Probe>("a", args))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("a"));
    knobs.fail_next(2);
    crash(&cell(&sup, "a")).await;
    assert_eq!(ev.take(2).await, [panicked("a"), started("a")]);
    let tree = sup.snapshot().await;
    assert_eq!(tree.find("a").unwrap().restarts, 3);
}

#[tokio::test(start_paused = true)]
async fn hanging_restart_loop() {
    // A child that never restarts: failed attempts count toward the intensity, and the
    // supervisor gives up instead of looping.
    let mut ev = Events::new();
    let args = ev.probe("a");
    let knobs = args.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(3, Duration::from_secs(5))
        .child(ChildSpec::actor::<Probe>("a", args))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("a"));
    knobs.fail_next(100);
    crash(&cell(&sup, "a")).await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn rest_for_one_other_child_fails_restart() {
    // b crashes; c then fails to restart once: c is retried and the tree settles.
    let mut ev = Events::new();
    let c_args = ev.probe("c");
    let knobs = c_args.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::RestForOne)
        .children([
            ev.child("a"),
            ev.child("b"),
            ChildSpec::actor::<Probe>("c", c_args),
        ])
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(3).await, [started("a"), started("b"), started("c")]);
    knobs.fail_next(1);
    crash(&cell(&sup, "b")).await;
    assert_eq!(
        ev.take(4).await,
        [panicked("b"), stopped("c"), started("b"), started("c")]
    );
    let counts = sup.count_children().await.unwrap();
    assert_eq!(counts.active, 3);
}

#[tokio::test(start_paused = true)]
async fn one_for_all_other_child_fails_restart() {
    // a crashes; b fails to restart once: the retry restarts all again (one_for_all).
    let mut ev = Events::new();
    let b_args = ev.probe("b");
    let knobs = b_args.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForAll)
        .children([
            ev.child("a"),
            ChildSpec::actor::<Probe>("b", b_args),
            ev.child("c"),
        ])
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(3).await, [started("a"), started("b"), started("c")]);
    knobs.fail_next(1);
    crash(&cell(&sup, "a")).await;
    assert_eq!(
        ev.take(7).await,
        [
            panicked("a"),
            stopped("c"),
            stopped("b"),
            started("a"), // b fails here; c stays stopped
            stopped("a"), // the retry stops what runs and starts all again
            started("a"),
            started("b"),
        ]
    );
    assert_eq!(ev.next().await, started("c"));
    assert_eq!(sup.count_children().await.unwrap().active, 3);
}

#[tokio::test(start_paused = true)]
async fn count_restarting_children() {
    // A child waiting for another restart attempt is a spec, not an active child.
    let mut ev = Events::new();
    let args = ev.probe("a");
    let knobs = args.knobs.clone();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(10, Duration::from_secs(5))
        .child(ChildSpec::actor::<Probe>("a", args))
        .child(ev.child("b"))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("b")]);
    // Four failing attempts of 1 s each: a request sent during an attempt is answered before
    // the next attempt (each request below waits for one attempt).
    knobs.fail_next(4);
    knobs
        .fail_delay_ms
        .store(1000, std::sync::atomic::Ordering::SeqCst);
    crash(&cell(&sup, "a")).await;
    assert_eq!(ev.next().await, panicked("a"));
    assert_eq!(ev.next_raw().await, Event::Failing("a"));
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (2, 1));
    assert_eq!(
        sup.which_children().await.unwrap()[0].status,
        ChildStatus::Restarting
    );
    assert_eq!(sup.restart_child("a").await, Err(ChildError::Restarting));
    assert_eq!(sup.delete_child("a").await, Err(ChildError::Restarting));
    assert_eq!(ev.next().await, started("a"));
    assert_eq!(sup.count_children().await.unwrap().active, 2);
}

// ---- nested supervisors ------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn tree() {
    // An inner supervisor that reaches its intensity exits with shutdown; the outer one
    // restarts it (a restart of the outer), and with outer intensity 0 the outer gives up too.
    let mut ev = Events::new();
    let inner = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(0, Duration::from_secs(5))
        .children([ev.child("x"), ev.child("y")]);
    let outer = SupervisorSpec::new(Strategy::OneForOne)
        .intensity(1, Duration::from_secs(5))
        .child(ev.child("a"))
        .child(ChildSpec::supervisor("inner", inner));
    let sup = outer.start().await.unwrap();
    assert_eq!(ev.take(3).await, [started("a"), started("x"), started("y")]);

    let inner_ref = sup.child::<SupervisorRef>("inner").unwrap();
    crash(&inner_ref.child::<ActorCell>("x").unwrap()).await;
    // Inner gives up (stopping y), outer restarts it.
    assert_eq!(
        ev.take(4).await,
        [panicked("x"), stopped("y"), started("x"), started("y")]
    );
    let inner_ref = sup.child::<SupervisorRef>("inner").unwrap();
    crash(&inner_ref.child::<ActorCell>("y").unwrap()).await;
    // Second escalation: outer exceeds its intensity, stops a, and exits.
    assert_eq!(
        ev.take(3).await,
        [panicked("y"), stopped("x"), stopped("a")]
    );
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn nested_shutdown_order() {
    // Stopping the root stops each subtree depth first, in reverse start order.
    let mut ev = Events::new();
    let inner = SupervisorSpec::new(Strategy::OneForOne).children([ev.child("x"), ev.child("y")]);
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ChildSpec::supervisor("inner", inner))
        .child(ev.child("z"))
        .start()
        .await
        .unwrap();
    assert_eq!(
        ev.take(4).await,
        [started("a"), started("x"), started("y"), started("z")]
    );
    sup.shutdown().await;
    assert_eq!(
        ev.take(4).await,
        [stopped("z"), stopped("y"), stopped("x"), stopped("a")]
    );
}

#[tokio::test(start_paused = true)]
async fn sup_killed_takes_children_down() {
    let mut ev = Events::new();
    let mut trapping = ev.probe("t");
    trapping.trap = true;
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .child(ChildSpec::actor::<Probe>("t", trapping))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("t")]);
    let (a, t) = (cell(&sup, "a"), cell(&sup, "t"));
    sup.cell().kill();
    assert_eq!(a.wait().await, ExitReason::Killed);
    // A child trapping exits still stops when its parent dies, running terminate.
    assert_eq!(t.wait().await, ExitReason::Killed);
    assert_eq!(ev.next().await, Event::Terminated("t", ExitReason::Killed));
}

// ---- significant children ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn significant_temporary() {
    for (auto, reason) in [
        (AutoShutdown::AnySignificant, ExitReason::Normal),
        (AutoShutdown::AnySignificant, ExitReason::error("bad")),
        (AutoShutdown::AllSignificant, ExitReason::Normal),
    ] {
        let mut ev = Events::new();
        let sup = SupervisorSpec::new(Strategy::OneForOne)
            .auto_shutdown(auto)
            .child(ev.child("a"))
            .child(ev.child_with("s", Restart::Temporary).significant(true))
            .start()
            .await
            .unwrap();
        assert_eq!(ev.take(2).await, [started("a"), started("s")]);
        stop_with(&cell(&sup, "s"), reason.clone()).await;
        assert_eq!(sup.wait().await, ExitReason::Shutdown, "{auto:?} {reason}");
        assert_eq!(
            ev.take(2).await,
            [Event::Terminated("s", reason), stopped("a")]
        );
    }
}

#[tokio::test(start_paused = true)]
async fn nonsignificant_temporary() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ev.child_with("t", Restart::Temporary))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("t"));
    stop_with(&cell(&sup, "t"), ExitReason::Normal).await;
    assert_eq!(sup.count_children().await.unwrap().specs, 0);
    assert!(sup.cell().is_alive());
}

#[tokio::test(start_paused = true)]
async fn nonsignificant_transient() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(ev.child_with("t", Restart::Transient))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("t"));
    stop_with(&cell(&sup, "t"), ExitReason::Normal).await;
    let counts = sup.count_children().await.unwrap();
    assert_eq!((counts.specs, counts.active), (1, 0));
    assert!(sup.cell().is_alive());
}

#[tokio::test(start_paused = true)]
async fn significant_escalation() {
    // A significant child shuts its supervisor down, which is itself a significant
    // (transient) child of an auto-shutdown supervisor: the outer one shuts down too.
    let mut ev = Events::new();
    let inner = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ev.child_with("s", Restart::Transient).significant(true))
        .child(ev.child("x"));
    let outer = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ev.child("a"))
        .child(
            ChildSpec::supervisor("inner", inner)
                .restart(Restart::Transient)
                .significant(true),
        )
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(3).await, [started("a"), started("s"), started("x")]);
    let inner_ref = outer.child::<SupervisorRef>("inner").unwrap();
    stop_with(
        &inner_ref.child::<ActorCell>("s").unwrap(),
        ExitReason::Normal,
    )
    .await;
    assert_eq!(inner_ref.wait().await, ExitReason::Shutdown);
    assert_eq!(outer.wait().await, ExitReason::Shutdown);
    assert_eq!(
        ev.take(3).await,
        [
            Event::Terminated("s", ExitReason::Normal),
            stopped("x"),
            stopped("a")
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn significant_transient() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ev.child_with("s", Restart::Transient).significant(true))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("s"));
    // An abnormal exit: restarted, no shutdown.
    crash(&cell(&sup, "s")).await;
    assert_eq!(ev.take(2).await, [panicked("s"), started("s")]);
    // A normal exit: not restarted, the supervisor shuts down.
    stop_with(&cell_when_running(&sup, "s").await, ExitReason::Normal).await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn significant_all_significant() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .auto_shutdown(AutoShutdown::AllSignificant)
        .child(ev.child_with("s1", Restart::Transient).significant(true))
        .child(ev.child_with("s2", Restart::Transient).significant(true))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("s1"), started("s2")]);
    stop_with(&cell(&sup, "s1"), ExitReason::Normal).await;
    assert_eq!(sup.count_children().await.unwrap().active, 1);
    assert!(sup.cell().is_alive());
    stop_with(&cell(&sup, "s2"), ExitReason::Normal).await;
    assert_eq!(sup.wait().await, ExitReason::Shutdown);
}

#[tokio::test(start_paused = true)]
async fn significant_bystander() {
    // A significant child stopped by the supervisor (a sibling's restart, or terminate_child)
    // does not trigger auto-shutdown.
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForAll)
        .auto_shutdown(AutoShutdown::AnySignificant)
        .child(ev.child("a"))
        .child(ev.child_with("s", Restart::Transient).significant(true))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.take(2).await, [started("a"), started("s")]);
    crash(&cell(&sup, "a")).await;
    assert_eq!(
        ev.take(3).await,
        [panicked("a"), stopped("s"), started("a")]
    );
    assert_eq!(ev.next().await, started("s"));
    sup.terminate_child("s").await.unwrap();
    assert_eq!(ev.next().await, stopped("s"));
    assert!(sup.cell().is_alive());
    assert_eq!(sup.count_children().await.unwrap().active, 1);
}

// ---- typed access ------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn child_ref_follows_restarts() {
    let mut ev = Events::new();
    let sup = SupervisorSpec::new(Strategy::OneForOne)
        .child(ev.child("a"))
        .start()
        .await
        .unwrap();
    assert_eq!(ev.next().await, started("a"));
    let a = sup.child_ref::<ActorRef<Probe>>("a");
    let first = a.get().unwrap();
    assert_eq!(first.call(ProbeCall::Ping).await, Ok("a"));
    // The wrong type gives None.
    assert!(sup.child::<SupervisorRef>("a").is_none());
    crash(&first.cell()).await;
    let second = a.wait_restart(&first).await.unwrap();
    assert_ne!(second, first);
    assert_eq!(second.call(ProbeCall::Ping).await, Ok("a"));
    sup.shutdown().await;
    assert!(a.get().is_none());
    assert!(a.wait_restart(&second).await.is_none());
}

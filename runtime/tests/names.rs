//! Registered names: one live actor per name, freed at exit, `already_started` with the
//! running actor, and exactly one winner when many start under one name at once.

mod common;

use arbor::names::{self, AlreadyRegistered, RegisterError};
use arbor::prelude::*;
use common::*;

#[tokio::test]
async fn a_registered_actor_is_found_called_and_freed_at_exit() {
    let probe = start_with(Spawn::new().register("names-basic")).await;
    let found = names::whereis_as::<Probe>("names-basic").expect("registered");
    assert_eq!(found.id(), probe.actor.id());
    assert_eq!(
        found.name(),
        Some("names-basic"),
        "the registered name is its name"
    );
    assert_eq!(found.call(|r| Req::Echo(7, r)).await, Ok(7));
    assert!(names::registered().iter().any(|n| &**n == "names-basic"));

    probe.actor.cell().kill();
    probe.actor.wait().await;
    assert!(names::whereis("names-basic").is_none());
    // Free again: a new actor takes it.
    let again = start_with(Spawn::new().register("names-basic")).await;
    assert_eq!(
        names::whereis("names-basic").map(|c| c.id()),
        Some(again.actor.id())
    );
}

#[tokio::test]
async fn a_second_start_under_a_taken_name_fails_with_the_running_actor() {
    let first = start_with(Spawn::new().register("names-taken")).await;
    let (args, _events) = args(InitMode::Ok);
    let err = Spawn::<Probe>::new()
        .register("names-taken")
        .start(args)
        .await
        .unwrap_err();
    let taken = err
        .downcast_ref::<AlreadyRegistered>()
        .expect("already_started");
    assert_eq!(taken.existing.id(), first.actor.id());
    assert!(err.to_string().contains("names-taken"), "{err}");
    // An actor holds one name at most.
    let other = names::register("names-taken-2", &first.actor.cell()).unwrap_err();
    assert!(matches!(other, RegisterError::HasName { .. }), "{other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_starts_under_one_name_have_one_winner() {
    for round in 0..50 {
        let name = format!("names-race-{round}");
        let starts = (0..8).map(|_| {
            let name = name.clone();
            tokio::spawn(async move {
                let (args, _events) = args(InitMode::Ok);
                Spawn::<Probe>::new().register(name).start(args).await
            })
        });
        let results = futures::future::join_all(starts).await;
        let winners: Vec<_> = results
            .into_iter()
            .filter_map(|r| r.unwrap().ok())
            .filter_map(|s| s.running())
            .collect();
        assert_eq!(winners.len(), 1, "round {round}");
        assert_eq!(names::whereis(&name).map(|c| c.id()), Some(winners[0].id()));
    }
}

//! `Target::bound_later`: a generated client's target given its actor after the fact (what
//! two systems that reach each other's actors need).

mod common;

use arbor::codegen::Target;
use common::*;

#[tokio::test]
async fn a_target_bound_later_is_not_running_until_bound_then_reaches_its_actor() {
    let (target, binding) = Target::<Probe>::bound_later();
    let copy = target.clone();
    assert!(target.get().is_none());
    let why = target.resolve().expect_err("nothing bound yet");
    assert!(format!("{why:?}").contains("noproc"), "{why:?}");

    let probe = start().await;
    assert!(binding.bind(probe.actor.clone()));
    assert_eq!(target.get().map(|a| a.id()), Some(probe.actor.id()));
    assert_eq!(
        copy.get().map(|a| a.id()),
        Some(probe.actor.id()),
        "clones share it"
    );

    let other = start().await;
    assert!(!binding.bind(other.actor.clone()), "the first binding wins");
    assert_eq!(target.get().map(|a| a.id()), Some(probe.actor.id()));
    assert!(format!("{binding:?}").contains("bound: true"));
}

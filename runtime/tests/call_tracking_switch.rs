//! The process-wide caller-chain tracking switch. Its own test binary: the switch is global
//! and the other tests run in parallel threads of their binary.

mod common;

use arbor::lineage;
use arbor::prelude::*;
use common::*;

#[tokio::test(start_paused = true)]
async fn disabling_tracking_turns_off_cycle_detection_but_not_calling_self() {
    // Only this test in this binary touches the switch; other binaries are other processes.
    let a = start().await;
    let b = start().await;
    lineage::set_call_tracking(false);
    let path = vec![b.actor.clone(), a.actor.clone()];
    let result = a.actor.call(|r| Req::Relay(path, r)).await;
    lineage::set_call_tracking(true);
    // Undetected, the cycle deadlocks until the inner call times out.
    assert_eq!(result, Err(CallError::Timeout));
    assert!(lineage::call_tracking());
    assert_eq!(
        a.actor.call(Req::CallSelf).await,
        Ok(Err(CallError::CallingSelf))
    );
}

//! What a generated client's method returns: the runtime's own call or cast future, sent to
//! the actor its [`Target`] resolves to, with no `async` wrapper around it (a wrapper's state
//! machine cost ≈ 80 instructions per message; see docs/benchmarks.md). A target that does not
//! resolve gives a future that is ready with the error at once.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::actor::Actor;
use crate::call::{CallError, call_future};
use crate::codegen::Target;
use crate::handle::{CastError, Envelope, SendFuture};
use crate::reply::ReplyTo;

pin_project_lite::pin_project! {
    /// A message on its way, or the error of a target that did not resolve.
    #[project = OutgoingProj]
    enum Outgoing<F, O> {
        Sending { #[pin] future: F },
        // Taken by the only poll.
        Failed { error: Option<O> },
    }
}

impl<F: Future> Future for Outgoing<F, F::Output> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project() {
            OutgoingProj::Sending { future } => future.poll(cx),
            OutgoingProj::Failed { error } => {
                Poll::Ready(error.take().expect("a failed send polled after completion"))
            }
        }
    }
}

impl<A: Actor> Target<A> {
    /// Calls the actor the target resolves to now, waiting up to `timeout` for the answer
    /// (as [`ActorRef::call_timeout`](crate::ActorRef::call_timeout)); a target with no
    /// running actor fails with [`CallError::Exited`]. The request is built at once and
    /// queued when the future is first polled.
    pub fn call<T: Send + 'static>(
        &self,
        timeout: Duration,
        make: impl FnOnce(ReplyTo<T>) -> A::Call,
    ) -> impl Future<Output = Result<T, CallError>> + Send + '_ {
        match self.resolve() {
            Ok(actor) => {
                let (reply_to, rx) = ReplyTo::channel();
                Outgoing::Sending {
                    future: call_future(actor, timeout, make(reply_to), rx),
                }
            }
            Err(reason) => Outgoing::Failed {
                error: Some(Err(CallError::Exited(reason))),
            },
        }
    }

    /// Casts to the actor the target resolves to now (as
    /// [`ActorRef::cast`](crate::ActorRef::cast)); a target with no running actor fails
    /// with [`CastError::Exited`].
    pub fn cast(&self, msg: A::Cast) -> impl Future<Output = Result<(), CastError>> + Send + '_ {
        match self.resolve() {
            Ok(actor) => Outgoing::Sending {
                future: SendFuture::new(actor, Envelope::Cast(msg)),
            },
            Err(reason) => Outgoing::Failed {
                error: Some(Err(CastError::Exited(reason))),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::actor::{Handled, Init};
    use crate::context::Context;
    use crate::mailbox::MailboxConfig;
    use crate::spawn::Spawn;
    use crate::{ActorRef, ExitReason};

    /// Counts its casts; a call answers the count plus the call's argument.
    struct Counter(u64);

    enum CounterCall {
        Total(u64, ReplyTo<u64>),
    }

    impl Actor for Counter {
        type Args = ();
        type Call = CounterCall;
        type Cast = u64;
        type Info = std::convert::Infallible;
        type Continue = std::convert::Infallible;

        async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Counter(0))
        }

        async fn handle_call(
            &mut self,
            msg: CounterCall,
            _ctx: &mut Context<Self>,
        ) -> Handled<Self> {
            let CounterCall::Total(plus, reply_to) = msg;
            let _ = reply_to.send(self.0 + plus);
            Handled::Continue
        }

        async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
            self.0 += n;
            Handled::Continue
        }
    }

    async fn counter(mailbox: MailboxConfig) -> ActorRef<Counter> {
        Spawn::<Counter>::new()
            .mailbox(mailbox)
            .start(())
            .await
            .expect("the counter starts")
            .running()
            .expect("the counter runs")
    }

    const TIMEOUT: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn a_fixed_target_casts_and_calls_its_actor() {
        let actor = counter(MailboxConfig::bounded(16)).await;
        let target = Target::Fixed(actor.clone());
        for n in 1..=3 {
            assert_eq!(target.cast(n).await, Ok(()));
        }
        let total = target.call(TIMEOUT, |r| CounterCall::Total(10, r)).await;
        assert_eq!(total, Ok(16));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_looked_up_target_owns_its_actor_through_a_full_mailbox() {
        // Capacity 1: the second cast and the call find the mailbox full and wait for room
        // on the slow path, which holds its own handle to the looked-up actor.
        let actor = counter(MailboxConfig::bounded(1)).await;
        let found = actor.clone();
        let target = Target::lookup(move || Some(found.clone()));
        let first = target.cast(2);
        let second = target.cast(3);
        let call = target.call(TIMEOUT, |r| CounterCall::Total(0, r));
        assert_eq!(first.await, Ok(()));
        assert_eq!(second.await, Ok(()));
        assert_eq!(call.await, Ok(5));
        drop(target);
        assert_eq!(actor.call(|r| CounterCall::Total(1, r)).await, Ok(6));
    }

    #[tokio::test]
    async fn a_target_without_an_actor_fails_at_once_with_its_reason() {
        let target = Target::<Counter>::Missing("no counter in this test");
        let reason = ExitReason::error("no counter in this test");
        assert_eq!(target.cast(1).await, Err(CastError::Exited(reason.clone())));
        let call = target.call(TIMEOUT, |r| CounterCall::Total(1, r)).await;
        assert_eq!(call, Err(CallError::Exited(reason)));

        let gone = Target::<Counter>::lookup(|| None);
        assert!(matches!(gone.cast(1).await, Err(CastError::Exited(_))));
        let call = gone.call(TIMEOUT, |r| CounterCall::Total(1, r)).await;
        assert!(matches!(call, Err(CallError::Exited(_))));
    }

    #[tokio::test]
    async fn a_stopped_actor_answers_a_call_with_its_exit() {
        let actor = counter(MailboxConfig::bounded(4)).await;
        let target = Target::Fixed(actor.clone());
        actor.cell().kill();
        actor.wait().await;
        let call = target.call(TIMEOUT, |r| CounterCall::Total(1, r)).await;
        assert!(matches!(call, Err(CallError::Exited(_))), "{call:?}");
        assert!(matches!(target.cast(1).await, Err(CastError::Exited(_))));
    }
}

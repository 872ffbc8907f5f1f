//! The tracing a subscriber gets: a span per handled message (`arbor.actor`, with the kind,
//! the protocol, the actor's type and the caller chain) and events for restarts, crashes,
//! mailbox overflows and detected deadlocks (which tools also get, while they record them). One test in its own process: tracing caches each call site's interest
//! process-wide, so call sites first hit by a test without a subscriber would stay silent.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use arbor::prelude::*;
use arbor::supervisor::{ChildSpec, Strategy, SupervisorSpec};
use tokio::sync::Notify;

/// Handles casts; a `Hold` call waits on a gate (so its mailbox fills); `Crash` panics.
struct Worker {
    gate: Arc<Notify>,
}

enum WorkerCall {
    Hold(ReplyTo<()>),
    /// Calls the first actor of the path with the rest of it.
    Relay(Vec<ActorRef<Worker>>, ReplyTo<Result<(), CallError>>),
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
            WorkerCall::Relay(mut path, reply_to) => {
                let result = if path.is_empty() {
                    Ok(())
                } else {
                    let next = path.remove(0);
                    match next.call(|r| WorkerCall::Relay(path, r)).await {
                        Ok(inner) => inner,
                        Err(e) => Err(e),
                    }
                };
                let _ = reply_to.send(result);
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

/// Records span fields and event messages.
#[derive(Clone, Default)]
struct Recorder {
    spans: Arc<Mutex<Vec<String>>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Recorder {
    fn on_new_span(
        &self,
        attrs: &tracing::span::Attributes<'_>,
        _id: &tracing::span::Id,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Fields(format!("{} ", attrs.metadata().name()));
        attrs.record(&mut fields);
        self.spans.lock().unwrap().push(fields.0);
    }

    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        let mut fields = Fields(String::new());
        event.record(&mut fields);
        self.events.lock().unwrap().push(fields.0);
    }
}

#[test]
fn a_subscriber_sees_message_spans_restarts_and_overflows() {
    use tracing_subscriber::layer::SubscriberExt;
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::filter::LevelFilter::DEBUG)
        .with(recorder.clone());
    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let gate = Arc::new(Notify::new());
            let app = SupervisorSpec::new(Strategy::OneForOne)
                .child(ChildSpec::actor::<Worker>("worker", gate.clone()))
                .child(ChildSpec::actor::<Worker>("peer", gate.clone()))
                .start()
                .await
                .unwrap();
            let worker = app.child::<ActorRef<Worker>>("worker").unwrap();
            worker.cast(WorkerCast::Note).await.unwrap();
            let held = tokio::spawn({
                let worker = worker.clone();
                async move { worker.call(WorkerCall::Hold).await }
            });
            while worker.cell().stats().handled < 2 {
                tokio::task::yield_now().await;
            }
            worker.try_cast(WorkerCast::Note).unwrap();
            worker.try_cast(WorkerCast::Note).unwrap();
            assert!(worker.try_cast(WorkerCast::Note).is_err());
            gate.notify_one();
            held.await.unwrap().unwrap();
            worker.cast(WorkerCast::Crash).await.unwrap();
            app.child_ref::<ActorRef<Worker>>("worker")
                .wait_restart(&worker)
                .await
                .unwrap();
            let worker = app.child::<ActorRef<Worker>>("worker").unwrap();
            let peer = app.child::<ActorRef<Worker>>("peer").unwrap();
            // worker -> peer -> worker: refused; kept only while a tool records deadlocks.
            let cycle: Vec<arbor::Hop> =
                vec![worker.id().into(), peer.id().into(), worker.id().into()];
            let relay = |path: Vec<ActorRef<Worker>>| {
                let worker = worker.clone();
                async move { worker.call(|r| WorkerCall::Relay(path, r)).await }
            };
            let refused = relay(vec![peer.clone(), worker.clone()]).await;
            assert_eq!(
                refused,
                Ok(Err(CallError::Deadlock {
                    chain: cycle.clone()
                }))
            );
            assert!(arbor::introspect::deadlocks_after(0).is_empty());
            let recording = arbor::introspect::record_deadlocks();
            let again = relay(vec![peer.clone(), worker.clone()]).await;
            assert!(matches!(again, Ok(Err(CallError::Deadlock { .. }))));
            let kept = arbor::introspect::deadlocks_after(0);
            assert_eq!(kept.len(), 1, "{kept:?}");
            assert_eq!(kept[0].chain, cycle);
            assert!(arbor::introspect::deadlocks_after(kept[0].seq).is_empty());
            drop(recording);
            relay(vec![peer.clone(), worker.clone()])
                .await
                .unwrap()
                .unwrap_err();
            assert_eq!(arbor::introspect::deadlocks_after(0).len(), 1);
            app.shutdown().await;
        });
    });
    let spans = recorder.spans.lock().unwrap();
    let cast = spans
        .iter()
        .find(|s| s.contains("kind=cast"))
        .expect("a span for a cast");
    assert!(cast.starts_with("arbor.actor "), "{cast}");
    assert!(
        cast.contains("protocol=tracing_events::WorkerCast"),
        "{cast}"
    );
    assert!(cast.contains("actor_type=tracing_events::Worker"), "{cast}");
    let call = spans
        .iter()
        .find(|s| s.contains("kind=call") && s.contains("WorkerCall"))
        .expect("a span for a call");
    assert!(call.contains("callers="), "{call}");
    let events = recorder.events.lock().unwrap();
    assert!(
        events.iter().any(|e| e.contains("child restarted")
            && e.contains("child=worker")
            && e.contains("restarts=1")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("mailbox full: refused a message")),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.contains("actor crashed")),
        "{events:?}"
    );
    let deadlocks = events
        .iter()
        .filter(|e| e.contains("deadlock detected"))
        .collect::<Vec<_>>();
    assert_eq!(
        deadlocks.len(),
        3,
        "one warning per refusal, recorded or not: {events:?}"
    );
    assert!(
        deadlocks[0].contains("cycle=#") && deadlocks[0].matches(" -> #").count() == 2,
        "{deadlocks:?}"
    );
}

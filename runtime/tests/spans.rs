//! Every callback runs inside an `arbor.actor` tracing span when a subscriber listens, and
//! inside none when nobody does (the span is then not even kept in the actor's task).

use arbor::prelude::*;

/// Reports the name of the span its callbacks run in.
struct Spy {
    seen: Vec<Option<&'static str>>,
}

enum SpyCall {
    Seen(ReplyTo<Vec<Option<&'static str>>>),
}

fn current_span() -> Option<&'static str> {
    tracing::Span::current().metadata().map(|m| m.name())
}

impl Actor for Spy {
    type Args = ();
    type Call = SpyCall;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Continue(
            Spy {
                seen: vec![current_span()],
            },
            (),
        )
    }

    async fn handle_continue(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        self.seen.push(current_span());
        Handled::Continue
    }

    async fn handle_cast(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        tokio::task::yield_now().await;
        self.seen.push(current_span());
        Handled::Continue
    }

    async fn handle_info(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        self.seen.push(current_span());
        Handled::Continue
    }

    async fn handle_call(&mut self, msg: SpyCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        let SpyCall::Seen(reply_to) = msg;
        self.seen.push(current_span());
        let _ = reply_to.send(self.seen.clone());
        Handled::Continue
    }
}

fn spans_seen() -> Vec<Option<&'static str>> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let spy = Spy::spawn(()).await.unwrap().running().unwrap();
        spy.cast(()).await.unwrap();
        spy.send(()).await.unwrap();
        spy.call(SpyCall::Seen).await.unwrap()
    })
}

#[test]
fn callbacks_run_in_an_actor_span_when_traced() {
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(std::io::sink)
        .finish();
    let seen = tracing::subscriber::with_default(subscriber, spans_seen);
    assert_eq!(seen, vec![Some("arbor.actor"); 5]);
}

#[test]
fn callbacks_run_in_no_span_when_not_traced() {
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::sink)
        .finish();
    let seen = tracing::subscriber::with_default(subscriber, spans_seen);
    assert_eq!(seen, vec![None; 5]);
}

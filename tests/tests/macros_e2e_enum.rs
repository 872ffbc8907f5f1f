//! The enum form of `#[protocol]` end to end: one protocol spelled as an enum (variants are
//! messages, named fields their arguments, `reply = "…"` a call's reply), served by two
//! actors with different behaviour, called and cast through the generated typed clients, and
//! an `#[info]` variant delivered by a timer.

use std::time::Duration;

#[arbor_macros::system]
mod tallies {
    use std::time::Duration;

    use arbor_macros::{Actor, Supervisor};

    /// A counter with labels, as messages.
    #[protocol]
    pub enum Counter {
        /// Adds to the total; replies with the new total.
        #[call(timeout = "1s", reply = "u64")]
        Add { n: u64 },
        /// The labels recorded so far.
        #[call(reply = "Vec<String>")]
        Labels,
        /// How many ticks arrived.
        #[call(reply = "u32")]
        Ticks,
        /// Records a label.
        #[cast]
        Record { label: String, times: u8 },
        /// Sets the total back to zero.
        #[cast]
        Reset,
        /// Asks for a tick after `after_ms`.
        #[cast]
        Schedule { after_ms: u64 },
        /// A timer's tick.
        #[info]
        Tick,
    }

    /// Counts as told.
    #[derive(Default, Actor)]
    pub struct TallyState {
        total: u64,
        labels: Vec<String>,
        ticks: u32,
    }

    #[handlers(protocol = Counter)]
    impl TallyState {
        async fn add(&mut self, n: u64, _ctx: &mut tally::Ctx) -> u64 {
            self.total += n;
            self.total
        }

        async fn labels(&mut self, _ctx: &mut tally::Ctx) -> Vec<String> {
            self.labels.clone()
        }

        async fn ticks(&mut self, _ctx: &mut tally::Ctx) -> u32 {
            self.ticks
        }

        async fn record(&mut self, label: String, times: u8, _ctx: &mut tally::Ctx) {
            for _ in 0..times {
                self.labels.push(label.clone());
            }
        }

        async fn reset(&mut self, _ctx: &mut tally::Ctx) {
            self.total = 0;
        }

        async fn schedule(&mut self, after_ms: u64, ctx: &mut tally::Ctx) {
            ctx.send_after(Duration::from_millis(after_ms), counter::Info::Tick);
        }

        async fn tick(&mut self, _ctx: &mut tally::Ctx) {
            self.ticks += 1;
        }
    }

    /// Counts everything twice and shouts its labels: the same protocol, another behaviour.
    #[derive(Default, Actor)]
    pub struct DoublerState {
        total: u64,
        labels: Vec<String>,
        ticks: u32,
    }

    #[handlers(protocol = Counter)]
    impl DoublerState {
        #[call]
        async fn add(&mut self, n: u64, _ctx: &mut doubler::Ctx) -> u64 {
            self.total += 2 * n;
            self.total
        }

        #[call]
        async fn labels(&mut self, _ctx: &mut doubler::Ctx) -> Vec<String> {
            self.labels.iter().map(|l| l.to_uppercase()).collect()
        }

        #[call]
        async fn ticks(&mut self, _ctx: &mut doubler::Ctx) -> u32 {
            self.ticks
        }

        #[cast]
        async fn record(&mut self, label: String, _times: u8, _ctx: &mut doubler::Ctx) {
            self.labels.push(label);
        }

        #[cast]
        async fn reset(&mut self, _ctx: &mut doubler::Ctx) {
            self.total = 0;
        }

        #[cast]
        async fn schedule(&mut self, after_ms: u64, ctx: &mut doubler::Ctx) {
            // Two ticks: it doubles everything.
            for _ in 0..2 {
                ctx.send_after(Duration::from_millis(after_ms), counter::Info::Tick);
            }
        }

        #[info]
        async fn tick(&mut self, _ctx: &mut doubler::Ctx) {
            self.ticks += 1;
        }
    }

    /// Both servers of `Counter`.
    #[derive(Supervisor)]
    pub struct Tallies {
        tally: Tally,
        doubler: Doubler,
    }
}

async fn eventually_ticks(
    ticks: impl AsyncFn() -> Result<u32, arbor::CallError>,
    expected: u32,
) -> u32 {
    for _ in 0..500 {
        if ticks().await == Ok(expected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    ticks().await.unwrap()
}

#[tokio::test]
async fn a_protocol_enum_served_by_two_actors_answers_through_its_clients() {
    let app = tallies::tallies::start(tallies::tallies::Config {
        tally: (),
        doubler: (),
    })
    .await
    .unwrap();
    let (tally, doubler) = (app.tally(), app.doubler());

    // Calls: the variant `Add { n }` is the client method `add(n)`, its reply the `reply` type.
    assert_eq!(tally.add(2).await, Ok(2));
    assert_eq!(tally.add(3).await, Ok(5));
    assert_eq!(doubler.add(2).await, Ok(4));
    assert_eq!(doubler.add(3).await, Ok(10));

    // Casts, in order with the calls that follow them (one mailbox per actor).
    tally.record("a".into(), 2).await.unwrap();
    doubler.record("a".into(), 2).await.unwrap();
    tally.reset().await.unwrap();
    doubler.record("b".into(), 1).await.unwrap();
    assert_eq!(
        tally.labels().await,
        Ok(vec!["a".to_owned(), "a".to_owned()])
    );
    assert_eq!(
        doubler.labels().await,
        Ok(vec!["A".to_owned(), "B".to_owned()])
    );
    assert_eq!(tally.add(1).await, Ok(1), "the reset reached the tally");
    assert_eq!(doubler.add(0).await, Ok(10), "the doubler was not reset");

    // The info variant, sent by each actor to itself through a timer.
    tally.schedule(1).await.unwrap();
    doubler.schedule(1).await.unwrap();
    assert_eq!(eventually_ticks(|| tally.ticks(), 1).await, 1);
    assert_eq!(eventually_ticks(|| doubler.ticks(), 2).await, 2);

    // A client of the protocol for an actor that is gone fails with an error, not a panic.
    app.shutdown().await;
    assert!(matches!(
        tally.add(1).await,
        Err(arbor::CallError::Exited(_))
    ));
    assert!(doubler.reset().await.is_err());
}

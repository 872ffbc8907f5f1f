//! `specs/pipeline.kdl` written with the macros, run end to end: records flow through four
//! stages that cast downstream into blocking mailboxes; `rest_for_one` restarts a crashed stage
//! and the stages started after it. `arbor-macros`' unit tests check that this module gives the
//! same model as the KDL file.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How many records a consumer takes per batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Demand(pub usize);

/// Who subscribes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProducerId(pub &'static str);

/// A line of input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawRecord(pub String);

/// A parsed line: its words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRecord {
    words: Vec<String>,
}

/// A parsed line with its word count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrichedRecord {
    words: Vec<String>,
    count: usize,
}

/// What the stages share with the test: input, output, and how many times each started.
#[derive(Clone, Debug, Default)]
pub struct Plumbing {
    input: Arc<Mutex<VecDeque<String>>>,
    output: Arc<Mutex<Vec<EnrichedRecord>>>,
    starts: Arc<Mutex<HashMap<&'static str, u32>>>,
}

impl Plumbing {
    fn feed<'a>(&self, lines: impl IntoIterator<Item = &'a str>) {
        self.input
            .lock()
            .unwrap()
            .extend(lines.into_iter().map(str::to_owned));
    }

    fn output(&self) -> Vec<EnrichedRecord> {
        self.output.lock().unwrap().clone()
    }

    fn started(&self, stage: &'static str) {
        *self.starts.lock().unwrap().entry(stage).or_default() += 1;
    }

    fn starts(&self) -> [u32; 4] {
        let s = self.starts.lock().unwrap();
        ["sink", "enricher", "parser", "source"].map(|n| s.get(n).copied().unwrap_or(0))
    }
}

fn crash_if_told(stage: &str, words: &[String]) {
    if words.first().is_some_and(|w| w == "!crash") && words.get(1).is_some_and(|s| s == stage) {
        panic!("{stage} was told to crash");
    }
}

fn subscribe_error(to: &str, e: impl std::fmt::Display) -> arbor::ExitReason {
    arbor::ExitReason::error(format!("cannot subscribe to the {to}: {e}"))
}

const POLL: Duration = Duration::from_millis(5);

/// The pipeline of `specs/pipeline.kdl`.
#[arbor_macros::system]
pub mod sys {
    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    use super::*;

    /// The sink: buffers, flushes (also in `terminate`).
    #[derive(Actor)]
    #[actor(name = "Sink")]
    pub struct SinkBuffer {
        plumbing: Plumbing,
        buffer: Vec<EnrichedRecord>,
    }

    #[handlers(protocol = "SinkInput")]
    impl SinkBuffer {
        #[init]
        async fn start(plumbing: Plumbing, _ctx: &mut sink::Ctx) -> Result<Self, ExitReason> {
            plumbing.started("sink");
            Ok(SinkBuffer {
                plumbing,
                buffer: Vec::new(),
            })
        }

        #[call(timeout = "1s")]
        async fn subscribe(&mut self, _producer: ProducerId, _ctx: &mut sink::Ctx) -> Demand {
            Demand(8)
        }

        #[cast]
        async fn records(&mut self, batch: Vec<EnrichedRecord>, _ctx: &mut sink::Ctx) {
            for r in &batch {
                crash_if_told("sink", &r.words);
            }
            self.buffer.extend(batch);
            self.flush();
        }

        #[terminate]
        async fn stop(&mut self, _reason: &ExitReason, _ctx: &mut sink::Ctx) {
            self.flush();
        }

        fn flush(&mut self) {
            self.plumbing
                .output
                .lock()
                .unwrap()
                .append(&mut self.buffer);
        }
    }

    /// Counts the words; subscribes to the sink while starting.
    #[derive(Actor)]
    #[actor(name = "Enricher", calls_during_init(Sink), casts(Sink))]
    pub struct EnrichState {
        demand: Demand,
    }

    #[handlers(protocol = "EnricherInput")]
    impl EnrichState {
        #[init]
        async fn start(plumbing: Plumbing, ctx: &mut enricher::Ctx) -> Result<Self, ExitReason> {
            plumbing.started("enricher");
            let demand = ctx
                .sink()
                .subscribe(ProducerId("enricher"))
                .await
                .map_err(|e| subscribe_error("sink", e))?;
            Ok(EnrichState { demand })
        }

        #[call(timeout = "1s")]
        async fn subscribe(&mut self, _producer: ProducerId, _ctx: &mut enricher::Ctx) -> Demand {
            self.demand
        }

        #[cast]
        async fn records(&mut self, batch: Vec<ParsedRecord>, ctx: &mut enricher::Ctx) {
            for r in &batch {
                crash_if_told("enricher", &r.words);
            }
            let enriched = batch
                .into_iter()
                .map(|r| EnrichedRecord {
                    count: r.words.len(),
                    words: r.words,
                })
                .collect();
            let _ = ctx.sink().records(enriched).await;
        }
    }

    /// Splits lines into words; subscribes to the enricher while starting.
    #[derive(Actor)]
    #[actor(name = "Parser", calls_during_init(Enricher), casts(Enricher))]
    pub struct ParserState {
        demand: Demand,
    }

    #[handlers(protocol = "ParserInput")]
    impl ParserState {
        #[init]
        async fn start(plumbing: Plumbing, ctx: &mut parser::Ctx) -> Result<Self, ExitReason> {
            plumbing.started("parser");
            let demand = ctx
                .enricher()
                .subscribe(ProducerId("parser"))
                .await
                .map_err(|e| subscribe_error("enricher", e))?;
            Ok(ParserState { demand })
        }

        #[call(timeout = "1s")]
        async fn subscribe(&mut self, _producer: ProducerId, _ctx: &mut parser::Ctx) -> Demand {
            self.demand
        }

        #[cast]
        async fn records(&mut self, batch: Vec<RawRecord>, ctx: &mut parser::Ctx) {
            let parsed: Vec<ParsedRecord> = batch
                .into_iter()
                .map(|r| ParsedRecord {
                    words: r.0.split_whitespace().map(str::to_owned).collect(),
                })
                .collect();
            for r in &parsed {
                crash_if_told("parser", &r.words);
            }
            let _ = ctx.enricher().records(parsed).await;
        }
    }

    /// Polls the input and casts batches to the parser (blocking when its mailbox is full).
    #[derive(Actor)]
    #[actor(name = "Source", calls_during_init(Parser), casts(Parser))]
    pub struct Cursor {
        plumbing: Plumbing,
        demand: Demand,
        paused: bool,
    }

    #[handlers(protocol = "SourceControl")]
    impl Cursor {
        #[init]
        async fn start(plumbing: Plumbing, ctx: &mut source::Ctx) -> Result<Self, ExitReason> {
            plumbing.started("source");
            let demand = ctx
                .parser()
                .subscribe(ProducerId("source"))
                .await
                .map_err(|e| subscribe_error("parser", e))?;
            ctx.send_after(POLL, source_control::Info::Poll);
            Ok(Cursor {
                plumbing,
                demand,
                paused: false,
            })
        }

        #[call(timeout = "1s")]
        async fn pause(&mut self, _ctx: &mut source::Ctx) -> () {
            self.paused = true;
        }

        #[call(timeout = "1s")]
        async fn resume(&mut self, _ctx: &mut source::Ctx) {
            self.paused = false;
        }

        #[info]
        async fn poll(&mut self, ctx: &mut source::Ctx) {
            if !self.paused {
                let batch: Vec<RawRecord> = {
                    let mut input = self.plumbing.input.lock().unwrap();
                    let n = self.demand.0.min(input.len());
                    input.drain(..n).map(RawRecord).collect()
                };
                if !batch.is_empty() {
                    let _ = ctx.parser().records(batch).await;
                }
            }
            ctx.send_after(POLL, source_control::Info::Poll);
        }
    }

    /// Consumers first; a crashed stage restarts with the stages started after it.
    #[derive(Supervisor)]
    #[supervisor(
        strategy = "rest_for_one",
        max_restarts = 5,
        max_seconds = 10,
        app = "Ingest"
    )]
    pub struct Pipeline {
        #[child(shutdown = "30s")]
        sink: Sink,
        enricher: Enricher,
        parser: Parser,
        source: Source,
    }
}

async fn until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..1000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn the_macro_pipeline_flows_and_restarts_rest_for_one() {
    let p = Plumbing::default();
    let app = sys::pipeline::start(sys::pipeline::Config {
        sink: p.clone(),
        enricher: p.clone(),
        parser: p.clone(),
        source: p.clone(),
    })
    .await
    .unwrap();
    assert_eq!(p.starts(), [1, 1, 1, 1]);

    p.feed(["a b", "c d e"]);
    until("two records", || p.output().len() == 2).await;
    assert_eq!(
        p.output().iter().map(|r| r.count).collect::<Vec<_>>(),
        [2, 3]
    );

    // Paused, the source reads nothing; resumed, it goes on.
    app.source().pause().await.unwrap();
    p.feed(["x"]);
    tokio::time::sleep(POLL * 4).await;
    assert_eq!(p.output().len(), 2, "a paused source reads nothing");
    app.source().resume().await.unwrap();
    until("the record read after resume", || p.output().len() == 3).await;

    // The parser crashes: it and the source restart; sink and enricher keep running.
    p.feed(["!crash parser"]);
    until("the restarts", || p.starts() == [1, 1, 2, 2]).await;
    p.feed(["!crash enricher"]);
    until("the restarts", || p.starts() == [1, 2, 3, 3]).await;

    p.feed(["f"]);
    until("the fourth record", || p.output().len() == 4).await;
    let words: Vec<Vec<String>> = p.output().into_iter().map(|r| r.words).collect();
    assert_eq!(words[3], ["f"]);
    app.shutdown().await;
    assert_eq!(p.starts(), [1, 2, 3, 3]);
}

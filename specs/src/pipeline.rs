//! The ingestion pipeline (`specs/pipeline.kdl`): source → parser → enricher → sink, each
//! stage casting batches downstream into a mailbox that blocks when full (back-pressure).
//!
//! ```text
//! Pipeline (rest_for_one)
//! ├─ sink      Sink      (buffers; flushes in `terminate`)
//! ├─ enricher  Enricher  (subscribes to the sink while starting)
//! ├─ parser    Parser    (subscribes to the enricher while starting)
//! └─ source    Source    (subscribes to the parser while starting; polls its input)
//! ```
//!
//! Consumers start first; `rest_for_one` restarts a crashed stage *and every stage started
//! after it* (its producers), which subscribe again; the stages before it keep running.
//! A line `!crash parser` (or `enricher`, `sink`) in the input makes that stage panic.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::ExitReason;

arbor::include_spec!("pipeline");

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
    /// The words of the line.
    pub words: Vec<String>,
}

/// A parsed line with what the enricher adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrichedRecord {
    /// The words of the line.
    pub words: Vec<String>,
    /// How many there are.
    pub count: usize,
}

/// What the pipeline shares with the outside: its input, its output, and how many times each
/// stage started.
#[derive(Clone, Debug, Default)]
pub struct Plumbing {
    input: Arc<Mutex<VecDeque<String>>>,
    output: Arc<Mutex<Vec<EnrichedRecord>>>,
    starts: Arc<Mutex<HashMap<&'static str, u32>>>,
}

impl Plumbing {
    /// Appends lines to the input.
    pub fn feed<'a>(&self, lines: impl IntoIterator<Item = &'a str>) {
        if let Ok(mut input) = self.input.lock() {
            input.extend(lines.into_iter().map(str::to_owned));
        }
    }

    /// Records the sink has flushed.
    pub fn output(&self) -> Vec<EnrichedRecord> {
        self.output.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// How many times `stage` started.
    pub fn starts(&self, stage: &str) -> u32 {
        self.starts
            .lock()
            .map(|s| s.get(stage).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn started(&self, stage: &'static str) {
        if let Ok(mut s) = self.starts.lock() {
            *s.entry(stage).or_default() += 1;
        }
    }
}

fn crash_if_told(stage: &str, words: &[String]) {
    if words.first().is_some_and(|w| w == "!crash") && words.get(1).is_some_and(|s| s == stage) {
        panic!("{stage} was told to crash");
    }
}

/// The sink's state: records waiting to be flushed.
pub struct SinkBuffer {
    plumbing: Plumbing,
    buffer: Vec<EnrichedRecord>,
}

impl SinkBuffer {
    fn flush(&mut self) {
        if let Ok(mut out) = self.plumbing.output.lock() {
            out.append(&mut self.buffer);
        }
    }
}

impl sink::State for SinkBuffer {
    type Args = Plumbing;

    async fn init(plumbing: Plumbing, _ctx: &mut sink::Ctx) -> Result<Self, ExitReason> {
        plumbing.started("sink");
        Ok(SinkBuffer {
            plumbing,
            buffer: Vec::new(),
        })
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut sink::Ctx) {
        self.flush();
    }
}

impl sink_input::Handler<sink::Ctx> for SinkBuffer {
    async fn subscribe(&mut self, _producer: ProducerId, _ctx: &mut sink::Ctx) -> Demand {
        Demand(8)
    }

    async fn records(&mut self, batch: Vec<EnrichedRecord>, _ctx: &mut sink::Ctx) {
        for r in &batch {
            crash_if_told("sink", &r.words);
        }
        self.buffer.extend(batch);
        self.flush();
    }
}

/// The enricher's state.
pub struct EnrichState {
    demand: Demand,
}

impl enricher::State for EnrichState {
    type Args = Plumbing;

    async fn init(plumbing: Plumbing, ctx: &mut enricher::Ctx) -> Result<Self, ExitReason> {
        plumbing.started("enricher");
        // `calls Sink during=init`: the sink started before us.
        let demand = ctx
            .sink()
            .subscribe(ProducerId("enricher"))
            .await
            .map_err(|e| ExitReason::error(format!("cannot subscribe to the sink: {e}")))?;
        Ok(EnrichState { demand })
    }
}

impl enricher_input::Handler<enricher::Ctx> for EnrichState {
    async fn subscribe(&mut self, _producer: ProducerId, _ctx: &mut enricher::Ctx) -> Demand {
        self.demand
    }

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

/// The parser's state.
pub struct ParserState {
    demand: Demand,
}

impl parser::State for ParserState {
    type Args = Plumbing;

    async fn init(plumbing: Plumbing, ctx: &mut parser::Ctx) -> Result<Self, ExitReason> {
        plumbing.started("parser");
        let demand = ctx
            .enricher()
            .subscribe(ProducerId("parser"))
            .await
            .map_err(|e| ExitReason::error(format!("cannot subscribe to the enricher: {e}")))?;
        Ok(ParserState { demand })
    }
}

impl parser_input::Handler<parser::Ctx> for ParserState {
    async fn subscribe(&mut self, _producer: ProducerId, _ctx: &mut parser::Ctx) -> Demand {
        self.demand
    }

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

/// The source's state: where it reads, and whether it is paused.
pub struct Cursor {
    plumbing: Plumbing,
    demand: Demand,
    paused: bool,
}

const POLL: Duration = Duration::from_millis(5);

impl source::State for Cursor {
    type Args = Plumbing;

    async fn init(plumbing: Plumbing, ctx: &mut source::Ctx) -> Result<Self, ExitReason> {
        plumbing.started("source");
        let demand = ctx
            .parser()
            .subscribe(ProducerId("source"))
            .await
            .map_err(|e| ExitReason::error(format!("cannot subscribe to the parser: {e}")))?;
        ctx.send_after(POLL, source_control::Info::Poll);
        Ok(Cursor {
            plumbing,
            demand,
            paused: false,
        })
    }
}

impl source_control::Handler<source::Ctx> for Cursor {
    async fn pause(&mut self, _ctx: &mut source::Ctx) {
        self.paused = true;
    }

    async fn resume(&mut self, _ctx: &mut source::Ctx) {
        self.paused = false;
    }

    async fn poll(&mut self, ctx: &mut source::Ctx) {
        if !self.paused {
            let batch: Vec<RawRecord> = match self.plumbing.input.lock() {
                Ok(mut input) => {
                    let n = self.demand.0.min(input.len());
                    input.drain(..n).map(RawRecord).collect()
                }
                Err(_) => Vec::new(),
            };
            if !batch.is_empty() {
                // Blocks while the parser's mailbox is full: back-pressure.
                let _ = ctx.parser().records(batch).await;
            }
        }
        ctx.send_after(POLL, source_control::Info::Poll);
    }
}

/// The configuration of the pipeline: every stage shares the plumbing.
pub fn config(plumbing: &Plumbing) -> ingest::Config {
    ingest::Config {
        sink: plumbing.clone(),
        enricher: plumbing.clone(),
        parser: plumbing.clone(),
        source: plumbing.clone(),
    }
}

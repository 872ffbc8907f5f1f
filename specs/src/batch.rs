//! The nightly batch (`specs/batch.kdl`): jobs are supervisors that shut themselves down when
//! their work is done (significant children and auto-shutdown).
//!
//! ```text
//! BatchSup (one_for_one)
//! ├─ scheduler  Scheduler          (records finished jobs)
//! ├─ ImportJob  (one_for_all, auto-shutdown=any-significant, transient)
//! │  ├─ writer  Writer             (buffers rows; commits at the end and in `terminate`)
//! │  └─ reader  Reader             (significant: when it has read everything, the job ends)
//! └─ ExportJob  (auto-shutdown=all-significant, temporary)
//!    ├─ csv     CsvExporter        (significant)
//!    └─ parquet ParquetExporter    (significant: the job ends when both are done)
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::ExitReason;

arbor::include_spec!("batch");

/// A job's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobId(pub &'static str);

/// What the scheduler knows of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// It reported that it finished.
    Finished(JobId),
}

/// One imported row.
pub type Row = String;

/// The scheduler's state.
#[derive(Default)]
pub struct SchedulerState {
    finished: Vec<JobId>,
}

impl scheduler::State for SchedulerState {
    type Args = ();

    async fn init(_: (), _ctx: &mut scheduler::Ctx) -> Result<Self, ExitReason> {
        Ok(SchedulerState::default())
    }
}

impl scheduling::Handler<scheduler::Ctx> for SchedulerState {
    async fn status(&mut self, _ctx: &mut scheduler::Ctx) -> Vec<JobStatus> {
        self.finished
            .iter()
            .copied()
            .map(JobStatus::Finished)
            .collect()
    }

    async fn finished(&mut self, job: JobId, _ctx: &mut scheduler::Ctx) {
        self.finished.push(job);
    }
}

/// Where committed rows go (a table in a real system).
#[derive(Clone, Debug, Default)]
pub struct Table(Arc<Mutex<Vec<Row>>>);

impl Table {
    /// The committed rows.
    pub fn rows(&self) -> Vec<Row> {
        self.0.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

/// The writer's state: the open batch.
pub struct WriteBuffer {
    table: Table,
    open: Vec<Row>,
}

impl WriteBuffer {
    fn commit(&mut self) {
        if let Ok(mut rows) = self.table.0.lock() {
            rows.append(&mut self.open);
        }
    }
}

impl writer::State for WriteBuffer {
    type Args = Table;

    async fn init(table: Table, _ctx: &mut writer::Ctx) -> Result<Self, ExitReason> {
        Ok(WriteBuffer {
            table,
            open: Vec::new(),
        })
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut writer::Ctx) {
        // Commits the open batch when the job shuts down.
        self.commit();
    }
}

impl rows::Handler<writer::Ctx> for WriteBuffer {
    async fn rows(&mut self, batch: Vec<Row>, _ctx: &mut writer::Ctx) {
        self.open.extend(batch);
    }

    async fn end_of_input(&mut self, _ctx: &mut writer::Ctx) {
        self.commit();
    }
}

/// What the reader reads.
#[derive(Clone, Debug)]
pub struct ImportArgs {
    /// The rows of the input.
    pub rows: Vec<Row>,
    /// Rows per chunk.
    pub chunk: usize,
}

/// The reader's state: what is left to read.
pub struct InputCursor {
    left: Vec<Row>,
    chunk: usize,
}

const TICK: Duration = Duration::from_millis(2);

impl reader::State for InputCursor {
    type Args = ImportArgs;

    async fn init(args: ImportArgs, ctx: &mut reader::Ctx) -> Result<Self, ExitReason> {
        ctx.send_after(TICK, reading::Info::NextChunk);
        Ok(InputCursor {
            left: args.rows,
            chunk: args.chunk.max(1),
        })
    }
}

impl reading::Handler<reader::Ctx> for InputCursor {
    async fn next_chunk(&mut self, ctx: &mut reader::Ctx) {
        if self.left.is_empty() {
            let _ = ctx.writer().end_of_input().await;
            let _ = ctx.scheduler().finished(JobId("import")).await;
            // A significant child that ends normally: the import job shuts itself down.
            ctx.stop(ExitReason::Normal);
            return;
        }
        let n = self.chunk.min(self.left.len());
        let chunk: Vec<Row> = self.left.drain(..n).collect();
        let _ = ctx.writer().rows(chunk).await;
        ctx.send_after(TICK, reading::Info::NextChunk);
    }
}

/// What an exporter exports.
#[derive(Clone, Debug)]
pub struct ExportArgs {
    /// The job's name, reported to the scheduler.
    pub job: &'static str,
    /// How many chunks it writes.
    pub chunks: usize,
}

/// An exporter's state (both exporters share it; each has its own context type).
pub struct ExportCursor {
    job: &'static str,
    left: usize,
}

/// The handlers of both exporters: one implementation per context type, with the same body.
macro_rules! exporter {
    ($actor:ident) => {
        impl $actor::State for ExportCursor {
            type Args = ExportArgs;

            async fn init(args: ExportArgs, ctx: &mut $actor::Ctx) -> Result<Self, ExitReason> {
                ctx.send_after(TICK, exporting::Info::NextChunk);
                Ok(ExportCursor {
                    job: args.job,
                    left: args.chunks,
                })
            }
        }

        impl exporting::Handler<$actor::Ctx> for ExportCursor {
            async fn cancel(&mut self, ctx: &mut $actor::Ctx) {
                ctx.stop(ExitReason::Normal);
            }

            async fn next_chunk(&mut self, ctx: &mut $actor::Ctx) {
                if self.left == 0 {
                    let _ = ctx.scheduler().finished(JobId(self.job)).await;
                    ctx.stop(ExitReason::Normal);
                    return;
                }
                self.left -= 1;
                ctx.send_after(TICK, exporting::Info::NextChunk);
            }
        }
    };
}

exporter!(csv_exporter);
exporter!(parquet_exporter);

/// The configuration of a nightly run: `rows` imported into `table`, two exports.
pub fn config(rows: Vec<Row>, table: &Table) -> nightly_batch::Config {
    batch_sup::Config {
        scheduler: (),
        import_job: import_job::Config {
            writer: table.clone(),
            reader: ImportArgs { rows, chunk: 3 },
        },
        export_job: export_job::Config {
            csv: ExportArgs {
                job: "csv",
                chunks: 3,
            },
            parquet: ExportArgs {
                job: "parquet",
                chunks: 6,
            },
        },
    }
}

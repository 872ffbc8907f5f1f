//! `specs/batch.kdl` written with the macros, run end to end: jobs are nested supervisors that
//! shut themselves down when their significant children finish; the two exporters serve one
//! `#[protocol]` trait. `arbor-macros`' unit tests check that this module gives the same model
//! as the KDL file (but for the exporters' state types: one struct per macro actor).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::introspect::NodeStatus;

/// A job, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobId(pub &'static str);

/// What the scheduler knows of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobStatus {
    /// It finished.
    Finished(JobId),
}

/// One row.
pub type Row = String;

/// The table the import writes to.
#[derive(Clone, Debug, Default)]
pub struct Table(Arc<Mutex<Vec<Row>>>);

/// How the import starts.
#[derive(Clone, Debug)]
pub struct ImportArgs {
    rows: Vec<Row>,
    chunk: usize,
}

/// How an export starts.
#[derive(Clone, Debug)]
pub struct ExportArgs {
    job: &'static str,
    chunks: usize,
}

const TICK: Duration = Duration::from_millis(2);

/// The nightly batch of `specs/batch.kdl`.
#[arbor_macros::system]
pub mod sys {
    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    use super::*;

    /// Both exporters serve it.
    #[protocol]
    pub trait Exporting {
        #[cast]
        fn cancel(&self);
        #[info]
        fn next_chunk(&self);
    }

    /// Records finished jobs.
    #[derive(Default, Actor)]
    #[actor(name = "Scheduler")]
    pub struct SchedulerState {
        finished: Vec<JobId>,
    }

    #[handlers(protocol = "Scheduling")]
    impl SchedulerState {
        #[call(timeout = "1s")]
        async fn status(&mut self, _ctx: &mut scheduler::Ctx) -> Vec<JobStatus> {
            self.finished
                .iter()
                .copied()
                .map(JobStatus::Finished)
                .collect()
        }

        #[cast]
        async fn finished(&mut self, job: JobId, _ctx: &mut scheduler::Ctx) {
            self.finished.push(job);
        }
    }

    /// Reads the input in chunks; ends (normally) when everything is read.
    #[derive(Actor)]
    #[actor(name = "Reader", casts(Writer, Scheduler))]
    pub struct InputCursor {
        left: Vec<Row>,
        chunk: usize,
    }

    #[handlers(protocol = "Reading")]
    impl InputCursor {
        #[init]
        async fn start(args: ImportArgs, ctx: &mut reader::Ctx) -> Result<Self, ExitReason> {
            ctx.send_after(TICK, reading::Info::NextChunk);
            Ok(InputCursor {
                left: args.rows,
                chunk: args.chunk.max(1),
            })
        }

        #[info]
        async fn next_chunk(&mut self, ctx: &mut reader::Ctx) {
            if self.left.is_empty() {
                let _ = ctx.writer().end_of_input().await;
                let _ = ctx.scheduler().finished(JobId("import")).await;
                // A significant child ending normally: the import job shuts itself down.
                ctx.stop(ExitReason::Normal);
                return;
            }
            let n = self.chunk.min(self.left.len());
            let chunk: Vec<Row> = self.left.drain(..n).collect();
            let _ = ctx.writer().rows(chunk).await;
            ctx.send_after(TICK, reading::Info::NextChunk);
        }
    }

    /// Buffers rows; commits at the end of the input and in `terminate`.
    #[derive(Actor)]
    #[actor(name = "Writer")]
    pub struct WriteBuffer {
        table: Table,
        open: Vec<Row>,
    }

    #[handlers(protocol = "Rows")]
    impl WriteBuffer {
        #[init]
        async fn start(table: Table, _ctx: &mut writer::Ctx) -> Result<Self, ExitReason> {
            Ok(WriteBuffer {
                table,
                open: Vec::new(),
            })
        }

        #[cast]
        async fn rows(&mut self, batch: Vec<Row>, _ctx: &mut writer::Ctx) {
            self.open.extend(batch);
        }

        #[cast]
        async fn end_of_input(&mut self, _ctx: &mut writer::Ctx) {
            self.commit();
        }

        #[terminate]
        async fn stop(&mut self, _reason: &ExitReason, _ctx: &mut writer::Ctx) {
            self.commit();
        }

        fn commit(&mut self) {
            self.table.0.lock().unwrap().append(&mut self.open);
        }
    }

    /// Exports in chunks, then ends.
    #[derive(Actor)]
    #[actor(name = "CsvExporter", casts(Scheduler))]
    pub struct CsvCursor {
        job: &'static str,
        left: usize,
    }

    #[handlers(protocol = Exporting)]
    impl CsvCursor {
        #[init]
        async fn start(args: ExportArgs, ctx: &mut csv_exporter::Ctx) -> Result<Self, ExitReason> {
            ctx.send_after(TICK, exporting::Info::NextChunk);
            Ok(CsvCursor {
                job: args.job,
                left: args.chunks,
            })
        }

        async fn cancel(&mut self, ctx: &mut csv_exporter::Ctx) {
            ctx.stop(ExitReason::Normal);
        }

        async fn next_chunk(&mut self, ctx: &mut csv_exporter::Ctx) {
            if self.left == 0 {
                let _ = ctx.scheduler().finished(JobId(self.job)).await;
                ctx.stop(ExitReason::Normal);
                return;
            }
            self.left -= 1;
            ctx.send_after(TICK, exporting::Info::NextChunk);
        }
    }

    /// The same protocol, another actor.
    #[derive(Actor)]
    #[actor(name = "ParquetExporter", casts(Scheduler))]
    pub struct ParquetCursor {
        job: &'static str,
        left: usize,
    }

    #[handlers(protocol = Exporting)]
    impl ParquetCursor {
        #[init]
        async fn start(
            args: ExportArgs,
            ctx: &mut parquet_exporter::Ctx,
        ) -> Result<Self, ExitReason> {
            ctx.send_after(TICK, exporting::Info::NextChunk);
            Ok(ParquetCursor {
                job: args.job,
                left: args.chunks,
            })
        }

        async fn cancel(&mut self, ctx: &mut parquet_exporter::Ctx) {
            ctx.stop(ExitReason::Normal);
        }

        async fn next_chunk(&mut self, ctx: &mut parquet_exporter::Ctx) {
            if self.left == 0 {
                let _ = ctx.scheduler().finished(JobId(self.job)).await;
                ctx.stop(ExitReason::Normal);
                return;
            }
            self.left -= 1;
            ctx.send_after(TICK, exporting::Info::NextChunk);
        }
    }

    /// Ends when the reader has read everything; reader and writer restart together.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_all", auto_shutdown = "any_significant")]
    pub struct ImportJob {
        #[child(shutdown = "1m")]
        writer: Writer,
        #[child(restart = "transient", significant)]
        reader: Reader,
    }

    /// Ends when both exports are done.
    #[derive(Supervisor)]
    #[supervisor(auto_shutdown = "all_significant")]
    pub struct ExportJob {
        #[child(restart = "temporary", significant)]
        csv: CsvExporter,
        #[child(restart = "temporary", significant)]
        parquet: ParquetExporter,
    }

    /// The scheduler and the two jobs.
    #[derive(Supervisor)]
    #[supervisor(strategy = "one_for_one", app = "NightlyBatch")]
    pub struct BatchSup {
        scheduler: Scheduler,
        #[child(restart = "transient")]
        import_job: ImportJob,
        #[child(restart = "temporary")]
        export_job: ExportJob,
    }
}

#[tokio::test]
async fn macro_jobs_shut_down_when_their_significant_children_finish() {
    let table = Table::default();
    let rows: Vec<Row> = (0..7).map(|i| format!("r{i}")).collect();
    let app = sys::batch_sup::start(sys::batch_sup::Config {
        scheduler: (),
        import_job: sys::import_job::Config {
            writer: table.clone(),
            reader: ImportArgs { rows, chunk: 3 },
        },
        export_job: sys::export_job::Config {
            csv: ExportArgs {
                job: "csv",
                chunks: 3,
            },
            parquet: ExportArgs {
                job: "parquet",
                chunks: 6,
            },
        },
    })
    .await
    .unwrap();
    assert_eq!(app.supervisor().count_children().await.unwrap().active, 3);

    let mut active = 3;
    for _ in 0..500 {
        active = app.supervisor().count_children().await.unwrap().active;
        if active == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert_eq!(active, 1, "only the scheduler runs once both jobs are done");

    let mut status = app.scheduler().status().await.unwrap();
    status.sort_by_key(|JobStatus::Finished(JobId(j))| *j);
    assert_eq!(
        status,
        ["csv", "import", "parquet"].map(|j| JobStatus::Finished(JobId(j)))
    );
    assert_eq!(table.0.lock().unwrap().len(), 7, "every row committed");

    let tree = app.snapshot().await;
    assert_eq!(tree.find("ImportJob").unwrap().status, NodeStatus::Stopped);
    assert!(tree.find("ExportJob").is_none());
    app.shutdown().await;
}

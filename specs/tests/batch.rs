//! The nightly batch end to end: jobs shut themselves down when their significant children
//! finish (any of them, all of them); the writer commits in `terminate`.

use std::time::Duration;

use arbor::introspect::NodeStatus;
use arbor_specs::batch::{self, JobId, JobStatus, Table};

#[tokio::test]
async fn jobs_shut_down_when_their_significant_children_finish() {
    let table = Table::default();
    let rows: Vec<String> = (0..7).map(|i| format!("r{i}")).collect();
    let app = batch::nightly_batch::start(batch::config(rows, &table))
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
    assert_eq!(table.rows().len(), 7, "every row committed");

    let tree = app.snapshot().await;
    // The import job (transient) ended normally: kept, not restarted. The export job
    // (temporary) is gone.
    assert_eq!(tree.find("ImportJob").unwrap().status, NodeStatus::Stopped);
    assert!(tree.find("ExportJob").is_none());
    assert_eq!(tree.find("scheduler").unwrap().status, NodeStatus::Running);
    // The tree itself keeps running.
    assert!(app.supervisor().cell().is_alive());
    app.shutdown().await;
}

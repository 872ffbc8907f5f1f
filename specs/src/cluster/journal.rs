//! The journal node: `specs/cluster/journal.kdl` and its handlers.

arbor::include_spec!("journal");

/// The journal: every line appended, in order (in memory: a restarted node starts empty).
#[derive(Debug, Default)]
pub struct JournalState {
    entries: Vec<String>,
}

impl journal_writer::State for JournalState {
    type Args = ();

    async fn init(_: (), _ctx: &mut journal_writer::Ctx) -> Result<Self, arbor::ExitReason> {
        Ok(JournalState::default())
    }
}

impl journal::Handler<journal_writer::Ctx> for JournalState {
    async fn append(&mut self, entry: String, _ctx: &mut journal_writer::Ctx) {
        self.entries.push(entry);
    }

    async fn entries(&mut self, _ctx: &mut journal_writer::Ctx) -> Vec<String> {
        self.entries.clone()
    }
}

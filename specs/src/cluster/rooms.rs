//! The rooms node: `specs/cluster/rooms.kdl` and its handlers. The lobby reaches the journal
//! writer of the journal node through the same generated client a local one would use.

use std::collections::BTreeSet;

arbor::include_spec!("rooms");

/// Why a user could not join.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, thiserror::Error)]
pub enum JoinError {
    /// Someone of that name is in the lobby already.
    #[error("`{0}` is taken")]
    NameTaken(String),
}

/// The users in the lobby.
#[derive(Debug, Default)]
pub struct LobbyState {
    members: BTreeSet<String>,
}

impl lobby::State for LobbyState {
    type Args = ();

    async fn init(_: (), _ctx: &mut lobby::Ctx) -> Result<Self, arbor::ExitReason> {
        Ok(LobbyState::default())
    }
}

impl room::Handler<lobby::Ctx> for LobbyState {
    async fn join(&mut self, user: String, ctx: &mut lobby::Ctx) -> Result<u32, JoinError> {
        if !self.members.insert(user.clone()) {
            return Err(JoinError::NameTaken(user));
        }
        // A cast to the other node: at most once, lost if the journal node is down.
        let _ = ctx
            .journal_writer()
            .append(format!("* {user} joined"))
            .await;
        Ok(self.members.len() as u32)
    }

    async fn post(&mut self, user: String, text: String, ctx: &mut lobby::Ctx) {
        if self.members.contains(&user) {
            let _ = ctx.journal_writer().append(format!("{user}: {text}")).await;
        }
    }

    async fn history(&mut self, ctx: &mut lobby::Ctx) -> Result<Vec<String>, String> {
        // A call to the other node: fails at once if nobody serves the journal.
        ctx.journal_writer()
            .entries()
            .await
            .map_err(|e| format!("the journal node did not answer: {e}"))
    }
}

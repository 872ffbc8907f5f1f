// Two nodes' systems in one build: rooms' Lobby (exported) calls journal's Writer, a remote
// actor of node `journal`, which calls rooms' Lobby back, a remote actor of node `rooms`.
// Each is acyclic alone; the compile-time walk follows the remote edges like local ones and
// names the cycle with its nodes, in both systems.

#[arbor_macros::system(remote(Writer(path = crate::journal::writer, node = "journal")))]
mod rooms {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(Writer), export)]
    pub struct LobbyState;

    #[handlers(protocol = "LobbyApi")]
    impl LobbyState {
        #[call]
        async fn history(&mut self, ctx: &mut lobby::Ctx) -> u32 {
            ctx.writer().count().await.unwrap_or(0)
        }
    }

    #[derive(Supervisor)]
    pub struct RoomsSup {
        lobby: Lobby,
    }
}

#[arbor_macros::system(remote(Lobby(path = crate::rooms::lobby, node = "rooms")))]
mod journal {
    use arbor_macros::{Actor, Supervisor};

    #[derive(Default, Actor)]
    #[actor(calls(Lobby), export)]
    pub struct WriterState;

    #[handlers(protocol = "WriterApi")]
    impl WriterState {
        #[call]
        async fn count(&mut self, ctx: &mut writer::Ctx) -> u32 {
            ctx.lobby().history().await.unwrap_or(0) + 1
        }
    }

    #[derive(Supervisor)]
    pub struct JournalSup {
        writer: Writer,
    }
}

fn main() {}

//! `specs/chat.kdl` written with the macros, run end to end: one actor per room, started under
//! a dynamic supervisor and found through a registry (both fields of the root supervisor),
//! posts cast to a journal writer. `arbor-macros`' unit tests check that this module gives the
//! same model as the KDL file.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use arbor::CallError;

/// A user, by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub String);

/// What a user learns when joining a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomInfo {
    name: String,
    members: usize,
}

/// Why a user could not join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The room is full.
    Full,
    /// The user is a member already.
    AlreadyMember,
}

/// One post, as the journal keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    room: String,
    user: UserId,
    text: String,
}

/// Where the journal writes: outlives the journal writer.
#[derive(Clone, Debug, Default)]
pub struct JournalStore(Arc<Mutex<Vec<LogEntry>>>);

/// How a room starts.
#[derive(Clone, Debug)]
pub struct RoomArgs {
    name: String,
    capacity: usize,
}

/// The chat server of `specs/chat.kdl`.
#[arbor_macros::system]
pub mod sys {
    use std::collections::BTreeSet;

    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    use super::*;

    /// One room.
    #[derive(Actor)]
    #[actor(
        name = "RoomServer",
        mailbox(capacity = 10000, overflow = "reject"),
        casts(JournalWriter)
    )]
    pub struct RoomState {
        name: String,
        capacity: usize,
        members: BTreeSet<UserId>,
    }

    #[handlers(protocol = "Room")]
    impl RoomState {
        #[init]
        async fn start(args: RoomArgs, _ctx: &mut room_server::Ctx) -> Result<Self, ExitReason> {
            Ok(RoomState {
                name: args.name,
                capacity: args.capacity,
                members: BTreeSet::new(),
            })
        }

        #[call(timeout = "2s")]
        async fn join(
            &mut self,
            user: UserId,
            _ctx: &mut room_server::Ctx,
        ) -> Result<RoomInfo, JoinError> {
            if self.members.contains(&user) {
                return Err(JoinError::AlreadyMember);
            }
            if self.members.len() >= self.capacity {
                return Err(JoinError::Full);
            }
            self.members.insert(user);
            Ok(RoomInfo {
                name: self.name.clone(),
                members: self.members.len(),
            })
        }

        #[cast]
        async fn post(&mut self, user: UserId, text: String, ctx: &mut room_server::Ctx) {
            if text == "!crash" {
                panic!("room {} was told to crash", self.name);
            }
            if self.members.contains(&user) {
                let entry = LogEntry {
                    room: self.name.clone(),
                    user,
                    text,
                };
                let _ = ctx.journal_writer().append(entry).await;
            }
        }

        #[call]
        async fn members(&mut self, _ctx: &mut room_server::Ctx) -> Vec<UserId> {
            self.members.iter().cloned().collect()
        }
    }

    /// Appends every post to the store.
    #[derive(Actor)]
    #[actor(name = "JournalWriter")]
    pub struct JournalState {
        store: JournalStore,
    }

    #[handlers(protocol = "Journal")]
    impl JournalState {
        #[init]
        async fn start(
            store: JournalStore,
            _ctx: &mut journal_writer::Ctx,
        ) -> Result<Self, ExitReason> {
            Ok(JournalState { store })
        }

        #[cast]
        async fn append(&mut self, entry: LogEntry, _ctx: &mut journal_writer::Ctx) {
            self.store.0.lock().unwrap().push(entry);
        }
    }

    /// The journal first; rooms by name in the registry, under the dynamic supervisor.
    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one", app = "Chat")]
    pub struct ChatSup {
        #[child(shutdown = "10s")]
        journal: JournalWriter,
        #[child(registry, keys = "unique")]
        rooms: Registry,
        #[child(dynamic, max_children = 100000, template(restart = "transient"))]
        room_sup: RoomServer,
    }
}

/// The room named `name`: found in the registry, or started under `RoomSup` and registered.
async fn room(app: &sys::chat_sup::Handle, name: &str) -> sys::room_server::Client {
    let key = name.to_owned();
    if app
        .rooms()
        .whereis::<sys::room_server::RoomServer>(&key)
        .is_some()
    {
        return sys::room_server::Client::new(app.rooms().via::<sys::room_server::RoomServer>(key));
    }
    let args = RoomArgs {
        name: key.clone(),
        capacity: 2,
    };
    app.room_sup()
        .start_registered(app.rooms(), key, (), args)
        .await
        .unwrap()
}

async fn eventually(what: &str, f: impl Fn() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn macro_chat_rooms_answer_journal_and_restart_under_their_name() {
    let store = JournalStore::default();
    // The app `Chat` (`#[supervisor(app = "Chat")]`) starts the `ChatSup` tree.
    let app = sys::chat::start(sys::chat::Config {
        journal: store.clone(),
    })
    .await
    .unwrap();
    let ada = || UserId("ada".into());

    let lobby = room(&app, "lobby").await;
    assert_eq!(
        lobby.join(ada()).await,
        Ok(Ok(RoomInfo {
            name: "lobby".into(),
            members: 1
        }))
    );
    assert_eq!(lobby.join(ada()).await, Ok(Err(JoinError::AlreadyMember)));
    lobby.join(UserId("bob".into())).await.unwrap().unwrap();
    assert_eq!(
        lobby.join(UserId("cy".into())).await,
        Ok(Err(JoinError::Full))
    );
    // Found again by name.
    let again = room(&app, "lobby").await;
    assert_eq!(again.members().await.unwrap().len(), 2);

    // Posts reach the journal; a non-member's is ignored.
    lobby.post(ada(), "hi".into()).await.unwrap();
    lobby
        .post(UserId("eve".into()), "spam".into())
        .await
        .unwrap();
    eventually("the journal entry", || store.0.lock().unwrap().len() == 1).await;
    assert_eq!(store.0.lock().unwrap()[0].text, "hi");

    // A crash: the transient room restarts and registers again under its name.
    let key = "lobby".to_string();
    let before = app
        .rooms()
        .whereis::<sys::room_server::RoomServer>(&key)
        .unwrap();
    lobby.post(ada(), "!crash".into()).await.unwrap();
    eventually("the restarted room", || {
        app.rooms()
            .whereis::<sys::room_server::RoomServer>(&key)
            .is_some_and(|r| r != before)
    })
    .await;
    assert_eq!(lobby.members().await, Ok(vec![]));

    let tree = app.snapshot().await;
    let room_sup = tree.find("RoomSup").unwrap();
    assert_eq!(room_sup.children.len(), 1);
    assert_eq!(room_sup.children[0].restarts, 1);
    app.shutdown().await;
    assert!(matches!(lobby.members().await, Err(CallError::Exited(_))));
}

//! The chat server (`specs/chat.kdl`): one actor per room, rooms started under a dynamic
//! supervisor and found through the `Rooms` registry, posts persisted by a journal writer.
//!
//! ```text
//! ChatSup (rest_for_one)
//! ├─ journal   JournalWriter      (the journal: every post, in order)
//! ├─ Rooms     registry           (room name → RoomServer)
//! └─ RoomSup   dynamic supervisor (RoomServer children, transient)
//! ```

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use arbor::ExitReason;
use arbor::supervisor::StartChildError;

arbor::include_spec!("chat");

/// A user, by name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserId(pub String);

impl From<&str> for UserId {
    fn from(name: &str) -> Self {
        UserId(name.to_owned())
    }
}

/// What a user learns when joining a room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoomInfo {
    /// The room's name.
    pub name: String,
    /// Members, the new one included.
    pub members: usize,
}

/// Why a user could not join.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The room has as many members as it takes.
    Full,
    /// The user is a member already.
    AlreadyMember,
}

/// One post, as the journal keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEntry {
    /// The room posted in.
    pub room: String,
    /// The author.
    pub user: UserId,
    /// What was said.
    pub text: String,
}

/// Where the journal writes: shared storage that outlives the journal writer (a file or a
/// database in a real system), so restarts lose nothing already written.
#[derive(Clone, Debug, Default)]
pub struct JournalStore(Arc<Mutex<Vec<LogEntry>>>);

impl JournalStore {
    /// The entries written so far.
    pub fn entries(&self) -> Vec<LogEntry> {
        self.0.lock().map(|e| e.clone()).unwrap_or_default()
    }
}

/// The journal writer's state.
pub struct JournalState {
    store: JournalStore,
}

impl journal_writer::State for JournalState {
    type Args = JournalStore;

    async fn init(store: JournalStore, _ctx: &mut journal_writer::Ctx) -> Result<Self, ExitReason> {
        Ok(JournalState { store })
    }
}

impl journal::Handler<journal_writer::Ctx> for JournalState {
    async fn append(&mut self, entry: LogEntry, _ctx: &mut journal_writer::Ctx) {
        if let Ok(mut entries) = self.store.0.lock() {
            entries.push(entry);
        }
    }
}

/// How a room starts.
#[derive(Clone, Debug)]
pub struct RoomArgs {
    /// Its name (also its key in the `Rooms` registry).
    pub name: String,
    /// The most members it takes.
    pub capacity: usize,
}

/// A room's state.
pub struct RoomState {
    name: String,
    capacity: usize,
    members: BTreeSet<UserId>,
}

impl room_server::State for RoomState {
    type Args = RoomArgs;

    async fn init(args: RoomArgs, _ctx: &mut room_server::Ctx) -> Result<Self, ExitReason> {
        Ok(RoomState {
            name: args.name,
            capacity: args.capacity,
            members: BTreeSet::new(),
        })
    }
}

impl room::Handler<room_server::Ctx> for RoomState {
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

    async fn post(&mut self, user: UserId, text: String, ctx: &mut room_server::Ctx) {
        if text == "!crash" {
            panic!("room {} was told to crash", self.name);
        }
        if !self.members.contains(&user) {
            return;
        }
        let entry = LogEntry {
            room: self.name.clone(),
            user,
            text,
        };
        // The journal's mailbox blocks when full: back-pressure on the rooms. A journal that is
        // down loses the entry (the cast fails), it does not crash the room.
        let _ = ctx.journal_writer().append(entry).await;
    }

    async fn members(&mut self, _ctx: &mut room_server::Ctx) -> Vec<UserId> {
        self.members.iter().cloned().collect()
    }
}

/// The configuration of the chat app.
pub fn config(store: JournalStore) -> chat::Config {
    chat::Config { journal: store }
}

/// The room named `name`: found in the `Rooms` registry, or started under `RoomSup` and
/// registered there. The client finds the room by name at each message, so it follows the
/// room's restarts.
pub async fn room(app: &chat::Handle, name: &str) -> Result<room_server::Client, StartChildError> {
    let key = name.to_owned();
    if app
        .rooms()
        .whereis::<room_server::RoomServer>(&key)
        .is_some()
    {
        return Ok(room_server::Client::new(
            app.rooms().via::<room_server::RoomServer>(key),
        ));
    }
    let args = RoomArgs {
        name: key.clone(),
        capacity: 100,
    };
    app.room_sup()
        .start_registered(app.rooms(), key, (), args)
        .await
}

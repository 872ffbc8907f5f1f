//! The chat server of `specs/chat.kdl`, running: rooms started on demand under the `RoomSup`
//! dynamic supervisor and found by name in the `Rooms` registry; posts go to the journal.
//! A room that crashes is restarted (transient) and registers again under its name, so the
//! client that finds it by name keeps working.
//!
//! `cargo run -p arbor-specs --example chat`

use std::time::Duration;

use arbor_specs::chat::{self, JournalStore, UserId};

#[tokio::main]
async fn main() {
    let store = JournalStore::default();
    let app = chat::chat::start(chat::config(store.clone()))
        .await
        .expect("the chat app starts");

    let lobby = chat::room(&app, "lobby").await.expect("the lobby opens");
    println!("ada joins:   {:?}", lobby.join(UserId::from("ada")).await);
    println!("bob joins:   {:?}", lobby.join(UserId::from("bob")).await);
    println!("ada again:   {:?}", lobby.join(UserId::from("ada")).await);
    lobby
        .post(UserId::from("ada"), "hello, bob".into())
        .await
        .expect("the post is queued");
    println!("members:     {:?}", lobby.members().await);

    // A crash: the room restarts (a transient child that failed) and registers again.
    let before = app
        .rooms()
        .whereis::<chat::room_server::RoomServer>(&"lobby".to_string());
    lobby
        .post(UserId::from("ada"), "!crash".into())
        .await
        .expect("the post is queued");
    let mut after = None;
    for _ in 0..100 {
        after = app
            .rooms()
            .whereis::<chat::room_server::RoomServer>(&"lobby".to_string());
        if after.is_some() && after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "lobby crashed and restarted: {:?} -> {:?}",
        before.map(|r| r.id()),
        after.map(|r| r.id())
    );
    println!("members now: {:?} (a fresh room)", lobby.members().await);
    println!("journal:     {:?}", store.entries());
    println!("\n{}", app.snapshot().await);
    app.shutdown().await;
}

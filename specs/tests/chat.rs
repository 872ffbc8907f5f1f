//! The chat server end to end: replies, the registry, a room's crash and restart, the journal.

use std::time::Duration;

use arbor::CallError;
use arbor_specs::chat::{self, JoinError, JournalStore, RoomInfo, UserId, room_server};

async fn eventually<F: Fn() -> bool>(what: &str, f: F) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn rooms_answer_journal_and_restart_under_their_name() {
    let store = JournalStore::default();
    let app = chat::chat::start(chat::config(store.clone()))
        .await
        .unwrap();

    let lobby = chat::room(&app, "lobby").await.unwrap();
    assert_eq!(
        lobby.join(UserId::from("ada")).await,
        Ok(Ok(RoomInfo {
            name: "lobby".into(),
            members: 1
        }))
    );
    assert_eq!(
        lobby.join(UserId::from("ada")).await,
        Ok(Err(JoinError::AlreadyMember))
    );
    // The same room is found by name.
    let again = chat::room(&app, "lobby").await.unwrap();
    assert_eq!(again.members().await, Ok(vec![UserId::from("ada")]));

    // Posts reach the journal; a non-member's post is ignored.
    lobby.post(UserId::from("ada"), "hi".into()).await.unwrap();
    lobby
        .post(UserId::from("eve"), "spam".into())
        .await
        .unwrap();
    eventually("the journal entry", || store.entries().len() == 1).await;
    assert_eq!(store.entries()[0].text, "hi");

    // A crash: the room restarts (transient, abnormal exit) and registers again.
    let key = "lobby".to_string();
    let before = app
        .rooms()
        .whereis::<room_server::RoomServer>(&key)
        .unwrap();
    lobby
        .post(UserId::from("ada"), "!crash".into())
        .await
        .unwrap();
    eventually("the restarted room", || {
        app.rooms()
            .whereis::<room_server::RoomServer>(&key)
            .is_some_and(|r| r != before)
    })
    .await;
    // The client found the room by name: it reaches the new incarnation (fresh state).
    assert_eq!(lobby.members().await, Ok(vec![]));
    assert!(!before.is_alive());

    let tree = app.snapshot().await;
    let room_sup = tree.find("RoomSup").unwrap();
    assert_eq!(room_sup.children.len(), 1);
    assert_eq!(room_sup.children[0].restarts, 1);

    app.shutdown().await;
    // A client of a stopped tree gets an error, not a panic.
    assert!(matches!(lobby.members().await, Err(CallError::Exited(_))));
}

#[tokio::test]
async fn a_call_overrides_its_timeout() {
    let app = chat::chat::start(chat::config(JournalStore::default()))
        .await
        .unwrap();
    let lobby = chat::room(&app, "lobby").await.unwrap();
    let r = lobby
        .with_timeout(Duration::from_secs(1))
        .join(UserId::from("bob"))
        .await;
    assert!(matches!(r, Ok(Ok(_))));
    assert_eq!(chat::room::JOIN_TIMEOUT, Duration::from_secs(2));
    app.shutdown().await;
}

#[tokio::test]
async fn the_running_tree_lists_the_children_the_spec_and_arbor_graph_show() {
    let app = chat::chat::start(chat::config(JournalStore::default()))
        .await
        .unwrap();
    let _lobby = chat::room(&app, "lobby").await.unwrap();
    let tree = app.snapshot().await;

    // The spec's tree (what `arbor graph` draws): the same children in the same order,
    // the registry, which is not a process, included.
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("chat.kdl");
    let (model, _) = arbor_codegen::load(&[spec]).unwrap();
    let declared: Vec<String> = model.supervisors[0]
        .children
        .iter()
        .map(|c| c.id.as_str().to_owned())
        .collect();
    let running: Vec<String> = tree
        .children
        .iter()
        .map(|c| c.id.as_deref().unwrap_or("?").to_owned())
        .collect();
    assert_eq!(running, declared);
    assert_eq!(running, ["journal", "Rooms", "RoomSup"]);

    let drawing = tree.to_string();
    assert!(
        drawing.contains("\n├─ Rooms (registry, unique keys)\n"),
        "{drawing}"
    );
    // A dynamic child's row names it once (its actor id), not `#8 (worker, transient) #8`.
    let room = tree.find("RoomSup").unwrap().children[0].actor.unwrap();
    let row = drawing.lines().last().unwrap();
    assert_eq!(row.trim_start(), format!("└─ {room} (worker, transient)"));
    app.shutdown().await;
}

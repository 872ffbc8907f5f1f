//! Across nodes: `export` on actors and remote extern actors (`extern-actor … remote=#true
//! [node="…"]`): reading, validation, and what the emitter makes of them.

mod common;

use arbor_codegen::codes;
use common::report;

/// A clean spec: Lobby (exported) calls the remote extern actor Journal of node `journal`;
/// `extra` adds lines.
fn spec(extra: &str) -> String {
    format!(
        r#"extern-actor Journal path="crate::journal::journal_writer" remote=#true node="journal"
protocol Room {{
    call join reply="Result<u32, String>" timeout="2s" {{
        arg user String
    }}
    cast post {{
        arg text String
    }}
}}
actor Lobby {{
    serves Room
    state LobbyState
    calls Journal
    export
}}
supervisor RoomsSup {{
    child lobby actor=Lobby
}}
{extra}"#
    )
}

fn generated(src: &str) -> String {
    let r = report(src);
    assert!(r.diagnostics.is_empty(), "{}", r.rendered());
    arbor_codegen::emit::generate_file(&r.spec.expect("loads"), "test.kdl").expect("generates")
}

#[test]
fn exports_and_remote_externs_are_read() {
    let r = report(&spec(
        "actor Other {\n    serves Room\n    export name=\"other-1\"\n}\n",
    ));
    let spec = r.spec.expect("the spec loads");
    let lobby = spec.actor("Lobby").expect("declared");
    assert_eq!(
        lobby.export.as_ref().map(|e| e.value.as_str()),
        Some("Lobby")
    );
    assert_eq!(
        r.sources.snippet(lobby.export.as_ref().unwrap().span),
        Some("export")
    );
    let other = spec.actor("Other").expect("declared");
    assert_eq!(
        other.export.as_ref().map(|e| e.value.as_str()),
        Some("other-1")
    );
    let journal = spec.extern_actor("Journal").expect("declared");
    let remote = journal.remote.as_ref().expect("remote");
    assert_eq!(
        remote.node.as_ref().map(|n| n.value.as_str()),
        Some("journal")
    );
    assert_eq!(r.sources.snippet(remote.span), Some("remote=#true"));
}

#[test]
fn an_extern_actor_without_remote_is_local() {
    let r = report(&spec("").replace(" remote=#true node=\"journal\"", ""));
    let spec = r.spec.expect("the spec loads");
    assert!(spec.extern_actor("Journal").unwrap().remote.is_none());
    let r = report(&spec_without_node());
    assert!(
        r.spec
            .expect("loads")
            .extern_actor("Journal")
            .unwrap()
            .remote
            .as_ref()
            .unwrap()
            .node
            .is_none()
    );
}

fn spec_without_node() -> String {
    spec("").replace(" node=\"journal\"", "")
}

#[test]
fn node_without_remote_is_an_error_at_node() {
    let r = report(&spec("").replace(" remote=#true", ""));
    let d = r.assert_one(codes::INVALID_VALUE, "node=\"journal\"");
    assert!(d.message.contains("not remote"), "{}", d.message);
    let r = report(&spec("").replace("remote=#true", "remote=#false"));
    r.one(codes::INVALID_VALUE);
}

#[test]
fn bad_export_and_node_names_are_errors() {
    let r = report(&spec("").replace("    export\n", "    export name=\"a.b\"\n"));
    let d = r.assert_one(codes::INVALID_VALUE, "name=\"a.b\"");
    assert!(d.message.contains("export name"), "{}", d.message);
    let r = report(&spec("").replace("node=\"journal\"", "node=\"x y\""));
    r.assert_one(codes::INVALID_VALUE, "node=\"x y\"");
    let r = report(&spec("").replace("    export\n", "    export\n    export\n"));
    r.one(codes::UNEXPECTED_VALUE);
}

#[test]
fn an_exported_actor_serves_one_protocol() {
    let r = report(&spec(
        "protocol Extra {\n    cast ping\n}\nactor Two {\n    serves Room Extra\n    export\n}\nsupervisor S2 {\n    child two actor=Two\n}\n",
    ));
    let d = r.one(codes::INVALID_EXPORT);
    assert!(d.message.contains("serves 2 protocols"), "{}", d.message);
    assert_eq!(r.sources.snippet(d.labels[0].span), Some("export"));
}

#[test]
fn an_exported_actor_has_exactly_one_static_instance() {
    // None.
    let r = report(&spec("actor Idle {\n    serves Room\n    export\n}\n"));
    let d = r.one(codes::INVALID_EXPORT);
    assert!(
        d.message.contains("no supervisor of the spec starts it"),
        "{}",
        d.message
    );
    // Two.
    let r = report(&spec("").replace(
        "    child lobby actor=Lobby\n",
        "    child lobby actor=Lobby\n    child lobby2 actor=Lobby\n",
    ));
    let d = r.one(codes::INVALID_EXPORT);
    assert!(d.message.contains("started 2 times"), "{}", d.message);
    // Dynamic.
    let r = report(&spec("").replace(
        "    child lobby actor=Lobby\n",
        "    dynamic-supervisor Lobbies {\n        template actor=Lobby\n    }\n",
    ));
    let d = r.one(codes::INVALID_EXPORT);
    assert!(d.message.contains("dynamic supervisor"), "{}", d.message);
}

#[test]
fn export_names_are_unique() {
    let r = report(&spec(
        "actor Copy {\n    serves Room\n    export name=\"Lobby\"\n}\nsupervisor S2 {\n    child copy actor=Copy\n}\n",
    ));
    let d = r.one(codes::INVALID_EXPORT);
    assert!(d.message.contains("exported twice"), "{}", d.message);
}

#[test]
fn a_remote_actor_is_not_called_during_start_up() {
    let r = report(&spec("").replace("    calls Journal\n", "    calls Journal during=init\n"));
    let d = r.assert_one(codes::BOOT_ORDER, "calls Journal during=init");
    assert!(d.message.contains("not boot-ordered"), "{}", d.message);
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.contains("drop `during=init`")),
        "{:?}",
        d.help
    );
}

#[test]
fn a_spec_without_exports_or_remotes_never_names_the_cluster() {
    let code = generated(
        &spec("")
            .replace(" remote=#true node=\"journal\"", "")
            .replace("    export\n", ""),
    );
    assert!(!code.contains("arbor_cluster"), "{code}");
    assert!(!code.contains("start_on"), "{code}");
}

#[test]
fn crossing_protocols_get_a_remote_branch_serve_and_a_serde_check() {
    let code = generated(&spec(""));
    // The client's call: remote first, then the local path.
    assert!(
        code.contains(
            "if let ::std::option::Option::Some(remote) = self.caster.target.as_remote()"
        ),
        "{code}"
    );
    assert!(code.contains("\"Room\",\n"), "{code}");
    assert!(code.contains("&(&user,),"), "{code}");
    assert!(
        code.contains("::arbor_cluster::wire::cast_remote(\n") && code.contains("\"post\",\n"),
        "{code}"
    );
    assert!(
        code.contains("impl ::arbor_cluster::wire::Serve for Client {"),
        "{code}"
    );
    assert!(code.contains("protocol `Room` crosses nodes"), "{code}");
    assert!(
        code.contains("pub const EXPORTED_AS: &str = \"Lobby\";"),
        "{code}"
    );
}

#[test]
fn roots_get_remotes_and_start_on() {
    let code = generated(&spec(""));
    assert!(code.contains("pub struct Remotes"), "{code}");
    assert!(
        code.contains("journal: crate::journal::journal_writer::remote_on(node, \"journal\")"),
        "{code}"
    );
    assert!(code.contains("pub async fn start_on("), "{code}");
    assert!(
        code.contains("node.export(super::lobby::EXPORTED_AS, served)"),
        "{code}"
    );
    // The remote extern actor is not one of the `Externs` the caller passes.
    assert!(!code.contains("pub struct Externs"), "{code}");
    // Its edge names the node for the cycle message.
    assert!(
        code.contains("::arbor::static_graph::Node::on_node(\n        &crate::journal::journal_writer::NODE,\n        \"journal\",\n    )"),
        "{code}"
    );
    // Without `node`, whichever node exports it answers.
    let code = generated(&spec_without_node());
    assert!(
        code.contains("journal: crate::journal::journal_writer::remote(node)"),
        "{code}"
    );
    assert!(!code.contains("on_node"), "{code}");
}

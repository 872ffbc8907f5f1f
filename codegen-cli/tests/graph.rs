//! `arbor graph`: the supervision tree and the call graph.

use arbor_codegen::graph::{Format, render};

const SPEC: &str = r#"protocol P {
    call c timeout="1s"
    cast n
}
actor A {
    serves P
    state S
    calls B
}
actor B {
    serves P
    state S
    calls A
    casts C
}
actor C {
    serves P
    state S
    mailbox overflow=reject
    casts A
}
supervisor Top strategy=rest_for_one {
    child a actor=A
    supervisor Inner {
        child b actor=B
    }
    dynamic-supervisor Cs max-children=5 {
        template actor=C
    }
    registry Names keys=unique
}
app X root=Top
"#;

fn spec() -> arbor_codegen::Spec {
    arbor_codegen::load_str(&[("g.kdl", SPEC)])
        .expect("valid")
        .0
}

#[test]
fn dot_draws_the_tree_and_the_calls() {
    let dot = render(&spec(), Format::Dot);
    for needle in [
        "subgraph cluster_tree",
        "label=\"Top\\nrest_for_one\"",
        "label=\"a: A\"",
        "label=\"Cs\\ndynamic, max 5\"",
        "label=\"C (each)\", shape=ellipse, style=dashed",
        "label=\"Names\\nregistry, unique keys\"",
        "label=\"app X\"",
        "subgraph cluster_calls",
    ] {
        assert!(dot.contains(needle), "{needle} missing in:\n{dot}");
    }
    // Sync edges solid, async dashed, the A ⇄ B cycle red.
    assert!(
        dot.contains("a0 -> a1 [label=\"calls\", style=solid, color=red"),
        "{dot}"
    );
    assert!(
        dot.contains("a1 -> a0 [label=\"calls\", style=solid, color=red"),
        "{dot}"
    );
    assert!(
        dot.contains("a1 -> a2 [label=\"casts\", style=dashed];"),
        "{dot}"
    );
    // C's cast into A's blocking mailbox is synchronous, but not on a cycle.
    assert!(
        dot.contains("a2 -> a0 [label=\"casts (blocks)\", style=dashed];"),
        "{dot}"
    );
}

#[test]
fn mermaid_draws_the_same() {
    let m = render(&spec(), Format::Mermaid);
    assert!(m.starts_with("flowchart TB\n"));
    assert!(m.contains("a0 -->|\"calls\"| a1"), "{m}");
    assert!(m.contains("a1 -.->|\"casts\"| a2"), "{m}");
    // Tree edges come first (7 of them), then a0→a1 (7) and a1→a0 (8) are red.
    assert!(m.contains("linkStyle 7,8 stroke:red"), "{m}");
}

#[test]
fn labels_are_escaped() {
    // Names are identifiers, but Unicode ones are allowed: keep them intact.
    let spec = arbor_codegen::load_str(&[(
        "u.kdl",
        "protocol P {\n    cast c\n}\nactor Café {\n    serves P\n    state S\n}\n",
    )])
    .expect("valid")
    .0;
    assert!(render(&spec, Format::Dot).contains("label=\"Café\""));
    assert!(render(&spec, Format::Mermaid).contains("[\"Café\"]"));
}

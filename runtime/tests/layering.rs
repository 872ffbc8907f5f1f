//! The runtime's modules are layered: each uses only the modules below it (issue #14,
//! "core layering"). This test reads `runtime/src` and fails on any `crate::module` path that
//! points upward, so the layering cannot rot. `runtime/ARCHITECTURE-runtime.md` draws the
//! same order.
//!
//! What counts as a use: every `crate::name` path outside comments and outside the `#[cfg(test)]`
//! module at the end of a file (test code may reach anywhere). A path through the crate root
//! (`crate::CallError`) counts as a use of the module that `lib.rs` re-exports it from. The
//! files of `supervisor/` count as one module; `lib.rs` (the facade) is not checked.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Bottom first. A module may use the modules before it in this list.
const LAYERS: &[&str] = &[
    // Foundations: plain data and process-wide tables, no actor in sight.
    "exit",    // exit reasons, shutdown modes
    "mailbox", // the queue and its policies
    "lineage", // actor ids, ancestors, call chains and the current caller
    "stats",   // counters for tools
    "error",   // CallError, CastError, RemoteError
    "reply",   // ReplyTo and the drop cause
    // The untyped actor.
    "cell", // Core, ActorCell, signals, links and monitors as data
    "link", // linking and monitoring
    // The typed actor.
    "actor",   // the Actor trait
    "handle",  // ActorRef and the per-actor allocation, casts
    "context", // Context
    "timer",   // send_after
    "names",   // registered names
    "runner",  // the actor task
    "call",    // calls
    "spawn",   // Spawn: starts the task
    "server",  // Server, the plain case of Actor
    // The seam for actors of other nodes (implemented by arbor-cluster).
    "remote",
    // Supervision and tools.
    "supervisor",
    "introspect",
    "task",
    "registry",
    "port", // protocol-typed clients' target (generated code, through codegen)
    "codegen",
    "static_graph",
];

/// The upward uses allowed, each for a reason that moving code cannot remove: the `Actor`
/// trait's own signatures name its context (`Context<Self>` in every callback) and its
/// handle (`Actor::start` returns `ActorRef<Self>`), and its provided `spawn` / `start` call
/// the spawner. The trait and the types generic over it are one knot; everything else is
/// strictly layered.
const ALLOWED_UPWARD: &[(&str, &str)] = &[
    ("actor", "context"),
    ("actor", "handle"),
    ("actor", "spawn"),
];

fn src() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
}

/// The names `lib.rs` re-exports at the crate root, by the module they come from.
fn root_names() -> HashMap<String, String> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let mut names = HashMap::new();
    for stmt in lib.split(';') {
        let Some(rest) = stmt.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = rest.split_once("::") else {
            continue;
        };
        if module == "crate" {
            continue;
        }
        for item in items.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !item.is_empty() {
                names.insert(item.to_string(), module.to_string());
            }
        }
    }
    names
}

fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The modules a source file uses through `crate::` paths.
fn uses(text: &str, root: &HashMap<String, String>) -> BTreeSet<String> {
    let code = text.split("\n#[cfg(test)]").next().unwrap();
    let mut out = BTreeSet::new();
    for line in code.lines() {
        let line = line.split("//").next().unwrap();
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let firsts: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a::X, b::Y}`: the first segment of each path.
                let group = &group[..group.find('}').unwrap_or(group.len())];
                group.split(',').map(|p| ident(p.trim())).collect()
            } else {
                vec![ident(rest)]
            };
            for first in firsts.into_iter().filter(|f| !f.is_empty()) {
                let module = root.get(first).map_or(first, String::as_str);
                out.insert(module.to_string());
            }
        }
    }
    out
}

#[test]
fn modules_use_only_the_layers_below() {
    let root = root_names();
    let mut modules: HashMap<String, BTreeSet<String>> = HashMap::new();
    for dir in [src().to_path_buf(), src().join("supervisor")] {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            let module = if dir.ends_with("supervisor") {
                "supervisor".to_string()
            } else {
                stem
            };
            if module == "lib" || module == "test_support" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            modules
                .entry(module)
                .or_default()
                .extend(uses(&text, &root));
        }
    }
    let rank = |m: &str| LAYERS.iter().position(|l| *l == m);
    let mut wrong = Vec::new();
    for (module, used) in &modules {
        let Some(me) = rank(module) else {
            wrong.push(format!("{module}: not in LAYERS (add it where it belongs)"));
            continue;
        };
        for other in used {
            let Some(them) = rank(other) else { continue };
            if them > me && !ALLOWED_UPWARD.contains(&(module.as_str(), other.as_str())) {
                wrong.push(format!("{module} uses {other}, which is above it"));
            }
        }
    }
    wrong.sort();
    assert!(
        wrong.is_empty(),
        "upward uses between runtime modules:\n  {}",
        wrong.join("\n  ")
    );
}

#[test]
fn the_check_sees_upward_uses() {
    let root = root_names();
    let found = uses(
        "use crate::cell::ActorCell;\nuse crate::{exit::ExitReason, handle::ActorRef};\n\
         fn f() -> crate::CallError { g() } // crate::spawn in a comment\n\
         #[cfg(test)]\nmod tests { use crate::runner; }\n",
        &root,
    );
    let want: BTreeSet<String> = ["cell", "exit", "handle", "call"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, want);
}

//! The example systems of `specs/`, running.
//!
//! `build.rs` generates the code of every `specs/*.kdl` into `OUT_DIR`; each module here
//! includes one with `arbor::include_spec!` and holds what the spec leaves to the user: the
//! types it names, the state types and their handlers. `examples/` start each system and
//! exercise it; `tests/` assert what they show.
//!
//! The crate denies warnings: generated code must compile cleanly.
#![deny(warnings)]

pub mod batch;
pub mod cache;
pub mod chat;
pub mod cluster;
pub mod payment_router;
pub mod pipeline;

/// The README's Rust blocks, compiled and run as doc tests (`cargo test -p arbor-specs --doc`):
/// the handler example against `specs/chat.kdl`, which is the README's spec, word for word
/// (`codegen-cli/tests/readme.rs` checks that and runs `arbor check` on every KDL block).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

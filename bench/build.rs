//! Generates the Arbor side of the peer benchmarks from `specs/bench.kdl` into `OUT_DIR`
//! (included by `src/arbor_spec.rs` with `arbor::include_spec!`), as a user's build script
//! would. Lints fail the build: the spec silences the two it breaks on purpose, with reasons.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    arbor_codegen::configure()
        .deny_warnings(true)
        .compile(&["specs/bench.kdl"])?;
    Ok(())
}

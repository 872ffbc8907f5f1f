//! Generates the code of every spec of this directory into `OUT_DIR` (one file per spec,
//! included by `src/<spec>.rs` with `arbor::include_spec!`), and of every spec of `cluster/`
//! (the two-node example, included by `src/cluster/<spec>.rs`).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut specs: Vec<_> = std::fs::read_dir(".")?
        .chain(std::fs::read_dir("cluster")?)
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "kdl"))
        .collect();
    specs.sort();
    for spec in specs {
        arbor_codegen::configure().compile(&[spec])?;
    }
    Ok(())
}

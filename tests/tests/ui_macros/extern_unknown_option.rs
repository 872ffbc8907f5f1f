// `extern` is not an option of `#[system]` (it is a keyword); `externs(...)` is.

#[arbor_macros::system(extern_actors(Ledger = crate::billing::ledger))]
mod shop {}

fn main() {}

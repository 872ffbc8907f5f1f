//! End-to-end and compile-fail suites for Arbor (see `tests/` in this crate).

//! Shared workloads for Arbor's benchmarks.

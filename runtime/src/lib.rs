//! Arbor's bundled runtime: OTP-style actors, supervisors and registries on tokio.

//! The two-node chat (`specs/cluster/`): `rooms.kdl` (a lobby clients join and post to,
//! exported) and `journal.kdl` (the journal writer, exported), built into this crate and run
//! as two OS processes by `examples/cluster_node.rs` (`scripts/cluster-demo.sh`).

pub mod journal;
pub mod rooms;

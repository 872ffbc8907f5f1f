//! The cluster panel (feature `cluster`): this node and the others, as its membership sees
//! them, and their ups and downs in the event log.

use std::sync::Arc;
use std::time::UNIX_EPOCH;

use arbor_cluster::{Node, NodeEvent};
use tokio::sync::broadcast::error::RecvError;

use crate::api::Inner;
use crate::model::{ClusterNodeView, ClusterView};

/// The cluster as `node` sees it now.
pub(crate) fn view(node: &Node) -> ClusterView {
    let nodes = node
        .members()
        .into_iter()
        .map(|m| ClusterNodeView {
            status: if m.up { "up" } else { "down" },
            incarnation: format!("{:016x}", m.incarnation),
            exports: m.exports,
            changed_ms: m.changed.map(|at| {
                at.duration_since(UNIX_EPOCH)
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                    .unwrap_or_default()
            }),
            down_reason: m.down_reason.filter(|_| !m.up).map(|r| r.to_string()),
            heard_ms_ago: m
                .last_heard
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            this_node: m.this_node,
            name: m.name,
        })
        .collect();
    ClusterView {
        node: node.name().to_owned(),
        connected: node.is_connected(),
        nodes,
    }
}

/// Logs every `Up` and `Down` of the other nodes and samples at once (an open page sees the
/// change without waiting for the next interval). Runs until the observer stops.
pub(crate) async fn follow(inner: Arc<Inner>, node: Node) {
    let mut events = node.node_events();
    drop(node);
    loop {
        match events.recv().await {
            Ok(NodeEvent::Up { node }) => {
                inner
                    .history
                    .lock()
                    .event("node", node.to_string(), "up".into());
            }
            Ok(NodeEvent::Down { node, reason }) => {
                inner
                    .history
                    .lock()
                    .event("node", node.to_string(), format!("down: {reason}"));
            }
            // Missed events: the next sample reads the membership anyway.
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => return,
        }
        inner.connected.notify_one();
    }
}

//! What the NATS connection reports besides messages: permission violations (the server
//! refused a publish or a subscription), disconnections and reconnections. The client reports
//! them through its event callback; a node turns them into errors for the operations they
//! concern (a call to a subject this node may not publish to fails with `Denied` at once
//! instead of waiting for its timeout) and into `tracing` warnings.

use std::collections::HashSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use arbor::remote::{RemoteError, RemoteErrorKind};
use async_nats::{Event, ServerError};
use tokio::sync::broadcast;

/// A connection event a waiting operation may care about.
#[derive(Clone, Debug)]
pub(crate) enum LinkEvent {
    /// The server refused a publish (`publish: true`) or a subscription to `subject`.
    Denied {
        publish: bool,
        subject: String,
        reason: String,
    },
    /// The connection to the server was lost.
    Disconnected,
    /// The connection is (again) up.
    Connected,
}

/// The connection's events, shared by the node and its client's event callback.
pub(crate) struct Link {
    events: broadcast::Sender<LinkEvent>,
    /// Subjects the server refused a publish to, until the next reconnection: casts to them
    /// fail with `Denied` instead of vanishing.
    denied_publish: Mutex<HashSet<String>>,
    /// Whether `denied_publish` may hold anything: casts skip its lock otherwise.
    any_denied: AtomicBool,
    /// Whether the last connection event was a (re)connection.
    connected: AtomicBool,
}

impl Link {
    pub fn new() -> Link {
        Link {
            events: broadcast::channel(64).0,
            denied_publish: Mutex::new(HashSet::new()),
            connected: AtomicBool::new(true),
            any_denied: AtomicBool::new(false),
        }
    }

    /// Handles one event of the client (called by its event callback).
    pub fn on_event(&self, node: &str, event: Event) {
        match event {
            Event::ServerError(ServerError::Other(text)) => match permission_violation(&text) {
                Some((publish, subject)) => {
                    tracing::warn!(%node, %subject, reason = %text, "arbor-cluster: refused by the server's permissions");
                    if publish {
                        self.denied().insert(subject.clone());
                        self.any_denied.store(true, Ordering::SeqCst);
                    }
                    let _ = self.events.send(LinkEvent::Denied {
                        publish,
                        subject,
                        reason: text,
                    });
                }
                None => tracing::warn!(%node, error = %text, "arbor-cluster: server error"),
            },
            Event::ServerError(error) => {
                tracing::warn!(%node, %error, "arbor-cluster: server error")
            }
            Event::Disconnected | Event::Closed => {
                tracing::warn!(%node, "arbor-cluster: disconnected from the NATS server");
                self.connected.store(false, Ordering::SeqCst);
                let _ = self.events.send(LinkEvent::Disconnected);
            }
            Event::Connected => {
                tracing::info!(%node, "arbor-cluster: connected to the NATS server");
                self.denied().clear();
                self.connected.store(true, Ordering::SeqCst);
                let _ = self.events.send(LinkEvent::Connected);
            }
            Event::SlowConsumer(sid) => {
                tracing::warn!(%node, sid, "arbor-cluster: a subscription falls behind (slow consumer); messages were dropped")
            }
            Event::ClientError(error) => {
                tracing::warn!(%node, %error, "arbor-cluster: client error")
            }
            other => tracing::debug!(%node, event = %other, "arbor-cluster: connection event"),
        }
    }

    fn denied(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.denied_publish
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// `Denied` if the server already refused a publish to `subject` on this connection.
    pub fn check_publish(&self, subject: &str) -> Result<(), RemoteError> {
        if self.any_denied.load(Ordering::SeqCst) && self.denied().contains(subject) {
            return Err(RemoteError::new(
                RemoteErrorKind::Denied,
                format!("the server's permissions refuse publishing to `{subject}`"),
            ));
        }
        Ok(())
    }

    /// `false` from a disconnection until the next reconnection.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }

    /// A receiver of the events from now on.
    pub fn watch(&self) -> broadcast::Receiver<LinkEvent> {
        self.events.subscribe()
    }
}

/// Waits until the server refuses the publish to `subject` or the subscription to the reply
/// inboxes (`inbox_prefix`), or the connection is lost: the error a call in flight fails
/// with. Pending forever otherwise.
pub(crate) async fn refusal(
    events: &mut broadcast::Receiver<LinkEvent>,
    subject: &str,
    inbox_prefix: &str,
) -> RemoteError {
    loop {
        match events.recv().await {
            Ok(LinkEvent::Denied {
                publish: true,
                subject: refused,
                reason,
            }) if refused == subject => {
                return RemoteError::new(
                    RemoteErrorKind::Denied,
                    format!("publishing to `{subject}`: {reason}"),
                );
            }
            Ok(LinkEvent::Denied {
                publish: false,
                subject: refused,
                reason,
            }) if refused.starts_with(inbox_prefix) => {
                return RemoteError::new(
                    RemoteErrorKind::Denied,
                    format!("replies cannot be received on `{refused}`: {reason}"),
                );
            }
            Ok(LinkEvent::Disconnected) => {
                return RemoteError::new(
                    RemoteErrorKind::Disconnected,
                    "the connection to the NATS server was lost while the call was in flight",
                );
            }
            Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
            Err(broadcast::error::RecvError::Closed) => std::future::pending::<()>().await,
        }
    }
}

/// `Permissions Violation for Publish to "x"` / `… for Subscription to "x" using queue "q"`
/// → `(publish, "x")`.
pub(crate) fn permission_violation(text: &str) -> Option<(bool, String)> {
    let lower = text.to_ascii_lowercase();
    let rest = lower.strip_prefix("permissions violation for ")?;
    let publish = if rest.starts_with("publish") {
        true
    } else if rest.starts_with("subscription") {
        false
    } else {
        return None;
    };
    // The subject is the first quoted string after " to " (a "Publish with Reply of" names
    // the reply subject first).
    let at = lower.find(" to \"")? + " to \"".len();
    let end = text[at..].find('"')? + at;
    Some((publish, text[at..end].to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_name_their_subject() {
        assert_eq!(
            permission_violation(r#"Permissions Violation for Publish to "arbor.c.actor.A""#),
            Some((true, "arbor.c.actor.A".into()))
        );
        assert_eq!(
            permission_violation(
                r#"Permissions Violation for Subscription to "arbor.c.node.n1.actor.A" using queue "arbor""#
            ),
            Some((false, "arbor.c.node.n1.actor.A".into()))
        );
        assert_eq!(
            permission_violation(
                r#"Permissions Violation for Publish with Reply of "_INBOX.x" to "a.b""#
            ),
            Some((true, "a.b".into()))
        );
        assert_eq!(permission_violation("Maximum Payload Violation"), None);
        assert_eq!(
            permission_violation("Permissions Violation for Publish"),
            None
        );
    }
}

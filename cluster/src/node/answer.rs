//! The answers a serving node sends: replies, refusals, failures (in the reply format of the
//! request's envelope version).

use arbor::CallError;
use arbor::remote::{RemoteError, RemoteErrorKind};
use async_nats::Message;

use super::Node;
use crate::envelope;
use crate::failure::Failure;
use crate::wire;

impl Node {
    pub(super) async fn refuse(&self, name: &str, message: &Message, error: RemoteError) {
        tracing::warn!(
            actor = %name,
            subject = %message.subject,
            kind = ?error.kind(),
            %error,
            "arbor-cluster: refused a request",
        );
        let reply = message.reply.clone();
        if envelope::v1_envelope(message).is_some() {
            // A request of version 1 (an older node): refused in the reply format it reads.
            let Some(reply) = reply else { return };
            let failure = self.failure(&CallError::Remote(error));
            if let Err(error) = self.publish_failure(reply, failure, true).await {
                tracing::warn!(node = %self.inner.node, %error, "arbor-cluster: cannot send a reply");
            }
            return;
        }
        self.answer(reply, Err(CallError::Remote(error))).await;
    }

    /// Sends the answer to a call (nothing for a cast). A reply too large for the limit is
    /// replaced by a `TooLarge` error, so the caller never waits for its timeout.
    pub(super) async fn answer(
        &self,
        reply: Option<async_nats::Subject>,
        result: Result<Vec<u8>, CallError>,
    ) {
        let Some(reply) = reply else { return };
        let limit = self.max_payload();
        let outcome = match result {
            Ok(bytes) if bytes.len() + 1 > limit => Err(Failure::remote(
                RemoteErrorKind::TooLarge,
                format!(
                    "the reply of {} bytes is over the limit of {limit}",
                    bytes.len()
                ),
            )),
            Ok(bytes) => Ok(bytes),
            Err(error) => Err(self.failure(&error)),
        };
        let client = &self.inner.client;
        let sent = match outcome {
            Ok(bytes) => {
                let size = bytes.len();
                let sent = client
                    .publish(reply.clone(), envelope::reply_payload(true, &bytes).into())
                    .await;
                match sent {
                    Err(e)
                        if e.kind() == async_nats::client::PublishErrorKind::MaxPayloadExceeded =>
                    {
                        let failure = Failure::remote(
                            RemoteErrorKind::TooLarge,
                            format!("the reply of {size} bytes is over the server's max_payload"),
                        );
                        self.publish_failure(reply, failure, false).await
                    }
                    other => other,
                }
            }
            Err(failure) => self.publish_failure(reply, failure, false).await,
        };
        if let Err(error) = sent {
            tracing::warn!(node = %self.inner.node, %error, "arbor-cluster: cannot send a reply");
        }
    }

    /// Sends `failure` as the reply, in version 1's format (a status header) when `v1`.
    async fn publish_failure(
        &self,
        reply: async_nats::Subject,
        failure: Failure,
        v1: bool,
    ) -> Result<(), async_nats::PublishError> {
        let bytes = wire::encode(&failure).unwrap_or_default();
        let client = &self.inner.client;
        if v1 {
            client
                .publish_with_headers(reply, envelope::v1_error_headers(), bytes.into())
                .await
        } else {
            client
                .publish(reply, envelope::reply_payload(false, &bytes).into())
                .await
        }
    }

    fn failure(&self, error: &CallError) -> Failure {
        let names = self.inner.names.lock().unwrap_or_else(|e| e.into_inner());
        Failure::from_call(error, &self.inner.node, |id| names.get(&id).cloned())
    }
}

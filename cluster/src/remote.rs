//! A remote target: an actor exported by some node, reached over NATS. A call is a request
//! whose reply comes back on this connection's inbox (late replies, after the caller's
//! timeout, are dropped there); a cast is a publish.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use arbor::remote::{
    BoxFuture, EncodeArgs, RemoteActor, RemoteCall, RemoteCast, RemoteError, RemoteErrorKind,
};
use arbor::{CallError, CastError};
use bytes::Bytes;

use crate::node::Node;
use crate::{envelope, events};

/// An actor exported by some node, reached over NATS.
pub(crate) struct NatsRemote {
    pub node: Node,
    pub name: Arc<str>,
    pub subject: async_nats::Subject,
    /// Who serves it: a call in flight fails with `NodeDown` when that node is lost.
    pub serving: crate::membership::Serving,
}

impl fmt::Debug for NatsRemote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (via {})", self.name, self.subject)
    }
}

fn transport(kind: RemoteErrorKind, detail: impl fmt::Display) -> RemoteError {
    RemoteError::new(kind, detail.to_string())
}

impl NatsRemote {
    /// What fails before anything is sent: a payload (envelope included) over the limit, no
    /// connection.
    fn precheck(&self, payload: &[u8]) -> Result<(), RemoteError> {
        let node = &self.node;
        if !node.can_send() {
            return Err(transport(
                RemoteErrorKind::Disconnected,
                "this node is not connected to the cluster",
            ));
        }
        let limit = node.max_payload();
        if payload.len() > limit {
            return Err(transport(
                RemoteErrorKind::TooLarge,
                format!(
                    "a payload of {} bytes for `{}`, over the limit of {limit}",
                    payload.len(),
                    self.name
                ),
            ));
        }
        Ok(())
    }
}

impl RemoteActor for NatsRemote {
    fn call(&self, call: RemoteCall) -> BoxFuture<Result<Vec<u8>, CallError>> {
        let callers = self.node.outgoing(call.callers);
        let payload = envelope::request_payload(
            call.protocol,
            call.message,
            Some(call.timeout),
            &callers,
            &call.payload,
        );
        let checked = self.precheck(&payload);
        let node = self.node.clone();
        let subject = self.subject.clone();
        // No headers: the envelope is in the payload (envelope.rs).
        let request = async_nats::Request::new()
            .payload(Bytes::from(payload))
            .timeout(Some(call.timeout));
        // From here on, a refusal of this publish or a lost connection ends the call, and so
        // does the loss of the node that serves it (membership).
        let mut events = node.link().watch();
        let loss = node.membership().watch_loss(&self.serving, true);
        Box::pin(async move {
            use async_nats::RequestErrorKind as K;
            checked.map_err(CallError::Remote)?;
            let client = &node.nats();
            let sent = tokio::select! {
                biased;
                sent = client.send_request(subject.clone(), request) => sent,
                refused = events::refusal(&mut events, &subject, "_INBOX.") => {
                    return Err(CallError::Remote(refused));
                }
                lost = loss.lost() => return Err(CallError::Remote(lost)),
            };
            let reply = sent.map_err(|e| match e.kind() {
                K::TimedOut => CallError::Timeout,
                K::NoResponders => CallError::Exited(arbor::codegen::not_running()),
                K::MaxPayloadExceeded => CallError::Remote(transport(RemoteErrorKind::TooLarge, e)),
                _ => CallError::Remote(transport(RemoteErrorKind::Transport, e)),
            })?;
            envelope::reply_result(&reply, node.name())
        })
    }

    fn cast(&self, cast: RemoteCast) -> BoxFuture<Result<(), CastError>> {
        let payload =
            envelope::request_payload(cast.protocol, cast.message, None, "", &cast.payload);
        self.publish(Ok(payload))
    }

    fn cast_args(
        &self,
        protocol: &'static str,
        message: &'static str,
        args: &dyn EncodeArgs,
    ) -> BoxFuture<Result<(), CastError>> {
        // The arguments encoded once, straight behind the envelope.
        self.publish(envelope::request_payload_args(
            protocol, message, None, "", args,
        ))
    }

    fn as_any(&self) -> Option<&dyn std::any::Any> {
        Some(self)
    }
}

impl NatsRemote {
    /// What fails a cast's payload before it is sent (see [`precheck`](Self::precheck)), and
    /// a subject the server refused publishing to.
    fn checked<P: AsRef<[u8]>>(&self, payload: Result<P, RemoteError>) -> Result<P, RemoteError> {
        let payload = payload?;
        self.precheck(payload.as_ref())?;
        self.node.link().check_publish(&self.subject)?;
        Ok(payload)
    }

    /// Sends a cast's payload (as [`RemoteActor::cast_args`] does) without the seam's boxed
    /// future: what `wire::cast_remote` uses when the target is this transport's.
    pub(crate) fn send_cast(
        &self,
        payload: Result<Bytes, RemoteError>,
    ) -> impl Future<Output = Result<(), CastError>> + Send + '_ {
        let checked = self.checked(payload);
        async move {
            let payload = checked.map_err(CastError::Remote)?;
            self.node
                .nats()
                .publish(self.subject.clone(), payload)
                .await
                .map_err(publish_error)
        }
    }

    /// Sends a cast's payload: a plain publish, no headers (the envelope is in the payload,
    /// envelope.rs). The subject is this target's, made once: cloning it takes no allocation.
    fn publish(&self, payload: Result<Vec<u8>, RemoteError>) -> BoxFuture<Result<(), CastError>> {
        let checked = self.checked(payload);
        let node = self.node.clone();
        let subject = self.subject.clone();
        Box::pin(async move {
            let payload = checked.map_err(CastError::Remote)?;
            node.nats()
                .publish(subject, Bytes::from(payload))
                .await
                .map_err(publish_error)
        })
    }
}

fn publish_error(e: async_nats::client::PublishError) -> CastError {
    let kind = match e.kind() {
        async_nats::client::PublishErrorKind::MaxPayloadExceeded => RemoteErrorKind::TooLarge,
        _ => RemoteErrorKind::Transport,
    };
    CastError::Remote(transport(kind, e))
}

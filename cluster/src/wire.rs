//! What generated code needs to send messages across nodes and to serve them: the codec
//! (serde with `postcard`, a compact binary format), the client side ([`call_remote`],
//! [`cast_remote`]) and the serving side ([`Serve`], [`Served`], [`decode`]).
//!
//! A message crosses the network as its arguments, encoded as one tuple (`(user, text)`), with
//! the protocol and message names and the caller chain in the envelope (a short binary prefix
//! of the payload, see [`envelope`](crate::envelope)). A reply is the handler's return value,
//! encoded. Nothing here touches the network: a [`RemoteActor`] does.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use arbor::remote::{EncodeArgs, RemoteActor, RemoteCall, RemoteError, RemoteErrorKind};
use arbor::{CallError, CastError, CastNow};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::remote::NatsRemote;

/// The version of the envelope this crate speaks; a request of another version is refused
/// with [`RemoteErrorKind::Version`]. Version 1 carried the envelope in NATS headers; version 2
/// carries it in the payload ([`envelope`](crate::envelope)).
pub const VERSION: u32 = 2;

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// Encodes `value` with the wire codec.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, RemoteError> {
    postcard::to_stdvec(value)
        .map_err(|e| RemoteError::new(RemoteErrorKind::Decode, format!("cannot encode: {e}")))
}

/// A message's arguments as the transport encodes them: with the wire codec, once, into the
/// buffer it sends ([`RemoteActor::cast_args`]).
pub struct Encoded<'a, T: ?Sized>(pub &'a T);

impl<T: Serialize + ?Sized> EncodeArgs for Encoded<'_, T> {
    fn encoded_len(&self) -> Result<usize, RemoteError> {
        encoded_len(self.0)
    }

    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), RemoteError> {
        encode_into(self.0, out)
    }
}

/// The length of `value` encoded with the wire codec.
pub(crate) fn encoded_len<T: Serialize + ?Sized>(value: &T) -> Result<usize, RemoteError> {
    postcard::serialize_with_flavor(value, postcard::ser_flavors::Size::default())
        .map_err(cannot_encode)
}

/// Appends `value`, encoded with the wire codec, to `out`.
pub(crate) fn encode_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut impl bytes::BufMut,
) -> Result<(), RemoteError> {
    postcard::serialize_with_flavor(value, Append(out)).map_err(cannot_encode)
}

fn cannot_encode(e: postcard::Error) -> RemoteError {
    RemoteError::new(RemoteErrorKind::Decode, format!("cannot encode: {e}"))
}

/// A postcard flavor that appends to a buffer (postcard's own allocate a new one).
struct Append<'a, B>(&'a mut B);

impl<B: bytes::BufMut> postcard::ser_flavors::Flavor for Append<'_, B> {
    type Output = ();

    #[inline]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.put_u8(byte);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.0.put_slice(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Decodes a `T` from `bytes` with the wire codec; trailing bytes are an error.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RemoteError> {
    match postcard::take_from_bytes::<T>(bytes) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(RemoteError::new(
            RemoteErrorKind::Decode,
            format!("{} bytes left over after the message", rest.len()),
        )),
        Err(e) => Err(RemoteError::new(
            RemoteErrorKind::Decode,
            format!("does not decode as {}: {e}", std::any::type_name::<T>()),
        )),
    }
}

/// Calls message `message` of `protocol` on a remote actor with `args` (the message's
/// arguments as a tuple) and decodes the reply. What a generated client's call method does
/// when its target is remote.
pub async fn call_remote<Args, R>(
    remote: &dyn RemoteActor,
    protocol: &'static str,
    message: &'static str,
    args: &Args,
    timeout: Duration,
) -> Result<R, CallError>
where
    Args: Serialize + ?Sized,
    R: DeserializeOwned,
{
    let payload = encode(args).map_err(CallError::Remote)?;
    let reply = remote
        .call(RemoteCall {
            protocol,
            message,
            payload,
            timeout,
            callers: arbor::remote::outgoing_callers(),
        })
        .await?;
    decode(&reply).map_err(CallError::Remote)
}

/// Casts message `message` of `protocol` to a remote actor with `args` (a tuple): at most
/// once, handed to the transport when this returns. What a generated client's cast method
/// does when its target is remote. The arguments are encoded once, into the buffer the
/// transport sends ([`RemoteActor::cast_args`]); a target of this crate's NATS transport is
/// sent to without the seam's boxed future, its payload cut from a per-thread buffer
/// (`envelope::cast_payload`).
pub async fn cast_remote<Args>(
    remote: &dyn RemoteActor,
    protocol: &'static str,
    message: &'static str,
    args: &Args,
) -> Result<(), CastError>
where
    Args: Serialize + ?Sized,
{
    if let Some(nats) = remote
        .as_any()
        .and_then(|any| any.downcast_ref::<NatsRemote>())
    {
        let payload = crate::envelope::cast_payload(protocol, message, args);
        return nats.send_cast(payload).await;
    }
    remote.cast_args(protocol, message, &Encoded(args)).await
}

/// The work that answers one request, as [`Serve::serve`] returns it: a call's future with
/// its encoded reply, or a cast, usually already queued.
pub enum Served {
    /// A call: the reply, encoded, or the error the caller gets.
    Call(BoxFuture<Result<Vec<u8>, CallError>>),
    /// A cast: queued (or refused) already, or a future that queues it once the actor's
    /// mailbox, full and blocking, has room ([`Port::cast_now`](arbor::codegen::Port::cast_now),
    /// [`ActorRef::cast_now`](arbor::ActorRef::cast_now)). The node awaits a waiting cast
    /// before it reads the next request, so casts from one sender keep their order.
    Cast(CastNow),
}

impl Served {
    /// A call answered by `reply` (typically the local client's call method), encoded.
    pub fn reply<R, F>(reply: F) -> Served
    where
        R: Serialize + Send + 'static,
        F: Future<Output = Result<R, CallError>> + Send + 'static,
    {
        Served::Call(Box::pin(async move {
            let value = reply.await?;
            encode(&value).map_err(CallError::Remote)
        }))
    }

    /// A cast delivered by `delivered` (a client's cast method, when its target is not a
    /// local actor; a local one is offered with `cast_now`, see [`Served::Cast`]).
    pub fn cast<F>(delivered: F) -> Served
    where
        F: Future<Output = Result<(), CastError>> + Send + 'static,
    {
        Served::Cast(CastNow::Wait(Box::pin(delivered)))
    }
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Served::Call(_) => "Served::Call",
            Served::Cast(_) => "Served::Cast",
        })
    }
}

/// An exported actor's protocol, as the serving node dispatches to it: implemented by the
/// generated client of every protocol that crosses nodes (it decodes the arguments and calls
/// the local actor through itself, so restarts are followed and deferred replies work).
pub trait Serve: Send + Sync + 'static {
    /// The protocol's name, as the spec declares it.
    fn protocol(&self) -> &'static str;

    /// Decodes `payload` as message `message` and returns the work that answers it; a call
    /// waits at most `timeout` (what is left of the caller's). An unknown message or bytes
    /// that do not decode are an error, answered to the caller without touching the actor.
    fn serve(
        &self,
        message: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Served, RemoteError>;

    /// The local actor that serves now, if it runs: lets the node name it in caller chains
    /// and deadlock reports.
    fn actor_id(&self) -> Option<arbor::ActorId> {
        None
    }

    /// The local actor that serves now, as a cell: lets other nodes monitor it
    /// ([`Node::monitor`](crate::Node::monitor)) and global names follow its exit.
    fn actor_cell(&self) -> Option<arbor::ActorCell> {
        None
    }
}

/// The error a [`Serve`] implementation returns for a message its protocol does not have.
pub fn unknown_message(protocol: &str, message: &str) -> RemoteError {
    RemoteError::new(
        RemoteErrorKind::UnknownMessage,
        format!("protocol `{protocol}` has no message `{message}`"),
    )
}

/// Types that can cross nodes: serde types that own their data. Every argument and reply
/// type of a protocol that crosses nodes must be one; generated code checks it with a
/// message naming the protocol.
pub trait WireType: Serialize + DeserializeOwned + Send + 'static {}

impl<T: Serialize + DeserializeOwned + Send + 'static> WireType for T {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_round_trip_as_a_tuple() {
        let bytes = encode(&(&7u32, &"text".to_string())).unwrap();
        let (n, text): (u32, String) = decode(&bytes).unwrap();
        assert_eq!((n, text.as_str()), (7, "text"));
    }

    #[test]
    fn arguments_encode_in_place_as_they_encode_alone() {
        let args = (&7u32, &"text".to_string(), &vec![1u64, 300, u64::MAX]);
        let alone = encode(&args).unwrap();
        let encoded = Encoded(&args);
        assert_eq!(encoded.encoded_len().unwrap(), alone.len());
        let mut out = vec![0xAA];
        encoded.encode_into(&mut out).unwrap();
        assert_eq!(out[0], 0xAA, "appended, not overwritten");
        assert_eq!(&out[1..], &alone[..]);
    }

    #[test]
    fn bytes_that_do_not_decode_are_a_decode_error() {
        let err = decode::<(String,)>(&[0xff, 0xff, 0xff]).unwrap_err();
        assert_eq!(err.kind(), RemoteErrorKind::Decode);
        let err = decode::<(u8,)>(&[1, 2]).unwrap_err();
        assert_eq!(err.kind(), RemoteErrorKind::Decode, "{err}");
        assert!(err.detail().contains("left over"), "{err}");
    }
}

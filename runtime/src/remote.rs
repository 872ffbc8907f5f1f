//! The seam for actors on other nodes: what a transport (the `arbor-cluster` crate, on NATS)
//! implements so that a generated client can reach an actor that does not run in this process.
//!
//! The runtime knows nothing of networks or encodings. A [`Target`](crate::codegen::Target)
//! can be [`Remote`](crate::codegen::Target::Remote): a [`RemoteActor`] that takes a message
//! already encoded by the generated code and answers with the encoded reply. A client whose
//! target is local never reaches this module (no encoding, no allocation on the local path).
//!
//! Caller chains cross nodes as [`Hop`]s: [`outgoing_callers`] is the chain a remote call
//! carries, and [`with_callers`] runs the serving side's local call on behalf of that chain, so
//! a cycle through several nodes fails at once with [`CallError::Deadlock`](crate::CallError)
//! naming every hop.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::call::CallError;
use crate::handle::CastError;

pub use crate::error::{RemoteError, RemoteErrorKind};

pub use crate::lineage::{Hop, WithCallers, outgoing_callers, with_callers};

/// A boxed, sendable future: what a [`RemoteActor`] returns.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A call on its way to an actor of another node.
#[derive(Clone, Debug)]
pub struct RemoteCall {
    /// The protocol's name, as the spec declares it (`Room`).
    pub protocol: &'static str,
    /// The message's name (`join`).
    pub message: &'static str,
    /// The arguments, encoded by the generated client.
    pub payload: Vec<u8>,
    /// How long the caller waits for the reply.
    pub timeout: Duration,
    /// The callers waiting on this call, immediate caller first ([`outgoing_callers`]).
    pub callers: Vec<Hop>,
}

/// A cast on its way to an actor of another node (fire-and-forget, at most once).
#[derive(Clone, Debug)]
pub struct RemoteCast {
    /// The protocol's name.
    pub protocol: &'static str,
    /// The message's name.
    pub message: &'static str,
    /// The arguments, encoded by the generated client.
    pub payload: Vec<u8>,
}

/// A message's arguments, not encoded yet: what a generated client hands a transport
/// ([`RemoteActor::cast_args`]) so that they are encoded once, straight into the transport's
/// buffer behind its envelope (no second buffer, no copy). The runtime knows no encoding: the
/// transport's codec implements this.
pub trait EncodeArgs {
    /// The length of the encoded arguments, in bytes.
    fn encoded_len(&self) -> Result<usize, RemoteError>;

    /// Appends the encoded arguments to `out` (what is appended on an error is discarded).
    fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), RemoteError>;
}

/// An actor of another node, as a transport reaches it.
///
/// `call` answers with the encoded reply or a [`CallError`]: an actor nobody serves fails with
/// [`CallError::Exited`] and the runtime's `noproc` reason, as a dead local actor does; every
/// failure of the transport itself is a [`CallError::Remote`]. Neither method may hang past
/// the call's timeout.
pub trait RemoteActor: Send + Sync + fmt::Debug + 'static {
    /// Sends a call and waits for its encoded reply, at most `call.timeout`.
    fn call(&self, call: RemoteCall) -> BoxFuture<Result<Vec<u8>, CallError>>;

    /// Sends a cast; completes once the message is handed to the transport.
    fn cast(&self, cast: RemoteCast) -> BoxFuture<Result<(), CastError>>;

    /// Sends a cast of message `message` of `protocol` whose arguments `args` encodes; what a
    /// generated client's cast does. A transport that frames the arguments (an envelope in
    /// front of them) overrides it to encode them once, into the buffer it sends. By default,
    /// the arguments are encoded into a buffer of their own and sent with
    /// [`cast`](RemoteActor::cast).
    fn cast_args(
        &self,
        protocol: &'static str,
        message: &'static str,
        args: &dyn EncodeArgs,
    ) -> BoxFuture<Result<(), CastError>> {
        let mut payload = Vec::new();
        let encoded = args.encoded_len().and_then(|len| {
            payload.reserve_exact(len);
            args.encode_into(&mut payload)
        });
        match encoded {
            Ok(()) => self.cast(RemoteCast {
                protocol,
                message,
                payload,
            }),
            Err(e) => Box::pin(std::future::ready(Err(CastError::Remote(e)))),
        }
    }

    /// The transport itself, for its own code to reach it without this trait's boxed
    /// futures (a transport's encoding helpers, called by generated code with a
    /// `&dyn RemoteActor`, can downcast it to their own type). `None` by default.
    fn as_any(&self) -> Option<&dyn std::any::Any> {
        None
    }
}

//! The envelope a message crosses the network in: a short binary prefix of the payload, in
//! front of the encoded arguments, and a status byte in front of a reply. No NATS headers:
//! a NATS client builds a header map (a hash map) for every message that has headers, on both
//! sides, and serializes them twice on send — for a cast that was most of its cost.
//!
//! A request's payload ([`request_payload`]):
//!
//! | bytes | field |
//! |---|---|
//! | 1 | [`MAGIC`] (`0xA7`): not an Arbor request otherwise |
//! | 1 | the envelope [`VERSION`] (`2`) |
//! | 1 | flags: [`CALL`] (a timeout follows), [`CHAIN`] (a caller chain follows) |
//! | varint, UTF-8 | the protocol's name |
//! | varint, UTF-8 | the message's name |
//! | varint | with [`CALL`]: the timeout in milliseconds |
//! | varint, UTF-8 | with [`CHAIN`]: the caller chain, immediate caller first: `id@node/actor,…` |
//! | the rest | the arguments, encoded ([`wire`]) |
//!
//! (`varint` is an unsigned LEB128 integer, as postcard writes them; a text is its length in
//! bytes, then the bytes.) A reply's payload is [`STATUS_OK`] and the encoded value, or
//! [`STATUS_ERROR`] and an encoded failure (see [`reply_result`]).
//!
//! Everything a receiver reads here is validated, without copying: a malformed envelope is a
//! [`Decode`](RemoteErrorKind::Decode) error, another envelope version (including version 1,
//! whose envelope was in NATS headers) a [`Version`](RemoteErrorKind::Version) error, never a
//! panic. A version-1 request is answered in version 1's reply format, so that an older node
//! reads the `Version` error too.

use std::sync::Arc;
use std::time::Duration;

use arbor::CallError;
use arbor::remote::{EncodeArgs, Hop, RemoteError, RemoteErrorKind};
use async_nats::{HeaderMap, HeaderName, Message};
use bytes::{BufMut, Bytes, BytesMut};

use crate::failure::Failure;
use crate::wire;

/// The first byte of every request.
pub const MAGIC: u8 = 0xA7;
/// The envelope version this crate speaks (the second byte of a request).
pub const VERSION: u8 = 2;
const _: () = assert!(wire::VERSION == VERSION as u32, "one version");
/// Flag: a call (the timeout follows the names); a cast without it.
pub const CALL: u8 = 0b01;
/// Flag: a caller chain follows.
pub const CHAIN: u8 = 0b10;
/// A reply's first byte: the value follows.
pub const STATUS_OK: u8 = 0;
/// A reply's first byte: an encoded failure follows.
pub const STATUS_ERROR: u8 = 1;

/// Header of the probe an export sends to itself to learn that its subscriptions are in
/// place; receivers ignore such messages.
pub(crate) const H_PROBE: &str = "Arbor-Probe";

// Version 1's headers: recognized to refuse its requests with a `Version` error and to read
// its replies (an older node refusing a request of this version).
#[allow(clippy::declare_interior_mutable_const)]
const V1_ENVELOPE: HeaderName = HeaderName::from_static("Arbor");
#[allow(clippy::declare_interior_mutable_const)]
const V1_STATUS: HeaderName = HeaderName::from_static("Arbor-Status");

/// The longest caller chain a request may carry.
const MAX_HOPS: usize = 256;

/// A request's envelope, read from its payload; the texts and the arguments borrow from it.
#[derive(Debug)]
pub(crate) struct Envelope<'a> {
    pub protocol: &'a str,
    pub message: &'a str,
    pub timeout: Duration,
    pub callers: Vec<Hop>,
    pub args: &'a [u8],
}

/// The payload of a request for message `message` of `protocol` with the encoded `args`: a
/// call waiting at most `timeout` when it is given, else a cast; `callers` is the caller chain
/// as `format_chain` writes it (empty: none).
pub fn request_payload(
    protocol: &str,
    message: &str,
    timeout: Option<Duration>,
    callers: &str,
    args: &[u8],
) -> Vec<u8> {
    let front = Front::new(protocol, message, timeout, callers);
    let mut out = Vec::with_capacity(front.len + args.len());
    front.write(&mut out);
    out.extend_from_slice(args);
    out
}

/// [`request_payload`] with arguments not encoded yet: they are encoded once, straight behind
/// the envelope, into a buffer of exactly the payload's size (so that `Bytes::from` takes it
/// over without another allocation).
pub(crate) fn request_payload_args(
    protocol: &str,
    message: &str,
    timeout: Option<Duration>,
    callers: &str,
    args: &dyn EncodeArgs,
) -> Result<Vec<u8>, RemoteError> {
    let front = Front::new(protocol, message, timeout, callers);
    let mut out = Vec::with_capacity(front.len + args.encoded_len()?);
    front.write(&mut out);
    args.encode_into(&mut out)?;
    Ok(out)
}

/// The per-thread buffer cast payloads are cut from ([`cast_payload`]): a chunk of `ARENA`
/// bytes whose payloads share it (each a reference count on it, no allocation of its own); a
/// chunk still referenced by payloads in flight is left to them and a new one taken, a chunk
/// no longer referenced is reused. At most `ARENA` bytes per thread stay allocated.
const ARENA: usize = 4096;
/// Payloads longer than this get a buffer of their own.
const ARENA_MAX: usize = 1024;
/// How many cast envelopes a thread keeps written ([`cast_payload`]).
const PREFIXES: usize = 4;

/// A cast envelope's key: its protocol's and message's names (`'static`: their addresses and
/// lengths name them, and their bytes never change).
type PrefixKey = [usize; 4];

/// A thread's cast payload buffer, and the envelopes of its last casts, written: a cast's
/// envelope only depends on its protocol and message, so a sender casting the same message
/// again copies it instead of measuring and writing it field by field.
struct CastBuffer {
    payloads: BytesMut,
    prefixes: [(PrefixKey, Vec<u8>); PREFIXES],
    /// The entry replaced next.
    next: usize,
}

impl CastBuffer {
    /// Where the envelope of a cast of `message` of `protocol` is, written if it was not.
    fn prefix_at(&mut self, protocol: &'static str, message: &'static str) -> usize {
        let key = [
            protocol.as_ptr() as usize,
            protocol.len(),
            message.as_ptr() as usize,
            message.len(),
        ];
        match self.prefixes.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                let at = self.next;
                self.next = (at + 1) % PREFIXES;
                let (k, bytes) = &mut self.prefixes[at];
                bytes.clear();
                Front::new(protocol, message, None, "").write(bytes);
                *k = key;
                at
            }
        }
    }
}

thread_local! {
    static CAST_BUFFER: std::cell::RefCell<CastBuffer> = std::cell::RefCell::new(CastBuffer {
        payloads: BytesMut::with_capacity(ARENA),
        // No `&'static str` is at address 0: no key matches these.
        prefixes: Default::default(),
        next: 0,
    });
}

/// The payload of a cast of message `message` of `protocol` with arguments `args` (encoded
/// with the wire codec straight behind the envelope): what [`request_payload_args`] writes for
/// a cast, as `Bytes` the NATS client can clone without an allocation (it clones every
/// payload it sends; a `Bytes` made from a `Vec` allocates a shared header on its first
/// clone). Small payloads are cut from a per-thread buffer (see `ARENA`), behind an envelope
/// written once per thread and message (see [`CastBuffer`]), so a cast allocates nothing;
/// larger ones get a buffer of their own.
pub(crate) fn cast_payload<T: serde::Serialize + ?Sized>(
    protocol: &'static str,
    message: &'static str,
    args: &T,
) -> Result<Bytes, RemoteError> {
    let args_len = wire::encoded_len(args)?;
    if let Some(payload) = CAST_BUFFER.with(|local| {
        // Never re-entered (encoding does not cast); no panic if it were.
        let mut local = local.try_borrow_mut().ok()?;
        let local = &mut *local;
        let at = local.prefix_at(protocol, message);
        let prefix = &local.prefixes[at].1;
        let len = prefix.len() + args_len;
        if len > ARENA_MAX {
            return None;
        }
        let buffer = &mut local.payloads;
        buffer.reserve(len);
        buffer.extend_from_slice(prefix);
        Some(match wire::encode_into(args, buffer) {
            Ok(()) => Ok(buffer.split().freeze()),
            Err(e) => {
                buffer.clear();
                Err(e)
            }
        })
    }) {
        return payload;
    }
    let front = Front::new(protocol, message, None, "");
    let mut out = Vec::with_capacity(front.len + args_len);
    front.write(&mut out);
    wire::encode_into(args, &mut out)?;
    Ok(Bytes::from(out))
}

/// A request's envelope, measured before it is written.
struct Front<'a> {
    protocol: &'a str,
    message: &'a str,
    timeout: Option<u64>,
    callers: &'a str,
    /// Its length in bytes.
    len: usize,
}

impl<'a> Front<'a> {
    fn new(
        protocol: &'a str,
        message: &'a str,
        timeout: Option<Duration>,
        callers: &'a str,
    ) -> Front<'a> {
        let timeout = timeout.map(|t| u64::try_from(t.as_millis()).unwrap_or(u64::MAX));
        let mut len = 3 + text_len(protocol) + text_len(message);
        if let Some(ms) = timeout {
            len += varint_len(ms);
        }
        if !callers.is_empty() {
            len += text_len(callers);
        }
        Front {
            protocol,
            message,
            timeout,
            callers,
            len,
        }
    }

    fn write(&self, out: &mut impl BufMut) {
        let mut flags = 0;
        if self.timeout.is_some() {
            flags |= CALL;
        }
        if !self.callers.is_empty() {
            flags |= CHAIN;
        }
        out.put_slice(&[MAGIC, VERSION, flags]);
        put_text(out, self.protocol);
        put_text(out, self.message);
        if let Some(ms) = self.timeout {
            put_varint(out, ms);
        }
        if !self.callers.is_empty() {
            put_text(out, self.callers);
        }
    }
}

/// The length of `n` as a varint.
fn varint_len(n: u64) -> usize {
    (64 - (n | 1).leading_zeros() as usize).div_ceil(7)
}

fn text_len(text: &str) -> usize {
    varint_len(text.len() as u64) + text.len()
}

fn put_varint(out: &mut impl BufMut, mut n: u64) {
    while n >= 0x80 {
        out.put_u8((n as u8) | 0x80);
        n >>= 7;
    }
    out.put_u8(n as u8);
}

fn put_text(out: &mut impl BufMut, text: &str) {
    put_varint(out, text.len() as u64);
    out.put_slice(text.as_bytes());
}

fn bad(what: impl Into<String>) -> RemoteError {
    RemoteError::new(RemoteErrorKind::Decode, what.into())
}

/// Reads the payload front to back; every error names what was being read.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self, what: &str) -> Result<u8, RemoteError> {
        let (&byte, rest) = self
            .0
            .split_first()
            .ok_or_else(|| bad(format!("the envelope ends before its {what}")))?;
        self.0 = rest;
        Ok(byte)
    }

    fn varint(&mut self, what: &str) -> Result<u64, RemoteError> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte(what)?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(bad(format!("the envelope's {what} is not a valid varint")))
    }

    fn text(&mut self, what: &str) -> Result<&'a str, RemoteError> {
        let len = self.varint(what)?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&len| len <= self.0.len())
            .ok_or_else(|| bad(format!("the envelope ends inside its {what}")))?;
        let (text, rest) = self.0.split_at(len);
        self.0 = rest;
        std::str::from_utf8(text).map_err(|_| bad(format!("the envelope's {what} is not UTF-8")))
    }
}

impl<'a> Envelope<'a> {
    /// Reads and validates the envelope of `message`, a request received by `this_node`.
    pub fn read(message: &'a Message, this_node: &str) -> Result<Envelope<'a>, RemoteError> {
        if let Some(v1) = v1_envelope(message) {
            return Err(RemoteError::new(
                RemoteErrorKind::Version,
                format!(
                    "a version-1 envelope in headers ({v1:?}), this node speaks version {VERSION}"
                ),
            ));
        }
        Envelope::parse(&message.payload, this_node)
    }

    /// The usual request read at once: a cast (no flags) of `protocol` (the serving actor's),
    /// whose names are 1 to 127 bytes long (a one-byte length each). `None` for anything else,
    /// which [`parse`](Envelope::parse) reads (and refuses with its errors): what this reads is
    /// exactly what `parse` would, with the protocol already compared.
    #[inline]
    pub(crate) fn cast_of(payload: &'a [u8], protocol: &'static str) -> Option<Envelope<'a>> {
        let expected = protocol.as_bytes();
        let [MAGIC, VERSION, 0, len, rest @ ..] = payload else {
            return None;
        };
        if usize::from(*len) != expected.len() || expected.is_empty() || *len >= 0x80 {
            return None;
        }
        let (name, rest) = rest.split_at_checked(expected.len())?;
        if name != expected {
            return None;
        }
        let (&len, rest) = rest.split_first()?;
        if len == 0 || len >= 0x80 {
            return None;
        }
        let (message, args) = rest.split_at_checked(usize::from(len))?;
        Some(Envelope {
            protocol,
            message: std::str::from_utf8(message).ok()?,
            timeout: arbor::DEFAULT_CALL_TIMEOUT,
            callers: Vec::new(),
            args,
        })
    }

    /// Reads and validates the envelope at the front of `payload`.
    pub fn parse(payload: &'a [u8], this_node: &str) -> Result<Envelope<'a>, RemoteError> {
        let mut reader = Reader(payload);
        if reader.0.first() != Some(&MAGIC) {
            return Err(bad("not an Arbor request: no envelope in the payload"));
        }
        reader.0 = &reader.0[1..];
        let version = reader.byte("version")?;
        if version != VERSION {
            return Err(RemoteError::new(
                RemoteErrorKind::Version,
                format!("envelope version {version}, this node speaks {VERSION}"),
            ));
        }
        let flags = reader.byte("flags")?;
        if flags & !(CALL | CHAIN) != 0 {
            return Err(bad(format!("unknown envelope flags {flags:#04x}")));
        }
        let protocol = reader.text("protocol name")?;
        let message = reader.text("message name")?;
        if protocol.is_empty() || message.is_empty() {
            return Err(bad("an empty protocol or message name in the envelope"));
        }
        let timeout = if flags & CALL != 0 {
            Duration::from_millis(reader.varint("timeout")?)
        } else {
            arbor::DEFAULT_CALL_TIMEOUT
        };
        let callers = if flags & CHAIN != 0 {
            parse_chain(reader.text("caller chain")?, this_node)?
        } else {
            Vec::new()
        };
        Ok(Envelope {
            protocol,
            message,
            timeout,
            callers,
            args: reader.0,
        })
    }
}

/// The envelope header of a version-1 request, if `message` is one.
pub(crate) fn v1_envelope(message: &Message) -> Option<&str> {
    let headers = message.headers.as_ref()?;
    headers.get(V1_ENVELOPE).map(|v| v.as_str())
}

/// The caller chain as it leaves `this_node`: local hops get this node's name, and the name
/// `local_name` gives their actor when the hop has none.
pub(crate) fn format_chain(
    callers: Vec<Hop>,
    this_node: &str,
    local_name: impl Fn(u64) -> Option<Arc<str>>,
) -> String {
    let mut out = String::new();
    for hop in callers {
        let (node, actor) = match hop.node {
            Some(node) => (node, hop.actor),
            None => (
                Arc::from(this_node),
                hop.actor.or_else(|| local_name(hop.id)),
            ),
        };
        if !out.is_empty() {
            out.push(',');
        }
        out.push_str(&hop.id.to_string());
        out.push('@');
        escape_into(&node, &mut out);
        if let Some(actor) = actor {
            out.push('/');
            escape_into(&actor, &mut out);
        }
    }
    out
}

fn parse_chain(text: &str, this_node: &str) -> Result<Vec<Hop>, RemoteError> {
    let hops = text
        .split(',')
        .map(|hop| parse_hop(hop, this_node).ok_or_else(|| bad(format!("bad caller {hop:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    if hops.len() > MAX_HOPS {
        return Err(bad(format!(
            "a caller chain of {} hops (at most {MAX_HOPS})",
            hops.len()
        )));
    }
    Ok(hops)
}

/// `id@node[/actor]`; hops of `this_node` become local ones.
fn parse_hop(text: &str, this_node: &str) -> Option<Hop> {
    let (id, rest) = text.split_once('@')?;
    let (node, actor) = match rest.split_once('/') {
        Some((node, actor)) => (node, Some(unescape(actor)?)),
        None => (rest, None),
    };
    let node = unescape(node)?;
    if node.is_empty() {
        return None;
    }
    Some(Hop {
        id: id.parse().ok()?,
        actor: actor.map(Arc::from),
        node: (node != this_node).then(|| Arc::from(node)),
    })
}

/// Names in the chain may hold any character; the separators (`,@/%`) and anything that is
/// not printable ASCII travel as `%XX` (UTF-8 bytes).
fn escape_into(text: &str, out: &mut String) {
    for byte in text.bytes() {
        if byte.is_ascii_graphic() && !b",@/%".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

fn unescape(text: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(text.len());
    let mut rest = text.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).ok()
}

/// The payload of a reply: `body` is the encoded value (`ok`) or an encoded failure.
pub(crate) fn reply_payload(ok: bool, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + body.len());
    out.push(if ok { STATUS_OK } else { STATUS_ERROR });
    out.extend_from_slice(body);
    out
}

/// The headers of a failure answered to a version-1 request (version 1's reply format).
pub(crate) fn v1_error_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(V1_STATUS, "error");
    headers
}

/// Reads a reply received by `this_node`: the encoded value, or the error the remote side
/// answered with (hops of `this_node` in a deadlock chain become local ones). A reply without
/// an Arbor status, or whose failure does not decode, is a [`Decode`](RemoteErrorKind::Decode)
/// error. (A reply in version 1's format — an older node's refusal — is read too.)
pub fn reply_result(reply: &Message, this_node: &str) -> Result<Vec<u8>, CallError> {
    let v1 = reply.headers.as_ref().and_then(|h| h.get(V1_STATUS));
    let (status, body) = match v1.map(|v| v.as_str()) {
        Some("ok") => (STATUS_OK, &reply.payload[..]),
        Some("error") => (STATUS_ERROR, &reply.payload[..]),
        Some(other) => {
            return Err(CallError::Remote(bad(format!(
                "the reply has an unknown status {other:?}"
            ))));
        }
        None => match reply.payload.split_first() {
            Some((&status, body)) => (status, body),
            None => return Err(CallError::Remote(bad("the reply has no Arbor status"))),
        },
    };
    match status {
        STATUS_OK => Ok(body.to_vec()),
        STATUS_ERROR => {
            let failure: Failure = wire::decode(body).map_err(|e| {
                CallError::Remote(RemoteError::new(
                    RemoteErrorKind::Decode,
                    format!("the error reply does not decode: {}", e.detail()),
                ))
            })?;
            Err(failure.into_call(this_node))
        }
        other => Err(CallError::Remote(bad(format!(
            "the reply has an unknown status byte {other}"
        )))),
    }
}

#[cfg(test)]
#[path = "envelope_tests.rs"]
mod tests;

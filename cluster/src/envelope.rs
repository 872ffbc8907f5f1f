//! The envelope a message crosses the network in: NATS headers around the encoded
//! arguments, and the status header around a reply.
//!
//! A request carries one header, [`H_ENVELOPE`]: `<version> <protocol> <message>
//! [<timeout-ms>]` (the timeout for calls only), and, for calls made from inside actors, the
//! caller chain in [`H_CALLERS`]. One short header rather than one per field: headers are
//! parsed into a map on every message, so fewer of them is measurably cheaper. A reply
//! carries `Arbor-Status: ok` and the encoded value, or `error` and an encoded failure (see
//! [`reply_result`]). Everything a
//! receiver reads here is validated: a missing or malformed header is a
//! [`Decode`](RemoteErrorKind::Decode) error, another envelope version a
//! [`Version`](RemoteErrorKind::Version) error, never a panic.

use std::sync::Arc;
use std::time::Duration;

use arbor::CallError;
use arbor::remote::{Hop, RemoteError, RemoteErrorKind};
use async_nats::{HeaderMap, HeaderName, Message};

use crate::failure::Failure;
use crate::wire;

/// Header: the envelope, `<version> <protocol> <message> [<timeout-ms>]`
/// (`1 Room join 5000` for a call, `1 Room say` for a cast).
pub const H_ENVELOPE: &str = "Arbor";
/// Header: the caller chain, immediate caller first: `id@node/actor,…`.
pub const H_CALLERS: &str = "Arbor-Callers";
/// Header of a reply: `ok` (the payload is the value) or `error` (an encoded failure).
pub const H_STATUS: &str = "Arbor-Status";
/// Header of the probe an export sends to itself to learn that its subscriptions are in
/// place; receivers ignore such messages.
pub(crate) const H_PROBE: &str = "Arbor-Probe";

// The names as values built without allocating (a `&str` name is copied on every use).
// (`Bytes` inside is static: nothing is shared or mutated through these constants.)
#[allow(clippy::declare_interior_mutable_const)]
const ENVELOPE: HeaderName = HeaderName::from_static(H_ENVELOPE);
#[allow(clippy::declare_interior_mutable_const)]
const CALLERS: HeaderName = HeaderName::from_static(H_CALLERS);
#[allow(clippy::declare_interior_mutable_const)]
const STATUS: HeaderName = HeaderName::from_static(H_STATUS);

/// The longest caller chain a request may carry.
const MAX_HOPS: usize = 256;

/// A request's envelope, read from its headers.
#[derive(Debug)]
pub(crate) struct Envelope {
    pub protocol: String,
    pub message: String,
    pub timeout: Duration,
    pub callers: Vec<Hop>,
}

/// The headers of a request (a call when `timeout` is given, else a cast).
pub(crate) fn request_headers(
    protocol: &str,
    message: &str,
    timeout: Option<Duration>,
    callers: &str,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut envelope = String::with_capacity(protocol.len() + message.len() + 16);
    envelope.push_str(VERSION_TEXT);
    envelope.push(' ');
    envelope.push_str(protocol);
    envelope.push(' ');
    envelope.push_str(message);
    if let Some(timeout) = timeout {
        envelope.push(' ');
        envelope.push_str(&timeout.as_millis().to_string());
    }
    headers.insert(ENVELOPE, envelope);
    if !callers.is_empty() {
        headers.insert(CALLERS, callers);
    }
    headers
}

const VERSION_TEXT: &str = "1";
const _: () = assert!(wire::VERSION == 1, "VERSION_TEXT must follow wire::VERSION");

fn bad(what: impl Into<String>) -> RemoteError {
    RemoteError::new(RemoteErrorKind::Decode, what.into())
}

impl Envelope {
    /// Reads and validates the envelope of `message`, a request received by `this_node`.
    pub fn read(message: &Message, this_node: &str) -> Result<Envelope, RemoteError> {
        let headers = message
            .headers
            .as_ref()
            .ok_or_else(|| bad("not an Arbor request: no envelope headers"))?;
        let text = headers
            .get(ENVELOPE)
            .map(|v| v.as_str())
            .ok_or_else(|| bad("not an Arbor request: no envelope header"))?;
        let mut fields = text.split(' ');
        let version = fields.next().unwrap_or_default();
        if version != VERSION_TEXT {
            return Err(RemoteError::new(
                RemoteErrorKind::Version,
                format!(
                    "envelope version {version:?}, this node speaks {}",
                    wire::VERSION
                ),
            ));
        }
        let protocol = fields
            .next()
            .filter(|p| !p.is_empty())
            .ok_or_else(|| bad(format!("no protocol name in envelope {text:?}")))?;
        let msg = fields
            .next()
            .filter(|m| !m.is_empty())
            .ok_or_else(|| bad(format!("no message name in envelope {text:?}")))?;
        let timeout = match fields.next() {
            Some(ms) => {
                Duration::from_millis(ms.parse().map_err(|_| bad(format!("bad timeout {ms:?}")))?)
            }
            None => arbor::DEFAULT_CALL_TIMEOUT,
        };
        if fields.next().is_some() {
            return Err(bad(format!("extra fields in envelope {text:?}")));
        }
        let callers = match headers.get(CALLERS).map(|v| v.as_str()) {
            Some(text) if !text.is_empty() => parse_chain(text, this_node)?,
            _ => Vec::new(),
        };
        Ok(Envelope {
            protocol: protocol.to_string(),
            message: msg.to_string(),
            timeout,
            callers,
        })
    }
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

/// The headers of a reply with status `ok` or `error`.
pub(crate) fn reply_headers(ok: bool) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(STATUS, if ok { "ok" } else { "error" });
    headers
}

/// Reads a reply received by `this_node`: the encoded value, or the error the remote side
/// answered with (hops of `this_node` in a deadlock chain become local ones). A reply without
/// an Arbor status, or whose failure does not decode, is a [`Decode`](RemoteErrorKind::Decode)
/// error.
pub fn reply_result(reply: &Message, this_node: &str) -> Result<Vec<u8>, CallError> {
    let status = reply
        .headers
        .as_ref()
        .and_then(|h| h.get(STATUS))
        .map(|v| v.as_str());
    match status {
        Some("ok") => Ok(reply.payload.to_vec()),
        Some("error") => {
            let failure: Failure = wire::decode(&reply.payload).map_err(|e| {
                CallError::Remote(RemoteError::new(
                    RemoteErrorKind::Decode,
                    format!("the error reply does not decode: {}", e.detail()),
                ))
            })?;
            Err(failure.into_call(this_node))
        }
        Some(other) => Err(CallError::Remote(bad(format!(
            "the reply has an unknown status {other:?}"
        )))),
        None => Err(CallError::Remote(bad("the reply has no Arbor status"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chain_round_trips_with_odd_names() {
        let hops = vec![
            Hop {
                id: 3,
                actor: Some("room,1@x/y%z é".into()),
                node: None,
            },
            Hop {
                id: 9,
                actor: None,
                node: Some("n2".into()),
            },
        ];
        let text = format_chain(hops, "n1", |_| None);
        assert!(!text.contains(' '), "{text}");
        let back = parse_chain(&text, "n2").unwrap();
        assert_eq!(back[0].actor.as_deref(), Some("room,1@x/y%z é"));
        assert_eq!(back[0].node.as_deref(), Some("n1"));
        assert_eq!(back[1].node, None, "hops of this node are local");
        assert_eq!(back[1].id, 9);
    }

    #[test]
    fn bad_chains_are_decode_errors() {
        for text in ["x@n1", "1", "1@", "1@n1/%G1", "1@n1/%", "1@n1/%C3"] {
            let err = parse_chain(text, "n2").unwrap_err();
            assert_eq!(err.kind(), RemoteErrorKind::Decode, "{text}");
        }
        let long = vec!["1@n1"; MAX_HOPS + 1].join(",");
        assert_eq!(
            parse_chain(&long, "n2").unwrap_err().kind(),
            RemoteErrorKind::Decode
        );
    }
}

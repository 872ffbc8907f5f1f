//! `Probe`: a small actor and a hand-written [`Serve`] for it (the shape the emitter
//! generates), used by the cluster's tests, benchmarks and the `arbor-test-node` binary.
//!
//! Messages (arguments travel as a tuple):
//! - `echo(n: u64) -> u64`, `add(n: u64) -> u64` (a running total);
//! - `record(n: u64)` (a cast) and `seen() -> Vec<u64>`: what was recorded, in order;
//! - `bump(n: u64)` (a cast): adds to the running total without replying;
//! - `relay(path: Vec<String>) -> Relayed`: calls `relay` on the first exported name of `path`
//!   (`Name` or `Name@node`) with the rest, from inside the handler; answers where the path
//!   ended, or the deadlock (every hop as `actor@node`) or error met on the way;
//! - `slow(n: u64, ms: u64) -> u64`: answers `n` after `ms`, whatever the caller's timeout
//!   (a deliberately late reply; the actor is not involved);
//! - `big(len: u32) -> Vec<u8>`: a reply of `len` bytes;
//! - `crash() -> u64`: the actor panics with `"crash requested"`.

use std::time::Duration;

use arbor::prelude::*;
use arbor::remote::RemoteError;
use serde::{Deserialize, Serialize};

use crate::Node;
use crate::wire::{self, Serve, Served};

/// The protocol's name.
pub const PROTOCOL: &str = "Probe";

/// Where a `relay` ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Relayed {
    /// The last actor of the path answered: its `name@node`.
    Reached(String),
    /// A call on the way closed a cycle: every hop of the deadlock, as `actor@node`.
    Deadlock(Vec<String>),
    /// A call on the way failed otherwise.
    Failed(String),
}

/// The `Probe` actor's state.
pub struct Probe {
    node: Node,
    name: String,
    total: u64,
    seen: Vec<u64>,
}

/// `Probe`'s casts.
pub enum ProbeCast {
    /// `record`.
    Record(u64),
    /// `bump`.
    Bump(u64),
}

/// `Probe`'s calls.
pub enum ProbeCall {
    /// `echo`.
    Echo(u64, ReplyTo<u64>),
    /// `add`.
    Add(u64, ReplyTo<u64>),
    /// `seen`.
    Seen(ReplyTo<Vec<u64>>),
    /// `relay`.
    Relay(Vec<String>, ReplyTo<Relayed>),
    /// `big`.
    Big(u32, ReplyTo<Vec<u8>>),
    /// `crash`.
    Crash(ReplyTo<u64>),
}

impl Actor for Probe {
    type Args = (Node, String);
    type Call = ProbeCall;
    type Cast = ProbeCast;
    type Info = std::convert::Infallible;
    type Continue = std::convert::Infallible;

    async fn init((node, name): (Node, String), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Probe {
            node,
            name,
            total: 0,
            seen: Vec::new(),
        })
    }

    async fn handle_call(&mut self, msg: ProbeCall, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            ProbeCall::Echo(n, reply) => {
                let _ = reply.send(n);
            }
            ProbeCall::Add(n, reply) => {
                self.total += n;
                let _ = reply.send(self.total);
            }
            ProbeCall::Seen(reply) => {
                let _ = reply.send(self.seen.clone());
            }
            ProbeCall::Relay(path, reply) => {
                let _ = reply.send(self.relay(path).await);
            }
            ProbeCall::Big(len, reply) => {
                let _ = reply.send(vec![7u8; len as usize]);
            }
            ProbeCall::Crash(_reply) => panic!("crash requested"),
        }
        Handled::Continue
    }

    async fn handle_cast(&mut self, msg: ProbeCast, _ctx: &mut Context<Self>) -> Handled<Self> {
        match msg {
            ProbeCast::Record(n) => self.seen.push(n),
            ProbeCast::Bump(n) => self.total += n,
        }
        Handled::Continue
    }
}

impl Probe {
    async fn relay(&self, mut path: Vec<String>) -> Relayed {
        if path.is_empty() {
            return Relayed::Reached(format!("{}@{}", self.name, self.node.name()));
        }
        let next = path.remove(0);
        let target = match next.split_once('@') {
            Some((name, node)) => self.node.remote_on::<Probe>(node, name),
            None => self.node.remote::<Probe>(&next),
        };
        let Some(remote) = target.as_remote() else {
            return Relayed::Failed("not a remote target".into());
        };
        let result: Result<Relayed, CallError> =
            wire::call_remote(remote, PROTOCOL, "relay", &(path,), Duration::from_secs(10)).await;
        match result {
            Ok(relayed) => relayed,
            Err(CallError::Deadlock { chain }) => Relayed::Deadlock(
                chain
                    .iter()
                    .map(|hop| {
                        format!(
                            "{}@{}",
                            hop.actor.as_deref().unwrap_or("?"),
                            hop.node.as_deref().unwrap_or(self.node.name())
                        )
                    })
                    .collect(),
            ),
            Err(other) => Relayed::Failed(other.to_string()),
        }
    }
}

/// Serves a [`Probe`] to the cluster: what the emitter would generate for it.
#[derive(Clone)]
pub struct ProbeServer(pub ActorRef<Probe>);

impl Serve for ProbeServer {
    fn protocol(&self) -> &'static str {
        PROTOCOL
    }

    fn serve(
        &self,
        message: &str,
        payload: &[u8],
        timeout: Duration,
    ) -> Result<Served, RemoteError> {
        // Casts are offered to the mailbox at once; a call's future owns a handle.
        let actor = || self.0.clone();
        Ok(match message {
            "echo" => {
                let (n,): (u64,) = wire::decode(payload)?;
                let actor = actor();
                Served::reply(async move {
                    actor.call_timeout(timeout, |r| ProbeCall::Echo(n, r)).await
                })
            }
            "add" => {
                let (n,): (u64,) = wire::decode(payload)?;
                let actor = actor();
                Served::reply(
                    async move { actor.call_timeout(timeout, |r| ProbeCall::Add(n, r)).await },
                )
            }
            "record" => {
                let (n,): (u64,) = wire::decode(payload)?;
                Served::Cast(self.0.cast_now(ProbeCast::Record(n)))
            }
            "bump" => {
                let (n,): (u64,) = wire::decode(payload)?;
                Served::Cast(self.0.cast_now(ProbeCast::Bump(n)))
            }
            "seen" => {
                let (): () = wire::decode(payload)?;
                let actor = actor();
                Served::reply(async move { actor.call_timeout(timeout, ProbeCall::Seen).await })
            }
            "relay" => {
                let (path,): (Vec<String>,) = wire::decode(payload)?;
                let actor = actor();
                Served::reply(async move {
                    actor
                        .call_timeout(timeout, |r| ProbeCall::Relay(path, r))
                        .await
                })
            }
            "slow" => {
                let (n, ms): (u64, u64) = wire::decode(payload)?;
                Served::reply(async move {
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    Ok::<u64, CallError>(n)
                })
            }
            "big" => {
                let (len,): (u32,) = wire::decode(payload)?;
                let actor = actor();
                Served::reply(async move {
                    actor
                        .call_timeout(timeout, |r| ProbeCall::Big(len, r))
                        .await
                })
            }
            "crash" => {
                let (): () = wire::decode(payload)?;
                let actor = actor();
                Served::reply(async move { actor.call_timeout(timeout, ProbeCall::Crash).await })
            }
            other => return Err(wire::unknown_message(PROTOCOL, other)),
        })
    }

    fn actor_id(&self) -> Option<arbor::ActorId> {
        Some(self.0.id())
    }
}

/// Starts a `Probe` named `name` on `node` and exports it under `name`.
pub async fn export_probe(
    node: &Node,
    name: &str,
) -> Result<(ActorRef<Probe>, crate::Export), crate::ClusterError> {
    let actor = Spawn::<Probe>::new()
        .start((node.clone(), name.to_string()))
        .await
        .ok()
        .and_then(|started| started.running())
        .ok_or_else(|| crate::ClusterError::Subscribe {
            subject: name.to_string(),
            reason: "the Probe actor did not start".into(),
        })?;
    let export = node.export(name, ProbeServer(actor.clone())).await?;
    Ok((actor, export))
}

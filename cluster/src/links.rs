//! Links to remote actors, in one direction (remote → local): when the remote actor exits, or
//! its node is lost, the local actor gets the exit signal as from a linked actor — it exits
//! too if the reason is abnormal, or receives it in `handle_exit` if it traps exits (Erlang's
//! link semantics, `noconnection` when the node is lost).
//!
//! Built from parts the runtime already has: a small local proxy actor, linked to the local
//! actor and holding a [`RemoteMonitor`] of the remote one, stops with the remote actor's exit
//! reason; the runtime's own link does the rest. The proxy also watches the local actor and
//! goes away when it exits. The other direction (a local exit reaching the remote actor) is
//! not done: see `docs/cluster.md`.

use std::convert::Infallible;

use arbor::prelude::*;

use crate::monitor::{DownReason, MonitorError, RemoteDown, RemoteMonitor};
use crate::node::Node;

/// Stands for the remote actor on this node.
struct LinkProxy {
    watch: tokio::task::JoinHandle<()>,
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.watch.abort();
    }
}

enum ProxyInfo {
    Remote(RemoteDown),
}

impl Actor for LinkProxy {
    type Args = (RemoteMonitor, ActorCell);
    type Call = Infallible;
    type Cast = Infallible;
    type Info = ProxyInfo;
    type Continue = Infallible;

    async fn init((monitor, local): Self::Args, ctx: &mut Context<Self>) -> Init<Self> {
        // Gone with the local actor, whatever its reason.
        ctx.monitor(&local);
        let me = ctx.myself();
        let watch = tokio::spawn(async move {
            let down = monitor.await;
            let _ = me.send(ProxyInfo::Remote(down)).await;
        });
        Init::Ok(LinkProxy { watch })
    }

    async fn handle_info(&mut self, msg: ProxyInfo, _ctx: &mut Context<Self>) -> Handled<Self> {
        let ProxyInfo::Remote(down) = msg;
        Handled::Stop(match down.reason {
            DownReason::Exit(reason) => reason,
            DownReason::NoConnection => ExitReason::error("noconnection"),
            DownReason::NoProc => ExitReason::error("noproc"),
        })
    }

    async fn handle_down(&mut self, _down: Down, _ctx: &mut Context<Self>) -> Handled<Self> {
        Handled::Stop(ExitReason::Normal)
    }
}

/// A link from a remote actor to a local one. Dropping it keeps the link; [`unlink`]
/// removes it.
///
/// [`unlink`]: RemoteLink::unlink
#[derive(Debug)]
pub struct RemoteLink {
    local: ActorCell,
    proxy: ActorCell,
}

impl RemoteLink {
    /// The id of the local proxy that stands for the remote actor: the `from` of the exit
    /// signal a trapping local actor receives.
    pub fn proxy(&self) -> ActorId {
        self.proxy.id()
    }

    /// Removes the link (Erlang's `unlink/1`).
    pub async fn unlink(self) {
        self.local.unlink(&self.proxy);
        self.proxy.stop(ExitReason::Normal).await;
    }
}

impl Node {
    /// Links the local actor `local` to the actor node `node` exports as `name`, one way:
    /// when the remote actor exits with an abnormal reason, or its node is lost
    /// (`error: noconnection`), or nothing is exported under that name (`error: noproc`),
    /// `local` exits with that reason — or receives it in `handle_exit` if it traps exits. A
    /// normal exit of the remote actor reaches a trapping `local` only, as in Erlang.
    pub async fn link_remote(
        &self,
        local: &ActorCell,
        node: &str,
        name: &str,
    ) -> Result<RemoteLink, MonitorError> {
        let monitor = self.monitor(node, name).await?;
        let proxy = Spawn::<LinkProxy>::new()
            .link(local)
            .start((monitor, local.clone()))
            .await
            .ok()
            .and_then(|started| started.running())
            .map(|proxy| proxy.cell());
        match proxy {
            Some(proxy) => Ok(RemoteLink {
                local: local.clone(),
                proxy,
            }),
            // The proxy's init cannot fail; a local actor already gone leaves nothing to link.
            None => Err(MonitorError::Invalid(crate::ClusterError::InvalidOptions {
                reason: "the link proxy did not start".into(),
            })),
        }
    }
}

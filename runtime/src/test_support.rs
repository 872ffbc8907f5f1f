//! What the crate's unit tests share: an actor that handles nothing, and its shared block
//! built without a task (for tests of links, sizes and footprints that need a cell, not a
//! running actor).

use std::convert::Infallible;
use std::sync::Arc;

use crate::actor::{Actor, Init};
use crate::cell::Core;
use crate::context::Context;
use crate::handle::Shared;
use crate::lineage::Ancestors;
use crate::mailbox::{Mailbox, MailboxConfig};

/// An actor without messages: what an idle child of a supervisor costs.
pub(crate) struct Idle;

impl Actor for Idle {
    type Args = ();
    type Call = Infallible;
    type Cast = Infallible;
    type Info = Infallible;
    type Continue = Infallible;

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Idle)
    }
}

/// The shared block of an actor of type `A` that no task runs: default mailbox, no parent.
pub(crate) fn unstarted<A: Actor>() -> Arc<Shared<A>> {
    Arc::new(Shared {
        core: Core::new(None, Ancestors::none()),
        mailbox: Mailbox::new(MailboxConfig::default()),
    })
}

//! Process groups (Erlang's `:pg`): named groups of actors across nodes.
//!
//! A member is an actor served (through its [`Serve`]) on two subjects of its group:
//! `<prefix>.<cluster>.group.<group>.all` (every member receives: a broadcast is a publish) and
//! `…group.<group>.one` (a queue group: exactly one member receives). Joining and leaving are
//! local and announced in this node's heartbeats, so [`Node::group_members`] is eventually
//! consistent, like `pg`: a join is seen by the others within one message, a member of a lost
//! node drops out when its node is declared down.

use std::fmt;
use std::sync::{Arc, Weak};

use arbor::Actor;
use arbor::codegen::Target;
use futures::StreamExt;

use crate::membership::{Membership, Serving};
use crate::node::{ClusterError, Node, valid_name};
use crate::wire::Serve;

/// A member of a process group; dropping it leaves the group.
pub struct GroupMember {
    group: String,
    name: String,
    task: tokio::task::JoinHandle<()>,
    membership: Weak<Membership>,
}

impl fmt::Debug for GroupMember {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GroupMember({} in {})", self.name, self.group)
    }
}

impl Drop for GroupMember {
    fn drop(&mut self) {
        self.task.abort();
        if let Some(m) = self.membership.upgrade() {
            m.leave_group(&self.group, &self.name);
        }
    }
}

impl Node {
    /// Makes the actor `server` serves a member of `group` under `name` (Erlang's
    /// `pg:join/2`), until the returned [`GroupMember`] is dropped.
    pub async fn join_group<S: Serve>(
        &self,
        group: &str,
        name: &str,
        server: S,
    ) -> Result<GroupMember, ClusterError> {
        valid_name(group)?;
        valid_name(name)?;
        let base = &self.membership().base;
        let client = self.nats();
        let all = format!("{base}.group.{group}.all");
        let one = format!("{base}.group.{group}.one");
        let subscribe_error = |subject: &str, e: &dyn fmt::Display| ClusterError::Subscribe {
            subject: subject.into(),
            reason: e.to_string(),
        };
        let all_sub = client
            .subscribe(all.clone())
            .await
            .map_err(|e| subscribe_error(&all, &e))?;
        let one_sub = client
            .queue_subscribe(one.clone(), "arbor".into())
            .await
            .map_err(|e| subscribe_error(&one, &e))?;
        let server = Arc::new(server);
        let label: Arc<str> = format!("{name}@{group}").into();
        let node = self.clone();
        let task = tokio::spawn(async move {
            // Not `select_all`, which allocates per message (node.rs).
            let mut requests = futures::stream::select(all_sub, one_sub);
            while let Some(message) = requests.next().await {
                node.dispatch(&label, &*server, &message).await;
            }
        });
        crate::membership::server_barrier(client).await;
        self.membership().join(group, name);
        Ok(GroupMember {
            group: group.into(),
            name: name.into(),
            task,
            membership: Arc::downgrade(self.membership()),
        })
    }

    /// The members of `group` on the nodes up in this node's view, as `(node, name)`, sorted
    /// (Erlang's `pg:get_members/1`).
    pub fn group_members(&self, group: &str) -> Vec<(String, String)> {
        self.membership().group_members(group)
    }

    /// A target that reaches every member of `group`: a cast is delivered to each (at most
    /// once); a call gets the first member's answer (use casts).
    pub fn group_broadcast<A: Actor>(&self, group: &str) -> Target<A> {
        let subject = format!("{}.group.{group}.all", self.membership().base);
        self.remote_subject(
            format!("all of {group}"),
            subject,
            Serving::Group(group.into()),
        )
    }

    /// A target that reaches one member of `group` (NATS picks it): a call fails with
    /// `NodeDown` if every node with members was lost while it was in flight.
    pub fn group_one<A: Actor>(&self, group: &str) -> Target<A> {
        let subject = format!("{}.group.{group}.one", self.membership().base);
        self.remote_subject(
            format!("one of {group}"),
            subject,
            Serving::Group(group.into()),
        )
    }
}

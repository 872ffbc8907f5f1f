//! Across nodes: what a spec with exported actors or remote extern actors adds to the
//! generated code. Nothing here is emitted for a spec without either, so single-node code
//! never mentions `arbor_cluster`.
//!
//! ```text
//! pub mod room {                        // a protocol an exported actor serves ("crosses nodes")
//!     trait ArborWire; impl ArborWireCheck where T: ArborWire, …  // every type is a serde type
//!     impl Client { async fn join(..) { if remote { wire::call_remote(..) } else { local } } }
//!     impl arbor_cluster::wire::Serve for Client;   // decodes, calls through the client
//! }
//! pub mod lobby {                       // an exported actor
//!     pub const EXPORTED_AS: &str;      // its name in the cluster
//!     pub fn remote(&Node) -> Client;   // a client of it on whichever node exports it
//!     pub fn remote_on(&Node, node) -> Client;
//! }
//! pub mod chat_sup {                    // a root whose tree exports or uses remote actors
//!     pub struct Remotes;               // one client per remote extern actor
//!     pub async fn start_on(&Node, config[, externs]) -> Result<Handle, StartOnError>;
//! }
//! ```

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::names::{ident, snake_ident};
use super::plan::{Plan, Resolution};
use super::{doc, extern_path};
use crate::model::{ExternActor, Message, MessageKind, Protocol, Spec};

/// The protocols that cross nodes: those an exported actor of the spec serves.
pub(crate) fn crossing(spec: &Spec) -> HashSet<&str> {
    spec.actors
        .iter()
        .filter(|a| a.export.is_some())
        .flat_map(|a| a.serves.iter().map(|p| p.as_str()))
        .collect()
}

/// The tuple of a message's arguments, borrowed: `&(&user, &text)`.
fn arg_refs(m: &Message) -> TokenStream {
    let names = m.args.iter().map(|a| snake_ident(a.name.as_str()));
    quote!(&(#(&#names,)*))
}

/// The first statement of a crossing protocol's call method: a remote target is called over
/// the network, with the same timeout; a local one goes on to the local path untouched.
pub(crate) fn call_branch(p: &Protocol, m: &Message, timeout: &proc_macro2::Ident) -> TokenStream {
    let (protocol, message) = (p.name.as_str(), m.name.as_str());
    let args = arg_refs(m);
    quote! {
        if let ::std::option::Option::Some(remote) = self.caster.target.as_remote() {
            return ::arbor_cluster::wire::call_remote(
                remote,
                #protocol,
                #message,
                #args,
                self.timeout.unwrap_or(#timeout),
            )
            .await;
        }
    }
}

/// The first statement of a crossing protocol's cast method.
pub(crate) fn cast_branch(p: &Protocol, m: &Message) -> TokenStream {
    let (protocol, message) = (p.name.as_str(), m.name.as_str());
    let args = arg_refs(m);
    quote! {
        if let ::std::option::Option::Some(remote) = self.target.as_remote() {
            return ::arbor_cluster::wire::cast_remote(remote, #protocol, #message, #args).await;
        }
    }
}

/// What a crossing protocol's module adds: the serde check of its types and the `Serve`
/// implementation of its client. `location` names where the protocol is declared, if known.
pub(crate) fn protocol_items(p: &Protocol, location: Option<&str>) -> TokenStream {
    let name = p.name.as_str();
    let at = location.map_or(String::new(), |l| {
        format!(" (protocol `{name}` is declared at {l})")
    });
    let message = format!(
        "protocol `{name}` crosses nodes (an exported actor serves it), but `{{Self}}`, one of \
         its argument or reply types, is not a serde type"
    );
    let label = format!("not `Serialize` + `Deserialize`{at}");
    let note = "every argument and reply type of a protocol that crosses nodes travels over \
                the network: derive `serde::Serialize` and `serde::Deserialize` for it (an \
                owned type: `String`, not `&str`)";
    // Each type once, in order of first use.
    let mut seen = HashSet::new();
    let mut types = Vec::new();
    for m in p.messages.iter().filter(|m| m.kind != MessageKind::Info) {
        let replies = match &m.kind {
            MessageKind::Call { reply, .. } => Some(reply),
            _ => None,
        };
        for ty in m.args.iter().map(|a| &a.ty).chain(replies) {
            if seen.insert(ty.tokens()) {
                let ty = ty.syn();
                types.push(quote!(#ty: ArborWire));
            }
        }
    }
    let arms = p
        .messages
        .iter()
        .filter(|m| m.kind != MessageKind::Info)
        .map(|m| {
            let text = m.name.as_str();
            let method = snake_ident(text);
            let names: Vec<proc_macro2::Ident> = m
                .args
                .iter()
                .map(|a| snake_ident(a.name.as_str()))
                .collect();
            let tys = m.args.iter().map(|a| a.ty.syn());
            let decode = quote! {
                let (#(#names,)*): (#(#tys,)*) = ::arbor_cluster::wire::decode(payload)?;
            };
            if m.is_call() {
                // Only a call has a timeout: the client that carries it is made for calls.
                quote! {
                    #text => {
                        #decode
                        let client = self.with_timeout(timeout);
                        ::std::result::Result::Ok(::arbor_cluster::wire::Served::reply(async move {
                            client.#method(#(#names),*).await
                        }))
                    }
                }
            } else {
                // A local actor's cast is offered to its mailbox at once (no future, no client
                // clone); only a full mailbox that blocks gives a future to await. A target on
                // another node is cast to through the client, as before.
                let msg = super::protocol::construct(m, "Cast", &names, false);
                quote! {
                    #text => {
                        #decode
                        if self.caster.target.as_remote().is_some() {
                            let client = self.clone();
                            return ::std::result::Result::Ok(::arbor_cluster::wire::Served::cast(async move {
                                client.#method(#(#names),*).await
                            }));
                        }
                        ::std::result::Result::Ok(::arbor_cluster::wire::Served::Cast(
                            self.caster.target.cast_now(#msg),
                        ))
                    }
                }
            }
        });
    // A protocol of casts only never reads the timeout.
    let timeout = if p.messages.iter().any(|m| m.is_call()) {
        quote!(timeout)
    } else {
        quote!(_timeout)
    };
    let serve_doc = doc(&format!(
        "Serves protocol `{name}` to other nodes (`arbor_cluster::Node::export`): decodes each \
         message's arguments and sends it through this client, with what is left of the \
         caller's timeout; a restarted actor is reached again when the client follows restarts."
    ));
    quote! {
        /// A type that can cross nodes (a serde type), with the message a missing one gets.
        #[doc(hidden)]
        #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
        trait ArborWire {}
        impl<T: ::arbor_cluster::wire::WireType> ArborWire for T {}

        /// Every argument and reply type of this protocol crosses nodes: each must be a serde
        /// type. Checked here with a message naming the protocol; as bounds of an impl, first
        /// in the module, so that rustc reports them before the bounds of the remote path.
        #[doc(hidden)]
        struct ArborWireCheck;
        impl ArborWireCheck where #(#types),* {}

        #serve_doc
        impl ::arbor_cluster::wire::Serve for Client {
            fn protocol(&self) -> &'static str {
                #name
            }

            fn serve(
                &self,
                message: &str,
                payload: &[u8],
                #timeout: ::std::time::Duration,
            ) -> ::std::result::Result<::arbor_cluster::wire::Served, ::arbor::remote::RemoteError> {
                match message {
                    #(#arms)*
                    other => ::std::result::Result::Err(::arbor_cluster::wire::unknown_message(#name, other)),
                }
            }

            fn actor_id(&self) -> ::std::option::Option<::arbor::ActorId> {
                self.caster.target.get().map(|actor| actor.id())
            }
        }
    }
}

/// What an exported actor's module adds: its name in the cluster and remote clients of it.
pub(crate) fn actor_items(name: &str, exported_as: &str) -> TokenStream {
    let glue = ident(name);
    let d = doc(&format!(
        "The name `{name}` is exported under: other nodes reach it as `{exported_as}`."
    ));
    let remote_doc = doc(&format!(
        "A client of the `{name}` that whichever node exports it as `{exported_as}` runs (calls \
         and casts go over the network; one to a name nobody serves fails at once with \
         `CallError::Exited`, as a dead local actor does)."
    ));
    let remote_on_doc = doc(&format!(
        "A client of the `{name}` that node `on` exports as `{exported_as}`."
    ));
    quote! {
        #d
        pub const EXPORTED_AS: &str = #exported_as;

        #remote_doc
        pub fn remote(node: &::arbor_cluster::Node) -> Client {
            Client::from(node.remote::<#glue>(EXPORTED_AS))
        }

        #remote_on_doc
        pub fn remote_on(node: &::arbor_cluster::Node, on: &str) -> Client {
            Client::from(node.remote_on::<#glue>(on, EXPORTED_AS))
        }
    }
}

/// What the root of tree `t` adds when its tree exports actors or uses remote extern actors:
/// the `Remotes` clients and `start_on`. `None` for a tree with neither.
pub(crate) struct RootRemote {
    /// Items of the root module (`Remotes`, `start_on`).
    pub items: TokenStream,
    /// Whether the tree's `Tree` holds `remotes: Remotes` (`Tree::new` takes it).
    pub has_remotes: bool,
    /// Whether its `Handle` holds the exports.
    pub has_exports: bool,
}

/// The remote extern actors the actors living in tree `t` depend on, each once.
pub(crate) fn remotes_of_tree<'a>(plan: &Plan<'a>, t: usize) -> Vec<&'a ExternActor> {
    let spec = plan.spec;
    let mut out: Vec<&'a ExternActor> = Vec::new();
    for e in spec.externs.iter().filter(|e| e.remote.is_some()) {
        let used = spec.actors.iter().any(|a| {
            plan.home(a.name.as_str()) == Some(t)
                && a.calls
                    .iter()
                    .chain(&a.casts)
                    .any(|d| d.target.as_str() == e.name.as_str())
        });
        if used && !out.iter().any(|o| o.name.as_str() == e.name.as_str()) {
            out.push(e);
        }
    }
    out
}

/// The exported actors of tree `t` with the path of their one instance.
fn exports_of_tree<'a>(plan: &Plan<'a>, t: usize) -> Vec<(&'a crate::model::Actor, String)> {
    let mut out = Vec::new();
    for a in plan.spec.actors.iter().filter(|a| a.export.is_some()) {
        if let Resolution::Single(tree, node) = plan.resolve(None, a.name.as_str())
            && tree == t
        {
            out.push((a, plan.trees[t].nodes[node].path.clone()));
        }
    }
    out
}

/// See [`RootRemote`].
pub(crate) fn root(plan: &Plan<'_>, t: usize, has_externs: bool) -> Option<RootRemote> {
    let remotes = remotes_of_tree(plan, t);
    let exports = exports_of_tree(plan, t);
    if remotes.is_empty() && exports.is_empty() {
        return None;
    }
    let name = plan.trees[t].root().name.as_str();
    let has_remotes = !remotes.is_empty();
    let mut remotes_item = TokenStream::new();
    if has_remotes {
        let mut fields = Vec::new();
        let mut on = Vec::new();
        let mut missing = Vec::new();
        for e in &remotes {
            let f = snake_ident(e.name.as_str());
            let path = extern_path(e);
            let node = e.remote.as_ref().and_then(|r| r.node.as_ref());
            let (where_, build) = match node {
                Some(n) => {
                    let n = n.value.as_str();
                    (format!("node `{n}`"), quote!(#path::remote_on(node, #n)))
                }
                None => (
                    "whichever node exports it".to_owned(),
                    quote!(#path::remote(node)),
                ),
            };
            let d = doc(&format!(
                "A client of remote actor `{}` (`{}`), run by {where_}.",
                e.name,
                e.path.tokens()
            ));
            fields.push(quote!(#d pub #f: #path::Client));
            on.push(quote!(#f: #build));
            let why = format!(
                "remote actor `{}`: the `{name}` tree was started without a node (`start_on` \
                 connects it)",
                e.name
            );
            missing.push(quote!(#f: #path::Client::missing(#why)));
        }
        let names: Vec<String> = remotes.iter().map(|e| format!("`{}`", e.name)).collect();
        let d = doc(&format!(
            "The clients of the remote actors (of other nodes) the actors of the `{name}` tree \
             call or cast to: {}.",
            names.join(", ")
        ));
        remotes_item = quote! {
            #d
            #[derive(Clone, Debug)]
            pub struct Remotes {
                #(#fields,)*
            }

            impl Remotes {
                /// Clients reaching the remote actors through `node` (nothing is sent yet).
                pub fn on(node: &::arbor_cluster::Node) -> Remotes {
                    Remotes { #(#on,)* }
                }

                /// Clients whose every message fails with `CallError::Exited` (what `start`,
                /// without a node, uses).
                pub fn missing() -> Remotes {
                    Remotes { #(#missing,)* }
                }
            }
        };
    }
    let has_exports = !exports.is_empty();
    let export_stmts = exports.iter().map(|(a, path)| {
        let am = snake_ident(a.name.as_str());
        let lookup = super::actor::dir_lookup(plan, quote!(tree.dir), a.name.as_str(), path);
        quote! {
            let served = super::#am::Client::from(#lookup);
            match node.export(super::#am::EXPORTED_AS, served).await {
                ::std::result::Result::Ok(export) => exports.push(export),
                ::std::result::Result::Err(e) => {
                    sup.shutdown().await;
                    return ::std::result::Result::Err(::arbor_cluster::StartOnError::Export(e));
                }
            }
        }
    });
    let externs_param = has_externs.then(|| quote!(externs: Externs,));
    let mut new_args = Vec::new();
    if has_externs {
        new_args.push(quote!(externs));
    }
    if has_remotes {
        new_args.push(quote!(Remotes::on(node)));
    }
    let exported: Vec<String> = exports
        .iter()
        .map(|(a, _)| {
            format!(
                "`{}` (as `{}`)",
                a.name,
                a.export.as_ref().map_or("", |e| e.value.as_str())
            )
        })
        .collect();
    let start_doc = doc(&format!(
        "Starts the `{name}` tree on cluster node `node`: {}{}. The exports live as long as \
         the returned handle (and its clones); each serves the actor's current incarnation, \
         across restarts.",
        if has_remotes {
            "its remote actors are reached through `node`"
        } else {
            "it uses no remote actor"
        },
        if exported.is_empty() {
            String::new()
        } else {
            format!(", and once it runs it exports {}", exported.join(", "))
        }
    ));
    let handle_exports = if has_exports {
        quote!(exports: ::std::sync::Arc::new(exports),)
    } else {
        quote!()
    };
    let exports_init = has_exports.then(|| quote!(let mut exports = ::std::vec::Vec::new();));
    let items = quote! {
        #remotes_item

        #start_doc
        pub async fn start_on(node: &::arbor_cluster::Node, config: Config, #externs_param)
            -> ::std::result::Result<Handle, ::arbor_cluster::StartOnError>
        {
            let tree = Tree::new(#(#new_args),*).await;
            let sup = spec(config, &tree)
                .start()
                .await
                .map_err(::arbor_cluster::StartOnError::Start)?;
            #exports_init
            #(#export_stmts)*
            ::std::result::Result::Ok(Handle { tree, sup, #handle_exports })
        }
    };
    Some(RootRemote {
        items,
        has_remotes,
        has_exports,
    })
}

//! Per actor: the glue that runs the user's state on the runtime, its context
//! with the capabilities the spec grants, its mailbox and its static graph node.
//!
//! ```text
//! pub mod room_server {
//!     pub trait State { type Args; fn init(..); fn terminate(..); }   // implemented by RoomState
//!     pub type Args;                         // the state's `State::Args`
//!     pub struct RoomServer;                 // implements arbor::Actor
//!     pub struct Start { args, deps }        // its arbor::Actor::Args
//!     pub struct Deps;                       // resolved dependencies (built by the tree)
//!     pub struct Ctx;                        // what handlers get: ctx.journal_writer(), ctx.stop(..)
//!     pub type Call, Cast, Info;             // the protocol's (or one enum per kind over several)
//!     pub type Client, Caster;               // its clients
//!     pub static NODE;                       // for the compile-time cycle check
//!     pub const MAILBOX;
//! }
//! ```

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::names::{camel_ident, ident, snake, snake_ident};
use super::plan::{Plan, Resolution};
use super::{doc, extern_path, int, type_text};
use crate::model::{Actor, MailboxKind, Message, MessageKind, Overflow, Protocol, Spec};

/// The state type of an actor (`()` for a stateless one).
pub(crate) fn state_type(a: &Actor) -> TokenStream {
    match &a.state {
        Some(t) => {
            let ty = t.syn();
            quote!(#ty)
        }
        None => quote!(()),
    }
}

/// The module of one actor.
/// Reaching an actor that is not declared, through `ctx`, reads as what it is. Every actor's
/// `Ctx` implements `UndeclaredDependencies`, whose hidden methods (one per actor of the spec)
/// are shadowed by the inherent accessors of the declared dependencies; the others require
/// `Declares<Target>` of the caller, which no actor implements, so `ctx.kv_store()` in
/// `Logger` is one error: "actor `Logger` does not declare `calls KvStore` or `casts
/// KvStore`" (and what follows type-checks, as the method returns the target's client). One
/// marker trait and one method per actor: O(actors) items.
pub(crate) fn undeclared_dependencies(spec: &Spec) -> TokenStream {
    if spec.actors.is_empty() && spec.protocols.is_empty() {
        return TokenStream::new();
    }
    let mut markers = Vec::new();
    let mut methods = Vec::new();
    for t in &spec.actors {
        let target = t.name.as_str();
        let f = snake_ident(target);
        let tmod = snake_ident(target);
        let marker = format_ident!("Declares{}", target);
        let message = format!(
            "actor `{{Self}}` does not declare `calls {target}` or `casts {target}`: its `ctx` \
             cannot reach `{target}`"
        );
        let label = format!("`{target}` is not a declared dependency of `{{Self}}`");
        let note = format!(
            "add `calls {target}` (or `casts {target}`) to actor `{{Self}}` in the spec (with the \
             macros: `calls({target})` in its `#[actor(…)]`)"
        );
        let d = doc(&format!(
            "Implemented by no actor: the bound of `ctx.{f}()` where `{target}` is not declared."
        ));
        markers.push(quote! {
            #d
            #[diagnostic::on_unimplemented(message = #message, label = #label, note = #note)]
            #[allow(dead_code)]
            pub trait #marker {}
        });
        let d = doc(&format!(
            "Not a dependency of this actor: an error naming the missing `calls {target}`."
        ));
        methods.push(quote! {
            #d
            #[doc(hidden)]
            #[allow(clippy::needless_lifetimes)]
            fn #f<'a>(&'a self) -> &'a #tmod::Client
            where
                Self::Actor: #marker,
            {
                ::std::unreachable!("no actor implements this bound")
            }
        });
    }
    quote! {
        #(#markers)*

        /// Implemented by no client: the bound of the calls of a cast-only client (the
        /// lifetime defers the bound to the call).
        #[diagnostic::on_unimplemented(
            message = "a call through a cast-only client (`{Self}`): the caller declares `casts` for this actor, so it may not call it",
            label = "a call to an actor the caller only casts to",
            note = "declare `calls <Actor>` instead of `casts <Actor>` (with the macros: `calls(<Actor>)`), or send a cast"
        )]
        #[allow(dead_code)]
        pub trait DeclaredCall<'a> {}

        /// The actors a `Ctx` does not declare: each accessor is an error naming the missing
        /// declaration.
        #[allow(dead_code)]
        pub trait UndeclaredDependencies {
            /// The actor whose `Ctx` this is.
            type Actor;
            #(#methods)*
        }
    }
}

/// `location`: where the spec declares the actor (`specs/kv.kdl:12`), quoted by the errors
/// a missing impl of the user's gives.
/// The directory lookup a client of actor `target` (running at `path`) is made from: for an
/// actor serving one protocol, a port typed by that protocol (one lookup per message, typed
/// by the actor once); otherwise its `Target` (which a multi-protocol client splits).
pub(crate) fn dir_lookup(
    plan: &Plan<'_>,
    dir: TokenStream,
    target: &str,
    path: &str,
) -> TokenStream {
    let m = snake_ident(target);
    let glue = ident(target);
    let single = plan.spec.actor(target).is_some_and(|a| {
        a.serves
            .iter()
            .filter(|p| plan.spec.protocol(p.as_str()).is_some())
            .count()
            == 1
    });
    if single {
        quote!(#dir.port::<super::#m::#glue, super::#m::Call, super::#m::Cast>(#path))
    } else {
        quote!(#dir.target::<super::#m::#glue>(#path))
    }
}

pub(crate) fn actor(plan: &Plan<'_>, a: &Actor, location: Option<&str>) -> TokenStream {
    let spec = plan.spec;
    let name = a.name.as_str();
    let module = snake_ident(name);
    let glue = ident(name);
    let state = state_type(a);
    let state_text = a.state.as_ref().map_or("()".to_owned(), type_text);
    let protocols: Vec<&Protocol> = a
        .serves
        .iter()
        .filter_map(|p| spec.protocol(p.as_str()))
        .collect();
    let deferred: HashSet<&str> = a.deferred.iter().map(|d| d.as_str()).collect();
    let has_deferred = !deferred.is_empty();
    let home = plan.home(name);
    let id = int(plan.actor_ids[name] as u64);

    // The static graph node.
    // An edge to a remote actor of a named cluster node goes through a copy of its node that
    // carries the node's name (for the cycle message).
    let mut on_node_statics = Vec::new();
    let mut node_ref = |t: &crate::model::Ident| match spec.extern_actor(t.as_str()) {
        Some(e) => {
            let path = extern_path(e);
            match e.remote.as_ref().and_then(|r| r.node.as_ref()) {
                Some(on) => {
                    let proxy = format_ident!("ARBOR_{}_ON_NODE", super::names::upper(t.as_str()));
                    let on = on.value.as_str();
                    on_node_statics.push(quote! {
                        static #proxy: ::arbor::static_graph::Node =
                            ::arbor::static_graph::Node::on_node(&#path::NODE, #on);
                    });
                    quote!(&#proxy)
                }
                None => quote!(&#path::NODE),
            }
        }
        None => {
            let m = snake_ident(t.as_str());
            quote!(&super::#m::NODE)
        }
    };
    let (call_edges, cast_edges) = plan.node_edges(a);
    let call_edges: Vec<TokenStream> = call_edges.into_iter().map(&mut node_ref).collect();
    let cast_edges: Vec<TokenStream> = cast_edges.into_iter().map(&mut node_ref).collect();
    let blocking = a.mailbox.blocks_sender();
    let node_doc = doc(&format!(
        "`{name}` in the static call graph: the actors it calls and casts to (a cast waits \
         only on a mailbox that blocks), and whether its own mailbox blocks. Checked for cycles \
         at compile time, across systems through extern actors."
    ));

    let exported = a
        .export
        .as_ref()
        .map(|e| super::remote::actor_items(name, &e.value));

    // Mailbox.
    let mailbox = match &a.mailbox.kind {
        MailboxKind::Unbounded => quote!(::arbor::MailboxConfig::unbounded()),
        MailboxKind::Bounded { capacity, overflow } => {
            let cap = int(capacity.value.get() as u64);
            let policy = match overflow.value {
                Overflow::Block => quote!(Block),
                Overflow::Reject => quote!(Reject),
                Overflow::DropNewest => quote!(DropNewest),
                Overflow::DropOldest => quote!(DropOldest),
            };
            quote!(::arbor::MailboxConfig::bounded(#cap).overflow(::arbor::Overflow::#policy))
        }
    };

    // Message types, clients.
    let single = protocols.len() == 1;
    let kinds = message_kinds(&glue, &protocols);
    let clients = if single {
        let p = snake_ident(protocols[0].name.as_str());
        let dc = doc(&format!("A client of `{name}`: its calls and casts."));
        let dk = doc(&format!("A cast-only client of `{name}`."));
        quote! {
            #dc
            pub type Client = super::#p::Client;
            #dk
            pub type Caster = super::#p::Caster;
        }
    } else {
        multi_clients(name, &glue, &protocols)
    };

    // Dependencies.
    let mut dep_fields = Vec::new();
    let mut dep_inits = Vec::new();
    let mut accessors = Vec::new();
    let mut instance_structs = Vec::new();
    for (target, called) in plan.dependencies(a) {
        if let Some(e) = spec.extern_actor(target.as_str()) {
            let (field, init, accessor) = extern_dependency(name, e, called, home.is_some());
            dep_fields.push(field);
            dep_inits.push(init);
            accessors.push(accessor);
            continue;
        }
        let Some(target_actor) = spec.actor(target.as_str()) else {
            continue;
        };
        let field = snake_ident(target.as_str());
        let tmod = snake_ident(target.as_str());
        let cap = if called {
            quote!(Client)
        } else {
            quote!(Caster)
        };
        let cap_ty = quote!(super::#tmod::#cap);
        let what = if called { "calls" } else { "casts to" };
        let check = {
            let msg = format!(
                "`{name}` {what} `{target}` but the static call graph has no such edge: \
                 regenerate the code from the spec"
            );
            quote! {
                const {
                    ::std::assert!(
                        ::arbor::static_graph::has_edge(&NODE, &super::#tmod::NODE),
                        #msg
                    )
                };
            }
        };
        match plan.resolve(home, target.as_str()) {
            Resolution::Single(t, i) => {
                let path = &plan.trees[t].nodes[i].path;
                dep_fields.push(quote!(#field: #cap_ty));
                let lookup = dir_lookup(plan, quote!(dir), target.as_str(), path);
                dep_inits.push(quote!(#field: #cap_ty::from(#lookup)));
                let d = doc(&format!(
                    "The {} of `{target}` (`{path}`): `{name}` {what} it. Follows restarts; a \
                     message while it is down fails with an error.",
                    if called { "client" } else { "cast-only client" }
                ));
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> &#cap_ty {
                        #check
                        &self.deps.#field
                    }
                });
            }
            Resolution::Missing => {
                let why = format!("`{target}` is not started by any supervisor of the spec");
                dep_fields.push(quote!(#field: #cap_ty));
                dep_inits.push(quote!(#field: #cap_ty::missing(#why)));
                let d = doc(&format!(
                    "The {} of `{target}`, which no supervisor of the spec starts: every message fails.",
                    if called { "client" } else { "cast-only client" }
                ));
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> &#cap_ty {
                        #check
                        &self.deps.#field
                    }
                });
            }
            Resolution::Many { statics, dynamics } => {
                let st = format_ident!("{}Instances", target.as_str());
                let mut fields = Vec::new();
                let mut inits = Vec::new();
                let mut methods = Vec::new();
                for (t, i, n) in &statics {
                    let path = &plan.trees[*t].nodes[*i].path;
                    let f = ident(n);
                    fields.push(quote!(#f: #cap_ty));
                    let lookup = dir_lookup(plan, quote!(dir), target.as_str(), path);
                    inits.push(quote!(#f: #cap_ty::from(#lookup)));
                    let d = doc(&format!("`{target}` at `{path}`."));
                    methods.push(quote! { #d pub fn #f(&self) -> &#cap_ty { &self.#f } });
                }
                for (t, i, n) in &dynamics {
                    let f = ident(n);
                    let path = &plan.trees[*t].nodes[*i].path;
                    let dmod = ident(n);
                    fields.push(quote!(#f: super::#dmod::Handle<#cap_ty>));
                    inits.push(quote!(#f: super::#dmod::handle::<#cap_ty>(tree)));
                    let d = doc(&format!(
                        "The `{target}` children of dynamic supervisor `{path}`: start them, list them."
                    ));
                    methods.push(quote! { #d pub fn #f(&self) -> &super::#dmod::Handle<#cap_ty> { &self.#f } });
                }
                let sdoc = doc(&format!(
                    "The instances of `{target}` that `{name}` {what}: one accessor per instance."
                ));
                instance_structs.push(quote! {
                    #sdoc
                    #[derive(Clone, Debug)]
                    pub struct #st { #(#fields,)* }
                    impl #st { #(#methods)* }
                });
                dep_fields.push(quote!(#field: #st));
                dep_inits.push(quote!(#field: #st { #(#inits,)* }));
                let d = doc(&format!(
                    "The instances of `{target}`: `{name}` {what} them. Each follows restarts; a \
                     message while one is down fails with an error."
                ));
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> &#st {
                        #check
                        &self.deps.#field
                    }
                });
            }
        }
        let _ = target_actor;
    }

    // Registries of the home tree.
    let (deps_param, dir_binding, home_doc) = match home {
        Some(t) => {
            let root = snake_ident(plan.trees[t].root().name.as_str());
            for r in plan.trees[t].registries() {
                let f = snake_ident(r.name.as_str());
                dep_fields.push(quote!(#f: ::arbor::registry::Registry<::std::string::String>));
                dep_inits.push(quote!(#f: tree.#f.clone()));
                let d = doc(&format!("Registry `{}` of the tree.", r.name));
                accessors.push(quote! {
                    #d
                    pub fn #f(&self) -> &::arbor::registry::Registry<::std::string::String> {
                        &self.deps.#f
                    }
                });
            }
            (
                quote!(tree: &super::#root::Tree),
                quote!(let dir: &::arbor::codegen::Directory = &tree.dir;),
                format!("the tree of `{}`", plan.trees[t].root().name),
            )
        }
        None => (
            quote!(dir: &::arbor::codegen::Directory),
            quote!(),
            "a tree's directory".to_owned(),
        ),
    };
    if has_deferred {
        dep_fields.push(quote!(tasks: ::arbor::codegen::Tasks));
        dep_inits.push(quote!(tasks));
        accessors.push(quote! {
            /// The task supervisor deferred handlers run on, if one runs.
            pub fn tasks(&self) -> ::std::option::Option<::arbor::task::TaskSupervisorRef> {
                self.deps.tasks.get()
            }
        });
    }
    let unused_tasks = (!has_deferred).then(|| quote!(let _ = tasks;));
    let inits_text = quote!(#(#dep_inits)*).to_string();
    // (Spacing differs between proc_macro2 outside a macro and the compiler's tokens inside one.)
    let dir_used = inits_text.contains("dir .") || inits_text.contains("dir.");
    let tree_used = inits_text.contains("tree");
    let unused_dir = match home {
        None if !dir_used => Some(quote!(let _ = dir;)),
        Some(_) if !dir_used && !tree_used => Some(quote!(let _ = tree;)),
        _ => None,
    };
    let dir_binding = if dir_used { dir_binding } else { quote!() };

    // Timers and self-sends exist only when the actor has info messages.
    let has_info = protocols
        .iter()
        .any(|p| p.messages.iter().any(|m| m.kind == MessageKind::Info));
    let timers = has_info.then(|| quote! {
        /// Sends this actor an info message after `delay`.
        pub fn send_after(&self, delay: ::std::time::Duration, msg: impl ::std::convert::Into<Info>) -> ::arbor::TimerRef {
            self.myself.send_after(delay, msg.into())
        }

        /// Sends this actor an info message now (if its mailbox has room).
        pub fn send_self(&self, msg: impl ::std::convert::Into<Info>) -> ::std::result::Result<(), ::arbor::CastError> {
            self.myself.try_send(msg.into())
        }

    });

    // Handlers.
    let call_arms = arms(&protocols, single, &state, &deferred, Kind::Call);
    let cast_arms = arms(&protocols, single, &state, &deferred, Kind::Cast);
    let info_arms = arms(&protocols, single, &state, &deferred, Kind::Info);
    let handle_call = call_arms.map(|arms| {
        if let Some(lone) = lone_handler(&protocols, single, &state, &deferred, Kind::Call) {
            return lone;
        }
        quote! {
            async fn handle_call(&mut self, msg: Call, _rt: &mut ::arbor::Context<Self>) -> ::arbor::Handled<Self> {
                match msg { #arms }
                // A stop the handler asked for: read through `Actor::take_stop`.
                ::arbor::Handled::Continue
            }
        }
    });
    let handle_cast = cast_arms.map(|arms| {
        if let Some(lone) = lone_handler(&protocols, single, &state, &deferred, Kind::Cast) {
            return lone;
        }
        quote! {
            async fn handle_cast(&mut self, msg: Cast, _rt: &mut ::arbor::Context<Self>) -> ::arbor::Handled<Self> {
                match msg { #arms }
                // A stop the handler asked for: read through `Actor::take_stop`.
                ::arbor::Handled::Continue
            }
        }
    });
    let handle_info = info_arms.map(|arms| {
        if let Some(lone) = lone_handler(&protocols, single, &state, &deferred, Kind::Info) {
            return lone;
        }
        quote! {
            async fn handle_info(&mut self, msg: Info, _rt: &mut ::arbor::Context<Self>) -> ::arbor::Handled<Self> {
                match msg { #arms }
                // A stop the handler asked for: read through `Actor::take_stop`.
                ::arbor::Handled::Continue
            }
        }
    });

    let terminate = if a.terminate.value {
        let d = doc(&format!(
            "Runs when the actor stops gracefully (not when it is killed): the spec declares \
             `terminate` for `{name}`."
        ));
        quote! {
            #d
            fn terminate(&mut self, reason: &::arbor::ExitReason, ctx: &mut Ctx)
                -> impl ::std::future::Future<Output = ()> + ::std::marker::Send;
        }
    } else {
        quote! {
            /// Runs when the actor stops gracefully (not when it is killed). Does nothing by default.
            fn terminate(&mut self, reason: &::arbor::ExitReason, ctx: &mut Ctx)
                -> impl ::std::future::Future<Output = ()> + ::std::marker::Send
            {
                let _ = (reason, ctx);
                ::std::future::ready(())
            }
        }
    };

    let served: Vec<String> = a.serves.iter().map(|p| format!("`{p}`")).collect();
    let module_doc = doc(&format!(
        "Actor `{name}`: serves {}; its state is `{state_text}`, which implements [`{}::State`] \
         and the `Handler` trait of each protocol with [`{}::Ctx`] as context.",
        served.join(", "),
        snake(name),
        snake(name),
    ));
    let state_doc = doc(&format!(
        "How the state of `{name}` (`{state_text}`) starts and stops. `Args` is what `init` \
         receives: every `{name}` child takes one in the configuration of its supervisor \
         (dynamic children when they are started)."
    ));
    let glue_doc = doc(&format!(
        "The `{name}` actor: runs `{state_text}` and its handlers on the Arbor runtime. Reached \
         through [`Client`]; started by the generated supervisors."
    ));
    let mailbox_doc = doc(&format!(
        "The mailbox of `{name}`, as the spec declares it."
    ));
    let args_doc = doc(&format!(
        "What each `{name}` child is started with (the state's [`State::Args`])."
    ));
    let deps_doc = doc(&format!(
        "The dependencies of `{name}`, resolved in its tree."
    ));
    let new_doc = doc(&format!(
        "Resolves the dependencies in {home_doc}; `tasks` is where deferred handlers run."
    ));
    let ctx_doc = doc(&format!(
        "What the handlers of `{name}` get: the actor's own handle, its declared dependencies \
         (and only those), the registries of its tree, timers, and a way to stop."
    ));

    // Every use of the state needs `State`: the first error a user reads says which actor,
    // and the impl to write.
    let declared = location.map_or(String::new(), |l| format!(" ({l})"));
    let state_message = format!(
        "`{{Self}}` is the state of actor `{name}`{declared} but does not implement \
         `{module}::State`"
    );
    let state_label = format!("actor `{name}` needs `impl {module}::State for {{Self}}`");
    let state_note = format!(
        "write `impl {module}::State for {{Self}} {{{{ type Args = (); async fn init(_args: (), \
         _ctx: &mut {module}::Ctx) -> Result<Self, arbor::ExitReason> {{{{ … }}}} }}}}` (`Args` \
         is what the supervisor's `Config` or `start_child` passes)"
    );
    let allows = super::allows();
    quote! {
        #module_doc
        #allows
        pub mod #module {
            use super::*;

            impl super::UndeclaredDependencies for Ctx {
                type Actor = #glue;
            }

            #state_doc
            #[diagnostic::on_unimplemented(
                message = #state_message,
                label = #state_label,
                note = #state_note
            )]
            pub trait State: ::std::marker::Sized + ::std::marker::Send + 'static {
                /// What `init` receives (from the supervisor's configuration, or `start_child`).
                type Args: ::std::clone::Clone + ::std::marker::Send + ::std::marker::Sync + 'static;

                /// Builds the state when the actor starts (and at every restart). An `Err`
                /// fails the start with that reason.
                fn init(args: Self::Args, ctx: &mut Ctx)
                    -> impl ::std::future::Future<Output = ::std::result::Result<Self, ::arbor::ExitReason>>
                    + ::std::marker::Send;

                #terminate
            }

            #args_doc
            pub type Args = <#state as State>::Args;

            #glue_doc
            pub struct #glue {
                state: #state,
                ctx: Ctx,
            }

            /// The start arguments of the runtime actor: the user's arguments and the resolved
            /// dependencies.
            #[derive(Clone)]
            pub struct Start {
                /// Given to [`State::init`].
                pub args: Args,
                /// The dependencies the context hands out.
                pub deps: Deps,
            }

            #deps_doc
            #[derive(Clone, Debug)]
            pub struct Deps {
                #(#dep_fields,)*
            }

            impl Deps {
                #new_doc
                pub fn new(#deps_param, tasks: ::arbor::codegen::Tasks) -> Deps {
                    #dir_binding
                    #unused_tasks
                    #unused_dir
                    Deps { #(#dep_inits,)* }
                }
            }

            #(#instance_structs)*

            #ctx_doc
            pub struct Ctx {
                myself: ::arbor::ActorRef<#glue>,
                deps: Deps,
                stop: ::std::option::Option<::arbor::ExitReason>,
            }

            impl Ctx {
                /// This actor's typed handle.
                pub fn myself(&self) -> &::arbor::ActorRef<#glue> {
                    &self.myself
                }

                /// A client of this actor (to hand to others; calling yourself fails at once).
                pub fn client(&self) -> Client {
                    Client::new(self.myself.clone())
                }

                /// This actor's id.
                pub fn id(&self) -> ::arbor::ActorId {
                    self.myself.id()
                }

                /// This actor's untyped handle (links, monitors).
                pub fn cell(&self) -> ::arbor::ActorCell {
                    self.myself.cell()
                }

                /// Stops the actor with `reason` once the current handler returns (`terminate` runs).
                pub fn stop(&mut self, reason: ::arbor::ExitReason) {
                    self.stop = ::std::option::Option::Some(reason);
                }

                #timers

                #(#accessors)*
            }

            #kinds
            #clients

            #(#on_node_statics)*

            #node_doc
            pub static NODE: ::arbor::static_graph::Node = ::arbor::static_graph::Node::in_system(
                &super::ARBOR_SYSTEM,
                #id,
                #name,
                #blocking,
                &[#(#call_edges),*],
                &[#(#cast_edges),*],
            );

            #mailbox_doc
            pub const MAILBOX: ::arbor::MailboxConfig = #mailbox;

            #exported

            impl ::arbor::Actor for #glue {
                type Args = Start;
                type Call = Call;
                type Cast = Cast;
                type Info = Info;
                type Continue = ::std::convert::Infallible;

                async fn init(start: Start, rt: &mut ::arbor::Context<Self>) -> ::arbor::Init<Self> {
                    let mut ctx = Ctx {
                        myself: rt.myself(),
                        deps: start.deps,
                        stop: ::std::option::Option::None,
                    };
                    match <#state as State>::init(start.args, &mut ctx).await {
                        ::std::result::Result::Ok(state) => match ctx.stop.take() {
                            ::std::option::Option::Some(reason) => ::arbor::Init::Stop(reason),
                            ::std::option::Option::None => ::arbor::Init::Ok(#glue { state, ctx }),
                        },
                        ::std::result::Result::Err(reason) => ::arbor::Init::Stop(reason),
                    }
                }

                #handle_call
                #handle_cast
                #handle_info

                fn terminate(&mut self, reason: &::arbor::ExitReason, _rt: &mut ::arbor::Context<Self>)
                    -> impl ::std::future::Future<Output = ()> + ::std::marker::Send
                {
                    <#state as State>::terminate(&mut self.state, reason, &mut self.ctx)
                }

                fn take_stop(&mut self) -> ::std::option::Option<::arbor::ExitReason> {
                    self.ctx.stop.take()
                }

                fn mailbox() -> ::arbor::MailboxConfig {
                    MAILBOX
                }
            }
        }
    }
}

/// The `Deps` field, its initializer and the `Ctx` accessor of a dependency on an extern
/// actor: its client comes from the tree's `externs` (given to the tree's `start`).
fn extern_dependency(
    name: &str,
    e: &crate::model::ExternActor,
    called: bool,
    has_home: bool,
) -> (TokenStream, TokenStream, TokenStream) {
    let target = e.name.as_str();
    let field = snake_ident(target);
    let path = extern_path(e);
    let cap_ty = if called {
        quote!(#path::Client)
    } else {
        quote!(#path::Caster)
    };
    let source = if e.remote.is_some() {
        quote!(remotes)
    } else {
        quote!(externs)
    };
    let init = if !has_home {
        let why = format!(
            "extern actor `{target}`: `{name}` is not started by a supervisor of this system"
        );
        quote!(#field: #cap_ty::missing(#why))
    } else if called {
        quote!(#field: ::std::clone::Clone::clone(&tree.#source.#field))
    } else {
        quote!(#field: #cap_ty::from(::std::clone::Clone::clone(&tree.#source.#field)))
    };
    let what = if called { "calls" } else { "casts to" };
    let msg = format!(
        "`{name}` {what} extern actor `{target}` but the static call graph has no such edge: \
         regenerate the code from the spec"
    );
    let d = if e.remote.is_some() {
        doc(&format!(
            "The {} of remote actor `{target}` (`{}`, on another node): `{name}` {what} it over \
             the network once the tree is started with `start_on`.",
            if called { "client" } else { "cast-only client" },
            e.path.tokens(),
        ))
    } else {
        doc(&format!(
            "The {} of extern actor `{target}` (`{}`, in another system): `{name}` {what} it. It \
             reaches whatever the client given to the tree's `start` reaches.",
            if called { "client" } else { "cast-only client" },
            e.path.tokens(),
        ))
    };
    let accessor = quote! {
        #d
        pub fn #field(&self) -> &#cap_ty {
            const {
                ::std::assert!(::arbor::static_graph::has_edge(&NODE, &#path::NODE), #msg)
            };
            &self.deps.#field
        }
    };
    (quote!(#field: #cap_ty), init, accessor)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Call,
    Cast,
    Info,
}

impl Kind {
    fn enum_name(self) -> proc_macro2::Ident {
        match self {
            Kind::Call => ident("Call"),
            Kind::Cast => ident("Cast"),
            Kind::Info => ident("Info"),
        }
    }

    fn of(kind: &MessageKind) -> Kind {
        match kind {
            MessageKind::Call { .. } => Kind::Call,
            MessageKind::Cast => Kind::Cast,
            MessageKind::Info => Kind::Info,
        }
    }
}

/// The actor's `Call`/`Cast`/`Info` types: the protocol's, or an enum over
/// the protocols when it serves several.
fn message_kinds(glue: &proc_macro2::Ident, protocols: &[&Protocol]) -> TokenStream {
    if protocols.len() == 1 {
        let p = snake_ident(protocols[0].name.as_str());
        let name = protocols[0].name.as_str();
        let docs = [Kind::Call, Kind::Cast, Kind::Info].map(|k| {
            doc(&format!(
                "The {} messages of `{glue}` (protocol `{name}`).",
                k.enum_name().to_string().to_lowercase()
            ))
        });
        let [dc, dk, di] = docs;
        return quote! {
            #dc pub type Call = super::#p::Call;
            #dk pub type Cast = super::#p::Cast;
            #di pub type Info = super::#p::Info;
        };
    }
    let mut out = TokenStream::new();
    for k in [Kind::Call, Kind::Cast, Kind::Info] {
        let e = k.enum_name();
        let variants = protocols.iter().map(|p| {
            let v = ident(p.name.as_str());
            let m = snake_ident(p.name.as_str());
            let d = doc(&format!("A message of protocol `{}`.", p.name));
            quote!(#d #v(super::#m::#e))
        });
        let froms = protocols.iter().map(|p| {
            let v = ident(p.name.as_str());
            let m = snake_ident(p.name.as_str());
            quote! {
                impl ::std::convert::From<super::#m::#e> for #e {
                    fn from(msg: super::#m::#e) -> Self {
                        #e::#v(msg)
                    }
                }
            }
        });
        let d = doc(&format!(
            "The {} messages of `{glue}`, by protocol.",
            e.to_string().to_lowercase()
        ));
        out.extend(quote! {
            #d
            pub enum #e { #(#variants),* }
            #(#froms)*
        });
    }
    out
}

/// Client and Caster structs of an actor serving several protocols: one protocol client
/// each (typed by its protocol, so the struct does not name the actor's type).
fn multi_clients(name: &str, glue: &proc_macro2::Ident, protocols: &[&Protocol]) -> TokenStream {
    let mut out = TokenStream::new();
    for (kind, what) in [("Client", "calls and casts"), ("Caster", "casts")] {
        let st = ident(kind);
        let fields: Vec<proc_macro2::Ident> = protocols
            .iter()
            .map(|p| snake_ident(p.name.as_str()))
            .collect();
        let methods = protocols.iter().map(|p| {
            let m = snake_ident(p.name.as_str());
            let d = doc(&format!("The {what} of protocol `{}`.", p.name));
            quote! {
                #d
                pub fn #m(&self) -> super::#m::#st {
                    self.#m.clone()
                }
            }
        });
        let d = doc(&format!(
            "A client of `{name}` ({what}), one accessor per protocol."
        ));
        out.extend(quote! {
            #d
            #[derive(Clone, Debug)]
            pub struct #st {
                #(#fields: super::#fields::#st,)*
            }

            impl #st {
                /// A client sending to `target`.
                pub fn new(target: impl ::std::convert::Into<::arbor::codegen::Target<#glue>>) -> Self {
                    let target: ::arbor::codegen::Target<#glue> = target.into();
                    #st { #(#fields: super::#fields::#st::new(target.clone()),)* }
                }

                /// A client whose every message fails: `why` says why.
                pub fn missing(why: &'static str) -> Self {
                    #st { #(#fields: super::#fields::#st::missing(why),)* }
                }

                #(#methods)*
            }

            impl ::std::convert::From<::arbor::codegen::Target<#glue>> for #st {
                fn from(target: ::arbor::codegen::Target<#glue>) -> Self {
                    #st::new(target)
                }
            }

            impl ::std::convert::From<::arbor::ActorRef<#glue>> for #st {
                fn from(actor: ::arbor::ActorRef<#glue>) -> Self {
                    #st::new(::arbor::codegen::Target::Fixed(actor))
                }
            }
        });
    }
    let fields: Vec<proc_macro2::Ident> = protocols
        .iter()
        .map(|p| snake_ident(p.name.as_str()))
        .collect();
    out.extend(quote! {
        impl ::std::convert::From<Client> for Caster {
            fn from(client: Client) -> Self {
                Caster { #(#fields: ::std::convert::From::from(client.#fields),)* }
            }
        }
    });
    out
}

/// The callback of an actor serving one protocol with exactly one message of `kind`, not
/// deferred: the handler's own future in a small runtime wrapper (`arbor::codegen::answer` /
/// `handled`), not an `async fn` around it — one state machine fewer per handler for rustc
/// to build and check (issue #16). A stop the handler asks for is read by the runtime through
/// `Actor::take_stop`. `None` otherwise (the `async fn` with a `match` of [`arms`]).
fn lone_handler(
    protocols: &[&Protocol],
    single: bool,
    state: &TokenStream,
    deferred: &HashSet<&str>,
    kind: Kind,
) -> Option<TokenStream> {
    if !single {
        return None;
    }
    let p = protocols[0];
    let mut msgs = p.messages.iter().filter(|msg| Kind::of(&msg.kind) == kind);
    let (Some(msg), None) = (msgs.next(), msgs.next()) else {
        return None;
    };
    if kind == Kind::Call && deferred.contains(msg.name.as_str()) {
        return None;
    }
    let e = kind.enum_name();
    let (pattern, call) = handler_call(p, msg, state, kind);
    let (callback, body) = match kind {
        Kind::Call => (
            quote!(handle_call),
            quote!(::arbor::codegen::answer::<Self, _, _>(#call, reply_to)),
        ),
        Kind::Cast => (
            quote!(handle_cast),
            quote!(::arbor::codegen::handled::<Self, _>(#call)),
        ),
        Kind::Info => (
            quote!(handle_info),
            quote!(::arbor::codegen::handled::<Self, _>(#call)),
        ),
    };
    Some(quote! {
        fn #callback(&mut self, msg: #e, _rt: &mut ::arbor::Context<Self>)
            -> impl ::std::future::Future<Output = ::arbor::Handled<Self>> + ::std::marker::Send
        {
            match msg {
                #pattern => #body,
            }
        }
    })
}

/// A message's pattern (its fields bound to the argument names, and `reply_to` for a call)
/// and the call of the state's handler with them.
fn handler_call(
    p: &Protocol,
    msg: &Message,
    state: &TokenStream,
    kind: Kind,
) -> (TokenStream, TokenStream) {
    let m = snake_ident(p.name.as_str());
    let e = kind.enum_name();
    let v = camel_ident(msg.name.as_str());
    let method = snake_ident(msg.name.as_str());
    let args: Vec<proc_macro2::Ident> = msg
        .args
        .iter()
        .map(|a| snake_ident(a.name.as_str()))
        .collect();
    let call = quote! {
        <#state as super::#m::Handler<Ctx>>::#method(&mut self.state, #(#args,)* &mut self.ctx)
    };
    let mut fields: Vec<TokenStream> = args.iter().map(|a| quote!(#a)).collect();
    if kind == Kind::Call {
        fields.push(quote!(reply_to));
    }
    let pattern = if fields.is_empty() {
        quote!(super::#m::#e::#v)
    } else {
        quote!(super::#m::#e::#v { #(#fields),* })
    };
    (pattern, call)
}

/// The match arms dispatching one kind of message to the handlers; `None` if
/// no served protocol has a message of that kind.
fn arms(
    protocols: &[&Protocol],
    single: bool,
    state: &TokenStream,
    deferred: &HashSet<&str>,
    kind: Kind,
) -> Option<TokenStream> {
    let e = kind.enum_name();
    let mut out = TokenStream::new();
    let mut any = false;
    for p in protocols {
        let pv = ident(p.name.as_str());
        let mut inner = TokenStream::new();
        for msg in p.messages.iter().filter(|msg| Kind::of(&msg.kind) == kind) {
            any = true;
            let (pattern, call) = handler_call(p, msg, state, kind);
            let body = match kind {
                Kind::Call if deferred.contains(msg.name.as_str()) => quote! {
                    let work = #call;
                    ::arbor::codegen::defer(self.ctx.deps.tasks.get(), reply_to, work).await;
                },
                Kind::Call => quote! {
                    let reply = #call.await;
                    let _ = reply_to.send(reply);
                },
                _ => quote! { #call.await; },
            };
            inner.extend(quote! { #pattern => { #body } });
        }
        let has = p.messages.iter().any(|msg| Kind::of(&msg.kind) == kind);
        if single {
            out.extend(inner);
        } else if has {
            out.extend(quote! { #e::#pv(msg) => match msg { #inner } });
        } else {
            out.extend(quote! { #e::#pv(msg) => match msg {} });
        }
    }
    any.then_some(out)
}

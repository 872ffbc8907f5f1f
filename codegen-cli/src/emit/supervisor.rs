//! Per supervisor: the builders that start a tree with its strategies,
//! intensity, shutdowns, registries, dynamic and task supervisors, and the
//! handles that reach its named children.
//!
//! ```text
//! pub mod chat_sup {                 // a top-level supervisor
//!     pub struct Config { journal: journal_writer::Args, … }  // one field per worker / nested supervisor
//!     pub struct Tree { dir, rooms: Registry<String>, … }    // what the running tree shares
//!     pub async fn start(config) -> Result<Handle, StartError>;
//!     pub fn spec(config, &Tree) -> SupervisorSpec;
//!     pub struct Handle;             // .journal() -> journal_writer::Client, .room_sup(), .rooms(), .shutdown() …
//! }
//! pub mod room_sup {                 // a dynamic supervisor
//!     pub type Handle<C = room_server::Client>;  // .start_child(args), .start_registered(..), .children()
//!     pub fn handle(&chat_sup::Tree) -> Handle;
//! }
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use super::names::{ident, snake_ident};
use super::plan::{NodeKind, Plan};
use super::{doc, duration, int};
use crate::model::{
    AutoShutdown, Child, DynamicSupervisor, Keys, Partitions, Restart, Shutdown, Strategy,
    Supervisor,
};

fn strategy(s: Strategy) -> TokenStream {
    match s {
        Strategy::OneForOne => quote!(::arbor::supervisor::Strategy::OneForOne),
        Strategy::OneForAll => quote!(::arbor::supervisor::Strategy::OneForAll),
        Strategy::RestForOne => quote!(::arbor::supervisor::Strategy::RestForOne),
    }
}

fn restart(r: Restart) -> TokenStream {
    match r {
        Restart::Permanent => quote!(::arbor::supervisor::Restart::Permanent),
        Restart::Transient => quote!(::arbor::supervisor::Restart::Transient),
        Restart::Temporary => quote!(::arbor::supervisor::Restart::Temporary),
    }
}

fn shutdown(s: Shutdown) -> TokenStream {
    match s {
        Shutdown::BrutalKill => quote!(::arbor::ShutdownMode::BrutalKill),
        Shutdown::After(d) => {
            let d = duration(d);
            quote!(::arbor::ShutdownMode::Timeout(#d))
        }
        Shutdown::Infinity => quote!(::arbor::ShutdownMode::Infinity),
    }
}

fn auto_shutdown(a: AutoShutdown) -> TokenStream {
    match a {
        AutoShutdown::Never => quote!(::arbor::supervisor::AutoShutdown::Never),
        AutoShutdown::AnySignificant => quote!(::arbor::supervisor::AutoShutdown::AnySignificant),
        AutoShutdown::AllSignificant => quote!(::arbor::supervisor::AutoShutdown::AllSignificant),
    }
}

/// `.restart(..).shutdown(..).significant(..)` of a child spec.
fn child_flags(c: &Child) -> TokenStream {
    let r = restart(c.restart.value);
    let s = shutdown(c.shutdown.value);
    let g = c.significant.value;
    quote!(.restart(#r).shutdown(#s).significant(#g))
}

fn partitions(p: Option<Partitions>) -> Option<TokenStream> {
    p.map(|p| match p {
        Partitions::Fixed(n) => {
            let n = int(n.get() as u64);
            quote!(#n)
        }
        Partitions::PerCore => {
            quote!(::std::thread::available_parallelism().map_or(1, ::std::num::NonZeroUsize::get))
        }
    })
}

/// The deps expression for an actor started in tree `t`.
fn deps(plan: &Plan<'_>, t: usize, actor: &str, tasks: Option<&str>) -> TokenStream {
    let m = snake_ident(actor);
    let tree_arg = if plan.home(actor).is_some() {
        quote!(tree)
    } else {
        quote!(&tree.dir)
    };
    let _ = t;
    let tasks = match tasks {
        Some(path) => quote!(::arbor::codegen::Tasks::at(&tree.dir, #path)),
        None => quote!(::arbor::codegen::Tasks::none()),
    };
    quote!(super::#m::Deps::new(#tree_arg, #tasks))
}

/// The module of a static supervisor (root or nested) of tree `t`, node `n`.
pub(crate) fn static_supervisor(
    plan: &Plan<'_>,
    t: usize,
    n: usize,
    sup: &Supervisor,
) -> TokenStream {
    let tree = &plan.trees[t];
    let root = tree.root();
    let is_root = n == 0;
    let name = sup.name.as_str();
    let module = snake_ident(name);
    let root_mod = snake_ident(root.name.as_str());
    let tasks_here = tree.tasks_near(n).map(|i| tree.nodes[i].path.clone());

    let mut config_fields = Vec::new();
    let mut config_names = Vec::new();
    let mut children = Vec::new();
    let mut accessors = Vec::new();
    for c in tree.children(n) {
        let node = &tree.nodes[c];
        let Some(child) = node.child else { continue };
        let path = &node.path;
        let id = child.id.as_str();
        let field = snake_ident(id);
        let flags = child_flags(child);
        match node.kind {
            NodeKind::Worker(w) => {
                let am = snake_ident(w.actor.as_str());
                let glue = ident(w.actor.as_str());
                let d = doc(&format!(
                    "The arguments of child `{id}` (actor `{}`).",
                    w.actor
                ));
                config_fields.push(quote!(#d pub #field: super::#am::Args));
                config_names.push(field.clone());
                let deps = deps(plan, t, w.actor.as_str(), tasks_here.as_deref());
                children.push(quote! {
                    tree.dir.register(
                        ::arbor::supervisor::ChildSpec::actor::<super::#am::#glue>(
                            #id,
                            super::#am::Start { args: #field, deps: #deps },
                        )
                        #flags,
                        #path,
                    )
                });
                let d = doc(&format!(
                    "A client of child `{id}` (actor `{}`). It follows restarts; a message while \
                     the child is down fails with an error.",
                    w.actor
                ));
                let lookup =
                    super::actor::dir_lookup(plan, quote!(self.tree.dir), w.actor.as_str(), path);
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> super::#am::Client {
                        super::#am::Client::from(#lookup)
                    }
                });
            }
            NodeKind::Supervisor(s) => {
                let sm = snake_ident(s.name.as_str());
                let d = doc(&format!("The configuration of supervisor `{}`.", s.name));
                config_fields.push(quote!(#d pub #field: super::#sm::Config));
                config_names.push(field.clone());
                children.push(quote! {
                    tree.dir.register(
                        ::arbor::supervisor::ChildSpec::supervisor(#id, super::#sm::spec(#field, tree))
                        #flags,
                        #path,
                    )
                });
                let d = doc(&format!("The handle of supervisor `{}`.", s.name));
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> super::#sm::Handle {
                        super::#sm::Handle::new(self.tree.clone())
                    }
                });
            }
            NodeKind::Dynamic(d) => {
                let dm = snake_ident(d.name.as_str());
                children.push(quote! {
                    tree.dir.register(super::#dm::child_spec(tree) #flags, #path)
                });
                let doc_ = doc(&format!(
                    "The handle of dynamic supervisor `{}`: start `{}` children, list them.",
                    d.name, d.template.actor
                ));
                accessors.push(quote! {
                    #doc_
                    pub fn #field(&self) -> super::#dm::Handle {
                        super::#dm::handle(&self.tree)
                    }
                });
            }
            NodeKind::Tasks(ts) => {
                let tname = ts.name.as_str();
                let max = ts.max_children.map(|m| {
                    let m = int(m.value.get() as u64);
                    quote!(.max_children(#m))
                });
                children.push(quote! {
                    tree.dir.register(
                        ::arbor::supervisor::ChildSpec::supervisor(
                            #id,
                            ::arbor::task::TaskSupervisorSpec::new().name(#tname) #max,
                        )
                        #flags,
                        #path,
                    )
                });
                let d = doc(&format!("Task supervisor `{tname}`, if it runs."));
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> ::std::option::Option<::arbor::task::TaskSupervisorRef> {
                        self.tree.dir.tasks(#path)
                    }
                });
            }
            NodeKind::Registry(r) => {
                let rf = snake_ident(r.name.as_str());
                let d = doc(&format!(
                    "Registry `{}` (keys are `String`s; {} keys).",
                    r.name,
                    match r.keys.value {
                        Keys::Unique => "unique",
                        Keys::Duplicate => "duplicate",
                    }
                ));
                accessors.push(quote! {
                    #d
                    pub fn #field(&self) -> &::arbor::registry::Registry<::std::string::String> {
                        &self.tree.#rf
                    }
                });
            }
        }
    }

    let strat = strategy(sup.strategy.value);
    let max_restarts = int(sup.intensity.max_restarts.value);
    let max_seconds = int(sup.intensity.max_seconds.value);
    let auto = auto_shutdown(sup.auto_shutdown.value);

    let config_doc = doc(&format!(
        "The arguments of every child of `{name}` that takes some (workers, nested supervisors)."
    ));
    let spec_doc = doc(&format!(
        "The child spec list of `{name}` ({}; at most {max_restarts} restarts in {max_seconds} s), \
         its children registered in `tree`.",
        match sup.strategy.value {
            Strategy::OneForOne => "one_for_one",
            Strategy::OneForAll => "one_for_all",
            Strategy::RestForOne => "rest_for_one",
        }
    ));
    let handle_doc = doc(&format!(
        "The handle of a running `{name}`: typed access to its named children."
    ));

    let root_items = if is_root {
        let mut reg_fields = Vec::new();
        let mut reg_inits = Vec::new();
        for r in tree.registries() {
            let f = snake_ident(r.name.as_str());
            let keys = match r.keys.value {
                Keys::Unique => quote!(::arbor::registry::Keys::Unique),
                Keys::Duplicate => quote!(::arbor::registry::Keys::Duplicate),
            };
            let d = doc(&format!("Registry `{}`.", r.name));
            reg_fields.push(quote!(#d pub #f: ::arbor::registry::Registry<::std::string::String>));
            let init = match partitions(r.partitions.map(|p| p.value)) {
                Some(n) => quote!(::arbor::registry::Registry::with_partitions(#keys, #n).await),
                None => quote!(::arbor::registry::Registry::new(#keys).await),
            };
            reg_inits.push(quote!(#f: #init));
        }
        // A registry is not a process, so the runtime's snapshot does not see it; the spec (and
        // `arbor graph`) has it as a child: the snapshot lists it there too.
        let mut reg_rows = Vec::new();
        for (i, node) in tree.nodes.iter().enumerate() {
            let (NodeKind::Registry(r), Some(parent)) = (node.kind, node.parent) else {
                continue;
            };
            let path: Vec<&str> = tree.nodes[parent]
                .path
                .split('/')
                .filter(|s| !s.is_empty())
                .collect();
            let index = tree.children(parent).position(|c| c == i).unwrap_or(0);
            let id = r.name.as_str();
            let keys = match r.keys.value {
                Keys::Unique => "unique keys",
                Keys::Duplicate => "duplicate keys",
            };
            reg_rows.push(quote! {
                tree.insert(&[#(#path),*], #index, ::arbor::introspect::TreeNode::registry(#id, #keys));
            });
        }
        let snapshot_body = if reg_rows.is_empty() {
            quote!(self.sup.snapshot().await)
        } else {
            quote! {
                let mut tree = self.sup.snapshot().await;
                #(#reg_rows)*
                tree
            }
        };
        let externs = plan.externs_of_tree(t);
        let extern_fields: Vec<TokenStream> = externs
            .iter()
            .map(|e| {
                let f = snake_ident(e.name.as_str());
                let path = super::extern_path(e);
                let d = doc(&format!(
                    "A client of extern actor `{}` (`{}`, in another system).",
                    e.name,
                    e.path.tokens()
                ));
                quote!(#d pub #f: #path::Client)
            })
            .collect();
        let has_externs = !externs.is_empty();
        let (externs_item, externs_param, externs_arg, externs_init) = if has_externs {
            let names: Vec<String> = externs.iter().map(|e| format!("`{}`", e.name)).collect();
            let d = doc(&format!(
                "The clients of the extern actors (of other systems) the actors of the `{name}` \
                 tree call or cast to: {}. A client that follows restarts (from the other \
                 system's handle) keeps reaching its actor; \
                 `arbor::codegen::Port::bound_later` gives one to bind once the other system \
                 runs (for systems that reach each other).",
                names.join(", ")
            ));
            (
                quote! {
                    #d
                    #[derive(Clone, Debug)]
                    pub struct Externs {
                        #(#extern_fields,)*
                    }
                },
                quote!(externs: Externs),
                quote!(externs),
                quote!(externs,),
            )
        } else {
            (quote!(), quote!(), quote!(), quote!())
        };
        let cluster = super::remote::root(plan, t, has_externs);
        let has_remotes = cluster.as_ref().is_some_and(|c| c.has_remotes);
        let has_exports = cluster.as_ref().is_some_and(|c| c.has_exports);
        let cluster_items = cluster.map(|c| c.items);
        let (remotes_field, remotes_param, remotes_init, remotes_missing) = if has_remotes {
            (
                quote! {
                    /// The clients of the remote actors its actors use.
                    pub remotes: Remotes,
                },
                quote!(remotes: Remotes),
                quote!(remotes,),
                quote!(Remotes::missing()),
            )
        } else {
            (quote!(), quote!(), quote!(), quote!())
        };
        let (exports_field, exports_none) = if has_exports {
            (
                quote! {
                    /// What the tree exports to other nodes (empty when started without one).
                    exports: ::std::sync::Arc<::std::vec::Vec<::arbor_cluster::Export>>,
                },
                quote!(exports: ::std::sync::Arc::new(::std::vec::Vec::new()),),
            )
        } else {
            (quote!(), quote!())
        };
        let new_params: Vec<&TokenStream> = [&externs_param, &remotes_param]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let new_args: Vec<&TokenStream> = [&externs_arg, &remotes_missing]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        let externs_field = has_externs.then(|| {
            quote! {
                /// The clients of the extern actors its actors use.
                pub externs: Externs,
            }
        });
        let tree_doc = doc(&format!(
            "What a running `{name}` tree shares: the directory of its children (by path) and \
             its registries."
        ));
        let start_doc = doc(&format!(
            "Starts the `{name}` tree: its registries, then its children in order; returns once \
             every child runs (or the reason one failed to start)."
        ));
        quote! {
            #externs_item

            #tree_doc
            #[derive(Clone, Debug)]
            pub struct Tree {
                /// The tree's children by path (each registers at every start).
                pub dir: ::arbor::codegen::Directory,
                #externs_field
                #remotes_field
                #(#reg_fields,)*
            }

            impl Tree {
                /// A fresh tree: an empty directory and empty registries.
                pub async fn new(#(#new_params),*) -> Tree {
                    Tree {
                        dir: ::arbor::codegen::Directory::new().await,
                        #externs_init
                        #remotes_init
                        #(#reg_inits,)*
                    }
                }
            }

            #start_doc
            pub async fn start(config: Config, #externs_param)
                -> ::std::result::Result<Handle, ::arbor::supervisor::StartError>
            {
                let tree = Tree::new(#(#new_args),*).await;
                let sup = spec(config, &tree).start().await?;
                ::std::result::Result::Ok(Handle { tree, sup, #exports_none })
            }

            #cluster_items

            #handle_doc
            #[derive(Clone, Debug)]
            pub struct Handle {
                tree: Tree,
                sup: ::arbor::supervisor::SupervisorRef,
                #exports_field
            }

            impl Handle {
                /// The root supervisor.
                pub fn supervisor(&self) -> &::arbor::supervisor::SupervisorRef {
                    &self.sup
                }

                /// The running tree's directory and registries.
                pub fn tree(&self) -> &Tree {
                    &self.tree
                }

                /// A snapshot of the whole tree (children, restarts, mailboxes), registries
                /// included where the spec has them.
                pub async fn snapshot(&self) -> ::arbor::introspect::TreeNode {
                    #snapshot_body
                }

                /// Stops the tree (children in reverse start order) and returns the root's exit reason.
                pub async fn shutdown(&self) -> ::arbor::ExitReason {
                    self.sup.shutdown().await
                }

                /// Waits until the root supervisor exits (e.g. after an auto-shutdown).
                pub async fn wait(&self) -> ::arbor::ExitReason {
                    self.sup.wait().await
                }

                #(#accessors)*
            }
        }
    } else {
        let path = &tree.nodes[n].path;
        quote! {
            #handle_doc
            #[derive(Clone, Debug)]
            pub struct Handle {
                tree: super::#root_mod::Tree,
            }

            impl Handle {
                /// The handle of this supervisor in a running `tree`.
                pub fn new(tree: super::#root_mod::Tree) -> Handle {
                    Handle { tree }
                }

                /// The supervisor's untyped handle, if it runs.
                pub fn cell(&self) -> ::std::option::Option<::arbor::ActorCell> {
                    self.tree.dir.cell(PATH)
                }

                #(#accessors)*
            }

            /// The supervisor's path in its tree.
            pub const PATH: &str = #path;
        }
    };

    let module_doc = doc(&format!(
        "Supervisor `{name}`{}: its configuration, builder and handle.",
        if is_root { " (a tree's root)" } else { "" }
    ));
    let allows = super::allows();
    quote! {
        #module_doc
        #allows
        pub mod #module {
            use super::*;

            #config_doc
            #[derive(Clone)]
            pub struct Config {
                #(#config_fields,)*
            }

            #spec_doc
            pub fn spec(config: Config, tree: &super::#root_mod::Tree) -> ::arbor::supervisor::SupervisorSpec {
                let Config { #(#config_names,)* } = config;
                ::arbor::supervisor::SupervisorSpec::new(#strat)
                    .intensity(#max_restarts, ::std::time::Duration::from_secs(#max_seconds))
                    .auto_shutdown(#auto)
                    .name(#name)
                    .children([#(#children),*])
            }

            #root_items
        }
    }
}

/// The module of a dynamic supervisor (tree `t`, node `n`).
pub(crate) fn dynamic_supervisor(
    plan: &Plan<'_>,
    t: usize,
    n: usize,
    d: &DynamicSupervisor,
) -> TokenStream {
    let tree = &plan.trees[t];
    let root_mod = snake_ident(tree.root().name.as_str());
    let name = d.name.as_str();
    let module = snake_ident(name);
    let actor = d.template.actor.as_str();
    let am = snake_ident(actor);
    let glue = ident(actor);
    let path = tree.nodes[n].path.clone();
    let parent = tree.nodes[n].parent.unwrap_or(0);
    let tasks = tree.tasks_near(parent).map(|i| tree.nodes[i].path.clone());
    let deps = deps(plan, t, actor, tasks.as_deref());
    let r = restart(d.template.restart.value);
    let s = shutdown(d.template.shutdown.value);
    let max_restarts = int(d.intensity.max_restarts.value);
    let max_seconds = int(d.intensity.max_seconds.value);
    let max = d.max_children.map(|m| {
        let m = int(m.value.get() as u64);
        quote!(.max_children(#m))
    });
    let parts = partitions(d.partitions.map(|p| p.value));
    let (count, find, sup_spec) = match &parts {
        None => (
            quote!(1),
            quote!(move |_| dir.dynamic(PATH)),
            quote! {
                ::arbor::supervisor::ChildSpec::supervisor(PATH_ID, inner.name(#name))
            },
        ),
        Some(n) => (
            quote!(#n),
            quote!(move |i| dir.dynamic(&::std::format!("{}#{}", PATH, i))),
            quote! {
                let dir = &tree.dir;
                let outer = ::arbor::supervisor::SupervisorSpec::new(::arbor::supervisor::Strategy::OneForOne)
                    .name(#name)
                    .children((0..partitions()).map(|i| {
                        dir.register(
                            ::arbor::supervisor::ChildSpec::supervisor(
                                i.to_string(),
                                inner.clone().name(::std::format!("{}#{}", #name, i)),
                            ),
                            &::std::format!("{}#{}", PATH, i),
                        )
                    }));
                ::arbor::supervisor::ChildSpec::supervisor(PATH_ID, outer)
            },
        ),
    };
    let id = tree.nodes[n].child.map_or(name, |c| c.id.as_str());
    let module_doc = doc(&format!(
        "Dynamic supervisor `{name}`: `{actor}` children started at run time{}.",
        if parts.is_some() {
            ", in partitions"
        } else {
            ""
        }
    ));
    let handle_doc = doc(&format!(
        "The typed handle of `{name}`: start `{actor}` children with their `Args`, list them. \
         `C` is the client type returned (the full client by default)."
    ));
    let allows = super::allows();
    quote! {
        #module_doc
        #allows
        pub mod #module {
            use super::*;

            #handle_doc
            pub type Handle<C = super::#am::Client> =
                ::arbor::codegen::Dynamic<super::#am::#glue, super::#am::Args, C>;

            /// The supervisor's path in its tree.
            pub const PATH: &str = #path;
            const PATH_ID: &str = #id;

            /// How many partitions it has (1 when it is not partitioned).
            pub fn partitions() -> usize {
                #count
            }

            /// The handle of this supervisor in a running `tree`.
            pub fn handle<C>(tree: &super::#root_mod::Tree) -> Handle<C>
            where
                C: ::std::convert::From<::arbor::codegen::Target<super::#am::#glue>>,
            {
                let dir = tree.dir.clone();
                let tree = tree.clone();
                ::arbor::codegen::Dynamic::new(partitions(), #find, move |args: super::#am::Args| {
                    let tree = &tree;
                    ::arbor::supervisor::ChildSpec::actor::<super::#am::#glue>(
                        #actor,
                        super::#am::Start { args, deps: #deps },
                    )
                    .restart(#r)
                    .shutdown(#s)
                })
            }

            /// The child spec of the supervisor itself (its parent adds restart and shutdown).
            pub fn child_spec(tree: &super::#root_mod::Tree) -> ::arbor::supervisor::ChildSpec {
                let inner = ::arbor::supervisor::DynamicSupervisorSpec::new()
                    .intensity(#max_restarts, ::std::time::Duration::from_secs(#max_seconds))
                    #max;
                #sup_spec
            }
        }
    }
}

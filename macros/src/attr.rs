//! The options of each attribute, parsed with darling (unknown options are errors with a
//! "did you mean" suggestion).

use darling::FromMeta;
use darling::ast::NestedMeta;
use darling::util::PathList;

/// `#[actor(...)]` on a state struct.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct ActorOpts {
    /// The actor's name (default: the struct's name without its `State` suffix).
    pub name: Option<syn::LitStr>,
    /// `mailbox(capacity = N, overflow = "block|reject|drop_newest|drop_oldest")`.
    pub mailbox: Option<MailboxOpts>,
    /// An unbounded mailbox.
    pub unbounded: darling::util::Flag,
    /// Actors it calls (synchronous dependencies).
    pub calls: PathList,
    /// Actors it calls while starting.
    pub calls_during_init: PathList,
    /// Actors it casts to.
    pub casts: PathList,
}

/// `mailbox(...)`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct MailboxOpts {
    /// Queue capacity.
    pub capacity: Option<syn::LitInt>,
    /// What a send into a full mailbox does.
    pub overflow: Option<syn::LitStr>,
}

/// `#[arbor::handlers(...)]` on the impl block.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct HandlersOpts {
    /// The protocol's name (default: the actor's name + `Protocol`).
    pub protocol: Option<syn::LitStr>,
}

/// `#[call(...)]` on a handler.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct CallOpts {
    /// How long the caller waits (`"800ms"`, `"5s"`, `"infinity"`).
    pub timeout: Option<syn::LitStr>,
    /// The reply is computed by a task (a deferred call).
    pub deferred: darling::util::Flag,
}

/// `#[supervisor(...)]`.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct SupervisorOpts {
    /// `one_for_one`, `one_for_all`, `rest_for_one`.
    pub strategy: Option<syn::LitStr>,
    /// Restart intensity.
    pub max_restarts: Option<syn::LitInt>,
    /// Restart period.
    pub max_seconds: Option<syn::LitInt>,
    /// `never`, `any_significant`, `all_significant`.
    pub auto_shutdown: Option<syn::LitStr>,
}

/// `#[child(...)]` on a supervisor's field.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct ChildOpts {
    /// `permanent`, `transient`, `temporary`.
    pub restart: Option<syn::LitStr>,
    /// A duration, `brutal_kill` or `infinity`.
    pub shutdown: Option<syn::LitStr>,
    /// Its end can shut the parent down.
    pub significant: darling::util::Flag,
    /// A task supervisor.
    pub tasks: darling::util::Flag,
    /// A dynamic supervisor whose children run the field's actor.
    pub dynamic: darling::util::Flag,
    /// Most children of a dynamic supervisor.
    pub max_children: Option<syn::LitInt>,
    /// A dynamic supervisor's strategy (only one_for_one is valid).
    pub strategy: Option<syn::LitStr>,
}

/// Parses an attribute's options (an attribute without a list gives the defaults).
pub fn parse<T: FromMeta + Default>(attr: &syn::Attribute) -> darling::Result<T> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok(T::default()),
        syn::Meta::List(list) => {
            let items = NestedMeta::parse_meta_list(list.tokens.clone())?;
            T::from_list(&items)
        }
        syn::Meta::NameValue(nv) => Err(darling::Error::custom(
            "expected a list of options: `#[name(option = …)]`",
        )
        .with_span(nv)),
    }
}

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
    /// Lints silenced on this actor.
    #[darling(multiple)]
    pub allow: Vec<AllowOpt>,
    /// `export` (under the actor's name) or `export = "Name"`: reachable from other nodes.
    pub export: Option<darling::util::SpannedValue<darling::util::Override<syn::LitStr>>>,
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

/// `#[handlers(...)]` on the impl block.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct HandlersOpts {
    /// The protocol served (default: one named after the actor + `Protocol`, made of the
    /// block's handlers).
    pub protocol: Option<ProtocolRef>,
}

/// `protocol = Kv` (a `#[protocol]` trait of the module) or `protocol = "Kv"` (the same when
/// such a trait exists, otherwise a protocol made of the block's handlers).
#[derive(Debug, Clone)]
pub enum ProtocolRef {
    /// A name written as a string: declares the protocol unless a trait of that name exists.
    Named(syn::LitStr),
    /// A path: must name a `#[protocol]` trait of the module.
    Declared(syn::Ident),
}

impl ProtocolRef {
    /// The protocol's name.
    pub fn name(&self) -> String {
        match self {
            ProtocolRef::Named(l) => l.value(),
            ProtocolRef::Declared(i) => i.to_string(),
        }
    }

    /// The written tokens' span.
    pub fn span(&self) -> proc_macro2::Span {
        match self {
            ProtocolRef::Named(l) => l.span(),
            ProtocolRef::Declared(i) => i.span(),
        }
    }
}

impl FromMeta for ProtocolRef {
    fn from_expr(expr: &syn::Expr) -> darling::Result<Self> {
        match expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(l),
                ..
            }) => Ok(ProtocolRef::Named(l.clone())),
            syn::Expr::Path(p) => match p.path.get_ident() {
                Some(i) => Ok(ProtocolRef::Declared(i.clone())),
                None => Err(darling::Error::custom(
                    "name a `#[protocol]` trait of this module by its name alone",
                )
                .with_span(p)),
            },
            syn::Expr::Group(g) => Self::from_expr(&g.expr),
            other => Err(darling::Error::custom(
                "expected a protocol: `protocol = Kv` (a `#[protocol]` trait of this module)",
            )
            .with_span(other)),
        }
    }
}

/// `#[call(...)]` on a handler or on a method of a `#[protocol]` trait.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct CallOpts {
    /// How long the caller waits (`"800ms"`, `"5s"`, `"infinity"`).
    pub timeout: Option<syn::LitStr>,
    /// The reply is computed by a task (a deferred call).
    pub deferred: darling::util::Flag,
    /// The reply type of a variant of a `#[protocol]` enum (a method's is its return type).
    pub reply: Option<syn::LitStr>,
}

/// `#[protocol]` on a trait: no options yet (any is reported as unknown).
#[derive(Debug, Default, FromMeta)]
pub struct ProtocolOpts {}

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
    /// An app that starts this tree (KDL's `app NAME root=THIS`): a module `NAME` (in
    /// snake_case) with `start`, `Config` and `Handle`.
    pub app: Option<syn::LitStr>,
    /// Lints silenced on this supervisor.
    #[darling(multiple)]
    pub allow: Vec<AllowOpt>,
}

/// `#[child(...)]` on a supervisor's field. The field's name is the child's id; its type is
/// the actor (a worker, or a dynamic supervisor's template) or a supervisor struct of the module
/// (nested). `dynamic`, `tasks` and `registry` make it a dynamic supervisor, a task supervisor
/// or a registry named after the field (`room_sup` → `RoomSup`).
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
    /// A registry (`keys` says unique or duplicate).
    pub registry: darling::util::Flag,
    /// A registry's key kind: `unique` or `duplicate`.
    pub keys: Option<syn::LitStr>,
    /// Partitions of a dynamic supervisor or a registry: a number or `"per_core"`.
    pub partitions: Option<PartitionsOpt>,
    /// Most children of a dynamic or task supervisor.
    pub max_children: Option<syn::LitInt>,
    /// A dynamic supervisor's strategy (only one_for_one is valid).
    pub strategy: Option<syn::LitStr>,
    /// A dynamic supervisor's restart intensity.
    pub max_restarts: Option<syn::LitInt>,
    /// A dynamic supervisor's restart period.
    pub max_seconds: Option<syn::LitInt>,
    /// The child spec of a dynamic supervisor's children.
    pub template: Option<TemplateOpts>,
    /// Lints silenced on this child.
    #[darling(multiple)]
    pub allow: Vec<AllowOpt>,
}

/// `template(restart = "…", shutdown = "…", allow(…))` of a dynamic child.
#[derive(Debug, Default, FromMeta)]
#[darling(default)]
pub struct TemplateOpts {
    /// `permanent`, `transient`, `temporary`.
    pub restart: Option<syn::LitStr>,
    /// A duration, `brutal_kill` or `infinity`.
    pub shutdown: Option<syn::LitStr>,
    /// Lints silenced on the template.
    #[darling(multiple)]
    pub allow: Vec<AllowOpt>,
}

/// `partitions = 4` or `partitions = "per_core"`.
#[derive(Debug, Clone)]
pub enum PartitionsOpt {
    /// A fixed count.
    Fixed(syn::LitInt),
    /// `"per_core"` (one per scheduler thread).
    PerCore(syn::LitStr),
}

impl PartitionsOpt {
    /// The written literal's span.
    pub fn span(&self) -> proc_macro2::Span {
        match self {
            PartitionsOpt::Fixed(l) => l.span(),
            PartitionsOpt::PerCore(l) => l.span(),
        }
    }
}

impl FromMeta for PartitionsOpt {
    fn from_value(value: &syn::Lit) -> darling::Result<Self> {
        match value {
            syn::Lit::Int(i) => Ok(PartitionsOpt::Fixed(i.clone())),
            syn::Lit::Str(s) if matches!(s.value().as_str(), "per_core" | "per-core") => {
                Ok(PartitionsOpt::PerCore(s.clone()))
            }
            other => Err(
                darling::Error::custom("expected a number of partitions or \"per_core\"")
                    .with_span(other),
            ),
        }
    }
}

/// `allow(LINT, reason = "…")`: silences one lint on the item, like KDL's
/// `allow LINT reason="…"`.
#[derive(Debug, Clone)]
pub struct AllowOpt {
    /// The lint's name as written (`unbounded_mailbox`, `arbor::unbounded_mailbox`).
    pub lint: syn::Path,
    /// Why the lint does not apply here.
    pub reason: syn::LitStr,
}

impl FromMeta for AllowOpt {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        const FORM: &str = "expected `allow(LINT, reason = \"…\")`";
        let mut lint = None;
        let mut reason = None;
        let mut errors = darling::Error::accumulator();
        for item in items {
            match item {
                NestedMeta::Meta(syn::Meta::Path(p)) if lint.is_none() => lint = Some(p.clone()),
                NestedMeta::Meta(syn::Meta::NameValue(nv)) if nv.path.is_ident("reason") => {
                    if let Some(r) = errors.handle(syn::LitStr::from_expr(&nv.value)) {
                        reason = Some(r);
                    }
                }
                other => errors.push(darling::Error::custom(FORM).with_span(other)),
            }
        }
        let Some(lint) = lint else {
            errors.push(darling::Error::custom(format!("{FORM}: name the lint")));
            return Err(errors.finish().expect_err("an error was pushed"));
        };
        let Some(reason) = reason.filter(|r| !r.value().trim().is_empty()) else {
            errors.push(
                darling::Error::custom(
                    "an `allow` needs a reason: `reason = \"…\"` says why the lint does not apply here",
                )
                .with_span(&lint),
            );
            return Err(errors.finish().expect_err("an error was pushed"));
        };
        errors.finish_with(AllowOpt { lint, reason })
    }
}

/// Parses an attribute's options (an attribute without a list gives the defaults), and on an
/// error the options that are fine on their own: an unknown key or a
/// bad value does not drop the attribute's other options (`#[actor(mailbx(…), calls(B))]`
/// still calls `B`), so what follows is checked with them instead of with the defaults.
pub fn parse<T: FromMeta + Default>(attr: &syn::Attribute) -> Result<T, (darling::Error, T)> {
    match &attr.meta {
        syn::Meta::Path(_) => Ok(T::default()),
        syn::Meta::List(list) => {
            let items = NestedMeta::parse_meta_list(list.tokens.clone())
                .map_err(|e| (e.into(), T::default()))?;
            T::from_list(&items).map_err(|e| {
                let good: Vec<NestedMeta> = items
                    .iter()
                    .filter(|item| T::from_list(std::slice::from_ref(*item)).is_ok())
                    .cloned()
                    .collect();
                (e, T::from_list(&good).unwrap_or_default())
            })
        }
        syn::Meta::NameValue(nv) => Err((
            darling::Error::custom("expected a list of options: `#[name(option = …)]`")
                .with_span(nv),
            T::default(),
        )),
    }
}

//! Parse: the items of a `#[system]` module, sorted into what the macros read (actor state
//! structs, handler impl blocks, supervisor structs) and what passes through untouched. The
//! macros' attributes are taken off the items here and parsed into their option structs
//! (`attr.rs`); nothing is checked beyond the options' own syntax.

use crate::attr::{
    self, ActorOpts, CallOpts, ChildOpts, HandlersOpts, ProtocolOpts, SupervisorOpts,
};

/// A module's items, sorted.
pub struct Module {
    /// `#[derive(Actor)]` structs, in order.
    pub actors: Vec<ActorItem>,
    /// `#[handlers]` impl blocks, in order.
    pub handlers: Vec<HandlersItem>,
    /// `#[derive(Supervisor)]` structs, in order.
    pub supervisors: Vec<SupervisorItem>,
    /// `#[protocol]` traits, in order (consumed: the emitter generates the protocol's module).
    pub protocols: Vec<ProtocolItem>,
    /// Everything else, and the actor structs with the macros' attributes removed: emitted
    /// as written.
    pub passthrough: Vec<syn::Item>,
}

/// Where an item sits: the inline modules between the `#[system]` module and it (empty at the
/// top).
pub type ModPath = Vec<syn::Ident>;

/// A `#[derive(Actor)]` state struct.
pub struct ActorItem {
    /// The struct (still emitted: it is the user's state type).
    pub item: syn::ItemStruct,
    /// Its `#[actor(...)]`.
    pub opts: ActorOpts,
    /// The nested module it is declared in.
    pub at: ModPath,
}

/// A `#[handlers]` impl block.
pub struct HandlersItem {
    /// The block, its methods moved to `methods` and `other`.
    pub block: syn::ItemImpl,
    /// Its `#[handlers(...)]`.
    pub opts: HandlersOpts,
    /// The block's methods, each with its role.
    pub methods: Vec<Method>,
    /// Items of the block that are not methods (consts, types): kept inherent.
    pub other: Vec<syn::ImplItem>,
    /// The nested module it is written in (its impls are emitted there, so the methods'
    /// bodies see that module's names).
    pub at: ModPath,
}

/// A method of a handlers block: the role attribute is removed from `f`.
pub struct Method {
    /// The method.
    pub f: syn::ImplItemFn,
    /// What it is.
    pub role: Role,
}

/// What a method of a handlers block is.
pub enum Role {
    /// `#[call(...)]`.
    Call(CallOpts),
    /// `#[cast]`.
    Cast,
    /// `#[info]`.
    Info,
    /// `#[init]`: the state's constructor.
    Init,
    /// `#[terminate]`: the cleanup hook.
    Terminate,
    /// No marker: an inherent method of the state.
    Inherent,
}

/// A `#[protocol]` trait: a protocol declared on its own, served by the actors whose
/// handlers block names it.
pub struct ProtocolItem {
    /// The trait (its methods moved to `messages`).
    pub item: syn::ItemTrait,
    /// Each method with its role (`#[call]`, `#[cast]` or `#[info]`; anything else is an
    /// error of validation).
    pub messages: Vec<(syn::TraitItemFn, Role)>,
    /// The nested module it is declared in.
    pub at: ModPath,
}

/// A `#[derive(Supervisor)]` struct.
pub struct SupervisorItem {
    /// The struct as written (its fields are the children).
    pub item: syn::ItemStruct,
    /// Its `#[supervisor(...)]`.
    pub opts: SupervisorOpts,
    /// Each field with its `#[child(...)]`.
    pub children: Vec<(syn::Field, ChildOpts)>,
}

/// Sorts a module's items; option errors go to `errors`, the item is still read (with default
/// options) so later errors are found too. Inline modules nested in it are read too: a system
/// spans them, and its names (actors, protocols, supervisors) are one namespace.
pub fn read(items: Vec<syn::Item>, errors: &mut darling::error::Accumulator) -> Module {
    let mut module = Module {
        actors: Vec::new(),
        handlers: Vec::new(),
        supervisors: Vec::new(),
        protocols: Vec::new(),
        passthrough: Vec::new(),
    };
    module.passthrough = read_in(items, &[], &mut module, errors);
    module
}

/// Sorts the items of the module at `at` into `module`; gives back what passes through there.
fn read_in(
    items: Vec<syn::Item>,
    at: &[syn::Ident],
    module: &mut Module,
    errors: &mut darling::error::Accumulator,
) -> Vec<syn::Item> {
    let mut passthrough = Vec::new();
    for item in items {
        match item {
            syn::Item::Mod(mut m) if m.content.is_some() => {
                let (brace, inner) = m.content.take().expect("inline");
                let mut path = at.to_vec();
                path.push(m.ident.clone());
                let actors_before = module.actors.len();
                m.content = Some((brace, read_in(inner, &path, module, errors)));
                // Generated code names the states from the `#[system]` module: a module two
                // levels down is only reachable from there when it is visible to its parent's
                // parent.
                if !at.is_empty()
                    && matches!(m.vis, syn::Visibility::Inherited)
                    && module.actors.len() > actors_before
                {
                    errors.push(
                        darling::Error::custom(format!(
                            "module `{}` holds actor states but is private to `{}`, and the \
                             system's generated code names them from the `#[system]` module: \
                             write `{} mod {}`",
                            m.ident,
                            at.last().expect("nested"),
                            if at.len() == 1 {
                                "pub(super)"
                            } else {
                                "pub(crate)"
                            },
                            m.ident
                        ))
                        .with_span(&m.ident),
                    );
                }
                passthrough.push(syn::Item::Mod(m));
            }
            syn::Item::Struct(mut s) if has_derive(&s.attrs, "Actor") => {
                s.attrs.push(syn::parse_quote!(#[arbor_in_system]));
                let opts = take_opts::<ActorOpts>(&mut s.attrs, "actor", errors);
                passthrough.push(syn::Item::Struct(s.clone()));
                module.actors.push(ActorItem {
                    item: s,
                    opts,
                    at: at.to_vec(),
                });
            }
            syn::Item::Struct(mut s) if has_derive(&s.attrs, "Supervisor") => {
                let opts = take_opts::<SupervisorOpts>(&mut s.attrs, "supervisor", errors);
                let mut children = Vec::new();
                for f in s.fields.iter_mut() {
                    let c = take_opts::<ChildOpts>(&mut f.attrs, "child", errors);
                    children.push((f.clone(), c));
                }
                // The struct stays as a marker: its fields name generated types and
                // options, not Rust types.
                let syn::ItemStruct {
                    attrs, vis, ident, ..
                } = &s;
                passthrough
                    .push(syn::parse_quote!(#(#attrs)* #[arbor_in_system] #vis struct #ident;));
                module.supervisors.push(SupervisorItem {
                    item: s,
                    opts,
                    children,
                });
            }
            syn::Item::Impl(mut block) if has_attr(&block.attrs, "handlers") => {
                let opts = take_opts::<HandlersOpts>(&mut block.attrs, "handlers", errors);
                let mut methods = Vec::new();
                let mut other = Vec::new();
                for item in std::mem::take(&mut block.items) {
                    match item {
                        syn::ImplItem::Fn(f) => methods.push(method(f, errors)),
                        item => other.push(item),
                    }
                }
                module.handlers.push(HandlersItem {
                    block,
                    opts,
                    methods,
                    other,
                    at: at.to_vec(),
                });
            }
            syn::Item::Trait(mut t) if has_attr(&t.attrs, "protocol") => {
                let _: ProtocolOpts = take_opts(&mut t.attrs, "protocol", errors);
                let mut messages = Vec::new();
                for item in std::mem::take(&mut t.items) {
                    match item {
                        syn::TraitItem::Fn(mut f) => {
                            let role = role(&mut f.attrs, errors);
                            messages.push((f, role));
                        }
                        other => errors.push(
                            darling::Error::custom(
                                "a `#[protocol]` trait holds only its messages: `#[call]`, `#[cast]` or `#[info]` methods",
                            )
                            .with_span(&other),
                        ),
                    }
                }
                module.protocols.push(ProtocolItem {
                    item: t,
                    messages,
                    at: at.to_vec(),
                });
            }
            syn::Item::Enum(mut e) if has_attr(&e.attrs, "protocol") => {
                let _: ProtocolOpts = take_opts(&mut e.attrs, "protocol", errors);
                module.protocols.push(enum_protocol(e, at, errors));
            }
            other => passthrough.push(other),
        }
    }
    passthrough
}

/// A `#[protocol]` enum, read as the trait it spells: variant `Get { key: String }` with
/// `#[call(reply = "Option<String>")]` is `fn get(&self, key: String) -> Option<String>;`.
fn enum_protocol(
    e: syn::ItemEnum,
    at: &[syn::Ident],
    errors: &mut darling::error::Accumulator,
) -> ProtocolItem {
    let syn::ItemEnum {
        attrs,
        vis,
        ident,
        generics,
        variants,
        ..
    } = e;
    let item: syn::ItemTrait = syn::parse_quote!(#(#attrs)* #vis trait #ident #generics {});
    let mut messages = Vec::new();
    for mut v in variants {
        let mut role = role(&mut v.attrs, errors);
        let name = syn::Ident::new(
            &arbor_codegen::emit::names::snake(&v.ident.to_string()),
            v.ident.span(),
        );
        let mut args = Vec::new();
        match &v.fields {
            syn::Fields::Named(fields) => {
                for f in &fields.named {
                    let (n, t) = (f.ident.as_ref().expect("named"), &f.ty);
                    args.push(quote::quote!(#n: #t));
                }
            }
            syn::Fields::Unit => {}
            syn::Fields::Unnamed(fields) => errors.push(
                darling::Error::custom(
                    "a message's fields are its arguments: name them (`Get { key: String }`)",
                )
                .with_span(fields),
            ),
        }
        if let Some((_, discriminant)) = &v.discriminant {
            errors.push(
                darling::Error::custom("a message has no discriminant").with_span(discriminant),
            );
        }
        let output = match &mut role {
            Role::Call(o) => match o.reply.take() {
                Some(l) => match l.parse::<syn::Type>() {
                    Ok(t) => quote::quote_spanned!(l.span()=> -> #t),
                    Err(e) => {
                        errors.push(
                            darling::Error::custom(format!("bad reply type: {e}")).with_span(&l),
                        );
                        quote::quote!()
                    }
                },
                None => quote::quote!(),
            },
            _ => quote::quote!(),
        };
        let f: syn::TraitItemFn =
            syn::parse_quote_spanned!(v.ident.span()=> fn #name(&self, #(#args),*) #output;);
        messages.push((f, role));
    }
    ProtocolItem {
        item,
        messages,
        at: at.to_vec(),
    }
}

/// A handlers block's method: its role, from the first marker attribute.
fn method(mut f: syn::ImplItemFn, errors: &mut darling::error::Accumulator) -> Method {
    let role = role(&mut f.attrs, errors);
    Method { f, role }
}

/// A method's role, its marker attribute removed.
fn role(attrs: &mut Vec<syn::Attribute>, errors: &mut darling::error::Accumulator) -> Role {
    if has_attr(attrs, "call") {
        Role::Call(take_opts::<CallOpts>(attrs, "call", errors))
    } else if take_flag(attrs, "cast") {
        Role::Cast
    } else if take_flag(attrs, "info") {
        Role::Info
    } else if take_flag(attrs, "init") {
        Role::Init
    } else if take_flag(attrs, "terminate") {
        Role::Terminate
    } else {
        Role::Inherent
    }
}

/// Whether a `#[derive(...)]` lists `name` (by its last path segment).
pub fn has_derive(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("derive")
            && a.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            )
            .is_ok_and(|ps| {
                ps.iter()
                    .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
            })
    })
}

/// Whether an attribute named `name` (by its last path segment) is present.
pub fn has_attr(attrs: &[syn::Attribute], name: &str) -> bool {
    attrs.iter().any(|a| is_named(a, name))
}

fn is_named(a: &syn::Attribute, name: &str) -> bool {
    a.path().segments.last().is_some_and(|s| s.ident == name)
}

/// Removes a marker attribute; whether it was there.
fn take_flag(attrs: &mut Vec<syn::Attribute>, name: &str) -> bool {
    let before = attrs.len();
    attrs.retain(|a| !is_named(a, name));
    attrs.len() != before
}

/// Removes the attribute `name` and parses its options (defaults when absent).
pub fn take_opts<T: darling::FromMeta + Default>(
    attrs: &mut Vec<syn::Attribute>,
    name: &str,
    errors: &mut darling::error::Accumulator,
) -> T {
    let mut opts = T::default();
    attrs.retain(|a| {
        if is_named(a, name) {
            opts = match attr::parse::<T>(a) {
                Ok(o) => o,
                Err((e, good)) => {
                    errors.push(e);
                    good
                }
            };
            false
        } else {
            true
        }
    });
    opts
}

//! Per protocol: the message enums, the handler trait and the typed clients.
//!
//! ```text
//! pub mod room {
//!     pub const JOIN_TIMEOUT: Duration;       // one per call
//!     pub enum Call { Join { user, reply_to }, … }
//!     pub enum Cast { Post { user, text }, … }
//!     pub enum Info { … }
//!     pub trait Handler<C> { fn join(&mut self, user, ctx: &mut C) -> impl Future<…> + Send; … }
//!     pub struct Client<A>;                   // calls (and the casts, through Deref<Target = Caster>)
//!     pub struct Caster<A>;                   // casts only (a cast-only dependency)
//! }
//! ```

use std::collections::HashSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::names::{camel_ident, snake_ident, upper};
use super::{doc, duration, type_text};
use crate::model::{Message, MessageKind, Protocol, Timeout};

/// The module of one protocol, served by the actors named in `servers`. `deferred` names the calls that are answered
/// later (their handlers return a `'static` future run off the actor).
/// A protocol that `crosses` nodes (an exported actor serves it) gets clients that send over
/// the network when their target is remote, and a `Serve` implementation (see `remote`).
pub(crate) fn protocol(
    p: &Protocol,
    servers: &[&str],
    deferred: &HashSet<&str>,
    crosses: bool,
    location: Option<&str>,
) -> TokenStream {
    let module = snake_ident(p.name.as_str());
    let name = p.name.as_str();
    let calls: Vec<&Message> = p.messages.iter().filter(|m| m.is_call()).collect();
    let casts: Vec<&Message> = p
        .messages
        .iter()
        .filter(|m| m.kind == MessageKind::Cast)
        .collect();
    let infos: Vec<&Message> = p
        .messages
        .iter()
        .filter(|m| m.kind == MessageKind::Info)
        .collect();

    let timeouts = calls.iter().map(|m| {
        let c = timeout_const(m);
        let d = match m.timeout().map(|t| t.value) {
            Some(Timeout::After(d)) => duration(d),
            _ => quote!(::std::time::Duration::MAX),
        };
        let text = match m.timeout().map(|t| t.value) {
            Some(t) => format!(
                "How long a `{}` call waits for its reply by default ({t}).",
                m.name
            ),
            None => String::new(),
        };
        let docs = doc(&text);
        quote! { #docs pub const #c: ::std::time::Duration = #d; }
    });

    let call_enum = message_enum(
        "Call",
        &format!("The calls of protocol `{name}`: each carries the channel its reply goes to."),
        &calls,
    );
    let cast_enum = message_enum(
        "Cast",
        &format!("The casts of protocol `{name}` (fire-and-forget)."),
        &casts,
    );
    let info_enum = message_enum(
        "Info",
        &format!(
            "The info messages of protocol `{name}` (messages an actor sends itself, e.g. timers)."
        ),
        &infos,
    );

    let handler_methods = p
        .messages
        .iter()
        .map(|m| handler_method(m, deferred.contains(m.name.as_str())));
    let handler_doc = doc(&format!(
        "The handlers of protocol `{name}`, implemented by the state type of every actor that \
         serves it. `C` is the actor's context type (`<actor>::Ctx`): it hands out the clients \
         of the actors the actor declares it depends on.\n\nWrite the methods as `async fn`; \
         a deferred call's handler returns a `'static` future instead, which runs on a task \
         supervisor while the actor goes on serving."
    ));

    let client_calls = calls.iter().map(|m| client_call(p, m, crosses));
    let client_casts: Vec<TokenStream> = casts.iter().map(|m| client_cast(p, m, crosses)).collect();
    let caster_calls = calls.iter().map(|m| caster_call(m));
    let cluster = crosses.then(|| super::remote::protocol_items(p, location));
    // A client from the target of each actor of the spec serving the protocol: concrete
    // impls, not one generic over the actor type with `A::Call: From<Call>` bounds, which
    // rustc's coherence check pays for per protocol (kdl-30: about 0.1 s of 0.7 s). Any other
    // actor's `Target` or `ActorRef` converts through `Client::new` (`Into<Port>`).
    let target_froms = |st: proc_macro2::TokenStream| {
        let impls = servers.iter().map(|a| {
            let m = snake_ident(a);
            let glue = super::names::ident(a);
            quote! {
                impl ::std::convert::From<::arbor::codegen::Target<super::#m::#glue>> for #st {
                    // Compiled only where used.
                    #[inline]
                    fn from(target: ::arbor::codegen::Target<super::#m::#glue>) -> Self {
                        #st::new(target)
                    }
                }
            }
        });
        quote!(#(#impls)*)
    };
    let client_targets = target_froms(quote!(Client));
    let caster_targets = target_froms(quote!(Caster));

    let client_name = format!("{name}::Client");
    let caster_name = format!("{name}::Caster");
    let module_doc = doc(&format!(
        "Protocol `{name}`: its messages, the handler trait its actors implement, and typed clients."
    ));
    let allows = super::allows();
    quote! {
        #module_doc
        #allows
        pub mod #module {
            use super::*;

            #cluster

            #(#timeouts)*

            #call_enum
            #cast_enum
            #info_enum

            #handler_doc
            pub trait Handler<C>: ::std::marker::Send {
                #(#handler_methods)*
            }

            /// A typed client of an actor serving this protocol: one method per call, and
            /// the casts of [`Caster`] (through `Deref`). Calls wait for their protocol timeout
            /// by default ([`with_timeout`](Client::with_timeout) overrides it); a call or cast
            /// to an actor that is not running fails at once with its error, it never panics.
            /// Typed by the protocol, not by the actor: its type does not name the actor's.
            pub struct Client {
                caster: Caster,
                timeout: ::std::option::Option<::std::time::Duration>,
            }

            impl Client {
                /// A client sending to `target` (an `ActorRef`, a supervisor child, a registry name).
                pub fn new(target: impl ::std::convert::Into<::arbor::codegen::Port<Call, Cast>>) -> Self {
                    Client { caster: Caster::new(target), timeout: ::std::option::Option::None }
                }

                /// The same client, its calls waiting at most `timeout` instead of the protocol's.
                pub fn with_timeout(&self, timeout: ::std::time::Duration) -> Self {
                    Client {
                        caster: self.caster.clone(),
                        timeout: ::std::option::Option::Some(timeout),
                    }
                }

                /// A client whose every message fails: `why` says why (OTP's `noproc`).
                pub fn missing(why: &'static str) -> Self {
                    Client::new(::arbor::codegen::Port::missing(why))
                }

                /// The timeout set by [`with_timeout`](Client::with_timeout), if any.
                pub fn timeout(&self) -> ::std::option::Option<::std::time::Duration> {
                    self.timeout
                }

                #(#client_calls)*
            }

            impl ::std::ops::Deref for Client {
                type Target = Caster;
                fn deref(&self) -> &Caster {
                    &self.caster
                }
            }

            impl ::std::clone::Clone for Client {
                fn clone(&self) -> Self {
                    Client { caster: self.caster.clone(), timeout: self.timeout }
                }
            }

            impl ::std::fmt::Debug for Client {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#client_name)
                        .field("target", &self.caster.target)
                        .field("timeout", &self.timeout)
                        .finish()
                }
            }

            impl ::std::convert::From<::arbor::codegen::Port<Call, Cast>> for Client {
                fn from(port: ::arbor::codegen::Port<Call, Cast>) -> Self {
                    Client::new(port)
                }
            }

            #client_targets

            impl<A: ::arbor::Actor> ::std::convert::From<::arbor::ActorRef<A>> for Client
            where
                A::Call: ::std::convert::From<Call>,
                A::Cast: ::std::convert::From<Cast>,
            {
                fn from(actor: ::arbor::ActorRef<A>) -> Self {
                    Client::new(actor)
                }
            }

            /// A cast-only client of an actor serving this protocol: what an actor that only
            /// `casts` to it gets.
            pub struct Caster {
                target: ::arbor::codegen::Port<Call, Cast>,
            }

            impl Caster {
                /// A cast-only client sending to `target`.
                pub fn new(target: impl ::std::convert::Into<::arbor::codegen::Port<Call, Cast>>) -> Self {
                    Caster { target: target.into() }
                }

                /// A cast-only client whose every message fails: `why` says why.
                pub fn missing(why: &'static str) -> Self {
                    Caster { target: ::arbor::codegen::Port::missing(why) }
                }

                /// Where the client sends.
                pub fn target(&self) -> &::arbor::codegen::Port<Call, Cast> {
                    &self.target
                }

                #(#client_casts)*
            }

            /// The calls, refused: a cast-only client cannot call (see `DeclaredCall`).
            impl Caster {
                #(#caster_calls)*
            }

            impl ::std::clone::Clone for Caster {
                fn clone(&self) -> Self {
                    Caster { target: self.target.clone() }
                }
            }

            impl ::std::fmt::Debug for Caster {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#caster_name).field("target", &self.target).finish()
                }
            }

            impl ::std::convert::From<::arbor::codegen::Port<Call, Cast>> for Caster {
                fn from(target: ::arbor::codegen::Port<Call, Cast>) -> Self {
                    Caster { target }
                }
            }

            #caster_targets

            impl<A: ::arbor::Actor> ::std::convert::From<::arbor::ActorRef<A>> for Caster
            where
                A::Call: ::std::convert::From<Call>,
                A::Cast: ::std::convert::From<Cast>,
            {
                fn from(actor: ::arbor::ActorRef<A>) -> Self {
                    Caster { target: actor.into() }
                }
            }

            impl ::std::convert::From<Client> for Caster {
                fn from(client: Client) -> Self {
                    client.caster
                }
            }
        }
    }
}

fn timeout_const(m: &Message) -> proc_macro2::Ident {
    format_ident!("{}_TIMEOUT", upper(m.name.as_str()))
}

/// `name(a: A, b: B) -> R`, for docs.
pub(crate) fn signature(m: &Message) -> String {
    let args: Vec<String> = m
        .args
        .iter()
        .map(|a| format!("{}: {}", a.name, type_text(&a.ty)))
        .collect();
    let kind = match &m.kind {
        MessageKind::Call { .. } => "call",
        MessageKind::Cast => "cast",
        MessageKind::Info => "info",
    };
    let reply = match &m.kind {
        MessageKind::Call { reply, .. } if !reply.is_unit() => format!(" -> {}", type_text(reply)),
        _ => String::new(),
    };
    format!("{kind} {}({}){reply}", m.name, args.join(", "))
}

fn message_enum(name: &str, text: &str, messages: &[&Message]) -> TokenStream {
    let ident = format_ident!("{name}");
    let docs = doc(text);
    let variants = messages.iter().map(|m| {
        let v = camel_ident(m.name.as_str());
        let vdoc = doc(&format!("`{}`", signature(m)));
        let fields = m.args.iter().map(|a| {
            let f = snake_ident(a.name.as_str());
            let ty = a.ty.syn();
            let fdoc = doc(&format!("Argument `{}`.", a.name));
            quote! { #fdoc #f: #ty }
        });
        let reply = match &m.kind {
            MessageKind::Call { reply, .. } => {
                let ty = reply.syn();
                Some(quote! {
                    /// Where the reply goes.
                    reply_to: ::arbor::ReplyTo<#ty>
                })
            }
            _ => None,
        };
        let all: Vec<TokenStream> = fields.chain(reply).collect();
        if all.is_empty() {
            quote! { #vdoc #v }
        } else {
            quote! { #vdoc #v { #(#all),* } }
        }
    });
    quote! {
        #docs
        pub enum #ident {
            #(#variants),*
        }
    }
}

fn params(m: &Message) -> (Vec<TokenStream>, Vec<proc_macro2::Ident>) {
    let decls = m
        .args
        .iter()
        .map(|a| {
            let f = snake_ident(a.name.as_str());
            let ty = a.ty.syn();
            quote! { #f: #ty }
        })
        .collect();
    let names = m
        .args
        .iter()
        .map(|a| snake_ident(a.name.as_str()))
        .collect();
    (decls, names)
}

fn handler_method(m: &Message, deferred: bool) -> TokenStream {
    let method = snake_ident(m.name.as_str());
    let (decls, _) = params(m);
    let output = match &m.kind {
        MessageKind::Call { reply, .. } => {
            let ty = reply.syn();
            quote!(#ty)
        }
        _ => quote!(()),
    };
    let text = if deferred {
        format!(
            "Handles `{}`, deferred: runs on the actor, and returns the work that computes the \
             reply; the work runs on a task supervisor while the actor goes on serving.",
            signature(m)
        )
    } else {
        format!("Handles `{}`.", signature(m))
    };
    let docs = doc(&text);
    let bounds = if deferred {
        quote!(::std::marker::Send + 'static)
    } else {
        quote!(::std::marker::Send)
    };
    quote! {
        #docs
        fn #method(&mut self, #(#decls,)* ctx: &mut C)
            -> impl ::std::future::Future<Output = #output> + #bounds;
    }
}

pub(super) fn construct(
    m: &Message,
    enum_name: &str,
    names: &[proc_macro2::Ident],
    reply: bool,
) -> TokenStream {
    let e = format_ident!("{enum_name}");
    let v = camel_ident(m.name.as_str());
    let reply = reply.then(|| quote!(reply_to));
    let fields: Vec<TokenStream> = names.iter().map(|n| quote!(#n)).chain(reply).collect();
    if fields.is_empty() {
        quote!(#e::#v)
    } else {
        quote!(#e::#v { #(#fields),* })
    }
}

fn reply_type(m: &Message) -> TokenStream {
    match &m.kind {
        MessageKind::Call { reply, .. } => {
            let ty = reply.syn();
            quote!(#ty)
        }
        _ => quote!(()),
    }
}

fn client_call(p: &Protocol, m: &Message, crosses: bool) -> TokenStream {
    let method = snake_ident(m.name.as_str());
    let (decls, names) = params(m);
    let reply = reply_type(m);
    let c = timeout_const(m);
    let remote = crosses.then(|| super::remote::call_branch(p, m, &c));
    let msg = construct(m, "Call", &names, true);
    let docs = doc(&format!(
        "Calls `{}` and waits for the reply at most [`{c}`] (or the client's timeout).",
        signature(m)
    ));
    if remote.is_none() {
        // The port's call future itself, not an `async fn` around it: one state machine
        // fewer per call message for rustc to build, check and lay out (issue #16), and the
        // same future at run time. Inline: callers in other crates (no LTO) inline it as
        // they did the `async fn`'s poll.
        return quote! {
            #docs
            #[inline]
            pub fn #method(&self, #(#decls),*)
                -> impl ::std::future::Future<
                    Output = ::std::result::Result<#reply, ::arbor::CallError>,
                > + ::std::marker::Send + '_
            {
                let timeout = self.timeout.unwrap_or(#c);
                self.caster.target.call(timeout, move |reply_to| #msg)
            }
        };
    }
    quote! {
        #docs
        pub async fn #method(&self, #(#decls),*)
            -> ::std::result::Result<#reply, ::arbor::CallError>
        {
            #remote
            let timeout = self.timeout.unwrap_or(#c);
            self.caster.target.call(timeout, move |reply_to| #msg).await
        }
    }
}

/// A call on a cast-only client: one error saying the dependency is cast-only (instead of
/// "no method named …" and rustc's guesses), and what follows still type-checks.
fn caster_call(m: &Message) -> TokenStream {
    let method = snake_ident(m.name.as_str());
    let (decls, names) = params(m);
    let reply = reply_type(m);
    let docs = doc(&format!(
        "Not available: `{}` is a call, and this client may only cast.",
        m.name
    ));
    quote! {
        #docs
        #[doc(hidden)]
        pub fn #method<'a>(&'a self, #(#decls),*)
            -> ::std::future::Ready<::std::result::Result<#reply, ::arbor::CallError>>
        where
            Self: super::DeclaredCall<'a>,
        {
            let _ = (#(#names,)*);
            ::std::unreachable!("no actor implements DeclaredCall")
        }
    }
}

fn client_cast(p: &Protocol, m: &Message, crosses: bool) -> TokenStream {
    let method = snake_ident(m.name.as_str());
    let (decls, names) = params(m);
    let remote = crosses.then(|| super::remote::cast_branch(p, m));
    let msg = construct(m, "Cast", &names, false);
    let docs = doc(&format!(
        "Casts `{}`: queues it (waiting for room if the actor's mailbox blocks when full).",
        signature(m)
    ));
    if remote.is_none() {
        // The port's cast future itself (see `client_call`).
        return quote! {
            #docs
            #[inline]
            pub fn #method(&self, #(#decls),*)
                -> impl ::std::future::Future<
                    Output = ::std::result::Result<(), ::arbor::CastError>,
                > + ::std::marker::Send + '_
            {
                self.target.cast(#msg)
            }
        };
    }
    quote! {
        #docs
        pub async fn #method(&self, #(#decls),*) -> ::std::result::Result<(), ::arbor::CastError> {
            #remote
            self.target.cast(#msg).await
        }
    }
}

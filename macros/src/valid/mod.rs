//! Validate: builds the shared model (`arbor_codegen::model::Spec`) from the module's sorted
//! items, plus what the expansion needs to rewrite the handler blocks. Every error is
//! accumulated (a `darling::Error` on the tokens it is about), so one compilation reports
//! them all; the model's own rules (cycles, undeclared calls, supervision) are the shared
//! analysis' job, run by the emitter.

mod actor;
mod handlers;
mod protocol;
mod supervisor;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use arbor_codegen::emit::names::snake_ident;
use arbor_codegen::model as m;
use arbor_codegen::{SourceId, Span, Spec};

use crate::ast::Module;

/// Model spans are indices into this table of token spans (source `DETACHED`, length 1), so
/// the analysis' diagnostics come back to the tokens they are about.
#[derive(Default)]
pub struct Spans(Vec<proc_macro2::Span>);

impl Spans {
    /// A model span for a token.
    pub fn at(&mut self, t: &impl syn::spanned::Spanned) -> Span {
        self.0.push(t.span());
        Span::new(SourceId::DETACHED, self.0.len() - 1, 1)
    }

    /// [`Spans::at`] for a span already at hand.
    pub fn at_span(&mut self, span: proc_macro2::Span) -> Span {
        self.0.push(span);
        Span::new(SourceId::DETACHED, self.0.len() - 1, 1)
    }

    /// The token span of a model span (the call site for spans of other sources).
    pub fn get(&self, s: Span) -> proc_macro2::Span {
        match self.0.get(s.start) {
            Some(sp) if s.source == SourceId::DETACHED => *sp,
            _ => proc_macro2::Span::call_site(),
        }
    }
}

/// What validation gives the expansion.
pub struct Validated {
    /// The model.
    pub spec: Spec,
    /// One per actor: the impls its state needs.
    pub states: Vec<StateImpl>,
}

/// The impls generated for an actor's state: `impl <protocol>::Handler<<actor>::Ctx>`,
/// `impl <actor>::State` and the inherent rest of its handlers block.
pub struct StateImpl {
    /// The state type, as named where its struct is.
    pub self_ty: syn::Type,
    /// The nested module of the struct and its handlers blocks: the impls go there.
    pub at: crate::ast::ModPath,
    /// The actor's generated module.
    pub actor_module: syn::Ident,
    /// Per handlers block: the served protocol's generated module and the handlers.
    pub handlers: Vec<(syn::Ident, Vec<syn::ImplItemFn>)>,
    /// The `#[init]` method (renamed `init`) and its argument type.
    pub init: Option<(syn::Type, syn::ImplItemFn)>,
    /// The `#[terminate]` method (renamed `terminate`).
    pub terminate: Option<syn::ImplItemFn>,
    /// Unmarked methods and other items of the handlers block.
    pub inherent: Vec<syn::ImplItem>,
}

/// Builds the model from a module's items.
#[cfg_attr(not(test), allow(dead_code))]
pub fn validate(module: Module, spans: &mut Spans) -> darling::Result<Validated> {
    let mut errors = darling::Error::accumulator();
    let validated = validate_into(module, spans, &mut errors);
    errors.finish_with(validated)
}

/// [`validate`], with the errors pushed to `errors` and the model of whatever validated
/// (an item with an error is left out, or read with the defaults of its bad options), so the
/// shared analysis can still run on it.
pub fn validate_into(
    module: Module,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Validated {
    validate_with(module, &[], spans, errors)
}

/// [`validate_into`], with the names of the system's extern actors (what `calls(..)` may name
/// besides the module's actors).
pub fn validate_with(
    module: Module,
    externs: &[String],
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> Validated {
    let dep_names = DepNames::of(&module, externs);
    let mut spec = Spec::default();
    let mut states = Vec::new();
    // State struct name -> actor index.
    let mut by_state: HashMap<String, usize> = HashMap::new();

    // Actors whose errors left them out: their handlers blocks are not stray.
    let mut failed: Vec<String> = Vec::new();
    for a in &module.actors {
        let Some(actor) = actor::build(&a.item, &a.opts, &a.at, &dep_names, spans, errors) else {
            failed.push(a.item.ident.to_string());
            continue;
        };
        by_state.insert(a.item.ident.to_string(), spec.actors.len());
        let ident = &a.item.ident;
        states.push(StateImpl {
            self_ty: syn::parse_quote!(#ident),
            at: a.at.clone(),
            actor_module: snake_ident(actor.name.as_str()),
            handlers: Vec::new(),
            init: None,
            terminate: None,
            inherent: Vec::new(),
        });
        spec.actors.push(actor);
    }

    // Declared protocols first: handlers blocks are checked against them.
    let mut declared: HashMap<String, usize> = HashMap::new();
    let mut broken: Vec<String> = Vec::new();
    for p in &module.protocols {
        match errors.handle(protocol::build(p, spans)) {
            Some(p) => {
                declared.insert(p.name.as_str().to_owned(), spec.protocols.len());
                spec.protocols.push(p);
            }
            // Reported; the blocks serving it are not checked against a broken trait.
            None => broken.push(p.item.ident.to_string()),
        }
    }

    for block in module.handlers {
        let self_name = match &*block.block.self_ty {
            syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
            _ => None,
        };
        let Some(idx) = self_name.as_deref().and_then(|n| by_state.get(n).copied()) else {
            if self_name.is_some_and(|n| failed.contains(&n)) {
                continue; // its actor's error is reported
            }
            errors.push(
                darling::Error::custom(
                    "`#[handlers]` must be on an impl block of a `#[derive(Actor)]` struct of this module",
                )
                .with_span(&block.block.self_ty),
            );
            continue;
        };
        if block
            .opts
            .protocol
            .as_ref()
            .is_some_and(|p| broken.contains(&p.name()))
        {
            continue;
        }
        if block.at != states[idx].at {
            let place = |at: &[syn::Ident]| match at {
                [] => "the `#[system]` module itself".to_owned(),
                _ => format!(
                    "module `{}`",
                    at.iter()
                        .map(|i| i.to_string())
                        .collect::<Vec<_>>()
                        .join("::")
                ),
            };
            errors.push(
                darling::Error::custom(format!(
                    "the `#[handlers]` of `{}` are in {}, its struct in {}: write them in the \
                     struct's module (its generated impls go there)",
                    self_name.as_deref().unwrap_or_default(),
                    place(&block.at),
                    place(&states[idx].at),
                ))
                .with_span(&block.block.self_ty),
            );
            continue;
        }
        errors.handle(handlers::build(
            &mut spec,
            idx,
            &mut states[idx],
            block,
            &declared,
            spans,
        ));
    }

    if let Some(trees) = errors.handle(supervisor::build_all(&module.supervisors, spans)) {
        spec.supervisors = trees.roots;
        spec.apps = trees.apps;
    }

    Validated { spec, states }
}

/// A model name from a Rust identifier.
fn model_ident(i: &syn::Ident, spans: &mut Spans) -> darling::Result<m::Ident> {
    let sp = spans.at(i);
    m::Ident::from_syn(i, sp).map_err(|e| darling::Error::custom(e.message).with_span(i))
}

/// A model name from text written at `at` (a string literal, or a name derived from a token).
fn name_ident(
    text: &str,
    at: &impl syn::spanned::Spanned,
    spans: &mut Spans,
) -> darling::Result<m::Ident> {
    let sp = spans.at(at);
    m::Ident::parse(text, sp).map_err(|e| darling::Error::custom(e.message).with_span(&at.span()))
}

/// What `calls(..)` / `casts(..)` may name: the actors of the module and its externs, and the
/// `use … as Alias` renames of them in the module.
#[derive(Default)]
pub struct DepNames {
    /// Actor names (the module's actors, then the externs).
    pub actors: std::collections::HashSet<String>,
    /// `Alias` → what it renames (an actor's name, its glue type or its state struct).
    pub aliases: HashMap<String, String>,
    /// State struct name → its actor's name.
    pub states: HashMap<String, String>,
}

impl DepNames {
    /// The actor `name` (an actor's name, or its state struct's) stands for.
    fn actor(&self, name: &str) -> Option<String> {
        if self.actors.contains(name) {
            Some(name.to_owned())
        } else {
            self.states.get(name).cloned()
        }
    }
}

impl DepNames {
    /// The names of `module`'s actors, its `externs`, and the module's renames of them.
    pub fn of(module: &Module, externs: &[String]) -> DepNames {
        let mut names = DepNames::default();
        for a in &module.actors {
            let name = match &a.opts.name {
                Some(n) => n.value(),
                None => {
                    let s = a.item.ident.to_string();
                    s.strip_suffix("State").unwrap_or(&s).to_owned()
                }
            };
            names.states.insert(a.item.ident.to_string(), name.clone());
            names.actors.insert(name);
        }
        names.actors.extend(externs.iter().cloned());
        uses(&module.passthrough, &mut names.aliases);
        names
    }
}

/// The renames of the `use` items of a module and of the inline modules nested in it.
fn uses(items: &[syn::Item], out: &mut HashMap<String, String>) {
    for item in items {
        match item {
            syn::Item::Use(u) => renames(&u.tree, out),
            syn::Item::Mod(syn::ItemMod {
                content: Some((_, inner)),
                ..
            }) => uses(inner, out),
            _ => {}
        }
    }
}

fn renames(tree: &syn::UseTree, out: &mut HashMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => renames(&p.tree, out),
        syn::UseTree::Rename(r) => {
            out.insert(r.rename.to_string(), r.ident.to_string());
        }
        syn::UseTree::Group(g) => g.items.iter().for_each(|t| renames(t, out)),
        syn::UseTree::Name(_) | syn::UseTree::Glob(_) => {}
    }
}

/// The actor a `calls(..)` / `casts(..)` entry names: its name, a `use … as Alias` of it, or a
/// path whose last segment is an actor of this system (`self::Store`, `crate::shop::Store`).
/// A path to anything else says why it cannot be named there.
fn dep_ident(p: &syn::Path, names: &DepNames, spans: &mut Spans) -> darling::Result<m::Ident> {
    if let Some(i) = p.get_ident() {
        let written = i.to_string();
        return match names.aliases.get(&written).and_then(|o| names.actor(o)) {
            Some(actor) if !names.actors.contains(&written) => name_ident(&actor, i, spans),
            _ => model_ident(i, spans),
        };
    }
    let Some(last) = p.segments.last() else {
        return Err(darling::Error::custom("expected an actor's name").with_span(p));
    };
    let last_name = last.ident.to_string();
    if last.arguments.is_none()
        && let Some(actor) = names.actor(&last_name)
    {
        return name_ident(&actor, p, spans);
    }
    let written = quote::ToTokens::to_token_stream(p)
        .to_string()
        .replace(" :: ", "::")
        .replace(":: ", "::");
    Err(darling::Error::custom(format!(
        "`{written}` is not an actor of this `#[system]` module: `calls(..)` and `casts(..)` name \
         the module's actors and its `externs(..)`; an actor of another system is declared as \
         `#[system(externs({last_name} = path::to::its_module))]`, then named `{last_name}`"
    ))
    .with_span(p))
}

/// A model name from a path that must be a single identifier.
fn path_ident(p: &syn::Path, spans: &mut Spans) -> darling::Result<m::Ident> {
    match p.get_ident() {
        Some(i) => model_ident(i, spans),
        None => Err(darling::Error::custom("expected an actor's name").with_span(p)),
    }
}

/// `allow(LINT, reason = "…")` options → the model's allows.
fn allows(opts: &[crate::attr::AllowOpt], spans: &mut Spans) -> Vec<m::Allow> {
    opts.iter()
        .map(|a| {
            let lint = a
                .lint
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect::<Vec<_>>()
                .join("::");
            m::Allow {
                lint: m::Spanned::new(lint, spans.at(&a.lint)),
                reason: a.reason.value(),
                span: spans.at(&a.lint),
            }
        })
        .collect()
}

/// A call timeout written as a string (`"800ms"`, `"5s"`, `"infinity"`).
fn timeout(l: &syn::LitStr, spans: &mut Spans) -> darling::Result<m::Spanned<m::Timeout>> {
    match m::Timeout::parse(&l.value()) {
        Ok(t) => Ok(m::Spanned::new(t, spans.at(l))),
        Err(e) => {
            let mut msg = format!("bad timeout: {}", e.message);
            if let Some(h) = e.help {
                msg.push_str(&format!(" ({h})"));
            }
            Err(darling::Error::custom(msg).with_span(l))
        }
    }
}

/// The closest candidate to a misspelled name, if one is close enough.
fn did_you_mean<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = impl AsRef<str> + 'a>,
) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| {
            let c = c.as_ref().to_owned();
            (edit_distance(input, &c), c)
        })
        .filter(|(d, c)| *d <= c.len().max(input.len()).div_ceil(3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(cur).min(row[j])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// A type as a user writes it (`Option<String>`, not the token stream's `Option < String >`).
fn type_text(t: &m::RustType) -> String {
    t.to_string()
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace(" ,", ",")
        .replace("& ", "&")
}

/// The name of a type written as a single identifier.
fn type_name(t: &syn::Type) -> Option<String> {
    match t {
        syn::Type::Path(p) => p.path.get_ident().map(ToString::to_string),
        _ => None,
    }
}

/// An optional word option: `default` (spanned at `absent_at`) when it is not written; an
/// unknown word is an error and reads as `default`, so validation goes on.
fn choice<T: Copy>(
    lit: Option<&syn::LitStr>,
    choices: &[(&str, T)],
    what: &str,
    default: T,
    absent_at: arbor_codegen::Span,
    spans: &mut Spans,
    errors: &mut darling::error::Accumulator,
) -> arbor_codegen::model::Spanned<T> {
    match lit {
        None => arbor_codegen::model::Spanned::new(default, absent_at),
        Some(l) => arbor_codegen::model::Spanned::new(
            errors
                .handle(lit_choice(l, choices, what))
                .unwrap_or(default),
            spans.at(l),
        ),
    }
}

/// One of a fixed set of words, written as a string literal (`-` and `_` are the same). An
/// unknown word is echoed, with the closest choice when one is close (as the KDL front-end
/// says "did you mean").
fn lit_choice<T: Copy>(l: &syn::LitStr, choices: &[(&str, T)], what: &str) -> darling::Result<T> {
    let v = l.value().replace('-', "_");
    choices
        .iter()
        .find(|(n, _)| *n == v)
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<String> = choices.iter().map(|(n, _)| format!("\"{n}\"")).collect();
            let expected = match names.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    format!("{} or {last}", rest.join(", "))
                }
                _ => names.join(""),
            };
            let message = match did_you_mean(&v, choices.iter().map(|(n, _)| *n)) {
                Some(close) => format!(
                    "unknown {what} `{}`: did you mean \"{close}\"? (expected {expected})",
                    l.value()
                ),
                None => format!("unknown {what} `{}`: expected {expected}", l.value()),
            };
            darling::Error::custom(message).with_span(l)
        })
}

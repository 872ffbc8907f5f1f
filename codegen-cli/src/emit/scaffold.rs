//! `arbor new`: a complete Cargo project from a spec, after the generation-gap pattern.
//!
//! ```text
//! NAME/
//!   Cargo.toml            path dependencies on the Arbor crates
//!   build.rs              arbor_codegen::compile("specs/<spec>.kdl")   (generated code: OUT_DIR)
//!   specs/<spec>.kdl      the spec, copied
//!   src/lib.rs            pub mod <spec>;
//!   src/<spec>/mod.rs     include_spec!, the configuration          ┐
//!   src/<spec>/types.rs   the types the spec names (placeholders)   │ yours: written once,
//!   src/<spec>/handlers/  one file per actor: State and Handler impls│ never overwritten
//!   src/main.rs           starts the app, prints its tree           │
//!   tests/app.rs          starts and stops the app                  │
//!   tests/spec_checks.rs  spec edits that must be rejected (ci.rs)  │
//!   tests/compile_fail.rs code that must not compile (trybuild)     │
//!   README.md             how to run, test, and check it in CI      ┘
//!   Cargo.lock            the Arbor workspace's versions, trimmed to what the project uses
//! ```
//!
//! Every file is written only if it does not exist, so running `arbor new` again
//! (after adding an actor to the spec, say) adds the files that are missing and touches
//! nothing else. The handler bodies are working defaults: every reply is a default value.
//! No `rust-toolchain.toml`: the project builds with whatever toolchain the user has.

mod ci;
mod lock;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::visit::Visit;

use super::actor::state_type;
use super::names::{ident, safe, snake, snake_ident};
use crate::diagnostics::{self, RenderOptions};
use crate::model::{Actor, Message, MessageKind, Protocol, RustType, Spec, Supervisor};

/// Creates (or completes) the project in `dir` from `spec_path`, with path
/// dependencies on the Arbor workspace at `arbor`. Diagnostics and progress go
/// to `err`; `Ok(false)` if the spec has errors.
pub fn new_project(
    dir: &Path,
    spec_path: &Path,
    arbor: &Path,
    options: &RenderOptions,
    err: &mut dyn Write,
) -> std::io::Result<bool> {
    let (spec, sources) = match crate::load(&[spec_path]) {
        Ok(loaded) => loaded,
        Err(failure) => {
            err.write_all(
                diagnostics::render_human(&failure.diagnostics, &failure.sources, options)
                    .as_bytes(),
            )?;
            return Ok(false);
        }
    };
    if let Err(e) = super::generate(&spec) {
        err.write_all(diagnostics::render_human(&e.diagnostics, &sources, options).as_bytes())?;
        return Ok(false);
    }
    let arbor = arbor.canonicalize().unwrap_or_else(|_| arbor.to_path_buf());
    let package = package_name(dir);
    let stem = spec_path
        .file_stem()
        .map_or_else(|| "app".to_owned(), |s| s.to_string_lossy().into_owned());
    let module = safe(snake(&stem.replace('-', "_")));
    let mut spec_text = std::fs::read(spec_path)?;
    if spec_text.is_empty() {
        spec_text = b"\n".to_vec();
    }
    let text = String::from_utf8_lossy(&spec_text).into_owned();
    let files = project_files(&spec, &text, &package, &stem, &module, &arbor)?;
    let mut written = 0;
    let mut kept = 0;
    let spec_dest = dir.join("specs").join(format!("{stem}.kdl"));
    let all = std::iter::once((spec_dest, spec_text)).chain(
        files
            .into_iter()
            .map(|(path, text)| (dir.join(path), text.into_bytes())),
    );
    let handlers_mod = dir
        .join("src")
        .join(&module)
        .join("handlers")
        .join("mod.rs");
    let completing = handlers_mod.exists();
    let mut new_handlers = Vec::new();
    for (path, content) in all {
        if path.exists() {
            kept += 1;
            continue;
        }
        if completing
            && path.parent() == handlers_mod.parent()
            && let Some(stem) = path.file_stem()
        {
            new_handlers.push(stem.to_string_lossy().into_owned());
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, content)?;
        written += 1;
    }
    // The dependency versions the Arbor workspace is built and tested with.
    let lock = dir.join("Cargo.lock");
    if lock.exists() {
        kept += 1;
    } else if let Some((made, note)) = lock::write(&arbor, dir)? {
        written += usize::from(made);
        writeln!(err, "arbor: {note}")?;
    }
    for h in &new_handlers {
        writeln!(
            err,
            "arbor: new handler file `{h}.rs`: make sure {} declares `mod {h};` (that file is yours: not edited)",
            handlers_mod.display()
        )?;
    }
    writeln!(
        err,
        "arbor: {} `{package}`: {written} file(s) written, {kept} kept (yours: never overwritten)\n\
         next: cd {} && cargo run   (README.md says more)",
        if kept == 0 { "created" } else { "completed" },
        dir.display()
    )?;
    Ok(true)
}

fn package_name(dir: &Path) -> String {
    let raw = dir.file_name().map_or_else(
        || "arbor-app".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "app-");
    }
    name
}

fn pretty(tokens: TokenStream) -> String {
    let mut text = match syn::parse2::<syn::File>(tokens.clone()) {
        Ok(file) => prettyplease::unparse(&file),
        Err(_) => tokens.to_string(),
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The files of the project (relative paths), without the spec.
fn project_files(
    spec: &Spec,
    spec_text: &str,
    package: &str,
    stem: &str,
    module: &str,
    arbor: &Path,
) -> std::io::Result<Vec<(PathBuf, String)>> {
    let krate = package.replace('-', "_");
    let runtime = arbor.join("runtime");
    let codegen = arbor.join("codegen-cli");
    let toml_path = |p: &Path| p.display().to_string().replace('\\', "/");
    let cargo = format!(
        r#"[package]
name = "{package}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
arbor = {{ path = "{runtime}" }}
tokio = {{ version = "1.54", features = ["rt", "rt-multi-thread", "sync", "time", "macros"] }}

[build-dependencies]
arbor-codegen = {{ path = "{codegen}" }}

[dev-dependencies]
# tests/spec_checks.rs (arbor_codegen::testing) and tests/compile_fail.rs
arbor-codegen = {{ path = "{codegen}" }}
trybuild = "1.0"

# A workspace of its own (not a member of an enclosing one).
[workspace]
"#,
        runtime = toml_path(&runtime),
        codegen = toml_path(&codegen),
    );
    let build = format!(
        r#"//! Generates the code of `specs/{stem}.kdl` into OUT_DIR (included by `src/{module}/mod.rs`).
//! Regenerated whenever the spec changes; never edit the generated file: edit the spec.

fn main() -> Result<(), Box<dyn std::error::Error>> {{
    arbor_codegen::compile("specs/{stem}.kdl")?;
    Ok(())
}}
"#
    );
    let lib = format!(
        "//! {package}: an Arbor system generated from `specs/{stem}.kdl`.\n\npub mod {module};\n"
    );

    let (app_mod, root) = entry(spec);
    let config_expr = root.map_or_else(|| quote!(()), config_expr);
    let root_mod = root.map(|r| snake_ident(r.name.as_str()));
    let mut handler_mods = Vec::new();
    let mut files = Vec::new();
    for a in &spec.actors {
        let file = snake(a.name.as_str());
        handler_mods.push(ident(&safe(file.clone())));
        files.push((
            PathBuf::from(format!("src/{module}/handlers/{file}.rs")),
            handlers_file(spec, a, module),
        ));
    }
    // `start` re-exported beside `config`: `chat::start(chat::config())`, not
    // `chat::chat::start(…)` when the app is named like the spec.
    let starter = app_mod.as_ref().or(root_mod.as_ref());
    let config_fn = match (&root_mod, starter) {
        (Some(r), Some(s)) => quote! {
            /// Starts the system: `start(config()).await` gives the root supervisor's handle.
            pub use self::#s::start;

            /// The arguments of every child of the tree (edit them to configure the app).
            pub fn config() -> #r::Config {
                #config_expr
            }
        },
        _ => quote!(),
    };
    let mod_rs = format!(
        "//! The `{stem}` system: the generated code (from `specs/{stem}.kdl`, by build.rs) and what\n\
         //! it leaves to you: the types the spec names (`types.rs`) and the actors' handlers\n\
         //! (`handlers/`). These files are yours: `arbor new` never overwrites them.\n\n\
         arbor::include_spec!(\"{stem}\");\n\n\
         mod handlers;\nmod types;\n\npub use types::*;\n\n{}",
        pretty(config_fn).replacen("::start;\n", "::start;\n\n", 1)
    );
    let handlers_mod = format!(
        "//! One file per actor: its `State` (how it starts) and its protocols' `Handler`s.\n\n{}",
        handler_mods
            .iter()
            .map(|m| format!("mod {m};\n"))
            .collect::<String>()
    );
    files.push((PathBuf::from(format!("src/{module}/mod.rs")), mod_rs));
    files.push((
        PathBuf::from(format!("src/{module}/handlers/mod.rs")),
        handlers_mod,
    ));
    files.push((
        PathBuf::from(format!("src/{module}/types.rs")),
        types_file(spec),
    ));

    let krate_ident = ident(&krate);
    let module_ident = ident(module);
    let start_text = starter.map(|_| format!("{module}::start({module}::config())"));
    let (main, test) = match starter {
        Some(_) => {
            let start = quote!(#module_ident::start(#module_ident::config()));
            (
                main_file(&krate_ident, &module_ident, &start),
                test_file(&krate_ident, &module_ident, &start),
            )
        }
        None => (
            pretty(quote! {
                //! The spec has no supervisor: nothing to start.
                fn main() {
                    println!("the spec declares no supervisor");
                }
            }),
            String::from("//! The spec has no supervisor: nothing to test.\n"),
        ),
    };
    files.push((PathBuf::from("src/main.rs"), main));
    files.push((PathBuf::from("tests/app.rs"), test));
    files.push((PathBuf::from("Cargo.toml"), cargo));
    files.push((PathBuf::from("build.rs"), build));
    files.push((PathBuf::from("src/lib.rs"), lib));
    files.push((PathBuf::from(".gitignore"), "/target\n".to_owned()));
    let names = ci::Names {
        package,
        krate: &krate,
        stem,
        module,
        start: start_text,
    };
    files.extend(ci::files(spec, spec_text, &names));
    Ok(files)
}

/// The app module and its root supervisor (or the first supervisor when there is no app).
fn entry(spec: &Spec) -> (Option<proc_macro2::Ident>, Option<&Supervisor>) {
    if let Some(app) = spec.apps.first()
        && let Some(root) = spec.supervisor(app.root.as_str())
    {
        return (Some(snake_ident(app.name.as_str())), Some(root));
    }
    (None, spec.supervisors.first())
}

fn main_file(
    krate: &proc_macro2::Ident,
    module: &proc_macro2::Ident,
    start: &TokenStream,
) -> String {
    let body = pretty(quote! {
        use #krate::#module;

        #[tokio::main]
        async fn main() {
            let app = #start.await.expect("the app starts");
            let tree = app.snapshot().await;
            println!("{tree}");
            app.shutdown().await;
        }
    });
    format!(
        "//! Starts the app, prints its supervision tree, and stops it. Your program's work goes\n\
         //! between the start and the shutdown.\n\n{}",
        space_after_use(&body)
    )
}

fn test_file(
    krate: &proc_macro2::Ident,
    module: &proc_macro2::Ident,
    start: &TokenStream,
) -> String {
    let body = pretty(quote! {
        use #krate::#module;

        #[tokio::test]
        async fn the_app_starts_and_stops() {
            let app = #start.await.expect("the app starts");
            let tree = app.snapshot().await;
            assert_eq!(tree.status, arbor::introspect::NodeStatus::Running);
            let reason = app.shutdown().await;
            assert_eq!(reason, arbor::ExitReason::Shutdown);
        }
    });
    format!(
        "//! The app starts with its default configuration and stops cleanly.\n\n{}",
        space_after_use(&body)
    )
}

/// A blank line between the `use` and the function, as rustfmt leaves it.
fn space_after_use(body: &str) -> String {
    body.replacen(";\n#[", ";\n\n#[", 1)
}

/// `Config { child: Default::default(), nested: nested::Config { … } }`.
fn config_expr(sup: &Supervisor) -> TokenStream {
    let m = snake_ident(sup.name.as_str());
    let fields = sup.children.iter().filter_map(|c| {
        let f = snake_ident(c.id.as_str());
        match &c.kind {
            crate::model::ChildKind::Worker(_) => {
                Some(quote!(#f: ::std::default::Default::default()))
            }
            crate::model::ChildKind::Supervisor(s) => {
                let inner = config_expr(s);
                Some(quote!(#f: #inner))
            }
            _ => None,
        }
    });
    quote!(#m::Config { #(#fields,)* })
}

/// The default value of a reply type: `Ok(default)` for results, `None`,
/// empty collections, `Default::default()` otherwise.
fn default_value(ty: &syn::Type) -> TokenStream {
    if let syn::Type::Tuple(t) = ty
        && t.elems.is_empty()
    {
        return quote!(());
    }
    if let syn::Type::Path(p) = ty
        && p.qself.is_none()
        && let Some(last) = p.path.segments.last()
    {
        let name = last.ident.to_string();
        let first_arg = match &last.arguments {
            syn::PathArguments::AngleBracketed(a) => a.args.iter().find_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            }),
            _ => None,
        };
        match (name.as_str(), first_arg) {
            ("Result", Some(ok)) => {
                let inner = default_value(ok);
                return quote!(Ok(#inner));
            }
            ("Option", _) => return quote!(None),
            ("Vec", _) => return quote!(Vec::new()),
            _ => {}
        }
    }
    quote!(::std::default::Default::default())
}

fn handlers_file(spec: &Spec, a: &Actor, module: &str) -> String {
    let name = a.name.as_str();
    let m = snake_ident(name);
    let state = state_type(a);
    let module = ident(module);
    let terminate = a.terminate.value.then(|| {
        quote! {
            async fn terminate(&mut self, _reason: &arbor::ExitReason, _ctx: &mut #m::Ctx) {
                // Clean up (flush, close): runs on a graceful stop, not on a kill.
            }
        }
    });
    let mut impls = vec![quote! {
        impl #m::State for #state {
            type Args = ();

            async fn init(_args: (), _ctx: &mut #m::Ctx) -> Result<Self, arbor::ExitReason> {
                Ok(::std::default::Default::default())
            }

            #terminate
        }
    }];
    let deferred: BTreeSet<&str> = a.deferred.iter().map(|d| d.as_str()).collect();
    for p in a.serves.iter().filter_map(|p| spec.protocol(p.as_str())) {
        impls.push(handler_impl(p, &m, &state, &deferred));
    }
    let body = pretty(quote! {
        use crate::#module::*;

        #(#impls)*
    });
    let served: Vec<String> = a.serves.iter().map(|p| format!("`{p}`")).collect();
    format!(
        "//! Actor `{name}`: how its state starts, and its handlers for {}.\n//! Yours: `arbor new` never overwrites this file. The bodies are working defaults.\n\n{body}",
        served.join(", ")
    )
}

fn handler_impl(
    p: &Protocol,
    m: &proc_macro2::Ident,
    state: &TokenStream,
    deferred: &BTreeSet<&str>,
) -> TokenStream {
    let pm = snake_ident(p.name.as_str());
    let methods = p
        .messages
        .iter()
        .map(|msg| handler_method(msg, m, deferred.contains(msg.name.as_str())));
    quote! {
        impl #pm::Handler<#m::Ctx> for #state {
            #(#methods)*
        }
    }
}

fn handler_method(msg: &Message, m: &proc_macro2::Ident, deferred: bool) -> TokenStream {
    let method = snake_ident(msg.name.as_str());
    let params = msg.args.iter().map(|a| {
        let p = format_ident!("_{}", snake(a.name.as_str()));
        let ty = a.ty.syn();
        quote!(#p: #ty)
    });
    match &msg.kind {
        MessageKind::Call { reply, .. } => {
            let ty = reply.syn();
            let value = default_value(ty);
            if deferred {
                quote! {
                    fn #method(&mut self, #(#params,)* _ctx: &mut #m::Ctx)
                        -> impl ::std::future::Future<Output = #ty> + Send + 'static
                    {
                        // Runs on the actor; the returned work runs on a task supervisor.
                        async move { #value }
                    }
                }
            } else if reply.is_unit() {
                quote! {
                    async fn #method(&mut self, #(#params,)* _ctx: &mut #m::Ctx) {}
                }
            } else {
                quote! {
                    async fn #method(&mut self, #(#params,)* _ctx: &mut #m::Ctx) -> #ty {
                        #value
                    }
                }
            }
        }
        MessageKind::Cast | MessageKind::Info => quote! {
            async fn #method(&mut self, #(#params,)* _ctx: &mut #m::Ctx) {}
        },
    }
}

/// Single-segment type names a spec may use that std provides outside the prelude.
const STD: &[(&str, &str)] = &[
    ("Arc", "std::sync::Arc"),
    ("HashMap", "std::collections::HashMap"),
    ("HashSet", "std::collections::HashSet"),
    ("BTreeMap", "std::collections::BTreeMap"),
    ("BTreeSet", "std::collections::BTreeSet"),
    ("VecDeque", "std::collections::VecDeque"),
    ("Duration", "std::time::Duration"),
    ("Instant", "std::time::Instant"),
    ("SystemTime", "std::time::SystemTime"),
];

/// In the prelude, or primitive.
const PRELUDE: &[&str] = &[
    "String", "Vec", "Option", "Result", "Box", "bool", "char", "str", "u8", "u16", "u32", "u64",
    "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32", "f64",
];

/// Collects single-segment type names with their number of type arguments.
struct Names(BTreeMap<String, usize>);

impl<'ast> Visit<'ast> for Names {
    fn visit_type_path(&mut self, p: &'ast syn::TypePath) {
        if p.qself.is_none() && p.path.leading_colon.is_none() && p.path.segments.len() == 1 {
            let seg = &p.path.segments[0];
            let n = match &seg.arguments {
                syn::PathArguments::AngleBracketed(a) => a
                    .args
                    .iter()
                    .filter(|g| matches!(g, syn::GenericArgument::Type(_)))
                    .count(),
                _ => 0,
            };
            let e = self.0.entry(seg.ident.to_string()).or_default();
            *e = (*e).max(n);
        }
        syn::visit::visit_type_path(self, p);
    }
}

fn types_file(spec: &Spec) -> String {
    let mut names = Names(BTreeMap::new());
    let mut visit = |t: &RustType| names.visit_type(t.syn());
    for p in &spec.protocols {
        for m in &p.messages {
            for a in &m.args {
                visit(&a.ty);
            }
            if let MessageKind::Call { reply, .. } = &m.kind {
                visit(reply);
            }
        }
    }
    for a in &spec.actors {
        if let Some(s) = &a.state {
            visit(s);
        }
    }
    let mut uses = Vec::new();
    let mut items = Vec::new();
    for (name, params) in names.0 {
        if PRELUDE.contains(&name.as_str()) {
            continue;
        }
        if let Some((_, path)) = STD.iter().find(|(n, _)| *n == name) {
            let path: syn::Path = syn::parse_str(path).unwrap_or_else(|_| syn::parse_quote!(std));
            uses.push(quote!(pub use #path;));
            continue;
        }
        let ty = ident(&name);
        let doc = " Named by the spec: define it. (A placeholder for now.)";
        if params == 0 {
            items.push(quote! {
                #[doc = #doc]
                #[derive(Clone, Debug, Default, PartialEq)]
                pub struct #ty;
            });
        } else {
            let ps: Vec<proc_macro2::Ident> =
                (0..params).map(|i| format_ident!("T{}", i)).collect();
            items.push(quote! {
                #[doc = #doc]
                #[derive(Clone, Debug, Default, PartialEq)]
                pub struct #ty<#(#ps),*>(pub ::std::marker::PhantomData<(#(#ps,)*)>);
            });
        }
    }
    let body = pretty(quote! {
        #(#uses)*
        #(#items)*
    });
    format!(
        "//! The types the spec names (messages, replies, states). Yours: replace the\n\
         //! placeholders with real types; `arbor new` never overwrites this file.\n\n{body}"
    )
}

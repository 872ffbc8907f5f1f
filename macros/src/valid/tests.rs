//! The macro model and the KDL model of the same system are equal.

use super::{Spans, validate};
use crate::ast;

/// One system, two spellings: the KDL and the macros give equal models.
#[test]
fn the_macro_model_equals_the_kdl_model() {
    let kdl = r#"
protocol Orders {
call order reply="Option<u64>" timeout="1s" {
    arg item String
}
call orders reply=u64
cast crash
}
protocol Prices {
call price reply="Option<u64>" timeout="500ms" {
    arg item String
}
}
actor Counter {
serves Orders
state CounterState
mailbox capacity=64 overflow=reject
calls Store
}
actor Store {
serves Prices
state StoreState
terminate
}
supervisor Shop strategy=rest_for_one max-restarts=5 max-seconds=10 {
child store actor=Store shutdown="1s"
child counter actor=Counter restart=transient
}
"#;
    let mut sources = arbor_codegen::SourceMap::new();
    sources.add("shop.kdl".to_owned(), kdl.to_owned());
    let (from_kdl, diags) = arbor_codegen::parse_all(&sources);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");

    let file: syn::File = syn::parse_quote! {
        #[derive(Default, Actor)]
        #[actor(mailbox(capacity = 64, overflow = "reject"), calls(Store))]
        pub struct CounterState { n: u64 }

        #[handlers(protocol = "Orders")]
        impl CounterState {
            #[call(timeout = "1s")]
            async fn order(&mut self, item: String, ctx: &mut counter::Ctx) -> Option<u64> { None }
            #[call]
            async fn orders(&mut self, _ctx: &mut counter::Ctx) -> u64 { 0 }
            #[cast]
            async fn crash(&mut self, _ctx: &mut counter::Ctx) {}
        }

        #[derive(Default, Actor)]
        pub struct StoreState;

        #[handlers(protocol = "Prices")]
        impl StoreState {
            #[call(timeout = "500ms")]
            async fn price(&mut self, item: String, _ctx: &mut store::Ctx) -> Option<u64> { None }
            #[terminate]
            async fn stop(&mut self, _r: &arbor::ExitReason, _ctx: &mut store::Ctx) {}
        }

        #[derive(Supervisor)]
        #[supervisor(strategy = "rest_for_one", max_restarts = 5, max_seconds = 10)]
        pub struct Shop {
            #[child(shutdown = "1s")]
            store: Store,
            #[child(restart = "transient")]
            counter: Counter,
        }
    };
    let mut spans = Spans::default();
    let mut errors = darling::Error::accumulator();
    let module = ast::read(file.items, &mut errors);
    errors.finish().expect("the options parse");
    let validated = validate(module, &mut spans).expect("the items validate");
    assert_eq!(validated.spec, from_kdl);
}

/// A protocol declared on its own and served by two actors: KDL's `protocol` + `serves`.
#[test]
fn a_protocol_trait_served_by_two_actors_equals_the_kdl_model() {
    let kdl = r#"
protocol Kv {
    call get reply="Option<String>" timeout="1s" {
        arg key String
    }
    cast put {
        arg key String
        arg value String
    }
}
actor Primary {
    serves Kv
    state PrimaryState
    deferred get
}
actor Replica {
    serves Kv
    state ReplicaState
    deferred get
}
"#;
    let mut sources = arbor_codegen::SourceMap::new();
    sources.add("kv.kdl".to_owned(), kdl.to_owned());
    let (from_kdl, diags) = arbor_codegen::parse_all(&sources);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");

    let file: syn::File = syn::parse_quote! {
        #[protocol]
        pub trait Kv {
            #[call(timeout = "1s")]
            async fn get(&self, key: String) -> Option<String>;
            #[cast]
            fn put(&self, key: String, value: String);
        }

        #[derive(Default, Actor)]
        pub struct PrimaryState;

        #[handlers(protocol = Kv)]
        impl PrimaryState {
            // A call deferred by one server of a protocol is deferred by all (the emitter
            // refuses otherwise: the handler trait has one signature per call).
            #[call(deferred)]
            fn get(&mut self, key: String, _ctx: &mut primary::Ctx)
                -> impl Future<Output = Option<String>> + Send + 'static { async { None } }
            #[cast]
            async fn put(&mut self, k: String, v: String, _ctx: &mut primary::Ctx) {}
        }

        #[derive(Default, Actor)]
        pub struct ReplicaState;

        #[handlers(protocol = "Kv")]
        impl ReplicaState {
            #[call(deferred)]
            fn get(&mut self, key: String, _ctx: &mut replica::Ctx)
                -> impl Future<Output = Option<String>> + Send + 'static { async { None } }
            async fn put(&mut self, key: String, value: String, _ctx: &mut replica::Ctx) {}
        }
    };
    let mut spans = Spans::default();
    let mut errors = darling::Error::accumulator();
    let module = ast::read(file.items, &mut errors);
    errors.finish().expect("the options parse");
    let validated = validate(module, &mut spans).expect("the items validate");
    assert_eq!(validated.spec, from_kdl);
}

fn errors_of(file: syn::File) -> String {
    let mut spans = Spans::default();
    let mut errors = darling::Error::accumulator();
    let module = ast::read(file.items, &mut errors);
    errors.handle(validate(module, &mut spans));
    match errors.finish() {
        Ok(()) => String::new(),
        Err(e) => e
            .into_iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Each handler is checked against the trait: a missing one, an extra one, a wrong argument
/// type, a wrong reply and a wrong kind are all reported, at once.
#[test]
fn handlers_are_checked_against_the_protocol_trait() {
    let errors = errors_of(syn::parse_quote! {
        #[protocol]
        pub trait Kv {
            #[call]
            async fn get(&self, key: String) -> Option<String>;
            #[cast]
            fn put(&self, key: String, value: String);
            #[call]
            fn len(&self) -> usize;
            #[cast]
            fn clear(&self);
        }

        #[derive(Default, Actor)]
        pub struct AState;

        #[handlers(protocol = Kv)]
        impl AState {
            async fn get(&mut self, key: u64, _ctx: &mut a::Ctx) -> Option<String> { None }
            #[call]
            async fn len(&mut self, _ctx: &mut a::Ctx) -> u32 { 0 }
            #[call]
            async fn clear(&mut self, _ctx: &mut a::Ctx) {}
            #[cast]
            async fn pub_(&mut self, _ctx: &mut a::Ctx) {}
        }
    });
    for expected in [
        "argument `key` of `Kv::get` is a `String`, not a `u64`",
        "`Kv::len` replies with a `usize`: this handler returns a `u32`",
        "`Kv::clear` is a cast message: mark its handler `#[cast]`",
        "protocol `Kv` has no message `pub_`",
        "(did you mean `put`?)",
        "no handler for `Kv::put` in this block: add `async fn put(&mut self, key: String, value: String, ctx: &mut a::Ctx)`",
    ] {
        assert!(
            errors.contains(expected),
            "missing {expected:?} in:\n{errors}"
        );
    }
}

#[test]
fn an_unknown_protocol_path_suggests_the_declared_one() {
    let errors = errors_of(syn::parse_quote! {
        #[protocol]
        pub trait Orders {
            #[cast]
            fn order(&self);
        }
        #[derive(Default, Actor)]
        pub struct AState;
        #[handlers(protocol = Order)]
        impl AState {}
    });
    assert!(
        errors.contains("unknown protocol `Order`: did you mean `Orders`?"),
        "{errors}"
    );
}

/// The model of the `#[system]` module of a Rust file of the test suite.
fn model_of_test_file(file: &str) -> arbor_codegen::Spec {
    let path = format!("{}/../tests/tests/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the test file exists");
    let file: syn::File = syn::parse_file(&text).expect("the test file parses");
    let items = file
        .items
        .into_iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if crate::ast::has_attr(&m.attrs, "system") => m.content,
            _ => None,
        })
        .expect("a #[system] module")
        .1;
    let mut spans = Spans::default();
    let mut errors = darling::Error::accumulator();
    let module = ast::read(items, &mut errors);
    errors.finish().expect("the options parse");
    validate(module, &mut spans)
        .expect("the items validate")
        .spec
}

/// The model of one of `specs/*.kdl`, its `app` included (the macro twins declare theirs with
/// `#[supervisor(app = "…")]`).
fn model_of_spec(name: &str) -> arbor_codegen::Spec {
    let path = format!("{}/../specs/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the spec exists");
    let mut sources = arbor_codegen::SourceMap::new();
    sources.add(name.to_owned(), text);
    let (spec, diags) = arbor_codegen::parse_all(&sources);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    assert_eq!(spec.apps.len(), 1, "each example spec has one app");
    spec
}

#[test]
fn the_macro_pipeline_is_specs_pipeline_kdl() {
    assert_eq!(
        model_of_test_file("macros_pipeline.rs"),
        model_of_spec("pipeline.kdl")
    );
}

#[test]
fn the_macro_chat_is_specs_chat_kdl() {
    assert_eq!(
        model_of_test_file("macros_chat.rs"),
        model_of_spec("chat.kdl")
    );
}

/// The one difference: in KDL both exporters have the state `ExportCursor`; a macro actor is
/// its own state struct.
#[test]
fn the_macro_batch_is_specs_batch_kdl() {
    let mut kdl = model_of_spec("batch.kdl");
    for actor in &mut kdl.actors {
        let state = match actor.name.as_str() {
            "CsvExporter" => "CsvCursor",
            "ParquetExporter" => "ParquetCursor",
            _ => continue,
        };
        let span = actor.span;
        actor.state = Some(arbor_codegen::model::RustType::parse(state, span).unwrap());
    }
    assert_eq!(model_of_test_file("macros_batch.rs"), kdl);
}

/// A `#[protocol]` enum is the same protocol as the trait: variants are messages (snake_case),
/// named fields their arguments, `reply = "…"` a call's reply.
#[test]
fn a_protocol_enum_equals_the_protocol_trait() {
    let model = |file: syn::File| {
        let mut spans = Spans::default();
        let mut errors = darling::Error::accumulator();
        let module = ast::read(file.items, &mut errors);
        errors.finish().expect("the options parse");
        validate(module, &mut spans)
            .expect("the items validate")
            .spec
    };
    let from_trait = model(syn::parse_quote! {
        #[protocol]
        pub trait Kv {
            #[call(timeout = "1s")]
            async fn get_value(&self, key: String) -> Option<String>;
            #[cast]
            fn put(&self, key: String, value: String);
            #[info]
            fn tick(&self);
        }
        #[derive(Default, Actor)]
        pub struct AState;
        #[handlers(protocol = Kv)]
        impl AState {
            async fn get_value(&mut self, key: String, _ctx: &mut a::Ctx) -> Option<String> { None }
            async fn put(&mut self, key: String, value: String, _ctx: &mut a::Ctx) {}
            async fn tick(&mut self, _ctx: &mut a::Ctx) {}
        }
    });
    let from_enum = model(syn::parse_quote! {
        #[protocol]
        pub enum Kv {
            #[call(timeout = "1s", reply = "Option<String>")]
            GetValue { key: String },
            #[cast]
            Put { key: String, value: String },
            #[info]
            Tick,
        }
        #[derive(Default, Actor)]
        pub struct AState;
        #[handlers(protocol = Kv)]
        impl AState {
            async fn get_value(&mut self, key: String, _ctx: &mut a::Ctx) -> Option<String> { None }
            async fn put(&mut self, key: String, value: String, _ctx: &mut a::Ctx) {}
            async fn tick(&mut self, _ctx: &mut a::Ctx) {}
        }
    });
    assert_eq!(from_enum, from_trait);
    assert_eq!(from_enum.protocols[0].messages.len(), 3);
}

#[test]
fn a_protocol_enum_with_unnamed_fields_is_refused() {
    let errors = errors_of(syn::parse_quote! {
        #[protocol]
        pub enum Kv {
            #[cast]
            Put(String, String),
            Get { key: String },
        }
    });
    assert!(errors.contains("name them"), "{errors}");
    assert!(
        errors.contains("mark `get` as a message: `#[call]`, `#[cast]` or `#[info]`"),
        "{errors}"
    );
}

/// A chain of `n` actors (A0 calls A1 … calls A(n-1)) under one supervisor, as
/// `scripts/compile-time.sh` generates it.
fn chain(n: usize) -> syn::File {
    let mut items = Vec::new();
    for i in 0..n {
        let state = quote::format_ident!("A{i}State");
        let protocol = format!("P{i}");
        let module = quote::format_ident!("a{i}");
        let actor = if i == 0 {
            let next = quote::format_ident!("A{}", i + 1);
            quote::quote!(#[actor(
                calls(#next),
                allow(deep_call_chain, reason = "a benchmark of long chains")
            )])
        } else if i + 1 < n {
            let next = quote::format_ident!("A{}", i + 1);
            quote::quote!(#[actor(calls(#next))])
        } else {
            quote::quote!()
        };
        items.push(quote::quote! {
            #[derive(Default, Actor)]
            #actor
            pub struct #state { count: u64 }
            #[handlers(protocol = #protocol)]
            impl #state {
                #[call]
                async fn step(&mut self, n: u64, _ctx: &mut #module::Ctx) -> u64 { n }
                #[cast]
                async fn poke(&mut self, n: u64, _ctx: &mut #module::Ctx) { self.count += n; }
            }
        });
    }
    let children = (0..n).rev().map(|i| {
        let field = quote::format_ident!("a{i}");
        let actor = quote::format_ident!("A{i}");
        quote::quote!(#field: #actor)
    });
    syn::parse_quote! {
        #(#items)*
        #[derive(Supervisor)]
        #[supervisor(strategy = "rest_for_one")]
        pub struct Root { #(#children),* }
    }
}

/// The whole expansion of 1 000 actors (parse, model, analysis, emitter) succeeds with no
/// diagnostic. It also prints how long each step took, for `ARCHITECTURE-macros.md`
/// (`cargo test -p arbor-macros expansion_of -- --nocapture`); nothing is asserted on time.
#[test]
fn expansion_of_a_thousand_actor_chain() {
    for n in [50, 200, 1000] {
        let file = chain(n);
        let start = std::time::Instant::now();
        let mut spans = Spans::default();
        let mut errors = darling::Error::accumulator();
        let module = ast::read(file.items, &mut errors);
        errors.finish().expect("the options parse");
        let spec = validate(module, &mut spans)
            .expect("the items validate")
            .spec;
        let modelled = start.elapsed();
        let (code, warnings) = arbor_codegen::emit::generate_with_warnings(
            &spec,
            arbor_codegen::check::Frontend::Macros,
        )
        .expect("the chain is a valid system");
        let total = start.elapsed();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(spec.actors.len(), n);
        let tokens = code.into_iter().count();
        eprintln!(
            "{n} actors: model {modelled:?}, analysis + emitter {:?}, total {total:?} ({tokens} top-level tokens)",
            total - modelled
        );
    }
}

#[test]
fn the_macro_cache_is_specs_cache_kdl() {
    assert_eq!(
        model_of_test_file("macros_cache.rs"),
        model_of_spec("cache.kdl")
    );
}

/// Same actor types started in two subtrees (`RateLimiter`, `CircuitBreaker`), deferred calls
/// in two actors, a registry, a task supervisor and three dynamic supervisors.
#[test]
fn the_macro_payment_router_is_specs_payment_router_kdl() {
    assert_eq!(
        model_of_test_file("macros_payment_router.rs"),
        model_of_spec("payment_router.kdl")
    );
}

/// `#[supervisor(app = "…")]` is KDL's `app NAME root=…`; its name is checked like any name.
#[test]
fn an_app_is_named_on_its_root_supervisor() {
    let kdl = r#"
protocol AProto {
    cast ping
}
actor A {
    serves AProto
    state AState
}
supervisor Root {
    child a actor=A
}
app Service root=Root
"#;
    let mut sources = arbor_codegen::SourceMap::new();
    sources.add("app.kdl".to_owned(), kdl.to_owned());
    let (from_kdl, diags) = arbor_codegen::parse_all(&sources);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    let items = |app: &str| -> syn::File {
        syn::parse_quote! {
            #[derive(Default, Actor)]
            pub struct AState;
            #[handlers(protocol = "AProto")]
            impl AState {
                #[cast]
                async fn ping(&mut self, _ctx: &mut a::Ctx) {}
            }
            #[derive(Supervisor)]
            #[supervisor(app = #app)]
            pub struct Root { a: A }
        }
    };
    let mut spans = Spans::default();
    let mut errors = darling::Error::accumulator();
    let module = ast::read(items("Service").items, &mut errors);
    errors.finish().expect("the options parse");
    let validated = validate(module, &mut spans).expect("the items validate");
    assert_eq!(validated.spec, from_kdl);

    let errors = errors_of(items("my service"));
    assert!(
        errors.contains("cannot name the app `my service`"),
        "{errors}"
    );
}

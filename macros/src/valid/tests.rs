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

//! A `#[system]` spans the inline modules nested in it: actors, handlers and protocols may
//! sit a level or two down, `calls(..)` names them as usual (also through a `use` rename
//! written in a nested module), and a handler's signature means what it means where it is
//! written (a message type of its own module).

#[arbor_macros::system]
mod shop {
    use arbor_macros::Supervisor;

    /// The front desk: takes orders, asks the stock.
    mod front {
        use super::*;
        use arbor_macros::Actor;

        #[allow(unused_imports)] // named in `calls(Stock)` below
        use super::back::StoreState as Stock;

        #[derive(Default, Actor)]
        #[actor(calls(Stock, Audit))]
        pub(super) struct CounterState {
            orders: u32,
        }

        #[handlers(protocol = "Orders")]
        impl CounterState {
            #[call(timeout = "1s")]
            async fn order(&mut self, item: String, ctx: &mut counter::Ctx) -> Option<u64> {
                self.orders += 1;
                let price = ctx.store().price(back::Item(item)).await.ok().flatten()?;
                ctx.audit().seen(self.orders).await.ok()?;
                Some(price)
            }
        }
    }

    /// The stock, one level down; its message type lives beside it.
    mod back {
        use super::*;
        use arbor_macros::Actor;

        /// What the counter asks the price of.
        pub struct Item(pub String);

        #[derive(Default, Actor)]
        pub struct StoreState;

        #[handlers(protocol = "Prices")]
        impl StoreState {
            #[call(timeout = "500ms")]
            async fn price(&mut self, item: Item, _ctx: &mut store::Ctx) -> Option<u64> {
                (item.0 == "tea").then_some(3)
            }
        }

        /// Two levels down: visible to the `#[system]` module through `pub(crate)`.
        pub(crate) mod ledger {
            use super::super::*;
            use arbor_macros::Actor;

            #[derive(Default, Actor)]
            pub(crate) struct AuditState {
                seen: u32,
            }

            #[handlers(protocol = "Audits")]
            impl AuditState {
                #[call(timeout = "500ms")]
                /// How many orders it has seen, this one included.
                async fn seen(&mut self, _order: u32, _ctx: &mut audit::Ctx) -> u32 {
                    self.seen += 1;
                    self.seen
                }
            }
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one")]
    pub struct Shop {
        audit: Audit,
        store: Store,
        counter: Counter,
    }
}

#[tokio::test]
async fn actors_in_nested_modules_are_one_system() {
    let app = shop::shop::start(shop::shop::Config {
        audit: (),
        store: (),
        counter: (),
    })
    .await
    .unwrap();
    assert_eq!(app.counter().order("tea".into()).await.unwrap(), Some(3));
    assert_eq!(app.counter().order("tea".into()).await.unwrap(), Some(3));
    assert_eq!(app.counter().order("rum".into()).await.unwrap(), None);
    // The audit saw the two priced orders (the third had no price, so it was not audited).
    assert_eq!(app.audit().seen(0).await.unwrap(), 3);
    app.shutdown().await;
}

//! `calls(..)` names an actor of the system by its name, by a `use … as` rename of its
//! generated type, or by a path to it (`self::store::Store`): all the same dependency.

#[arbor_macros::system]
mod shop {
    use arbor_macros::{Actor, Supervisor};

    #[allow(unused_imports)] // named in `calls(Prices)` below
    use self::store::Store as Prices;

    #[derive(Default, Actor)]
    #[actor(calls(Prices))]
    pub struct CounterState;

    #[handlers(protocol = "Orders")]
    impl CounterState {
        #[call(timeout = "1s")]
        async fn order(&mut self, item: String, ctx: &mut counter::Ctx) -> Option<u64> {
            ctx.store().price(item).await.ok().flatten()
        }
    }

    #[derive(Default, Actor)]
    #[actor(calls(self::store::Store))]
    pub struct AuditorState;

    #[handlers(protocol = "Audit")]
    impl AuditorState {
        #[call(timeout = "1s")]
        async fn check(&mut self, item: String, ctx: &mut auditor::Ctx) -> Option<u64> {
            ctx.store().price(item).await.ok().flatten()
        }
    }

    #[derive(Default, Actor)]
    pub struct StoreState;

    #[handlers(protocol = "Prices")]
    impl StoreState {
        #[call(timeout = "500ms")]
        async fn price(&mut self, item: String, _ctx: &mut store::Ctx) -> Option<u64> {
            (item == "tea").then_some(3)
        }
    }

    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one")]
    pub struct Shop {
        store: Store,
        counter: Counter,
        auditor: Auditor,
    }
}

#[tokio::test]
async fn an_alias_and_a_path_name_the_same_actor() {
    let app = shop::shop::start(shop::shop::Config {
        store: (),
        counter: (),
        auditor: (),
    })
    .await
    .unwrap();
    assert_eq!(app.counter().order("tea".into()).await.unwrap(), Some(3));
    assert_eq!(app.auditor().check("tea".into()).await.unwrap(), Some(3));
    app.shutdown().await;
}

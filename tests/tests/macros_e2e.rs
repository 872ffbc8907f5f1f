//! The macro front-end end to end: a system written with `#[arbor_macros::system]`,
//! `#[derive(Actor)]`, `#[handlers]` and `#[derive(Supervisor)]`, started and exercised.

use std::time::Duration;

#[arbor_macros::system]
mod shop {
    use arbor::ExitReason;
    use arbor_macros::{Actor, Supervisor};

    /// Counts orders; asks the store for prices.
    #[derive(Default, Actor)]
    #[actor(mailbox(capacity = 64, overflow = "reject"), calls(Store))]
    pub struct CounterState {
        orders: u64,
        revenue: u64,
    }

    #[handlers(protocol = "Orders")]
    impl CounterState {
        #[call(timeout = "1s")]
        async fn order(&mut self, item: String, ctx: &mut counter::Ctx) -> Option<u64> {
            let price = ctx.store().price(item).await.ok().flatten()?;
            self.orders += 1;
            self.revenue += price;
            Some(self.revenue)
        }

        #[call]
        async fn orders(&mut self, _ctx: &mut counter::Ctx) -> u64 {
            self.orders
        }

        #[cast]
        async fn crash(&mut self, _ctx: &mut counter::Ctx) {
            panic!("asked to crash");
        }
    }

    /// Prices, set at start.
    #[derive(Actor)]
    pub struct StoreState {
        prices: Vec<(String, u64)>,
    }

    #[handlers(protocol = "Prices")]
    impl StoreState {
        #[init]
        async fn init(
            prices: Vec<(String, u64)>,
            _ctx: &mut store::Ctx,
        ) -> Result<Self, ExitReason> {
            Ok(StoreState { prices })
        }

        #[call(timeout = "500ms")]
        async fn price(&mut self, item: String, _ctx: &mut store::Ctx) -> Option<u64> {
            self.prices
                .iter()
                .find(|(i, _)| *i == item)
                .map(|(_, p)| *p)
        }

        #[cast]
        async fn set(&mut self, item: String, price: u64, _ctx: &mut store::Ctx) {
            self.prices.retain(|(i, _)| *i != item);
            self.prices.push((item, price));
        }
    }

    /// The shop: the store starts first, the counter depends on it.
    #[derive(Supervisor)]
    #[supervisor(strategy = "rest_for_one", max_restarts = 5, max_seconds = 10)]
    pub struct Shop {
        #[child(shutdown = "1s")]
        store: Store,
        #[child(restart = "permanent")]
        counter: Counter,
    }
}

#[tokio::test]
async fn a_macro_system_answers_calls_and_restarts() {
    let app = shop::shop::start(shop::shop::Config {
        store: vec![("tea".to_owned(), 3), ("cake".to_owned(), 5)],
        counter: (),
    })
    .await
    .unwrap();
    assert_eq!(app.counter().order("tea".into()).await.unwrap(), Some(3));
    assert_eq!(app.counter().order("cake".into()).await.unwrap(), Some(8));
    assert_eq!(app.counter().order("bread".into()).await.unwrap(), None);
    app.store().set("bread".into(), 2).await.unwrap();
    assert_eq!(app.counter().order("bread".into()).await.unwrap(), Some(10));
    assert_eq!(app.counter().orders().await.unwrap(), 3);

    // A crash restarts the counter with a fresh state; the store keeps its prices.
    app.counter().crash().await.unwrap();
    let mut orders = None;
    for _ in 0..200 {
        if let Ok(n) = app.counter().orders().await {
            orders = Some(n);
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(orders, Some(0), "the counter restarted with a fresh state");
    assert_eq!(app.counter().order("bread".into()).await.unwrap(), Some(2));
    app.shutdown().await;
}

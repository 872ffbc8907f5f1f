//! Two generated systems reaching each other's actors: `accounts`, generated from
//! `ui_codegen/specs/billing.kdl` (its code committed under `ui_codegen/generated/`, kept
//! fresh by `codegen_ui::generated_code_is_fresh`), and `shop`, a `#[system]` module.
//!
//! Shop's Cart calls accounts' Ledger (macro → KDL); Ledger calls shop's Catalog (KDL →
//! macro) and casts to Cart, whose mailbox rejects when full, so the cast back is not a
//! synchronous edge and both systems' compile-time cycle checks pass. Each system's `start`
//! takes the clients of the extern actors it uses; since each needs the other's, shop gets a
//! Ledger client bound once accounts runs (`Port::bound_later`).

use std::time::Duration;

use arbor::codegen::Port;

/// The KDL-generated system.
mod accounts {
    include!("ui_codegen/generated/billing.rs");

    /// Charges items at the catalog's price and keeps the total.
    pub struct LedgerState {
        total: u64,
    }

    impl ledger::State for LedgerState {
        type Args = ();
        async fn init(_: (), _ctx: &mut ledger::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(LedgerState { total: 0 })
        }
    }

    impl billing::Handler<ledger::Ctx> for LedgerState {
        async fn charge(&mut self, item: String, ctx: &mut ledger::Ctx) -> u64 {
            // A call answered by the other system, then a cast into it.
            let price = ctx.catalog().price(item).await.unwrap_or(0);
            self.total += price;
            let _ = ctx.cart().charged(self.total).await;
            self.total
        }

        async fn total(&mut self, _ctx: &mut ledger::Ctx) -> u64 {
            self.total
        }

        async fn crash(&mut self, _ctx: &mut ledger::Ctx) {
            panic!("asked to crash");
        }
    }
}

/// The macro-declared system.
#[arbor_macros::system(externs(Ledger = crate::accounts::ledger))]
mod shop {
    use arbor_macros::{Actor, Supervisor};

    /// Checks out through the ledger; remembers the last total the ledger reported.
    #[derive(Default, Actor)]
    #[actor(mailbox(capacity = 64, overflow = "reject"), calls(Ledger))]
    pub struct CartState {
        last_charged: Option<u64>,
    }

    #[handlers(protocol = "CartApi")]
    impl CartState {
        #[call(timeout = "2s")]
        async fn checkout(
            &mut self,
            item: String,
            ctx: &mut cart::Ctx,
        ) -> Result<u64, arbor::CallError> {
            ctx.ledger().charge(item).await
        }

        #[call]
        async fn last_charged(&mut self, _ctx: &mut cart::Ctx) -> Option<u64> {
            self.last_charged
        }

        #[cast]
        async fn charged(&mut self, total: u64, _ctx: &mut cart::Ctx) {
            self.last_charged = Some(total);
        }
    }

    /// Prices.
    #[derive(Default, Actor)]
    pub struct CatalogState;

    #[handlers(protocol = "Prices")]
    impl CatalogState {
        #[call]
        async fn price(&mut self, item: String, _ctx: &mut catalog::Ctx) -> u64 {
            match item.as_str() {
                "tea" => 3,
                "cake" => 5,
                _ => 0,
            }
        }
    }

    #[derive(Supervisor)]
    pub struct ShopSup {
        catalog: Catalog,
        cart: Cart,
    }
}

/// Calls `checkout` until the ledger answers (it is restarting after a crash).
async fn checkout_when_up(shop: &shop::shop_sup::Handle, item: &str) -> u64 {
    for _ in 0..400 {
        if let Ok(Ok(total)) = shop.cart().checkout(item.to_owned()).await {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the ledger never came back");
}

#[tokio::test]
async fn two_systems_call_each_other_and_follow_restarts() {
    let (ledger, bind_ledger) = Port::bound_later();
    let shop = shop::shop_sup::start(
        shop::shop_sup::Config {
            catalog: (),
            cart: (),
        },
        shop::shop_sup::Externs {
            ledger: accounts::ledger::Client::from(ledger),
        },
    )
    .await
    .unwrap();

    // Before the binding the extern actor is not running: the call fails at once.
    let early = shop.cart().checkout("tea".into()).await.unwrap();
    assert!(
        matches!(early, Err(arbor::CallError::Exited(_))),
        "{early:?}"
    );

    let accounts = accounts::billing_sup::start(
        accounts::billing_sup::Config { ledger: () },
        accounts::billing_sup::Externs {
            catalog: shop.catalog(),
            cart: shop.cart(),
        },
    )
    .await
    .unwrap();
    assert!(bind_ledger.bind(accounts.ledger().target().clone()));

    // shop → accounts (Cart calls Ledger) → shop (Ledger calls Catalog, casts to Cart).
    assert_eq!(shop.cart().checkout("tea".into()).await.unwrap(), Ok(3));
    assert_eq!(shop.cart().checkout("cake".into()).await.unwrap(), Ok(8));
    assert_eq!(accounts.ledger().total().await.unwrap(), 8);
    let mut last = None;
    for _ in 0..400 {
        last = shop.cart().last_charged().await.unwrap();
        if last == Some(8) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(last, Some(8), "the ledger's cast reached the cart");

    // The ledger crashes and its supervisor restarts it with a fresh state: shop's client
    // follows to the new incarnation.
    let before = accounts.ledger().target().get().map(|a| a.id());
    accounts.ledger().crash().await.unwrap();
    assert_eq!(checkout_when_up(&shop, "cake").await, 5);
    let after = accounts
        .ledger()
        .target()
        .get()
        .expect("the ledger runs again");
    assert_ne!(before, Some(after.id()), "a new incarnation");

    accounts.shutdown().await;
    // With the ledger's system gone, the call fails instead of hanging.
    let gone = shop.cart().checkout("tea".into()).await.unwrap();
    assert!(matches!(gone, Err(arbor::CallError::Exited(_))), "{gone:?}");
    shop.shutdown().await;
}

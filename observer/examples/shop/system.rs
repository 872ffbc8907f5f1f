//! A small shop to watch: a root supervisor with an inventory, an audit log with a small
//! rejecting mailbox, a front end that calls the inventory and casts to the audit log on a
//! timer (live load), and a dynamic supervisor of idle sessions. Its static call graph is
//! declared as generated code declares it (one `NODE` per actor module, pointing at the
//! system's `ARBOR_SYSTEM`), so the observer can draw it.
//!
//! It also has a deadlock on purpose: a `Checkout` call to the front end calls the inventory,
//! whose `Reconcile` calls the front end back (an edge the graph does not declare). The
//! runtime refuses that call with `CallError::Deadlock` at once; the observer shows it.
//!
//! Shared by the `shop` example and the observer's tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use arbor::prelude::*;
use arbor::static_graph::{Node, System};
use arbor::supervisor::{
    ChildSpec, DynamicSupervisorRef, DynamicSupervisorSpec, Strategy, SupervisorRef, SupervisorSpec,
};

/// The system in the static call graph (as generated code names it).
pub static ARBOR_SYSTEM: System = System::new(module_path!(), 3);

/// The call graph's nodes, for `Observer::call_graph`.
pub fn call_graph() -> [&'static Node; 3] {
    [&frontend::NODE, &inventory::NODE, &audit::NODE]
}

pub mod inventory {
    use super::*;

    pub static NODE: Node = Node::in_system(&super::ARBOR_SYSTEM, 1, "Inventory", true, &[], &[]);

    /// Stock per item.
    #[derive(Debug)]
    pub struct Inventory {
        pub stock: BTreeMap<String, u32>,
        pub orders: u64,
    }

    pub enum InventoryCall {
        /// Takes one item; `false` when none is left (then restocks it).
        Take(String, ReplyTo<bool>),
        /// A bug on purpose: panics.
        Crash(ReplyTo<()>),
        /// Another bug on purpose: asks the front end (which is waiting on this call) how many
        /// orders it placed. The runtime refuses the call back (a deadlock).
        Reconcile(
            ActorRef<super::frontend::Frontend>,
            ReplyTo<Result<u64, CallError>>,
        ),
    }

    impl Actor for Inventory {
        type Args = ();
        type Call = InventoryCall;
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;

        async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
            let stock = ["apples", "pears", "plums"]
                .into_iter()
                .map(|item| (item.to_string(), 10))
                .collect();
            Init::Ok(Inventory { stock, orders: 0 })
        }

        async fn handle_call(
            &mut self,
            msg: InventoryCall,
            _: &mut Context<Self>,
        ) -> Handled<Self> {
            match msg {
                InventoryCall::Take(item, reply_to) => {
                    self.orders += 1;
                    let left = self.stock.entry(item).or_insert(10);
                    let taken = *left > 0;
                    *left = if taken { *left - 1 } else { 10 };
                    let _ = reply_to.send(taken);
                }
                InventoryCall::Crash(_) => panic!("inventory corrupted (asked to crash)"),
                InventoryCall::Reconcile(frontend, reply_to) => {
                    let placed = frontend.call(super::frontend::FrontendCall::Placed).await;
                    let _ = reply_to.send(placed);
                }
            }
            Handled::Continue
        }
    }
}

pub mod audit {
    use super::*;

    pub static NODE: Node = Node::in_system(&super::ARBOR_SYSTEM, 2, "Audit", false, &[], &[]);

    /// The last entries.
    #[derive(Debug, Default)]
    pub struct Audit {
        pub entries: Vec<String>,
    }

    impl Actor for Audit {
        type Args = ();
        type Call = Infallible;
        type Cast = String;
        type Info = Infallible;
        type Continue = Infallible;

        fn mailbox() -> MailboxConfig {
            MailboxConfig::bounded(16).overflow(Overflow::Reject)
        }

        async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Audit::default())
        }

        async fn handle_cast(&mut self, entry: String, _: &mut Context<Self>) -> Handled<Self> {
            self.entries.push(entry);
            if self.entries.len() > 5 {
                self.entries.remove(0);
            }
            Handled::Continue
        }
    }
}

pub mod frontend {
    use super::*;

    pub static NODE: Node = Node::in_system(
        &super::ARBOR_SYSTEM,
        0,
        "Frontend",
        true,
        &[&super::inventory::NODE],
        &[&super::audit::NODE],
    );

    /// Places an order every `tick`: a call to the inventory, a cast to the audit log.
    pub struct Frontend {
        pub placed: u64,
        tick: Duration,
        app: AppSlot,
    }

    impl std::fmt::Debug for Frontend {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Frontend")
                .field("placed", &self.placed)
                .field("tick", &self.tick)
                .finish()
        }
    }

    /// The root supervisor, set once it runs (the front end finds its siblings through it).
    pub type AppSlot = Arc<OnceLock<SupervisorRef>>;

    /// Time to place the next order.
    #[derive(Debug)]
    pub struct Tick;

    /// What the front end answers.
    pub enum FrontendCall {
        /// Reconciles with the inventory, which calls back ([`FrontendCall::Placed`]): a
        /// deadlock the runtime refuses. Answers the inventory's result.
        Checkout(ReplyTo<Result<u64, CallError>>),
        /// Orders placed so far.
        Placed(ReplyTo<u64>),
    }

    impl Actor for Frontend {
        type Args = (AppSlot, Duration);
        type Call = FrontendCall;
        type Cast = Infallible;
        type Info = Tick;
        type Continue = Infallible;

        async fn init((app, tick): Self::Args, ctx: &mut Context<Self>) -> Init<Self> {
            ctx.send_after(tick, Tick);
            Init::Ok(Frontend {
                placed: 0,
                tick,
                app,
            })
        }

        async fn handle_call(
            &mut self,
            msg: FrontendCall,
            ctx: &mut Context<Self>,
        ) -> Handled<Self> {
            match msg {
                FrontendCall::Placed(reply_to) => {
                    let _ = reply_to.send(self.placed);
                }
                FrontendCall::Checkout(reply_to) => {
                    let inventory = self.app.get().and_then(|app| {
                        app.child::<ActorRef<super::inventory::Inventory>>("inventory")
                    });
                    let answer = match inventory {
                        Some(inventory) => {
                            let me = ctx.myself();
                            match inventory
                                .call(|r| super::inventory::InventoryCall::Reconcile(me, r))
                                .await
                            {
                                Ok(answer) => answer,
                                Err(e) => Err(e),
                            }
                        }
                        None => Ok(self.placed),
                    };
                    let _ = reply_to.send(answer);
                }
            }
            Handled::Continue
        }

        async fn handle_info(&mut self, _: Tick, ctx: &mut Context<Self>) -> Handled<Self> {
            ctx.send_after(self.tick, Tick);
            let Some(app) = self.app.get() else {
                return Handled::Continue;
            };
            let item = ["apples", "pears", "plums"][(self.placed % 3) as usize].to_string();
            if let Some(inventory) = app.child::<ActorRef<super::inventory::Inventory>>("inventory")
            {
                let taken = inventory
                    .call(|r| super::inventory::InventoryCall::Take(item.clone(), r))
                    .await;
                if let Some(audit) = app.child::<ActorRef<super::audit::Audit>>("audit") {
                    let _ = audit.try_cast(format!("order {}: {item} {taken:?}", self.placed));
                }
            }
            self.placed += 1;
            Handled::Continue
        }
    }
}

pub mod session {
    use super::*;

    /// An idle session.
    #[derive(Debug)]
    pub struct Session {
        pub user: String,
    }

    impl Actor for Session {
        type Args = String;
        type Call = Infallible;
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;

        async fn init(user: String, _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Session { user })
        }
    }
}

/// The running shop.
pub struct Shop {
    pub app: SupervisorRef,
}

/// Starts the shop; the front end places an order every `tick`.
pub async fn start(tick: Duration) -> Shop {
    let slot: frontend::AppSlot = Arc::default();
    let app = SupervisorSpec::new(Strategy::OneForOne)
        .name("shop")
        .intensity(1000, Duration::from_secs(1))
        .child(ChildSpec::actor_with::<inventory::Inventory>(
            "inventory",
            (),
            |s| s.name("inventory"),
        ))
        .child(ChildSpec::actor_with::<audit::Audit>("audit", (), |s| {
            s.name("audit")
        }))
        .child(ChildSpec::actor_with::<frontend::Frontend>(
            "frontend",
            (slot.clone(), tick),
            |s| s.name("frontend"),
        ))
        .child(ChildSpec::supervisor(
            "sessions",
            DynamicSupervisorSpec::new(),
        ))
        .start()
        .await
        .expect("the shop starts");
    let _ = slot.set(app.clone());
    if let Some(sessions) = app.child::<DynamicSupervisorRef>("sessions") {
        for user in ["ada", "grace", "barbara"] {
            let spec = ChildSpec::anonymous::<session::Session>(user.to_string());
            sessions.start_child(spec).await.expect("a session starts");
        }
    }
    Shop { app }
}

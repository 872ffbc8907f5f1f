//! The observer in a real headless Chromium (Debian's `chromium` and `chromium-driver`,
//! installed by `scripts/chromium.sh` when missing), driven over WebDriver: open the page of
//! a running shop, find the tree, crash a child through the observer's API and see its
//! restart count go up on the page without a reload, kill another from the page (with the
//! confirmation), provoke a real deadlock and see it highlighted with its chain, open an
//! actor's detail page. Screenshots go to
//! `$CARGO_TARGET_TMPDIR/observer/` (under the target directory).
//!
//! Every wait is a bounded poll for something on the page, never a fixed sleep.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{get_json, node, request, shop_with_observer};
use fantoccini::{Client, ClientBuilder, Locator};

/// Runs the install script; returns the paths of `chromium` and `chromedriver`.
fn install_chromium() -> (String, String) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scripts/chromium.sh");
    let out = Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/chromium.sh runs");
    assert!(out.status.success(), "scripts/chromium.sh failed");
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines().filter(|l| l.starts_with('/'));
    let chromium = lines.next().expect("chromium's path").to_string();
    let driver = lines.next().expect("chromedriver's path").to_string();
    (chromium, driver)
}

/// The driver process, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start_driver(path: &str) -> (Driver, u16) {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (driver, port);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on port {port}");
}

async fn browser(chromium: &str, port: u16) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"],
        }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session")
}

/// Waits (bounded) for an element.
async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("never appeared on the page: {css} ({e})"))
}

async fn screenshot(client: &Client, name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("observer");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(&path, png).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_follows_restarts_live_and_opens_details() {
    let (chromium, driver_path) = install_chromium();
    let (shop, observer) = shop_with_observer(Duration::from_millis(10)).await;
    let addr = observer.local_addr();
    let (_driver, port) = start_driver(&driver_path).await;
    let client = browser(&chromium, port).await;

    client.goto(&observer.url()).await.unwrap();
    // The tree, live.
    wait_for(&client, "#conn.on").await;
    wait_for(&client, "tr[data-path='shop']").await;
    wait_for(&client, "tr[data-path='shop/sessions']").await;
    let inventory_row = wait_for(&client, "tr[data-path='shop/inventory']").await;
    let restarts = inventory_row
        .find(Locator::Css("td.restarts"))
        .await
        .unwrap();
    assert_eq!(restarts.text().await.unwrap(), "0");
    wait_for(&client, "#graph svg g.node").await;

    // Crash the inventory through the observer's API: the page shows the restart, no reload.
    let snapshot = get_json(addr, "/api/snapshot").await;
    let inventory = node(&snapshot["tree"], "shop/inventory").unwrap()["actor"]
        .as_u64()
        .unwrap();
    let killed = request(
        addr,
        "POST",
        &format!("/api/actors/{inventory}/kill"),
        &[("Authorization", "Bearer test-token")],
    )
    .await;
    assert_eq!(killed.status, 200, "{}", killed.body);
    wait_for(
        &client,
        "tr[data-path='shop/inventory'] td.restarts[data-restarts='1']",
    )
    .await;
    let row = wait_for(&client, "tr[data-path='shop/inventory']").await;
    assert_eq!(
        row.find(Locator::Css("td.last-exit"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "killed"
    );
    screenshot(&client, "tree.png").await;

    // Kill the audit log from the page: a confirmation first, then the restart shows.
    let button = wait_for(
        &client,
        "tr[data-path='shop/audit'] button[data-action='kill']",
    )
    .await;
    button.click().await.unwrap();
    wait_for(&client, "#confirm:not([hidden])").await;
    let text = client
        .find(Locator::Css("#confirm-text"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("Kill shop/audit"), "{text}");
    screenshot(&client, "confirm.png").await;
    client
        .find(Locator::Css("#confirm-yes"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &client,
        "tr[data-path='shop/audit'] td.restarts[data-restarts='1']",
    )
    .await;
    wait_for(&client, "#confirm[hidden]").await;

    // A real deadlock (the front end's checkout calls the inventory, which calls the front end
    // back; the runtime refuses that call): on the page without a reload, in the recent
    // deadlocks with its chain, its edges highlighted on the call graph (the undeclared call
    // back added), the front end's row marked.
    let frontend = shop
        .app
        .child::<arbor::ActorRef<common::system::frontend::Frontend>>("frontend")
        .expect("the front end runs");
    let frontend_id = frontend.id().as_u64();
    let answer = frontend
        .call(common::system::frontend::FrontendCall::Checkout)
        .await
        .expect("the front end answers");
    assert!(
        matches!(answer, Err(arbor::CallError::Deadlock { .. })),
        "{answer:?}"
    );
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(50))
        .for_element(Locator::XPath(&format!(
            "//ol[@id='deadlocks']/li[contains(., 'frontend#{frontend_id} -> inventory#')]"
        )))
        .await
        .expect("the deadlock's chain in the recent deadlocks");
    wait_for(
        &client,
        &format!("#deadlocks li.deadlock tr[data-actor='{frontend_id}']"),
    )
    .await;
    wait_for(
        &client,
        "#graph path.edge.deadlock[data-edge$='::Inventory']",
    )
    .await;
    wait_for(
        &client,
        "#graph path.edge.deadlock.undeclared[data-edge$='::Frontend']",
    )
    .await;
    wait_for(&client, "tr.deadlocked[data-path='shop/frontend']").await;
    wait_for(&client, "#events li.deadlock").await;
    screenshot(&client, "deadlock.png").await;

    // The inventory's detail page: its state (registered with debug_state) and its exit.
    let link = wait_for(&client, "tr[data-path='shop/inventory'] a.actor-link").await;
    let new_id = link.attr("data-actor").await.unwrap().unwrap();
    link.click().await.unwrap();
    wait_for(&client, &format!("#detail[data-actor='{new_id}']")).await;
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(50))
        .for_element(Locator::XPath("//pre[@id='state'][contains(., 'apples')]"))
        .await
        .expect("the inventory's state on its page");
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(50))
        .for_element(Locator::XPath(&format!(
            "//table[@id='exits']//td[. = '#{inventory}']"
        )))
        .await
        .expect("the killed incarnation among the recent exits");
    assert_eq!(
        client.current_url().await.unwrap().fragment(),
        Some(&*format!("/actor/{new_id}"))
    );
    screenshot(&client, "detail.png").await;

    client.close().await.unwrap();
    observer.shutdown().await;
    shop.app.shutdown().await;
}

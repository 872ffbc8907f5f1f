//! What the observer's tests share: the shop system, an observer on a free loopback port,
//! and a minimal HTTP/1.1 client (one request per connection).

#![allow(dead_code)]

#[path = "../../examples/shop/system.rs"]
pub mod system;

use std::net::SocketAddr;
use std::time::Duration;

use arbor_observer::{Observer, ObserverHandle};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The shop (orders every `tick`) and an observer of it on 127.0.0.1, port chosen by the OS.
pub async fn shop_with_observer(tick: Duration) -> (system::Shop, ObserverHandle) {
    let shop = system::start(tick).await;
    let observer = Observer::new(shop.app.cell())
        .bind("127.0.0.1:0".parse().unwrap())
        .token("test-token")
        .interval(Duration::from_millis(100))
        .debug_state::<system::inventory::Inventory>()
        .call_graph(&system::call_graph())
        .start()
        .await
        .expect("the observer starts");
    (shop, observer)
}

/// A response: status, headers (lower-case names) and body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request and reads the whole response (`Connection: close`).
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let host = addr.to_string();
    let mut all = vec![("Host", host.as_str())];
    all.extend_from_slice(headers);
    request_as(addr, method, path, &all).await
}

/// Like [`request`], with every header given (`Host` included).
pub async fn request_as(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        head.push_str("Content-Length: 0\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("a response within 30 s")
        .expect("read");
    parse(&String::from_utf8_lossy(&raw))
}

fn parse(raw: &str) -> Reply {
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

/// GET `path` with the token, as JSON (status 200 asserted).
pub async fn get_json(addr: SocketAddr, path: &str) -> Value {
    let reply = request(addr, "GET", path, &[("Authorization", "Bearer test-token")]).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.body);
    reply.json()
}

/// The node at `path` (`shop/inventory`) in a snapshot's tree.
pub fn node<'a>(tree: &'a Value, path: &str) -> Option<&'a Value> {
    if tree["path"] == path {
        return Some(tree);
    }
    tree["children"]
        .as_array()?
        .iter()
        .find_map(|c| node(c, path))
}

/// Polls `check` on fresh snapshots until it holds (at most `tries` times, 50 ms apart):
/// waits for an event without a timing assertion.
pub async fn eventually(addr: SocketAddr, what: &str, check: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..400 {
        let snapshot = get_json(addr, "/api/snapshot").await;
        if check(&snapshot) {
            return snapshot;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never happened: {what}");
}

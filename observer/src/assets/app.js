// Arbor observer front-end: plain JavaScript, no build step. Follows /api/events (server-sent
// events, one `snapshot` per sample) and routes #/ (the tree) and #/actor/ID (a detail page).
"use strict";

const params = new URLSearchParams(location.search);
if (params.get("token")) sessionStorage.setItem("arbor-token", params.get("token"));
const token = () => sessionStorage.getItem("arbor-token") || "";

const $ = (sel) => document.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
const fmtRate = (r) => (r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r > 0 ? r.toFixed(2) : "0");
const fmtTime = (ms) => new Date(ms).toLocaleTimeString();

let last = null;            // the latest snapshot

function authHeaders() {
  const t = token();
  return t ? { Authorization: "Bearer " + t } : {};
}

// --- the live stream ---------------------------------------------------------------------
function connect() {
  const url = "/api/events" + (token() ? "?token=" + encodeURIComponent(token()) : "");
  const source = new EventSource(url);
  source.addEventListener("open", () => { $("#conn").textContent = "live"; $("#conn").className = "conn on"; });
  source.addEventListener("error", () => { $("#conn").textContent = "reconnecting…"; $("#conn").className = "conn off"; });
  source.addEventListener("snapshot", (e) => {
    last = JSON.parse(e.data);
    render();
  });
}

function render() {
  if (!last || !last.tree) return;
  $("#clock").textContent = "sampled " + fmtTime(last.at_ms);
  $("#timing").textContent = last.timing ? "handler time measured while this page is open" : "";
  renderTree(last.tree);
  renderEvents(last.events || []);
  renderGraph(last.graph, last.deadlocks || []);
  renderEdges(last.edges || []);
  renderDeadlocks(last.deadlocks || []);
  renderCluster(last.cluster);
  if (currentActor() !== null) loadDetail(currentActor());
}

// --- the tree ----------------------------------------------------------------------------
// Rows are kept per path and updated in place (an element a user or a test is about to click
// survives the next snapshot).
const rows = new Map();

function renderTree(root) {
  const body = $("#tree tbody");
  const order = [];
  const walk = (node, depth) => {
    order.push(row(node, depth));
    for (const c of node.children) walk(c, depth + 1);
    if (node.hidden > 0) order.push(moreRow(node, depth + 1));
  };
  walk(root, 0);
  // Actors of the latest deadlock.
  const stuck = new Set();
  const latest = (last.deadlocks || []).slice(-1)[0];
  if (latest) for (const h of latest.chain) if (h.node === null) stuck.add(String(h.actor));
  for (const tr of order) tr.classList.toggle("deadlocked", !!tr.dataset.actor && stuck.has(tr.dataset.actor));
  const keep = new Set(order);
  for (const [path, r] of rows) if (!keep.has(r.tr)) { r.tr.remove(); rows.delete(path); }
  order.forEach((tr, i) => { if (body.children[i] !== tr) body.insertBefore(tr, body.children[i] || null); });
}

function moreRow(node, depth) {
  const path = node.path + "/+";
  let r = rows.get(path);
  if (!r) {
    r = { tr: el("tr", { class: "more-row" }), cell: el("td", { colspan: 10, class: "muted" }) };
    r.tr.append(r.cell);
    rows.set(path, r);
  }
  set(r.cell, `${"\u00a0".repeat(depth * 3)}… ${node.hidden} more children not shown`);
  return r.tr;
}

function set(cell, text) {
  text = String(text);
  if (cell.textContent !== text) cell.textContent = text;
}

function row(n, depth) {
  let r = rows.get(n.path);
  if (!r) {
    const td = (cls) => el("td", { class: cls });
    r = { tr: el("tr", { "data-path": n.path, class: "node-row" }),
          label: td("tree-label"), kind: td(""), status: td("status"), restarts: td("num restarts"),
          exit: td("last-exit"), mailbox: td("num mailbox"), overflow: td("num"), rate: td("num rate"),
          busy: td("num busy"), actions: td(""), key: null };
    r.tr.append(r.label, r.kind, r.status, r.restarts, r.exit, r.mailbox, r.overflow, r.rate, r.busy, r.actions);
    rows.set(n.path, r);
  }
  r.tr.dataset.actor = n.actor ?? "";
  const key = `${n.actor}|${n.supervised}|${depth}|${n.type_name}|${n.kind}|${n.restart}`;
  if (r.key !== key) {
    r.key = key;
    const label = n.actor !== null
      ? el("a", { href: "#/actor/" + n.actor, class: "actor-link", "data-actor": n.actor }, n.label)
      : el("span", {}, n.label);
    r.label.replaceChildren(el("span", { class: "indent", style: `width:${depth * 1.2}rem` }), label,
      n.type_name ? el("span", { class: "muted" }, " " + n.type_name) : "");
    r.kind.replaceChildren(el("span", { class: "badge" }, n.kind.replace("_", " ")),
      n.restart ? el("span", { class: "muted" }, " " + n.restart) : "");
    r.actions.replaceChildren(controls(n));
  }
  set(r.status, n.status);
  r.status.className = "status status-" + n.status;
  const before = r.restarts.dataset.restarts;
  if (before !== undefined && +before < n.restarts) {
    r.restarts.classList.add("bumped");
    setTimeout(() => r.restarts.classList.remove("bumped"), 1500);
  }
  r.restarts.dataset.restarts = n.restarts;
  set(r.restarts, n.restarts);
  set(r.exit, n.last_exit ?? "");
  set(r.mailbox, n.actor === null ? "" : n.mailbox_len + " / " + (n.mailbox_capacity === null ? "∞" : n.mailbox_capacity));
  set(r.overflow, n.overflowed ? n.overflowed + " (" + n.overflow + ")" : (n.overflow ?? ""));
  set(r.rate, n.actor === null ? "" : fmtRate(n.rate));
  set(r.busy, n.actor === null ? "" : n.busy_pct.toFixed(1) + "%");
  return r.tr;
}

function controls(n) {
  if (!n.supervised || n.actor === null) return "";
  const box = el("span", { class: "actions" });
  for (const action of n.restartable ? ["kill", "restart", "terminate"] : ["kill", "terminate"]) {
    box.append(el("button", {
      class: action === "restart" ? "" : "danger",
      "data-action": action,
      title: { kill: "exit(Pid, kill): its supervisor restarts it by its restart type",
               restart: "terminate_child, then restart_child",
               terminate: "terminate_child: stopped, not restarted" }[action],
      onclick: () => ask(action, n),
    }, action));
  }
  return box;
}

// --- control, with a confirmation ----------------------------------------------------------
function ask(action, n) {
  $("#confirm-text").textContent = `${action[0].toUpperCase() + action.slice(1)} ${n.path} (#${n.actor})?`;
  $("#token-row").hidden = !!token();
  $("#confirm-error").textContent = "";
  $("#confirm").hidden = false;
  $("#confirm-yes").onclick = async () => {
    if (!token() && $("#token-input").value) sessionStorage.setItem("arbor-token", $("#token-input").value);
    const res = await fetch(`/api/actors/${n.actor}/${action}`, { method: "POST", headers: authHeaders() });
    if (res.ok) { $("#confirm").hidden = true; return; }
    const body = await res.json().catch(() => ({}));
    $("#confirm-error").textContent = `${res.status}: ${body.error || res.statusText}`;
    if (res.status === 401 || res.status === 403) { sessionStorage.removeItem("arbor-token"); $("#token-row").hidden = false; }
  };
  $("#confirm-no").onclick = () => { $("#confirm").hidden = true; };
}

// --- events ------------------------------------------------------------------------------
function renderEvents(events) {
  const list = el("ol", { id: "events", class: "events" });
  for (const e of events.slice().reverse()) {
    list.append(el("li", { class: e.kind }, `${fmtTime(e.at_ms)} ${e.path}: ${e.text}`));
  }
  $("#events").replaceWith(list);
}

// --- the call graph (layered: each actor one column right of its callers) -----------------
function renderGraph(graph, deadlocks) {
  const panel = $("#graph-panel");
  if (!graph || graph.nodes.length === 0) { panel.hidden = true; return; }
  panel.hidden = false;
  const level = {};
  for (const n of graph.nodes) level[n.id] = 0;
  for (let i = 0; i < graph.nodes.length; i++) {
    for (const e of graph.edges) {
      if (!e.declared) continue;
      if (level[e.to] <= level[e.from] && level[e.from] < graph.nodes.length) level[e.to] = level[e.from] + 1;
    }
  }
  const columns = {};
  for (const n of graph.nodes) (columns[level[n.id]] ||= []).push(n);
  const pos = {}; const W = 240, H = 56;
  let height = 0, width = 0;
  for (const [col, nodes] of Object.entries(columns)) {
    nodes.forEach((n, i) => { pos[n.id] = { x: 10 + col * W, y: 10 + i * H }; });
    height = Math.max(height, nodes.length * H + 10);
    width = Math.max(width, (+col + 1) * W + 10);
  }
  const ns = "http://www.w3.org/2000/svg";
  const stuckNodes = new Set();
  for (const d of deadlocks) for (const h of d.chain) if (h.graph_node) stuckNodes.add(h.graph_node);
  // Room below the columns for calls drawn back to an earlier column.
  if (graph.edges.some((e) => !e.declared)) height += 40;
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("width", width); svg.setAttribute("height", height);
  svg.innerHTML = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#94a3b8"/></marker></defs>';
  for (const e of graph.edges) {
    const a = pos[e.from], b = pos[e.to];
    if (!a || !b) continue;
    const line = document.createElementNS(ns, "path");
    line.setAttribute("d", `M${a.x + 130},${a.y + 18} C${a.x + 150},${a.y + 18} ${b.x - 20},${b.y + 18} ${b.x},${b.y + 18}`);
    if (a === b) {
      line.setAttribute("d", `M${a.x + 100},${a.y + 36} C${a.x + 100},${a.y + 60} ${a.x + 30},${a.y + 60} ${a.x + 30},${a.y + 36}`);
    } else if (b.x <= a.x) {
      // Back to an earlier column (only a deadlock's undeclared call goes there): below.
      line.setAttribute("d", `M${a.x + 65},${a.y + 36} C${a.x + 65},${a.y + 70} ${b.x + 65},${b.y + 70} ${b.x + 65},${b.y + 36}`);
    }
    let cls = "edge " + e.kind + (e.rate > 0 ? " active" : "");
    if (e.deadlocks > 0) cls += " deadlock" + (e.declared ? "" : " undeclared");
    line.setAttribute("class", cls);
    line.setAttribute("marker-end", "url(#arrow)");
    line.setAttribute("data-edge", `${e.from}->${e.to}`);
    line.setAttribute("data-deadlocks", e.deadlocks);
    if (e.deadlocks > 0) {
      const title = document.createElementNS(ns, "title");
      title.textContent = `in ${e.deadlocks} recent deadlock(s)` + (e.declared ? "" : " (a call the spec does not declare)");
      line.append(title);
    }
    svg.append(line);
    if (e.count > 0) {
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", (a.x + 130 + b.x) / 2 - 12);
      label.setAttribute("y", (a.y + b.y) / 2 + 12);
      label.setAttribute("class", "edge-label");
      label.setAttribute("data-edge", `${e.from}->${e.to}`);
      label.textContent = `${fmtRate(e.rate)}/s`;
      svg.append(label);
    }
  }
  for (const n of graph.nodes) {
    const p = pos[n.id];
    const g = document.createElementNS(ns, "g");
    g.setAttribute("class", "node" + (n.rate > 0 ? " hot" : "") + (stuckNodes.has(n.id) ? " deadlocked" : ""));
    g.setAttribute("data-node", n.id);
    g.setAttribute("transform", `translate(${p.x},${p.y})`);
    g.innerHTML = `<rect width="130" height="36" rx="5"/><text x="8" y="15"></text><text x="8" y="30" fill="#6b7280"></text>`;
    g.querySelectorAll("text")[0].textContent = n.name;
    g.querySelectorAll("text")[1].textContent = `${n.running} running · ${fmtRate(n.rate)} msg/s`;
    svg.append(g);
  }
  $("#graph").replaceChildren(svg);
}

// --- deadlocks the runtime detected (newest first) -----------------------------------------
function renderDeadlocks(deadlocks) {
  const list = el("ol", { id: "deadlocks", class: "deadlocks" });
  for (const d of deadlocks.slice().reverse()) {
    const hops = el("tbody");
    d.chain.forEach((h, i) => {
      hops.append(el("tr", { "data-actor": h.actor },
        el("td", { class: "muted" }, i === 0 ? "" : "→ calls"),
        el("td", { class: "tree-label" }, h.name ?? h.path ?? "(unnamed)"),
        el("td", {}, "#" + h.actor),
        el("td", {}, h.node ?? "this node"),
        el("td", { class: "tree-label muted" }, h.path ?? "")));
    });
    list.append(el("li", { class: "deadlock", "data-seq": d.seq },
      el("div", {}, el("span", { class: "muted" }, fmtTime(d.at_ms) + " "), el("span", { class: "cycle" }, d.text)),
      el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "actor"), el("th", {}, "id"), el("th", {}, "node"), el("th", {}, "path"))), hops)));
  }
  $("#deadlocks").replaceWith(list);
  $("#deadlocks-empty").hidden = deadlocks.length > 0;
}

// --- the cluster (with Observer::cluster) --------------------------------------------------
function renderCluster(cluster) {
  const panel = $("#cluster-panel");
  if (!cluster) { panel.hidden = true; return; }
  panel.hidden = false;
  $("#cluster-note").textContent = `(as ${cluster.node} sees it${cluster.connected ? "" : "; disconnected"})`;
  const body = el("tbody");
  for (const n of cluster.nodes) {
    body.append(el("tr", { "data-node": n.name, "data-status": n.status },
      el("td", { class: "tree-label" }, n.name + (n.this_node ? " (this node)" : "")),
      el("td", { class: "status status-" + n.status }, n.status),
      el("td", { class: "tree-label muted" }, n.incarnation),
      el("td", {}, n.exports.join(", ") || "—"),
      el("td", {}, n.changed_ms === null ? "—" : fmtTime(n.changed_ms)),
      el("td", { class: "num" }, n.heard_ms_ago === null ? "" : (n.heard_ms_ago / 1000).toFixed(1) + " s ago"),
      el("td", {}, n.down_reason ?? "")));
  }
  $("#cluster tbody").replaceWith(body);
}

// --- messages between actors (counted while a page is connected) -------------------------
function renderEdges(edges) {
  const body = el("tbody");
  for (const e of edges) {
    body.append(el("tr", { "data-from": e.from, "data-to": e.to, "data-kind": e.kind },
      el("td", { class: "tree-label" }, e.from), el("td", { class: "muted" }, e.kind === "call" ? "→ call →" : "→ cast →"),
      el("td", { class: "tree-label" }, e.to), el("td", { class: "num" }, fmtRate(e.rate)), el("td", { class: "num" }, e.count)));
  }
  $("#edges tbody").replaceWith(body);
  $("#edges-empty").hidden = edges.length > 0;
}

// --- the detail page ---------------------------------------------------------------------
function currentActor() {
  const m = location.hash.match(/^#\/actor\/(\d+)$/);
  return m ? m[1] : null;
}

let detailLoading = false;
async function loadDetail(id) {
  if (detailLoading) return;
  detailLoading = true;
  try {
    const res = await fetch("/api/actors/" + id + (token() ? "?token=" + encodeURIComponent(token()) : ""));
    const d = await res.json();
    if (currentActor() !== id) return;
    if (!res.ok) {
      $("#detail-title").textContent = `#${id}: ${d.error || res.status}`;
      $("#detail").dataset.actor = id;
      return;
    }
    renderDetail(d);
  } finally {
    detailLoading = false;
  }
}

function renderDetail(d) {
  const n = d.node;
  $("#detail").dataset.actor = n.actor;
  $("#detail-title").textContent = `${n.path} (#${n.actor})`;
  const fields = [
    ["type", d.type_path ?? ""], ["kind", n.kind.replace("_", " ")], ["restart type", n.restart ?? "—"],
    ["status", n.status], ["restarts", n.restarts], ["last exit", n.last_exit ?? "—"],
    ["mailbox", `${n.mailbox_len} / ${n.mailbox_capacity ?? "∞"} (${n.overflow ?? "—"})`],
    ["overflows", n.overflowed], ["messages handled", n.handled], ["msg/s", fmtRate(n.rate)],
    ["busy", `${n.busy_pct.toFixed(1)}% (${(n.busy_us / 1000).toFixed(1)} ms measured)`],
    ["parent", d.parent === null ? "—" : "#" + d.parent], ["ancestors", d.ancestors.join(" ← ") || "—"],
  ];
  const table = el("table", { id: "detail-fields", class: "fields" });
  for (const [k, v] of fields) table.append(el("tr", {}, el("th", {}, k), el("td", { "data-field": k }, v)));
  $("#detail-fields").replaceWith(table);
  $("#state").textContent = d.state ?? "";
  $("#state").hidden = d.state === null;
  $("#state-note").textContent = d.state_note ?? "";
  const actions = el("div", { id: "detail-actions", class: "actions" });
  const c = controls(n);
  if (c) actions.append(c);
  $("#detail-actions").replaceWith(actions);
  const exits = el("tbody");
  for (const x of d.exits.slice().reverse()) exits.append(el("tr", {}, el("td", {}, fmtTime(x.at_ms)), el("td", {}, "#" + x.actor), el("td", {}, x.reason)));
  $("#exits tbody").replaceWith(exits);
}

function route() {
  const id = currentActor();
  $("#overview").hidden = id !== null;
  $("#detail").hidden = id === null;
  if (id !== null) {
    $("#detail-title").textContent = "#" + id;
    $("#state").textContent = "";
    loadDetail(id);
  }
}

window.addEventListener("hashchange", route);
route();
connect();

// The mproc dashboard: polls api/state and redraws the page; the charts'
// history lives here, from one poll to the next.
"use strict";

const POLL_MS = 500;
const KEEP = 240; // points per series: two minutes
const history = {}; // pool or queue name -> {t: [], tput: [], mean: [], p99: [], queued: [], running: [], prev}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}

function bytes(n) {
  if (!n) return "-";
  if (n < 1 << 20) return (n / 1024).toFixed(0) + " KiB";
  if (n < 1 << 30) return (n / (1 << 20)).toFixed(1) + " MiB";
  return (n / (1 << 30)).toFixed(2) + " GiB";
}

function dur(ms) {
  if (ms === 0) return "0";
  if (ms < 1) return (ms * 1000).toFixed(0) + " µs";
  if (ms < 1000) return ms.toFixed(ms < 10 ? 2 : 0) + " ms";
  return (ms / 1000).toFixed(1) + " s";
}

function num(v) {
  if (v >= 1e6) return (v / 1e6).toFixed(2) + "M";
  if (v >= 1e4) return (v / 1e3).toFixed(1) + "k";
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function push(arr, v) { arr.push(v); if (arr.length > KEEP) arr.shift(); }

// record adds a pool's snapshot to its history: throughput and mean task
// time come from the change since the last poll.
function record(p, at) {
  const h = history[p.name] || (history[p.name] = { t: [], tput: [], mean: [], p99: [], queued: [], running: [], prev: null });
  const prev = h.prev;
  h.prev = { at, tasks: p.tasks, count: p.taskTime.count, sum: p.taskTime.sumMs };
  if (!prev || at <= prev.at) return h;
  const dt = (at - prev.at) / 1000;
  const dn = p.taskTime.count - prev.count;
  push(h.t, at);
  push(h.tput, Math.max(p.tasks - prev.tasks, 0) / dt);
  push(h.mean, dn > 0 ? (p.taskTime.sumMs - prev.sum) / dn : null);
  push(h.p99, p.taskTime.p99Ms);
  push(h.queued, p.queued);
  push(h.running, p.running);
  return h;
}

// chart draws series over the times t as polylines in an SVG, with three
// gridlines labelled by fmt.
function chart(title, t, series, fmt) {
  const W = 600, H = 140, L = 52, R = 8, T = 8, B = 18;
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  let max = 0;
  for (const s of series) for (const v of s.data) if (v != null && v > max) max = v;
  max = max > 0 ? max * 1.1 : 1;
  const t0 = t.length ? t[0] : 0, t1 = t.length ? t[t.length - 1] : 1;
  const x = (ti) => L + (W - L - R) * (t1 > t0 ? (ti - t0) / (t1 - t0) : 1);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    svg.append(e);
  };
  for (const f of [0, 0.5, 1]) {
    const v = max * f / 1.1 * (f === 0 ? 0 : 1);
    add("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e4e7ec" });
    add("text", { x: L - 4, y: y(v) + 4, "text-anchor": "end", "font-size": 10, fill: "#667085" }, fmt(v));
  }
  if (t.length) {
    add("text", { x: L, y: H - 4, "font-size": 10, fill: "#667085" }, `${Math.round((t1 - t0) / 1000)} s ago`);
    add("text", { x: W - R, y: H - 4, "text-anchor": "end", "font-size": 10, fill: "#667085" }, "now");
  }
  for (const s of series) {
    const pts = [];
    s.data.forEach((v, i) => { if (v != null) pts.push(`${x(t[i]).toFixed(1)},${y(v).toFixed(1)}`); });
    if (pts.length) add("polyline", { points: pts.join(" "), fill: "none", stroke: s.color, "stroke-width": 2, "vector-effect": "non-scaling-stroke", class: "series" });
  }
  const legend = el("div", { class: "legend" }, ...series.map((s) => {
    const last = s.data.length ? s.data[s.data.length - 1] : null;
    const sp = el("span", {}, `■ ${s.label}: ${last == null ? "-" : fmt(last)}`);
    sp.style.color = s.color;
    return sp;
  }));
  return el("div", { class: "chart" }, el("div", { class: "title" }, title), svg, legend);
}

function stat(key, value, cls) {
  return el("div", { class: "stat " + (cls || "") }, el("div", { class: "v" }, value), el("div", { class: "k" }, key));
}

function poolSection(p, h) {
  const live = p.workers.filter((w) => w.state !== "ended");
  const ended = p.workers.filter((w) => w.state === "ended");
  const restarts = Object.entries(p.restarts || {});
  const nRestarts = restarts.reduce((a, [, n]) => a + n, 0);
  const tput = h.tput.length ? h.tput[h.tput.length - 1] : 0;
  const sec = el("section", { class: "pool", "data-name": p.name });
  sec.append(el("h2", {}, `Pool ${p.name}`));
  sec.append(el("div", { class: "stats" },
    stat("workers", `${live.filter((w) => w.state !== "starting").length} / ${p.size}`, "stat-workers"),
    stat("tasks done", num(p.tasks), "stat-tasks"),
    stat("failed", num(p.failed), "stat-failed"),
    stat("tasks/s now", num(tput), "stat-throughput"),
    stat("task p50 / p99", `${dur(p.taskTime.p50Ms)} / ${dur(p.taskTime.p99Ms)}`, "stat-latency"),
    stat("queue wait p99", dur(p.queueWait.p99Ms), "stat-wait"),
    stat("queued / running", `${p.queued} / ${p.running}`, "stat-queue"),
    stat("restarts", nRestarts ? `${nRestarts} (${restarts.map(([k, n]) => `${k} ${n}`).join(", ")})` : "0", "stat-restarts"),
  ));
  sec.append(el("div", { class: "charts" },
    chart("Throughput (tasks/s)", h.t, [{ label: "tasks/s", data: h.tput, color: "#2e7d32" }], num),
    chart("Task time", h.t, [{ label: "mean", data: h.mean, color: "#1565c0" }, { label: "p99 (all time)", data: h.p99, color: "#ef6c00" }], dur),
    chart("Queue depth", h.t, [{ label: "queued", data: h.queued, color: "#6a1b9a" }, { label: "running", data: h.running, color: "#00838f" }], num),
  ));
  const rows = live.map((w) => {
    const total = w.busyMs + w.idleMs;
    const pct = total > 0 ? (100 * w.busyMs) / total : 0;
    const bar = el("span", { class: "bar" });
    bar.style.width = Math.round(pct * 0.6) + "px";
    return el("tr", { class: "worker", "data-state": w.state },
      el("td", {}, w.name),
      el("td", { class: "num pid" }, w.pid || "-"),
      el("td", {}, el("span", { class: "badge " + w.state }, w.state)),
      el("td", { class: "task" }, w.task || ""),
      el("td", { class: "num tasks" }, num(w.tasks)),
      el("td", { class: "num" }, bar, " ", pct.toFixed(0) + "%"),
      el("td", { class: "num" }, dur(w.startupMs)),
      el("td", { class: "num rss" }, bytes(w.rss)),
      el("td", { class: "num" }, bytes(w.peakRss)));
  });
  sec.append(el("table", { class: "workers" },
    el("thead", {}, el("tr", {}, ...["worker", "pid", "state", "running", "tasks", "busy", "start-up", "RSS", "peak RSS"].map((k, i) => el("th", { class: i === 1 || i >= 4 ? "num" : "" }, k)))),
    el("tbody", {}, ...rows)));
  if (ended.length) {
    const det = el("details", { class: "ended-list", open: "" }, el("summary", {}, `Ended workers (${ended.length}, latest last)`));
    det.append(el("table", {},
      el("thead", {}, el("tr", {}, el("th", {}, "worker"), el("th", { class: "num" }, "pid"), el("th", {}, "why"), el("th", { class: "num" }, "tasks"), el("th", {}, "ended"))),
      el("tbody", {}, ...ended.slice(-10).map((w) => el("tr", { class: "ended" },
        el("td", {}, w.name), el("td", { class: "num" }, w.pid || "-"), el("td", { class: "reason" }, w.reason),
        el("td", { class: "num" }, num(w.tasks)), el("td", {}, new Date(w.endedAt).toLocaleTimeString()))))));
    sec.append(det);
  }
  return sec;
}

function render(st) {
  const pools = document.getElementById("pools");
  pools.replaceChildren(...st.pools.map((p) => poolSection(p, record(p, st.at))));
  const qs = document.getElementById("queues-section");
  qs.hidden = st.queues.length === 0;
  const body = document.querySelector("#queues tbody");
  body.replaceChildren(...st.queues.map((q) => {
    const h = history["queue:" + q.name] || (history["queue:" + q.name] = { t: [], len: [] });
    push(h.t, st.at); push(h.len, q.len);
    return el("tr", { class: "queue", "data-name": q.name }, el("td", {}, q.name), el("td", { class: "num len" }, q.len),
      el("td", {}, chart("", h.t, [{ label: "items", data: h.len, color: "#6a1b9a" }], num)));
  }));
  const s = document.getElementById("status");
  s.textContent = "updated " + new Date(st.at).toLocaleTimeString();
  s.className = "status";
}

async function poll() {
  try {
    const r = await fetch("api/state", { cache: "no-store" });
    if (!r.ok) throw new Error(r.status + " " + r.statusText);
    render(await r.json());
  } catch (e) {
    const s = document.getElementById("status");
    s.textContent = "no answer: " + e.message;
    s.className = "status down";
  }
  setTimeout(poll, POLL_MS);
}

poll();

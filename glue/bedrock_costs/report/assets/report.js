// bedrock-costs report: draws the charts from the embedded JSON. No libraries, no network.
"use strict";
const DATA = JSON.parse(document.getElementById("report-data").textContent);
const SVG = "http://www.w3.org/2000/svg";
const COLORS = ["#2f6fdb", "#e8833a", "#2a9d8f", "#c44e52", "#8172b2", "#937860",
                "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd"];

// Exact decimal text (e.g. "12.345678901234") to a display string rounded half-up.
function money(text, places = 6) {
  if (text === null || text === undefined) return "–";
  let [whole, frac = ""] = String(text).replace("-", "").split(".");
  const negative = String(text).startsWith("-");
  frac = (frac + "0".repeat(places + 1)).slice(0, places + 1);
  let units = BigInt(whole + frac.slice(0, places));
  if (Number(frac[places]) >= 5) units += 1n;
  let digits = units.toString().padStart(places + 1, "0");
  const head = digits.slice(0, digits.length - places).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const tail = places ? "." + digits.slice(digits.length - places) : "";
  return (negative && units !== 0n ? "-" : "") + head + tail;
}
const count = (n) => Number(n || 0).toLocaleString("en-US");

function el(name, attrs = {}, parent = null) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function text(parent, x, y, content, attrs = {}) {
  const node = el("text", { x, y, ...attrs }, parent);
  node.textContent = content;
  return node;
}

// Horizontal bars: items [{label, value (number), shown (text)}].
function bars(svg, items, color = COLORS[0]) {
  svg.replaceChildren();
  const row = 22, labelWidth = 280, width = 900;
  svg.setAttribute("viewBox", `0 0 ${width} ${Math.max(1, items.length) * row + 8}`);
  const max = Math.max(...items.map((d) => Math.abs(d.value)), 1e-12);
  items.forEach((d, i) => {
    const y = i * row + 4;
    const w = Math.max(1, (Math.abs(d.value) / max) * (width - labelWidth - 130));
    text(svg, labelWidth - 6, y + 14, d.label.length > 44 ? d.label.slice(0, 43) + "…" : d.label,
         { "text-anchor": "end" });
    const bar = el("rect", { x: labelWidth, y, width: w, height: row - 6,
                             fill: d.color || color, rx: 2, class: "bar" }, svg);
    el("title", {}, bar).textContent = `${d.label}: ${d.shown}`;
    text(svg, labelWidth + w + 6, y + 14, d.shown);
  });
}

// Stacked columns: categories (x), series [{name, values (numbers, one per category)}].
function columns(svg, categories, series, legend) {
  svg.replaceChildren();
  const width = 900, height = 280, left = 70, bottom = 40, top = 10;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const totals = categories.map((_, i) => series.reduce((s, d) => s + d.values[i], 0));
  const max = Math.max(...totals, 1e-12);
  const step = (width - left - 10) / Math.max(1, categories.length);
  const scale = (v) => (v / max) * (height - top - bottom);
  el("line", { x1: left, y1: height - bottom, x2: width - 10, y2: height - bottom, class: "axis" }, svg);
  for (const f of [0.5, 1]) {
    text(svg, left - 6, height - bottom - scale(max * f) + 4, (max * f).toFixed(2), { "text-anchor": "end" });
  }
  categories.forEach((c, i) => {
    let y = height - bottom;
    series.forEach((d, j) => {
      const h = scale(d.values[i]);
      if (h <= 0) return;
      y -= h;
      const rect = el("rect", { x: left + i * step + 2, y, width: Math.max(1, step - 4), height: h,
                                fill: COLORS[j % COLORS.length], class: "bar" }, svg);
      el("title", {}, rect).textContent = `${c} ${d.name}: ${d.values[i].toFixed(6)}`;
    });
    if (categories.length <= 40 || i % Math.ceil(categories.length / 40) === 0) {
      text(svg, left + i * step + step / 2, height - bottom + 14, c.slice(5), { "text-anchor": "middle" });
    }
  });
  legend.replaceChildren();
  series.forEach((d, j) => {
    const item = document.createElement("span");
    item.innerHTML = `<i style="background:${COLORS[j % COLORS.length]}"></i>`;
    item.append(d.name);
    legend.appendChild(item);
  });
}

function drawDaily() {
  const svg = document.getElementById("daily-chart");
  if (!svg) return;
  const days = [...new Set(DATA.daily_by_model.map((r) => r.usage_date))].sort();
  const byModel = new Map();
  for (const r of DATA.daily_by_model) byModel.set(r.model, (byModel.get(r.model) || 0) + Number(r.cost));
  const models = [...byModel.entries()].sort((a, b) => b[1] - a[1]).map((e) => e[0]);
  const shown = models.slice(0, 8);
  const series = shown.map((m) => ({ name: m, values: days.map(() => 0) }));
  if (models.length > shown.length) series.push({ name: "other models", values: days.map(() => 0) });
  for (const r of DATA.daily_by_model) {
    const k = shown.indexOf(r.model);
    series[k >= 0 ? k : series.length - 1].values[days.indexOf(r.usage_date)] += Number(r.cost);
  }
  columns(svg, days, series, document.getElementById("daily-legend"));
}

function drawTag() {
  const select = document.getElementById("tag-select");
  if (!select) return;
  const rows = DATA.by_tag[select.value] || [];
  bars(document.getElementById("tag-chart"),
       rows.map((r) => ({ label: r.value, value: Number(r.cost || 0), shown: money(r.cost) })));
  const body = document.querySelector("#tag-table tbody");
  body.replaceChildren();
  for (const r of rows) {
    const tr = document.createElement("tr");
    for (const [value, cls] of [[r.value, ""], [count(r.calls), "n"],
                                [money(r.cost), "n"], [count(r.unpriced_calls), "n"]]) {
      const td = document.createElement("td");
      td.textContent = value;
      if (cls) td.className = cls;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  document.getElementById("tag-chart").dataset.tag = select.value;
}

function drawSimple(id, items) {
  const svg = document.getElementById(id);
  if (svg) bars(svg, items);
}

function draw() {
  drawDaily();
  drawTag();
  const tagSelect = document.getElementById("tag-select");
  if (tagSelect) tagSelect.addEventListener("change", drawTag);
  drawSimple("principal-chart", DATA.principals.map((r) => ({
    label: `${r.principal_name || "(unknown)"} (${r.principal_type})`,
    value: Number(r.cost || 0), shown: money(r.cost) })));
  drawSimple("cache-chart", DATA.cache.flatMap((r) => [
    { label: `${r.model} · reads saved`, value: Number(r.read_savings), shown: money(r.read_savings), color: COLORS[2] },
    { label: `${r.model} · write premium`, value: Number(r.write_premium), shown: money(r.write_premium), color: COLORS[1] },
  ]));
  drawSimple("unpriced-chart", [
    ...DATA.unpriced.map((r) => ({ label: `${r.pricing_status}: ${r.model_id || "(none)"}`,
                                   value: r.calls, shown: `${count(r.calls)} calls`, color: COLORS[3] })),
    ...DATA.quarantine.map((r) => ({ label: `quarantined: ${r.reason}`, value: r.lines,
                                     shown: `${count(r.lines)} lines`, color: COLORS[7] })),
  ]);
  drawSimple("recon-chart", DATA.reconciliation.flatMap((p) => p.statuses.map((s) => ({
    label: `${p.billing_period} ${s.status}`, value: Number(s.cur_cost || 0),
    shown: `${money(s.cur_cost, 2)} billed, ${count(s.buckets)} buckets` }))));
  document.body.dataset.rendered = "true";
}

draw();

/* landalloc workbench: language, requests and sortable, searchable tables (no libraries). */
"use strict";

const LA = {
  lang: localStorage.getItem("landalloc.lang") === "en" ? "en" : "zh",
};

/** The Chinese or the English text, by the page's language. */
function T(zh, en) { return LA.lang === "en" ? en : zh; }

/** An element with attributes and children (text is set with textContent, never as HTML). */
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

/** A request to the server's API; resolves to {ok, status, body}. */
async function request(method, url, body, raw) {
  const opts = { method, headers: {} };
  if (raw !== undefined) { opts.body = raw; }
  else if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  let res;
  try { res = await fetch(url, opts); }
  catch (e) { return { ok: false, status: 0, body: { error_zh: "无法连接服务器", error_en: "cannot reach the server" } }; }
  let data = null;
  const type = res.headers.get("content-type") || "";
  data = type.includes("json") ? await res.json() : await res.text();
  return { ok: res.ok, status: res.status, body: data };
}

/** Show a message at the top of the page (an error in red). */
function notice(text, isError) {
  const n = document.getElementById("notice");
  n.textContent = text || "";
  n.className = isError ? "error" : "";
}

/** The error of a failed request, in the page's language. */
function errorText(res) {
  const b = res.body || {};
  return T(b.error_zh || "请求失败", b.error_en || "request failed") + ` (${res.status})`;
}

function cmp(a, b) {
  const na = Number(a), nb = Number(b);
  if (a !== "" && b !== "" && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return String(a).localeCompare(String(b), "zh");
}

/**
 * A table with a search box and sortable columns.
 * columns: [{key, zh, en, num, render(row) -> Node|string}]
 */
function dataTable(columns, rows, opts) {
  opts = opts || {};
  const wrap = el("div", { class: "datatable" + (opts.cls ? " " + opts.cls : "") });
  let sortKey = null, sortDir = 1, query = "";
  const search = el("input", { type: "search", class: "search", placeholder: T("搜索…", "Search…") });
  const count = el("span", { class: "hint" });
  const tbody = el("tbody");
  const heads = columns.map((c) => el("th", {
    "data-key": c.key,
    onclick: () => { sortDir = sortKey === c.key ? -sortDir : 1; sortKey = c.key; draw(); },
  }, T(c.zh, c.en)));
  const table = el("table", {}, el("thead", {}, el("tr", {}, heads)), tbody);
  function text(r, c) { const v = r[c.key]; return v === null || v === undefined ? "" : v; }
  function draw() {
    const q = query.trim().toLowerCase();
    let shown = rows.filter((r) => !q || columns.some((c) => String(text(r, c)).toLowerCase().includes(q)));
    if (sortKey) {
      const c = columns.find((x) => x.key === sortKey);
      shown = shown.slice().sort((a, b) => sortDir * cmp(text(a, c), text(b, c)));
    }
    heads.forEach((h) => { h.className = h.dataset.key === sortKey ? (sortDir > 0 ? "sorted-asc" : "sorted-desc") : ""; });
    tbody.replaceChildren(...shown.map((r) => el("tr", {}, columns.map((c) =>
      el("td", { class: c.num ? "num" : "" }, c.render ? c.render(r) : String(text(r, c)))))));
    count.textContent = T(`${shown.length} / ${rows.length} 行`, `${shown.length} / ${rows.length} rows`);
  }
  search.addEventListener("input", () => { query = search.value; draw(); });
  if (opts.search !== false) wrap.append(el("div", { class: "row" }, search, count));
  wrap.append(el("div", { class: "table-wrap" }, table));
  draw();
  return wrap;
}

/** The validation report as a table: file, layer, row, column, message. */
function problemTable(problems) {
  return dataTable([
    { key: "severity", zh: "级别", en: "Severity", render: (r) => r.severity === "error" ? T("错误", "error") : T("警告", "warning") },
    { key: "file", zh: "文件", en: "File" },
    { key: "layer", zh: "图层", en: "Layer" },
    { key: "row", zh: "行", en: "Row", num: true },
    { key: "column", zh: "列", en: "Column" },
    { key: "message", zh: "问题", en: "Message", render: (r) => T(r.message_zh, r.message_en) },
  ], problems.map((p) => ({ ...p, message: T(p.message_zh, p.message_en) })), { cls: "problems" });
}

/* landalloc workbench: the page's logic (data, scenario editor, jobs, results, compare). */
"use strict";

const S = { data: [], scenarios: [], results: [], compares: [], jobs: [], editor: null, result: null, compare: null, finished: new Set() };
const $ = (id) => document.getElementById(id);

const WEIGHTS = [
  ["investment_per_yi", "每亿元投资", "per 亿元 of investment"],
  ["output_per_yi", "每亿元产值", "per 亿元 of output"],
  ["tax_per_1000wan", "每千万元税收", "per 1000 万元 of tax"],
  ["jobs_per_100", "每百个就业岗位", "per 100 jobs"],
  ["waste_per_mu", "多供一亩扣分", "lost per mu supplied beyond demand"],
  ["focus", "落在主导产业地块", "carrier lists the project's cluster"],
  ["anchor", "靠近链主企业", "near the cluster's anchor firm"],
  ["anchor_radius_km", "链主半径（公里）", "anchor radius (km)"],
  ["delay_per_year", "每推迟一年扣分", "lost per year after the desired start"],
  ["delay_per_month", "开工条件每晚一月扣分", "lost per month of waiting for readiness"],
];
const POLICY = [
  ["lexicographic", "重大项目优先（字典序：先保大项目再排其他）", "major projects first (lexicographic)"],
  ["include_negotiating", "安排在谈项目", "place negotiating projects"],
  ["standard_land", "执行“标准地”指标下限", "apply the standard-land floors"],
  ["allow_groups", "允许相邻地块合并供地", "allow adjacent parcels to be combined"],
  ["strict_ready_signed", "签约项目须拿地即开工", "signed projects must start on acquisition"],
];
const PHASES = {
  queued: ["排队中", "queued"], starting: ["启动中", "starting"], checking: ["检查输入", "checking"],
  solving: ["求解中", "solving"], writing: ["写出结果", "writing"], done: ["完成", "done"],
};
const STATUS = { queued: ["排队", "queued"], running: ["运行中", "running"], done: ["完成", "done"], failed: ["失败", "failed"], cancelled: ["已取消", "cancelled"] };

function applyLang() {
  document.documentElement.lang = LA.lang === "en" ? "en" : "zh-CN";
  document.querySelectorAll("[data-zh]").forEach((e) => { e.textContent = T(e.dataset.zh, e.dataset.en); });
  $("lang").textContent = LA.lang === "en" ? "中文" : "English";
  $("new-name").placeholder = T("新情景名称", "new scenario name");
  renderAll();
}

function showTab(name) {
  document.querySelectorAll(".panel").forEach((p) => p.classList.toggle("active", p.id === "tab-" + name));
  document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  location.hash = name;
}

// ------------------------------------------------------------------ data

async function loadData() {
  const res = await request("GET", "/api/data");
  if (res.ok) S.data = res.body;
  renderData();
}

function renderData() {
  $("data-list").replaceChildren(dataTable([
    { key: "name", zh: "名称", en: "Name" },
    { key: "years", zh: "指标年份", en: "Quota years", render: (r) => r.years.join(", ") },
    { key: "n_projects", zh: "项目数", en: "Projects", num: true },
    { key: "n_carriers", zh: "载体数", en: "Carriers", num: true },
  ], S.data.map((d) => ({ ...d, n_projects: d.projects.length, n_carriers: d.carriers.length })), { search: false }));
  for (const sel of [$("new-data"), $("f-data")]) {
    const v = sel.value;
    sel.replaceChildren(...S.data.map((d) => el("option", { value: d.name }, d.name)));
    if (v) sel.value = v;
  }
}

async function upload() {
  const f = $("upload-file").files[0];
  if (!f) { notice(T("请先选择文件", "choose a file first"), true); return; }
  notice(T("正在上传并检查…", "uploading and checking…"));
  const url = `/api/data?filename=${encodeURIComponent(f.name)}&replace=${$("upload-replace").checked ? 1 : 0}`;
  const res = await request("POST", url, undefined, f);
  const box = $("upload-report");
  box.replaceChildren();
  if (res.body && res.body.problems && res.body.problems.length) box.append(problemTable(res.body.problems));
  if (res.ok) { notice(T(`数据 ${res.body.name} 检查通过，已保存`, `data ${res.body.name} validated and kept`)); loadData(); }
  else if (res.status === 422) notice(T("数据有误，未保存；问题见下表", "the data have errors and were not kept; see the table"), true);
  else notice(errorText(res), true);
}

// ------------------------------------------------------------------ scenarios

async function loadScenarios() {
  const res = await request("GET", "/api/scenarios");
  if (!res.ok) return;
  S.scenarios = res.body;
  const sel = $("scenario-list"), v = sel.value;
  sel.replaceChildren(...S.scenarios.map((s) => el("option", { value: s.file }, `${s.file} — ${s.name}`)));
  if (v) sel.value = v;
}

function showProblems(res) {
  const box = $("scenario-problems");
  box.replaceChildren();
  if (res.body && res.body.problems) box.append(problemTable(res.body.problems));
  notice(errorText(res), true);
}

async function openEditor(res) {
  if (!res.ok) { showProblems(res); return; }
  S.editor = res.body;
  $("scenario-problems").replaceChildren();
  fillEditor();
  $("editor").classList.remove("hidden");
}

function fillEditor() {
  const e = S.editor, s = e.scenario;
  $("f-file").value = e.file; $("f-name").value = s.name; $("f-description").value = s.description || "";
  if (e.data_name) $("f-data").value = e.data_name;
  $("f-scale").value = s.quotas.scale;
  $("f-time").value = s.solver.time_limit_s;
  $("f-pins").value = Object.entries(s.pins).map(([p, c]) => `${p} ${c}`).join("\n");
  $("f-withheld").value = s.withheld.join("\n");
  $("weights").replaceChildren(...WEIGHTS.map(([k, zh, en]) => el("label", {},
    el("span", {}, `${T(zh, en)} (${k})`), el("input", { type: "number", step: "any", "data-weight": k, value: s.weights[k] }))));
  $("policy").replaceChildren(...POLICY.map(([k, zh, en]) => el("label", { class: "check" },
    el("input", { type: "checkbox", "data-policy": k, checked: !!s.policy[k] }), el("span", {}, T(zh, en)))));
  $("yaml").textContent = e.yaml;
  drawQuotaRows();
  drawEditorMap();
}

function drawQuotaRows() {
  const s = S.editor.scenario, info = S.editor.info || S.data.find((d) => d.name === $("f-data").value) || { years: s.years, district_quota: {} };
  const years = Array.from(new Set([...info.years, ...s.years])).sort();
  $("quota-rows").replaceChildren(...years.map((y) => {
    const base = info.district_quota[String(y)];
    const factor = s.quotas.scale_by_year[String(y)] ?? 1;
    const after = el("td", { class: "num" });
    const num = el("input", { type: "number", step: "0.05", min: "0", value: factor, "data-year-scale": y });
    const slider = el("input", { type: "range", min: "0", max: "1.5", step: "0.05", value: factor });
    const update = () => {
      const total = Number($("f-scale").value || 1) * Number(num.value || 0);
      after.textContent = base === undefined ? "–" : (base * total).toFixed(1);
    };
    slider.addEventListener("input", () => { num.value = slider.value; update(); });
    num.addEventListener("input", () => { slider.value = num.value; update(); });
    update();
    const zones = Object.entries((info.zone_quota || {})[String(y)] || {}).map(([z, mu]) => {
      const o = (s.quotas.override || []).find((x) => Number(x.year) === y && String(x.zone) === z);
      return el("tr", { class: "zone-row" }, el("td", {}), el("td", { class: "hint" }, z),
        el("td", { class: "num hint" }, mu.toFixed(1)),
        el("td", {}, el("input", { type: "number", min: "0", step: "any", "data-override-year": y, "data-override-zone": z,
          placeholder: T("片区指标（亩），空 = 按系数", "zone quota (mu), blank = scaled"), value: o ? o.land_mu : null })),
        el("td", {}));
    });
    return [el("tr", {}, el("td", {}, String(y)),
      el("td", {}, el("input", { type: "checkbox", "data-year": y, checked: s.years.includes(y) })),
      el("td", { class: "num" }, base === undefined ? "–" : base.toFixed(1)),
      el("td", {}, slider, num), after), ...zones];
  }).flat());
}

/* The map of the scenario's last result, where a click on a parcel or factory withholds it or
 * pins a project to it (the map page is served by this server: same origin). */
function drawEditorMap() {
  const box = $("editor-map"), file = S.editor.file;
  const has = S.results.some((r) => r.name === file);
  if (box.dataset.key === `${file}:${has}`) return;  // drawn: keep the map (and its clicks)
  box.dataset.key = `${file}:${has}`;
  if (!has) {
    box.replaceChildren(el("p", { class: "hint" }, T("求解一次后，可在此处的地图上点击地块或厂房，加入锁定或暂不供应。",
      "After a first solve, click parcels or factories on the map here to pin or withhold them.")));
    return;
  }
  const mode = el("select", { id: "pick-mode" }, el("option", { value: "withhold" }, T("点击：加入/移出暂不供应", "click: withhold / release")),
    el("option", { value: "pin" }, T("点击：把右边的项目锁定到该载体", "click: pin the project beside to it")));
  const project = el("input", { id: "pick-project", list: "project-ids", placeholder: T("项目编号", "project id") });
  const ids = ((S.editor.info || {}).projects || []).map((p) => el("option", { value: p }));
  const holder = el("div");
  box.replaceChildren(el("div", { class: "row" }, mode, project, el("datalist", { id: "project-ids" }, ids)), holder);
  const frame = mapFrame(holder, `/files/results/${encodeURIComponent(file)}/map.html`, "editor-frame");
  frame.addEventListener("load", () => hookMap(frame));
}

function hookMap(frame) {
  const w = frame.contentWindow, m = w && w.landalloc && w.landalloc.maps[0];
  if (!m || !m.ready) { setTimeout(() => hookMap(frame), 200); return; }
  const ids = new Map();
  for (const [id, layer] of Object.entries(m.parcels)) ids.set(layer, id);
  for (const [id, layer] of Object.entries(m.factories)) ids.set(layer, id);
  const onClick = (e) => { const id = ids.get(e.layer); if (id) pickCarrier(id); };
  m.parcelGroup.on("click", onClick);
  m.factoryGroup.on("click", onClick);
  frame.dataset.hooked = "1";
}

function pickCarrier(id) {
  if ($("pick-mode").value === "withhold") {
    const list = $("f-withheld").value.split(/[\s,，]+/).filter(Boolean);
    const on = !list.includes(id);
    $("f-withheld").value = (on ? [...list, id] : list.filter((x) => x !== id)).join("\n");
    notice(on ? T(`${id} 已加入暂不供应`, `${id} withheld`) : T(`${id} 已移出暂不供应`, `${id} released`));
    return;
  }
  const pid = $("pick-project").value.trim();
  if (!pid) { notice(T("请先填写要锁定的项目编号", "enter the project to pin first"), true); return; }
  const lines = $("f-pins").value.split("\n").filter((l) => l.trim() && l.trim().split(/[\s,:=，：]+/)[0] !== pid);
  $("f-pins").value = [...lines, `${pid} ${id}`].join("\n");
  notice(T(`项目 ${pid} 锁定到 ${id}`, `project ${pid} pinned to ${id}`));
}

function editorScenario() {
  const s = JSON.parse(JSON.stringify(S.editor.scenario));
  s.name = $("f-name").value; s.description = $("f-description").value;
  s.years = [...document.querySelectorAll("[data-year]")].filter((c) => c.checked).map((c) => Number(c.dataset.year));
  s.quotas.scale = Number($("f-scale").value);
  const sby = {};
  document.querySelectorAll("[data-year-scale]").forEach((i) => { if (Number(i.value) !== 1) sby[i.dataset.yearScale] = Number(i.value); });
  s.quotas.scale_by_year = sby;
  const shown = [...document.querySelectorAll("[data-override-year]")];
  const isShown = (o) => shown.some((i) => Number(i.dataset.overrideYear) === Number(o.year) && i.dataset.overrideZone === String(o.zone));
  s.quotas.override = (s.quotas.override || []).filter((o) => !isShown(o)).concat(shown.filter((i) => i.value !== "")
    .map((i) => ({ year: Number(i.dataset.overrideYear), zone: i.dataset.overrideZone, land_mu: Number(i.value) })));
  document.querySelectorAll("[data-weight]").forEach((i) => { s.weights[i.dataset.weight] = Number(i.value); });
  document.querySelectorAll("[data-policy]").forEach((i) => { s.policy[i.dataset.policy] = i.checked; });
  s.pins = {};
  for (const line of $("f-pins").value.split("\n")) {
    const parts = line.trim().split(/[\s,:=，：]+/).filter(Boolean);
    if (parts.length >= 2) s.pins[parts[0]] = parts[1];
  }
  s.withheld = $("f-withheld").value.split(/[\s,，]+/).map((x) => x.trim()).filter(Boolean);
  s.solver.time_limit_s = Number($("f-time").value);
  return s;
}

async function saveScenario() {
  const file = $("f-file").value.trim();
  const res = await request("POST", `/api/scenarios/${encodeURIComponent(file)}`, { scenario: editorScenario(), data_name: $("f-data").value });
  if (!res.ok) { showProblems(res); return null; }
  await openEditor(res);
  notice(T(`已保存 scenarios/${res.body.file}.yaml`, `saved scenarios/${res.body.file}.yaml`));
  loadScenarios();
  return res.body.file;
}

async function runScenario() {
  const file = await saveScenario();
  if (!file) return;
  const res = await request("POST", "/api/jobs", { kind: "solve", scenario: file, lang: LA.lang });
  if (!res.ok) { showProblems(res); return; }
  notice(T("已提交求解作业", "solve job submitted"));
  showTab("jobs"); loadJobs();
}

// ------------------------------------------------------------------ jobs

async function loadJobs() {
  const res = await request("GET", "/api/jobs");
  if (!res.ok) return;
  S.jobs = res.body;
  let finished = false;
  for (const j of S.jobs) {
    const st = j.state.status;
    if ((st === "done") && !S.finished.has(j.id)) { S.finished.add(j.id); finished = true; }
  }
  if (finished) { loadResults(); loadCompares(); }
  renderJobs();
}

function elapsedText(j) {
  const st = j.state, lim = j.params.limit_s;
  const el_ = st.elapsed_s !== undefined ? `${st.elapsed_s} s` : "";
  return lim ? `${el_} / ${T("时限", "limit")} ${lim} s` : el_;
}

function renderJobs() {
  $("jobs").replaceChildren(dataTable([
    { key: "title", zh: "作业", en: "Job", render: (j) => `${j.kind === "solve" ? T("求解", "solve") : T("比较", "compare")}：${j.title}` },
    { key: "status", zh: "状态", en: "Status", render: (j) => el("span", { class: "status-" + j.state.status }, T(...(STATUS[j.state.status] || [j.state.status, j.state.status]))) },
    { key: "phase", zh: "阶段", en: "Phase", render: (j) => { const p = (j.state.phase || "").split(" "); const n = PHASES[p[0]]; return (n ? T(...n) : p[0]) + (p[1] ? " " + p[1] : ""); } },
    { key: "elapsed", zh: "用时 / 时限", en: "Elapsed / limit", render: elapsedText },
    { key: "message", zh: "说明", en: "Message", render: (j) => T(j.state.summary_zh || j.state.message_zh || "", j.state.summary_en || j.state.message_en || "") },
    { key: "created", zh: "提交时间", en: "Submitted" },
    { key: "actions", zh: "操作", en: "Actions", render: (j) => el("span", {},
      ["queued", "running"].includes(j.state.status) ? el("button", { class: "cancel", onclick: () => cancelJob(j.id) }, T("取消", "Cancel")) : null,
      j.state.problems ? el("button", { onclick: () => $("job-detail").replaceChildren(problemTable(j.state.problems)) }, T("问题", "Problems")) : null,
      el("a", { href: `/api/jobs/${j.id}/log`, target: "_blank" }, T("日志", "log"))) },
  ], S.jobs.map((j) => ({ ...j, status: j.state.status, phase: j.state.phase })), { search: false }));
}

async function cancelJob(id) {
  const res = await request("POST", `/api/jobs/${id}/cancel`);
  notice(res.ok ? T("已请求取消；原有结果保持不变", "cancel requested; the previous result stays") : errorText(res), !res.ok);
  loadJobs();
}

// ------------------------------------------------------------------ results

async function loadResults() {
  const res = await request("GET", "/api/results");
  if (res.ok) S.results = res.body;
  renderResults();
}

function renderResults() {
  $("results").replaceChildren(dataTable([
    { key: "pick", zh: "选择", en: "Pick", render: (r) => el("input", { type: "checkbox", "data-pick": r.name }) },
    { key: "name", zh: "结果", en: "Result", render: (r) => el("a", { href: "#results", onclick: () => openResult(r.name) }, r.name) },
    { key: "scenario", zh: "情景", en: "Scenario" },
    { key: "status", zh: "求解状态", en: "Status", render: (r) => ({ OPTIMAL: T("已证明最优", "proven optimal"), FEASIBLE: T("可行解", "feasible") })[r.status] || r.status },
    { key: "projects_placed", zh: "落地项目", en: "Placed", num: true, render: (r) => `${r.projects_placed}/${r.projects_total}` },
    { key: "investment_yi", zh: "总投资（亿元）", en: "Investment (亿元)", num: true },
    { key: "land_mu", zh: "供地（亩）", en: "Land (mu)", num: true },
    { key: "created", zh: "生成时间", en: "Created" },
  ], S.results, { search: false, cls: "results-list" }));
  if (S.result) drawResult();
}

async function openResult(name) {
  const res = await request("GET", `/api/results/${encodeURIComponent(name)}`);
  if (!res.ok) { notice(errorText(res), true); return; }
  S.result = res.body;
  drawResult();
}

const KPI = [
  ["projects_placed", "落地项目（个）", "projects placed"], ["investment_yi", "落地总投资（亿元）", "investment (亿元)"],
  ["output_yi", "产值（亿元）", "output (亿元)"], ["tax_wan", "税收（万元）", "tax (万元)"], ["jobs", "就业（人）", "jobs"],
  ["land_mu", "供地（亩）", "land (mu)"], ["floor_m2", "厂房（㎡）", "factory floor (m²)"], ["ready_share", "拿地即开工占比", "ready on acquisition"],
];

function drawResult() {
  const r = S.result, k = r.kpis, base = `/files/results/${encodeURIComponent(r.name)}`;
  const kpis = el("div", { class: "kpis" }, KPI.filter(([key]) => k[key] !== undefined).map(([key, zh, en]) =>
    el("div", { class: "kpi" }, el("b", {}, key === "ready_share" ? (100 * k[key]).toFixed(1) + "%" : Number(k[key]).toLocaleString()), T(zh, en))));
  const SOLVE = { OPTIMAL: ["已证明最优", "proven optimal"], FEASIBLE: ["可行解", "feasible"] };
  const status = `${SOLVE[r.summary.status] ? T(...SOLVE[r.summary.status]) : r.summary.status} · ${T("目标值", "objective")} ${Math.round(r.summary.objective)}` +
    (r.summary.gap !== null ? ` · ${T("差距", "gap")} ${(100 * r.summary.gap).toFixed(2)}%` : "");
  const downloads = el("div", { class: "downloads" }, r.files.filter((f) => ["report.xlsx", "result.gpkg", "map.html", "assignments.csv", "unassigned.csv"].includes(f))
    .map((f) => el("a", { href: `${base}/${f}?download=1`, download: f }, `⬇ ${f}`)));
  $("result-head").replaceChildren(el("h2", {}, `${r.summary.scenario}（${r.name}）`), el("p", {}, status), kpis, downloads);
  mapFrame($("result-map"), `${base}/map.html`);
  $("result-tables").replaceChildren(
    el("h3", {}, T("落地项目", "Placements")),
    dataTable([
      { key: "project_id", zh: "项目编号", en: "Project" }, { key: "name", zh: "项目名称", en: "Name" },
      { key: "cluster", zh: "产业集群", en: "Cluster" }, { key: "carrier_id", zh: "载体", en: "Carrier" },
      { key: "zone", zh: "片区", en: "Zone" }, { key: "year", zh: "年份", en: "Year", num: true },
      { key: "area_mu", zh: "面积（亩）", en: "Area (mu)", num: true }, { key: "investment_yi", zh: "投资（亿元）", en: "Investment (亿元)", num: true },
      { key: "start_date", zh: "开工日期", en: "Start" }, { key: "missing", zh: "缺项", en: "Missing" },
    ], r.assignments, { cls: "placements" }),
    el("h3", {}, T("未落地项目及原因", "Unplaced projects and reasons")),
    dataTable([
      { key: "project_id", zh: "项目编号", en: "Project" }, { key: "name", zh: "项目名称", en: "Name" },
      { key: "cluster", zh: "产业集群", en: "Cluster" }, { key: "investment_yi", zh: "投资（亿元）", en: "Investment (亿元)", num: true },
      { key: "land_mu", zh: "用地（亩）", en: "Land (mu)", num: true },
      { key: "reason", zh: "原因", en: "Reason", render: (x) => T(x.reason, x.reason_en || x.reason) },
    ], r.unassigned, { cls: "unplaced" }),
  );
}

/* An embedded map page in ``box``, loaded once per address: an iframe moved or made again would
 * reload it (and a map laid out while hidden has no size). */
function mapFrame(box, src, id) {
  if (box.dataset.src === src) return box.firstChild;
  box.dataset.src = src;
  const frame = el("iframe", { class: "map", src, title: "map", id: id || null });
  box.replaceChildren(frame);
  return frame;
}

/* The results ticked for comparison, in the order they were ticked: the first is the reference
 * (the baseline) that the others are compared against. */
const picks = [];
function picked(ev) {
  const name = ev.target.dataset && ev.target.dataset.pick;
  if (!name) return;
  if (picks.includes(name)) picks.splice(picks.indexOf(name), 1);
  if (ev.target.checked) picks.push(name);
}

async function compareSelected() {
  const rank = (n) => (picks.includes(n) ? picks.indexOf(n) : picks.length);
  const names = [...document.querySelectorAll("[data-pick]")].filter((c) => c.checked).map((c) => c.dataset.pick)
    .sort((a, b) => rank(a) - rank(b));
  const res = await request("POST", "/api/jobs", { kind: "compare", results: names, lang: LA.lang });
  if (!res.ok) { notice(errorText(res), true); return; }
  notice(T("已提交比较作业", "comparison job submitted"));
  showTab("jobs"); loadJobs();
}

// ------------------------------------------------------------------ compare

async function loadCompares() {
  const res = await request("GET", "/api/compares");
  if (res.ok) S.compares = res.body;
  $("compares").replaceChildren(dataTable([
    { key: "name", zh: "比较", en: "Comparison", render: (c) => el("a", { href: "#compare", onclick: () => openCompare(c.name) }, c.name) },
  ], S.compares, { search: false }));
}

async function openCompare(name) {
  const res = await request("GET", `/api/compares/${encodeURIComponent(name)}`);
  if (!res.ok) { notice(errorText(res), true); return; }
  S.compare = res.body;
  drawCompare();
}

function drawCompare() {
  const c = S.compare, base = `/files/compare/${encodeURIComponent(c.name)}`;
  const kcols = c.kpi_columns.filter((x) => x !== "key").map((x) => ({ key: x, zh: x === "kpi" ? "指标" : x, en: x === "kpi" ? "KPI" : x }));
  $("compare-head").replaceChildren(
    el("h2", {}, c.name),
    el("div", { class: "downloads" }, c.files.map((f) => el("a", { href: `${base}/${f}?download=1`, download: f }, `⬇ ${f}`))),
    el("h3", {}, T("指标对比", "KPIs")), dataTable(kcols, c.kpis, { search: false }),
    el("h3", {}, T("差异及原因", "Differences and their causes")),
    dataTable([
      { key: "scenario", zh: "情景", en: "Scenario" }, { key: "project_id", zh: "项目编号", en: "Project" },
      { key: "name", zh: "项目名称", en: "Name" }, { key: "change", zh: "变化", en: "Change" },
      { key: "before", zh: "原方案", en: "Before" }, { key: "after", zh: "新方案", en: "After" },
      { key: "cause", zh: "原因", en: "Cause" },
    ], c.differences, { cls: "differences" }),
  );
  if (c.files.includes("compare.html")) mapFrame($("compare-map"), `${base}/compare.html`);
}

// ------------------------------------------------------------------ start

function renderAll() {
  renderData(); renderJobs(); renderResults();
  if (S.editor) { S.editor.scenario = editorScenario(); fillEditor(); }
  if (S.compare) drawCompare();
}

function wire() {
  document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("lang").addEventListener("click", () => { LA.lang = LA.lang === "en" ? "zh" : "en"; localStorage.setItem("landalloc.lang", LA.lang); applyLang(); });
  $("upload-btn").addEventListener("click", upload);
  $("scenario-open").addEventListener("click", async () => openEditor(await request("GET", `/api/scenarios/${encodeURIComponent($("scenario-list").value)}`)));
  $("scenario-new").addEventListener("click", async () => openEditor(await request("POST", "/api/scenarios/new", { name: $("new-name").value, data_name: $("new-data").value })));
  $("scenario-import").addEventListener("change", async (ev) => {
    const f = ev.target.files[0];
    if (f) openEditor(await request("POST", `/api/scenarios/import?filename=${encodeURIComponent(f.name)}`, undefined, f));
  });
  $("scenario-save").addEventListener("click", saveScenario);
  $("scenario-run").addEventListener("click", runScenario);
  $("f-data").addEventListener("change", () => { if (S.editor) { S.editor.scenario = editorScenario(); S.editor.info = null; drawQuotaRows(); } });
  $("f-scale").addEventListener("input", () => { if (S.editor) { S.editor.scenario = editorScenario(); drawQuotaRows(); } });
  $("compare-btn").addEventListener("click", compareSelected);
  $("results").addEventListener("change", picked);
}

async function start() {
  wire();
  applyLang();
  showTab((location.hash || "#data").slice(1) || "data");
  await Promise.all([loadData(), loadScenarios(), loadJobs(), loadResults(), loadCompares()]);
  for (const j of S.jobs) if (j.state.status === "done") S.finished.add(j.id);
  setInterval(loadJobs, 1500);
}

start();

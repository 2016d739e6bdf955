/* landalloc maps: the panels around the data (title, plans or scenarios, KPIs, legend, filters).
 *
 * Panels live in two columns inside the map, one on each side: left the title, the plan or
 * scenario switcher and the key figures; right the legend, the filters and the layer list. A
 * column stacks its panels and lets the tallest scroll, so no panel covers another; the map
 * script fits the view to the data between the columns (`margins`), and popups open clear of
 * them. Every panel but the title is collapsible. With "#slide" in the address (the PNG for
 * slides) only the title, the key figures and the legend are shown, larger.
 * Every user string is set through textContent.
 */
(function () {
  'use strict';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function fmt(x, digits) {
    if (x === null || x === undefined || x === '' || isNaN(x)) { return '—'; }
    return Number(x).toLocaleString('zh-CN', {
      minimumFractionDigits: 0, maximumFractionDigits: digits === undefined ? 1 : digits
    });
  }

  function row(parent, label, value) {
    if (value === null || value === undefined || value === '') { return; }
    var r = el('div', 'la-row');
    r.appendChild(el('span', 'la-k', label));
    r.appendChild(el('span', 'la-v', value));
    parent.appendChild(r);
  }

  function stopEvents(div) {
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
  }

  /* A collapsible panel: <details> with its title as <summary>. */
  function panel(parent, cls, title, open) {
    var box = el('details', 'la-panel ' + cls);
    box.open = open;
    box.appendChild(el('summary', 'la-panel-title', title));
    stopEvents(box);
    parent.appendChild(box);
    return box;
  }

  function dashStyle(dash) { return !dash ? 'solid' : dash.charAt(0) === '1' ? 'dotted' : 'dashed'; }

  function swatch(parent, label, style) {
    var r = el('div', 'la-legend-item');
    var s = el('span', 'la-swatch');
    for (var k in style) {
      if (Object.prototype.hasOwnProperty.call(style, k)) { s.style[k] = style[k]; }
    }
    r.appendChild(s);
    r.appendChild(el('span', null, label));
    parent.appendChild(r);
    return r;
  }

  function checkbox(ctx, parent, label, checked, onchange, style) {
    var lab = el('label', 'la-check');
    var input = el('input');
    input.type = 'checkbox';
    input.checked = checked;
    input.addEventListener('change', function () { onchange(input.checked); ctx.apply(); });
    lab.appendChild(input);
    if (style) {
      var s = el('span', 'la-swatch');
      for (var k in style) {
        if (Object.prototype.hasOwnProperty.call(style, k)) { s.style[k] = style[k]; }
      }
      lab.appendChild(s);
    }
    lab.appendChild(el('span', null, label));
    parent.appendChild(lab);
    return input;
  }

  function readyLineStyle(ctx, code) {
    var line = ctx.style.readyLine[code];
    return { background: '#fff', border: Math.max(1, line.weight) + 'px '
      + dashStyle(line.dashArray) + ' ' + (code ? ctx.style.ink : ctx.style.vacantLine) };
  }

  /* ---------- left column ---------- */
  function title(ctx, col) {
    var d = ctx.d, T = ctx.T;
    var head = el('div', 'la-title');
    if (d.redacted) {
      var mark = el('div', 'la-internal');
      mark.appendChild(el('span', 'la-internal-mark', T.internal));
      mark.appendChild(el('span', 'la-internal-note', T.redactedNote));
      head.appendChild(mark);
    }
    head.appendChild(el('div', 'la-title-main', d.title));
    if (d.subtitle) { head.appendChild(el('div', 'la-title-sub', d.subtitle)); }
    head.appendChild(el('div', 'la-title-date', d.dateline));
    if (d.notice) { head.appendChild(el('div', 'la-notice', d.notice)); }
    stopEvents(head);
    col.appendChild(head);
  }

  function plans(ctx, col) {
    var data = ctx.data, T = ctx.T;
    if (!data.plans.length) { return; }
    var box = el('div', 'la-panel la-plans');
    box.appendChild(el('div', 'la-subtitle', ctx.cmp ? T.scenarioShown : T.plans));
    var name = 'la-plan-' + Math.random().toString(36).slice(2);
    data.plans.forEach(function (p, k) {
      var lab = el('label', 'la-check');
      var input = el('input');
      input.type = 'radio';
      input.name = name;
      input.checked = k === ctx.shown;
      input.addEventListener('change', function () { if (input.checked) { ctx.usePlan(k); } });
      lab.appendChild(input);
      var text = p.label;
      if (ctx.cmp && k === 0) { text = p.label + T.open + T.base + T.close; }
      lab.appendChild(el('span', null, text));
      box.appendChild(lab);
    });
    stopEvents(box);
    col.appendChild(box);
  }

  function kpiPanel(ctx, col) {
    var d = ctx.d, T = ctx.T;
    var box = panel(col, 'la-kpi', T.kpiTitle, true);
    var sections = ctx.slide ? ctx.data.kpi.slice(0, 2) : ctx.data.kpi;
    sections.forEach(function (sec) {
      box.appendChild(el('div', 'la-subtitle', sec.title));
      sec.rows.forEach(function (kv) { row(box, kv.label, kv.value); });
    });
    if (d.unassigned.length && !ctx.slide) {
      var det = el('details', 'la-unassigned');
      det.appendChild(el('summary', null, T.unassigned + T.open + d.unassignedTotal + T.close));
      var ul = el('ul');
      d.unassigned.forEach(function (u) { ul.appendChild(el('li', null, u)); });
      det.appendChild(ul);
      box.appendChild(det);
    }
  }

  /* One KPI table: base, the scenario shown and the difference. */
  function compareTable(ctx, col) {
    var T = ctx.T, cmp = ctx.cmp;
    var box = panel(col, 'la-kpi la-kpi-compare', T.kpiTitle, true);
    var body = el('div');
    box.appendChild(body);
    return function () {
      body.textContent = '';
      var k = ctx.shown;
      var table = el('table', 'la-kpi-table');
      var head = el('tr');
      [['', 'la-th-label', ''], [T.base, 'la-th-base', cmp.names[0]],
        [T.scenarioCol, 'la-th-shown', cmp.names[k]], [T.delta, 'la-th-delta', '']].forEach(function (h) {
        var th = el('th', h[1], h[0]);
        th.title = h[2] || h[0];
        head.appendChild(th);
      });
      var thead = el('thead');
      thead.appendChild(head);
      table.appendChild(thead);
      var tbody = el('tbody');
      cmp.rows.forEach(function (r) {
        var tr = el('tr');
        tr.appendChild(el('td', 'la-td-label', r.label));
        tr.appendChild(el('td', 'la-td-num', r.values[0]));
        tr.appendChild(el('td', 'la-td-num', r.values[k]));
        var dir = r.dirs[k];
        tr.appendChild(el('td', 'la-td-num la-delta' + (dir > 0 ? ' la-up' : dir < 0 ? ' la-down' : ''),
          (dir > 0 ? '▲ ' : dir < 0 ? '▼ ' : '') + r.deltas[k]));
        tbody.appendChild(tr);
      });
      table.appendChild(tbody);
      body.appendChild(table);
    };
  }

  /* ---------- right column ---------- */
  function legend(ctx, col) {
    var T = ctx.T, state = ctx.state, S = ctx.style;
    var box = panel(col, 'la-legend', T.legend, true);
    var body = el('div');
    box.appendChild(body);
    return function () {
      body.textContent = '';
      var cmp = ctx.cmp, k = ctx.shown;
      if (cmp && k) {
        body.appendChild(el('div', 'la-subtitle', T.changes));
        var counts = cmp.counts[k];
        [[1, T.lost], [2, T.gained], [3, T.moved]].forEach(function (c, i) {
          var ch = S.change[c[0]];
          swatch(body, c[1] + T.open + counts[i] + T.close, { background: ch.fill,
            border: '3px ' + dashStyle(ch.dashArray) + ' ' + S.ink });
        });
        if (state.highlight) {
          swatch(body, T.unchanged, { background: S.muted, border: '1px solid ' + S.mutedLine });
        }
        var hl = checkbox(ctx, body, T.changesOnly, state.highlight, function (v) {
          state.highlight = v;
        });
        hl.classList.add('la-highlight');
      }
      if (!(cmp && k && state.highlight)) {
        body.appendChild(el('div', 'la-subtitle', T.clustersLegend));
        ctx.d.usedClusters.forEach(function (ci) {
          swatch(body, ctx.clusters[ci].name, { background: ctx.clusters[ci].colour,
            border: '1px solid #37474f' });
        });
        swatch(body, T.vacant, { background: '#fff', border: '1px solid ' + S.vacantLine });
        body.appendChild(el('div', 'la-subtitle', state.readinessAll ? T.readinessAll : T.readinessAtRisk));
        var codes = state.readinessAll ? [[1, T.ready], [2, T.readyBy], [3, T.blocked], [0, T.unknown]]
          : [[3, T.blocked]];
        codes.forEach(function (r) { swatch(body, r[1], readyLineStyle(ctx, r[0])); });
      }
      body.appendChild(el('div', 'la-subtitle', T.factories));
      [[0, T.occ0], [1, T.occ1], [2, T.occ2], [3, T.occ3]].forEach(function (o) {
        swatch(body, o[1], { background: S.occ[o[0]], border: '1.5px solid #263238', borderRadius: '50%' });
      });
      swatch(body, T.zoneLine, { background: 'transparent', border: '0',
        borderTop: '2px dashed #37474f', height: '0' });
    };
  }

  function filters(ctx, col) {
    var T = ctx.T, d = ctx.d, state = ctx.state;
    var size = ctx.map.getSize();
    var box = panel(col, 'la-filter', T.filters, size.x >= 1000 && size.y >= 900);
    var years = {};
    d.years.forEach(function (y) { years[y] = true; });
    ctx.data.plans.forEach(function (p) { p.years.forEach(function (y) { years[y] = true; }); });
    var fy = el('div', 'la-fieldset la-years');
    fy.appendChild(el('div', 'la-subtitle', T.byYear));
    Object.keys(years).sort().forEach(function (y) {
      checkbox(ctx, fy, String(y), true, function (v) { state.years[y] = v; });
    });
    checkbox(ctx, fy, T.vacantShort, true, function (v) { state.vacant = v; });
    box.appendChild(fy);
    var fc = el('div', 'la-fieldset la-clusters');
    fc.appendChild(el('div', 'la-subtitle', T.byCluster2));
    ctx.clusters.forEach(function (c, ci) {
      if (!c.code && d.usedClusters.indexOf(ci) < 0) { return; }
      checkbox(ctx, fc, c.name, true, function (v) { state.clusters[ci] = v; },
        { background: c.colour, border: '1px solid #37474f' });
    });
    box.appendChild(fc);
    var fr = el('div', 'la-fieldset la-readiness');
    fr.appendChild(el('div', 'la-subtitle', T.byReadiness2));
    checkbox(ctx, fr, T.showReadiness, false, function (v) { state.readinessAll = v; })
      .classList.add('la-readiness-toggle');
    [[1, T.ready], [2, T.readyBy], [3, T.blocked], [0, T.unknown]].forEach(function (r) {
      checkbox(ctx, fr, r[1], true, function (v) { state.ready[r[0]] = v; }, readyLineStyle(ctx, r[0]));
    });
    box.appendChild(fr);
    if (ctx.cmp) {
      var fd = el('div', 'la-fieldset');
      fd.appendChild(el('div', 'la-subtitle', T.changes));
      checkbox(ctx, fd, T.changedOnly, false, function (v) { state.changedOnly = v; });
      box.appendChild(fd);
    }
  }

  /* Build the columns and their panels; return the width each column takes from the map. */
  function build(ctx) {
    var c = ctx.map.getContainer();
    var left = el('div', 'la-col la-col-left' + (ctx.cmp ? ' la-col-wide' : ''));
    var right = el('div', 'la-col la-col-right');
    c.appendChild(left);
    c.appendChild(right);
    ctx.cols = { left: left, right: right };
    title(ctx, left);
    plans(ctx, left);
    var table = ctx.cmp ? compareTable(ctx, left) : null;
    if (!ctx.cmp) { kpiPanel(ctx, left); }
    var leg = legend(ctx, right);
    if (!ctx.slide) { filters(ctx, right); }
    ctx.refresh = function () { leg(); if (table) { table(); } };
    ctx.refresh();
    return margins(ctx);
  }

  /* Pixels the panels take on each side of the map (what the view must keep clear). */
  function margins(ctx) {
    var box = ctx.map.getContainer().getBoundingClientRect();
    var out = { left: 0, right: 0, top: 0, bottom: 0 };
    function side(col, key) {
      if (!col || getComputedStyle(col).display === 'none') { return; }
      var r = col.getBoundingClientRect();
      out[key] = key === 'left' ? r.right - box.left : box.right - r.left;
    }
    side(ctx.cols.left, 'left');
    side(ctx.cols.right, 'right');
    return out;
  }

  function layersControl(ctx, control) {
    control.addTo(ctx.map);
    if (ctx.slide) { control.getContainer().style.display = 'none'; }
    ctx.cols.right.appendChild(control.getContainer());
  }

  /* Keep the right column clear of the controls in the bottom-right corner (zoom, scale). */
  function settle(ctx) {
    var corner = ctx.map._controlCorners && ctx.map._controlCorners.bottomright;
    if (corner) { ctx.cols.right.style.bottom = (corner.offsetHeight + 14) + 'px'; }
  }

  window.LandallocPanels = {
    el: el, fmt: fmt, row: row, build: build, margins: margins, layersControl: layersControl,
    settle: settle
  };
})();

/* landalloc result maps: parcels, factories, zones, legend, KPI panel, filters, popups.
 * Every user string reaches the page through textContent (never innerHTML), so names with
 * quotes, backslashes, backticks or "</script>" are shown as they are.
 * The payload's records come as rows under their column names (maps/payload.py); they are read
 * by name: `keyed` turns them into objects when a map starts.
 */
(function () {
  'use strict';

  var registry = [];
  window.landalloc = { maps: registry };

  var READY_CODES = ['', 'ready', 'ready_by', 'blocked'];
  var READY_FILL = ['#bdbdbd', '#2e7d32', '#f9a825', '#c62828'];
  var OCC_FILL = ['#ffffff', '#b3e5fc', '#4fc3f7', '#0277bd'];

  /* The columns this script reads, per kind of record of the payload. */
  var FIELDS = {
    parcels: ['id', 'zone', 'area', 'geom', 'landUse', 'admitted'],
    factories: ['id', 'zone', 'floor', 'latlng'],
    zones: ['name', 'geom', 'labelAt'],
    clusters: ['code', 'name', 'colour'],
    projects: ['id', 'name', 'company', 'cluster', 'stage', 'investment', 'output', 'tax', 'jobs',
      'year', 'start', 'readiness', 'missing', 'group', 'kind'],
    placements: ['project', 'area', 'floor', 'year', 'share'],
    readiness: ['status', 'date', 'missing'],
    kpiSections: ['title', 'rows'],
    kpiRows: ['label', 'value']
  };

  /* Rows of one kind as objects keyed by the payload's column names (checked to hold FIELDS). */
  function keyed(columns, kind, rows) {
    var names = columns[kind];
    if (!names) { throw new Error('landalloc map: the payload has no columns for ' + kind); }
    FIELDS[kind].forEach(function (f) {
      if (names.indexOf(f) < 0) {
        throw new Error('landalloc map: the ' + kind + ' of the payload have no column ' + f);
      }
    });
    return rows.map(function (r) {
      var o = {};
      for (var i = 0; i < names.length; i++) { o[names[i]] = r[i]; }
      return o;
    });
  }

  /* The geometry and one scenario's payload with their records keyed by name. */
  function decode(geo, d) {
    var G = geo.columns, C = d.columns;
    function placements(lists) {
      return lists.map(function (rows) { return keyed(C, 'placements', rows || []); });
    }
    return {
      parcels: keyed(G, 'parcels', geo.parcels),
      factories: keyed(G, 'factories', geo.factories),
      zones: keyed(G, 'zones', geo.zones),
      clusters: keyed(C, 'clusters', d.clusters),
      projects: keyed(C, 'projects', d.projects),
      prow: placements(d.prow),
      frow: placements(d.frow),
      pready: d.pready.map(function (r) { return r ? keyed(C, 'readiness', [r])[0] : null; }),
      plans: (d.plans || []).map(function (p) {
        return { label: p.label, clusters: keyed(C, 'clusters', p.clusters),
          projects: keyed(C, 'projects', p.projects), prow: placements(p.prow),
          frow: placements(p.frow), usedClusters: p.usedClusters, years: p.years };
      }),
      kpi: keyed(C, 'kpiSections', d.kpi).map(function (sec) {
        return { title: sec.title, rows: keyed(C, 'kpiRows', sec.rows) };
      })
    };
  }

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

  function decodeRing(flat) {
    var out = [], lat = 0, lng = 0;
    for (var i = 0; i + 1 < flat.length; i += 2) {
      lat += flat[i]; lng += flat[i + 1];
      out.push([lat / 1e5, lng / 1e5]);
    }
    return out;
  }

  function decodePolys(enc) {
    return enc.map(function (poly) { return poly.map(decodeRing); });
  }

  function stopEvents(div) {
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
  }

  function control(map, position, build) {
    var c = L.control({ position: position });
    c.onAdd = function () { var d = build(); stopEvents(d); return d; };
    c.addTo(map);
    return c;
  }

  function row(parent, label, value) {
    if (value === null || value === undefined || value === '') { return; }
    var r = el('div', 'la-row');
    r.appendChild(el('span', 'la-k', label));
    r.appendChild(el('span', 'la-v', value));
    parent.appendChild(r);
  }

  function init(map, geo, d) {
    var T = d.t;
    var data = decode(geo, d);
    var clusters = data.clusters;
    var projects = data.projects;
    var renderer = L.canvas({ padding: 0.5, tolerance: 3 });
    map.attributionControl.setPrefix('Leaflet');
    map.getContainer().classList.add('la-map');
    if (!d.tiles.length) { map.getContainer().classList.add('la-notiles'); }

    /* ---------- base layers and overlays ---------- */
    var bases = {}, overlays = {}, firstBase = null;
    var noTiles = L.layerGroup();
    d.tiles.forEach(function (t) {
      var layer = L.tileLayer(t.url, {
        subdomains: t.sub || 'abc', maxZoom: t.maxZoom, attribution: t.attr
      });
      if (t.overlay) { overlays[t.name] = layer; layer.addTo(map); }
      else { bases[t.name] = layer; if (!firstBase) { firstBase = layer; } }
    });
    bases[T.noBasemap] = noTiles;
    (firstBase || noTiles).addTo(map);

    /* ---------- zones ---------- */
    var zoneGroup = L.layerGroup();
    data.zones.forEach(function (z) {
      L.polygon(decodePolys(z.geom), {
        renderer: renderer, fill: false, color: '#37474f', weight: 2, dashArray: '8 6',
        interactive: false
      }).addTo(zoneGroup);
      if (z.labelAt) {
        var lab = el('span', null, z.name);
        L.tooltip({ permanent: true, direction: 'center', className: 'la-zone-label',
          interactive: false }).setLatLng(z.labelAt).setContent(lab).addTo(zoneGroup);
      }
    });

    /* ---------- parcels ---------- */
    var parcelGroup = L.featureGroup();
    var byId = {};
    /* a parcel's placements (of the plan shown): its main project, readiness, years, clusters */
    function setParcelRows(item, rows) {
      var main = null;
      rows.forEach(function (r) { if (!main || r.area > main.area) { main = r; } });
      var status = 0;
      if (main && projects[main.project].readiness) { status = projects[main.project].readiness; }
      else if (item.pready) { status = item.pready.status; }
      item.rows = rows; item.main = main; item.status = status;
      item.years = {}; item.clusters = {};
      rows.forEach(function (r) {
        item.years[r.year] = true; item.clusters[projects[r.project].cluster] = true;
      });
    }
    var items = data.parcels.map(function (p, i) {
      var item = {
        id: p.id, zone: p.zone, area: p.area, landUse: p.landUse || '', admitted: p.admitted || '',
        pready: data.pready[i] || null, kind: 'parcel', index: i
      };
      setParcelRows(item, data.prow[i] || []);
      var layer = L.polygon(decodePolys(p.geom), { renderer: renderer, laItem: item });
      item.layer = layer;
      byId[p.id] = layer;
      return item;
    });

    function parcelStyle(item, mode) {
      var placed = !!item.main;
      var s = { weight: 1, color: placed ? '#37474f' : '#9e9e9e', dashArray: null,
        opacity: 1, fillOpacity: placed ? 0.78 : 0.55 };
      if (mode === 'ready') {
        s.fillColor = READY_FILL[item.status] || READY_FILL[0];
        s.fillOpacity = 0.7;
        if (placed) { s.weight = 2; s.color = '#212121'; }
        return s;
      }
      s.fillColor = placed ? clusters[projects[item.main.project].cluster].colour : '#ffffff';
      if (item.status === 3) { s.color = '#d32f2f'; s.weight = 2.5; s.dashArray = '6 4'; }
      else if (item.status === 2) { s.color = '#ef6c00'; s.weight = 2; s.dashArray = '2 4'; }
      return s;
    }

    function readinessText(code, date, missing) {
      var txt = code === 1 ? T.ready : code === 2 ? T.readyBy + (date ? ' ' + date : '')
        : code === 3 ? T.blocked : T.unknown;
      return missing ? txt + '；' + T.missing + '：' + missing : txt;
    }

    function projectBlock(parent, r, kind) {
      var p = projects[r.project];
      var b = el('div', 'la-proj');
      b.appendChild(el('div', 'la-proj-name', p.name || p.id));
      row(b, T.projectId, p.id);
      row(b, T.company, p.company);
      row(b, T.cluster, clusters[p.cluster].name);
      row(b, T.stage, p.stage);
      row(b, T.investment, fmt(p.investment, 2) + ' ' + T.yi);
      if (p.output) { row(b, T.output, fmt(p.output, 2) + ' ' + T.yi); }
      if (p.tax) { row(b, T.tax, fmt(p.tax, 0) + ' ' + T.wan); }
      if (p.jobs) { row(b, T.jobs, fmt(p.jobs, 0)); }
      if (kind === 'parcel') { row(b, T.land, fmt(r.area, 1) + ' ' + T.mu); }
      else { row(b, T.floor, fmt(r.floor, 0) + ' ㎡'); }
      if (p.group) {
        row(b, T.group, p.group);
        // this parcel's part of the project's amounts above (assignments.csv `share`)
        if (kind === 'parcel' && r.share < 1) {
          row(b, T.groupShare, fmt(r.share * 100, 0) + '%'
            + (p.investment != null ? ' · ' + fmt(r.share * p.investment, 2) + ' ' + T.yi : ''));
        }
      }
      row(b, T.year, r.year);
      row(b, T.start, p.start);
      if (p.readiness || p.missing) { row(b, T.readiness, readinessText(p.readiness, '', p.missing)); }
      parent.appendChild(b);
    }

    function parcelPopup(layer) {
      var item = layer.options.laItem;
      var box = el('div', 'la-popup');
      if (planShown) { box.appendChild(el('div', 'la-popup-plan', planShown)); }
      box.appendChild(el('div', 'la-popup-title',
        T.parcel + ' ' + item.id + '（' + item.zone + '，' + fmt(item.area, 1) + ' ' + T.mu + '）'));
      var zoning = el('div', 'la-zoning');
      if (item.landUse) { row(zoning, T.landUse, item.landUse); }
      if (item.admitted) { row(zoning, T.admitted, item.admitted); }
      box.appendChild(zoning);
      if (!item.rows.length) { box.appendChild(el('div', 'la-vacant', T.vacant)); }
      item.rows.forEach(function (r) { projectBlock(box, r, 'parcel'); });
      if (item.pready) {
        row(box, T.parcelReadiness,
          readinessText(item.pready.status, item.pready.date, item.pready.missing));
      }
      return box;
    }

    function parcelTooltip(layer) {
      var item = layer.options.laItem;
      var names = item.rows.map(function (r) {
        return projects[r.project].name || projects[r.project].id;
      });
      var t = T.parcel + ' ' + item.id + ' · ' + (names.length ? names.join('、') : T.vacant);
      if (item.status === 3) { t += ' · ' + T.blocked; }
      return el('span', null, t);
    }

    parcelGroup.bindPopup(parcelPopup, { maxWidth: 360, maxHeight: 420 });
    parcelGroup.bindTooltip(parcelTooltip, { sticky: true, direction: 'top' });

    /* ---------- factories ---------- */
    var factoryGroup = L.featureGroup();
    var fById = {};
    /* a factory's placements (of the plan shown): floor used, occupancy band, years, clusters */
    function setFactoryRows(item, rows) {
      var used = 0;
      item.rows = rows; item.years = {}; item.clusters = {};
      rows.forEach(function (r) {
        used += r.floor || 0; item.years[r.year] = true;
        item.clusters[projects[r.project].cluster] = true;
      });
      item.used = used;
      item.occ = item.floor > 0 ? used / item.floor : 0;
      item.band = item.occ <= 0 ? 0 : item.occ < 0.5 ? 1 : item.occ < 0.999 ? 2 : 3;
      if (item.layer) { item.layer.setStyle({ fillColor: OCC_FILL[item.band] }); }
    }
    var fitems = data.factories.map(function (f, i) {
      var item = { id: f.id, zone: f.zone, floor: f.floor, kind: 'factory', index: i };
      setFactoryRows(item, data.frow[i] || []);
      var radius = Math.max(5, Math.min(13, Math.sqrt(f.floor) / 18));
      var layer = L.circleMarker(f.latlng, {
        renderer: renderer, radius: radius, color: '#263238', weight: 1.5,
        fillColor: OCC_FILL[item.band], fillOpacity: 0.95, laItem: item
      });
      item.layer = layer;
      fById[f.id] = layer;
      return item;
    });
    factoryGroup.bindPopup(function (layer) {
      var item = layer.options.laItem;
      var box = el('div', 'la-popup');
      if (planShown) { box.appendChild(el('div', 'la-popup-plan', planShown)); }
      box.appendChild(el('div', 'la-popup-title', T.factory + ' ' + item.id + '（' + item.zone + '）'));
      row(box, T.floorFree, fmt(item.floor, 0) + ' ㎡');
      row(box, T.occupancy, fmt(item.used, 0) + ' ㎡（' + fmt(item.occ * 100, 0) + '%）');
      if (!item.rows.length) { box.appendChild(el('div', 'la-vacant', T.factoryEmpty)); }
      item.rows.forEach(function (r) { projectBlock(box, r, 'factory'); });
      return box;
    }, { maxWidth: 360, maxHeight: 420 });
    factoryGroup.bindTooltip(function (layer) {
      var item = layer.options.laItem;
      return el('span', null, T.factory + ' ' + item.id + ' · ' + T.occupancy + ' '
        + fmt(item.occ * 100, 0) + '%');
    }, { sticky: true, direction: 'top' });

    /* ---------- filters ---------- */
    var state = { mode: 'cluster', years: {}, vacant: true, clusters: {}, ready: {}, changedOnly: false };
    d.years.forEach(function (y) { state.years[y] = true; });
    clusters.forEach(function (c, i) { state.clusters[i] = true; });
    [0, 1, 2, 3].forEach(function (k) { state.ready[k] = true; });

    function anyChecked(set, checked) {
      for (var k in set) { if (Object.prototype.hasOwnProperty.call(set, k) && checked[k]) { return true; } }
      return false;
    }

    function visible(item) {
      if (state.changedOnly && item.kind === 'parcel' && !d.changed[item.index]) { return false; }
      if (state.changedOnly && item.kind === 'factory') { return false; }
      if (!item.rows.length) {
        if (!state.vacant) { return false; }
      } else if (!anyChecked(item.years, state.years) || !anyChecked(item.clusters, state.clusters)) {
        return false;
      }
      return item.kind === 'factory' || !!state.ready[item.status];
    }

    function apply() {
      items.forEach(function (item) {
        var on = visible(item);
        if (on) {
          item.layer.setStyle(parcelStyle(item, state.mode));
          if (!parcelGroup.hasLayer(item.layer)) { parcelGroup.addLayer(item.layer); }
        } else if (parcelGroup.hasLayer(item.layer)) {
          parcelGroup.removeLayer(item.layer);
        }
      });
      fitems.forEach(function (item) {
        var on = visible(item);
        if (on && !factoryGroup.hasLayer(item.layer)) { factoryGroup.addLayer(item.layer); }
        if (!on && factoryGroup.hasLayer(item.layer)) { factoryGroup.removeLayer(item.layer); }
      });
      legendUpdate();
    }

    // fit the view and fill the groups before they reach the map: every shape is projected once
    var pad = map.getSize();
    if (geo.bounds) {
      map.fitBounds(geo.bounds, {
        paddingTopLeft: [Math.min(290, pad.x * 0.3), 80],
        paddingBottomRight: [Math.min(230, pad.x * 0.25), 20],
        animate: false
      });
    }
    apply();
    zoneGroup.addTo(map);
    parcelGroup.addTo(map);
    factoryGroup.addTo(map);
    overlays[T.zones] = zoneGroup;
    overlays[T.parcels] = parcelGroup;
    overlays[T.factories] = factoryGroup;
    L.control.layers(bases, overlays, { position: 'topright', collapsed: false }).addTo(map);

    /* ---------- alternative plans: one radio-style layer each (方案A first and shown) ---------- */
    var planShown = data.plans.length ? data.plans[0].label : '';
    function usePlan(k) {
      var p = data.plans[k];
      planShown = p.label;
      clusters = p.clusters;
      projects = p.projects;
      d.usedClusters = p.usedClusters;
      clusters.forEach(function (c, i) {
        if (state.clusters[i] === undefined) { state.clusters[i] = true; }
      });
      p.years.forEach(function (y) { if (state.years[y] === undefined) { state.years[y] = true; } });
      map.closePopup();
      items.forEach(function (item) { setParcelRows(item, p.prow[item.index] || []); });
      fitems.forEach(function (item) { setFactoryRows(item, p.frow[item.index] || []); });
      apply();
    }
    if (data.plans.length) {
      var planLayers = {};
      data.plans.forEach(function (p, k) {
        planLayers[p.label] = L.layerGroup([], { laPlan: k });
        if (k === 0) { planLayers[p.label].addTo(map); }
      });
      map.on('baselayerchange', function (e) {
        if (e.layer.options && e.layer.options.laPlan !== undefined) { usePlan(e.layer.options.laPlan); }
      });
      var plansBox = L.control.layers(planLayers, null, { position: 'topright', collapsed: false });
      plansBox.addTo(map);
      plansBox.getContainer().classList.add('la-plans');
    }
    L.control.scale({ imperial: false, position: 'bottomright' }).addTo(map);

    function checkbox(parent, label, checked, onchange, swatch) {
      var lab = el('label', 'la-check');
      var input = el('input');
      input.type = 'checkbox';
      input.checked = checked;
      input.addEventListener('change', function () { onchange(input.checked); apply(); });
      lab.appendChild(input);
      if (swatch) { var s = el('span', 'la-swatch'); s.style.background = swatch; lab.appendChild(s); }
      lab.appendChild(el('span', null, label));
      parent.appendChild(lab);
    }

    control(map, 'topright', function () {
      var box = el('details', 'la-panel la-filter');
      box.open = map.getSize().x >= 1000;
      box.appendChild(el('summary', 'la-panel-title', T.filters));
      var fs = el('div', 'la-fieldset');
      fs.appendChild(el('div', 'la-subtitle', T.colourBy));
      [['cluster', T.byCluster], ['ready', T.byReadiness]].forEach(function (m) {
        var lab = el('label', 'la-check');
        var input = el('input');
        input.type = 'radio';
        input.name = 'la-mode-' + registry.length;
        input.checked = m[0] === state.mode;
        input.addEventListener('change', function () {
          if (input.checked) { state.mode = m[0]; apply(); }
        });
        lab.appendChild(input);
        lab.appendChild(el('span', null, m[1]));
        fs.appendChild(lab);
      });
      box.appendChild(fs);
      var fy = el('div', 'la-fieldset la-years');
      fy.appendChild(el('div', 'la-subtitle', T.byYear));
      d.years.forEach(function (y) {
        checkbox(fy, String(y), true, function (v) { state.years[y] = v; });
      });
      checkbox(fy, T.vacantShort, true, function (v) { state.vacant = v; });
      box.appendChild(fy);
      var fc = el('div', 'la-fieldset');
      fc.appendChild(el('div', 'la-subtitle', T.byCluster2));
      d.usedClusters.forEach(function (ci) {
        checkbox(fc, clusters[ci].name, true, function (v) { state.clusters[ci] = v; },
          clusters[ci].colour);
      });
      box.appendChild(fc);
      var fr = el('div', 'la-fieldset');
      fr.appendChild(el('div', 'la-subtitle', T.byReadiness2));
      [[1, T.ready], [2, T.readyBy], [3, T.blocked], [0, T.unknown]].forEach(function (r) {
        checkbox(fr, r[1], true, function (v) { state.ready[r[0]] = v; }, READY_FILL[r[0]]);
      });
      box.appendChild(fr);
      if (d.changed) {
        var fd = el('div', 'la-fieldset');
        fd.appendChild(el('div', 'la-subtitle', T.compare));
        checkbox(fd, T.changedOnly, false, function (v) { state.changedOnly = v; });
        box.appendChild(fd);
      }
      return box;
    });

    /* ---------- title, notice ---------- */
    var head = el('div', 'la-title');
    head.appendChild(el('div', 'la-title-main', d.title));
    if (d.subtitle) { head.appendChild(el('div', 'la-title-sub', d.subtitle)); }
    head.appendChild(el('div', 'la-title-date', d.dateline));
    if (d.notice) { head.appendChild(el('div', 'la-notice', d.notice)); }
    stopEvents(head);
    map.getContainer().appendChild(head);

    /* ---------- KPI panel ---------- */
    control(map, 'topleft', function () {
      var box = el('details', 'la-panel la-kpi');
      box.open = true;
      box.appendChild(el('summary', 'la-panel-title', T.kpiTitle));
      data.kpi.forEach(function (sec) {
        box.appendChild(el('div', 'la-subtitle', sec.title));
        sec.rows.forEach(function (kv) { row(box, kv.label, kv.value); });
      });
      if (d.unassigned.length) {
        var det = el('details', 'la-unassigned');
        det.appendChild(el('summary', null, T.unassigned + '（' + d.unassignedTotal + '）'));
        var ul = el('ul');
        d.unassigned.forEach(function (u) { ul.appendChild(el('li', null, u)); });
        det.appendChild(ul);
        box.appendChild(det);
      }
      return box;
    });

    /* ---------- legend ---------- */
    var legendBody = null;
    function legendUpdate() {
      if (!legendBody) { return; }
      legendBody.textContent = '';
      function item(label, swatchStyle) {
        var r = el('div', 'la-legend-item');
        var s = el('span', 'la-swatch');
        for (var k in swatchStyle) {
          if (Object.prototype.hasOwnProperty.call(swatchStyle, k)) { s.style[k] = swatchStyle[k]; }
        }
        r.appendChild(s);
        r.appendChild(el('span', null, label));
        legendBody.appendChild(r);
      }
      if (state.mode === 'ready') {
        [[1, T.ready], [2, T.readyBy], [3, T.blocked], [0, T.unknown]].forEach(function (r) {
          item(r[1], { background: READY_FILL[r[0]] });
        });
        item(T.placedOutline, { background: '#fff', border: '2px solid #212121' });
      } else {
        d.usedClusters.forEach(function (ci) {
          item(clusters[ci].name, { background: clusters[ci].colour });
        });
        item(T.vacant, { background: '#fff', border: '1px solid #9e9e9e' });
        item(T.blockedOutline, { background: '#fff', border: '2px dashed #d32f2f' });
        item(T.readyByOutline, { background: '#fff', border: '2px dotted #ef6c00' });
      }
      legendBody.appendChild(el('div', 'la-subtitle', T.factories));
      [[0, T.occ0], [1, T.occ1], [2, T.occ2], [3, T.occ3]].forEach(function (o) {
        item(o[1], { background: OCC_FILL[o[0]], border: '1.5px solid #263238', borderRadius: '50%' });
      });
      item(T.zoneLine, { background: 'transparent', border: '0', borderTop: '2px dashed #37474f', height: '0' });
    }
    control(map, 'bottomleft', function () {
      var box = el('details', 'la-panel la-legend');
      box.open = true;
      box.appendChild(el('summary', 'la-panel-title', T.legend));
      legendBody = el('div');
      box.appendChild(legendBody);
      return box;
    });

    legendUpdate();

    var entry = {
      map: map, name: d.scenario, parcels: byId, factories: fById, parcelGroup: parcelGroup,
      factoryGroup: factoryGroup, ready: false, apply: apply, state: state
    };
    entry.drawnParcels = function () {
      var n = 0;
      parcelGroup.eachLayer(function (l) { if (l._map && l._parts && l._parts.length) { n += 1; } });
      return n;
    };
    entry.shownParcels = function () { return parcelGroup.getLayers().length; };
    entry.plan = function () { return planShown; };
    /* the placements shown (plan and filters): [carrier id, project id] of each */
    entry.placed = function () {
      var out = [];
      [[items, parcelGroup], [fitems, factoryGroup]].forEach(function (g) {
        g[0].forEach(function (item) {
          if (!g[1].hasLayer(item.layer)) { return; }
          item.rows.forEach(function (r) { out.push([item.id, projects[r.project].id]); });
        });
      });
      return out;
    };
    registry.push(entry);
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        entry.ready = true;
        window.landallocReadyAt = performance.now();
      });
    });
    return entry;
  }

  function syncAll() {
    var busy = false;
    registry.forEach(function (a) {
      a.map.on('move moveend', function () {
        if (busy) { return; }
        busy = true;
        registry.forEach(function (b) {
          if (b !== a) { b.map.setView(a.map.getCenter(), a.map.getZoom(), { animate: false }); }
        });
        busy = false;
      });
    });
  }

  window.LandallocMap = { init: init, syncAll: syncAll, readyCodes: READY_CODES };
})();

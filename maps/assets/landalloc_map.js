/* landalloc result and comparison maps: parcels, factories, zones, legend, KPI panel, filters,
 * popups. Every user string reaches the page through textContent (never innerHTML), so names
 * with quotes, backslashes, backticks or "</script>" are shown as they are.
 * The payload's records come as rows under their column names (maps/payload.py); they are read
 * by name: `keyed` turns them into objects when a map starts.
 *
 * One visual language: clusters by fill colour (maps/result_payload.py PALETTE); readiness by
 * outline style and weight (never hue), shown by default only for placed projects whose start
 * is at risk; changes against the base (comparison) by their own fill and outline style.
 * The panels live in two columns beside the data (LandallocPanels, landalloc_panels.js); the
 * view is fitted to the data between them.
 */
(function () {
  'use strict';

  var registry = [];
  window.landalloc = { maps: registry };
  var P = window.LandallocPanels;
  var el = P.el, row = P.row, fmt = P.fmt;

  var READY_CODES = ['', 'ready', 'ready_by', 'blocked'];
  var OCC_FILL = ['#ffffff', '#b3e5fc', '#4fc3f7', '#0277bd'];
  var INK = '#1a1a1a';
  /* Outline of each readiness state: weight and dashes only (one dark ink). */
  var READY_LINE = [
    { weight: 1, dashArray: null },
    { weight: 1.5, dashArray: null },
    { weight: 2.5, dashArray: '1 4' },
    { weight: 3, dashArray: '7 4' }
  ];
  /* Change against the base: fill and outline of lost, gained, moved (index = change code). */
  var CHANGE = [
    null,
    { fill: '#D55E00', dashArray: '7 4' },
    { fill: '#009E73', dashArray: null },
    { fill: '#0072B2', dashArray: '1 4' }
  ];
  var MUTED_FILL = '#e3e3e3', MUTED_LINE = '#888888', VACANT_LINE = '#808080';

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
        if (p.same) {  // the payload's own placements (sent once)
          p = { label: p.label, clusters: d.clusters, projects: d.projects, prow: d.prow,
            frow: d.frow, usedClusters: d.usedClusters, years: d.years };
        }
        return { label: p.label, clusters: keyed(C, 'clusters', p.clusters),
          projects: keyed(C, 'projects', p.projects), prow: placements(p.prow),
          frow: placements(p.frow), usedClusters: p.usedClusters, years: p.years };
      }),
      kpi: keyed(C, 'kpiSections', d.kpi).map(function (sec) {
        return { title: sec.title, rows: keyed(C, 'kpiRows', sec.rows) };
      })
    };
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

  function init(map, geo, d) {
    var T = d.t;
    var data = decode(geo, d);
    var cmp = d.compare || null;
    var ctx = {
      map: map, d: d, T: T, data: data, cmp: cmp, clusters: data.clusters,
      projects: data.projects, slide: /(^|[#&])slide\b/.test(window.location.hash || ''),
      planShown: data.plans.length ? data.plans[cmp ? cmp.shown : 0].label : '',
      shown: cmp ? cmp.shown : 0,
      state: { years: {}, vacant: true, clusters: {}, ready: {}, changedOnly: false,
        readinessAll: false, highlight: !!cmp }
    };
    ctx.style = { readyLine: READY_LINE, change: CHANGE, ink: INK, occ: OCC_FILL, muted: MUTED_FILL,
      mutedLine: MUTED_LINE, vacantLine: VACANT_LINE };
    var state = ctx.state;
    var renderer = L.canvas({ padding: 0.5, tolerance: 3 });
    map.attributionControl.setPrefix('Leaflet');
    map.getContainer().classList.add('la-map');
    if (ctx.slide) { map.getContainer().classList.add('la-slide'); }
    if (!d.tiles.length) { map.getContainer().classList.add('la-notiles'); }
    map.options.zoomSnap = ctx.slide ? 0 : 0.25;
    if (map.zoomControl) { map.zoomControl.setPosition('bottomright'); }

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

    var dataBounds = L.latLngBounds([]);

    /* ---------- zones ---------- */
    var zoneGroup = L.layerGroup();
    data.zones.forEach(function (z) {
      var poly = L.polygon(decodePolys(z.geom), {
        renderer: renderer, fill: false, color: '#37474f', weight: 2, dashArray: '8 6',
        interactive: false
      }).addTo(zoneGroup);
      dataBounds.extend(poly.getBounds());
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
      if (main && ctx.projects[main.project].readiness) {
        status = ctx.projects[main.project].readiness;
      } else if (item.pready) { status = item.pready.status; }
      item.rows = rows; item.main = main; item.status = status;
      item.years = {}; item.clusters = {};
      rows.forEach(function (r) {
        item.years[r.year] = true; item.clusters[ctx.projects[r.project].cluster] = true;
      });
    }
    var items = data.parcels.map(function (p, i) {
      var item = {
        id: p.id, zone: p.zone, area: p.area, landUse: p.landUse || '', admitted: p.admitted || '',
        pready: data.pready[i] || null, kind: 'parcel', index: i
      };
      setParcelRows(item, data.prow[i] || []);
      var layer = L.polygon(decodePolys(p.geom), { renderer: renderer, laItem: item });
      dataBounds.extend(layer.getBounds());
      item.layer = layer;
      byId[p.id] = layer;
      return item;
    });

    function change(item) {
      if (!cmp || !ctx.shown) { return 0; }
      return (item.kind === 'parcel' ? cmp.changes : cmp.fchanges)[ctx.shown][item.index] || 0;
    }

    /* at risk: a placed project that is not ready to start (blocked) */
    function atRisk(item) { return !!item.main && item.status === 3; }

    function parcelStyle(item) {
      var placed = !!item.main;
      var s = { weight: 1, color: placed ? '#37474f' : VACANT_LINE, dashArray: null,
        opacity: 1, fillOpacity: placed ? 0.85 : 0.55 };
      s.fillColor = placed ? ctx.clusters[ctx.projects[item.main.project].cluster].colour : '#ffffff';
      var c = change(item);
      if (cmp && ctx.shown && state.highlight) {
        if (!c) { s.fillColor = MUTED_FILL; s.color = MUTED_LINE; s.weight = 0.5; s.fillOpacity = 0.8; return s; }
        s.fillColor = CHANGE[c].fill; s.fillOpacity = 0.9;
      }
      if (c) { s.color = INK; s.weight = 3.5; s.dashArray = CHANGE[c].dashArray; return s; }
      if (state.readinessAll || atRisk(item)) {
        var line = READY_LINE[item.status] || READY_LINE[0];
        if (item.status) { s.color = INK; s.weight = line.weight; s.dashArray = line.dashArray; }
      }
      return s;
    }

    function readinessText(code, date, missing) {
      var txt = code === 1 ? T.ready : code === 2 ? T.readyBy + (date ? ' ' + date : '')
        : code === 3 ? T.blocked : T.unknown;
      return missing ? txt + '；' + T.missing + '：' + missing : txt;
    }

    function projectBlock(parent, r, kind) {
      var p = ctx.projects[r.project];
      var b = el('div', 'la-proj');
      b.appendChild(el('div', 'la-proj-name', p.name || p.id));
      row(b, T.projectId, p.id);
      row(b, T.company, p.company);
      row(b, T.cluster, ctx.clusters[p.cluster].name);
      row(b, T.stage, p.stage);
      if (p.investment !== null && p.investment !== undefined) {
        row(b, T.investment, fmt(p.investment, 2) + ' ' + T.yi);
      }
      if (p.output) { row(b, T.output, fmt(p.output, 2) + ' ' + T.yi); }
      if (p.tax) { row(b, T.tax, fmt(p.tax, 0) + ' ' + T.wan); }
      if (p.jobs) { row(b, T.jobs, fmt(p.jobs, 0) + (T.persons ? ' ' + T.persons : '')); }
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

    function popupHead(box, item) {
      if (ctx.planShown) { box.appendChild(el('div', 'la-popup-plan', ctx.planShown)); }
      var c = change(item);
      if (c) {
        var tag = el('div', 'la-popup-change', [null, T.lost, T.gained, T.moved][c]);
        tag.style.borderColor = CHANGE[c].fill;
        box.appendChild(tag);
      }
    }

    function parcelPopup(layer) {
      var item = layer.options.laItem;
      var box = el('div', 'la-popup');
      popupHead(box, item);
      box.appendChild(el('div', 'la-popup-title',
        T.parcel + ' ' + item.id + T.open + item.zone + (T.open === '（' ? '，' : ', ')
        + fmt(item.area, 1) + ' ' + T.mu + T.close));
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
        return ctx.projects[r.project].name || ctx.projects[r.project].id;
      });
      var t = T.parcel + ' ' + item.id + ' · ' + (names.length ? names.join('、') : T.vacant);
      if (item.status === 3 && item.main) { t += ' · ' + T.blocked; }
      var c = change(item);
      if (c) { t += ' · ' + [null, T.lost, T.gained, T.moved][c]; }
      return el('span', null, t);
    }

    /* ---------- factories ---------- */
    var factoryGroup = L.featureGroup();
    var fById = {};
    /* a factory's placements (of the plan shown): floor used, occupancy band, years, clusters */
    function setFactoryRows(item, rows) {
      var used = 0;
      item.rows = rows; item.years = {}; item.clusters = {};
      rows.forEach(function (r) {
        used += r.floor || 0; item.years[r.year] = true;
        item.clusters[ctx.projects[r.project].cluster] = true;
      });
      item.used = used;
      item.occ = item.floor > 0 ? used / item.floor : 0;
      item.band = item.occ <= 0 ? 0 : item.occ < 0.5 ? 1 : item.occ < 0.999 ? 2 : 3;
    }
    function factoryStyle(item) {
      var c = change(item);
      var s = { fillColor: OCC_FILL[item.band], color: '#263238', weight: 1.5, dashArray: null };
      if (cmp && ctx.shown && state.highlight && !c) { s.fillColor = MUTED_FILL; s.color = MUTED_LINE; }
      if (c) { s.fillColor = CHANGE[c].fill; s.color = INK; s.weight = 3; s.dashArray = CHANGE[c].dashArray; }
      return s;
    }
    var fitems = data.factories.map(function (f, i) {
      var item = { id: f.id, zone: f.zone, floor: f.floor, kind: 'factory', index: i };
      setFactoryRows(item, data.frow[i] || []);
      var radius = Math.max(5, Math.min(13, Math.sqrt(f.floor) / 18));
      var layer = L.circleMarker(f.latlng, {
        renderer: renderer, radius: radius, color: '#263238', weight: 1.5,
        fillColor: OCC_FILL[item.band], fillOpacity: 0.95, laItem: item
      });
      dataBounds.extend(f.latlng);
      item.layer = layer;
      fById[f.id] = layer;
      return item;
    });
    function factoryPopup(layer) {
      var item = layer.options.laItem;
      var box = el('div', 'la-popup');
      popupHead(box, item);
      box.appendChild(el('div', 'la-popup-title', T.factory + ' ' + item.id + T.open + item.zone + T.close));
      row(box, T.floorFree, fmt(item.floor, 0) + ' ㎡');
      row(box, T.occupancy, fmt(item.used, 0) + ' ㎡' + T.open + fmt(item.occ * 100, 0) + '%' + T.close);
      if (!item.rows.length) { box.appendChild(el('div', 'la-vacant', T.factoryEmpty)); }
      item.rows.forEach(function (r) { projectBlock(box, r, 'factory'); });
      return box;
    }
    factoryGroup.bindTooltip(function (layer) {
      var item = layer.options.laItem;
      return el('span', null, T.factory + ' ' + item.id + ' · ' + T.occupancy + ' '
        + fmt(item.occ * 100, 0) + '%');
    }, { sticky: true, direction: 'top' });

    /* ---------- filters ---------- */
    d.years.forEach(function (y) { state.years[y] = true; });
    data.plans.forEach(function (p) { p.years.forEach(function (y) { state.years[y] = true; }); });
    ctx.clusters.forEach(function (c, i) { state.clusters[i] = true; });
    [0, 1, 2, 3].forEach(function (k) { state.ready[k] = true; });

    function anyChecked(set, checked) {
      for (var k in set) { if (Object.prototype.hasOwnProperty.call(set, k) && checked[k]) { return true; } }
      return false;
    }

    function visible(item) {
      if (state.changedOnly && cmp && !change(item)) { return false; }
      if (!item.rows.length) {
        if (!state.vacant && !change(item)) { return false; }
      } else if (!anyChecked(item.years, state.years) || !anyChecked(item.clusters, state.clusters)) {
        return false;
      }
      return item.kind === 'factory' || !!state.ready[item.status];
    }

    function apply() {
      items.forEach(function (item) {
        var on = visible(item);
        if (on) {
          item.layer.setStyle(parcelStyle(item));
          if (!parcelGroup.hasLayer(item.layer)) { parcelGroup.addLayer(item.layer); }
        } else if (parcelGroup.hasLayer(item.layer)) {
          parcelGroup.removeLayer(item.layer);
        }
      });
      fitems.forEach(function (item) {
        var on = visible(item);
        if (on) { item.layer.setStyle(factoryStyle(item)); }
        if (on && !factoryGroup.hasLayer(item.layer)) { factoryGroup.addLayer(item.layer); }
        if (!on && factoryGroup.hasLayer(item.layer)) { factoryGroup.removeLayer(item.layer); }
      });
      if (ctx.refresh) { ctx.refresh(); }
    }
    ctx.apply = apply;

    /* ---------- plans and scenarios: one shown at a time ---------- */
    ctx.usePlan = function (k) {
      var p = data.plans[k];
      ctx.planShown = p.label;
      ctx.shown = k;
      ctx.clusters = p.clusters;
      ctx.projects = p.projects;
      d.usedClusters = p.usedClusters;
      ctx.clusters.forEach(function (c, i) {
        if (state.clusters[i] === undefined) { state.clusters[i] = true; }
      });
      map.closePopup();
      items.forEach(function (item) { setParcelRows(item, p.prow[item.index] || []); });
      fitems.forEach(function (item) { setFactoryRows(item, p.frow[item.index] || []); });
      apply();
    };
    if (cmp) { ctx.usePlan(cmp.shown); }

    /* ---------- panels beside the data; the view fitted between them ---------- */
    var layout = P.build(ctx);
    var popupOpts = {
      maxWidth: 360, maxHeight: 420,
      autoPanPaddingTopLeft: L.point(layout.left + 12, 12),
      autoPanPaddingBottomRight: L.point(layout.right + 12, 12)
    };
    parcelGroup.bindPopup(parcelPopup, popupOpts);
    parcelGroup.bindTooltip(parcelTooltip, { sticky: true, direction: 'top' });
    factoryGroup.bindPopup(factoryPopup, popupOpts);
    ctx.dataBounds = dataBounds;
    ctx.fit = function () {
      if (!dataBounds.isValid()) { return; }
      var lay = P.margins(ctx);
      map.fitBounds(dataBounds, {
        paddingTopLeft: [lay.left + 14, lay.top + 14],
        paddingBottomRight: [lay.right + 14, lay.bottom + 14],
        animate: false
      });
    };
    // fit the view and fill the groups before they reach the map: every shape is projected once
    ctx.fit();
    apply();
    zoneGroup.addTo(map);
    parcelGroup.addTo(map);
    factoryGroup.addTo(map);
    overlays[T.zones] = zoneGroup;
    overlays[T.parcels] = parcelGroup;
    overlays[T.factories] = factoryGroup;
    P.layersControl(ctx, L.control.layers(bases, overlays, { collapsed: false }));
    L.control.scale({ imperial: false, position: 'bottomright' }).addTo(map);
    P.settle(ctx);

    var entry = {
      map: map, name: d.scenario, parcels: byId, factories: fById, parcelGroup: parcelGroup,
      factoryGroup: factoryGroup, ready: false, apply: apply, state: state, ctx: ctx
    };
    entry.drawnParcels = function () {
      var n = 0;
      parcelGroup.eachLayer(function (l) { if (l._map && l._parts && l._parts.length) { n += 1; } });
      return n;
    };
    entry.shownParcels = function () { return parcelGroup.getLayers().length; };
    entry.plan = function () { return ctx.planShown; };
    /* the data's bounds [[south, west], [north, east]] */
    entry.dataBounds = function () {
      var b = dataBounds;
      return [[b.getSouth(), b.getWest()], [b.getNorth(), b.getEast()]];
    };
    /* per parcel id drawn: its change code as drawn (0 unchanged) and its outline style */
    entry.drawnChanges = function () {
      var out = {};
      items.forEach(function (item) {
        if (!parcelGroup.hasLayer(item.layer)) { return; }
        var o = item.layer.options;
        out[item.id] = { change: change(item), fill: o.fillColor, dash: o.dashArray || '',
          weight: o.weight };
      });
      return out;
    };
    /* parcels drawn with a readiness outline (not the plain thin one) */
    entry.readinessOutlined = function () {
      var out = [];
      items.forEach(function (item) {
        if (parcelGroup.hasLayer(item.layer) && !change(item) && item.layer.options.color === INK) {
          out.push(item.id);
        }
      });
      return out;
    };
    /* the placements shown (plan and filters): [carrier id, project id] of each */
    entry.placed = function () {
      var out = [];
      [[items, parcelGroup], [fitems, factoryGroup]].forEach(function (g) {
        g[0].forEach(function (item) {
          if (!g[1].hasLayer(item.layer)) { return; }
          item.rows.forEach(function (r) { out.push([item.id, ctx.projects[r.project].id]); });
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

  window.LandallocMap = {
    init: init, syncAll: syncAll, readyCodes: READY_CODES, readyLine: READY_LINE, change: CHANGE,
    ink: INK
  };
})();

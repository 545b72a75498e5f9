/* crimescape report map: draws the embedded layer as SVG; pan (drag), zoom (wheel,
   buttons), hover/tap for a feature's values, layer toggles, legend. Plain JS, no
   library, nothing loaded from the network. */
(function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var host = document.getElementById('cs-map');
  var src = document.getElementById('cs-map-data');
  if (!host || !src) { return; }
  var data = JSON.parse(src.textContent);
  var W = data.width, H = data.height;

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function div(cls, parent, text) {
    var e = document.createElement('div');
    e.className = cls;
    if (text !== undefined) { e.textContent = text; }
    if (parent) { parent.appendChild(e); }
    return e;
  }

  var bar = div('cs-bar', host);
  var stage = div('cs-stage', host);
  var svg = el('svg', { 'class': 'cs-svg', 'viewBox': '0 0 ' + W + ' ' + H, 'preserveAspectRatio': 'xMidYMid meet', 'role': 'img' }, stage);
  el('rect', { x: 0, y: 0, width: W, height: H, 'class': 'cs-bg' }, svg);
  var info = div('cs-info', stage, 'Hover or tap a feature');
  var side = div('cs-side', host);

  var radius = Math.max(W, H) / 250;
  var groups = [];
  var drawn = 0;
  data.layers.forEach(function (layer) {
    var g = el('g', { 'class': 'cs-layer cs-' + layer.kind, 'data-name': layer.name }, svg);
    var result = layer.kind === 'result';
    layer.features.forEach(function (f, i) {
      var node;
      if (f.d !== undefined) {
        node = el('path', { d: f.d }, g);
        if (result) {
          node.setAttribute('fill', f.a ? (f.c || '#5b8db8') : 'none');
          if (!f.a) { node.setAttribute('stroke', f.c || '#5b8db8'); node.setAttribute('class', 'csf cs-line'); }
          else { node.setAttribute('class', 'csf'); }
        }
      } else {
        node = el('g', {}, g);
        (f.pt || []).forEach(function (q) {
          el('circle', { cx: q[0], cy: q[1], r: radius, fill: f.c || '#5b8db8' }, node);
        });
        if (result) { node.setAttribute('class', 'csf cs-pt'); }
      }
      if (result) {
        node.setAttribute('data-i', i);
        drawn += 1;
      }
    });
    groups.push({ layer: layer, g: g });
  });
  host.setAttribute('data-drawn', String(drawn));

  // hover / tap: the feature's properties
  var result = data.layers.filter(function (l) { return l.kind === 'result'; })[0];
  var selected = null;
  function show(target) {
    var n = target;
    while (n && n !== svg && !(n.getAttribute && n.getAttribute('data-i') !== null)) { n = n.parentNode; }
    if (!n || n === svg || !result) { return; }
    if (selected) { selected.classList.remove('cs-sel'); }
    selected = n;
    n.classList.add('cs-sel');
    var f = result.features[Number(n.getAttribute('data-i'))];
    info.textContent = '';
    var t = document.createElement('table');
    (f.p || []).forEach(function (kv) {
      var tr = document.createElement('tr');
      var th = document.createElement('th');
      th.textContent = kv[0];
      var td = document.createElement('td');
      td.textContent = kv[1];
      tr.appendChild(th);
      tr.appendChild(td);
      t.appendChild(tr);
    });
    info.appendChild(t);
  }
  svg.addEventListener('mouseover', function (e) { show(e.target); });
  svg.addEventListener('click', function (e) { show(e.target); });

  // pan and zoom by the view box
  var view = { x: 0, y: 0, w: W, h: H };
  function apply() { svg.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h); }
  function zoom(k, cx, cy) {
    var nw = Math.min(Math.max(view.w * k, W / 200), W * 4);
    var f = nw / view.w;
    view.x = cx - (cx - view.x) * f;
    view.y = cy - (cy - view.y) * f;
    view.h = view.h * f;
    view.w = nw;
    apply();
  }
  function toMap(e) {
    var r = svg.getBoundingClientRect();
    var s = Math.max(view.w / r.width, view.h / r.height);
    var ox = (r.width * s - view.w) / 2, oy = (r.height * s - view.h) / 2;
    return { x: view.x - ox + (e.clientX - r.left) * s, y: view.y - oy + (e.clientY - r.top) * s, s: s };
  }
  svg.addEventListener('wheel', function (e) {
    e.preventDefault();
    var p = toMap(e);
    zoom(e.deltaY < 0 ? 0.8 : 1.25, p.x, p.y);
  }, { passive: false });
  var drag = null;
  svg.addEventListener('pointerdown', function (e) {
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, s: toMap(e).s };
  });
  window.addEventListener('pointermove', function (e) {
    if (!drag) { return; }
    view.x = drag.vx - (e.clientX - drag.x) * drag.s;
    view.y = drag.vy - (e.clientY - drag.y) * drag.s;
    apply();
  });
  window.addEventListener('pointerup', function () { drag = null; });

  function button(label, title, fn) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.title = title;
    b.addEventListener('click', fn);
    bar.appendChild(b);
    return b;
  }
  button('+', 'Zoom in', function () { zoom(0.67, view.x + view.w / 2, view.y + view.h / 2); });
  button('\u2212', 'Zoom out', function () { zoom(1.5, view.x + view.w / 2, view.y + view.h / 2); });
  button('Reset', 'Show the whole layer', function () { view = { x: 0, y: 0, w: W, h: H }; apply(); });
  var crs = document.createElement('span');
  crs.className = 'cs-crs';
  crs.textContent = data.crs ? 'Working CRS ' + data.crs + ', metres' : '';
  bar.appendChild(crs);

  // layer toggles
  var lt = div('cs-toggles', side);
  div('cs-head', lt, 'Layers');
  groups.slice().reverse().forEach(function (x) {
    var lab = document.createElement('label');
    var cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.checked = true;
    cb.addEventListener('change', function () { x.g.style.display = cb.checked ? '' : 'none'; });
    lab.appendChild(cb);
    lab.appendChild(document.createTextNode(' ' + x.layer.name + (x.layer.kind === 'result' ? '' : ' (context)')));
    lt.appendChild(lab);
  });

  // legend: the classes and colours of the figure
  if (data.legend && data.legend.classes) {
    var lg = div('cs-legend', side);
    div('cs-head', lg, data.legend.caption || 'Legend');
    data.legend.classes.forEach(function (c) {
      var row = div('cs-class', lg);
      var sw = document.createElement('span');
      sw.className = 'cs-swatch';
      sw.style.background = c[0];
      row.appendChild(sw);
      row.appendChild(document.createTextNode(' ' + c[1]));
    });
  }
}());

// browser.js: the sample browser of a depsim report. It reads the JSON embedded in the page
// (#ds-data) and draws a filterable list of every embedded sample, each sample's transcript
// (prefix, original answer, candidate answer with the grader's evidence marked, tool calls with
// the simulated answers and their source, grades with evidence and the judge's explanation),
// and, with several candidates, every candidate's answer to the same prompt side by side.
// Text from the data only ever reaches the page through textContent: nothing is parsed as markup or code.
// The state lives in the URL (#b?cat=...&flag=...&q=...&sample=...), so a link finds a sample.
(function () {
  'use strict';
  var t0 = performance.now();
  var D = JSON.parse(document.getElementById('ds-data').textContent);
  var B = D.browser || {};
  var P = B.prefixes || [], S = B.samples || [], CANDS = B.candidates || [], CATS = D.categories || {};
  var root = document.getElementById('browser');
  var PAGE = 50, GPAGE = 20;
  var st = {tab: 'list', cand: '', cat: '', flag: '', seg: '', fin: '', src: '', q: '', sample: '', page: 0};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function add(parent, child) { parent.appendChild(child); return child; }
  function sid(s) {
    var p = P[s.p] || {};
    return p.key + '/' + s.k + (CANDS.length > 1 ? '@' + CANDS[s.c] : '');
  }
  // grades are compact: s.ok lists the categories (by index) graded clean, s.g the others in full
  var CATN = B.categories || [];
  function cname(i) { return CATN[i] === undefined ? String(i) : CATN[i]; }
  function flagged(s, cat) {
    for (var i = 0; i < s.g.length; i++) if (s.g[i].l === 1 && (!cat || cname(s.g[i].c) === cat)) return true;
    return false;
  }
  function errored(s, cat) {
    for (var i = 0; i < s.g.length; i++) if (s.g[i].l === null && (!cat || cname(s.g[i].c) === cat)) return true;
    return false;
  }
  function graded(s, cat) {
    for (var i = 0; i < s.g.length; i++) if (cname(s.g[i].c) === cat) return true;
    for (var j = 0; j < (s.ok || []).length; j++) if (cname(s.ok[j]) === cat) return true;
    return false;
  }
  function sources(s) {
    var o = {};
    for (var i = 0; i < s.steps.length; i++) o[s.steps[i].source] = 1;
    return Object.keys(o);
  }
  function hay(s) {
    if (s._h === undefined) {
      var p = P[s.p] || {}, parts = [sid(s), s.txt || '', p.orig || '', s.err || ''];
      (p.msgs || []).forEach(function (m) { parts.push(m.t || ''); });
      s.g.forEach(function (g) { parts.push(g.ev || '', g.why || '', g.err || ''); });
      s.steps.forEach(function (x) { parts.push(x.tool || '', x.arguments || '', x.response || ''); });
      s._h = parts.join('\n').toLowerCase();
    }
    return s._h;
  }
  function segOf(s) { return (P[s.p] || {}).seg || {}; }
  function pass(s) {
    if (st.cand !== '' && String(s.c) !== st.cand) return false;
    if (st.cat && !graded(s, st.cat)) return false;
    if (st.flag === 'flagged' && !flagged(s, st.cat)) return false;
    if (st.flag === 'clean' && (flagged(s, st.cat) || errored(s, st.cat))) return false;
    if (st.flag === 'error' && !errored(s, st.cat)) return false;
    if (st.seg) {
      var i = st.seg.indexOf('='), k = st.seg.slice(0, i), v = st.seg.slice(i + 1), sg = segOf(s);
      if (!(k in sg) || String(sg[k]) !== v) return false;
    }
    if (st.fin && (s.fin || s.st || '') !== st.fin) return false;
    if (st.src === '(none)' && s.steps.length) return false;
    if (st.src && st.src !== '(none)' && sources(s).indexOf(st.src) < 0) return false;
    if (st.q && hay(s).indexOf(st.q.toLowerCase()) < 0) return false;
    return true;
  }

  // ---- state in the URL ----
  function readHash() {
    var h = location.hash;
    if (h.indexOf('#b?') !== 0) return;
    h.slice(3).split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i < 0) return;
      var k = decodeURIComponent(kv.slice(0, i)), v = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' '));
      if (k in st) st[k] = k === 'page' ? (parseInt(v, 10) || 0) : v;
    });
  }
  function writeHash() {
    var parts = [];
    Object.keys(st).forEach(function (k) {
      if (st[k] !== '' && !(k === 'page' && st[k] === 0) && !(k === 'tab' && st[k] === 'list'))
        parts.push(encodeURIComponent(k) + '=' + encodeURIComponent(st[k]));
    });
    try { history.replaceState(null, '', parts.length ? '#b?' + parts.join('&') : location.pathname); } catch (e) {}
  }

  // ---- text with the evidence marked, folded when long ----
  function marked(parent, text, evs) {
    text = text || '';
    var pos = 0;
    while (pos < text.length) {
      var best = -1, len = 0;
      evs.forEach(function (e) {
        if (!e || e.length < 2) return;
        var i = text.indexOf(e, pos);
        if (i >= 0 && (best < 0 || i < best)) { best = i; len = e.length; }
      });
      if (best < 0) break;
      parent.appendChild(document.createTextNode(text.slice(pos, best)));
      add(parent, el('mark', null, text.slice(best, best + len)));
      pos = best + len;
    }
    parent.appendChild(document.createTextNode(text.slice(pos)));
  }
  function block(parent, text, evs) {
    text = text === undefined || text === null ? null : String(text);
    if (text === null) { add(parent, el('pre', 'msg muted', '(none stored)')); return; }
    if (text.length <= 1600) { marked(add(parent, el('pre', 'msg')), text, evs || []); return; }
    marked(add(parent, el('pre', 'msg')), text.slice(0, 700) + '…', evs || []);
    var d = add(parent, el('details', 'fold'));
    add(d, el('summary', null, 'show all (' + text.length + ' characters)'));
    marked(add(d, el('pre', 'msg')), text, evs || []);
  }
  function chip(parent, text, cls) { return add(parent, el('span', 'chip ' + (cls || ''), text)); }
  function srcChip(parent, src) {
    var c = add(parent, el('span', 'src', src));
    var col = {db: '#16a34a', db_near: '#86efac', connector: '#2563eb', simulator: '#f59e0b', refused: '#7c3aed', error: '#dc2626'};
    c.style.borderColor = col[src] || '#6b7280';
  }
  function lastUser(p) {
    var m = (p.msgs || []).filter(function (x) { return x.r === 'user'; });
    return m.length ? m[m.length - 1].t : '';
  }

  // ---- the controls ----
  function select(bar, key, label, options) {
    var wrap = add(bar, el('label', null, label + ' '));
    var s = add(wrap, el('select'));
    s.id = 'b-' + key;
    options.forEach(function (o) {
      var opt = add(s, el('option', null, o[1]));
      opt.value = o[0];
    });
    s.value = st[key];
    s.addEventListener('change', function () { st[key] = s.value; st.page = 0; st.sample = ''; draw(); });
  }
  function distinct(fn) {
    var o = {};
    S.forEach(function (s) { fn(s).forEach(function (v) { if (v !== undefined && v !== null && v !== '') o[v] = (o[v] || 0) + 1; }); });
    return Object.keys(o).sort().map(function (k) { return [k, k + ' (' + o[k] + ')']; });
  }
  function controls() {
    var bar = el('div', 'bar');
    if (CANDS.length > 1) {
      var tabs = add(bar, el('span', 'tabs'));
      [['list', 'Samples'], ['grid', 'Side by side']].forEach(function (t) {
        var b = add(tabs, el('button', st.tab === t[0] ? 'on' : '', t[1]));
        b.id = 'tab-' + t[0];
        b.addEventListener('click', function () { st.tab = t[0]; st.page = 0; draw(); });
      });
      select(bar, 'cand', 'candidate', [['', 'all']].concat(CANDS.map(function (n, i) { return [String(i), n]; })));
    }
    var catIds = (B.categories || []).slice();
    select(bar, 'cat', 'category', [['', 'any']].concat(catIds.map(function (c) {
      return [c, CATS[c] && CATS[c].title ? c + ': ' + CATS[c].title : c];
    })));
    select(bar, 'flag', 'grade', [['', 'any'], ['flagged', 'flagged'], ['clean', 'clean'], ['error', 'grader error']]);
    select(bar, 'seg', 'segment', [['', 'any']].concat(distinct(function (s) {
      var sg = segOf(s);
      return Object.keys(sg).map(function (k) { return k + '=' + (typeof sg[k] === 'string' ? sg[k] : JSON.stringify(sg[k])); });
    })));
    select(bar, 'fin', 'ended', [['', 'any']].concat(distinct(function (s) { return [s.fin || s.st]; })));
    select(bar, 'src', 'tool source', [['', 'any'], ['(none)', 'no tool calls']].concat(distinct(sources)));
    var q = add(add(bar, el('label', null, 'find ')), el('input'));
    q.type = 'search';
    q.id = 'b-q';
    q.placeholder = 'sample id or text';
    q.value = st.q;
    var timer = null;
    q.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        st.q = q.value; st.page = 0; st.sample = ''; draw();
        var nq = document.getElementById('b-q');
        if (nq) { nq.focus(); nq.setSelectionRange(nq.value.length, nq.value.length); }
      }, 200);
    });
    return bar;
  }

  // ---- one sample in full ----
  function detail(s) {
    var p = P[s.p] || {}, box = el('div', 'detail');
    box.id = 'b-detail';
    var hd = add(box, el('div', 'hd'));
    add(hd, el('code', null, sid(s)));
    add(hd, document.createTextNode(' · candidate ' + (CANDS[s.c] || '') + ' · ended: ' + (s.fin || s.st || '?')));
    Object.keys(p.seg || {}).forEach(function (k) { chip(hd, k + '=' + p.seg[k], 'na'); });
    if (s.err) add(box, el('p', 'warn', 'error: ' + s.err));
    add(box, el('div', 'lab', 'prefix (what the candidate was shown)'));
    (p.msgs || []).forEach(function (m) {
      if (m.r === 'omitted') { add(box, el('p', 'note', '… ' + m.n + ' earlier messages not embedded …')); return; }
      add(box, el('div', 'msgrole', m.r));
      block(box, m.t);
    });
    var evs = s.g.filter(function (g) { return g.l === 1 && g.ev; }).map(function (g) { return g.ev; });
    var pair = add(box, el('div', 'pair'));
    var a = add(pair, el('div')), b = add(pair, el('div'));
    add(a, el('div', 'lab', 'original answer'));
    block(a, p.orig, evs);
    add(b, el('div', 'lab', 'candidate answer'));
    block(b, s.txt, evs);
    if (s.steps.length) {
      add(box, el('div', 'lab', 'tool calls, simulated answers and their source'));
      var t = add(box, el('table', 'steps')), tr = add(t, el('tr'));
      ['#', 'tool', 'arguments', 'source', 'answer'].forEach(function (h) { add(tr, el('th', null, h)); });
      s.steps.forEach(function (x) {
        var r = add(t, el('tr'));
        add(r, el('td', 'num', x.step));
        var tool = add(r, el('td', null, x.tool));
        if (x.side_effect) add(tool, el('div', 'note', 'side effect: recorded, not run'));
        block(add(r, el('td')), x.arguments);
        srcChip(add(r, el('td')), x.source);
        block(add(r, el('td')), x.response);
      });
    }
    add(box, el('div', 'lab', 'grades'));
    var gt = add(box, el('table', 'grades')), gr = add(gt, el('tr'));
    ['category', 'grade', 'grader', 'confidence', 'evidence', 'explanation'].forEach(function (h) { add(gr, el('th', null, h)); });
    s.g.concat((s.ok || []).map(function (c) { return {c: c, l: 0}; })).forEach(function (g) {
      var r = add(gt, el('tr', g.l === 1 ? 'gflag' : ''));
      var n = cname(g.c);
      add(r, el('td', null, n + (CATS[n] && CATS[n].title ? ' (' + CATS[n].title + ')' : '')));
      add(r, el('td', null, g.l === 1 ? 'flagged' : g.l === 0 ? 'clean' : 'grader error'));
      add(r, el('td', null, g.g || ''));
      add(r, el('td', 'num', g.cf === undefined ? '' : g.cf.toFixed(2)));
      add(r, el('td', null, g.ev || ''));
      add(r, el('td', null, (g.why || '') + (g.err ? ' ' + g.err : '')));
    });
    return box;
  }

  // ---- the list ----
  function list(parent, rows) {
    var n = rows.length, pages = Math.max(1, Math.ceil(n / PAGE));
    if (st.page >= pages) st.page = pages - 1;
    var t = add(parent, el('table', 'list')), hr = add(t, el('tr'));
    hr.id = 'b-head';
    ['sample'].concat(CANDS.length > 1 ? ['candidate'] : [], ['flagged', 'ended', 'tools', 'answer']).forEach(function (h) { add(hr, el('th', null, h)); });
    rows.slice(st.page * PAGE, st.page * PAGE + PAGE).forEach(function (s) {
      var r = add(t, el('tr', 'row' + (sid(s) === st.sample ? ' sel' : '')));
      r.setAttribute('data-id', sid(s));
      add(add(r, el('td')), el('code', null, sid(s)));
      if (CANDS.length > 1) add(r, el('td', null, CANDS[s.c]));
      var f = add(r, el('td'));
      s.g.forEach(function (g) { if (g.l === 1) chip(f, cname(g.c), 'fail'); else if (g.l === null) chip(f, cname(g.c) + ' ?', 'inc'); });
      add(r, el('td', null, s.fin || s.st || ''));
      var srcs = add(r, el('td'));
      sources(s).forEach(function (x) { srcChip(srcs, x); });
      add(r, el('td', 'snip', (s.txt || '').slice(0, 160)));
      r.addEventListener('click', function () { st.sample = sid(s); draw(); });
    });
    pager(parent, pages);
  }
  function pager(parent, pages) {
    if (pages <= 1) return;
    var pg = add(parent, el('div', 'pager'));
    var prev = add(pg, el('button', null, '‹ previous'));
    prev.disabled = st.page === 0;
    prev.addEventListener('click', function () { st.page--; draw(); });
    add(pg, el('span', null, 'page ' + (st.page + 1) + ' of ' + pages));
    var next = add(pg, el('button', null, 'next ›'));
    next.disabled = st.page >= pages - 1;
    next.addEventListener('click', function () { st.page++; draw(); });
  }

  // ---- several candidates: the same prompt, every candidate's answer ----
  function grid(parent, rows) {
    // a prompt is shown when one of its samples passes the filters; then every candidate's answer
    var byP = {}, order = [];
    rows.forEach(function (s) { if (!(s.p in byP)) { byP[s.p] = []; order.push(s.p); } });
    S.forEach(function (s) { if (s.p in byP) byP[s.p].push(s); });
    var pages = Math.max(1, Math.ceil(order.length / GPAGE));
    if (st.page >= pages) st.page = pages - 1;
    var c = add(parent, el('p', 'note', order.length + ' prompts'));
    c.id = 'g-count';
    c.setAttribute('data-n', String(order.length));
    var t = add(parent, el('table', 'grid')), hr = add(t, el('tr'));
    add(hr, el('th', null, 'prompt (last user message)'));
    add(hr, el('th', null, 'original answer'));
    CANDS.forEach(function (n) { add(hr, el('th', null, n)); });
    order.slice(st.page * GPAGE, st.page * GPAGE + GPAGE).forEach(function (pi) {
      var p = P[pi] || {}, r = add(t, el('tr'));
      var first = add(r, el('td'));
      add(first, el('code', null, p.key));
      block(first, lastUser(p));
      block(add(r, el('td')), p.orig);
      CANDS.forEach(function (n, ci) {
        var td = add(r, el('td'));
        var mine = byP[pi].filter(function (s) { return s.c === ci; });
        if (!mine.length) add(td, el('span', 'muted', 'no sample of this candidate for this prompt'));
        mine.forEach(function (s) {
          var hd = add(td, el('div'));
          s.g.forEach(function (g) { if (g.l === 1) chip(hd, cname(g.c), 'fail'); });
          var evs = s.g.filter(function (g) { return g.l === 1 && g.ev; }).map(function (g) { return g.ev; });
          block(td, s.txt, evs);
          var open = add(td, el('a', null, 'transcript'));
          open.href = '#b?sample=' + encodeURIComponent(sid(s));
          open.addEventListener('click', function (e) { e.preventDefault(); st.tab = 'list'; st.sample = sid(s); draw(); });
        });
      });
    });
    pager(parent, pages);
  }

  function draw() {
    var rows = S.filter(pass);
    while (root.firstChild) root.removeChild(root.firstChild);
    root.appendChild(controls());
    var cnt = add(root, el('p', 'note', rows.length + ' of ' + S.length + ' embedded samples match' +
      (B.left_out ? ' (' + B.left_out + ' of the run\'s ' + B.total + ' samples are not embedded)' : '')));
    cnt.id = 'b-count';
    cnt.setAttribute('data-n', String(rows.length));
    if (st.tab === 'grid' && CANDS.length > 1) grid(root, rows);
    else {
      if (st.sample) {
        var pick = S.filter(function (s) { return sid(s) === st.sample; })[0];
        if (pick) root.appendChild(detail(pick));
        else add(root, el('p', 'warn', 'no embedded sample ' + st.sample));
      }
      list(root, rows);
    }
    writeHash();
  }

  readHash();
  draw();
  if (st.sample) { var d = document.getElementById('b-detail'); if (d) d.scrollIntoView(); }
  // for tests and bench/report_open.sh: ms from navigation start until drawn, and the script's own share
  document.documentElement.setAttribute('data-ready', String(Math.round(performance.now())));
  document.documentElement.setAttribute('data-script-ms', String(Math.round(performance.now() - t0)));
})();

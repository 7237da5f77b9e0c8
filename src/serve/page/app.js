// SPDX-License-Identifier: MIT
// The flow dashboard. Task text and agent output are untrusted: they only ever reach the
// page as text (textContent, SVG text nodes), never as markup.
'use strict';

const token = new URLSearchParams(location.search).get('token') || '';
const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const W = 92, H = 20, GX = 26, GY = 6, LANE_PAD = 22, BAND_PAD = 16, COL_ROWS = 30;

let structure = null;     // per feature: the graph (from /api/structure)
let states = null;        // per feature: where tasks and the run stand
let readOnly = true;
let cur = 0;              // the feature shown
let selected = -1;
const views = [];         // per feature: {svg content, node elements}
const etaHistory = [];    // per feature: [[elapsed, eta seconds]]
let dirty = false;
const timings = window.__flowTimings = {};  // where the first render's time goes (the browser test reports it)

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = String(text);
  return e;
}
function sv(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  if (attrs) for (const k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}
function api(path) { return path + (path.includes('?') ? '&' : '?') + 'token=' + encodeURIComponent(token); }
function human(s) {
  if (!isFinite(s)) return '–';
  s = Math.max(0, s);
  if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + 's';
  const m = Math.round(s / 60);
  return m < 60 ? Math.floor(s / 60) + 'm ' + String(Math.round(s % 60)).padStart(2, '0') + 's'
                : Math.floor(m / 60) + 'h ' + String(m % 60).padStart(2, '0') + 'm';
}

// ---- layout: phases as lanes; in a lane, a band per section and story (labelled), columns by depth ----
function layout(f) {
  const g = structure[f], n = g.tasks.length, nodes = n + g.gates.length;
  const preds = Array.from({ length: nodes }, () => []), succs = Array.from({ length: nodes }, () => []);
  for (let k = 0; k < g.edges.length; k += 2) { succs[g.edges[k]].push(g.edges[k + 1]); preds[g.edges[k + 1]].push(g.edges[k]); }
  // Kahn's order, for depths and the lanes of gates.
  const indeg = preds.map((p) => p.length), order = [];
  for (let v = 0; v < nodes; v++) if (!indeg[v]) order.push(v);
  for (let i = 0; i < order.length; i++) for (const s of succs[order[i]]) if (!--indeg[s]) order.push(s);
  const lane = new Int32Array(nodes), depth = new Int32Array(nodes), band = new Array(nodes);
  for (let t = 0; t < n; t++) { lane[t] = g.tasks[t].ph; band[t] = g.tasks[t].g + '\u0000' + (g.tasks[t].st || ''); }
  for (const v of order) {
    let d = 0;
    for (const p of preds[v]) d = Math.max(d, depth[p] + 1);
    depth[v] = d;
  }
  // A gate sits in the lane and band it leads into (else those it comes from).
  for (let v = n; v < nodes; v++) {
    const near = succs[v].find((s) => s < n) ?? preds[v].find((p) => p < n);
    lane[v] = near === undefined ? 0 : lane[near];
    band[v] = near === undefined ? '' : band[near];
  }
  const lanes = g.phases.length || 1, members = Array.from({ length: lanes }, () => []);
  for (let v = 0; v < nodes; v++) members[Math.min(lane[v], lanes - 1)].push(v);
  const x = new Float64Array(nodes), y = new Float64Array(nodes), pos = new Int32Array(nodes), laneBox = [], bands = [];
  let top = 0, width = 0;
  for (let l = 0; l < lanes; l++) {
    const vs = members[l];
    let min = Infinity;
    for (const v of vs) min = Math.min(min, depth[v]);
    // Bands in the order their first task appears in the document: sections, then
    // the stories within them, stay together and read top to bottom.
    const byBand = new Map();
    for (const v of vs) { if (!byBand.has(band[v])) byBand.set(band[v], []); byBand.get(band[v]).push(v); }
    const keys = [...byBand.keys()].sort((a, b) => byBand.get(a)[0] - byBand.get(b)[0]);   // lists ascend
    // Columns (depth) are shared by the lane's bands, as wide as the widest band needs.
    const cells = new Map(), span = new Map();
    for (const k of keys) for (const v of byBand.get(k)) {
      const key = k + '\u0001' + (depth[v] - min);
      if (!cells.has(key)) cells.set(key, []);
      pos[v] = cells.get(key).length;
      cells.get(key).push(v);
      span.set(depth[v] - min, Math.max(span.get(depth[v] - min) || 0, Math.ceil(cells.get(key).length / COL_ROWS)));
    }
    const colAt = new Map();
    let cols = 0;
    for (const c of [...span.keys()].sort((a, b) => a - b)) { colAt.set(c, cols); cols += span.get(c); }
    let bandTop = top + LANE_PAD;
    for (const k of keys) {
      const sep = k.indexOf('\u0000'), gi = sep < 0 ? -1 : +k.slice(0, sep), story = sep < 0 ? '' : k.slice(sep + 1);
      const section = gi >= 0 && g.groups[gi] ? g.groups[gi].title : '';
      const label = [section, story].filter(Boolean).join(' · ');
      const head = label ? BAND_PAD : 0;
      let rows = 0, left = Infinity;
      for (const v of byBand.get(k)) {
        const i = pos[v];
        const sub = Math.floor(i / COL_ROWS), r = i % COL_ROWS;
        x[v] = 10 + (colAt.get(depth[v] - min) + sub) * (W + GX);
        y[v] = bandTop + head + r * (H + GY);
        rows = Math.max(rows, r + 1);
        left = Math.min(left, x[v]);
      }
      const h = head + rows * (H + GY);
      // The label over the band's first column, where its tasks begin.
      if (label) bands.push({ y: bandTop, h, label, story, x: left });
      bandTop += h;
    }
    const h = Math.max(bandTop - top, LANE_PAD + H + GY) + 8;
    laneBox.push([top, h]);
    top += h;
    width = Math.max(width, 10 + cols * (W + GX));
  }
  return { x, y, laneBox, bands, width: Math.max(width, 400), height: top, preds, succs, nodes, n };
}

// ---- the graph, built once per feature; later only classes change ----
function build(f) {
  const t0 = performance.now();
  const g = structure[f], L = layout(f), frag = sv('g');
  timings.layout = performance.now() - t0;
  L.laneBox.forEach(([top, h], l) => {
    frag.appendChild(sv('rect', { class: 'lane' + (l % 2 ? ' odd' : ''), x: 0, y: top, width: L.width, height: h }));
    const title = sv('text', { class: 'lane-title', x: 8, y: top + 14 });
    title.textContent = g.phases[l] ? g.phases[l].title || 'Tasks' : 'Tasks';
    frag.appendChild(title);
  });
  // Sections and stories: a rule and a label over each band (text nodes: titles are
  // the user's text, never markup).
  for (const b of L.bands) {
    frag.appendChild(sv('line', { class: 'band', x1: 6, x2: L.width - 6, y1: b.y + 1, y2: b.y + 1 }));
    const t = sv('text', { class: 'band-title', x: b.x, y: b.y + 12 });
    if (b.story) t.setAttribute('fill', 'hsl(' + (hash(b.story) % 360) + ',60%,70%)');
    t.textContent = b.label;
    frag.appendChild(t);
  }
  // All edges in one path (and the critical path's in another): thousands of edges,
  // two elements.
  let d = '';
  for (let k = 0; k < g.edges.length; k += 2) {
    const a = g.edges[k], b = g.edges[k + 1];
    const x1 = L.x[a] + (a < L.n ? W : 4), y1 = L.y[a] + H / 2, x2 = L.x[b], y2 = L.y[b] + H / 2;
    d += 'M' + x1 + ' ' + y1 + 'C' + (x1 + 12) + ' ' + y1 + ' ' + (x2 - 12) + ' ' + y2 + ' ' + x2 + ' ' + y2;
  }
  frag.appendChild(sv('path', { class: 'edges', d }));
  let cd = '';
  for (let i = 1; i < g.critical.length; i++) {
    const a = g.critical[i - 1], b = g.critical[i];
    cd += 'M' + (L.x[a] + W) + ' ' + (L.y[a] + H / 2) + 'L' + L.x[b] + ' ' + (L.y[b] + H / 2);
  }
  frag.appendChild(sv('path', { class: 'edges crit', d: cd }));
  const crit = new Set(g.critical), nodes = new Array(L.n);
  for (let v = L.n; v < L.nodes; v++) frag.appendChild(sv('circle', { class: 'gate', cx: L.x[v] + 4, cy: L.y[v] + H / 2, r: 3 }));
  // A node is its rectangle (the element whose class says the state), its ID as text
  // and its story's stripe: no group and no transform per node, so a state change is
  // one attribute on one element. The stripes are one path per story.
  const stripes = new Map();
  for (let t = 0; t < L.n; t++) {
    const story = g.tasks[t].st;
    if (story) stripes.set(story, (stripes.get(story) || '') + 'M' + L.x[t] + ' ' + L.y[t] + 'h4v' + H + 'h-4z');
  }
  const nodeLayer = sv('g'), labelLayer = sv('g');
  frag.appendChild(nodeLayer);
  for (const [story, d] of stripes) frag.appendChild(sv('path', { class: 'stripe', d, fill: 'hsl(' + (hash(story) % 360) + ',60%,60%)' }));
  frag.appendChild(labelLayer);   // after the nodes and stripes: drawn on top
  // What the window shows first; the rest is added in slices after the first paint, so
  // the first render does not wait for nodes nobody can see yet.
  const seen = (t) => L.x[t] < viewW + 2 * W && L.y[t] < viewH + 4 * H;
  const order = [];
  for (let t = 0; t < L.n; t++) if (seen(t)) order.push(t);
  const first = order.length;
  for (let t = 0; t < L.n; t++) if (!seen(t)) order.push(t);
  const v = { root: frag, nodes, L, crit, order, next: 0, nodeLayer, labelLayer, f };
  addNodes(v, first);
  timings.build = performance.now() - t0 - timings.layout;
  timings.visible = first;
  return v;
}
// Creates the view's next `count` nodes, each in the state it has now.
function addNodes(v, count) {
  const g = structure[v.f], st = states[v.f].tasks, L = v.L;
  const nodes = document.createDocumentFragment(), labels = document.createDocumentFragment();
  for (const end = Math.min(v.order.length, v.next + count); v.next < end; v.next++) {
    const t = v.order[v.next], x = L.x[t], y = L.y[t];
    const node = sv('rect', { class: 'node s-' + st[t].s + (v.crit.has(t) ? ' crit' : '') + (v.f === cur && t === selected ? ' sel' : ''),
      x, y, width: W, height: H, 'data-i': t, 'data-id': g.tasks[t].id });
    v.nodes[t] = node;
    nodes.appendChild(node);
    const label = sv('text', { class: 'nlabel', x: x + 8, y: y + 14 });
    label.textContent = g.tasks[t].id;
    labels.appendChild(label);
  }
  v.nodeLayer.appendChild(nodes);
  v.labelLayer.appendChild(labels);
}
// The rest of a view's nodes, a slice per task of the event loop (the page stays
// responsive); __flowComplete says when every node exists.
function fill(v) {
  if (v.next >= v.order.length) {
    if (v.f === 0 && window.__flowComplete === undefined) window.__flowComplete = performance.now();
    return;
  }
  addNodes(v, 400);
  setTimeout(() => fill(v), 0);
}
function hash(s) { let h = 7; for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0; return h; }

function show(f) {
  cur = f;
  selected = -1;
  const svg = $('graph');
  if (!views[f]) {
    const b = build(f);
    views[f] = b;
  }
  const v = views[f];
  svg.replaceChildren(v.root);
  // The rest of the nodes after this frame is painted (for the first render, the
  // timer that notes the paint starts them).
  if (!v.filling && window.__flowFirstRender !== undefined) {
    v.filling = true;
    requestAnimationFrame(() => setTimeout(() => fill(v)));
  }
  svg.setAttribute('width', v.L.width);
  svg.setAttribute('height', v.L.height);
  for (const b of $('tabs').children) b.classList.toggle('on', +b.dataset.f === f);
  panel();
  refresh();
}

function setNode(f, t) {
  const v = views[f];
  if (!v || !v.nodes[t]) return;
  v.nodes[t].setAttribute('class', 'node s-' + states[f].tasks[t].s + (v.crit.has(t) ? ' crit' : '') + (f === cur && t === selected ? ' sel' : ''));
}

// ---- events ----
function applyEvent(e) {
  const f = e.feature, S = states && states[f];
  if (!S) return;
  if (e.kind === 'run-started' && e.run !== S.run.id) { reload(); return; }
  const t = e.index, s = t >= 0 ? S.tasks[t] : null;
  const endTry = (outcome, cls) => { if (s && s.tries && s.tries.length) { const tr = s.tries[s.tries.length - 1]; tr[1] = e.time; tr[2] = outcome; tr[3] = cls || ''; } };
  switch (e.kind) {
    case 'started': s.s = 'running'; s.a = Math.max(s.a, e.attempt || 1); s.act = ''; (s.tries = s.tries || []).push([e.time, -1, '', '']); break;
    case 'succeeded': s.s = 'succeeded'; s.sec = (s.sec || 0) + (e.seconds || 0); s.cost = (s.cost || 0) + (e.cost_usd || 0);
      s.in = (s.in || 0) + (e.input_tokens || 0); s.out = (s.out || 0) + (e.output_tokens || 0); s.act = ''; endTry('succeeded'); break;
    case 'failed': s.s = e.decision === 'retry' ? 'retrying' : e.decision === 'skip' ? 'skipped' : 'failed';
      s.cls = e.class; s.why = e.detail; s.cost = (s.cost || 0) + (e.cost_usd || 0); s.act = ''; endTry('failed', e.class); break;
    case 'blocked': if (s) { s.s = 'blocked'; s.why = e.detail; } break;
    case 'needs-attention': if (s) { s.s = 'needs-attention'; s.why = e.detail; } break;
    case 'marked': if (s) { s.m = true; if (s.s === 'pending') s.s = 'done'; } break;
    case 'killed': if (s) { s.s = 'killed'; endTry('killed', 'killed'); } break;
    case 'activity': if (s) s.act = e.detail; break;
    case 'control':
      if (e.action === 'pause') S.run.paused = true;
      if (e.action === 'resume') S.run.paused = false;
      if (s && e.action === 'skip') s.s = 'skipped';
      if (s && e.action === 'retry') s.s = 'pending';
      break;
    case 'interrupted': S.run.interrupted = true; break;
    case 'run-finished': S.run.finished = true; S.run.paused = false; break;
    // The run's process went away without finishing (killed, crashed): nothing reaches it.
    case 'run-ended': S.run.ended = true; S.run.paused = false; $('status').textContent = 'run ended: ' + e.detail; break;
  }
  S.run.wall = Math.max(S.run.wall || 0, e.time || 0);
  if (t >= 0) setNode(f, t);
  feed(e);
  // The run is over: the panel's buttons go now, not at the next click.
  if (f === cur && (t === selected || e.kind === 'run-finished' || e.kind === 'run-ended')) panel();
  dirty = true;
}

function feed(e) {
  if (e.kind === 'activity') return;
  const g = structure[e.feature], list = $('feed');
  const li = el('li', null, human(e.time) + '  ' + (structure.length > 1 ? '#' + e.feature + ' ' : '') + e.kind + ' ' +
    (e.task || '') + (e.attempt > 1 ? ' (attempt ' + e.attempt + ')' : '') + (e.detail ? '  ' + String(e.detail).slice(0, 120) : ''));
  list.insertBefore(li, list.firstChild);
  while (list.childNodes.length > 200) list.removeChild(list.lastChild);
  void g;
}

async function reload() {
  const r = await fetch(api('/api/state'));
  if (!r.ok) return;
  snapshot(await r.json());
}

function snapshot(data) {
  const first = !states;
  states = data.features;
  readOnly = data.read_only;
  if (first) {
    timings.snapshot = performance.now();
    show(0);
    timings.shown = performance.now();
    // The render is done when the frame with the graph has been painted: a timer set
    // from the next animation frame runs after that frame's style, layout and paint.
    requestAnimationFrame(() => setTimeout(() => {
      const ms = performance.now();
      views[0].filling = true;
      fill(views[0]);
      window.__flowFirstRender = ms;   // the browser test reads it
      $('status').textContent = 'first render ' + ms.toFixed(0) + ' ms after navigation; ' +
        structure.reduce((a, g) => a + g.tasks.length, 0) + ' tasks';
    }));
  } else {
    for (let f = 0; f < states.length; f++) if (views[f]) for (let t = 0; t < states[f].tasks.length; t++) setNode(f, t);
    panel();
  }
  dirty = true;
}

// ---- the numbers: counts, ETA, bottleneck, cost, timeline ----
const FINISHED = new Set(['done', 'succeeded', 'skipped', 'failed', 'needs-attention', 'blocked', 'killed']);
function elapsed(S) {
  if (S.run.finished || S.run.ended || !S.run.started) return S.run.wall || 0;
  return Math.max(S.run.wall || 0, (Date.now() - Date.parse(S.run.started)) / 1000);
}
function quantile(a, q) { if (!a.length) return NaN; const b = [...a].sort((x, y) => x - y); return b[Math.min(b.length - 1, Math.floor(q * b.length))]; }

// Whether the page's controls reach the run shown: the run in the server's own process
// (flow run --dashboard), or one going on in another (flow serve; through its inbox).
function controllable(S) { return !readOnly && !!S.run.control && !S.run.finished && !S.run.ended && !!S.run.id; }

function refresh() {
  if (!states) return;
  const S = states[cur], g = structure[cur], tasks = S.tasks;
  const counts = {};
  let cost = 0, tin = 0, tout = 0;
  const durations = [];
  for (const s of tasks) {
    counts[s.s] = (counts[s.s] || 0) + 1;
    cost += s.cost || 0; tin += s.in || 0; tout += s.out || 0;
    if (s.tries) for (const tr of s.tries) if (tr[2] === 'succeeded' && tr[1] >= 0) durations.push(tr[1] - tr[0]);
  }
  $('counts').textContent = Object.entries(counts).map(([k, v]) => v + ' ' + k).join(' · ');
  const now = elapsed(S);
  $('run').textContent = S.run.id ? 'run ' + S.run.id + ' · ' + (S.run.finished ? 'finished' : S.run.ended ? 'ended without finishing (its process is gone)' : S.run.paused ? 'paused' : 'running') +
    ' · ' + human(now) + ' · ' + S.run.workers + ' workers' + (controllable(S) && S.run.control === 'inbox' ?
      ' · controlled in process ' + S.run.control_pid : '') : 'not run yet';
  const pause = $('pause');
  pause.hidden = !controllable(S);
  pause.textContent = S.run.paused ? 'Resume' : 'Pause';
  // ETA: the longest chain left and the work left over the workers, at the durations
  // seen so far (quartiles give the range).
  let left = 0, chain = 0, neck = -1;
  for (let t = 0; t < tasks.length; t++) {
    if (FINISHED.has(tasks[t].s)) continue;
    left++;
    if (g.remaining[t] > chain || (g.remaining[t] === chain && tasks[t].s === 'running' && neck >= 0 && tasks[neck].s !== 'running')) { chain = g.remaining[t]; neck = t; }
  }
  const w = Math.max(1, S.run.workers || 1);
  const est = (d) => Math.max(chain * d, left * d / w);
  if (!left) $('eta').textContent = S.run.finished || !S.run.id ? 'nothing left' : 'finishing';
  else if (S.run.ended) $('eta').textContent = left + ' tasks left; none: the run ended without finishing';
  else if (!durations.length) $('eta').textContent = left + ' tasks left; ETA after the first finishes';
  else {
    const lo = est(quantile(durations, 0.25)), mid = est(quantile(durations, 0.5)), hi = est(quantile(durations, 0.75));
    $('eta').textContent = human(lo) + ' – ' + human(hi) + ' (' + left + ' tasks left)';
    const h = etaHistory[cur] = etaHistory[cur] || [];
    if (!h.length || now - h[h.length - 1][0] >= 1) h.push([now, mid]);
    trend(h);
  }
  $('bottleneck').textContent = neck < 0 ? '–' : g.tasks[neck].id + ' (' + tasks[neck].s + '): ' + (chain - 1) +
    ' task' + (chain === 2 ? '' : 's') + ' wait behind it on the longest chain';
  $('cost').textContent = '$' + cost.toFixed(4) + ' · ' + Math.round(tin).toLocaleString() + ' in / ' + Math.round(tout).toLocaleString() + ' out tokens';
  const costly = tasks.map((s, t) => [s.cost || 0, t]).filter((x) => x[0] > 0).sort((a, b) => b[0] - a[0]).slice(0, 3);
  $('costly').replaceChildren(...costly.map(([c, t]) => el('li', null, g.tasks[t].id + ' $' + c.toFixed(4))));
  timeline(S, g, now);
}

function trend(h) {
  const svg = $('eta-trend');
  if (h.length < 2) return;
  const maxT = h[h.length - 1][0] || 1, maxE = Math.max(...h.map((p) => p[1])) || 1;
  const d = h.map((p, i) => (i ? 'L' : 'M') + (p[0] / maxT * 156 + 2).toFixed(1) + ' ' + (26 - p[1] / maxE * 24).toFixed(1)).join('');
  svg.replaceChildren(sv('path', { class: 'trend', d }));
}

// The timeline's width, read when the page loads and on resize only: reading it during a
// refresh would force a layout of the whole graph every time.
let timelineWidth = 0, viewW = 1400, viewH = 900;
function measureTimeline() {
  timelineWidth = $('timeline-wrap').clientWidth;
  viewW = $('graph-wrap').clientWidth;
  viewH = $('graph-wrap').clientHeight;
}
function timeline(S, g, now) {
  const bars = [];
  S.tasks.forEach((s, t) => { if (s.tries) for (const tr of s.tries) bars.push([tr[0], tr[1] < 0 ? now : tr[1], tr[2] || 'running', t]); });
  bars.sort((a, b) => a[0] - b[0]);
  const ends = [];
  for (const b of bars) {  // each attempt on the first worker free when it started
    let k = ends.findIndex((e) => e <= b[0] + 1e-6);
    if (k < 0) { k = ends.length; ends.push(0); }
    ends[k] = b[1];
    b.push(k);
  }
  const width = Math.max(400, timelineWidth - 30), scale = width / Math.max(1, now), svg = $('timeline');
  svg.setAttribute('width', width);
  svg.setAttribute('height', Math.max(20, ends.length * 14 + 4));
  const frag = document.createDocumentFragment();
  for (const [a, z, outcome, t, k] of bars) {
    const r = sv('rect', { class: 'bar ' + outcome, x: a * scale, y: k * 14 + 2, width: Math.max(1, (z - a) * scale), height: 11, 'data-i': t });
    frag.appendChild(r);
  }
  svg.replaceChildren(frag);
}

// ---- the task panel ----
let outputTimer = 0;
function panel() {
  const p = $('panel');
  clearTimeout(outputTimer);
  if (selected < 0 || !states) { p.replaceChildren(el('p', { class: 'hint' }, 'Click a task to see it here.')); return; }
  const g = structure[cur], task = g.tasks[selected], s = states[cur].tasks[selected];
  const dl = el('dl');
  const row = (k, v) => { if (v !== undefined && v !== '' && v !== null) { dl.appendChild(el('dt', null, k)); dl.appendChild(el('dd', null, v)); } };
  row('state', s.s + (s.m ? ' (marked)' : ''));
  row('line', task.line);
  row('phase', g.phases[task.ph] ? g.phases[task.ph].title : '');
  row('section', g.groups[task.g] ? g.groups[task.g].title : '');
  row('story', task.st);
  row('attempts', s.a);
  row('class', s.cls);
  row('reason', s.why);
  row('activity', s.act);
  row('time', s.sec ? human(s.sec) : '');
  row('cost', s.cost ? '$' + s.cost.toFixed(4) : '');
  row('tokens', s.in || s.out ? Math.round(s.in || 0) + ' in / ' + Math.round(s.out || 0) + ' out' : '');
  row('critical', views[cur].crit.has(selected) ? 'on the critical path' : '');
  const files = el('ul');
  for (const file of task.files) files.appendChild(el('li', null, file));
  const tries = el('ol');
  for (const tr of s.tries || []) tries.appendChild(el('li', null, human(tr[0]) + ' → ' + (tr[1] < 0 ? 'running' : human(tr[1]) + ' ' + tr[2] + (tr[3] ? ' (' + tr[3] + ')' : ''))));
  const controls = el('div', { class: 'controls' });
  const act = (label, action) => { const b = el('button', { 'data-action': action }, label); b.onclick = () => control(action, selected); controls.appendChild(b); };
  if (controllable(states[cur])) {
    if (['failed', 'needs-attention', 'blocked', 'killed'].includes(s.s)) act('Retry', 'retry');
    if (s.s === 'running') act('Cancel', 'cancel');
    if (s.s === 'pending' || s.s === 'retrying') act('Skip', 'skip');
  }
  const out = el('pre', { id: 'output' });
  p.replaceChildren(el('h2', null, task.id), el('p', { class: 'desc' }, task.d), dl, el('div', { class: 'label' }, 'files'), files,
    el('div', { class: 'label' }, 'attempts'), tries, controls, el('div', { id: 'control-result' }), el('div', { class: 'label' }, 'output'), out);
  output(cur, selected, out);
}

async function output(f, t, pre) {
  const r = await fetch(api('/api/output?f=' + f + '&t=' + t));
  if (f !== cur || t !== selected) return;
  pre.textContent = r.ok ? await r.text() : '(none yet)';
  pre.scrollTop = pre.scrollHeight;
  if (states[f].tasks[t].s === 'running') outputTimer = setTimeout(() => output(f, t, pre), 1000);
}

async function control(action, t) {
  const body = { feature: cur, action };
  if (t >= 0) Object.assign(body, { task: structure[cur].tasks[t].id, line: structure[cur].tasks[t].line, index: t });
  const r = await fetch('/api/control', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Flow-Token': token }, body: JSON.stringify(body) });
  const res = $('control-result');
  const text = r.ok ? action + ' sent' : action + ' refused: ' + ((await r.json().catch(() => ({}))).error || r.status);
  if (res) res.textContent = text;
  $('status').textContent = text;
  // 409: the run these controls reached is gone; the state says so, and the controls go.
  if (r.status === 409) reload();
}

// ---- start ----
async function main() {
  // The stream opens while the graph loads (one round trip less before the first
  // render); what it says meanwhile waits for the graph.
  measureTimeline();
  window.addEventListener('resize', () => { measureTimeline(); dirty = true; });
  const early = [];
  const es = new EventSource(api('/api/events'));
  es.addEventListener('snapshot', (e) => (structure ? snapshot(JSON.parse(e.data)) : early.push(['snapshot', e.data])));
  es.onmessage = (e) => (structure && states ? applyEvent(JSON.parse(e.data)) : early.push(['event', e.data]));
  es.onerror = () => { if (structure) $('status').textContent = 'reconnecting…'; };
  es.onopen = () => { if ($('status').textContent === 'reconnecting…') $('status').textContent = 'connected'; };
  const r = await fetch(api('/api/structure'));
  if (!r.ok) {
    es.close();
    $('status').replaceChildren(el('span', { class: 'err' }, 'The dashboard needs the address it printed, with its token (' + r.status + ').'));
    return;
  }
  const parsed = await r.json();
  timings.structure = performance.now();
  parsed.forEach((g, f) => {
    const b = el('button', { 'data-f': f }, g.path.split('/').slice(-2).join('/'));
    b.onclick = () => show(f);
    $('tabs').appendChild(b);
  });
  structure = parsed;
  for (const [kind, data] of early) {
    if (kind === 'snapshot') snapshot(JSON.parse(data));
    else if (states) applyEvent(JSON.parse(data));
  }
  const graph = $('graph'), tip = $('tip');
  graph.addEventListener('click', (e) => {
    const n = e.target.closest('.node');
    if (!n) return;
    const before = selected;
    selected = +n.dataset.i;
    if (before >= 0) setNode(cur, before);
    setNode(cur, selected);
    panel();
  });
  graph.addEventListener('mouseover', (e) => {
    const n = e.target.closest('.node');
    if (!n) { tip.hidden = true; return; }
    const task = structure[cur].tasks[+n.dataset.i];
    tip.textContent = task.id + ' ' + task.d;
    tip.hidden = false;
    const box = n.getBoundingClientRect();
    tip.style.left = box.left + 'px';
    tip.style.top = box.bottom + 4 + 'px';
  });
  graph.addEventListener('mouseleave', () => { tip.hidden = true; });
  $('pause').onclick = () => control(states[cur].run.paused ? 'resume' : 'pause', -1);
  // Numbers at most twice a second, whatever the event rate; the clock moves anyway.
  setInterval(() => { if (dirty || (states && !states[cur].run.finished && !states[cur].run.ended)) { dirty = false; refresh(); } }, 500);
}
main();

// LiveEngine stage view (docs/ui.md). Plain script, no build step, no network but this server.
'use strict';

const state = { graph: null, frame: null, load: [], taps: [], socket: null };
const $ = (id) => document.getElementById(id);
const token = new URLSearchParams(location.search).get('token');
const SVG = 'http://www.w3.org/2000/svg';

// ---- graph -------------------------------------------------------------------------------------------------

// Nodes of one type that feed the same group (voices into one mix) collapse into one box once there are 4 or more:
// refine "type + the groups it feeds" from the output back until nothing changes.
function collapse(graph) {
  const outs = new Map(graph.nodes.map((n) => [n.id, []]));
  for (const e of graph.edges) if (outs.has(e.from)) outs.get(e.from).push(e.to);
  let key = new Map(graph.nodes.map((n) => [n.id, n.type]));
  for (let pass = 0; pass < 6; pass++) {
    const names = new Map();
    const next = new Map();
    for (const n of graph.nodes) {
      const k = n.type + '>' + [...new Set(outs.get(n.id).map((t) => key.get(t)))].sort().join(',');
      if (!names.has(k)) names.set(k, n.type + '#' + names.size);
      next.set(n.id, names.get(k));
    }
    key = next;
  }
  const byKey = new Map();
  for (const n of graph.nodes) {
    const k = key.get(n.id);
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k).push(n);
  }
  const groupId = new Map();
  const groups = [];
  for (const members of byKey.values()) {
    if (members.length >= 4 && members[0].type !== 'out') {
      const g = { id: members[0].id + '…', type: members[0].type, members };
      groups.push(g);
      for (const m of members) groupId.set(m.id, g.id);
    } else {
      for (const m of members) { groups.push({ id: m.id, type: m.type, members: [m] }); groupId.set(m.id, m.id); }
    }
  }
  const edges = new Set();
  for (const e of graph.edges) {
    const a = groupId.get(e.from), b = groupId.get(e.to);
    if (a && b && a !== b) edges.add(a + '\u0000' + b);
  }
  return { groups, edges: [...edges].map((s) => s.split('\u0000')) };
}

function layout(groups, edges) {
  const ins = new Map(groups.map((g) => [g.id, []]));
  for (const [a, b] of edges) ins.get(b).push(a);
  const layer = new Map();
  const depth = (id, seen) => {
    if (layer.has(id)) return layer.get(id);
    if (seen.has(id)) return 0; // a feedback loop
    seen.add(id);
    const d = Math.max(-1, ...ins.get(id).map((p) => depth(p, seen))) + 1;
    layer.set(id, d);
    return d;
  };
  for (const g of groups) depth(g.id, new Set());
  const rows = new Map();
  const pos = new Map();
  for (const g of groups) {
    const l = layer.get(g.id);
    const r = rows.get(l) || 0;
    rows.set(l, r + 1);
    pos.set(g.id, { x: 8 + l * 150, y: 8 + r * 46 });
  }
  return pos;
}

function renderGraph() {
  const graph = state.graph;
  const svg = $('graph');
  if (!graph) return;
  const frame = state.frame;
  const faulted = new Set(frame ? frame.faulted : []);
  const pending = frame && frame.commit && frame.commit.pending;
  const { groups, edges } = collapse(graph);
  const pos = layout(groups, edges);
  svg.textContent = '';
  let width = 200, height = 60;
  for (const [a, b] of edges) {
    const p = pos.get(a), q = pos.get(b);
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('class', 'edge');
    path.setAttribute('d', `M${p.x + 130},${p.y + 18} C${p.x + 140},${p.y + 18} ${q.x - 10},${q.y + 18} ${q.x},${q.y + 18}`);
    svg.appendChild(path);
  }
  for (const g of groups) {
    const p = pos.get(g.id);
    const el = document.createElementNS(SVG, 'g');
    const ids = g.members.map((m) => m.id);
    const added = g.members.some((m) => m.added);
    const classes = ['node'];
    if (g.members.length > 1) classes.push('bank');
    if (ids.some((id) => faulted.has(id))) classes.push('faulted');
    if (added && pending) classes.push('pending');
    el.setAttribute('class', classes.join(' '));
    el.setAttribute('data-id', g.members.length > 1 ? g.id : ids[0]);
    el.setAttribute('data-ids', ids.join(' '));
    el.setAttribute('data-state', added && pending ? 'pending' : 'playing');
    if (added && frame && frame.commit && frame.commit.bar) el.setAttribute('data-bar', frame.commit.bar);
    el.setAttribute('transform', `translate(${p.x},${p.y})`);
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('width', 130); rect.setAttribute('height', 36);
    const title = document.createElementNS(SVG, 'title');
    title.textContent = ids.join(', ');
    const name = document.createElementNS(SVG, 'text');
    name.setAttribute('x', 6); name.setAttribute('y', 15);
    name.textContent = g.members.length > 1 ? `${g.type} ×${g.members.length}` : ids[0];
    const type = document.createElementNS(SVG, 'text');
    type.setAttribute('class', 'type'); type.setAttribute('x', 6); type.setAttribute('y', 29);
    type.textContent = g.members.length > 1 ? `${ids[0]} … ${ids[ids.length - 1]}` : g.type + (faulted.has(ids[0]) ? ' FAULTED' : '');
    // The level meter: peak (bar) since the last frame, over 60 dB; the figure is the peak in dBFS.
    const meter = document.createElementNS(SVG, 'rect');
    meter.setAttribute('class', 'meter'); meter.setAttribute('x', 2); meter.setAttribute('y', 32);
    meter.setAttribute('height', 3); meter.setAttribute('width', 0);
    const level = document.createElementNS(SVG, 'text');
    level.setAttribute('class', 'level'); level.setAttribute('x', 124); level.setAttribute('y', 15); level.setAttribute('text-anchor', 'end');
    el.append(rect, title, name, type, meter, level);
    if (g.members.length === 1) {
      if (ids[0] === state.scopeNode) el.classList.add('picked');
      el.addEventListener('click', () => pickNode(ids[0] === state.scopeNode ? null : ids[0]));
    }
    svg.appendChild(el);
    width = Math.max(width, p.x + 140); height = Math.max(height, p.y + 44);
  }
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.style.height = Math.min(height, 600) + 'px';
}

// Peak and RMS in dBFS (null: silent, −∞) of every node since the last frame; a collapsed box shows its loudest member.
function renderMeters(meters) {
  if (!meters || typeof meters !== 'object') return;
  for (const el of $('graph').querySelectorAll('g.node')) {
    let peak = null, rms = null;
    for (const id of el.dataset.ids.split(' ')) {
      const m = meters[id];
      if (!m) continue;
      if (m[0] !== null && (peak === null || m[0] > peak)) peak = m[0];
      if (m[1] !== null && (rms === null || m[1] > rms)) rms = m[1];
    }
    el.dataset.peakDb = peak === null ? '-inf' : peak;
    el.dataset.rmsDb = rms === null ? '-inf' : rms;
    const width = peak === null ? 0 : Math.max(0, Math.min(1, (peak + 60) / 60)) * 126;
    const meter = el.querySelector('rect.meter');
    meter.setAttribute('width', width.toFixed(1));
    meter.setAttribute('class', 'meter' + (peak !== null && peak > -0.1 ? ' clip' : ''));
    el.querySelector('text.level').textContent = peak === null ? '-inf' : peak.toFixed(1);
  }
}

function pickNode(id) {
  state.scopeNode = id;
  command({ op: 'scope', node: id || '' });
  for (const el of $('graph').querySelectorAll('g.node')) el.classList.toggle('picked', el.dataset.id === id);
  $('node-scope-view').hidden = !id;
}

// ---- parameters ---------------------------------------------------------------------------------------------

// A graph arrives after every move (each move is a command that changes it). The controls are kept, not rebuilt,
// while the graph has the same nodes and parameters, and a control being moved (focused, or moved in the last
// second) keeps its own value: an echo of an earlier move must not pull it back under the performer's hand.
const paramControls = new Map();
let paramShape = '';

function paramKey(node, param) { return node + '\u0000' + param; }

function paramBusy(control) {
  return document.activeElement === control.input || performance.now() - control.movedAt < 1000;
}

function renderParams() {
  const box = $('params');
  const nodes = state.graph.nodes.filter((n) => n.params.length > 0).slice(0, 64);
  const shape = nodes.map((n) => n.id + '(' + n.type + ')' + n.params.map((p) => p.name + ':' + p.min + ':' + p.max).join(',')).join(';');
  if (shape === paramShape) {
    for (const n of nodes) {
      for (const p of n.params) {
        const control = paramControls.get(paramKey(n.id, p.name));
        if (!control || paramBusy(control)) continue;
        control.input.value = p.value;
        control.out.textContent = fmt(p.value) + (p.unit ? ' ' + p.unit : '');
      }
    }
    return;
  }
  const focused = [...paramControls.entries()].find(([, c]) => document.activeElement === c.input);
  const previous = new Map(paramControls);
  paramShape = shape;
  paramControls.clear();
  box.textContent = '';
  for (const n of nodes) {
    const div = document.createElement('div');
    div.className = 'node-params';
    const head = document.createElement('b');
    head.textContent = `${n.id} (${n.type})`;
    div.appendChild(head);
    for (const p of n.params) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      const out = document.createElement('output');
      const key = paramKey(n.id, p.name);
      const before = previous.get(key);
      const control = { input, out, movedAt: before ? before.movedAt : -Infinity };
      input.type = 'range';
      input.className = 'param';
      input.min = p.min; input.max = p.max;
      input.step = (p.max - p.min) / 1000;
      const value = before && paramBusy(before) ? +before.input.value : p.value;
      input.value = value;
      input.dataset.node = n.id; input.dataset.param = p.name;
      out.textContent = fmt(value) + (p.unit ? ' ' + p.unit : '');
      const send = () => {
        control.movedAt = performance.now();
        out.textContent = fmt(+input.value) + (p.unit ? ' ' + p.unit : '');
        command({ op: 'param', node: n.id, param: p.name, value: +input.value });
      };
      input.addEventListener('input', send);
      input.addEventListener('wheel', (e) => {
        e.preventDefault();
        input.value = +input.value - Math.sign(e.deltaY) * (p.max - p.min) / 200;
        send();
      }, { passive: false });
      label.append(p.name, input, out);
      div.appendChild(label);
      paramControls.set(key, control);
    }
    box.appendChild(div);
  }
  if (focused && paramControls.has(focused[0])) paramControls.get(focused[0]).input.focus();
}

// The cost table: each node's time per block as the engine measured it over the blocks in view (mean, largest).
function renderCosts(p) {
  if (!p) return;
  const body = $('costs').querySelector('tbody');
  const types = new Map((state.graph ? state.graph.nodes : []).map((n) => [n.id, n.type]));
  const rows = p.costs.slice(0, 20);
  while (body.children.length > rows.length) body.lastChild.remove();
  while (body.children.length < rows.length) {
    const tr = document.createElement('tr');
    tr.innerHTML = '<td></td><td></td><td></td><td></td>';
    body.appendChild(tr);
  }
  rows.forEach(([node, mean, max], i) => {
    const tr = body.children[i];
    tr.dataset.node = node;
    tr.children[0].textContent = node;
    tr.children[1].textContent = types.get(node) || '';
    tr.children[2].textContent = mean.toFixed(1);
    tr.children[3].textContent = max.toFixed(1);
  });
}
function fmt(v) { return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3).replace(/\.?0+$/, ''); }

// ---- transport ----------------------------------------------------------------------------------------------

function renderTransport(f) {
  const t = f.transport;
  $('position').textContent = `${t.bar}:${t.beat}:${String(t.tick).padStart(3, '0')}`;
  $('bpm').textContent = fmt(t.bpm);
  // The transport: the button of the state it is in is lit; the header says stopped while the clock holds.
  document.body.dataset.transport = t.playing === false ? 'stopped' : 'playing';
  $('stop').classList.toggle('active', t.playing === false);
  $('play').classList.toggle('active', t.playing !== false);
  const c = $('commit');
  if (f.commit && f.commit.pending) { c.textContent = f.commit.bar ? `commit pending: lands at bar ${f.commit.bar}` : 'commit pending'; c.className = 'pending'; }
  else { c.textContent = ''; c.className = ''; }
}

$('tempo-set').addEventListener('click', () => command({ op: 'tempo', bpm: +$('tempo-input').value }));
$('tempo-input').addEventListener('keydown', (e) => { if (e.key === 'Enter') command({ op: 'tempo', bpm: +$('tempo-input').value }); });
$('midi-command').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && e.target.value.trim()) { command({ op: 'midi', command: e.target.value.trim() }); e.target.value = ''; }
});
$('undo').addEventListener('click', () => command({ op: 'undo' }));
$('panic').addEventListener('click', () => command({ op: 'panic' }));
$('stop').addEventListener('click', () => command({ op: 'stop' }));
$('play').addEventListener('click', () => command({ op: 'play' }));
$('tap').addEventListener('click', () => {
  const now = performance.now();
  state.taps = state.taps.filter((t) => now - t < 3000);
  state.taps.push(now);
  if (state.taps.length >= 4) {
    const span = (state.taps[state.taps.length - 1] - state.taps[0]) / (state.taps.length - 1);
    const bpm = Math.round(60000 / span * 100) / 100;
    $('tempo-input').value = bpm;
    command({ op: 'tempo', bpm });
  }
});

// ---- scope and spectrum -------------------------------------------------------------------------------------

// The period from rising zero crossings, interpolated between samples.
function period(x) {
  const crossings = [];
  for (let i = 1; i < x.length; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) crossings.push(i - 1 + (-x[i - 1]) / (x[i] - x[i - 1]));
  }
  if (crossings.length < 3) return null;
  return { frames: (crossings[crossings.length - 1] - crossings[0]) / (crossings.length - 1), first: crossings[0] };
}

function renderScope(scope, canvasId = 'scope', labelId = 'scope-period', spectrum = true) {
  const x = scope.frames;
  const canvas = $(canvasId), g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = '#333'; g.beginPath(); g.moveTo(0, canvas.height / 2); g.lineTo(canvas.width, canvas.height / 2); g.stroke();
  const label = $(labelId);
  if (scope.error) { label.textContent = scope.error; return; }
  if (x.length === 0) { label.textContent = 'no output yet'; return; }
  const p = period(x);
  const start = p ? Math.floor(p.first) : 0;
  const shown = Math.min(1024, x.length - start);
  g.strokeStyle = '#6f9'; g.beginPath();
  for (let i = 0; i < shown; i++) {
    const px = i / shown * canvas.width, py = canvas.height / 2 - x[start + i] * canvas.height / 2 * 0.9;
    if (i === 0) g.moveTo(px, py); else g.lineTo(px, py);
  }
  g.stroke();
  if (p) {
    const hz = scope.sampleRate / p.frames;
    label.textContent = `period ${(p.frames / scope.sampleRate * 1000).toFixed(4)} ms = ${hz.toFixed(2)} Hz`;
    label.dataset.hz = hz;
  } else {
    label.textContent = 'no periodic signal';
    delete label.dataset.hz;
  }
  if (spectrum) renderSpectrum(x, scope.sampleRate);
}

function renderSpectrum(x, rate) {
  const n = 2048;
  if (x.length < n) return;
  const re = new Float64Array(n), im = new Float64Array(n);
  for (let i = 0; i < n; i++) re[i] = x[x.length - n + i] * (0.5 - 0.5 * Math.cos(2 * Math.PI * i / (n - 1)));
  fft(re, im);
  const canvas = $('spectrum'), g = canvas.getContext('2d');
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.strokeStyle = '#8cf'; g.beginPath();
  const fmin = 20, fmax = rate / 2;
  for (let px = 0; px < canvas.width; px++) {
    const f = fmin * Math.pow(fmax / fmin, px / canvas.width);
    const bin = Math.min(n / 2 - 1, Math.round(f / rate * n));
    const db = 20 * Math.log10(Math.hypot(re[bin], im[bin]) / (n / 4) + 1e-9);
    const py = canvas.height * (1 - (db + 100) / 100);
    if (px === 0) g.moveTo(px, py); else g.lineTo(px, py);
  }
  g.stroke();
}

function fft(re, im) {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) { [re[i], re[j]] = [re[j], re[i]]; [im[i], im[j]] = [im[j], im[i]]; }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const a = -2 * Math.PI / len, wr = Math.cos(a), wi = Math.sin(a);
    for (let i = 0; i < n; i += len) {
      let cr = 1, ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const ur = re[i + k], ui = im[i + k];
        const vr = re[i + k + len / 2] * cr - im[i + k + len / 2] * ci;
        const vi = re[i + k + len / 2] * ci + im[i + k + len / 2] * cr;
        re[i + k] = ur + vr; im[i + k] = ui + vi;
        re[i + k + len / 2] = ur - vr; im[i + k + len / 2] = ui - vi;
        [cr, ci] = [cr * wr - ci * wi, cr * wi + ci * wr];
      }
    }
  }
}

// ---- profiler -----------------------------------------------------------------------------------------------

// Each worker's lane is the timeline of the last blocks the engine timed: every job a bar (the critical path of its
// block in orange), every block a band with its deadline as a dashed line (red where the block ran past it: an xrun).
function renderProfiler(f) {
  if (f.load.length > 0) {
    const last = state.load[state.load.length - 1];
    if (!last || last.join() !== f.load.join()) state.load.push(f.load);
    if (state.load.length > 120) state.load.shift();
  }
  const p = typeof f.profile === 'object' ? f.profile : null;
  const lanes = $('lanes');
  const workers = Math.max(f.workers, p ? p.workers : 0);
  while (lanes.children.length > workers) lanes.lastChild.remove();
  while (lanes.children.length < workers) {
    const w = lanes.children.length;
    const lane = document.createElement('div');
    lane.className = 'lane';
    lane.dataset.worker = w;
    const name = document.createElement('span');
    name.textContent = 'w' + w;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', '0 0 1000 34');
    svg.setAttribute('preserveAspectRatio', 'none');
    lane.append(name, svg);
    lanes.appendChild(lane);
  }
  const latest = state.load.length > 0 ? state.load[state.load.length - 1] : [];
  // Each block gets a slot of its own (the idle time between blocks is left out), on one scale for all: the longest
  // block, widened to show the deadline where the deadline is near (within 4×); a deadline far beyond it is drawn at the
  // slot's end, dashed and marked off-scale, and the heading gives both figures.
  const blocks = p ? p.blocks : [];
  const longest = Math.max(1, ...blocks.map((b) => b[1] - b[0]));
  const deadline = blocks.length > 0 ? Math.max(...blocks.map((b) => b[2])) : 0;
  const range = deadline > 0 && deadline <= longest * 4 ? Math.max(longest, deadline) * 1.05 : longest * 1.15;
  const slot = blocks.length > 0 ? 1000 / blocks.length : 1000;
  const slotOf = new Map();
  blocks.forEach((b, i) => slotOf.set(b[0], i));
  const x = (i, us) => i * slot + Math.min(slot, (us / range) * slot);
  const esc = (t) => t.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  for (let w = 0; w < workers; w++) {
    lanes.children[w].querySelector('span').textContent = `w${w} ${((latest[w] || 0) * 100).toFixed(0)}%`;
    let html = '';
    blocks.forEach(([s, e, d, late], i) => {
      const off = d > range;
      html += `<rect class="block${late ? ' late' : ''}" x="${x(i, 0)}" y="0" width="${Math.max(0.5, x(i, e - s) - x(i, 0))}" height="34"></rect>` +
        `<line class="deadline${late ? ' missed' : ''}${off ? ' off-scale' : ''}" x1="${x(i, d) - (off ? 1 : 0)}" x2="${x(i, d) - (off ? 1 : 0)}" y1="0" y2="34"></line>`;
    });
    // A job belongs to the last block that started before it.
    let i = 0;
    for (const [jw, s, e, label, node, critical] of p ? p.jobs : []) {
      while (i + 1 < blocks.length && blocks[i + 1][0] <= s) i++;
      if (jw !== w || blocks.length === 0) continue;
      const b0 = blocks[i][0];
      html += `<rect class="job${critical ? ' critical' : ''}" data-node="${esc(node)}" x="${x(i, s - b0)}" y="6" width="${Math.max(0.8, x(i, e - b0) - x(i, s - b0))}" height="22"><title>${esc(label)} ${(e - s).toFixed(1)} µs</title></rect>`;
    }
    lanes.children[w].querySelector('svg').innerHTML = html;
  }
  $('profile-scale').textContent = blocks.length > 0
    ? `last ${blocks.length} blocks, each slot ${range.toFixed(0)} µs wide; deadline ${deadline.toFixed(0)} µs${deadline > range ? ' (off the scale: drawn at the slot\'s end)' : ''}; critical path orange; late blocks red`
    : (typeof f.profile === 'string' ? 'profiler: ' + f.profile : '');
  $('lanes').dataset.late = p ? p.late : 0;
  renderCosts(p);
  const b = f.blocks;
  if (b && b.driver !== undefined) {
    $('blocks').textContent = `${b.driver}: block p50 ${b.p50Us.toFixed(0)} µs, p99 ${b.p99Us.toFixed(0)} µs, max ${b.maxUs.toFixed(0)} µs` +
      (b.deadlineUs ? ` of ${b.deadlineUs.toFixed(0)} µs` : '') + `; xruns ${b.xruns}; audio thread allocated ${b.audioAllocatedBytes} B` +
      (p ? `; late in view ${p.late}` : typeof f.profile === 'string' ? `; profiler: ${f.profile}` : '');
  }
}

// ---- tracker ------------------------------------------------------------------------------------------------

// The grid as tracker_view(NAME) gives it (stdlib/tracker.lua): "lpb rows offset total beat", the track names, then
// one line per row with the cells separated by '|'. Read again at every bar line and after each edit.
function parseTrackerView(text) {
  const lines = text.split('\n');
  const head = lines[0].trim().split(/\s+/).map(Number);
  const rows = head[1];
  const cells = [];
  for (let r = 0; r < rows; r++) cells.push((lines[r + 2] || '').split('|').map((c) => c.trim()));
  return { lpb: head[0], rows, offset: head[2], total: head[3], tracks: lines[1].split('|'), cells };
}

function trackerRow(view, beat) {
  if (!view || view.offset < 0 || view.total <= 0) return -1;
  const row = Math.floor(beat * view.lpb + 1e-9) % view.total - view.offset;
  return row >= 0 && row < view.rows ? row : -1;
}

function readTracker() {
  const name = $('tracker-pattern').value;
  command({ op: 'tracker', name });
}

function onTrackerReply(m) {
  if (!m.ok) { $('tracker-state').textContent = m.message; return; }
  const select = $('tracker-pattern');
  const names = m.message.split(' ').filter((n) => n.length > 0);
  if (select.options.length !== names.length || [...select.options].some((o, i) => o.value !== names[i])) {
    const chosen = select.value;
    select.textContent = '';
    for (const n of names) { const o = document.createElement('option'); o.value = o.textContent = n; select.appendChild(o); }
    if (names.includes(chosen)) select.value = chosen;
    if (!m.view && select.value) { readTracker(); return; }
  }
  if (!m.view) { state.tracker = null; $('tracker-grid').querySelector('tbody').textContent = ''; return; }
  state.tracker = parseTrackerView(m.view);
  state.trackerName = select.value;
  renderTrackerGrid();
}

function renderTrackerGrid() {
  const view = state.tracker;
  const grid = $('tracker-grid');
  grid.dataset.pattern = state.trackerName;
  const head = grid.querySelector('thead');
  const body = grid.querySelector('tbody');
  const heading = '<tr><th>row</th>' + view.tracks.map(() => '<th></th>').join('') + '</tr>';
  if (head.dataset.tracks !== view.tracks.join('|')) {
    head.innerHTML = heading;
    view.tracks.forEach((t, i) => {
      const th = head.rows[0].cells[i + 1];
      th.textContent = `${i + 1} ${t}`;
      const columns = document.createElement('small');
      columns.textContent = 'note ins vol pan dly fx';
      th.appendChild(columns);
    });
    head.dataset.tracks = view.tracks.join('|');
    body.textContent = '';
  }
  while (body.rows.length > view.rows) body.lastChild.remove();
  while (body.rows.length < view.rows) {
    const r = body.rows.length;
    const tr = document.createElement('tr');
    tr.dataset.row = r;
    if (r % view.lpb === 0) tr.className = 'beat';
    const label = document.createElement('td');
    label.className = 'row';
    label.textContent = String(r).padStart(2, '0');
    tr.appendChild(label);
    for (let t = 1; t <= view.tracks.length; t++) {
      const td = document.createElement('td');
      const input = document.createElement('input');
      input.className = 'cell';
      input.dataset.row = r; input.dataset.track = t;
      input.spellcheck = false;
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          command({ op: 'tracker-set', name: state.trackerName, row: r, track: t, cell: input.value.trim() });
          input.dataset.sent = input.value;
        } else if (e.key === 'Escape') { input.blur(); renderTrackerGrid(); }
      });
      td.appendChild(input);
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  for (let r = 0; r < view.rows; r++) {
    const row = body.rows[r];
    for (let t = 1; t <= view.tracks.length; t++) {
      const input = row.cells[t].firstChild;
      const text = view.cells[r][t - 1] || '---';
      input.dataset.cell = text;
      // A cell being typed in keeps what is typed; the rest show the pattern as the Lua state has it.
      if (document.activeElement !== input && input.value !== text) input.value = text;
      input.classList.toggle('empty', text === '---');
    }
  }
  renderTrackerCursor();
}

function renderTrackerCursor() {
  const view = state.tracker;
  if (!view || !state.frame) return;
  const row = trackerRow(view, state.frame.transport.songBeat);
  const grid = $('tracker-grid');
  if (grid.dataset.cursor === String(row)) return;
  const body = grid.querySelector('tbody');
  const old = body.querySelector('tr.playing');
  if (old) old.classList.remove('playing');
  if (row >= 0 && body.rows[row]) body.rows[row].classList.add('playing');
  grid.dataset.cursor = row;
  $('tracker-state').textContent = row >= 0 ? `${view.rows} rows, ${view.lpb} per beat, row ${row}` : `${view.rows} rows, ${view.lpb} per beat, not playing`;
}

function onTrackerSet(m) {
  const lua = $('tracker-lua');
  lua.textContent = m.ok ? m.lua : `${m.lua}\n${m.message}`;
  lua.className = m.ok ? '' : 'error';
  lua.dataset.ok = m.ok;
  readTracker();
}

$('tracker-pattern').addEventListener('change', readTracker);

// ---- the socket ---------------------------------------------------------------------------------------------

function command(c) {
  if (c.op === 'param' || c.op === 'tempo') c.quantize = $('quantize').value;
  if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(c));
}

// A graph from the socket is drawn with the frame that follows it (captured with it), which says whether its new
// nodes are still pending; the first one, before any frame, is drawn at once.
function onGraph(g, deferred) {
  state.graph = g;
  if (deferred && state.frame) { state.graphDirty = true; return; }
  renderGraph();
  renderParams();
}

function connect() {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws${token ? '?token=' + encodeURIComponent(token) : ''}`;
  const socket = new WebSocket(url);
  state.socket = socket;
  socket.onopen = () => { $('status').textContent = 'live'; };
  socket.onclose = () => { $('status').textContent = 'disconnected: retrying'; setTimeout(connect, 1000); };
  socket.onmessage = (e) => {
    const m = JSON.parse(e.data);
    if (m.t === 'graph') onGraph(m, true);
    else if (m.t === 'frame') {
      const commitKey = (c) => (c && c.pending ? 'pending@' + c.bar : 'playing');
      const wasPending = commitKey(state.frame && state.frame.commit);
      state.frame = m;
      renderTransport(m);
      renderScope(m.scope);
      if (m.nodeScope && m.nodeScope.node === state.scopeNode) {
        $('node-scope-name').textContent = m.nodeScope.found ? m.nodeScope.node : m.nodeScope.node + ' (not in the playing graph)';
        renderScope(m.nodeScope, 'node-scope', 'node-scope-period', false);
      }
      renderProfiler(m);
      if ($('midi').textContent !== m.midi) $('midi').textContent = m.midi;
      // The tracker grid is read again at each bar line (a code change shows at the next bar); the cursor every frame.
      if (state.trackerBar !== m.transport.bar) { state.trackerBar = m.transport.bar; readTracker(); }
      renderTrackerCursor();
      const isPending = commitKey(m.commit);
      if (state.graphDirty) { state.graphDirty = false; renderGraph(); renderParams(); }
      else if (wasPending !== isPending || (state.graph && m.faulted.length > 0)) renderGraph();
      renderMeters(m.meters);
      document.body.dataset.frames = (+document.body.dataset.frames || 0) + 1;
    } else if (m.t === 'reply' && m.op === 'tracker') {
      onTrackerReply(m);
    } else if (m.t === 'reply') {
      if (m.op === 'tracker-set') onTrackerSet(m);
      $('status').textContent = (m.ok ? '' : 'refused: ') + m.message;
    } else if (m.t === 'error') {
      $('status').textContent = m.message;
    }
  };
}

const initial = $('initial-graph');
if (initial) onGraph(JSON.parse(initial.textContent), false);
connect();

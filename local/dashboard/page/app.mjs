/* global document, window, fetch, setTimeout, clearTimeout, Node */
/**
 * Surge's local dashboard. Polls `/api/dashboard` (one call: everything on the page) every 2 s
 * and draws each pool's charts itself, in SVG: no framework, no build step, nothing fetched from
 * anywhere but this server, so the page works offline.
 *
 * Per pool: the queue (depth, arrivals and drain rate), groups stacked by state and by version
 * with the desired count, the controller's status and its last decisions with their reasons.
 * Every series path carries `data-series` and `data-points` (the samples it draws): the browser
 * test reads them.
 */

const POLL_MS = 2000;
const SVG_NS = 'http://www.w3.org/2000/svg';
/** Chart height (px); the width follows the layout (see chartLayout). */
const HEIGHT = 250;
/** Narrowest chart before the grid wraps to fewer columns (px); matches style.css. */
const MIN_CHART_WIDTH = 360;
const CHART_GAP = 18;
/** Decision rows shown per pool, newest first. */
const DECISION_ROWS = 12;

/**
 * Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. Series also
 * differ by shape (area, solid, dashed), and every one is named in a legend.
 */
const COLORS = {
  depth: '#0072B2',
  arrivals: '#D55E00',
  drained: '#009E73',
  desired: '#1b1f24',
};
const PHASE_COLORS = {
  Running: '#009E73',
  Warming: '#56B4E9',
  Creating: '#0072B2',
  Pending: '#E69F00',
  Failed: '#D55E00',
  Stopped: '#8a939e',
};
const VERSION_COLORS = ['#0072B2', '#E69F00', '#CC79A7', '#009E73', '#D55E00', '#56B4E9'];

const state = {
  /** @type {any} the last /api/dashboard answer */
  data: null,
  etag: null,
  rangeMs: 30 * 60_000,
};

const number = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const fmt = (x) => (x === null || x === undefined ? '—' : number.format(x));
const fmt1 = (x) => (x === null || x === undefined ? '—' : decimal.format(x));
const tick = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

/** `12:03:05` (UTC) of an ISO time or ms. */
function clockTime(t, seconds = true) {
  const d = new Date(t);
  const iso = d.toISOString();
  return seconds ? iso.slice(11, 19) : iso.slice(11, 16);
}

/** A version id short enough for a legend: `sha256:1a2b3c4d…` or the tag. */
function shortVersion(id) {
  return /^sha256:[0-9a-f]{12,}$/i.test(id) ? `${id.slice(0, 15)}…` : id;
}

// --- DOM helpers ---------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

// --- scales --------------------------------------------------------------------------------------

/**
 * Round axis maximum and ticks: steps of 1, 2, 2.5 or 5 × 10^k, about `count` of them; whole
 * steps only for counts (`integer`), so a 2-group axis reads 0, 1, 2 and not 0, 0.5, 1…
 */
function niceTicks(max, count = 4, integer = false) {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => m >= raw) ?? 10 * mag;
  const whole = integer ? Math.max(1, Math.ceil(step)) : step;
  const niceMax = Math.ceil(top / whole) * whole;
  const ticks = [];
  for (let v = 0; v <= niceMax + whole / 2; v += whole) ticks.push(Math.round(v * 1000) / 1000);
  return { max: niceMax, ticks };
}

/** Time ticks on round minutes (or seconds for short spans), at most about 8 of them. */
function timeTicks(from, to) {
  const steps = [10e3, 15e3, 30e3, 60e3, 120e3, 300e3, 600e3, 900e3, 1800e3, 3600e3, 7200e3];
  const span = Math.max(1, to - from);
  const step = steps.find((st) => span / st <= 7) ?? steps[steps.length - 1];
  const ticks = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return { ticks, seconds: step < 60e3 };
}

// --- charts --------------------------------------------------------------------------------------

/**
 * One chart, drawn at `width` × HEIGHT px. `spec`:
 *   t (ms per sample), from, to, width, ariaLabel, description,
 *   left {label, max, integer?}, right? {label, max},
 *   stacks: [{name, label, color, values}]   stacked step areas on the left axis,
 *   areas:  [{name, label, color, values, axis}]   filled lines from 0,
 *   lines:  [{name, label, color, values, axis, dash?, step?}]
 * Returns the <svg>.
 */
function drawChart(spec) {
  const plot = frameOf(spec);
  const { svg, m, pw, ph } = plot;
  drawAxes(plot, spec);
  // Samples in view.
  const idx = [];
  spec.t.forEach((t, i) => {
    if (t >= plot.from && t <= plot.to) idx.push(i);
  });
  if (idx.length === 0) {
    svg.append(
      s(
        'text',
        { class: 'empty-note', x: m.left + pw / 2, y: m.top + ph / 2, 'text-anchor': 'middle' },
        'waiting for samples…',
      ),
    );
    return svg;
  }
  const series = s('g', { class: 'series' });
  svg.append(series);
  drawStacks(series, plot, spec, idx);
  for (const area of spec.areas ?? []) drawArea(series, plot, spec, idx, area);
  for (const line of spec.lines ?? []) {
    series.append(
      linePath(line, idx, spec.t, plot.x, plot.yOf(line.axis), line.step === true, plot.to),
    );
  }
  return svg;
}

/** The chart's <svg> with its title and background, and the scales from time and values to px. */
function frameOf(spec) {
  const hasRight = spec.right !== undefined;
  const m = { left: 54, right: hasRight ? 56 : 14, top: 14, bottom: 34 };
  const WIDTH = spec.width;
  const pw = WIDTH - m.left - m.right;
  const ph = HEIGHT - m.top - m.bottom;
  const svg = s('svg', {
    class: 'plot',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    width: WIDTH,
    height: HEIGHT,
    role: 'img',
    'aria-label': spec.ariaLabel,
  });
  svg.append(s('title', {}, spec.ariaLabel));
  svg.append(s('desc', {}, spec.description));
  svg.append(
    s('rect', { class: 'plot-bg', x: m.left, y: m.top, width: pw, height: ph, fill: '#ffffff' }),
  );
  const from = spec.from;
  const to = spec.to > spec.from ? spec.to : spec.from + 1;
  const leftTicks = niceTicks(spec.left.max, 4, spec.left.integer === true);
  const rightTicks = hasRight ? niceTicks(spec.right.max) : undefined;
  const yl = (v) => m.top + ph - (v / leftTicks.max) * ph;
  const yr = (v) => m.top + ph - (v / (rightTicks?.max ?? 1)) * ph;
  const x = (t) => m.left + ((t - from) / (to - from)) * pw;
  const yOf = (axis) => (axis === 'right' ? yr : yl);
  return { svg, m, pw, ph, width: WIDTH, from, to, leftTicks, rightTicks, x, yl, yr, yOf };
}

/** Grid lines, tick labels, axes and axis labels. */
function drawAxes(plot, spec) {
  const { svg, m, pw, ph, x, yl, yr, leftTicks, rightTicks } = plot;
  for (const v of leftTicks.ticks) {
    svg.append(s('line', { class: 'grid', x1: m.left, x2: m.left + pw, y1: yl(v), y2: yl(v) }));
    svg.append(s('text', { x: m.left - 6, y: yl(v) + 4, 'text-anchor': 'end' }, tick.format(v)));
  }
  if (rightTicks) {
    for (const v of rightTicks.ticks) {
      svg.append(s('text', { x: m.left + pw + 6, y: yr(v) + 4 }, tick.format(v)));
    }
  }
  const tt = timeTicks(plot.from, plot.to);
  for (const t of tt.ticks) {
    svg.append(s('line', { class: 'grid', x1: x(t), x2: x(t), y1: m.top, y2: m.top + ph }));
    svg.append(
      s('text', { x: x(t), y: m.top + ph + 15, 'text-anchor': 'middle' }, clockTime(t, tt.seconds)),
    );
  }
  svg.append(
    s('line', { class: 'axis', x1: m.left, x2: m.left + pw, y1: m.top + ph, y2: m.top + ph }),
  );
  svg.append(s('line', { class: 'axis', x1: m.left, x2: m.left, y1: m.top, y2: m.top + ph }));
  const label = (transform, text) =>
    s('text', { class: 'axis-label', transform, 'text-anchor': 'middle' }, text);
  svg.append(label(`translate(12 ${m.top + ph / 2}) rotate(-90)`, spec.left.label));
  if (rightTicks) {
    svg.append(
      s('line', { class: 'axis', x1: m.left + pw, x2: m.left + pw, y1: m.top, y2: m.top + ph }),
    );
    svg.append(
      label(`translate(${plot.width - 8} ${m.top + ph / 2}) rotate(90)`, spec.right.label),
    );
  }
  svg.append(
    s(
      'text',
      { class: 'axis-label', x: m.left + pw / 2, y: HEIGHT - 2, 'text-anchor': 'middle' },
      'time (UTC)',
    ),
  );
}

/** Stacked step areas: layer k spans from the sum of layers below it to that sum plus itself. */
function drawStacks(series, plot, spec, idx) {
  const { x, yl, to } = plot;
  const base = idx.map(() => 0);
  const times = idx.map((i) => spec.t[i]);
  for (const layer of spec.stacks ?? []) {
    const tops = idx.map((i, j) => base[j] + (layer.values[i] ?? 0));
    if (tops.every((v, j) => v === base[j])) continue;
    const upper = stepPoints(times, tops, to);
    const lower = stepPoints(times, base, to).reverse();
    const d =
      upper.map(([t, v], k) => `${k === 0 ? 'M' : 'L'}${r(x(t))},${r(yl(v))}`).join('') +
      lower.map(([t, v]) => `L${r(x(t))},${r(yl(v))}`).join('') +
      'Z';
    series.append(
      s('path', {
        d,
        fill: layer.color,
        'fill-opacity': 0.85,
        stroke: layer.color,
        'stroke-width': 0.5,
        'data-series': layer.name,
        'data-points': idx.length,
      }),
    );
    tops.forEach((v, j) => (base[j] = v));
  }
}

/** A line filled down to 0 (one fill per run of present values), then the line itself. */
function drawArea(series, plot, spec, idx, area) {
  const { x } = plot;
  const y = plot.yOf(area.axis);
  for (const run of runs(idx, area.values)) {
    const pts = run.map((i) => [x(spec.t[i]), y(area.values[i])]);
    const first = pts[0];
    const last = pts[pts.length - 1];
    const d =
      `M${r(first[0])},${r(y(0))}` +
      pts.map(([px, py]) => `L${r(px)},${r(py)}`).join('') +
      `L${r(last[0])},${r(y(0))}Z`;
    series.append(s('path', { d, fill: area.color, 'fill-opacity': 0.22, stroke: 'none' }));
  }
  series.append(linePath(area, idx, spec.t, x, y, false));
}

const r = (v) => Math.round(v * 10) / 10;

/** Step-after vertices of (t, v) samples: each value holds until the next sample (or `end`). */
function stepPoints(ts, vs, end) {
  const pts = [];
  ts.forEach((t, j) => {
    pts.push([t, vs[j]]);
    const next = j + 1 < ts.length ? ts[j + 1] : Math.min(end, t);
    pts.push([next, vs[j]]);
  });
  return pts;
}

/** Runs of consecutive indices whose value is not null. */
function runs(idx, values) {
  const out = [];
  let cur = [];
  for (const i of idx) {
    if (values[i] === null || values[i] === undefined) {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(i);
  }
  if (cur.length) out.push(cur);
  return out;
}

/** A polyline (or step line) with gaps where values are null. */
function linePath(line, idx, ts, x, y, step, end) {
  let d = '';
  let points = 0;
  for (const run of runs(idx, line.values)) {
    points += run.length;
    run.forEach((i, k) => {
      const px = r(x(ts[i]));
      const py = r(y(line.values[i]));
      if (k === 0) d += `M${px},${py}`;
      else if (step) d += `H${px}V${py}`;
      else d += `L${px},${py}`;
    });
    if (step) {
      const lastT = ts[run[run.length - 1]];
      const nextT = idx.includes(run[run.length - 1] + 1) ? ts[run[run.length - 1] + 1] : lastT;
      d += `H${r(x(Math.min(end ?? nextT, nextT)))}`;
    }
  }
  return s('path', {
    d: d || 'M0,0',
    fill: 'none',
    stroke: line.color,
    'stroke-width': line.width ?? 2,
    'stroke-dasharray': line.dash,
    'stroke-linejoin': 'round',
    'data-series': line.name,
    'data-points': points,
  });
}

/** A legend entry's sample: a filled square for areas, a line (dashed if dashed) for lines. */
function swatch(item, kind) {
  const svg = s('svg', { width: 18, height: 10, 'aria-hidden': 'true' });
  if (kind === 'area') {
    svg.append(
      s('rect', {
        x: 1,
        y: 1,
        width: 16,
        height: 8,
        fill: item.color,
        'fill-opacity': item.opacity ?? 0.85,
      }),
    );
  } else {
    svg.append(
      s('line', {
        x1: 1,
        x2: 17,
        y1: 5,
        y2: 5,
        stroke: item.color,
        'stroke-width': 2.5,
        'stroke-dasharray': item.dash ? '4 2' : undefined,
      }),
    );
  }
  return svg;
}

function legend(items) {
  return h(
    'ul',
    { class: 'legend' },
    items.map((it) => h('li', {}, swatch(it, it.kind), it.label)),
  );
}

function figure(kind, title, legendItems, svg) {
  return h(
    'figure',
    { class: 'chart', 'data-chart': kind },
    h('figcaption', {}, h('span', { class: 'chart-title' }, title), legend(legendItems)),
    svg,
  );
}

/** Largest non-null value of some series within the view (0 when none). */
function maxIn(idx, ...series) {
  let max = 0;
  for (const values of series) for (const i of idx) if ((values[i] ?? 0) > max) max = values[i];
  return max;
}

function viewOf(data, pool) {
  const to = data.nowMs ?? Date.now();
  const first = pool.series.t[0] ?? to;
  const from = Math.max(first, to - state.rangeMs);
  const idx = [];
  pool.series.t.forEach((t, i) => {
    if (t >= from) idx.push(i);
  });
  return { from, to: Math.max(to, from + data.intervalMs), idx };
}

function queueChart(data, pool) {
  const { series: sr, latest } = pool;
  const { from, to, idx } = viewOf(data, pool);
  const depthMax = maxIn(idx, sr.depth);
  const rateMax = maxIn(idx, sr.arrivals, sr.drained);
  const items = [
    { kind: 'area', label: 'Waiting (messages, left axis)', color: COLORS.depth, opacity: 0.5 },
    { kind: 'line', label: 'Arrivals (msg/s, right axis)', color: COLORS.arrivals },
    { kind: 'line', label: 'Drained (msg/s, right axis)', color: COLORS.drained, dash: true },
  ];
  const svg = drawChart({
    ariaLabel: `Queue of pool ${pool.name}: messages waiting, arrivals and drain rate`,
    description: latest
      ? `Now ${fmt(latest.depth)} messages waiting, arriving at ${fmt1(latest.arrivalsPerSecond)} per second, drained at ${fmt1(latest.drainedPerSecond)} per second.`
      : 'No sample yet.',
    t: sr.t,
    from,
    to,
    width: chartWidth(),
    left: { label: 'messages waiting', max: depthMax, integer: true },
    right: { label: 'messages / second', max: rateMax },
    areas: [{ name: 'depth', color: COLORS.depth, values: sr.depth, axis: 'left' }],
    lines: [
      { name: 'arrivals', color: COLORS.arrivals, values: sr.arrivals, axis: 'right', width: 1.6 },
      { name: 'drained', color: COLORS.drained, values: sr.drained, axis: 'right', dash: '5 3' },
    ],
  });
  return figure('queue', 'Queue: waiting, arrivals and drain rate', items, svg);
}

function groupsChart(data, pool, kind) {
  const { series: sr } = pool;
  const { from, to, idx } = viewOf(data, pool);
  const status = pool.controller?.status ?? null;
  let stacks;
  if (kind === 'states') {
    stacks = Object.entries(sr.phases).map(([phase, values]) => ({
      name: `phase-${phase}`,
      label: phase,
      color: PHASE_COLORS[phase] ?? '#8a939e',
      values,
    }));
  } else {
    stacks = Object.entries(sr.versions).map(([version, values], k) => {
      const tags = [];
      if (status?.version === version) tags.push('stable');
      if (status?.rollout?.target === version) tags.push('rollout target');
      return {
        name: `version-${version}`,
        label: `${shortVersion(version)}${tags.length ? ` (${tags.join(', ')})` : ''}`,
        color: VERSION_COLORS[k % VERSION_COLORS.length],
        values,
      };
    });
  }
  const present = stacks.filter((st) => idx.some((i) => (st.values[i] ?? 0) > 0));
  const totals = idx.map((i) => stacks.reduce((a, st) => a + (st.values[i] ?? 0), 0));
  const max = Math.max(1, ...totals, maxIn(idx, sr.desired));
  const svg = drawChart({
    ariaLabel:
      kind === 'states'
        ? `Groups of pool ${pool.name} by state, with the desired count`
        : `Groups of pool ${pool.name} by version, with the desired count`,
    description: describeGroups(pool, kind),
    t: sr.t,
    from,
    to,
    width: chartWidth(),
    left: { label: 'container groups', max, integer: true },
    stacks: present,
    lines: [
      {
        name: 'desired',
        color: COLORS.desired,
        values: sr.desired,
        axis: 'left',
        dash: '6 3',
        step: true,
      },
    ],
  });
  const items = [
    ...present.map((st) => ({ kind: 'area', label: st.label, color: st.color })),
    { kind: 'line', label: 'Desired (controller)', color: COLORS.desired, dash: true },
  ];
  return figure(
    kind === 'states' ? 'groups-by-state' : 'groups-by-version',
    kind === 'states' ? 'Groups by state' : 'Groups by version',
    items,
    svg,
  );
}

function describeGroups(pool, kind) {
  const latest = pool.latest;
  if (!latest) return 'No sample yet.';
  const parts = Object.entries(kind === 'states' ? latest.phases : latest.versions).map(
    ([k, n]) => `${n} ${kind === 'states' ? k : shortVersion(k)}`,
  );
  return `Now ${parts.length ? parts.join(', ') : 'no groups'}; desired ${fmt(latest.desired)}.`;
}

// --- status and decisions ------------------------------------------------------------------------

function chip(cls, label, value) {
  return h('li', { class: `chip ${cls}` }, `${label}: `, h('b', {}, value));
}

function statusChips(pool) {
  const c = pool.controller;
  const st = c?.status ?? null;
  const chips = [];
  chips.push(
    chip(
      c?.runtimeStatus === 'Running' ? 'ok' : 'warn',
      'Controller',
      c?.runtimeStatus ?? 'not started',
    ),
  );
  chips.push(
    st?.paused
      ? chip(
          'warn',
          'Paused',
          `since ${clockTime(st.paused.since)}${st.paused.reason ? ` (${st.paused.reason})` : ''}`,
        )
      : chip('', 'Paused', 'no'),
  );
  chips.push(
    st?.override
      ? chip(
          'warn',
          'Override',
          `${st.override.count} groups until ${clockTime(st.override.until)}${st.override.reason ? ` (${st.override.reason})` : ''}`,
        )
      : chip('', 'Override', 'none'),
  );
  chips.push(
    st?.rollout
      ? chip(
          'warn',
          'Rollout',
          `${shortVersion(st.rollout.from)} → ${shortVersion(st.rollout.target)}, ${st.rollout.phase}${st.rollout.step ? ` step ${st.rollout.step}` : ''}, deadline ${clockTime(st.rollout.deadline)}`,
        )
      : chip('', 'Rollout', 'none in progress'),
  );
  if (st?.lastRollout) {
    chips.push(
      chip(
        st.lastRollout.outcome === 'completed' ? 'ok' : 'bad',
        'Last rollout',
        `${st.lastRollout.outcome} at ${clockTime(st.lastRollout.at)}: ${st.lastRollout.reason}`,
      ),
    );
  }
  if (pool.stale) chips.push(chip('warn', 'Stale', pool.stale.reason));
  if (st?.readTurnAt) {
    chips.push(
      chip('warn', 'Read turn', `ARM throttles reads; next look at ${clockTime(st.readTurnAt)}`),
    );
  }
  if (st?.backoffUntil)
    chips.push(chip('bad', 'Create backoff', `until ${clockTime(st.backoffUntil)}`));
  if (st?.depthError) chips.push(chip('bad', 'Depth', st.depthError));
  return h('ul', { class: 'chips', 'aria-label': `Status of pool ${pool.name}` }, chips);
}

function facts(pool) {
  const st = pool.controller?.status ?? null;
  const latest = pool.latest;
  const e = st?.estimates ?? null;
  const rows = [
    ['Version', st?.version ? shortVersion(st.version) : '—'],
    [
      'Desired / live',
      `${fmt(st?.desired)} / ${latest ? fmt(Object.values(latest.versions).reduce((a, b) => a + b, 0)) : '—'}`,
    ],
    [
      'Waiting',
      latest ? `${fmt(latest.depth)} messages, oldest ${fmt1(latest.oldestAgeSeconds)} s` : '—',
    ],
    ['Wait p95 (drained messages)', latest ? `${fmt1(latest.waitP95Seconds)} s` : '—'],
  ];
  if (e) {
    rows.push([
      'Estimates (drain policy)',
      `arrivals ${fmt1(e.arrivalPerSecond)}/s · ${fmt1(e.throughputPerGroup)} msg/s per group${e.learned.throughput ? ' (learned)' : ''} · start-up ${fmt1(e.startupSeconds)} s${e.learned.startup ? ' (learned)' : ''}`,
    ]);
  }
  if (e?.recurrence) {
    const r = e.recurrence;
    rows.push([
      'Recurring bursts (learned)',
      `about ${fmt(r.size)} messages every ${fmt1(r.periodSeconds / 60)} min, next at ${clockTime(r.nextAt)}${r.misses ? ` (${r.misses} missed)` : ''}`,
    ]);
  }
  if (st?.retiring?.length) rows.push(['Retiring', st.retiring.map((x) => x.name).join(', ')]);
  if (st?.badVersions?.length)
    rows.push(['Bad versions', st.badVersions.map((b) => shortVersion(b.id)).join(', ')]);
  const dl = h(
    'dl',
    { class: 'facts' },
    rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  );
  const errors = st?.errors ?? [];
  return h(
    'div',
    { class: 'side' },
    h('h3', {}, 'Status'),
    dl,
    sites(pool),
    h('h3', { class: 'errors-title' }, 'Recent errors'),
    errors.length
      ? h(
          'ul',
          { class: 'errors' },
          errors
            .slice()
            .reverse()
            .map((x) =>
              h(
                'li',
                {},
                `${clockTime(x.at)} ${x.during}: ${x.code ? `${x.code} ` : ''}${x.message}`,
              ),
            ),
        )
      : h('p', { class: 'none' }, 'None.'),
  );
}

/**
 * Where the pool's groups run: each site of its placements with its live groups and state (open,
 * full until usage shows room, unavailable until a backoff ends), then what ACI saw of its creates:
 * calls, refusals by reason, capacity failures and Spot evictions.
 */
function sites(pool) {
  const list = pool.controller?.status?.sites ?? [];
  const p = pool.placement;
  const table = h(
    'table',
    { class: 'sites', 'data-pool': pool.name },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Site'),
        h('th', { scope: 'col', class: 'num' }, 'Groups'),
        h('th', { scope: 'col' }, 'State'),
      ),
    ),
    h(
      'tbody',
      {},
      list.map((x) =>
        h(
          'tr',
          { 'data-site': x.site, class: x.state },
          h(
            'td',
            {},
            x.site,
            h(
              'span',
              { class: 'where' },
              [
                x.priority === 'Spot' ? 'Spot' : '',
                x.zones.length ? `zones ${x.zones.join(', ')}` : '',
                x.subnet ? 'subnet' : '',
              ]
                .filter(Boolean)
                .join(' · '),
            ),
          ),
          h(
            'td',
            { class: 'num' },
            `${fmt(x.groups)}${x.maxGroups === null ? '' : ` / ${fmt(x.maxGroups)}`}`,
          ),
          h(
            'td',
            { title: x.last ?? '' },
            x.state === 'open'
              ? 'open'
              : `${x.state}${x.until ? ` until ${clockTime(x.until)}` : ''}`,
          ),
        ),
      ),
    ),
  );
  const aci = p
    ? `${fmt(p.createCalls)} create calls · refused: quota ${fmt(p.refused.quota)}, capacity ${fmt(p.refused.capacity)}, other ${fmt(p.refused.other)} · capacity failures ${fmt(p.capacityFailures)} · Spot evictions ${fmt(p.evictions)}`
    : 'No create yet.';
  return [
    h('h3', { class: 'sites-title' }, 'Sites'),
    list.length ? table : h('p', { class: 'none' }, 'No status yet.'),
    h('p', { class: 'aci', 'data-pool': pool.name }, aci),
  ];
}

function decisionsTable(pool) {
  const rows = pool.decisions.slice(-DECISION_ROWS).reverse();
  return h(
    'table',
    { class: 'decisions', 'data-pool': pool.name },
    h(
      'caption',
      {},
      `Last decisions (newest first, ${rows.length} of ${pool.decisions.length} kept)`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Time', 'Trigger', 'Desired', 'Running', 'Pending', 'Actions', 'Reason'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      rows.length
        ? rows.map((d) =>
            h(
              'tr',
              {},
              h('td', { class: 'time' }, clockTime(d.at)),
              h('td', {}, d.trigger),
              h('td', { class: 'num' }, fmt(d.desired)),
              h('td', { class: 'num' }, fmt(d.running)),
              h('td', { class: 'num' }, fmt(d.pending)),
              h('td', { class: 'num' }, actions(d)),
              h('td', { class: 'reason' }, d.reason),
            ),
          )
        : h('tr', {}, h('td', { colspan: 7, class: 'none' }, 'No decision yet.')),
    ),
  );
}

function actions(d) {
  const parts = [];
  if (d.creates) parts.push(`+${d.creates} create`);
  if (d.deletes) parts.push(`−${d.deletes} delete`);
  if (d.failed) parts.push(`${d.failed} failed`);
  return parts.length ? parts.join(', ') : '—';
}

// --- page ----------------------------------------------------------------------------------------

function poolSection(data, pool) {
  const charts = h(
    'div',
    { class: 'charts' },
    queueChart(data, pool),
    groupsChart(data, pool, 'states'),
    groupsChart(data, pool, 'versions'),
  );
  // The same column count the charts were drawn for (CSSOM: allowed by the page's CSP).
  charts.style.gridTemplateColumns = `repeat(${chartLayout().columns}, minmax(0, 1fr))`;
  const bounds = `${pool.minGroups}–${pool.maxGroups} groups`;
  const where = `${pool.namespace.replace(/\.servicebus\.windows\.net$/, '')}/${pool.entity}`;
  return h(
    'section',
    { class: 'pool', 'data-pool': pool.name, 'aria-labelledby': `pool-${pool.name}` },
    h(
      'h2',
      { id: `pool-${pool.name}` },
      pool.name,
      h(
        'span',
        { class: 'meta' },
        `${pool.policy} policy · queue ${where} · ${bounds}${pool.trafficManager ? ` · Traffic Manager ${pool.trafficManager}` : ''}`,
      ),
    ),
    statusChips(pool),
    charts,
    h('div', { class: 'lower' }, decisionsTable(pool), facts(pool)),
  );
}

/**
 * The width (px) each chart gets in the grid, so an SVG is drawn at the size it is shown and its
 * text stays at its CSS size: up to three charts per row, none narrower than MIN_CHART_WIDTH.
 */
function chartLayout() {
  const main = document.getElementById('pools');
  // main's padding (24px a side) and the pool section's padding and border (18px + 1px a side).
  const inner = Math.max(MIN_CHART_WIDTH, (main?.clientWidth ?? 1200) - 48 - 38);
  const columns = Math.max(
    1,
    Math.min(3, Math.floor((inner + CHART_GAP) / (MIN_CHART_WIDTH + CHART_GAP))),
  );
  return { columns, width: Math.floor((inner - (columns - 1) * CHART_GAP) / columns) };
}

const chartWidth = () => chartLayout().width;

function text(id, value, alert = false) {
  const el = document.getElementById(id);
  if (!el) return;
  el.textContent = value;
  el.classList.toggle('alert', alert);
}

function render() {
  const data = state.data;
  if (!data) return;
  text('model-time', data.now ? `${data.now.slice(0, 10)} ${clockTime(data.now)} UTC` : '—');
  const minutes = Math.round(state.rangeMs / 60_000);
  text(
    'cadence',
    `a sample every ${data.intervalMs / 1000} s, showing up to ${minutes} min (${data.pools[0]?.series.t.length ?? 0} samples kept)`,
  );
  const t = data.totals;
  text('total-groups', t ? `${fmt(t.groups)} (${fmt(t.running)} running)` : '—');
  text('total-waiting', t ? fmt(t.waiting) : '—');
  text('total-arm', t ? fmt(t.armRequests) : '—');
  text('total-429', t ? fmt(t.arm429) : '—', (t?.arm429 ?? 0) > 0);
  text('total-sb', t ? fmt(t.serviceBusAdmin) : '—');
  const banner = document.getElementById('sample-error');
  if (banner) {
    banner.hidden = !data.lastError;
    banner.textContent = data.lastError ? `Sampling failed: ${data.lastError}` : '';
  }
  const links = document.getElementById('links');
  if (links) {
    links.replaceChildren(
      ...(data.links?.functions
        ? ['Functions ', h('a', { href: `${data.links.functions}/pools` }, data.links.functions)]
        : []),
      ...(data.links?.emulatorControl
        ? [
            ' · emulator ',
            h('a', { href: `${data.links.emulatorControl}/state` }, data.links.emulatorControl),
          ]
        : []),
    );
  }
  const main = document.getElementById('pools');
  if (!main) return;
  main.replaceChildren(...data.pools.map((p) => poolSection(data, p)));
  document.body.dataset.seq = String(data.seq);
}

function connection(ok, note) {
  const el = document.getElementById('connection');
  if (!el) return;
  el.textContent = note;
  el.className = `conn ${ok ? 'live' : 'down'}`;
}

async function poll() {
  try {
    const res = await fetch('/api/dashboard', {
      cache: 'no-store',
      headers: state.etag ? { 'if-none-match': state.etag } : {},
    });
    if (res.status === 200) {
      state.data = await res.json();
      state.etag = res.headers.get('etag');
      render();
    } else if (res.status !== 304) {
      throw new Error(`HTTP ${res.status}`);
    }
    connection(true, 'live');
  } catch (error) {
    connection(false, `disconnected (${error instanceof Error ? error.message : error}), retrying`);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

let resizing;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(render, 150);
});

document.getElementById('range')?.addEventListener('change', (event) => {
  state.rangeMs = Number(event.target.value);
  render();
});

/**
 * A page written by `npm run simulate -- --html FILE` carries its data in a JSON script element:
 * it shows that, over the whole run, and polls nothing.
 */
function staticSnapshot() {
  const el = document.getElementById('surge-snapshot');
  if (!el) return null;
  return JSON.parse(el.textContent ?? 'null');
}

const fixed = staticSnapshot();
if (fixed) {
  state.data = fixed;
  state.rangeMs = fixed.windowMs;
  const whole = document.createElement('option');
  whole.value = String(fixed.windowMs);
  whole.textContent = 'the whole run';
  whole.selected = true;
  document.getElementById('range')?.append(whole);
  connection(true, 'a finished run');
  render();
} else {
  void poll();
}

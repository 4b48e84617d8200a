/**
 * What one telemetry sample emits, as plain data: a pure function of the pools' published
 * statuses, what the previous samples already emitted, and `now`. The timer (functions/
 * poolTelemetry.ts) reads the statuses and writes the result with record.ts; nothing here does
 * I/O, so the tests compare whole samples.
 */
import type { PoolStatus, StatusDecision } from '../controller/status';
import { statusStaleness } from '../controller/status';
import type { MetricName } from './catalog';

/** Attribute values of a point or span. */
export type Attributes = Readonly<Record<string, string | number | boolean>>;

/** One gauge reading or counter increment. */
export interface MetricPoint {
  readonly metric: MetricName;
  readonly value: number;
  readonly attributes: Attributes;
}

/** One decision span: it starts and ends at the decision's time (ms). */
export interface SpanRecord {
  readonly at: number;
  readonly attributes: Attributes;
}

/** What a sample needs to know of a pool: its name and entity, and what its controller shows. */
export interface PoolReading {
  readonly pool: string;
  /** Queue name, or topic/Subscriptions/subscription. */
  readonly entity: string;
  readonly reconcileSeconds: number;
  /** The controller's Durable runtime status, or undefined when it was never started. */
  readonly runtimeStatus: string | undefined;
  readonly status: PoolStatus | null;
}

/** Per pool, what earlier samples emitted: the last decision time and the refusal counts. */
export interface PoolMark {
  /** Decisions at or before this time (ms) were emitted. */
  readonly decisionsThrough: number;
  /** The status's createRefusals at the last sample, to count only what is new. */
  readonly refusals: Readonly<Record<string, number>>;
}

/** Pool name → its mark. Plain data, kept by the app instance between samples. */
export type TelemetryMarks = Readonly<Record<string, PoolMark>>;

/** One sample: the points and spans to emit, and every pool's mark for the next sample. */
export interface TelemetrySample {
  readonly gauges: readonly MetricPoint[];
  readonly counters: readonly MetricPoint[];
  readonly spans: readonly SpanRecord[];
  readonly marks: TelemetryMarks;
}

/**
 * How far back the first sample of an app instance emits decisions: one sample period at the
 * default schedule (a minute) and a minute of slack. An instance that starts does not know what
 * its predecessor emitted; re-emitting the ten decisions a status keeps would count them twice.
 */
export const FIRST_SAMPLE_LOOKBACK_MS = 120_000;

/** Runtime statuses in which a controller still runs. */
const RUNNING = new Set(['Running', 'Pending', 'ContinuedAsNew']);

/** The sample for these pools at `now`, given what earlier samples emitted. */
export function telemetrySample(
  pools: readonly PoolReading[],
  marks: TelemetryMarks,
  now: number,
): TelemetrySample {
  const gauges: MetricPoint[] = [];
  const counters: MetricPoint[] = [];
  const spans: SpanRecord[] = [];
  // A pool not read this time (no status, or its controller unreachable) keeps its mark.
  const next: Record<string, PoolMark> = { ...marks };
  for (const p of pools) {
    const base = poolAttributes(p);
    gauges.push(...controllerGauges(p, base, now));
    const s = p.status;
    if (!s) continue;
    const mark = marks[p.pool];
    gauges.push(...queueGauges(s, base), ...groupGauges(s, base), ...estimateGauges(s, base));
    counters.push(...refusalCounts(s, mark, base));
    const since = mark?.decisionsThrough ?? now - FIRST_SAMPLE_LOOKBACK_MS;
    const fresh = newDecisions(s, since);
    spans.push(...fresh.map((d) => decisionSpan(d, base)));
    next[p.pool] = {
      decisionsThrough: Math.max(since, ...fresh.map((d) => Date.parse(d.at))),
      refusals: s.createRefusals,
    };
  }
  return { gauges, counters, spans, marks: next };
}

function poolAttributes(p: PoolReading): Attributes {
  return {
    'surge.pool': p.pool,
    'messaging.system': 'servicebus',
    'messaging.destination.name': p.entity,
  };
}

function point(metric: MetricName, value: number, attributes: Attributes): MetricPoint {
  return { metric, value, attributes };
}

/** Whether the controller runs, whether its status is stale, and how old its last look is. */
function controllerGauges(p: PoolReading, base: Attributes, now: number): MetricPoint[] {
  const runtime = p.runtimeStatus ?? 'NotStarted';
  const running = RUNNING.has(runtime) ? 1 : 0;
  const points = [
    point('surge.pool.controller.running', running, {
      ...base,
      'surge.controller.status': runtime,
    }),
  ];
  if (!p.status) return points;
  const stale = statusStaleness(p.status, p.reconcileSeconds, now);
  points.push(point('surge.pool.controller.stale', stale ? 1 : 0, base));
  if (p.status.observedAt !== null) {
    const age = Math.max(0, (now - Date.parse(p.status.observedAt)) / 1000);
    points.push(point('surge.pool.observation.age', age, base));
  }
  return points;
}

function queueGauges(s: PoolStatus, base: Attributes): MetricPoint[] {
  if (!s.depth) return [];
  const states = {
    active: s.depth.active,
    scheduled: s.depth.scheduled,
    dead_letter: s.depth.deadLetter,
  };
  return Object.entries(states).map(([state, n]) =>
    point('surge.pool.queue.messages', n, { ...base, 'surge.message.state': state }),
  );
}

function groupGauges(s: PoolStatus, base: Attributes): MetricPoint[] {
  const points: MetricPoint[] = [];
  if (s.desired !== null) points.push(point('surge.pool.groups.desired', s.desired, base));
  const g = s.groups;
  if (g) {
    for (const state of ['running', 'pending', 'failed', 'deleting'] as const) {
      points.push(point('surge.pool.groups', g[state], { ...base, 'surge.group.state': state }));
    }
    for (const [version, n] of Object.entries(g.byVersion)) {
      points.push(point('surge.pool.version.groups', n, { ...base, 'surge.version': version }));
    }
  }
  for (const site of s.sites) {
    const attrs = { ...base, 'surge.site': site.site, 'surge.site.state': site.state };
    points.push(point('surge.pool.site.groups', site.groups, attrs));
  }
  return points;
}

/**
 * The drain policy's estimates, and the wait-time proxy from them. Worked example: 600 active
 * messages, 3 running groups of 5 msg/s each → 600 / 15 = 40 s to drain.
 */
function estimateGauges(s: PoolStatus, base: Attributes): MetricPoint[] {
  const e = s.estimates;
  if (!e) return [];
  const points: MetricPoint[] = [];
  if (e.arrivalPerSecond !== null)
    points.push(point('surge.pool.arrival.rate', e.arrivalPerSecond, base));
  const perGroup = e.throughputPerGroup;
  if (perGroup !== null) {
    const learned = { ...base, 'surge.learned': e.learned.throughput };
    points.push(point('surge.pool.group.throughput', perGroup, learned));
  }
  if (e.startupSeconds !== null) {
    const learned = { ...base, 'surge.learned': e.learned.startup };
    points.push(point('surge.pool.group.startup.duration', e.startupSeconds, learned));
  }
  const running = s.groups?.running ?? 0;
  if (s.depth && perGroup !== null && perGroup > 0 && running > 0) {
    const seconds = s.depth.active / (running * perGroup);
    points.push(point('surge.pool.queue.drain.duration', seconds, base));
  }
  return points;
}

/**
 * Refusals since the last sample, by kind: the difference of the status's running counts. A count
 * lower than the mark means the controller started afresh, so all of it is new. Example: mark
 * {quota: 3}, status {quota: 5, capacity: 1} → quota +2, capacity +1.
 */
function refusalCounts(s: PoolStatus, mark: PoolMark | undefined, base: Attributes): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const [kind, total] of Object.entries(s.createRefusals)) {
    // Unknown before this instance's first sample: only what comes after is counted.
    const before = mark ? (mark.refusals[kind] ?? 0) : total;
    const added = total >= before ? total - before : total;
    if (added > 0)
      points.push(point('surge.pool.create.refusals', added, { ...base, 'error.type': kind }));
  }
  return points;
}

/** Decisions after `since`, oldest first: the recent list and the last decision, without repeats. */
function newDecisions(s: PoolStatus, since: number): StatusDecision[] {
  const all = [...s.recentDecisions];
  const last = s.lastDecision;
  if (last && !all.some((d) => d.at === last.at)) all.push(last);
  return all
    .filter((d) => Date.parse(d.at) > since)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function decisionSpan(d: StatusDecision, base: Attributes): SpanRecord {
  return {
    at: Date.parse(d.at),
    attributes: {
      ...base,
      'surge.decision.trigger': d.trigger,
      'surge.decision.reason': d.reason,
      'surge.decision.desired': d.desired,
      'surge.decision.live': d.live,
      'surge.decision.running': d.running,
      'surge.decision.pending': d.pending,
      'surge.decision.failed': d.failed,
      'surge.decision.creates': d.creates,
      'surge.decision.deletes': d.deletes,
    },
  };
}

/**
 * The dashboard's memory: a time series of every pool, sampled from a running stack at a fixed
 * cadence of model time (5 s by default) into a bounded ring (3 hours by default), plus the latest
 * status each pool controller published and a longer log of its decisions than the status keeps.
 *
 * Per pool and sample: the queue depth, arrivals/s and drained/s (deltas of the emulator's
 * enqueued and dequeued counters between two samples: what happened, not what a model predicts),
 * the groups by emulator phase and by version, and the desired count the controller published.
 * Per pool, the latest placement counters too: create calls, refusals by reason, groups accepted
 * by site and Spot evictions, as ACI (the emulator) saw them.
 *
 * Clock-driven, never wall-clock-driven: in real time `start()` samples on an interval timer; in
 * virtual time the sampler is a `VirtualTimeParticipant`, so `driveVirtualTime` stops at each
 * sampling instant exactly and no real timer exists. The arithmetic lives in pure functions
 * (`poolSampleOf`, `mergeDecisions`, `snapshotOf`) that the tests call with plain data.
 */
import type { PoolSpec } from '../../shared/config/poolSpec';
import { entityPath } from '../../shared/config/pools';
import { controllerInstanceId } from '../../shared/controller/signal';
import type { PoolStatus, Staleness, StatusDecision } from '../../shared/controller/status';
import { statusStaleness } from '../../shared/controller/status';
import { parseImageRef } from '../../shared/policy/version';
import type { Clock } from '../clock';
import type { DurableEngine } from '../durable/engine';
import type {
  EmulatorControl,
  EntityStats,
  GroupSummary,
  PoolPlacement,
  RequestCounters,
} from '../emulator';
import { namespaceHost } from '../emulator/config';
import type { VirtualTimeParticipant } from '../host/virtualTime';

/** Emulator group phases, in the order the groups chart stacks them (bottom first). */
const GROUP_PHASES = ['Running', 'Warming', 'Creating', 'Pending', 'Failed', 'Stopped'] as const;

/** One emulator group phase. */
export type Phase = (typeof GROUP_PHASES)[number];

/** Phases in which a group exists for the pool (counted per version); Stopped and Failed do not. */
const LIVE_PHASES: ReadonlySet<string> = new Set<Phase>([
  'Pending',
  'Creating',
  'Warming',
  'Running',
]);

/** Default cadence: one sample per 5 s of model time. */
const DEFAULT_INTERVAL_MS = 5_000;
/** Default memory: the last 3 hours (2160 samples at 5 s). */
const DEFAULT_WINDOW_MS = 3 * 60 * 60_000;
/** Decisions kept per pool (the controller's status keeps only its last 10). */
const DEFAULT_DECISIONS_KEPT = 50;

/** What the dashboard needs to know about a pool, taken from its spec once. */
export interface DashboardPool {
  readonly name: string;
  /** Scaling policy: `drain` or `keda`. */
  readonly policy: string;
  /** Namespace host, e.g. `surge-demo.servicebus.windows.net`. */
  readonly namespace: string;
  /** Queue name or `topic/Subscriptions/sub`. */
  readonly entity: string;
  readonly minGroups: number;
  readonly maxGroups: number;
  /** Traffic Manager profile the pool's groups sit behind, or null. */
  readonly trafficManager: string | null;
  /** Repository whose image names a group's version (the followed one), or null: the first container's. */
  readonly versionRepository: string | null;
  /** Seconds between the controller's own looks (the spec's reconcileSeconds): what stale means. */
  readonly reconcileSeconds: number;
}

/** The dashboard's view of pool specs. */
export function dashboardPools(specs: readonly PoolSpec[]): DashboardPool[] {
  return specs.map((p) => ({
    name: p.name,
    policy: p.scaling.mode,
    namespace: namespaceHost(p.serviceBus.namespace),
    entity: entityPath(p),
    minGroups: p.minGroups,
    maxGroups: p.maxGroups,
    trafficManager: p.trafficManager?.profile ?? null,
    versionRepository: p.follow?.repository ?? null,
    reconcileSeconds: p.controller.reconcileSeconds,
  }));
}

/**
 * The version a group runs, from its images the way the controller names versions
 * (`specVersion`): the digest, else the tag, of the followed repository's image (else the first
 * image). `["r.io/web@sha256:ab…"]` → `sha256:ab…`; `["r.io/web:1.0"]` → `1.0`.
 */
export function versionOfImages(images: readonly string[], repository: string | null): string {
  const refs = images.map(parseImageRef);
  const primary = refs.find((r) => repository !== null && r.repository === repository) ?? refs[0];
  if (primary === undefined) return 'unknown';
  return primary.digest ?? primary.tag ?? 'latest';
}

/** What the sampler reads from the emulator (`EmulatorControl` fits). */
export type EmulatorReadings = Pick<
  EmulatorControl,
  'queues' | 'groups' | 'counters' | 'placement'
>;

/** A pool controller as the dashboard shows it. */
export interface ControllerSnapshot {
  /** Durable runtime status: Running, Pending, Failed, … */
  readonly runtimeStatus: string;
  /** The pool status the controller last published (its Durable custom status), if any. */
  readonly status: PoolStatus | null;
  /** ISO time of the instance's last change. */
  readonly lastUpdatedTime: string | null;
}

/** Reads one pool's controller; undefined when it was never started. */
export type ControllerReader = (pool: string) => ControllerSnapshot | undefined;

/** A ControllerReader over the local Durable engine (the controllers' custom statuses). */
function engineControllers(engine: Pick<DurableEngine, 'getStatus'>): ControllerReader {
  return (pool) => {
    const s = engine.getStatus(controllerInstanceId(pool), { showInput: false });
    if (s === undefined) return undefined;
    return {
      runtimeStatus: s.runtimeStatus,
      // The engine keeps what the orchestrator set; the controller only ever sets a PoolStatus.
      status: (s.customStatus as PoolStatus | null) ?? null,
      lastUpdatedTime: s.lastUpdatedTime,
    };
  };
}

/** What the emulator reported about one pool at one instant. */
export interface PoolReadings {
  /** The pool's queue, or undefined when the entity does not exist. */
  readonly queue: Pick<EntityStats, 'depth' | 'enqueued' | 'dequeued' | 'oldestAgeSeconds'> & {
    readonly waits: Pick<EntityStats['waits'], 'p95Seconds'>;
  };
  /** The pool's groups (phase and images). */
  readonly groups: readonly Pick<GroupSummary, 'phase' | 'images'>[];
  /** The desired count the controller published, or null. */
  readonly desired: number | null;
}

/** One pool at one sampling instant. */
export interface PoolSample {
  /** Messages waiting (active). */
  readonly depth: number;
  /** Cumulative counters of the entity, kept to compute the next sample's rates. */
  readonly enqueued: number;
  readonly dequeued: number;
  /** Messages per second enqueued since the previous sample; null for the first one. */
  readonly arrivalsPerSecond: number | null;
  /** Messages per second drained (completed) since the previous sample; null for the first one. */
  readonly drainedPerSecond: number | null;
  readonly oldestAgeSeconds: number;
  /** 95th percentile wait of the messages drained so far (seconds), null before the first. */
  readonly waitP95Seconds: number | null;
  /** Groups by emulator phase (only phases with groups). */
  readonly phases: Readonly<Partial<Record<Phase, number>>>;
  /** Live groups (not stopped or failed) by version id. */
  readonly versions: Readonly<Record<string, number>>;
  readonly desired: number | null;
}

/** One sampling instant: every pool that could be read. */
export interface Sample {
  /** Model time, ms since epoch. */
  readonly t: number;
  readonly pools: Readonly<Record<string, PoolSample>>;
}

/** Rates are shown to a thousandth of a message per second; more digits are noise in the JSON. */
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * One pool's sample from what was read at `t` and the previous sample at `prevT`. Rates are the
 * counter deltas over the elapsed model time; a counter that went backwards (the entity was
 * recreated) or no previous sample gives null, never a made-up rate.
 */
export function poolSampleOf(
  pool: Pick<DashboardPool, 'versionRepository'>,
  readings: PoolReadings,
  t: number,
  previous: { readonly t: number; readonly sample: PoolSample } | undefined,
): PoolSample {
  const q = readings.queue;
  const dt = previous === undefined ? 0 : (t - previous.t) / 1000;
  const rate = (now: number, before: number | undefined) =>
    before === undefined || dt <= 0 || now < before ? null : round3((now - before) / dt);
  const phases: Partial<Record<Phase, number>> = {};
  const versions: Record<string, number> = {};
  for (const g of readings.groups) {
    phases[g.phase] = (phases[g.phase] ?? 0) + 1;
    if (LIVE_PHASES.has(g.phase)) {
      const v = versionOfImages(g.images, pool.versionRepository);
      versions[v] = (versions[v] ?? 0) + 1;
    }
  }
  return {
    depth: q.depth,
    enqueued: q.enqueued,
    dequeued: q.dequeued,
    arrivalsPerSecond: rate(q.enqueued, previous?.sample.enqueued),
    drainedPerSecond: rate(q.dequeued, previous?.sample.dequeued),
    oldestAgeSeconds: round3(q.oldestAgeSeconds),
    waitP95Seconds: q.waits.p95Seconds === null ? null : round3(q.waits.p95Seconds),
    phases,
    versions,
    desired: readings.desired,
  };
}

/**
 * Adds the decisions a status lists to a log (oldest first), without duplicates, keeping the
 * newest `keep`. The status holds only the last 10, so sampling more often than 10 decisions
 * happen loses none.
 */
export function mergeDecisions(
  log: readonly StatusDecision[],
  recent: readonly StatusDecision[],
  keep: number,
): StatusDecision[] {
  const seen = new Set(log.map((d) => JSON.stringify(d)));
  const merged = [...log];
  for (const d of recent) {
    const key = JSON.stringify(d);
    if (!seen.has(key)) {
      seen.add(key);
      merged.push(d);
    }
  }
  // ISO times of one format sort as text; the sort is stable for decisions of one instant.
  merged.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return merged.slice(Math.max(0, merged.length - keep));
}

/** A fixed-capacity ring: pushing beyond capacity drops the oldest item. */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  /** `capacity`: the most items held (a whole number ≥ 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Ring capacity must be a whole number >= 1, got ${capacity}`);
    }
    this.#items = new Array<T | undefined>(capacity);
  }

  /** Items held. */
  get size(): number {
    return this.#size;
  }

  /** Appends, dropping the oldest item when full. */
  push(item: T): void {
    this.#items[(this.#start + this.#size) % this.capacity] = item;
    if (this.#size < this.capacity) this.#size++;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    return this.#size === 0
      ? undefined
      : this.#items[(this.#start + this.#size - 1) % this.capacity];
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++)
      out.push(this.#items[(this.#start + i) % this.capacity] as T);
    return out;
  }
}

/** Totals over the whole emulator, for the dashboard's header. */
export interface DashboardTotals {
  /** Groups that exist for a pool (pending, creating, warming or running). */
  readonly groups: number;
  readonly running: number;
  /** Messages waiting in every pool's queue. */
  readonly waiting: number;
  /** ARM requests served (reads, writes and deletes) since the emulator started. */
  readonly armRequests: number;
  /** ARM answers 429 (throttled) since the emulator started. */
  readonly arm429: number;
  readonly arm5xx: number;
  readonly serviceBusAdmin: number;
}

/** One pool's series, column-wise (each array has one entry per sample, aligned with `t`). */
export interface PoolSeries {
  /** Model time of each sample, ms since epoch. */
  readonly t: number[];
  /** Messages waiting; null where the queue could not be read. */
  readonly depth: (number | null)[];
  readonly arrivals: (number | null)[];
  readonly drained: (number | null)[];
  readonly desired: (number | null)[];
  /** Groups per phase; every phase of GROUP_PHASES is present. */
  readonly phases: Record<Phase, number[]>;
  /** Live groups per version id, in order of first appearance in the window. */
  readonly versions: Record<string, number[]>;
}

/** Everything the page shows about one pool. */
export interface PoolView {
  readonly name: string;
  readonly policy: string;
  readonly namespace: string;
  readonly entity: string;
  readonly minGroups: number;
  readonly maxGroups: number;
  readonly trafficManager: string | null;
  /** The controller, or null when it was never started. */
  readonly controller: ControllerSnapshot | null;
  /** Why the controller's status may no longer describe the pool at the last sample, or null. */
  readonly stale: Staleness | null;
  /** The latest sample of the pool, or null before the first. */
  readonly latest: Omit<PoolSample, 'enqueued' | 'dequeued'> | null;
  readonly series: PoolSeries;
  /** Decisions seen over the sampler's life, oldest first. */
  readonly decisions: readonly StatusDecision[];
  /** Creates, refusals by reason, groups accepted by site and evictions; null before any. */
  readonly placement: PoolPlacement | null;
}

/** What `/api/dashboard` serves: the whole page's data in one answer. */
export interface DashboardSnapshot {
  /** Samples taken so far: changes whenever anything on the page may have changed. */
  readonly seq: number;
  /** Model time of the latest sample (ISO), null before the first. */
  readonly now: string | null;
  readonly nowMs: number | null;
  readonly intervalMs: number;
  readonly windowMs: number;
  readonly totals: DashboardTotals | null;
  readonly pools: readonly PoolView[];
  /** Why the last sample failed, if it did (the page shows it; sampling goes on). */
  readonly lastError: string | null;
}

/** Totals from the latest sample and the emulator's request counters. */
export function totalsOf(sample: Sample, counters: RequestCounters): DashboardTotals {
  let groups = 0;
  let running = 0;
  let waiting = 0;
  for (const p of Object.values(sample.pools)) {
    for (const [phase, n] of Object.entries(p.phases)) {
      if (LIVE_PHASES.has(phase)) groups += n;
      if (phase === 'Running') running += n;
    }
    waiting += p.depth;
  }
  return {
    groups,
    running,
    waiting,
    armRequests: counters.armReads + counters.armWrites + counters.armDeletes,
    arm429: counters.arm429,
    arm5xx: counters.arm5xx,
    serviceBusAdmin: counters.serviceBusAdmin,
  };
}

/** One pool's series, column-wise, from samples oldest first. */
export function seriesOf(pool: string, samples: readonly Sample[]): PoolSeries {
  const series: PoolSeries = {
    t: [],
    depth: [],
    arrivals: [],
    drained: [],
    desired: [],
    phases: Object.fromEntries(GROUP_PHASES.map((p) => [p, [] as number[]])) as Record<
      Phase,
      number[]
    >,
    versions: {},
  };
  samples.forEach((s, i) => {
    const p = s.pools[pool];
    series.t.push(s.t);
    series.depth.push(p?.depth ?? null);
    series.arrivals.push(p?.arrivalsPerSecond ?? null);
    series.drained.push(p?.drainedPerSecond ?? null);
    series.desired.push(p?.desired ?? null);
    for (const phase of GROUP_PHASES) series.phases[phase].push(p?.phases[phase] ?? 0);
    for (const [v, n] of Object.entries(p?.versions ?? {})) {
      // A version first seen now gets zeros for the samples before.
      (series.versions[v] ??= new Array<number>(i).fill(0)).push(n);
    }
    for (const counts of Object.values(series.versions)) if (counts.length === i) counts.push(0);
  });
  return series;
}

/** What the sampler holds, turned into the page's data. */
function snapshotOf(input: {
  readonly seq: number;
  readonly intervalMs: number;
  readonly windowMs: number;
  readonly pools: readonly DashboardPool[];
  readonly samples: readonly Sample[];
  readonly counters: RequestCounters | undefined;
  readonly controllers: ReadonlyMap<string, ControllerSnapshot>;
  readonly decisions: ReadonlyMap<string, readonly StatusDecision[]>;
  readonly placement: Readonly<Record<string, PoolPlacement>>;
  readonly lastError: string | null;
}): DashboardSnapshot {
  const last = input.samples[input.samples.length - 1];
  return {
    seq: input.seq,
    now: last === undefined ? null : new Date(last.t).toISOString(),
    nowMs: last?.t ?? null,
    intervalMs: input.intervalMs,
    windowMs: input.windowMs,
    totals:
      last === undefined || input.counters === undefined ? null : totalsOf(last, input.counters),
    pools: input.pools.map((pool) => {
      const latest = last?.pools[pool.name];
      let view: PoolView['latest'] = null;
      if (latest !== undefined) {
        const { enqueued: _e, dequeued: _d, ...rest } = latest;
        view = rest;
      }
      const controller = input.controllers.get(pool.name) ?? null;
      return {
        ...pool,
        controller,
        stale:
          controller?.status && last
            ? statusStaleness(controller.status, pool.reconcileSeconds, last.t)
            : null,
        latest: view,
        series: seriesOf(pool.name, input.samples),
        decisions: input.decisions.get(pool.name) ?? [],
        placement: input.placement[pool.name] ?? null,
      };
    }),
    lastError: input.lastError,
  };
}

/** How to build a sampler. */
export interface SamplerOptions {
  /** The stack's clock: samples are stamped with it and, in virtual time, scheduled on it. */
  readonly clock: Clock;
  readonly pools: readonly DashboardPool[];
  readonly emulator: EmulatorReadings;
  readonly controllers: ControllerReader;
  /** Model time between samples. Default 5 s. */
  readonly intervalMs?: number;
  /** How much history is kept (capacity = window / interval). Default 3 h. */
  readonly windowMs?: number;
  /** Decisions kept per pool. Default 50. */
  readonly decisionsKept?: number;
}

/**
 * Samples a stack's emulator and controllers. Real time: `start()` / `stop()`. Virtual time: pass
 * it to `driveVirtualTime` as a participant; it samples at its start instant and then every
 * `intervalMs` on that grid.
 */
export class DashboardSampler implements VirtualTimeParticipant {
  /** Model time between samples (ms). */
  readonly intervalMs: number;
  /** Model time the ring holds (ms); older samples are dropped. */
  readonly windowMs: number;
  /** The pools sampled, in the page's order. */
  readonly pools: readonly DashboardPool[];
  readonly #options: SamplerOptions;
  readonly #ring: Ring<Sample>;
  readonly #decisionsKept: number;
  readonly #controllers = new Map<string, ControllerSnapshot>();
  readonly #decisions = new Map<string, StatusDecision[]>();
  readonly #listeners = new Set<
    (sample: Sample, added: ReadonlyMap<string, StatusDecision[]>) => void
  >();
  #counters: RequestCounters | undefined;
  #placement: Readonly<Record<string, PoolPlacement>> = {};
  #seq = 0;
  #nextAt: number;
  #timer: NodeJS.Timeout | undefined;
  #lastError: string | null = null;

  constructor(options: SamplerOptions) {
    this.#options = options;
    this.intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    if (!(this.intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    this.pools = options.pools;
    this.#ring = new Ring(Math.max(1, Math.ceil(this.windowMs / this.intervalMs)));
    this.#decisionsKept = options.decisionsKept ?? DEFAULT_DECISIONS_KEPT;
    this.#nextAt = options.clock.now();
  }

  /** Samples taken so far. */
  get seq(): number {
    return this.#seq;
  }

  /** Samples held, oldest first. */
  samples(): Sample[] {
    return this.#ring.toArray();
  }

  /**
   * Takes one sample now: every pool's queue, groups and controller. Returns it. A failed read
   * (the stack closing, a broken status) is remembered in `lastError` and thrown.
   */
  sample(): Sample {
    const { clock, emulator, controllers } = this.#options;
    let fresh: { sample: Sample; added: ReadonlyMap<string, StatusDecision[]> };
    try {
      const t = clock.now();
      const queues = emulator.queues();
      const groups = emulator.groups();
      const counters = emulator.counters();
      const placement = emulator.placement();
      const previous = this.#ring.last();
      const pools: Record<string, PoolSample> = {};
      const added = new Map<string, StatusDecision[]>();
      for (const pool of this.pools) {
        const controller = controllers(pool.name);
        if (controller !== undefined) this.#controllers.set(pool.name, controller);
        const status = controller?.status ?? null;
        if (status !== null) {
          const before = this.#decisions.get(pool.name) ?? [];
          const after = mergeDecisions(before, status.recentDecisions, this.#decisionsKept);
          const known = new Set(before.map((d) => JSON.stringify(d)));
          const fresh = after.filter((d) => !known.has(JSON.stringify(d)));
          if (fresh.length > 0) added.set(pool.name, fresh);
          this.#decisions.set(pool.name, after);
        }
        const queue = queues.find(
          (q) =>
            q.namespace === pool.namespace && q.entity.toLowerCase() === pool.entity.toLowerCase(),
        );
        if (queue === undefined) continue;
        const prev = previous?.pools[pool.name];
        pools[pool.name] = poolSampleOf(
          pool,
          {
            queue,
            groups: groups.filter((g) => g.pool === pool.name),
            desired: status?.desired ?? null,
          },
          t,
          previous !== undefined && prev !== undefined
            ? { t: previous.t, sample: prev }
            : undefined,
        );
      }
      const sample: Sample = { t, pools };
      this.#ring.push(sample);
      this.#counters = counters;
      this.#placement = placement;
      this.#seq++;
      this.#lastError = null;
      // Listeners run outside the try: their failures are theirs, not a failed sample.
      fresh = { sample, added };
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    for (const listener of this.#listeners) listener(fresh.sample, fresh.added);
    return fresh.sample;
  }

  /**
   * Calls `listener` after each sample with the decisions that sample found new, per pool
   * (`npm start` prints them). Returns the unsubscribe function.
   */
  onSample(
    listener: (sample: Sample, newDecisions: ReadonlyMap<string, StatusDecision[]>) => void,
  ): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The page's data: the window's series, the latest statuses and the decision log. */
  snapshot(): DashboardSnapshot {
    return snapshotOf({
      seq: this.#seq,
      intervalMs: this.intervalMs,
      windowMs: this.windowMs,
      pools: this.pools,
      samples: this.#ring.toArray(),
      counters: this.#counters,
      controllers: this.#controllers,
      decisions: this.#decisions,
      placement: this.#placement,
      lastError: this.#lastError,
    });
  }

  // --- virtual time -----------------------------------------------------------------------------

  /** The next sampling instant (ms since epoch): the start instant, then every intervalMs. */
  nextEventAt(): number {
    return this.#nextAt;
  }

  /** Samples once and moves the next instant past `now`, keeping the grid. */
  runDue(now: number): void {
    if (now < this.#nextAt) return;
    this.#nextAt += Math.floor((now - this.#nextAt) / this.intervalMs + 1) * this.intervalMs;
    this.sample();
  }

  // --- real time --------------------------------------------------------------------------------

  /**
   * Samples now and then every `intervalMs` on a real timer (for a SystemClock stack). A failed
   * sample is kept in `lastError` (and shown by the page) rather than stopping the process.
   */
  start(): void {
    if (this.#timer !== undefined) return;
    const tick = () => {
      try {
        this.sample();
      } catch {
        // Kept in lastError; the next tick tries again.
      }
    };
    tick();
    this.#timer = setInterval(tick, this.intervalMs);
    // The sampler never keeps a process alive on its own.
    this.#timer.unref();
  }

  /** Stops the real-time timer. Idempotent. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** What `samplerForStack` needs of a stack (a `Stack` fits). */
export interface SampledStack {
  readonly host: { readonly clock: Clock };
  readonly emulator: EmulatorReadingsSource | undefined;
  readonly engine: Pick<DurableEngine, 'getStatus'>;
  readonly pools: { readonly pools: readonly PoolSpec[] };
}

/** An emulator as a stack holds it (its `control` is what is read). */
export interface EmulatorReadingsSource {
  readonly control: EmulatorReadings;
}

/** A sampler over a stack that started its own emulator. */
export function samplerForStack(
  stack: SampledStack,
  options: Pick<SamplerOptions, 'intervalMs' | 'windowMs' | 'decisionsKept'> = {},
): DashboardSampler {
  if (stack.emulator === undefined) {
    throw new Error(
      'the dashboard samples the emulator in-process: start the stack with its own emulator',
    );
  }
  return new DashboardSampler({
    ...options,
    clock: stack.host.clock,
    pools: dashboardPools(stack.pools.pools),
    emulator: stack.emulator.control,
    controllers: engineControllers(stack.engine),
  });
}

/**
 * The emulator's model: every container group, Traffic Manager profile and Service Bus entity,
 * the limits and faults in force, the counters, and the workload integration that ties them
 * together (groups of a pool drain its queue).
 *
 * Time: nothing runs on timers. Each request and control call first calls `sync()`, which reads
 * the injected clock once and integrates every busy queue from where it was left to now
 * (`#syncEntity`): arrivals and drain capacity are piecewise constant between known instants
 * (schedule steps, bursts, a group's warm-up end, a stop), and each constant stretch is solved
 * exactly by FluidQueue.segment; ramps and sines are cut into `stepMs` steps. Group and endpoint
 * states are pure functions of their timelines and the clock. So a VirtualClock may jump hours
 * between two calls and the next call sees exactly the state a real-time run would have reached.
 */
import type { Clock } from '../clock';
import type {
  BaselineConsumer,
  EmulatorConfig,
  FaultConfig,
  LimitsConfig,
  PoolDrain,
  RegionFaults,
  RegionLimits,
} from './config';
import {
  DEFAULT_FAULTS,
  DEFAULT_LIMITS,
  DEFAULT_PENDING,
  DEFAULT_ZONES,
  ConfigError,
  namespaceHost,
  regionKey,
} from './config';
import { BUILT_IN_IMAGES, DEFAULT_IMAGE, ImageRegistry } from './images';
import { Rng } from './random';
import type { Distribution } from './random';
import type { GroupRecord, GroupRun } from './arm/containerGroups';
import { evictedBy, phaseAt, runEndAt } from './arm/containerGroups';
import type { GroupPhase } from './arm/containerGroups';
import type { ProfileRecord, TargetHealth } from './arm/trafficManager';
import { SlidingWindows, TokenBucket } from './arm/limits';
import type { Entity, EntityKind, Namespace } from './servicebus/entities';
import { newEntity } from './servicebus/entities';
import { activate } from './workload/arrivals';
import type { ArrivalSchedule } from './workload/arrivals';

/** Requests served, by kind. */
export interface RequestCounters {
  /** ARM GETs (including operation status polls and list pages). */
  armReads: number;
  /** ARM PUT, PATCH and POST. */
  armWrites: number;
  armDeletes: number;
  /** ARM answers 429 (token bucket, create/delete rate limits, injected). */
  arm429: number;
  /** ARM answers 5xx (random faults, injected). */
  arm5xx: number;
  /** ARM requests without a bearer token. */
  armUnauthorized: number;
  /** Service Bus administration calls (all kinds). */
  serviceBusAdmin: number;
  serviceBus5xx: number;
  serviceBusUnauthorized: number;
  /** Control API calls over HTTP. */
  control: number;
  /** Per operation, e.g. `containerGroups.get`, `serviceBus.getQueue`. */
  byOperation: Record<string, number>;
}

/** Billing totals of a pool, in seconds of model time. */
export interface PoolUsage {
  /** Group-seconds (one group for one second). */
  groupSeconds: number;
  /** Container-seconds: what a per-container cost model multiplies. */
  containerSeconds: number;
  /** vCPU-seconds and GB-seconds: what ACI bills. */
  vcpuSeconds: number;
  memoryGbSeconds: number;
}

/** What a pool's creates of new groups met, and what became of the groups (placement figures). */
export interface PoolPlacement {
  /** PUTs of groups that did not exist (retries included: each one is a call to ACI). */
  createCalls: number;
  /** Refused: over a quota (a quota line, or the create rate limit), out of capacity, or else. */
  refused: { quota: number; capacity: number; other: number };
  /** New groups accepted, per site: the group's site tag, else its region (+ " spot"). */
  bySite: Record<string, number>;
  /** Accepted groups that failed for lack of capacity. */
  capacityFailures: number;
  /** Spot groups evicted. */
  evictions: number;
  /** Accepted groups whose run failed (for any reason) or was evicted. */
  failedGroups: number;
  /** Failed or evicted groups deleted (a controller replaces a failed group by deleting it). */
  replacedGroups: number;
}

/** How ACI answered a create of a new group. */
export type CreateOutcome = 'accepted' | 'quota' | 'capacity' | 'other';

/** An ARM error the control API asked to return to the next matching requests. */
export interface InjectedArmError {
  readonly status: number;
  readonly code?: string;
  readonly message?: string;
  /** Sent as Retry-After (seconds). */
  readonly retryAfterSeconds?: number;
  /** Which requests it applies to (default any). */
  readonly kind?: 'read' | 'write' | 'delete' | 'any';
  /** How many requests it answers (default 1). */
  readonly count?: number;
}

/** Rate changes of one entity's consumers: rate (msgs/ms) after times[i] is rates[i]. */
interface CapacityProfile {
  readonly times: number[];
  readonly rates: number[];
}

/** Options of the World. */
export interface WorldOptions {
  readonly clock: Clock;
  readonly seed: number;
  readonly config: EmulatorConfig;
}

/**
 * The groups of one subscription in one region, and the cores they hold: kept up to date on every
 * change, so a create checks its quota in O(failing groups) rather than O(groups).
 */
interface RegionUse {
  readonly groups: Set<GroupRecord>;
  /** Cores of the Regular groups whose current run was not stopped. */
  cores: number;
  /** Cores of the Spot groups whose current run was not stopped (a quota line of its own). */
  spotCores: number;
  /** Runs that fail or are evicted at `at` and release their cores then. */
  readonly failing: Map<GroupRecord, { at: number; cores: number; spot: boolean }>;
}

/** Tombstone of a deleted group, for Traffic Manager's view of its FQDN. */
interface Tombstone {
  readonly deletedAt: number;
  readonly healthyFrom: number;
}

/** Empty counters. */
export function emptyCounters(): RequestCounters {
  return {
    armReads: 0,
    armWrites: 0,
    armDeletes: 0,
    arm429: 0,
    arm5xx: 0,
    armUnauthorized: 0,
    serviceBusAdmin: 0,
    serviceBus5xx: 0,
    serviceBusUnauthorized: 0,
    control: 0,
    byOperation: {},
  };
}

/** The model. */
export class World {
  readonly clock: Clock;
  readonly seed: number;
  readonly rng: Rng;
  /** Faults draw from one stream, in request order. */
  readonly faultsRng: Rng;
  /** Ids (operations, principals, tracking ids) draw from another. */
  readonly idsRng: Rng;

  limits: LimitsConfig;
  faults: FaultConfig;
  readonly images: ImageRegistry;
  unknownImages: 'fail' | 'allow';
  readonly poolTag: string;
  /** The tag naming a group's site, for the placement figures. */
  readonly siteTag: string;
  readonly pools = new Map<string, PoolDrain>();
  readonly pendingDefault: Distribution;
  readonly pendingByRegion = new Map<string, Distribution>();
  readonly tmChecking: Distribution | undefined;
  readonly tmUnknownTargets: 'Online' | 'Degraded';
  readonly stepMs: number;
  readonly maxBatches: number;
  readonly armPageSize: number;
  readonly tenantId: string;
  readonly messageSizeBytes: number;
  readonly strictNamespaces: boolean;

  readonly groups = new Map<string, GroupRecord>();
  readonly operations = new Map<string, { group: GroupRecord; run: GroupRun }>();
  readonly profiles = new Map<string, ProfileRecord>();
  readonly namespaces = new Map<string, Namespace>();
  counters: RequestCounters = emptyCounters();
  armErrors: { error: InjectedArmError; left: number }[] = [];

  readonly #byRegion = new Map<string, RegionUse>();
  /** Cores each indexed group added to its region's total (what unindexing takes back). */
  readonly #coresAdded = new Map<GroupRecord, { cores: number; spot: boolean }>();
  /** Zones per region (regionKey), where configured. */
  readonly #zones = new Map<string, readonly string[]>();
  /** Group keys in order, for list pages; rebuilt after a create or delete. */
  #sortedKeys: string[] | undefined;
  readonly #byEntity = new Map<string, Set<GroupRecord>>();
  readonly #byTarget = new Map<string, GroupRecord>();
  readonly #tombstones = new Map<string, Tombstone>();
  readonly #capacity = new Map<string, CapacityProfile>();
  /** Consumers outside the groups, by entity key (config `workload.consumers`). */
  readonly #consumers = new Map<string, BaselineConsumer[]>();
  /** When the world was made: consumers' times count from here. */
  readonly #startedAt: number;
  readonly #billing = new Map<string, PoolUsage>();
  /** Placement figures of runs that ended, and of creates, per pool. */
  readonly #placement = new Map<string, PoolPlacement>();
  readonly #buckets = new Map<string, TokenBucket>();
  readonly #windows = new Map<string, SlidingWindows>();
  readonly #incarnations = new Map<string, number>();
  #ipCounter = 0;
  #privateIpCounter = 0;
  #lastNow = -Infinity;
  #opsSincePrune = 0;

  constructor(options: WorldOptions) {
    const c = options.config;
    this.clock = options.clock;
    this.#startedAt = options.clock.now();
    this.seed = options.seed;
    this.rng = Rng.fromSeed(options.seed);
    this.faultsRng = this.rng.fork('faults');
    this.idsRng = this.rng.fork('ids');
    this.limits = { ...DEFAULT_LIMITS, ...c.limits };
    this.faults = { ...DEFAULT_FAULTS, ...c.faults, regions: { ...c.faults?.regions } };
    this.images = new ImageRegistry({ ...DEFAULT_IMAGE, ...c.imageDefaults });
    if (c.builtInImages !== false) {
      for (const [ref, cfg] of Object.entries(BUILT_IN_IMAGES)) this.images.push(ref, cfg);
    }
    for (const [ref, cfg] of Object.entries(c.images ?? {})) this.images.push(ref, cfg);
    this.unknownImages = c.unknownImages ?? 'fail';
    this.poolTag = c.poolTag ?? 'surge-pool';
    this.siteTag = c.siteTag ?? 'surge-site';
    this.pendingDefault = c.provisioning?.pending ?? DEFAULT_PENDING;
    for (const [region, r] of Object.entries(c.provisioning?.regions ?? {})) {
      if (r.pending !== undefined) this.pendingByRegion.set(regionKey(region), r.pending);
    }
    for (const [region, zones] of Object.entries(c.zones ?? {})) {
      this.#zones.set(regionKey(region), zones);
    }
    this.tmChecking = c.trafficManager?.checking;
    this.tmUnknownTargets = c.trafficManager?.unknownTargets ?? 'Degraded';
    this.stepMs = c.workload?.stepMs ?? 1000;
    this.maxBatches = c.workload?.maxBatches ?? 4096;
    this.armPageSize = c.arm?.pageSize ?? 100;
    this.tenantId = c.arm?.tenantId ?? '88888888-8888-8888-8888-888888888888';
    this.messageSizeBytes = c.serviceBus?.messageSizeBytes ?? 1024;
    this.strictNamespaces = c.serviceBus?.strictNamespaces ?? false;
    this.#lastNow = this.clock.now();
    for (const [pool, drain] of Object.entries(c.pools ?? {})) this.pools.set(pool, drain);
    for (const seed of c.serviceBus?.namespaces ?? []) {
      const ns = this.namespace(seed.name, true)!;
      for (const q of seed.queues ?? []) this.createEntity(ns, 'queue', q, undefined, new Map());
      for (const [topic, subs] of Object.entries(seed.topics ?? {})) {
        this.createEntity(ns, 'topic', topic, undefined, new Map());
        for (const s of subs) this.createEntity(ns, 'subscription', s, topic, new Map());
      }
    }
    for (const a of c.workload?.arrivals ?? [])
      this.setArrivals(a.namespace, a.entity, a.schedules);
    for (const consumer of c.workload?.consumers ?? []) {
      const key = `${namespaceHost(consumer.namespace)}/${consumer.entity.toLowerCase()}`;
      this.#consumers.set(key, [...(this.#consumers.get(key) ?? []), consumer]);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** The clock, never going backwards (a wall clock may step back; the model must not). */
  now(): number {
    const t = this.clock.now();
    if (t > this.#lastNow) this.#lastNow = t;
    return this.#lastNow;
  }

  /** Brings the workload up to now and returns now. Called first by every request. */
  sync(): number {
    const now = this.now();
    for (const ns of this.namespaces.values()) {
      for (const e of ns.entities.values()) {
        if (e.kind === 'queue') this.#syncEntity(ns, e, now);
        for (const sub of e.subscriptions.values()) this.#syncEntity(ns, sub, now);
      }
    }
    return now;
  }

  /**
   * Integrates one entity from e.syncedTo to now. See the module comment; the error for smooth
   * schedules is bounded by one step: counts are exact (closed-form integrals), but inside a step
   * arrivals are spread evenly, so a wait may be off by up to stepMs and the depth inside a step
   * by (λmax − λmin) × step when the queue empties mid-step.
   */
  #syncEntity(ns: Namespace, e: Entity, now: number): void {
    const queue = e.queue;
    const t0 = e.syncedTo;
    if (queue === undefined || now <= t0) {
      e.syncedTo = Math.max(t0, now);
      return;
    }
    // Bursts due at the start (a schedule installed at t0 with atMs 0) land at t0.
    const atStart = e.arrivals.reduce((n, s) => n + s.takeImpulses(t0), 0);
    if (atStart > 0) queue.add(t0, t0, atStart);
    if (e.arrivals.length === 0 && queue.depth <= 0) {
      e.syncedTo = now;
      return;
    }
    const drainedBefore = queue.drained;
    const capacity = this.#capacityOf(`${ns.host}/${e.path.toLowerCase()}`);
    let t = t0;
    while (t < now) {
      let next = now;
      let smooth = false;
      for (const s of e.arrivals) {
        next = Math.min(next, s.nextBreak(t));
        smooth ||= s.smooth(t);
      }
      next = Math.min(next, nextChange(capacity, t));
      if (smooth) next = Math.min(next, t + this.stepMs);
      const arrivals = e.arrivals.reduce((sum, s) => sum + s.integral(t, next), 0);
      queue.segment(t, next, arrivals, rateAfter(capacity, t));
      t = next;
      const burst = e.arrivals.reduce((n, s) => n + s.takeImpulses(t), 0);
      if (burst > 0) queue.add(t, t, burst);
    }
    if (queue.drained > drainedBefore) e.accessedAt = now;
    e.syncedTo = now;
  }

  /** The drain capacity profile of an entity (cached until one of its groups changes). */
  #capacityOf(entityKey: string): CapacityProfile {
    let profile = this.#capacity.get(entityKey);
    if (profile !== undefined) return profile;
    const changes: [number, number][] = [];
    for (const g of this.#byEntity.get(entityKey) ?? []) {
      const run = g.run;
      if (!Number.isFinite(run.drainFrom) || g.drainRate <= 0) continue;
      const end = runEndAt(run);
      if (end <= run.drainFrom) continue;
      const perMs = g.drainRate / 1000;
      changes.push([run.drainFrom, perMs]);
      if (Number.isFinite(end)) changes.push([end, -perMs]);
    }
    for (const c of this.#consumers.get(entityKey) ?? []) {
      changes.push([this.#startedAt + (c.startMs ?? 0), c.rate / 1000]);
      if (c.endMs !== undefined) changes.push([this.#startedAt + c.endMs, -c.rate / 1000]);
    }
    changes.sort((a, b) => a[0] - b[0]);
    const times: number[] = [];
    const rates: number[] = [];
    let rate = 0;
    for (const [time, delta] of changes) {
      rate += delta;
      if (times.length > 0 && times[times.length - 1] === time) rates[rates.length - 1] = rate;
      else {
        times.push(time);
        rates.push(rate);
      }
    }
    profile = { times, rates };
    this.#capacity.set(entityKey, profile);
    return profile;
  }

  // -------------------------------------------------------------------------------------------
  // Groups: indexes, pools, billing

  /** The entity key (`host/path`, lower case) a group drains, or undefined. */
  entityKeyOf(g: GroupRecord): string | undefined {
    const pool = g.tags?.[this.poolTag];
    const drain = pool === undefined ? undefined : this.pools.get(pool);
    return drain === undefined
      ? undefined
      : `${namespaceHost(drain.namespace)}/${drain.entity.toLowerCase()}`;
  }

  /** The pool a group belongs to (its pool tag), or "(none)". */
  poolOf(g: GroupRecord): string {
    return g.tags?.[this.poolTag] ?? '(none)';
  }

  /**
   * How many times a group of this key was created (1 for the first). Part of its random stream
   * label, so a group deleted and created again under the same name draws a new timeline.
   */
  incarnation(key: string): number {
    const n = (this.#incarnations.get(key) ?? 0) + 1;
    this.#incarnations.set(key, n);
    return n;
  }

  /** Adds a new group to the model and its indexes. */
  addGroup(g: GroupRecord): void {
    this.groups.set(g.key, g);
    this.#index(g);
    this.#trackOperation(g, g.run);
  }

  /**
   * Remembers an operation for status polls. Finished operations older than an hour are dropped
   * (checked every 1024 new operations), so churn does not grow memory without bound.
   */
  #trackOperation(group: GroupRecord, run: GroupRun): void {
    this.operations.set(run.opId, { group, run });
    if (++this.#opsSincePrune < 1024) return;
    this.#opsSincePrune = 0;
    const cutoff = this.now() - 3600_000;
    for (const [id, op] of this.operations) {
      if (op.run.endAt < cutoff && op.run.acceptedAt < cutoff) this.operations.delete(id);
    }
  }

  /** Removes a group (delete) at `now`: billing closed, indexes cleared, tombstone kept. */
  removeGroup(g: GroupRecord, now: number): void {
    if (failedBy(g.run, now)) this.#placementOf(this.poolOf(g)).replacedGroups++;
    this.endRun(g, now);
    this.#unindex(g);
    this.groups.delete(g.key);
    this.#sortedKeys = undefined;
    for (const target of this.#targetsOf(g)) {
      this.#tombstones.set(target, { deletedAt: now, healthyFrom: g.run.healthyFrom });
    }
  }

  /**
   * Applies a change to a group: `change` may replace its run, tags or definition; indexes,
   * capacity caches and the operations map follow. Every mutation of a stored group goes here.
   */
  updateGroup(g: GroupRecord, change: () => void): void {
    this.#unindex(g);
    change();
    this.#index(g);
    if (!this.operations.has(g.run.opId)) this.#trackOperation(g, g.run);
  }

  /** Ends the current run at `at` (stop, delete, replacement) and books its billing. */
  endRun(g: GroupRecord, at: number): void {
    const run = g.run;
    if (run.stoppedAt === undefined || run.stoppedAt > at) {
      this.#bill(g, run, at);
      this.#tallyRun(this.#placementOf(this.poolOf(g)), run, at);
      run.stoppedAt = at;
    }
    this.#capacity.delete(this.entityKeyOf(g) ?? '');
  }

  /** Billing interval of a run up to t: [creatingAt, min(t, stop, failure)). */
  #billedMs(run: GroupRun, t: number): number {
    if (run.failure?.beforePull) return 0;
    let end = Math.min(t, runEndAt(run));
    if (run.failure !== undefined) end = Math.min(end, run.endAt);
    return Math.max(0, end - run.creatingAt);
  }

  #bill(g: GroupRecord, run: GroupRun, at: number): void {
    const seconds = this.#billedMs(run, at) / 1000;
    if (seconds <= 0) return;
    const pool = this.poolOf(g);
    const u = this.#billing.get(pool) ?? emptyUsage();
    u.groupSeconds += seconds;
    u.containerSeconds += seconds * g.containerCount;
    u.vcpuSeconds += seconds * g.cores;
    u.memoryGbSeconds += seconds * g.memoryGb;
    this.#billing.set(pool, u);
  }

  /** Counts a create of a new group of `pool` in `site`, and how ACI answered it. */
  countCreate(pool: string, site: string, outcome: CreateOutcome): void {
    const p = this.#placementOf(pool);
    p.createCalls++;
    if (outcome === 'accepted') p.bySite[site] = (p.bySite[site] ?? 0) + 1;
    else p.refused[outcome]++;
  }

  /** The site a group is counted in: its site tag, else its region (and " spot" for Spot). */
  siteOf(tags: Record<string, string> | undefined, region: string, spot: boolean): string {
    return tags?.[this.siteTag] ?? `${region}${spot ? ' spot' : ''}`;
  }

  /** Placement figures per pool up to t: ended runs, plus the current runs' failures. */
  placement(t: number): Record<string, PoolPlacement> {
    const out: Record<string, PoolPlacement> = {};
    for (const [pool, p] of this.#placement) out[pool] = copyPlacement(p);
    for (const g of this.groups.values()) {
      if (g.run.stoppedAt !== undefined) continue;
      const pool = this.poolOf(g);
      this.#tallyRun((out[pool] ??= emptyPlacement()), g.run, t);
    }
    return out;
  }

  #placementOf(pool: string): PoolPlacement {
    let p = this.#placement.get(pool);
    if (p === undefined) this.#placement.set(pool, (p = emptyPlacement()));
    return p;
  }

  /** Counts a run's capacity failure or eviction, if it happened by t. */
  #tallyRun(p: PoolPlacement, run: GroupRun, t: number): void {
    if (run.failure?.beforePull && run.endAt <= t) p.capacityFailures++;
    if (evictedBy(run, t)) p.evictions++;
    if (failedBy(run, t)) p.failedGroups++;
  }

  /** Usage per pool up to t: closed runs plus the running ones. */
  usage(t: number): Record<string, PoolUsage> {
    const out: Record<string, PoolUsage> = {};
    for (const [pool, u] of this.#billing) out[pool] = { ...u };
    for (const g of this.groups.values()) {
      if (g.run.stoppedAt !== undefined) continue;
      const seconds = this.#billedMs(g.run, t) / 1000;
      if (seconds <= 0) continue;
      const pool = this.poolOf(g);
      const u = (out[pool] ??= emptyUsage());
      u.groupSeconds += seconds;
      u.containerSeconds += seconds * g.containerCount;
      u.vcpuSeconds += seconds * g.cores;
      u.memoryGbSeconds += seconds * g.memoryGb;
    }
    for (const u of Object.values(out)) {
      u.groupSeconds = round3(u.groupSeconds);
      u.containerSeconds = round3(u.containerSeconds);
      u.vcpuSeconds = round3(u.vcpuSeconds);
      u.memoryGbSeconds = round3(u.memoryGbSeconds);
    }
    return out;
  }

  /** Groups of a subscription in a region. */
  groupsInRegion(subscriptionId: string, region: string): ReadonlySet<GroupRecord> {
    return this.#byRegion.get(`${subscriptionId.toLowerCase()}|${region}`)?.groups ?? new Set();
  }

  /**
   * Cores held in a region at t by Regular groups (or, with `spot`, by Spot groups): groups
   * neither stopped, failed nor evicted by t.
   */
  coresInRegion(subscriptionId: string, region: string, t: number, spot = false): number {
    const use = this.#byRegion.get(`${subscriptionId.toLowerCase()}|${region}`);
    if (use === undefined) return 0;
    let cores = spot ? use.spotCores : use.cores;
    for (const f of use.failing.values()) if (f.at <= t && f.spot === spot) cores -= f.cores;
    // Sums of fractional cores (0.5 + 0.25 …) must not drift below a limit by rounding.
    return Math.round(cores * 1e6) / 1e6;
  }

  /** The quota lines of a region: its own where configured, else the defaults. */
  limitsFor(region: string): { containerGroups: number; cores: number; spotCores: number } {
    let own: RegionLimits | undefined;
    for (const [name, r] of Object.entries(this.limits.regions)) {
      if (regionKey(name) === region) own = r;
    }
    return {
      containerGroups: own?.containerGroups ?? this.limits.containerGroupsPerRegion,
      cores: own?.cores ?? this.limits.coresPerRegion,
      spotCores: own?.spotCores ?? this.limits.spotCoresPerRegion,
    };
  }

  /** The availability zones a region offers. */
  zonesOf(region: string): readonly string[] {
    return this.#zones.get(region) ?? DEFAULT_ZONES;
  }

  /** Every group key in order (cached until a group is created or deleted). */
  sortedGroupKeys(): readonly string[] {
    this.#sortedKeys ??= [...this.groups.keys()].sort();
    return this.#sortedKeys;
  }

  /** A deterministic public IP for a new group. */
  nextIp(): string {
    const n = ++this.#ipCounter;
    return `20.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  /** A deterministic private IP for a new group in a subnet (10.x.y.z, from a count of its own). */
  nextPrivateIp(): string {
    const n = ++this.#privateIpCounter;
    return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  }

  /** The allocation latency for a region. */
  pendingFor(region: string): Distribution {
    return this.pendingByRegion.get(region) ?? this.pendingDefault;
  }

  /** Capacity fault rates for a region (per-region overrides win). */
  capacityFaults(region: string): Required<RegionFaults> {
    let override: RegionFaults | undefined;
    for (const [name, r] of Object.entries(this.faults.regions)) {
      if (regionKey(name) === region) override = r;
    }
    return {
      syncCapacityRate: override?.syncCapacityRate ?? this.faults.syncCapacityRate,
      asyncCapacityRate: override?.asyncCapacityRate ?? this.faults.asyncCapacityRate,
      spotEvictionsPerHour: override?.spotEvictionsPerHour ?? this.faults.spotEvictionsPerHour,
    };
  }

  /** Changes which entity a pool drains (re-indexes every group). */
  setPool(pool: string, drain: PoolDrain | undefined): void {
    for (const g of this.groups.values()) this.#unindex(g);
    if (drain === undefined) this.pools.delete(pool);
    else this.pools.set(pool, drain);
    for (const g of this.groups.values()) this.#index(g);
  }

  /** Groups by phase at t, overall and per pool. */
  phases(t: number): Record<string, Partial<Record<GroupPhase, number>>> {
    const out: Record<string, Partial<Record<GroupPhase, number>>> = {};
    for (const g of this.groups.values()) {
      const phase = phaseAt(g.run, t);
      const pool = (out[this.poolOf(g)] ??= {});
      pool[phase] = (pool[phase] ?? 0) + 1;
    }
    return out;
  }

  #index(g: GroupRecord): void {
    const useKey = `${g.subscriptionId.toLowerCase()}|${g.region}`;
    let use = this.#byRegion.get(useKey);
    if (use === undefined) {
      use = { groups: new Set(), cores: 0, spotCores: 0, failing: new Map() };
      this.#byRegion.set(useKey, use);
    }
    if (!use.groups.has(g)) this.#sortedKeys = undefined;
    use.groups.add(g);
    if (g.run.stoppedAt === undefined) {
      const spot = g.priority === 'Spot';
      if (spot) use.spotCores += g.cores;
      else use.cores += g.cores;
      this.#coresAdded.set(g, { cores: g.cores, spot });
      const releasedAt = g.run.failure !== undefined ? g.run.endAt : g.run.evictedAt;
      if (releasedAt !== undefined) use.failing.set(g, { at: releasedAt, cores: g.cores, spot });
    }
    const key = this.entityKeyOf(g);
    if (key !== undefined) {
      addTo(this.#byEntity, key, g);
      this.#capacity.delete(key);
    }
    for (const target of this.#targetsOf(g)) {
      this.#byTarget.set(target, g);
      this.#tombstones.delete(target);
    }
  }

  #unindex(g: GroupRecord): void {
    const use = this.#byRegion.get(`${g.subscriptionId.toLowerCase()}|${g.region}`);
    if (use !== undefined) {
      use.groups.delete(g);
      const added = this.#coresAdded.get(g);
      if (added?.spot) use.spotCores -= added.cores;
      else use.cores -= added?.cores ?? 0;
      use.failing.delete(g);
    }
    this.#coresAdded.delete(g);
    const key = this.entityKeyOf(g);
    if (key !== undefined) {
      this.#byEntity.get(key)?.delete(g);
      this.#capacity.delete(key);
    }
    for (const target of this.#targetsOf(g)) {
      if (this.#byTarget.get(target) === g) this.#byTarget.delete(target);
    }
  }

  #targetsOf(g: GroupRecord): string[] {
    return g.fqdn === undefined ? [g.ip] : [g.fqdn.toLowerCase(), g.ip];
  }

  /** What Traffic Manager's probes would see of `target` (an FQDN or IP). */
  targetHealth(target: string): TargetHealth {
    const key = target.trim().toLowerCase();
    const g = this.#byTarget.get(key);
    if (g !== undefined) {
      const run = g.run;
      const failedAt = run.failure !== undefined ? run.endAt : Infinity;
      return {
        unknown: false,
        healthyFrom: run.healthyFrom,
        unhealthyFrom: Math.min(runEndAt(run), failedAt),
        ...(g.healthOverride !== undefined ? { override: g.healthOverride } : {}),
      };
    }
    const tomb = this.#tombstones.get(key);
    if (tomb !== undefined) {
      return { unknown: false, healthyFrom: tomb.healthyFrom, unhealthyFrom: tomb.deletedAt };
    }
    return { unknown: true, healthyFrom: Infinity, unhealthyFrom: Infinity };
  }

  // -------------------------------------------------------------------------------------------
  // Limits

  /** Takes a token from the ARM bucket of (subscription, principal, kind). */
  takeArmToken(
    scope: string,
    kind: 'read' | 'write' | 'delete',
    now: number,
  ): ReturnType<TokenBucket['take']> {
    const key = `${scope}|${kind}`;
    const config =
      kind === 'read'
        ? this.limits.armReads
        : kind === 'write'
          ? this.limits.armWrites
          : this.limits.armDeletes;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(config, now);
      this.#buckets.set(key, bucket);
    } else {
      bucket.reconfigure(config, now);
    }
    return bucket.take(now);
  }

  /** The create or delete windows of a subscription in a region. */
  windows(subscriptionId: string, region: string, kind: 'create' | 'delete'): SlidingWindows {
    const key = `${subscriptionId.toLowerCase()}|${region}|${kind}`;
    let w = this.#windows.get(key);
    if (w === undefined) {
      w = new SlidingWindows();
      this.#windows.set(key, w);
    }
    return w;
  }

  /** Counts one request of an operation. */
  count(operation: string): void {
    this.counters.byOperation[operation] = (this.counters.byOperation[operation] ?? 0) + 1;
  }

  // -------------------------------------------------------------------------------------------
  // Service Bus

  /**
   * The namespace for a host (or short name). Unknown namespaces are created on first use unless
   * strictNamespaces is set (then undefined), or `create` forces it.
   */
  namespace(hostOrName: string, create = !this.strictNamespaces): Namespace | undefined {
    const host = namespaceHost(hostOrName);
    let ns = this.namespaces.get(host);
    if (ns === undefined && create) {
      ns = {
        host,
        shortName: host.split('.')[0] ?? host,
        createdAt: this.now(),
        entities: new Map(),
      };
      this.namespaces.set(host, ns);
    }
    return ns;
  }

  /** Finds a queue, topic or `topic/Subscriptions/sub` in a namespace. */
  findEntity(ns: Namespace, path: string): Entity | undefined {
    const sub = /^(.+)\/subscriptions\/([^/]+)$/i.exec(path);
    if (sub !== null) {
      const topic = ns.entities.get((sub[1] ?? '').toLowerCase());
      return topic?.kind === 'topic'
        ? topic.subscriptions.get((sub[2] ?? '').toLowerCase())
        : undefined;
    }
    return ns.entities.get(path.toLowerCase());
  }

  /** Creates an entity; throws ConfigError when it exists or its topic does not. */
  createEntity(
    ns: Namespace,
    kind: EntityKind,
    name: string,
    topic: string | undefined,
    props: ReadonlyMap<string, string>,
  ): Entity {
    const now = this.now();
    if (kind === 'subscription') {
      const parent = ns.entities.get((topic ?? '').toLowerCase());
      if (parent?.kind !== 'topic') {
        throw new ConfigError(`topic ${topic ?? '(none)'} does not exist in ${ns.host}`);
      }
      if (parent.subscriptions.has(name.toLowerCase())) {
        throw new ConfigError(`${ns.host}/${parent.name}/Subscriptions/${name} already exists`);
      }
      const e = newEntity(kind, name, parent.name, props, now, this.maxBatches);
      parent.subscriptions.set(name.toLowerCase(), e);
      return e;
    }
    if (ns.entities.has(name.toLowerCase())) {
      throw new ConfigError(`${ns.host}/${name} already exists`);
    }
    const e = newEntity(kind, name, undefined, props, now, this.maxBatches);
    ns.entities.set(name.toLowerCase(), e);
    return e;
  }

  /**
   * Installs arrival schedules on an entity (replacing its own). A topic's schedules are copied to
   * each of its subscriptions; their random bursts use the same stream label, so every
   * subscription sees the same bursts, as copies of the same messages.
   */
  setArrivals(namespace: string, entity: string, schedules: readonly ArrivalSchedule[]): void {
    const ns = this.namespace(namespace);
    const e = ns === undefined ? undefined : this.findEntity(ns, entity);
    if (ns === undefined || e === undefined) {
      throw new ConfigError(`no entity ${entity} in namespace ${namespace}`);
    }
    const now = this.sync();
    const targets = e.kind === 'topic' ? [...e.subscriptions.values()] : [e];
    for (const target of targets) {
      target.arrivals = schedules.map((s, i) =>
        activate(s, now, this.rng.fork(`arrivals:${ns.host}/${e.path.toLowerCase()}#${i}`)),
      );
      target.syncedTo = now;
    }
  }

  /** Puts `count` messages on an entity now (a topic: on each subscription). */
  enqueue(namespace: string, entity: string, count: number): void {
    const ns = this.namespace(namespace);
    const e = ns === undefined ? undefined : this.findEntity(ns, entity);
    if (ns === undefined || e === undefined) {
      throw new ConfigError(`no entity ${entity} in namespace ${namespace}`);
    }
    const now = this.sync();
    const targets = e.kind === 'topic' ? [...e.subscriptions.values()] : [e];
    for (const target of targets) target.queue?.add(now, now, count);
  }
}

function emptyPlacement(): PoolPlacement {
  return {
    createCalls: 0,
    refused: { quota: 0, capacity: 0, other: 0 },
    bySite: {},
    capacityFailures: 0,
    evictions: 0,
    failedGroups: 0,
    replacedGroups: 0,
  };
}

/** True when the run failed or was evicted by t (and was not stopped before that). */
function failedBy(run: GroupRun, t: number): boolean {
  const failed =
    run.failure !== undefined && run.endAt <= t && (run.stoppedAt ?? Infinity) >= run.endAt;
  return failed || evictedBy(run, t);
}

function copyPlacement(p: PoolPlacement): PoolPlacement {
  return { ...p, refused: { ...p.refused }, bySite: { ...p.bySite } };
}

function emptyUsage(): PoolUsage {
  return { groupSeconds: 0, containerSeconds: 0, vcpuSeconds: 0, memoryGbSeconds: 0 };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

/** Index of the last change at or before t, or -1. */
function lastChangeAtOrBefore(p: CapacityProfile, t: number): number {
  let lo = 0;
  let hi = p.times.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (p.times[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Drain rate (msgs/ms) just after t. */
function rateAfter(p: CapacityProfile, t: number): number {
  const i = lastChangeAtOrBefore(p, t);
  return i < 0 ? 0 : Math.max(0, p.rates[i]!);
}

/** The first capacity change after t (Infinity when none). */
function nextChange(p: CapacityProfile, t: number): number {
  const i = lastChangeAtOrBefore(p, t);
  return p.times[i + 1] ?? Infinity;
}

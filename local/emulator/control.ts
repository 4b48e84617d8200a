/**
 * The control API: read the model's state and counters, and change the workload, faults, limits,
 * images and pools. One implementation, two doors: `EmulatorControl` in-process (typed, for tests
 * and the simulator) and JSON over https under `/_emulator/…` (a path ARM never uses) for other
 * processes. Every call first brings the model up to the clock (`world.sync()`).
 */
import { isSettableClock } from '../clock';
import type { FaultConfig, LimitsConfig, PoolDrain } from './config';
import {
  ConfigError,
  faultsSchema,
  imageConfigSchema,
  limitsSchema,
  namespaceHost,
  parseWith,
  poolDrainSchema,
  scheduleSchema,
} from './config';
import { z } from 'zod';
import type { EmuRequest, Reply } from './http';
import { parseJson } from './http';
import type { ImageBehaviour, ImageConfig } from './images';
import type { GroupPhase } from './arm/containerGroups';
import { containersOf, groupId, phaseAt, provisioningStateAt } from './arm/containerGroups';
import type { EntityKind } from './servicebus/entities';
import type { ArrivalSchedule } from './workload/arrivals';
import { rateAt } from './workload/arrivals';
import type { QueueStats } from './workload/queue';
import { Histogram } from './workload/histogram';
import type { WaitStats } from './workload/histogram';
import type { InjectedArmError, PoolPlacement, PoolUsage, RequestCounters, World } from './world';
import { emptyCounters } from './world';

/** One group as the control API lists it. */
export interface GroupSummary {
  readonly id: string;
  readonly name: string;
  readonly pool: string;
  readonly phase: GroupPhase;
  readonly provisioningState: string;
  readonly location: string;
  /** `Spot` for a Spot group (Regular ones leave it out). */
  readonly priority?: 'Spot';
  /** The availability zone of a zonal group. */
  readonly zone?: string;
  readonly images: readonly string[];
  readonly fqdn?: string;
  /** ISO times of the current run (undefined when never reached or never will be). */
  readonly acceptedAt: string;
  readonly runningAt?: string;
  readonly drainingAt?: string;
  readonly messagesPerSecond: number;
}

/** One queue or subscription as the control API reports it. */
export interface EntityStats extends QueueStats {
  readonly namespace: string;
  /** Queue name or `topic/Subscriptions/sub`. */
  readonly entity: string;
  readonly kind: EntityKind;
  readonly deadLetter: number;
  readonly scheduled: number;
  /** Arrival rate of the schedules now (messages per second, bursts excluded). */
  readonly arrivalRate: number;
}

/** Pools: groups by phase and billing. */
export interface PoolState {
  readonly drains?: PoolDrain;
  readonly groups: Partial<Record<GroupPhase, number>>;
  readonly usage: PoolUsage;
}

/** Everything the control API can report at once. */
export interface EmulatorState {
  /** Model time (ISO) and ms since epoch. */
  readonly now: string;
  readonly nowMs: number;
  readonly counters: RequestCounters;
  /** Groups by phase, per pool (`(none)` for groups without a pool tag). */
  readonly pools: Readonly<Record<string, PoolState>>;
  readonly queues: readonly EntityStats[];
  readonly profiles: number;
}

/** The in-process control API. */
export class EmulatorControl {
  constructor(private readonly world: World) {}

  /** Model time now (ms since epoch). */
  now(): number {
    return this.world.sync();
  }

  /** Moves a settable (virtual) clock forward and brings the model up to it. */
  advance(ms: number): number {
    const clock = this.world.clock;
    if (!isSettableClock(clock)) {
      throw new ConfigError('the emulator runs on a clock that cannot be moved by hand');
    }
    clock.advance(ms);
    return this.world.sync();
  }

  /** The whole state: counters, pools, queues. */
  state(): EmulatorState {
    const now = this.world.sync();
    return {
      now: new Date(now).toISOString(),
      nowMs: now,
      counters: this.counters(),
      pools: this.pools(),
      queues: this.queues(),
      profiles: this.world.profiles.size,
    };
  }

  /** Request counters (a copy). */
  counters(): RequestCounters {
    const c = this.world.counters;
    return { ...c, byOperation: { ...c.byOperation } };
  }

  /** Sets every counter back to 0. */
  resetCounters(): void {
    const control = this.world.counters.control;
    this.world.counters = { ...emptyCounters(), control };
  }

  /** Every group, sorted by id. */
  groups(): GroupSummary[] {
    const now = this.world.sync();
    const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : undefined);
    return [...this.world.groups.values()]
      .sort((a, b) => (a.key < b.key ? -1 : 1))
      .map((g) => {
        const running = g.run.failure === undefined ? iso(g.run.endAt) : undefined;
        const draining = iso(g.run.drainFrom);
        const images = containersOf(g.properties).map((c) => c.image);
        return {
          id: groupId(g),
          name: g.name,
          pool: this.world.poolOf(g),
          phase: phaseAt(g.run, now),
          provisioningState: provisioningStateAt(g.run, now),
          location: g.location,
          ...(g.priority === 'Spot' ? { priority: 'Spot' as const } : {}),
          ...(zoneOf(g.zones) !== undefined ? { zone: zoneOf(g.zones) } : {}),
          images,
          ...(g.fqdn !== undefined ? { fqdn: g.fqdn } : {}),
          acceptedAt: new Date(g.run.acceptedAt).toISOString(),
          ...(running !== undefined ? { runningAt: running } : {}),
          ...(draining !== undefined ? { drainingAt: draining } : {}),
          messagesPerSecond: g.drainRate,
        };
      });
  }

  /** Groups by phase and billing, per pool. */
  pools(): Record<string, PoolState> {
    const now = this.world.sync();
    const phases = this.world.phases(now);
    const usage = this.world.usage(now);
    const names = new Set([
      ...Object.keys(phases),
      ...Object.keys(usage),
      ...this.world.pools.keys(),
    ]);
    const out: Record<string, PoolState> = {};
    for (const name of [...names].sort()) {
      const drains = this.world.pools.get(name);
      out[name] = {
        ...(drains !== undefined ? { drains } : {}),
        groups: phases[name] ?? {},
        usage: usage[name] ?? {
          groupSeconds: 0,
          containerSeconds: 0,
          vcpuSeconds: 0,
          memoryGbSeconds: 0,
        },
      };
    }
    return out;
  }

  /** What each pool's creates met and what became of its groups (see PoolPlacement). */
  placement(): Record<string, PoolPlacement> {
    return this.world.placement(this.world.sync());
  }

  /** Sets (or with undefined, removes) the entity a pool's groups drain. */
  setPool(pool: string, drain: PoolDrain | undefined): void {
    this.world.sync();
    this.world.setPool(pool, drain);
  }

  /** Stats of every queue and subscription, sorted by namespace and entity. */
  queues(): EntityStats[] {
    const now = this.world.sync();
    const out: EntityStats[] = [];
    for (const ns of [...this.world.namespaces.values()].sort((a, b) =>
      a.host.localeCompare(b.host),
    )) {
      for (const e of [...ns.entities.values()].sort((a, b) => a.path.localeCompare(b.path))) {
        for (const x of e.kind === 'topic' ? [...e.subscriptions.values()] : [e]) {
          if (x.queue === undefined) continue;
          out.push({
            namespace: ns.host,
            entity: x.path,
            kind: x.kind,
            ...x.queue.stats(now),
            deadLetter: Math.floor(x.deadLetter),
            scheduled: Math.floor(x.scheduled),
            arrivalRate: Math.round(rateAt(x.arrivals, now) * 1000) / 1000,
          });
        }
      }
    }
    return out;
  }

  /** Stats of one queue or `topic/Subscriptions/sub`; undefined when it does not exist. */
  queue(namespace: string, entity: string): EntityStats | undefined {
    const host = namespaceHost(namespace);
    return this.queues().find(
      (q) => q.namespace === host && q.entity.toLowerCase() === entity.toLowerCase(),
    );
  }

  /**
   * Active messages of one queue or `topic/Subscriptions/sub` now, or undefined when it does not
   * exist: `queue(…).depth` without computing every queue's wait percentiles (a sampler reads
   * this every few model seconds).
   */
  depth(namespace: string, entity: string): number | undefined {
    this.world.sync();
    const ns = this.world.namespace(namespace, false);
    const e = ns === undefined ? undefined : this.world.findEntity(ns, entity);
    return e?.queue?.active;
  }

  /**
   * Wait statistics of several queues or subscriptions together (their histograms merged), e.g.
   * every pool of a simulation; entities that do not exist are skipped.
   */
  combinedWaits(entities: readonly { namespace: string; entity: string }[]): WaitStats {
    this.world.sync();
    const histograms: Histogram[] = [];
    for (const { namespace, entity } of entities) {
      const ns = this.world.namespace(namespace, false);
      const q = ns === undefined ? undefined : this.world.findEntity(ns, entity)?.queue;
      if (q !== undefined) histograms.push(q.waitHistogram);
    }
    return Histogram.merged(histograms).stats();
  }

  /** Creates a queue, topic or subscription (subscription names are `topic/Subscriptions/sub`). */
  createEntity(namespace: string, kind: EntityKind, entity: string): void {
    const ns = this.world.namespace(namespace, true)!;
    this.world.sync();
    if (kind === 'subscription') {
      const m = /^(.+)\/subscriptions\/([^/]+)$/i.exec(entity);
      if (m === null)
        throw new ConfigError(`a subscription is named topic/Subscriptions/name, got ${entity}`);
      this.world.createEntity(ns, kind, m[2] ?? '', m[1] ?? '', new Map());
    } else {
      this.world.createEntity(ns, kind, entity, undefined, new Map());
    }
  }

  /** Puts `count` messages on a queue or subscription (a topic: each of its subscriptions) now. */
  enqueue(namespace: string, entity: string, count: number): void {
    if (!(count >= 0) || !Number.isFinite(count))
      throw new ConfigError('count must be a number >= 0');
    this.world.enqueue(namespace, entity, count);
  }

  /** Replaces the arrival schedules of an entity; times in them count from now. */
  setArrivals(namespace: string, entity: string, schedules: readonly ArrivalSchedule[]): void {
    const checked = schedules.map((s, i) => parseWith(scheduleSchema, s, `schedules[${i}]`));
    this.world.setArrivals(namespace, entity, checked);
  }

  /** Sets the dead-letter and scheduled counts of an entity (they are not modelled otherwise). */
  setCounts(
    namespace: string,
    entity: string,
    counts: { deadLetter?: number; scheduled?: number },
  ): void {
    this.world.sync();
    const ns = this.world.namespace(namespace);
    const e = ns === undefined ? undefined : this.world.findEntity(ns, entity);
    if (e === undefined) throw new ConfigError(`no entity ${entity} in namespace ${namespace}`);
    if (counts.deadLetter !== undefined) e.deadLetter = counts.deadLetter;
    if (counts.scheduled !== undefined) e.scheduled = counts.scheduled;
  }

  /** Registers or updates an image (merging with what it had). */
  pushImage(reference: string, config: ImageConfig = {}): void {
    this.world.images.push(reference, parseWith(imageConfigSchema, config, 'image'));
  }

  /** Forgets an image; true if it was registered. */
  removeImage(reference: string): boolean {
    return this.world.images.remove(reference);
  }

  /** Every registered image with its effective behaviour. */
  images(): { reference: string; behaviour: ImageBehaviour }[] {
    return this.world.images.list();
  }

  /** Faults in force. */
  faults(): FaultConfig {
    return structuredClone(this.world.faults);
  }

  /** Changes some faults (the rest stay). */
  setFaults(partial: Partial<FaultConfig>): FaultConfig {
    const checked = parseWith(faultsSchema, partial, 'faults');
    this.world.faults = {
      ...this.world.faults,
      ...checked,
      regions: { ...this.world.faults.regions, ...checked.regions },
    };
    return this.faults();
  }

  /** Limits in force. */
  limits(): LimitsConfig {
    return structuredClone(this.world.limits);
  }

  /** Changes some limits (the rest stay). */
  setLimits(partial: Partial<LimitsConfig>): LimitsConfig {
    this.world.limits = { ...this.world.limits, ...parseWith(limitsSchema, partial, 'limits') };
    return this.limits();
  }

  /** Queues ARM errors for the next matching requests (a 429 with Retry-After, a 503, …). */
  injectArmErrors(errors: readonly InjectedArmError[]): void {
    for (const error of errors) {
      this.world.armErrors.push({ error, left: Math.max(1, error.count ?? 1) });
    }
  }

  /**
   * Forces what Traffic Manager's probes see of a group (by resource id or name): Online,
   * Degraded, or `auto` to follow the model again. Returns false when no such group exists.
   */
  setGroupHealth(group: string, health: 'Online' | 'Degraded' | 'auto'): boolean {
    this.world.sync();
    const key = group.toLowerCase();
    for (const g of this.world.groups.values()) {
      if (groupId(g).toLowerCase() === key || g.name.toLowerCase() === key) {
        g.healthOverride = health === 'auto' ? undefined : health;
        return true;
      }
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  /** Answers a request under /_emulator. */
  handleHttp(req: EmuRequest): Reply {
    this.world.counters.control++;
    const path = req.path.replace(/^\/_emulator/, '').replace(/\/+$/, '') || '/';
    try {
      return this.#route(req.method, path, req);
    } catch (error) {
      if (error instanceof ConfigError || error instanceof SyntaxError) {
        return { status: 400, json: { error: { code: 'BadRequest', message: error.message } } };
      }
      throw error;
    }
  }

  #route(method: string, path: string, req: EmuRequest): Reply {
    const ok = (json: unknown): Reply => ({ status: 200, json });
    const body = () => parseJson(req.body) ?? {};
    const key = `${method} ${path}`;
    switch (key) {
      case 'GET /':
      case 'GET /state':
        return ok(this.state());
      case 'GET /counters':
        return ok(this.counters());
      case 'POST /counters/reset':
        this.resetCounters();
        return ok(this.counters());
      case 'GET /groups':
        return ok(this.groups());
      case 'POST /groups/health': {
        const b = parseWith(groupHealthSchema, body(), 'body');
        return this.setGroupHealth(b.group, b.health)
          ? ok({ group: b.group, health: b.health })
          : { status: 404, json: { error: { code: 'NotFound', message: `no group ${b.group}` } } };
      }
      case 'GET /pools':
        return ok(this.pools());
      case 'GET /queues':
        return ok(this.queues());
      case 'POST /entities': {
        const b = parseWith(entitySchema, body(), 'body');
        this.createEntity(b.namespace, b.kind, b.entity);
        return {
          status: 201,
          json: this.queue(b.namespace, b.entity) ?? { namespace: b.namespace, entity: b.entity },
        };
      }
      case 'POST /enqueue': {
        const b = parseWith(enqueueSchema, body(), 'body');
        this.enqueue(b.namespace, b.entity, b.count);
        return ok(this.queue(b.namespace, b.entity) ?? {});
      }
      case 'PUT /arrivals': {
        const b = parseWith(arrivalsSchema, body(), 'body');
        this.setArrivals(b.namespace, b.entity, b.schedules);
        return ok(this.queue(b.namespace, b.entity) ?? {});
      }
      case 'PUT /counts': {
        const b = parseWith(countsSchema, body(), 'body');
        this.setCounts(b.namespace, b.entity, b);
        return ok(this.queue(b.namespace, b.entity) ?? {});
      }
      case 'GET /images':
        return ok(this.images());
      case 'PUT /images': {
        const b = parseWith(imagePushSchema, body(), 'body');
        const { reference, ...config } = b;
        this.pushImage(reference, config);
        return ok(this.images().find((i) => i.reference === reference.trim()) ?? {});
      }
      case 'DELETE /images': {
        const reference = req.query.get('reference') ?? '';
        return this.removeImage(reference)
          ? ok({ removed: reference })
          : {
              status: 404,
              json: { error: { code: 'NotFound', message: `no image ${reference}` } },
            };
      }
      case 'GET /faults':
        return ok(this.faults());
      case 'PATCH /faults':
        return ok(this.setFaults(parseWith(faultsSchema, body(), 'faults')));
      case 'GET /limits':
        return ok(this.limits());
      case 'PATCH /limits':
        return ok(this.setLimits(parseWith(limitsSchema, body(), 'limits')));
      case 'POST /arm-errors': {
        const b = parseWith(z.array(injectedSchema), body(), 'body');
        this.injectArmErrors(b);
        return ok({ queued: this.world.armErrors.reduce((n, e) => n + e.left, 0) });
      }
      case 'GET /clock':
        return ok({ now: new Date(this.now()).toISOString(), nowMs: this.now() });
      case 'POST /clock/advance': {
        const b = parseWith(z.strictObject({ ms: z.number().min(0) }), body(), 'body');
        const now = this.advance(b.ms);
        return ok({ now: new Date(now).toISOString(), nowMs: now });
      }
    }
    const pool = /^\/pools\/([^/]+)$/.exec(path);
    if (pool !== null && (method === 'PUT' || method === 'DELETE')) {
      const name = decodeURIComponent(pool[1] ?? '');
      this.setPool(name, method === 'PUT' ? parseWith(poolDrainSchema, body(), 'body') : undefined);
      return ok(this.pools()[name] ?? {});
    }
    const queue = /^\/queues\/([^/]+)\/(.+)$/.exec(path);
    if (queue !== null && method === 'GET') {
      const stats = this.queue(
        decodeURIComponent(queue[1] ?? ''),
        decodeURIComponent(queue[2] ?? ''),
      );
      return stats === undefined
        ? { status: 404, json: { error: { code: 'NotFound', message: `no entity ${path}` } } }
        : ok(stats);
    }
    return {
      status: 404,
      json: {
        error: { code: 'NotFound', message: `no control route ${method} /_emulator${path}` },
      },
    };
  }
}

const entitySchema = z.strictObject({
  namespace: z.string().min(1),
  kind: z.enum(['queue', 'topic', 'subscription']),
  entity: z.string().min(1),
});
const enqueueSchema = z.strictObject({
  namespace: z.string().min(1),
  entity: z.string().min(1),
  count: z.number().min(0),
});
const arrivalsSchema = z.strictObject({
  namespace: z.string().min(1),
  entity: z.string().min(1),
  schedules: z.array(scheduleSchema),
});
const countsSchema = z.strictObject({
  namespace: z.string().min(1),
  entity: z.string().min(1),
  deadLetter: z.number().min(0).optional(),
  scheduled: z.number().min(0).optional(),
});
const groupHealthSchema = z.strictObject({
  group: z.string().min(1),
  health: z.enum(['Online', 'Degraded', 'auto']),
});
const imagePushSchema = z
  .object({ reference: z.string().min(1) })
  .catchall(z.unknown())
  .transform((b, ctx) => {
    const { reference, ...rest } = b;
    const parsed = imageConfigSchema.safeParse(rest);
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: parsed.error.issues[0]?.message ?? 'invalid image' });
      return z.NEVER;
    }
    return { reference, ...parsed.data };
  });
const injectedSchema: z.ZodType<InjectedArmError> = z.strictObject({
  status: z.number().int().min(400).max(599),
  code: z.string().optional(),
  message: z.string().optional(),
  retryAfterSeconds: z.number().int().min(0).optional(),
  kind: z.enum(['read', 'write', 'delete', 'any']).optional(),
  count: z.number().int().min(1).optional(),
});

/** A group's one zone, from the zones it was created with (stored as sent). */
function zoneOf(zones: unknown): string | undefined {
  return Array.isArray(zones) && zones.length === 1 ? String(zones[0]) : undefined;
}

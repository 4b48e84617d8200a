import { AzureError } from '../../shared/azure/errors';
import type {
  ContainerGroups,
  EndpointSnapshot,
  EntityDepth,
  GroupRef,
  GroupRequest,
  GroupSnapshot,
  ProfileRef,
  ProfileSnapshot,
  QueueMetrics,
  ReadTurns,
  RegionUsage,
  TrafficRouter,
} from '../../shared/azure/ports';
import type { TurnAnswer } from '../../shared/policy/readTurns';
import type { ProbeResult } from '../../shared/controller/activities';
import type { HealthProber, ProbeTarget } from '../../shared/probe';

interface FakeGroup {
  request: GroupRequest;
  createdAt: number;
  /** Overrides of what Azure reports, for failure cases. */
  provisioning?: 'Failed';
  restartCount: number;
  events: { name: string; message: string; type: string }[];
  /** Azure evicted it (a Spot group): stopped, its cores freed. */
  evicted?: boolean;
}

const regionOf = (location: string) => location.replace(/\s+/g, '').toLowerCase();

/**
 * A hand-written ContainerGroups: groups appear on a create, become Succeeded/Running after
 * `startupSeconds` of the injected clock, and vanish on a delete. Fields are settable so a test
 * can make creates fail, groups fail provisioning or crash loop; `calls` counts every port call.
 */
export class FakeContainerGroups implements ContainerGroups {
  /** Seconds from an accepted create to Running. */
  startupSeconds = 30;
  /** Errors thrown by the next creates, one per create. */
  failCreates: AzureError[] = [];
  /** Errors thrown by the next lists, one per list. */
  failLists: AzureError[] = [];
  /** Creates (by name) that will fail provisioning for lack of capacity. */
  failProvisioning = new Set<string>();
  readonly calls = { list: 0, get: 0, create: 0, delete: 0, usage: 0 };
  /**
   * Quota limits per region (lower-case name), the lines usage() reports; what is in use is
   * counted from the groups held. Default: 100 groups, 100 cores and 100 Spot cores everywhere.
   */
  quotas = new Map<string, { containerGroups: number; cores: number; spotCores: number }>();
  /** Regions (lower-case name) without capacity: a create there is refused with a sync 409. */
  noCapacity = new Set<string>();
  /** Every request accepted, in order (secrets included: tests check where they go). */
  readonly created: GroupRequest[] = [];
  readonly deleted: string[] = [];
  readonly groups = new Map<string, FakeGroup>();

  constructor(private readonly now: () => number) {}

  /** Puts a group in place as if created at `createdAt`. */
  seed(request: GroupRequest, createdAt: number): void {
    this.groups.set(request.name, { request, createdAt, restartCount: 0, events: [] });
  }

  /** Makes a group's container restart `count` times (a crash loop when ≥ crashLoopRestarts). */
  crash(name: string, count: number): void {
    const g = this.groups.get(name);
    if (g) g.restartCount = count;
  }

  names(): string[] {
    return [...this.groups.keys()].sort();
  }

  list(): Promise<GroupSnapshot[]> {
    this.calls.list++;
    const failure = this.failLists.shift();
    if (failure) return Promise.reject(failure);
    return Promise.resolve([...this.groups.values()].map((g) => this.snapshot(g, false)));
  }

  get(ref: GroupRef): Promise<GroupSnapshot | undefined> {
    this.calls.get++;
    const g = this.groups.get(ref.name);
    return Promise.resolve(g ? this.snapshot(g, true) : undefined);
  }

  /** Evicts a group, as Azure reclaims Spot capacity: stopped, with a SpotEviction event. */
  evict(name: string): void {
    const g = this.groups.get(name);
    if (!g) return;
    g.evicted = true;
    g.events.push({ name: 'SpotEviction', message: 'Spot capacity reclaimed', type: 'Warning' });
  }

  beginCreate(request: GroupRequest): Promise<void> {
    this.calls.create++;
    const failure = this.failCreates.shift();
    if (failure) return Promise.reject(failure);
    // A PUT on an existing name updates it in place: idempotent, never a duplicate.
    const existing = this.groups.get(request.name);
    const refusal = existing ? undefined : this.refusal(request);
    if (refusal) return Promise.reject(refusal);
    this.created.push(request);
    this.groups.set(request.name, {
      request,
      createdAt: existing?.createdAt ?? this.now(),
      restartCount: 0,
      events: [],
      ...(this.failProvisioning.has(request.name) ? { provisioning: 'Failed' as const } : {}),
    });
    if (this.failProvisioning.has(request.name)) {
      this.groups.get(request.name)?.events.push({
        name: 'InsufficientCapacity.',
        message: 'The requested resource is not available in the location at this moment.',
        type: 'Warning',
      });
    }
    return Promise.resolve();
  }

  usage(_subscriptionId: string, location: string): Promise<RegionUsage> {
    this.calls.usage++;
    return Promise.resolve(this.usageIn(regionOf(location)));
  }

  /** A region's usage lines: its groups, and the cores of those not evicted. */
  private usageIn(region: string): Required<RegionUsage> {
    const limits = this.quotas.get(region) ?? { containerGroups: 100, cores: 100, spotCores: 100 };
    const here = [...this.groups.values()].filter((g) => regionOf(g.request.location) === region);
    const cores = (spot: boolean) =>
      here
        .filter((g) => !g.evicted && (g.request.priority === 'Spot') === spot)
        .reduce((n, g) => n + coresOf(g.request), 0);
    return {
      containerGroups: { current: here.length, limit: limits.containerGroups },
      cores: { current: cores(false), limit: limits.cores },
      spotCores: { current: cores(true), limit: limits.spotCores },
    };
  }

  /** ACI's answer to a new group over quota or in a region without capacity (the message names the line). */
  private refusal(request: GroupRequest): AzureError | undefined {
    const region = regionOf(request.location);
    if (this.noCapacity.has(region)) return capacityError(request.location);
    const usage = this.usageIn(region);
    const spot = request.priority === 'Spot';
    const over: [string, { current: number; limit: number }, number][] = [
      ['ContainerGroups', usage.containerGroups, 1],
      [
        spot ? 'StandardSpotCores' : 'StandardCores',
        spot ? usage.spotCores : usage.cores,
        coresOf(request),
      ],
    ];
    const hit = over.find(([, line, n]) => line.current + n > line.limit);
    if (!hit) return undefined;
    const [name, line, n] = hit;
    return new AzureError(
      'quota',
      'ServiceUnavailable',
      `Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota '${name}' exceeded in region '${region}'. Limit: '${line.limit}', Usage: '${line.current}' Requested: '${n}'.`,
      409,
    );
  }

  beginDelete(ref: GroupRef): Promise<void> {
    this.calls.delete++;
    this.deleted.push(ref.name);
    this.groups.delete(ref.name);
    return Promise.resolve();
  }

  /** An evicted group as ACI shows it: provisioned, stopped, its containers terminated. */
  private evictedSnapshot(g: FakeGroup, withView: boolean): GroupSnapshot {
    return {
      name: g.request.name,
      tags: { ...g.request.tags },
      provisioningState: 'Succeeded',
      location: g.request.location,
      ...(g.request.priority === 'Spot' ? { priority: 'Spot' as const } : {}),
      ...(withView
        ? {
            instanceView: {
              state: 'Stopped',
              containers: g.request.containers.map((c) => ({
                name: c.name,
                image: c.image,
                restartCount: g.restartCount,
                state: 'Terminated',
              })),
              events: g.events,
            },
          }
        : {}),
    };
  }

  private snapshot(g: FakeGroup, withView: boolean): GroupSnapshot {
    if (g.evicted) return this.evictedSnapshot(g, withView);
    const started = g.createdAt + this.startupSeconds * 1000;
    const up = this.now() >= started;
    const provisioningState = g.provisioning ?? (up ? 'Succeeded' : 'Creating');
    const dns = g.request.publicDns;
    return {
      name: g.request.name,
      tags: { ...g.request.tags },
      provisioningState,
      ...(dns ? { fqdn: `${dns.dnsNameLabel}.${g.request.location}.azurecontainer.io` } : {}),
      location: g.request.location,
      ...(g.request.zone !== undefined ? { zone: g.request.zone } : {}),
      ...(g.request.priority === 'Spot' ? { priority: 'Spot' as const } : {}),
      ...(withView
        ? {
            instanceView: {
              state: provisioningState === 'Succeeded' ? 'Running' : 'Pending',
              containers: g.request.containers.map((c) => ({
                name: c.name,
                image: c.image,
                restartCount: g.restartCount,
                ...(provisioningState === 'Succeeded'
                  ? { state: 'Running', startTime: new Date(started).toISOString() }
                  : {}),
              })),
              events: g.events,
            },
          }
        : {}),
    };
  }
}

function coresOf(request: GroupRequest): number {
  return request.containers.reduce((n, c) => n + c.cpu, 0);
}

/**
 * A hand-written QueueMetrics over settable depths per namespace and entity, counting calls
 * (each list call stands for one administration call per page of the real API).
 */
export class FakeQueueMetrics implements QueueMetrics {
  readonly calls = { listQueues: 0, listSubscriptions: 0, get: 0 };
  /** Namespaces whose reads fail. */
  readonly failing = new Map<string, AzureError>();
  private readonly depths = new Map<string, Map<string, EntityDepth>>();

  /** Sets an entity's active count (queue name or topic/Subscriptions/sub). */
  set(namespace: string, entity: string, active: number, deadLetter = 0): void {
    const ns = this.depths.get(namespace) ?? new Map<string, EntityDepth>();
    ns.set(entity, { entity, active, deadLetter, scheduled: 0 });
    this.depths.set(namespace, ns);
  }

  listQueues(namespace: string): Promise<EntityDepth[]> {
    this.calls.listQueues++;
    return this.read(namespace, (e) => !e.includes('/'));
  }

  listSubscriptions(namespace: string, topic: string): Promise<EntityDepth[]> {
    this.calls.listSubscriptions++;
    return this.read(namespace, (e) => e.startsWith(`${topic}/Subscriptions/`));
  }

  async get(namespace: string, entity: string): Promise<EntityDepth | undefined> {
    this.calls.get++;
    return (await this.read(namespace, (e) => e === entity))[0];
  }

  private read(namespace: string, keep: (entity: string) => boolean): Promise<EntityDepth[]> {
    const failure = this.failing.get(namespace);
    if (failure) return Promise.reject(failure);
    return Promise.resolve(
      [...(this.depths.get(namespace)?.values() ?? [])].filter((d) => keep(d.entity)),
    );
  }
}

/** A capacity error as ARM reports it synchronously. */
export function capacityError(location = 'westeurope'): AzureError {
  return new AzureError(
    'capacity',
    'ServiceUnavailable',
    `The requested resource is not available in the location ${location} at this moment.`,
    409,
  );
}

/**
 * A hand-written TrafficRouter with Traffic Manager's health model: an enabled endpoint is
 * CheckingEndpoint for `checkSeconds`, then Online if `healthy(target)` says so, else Degraded; a
 * disabled one is Disabled. Every change is logged in `history` with the time, so a test can
 * check that some healthy endpoint was enabled at every moment.
 */
export class FakeTrafficRouter implements TrafficRouter {
  checkSeconds = 30;
  ttlSeconds = 60;
  /** Whether the group behind an FQDN answers its health probes. */
  healthy: (target: string) => boolean = () => true;
  readonly calls = { get: 0, put: 0, delete: 0 };
  readonly endpoints = new Map<
    string,
    { target: string; weight: number; enabled: boolean; since: number }
  >();
  readonly history: {
    at: number;
    name: string;
    weight: number;
    enabled: boolean;
    removed?: boolean;
  }[] = [];
  profileExists = true;

  constructor(private readonly now: () => number) {}

  status(name: string): string | undefined {
    const e = this.endpoints.get(name);
    if (!e) return undefined;
    if (!e.enabled) return 'Disabled';
    if (this.now() - e.since < this.checkSeconds * 1000) return 'CheckingEndpoint';
    return this.healthy(e.target) ? 'Online' : 'Degraded';
  }

  getProfile(_ref: ProfileRef): Promise<ProfileSnapshot | undefined> {
    this.calls.get++;
    if (!this.profileExists) return Promise.resolve(undefined);
    const endpoints: EndpointSnapshot[] = [...this.endpoints.entries()].map(([name, e]) => ({
      name,
      target: e.target,
      weight: e.weight,
      enabled: e.enabled,
      monitorStatus: this.status(name) as string,
    }));
    return Promise.resolve({ routingMethod: 'Weighted', ttlSeconds: this.ttlSeconds, endpoints });
  }

  putEndpoint(
    _ref: ProfileRef,
    endpoint: { name: string; target: string; weight: number; enabled: boolean },
  ): Promise<EndpointSnapshot> {
    this.calls.put++;
    const previous = this.endpoints.get(endpoint.name);
    // Monitoring restarts when an endpoint is (re)enabled or its target changes.
    const restart = !previous || !previous.enabled || previous.target !== endpoint.target;
    this.endpoints.set(endpoint.name, {
      ...endpoint,
      since: restart ? this.now() : previous.since,
    });
    this.history.push({
      at: this.now(),
      name: endpoint.name,
      weight: endpoint.weight,
      enabled: endpoint.enabled,
    });
    return Promise.resolve({ ...endpoint, monitorStatus: this.status(endpoint.name) as string });
  }

  deleteEndpoint(_ref: ProfileRef, name: string): Promise<void> {
    this.calls.delete++;
    this.endpoints.delete(name);
    this.history.push({ at: this.now(), name, weight: 0, enabled: false, removed: true });
    return Promise.resolve();
  }

  /** Names of enabled endpoints that are Online now. */
  servingOnline(): string[] {
    return [...this.endpoints.keys()].filter((n) => this.status(n) === 'Online').sort();
  }
}

/** A hand-written HealthProber: answers from `healthy(fqdn)`, counting probes. */
export class FakeProber implements HealthProber {
  healthy: (fqdn: string) => boolean = () => true;
  readonly probes: ProbeTarget[] = [];

  probe(target: ProbeTarget): Promise<ProbeResult> {
    this.probes.push(target);
    const ok = this.healthy(target.fqdn);
    return Promise.resolve({ ok, detail: `GET ${target.path}: HTTP ${ok ? 200 : 503}` });
  }
}

/**
 * The app's ARM read budget as a settable fake: the next asks get the `answers` queued, in order;
 * then, while `turnAt` is set and later than the clock, every pool is told to come back then (ARM
 * throttles); otherwise every look goes. Records what was asked and what looks reported.
 */
export class FakeReadTurns implements ReadTurns {
  turnAt: number | undefined;
  readonly answers: TurnAnswer[] = [];
  readonly asked: { subscriptionId: string; pool: string; at: number }[] = [];
  readonly looks: number[] = [];

  constructor(private readonly now: () => number) {}

  turn(subscriptionId: string, pool: string): TurnAnswer {
    const at = this.now();
    this.asked.push({ subscriptionId, pool, at });
    const queued = this.answers.shift();
    if (queued) return queued;
    return this.turnAt !== undefined && this.turnAt > at
      ? { go: false, at: this.turnAt }
      : { go: true };
  }

  looked(_subscriptionId: string, reads: number): void {
    this.looks.push(reads);
  }
}

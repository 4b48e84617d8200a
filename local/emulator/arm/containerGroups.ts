/**
 * Container groups as the emulator keeps them, and how ACI reports them. A group is stored
 * without its secrets (they are dropped on arrival, so they can never be echoed or logged) plus
 * the timeline of its current run: instants drawn at accept time from the seeded stream
 * `provision:<group>:<run>`. Its state at any instant is a pure function of that timeline and the
 * clock, so a virtual clock can jump hours and every read still sees the right state.
 *
 * Timeline of one run (accept at t0):
 *   t0 ─ Pending ─ creatingAt ─ Creating (pulling) ─ pulledAt ─ endAt: Succeeded/Running, or Failed
 *   Running ─ warm-up ─ drainFrom: the containers drain their pool's queue
 *   Running ─ startup ─ healthyFrom: health probes answer (Traffic Manager sees Online)
 *   Running ─ evictedAt: a Spot group reclaimed by Azure (Stopped, with a SpotEviction event)
 */
import { sample } from '../random';
import type { Distribution, Rng } from '../random';
import type { ImageBehaviour } from '../images';

/** JSON object as parsed from a request. */
export type Json = Record<string, unknown>;

/** Why a run failed. */
export interface RunFailure {
  /** Error code of the failed operation. */
  readonly code: string;
  readonly message: string;
  /** Name of the group event that reports it (`InsufficientCapacity.`, `FailedMount`). */
  readonly event: string;
  /** True when the failure comes before any pull (capacity): no container events. */
  readonly beforePull: boolean;
}

/** One provisioning of a group: a create, an update, a start or a restart. */
export interface GroupRun {
  readonly seq: number;
  readonly kind: 'create' | 'update' | 'start' | 'restart';
  /** Id of its operation status resource. */
  readonly opId: string;
  readonly acceptedAt: number;
  readonly creatingAt: number;
  readonly pulledAt: number;
  /** Containers started (Succeeded) or the run failed. */
  readonly endAt: number;
  readonly failure?: RunFailure;
  /** Warm-up over: draining starts (Infinity when it never does). */
  readonly drainFrom: number;
  /** Health probes succeed from here (Infinity when never: degraded, failed, crash loop). */
  readonly healthyFrom: number;
  readonly crashLoop: boolean;
  /** A Spot run's eviction: its containers stop and it releases its cores (drawn at accept). */
  readonly evictedAt?: number;
  /** Set when the run is cut short: stop, delete, restart, update. */
  stoppedAt?: number;
}

/** When the run stops holding compute, short of failing: stopped, deleted or evicted. */
export function runEndAt(run: GroupRun): number {
  return Math.min(run.stoppedAt ?? Infinity, run.evictedAt ?? Infinity);
}

/** True when the run was evicted by t (and not stopped before that). */
export function evictedBy(run: GroupRun, t: number): boolean {
  return (
    run.evictedAt !== undefined &&
    run.evictedAt <= t &&
    run.evictedAt <= (run.stoppedAt ?? Infinity)
  );
}

/** A container group. */
export interface GroupRecord {
  /** `sub/rg/name`, lower case: ARM names compare without case. */
  readonly key: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  location: string;
  region: string;
  /** Regular, or Spot (cheaper, evictable, cores counted on a quota line of their own). */
  priority: 'Regular' | 'Spot';
  /** The stored definition (secrets removed), `properties` as sent. */
  properties: Json;
  identity: Json | undefined;
  zones: unknown;
  tags: Record<string, string> | undefined;
  readonly createdAt: number;
  /** How many times a group of this key was created (part of its random stream's label). */
  readonly incarnation: number;
  run: GroupRun;
  /** Resources, summed over containers. */
  cores: number;
  memoryGb: number;
  containerCount: number;
  /** Messages per second the group drains when all its containers run (sum over images). */
  drainRate: number;
  readonly ip: string;
  fqdn: string | undefined;
  /** Traffic Manager health forced by the control API (undefined: follow the model). */
  healthOverride: 'Online' | 'Degraded' | undefined;
}

/** Phase of a group at an instant: what the control API reports and billing and draining use. */
export type GroupPhase = 'Pending' | 'Creating' | 'Warming' | 'Running' | 'Stopped' | 'Failed';

/** The group's phase at t. */
export function phaseAt(run: GroupRun, t: number): GroupPhase {
  if (runEndAt(run) <= t) return 'Stopped';
  if (t < run.creatingAt) return 'Pending';
  if (t < run.endAt) return run.failure?.beforePull ? 'Pending' : 'Creating';
  if (run.failure !== undefined) return 'Failed';
  return t < run.drainFrom && Number.isFinite(run.drainFrom) ? 'Warming' : 'Running';
}

/** Inputs to draw a run's timeline. */
export interface RunInputs {
  readonly seq: number;
  readonly kind: GroupRun['kind'];
  readonly opId: string;
  readonly now: number;
  /** Allocation latency distribution for the group's region. */
  readonly pending: Distribution;
  /** Behaviour of each container's image, in container order. */
  readonly images: readonly ImageBehaviour[];
  readonly hasAzureFile: boolean;
  readonly faults: {
    readonly asyncCapacityRate: number;
    readonly mountFailureRate: number;
    readonly slowProvisioningRate: number;
    readonly slowProvisioningFactor: number;
    /** Evictions per hour of a Spot group once running; undefined for a Regular group. */
    readonly spotEvictionsPerHour?: number;
  };
  /** Message of a capacity failure (names region and resources). */
  readonly capacityMessage: string;
}

/**
 * Draws a run's timeline. The order of draws is fixed (pending, pulls, slow, capacity, mount,
 * warm-ups, degraded, startup) so a seed always yields the same timeline for the same group.
 * A restart skips allocation (the containers restart in place): its pending time is 0.
 */
export function drawRun(input: RunInputs, rng: Rng): GroupRun {
  let pending = input.kind === 'restart' ? 0 : sample(input.pending, rng);
  let pull = Math.max(0, ...input.images.map((img) => sample(img.pull, rng)));
  if (rng.chance(input.faults.slowProvisioningRate)) {
    pending *= input.faults.slowProvisioningFactor;
    pull *= input.faults.slowProvisioningFactor;
  }
  const t0 = input.now;
  const capacity = input.kind !== 'restart' && rng.chance(input.faults.asyncCapacityRate);
  const mount = !capacity && input.hasAzureFile && rng.chance(input.faults.mountFailureRate);
  const warmUp = Math.max(
    0,
    ...input.images.filter((img) => img.drainRate > 0).map((img) => sample(img.warmUp, rng)),
  );
  const degradedP = Math.max(0, ...input.images.map((img) => img.health.degradedProbability));
  const degraded = rng.chance(degradedP);
  const startup = Math.max(0, ...input.images.map((img) => sample(img.health.startup, rng)));
  const crashLoop = input.images.some((img) => img.crashLoop);
  const base = { seq: input.seq, kind: input.kind, opId: input.opId, acceptedAt: t0, crashLoop };
  if (capacity) {
    // Allocation never succeeds: the run fails where Creating would have begun.
    const at = t0 + pending;
    return {
      ...base,
      creatingAt: at,
      pulledAt: at,
      endAt: at,
      failure: {
        code: 'InsufficientCapacity',
        message: input.capacityMessage,
        event: 'InsufficientCapacity.',
        beforePull: true,
      },
      drainFrom: Infinity,
      healthyFrom: Infinity,
    };
  }
  const creatingAt = t0 + pending;
  const pulledAt = creatingAt + pull;
  if (mount) {
    // The pull completes, then the Azure Files share cannot be mounted (one second later).
    return {
      ...base,
      creatingAt,
      pulledAt,
      endAt: pulledAt + 1000,
      failure: {
        code: 'FailedMount',
        message: 'Output: mount error(2): Permission denied',
        event: 'FailedMount',
        beforePull: false,
      },
      drainFrom: Infinity,
      healthyFrom: Infinity,
    };
  }
  const endAt = pulledAt;
  const drains = input.images.some((img) => img.drainRate > 0) && !crashLoop;
  // Drawn last, and only for Spot groups, so a Regular group's timeline is what it always was.
  const evictions = input.faults.spotEvictionsPerHour ?? 0;
  const evictedAt =
    evictions > 0
      ? endAt + sample({ kind: 'exponential', mean: 3_600_000 / evictions }, rng)
      : undefined;
  return {
    ...base,
    creatingAt,
    pulledAt,
    endAt,
    drainFrom: drains ? endAt + warmUp : Infinity,
    healthyFrom: degraded || crashLoop ? Infinity : endAt + startup,
    ...(evictedAt !== undefined ? { evictedAt } : {}),
  };
}

/**
 * The event of an evicted Spot group. No recording shows ACI's wording; this one says what
 * happened in the terms of the Spot documentation (the capacity was reclaimed).
 */
export const SPOT_EVICTION_MESSAGE =
  'The Spot container group was evicted: Azure reclaimed its capacity. Its containers were stopped.';

/** How often a crash-looping container restarts (ms): one restart per 30 s of model time. */
const CRASH_PERIOD_MS = 30_000;

// ---------------------------------------------------------------------------------------------
// What ACI keeps of a request, and what it never returns.

/**
 * Removes what ACI never returns: `secureValue` of environment variables, registry `password`,
 * Azure Files `storageAccountKey`, the contents of `secret` volumes (returned as `{}`), Log
 * Analytics `workspaceKey` and extensions' `protectedSettings`; and the read-only fields a client
 * may send back (provisioningState, instanceView, ip, fqdn). Returns a new object; never mutates.
 */
export function storedProperties(properties: Json): Json {
  const copy = structuredClone(properties);
  for (const field of ['provisioningState', 'instanceView', 'isCreatedFromStandbyPool']) {
    delete copy[field];
  }
  for (const list of ['containers', 'initContainers']) {
    for (const c of arrayOf(copy[list])) {
      const props = objectOf(c.properties);
      if (props === undefined) continue;
      delete props.instanceView;
      for (const env of arrayOf(props.environmentVariables)) delete env.secureValue;
    }
  }
  for (const cred of arrayOf(copy.imageRegistryCredentials)) delete cred.password;
  for (const volume of arrayOf(copy.volumes)) {
    const file = objectOf(volume.azureFile);
    if (file !== undefined) delete file.storageAccountKey;
    if (objectOf(volume.secret) !== undefined) volume.secret = {};
  }
  const logAnalytics = objectOf(objectOf(copy.diagnostics)?.logAnalytics);
  if (logAnalytics !== undefined) delete logAnalytics.workspaceKey;
  for (const ext of arrayOf(copy.extensions)) {
    const props = objectOf(ext.properties);
    if (props !== undefined) delete props.protectedSettings;
  }
  const ip = objectOf(copy.ipAddress);
  if (ip !== undefined) {
    delete ip.ip;
    delete ip.fqdn;
  }
  return copy;
}

/** The containers of a stored definition: name, image, cpu and memory of each. */
export function containersOf(properties: Json): {
  name: string;
  image: string;
  cpu: number;
  memoryInGB: number;
}[] {
  return arrayOf(properties.containers).map((c) => {
    const props = objectOf(c.properties) ?? {};
    const requests = objectOf(objectOf(props.resources)?.requests) ?? {};
    return {
      name: typeof c.name === 'string' ? c.name : '',
      image: typeof props.image === 'string' ? props.image : '',
      cpu: typeof requests.cpu === 'number' ? requests.cpu : 0,
      memoryInGB: typeof requests.memoryInGB === 'number' ? requests.memoryInGB : 0,
    };
  });
}

/**
 * Why a definition cannot be accepted (400), or undefined. ACI's own codes for these cases were
 * not verified against the service; the emulator uses InvalidRequestContent with a message that
 * names the field.
 */
export function definitionProblem(body: unknown): { code: string; message: string } | undefined {
  const bad = (message: string) => ({ code: 'InvalidRequestContent', message });
  const root = objectOf(body);
  if (root === undefined)
    return bad('The request content was invalid and could not be deserialized.');
  if (typeof root.location !== 'string' || root.location.trim() === '') {
    return {
      code: 'LocationRequired',
      message: 'The location property is required for this definition.',
    };
  }
  const props = objectOf(root.properties);
  if (props === undefined) return bad("The request content must have a 'properties' object.");
  const containers = arrayOf(props.containers);
  if (containers.length === 0)
    return bad("The container group must have at least one container ('properties.containers').");
  for (const [i, c] of containers.entries()) {
    const cp = objectOf(c.properties);
    const requests = objectOf(objectOf(cp?.resources)?.requests);
    if (typeof c.name !== 'string' || c.name === '')
      return bad(`properties.containers[${i}].name is required.`);
    if (typeof cp?.image !== 'string' || cp.image === '')
      return bad(`properties.containers[${i}].properties.image is required.`);
    if (
      typeof requests?.cpu !== 'number' ||
      !(requests.cpu > 0) ||
      typeof requests.memoryInGB !== 'number' ||
      !(requests.memoryInGB > 0)
    ) {
      return bad(
        `properties.containers[${i}].properties.resources.requests needs cpu and memoryInGB > 0.`,
      );
    }
  }
  if (props.osType !== 'Linux' && props.osType !== 'Windows') {
    return bad("properties.osType must be 'Linux' or 'Windows'.");
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Rendering: the JSON ARM returns at instant t.

/** ISO 8601 to the second, as ACI writes event timestamps ("2023-01-13T06:22:52Z"). */
function isoSeconds(t: number): string {
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** ISO 8601 with milliseconds ("2023-01-13T06:23:12.169Z"), as container start times are. */
export function isoMs(t: number): string {
  return new Date(t).toISOString();
}

interface AciEvent {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: string;
}

function event(name: string, message: string, at: number, type = 'Normal', count = 1): AciEvent {
  return {
    count,
    firstTimestamp: isoSeconds(at),
    lastTimestamp: isoSeconds(at),
    name,
    message,
    type,
  };
}

/** Events of one container up to t (Pulling, Pulled, Created, Started, BackOff). */
function containerEvents(g: GroupRecord, name: string, image: string, t: number): AciEvent[] {
  const run = g.run;
  if (run.failure?.beforePull) return [];
  const events: AciEvent[] = [];
  if (t >= run.creatingAt)
    events.push(event('Pulling', `pulling image "${image}"`, run.creatingAt));
  if (t >= run.pulledAt) {
    events.push(event('Pulled', `Successfully pulled image "${image}"`, run.pulledAt));
  }
  if (run.failure === undefined && t >= run.endAt) {
    events.push(event('Created', `Created container ${name}`, run.endAt));
    events.push(event('Started', `Started container ${name}`, run.endAt));
    const restarts = crashRestarts(run, t);
    if (restarts > 0) {
      const last = run.endAt + restarts * CRASH_PERIOD_MS;
      events.push({
        ...event(
          'BackOff',
          `Back-off restarting failed container ${name}`,
          run.endAt,
          'Warning',
          restarts,
        ),
        lastTimestamp: isoSeconds(last),
      });
    }
  }
  return events;
}

/** Restarts of a crash-looping run by t. */
function crashRestarts(run: GroupRun, t: number): number {
  if (!run.crashLoop || run.failure !== undefined || t < run.endAt) return 0;
  const until = Math.min(t, runEndAt(run));
  return Math.floor((until - run.endAt) / CRASH_PERIOD_MS);
}

/** The container's instance view at t, or undefined before it was scheduled. */
function containerView(g: GroupRecord, name: string, image: string, t: number): Json | undefined {
  const run = g.run;
  const phase = phaseAt(run, t);
  // Not scheduled yet (a failed run is never Pending: the view shows the waiting container).
  if (phase === 'Pending') return undefined;
  const events = containerEvents(g, name, image, t);
  const restartCount = crashRestarts(run, t);
  let currentState: Json;
  if (evictedBy(run, t) && run.evictedAt !== undefined) {
    currentState = {
      state: 'Terminated',
      startTime: isoMs(run.endAt),
      finishTime: isoMs(run.evictedAt),
      detailStatus: 'Evicted',
    };
  } else if (
    phase === 'Stopped' &&
    run.stoppedAt !== undefined &&
    run.stoppedAt >= run.endAt &&
    run.failure === undefined
  ) {
    currentState = {
      state: 'Terminated',
      startTime: isoMs(run.endAt),
      exitCode: 0,
      finishTime: isoMs(run.stoppedAt),
      detailStatus: 'Completed',
    };
  } else if (phase === 'Running' || phase === 'Warming') {
    currentState = run.crashLoop
      ? {
          state: 'Waiting',
          startTime: isoMs(run.endAt + restartCount * CRASH_PERIOD_MS),
          detailStatus: 'CrashLoopBackOff',
        }
      : { state: 'Running', startTime: isoMs(run.endAt), detailStatus: '' };
  } else {
    // Creating, or failed after (or instead of) the pull: the container waits.
    currentState = {
      state: 'Waiting',
      startTime: isoMs(Math.min(t, run.pulledAt)),
      detailStatus: '',
    };
  }
  return { restartCount, currentState, events };
}

/** The group's instance view at t: group events and state. */
function groupView(g: GroupRecord, t: number): Json {
  const run = g.run;
  const phase = phaseAt(run, t);
  const events: AciEvent[] = [];
  if (run.failure !== undefined && t >= run.endAt) {
    events.push(
      event(
        run.failure.event,
        run.failure.message,
        run.endAt,
        run.failure.beforePull ? 'Warning' : 'Normal',
      ),
    );
  }
  if (evictedBy(run, t) && run.evictedAt !== undefined) {
    events.push(event('SpotEviction', SPOT_EVICTION_MESSAGE, run.evictedAt, 'Warning'));
  }
  const state =
    phase === 'Stopped'
      ? 'Stopped'
      : phase === 'Running' || phase === 'Warming'
        ? 'Running'
        : 'Pending';
  return { events, state };
}

/** provisioningState at t. */
export function provisioningStateAt(run: GroupRun, t: number): string {
  const phase = phaseAt(run, t);
  switch (phase) {
    case 'Pending':
      return 'Pending';
    case 'Creating':
      return 'Creating';
    case 'Failed':
      return 'Failed';
    case 'Stopped':
      // A stop after a failure leaves the failure visible; otherwise a stopped group Succeeded.
      return run.failure !== undefined && run.endAt <= (run.stoppedAt ?? 0)
        ? 'Failed'
        : 'Succeeded';
    default:
      return 'Succeeded';
  }
}

/**
 * The group as ARM returns it at t. `withInstanceView` is true for GET (and the bodies of PUT and
 * DELETE), false for list pages, which leave instance views out. Key order follows the recordings.
 */
export function renderGroup(g: GroupRecord, t: number, withInstanceView: boolean): Json {
  const stored = g.properties;
  const containers = arrayOf(stored.containers).map((c) => {
    const props = { ...(objectOf(c.properties) ?? {}) };
    // ACI lists these even when they were not sent.
    props.command ??= [];
    props.environmentVariables ??= [];
    if (withInstanceView) {
      const view = containerView(g, String(c.name), String(props.image), t);
      if (view !== undefined) props.instanceView = view;
    }
    return { ...c, properties: props };
  });
  const properties: Json = {
    sku: 'Standard',
    provisioningState: provisioningStateAt(g.run, t),
    ...stored,
    containers,
    initContainers: stored.initContainers ?? [],
    restartPolicy: stored.restartPolicy ?? 'Always',
  };
  // Filled in by the service: the group's address and DNS name.
  const ip = objectOf(stored.ipAddress);
  if (ip !== undefined) {
    properties.ipAddress = { ...ip, ip: g.ip, ...(g.fqdn !== undefined ? { fqdn: g.fqdn } : {}) };
  }
  if (withInstanceView) properties.instanceView = groupView(g, t);
  return {
    properties,
    ...(g.identity !== undefined ? { identity: g.identity } : {}),
    id: groupId(g),
    name: g.name,
    type: 'Microsoft.ContainerInstance/containerGroups',
    location: g.location,
    ...(g.tags !== undefined ? { tags: g.tags } : {}),
    ...(g.zones !== undefined ? { zones: g.zones } : {}),
  };
}

/** The resource id of a group. */
export function groupId(g: Pick<GroupRecord, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${g.name}`;
}

/** ACI operation status at t: Pending, Creating, Succeeded or Failed (with events and error). */
export function renderOperation(g: GroupRecord, run: GroupRun, t: number): Json {
  let status: string;
  if (run.stoppedAt !== undefined && run.stoppedAt <= t && run.stoppedAt < run.endAt) {
    status = 'Canceled';
  } else if (t < run.creatingAt || (t < run.endAt && run.failure?.beforePull)) status = 'Pending';
  else if (t < run.endAt) status = 'Creating';
  else status = run.failure === undefined ? 'Succeeded' : 'Failed';
  const events: AciEvent[] = [];
  for (const c of containersOf(g.properties)) {
    for (const e of containerEvents({ ...g, run }, c.name, c.image, t)) {
      if (e.name === 'Pulling' || e.name === 'Pulled') events.push(e);
    }
  }
  if (run.failure !== undefined && t >= run.endAt) {
    events.push(event(run.failure.event, run.failure.message, run.endAt, 'Warning'));
  }
  return {
    id: groupId(g),
    status,
    startTime: isoMs(run.acceptedAt),
    properties: { events },
    ...(status === 'Failed' && run.failure !== undefined
      ? { error: { code: run.failure.code, message: run.failure.message } }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------

/** `value` as a JSON object, or undefined. */
export function objectOf(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : undefined;
}

/** The JSON objects in `value` when it is an array (others skipped), else []. */
export function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? value.flatMap((v) => (objectOf(v) ? [v as Json] : [])) : [];
}

/**
 * What `npm start` tells the user to type: the copy-paste commands for the running demo (list
 * pools, read a status, scale, pause and resume, enqueue a burst, push a new image version), and
 * the ACR webhook payload the last one sends. Kept apart from `start.ts` so the tests send the
 * very payload and requests the commands show.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ArrivalSchedule, EmulatorConfig } from '../emulator';
import { ConfigError } from '../emulator/config';

/** What an ACR push webhook delivery carries (the shape of shared/fixtures/acr/webhook-push.json). */
export interface AcrPushPayload {
  readonly id: string;
  readonly timestamp: string;
  readonly action: 'push';
  readonly target: {
    readonly mediaType: string;
    readonly size: number;
    readonly digest: string;
    readonly length: number;
    readonly repository: string;
    readonly tag: string;
  };
  readonly request: {
    readonly id: string;
    readonly host: string;
    readonly method: 'PUT';
    readonly useragent: string;
  };
}

/** A real-looking manifest digest: `sha256:` and 64 hex characters. */
export function randomDigest(): string {
  return `sha256:${randomBytes(32).toString('hex')}`;
}

/** An ACR webhook `push` body for `registry/repository:tag@digest`, as ACR sends it. */
export function acrPushPayload(push: {
  readonly registry: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  /** Delivery id; a redelivery with the same id has one effect. Default: a new UUID. */
  readonly id?: string;
  /** ISO time; default: now. */
  readonly timestamp?: string;
}): AcrPushPayload {
  return {
    id: push.id ?? randomUUID(),
    timestamp: push.timestamp ?? new Date().toISOString(),
    action: 'push',
    target: {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      size: 524,
      digest: push.digest,
      length: 524,
      repository: push.repository,
      tag: push.tag,
    },
    request: {
      id: randomUUID(),
      host: push.registry,
      method: 'PUT',
      useragent: 'docker/24.0.7 go/go1.20.10 os/linux arch/amd64',
    },
  };
}

/** Everything the commands need to name. */
export interface DemoEndpoints {
  /** Functions base URL, e.g. http://127.0.0.1:7071/api */
  readonly functionsBase: string;
  /** A function key (the host's `default` key). */
  readonly functionKey: string;
  /** Emulator control API base, e.g. https://127.0.0.1:8443/_emulator */
  readonly emulatorControl: string;
  /** The emulator's CA certificate file (curl --cacert), so TLS is verified, not skipped. */
  readonly caFile: string;
  readonly webhookSecret: string;
  /** A pool to scale, pause and resume, and its queue. */
  readonly pool: { readonly name: string; readonly namespace: string; readonly entity: string };
  /** The pool a push rolls, and the push. */
  readonly rollout: {
    readonly pool: string;
    readonly registry: string;
    readonly repository: string;
    readonly tag: string;
    readonly digest: string;
  };
}

/** Single-quotes a value for a POSIX shell. */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The copy-paste commands `npm start` prints, as `# comment` + command pairs. */
export function demoCommands(e: DemoEndpoints): string[] {
  const key = `-H ${sh(`x-functions-key: ${e.functionKey}`)}`;
  const json = `-H 'content-type: application/json'`;
  const pool = `${e.functionsBase}/pools/${e.pool.name}`;
  const push = acrPushPayload({
    registry: e.rollout.registry,
    repository: e.rollout.repository,
    tag: e.rollout.tag,
    digest: e.rollout.digest,
    // One delivery id per digest: re-running the command is a redelivery (one effect), and a
    // later `npm start` (new digest) is a new push even though the controller's state persists.
    id: `demo-push-${e.rollout.digest.slice(7, 19)}`,
  });
  return [
    '# every pool, its controller and its last decision',
    `curl -s ${key} ${e.functionsBase}/pools`,
    `# one pool's published status (desired, groups by state and version, decisions and reasons)`,
    `curl -s ${key} ${pool}`,
    `# hold ${e.pool.name} at 6 groups for 10 minutes, then back to the policy`,
    `curl -s -X POST ${key} ${json} -d '{"count":6,"durationSeconds":600}' ${pool}/scale`,
    `curl -s -X DELETE ${key} ${pool}/scale`,
    '# pause and resume all changes to the pool',
    `curl -s -X POST ${key} ${pool}/pause`,
    `curl -s -X POST ${key} ${pool}/resume`,
    `# enqueue a burst of 3000 messages on the queue of pool ${e.pool.name} (${e.pool.entity}) through the emulator's control API`,
    `curl -s --cacert ${sh(e.caFile)} -X POST ${json} -d ${sh(JSON.stringify({ namespace: e.pool.namespace, entity: e.pool.entity, count: 3000 }))} ${e.emulatorControl}/enqueue`,
    `# push ${e.rollout.repository}:${e.rollout.tag} to the registry (ACR webhook): "${e.rollout.pool}" rolls to it, canary first`,
    `curl -s -X POST ${json} -H ${sh(`x-surge-webhook-secret: ${e.webhookSecret}`)} -d ${sh(JSON.stringify(push))} ${e.functionsBase}/webhooks/acr`,
  ];
}

/** Seconds or minutes, whichever reads better: 45000 → `45 s`, 240000 → `4 min`. */
function duration(ms: number): string {
  return ms >= 60_000 && ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** One arrival schedule in words, e.g. `a burst of 1500 every 4 min (first after 45 s)`. */
export function describeSchedule(s: ArrivalSchedule): string {
  switch (s.kind) {
    case 'constant':
      return `${s.rate} msg/s`;
    case 'steps':
      return `steps of ${s.steps.map((x) => `${x.rate} msg/s`).join(' → ')}`;
    case 'ramp':
      return `a ramp from ${s.from} to ${s.to} msg/s over ${duration(s.durationMs)}`;
    case 'sine':
      return `a sine of ${s.mean} ± ${s.amplitude} msg/s over ${duration(s.periodMs)}`;
    case 'burst':
      return s.everyMs === undefined
        ? `a burst of ${s.count} after ${duration(s.atMs)}`
        : `a burst of ${s.count} every ${duration(s.everyMs)} (first after ${duration(s.atMs)})`;
    case 'randomBursts':
      return `random bursts every ${duration(s.meanIntervalMs)} on average`;
  }
}

/** The demo workload in words, one line per entity. */
export function describeWorkload(config: EmulatorConfig): string[] {
  return (config.workload?.arrivals ?? []).map(
    (a) => `${a.entity}: ${a.schedules.map(describeSchedule).join(' + ')}`,
  );
}

/** A workload's arrivals, to install once the stack has created the pools' entities. */
export type Arrivals = NonNullable<NonNullable<EmulatorConfig['workload']>['arrivals']>;

/**
 * Splits an emulator config into what the emulator starts with and the arrival schedules. The
 * emulator checks arrivals against existing entities at start, while the stack creates each
 * pool's entity afterwards (`prepareEmulator`), so a workload on the pools' own queues is
 * installed with `installArrivals` once the stack is up; its times then count from that moment.
 */
export function splitWorkload(config: EmulatorConfig): {
  readonly config: EmulatorConfig;
  readonly arrivals: Arrivals;
} {
  const { workload, ...rest } = config;
  if (workload === undefined) return { config: rest, arrivals: [] };
  const { arrivals, ...knobs } = workload;
  return { config: { ...rest, workload: knobs }, arrivals: arrivals ?? [] };
}

/**
 * Installs arrival schedules through the emulator's control API (times count from now), for the
 * entities that exist: with the user's own pools (`--pools`, SURGE_POOLS_FILE, SURGE_POOLS) the
 * demo workload's queues may not. Returns the `namespace/entity` of those skipped.
 */
export function installArrivals(
  control: {
    setArrivals(namespace: string, entity: string, schedules: readonly ArrivalSchedule[]): void;
  },
  arrivals: Arrivals,
): string[] {
  const skipped: string[] = [];
  for (const a of arrivals) {
    try {
      control.setArrivals(a.namespace, a.entity, a.schedules);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      skipped.push(`${a.namespace}/${a.entity}`);
    }
  }
  return skipped;
}

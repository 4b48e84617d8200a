import type { GroupSnapshot, ProfileSnapshot } from '../../shared/azure/ports';
import type { PoolSpec, PoolSpecInput } from '../../shared/config/poolSpec';
import type { FleetView, Look } from '../../shared/controller/fleet';
import { startRollout } from '../../shared/controller/rollout';
import type { ScaleOutcome } from '../../shared/controller/scale';
import type { Trigger } from '../../shared/controller/signal';
import { initialState } from '../../shared/controller/state';
import type { VersionsOutcome } from '../../shared/controller/versions';
import type { ForeignGroup, GroupPhase, PoolGroup } from '../../shared/policy/groups';
import { groupName } from '../../shared/policy/version';
import { poolInput, poolsOf } from '../fakes/pools';

/** The instant the stage tests decide at. */
export const NOW = Date.parse('2026-11-22T10:00:00Z');
/** The version the test pool's spec names. */
export const V1 = '1.0';

/**
 * The `orders` pool (drain, 2 msg/s per group, start-up 60 s, not learning), with overrides. It
 * scales in with the HPA's fixed 300 s window and at most half the pool per tick, so the stage
 * tests' numbers are about the tick and the rollout, not the hold (the break-even hold has its
 * own tables in test/policy/drain.test.ts).
 */
export function ordersSpec(overrides: Partial<PoolSpecInput> = {}): PoolSpec {
  const scaling = {
    mode: 'drain',
    messagesPerSecondPerGroup: 2,
    startupSeconds: 60,
    learn: false,
    scaleInStabilizationSeconds: 300,
    scaleInMaxFraction: 0.5,
  };
  const input = poolInput('orders', {
    group: { containers: [{ name: 'worker', image: `contoso.azurecr.io/worker:${V1}` }] },
    scaling,
    ...overrides,
  });
  return poolsOf(input).pools[0] as PoolSpec;
}

/** The orders pool placed in `placements` (azure.location left out), with overrides. */
export function placedSpec(
  placements: NonNullable<PoolSpecInput['placements']>,
  overrides: Partial<PoolSpecInput> = {},
): PoolSpec {
  const { location: _one, ...azure } = poolInput('orders').azure;
  return ordersSpec({ azure, placements, ...overrides });
}

/** The version 1.0 of the orders pool. */
export const v1 = { id: V1, images: { worker: `contoso.azurecr.io/worker:${V1}` } };
/** The version a rollout of the test pool goes to. */
export const v2 = { id: 'v2', images: { worker: 'contoso.azurecr.io/worker:v2' } };

/**
 * A look at the pool at NOW: its groups (counted), foreign groups and profile as given, and how
 * long a group retires (default 30 s, the default drainSeconds).
 */
export function lookAt(
  spec: PoolSpec,
  groups: readonly PoolGroup[],
  options: {
    trigger?: Trigger;
    foreign?: ForeignGroup[];
    profile?: ProfileSnapshot;
    retireMs?: number;
    quota?: FleetView['quota'];
    siteLessons?: FleetView['siteLessons'];
    now?: number;
  } = {},
): Look {
  const foreign = options.foreign ?? [];
  const count = (phase: GroupPhase) => groups.filter((g) => g.phase === phase).length;
  const view: FleetView = {
    listed: [...groups.map((g) => g.name), ...foreign.map((f) => f.name)],
    groups,
    foreign,
    ...(options.profile ? { profile: options.profile } : {}),
    running: count('running'),
    startups: [],
    counts: {
      running: count('running'),
      pending: count('pending'),
      failed: count('failed'),
      deleting: count('deleting'),
      foreign: foreign.length,
      byVersion: {},
      bySite: {},
    },
    errors: [],
    quota: options.quota ?? {},
    siteLessons: options.siteLessons ?? [],
  };
  const retireMs = options.retireMs ?? 30_000;
  return { spec, trigger: options.trigger ?? 'timer', now: options.now ?? NOW, view, retireMs };
}

/** What the versions stage says when nothing happens (v1 stable, no rollout), with changes. */
export function versionsWith(changes: Partial<VersionsOutcome> = {}): VersionsOutcome {
  return {
    versions: { version: v1, badVersions: [], seenPushes: [] },
    stable: v1,
    doomed: new Set(),
    step: { creates: 0, probe: [], retire: [] },
    retiring: [],
    notes: [],
    ...changes,
  };
}

/** The versions stage rolling the orders pool out from v1 to v2, taking this step. */
export function rollingOut(step: Partial<VersionsOutcome['step']>): VersionsOutcome {
  return versionsWith({
    versions: {
      version: v1,
      badVersions: [],
      seenPushes: [],
      rollout: startRollout(v2, v1, 'e', ordersSpec(), NOW),
    },
    step: { creates: 0, probe: [], retire: [], ...step },
  });
}

/** What the scale stage says when nothing changes (no creates, no victims), with changes. */
export function scaleWith(changes: Partial<ScaleOutcome> = {}): ScaleOutcome {
  return {
    scale: initialState('orders').scale,
    desired: 0,
    reason: '',
    holds: [],
    creates: 0,
    victims: [],
    backedOff: false,
    live: 0,
    running: 0,
    ...changes,
  };
}

/** The name of group `ordinal` of a version of the orders pool. */
export const nameOf = (ordinal: number, version = V1): string =>
  groupName('orders', version, ordinal);

/**
 * A classified group of the orders pool, created 10 minutes ago, running for 5 if running, in
 * the pool's one site (westeurope) unless `extra` says otherwise.
 */
export function poolGroup(
  ordinal: number,
  phase: GroupPhase = 'running',
  extra: Partial<PoolGroup> & { version?: string } = {},
): PoolGroup {
  const { version = V1, ...rest } = extra;
  return {
    name: nameOf(ordinal, version),
    versionId: version,
    ordinal,
    createdAt: NOW - 600_000,
    phase,
    site: 'westeurope',
    ...(phase === 'running' ? { runningSince: NOW - 300_000 } : {}),
    ...rest,
  };
}

/** How Azure reports a group of the orders pool: creating, running, or failed for capacity. */
export function snapshot(
  ordinal: number,
  state: 'creating' | 'running' | 'failed',
  options: { version?: string; createdAt?: number; startedAt?: number; fqdn?: string } = {},
): GroupSnapshot {
  const version = options.version ?? V1;
  const base = {
    name: nameOf(ordinal, version),
    tags: {
      'surge-pool': 'orders',
      'surge-version': version,
      'surge-created': new Date(options.createdAt ?? NOW - 600_000).toISOString(),
    },
    ...(options.fqdn ? { fqdn: options.fqdn } : {}),
  };
  if (state === 'creating') return { ...base, provisioningState: 'Creating' };
  if (state === 'failed') {
    return {
      ...base,
      provisioningState: 'Failed',
      instanceView: {
        state: 'Pending',
        containers: [],
        events: [{ name: 'InsufficientCapacity', message: 'no capacity', type: 'Warning' }],
      },
    };
  }
  return {
    ...base,
    provisioningState: 'Succeeded',
    instanceView: {
      state: 'Running',
      containers: [
        {
          name: 'worker',
          image: 'w',
          state: 'Running',
          restartCount: 0,
          startTime: new Date(options.startedAt ?? NOW - 300_000).toISOString(),
        },
      ],
      events: [],
    },
  };
}

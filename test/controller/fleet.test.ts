import { describe, expect, it } from 'vitest';
import type { GroupSnapshot, ProfileSnapshot } from '../../shared/azure/ports';
import type { PoolSpec } from '../../shared/config/poolSpec';
import type { Observation } from '../../shared/controller/activities';
import { observeFleet, sighted, withSpec } from '../../shared/controller/fleet';
import type { ObservedFleet, StatusError } from '../../shared/controller/state';
import { firstSight } from '../../shared/controller/state';
import type { HealthRecord } from '../../shared/policy/groups';
import { NOW, nameOf, ordersSpec, snapshot } from './groups';
import { groupCounts } from './states';

const spec = ordersSpec();
const tmSpec = ordersSpec({
  trafficManager: { profile: 'orders-tm' },
  group: { containers: [{ name: 'worker', image: 'contoso.azurecr.io/worker:1.0', ports: [80] }] },
});
const profile: ProfileSnapshot = { routingMethod: 'Weighted', ttlSeconds: 30, endpoints: [] };

type Listed = Observation & { groups: readonly GroupSnapshot[] };

function observation(
  groups: GroupSnapshot[],
  extra: Partial<Omit<Observation, 'groups'>> = {},
  poolSpec: PoolSpec = spec,
): Listed {
  return {
    found: true,
    spec: poolSpec,
    specHash: 'h1',
    instanceViewsRead: groups.filter((g) => g.instanceView).map((g) => g.name),
    ...extra,
    groups,
  };
}

/** The whole outcome of a look, as a case states it (group details aside: see groups.test.ts). */
function outcome(fleet: ObservedFleet, obs: Listed) {
  const { fleet: next, look } = observeFleet(fleet, obs, 'timer', NOW);
  return {
    backoff: next.backoff,
    dnsTtlSeconds: next.dnsTtlSeconds,
    phases: Object.fromEntries(Object.entries(next.health).map(([n, h]) => [n, h.phase])),
    running: look.view.running,
    startups: look.view.startups,
    counts: look.view.counts,
    errors: look.view.errors,
    foreign: look.view.foreign.map((f) => f.name),
    listed: look.view.listed,
    retireMs: look.retireMs,
    siteLessons: look.view.siteLessons,
  };
}

/** A group whose containers stopped: a failure of the group, not of its site's capacity. */
const crashed = (ordinal: number): GroupSnapshot => ({
  ...snapshot(ordinal, 'running'),
  instanceView: { state: 'Stopped', containers: [], events: [] },
});

const seenPending = (name: string): Record<string, HealthRecord> => ({
  [name]: { phase: 'pending', checkedAt: NOW - 10_000 },
});
const capacityError = (ordinal: number): StatusError => ({
  at: NOW,
  during: `group ${nameOf(ordinal)}`,
  kind: 'capacity',
  message: 'InsufficientCapacity: no capacity',
});
/** A pool without Traffic Manager retires a group for rollout.drainSeconds (default 30 s). */
const DRAIN_MS = spec.rollout.drainSeconds * 1000;
const noGroups = groupCounts();

describe('fleet stage: what a look at the pool shows', () => {
  const cases: {
    label: string;
    fleet?: Partial<ObservedFleet>;
    observation: Listed;
    expected: ReturnType<typeof outcome>;
  }[] = [
    {
      label: 'an empty pool',
      observation: observation([]),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: undefined,
        phases: {},
        running: 0,
        startups: [],
        counts: noGroups,
        errors: [],
        foreign: [],
        listed: [],
        retireMs: DRAIN_MS,
        siteLessons: [],
      },
    },
    {
      label: 'a group seen pending and now running teaches its start-up and resets the backoff',
      fleet: { health: seenPending(nameOf(0)), backoff: { failures: 2, until: NOW + 30_000 } },
      observation: observation([
        snapshot(0, 'running', { createdAt: NOW - 100_000, startedAt: NOW - 55_000 }),
        snapshot(1, 'creating'),
      ]),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: undefined,
        phases: { [nameOf(0)]: 'running', [nameOf(1)]: 'pending' },
        running: 1,
        startups: [45],
        counts: {
          ...noGroups,
          running: 1,
          pending: 1,
          byVersion: { '1.0': 2 },
          bySite: { westeurope: 2 },
        },
        errors: [],
        foreign: [],
        listed: [nameOf(0), nameOf(1)],
        retireMs: DRAIN_MS,
        siteLessons: [{ site: 'westeurope', kind: 'started', reason: `${nameOf(0)} started` }],
      },
    },
    {
      label: 'a group running at first sight teaches nothing (it may have restarted)',
      observation: observation([snapshot(0, 'running')]),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: undefined,
        phases: { [nameOf(0)]: 'running' },
        running: 1,
        startups: [],
        counts: { ...noGroups, running: 1, byVersion: { '1.0': 1 }, bySite: { westeurope: 1 } },
        errors: [],
        foreign: [],
        listed: [nameOf(0)],
        retireMs: DRAIN_MS,
        siteLessons: [],
      },
    },
    {
      label: 'a group that failed since the last look raises the backoff and is reported',
      fleet: { backoff: { failures: 1, until: NOW - 5000 } },
      observation: observation([crashed(0)]),
      expected: {
        // Second failure in a row: 30 s.
        backoff: { failures: 2, until: NOW + 30_000 },
        dnsTtlSeconds: undefined,
        phases: { [nameOf(0)]: 'failed' },
        running: 0,
        startups: [],
        counts: { ...noGroups, failed: 1 },
        errors: [
          {
            at: NOW,
            during: `group ${nameOf(0)}`,
            kind: 'groupFailed',
            message: 'group stopped: its containers are no longer running',
          },
        ],
        foreign: [],
        listed: [nameOf(0)],
        retireMs: DRAIN_MS,
        siteLessons: [],
      },
    },
    {
      label:
        'a group failed for capacity closes its site, not the pool’s creates (another site may have room)',
      fleet: { backoff: { failures: 1, until: NOW - 5000 } },
      observation: observation([snapshot(0, 'failed')]),
      expected: {
        backoff: { failures: 1, until: NOW - 5000 },
        dnsTtlSeconds: undefined,
        phases: { [nameOf(0)]: 'failed' },
        running: 0,
        startups: [],
        counts: { ...noGroups, failed: 1 },
        errors: [capacityError(0)],
        foreign: [],
        listed: [nameOf(0)],
        retireMs: DRAIN_MS,
        siteLessons: [
          {
            site: 'westeurope',
            kind: 'capacity',
            reason: `${nameOf(0)}: InsufficientCapacity: no capacity`,
          },
        ],
      },
    },
    {
      label: 'a group already failed at the last look counts once',
      fleet: {
        health: { [nameOf(0)]: { phase: 'failed', checkedAt: NOW - 10_000 } },
        backoff: { failures: 1, until: NOW },
      },
      observation: observation([snapshot(0, 'failed')]),
      expected: {
        backoff: { failures: 1, until: NOW },
        dnsTtlSeconds: undefined,
        phases: { [nameOf(0)]: 'failed' },
        running: 0,
        startups: [],
        counts: { ...noGroups, failed: 1 },
        errors: [],
        foreign: [],
        listed: [nameOf(0)],
        retireMs: DRAIN_MS,
        siteLessons: [],
      },
    },
    {
      label: 'a group tagged for the pool but not named by Surge is foreign',
      observation: observation([{ ...snapshot(0, 'running'), name: 'orders-by-hand' }]),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: undefined,
        phases: {},
        running: 0,
        startups: [],
        counts: { ...noGroups, foreign: 1 },
        errors: [],
        foreign: ['orders-by-hand'],
        listed: ['orders-by-hand'],
        retireMs: DRAIN_MS,
        siteLessons: [],
      },
    },
    {
      label: 'failed reads are reported before failed groups',
      observation: observation([snapshot(0, 'failed')], {
        failure: { kind: 'throttled', code: 'TooManyRequests', message: 'slow down' },
      }),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: undefined,
        phases: { [nameOf(0)]: 'failed' },
        running: 0,
        startups: [],
        counts: { ...noGroups, failed: 1 },
        errors: [
          {
            at: NOW,
            during: 'read groups and profile',
            kind: 'throttled',
            code: 'TooManyRequests',
            message: 'slow down',
          },
          capacityError(0),
        ],
        foreign: [],
        listed: [nameOf(0)],
        retireMs: DRAIN_MS,
        siteLessons: [
          {
            site: 'westeurope',
            kind: 'capacity',
            reason: `${nameOf(0)}: InsufficientCapacity: no capacity`,
          },
        ],
      },
    },
    {
      label: 'behind Traffic Manager the profile’s TTL sets the retire time (TTL + drainSeconds)',
      fleet: { spec: tmSpec },
      observation: observation([], { profile }, tmSpec),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: 30,
        phases: {},
        running: 0,
        startups: [],
        counts: noGroups,
        errors: [],
        foreign: [],
        listed: [],
        // 30 s TTL + the default drainSeconds (30 s).
        retireMs: (30 + tmSpec.rollout.drainSeconds) * 1000,
        siteLessons: [],
      },
    },
    {
      label: 'a profile is ignored for a pool without Traffic Manager',
      observation: observation([], { profile }),
      expected: {
        backoff: { failures: 0, until: 0 },
        dnsTtlSeconds: undefined,
        phases: {},
        running: 0,
        startups: [],
        counts: noGroups,
        errors: [],
        foreign: [],
        listed: [],
        retireMs: DRAIN_MS,
        siteLessons: [],
      },
    },
  ];

  it.each(cases)('$label', ({ fleet, observation: obs, expected }) => {
    const base = { ...firstSight(obs.spec, 'h1', NOW - 20_000), ...fleet };
    expect(outcome(base, obs)).toEqual(expected);
  });
});

describe('fleet stage: the spec of a look', () => {
  const held = firstSight(spec, 'h1', NOW - 20_000);
  const other = ordersSpec({ maxGroups: 7 });
  const left = { found: true as const, specHash: 'h1', instanceViewsRead: [] };
  const cases: { label: string; run: () => unknown; expected: unknown }[] = [
    {
      label: 'a spec sent back is used',
      run: () => withSpec(held, { ...left, spec: other, specHash: 'h2' })?.spec.maxGroups,
      expected: 7,
    },
    {
      label: 'a spec left out is the held one with that hash',
      run: () => withSpec(held, left)?.spec.maxGroups,
      expected: 20,
    },
    {
      label: 'a spec left out that is not held is missing',
      run: () => withSpec({ observed: false }, left),
      expected: undefined,
    },
    {
      label: 'a first sight keeps the spec, its hash and the time, with no health or backoff',
      run: () => sighted({ observed: false }, { ...left, spec }, NOW),
      expected: firstSight(spec, 'h1', NOW),
    },
    {
      label: 'a later sight keeps health and backoff and takes the new spec',
      run: () => {
        const before = { ...held, backoff: { failures: 3, until: NOW + 1 } };
        const after = sighted(before, { ...left, spec: other, specHash: 'h2' }, NOW);
        return [after.spec.maxGroups, after.specHash, after.at, after.backoff];
      },
      expected: [7, 'h2', NOW, { failures: 3, until: NOW + 1 }],
    },
  ];
  it.each(cases)('$label', ({ run, expected }) => {
    expect(run()).toEqual(expected);
  });
});

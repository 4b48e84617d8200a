import { describe, expect, it } from 'vitest';
import type { EndpointSnapshot, ProfileSnapshot } from '../../shared/azure/ports';
import type { PoolSpec } from '../../shared/config/poolSpec';
import type { RolloutScene, RolloutStep } from '../../shared/controller/rollout';
import { startRollout, stepRollout, targetShare } from '../../shared/controller/rollout';
import type { Rollout, VersionsSlice } from '../../shared/controller/state';
import type { PoolGroup } from '../../shared/policy/groups';
import { NOW, V1, ordersSpec, poolGroup } from './groups';

const V2 = `sha256:${'2'.repeat(64)}`;
const v1 = { id: V1, images: { worker: `contoso.azurecr.io/worker:${V1}` } };
const v2 = { id: V2, images: { worker: `contoso.azurecr.io/worker@${V2}` } };

/** A worker pool without ports: a target is healthy once running for minReadySeconds (10 s). */
const worker = ordersSpec({ rollout: { maxSurgePercent: 25, minReadySeconds: 10 } });
/** A web pool with ports and no Traffic Manager: targets are probed over HTTP. */
const web = ordersSpec({
  group: {
    containers: [{ name: 'worker', image: `contoso.azurecr.io/worker:${V1}`, ports: [80] }],
  },
});
/** Behind Traffic Manager, with two canary steps. */
const tm = ordersSpec({
  group: {
    containers: [{ name: 'worker', image: `contoso.azurecr.io/worker:${V1}`, ports: [80] }],
  },
  trafficManager: { profile: 'orders-tm' },
  rollout: {
    canary: [
      { weightPercent: 10, bakeSeconds: 300 },
      { weightPercent: 50, bakeSeconds: 300 },
    ],
  },
});

const old = (n: number): PoolGroup[] => Array.from({ length: n }, (_, i) => poolGroup(i));
const target = (ordinal: number, phase: PoolGroup['phase'] = 'running', runningFor = 60_000) =>
  poolGroup(ordinal, phase, {
    version: V2,
    ...(phase === 'running' ? { runningSince: NOW - runningFor, fqdn: `t${ordinal}.test` } : {}),
    ...(phase === 'failed' ? { reason: 'InaccessibleImage' } : {}),
  });
const endpoint = (g: PoolGroup, monitorStatus: string): EndpointSnapshot => ({
  name: g.name,
  target: g.fqdn ?? '',
  weight: 1,
  enabled: true,
  monitorStatus,
});
const profileWith = (...endpoints: EndpointSnapshot[]): ProfileSnapshot => ({
  routingMethod: 'Weighted',
  ttlSeconds: 30,
  endpoints,
});

function rolling(spec: PoolSpec, changes: Partial<Rollout> = {}): VersionsSlice {
  const rollout = { ...startRollout(v2, v1, 'evt-2', spec, NOW - 60_000), ...changes };
  return { version: v1, specVersion: v1, rollout, badVersions: [], seenPushes: ['evt-2'] };
}

/** The whole step, as a case states it. */
function step(s: RolloutStep) {
  return {
    version: s.versions.version?.id,
    rollout: s.versions.rollout && {
      phase: s.versions.rollout.phase,
      step: s.versions.rollout.step,
    },
    lastRollout: s.versions.lastRollout && {
      outcome: s.versions.lastRollout.outcome,
      reason: s.versions.lastRollout.reason,
    },
    bad: s.versions.badVersions.map((b) => b.id),
    creates: s.creates,
    rollback: s.rollback,
    probe: s.probe.map((g) => g.name),
    retire: s.retire.map((g) => g.name),
    note: s.note,
  };
}

type Expected = ReturnType<typeof step>;

interface Case {
  label: string;
  versions: VersionsSlice;
  scene: Omit<RolloutScene, 'now' | 'probes' | 'profile'> & Partial<RolloutScene>;
  expected: Expected;
}

/** The rollout goes on in `phase`/`step`, creating `creates` and probing `probe`. */
function continuing(
  rollout: Expected['rollout'],
  creates: number,
  note: string,
  probe: string[] = [],
): Expected {
  const base = { version: V1, lastRollout: undefined, bad: [], rollback: undefined };
  return { ...base, rollout, creates, probe, retire: [], note };
}

/** The rollout committed: V2 is stable and `retire` leave traffic. */
function committed(reason: string, retire: string[], note: string): Expected {
  const lastRollout = { outcome: 'completed' as const, reason };
  return {
    version: V2,
    rollout: undefined,
    lastRollout,
    bad: [],
    creates: 0,
    rollback: undefined,
    probe: [],
    retire,
    note,
  };
}

/** The rollout rolled back: V1 stays, V2 is bad and its groups go. */
function rolledBack(reason: string): Expected {
  return {
    version: V1,
    rollout: undefined,
    lastRollout: { outcome: 'rolledBack' as const, reason },
    bad: [V2],
    creates: 0,
    rollback: { version: V2, reason },
    probe: [],
    retire: [],
    note: `rollout of ${V2} rolled back: ${reason}`,
  };
}

const bringUp = { phase: 'bringUp' as const, step: 0 };
const canaryAt = (index: number) => ({ phase: 'canary' as const, step: index });

describe('rollout steps: one iteration of a rollout', () => {
  const cases: Case[] = [
    {
      label: 'no rollout: nothing to do',
      versions: { version: v1, badVersions: [], seenPushes: [] },
      scene: { spec: worker, others: old(3), targets: [] },
      expected: { ...continuing(undefined, 0, ''), note: undefined },
    },
    {
      label: 'an empty pool commits at once: new groups start on the new version',
      versions: rolling(worker),
      scene: { spec: worker, others: [], targets: [] },
      expected: committed(
        'completed: the pool had no groups, new ones start on the new version',
        [],
        `rollout of ${V2}: nothing to replace`,
      ),
    },
    {
      label: 'bring-up starts maxSurgePercent of the groups (25 % of 4 = 1)',
      versions: rolling(worker),
      scene: { spec: worker, others: old(4), targets: [] },
      expected: continuing(bringUp, 1, `rollout of ${V2}: 0 of 4 new groups healthy`),
    },
    {
      label: 'bring-up waits while the surge is in flight',
      versions: rolling(worker),
      scene: { spec: worker, others: old(4), targets: [target(0, 'pending')] },
      expected: continuing(bringUp, 0, `rollout of ${V2}: 0 of 4 new groups healthy`),
    },
    {
      label: 'a worker target running for less than minReadySeconds is not healthy yet',
      versions: rolling(worker),
      scene: { spec: worker, others: old(1), targets: [target(0, 'running', 5000)] },
      expected: continuing(bringUp, 0, `rollout of ${V2}: 0 of 1 new groups healthy`),
    },
    {
      label: 'a running target with ports is probed until it answers',
      versions: rolling(web),
      scene: { spec: web, others: old(2), targets: [target(0), target(1, 'pending')] },
      expected: continuing(bringUp, 0, `rollout of ${V2}: 0 of 2 new groups healthy`, [
        target(0).name,
      ]),
    },
    {
      label: 'all targets up without canary steps: shift all traffic and retire the others',
      versions: rolling(web),
      scene: {
        spec: web,
        others: old(2),
        targets: [target(0), target(1)],
        probes: {
          [target(0).name]: { ok: true, at: NOW, detail: '200' },
          [target(1).name]: { ok: true, at: NOW, detail: '200' },
        },
      },
      expected: committed(
        'completed',
        old(2).map((g) => g.name),
        `rollout of ${V2}: shifting all traffic`,
      ),
    },
    {
      label: 'all targets Online behind Traffic Manager: the first canary step',
      versions: rolling(tm),
      scene: {
        spec: tm,
        others: old(1),
        targets: [target(0)],
        profile: profileWith(endpoint(target(0), 'Online')),
      },
      expected: continuing(canaryAt(0), 0, `rollout of ${V2}: healthy, canary step 1 at 10%`),
    },
    {
      label: 'a canary step bakes for its time, keeping the target in step with the pool',
      versions: rolling(tm, { phase: 'canary', step: 0, phaseSince: NOW - 100_000 }),
      scene: {
        spec: tm,
        others: old(2),
        targets: [target(0)],
        profile: profileWith(endpoint(target(0), 'Online')),
      },
      expected: continuing(canaryAt(0), 1, `rollout of ${V2}: canary at 10%`),
    },
    {
      label: 'a baked canary step moves to the next',
      versions: rolling(tm, { phase: 'canary', step: 0, phaseSince: NOW - 300_000 }),
      scene: {
        spec: tm,
        others: old(1),
        targets: [target(0)],
        profile: profileWith(endpoint(target(0), 'Online')),
      },
      expected: continuing(canaryAt(1), 0, `rollout of ${V2}: canary step 2 at 50%`),
    },
    {
      label: 'the last step baked with every target healthy: shift',
      versions: rolling(tm, { phase: 'canary', step: 1, phaseSince: NOW - 300_000 }),
      scene: {
        spec: tm,
        others: old(1),
        targets: [target(0)],
        profile: profileWith(endpoint(target(0), 'Online')),
      },
      expected: committed(
        'completed',
        old(1).map((g) => g.name),
        `rollout of ${V2}: shifting all traffic`,
      ),
    },
    {
      label: 'the last step baked but a target is not Online: wait',
      versions: rolling(tm, { phase: 'canary', step: 1, phaseSince: NOW - 300_000 }),
      scene: {
        spec: tm,
        others: old(2),
        targets: [target(0), target(1)],
        profile: profileWith(
          endpoint(target(0), 'Online'),
          endpoint(target(1), 'CheckingEndpoint'),
        ),
      },
      expected: continuing(
        canaryAt(1),
        0,
        `rollout of ${V2}: waiting for 2 healthy groups to shift`,
      ),
    },
    {
      label: 'a failed target rolls back and marks the digest bad',
      versions: rolling(worker),
      scene: { spec: worker, others: old(2), targets: [target(0), target(1, 'failed')] },
      expected: rolledBack(`group ${target(1).name}: InaccessibleImage`),
    },
    {
      label: 'a Degraded endpoint rolls back',
      versions: rolling(tm),
      scene: {
        spec: tm,
        others: old(1),
        targets: [target(0)],
        profile: profileWith(endpoint(target(0), 'Degraded')),
      },
      expected: rolledBack(
        `group ${target(0).name}: endpoint ${target(0).name} Degraded: health probes failing`,
      ),
    },
    {
      label: 'not healthy by the deadline: roll back, naming what was waited for',
      versions: rolling(worker, { deadline: NOW - 1 }),
      scene: { spec: worker, others: old(2), targets: [target(0), target(1, 'pending')] },
      expected: rolledBack(
        `1 of 2 new groups healthy after ${worker.rollout.healthyTimeoutSeconds} s (${target(1).name}: not running yet)`,
      ),
    },
  ];

  it.each(cases)('$label', ({ versions, scene, expected }) => {
    const now = { profile: undefined, probes: {}, now: NOW };
    expect(step(stepRollout(versions, { ...now, ...scene }))).toEqual(expected);
  });
});

describe('rollout steps: the target’s share of traffic', () => {
  it.each([
    { label: 'no rollout', versions: { badVersions: [], seenPushes: [] }, share: 0 },
    { label: 'bring-up: health checks only', versions: rolling(tm), share: 0 },
    { label: 'canary step 2', versions: rolling(tm, { phase: 'canary', step: 1 }), share: 50 },
  ])('$label: $share %', ({ versions, share }) => {
    expect(targetShare(versions, tm)).toBe(share);
  });
});

import { describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../shared/config/poolSpec';
import { startRollout } from '../../shared/controller/rollout';
import type { ScaleOutcome } from '../../shared/controller/scale';
import { capacityOf, learn, scaleTo } from '../../shared/controller/scale';
import type { Trigger } from '../../shared/controller/signal';
import type { ScaleSlice, SignalsSlice } from '../../shared/controller/state';
import { initialState } from '../../shared/controller/state';
import type { VersionsOutcome } from '../../shared/controller/versions';
import { noBackoff } from '../../shared/policy/backoff';
import type { Backoff } from '../../shared/policy/backoff';
import type { PoolGroup } from '../../shared/policy/groups';
import { NOW, lookAt, ordersSpec, poolGroup, v1, versionsWith } from './groups';

const fresh: ScaleSlice = initialState('orders').scale;
const iso = (ms: number) => new Date(ms).toISOString();

const depth = (active: number): Partial<SignalsSlice> => ({
  depth: { at: NOW, active, deadLetter: 0, scheduled: 0 },
});

/** The whole outcome but the policy memory (checked on its own below). */
function outcome(o: ScaleOutcome) {
  const { scale, victims, ...rest } = o;
  return { ...rest, victims: victims.map((v) => v.name), slice: scale.desired };
}

interface Case {
  label: string;
  spec?: PoolSpec;
  groups: PoolGroup[];
  signals?: Partial<SignalsSlice>;
  trigger?: Trigger;
  backoff?: Backoff;
  versions?: VersionsOutcome;
  expected: ReturnType<typeof outcome>;
}

const drainReason = (active: number, keep: string, drain: string, backlog: number, n: number) =>
  `drain: ${active} waiting, arrivals 0/s, 2/s per group, start-up 60 s: ${keep} to keep up + ${drain} to drain ${backlog} within 240 s = ${n}`;

describe('scale stage: the target count and what holds it back', () => {
  const three = [poolGroup(0), poolGroup(1), poolGroup(2)];
  const cases: Case[] = [
    {
      label: 'a backlog scales out at once: 1 running at 2/s, 1200 waiting → 3 groups',
      groups: [poolGroup(0)],
      signals: depth(1200),
      trigger: 'depth',
      // Backlog at start-up: 1200 − 2·60 = 1080, drained by 2/s per group within 240 s.
      expected: {
        desired: 3,
        reason: drainReason(1200, '0', '2.25', 1080, 3),
        holds: [],
        creates: 2,
        victims: [],
        backedOff: false,
        live: 1,
        running: 1,
        slice: 3,
      },
    },
    {
      label: 'scale-in waits for the scale-in tick',
      groups: three,
      signals: depth(0),
      trigger: 'depth',
      expected: {
        desired: 3,
        reason: `${drainReason(0, '0', '0', 0, 0)}; scale-in to 2: at most 1 removed per step`,
        holds: ['scale-in to 2 waits for the scale-in tick'],
        creates: 0,
        victims: [],
        backedOff: false,
        live: 3,
        running: 3,
        slice: 3,
      },
    },
    {
      label: 'on the tick, scale-in removes the youngest (ties: the higher ordinal)',
      groups: three,
      signals: depth(0),
      trigger: 'scaleIn',
      expected: {
        desired: 2,
        reason: `${drainReason(0, '0', '0', 0, 0)}; scale-in to 2: at most 1 removed per step`,
        holds: [],
        creates: 0,
        victims: [poolGroup(2).name],
        backedOff: false,
        live: 3,
        running: 3,
        slice: 2,
      },
    },
    {
      label: 'scale-in waits for a rollout to finish',
      groups: three,
      signals: depth(0),
      trigger: 'scaleIn',
      versions: versionsWith({
        versions: {
          version: v1,
          badVersions: [],
          seenPushes: [],
          rollout: startRollout({ id: 'v2', images: {} }, v1, 'e', ordersSpec(), NOW),
        },
      }),
      expected: {
        desired: 3,
        reason: `${drainReason(0, '0', '0', 0, 0)}; scale-in to 2: at most 1 removed per step`,
        holds: ['scale-in to 2 waits for the rollout'],
        creates: 0,
        victims: [],
        backedOff: false,
        live: 3,
        running: 3,
        slice: 3,
      },
    },
    {
      label: 'a manual override scales in at once, pending groups first',
      groups: [poolGroup(0), poolGroup(1), poolGroup(2, 'pending')],
      signals: { ...depth(5000), override: { count: 1, until: NOW + 600_000 } },
      trigger: 'depth',
      expected: {
        desired: 1,
        reason: `manual override: 1 group(s) until ${iso(NOW + 600_000)}`,
        holds: [],
        creates: 0,
        victims: [poolGroup(2).name, poolGroup(1).name],
        backedOff: false,
        live: 3,
        running: 2,
        slice: 1,
      },
    },
    {
      label: 'an override above maxGroups is capped',
      spec: ordersSpec({ maxGroups: 2 }),
      groups: [],
      signals: { override: { count: 50, until: NOW + 60_000 } },
      expected: {
        desired: 2,
        reason: `manual override: 2 group(s) until ${iso(NOW + 60_000)} (capped at maxGroups 2)`,
        holds: [],
        creates: 2,
        victims: [],
        backedOff: false,
        live: 0,
        running: 0,
        slice: 2,
      },
    },
    {
      label: 'a pool over a lowered maxGroups is cut at once; older versions go first',
      spec: ordersSpec({ maxGroups: 2 }),
      groups: [
        poolGroup(0, 'running', { version: '0.9', createdAt: NOW - 900_000 }),
        ...three.slice(1),
      ],
      signals: depth(100_000),
      trigger: 'depth',
      expected: {
        desired: 2,
        // 3 running drain 2·3·60 = 360 during start-up: 99 640 / (2·240) = 207.58 → 208.
        reason: `${drainReason(100_000, '0', '207.58', 99_640, 208)}, bounded to 2 by min 0/max 2`,
        holds: [],
        creates: 0,
        victims: [poolGroup(0, 'running', { version: '0.9' }).name],
        backedOff: false,
        live: 3,
        running: 3,
        slice: 2,
      },
    },
    {
      label: 'an unreadable queue holds the pool (KEDA-style fallback)',
      groups: three,
      signals: { ...depth(9999), depthFailures: 3, depthError: 'namespace unreachable' },
      expected: {
        desired: 3,
        reason: 'holding at 3: queue depth unreadable 3 times in a row (namespace unreachable)',
        holds: [],
        creates: 0,
        victims: [],
        backedOff: false,
        live: 3,
        running: 3,
        slice: 3,
      },
    },
    {
      label: 'no depth read yet: hold within the bounds',
      spec: ordersSpec({ minGroups: 2 }),
      groups: [],
      expected: {
        desired: 2,
        reason: 'holding at 2: no queue depth read yet',
        holds: [],
        creates: 2,
        victims: [],
        backedOff: false,
        live: 0,
        running: 0,
        slice: 2,
      },
    },
    {
      label: 'creates wait out a failure backoff',
      groups: [],
      signals: depth(2000),
      trigger: 'depth',
      backoff: { failures: 2, until: NOW + 30_000 },
      expected: {
        desired: 5,
        reason: drainReason(2000, '0', '4.17', 2000, 5),
        holds: [`creates held until ${iso(NOW + 30_000)} after 2 failure(s)`],
        creates: 0,
        victims: [],
        backedOff: true,
        live: 0,
        running: 0,
        slice: 5,
      },
    },
  ];

  it.each(cases)('$label', (c) => {
    const look = lookAt(c.spec ?? ordersSpec(), c.groups, { trigger: c.trigger ?? 'timer' });
    const signals = { ...initialState('orders').signals, ...c.signals };
    const result = scaleTo(fresh, look, {
      signals,
      backoff: c.backoff ?? noBackoff,
      versions: c.versions ?? versionsWith(),
    });
    expect(outcome(result)).toEqual(c.expected);
  });

  it('keda: an applied scale-out is recorded for the rate policies', () => {
    const spec = ordersSpec({ scaling: { mode: 'keda' } });
    const look = lookAt(spec, [poolGroup(0)], { trigger: 'depth' });
    const signals = { ...initialState('orders').signals, ...depth(37) };
    const result = scaleTo(fresh, look, { signals, backoff: noBackoff, versions: versionsWith() });
    // 1 → 5: the Pods policy (start 1 + 4) beats Percent (2); recorded as +4.
    expect({ creates: result.creates, events: result.scale.keda.scaleEvents }).toEqual({
      creates: 4,
      events: [{ at: NOW, delta: 4 }],
    });
  });
});

describe('scale stage: capacity', () => {
  const groups = [
    poolGroup(0),
    poolGroup(1, 'pending'),
    poolGroup(2, 'failed'),
    poolGroup(3, 'deleting'),
    poolGroup(4),
    poolGroup(5, 'running', { version: 'v2' }),
    poolGroup(6, 'running', { version: 'bad' }),
  ];
  it.each([
    { label: 'live groups only', versions: versionsWith(), expected: [0, 1, 4, 5, 6] },
    {
      label: 'not retiring ones, nor doomed versions',
      versions: versionsWith({
        retiring: [{ name: poolGroup(4).name, until: NOW }],
        doomed: new Set(['bad']),
      }),
      expected: [0, 1, 5],
    },
  ])('$label', ({ versions, expected }) => {
    expect(capacityOf(groups, versions).map((g) => g.ordinal)).toEqual(expected);
  });
});

describe('scale stage: learning from a look', () => {
  const learning = ordersSpec({ scaling: { mode: 'drain', startupSeconds: 60, learn: true } });
  it.each([
    {
      label: 'drain learns the readings with the groups running now, then the start-ups',
      spec: learning,
      expected: { startupSeconds: 45, last: { at: NOW, active: 70, ready: 3 } },
    },
    {
      label: 'keda keeps no estimates',
      spec: ordersSpec({ scaling: { mode: 'keda' } }),
      expected: {},
    },
  ])('$label', ({ spec, expected }) => {
    const look = lookAt(spec, [poolGroup(0), poolGroup(1), poolGroup(2)]);
    const readings = [
      { at: NOW - 15_000, active: 100, deadLetter: 0, scheduled: 0 },
      { at: NOW, active: 70, deadLetter: 0, scheduled: 0 },
    ];
    const learned = learn(fresh, { ...look, view: { ...look.view, startups: [45] } }, readings);
    const { startupSeconds, last } = learned.drain;
    expect({ ...(startupSeconds ? { startupSeconds } : {}), ...(last ? { last } : {}) }).toEqual(
      expected,
    );
  });
});

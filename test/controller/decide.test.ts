import { describe, expect, it } from 'vitest';
import type { GroupSnapshot } from '../../shared/azure/ports';
import type { PoolSpec } from '../../shared/config/poolSpec';
import type { Observation } from '../../shared/controller/activities';
import { decide } from '../../shared/controller/decide';
import { recordResults } from '../../shared/controller/plan';
import type { ControllerSignal, Trigger } from '../../shared/controller/signal';
import { receive } from '../../shared/controller/signals';
import type { ControllerState, GroupCounts } from '../../shared/controller/state';
import { initialState } from '../../shared/controller/state';
import type { StateParts } from './states';
import { groupCounts, observedFleet, stateWith } from './states';
import { ordersSpec } from './groups';
import { nextWakeAt, statusOf } from '../../shared/controller/status';
import { groupName, specVersion } from '../../shared/policy/version';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const V = '1.0';

/** The orders pool (drain, 2 msg/s per group, start-up 60 s, not learning), with overrides. */
const poolSpec = ordersSpec;

type Phase = 'running' | 'creating' | 'failed' | 'stopped';
/**
 * A group of the pool as Azure reports it, ordinal and phase chosen by the case: failed is a
 * failure for capacity, stopped one of the group itself.
 */
function group(ordinal: number, phase: Phase = 'running', version = V): GroupSnapshot {
  const name = groupName('orders', version, ordinal);
  return {
    name,
    tags: {
      'surge-pool': 'orders',
      'surge-version': version,
      'surge-created': new Date(NOW - 600_000).toISOString(),
    },
    provisioningState:
      phase === 'running' || phase === 'stopped'
        ? 'Succeeded'
        : phase === 'creating'
          ? 'Creating'
          : 'Failed',
    ...(phase === 'stopped'
      ? { instanceView: { state: 'Stopped', containers: [], events: [] } }
      : {}),
    ...(phase === 'running'
      ? {
          instanceView: {
            state: 'Running',
            containers: [
              {
                name: 'worker',
                image: 'w',
                state: 'Running',
                restartCount: 0,
                startTime: new Date(NOW - 500_000).toISOString(),
              },
            ],
            events: [],
          },
        }
      : phase === 'failed'
        ? {
            instanceView: {
              state: 'Pending',
              containers: [],
              events: [{ name: 'InsufficientCapacity.', message: 'no capacity', type: 'Warning' }],
            },
          }
        : {}),
  };
}

function observation(spec: PoolSpec, groups: GroupSnapshot[] | undefined): Observation {
  return {
    found: true,
    spec,
    specHash: 'test',
    ...(groups
      ? { groups }
      : { failure: { kind: 'throttled', code: 'TooManyRequests', message: 'slow down' } }),
    instanceViewsRead: (groups ?? []).filter((g) => g.instanceView).map((g) => g.name),
  };
}

function depth(active: number): ControllerSignal {
  return { kind: 'depth', at: NOW, active, deadLetter: 0, scheduled: 0 };
}

interface Case {
  label: string;
  spec?: PoolSpec;
  state?: StateParts;
  signal?: ControllerSignal;
  groups: GroupSnapshot[] | undefined;
  expected: { creates: string[]; deletes: string[]; desired: number | undefined; reason: RegExp };
}

/** Receives the case's signal, decides, and reports the parts a case checks. */
function run(c: Case) {
  const spec = c.spec ?? poolSpec();
  const base: ControllerState = stateWith(initialState('orders'), c.state ?? {});
  const received = receive(base, c.signal, NOW);
  const trigger: Trigger = c.signal?.kind ?? 'timer';
  const decided = decide(received.state, observation(spec, c.groups), trigger, NOW);
  return {
    creates: decided.actions.filter((a) => a.kind === 'create').map((a) => a.input.name),
    deletes: decided.actions
      .filter((a) => a.kind === 'delete')
      .map((a) => `${a.input.name} (${a.input.reason})`),
    desired: decided.state.scale.desired,
    reason:
      decided.decision?.reason ??
      decided.state.log.lastDecision?.reason ??
      decided.state.log.errors.at(-1)?.message ??
      '',
  };
}

const n = (ordinal: number, version = V) => groupName('orders', version, ordinal);

describe('decide', () => {
  const cases: Case[] = [
    {
      label: 'a burst fans out every create in one decision, with the lowest free names',
      signal: depth(1200),
      groups: [group(1)],
      // 1 running at 2/s, 1200 waiting, no arrivals: ceil(1080/(2·240)) = 3 groups → 2 creates.
      expected: {
        creates: [n(0), n(2)],
        deletes: [],
        desired: 3,
        reason: /^drain: 1200 waiting.*= 3$/,
      },
    },
    {
      label: 'a steady pool makes no writes',
      signal: depth(0),
      spec: poolSpec({ minGroups: 2 }),
      groups: [group(0), group(1)],
      expected: { creates: [], deletes: [], desired: 2, reason: /bounded to 2 by min 2/ },
    },
    {
      label: 'a failed group is deleted and replaced in the same decision',
      signal: depth(0),
      spec: poolSpec({ minGroups: 3 }),
      groups: [group(0), group(1), group(2, 'stopped')],
      expected: {
        creates: [n(3)],
        deletes: [`${n(2)} (failed: group stopped: its containers are no longer running)`],
        desired: 3,
        reason: /bounded to 3/,
      },
    },
    {
      label:
        'a group failed for capacity is deleted; its only site waits out 30 s before a replacement',
      signal: depth(0),
      spec: poolSpec({ minGroups: 3 }),
      groups: [group(0), group(1), group(2, 'failed')],
      expected: {
        creates: [],
        deletes: [`${n(2)} (failed: InsufficientCapacity.: no capacity)`],
        desired: 3,
        reason:
          /0 of 1 creates placed: westeurope unavailable until 2026-11-22T10:00:30.000Z after 1 capacity failure\(s\)$/,
      },
    },
    {
      label: 'scale-in waits for the scale-in tick',
      signal: depth(0),
      groups: [group(0), group(1), group(2), group(3)],
      expected: {
        creates: [],
        deletes: [],
        desired: 4,
        reason: /scale-in to 2 waits for the scale-in tick$/,
      },
    },
    {
      label: 'on the tick, scale-in removes the youngest, at most half per step',
      state: { signals: { depth: { at: NOW, active: 0, deadLetter: 0, scheduled: 0 } } },
      signal: { kind: 'scaleIn', at: NOW },
      groups: [group(0), group(1), group(2), group(3, 'creating')],
      expected: {
        creates: [],
        deletes: [`${n(3)} (scale-in)`, `${n(2)} (scale-in)`],
        desired: 2,
        reason: /at most 2 removed per step/,
      },
    },
    {
      label: 'a paused pool changes nothing, not even failed groups',
      state: {
        signals: {
          paused: { since: NOW - 1000 },
          depth: { at: NOW, active: 5000, deadLetter: 0, scheduled: 0 },
        },
      },
      groups: [group(0), group(1, 'failed')],
      expected: { creates: [], deletes: [], desired: 1, reason: /^paused/ },
    },
    {
      label: 'a manual override holds its count and scales in at once',
      signal: { kind: 'override', at: NOW, count: 1, seconds: 600 },
      state: { signals: { depth: { at: NOW, active: 5000, deadLetter: 0, scheduled: 0 } } },
      groups: [group(0), group(1), group(2)],
      expected: {
        creates: [],
        deletes: [`${n(2)} (scale-in)`, `${n(1)} (scale-in)`],
        desired: 1,
        reason: /^manual override: 1 group/,
      },
    },
    {
      label: 'an override above maxGroups is capped',
      signal: { kind: 'override', at: NOW, count: 50, seconds: 600 },
      spec: poolSpec({ maxGroups: 2 }),
      groups: [],
      expected: { creates: [n(0), n(1)], deletes: [], desired: 2, reason: /capped at maxGroups 2/ },
    },
    {
      label: 'foreign groups tagged for the pool are deleted',
      signal: depth(0),
      groups: [{ ...group(0), name: 'orders-by-hand' }],
      expected: {
        creates: [],
        deletes: [
          'orders-by-hand (foreign: tagged surge-pool=orders but not created by Surge (name or surge-version/surge-created tags do not match))',
        ],
        desired: 0,
        reason: /= 0$/,
      },
    },
    {
      label: 'creates wait out a failure backoff',
      state: { fleet: { backoff: { failures: 2, until: NOW + 30_000 } } },
      signal: depth(2000),
      groups: [],
      expected: {
        creates: [],
        deletes: [],
        desired: 5,
        reason: /creates held until 2026-11-22T10:00:30.000Z after 2 failure\(s\)$/,
      },
    },
    {
      label: 'an unreadable depth holds the pool (KEDA-style fallback)',
      state: {
        signals: {
          depth: { at: NOW, active: 9999, deadLetter: 0, scheduled: 0 },
          depthFailures: 3,
          depthError: 'namespace unreachable',
        },
      },
      groups: [group(0), group(1)],
      expected: {
        creates: [],
        deletes: [],
        desired: 2,
        reason: /holding at 2: queue depth unreadable 3 times in a row \(namespace unreachable\)/,
      },
    },
    {
      label: 'a pool over a lowered maxGroups is cut at once',
      signal: depth(100000),
      spec: poolSpec({ maxGroups: 2 }),
      groups: [group(0), group(1), group(2)],
      expected: {
        creates: [],
        deletes: [`${n(2)} (scale-in)`],
        desired: 2,
        reason: /bounded to 2/,
      },
    },
    {
      label: 'when listing fails nothing is written and the error is kept',
      signal: depth(5000),
      groups: undefined,
      expected: { creates: [], deletes: [], desired: undefined, reason: /^slow down$/ },
    },
    {
      label: 'old-version groups still count; new groups get the current version',
      signal: depth(1200),
      groups: [group(0, 'running', '0.9')],
      expected: { creates: [n(0), n(1)], deletes: [], desired: 3, reason: /= 3$/ },
    },
  ];

  it.each(cases)('$label', (c) => {
    const result = run(c);
    expect({ ...result, reason: undefined }).toEqual({ ...c.expected, reason: undefined });
    expect(result.reason).toMatch(c.expected.reason);
  });

  it('keeps the KEDA policy’s numbers: ceil(37 active / 5 per group) limited by the scale-up policy', () => {
    const spec = poolSpec({ scaling: { mode: 'keda' } });
    const state = receive(initialState('orders'), depth(37), NOW).state;
    const decided = decide(state, observation(spec, [group(0)]), 'depth', NOW);
    expect(decided.actions).toHaveLength(4); // 1 → 5: Pods policy (start 1 + 4) beats Percent (2)
    expect(decided.state.log.lastDecision?.reason).toMatch(
      /^keda: HPA: ceil\(37 active \/ 5 per group\) = 8, limited to 5/,
    );
  });

  it('learns start-up latency when a group it saw pending is running, and resets the backoff', () => {
    const spec = poolSpec({ scaling: { mode: 'drain', startupSeconds: 60 } });
    const pending = {
      ...group(0, 'creating'),
      tags: { ...group(0).tags, 'surge-created': new Date(NOW - 100_000).toISOString() },
    };
    const first = decide(
      stateWith(initialState('orders'), { fleet: { backoff: { failures: 1, until: 0 } } }),
      observation(spec, [pending]),
      'timer',
      NOW - 50_000,
    ).state;
    const up: GroupSnapshot = {
      ...pending,
      provisioningState: 'Succeeded',
      instanceView: {
        state: 'Running',
        containers: [
          {
            name: 'worker',
            image: 'w',
            state: 'Running',
            restartCount: 0,
            startTime: new Date(NOW - 55_000).toISOString(),
          },
        ],
        events: [],
      },
    };
    const second = decide(first, observation(spec, [up]), 'timer', NOW).state;
    expect({ startup: second.scale.drain.startupSeconds, backoff: second.fleet.backoff }).toEqual({
      startup: 45,
      backoff: { failures: 0, until: 0 },
    });
  });

  it('records failed creates in the status; from the second in a row creates back off, doubling', () => {
    const spec = poolSpec();
    const state = decide(
      receive(initialState('orders'), depth(1200), NOW).state,
      observation(spec, []),
      'depth',
      NOW,
    ).state;
    const action = {
      kind: 'create' as const,
      input: {
        pool: 'orders',
        name: n(0),
        version: specVersion(spec),
        createdAt: new Date(NOW).toISOString(),
      },
    };
    const failure = {
      ok: false as const,
      failure: {
        kind: 'capacity' as const,
        code: 'ServiceUnavailable',
        message: 'not available in the location',
      },
    };
    const once = recordResults(state, [action], [failure], NOW);
    const twice = recordResults(once, [action], [failure], NOW);
    const thrice = recordResults(twice, [action], [failure], NOW);
    expect([once.fleet.backoff, twice.fleet.backoff, thrice.fleet.backoff]).toEqual([
      { failures: 1, until: NOW },
      { failures: 2, until: NOW + 30_000 },
      { failures: 3, until: NOW + 60_000 },
    ]);
    expect(statusOf(twice, NOW).errors).toEqual([
      {
        at: '2026-11-22T10:00:00.000Z',
        during: `create ${n(0)}`,
        kind: 'capacity',
        code: 'ServiceUnavailable',
        message: 'not available in the location',
      },
      {
        at: '2026-11-22T10:00:00.000Z',
        during: `create ${n(0)}`,
        kind: 'capacity',
        code: 'ServiceUnavailable',
        message: 'not available in the location',
      },
    ]);
  });

  it.each([
    { label: 'never looked: now', state: {}, at: NOW },
    {
      label: 'groups being created: poll soon',
      state: {
        fleet: { spec: poolSpec() },
        plan: {
          counts: {
            running: 1,
            pending: 2,
            failed: 0,
            deleting: 0,
            foreign: 0,
            byVersion: {},
            bySite: {},
          },
        },
      },
      at: NOW + 10_000,
    },
    {
      label: 'steady: reconcile',
      state: {
        fleet: { spec: poolSpec() },
        plan: { counts: groupCounts({ running: 3 }) },
      },
      at: NOW + 300_000,
    },
    {
      label: 'an override ending first',
      state: {
        fleet: { spec: poolSpec() },
        signals: { override: { count: 1, until: NOW + 60_000 } },
      },
      at: NOW + 60_000,
    },
  ])('wakes on its own: $label', ({ state, at }: { state: StateParts; at: number }) => {
    expect(nextWakeAt(stateWith(initialState('orders'), state), NOW)).toBe(at);
  });
});

describe('judgeLook: whether a depth reading needs a look at the pool', () => {
  const steady: ControllerState = stateWith(initialState('orders'), {
    fleet: observedFleet(poolSpec(), NOW - 20_000),
    plan: {
      counts: groupCounts({ running: 3, byVersion: { [V]: 3 }, bySite: { westeurope: 3 } }),
    },
    scale: { drain: { ...initialState('orders').scale.drain, arrivalRate: 5 } },
  });
  const withReading = (s: ControllerState, active: number) => receive(s, depth(active), NOW);
  it.each([
    // 3 groups at 2/s keep up with 5/s (2.75 groups) and drain 100 within 240 s: no change, no
    // look (the third is busy 75 %: too busy to time-share).
    { label: 'a steady reading', state: steady, active: 100, look: false },
    { label: 'a reading that scales out', state: steady, active: 3000, look: true },
    {
      label: 'groups being created',
      state: stateWith(steady, {
        plan: { counts: { ...(steady.plan.counts as GroupCounts), pending: 1 } },
      }),
      active: 0,
      look: true,
    },
    {
      label: 'health due for a refresh',
      state: stateWith(steady, { fleet: { at: NOW - 61_000 } }),
      active: 0,
      look: true,
    },
    {
      label: 'a rollout in progress',
      state: stateWith(steady, {
        versions: {
          rollout: {
            target: { id: 'x', images: {} },
            from: { id: V, images: {} },
            eventId: 'e',
            startedAt: NOW,
            phase: 'bringUp' as const,
            phaseSince: NOW,
            step: 0,
            deadline: NOW + 1,
          },
        },
      }),
      active: 0,
      look: true,
    },
    { label: 'never looked yet', state: initialState('orders'), active: 0, look: true },
  ])('$label: look $look', ({ state, active, look }) => {
    expect(withReading(state, active).observe).toBe(look);
  });

  it.each([
    // The steady pool's 3 groups are what arrivals need: nothing to remove.
    {
      label: 'a tick with nothing to remove',
      state: stateWith(steady, {
        signals: { depth: { at: NOW, active: 0, deadLetter: 0, scheduled: 0 } },
      }),
      look: false,
    },
    {
      label: 'a tick when arrivals stopped',
      state: stateWith(steady, {
        signals: { depth: { at: NOW, active: 0, deadLetter: 0, scheduled: 0 } },
        scale: { drain: { ...steady.scale.drain, arrivalRate: 0 } },
      }),
      look: true,
    },
    {
      label: 'a tick inside the stabilization window of a higher recommendation',
      state: stateWith(steady, {
        signals: { depth: { at: NOW, active: 0, deadLetter: 0, scheduled: 0 } },
        scale: {
          drain: {
            ...steady.scale.drain,
            arrivalRate: 0,
            recommendations: [{ at: NOW - 60_000, desired: 3 }],
          },
        },
      }),
      look: false,
    },
  ])('$label: look $look', ({ state, look }) => {
    expect(receive(state, { kind: 'scaleIn', at: NOW }, NOW).observe).toBe(look);
  });

  it('records the recommendation of a skipped reading, for scale-in stabilization', () => {
    const { state } = withReading(steady, 0);
    expect(state.scale.drain.recommendations).toEqual([{ at: NOW, desired: 3 }]);
    expect(state.signals.unlearned).toHaveLength(1); // learned at the next look
  });
});

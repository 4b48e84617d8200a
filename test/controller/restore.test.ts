import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Observation } from '../../shared/controller/activities';
import { decide } from '../../shared/controller/decide';
import type { FlatState } from '../../shared/controller/restore';
import { restoreState } from '../../shared/controller/restore';
import type { Trigger } from '../../shared/controller/signal';
import type { ControllerState } from '../../shared/controller/state';
import { initialState } from '../../shared/controller/state';
import type { PoolStatus } from '../../shared/controller/status';
import { nextWakeAt, statusOf } from '../../shared/controller/status';
import { NOW, ordersSpec } from './groups';
import { stateWith } from './states';

const spec = ordersSpec();
const initial = initialState('orders');

describe('restoreState: the state a controller resumes with', () => {
  const observed = stateWith(initial, {
    fleet: { spec, specHash: 'h', at: NOW },
    signals: { depth: { at: NOW, active: 3, deadLetter: 0, scheduled: 0 } },
    log: { errors: [{ at: NOW, during: 'list groups', kind: 'transient', message: 'x' }] },
  });
  const cases: { label: string; stored: unknown; expected: ControllerState }[] = [
    { label: 'nothing carried over: a fresh state', stored: undefined, expected: initial },
    { label: 'not an object: a fresh state', stored: 'corrupt', expected: initial },
    {
      label: 'the current shape, through a JSON round trip',
      stored: JSON.parse(JSON.stringify(observed)),
      expected: observed,
    },
    {
      label: 'the current shape missing a field added since: filled with its initial value',
      stored: { ...initial, signals: { depthFailures: 2, unlearned: [] } },
      expected: stateWith(initial, { signals: { depthFailures: 2 } }),
    },
    {
      label: 'a flat 0.1 state that never looked: unobserved',
      stored: { pool: 'orders', depthFailures: 1, decisions: [], errors: [] } satisfies FlatState,
      expected: stateWith(initial, { signals: { depthFailures: 1 } }),
    },
    {
      label: 'a flat 0.1 state that looked: each field in its slice',
      stored: {
        pool: 'orders',
        spec,
        specHash: 'h',
        observedAt: NOW,
        dnsTtlSeconds: 30,
        backoff: { failures: 2, until: NOW + 30_000 },
        paused: { since: NOW - 1 },
        retiring: [{ name: 'orders-x-0', until: NOW }],
        desired: 4,
        drain: { ...initial.scale.drain, arrivalRate: 2 },
      } satisfies FlatState,
      expected: stateWith(initial, {
        fleet: {
          spec,
          specHash: 'h',
          at: NOW,
          dnsTtlSeconds: 30,
          backoff: { failures: 2, until: NOW + 30_000 },
        },
        signals: { paused: { since: NOW - 1 } },
        plan: { retiring: [{ name: 'orders-x-0', until: NOW }] },
        scale: { desired: 4, drain: { ...initial.scale.drain, arrivalRate: 2 } },
      }),
    },
  ];
  it.each(cases)('$label', ({ stored, expected }) => {
    expect(restoreState('orders', stored)).toEqual(expected);
  });
});

interface Recorded {
  readonly label: string;
  readonly source: string;
  readonly trigger: Trigger;
  readonly now: number;
  readonly state: FlatState & { readonly pool: string };
  readonly observation: Observation;
  readonly decided: { actions: unknown[]; status: PoolStatus; nextWakeAt: number };
}

/** States that running controllers of Surge 0.1 carried, with what 0.1 decided from them. */
const recorded = (
  JSON.parse(readFileSync(path.join(__dirname, 'fixtures', 'surge-0.1-states.json'), 'utf8')) as {
    records: Recorded[];
  }
).records;

/**
 * What 0.1 could have decided: the same result without what placement added since (a create's
 * site, the quota a delete frees, the status's sites, the counts by site), the status's read
 * turn (ARM read turns came later) and its running count of refused creates (telemetry came
 * later), which 0.1 had no notion of.
 */
function as01(decided: Recorded['decided']): Recorded['decided'] {
  const { sites: _sites, readTurnAt: _turn, createRefusals: _refusals, ...status } = decided.status;
  const groups = status.groups && (({ bySite: _bySite, ...rest }) => rest)(status.groups);
  const actions = decided.actions.map((a) => {
    const action = a as { kind: string; input: { site?: unknown; frees?: unknown } };
    if (action.kind !== 'create' && action.kind !== 'delete') return a;
    const { site: _site, frees: _frees, ...input } = action.input;
    return { ...action, input };
  });
  return { ...decided, actions, status: { ...status, groups } as PoolStatus };
}

describe('an upgrade from Surge 0.1: a running controller decides as it did', () => {
  it.each(recorded)('$label ($source)', (r) => {
    const decided = decide(restoreState(r.state.pool, r.state), r.observation, r.trigger, r.now);
    expect(
      as01({
        actions: [...decided.actions],
        status: statusOf(decided.state, r.now),
        nextWakeAt: nextWakeAt(decided.state, r.now),
      }),
    ).toEqual(r.decided);
  });
});

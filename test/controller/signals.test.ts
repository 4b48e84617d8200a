import { describe, expect, it } from 'vitest';
import type { ControllerSignal, Push } from '../../shared/controller/signal';
import type { Received } from '../../shared/controller/signals';
import {
  expireOverride,
  receive,
  takePushes,
  takeReadings,
  withDepth,
  withDepthFailure,
} from '../../shared/controller/signals';
import type { SignalsSlice } from '../../shared/controller/state';
import { initialState } from '../../shared/controller/state';
import type { StateParts } from './states';
import { observedFleet, stateWith } from './states';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const reading = (active: number, at = NOW) => ({ at, active, deadLetter: 0, scheduled: 0 });
const push = (eventId: string): Push => ({
  eventId,
  registry: 'contoso.azurecr.io',
  repository: 'worker',
  digest: `sha256:${'a'.repeat(64)}`,
});

/** What a case checks of receiving a signal: the whole signals slice and both choices. */
function received(r: Received) {
  return { signals: r.state.signals, observe: r.observe, readDepth: r.readDepth };
}

const empty: SignalsSlice = initialState('orders').signals;

describe('signals stage: receive folds a signal in and chooses whether to look', () => {
  const cases: {
    label: string;
    state?: StateParts;
    signal: ControllerSignal | undefined;
    expected: ReturnType<typeof received>;
  }[] = [
    {
      label: 'its own timer looks',
      signal: undefined,
      expected: { signals: empty, observe: true, readDepth: false },
    },
    {
      label: 'a reading before the first look is kept and looks',
      signal: { kind: 'depth', ...reading(40) },
      expected: {
        signals: { ...empty, depth: reading(40), unlearned: [reading(40)] },
        observe: true,
        readDepth: false,
      },
    },
    {
      label: 'a reading clears a depth error',
      state: { signals: { depthFailures: 2, depthError: 'unreachable' } },
      signal: { kind: 'depth', ...reading(5) },
      expected: {
        signals: { ...empty, depth: reading(5), unlearned: [reading(5)] },
        observe: true,
        readDepth: false,
      },
    },
    {
      label: 'a failed read counts and does not look',
      state: { signals: { depthFailures: 1 } },
      signal: { kind: 'depthFailed', at: NOW, error: 'namespace unreachable' },
      expected: {
        signals: { ...empty, depthFailures: 2, depthError: 'namespace unreachable' },
        observe: false,
        readDepth: false,
      },
    },
    {
      label: 'a wake looks and reads the depth first',
      signal: { kind: 'wake', at: NOW, source: 'eventgrid' },
      expected: { signals: empty, observe: true, readDepth: true },
    },
    {
      label: 'a wake 3 s after a look and a reading is coalesced into them: no read, no look',
      state: {
        fleet: observedFleet(undefined, NOW - 3000),
        signals: { depth: reading(7, NOW - 3000) },
      },
      signal: { kind: 'wake', at: NOW, source: 'eventgrid' },
      expected: {
        signals: { ...empty, depth: reading(7, NOW - 3000) },
        observe: false,
        readDepth: false,
      },
    },
    {
      label: 'a wake 5 s after them reads and looks again',
      state: {
        fleet: observedFleet(undefined, NOW - 5000),
        signals: { depth: reading(7, NOW - 5000) },
      },
      signal: { kind: 'wake', at: NOW, source: 'eventgrid' },
      expected: {
        signals: { ...empty, depth: reading(7, NOW - 5000) },
        observe: true,
        readDepth: true,
      },
    },
    {
      label: 'a push waits for the look, which needs the spec',
      signal: { kind: 'push', at: NOW, push: push('e1') },
      expected: {
        signals: { ...empty, pendingPushes: [push('e1')] },
        observe: true,
        readDepth: false,
      },
    },
    {
      label: 'at most 20 pushes wait (a paused pool keeps receiving them)',
      state: { signals: { pendingPushes: Array.from({ length: 20 }, (_, i) => push(`e${i}`)) } },
      signal: { kind: 'push', at: NOW, push: push('e20') },
      expected: {
        signals: {
          ...empty,
          pendingPushes: Array.from({ length: 20 }, (_, i) => push(`e${i + 1}`)),
        },
        observe: true,
        readDepth: false,
      },
    },
    {
      label: 'a tick before the first look looks',
      signal: { kind: 'scaleIn', at: NOW },
      expected: { signals: empty, observe: true, readDepth: false },
    },
    {
      label: 'a pause is recorded with its reason and does not look',
      signal: { kind: 'pause', at: NOW, reason: 'incident 42' },
      expected: {
        signals: { ...empty, paused: { since: NOW, reason: 'incident 42' } },
        observe: false,
        readDepth: false,
      },
    },
    {
      label: 'a resume ends the pause and looks',
      state: { signals: { paused: { since: NOW - 1000 } } },
      signal: { kind: 'resume', at: NOW },
      expected: { signals: empty, observe: true, readDepth: false },
    },
    {
      label: 'an override holds a whole, non-negative count for its seconds',
      signal: { kind: 'override', at: NOW, count: 2.7, seconds: 600, reason: 'load test' },
      expected: {
        signals: { ...empty, override: { count: 2, until: NOW + 600_000, reason: 'load test' } },
        observe: true,
        readDepth: false,
      },
    },
    {
      label: 'a negative override count holds zero',
      signal: { kind: 'override', at: NOW, count: -3, seconds: 60 },
      expected: {
        signals: { ...empty, override: { count: 0, until: NOW + 60_000 } },
        observe: true,
        readDepth: false,
      },
    },
    {
      label: 'clearing an override looks',
      state: { signals: { override: { count: 4, until: NOW + 1000 } } },
      signal: { kind: 'clearOverride', at: NOW },
      expected: { signals: empty, observe: true, readDepth: false },
    },
  ];

  it.each(cases)('$label', ({ state, signal, expected }) => {
    const base = stateWith(initialState('orders'), state ?? {});
    expect(received(receive(base, signal, NOW))).toEqual(expected);
  });
});

describe('signals stage: a look put off for the pool turn at the ARM read budget', () => {
  const due = (at: number, trigger: 'depth' | 'scaleIn' | 'timer') => ({
    signals: { lookDue: { at, trigger } },
  });
  const cases: {
    label: string;
    state: StateParts;
    signal: ControllerSignal | undefined;
    expected: { lookDue: SignalsSlice['lookDue']; observe: boolean; trigger: string };
  }[] = [
    {
      label: 'before the turn, a reading that calls for a look does not look',
      state: due(NOW + 6000, 'depth'),
      signal: { kind: 'depth', ...reading(40) },
      expected: { lookDue: { at: NOW + 6000, trigger: 'depth' }, observe: false, trigger: 'depth' },
    },
    {
      label: 'before the turn, a scale-in tick is kept for it',
      state: due(NOW + 6000, 'depth'),
      signal: { kind: 'scaleIn', at: NOW },
      expected: {
        lookDue: { at: NOW + 6000, trigger: 'scaleIn' },
        observe: false,
        trigger: 'scaleIn',
      },
    },
    {
      label: 'at the turn, the timer looks for the tick kept',
      state: due(NOW, 'scaleIn'),
      signal: undefined,
      expected: { lookDue: { at: NOW, trigger: 'scaleIn' }, observe: true, trigger: 'scaleIn' },
    },
    {
      label: 'after the turn, a wake looks whatever it says, still for the tick kept',
      state: due(NOW - 1000, 'scaleIn'),
      signal: { kind: 'push', at: NOW, push: push('e1') },
      expected: {
        lookDue: { at: NOW - 1000, trigger: 'scaleIn' },
        observe: true,
        trigger: 'scaleIn',
      },
    },
    {
      label: 'after the turn, a later purpose replaces one that is not a tick',
      state: due(NOW - 1000, 'timer'),
      signal: { kind: 'depth', ...reading(40) },
      expected: { lookDue: { at: NOW - 1000, trigger: 'timer' }, observe: true, trigger: 'depth' },
    },
  ];
  it.each(cases)('$label', ({ state, signal, expected }) => {
    const r = receive(stateWith(initialState('orders'), state), signal, NOW);
    expect({ lookDue: r.state.signals.lookDue, observe: r.observe, trigger: r.trigger }).toEqual(
      expected,
    );
  });
});

describe('signals stage: what a look takes from the slice', () => {
  const waiting: SignalsSlice = {
    ...empty,
    depth: reading(7),
    unlearned: [reading(9, NOW - 15_000), reading(7)],
    pendingPushes: [push('e1')],
    override: { count: 3, until: NOW },
  };
  const cases: { label: string; run: () => unknown; expected: unknown }[] = [
    {
      label: 'an override whose time is up is dropped',
      run: () => expireOverride(waiting, NOW),
      expected: { ...waiting, override: undefined },
    },
    {
      label: 'an override with time left stays',
      run: () => expireOverride(waiting, NOW - 1),
      expected: waiting,
    },
    {
      label: 'the readings not yet learned are handed over, the newest reading stays',
      run: () => takeReadings(waiting),
      expected: {
        signals: { ...waiting, unlearned: [] },
        readings: [reading(9, NOW - 15_000), reading(7)],
      },
    },
    {
      label: 'the waiting pushes are handed over',
      run: () => takePushes(waiting),
      expected: { signals: { ...waiting, pendingPushes: [] }, pushes: [push('e1')] },
    },
  ];
  it.each(cases)('$label', ({ run, expected }) => {
    expect(run()).toEqual(expected);
  });
});

describe('signals stage: direct depth reads', () => {
  it('a read keeps only the reading fields, bounded to 20 unlearned', () => {
    const full = stateWith(initialState('orders'), {
      signals: { unlearned: Array.from({ length: 20 }, (_, i) => reading(i, NOW - 20_000 + i)) },
    });
    const extra = { ...reading(99), entity: 'orders' } as ReturnType<typeof reading>;
    const { signals } = withDepth(full, extra);
    expect({ depth: signals.depth, unlearned: signals.unlearned.length }).toEqual({
      depth: reading(99),
      unlearned: 20,
    });
  });

  it('a failed read counts, and shows in the status log in Azure’s words', () => {
    const failure = { kind: 'throttled' as const, code: 'TooManyRequests', message: 'slow down' };
    const next = withDepthFailure(initialState('orders'), failure, NOW);
    expect({ signals: next.signals, errors: next.log.errors }).toEqual({
      signals: { ...empty, depthFailures: 1, depthError: 'slow down' },
      errors: [{ at: NOW, during: 'read depth', ...failure }],
    });
  });
});

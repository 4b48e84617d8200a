import { describe, expect, it } from 'vitest';
import { poolSchema, type HpaRules, type KedaScaling } from '../../shared/config/poolSpec';
import {
  emptyKedaMemory,
  hpaReplicas,
  kedaDecide,
  periodStart,
  recordKedaScale,
  scaleDownLimit,
  scaleUpLimit,
  stabilize,
  type KedaDecision,
  type KedaInput,
  type KedaMemory,
  type ScaleEvent,
  type Stabilization,
  type TimedRecommendation,
} from '../../shared/policy/keda';

/** The one comparison of this file: the whole result, named by the case's label. */
function expectResult<T>(label: string, actual: T, expected: T): void {
  expect(actual, label).toStrictEqual(expected);
}

/** Decision time of the tables (2025-01-01T00:00:00Z); history lies before it. */
const NOW = 1_735_689_600_000;
/** The time `seconds` before NOW. */
const ago = (seconds: number): number => NOW - seconds * 1000;

/**
 * The `scaling` block exactly as the pool schema fills it in, so the tests exercise the defaults
 * Surge actually ships (messagesPerGroup 5, activation 0, tolerance 0.1, cooldown 300 s, HPA
 * behaviour defaults) rather than a copy of them.
 */
function kedaSpec(scaling: Record<string, unknown> = {}): KedaScaling {
  const pool = poolSchema.parse({
    name: 'p',
    serviceBus: { namespace: 'ns.servicebus.windows.net', queue: 'q' },
    azure: {
      subscriptionId: '00000000-0000-4000-8000-000000000000',
      resourceGroup: 'rg',
      location: 'westeurope',
    },
    group: { containers: [{ name: 'w', image: 'worker:1' }] },
    maxGroups: 100,
    scaling: { mode: 'keda', ...scaling },
  });
  if (pool.scaling.mode !== 'keda') throw new Error('expected keda scaling');
  return pool.scaling;
}

const DEFAULTS = kedaSpec();

type Policy = HpaRules['policies'][number];
const pods = (value: number, periodSeconds = 15): Policy => ({
  type: 'Pods',
  value,
  periodSeconds,
});
const percent = (value: number, periodSeconds = 15): Policy => ({
  type: 'Percent',
  value,
  periodSeconds,
});
const rules = (
  selectPolicy: HpaRules['selectPolicy'],
  policies: Policy[],
  stabilizationSeconds = 0,
): HpaRules => ({ selectPolicy, policies, stabilizationSeconds });
const rec = (at: number, replicas: number): TimedRecommendation => ({ at, replicas });
const ev = (at: number, delta: number): ScaleEvent => ({ at, delta });

describe('the shipped defaults', () => {
  it('are KEDA’s and the HPA’s', () => {
    expectResult('kedaScaling defaults', DEFAULTS, {
      mode: 'keda',
      messagesPerGroup: 5,
      activationMessages: 0,
      tolerance: 0.1,
      cooldownSeconds: 300,
      scaleUp: rules('Max', [pods(4), percent(100)], 0),
      scaleDown: rules('Max', [percent(100)], 300),
    });
  });
});

describe('hpaReplicas', () => {
  // One case per line: the table reads as a table.
  // prettier-ignore
  const cases: {
    label: string;
    current: number;
    usage: number;
    target: number;
    tolerance: number;
    expected: number;
  }[] = [
    // The milli-unit examples of the HPA's own tests (usage 8600m and targets 4400m, 2150m, 2900m).
    { label: 'anchor: 1 group, 8.6 / 4.4 → ratio 1.95 → 2', current: 1, usage: 8.6, target: 4.4, tolerance: 0.1, expected: 2 },
    { label: 'anchor: 3 groups, 8.6 / 2.15 → ratio 1.33 → ceil(4) = 4, not 5', current: 3, usage: 8.6, target: 2.15, tolerance: 0.1, expected: 4 },
    { label: 'anchor: 3 groups, 8.6 / 2.9 → ratio 0.99 within tolerance → 3', current: 3, usage: 8.6, target: 2.9, tolerance: 0.1, expected: 3 },
    { label: 'KEDA default: 37 active at 5 per group from 4 → ceil(7.4) = 8', current: 4, usage: 37, target: 5, tolerance: 0.1, expected: 8 },
    { label: 'at zero groups there is no ratio: ceil(37 / 5) = 8', current: 0, usage: 37, target: 5, tolerance: 0.1, expected: 8 },
    { label: 'at zero groups and empty queue: 0', current: 0, usage: 0, target: 5, tolerance: 0.1, expected: 0 },
    { label: 'empty queue with groups: ratio 0 → 0 (the minimum is applied later)', current: 4, usage: 0, target: 5, tolerance: 0.1, expected: 0 },
    { label: 'ratio exactly 1.1 is inside the band: 55 at 10 × 5 keeps 10', current: 10, usage: 55, target: 5, tolerance: 0.1, expected: 10 },
    { label: 'ratio exactly 0.9 is inside the band: 45 at 10 × 5 keeps 10', current: 10, usage: 45, target: 5, tolerance: 0.1, expected: 10 },
    { label: 'ratio 1.12 is outside: 56 at 10 × 5 → ceil(11.2) = 12', current: 10, usage: 56, target: 5, tolerance: 0.1, expected: 12 },
    { label: 'ratio 0.88 is outside: 44 at 10 × 5 → ceil(8.8) = 9', current: 10, usage: 44, target: 5, tolerance: 0.1, expected: 9 },
    { label: 'tolerance 0: any difference counts, 51 at 10 × 5 → 11', current: 10, usage: 51, target: 5, tolerance: 0, expected: 11 },
    { label: 'fractional target: 1 message at 0.3 per group → ceil(1000m / 300m) = 4', current: 1, usage: 1, target: 0.3, tolerance: 0.1, expected: 4 },
    { label: 'milli-units like k8s: 21 at 0.7 per group → 21000m / 700m = 30, not ceil(30.000000000000004) = 31', current: 1, usage: 21, target: 0.7, tolerance: 0.1, expected: 30 },
  ];
  it.each(cases)('$label', ({ label, current, usage, target, tolerance, expected }) => {
    expectResult(label, hpaReplicas(current, usage, target, tolerance), expected);
  });
});

describe('stabilize', () => {
  const cases: {
    label: string;
    current: number;
    recommendation: number;
    history: TimedRecommendation[];
    up: number;
    down: number;
    expected: Stabilization;
  }[] = [
    {
      label: 'no history: the recommendation itself (1 → 20)',
      current: 1,
      recommendation: 20,
      history: [],
      up: 0,
      down: 300,
      expected: { replicas: 20, upRecommendation: 20, downRecommendation: 20 },
    },
    {
      label: 'scale-down window keeps the highest of the last 300 s: 20 → 12, not 0',
      current: 20,
      recommendation: 0,
      history: [rec(ago(100), 12), rec(ago(50), 3)],
      up: 0,
      down: 300,
      expected: { replicas: 12, upRecommendation: 0, downRecommendation: 12 },
    },
    {
      label: 'a recent recommendation above current holds current (10, not 15)',
      current: 10,
      recommendation: 4,
      history: [rec(ago(60), 15)],
      up: 0,
      down: 300,
      expected: { replicas: 10, upRecommendation: 4, downRecommendation: 15 },
    },
    {
      label: 'a recommendation exactly 300 s old is out of the window',
      current: 20,
      recommendation: 0,
      history: [rec(ago(300), 20)],
      up: 0,
      down: 300,
      expected: { replicas: 0, upRecommendation: 0, downRecommendation: 0 },
    },
    {
      label: 'scale-up window 60 s takes the lowest: 4 → 6, not 20 (3 is 60 s old, out)',
      current: 4,
      recommendation: 20,
      history: [rec(ago(60), 3), rec(ago(59), 9), rec(ago(30), 6)],
      up: 60,
      down: 300,
      expected: { replicas: 6, upRecommendation: 6, downRecommendation: 20 },
    },
    {
      label: 'scale-up window 0 s ignores every earlier recommendation',
      current: 4,
      recommendation: 20,
      history: [rec(ago(1), 2)],
      up: 0,
      down: 0,
      expected: { replicas: 20, upRecommendation: 20, downRecommendation: 20 },
    },
  ];
  it.each(cases)('$label', ({ label, current, recommendation, history, up, down, expected }) => {
    expectResult(label, stabilize(current, recommendation, history, up, down, NOW), expected);
  });
});

describe('periodStart', () => {
  // One case per line: the table reads as a table.
  // prettier-ignore
  const cases: {
    label: string;
    current: number;
    events: ScaleEvent[];
    period: number;
    expected: number;
  }[] = [
    { label: 'no events: the period started at current', current: 8, events: [], period: 15, expected: 8 },
    { label: '+4 applied 10 s ago: 8 groups started the 15 s period at 4', current: 8, events: [ev(ago(10), 4)], period: 15, expected: 4 },
    { label: 'an event exactly one period old is not counted', current: 8, events: [ev(ago(15), 4)], period: 15, expected: 8 },
    { label: 'added and removed: 6 now, +3 and −1 within 60 s → 4', current: 6, events: [ev(ago(50), 3), ev(ago(5), -1)], period: 60, expected: 4 },
  ];
  it.each(cases)('$label', ({ label, current, events, period, expected }) => {
    expectResult(label, periodStart(current, events, period, NOW), expected);
  });
});

describe('scaleUpLimit', () => {
  const defaults = DEFAULTS.scaleUp;
  // The HPA without any behaviour (what KEDA creates when `advanced.horizontalPodAutoscalerConfig`
  // is absent) caps at max(2 × current, 4) instead: 4, 4, 6, 8, 20 for 1, 2, 3, 4, 10 groups.
  // The behaviour defaults Surge ships allow max(start + 4, 2 × start): more below 4 groups.
  // prettier-ignore
  const cases: {
    label: string;
    current: number;
    events: ScaleEvent[];
    rules: HpaRules;
    expected: number;
  }[] = [
    { label: 'defaults, 1 group: max(1 + 4, 1 × 2) = 5 (no-behaviour HPA: max(2, 4) = 4)', current: 1, events: [], rules: defaults, expected: 5 },
    { label: 'defaults, 2 groups: max(6, 4) = 6 (no-behaviour HPA: 4)', current: 2, events: [], rules: defaults, expected: 6 },
    { label: 'defaults, 3 groups: max(7, 6) = 7 (no-behaviour HPA: 6)', current: 3, events: [], rules: defaults, expected: 7 },
    { label: 'defaults, 4 groups: max(8, 8) = 8 (no-behaviour HPA: 8)', current: 4, events: [], rules: defaults, expected: 8 },
    { label: 'anchor: defaults, 10 groups: max(14, 20) = 20 (no-behaviour HPA: 20)', current: 10, events: [], rules: defaults, expected: 20 },
    { label: 'defaults, 0 groups: max(0 + 4, 0) = 4', current: 0, events: [], rules: defaults, expected: 4 },
    { label: 'select Min, 10 groups: min(14, 20) = 14', current: 10, events: [], rules: rules('Min', [pods(4), percent(100)]), expected: 14 },
    { label: 'select Disabled: no scale-up', current: 10, events: [], rules: rules('Disabled', [pods(4), percent(100)]), expected: 10 },
    { label: 'Percent rounds up: 50 % of 3 → ceil(4.5) = 5', current: 3, events: [], rules: rules('Max', [percent(50)]), expected: 5 },
    { label: 'Percent rounds up: 10 % of 3 → ceil(3.3) = 4', current: 3, events: [], rules: rules('Max', [percent(10)]), expected: 4 },
    { label: 'Percent in doubles like k8s: 10 % of 50 → ceil(55.00000000000001) = 56', current: 50, events: [], rules: rules('Max', [percent(10)]), expected: 56 },
    { label: 'period start: +4 10 s ago at 8 → from 4: max(8, 8) = 8, nothing more this period', current: 8, events: [ev(ago(10), 4)], rules: defaults, expected: 8 },
    { label: 'period start: the +4 was 15 s ago, out of the period → from 8: 16', current: 8, events: [ev(ago(15), 4)], rules: defaults, expected: 16 },
    { label: 'a removal in the period raises the start: 6 after −2 → from 8: 8 + 4 = 12', current: 6, events: [ev(ago(5), -2)], rules: rules('Max', [pods(4)]), expected: 12 },
    { label: 'never below current: +10 5 s ago with 2 Pods → start 0 + 2, held at 10', current: 10, events: [ev(ago(5), 10)], rules: rules('Max', [pods(2)]), expected: 10 },
    { label: 'per-policy periods, Max: 4 Pods/15 s from 8 = 12, 100 %/60 s from 4 = 8 → 12', current: 8, events: [ev(ago(30), 4)], rules: rules('Max', [pods(4, 15), percent(100, 60)]), expected: 12 },
    { label: 'per-policy periods, Min: min(12, 8) = 8', current: 8, events: [ev(ago(30), 4)], rules: rules('Min', [pods(4, 15), percent(100, 60)]), expected: 8 },
  ];
  it.each(cases)('$label', ({ label, current, events, rules: r, expected }) => {
    expectResult(label, scaleUpLimit(current, events, r, NOW), expected);
  });
});

describe('scaleDownLimit', () => {
  // prettier-ignore
  const cases: {
    label: string;
    current: number;
    events: ScaleEvent[];
    rules: HpaRules;
    expected: number;
  }[] = [
    { label: 'defaults, 100 % per 15 s from 10: floor(0) = 0, no limit', current: 10, events: [], rules: DEFAULTS.scaleDown, expected: 0 },
    { label: 'Percent rounds down: 50 % off 5 → floor(2.5) = 2', current: 5, events: [], rules: rules('Max', [percent(50)]), expected: 2 },
    { label: 'Percent rounds down: 10 % off 3 → floor(2.7) = 2', current: 3, events: [], rules: rules('Max', [percent(10)]), expected: 2 },
    { label: 'Percent in doubles like k8s: 80 % off 10 → floor(1.9999999999999996) = 1', current: 10, events: [], rules: rules('Max', [percent(80)]), expected: 1 },
    { label: 'select Max (largest change): 2 Pods → 8, 50 % → 5 → 5', current: 10, events: [], rules: rules('Max', [pods(2, 60), percent(50, 60)]), expected: 5 },
    { label: 'select Min (smallest change): max(8, 5) = 8', current: 10, events: [], rules: rules('Min', [pods(2, 60), percent(50, 60)]), expected: 8 },
    { label: 'select Disabled: no scale-down', current: 10, events: [], rules: rules('Disabled', [percent(100)]), expected: 10 },
    { label: 'period start: 5 after −5 30 s ago → from 10: 50 % → 5, nothing more this period', current: 5, events: [ev(ago(30), -5)], rules: rules('Max', [percent(50, 60)]), expected: 5 },
    { label: 'never above current: from 10 with 1 Pod → 9, held at 5', current: 5, events: [ev(ago(30), -5)], rules: rules('Max', [pods(1, 60)]), expected: 5 },
    { label: 'an addition in the period lowers the start: 8 after +4 → from 4: 4 − 1 = 3', current: 8, events: [ev(ago(10), 4)], rules: rules('Max', [pods(1, 60)]), expected: 3 },
    { label: 'never below zero: 3 Pods off 2 → 0', current: 2, events: [], rules: rules('Max', [pods(3)]), expected: 0 },
  ];
  it.each(cases)('$label', ({ label, current, events, rules: r, expected }) => {
    expectResult(label, scaleDownLimit(current, events, r, NOW), expected);
  });
});

describe('recordKedaScale', () => {
  const before: KedaMemory = {
    recommendations: [rec(ago(30), 8)],
    scaleEvents: [ev(ago(10), 4)],
    lastActiveAt: ago(30),
  };
  const slowDown = kedaSpec({ scaleDown: { policies: [pods(2, 60)] } });
  const cases: {
    label: string;
    memory: KedaMemory;
    spec: KedaScaling;
    from: number;
    to: number;
    expected: KedaMemory;
  }[] = [
    {
      label: 'a scale-up 8 → 12 is recorded as +4',
      memory: before,
      spec: DEFAULTS,
      from: 8,
      to: 12,
      expected: { ...before, scaleEvents: [ev(ago(10), 4), ev(NOW, 4)] },
    },
    {
      label: 'a scale-in 8 → 6 is recorded as −2',
      memory: before,
      spec: DEFAULTS,
      from: 8,
      to: 6,
      expected: { ...before, scaleEvents: [ev(ago(10), 4), ev(NOW, -2)] },
    },
    {
      label: 'KEDA’s activation 0 → 1 does not count against the HPA policies',
      memory: emptyKedaMemory,
      spec: DEFAULTS,
      from: 0,
      to: 1,
      expected: { recommendations: [], scaleEvents: [] },
    },
    {
      label: 'KEDA’s scale to zero 3 → 0 does not count either',
      memory: before,
      spec: DEFAULTS,
      from: 3,
      to: 0,
      expected: before,
    },
    {
      label: 'no change, no event',
      memory: before,
      spec: DEFAULTS,
      from: 8,
      to: 8,
      expected: before,
    },
    {
      label: 'events at or beyond the longest period (60 s, scale-down) are dropped',
      memory: {
        recommendations: [],
        scaleEvents: [ev(ago(61), 1), ev(ago(60), 2), ev(ago(59), -3)],
      },
      spec: slowDown,
      from: 5,
      to: 6,
      expected: { recommendations: [], scaleEvents: [ev(ago(59), -3), ev(NOW, 1)] },
    },
  ];
  it.each(cases)('$label', ({ label, memory, spec, from, to, expected }) => {
    expectResult(label, recordKedaScale(memory, spec, NOW, from, to), expected);
  });
});

describe('kedaDecide', () => {
  /** A decision input at NOW: default spec, minGroups 0, maxGroups 100, empty memory. */
  const input = (over: Partial<KedaInput> & Pick<KedaInput, 'current' | 'active'>): KedaInput => ({
    spec: DEFAULTS,
    now: NOW,
    minGroups: 0,
    maxGroups: 100,
    memory: emptyKedaMemory,
    ...over,
  });
  const cooling = (activeFor: number, active = 0, activation = 0): string =>
    `; KEDA cooldown: ${active} active ≤ activationMessages ${activation} for ${activeFor} s of cooldownSeconds 300 before zero`;
  const UP = '(4 Pods per 15 s, 100 Percent per 15 s, select Max)';

  const cases: { label: string; input: KedaInput; expected: KedaDecision }[] = [
    {
      label: 'KEDA activation from zero: 100 active → max(minGroups 0, 1) = 1',
      input: input({ current: 0, active: 100 }),
      expected: {
        desired: 1,
        reason:
          'KEDA activation: 100 active > activationMessages 0, scaling from zero to max(minGroups 0, 1) = 1',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: NOW },
      },
    },
    {
      label: 'KEDA activation from zero with minGroups 3 → 3',
      input: input({ current: 0, active: 1, minGroups: 3 }),
      expected: {
        desired: 3,
        reason:
          'KEDA activation: 1 active > activationMessages 0, scaling from zero to max(minGroups 3, 1) = 3',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: NOW },
      },
    },
    {
      label: 'at zero, 10 active is not above activation 10: stays at zero',
      input: input({ current: 0, active: 10, spec: kedaSpec({ activationMessages: 10 }) }),
      expected: {
        desired: 0,
        reason: 'KEDA: 10 active ≤ activationMessages 10, staying at zero',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [] },
      },
    },
    {
      label: 'at zero, 11 active is above activation 10: 1',
      input: input({ current: 0, active: 11, spec: kedaSpec({ activationMessages: 10 }) }),
      expected: {
        desired: 1,
        reason:
          'KEDA activation: 11 active > activationMessages 10, scaling from zero to max(minGroups 0, 1) = 1',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: NOW },
      },
    },
    {
      label: 'at zero, inactive, minGroups 2: KEDA restores the minimum',
      input: input({ current: 0, active: 0, minGroups: 2 }),
      expected: {
        desired: 2,
        reason: 'KEDA: 0 active ≤ activationMessages 0, scaling from zero to minGroups 2',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [] },
      },
    },
    {
      label: 'anchor: default behaviour, 10 groups, recommendation 50 → 20 (100 % per 15 s)',
      input: input({
        current: 10,
        active: 250,
        memory: { recommendations: [rec(ago(15), 10)], scaleEvents: [], lastActiveAt: ago(15) },
      }),
      expected: {
        desired: 20,
        reason: `HPA: ceil(250 active / 5 per group) = 50, limited to 20 by scale-up policy ${UP} from 10`,
        memory: {
          recommendations: [rec(ago(15), 10), rec(NOW, 50)],
          scaleEvents: [],
          lastActiveAt: NOW,
        },
      },
    },
    {
      label: 'maxGroups below the rate limit caps: 50 → 15',
      input: input({ current: 10, active: 250, maxGroups: 15 }),
      expected: {
        desired: 15,
        reason: 'HPA: ceil(250 active / 5 per group) = 50, capped at maxGroups 15',
        memory: {
          recommendations: [rec(NOW, 10), rec(NOW, 50)],
          scaleEvents: [],
          lastActiveAt: NOW,
        },
      },
    },
    {
      label: 'tolerance: 37 active on 8 groups is ratio 0.93, keeps 8',
      input: input({ current: 8, active: 37 }),
      expected: {
        desired: 8,
        reason: 'HPA: 37 active / (5 per group × 8) = 0.93 is within tolerance 0.1, keeping 8',
        memory: { recommendations: [rec(NOW, 8)], scaleEvents: [], lastActiveAt: NOW },
      },
    },
    {
      label: 'scale-down stabilization: 20 recommended 299 s ago holds 20 with an empty queue',
      input: input({
        current: 20,
        active: 0,
        memory: {
          recommendations: [rec(ago(299), 20), rec(ago(100), 12)],
          scaleEvents: [],
          lastActiveAt: ago(100),
        },
      }),
      expected: {
        desired: 20,
        reason: `HPA: ceil(0 active / 5 per group) = 0, stabilized to 20 (highest recommendation in the 300 s scale-down window: 20)${cooling(100)}`,
        memory: {
          recommendations: [rec(ago(299), 20), rec(ago(100), 12), rec(NOW, 0)],
          scaleEvents: [],
          lastActiveAt: ago(100),
        },
      },
    },
    {
      label: 'scale-down stabilization: 300 s later the 20 is out, 12 is the highest left',
      input: input({
        current: 20,
        active: 0,
        memory: {
          recommendations: [rec(ago(300), 20), rec(ago(100), 12)],
          scaleEvents: [],
          lastActiveAt: ago(100),
        },
      }),
      expected: {
        desired: 12,
        reason: `HPA: ceil(0 active / 5 per group) = 0, stabilized to 12 (highest recommendation in the 300 s scale-down window: 12)${cooling(100)}`,
        memory: {
          recommendations: [rec(ago(100), 12), rec(NOW, 0)],
          scaleEvents: [],
          lastActiveAt: ago(100),
        },
      },
    },
    {
      label: 'empty queue within the cooldown: the HPA goes to its minimum 1, not 0',
      input: input({
        current: 20,
        active: 0,
        memory: { recommendations: [rec(ago(301), 20)], scaleEvents: [], lastActiveAt: ago(200) },
      }),
      expected: {
        desired: 1,
        reason: `HPA: ceil(0 active / 5 per group) = 0, raised to the minimum max(minGroups 0, 1) = 1${cooling(200)}`,
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: ago(200) },
      },
    },
    {
      label: 'scale-down policy 2 Pods per 60 s: 20 → 18, not 10 (events older than 60 s pruned)',
      input: input({
        current: 20,
        active: 50,
        spec: kedaSpec({ scaleDown: { stabilizationSeconds: 0, policies: [pods(2, 60)] } }),
        memory: {
          recommendations: [],
          scaleEvents: [ev(ago(70), -2)],
          lastActiveAt: ago(15),
        },
      }),
      expected: {
        desired: 18,
        reason:
          'HPA: ceil(50 active / 5 per group) = 10, limited to 18 by scale-down policy (2 Pods per 60 s, select Max) from 20',
        memory: { recommendations: [rec(NOW, 10)], scaleEvents: [], lastActiveAt: NOW },
      },
    },
    {
      label: 'scale-down Disabled holds 20 with an empty queue',
      input: input({
        current: 20,
        active: 0,
        minGroups: 1,
        spec: kedaSpec({ scaleDown: { selectPolicy: 'Disabled' } }),
        memory: { recommendations: [rec(ago(400), 20)], scaleEvents: [], lastActiveAt: ago(400) },
      }),
      expected: {
        desired: 20,
        reason:
          'HPA: ceil(0 active / 5 per group) = 0, held at 20: scale-down is disabled (selectPolicy Disabled)',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: ago(400) },
      },
    },
    {
      label: 'scale-up stabilization 60 s: 6 recommended 30 s ago holds 4 → 6, not 20',
      input: input({
        current: 4,
        active: 100,
        spec: kedaSpec({ scaleUp: { stabilizationSeconds: 60 } }),
        memory: { recommendations: [rec(ago(30), 6)], scaleEvents: [], lastActiveAt: ago(30) },
      }),
      expected: {
        desired: 6,
        reason:
          'HPA: ceil(100 active / 5 per group) = 20, stabilized to 6 (lowest recommendation in the 60 s scale-up window: 6)',
        memory: {
          recommendations: [rec(ago(30), 6), rec(NOW, 20)],
          scaleEvents: [],
          lastActiveAt: NOW,
        },
      },
    },
    {
      label: 'scale-up select Min: 10 → min(14, 20) = 14',
      input: input({
        current: 10,
        active: 250,
        spec: kedaSpec({ scaleUp: { selectPolicy: 'Min' } }),
        memory: { recommendations: [rec(ago(15), 10)], scaleEvents: [], lastActiveAt: ago(15) },
      }),
      expected: {
        desired: 14,
        reason:
          'HPA: ceil(250 active / 5 per group) = 50, limited to 14 by scale-up policy (4 Pods per 15 s, 100 Percent per 15 s, select Min) from 10',
        memory: {
          recommendations: [rec(ago(15), 10), rec(NOW, 50)],
          scaleEvents: [],
          lastActiveAt: NOW,
        },
      },
    },
    {
      label: 'scale-up Disabled holds 10',
      input: input({
        current: 10,
        active: 250,
        spec: kedaSpec({ scaleUp: { selectPolicy: 'Disabled' } }),
        memory: { recommendations: [rec(ago(15), 10)], scaleEvents: [], lastActiveAt: ago(15) },
      }),
      expected: {
        desired: 10,
        reason:
          'HPA: ceil(250 active / 5 per group) = 50, held at 10: scale-up is disabled (selectPolicy Disabled)',
        memory: {
          recommendations: [rec(ago(15), 10), rec(NOW, 50)],
          scaleEvents: [],
          lastActiveAt: NOW,
        },
      },
    },
    {
      label: 'period start: +4 10 s ago, 8 groups → the 15 s allowance from 4 is used up',
      input: input({
        current: 8,
        active: 100,
        memory: {
          recommendations: [rec(ago(10), 20)],
          scaleEvents: [ev(ago(10), 4)],
          lastActiveAt: ago(10),
        },
      }),
      expected: {
        desired: 8,
        reason: `HPA: ceil(100 active / 5 per group) = 20, limited to 8 by scale-up policy ${UP} from 4 (this period’s allowance is used up)`,
        memory: {
          recommendations: [rec(NOW, 20)],
          scaleEvents: [ev(ago(10), 4)],
          lastActiveAt: NOW,
        },
      },
    },
    {
      label: 'KEDA cooldown: last active exactly 300 s ago → zero',
      input: input({
        current: 1,
        active: 0,
        memory: { recommendations: [rec(ago(15), 0)], scaleEvents: [], lastActiveAt: ago(300) },
      }),
      expected: {
        desired: 0,
        reason:
          'KEDA cooldown: 0 active ≤ activationMessages 0 for 300 s ≥ cooldownSeconds 300, scaling to zero',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: ago(300) },
      },
    },
    {
      label: 'KEDA cooldown: last active 299 s ago → the HPA keeps 1',
      input: input({
        current: 1,
        active: 0,
        memory: { recommendations: [rec(ago(15), 0)], scaleEvents: [], lastActiveAt: ago(299) },
      }),
      expected: {
        desired: 1,
        reason: `HPA: ceil(0 active / 5 per group) = 0, raised to the minimum max(minGroups 0, 1) = 1${cooling(299)}`,
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: ago(299) },
      },
    },
    {
      label: 'never active with groups running: KEDA scales to zero without a cooldown',
      input: input({ current: 3, active: 0 }),
      expected: {
        desired: 0,
        reason:
          'KEDA: 0 active ≤ activationMessages 0 and never active, scaling to zero without a cooldown',
        memory: { recommendations: [rec(NOW, 3), rec(NOW, 0)], scaleEvents: [] },
      },
    },
    {
      label: 'minGroups 2: no scale to zero, the HPA governs down to 2',
      input: input({
        current: 3,
        active: 0,
        minGroups: 2,
        memory: { recommendations: [rec(ago(400), 3)], scaleEvents: [], lastActiveAt: ago(1000) },
      }),
      expected: {
        desired: 2,
        reason:
          'HPA: ceil(0 active / 5 per group) = 0, raised to the minimum max(minGroups 2, 1) = 2',
        memory: { recommendations: [rec(NOW, 0)], scaleEvents: [], lastActiveAt: ago(1000) },
      },
    },
    {
      label: 'activation 10 with groups running: 10 active is inactive, but the HPA sizes for it',
      input: input({
        current: 1,
        active: 10,
        spec: kedaSpec({ activationMessages: 10 }),
        memory: { recommendations: [rec(ago(15), 1)], scaleEvents: [], lastActiveAt: ago(60) },
      }),
      expected: {
        desired: 2,
        reason: `HPA: ceil(10 active / 5 per group) = 2${cooling(60, 10, 10)}`,
        memory: {
          recommendations: [rec(ago(15), 1), rec(NOW, 2)],
          scaleEvents: [],
          lastActiveAt: ago(60),
        },
      },
    },
    {
      label: 'above maxGroups: straight to maxGroups, no recommendation recorded',
      input: input({ current: 25, active: 500, maxGroups: 20 }),
      expected: {
        desired: 20,
        reason: 'HPA: current 25 is above maxGroups 20, scaling to 20',
        memory: { recommendations: [rec(NOW, 25)], scaleEvents: [], lastActiveAt: NOW },
      },
    },
    {
      label: 'below minGroups: straight to the minimum',
      input: input({ current: 1, active: 0, minGroups: 3 }),
      expected: {
        desired: 3,
        reason: 'HPA: current 1 is below the minimum max(minGroups 3, 1) = 3, scaling to 3',
        memory: { recommendations: [rec(NOW, 1)], scaleEvents: [] },
      },
    },
    {
      label: 'empty memory seeds the current count: 10 groups do not drop at once',
      input: input({ current: 10, active: 0, minGroups: 1 }),
      expected: {
        desired: 10,
        reason:
          'HPA: ceil(0 active / 5 per group) = 0, stabilized to 10 (highest recommendation in the 300 s scale-down window: 10)',
        memory: { recommendations: [rec(NOW, 10), rec(NOW, 0)], scaleEvents: [] },
      },
    },
    {
      label: 'memory pruned: stale and duplicate recommendations, events beyond 15 s',
      input: input({
        current: 5,
        active: 25,
        memory: {
          recommendations: [rec(ago(400), 9), rec(ago(200), 5), rec(ago(100), 7)],
          scaleEvents: [ev(ago(20), 1), ev(ago(14), 1)],
          lastActiveAt: ago(15),
        },
      }),
      expected: {
        desired: 5,
        reason: 'HPA: 25 active / (5 per group × 5) = 1 is within tolerance 0.1, keeping 5',
        memory: {
          recommendations: [rec(ago(100), 7), rec(NOW, 5)],
          scaleEvents: [ev(ago(14), 1)],
          lastActiveAt: NOW,
        },
      },
    },
  ];
  it.each(cases)('$label', ({ label, input: i, expected }) => {
    expectResult(label, kedaDecide(i), expected);
  });
});

describe('scenarios (a decision every 15 s, each applied at once)', () => {
  /**
   * Runs one decision per 15 s tick from t = 0, applies the desired count straight away and
   * records it, the way the pool controller does; returns one line per tick.
   */
  function simulate(
    spec: KedaScaling,
    pool: { minGroups: number; maxGroups: number; start: number },
    depths: readonly number[],
  ): string[] {
    let memory: KedaMemory = emptyKedaMemory;
    let current = pool.start;
    return depths.map((active, tick) => {
      const now = NOW + tick * 15_000;
      const d = kedaDecide({ spec, now, current, active, memory, ...pool });
      memory = recordKedaScale(d.memory, spec, now, current, d.desired);
      const line = `${tick * 15} s: ${active} active, ${current} → ${d.desired}`;
      current = d.desired;
      return line;
    });
  }
  const repeat = (value: number, times: number): number[] => Array<number>(times).fill(value);

  const cases: {
    label: string;
    spec: KedaScaling;
    pool: { minGroups: number; maxGroups: number; start: number };
    depths: number[];
    expected: string[];
  }[] = [
    {
      // 0 → 1 is KEDA's jump; then 5 (1 + 4 Pods), 10 and 20 (100 %) every 15 s. The depth falls
      // from t = 60 s but the 300 s scale-down window holds 20 until the last 20 (t = 45 s) leaves
      // it at t = 345 s; then 12, 6, 2 follow the recommendations of t = 60, 75, 90 s, and the
      // cooldown (last active t = 90 s) takes the pool to zero at t = 390 s.
      label: 'burst of 100 at t = 0, drained from t = 60 s, defaults',
      spec: DEFAULTS,
      pool: { minGroups: 0, maxGroups: 100, start: 0 },
      depths: [...repeat(100, 4), 60, 30, 10, ...repeat(0, 21)],
      expected: [
        '0 s: 100 active, 0 → 1',
        '15 s: 100 active, 1 → 5',
        '30 s: 100 active, 5 → 10',
        '45 s: 100 active, 10 → 20',
        '60 s: 60 active, 20 → 20',
        '75 s: 30 active, 20 → 20',
        '90 s: 10 active, 20 → 20',
        ...Array.from({ length: 16 }, (_, i) => `${105 + i * 15} s: 0 active, 20 → 20`),
        '345 s: 0 active, 20 → 12',
        '360 s: 0 active, 12 → 6',
        '375 s: 0 active, 6 → 2',
        '390 s: 0 active, 2 → 0',
        '405 s: 0 active, 0 → 0',
      ],
    },
    {
      // 46..54 messages on 10 groups stays within ±10 % of 5 per group; 80 is ratio 1.6 → 16.
      label: 'steady load inside the tolerance band, then a rise',
      spec: DEFAULTS,
      pool: { minGroups: 1, maxGroups: 100, start: 10 },
      depths: [50, 54, 46, 52, 80, 80],
      expected: [
        '0 s: 50 active, 10 → 10',
        '15 s: 54 active, 10 → 10',
        '30 s: 46 active, 10 → 10',
        '45 s: 52 active, 10 → 10',
        '60 s: 80 active, 10 → 16',
        '75 s: 80 active, 16 → 16',
      ],
    },
    {
      // The fresh memory is seeded with 12, which the 60 s window holds until t = 60 s; then
      // 2 Pods per 60 s: one step of 2 per period, counted from the period start.
      label: 'scale-down 2 Pods per 60 s with a 60 s window, minGroups 2, empty queue',
      spec: kedaSpec({ scaleDown: { stabilizationSeconds: 60, policies: [pods(2, 60)] } }),
      pool: { minGroups: 2, maxGroups: 100, start: 12 },
      depths: repeat(0, 23),
      expected: [
        ...[0, 15, 30, 45].map((t) => `${t} s: 0 active, 12 → 12`),
        '60 s: 0 active, 12 → 10',
        ...[75, 90, 105].map((t) => `${t} s: 0 active, 10 → 10`),
        '120 s: 0 active, 10 → 8',
        ...[135, 150, 165].map((t) => `${t} s: 0 active, 8 → 8`),
        '180 s: 0 active, 8 → 6',
        ...[195, 210, 225].map((t) => `${t} s: 0 active, 6 → 6`),
        '240 s: 0 active, 6 → 4',
        ...[255, 270, 285].map((t) => `${t} s: 0 active, 4 → 4`),
        '300 s: 0 active, 4 → 2',
        '315 s: 0 active, 2 → 2',
        '330 s: 0 active, 2 → 2',
      ],
    },
  ];
  it.each(cases)('$label', ({ label, spec, pool, depths, expected }) => {
    expectResult(label, simulate(spec, pool, depths), expected);
  });
});

import { describe, expect, it } from 'vitest';
import type { DrainScaling } from '../../shared/config/poolSpec';
import type { DrainMemory } from '../../shared/policy/drain';
import {
  HOLD_REGRET_HALF_LIFE_MS,
  drainDecide,
  emptyDrainMemory,
  holdSeconds,
  observeDepth,
  observeStartup,
  timeShare,
} from '../../shared/policy/drain';

const T0 = Date.parse('2026-11-22T10:00:00Z');

/**
 * The spec defaults, with μ = 2/s configured, the HPA-style window of Surge 0.1 and without
 * time-sharing (the formula's own cases; time-sharing has its cases below).
 */
const spec: DrainScaling = {
  mode: 'drain',
  targetDrainSeconds: 300,
  messagesPerSecondPerGroup: 2,
  startupSeconds: 60,
  learn: true,
  learningRate: 0.3,
  headroom: 0.1,
  activationMessages: 0,
  predictRecurringBursts: true,
  timeShareTopGroup: false,
  baselineMessagesPerSecond: 0,
  arrivalWindowSeconds: 120,
  arrivalHalfLifeSeconds: 300,
  scaleInStabilizationSeconds: 300,
  scaleInMaxFraction: 0.5,
};

interface Case {
  label: string;
  live: number;
  ready: number;
  active: number | undefined;
  memory?: Partial<DrainMemory>;
  spec?: Partial<DrainScaling>;
  min?: number;
  max?: number;
  desired: number;
  reason: string;
}

/** Runs drainDecide and returns the parts a case checks, so whole results are compared. */
function decideCase(c: Case): { desired: number; reason: string } {
  const d = drainDecide({
    spec: { ...spec, ...c.spec },
    now: T0,
    live: c.live,
    ready: c.ready,
    active: c.active,
    minGroups: c.min ?? 0,
    maxGroups: c.max ?? 100,
    memory: { ...emptyDrainMemory, ...c.memory },
  });
  return { desired: d.desired, reason: d.reason };
}

describe('drainDecide', () => {
  const cases: Case[] = [
    {
      label: 'README worked example: 1200 waiting, 4/s arriving, 2/s per group, 1 running',
      live: 1,
      ready: 1,
      active: 1200,
      memory: { arrivalRate: 4 },
      desired: 5,
      reason:
        'drain: 1200 waiting, arrivals 4/s, 2/s per group, start-up 60 s: 2.2 to keep up + 2.75 to drain 1320 within 240 s = 5',
    },
    {
      label: 'no depth read yet holds the pool',
      live: 3,
      ready: 3,
      active: undefined,
      desired: 3,
      reason: 'no queue depth read yet: holding',
    },
    {
      label: 'an idle pool at zero stays at zero',
      live: 0,
      ready: 0,
      active: 0,
      desired: 0,
      reason:
        'drain: 0 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 0 within 240 s = 0',
    },
    {
      label: 'below the activation threshold a pool at zero stays at zero',
      live: 0,
      ready: 0,
      active: 4,
      spec: { activationMessages: 5 },
      desired: 0,
      reason:
        'drain: 4 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0.01 to drain 4 within 240 s = 0',
    },
    {
      label: 'one message wakes a pool at zero',
      live: 0,
      ready: 0,
      active: 1,
      desired: 1,
      reason:
        'drain: 1 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 1 within 240 s = 1',
    },
    {
      label: 'an empty queue with steady arrivals keeps what arrivals need',
      live: 8,
      ready: 8,
      active: 0,
      memory: { arrivalRate: 10 },
      desired: 6,
      reason:
        'drain: 0 waiting, arrivals 10/s, 2/s per group, start-up 60 s: 5.5 to keep up + 0 to drain 0 within 240 s = 6',
    },
    {
      label: 'arrivals under one per drain target count as none',
      live: 1,
      ready: 1,
      active: 0,
      memory: { arrivalRate: 0.003 },
      desired: 0,
      reason:
        'drain: 0 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 0 within 240 s = 0',
    },
    {
      label: 'start-up longer than the target aims for one more start-up time',
      live: 0,
      ready: 0,
      active: 480,
      spec: { targetDrainSeconds: 60, startupSeconds: 120 },
      desired: 2,
      reason:
        'drain: 480 waiting, arrivals 0/s, 2/s per group, start-up 120 s: 0 to keep up + 2 to drain 480 within 120 s = 2',
    },
    {
      label: 'maxGroups caps the pool',
      live: 2,
      ready: 2,
      active: 100000,
      max: 10,
      desired: 10,
      reason:
        'drain: 100000 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 207.83 to drain 99760 within 240 s = 208, bounded to 10 by min 0/max 10',
    },
    {
      label: 'scale-in keeps the highest recommendation of the window',
      live: 10,
      ready: 10,
      active: 0,
      memory: { recommendations: [{ at: T0 - 100_000, desired: 8 }] },
      desired: 8,
      reason:
        'drain: 0 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 0 within 240 s = 0; scale-in to 8: highest recommendation in 300 s is 8',
    },
    {
      label: 'recommendations older than the window are forgotten; at most half goes per step',
      live: 10,
      ready: 10,
      active: 0,
      memory: { recommendations: [{ at: T0 - 400_000, desired: 9 }] },
      desired: 5,
      reason:
        'drain: 0 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 0 within 240 s = 0; scale-in to 5: at most 5 removed per step',
    },
    {
      label: 'minGroups holds the floor',
      live: 3,
      ready: 3,
      active: 0,
      min: 2,
      desired: 2,
      reason:
        'drain: 0 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 0 within 240 s = 0, bounded to 2 by min 2/max 100',
    },
  ];
  it.each(cases)('$label', (c) => {
    expect(decideCase(c)).toEqual({ desired: c.desired, reason: c.reason });
  });
});

describe('consumers outside Surge: ACI sized for the rest only', () => {
  it('learns negative net arrivals from a queue that falls with no group running', () => {
    // Nobody of the pool runs; someone else drains 10/s more than arrives: 1200 → 900 in 30 s.
    let memory = observeDepth(emptyDrainMemory, spec, { at: T0, active: 1200 }, 0);
    memory = observeDepth(memory, spec, { at: T0 + 15_000, active: 1050 }, 0);
    memory = observeDepth(memory, spec, { at: T0 + 30_000, active: 900 }, 0);
    expect(memory.arrivalRate).toBe(-10);
  });

  /** drainDecide: 2/s per group, 60 s start-up, 300 s target (W = 240 s), nothing running. */
  const decide = (active: number, memory: Partial<DrainMemory>, baseline = 0) =>
    drainDecide({
      spec: { ...spec, baselineMessagesPerSecond: baseline },
      now: T0,
      live: 0,
      ready: 0,
      active,
      minGroups: 0,
      maxGroups: 100,
      memory: { ...emptyDrainMemory, ...memory },
    });
  it.each([
    {
      label: 'no outside help: 3000 / (2 × 240) → 7',
      active: 3000,
      memory: {},
      baseline: 0,
      expected: {
        desired: 7,
        reason:
          'drain: 3000 waiting, arrivals 0/s, 2/s per group, start-up 60 s: 0 to keep up + 6.25 to drain 3000 within 240 s = 7',
      },
    },
    {
      label: 'others drain 5/s beyond arrivals: 2700 at start, 1200 of it theirs → 4',
      active: 3000,
      memory: { arrivalRate: -5 },
      baseline: 0,
      expected: {
        desired: 4,
        reason:
          'drain: 3000 waiting, arrivals -5/s (others drain 5/s more than arrives), 2/s per group, start-up 60 s: 0 to keep up + 3.13 to drain 2700 within 240 s = 4',
      },
    },
    {
      label: 'stated (baselineMessagesPerSecond 5) before anything is seen: the same',
      active: 3000,
      memory: {},
      baseline: 5,
      expected: {
        desired: 4,
        reason:
          'drain: 3000 waiting, arrivals -5/s (others drain 5/s more than arrives), 2/s per group, start-up 60 s: 0 to keep up + 3.13 to drain 2700 within 240 s = 4',
      },
    },
    {
      label: 'others clear the backlog within the target on their own: no group',
      active: 600,
      memory: { arrivalRate: -10 },
      baseline: 0,
      expected: {
        desired: 0,
        reason:
          'drain: 600 waiting, arrivals -10/s (others drain 10/s more than arrives), 2/s per group, start-up 60 s: 0 to keep up + 0 to drain 0 within 240 s = 0',
      },
    },
  ])('$label', ({ active, memory, baseline, expected }) => {
    const d = decide(active, memory, baseline);
    expect({ desired: d.desired, reason: d.reason }).toEqual(expected);
  });
});

describe('scale-in by evidence: the break-even hold', () => {
  /** The default spec: no fixed window, the whole surplus may go in one step. */
  const evidence: DrainScaling = {
    ...spec,
    scaleInStabilizationSeconds: undefined,
    scaleInMaxFraction: 1,
  };
  it.each([
    {
      label: 'README worked example: S 30 s, 8/s arriving, 2/s per group, 8 live → 45 s',
      seen: { startup: 30, lambda: 8, mu: 2, live: 8 },
      memory: {},
      spec: evidence,
      hold: 45,
    },
    {
      label: 'no arrivals: the start-up alone',
      seen: { startup: 30, lambda: 0, mu: 2, live: 8 },
      memory: {},
      spec: evidence,
      hold: 30,
    },
    {
      label: 'arrivals beyond the pool’s capacity count as a full pool (ρ at most 1)',
      seen: { startup: 30, lambda: 100, mu: 2, live: 8 },
      memory: {},
      spec: evidence,
      hold: 60,
    },
    {
      label: 'a regret just raised to 2 doubles it',
      seen: { startup: 30, lambda: 0, mu: 2, live: 8 },
      memory: { regret: { factor: 2, at: T0 } },
      spec: evidence,
      hold: 60,
    },
    {
      label: 'a regret of 2 raised one half-life ago counts 1.5',
      seen: { startup: 30, lambda: 0, mu: 2, live: 8 },
      memory: { regret: { factor: 2, at: T0 - HOLD_REGRET_HALF_LIFE_MS } },
      spec: evidence,
      hold: 45,
    },
    {
      label: 'a fixed window set: that window, as the HPA',
      seen: { startup: 30, lambda: 8, mu: 2, live: 8 },
      memory: { regret: { factor: 4, at: T0 } },
      spec: { ...evidence, scaleInStabilizationSeconds: 300 },
      hold: 300,
    },
  ])('$label', ({ seen, memory, spec: s, hold }) => {
    expect(holdSeconds(s, seen, memory, T0)).toBe(hold);
  });

  /** drainDecide with the evidence spec (1 msg/s per group, 30 s start-up, 300 s target). */
  function decide(live: number, active: number, memory: Partial<DrainMemory>) {
    const d = drainDecide({
      spec: { ...evidence, messagesPerSecondPerGroup: 1, startupSeconds: 30 },
      now: T0,
      live,
      ready: live,
      active,
      minGroups: 0,
      maxGroups: 100,
      memory: { ...emptyDrainMemory, ...memory },
    });
    return {
      desired: d.desired,
      why: d.reason.replace(/^.*; /, ''),
      regret: d.memory.regret?.factor ?? 1,
    };
  }

  it.each([
    {
      label: 'every group has a message: none is released, whatever the formula says',
      live: 10,
      active: 900,
      memory: {},
      expected: { desired: 10, why: 'keeping 10: every group has work (900 waiting)', regret: 1 },
    },
    {
      label: 'the backlog gone 20 s ago: the surplus is held (30 s hold)',
      live: 10,
      active: 0,
      memory: { recommendations: [{ at: T0 - 20_000, desired: 10 }] },
      expected: {
        desired: 10,
        why: 'scale-in to 10: highest recommendation in the 30 s break-even hold is 10',
        regret: 1,
      },
    },
    {
      label: 'the hold over: the whole surplus goes in one step',
      live: 10,
      active: 0,
      memory: { recommendations: [{ at: T0 - 40_000, desired: 10 }] },
      expected: {
        desired: 0,
        why: 'drain: 0 waiting, arrivals 0/s, 1/s per group, start-up 30 s: 0 to keep up + 0 to drain 0 within 270 s = 0',
        regret: 1,
      },
    },
    {
      label: 'a backlog 40 s after a release (within 2 × 30 s) doubles the hold',
      live: 2,
      active: 2000,
      memory: { lastLive: 2, releasedAt: T0 - 40_000 },
      expected: {
        desired: 8,
        why: 'drain: 2000 waiting, arrivals 0/s, 1/s per group, start-up 30 s: 0 to keep up + 7.19 to drain 1940 within 270 s = 8',
        regret: 2,
      },
    },
  ])('$label', ({ live, active, memory, expected }) => {
    expect(decide(live, active, memory)).toEqual(expected);
  });

  it('one release is regretted once: the next look in its backlog does not double the hold again', () => {
    const spec1 = { ...evidence, messagesPerSecondPerGroup: 1, startupSeconds: 30 };
    const at = (now: number, memory: DrainMemory) =>
      drainDecide({
        spec: spec1,
        now,
        live: 2,
        ready: 2,
        active: 2000,
        minGroups: 0,
        maxGroups: 100,
        memory,
      }).memory;
    const first = at(T0, { ...emptyDrainMemory, lastLive: 2, releasedAt: T0 - 40_000 });
    const second = at(T0 + 15_000, first);
    expect([first.regret?.factor, second.regret, second.releasedAt]).toEqual([
      2,
      first.regret,
      undefined,
    ]);
  });
});

/**
 * A queue drained at the true throughput, sampled every `step` seconds. As in the controller,
 * each sample carries the groups running at that moment, and they drain until the next sample.
 */
function simulate(
  steps: { seconds: number; arrivals: number; ready: number }[],
  options: { startDepth: number; trueMu: number; step?: number; spec?: Partial<DrainScaling> },
): DrainMemory {
  const step = options.step ?? 15;
  const s = { ...spec, ...options.spec };
  let depth = options.startDepth;
  let t = T0;
  let ready = steps[0]?.ready ?? 0;
  let memory = observeDepth(emptyDrainMemory, s, { at: t, active: depth }, ready);
  for (const phase of steps) {
    for (let elapsed = 0; elapsed < phase.seconds; elapsed += step) {
      depth = Math.max(0, depth + (phase.arrivals - options.trueMu * ready) * step);
      t += step * 1000;
      ready = phase.ready;
      memory = observeDepth(memory, s, { at: t, active: Math.round(depth) }, ready);
    }
  }
  return memory;
}

describe('time-sharing the top group', () => {
  // μ = 5/s, S = 30 s, target 600 s (W = 570 s), headroom 0.1, as the doc comment's example.
  const base = { mu: 5, startup: 30, window: 570, headroom: 0.1 };
  const cases: {
    label: string;
    full: number;
    lambda: number;
    active: number;
    window?: number;
    shared: { trigger: number } | undefined;
  }[] = [
    {
      // n = 1, g = 2/s: absorbs (10 − 7.7)·570 / 2 = 655.5; age 7·(285 − 30) = 1785; − g·S = 60.
      label: 'README worked example: 7/s at 5/s per group, target 600 s → 1 group until 595.5 wait',
      full: 2,
      lambda: 7,
      active: 0,
      shared: { trigger: 595.5 },
    },
    {
      label: 'the backlog reached the trigger: the group is needed now',
      full: 2,
      lambda: 7,
      active: 600,
      shared: undefined,
    },
    {
      // n = 0, g = 1/s: absorbs (5 − 1.1)·570 / 2 = 1111.5; age 1·(285 − 30) = 255; − 30.
      label: 'a trickle from zero: the first group waits until 225 wait',
      full: 1,
      lambda: 1,
      active: 10,
      shared: { trigger: 225 },
    },
    {
      // W = 90 s: age 7·(45 − 30) = 105 − 60 = 45 < g·4S = 240: stretches shorter than 4 start-ups.
      label:
        'README: target 120 s → trigger 45, under 4 start-ups of growth (240): the group is kept',
      full: 2,
      lambda: 7,
      active: 0,
      window: 90,
      shared: undefined,
    },
    {
      // 9 · 5 − 44 = 1 msg/s absorbed: 570 / 2 = 285 − g·S = 0 (n = 8 keep up at 40/s) = 285.
      label: 'a group kept for headroom only: 8 keep up with 40/s, the 9th comes at 285 wait',
      full: 9,
      lambda: 40,
      active: 0,
      shared: { trigger: 285 },
    },
    {
      label: 'no arrivals: nothing to time-share',
      full: 1,
      lambda: 0,
      active: 50,
      shared: undefined,
    },
  ];
  it.each(cases)('$label', (c) => {
    const q = { ...base, full: c.full, lambda: c.lambda, active: c.active };
    const got = timeShare({ ...q, window: c.window ?? base.window });
    expect(got && { trigger: Math.round(got.trigger * 10) / 10 }).toEqual(c.shared);
  });

  it('says so in the reason, and the knob turns it off', () => {
    const input = {
      spec: { ...spec, messagesPerSecondPerGroup: 5, startupSeconds: 30, targetDrainSeconds: 600 },
      now: T0,
      live: 2,
      ready: 2,
      active: 0,
      minGroups: 0,
      maxGroups: 100,
      memory: { ...emptyDrainMemory, arrivalRate: 7 },
    };
    const on = drainDecide({ ...input, spec: { ...input.spec, timeShareTopGroup: true } });
    const off = drainDecide(input);
    expect([on.reason, off.reason]).toEqual([
      'drain: 0 waiting, arrivals 7/s, 5/s per group, start-up 30 s: 1.54 to keep up + 0 to drain 0 within 570 s = 2, less 1 time-shared until 595.5 wait = 1',
      'drain: 0 waiting, arrivals 7/s, 5/s per group, start-up 30 s: 1.54 to keep up + 0 to drain 0 within 570 s = 2',
    ]);
  });
});

describe('drain estimators', () => {
  it('estimates arrivals while the groups are saturated', () => {
    // True λ = 5/s, μ = 2/s (as configured), 2 groups: the queue rises 1/s from 1000.
    const memory = simulate([{ seconds: 300, arrivals: 5, ready: 2 }], {
      startDepth: 1000,
      trueMu: 2,
      spec: { learn: false },
    });
    expect(memory.arrivalRate).toBeCloseTo(5, 1);
    expect(memory.throughput).toBeUndefined();
  });

  it('learns a throughput higher than configured from how fast a burst drains', () => {
    // Configured 1/s, really 2/s: after the burst (no arrivals) 4 groups drain 8/s, so μ ≥ 2.
    const memory = simulate([{ seconds: 150, arrivals: 0, ready: 4 }], {
      startDepth: 2000,
      trueMu: 2,
      spec: { messagesPerSecondPerGroup: 1 },
    });
    expect(memory.throughput).toBeGreaterThan(1.95);
    expect(memory.throughput).toBeLessThanOrEqual(2.0001);
    expect(memory.arrivalRate).toBeLessThan(0.1);
  });

  it('identifies throughput from two saturated intervals with different group counts', () => {
    // Configured 1/s, really 2/s, steady λ = 6/s: with 2 groups the queue rises 2/s, with 5 it falls 4/s.
    // μ = (2 − (−4)) / (5 − 2) = 2.
    const memory = simulate(
      [
        { seconds: 60, arrivals: 6, ready: 2 },
        { seconds: 60, arrivals: 6, ready: 5 },
      ],
      { startDepth: 3000, trueMu: 2, spec: { messagesPerSecondPerGroup: 1 } },
    );
    // Three intervals run with 5 groups, each identification moving 30 % of the way: 1 → 1.3 → 1.51 → 1.66.
    expect(memory.throughput).toBeCloseTo(1.657, 3);
  });

  it('does not identify throughput across a burst enqueued at once', () => {
    // Slow jobs: μ = 0.2/s (as configured), λ = 0.4/s, 2 groups keeping a few messages waiting.
    // 600 land within one 15 s interval (a slope of +40/s), then 37 groups drain 7.4/s. Taken as
    // steady arrivals, the two slopes would identify μ = (40 + 7) / 35 = 1.3/s.
    const s = { ...spec, messagesPerSecondPerGroup: 0.2 };
    const readings: [number, number, number][] = [
      // [seconds, waiting, groups running]
      [0, 5, 2],
      [15, 5, 2],
      [30, 5, 2],
      [45, 607, 2],
      [60, 496, 37],
      [75, 391, 37],
      [90, 286, 37],
      [105, 181, 37],
    ];
    const memory = readings.reduce(
      (m, [sec, active, ready]) => observeDepth(m, s, { at: T0 + sec * 1000, active }, ready),
      emptyDrainMemory,
    );
    // With the burst left out, the steady intervals identify μ = (0 − (−7)) / (37 − 2) = 0.2.
    const round = (n: number | undefined) => Math.round((n ?? NaN) * 1000) / 1000;
    expect({
      throughput: round(memory.throughput),
      arrivalRate: round(memory.arrivalRate),
    }).toEqual({ throughput: 0.2, arrivalRate: 0.4 });
  });

  it('lets the arrival estimate decay while the queue stays empty', () => {
    const start: DrainMemory = {
      ...emptyDrainMemory,
      arrivalRate: 8,
      last: { at: T0, active: 0, ready: 4 },
    };
    const after = observeDepth(start, spec, { at: T0 + 600_000, active: 0 }, 4);
    expect(after.arrivalRate).toBeCloseTo(2, 5); // two half-lives of 300 s
  });

  it('learns nothing about throughput across a gap (a restart against a changed queue)', () => {
    // 1500 waiting before a 5-minute gap, 0 after: as a slope that would be a drain of 5/s by one
    // group — more than configured — but nobody watched in between.
    const start: DrainMemory = {
      ...emptyDrainMemory,
      arrivalRate: 4,
      last: { at: T0, active: 1500, ready: 1 },
    };
    const after = observeDepth(start, spec, { at: T0 + 300_000, active: 0 }, 1);
    expect({
      throughput: after.throughput,
      arrivalRate: after.arrivalRate,
      last: after.last,
    }).toEqual({
      throughput: undefined,
      arrivalRate: 2, // one half-life of 300 s
      last: { at: T0 + 300_000, active: 0, ready: 1 },
    });
  });

  it('learns nothing from a storm of readings seconds apart, and bounds what it learns', () => {
    // 4 groups draining 5/s each (configured 5), λ = 4/s, saturated at 1000 waiting. 300 wake
    // signals within 3 s each carry a reading; whole-message snapshots 10 ms apart read as
    // drains of 100/s and more. Only a reading 5 s after the last kept one is compared.
    const s = { ...spec, messagesPerSecondPerGroup: 5 };
    const start = observeDepth(emptyDrainMemory, s, { at: T0, active: 1000 }, 4);
    let memory = start;
    for (let i = 1; i <= 300; i++) {
      memory = observeDepth(memory, s, { at: T0 + i * 10, active: 1000 - (i % 3) }, 4);
    }
    const afterStorm = memory;
    memory = observeDepth(memory, s, { at: T0 + 15_000, active: 1000 - 16 * 15 }, 4);
    // A wildly fast drain (50,000 in 5 s by 4 groups) cannot push μ past 10 × the configured 5/s.
    const fast = observeDepth(
      { ...memory, last: { at: T0 + 20_000, active: 100_000, ready: 4 } },
      s,
      { at: T0 + 25_000, active: 50_000 },
      4,
    );
    expect({
      storm: afterStorm,
      throughput: memory.throughput,
      arrivals: memory.arrivals.map((a) => a.rate),
      bounded: fast.throughput,
    }).toEqual({
      storm: start,
      // 16/s fell with 4 groups at 5/s: λ = −16 + 20 = 4/s; μ stays as configured.
      throughput: undefined,
      arrivals: [4],
      bounded: 50,
    });
  });

  it('learns start-up latency as a moving average and ignores it when learning is off', () => {
    const once = observeStartup(emptyDrainMemory, spec, 40);
    const twice = observeStartup(once, spec, 80);
    expect([once.startupSeconds, twice.startupSeconds]).toEqual([40, 52]);
    expect(
      observeStartup(emptyDrainMemory, { ...spec, learn: false }, 40).startupSeconds,
    ).toBeUndefined();
  });
});

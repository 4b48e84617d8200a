import { describe, expect, it } from 'vitest';
import type { BenchPoint } from '../../local/simulate/policyBench';
import { SUITE, costRatios, floorRatios, median, sweep } from '../../local/simulate/policyBench';

/** A point as a case states it: policy, cost and p95 (the rest does not matter to the ratio). */
const pt = (policy: 'drain' | 'keda', groupSeconds: number, p95: number | null, left = 0) =>
  ({ policy, dial: 0, groupSeconds, overFloor: 1, p95, left }) satisfies BenchPoint;

describe('cost ratio at equal p95', () => {
  it.each([
    {
      label: 'the cheapest drain point with no worse p95, per keda point',
      points: [pt('drain', 60_000, 80), pt('drain', 40_000, 150), pt('keda', 120_000, 90)],
      ratios: [0.5],
    },
    {
      label: 'a keda point no drain point matches counts as ∞',
      points: [pt('drain', 60_000, 80), pt('keda', 100_000, 40)],
      ratios: [Number.POSITIVE_INFINITY],
    },
    {
      label: 'a drain point that left more undone than the keda point does not qualify',
      points: [pt('drain', 10_000, 10, 500), pt('drain', 30_000, 50), pt('keda', 60_000, 60)],
      ratios: [0.5],
    },
    {
      label: 'equal p95 qualifies; one ratio per keda point, in order',
      points: [pt('drain', 50, 100), pt('keda', 100, 100), pt('keda', 25, 300)],
      ratios: [0.5, 2],
    },
  ])('$label', ({ points, ratios }) => {
    expect(costRatios(points)).toEqual(ratios);
  });

  it('the floor bounds every ratio: work floor ÷ keda cost, per keda point', () => {
    const points = [pt('drain', 1300, 10), pt('keda', 1160, 30), pt('keda', 4000, 5)];
    expect(floorRatios(points, 1000).map((r) => Math.round(r * 100) / 100)).toEqual([0.86, 0.25]);
  });

  it.each([
    { label: 'odd count: the middle', values: [3, 1, 2], median: 2 },
    { label: 'even count: the mean of the middle two', values: [4, 1, 2, 3], median: 2.5 },
    { label: '∞ sorts last', values: [Number.POSITIVE_INFINITY, 0.4, 0.6], median: 0.6 },
  ])('median: $label', ({ values, median: m }) => {
    expect(median(values)).toBe(m);
  });
});

describe('bench:policies, shortened', () => {
  it('sweeps a workload with both policies and prices each point against the work floor', async () => {
    const w = SUITE.find((x) => x.name === 'from-zero');
    if (!w) throw new Error('from-zero is part of the suite');
    // The first burst only (at 15 min), two dials each.
    const r = await sweep(
      { ...w, duration: 1800 },
      { drain: [120, 600], kedaWorkSeconds: [60, 600] },
    );
    expect({
      workload: r.workload,
      // 2,000 messages at 5/s: 400 group-seconds of work.
      floor: r.floor,
      points: r.points.map((p) => [p.policy, p.dial, p.left, p.overFloor >= 1]),
      ratios: r.ratios.length,
      // No drain point costs less than the work: each ratio is at or above its floor bound.
      bounded: r.ratios.every((x, i) => x >= (r.bounds[i] as number)),
    }).toEqual({
      workload: 'from-zero',
      floor: 400,
      points: [
        ['drain', 120, 0, true],
        ['drain', 600, 0, true],
        ['keda', 300, 0, true],
        ['keda', 3000, 0, true],
      ],
      ratios: 2,
      bounded: true,
    });
  }, 60_000);
});

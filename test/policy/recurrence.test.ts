import { describe, expect, it } from 'vitest';
import type { Recurrence } from '../../shared/policy/recurrence';
import { noRecurrence, observeOnset, patternOf, prewarm } from '../../shared/policy/recurrence';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const MIN = 60_000;
/** Onsets at these minutes after T0, 4000 messages each unless given. */
const onsets = (...at: (number | [number, number])[]): Recurrence => ({
  onsets: at.map((a) =>
    Array.isArray(a) ? { at: T0 + a[0] * MIN, size: a[1] } : { at: T0 + a * MIN, size: 4000 },
  ),
});

describe('observeOnset: a backlog appearing where there was none', () => {
  it.each([
    { label: 'empty → 4000: an onset', before: 0, after: 4000, onsets: 1 },
    { label: 'a few left → 4000: still an onset', before: 20, after: 4000, onsets: 1 },
    { label: 'growth of a backlog already there: none', before: 3000, after: 4000, onsets: 0 },
    { label: 'a rise below the threshold (150): none', before: 0, after: 100, onsets: 0 },
  ])('$label', ({ before, after, onsets: n }) => {
    expect(observeOnset(noRecurrence, { at: T0, before, after }, 150).onsets).toHaveLength(n);
  });

  it('keeps the last five', () => {
    let rec = noRecurrence;
    for (let i = 0; i < 7; i++) rec = observeOnset(rec, { at: T0 + i, before: 0, after: 500 }, 150);
    expect(rec.onsets.map((o) => o.at - T0)).toEqual([2, 3, 4, 5, 6]);
  });
});

describe('patternOf: a period in the onsets, and what became of it', () => {
  it.each([
    {
      label: 'three onsets 20 min apart: next 20 min after the last',
      rec: onsets(5, 25, 45),
      now: T0 + 50 * MIN,
      expected: {
        periodMs: 20 * MIN,
        nextAt: T0 + 65 * MIN,
        size: 4000,
        toleranceMs: 2 * MIN,
        misses: 0,
      },
    },
    {
      label: 'gaps within 10 %: the median gap; the median size',
      rec: onsets([5, 3000], [25, 5000], [46, 4000]),
      now: T0 + 50 * MIN,
      expected: {
        periodMs: 20.5 * MIN,
        nextAt: T0 + 66.5 * MIN,
        size: 4000,
        toleranceMs: 123_000,
        misses: 0,
      },
    },
    {
      label: 'the predicted onset did not come: one miss, the next period',
      rec: onsets(5, 25, 45),
      now: T0 + 68 * MIN,
      expected: {
        periodMs: 20 * MIN,
        nextAt: T0 + 85 * MIN,
        size: 4000,
        toleranceMs: 2 * MIN,
        misses: 1,
      },
    },
  ])('$label', ({ rec, now, expected }) => {
    expect(patternOf(rec, now)).toEqual(expected);
  });

  it.each([
    { label: 'two onsets: too few', rec: onsets(5, 25), now: T0 + 30 * MIN },
    { label: 'gaps that disagree (20 and 35 min)', rec: onsets(5, 25, 60), now: T0 + 61 * MIN },
    { label: 'two periods without the onset: dropped', rec: onsets(5, 25, 45), now: T0 + 88 * MIN },
    {
      label: 'onsets seconds apart are one burst, not a period',
      rec: onsets(0, 0.25, 0.5),
      now: T0 + MIN,
    },
  ])('none: $label', ({ rec, now }) => {
    expect(patternOf(rec, now)).toBeUndefined();
  });
});

describe('prewarm', () => {
  it('starts a start-up and a look before the onset, enough groups for the batch within target', () => {
    // 4000 messages, 5/s per group, 300 s target → ceil(4000 / 1500) = 3; 30 s start-up + 15 s.
    const p = patternOf(onsets(5, 25, 45), T0 + 50 * MIN);
    expect(prewarm(p, { startupSeconds: 30, mu: 5, targetSeconds: 300 })).toEqual({
      from: T0 + 65 * MIN - 45_000,
      until: T0 + 67 * MIN,
      groups: 3,
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { Backoff } from '../../shared/policy/backoff';
import { bumpBackoff, closeSite, holdsCreates, noBackoff } from '../../shared/policy/backoff';

const NOW = 1_000_000;
const knobs = { failureBackoffSeconds: 30, maxFailureBackoffSeconds: 100 };

describe('failure backoff', () => {
  it.each([
    // The first failure is retried at once: one failed group is often bad luck.
    { label: 'first failure: retry now', before: noBackoff, expected: { failures: 1, until: NOW } },
    {
      label: 'second in a row: failureBackoffSeconds',
      before: { failures: 1, until: NOW },
      expected: { failures: 2, until: NOW + 30_000 },
    },
    {
      label: 'third: doubled',
      before: { failures: 2, until: NOW },
      expected: { failures: 3, until: NOW + 60_000 },
    },
    {
      label: 'fourth: 120 s capped at maxFailureBackoffSeconds',
      before: { failures: 3, until: NOW },
      expected: { failures: 4, until: NOW + 100_000 },
    },
  ])('$label', ({ before, expected }: { before: Backoff; expected: Backoff }) => {
    expect(bumpBackoff(before, knobs, NOW)).toEqual(expected);
  });

  it.each([
    { label: 'no failure', backoff: noBackoff, holds: false },
    { label: 'until now', backoff: { failures: 1, until: NOW }, holds: false },
    { label: 'until later', backoff: { failures: 2, until: NOW + 1 }, holds: true },
  ])('holds creates: $label → $holds', ({ backoff, holds }) => {
    expect(holdsCreates(backoff, NOW)).toBe(holds);
  });

  it.each([
    {
      label: 'first capacity failure: closed for failureBackoffSeconds',
      before: noBackoff,
      expected: { failures: 1, until: NOW + 30_000 },
    },
    {
      label: 'after the backoff ended, another: doubled',
      before: { failures: 1, until: NOW },
      expected: { failures: 2, until: NOW + 60_000 },
    },
    {
      label: 'capped at maxFailureBackoffSeconds',
      before: { failures: 3, until: NOW - 5000 },
      expected: { failures: 4, until: NOW + 100_000 },
    },
    {
      label: 'while closed (the same wave of creates): unchanged',
      before: { failures: 1, until: NOW + 10_000 },
      expected: { failures: 1, until: NOW + 10_000 },
    },
  ])('closes a site: $label', ({ before, expected }: { before: Backoff; expected: Backoff }) => {
    expect(closeSite(before, knobs, NOW)).toEqual(expected);
  });
});

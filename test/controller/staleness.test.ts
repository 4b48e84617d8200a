import { describe, expect, it } from 'vitest';
import { statusStaleness } from '../../shared/controller/status';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('statusStaleness: when a published status may no longer describe the pool', () => {
  it.each([
    {
      label: 'never observed since the controller started',
      observedAt: null,
      readTurnAt: null,
      stale: 'not observed since the controller started',
    },
    // The doc comment's worked example: reconcile 60 s → bound 2 × 60 + 60 = 180 s.
    { label: 'observed 180 s ago', observedAt: ago(180), readTurnAt: null, stale: null },
    {
      label: 'observed 200 s ago',
      observedAt: ago(200),
      readTurnAt: null,
      stale: 'last observed 200 s ago; the controller looks at least every 60 s',
    },
    {
      label: 'observed 200 s ago, waiting for a read turn 300 s after that look',
      observedAt: ago(200),
      readTurnAt: ago(-100),
      stale: null,
    },
  ])('$label', ({ observedAt, readTurnAt, stale }) => {
    expect(statusStaleness({ observedAt, readTurnAt }, 60, NOW)?.reason ?? null).toBe(stale);
  });
});

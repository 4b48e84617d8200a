import { describe, expect, it } from 'vitest';
import type { DecisionFacts } from '../../shared/controller/log';
import { decisionOf, withDecision, withError, withLastDecision } from '../../shared/controller/log';
import type { LogSlice } from '../../shared/controller/state';
import { MAX_DECISIONS, MAX_ERRORS } from '../../shared/controller/state';

const facts: DecisionFacts = {
  at: 1000,
  trigger: 'depth',
  desired: 5,
  live: 5,
  running: 3,
  failed: 0,
  creates: 0,
  deletes: 0,
  reason: 'drain: … = 5',
};
const first = decisionOf(facts);
const log: LogSlice = { lastDecision: first, decisions: [first], errors: [] };

describe('status log', () => {
  it('a decision record derives pending from live − running', () => {
    expect(first.pending).toBe(2);
  });

  it.each([
    {
      label: 'the same decision again is only the last one',
      next: { at: 2000 },
      wrote: false,
      listed: 1,
    },
    { label: 'a decision that writes is listed', next: { at: 2000 }, wrote: true, listed: 2 },
    { label: 'a new count is listed', next: { at: 2000, desired: 6 }, wrote: false, listed: 2 },
    {
      label: 'a new reason is listed',
      next: { at: 2000, reason: 'other' },
      wrote: false,
      listed: 2,
    },
  ])('$label', ({ next, wrote, listed }) => {
    const decision = decisionOf({ ...facts, ...next });
    const after = withDecision(log, decision, wrote);
    expect({ last: after.lastDecision, listed: after.decisions.length }).toEqual({
      last: decision,
      listed,
    });
  });

  it('a paused pool’s decision is the last one but not listed', () => {
    const paused = decisionOf({ ...facts, at: 3000, reason: 'paused: no changes until resumed' });
    expect(withLastDecision(log, paused)).toEqual({ ...log, lastDecision: paused });
  });

  it(`keeps the newest ${MAX_DECISIONS} decisions and ${MAX_ERRORS} errors`, () => {
    let l: LogSlice = { decisions: [], errors: [] };
    for (let i = 0; i < 12; i++) {
      l = withDecision(l, decisionOf({ ...facts, at: i, desired: i }), false);
      l = withError(l, { at: i, during: 'list groups', kind: 'transient', message: `e${i}` });
    }
    expect({
      decisions: l.decisions.map((d) => d.at),
      errors: l.errors.map((e) => e.message),
    }).toEqual({
      decisions: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
      errors: ['e7', 'e8', 'e9', 'e10', 'e11'],
    });
  });
});

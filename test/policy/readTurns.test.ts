import { describe, expect, it } from 'vitest';
import type { ReadBudget } from '../../shared/policy/readTurns';
import {
  MAX_MS_PER_READ,
  answered,
  askTurn,
  looked,
  openBudget,
  throttled,
} from '../../shared/policy/readTurns';

const T = Date.parse('2026-12-04T12:00:00Z');

/** One thing happening to the budget, `at` seconds after T. */
type Step =
  | { ask: string; at: number }
  | { throttle: number; at: number }
  | { remaining: number }
  | { looked: number };

/**
 * Plays the steps on a budget whose looks cost 3 reads, and writes each answer as "a go" or
 * "a at 14" (seconds after T).
 */
function play(steps: readonly Step[], start: ReadBudget = { ...openBudget, readsPerLook: 3 }) {
  let budget = start;
  const answers: string[] = [];
  for (const step of steps) {
    if ('ask' in step) {
      const asked = askTurn(budget, step.ask, T + step.at * 1000);
      budget = asked.budget;
      const a = asked.answer;
      answers.push(a.go ? `${step.ask} go` : `${step.ask} at ${(a.at - T) / 1000}`);
    } else if ('throttle' in step) {
      budget = throttled(budget, step.throttle * 1000, T + step.at * 1000);
    } else if ('remaining' in step) {
      budget = answered(budget, step.remaining);
    } else {
      budget = looked(budget, step.looked);
    }
  }
  return { answers, budget };
}

describe('read turns: who looks when ARM throttles a subscription', () => {
  it.each<{ label: string; steps: Step[]; answers: string[]; start?: ReadBudget }>([
    {
      label: 'never throttled: every look goes at once',
      steps: [{ remaining: 249 }, { ask: 'a', at: 0 }, { ask: 'b', at: 0 }, { ask: 'a', at: 0 }],
      answers: ['a go', 'b go', 'a go'],
    },
    {
      // The worked example of askTurn: Retry-After 2 s, 3 reads a look → a turn every 6 s.
      label: 'turns in the order asked, 6 s apart; a latecomer queues behind a passed turn',
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 0 },
        { ask: 'c', at: 0 },
        { ask: 'd', at: 9 },
      ],
      answers: ['a at 2', 'b at 8', 'c at 14', 'd at 20'],
    },
    {
      label: 'a pool woken again before its turn keeps it, and goes at it',
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 0 },
        { ask: 'b', at: 3 },
        { ask: 'a', at: 2 },
        { ask: 'b', at: 8 },
      ],
      answers: ['a at 2', 'b at 8', 'b at 8', 'a go', 'b go'],
    },
    {
      label: 'a turn that has come goes, even if others asked in between',
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 1 },
        { ask: 'a', at: 2 },
      ],
      answers: ['a at 2', 'b at 8', 'a go'],
    },
    {
      label: 'another 429 moves every turn back by the wait it adds, in order',
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 0 },
        { throttle: 2, at: 2 }, // a's look was throttled at 12:00:02: 2 s more for everyone
        { ask: 'b', at: 3 },
        { ask: 'a', at: 3 },
        { ask: 'c', at: 3 },
      ],
      answers: ['a at 2', 'b at 8', 'b at 10', 'a at 4', 'c at 16'],
    },
    {
      label: 'while the wait runs, even a pool whose turn was given cannot go',
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { throttle: 10, at: 1 },
        { ask: 'a', at: 2 },
      ],
      answers: ['a at 2', 'a at 11'],
    },
    {
      label: 'once ARM reports the bucket half full, looks go at once, turns or not',
      steps: [
        { remaining: 20 },
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 0 },
        { remaining: 10 },
        { ask: 'b', at: 3 },
        { ask: 'c', at: 3 },
      ],
      answers: ['a at 2', 'b at 8', 'b go', 'c go'],
    },
    {
      label: 'a bucket still below half keeps the turns',
      steps: [
        { remaining: 20 },
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { remaining: 9 },
        { ask: 'b', at: 3 },
      ],
      answers: ['a at 2', 'b at 8'],
    },
    {
      label: 'a turn not taken within a minute is dropped: the pool asks anew',
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 0 },
        { ask: 'b', at: 70 },
      ],
      answers: ['a at 2', 'b at 8', 'b go'],
    },
    {
      label: 'looks that read more are given more time: 5 reads at 2 s each is 10 s',
      start: { ...openBudget, readsPerLook: 5 },
      steps: [
        { throttle: 2, at: 0 },
        { ask: 'a', at: 0 },
        { ask: 'b', at: 0 },
      ],
      answers: ['a at 2', 'b at 12'],
    },
  ])('$label', ({ steps, answers, start }) => {
    expect(play(steps, start).answers).toEqual(answers);
  });

  it('spaces turns by at most MAX_MS_PER_READ per read, whatever Retry-After says', () => {
    const { answers, budget } = play([
      { throttle: 600, at: 0 },
      { ask: 'a', at: 0 },
      { ask: 'b', at: 0 },
    ]);
    expect({ answers, msPerRead: budget.msPerRead }).toEqual({
      answers: ['a at 600', `b at ${600 + (3 * MAX_MS_PER_READ) / 1000}`],
      msPerRead: MAX_MS_PER_READ,
    });
  });

  it('moves the reads a look costs 30 % of the way per look: 2 → 2.3 after a look of 3', () => {
    expect(looked(openBudget, 3).readsPerLook).toBeCloseTo(2.3, 10);
  });
});

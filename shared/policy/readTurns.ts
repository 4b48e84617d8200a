/**
 * Turns at one subscription's ARM read budget, shared by every pool of an app instance.
 *
 * ARM counts reads per subscription and principal in a token bucket (250, refilled at 25 per
 * second) and answers 429 with Retry-After when it is empty. Every pool of a Surge app reads with
 * the same identity, so they draw on one bucket. Left to themselves, throttled pools multiply
 * their reads (each 429 is a request, each retry another) and the pools that wake first keep
 * winning: a pool woken a moment later than the others can find the bucket empty at every tick.
 *
 * So the app keeps one budget per subscription:
 * - after a 429, no read of that subscription is sent before its Retry-After has passed (the
 *   pipeline refuses it locally, sending nothing);
 * - from then until ARM reports the bucket at least half full again, a look at a pool (one list,
 *   the instance views that are due, the profile) waits for its turn. Turns are given in the order
 *   pools ask, spaced by what a look costs: Retry-After is the time ARM needs to refill one read,
 *   so a look of 3 reads after a Retry-After of 2 s is given 6 s. A pool that asks while turns are
 *   given queues behind the others, however often it is woken, so none starves.
 *
 * Plain data and pure functions with `now` passed in; shared/azure/readBudget.ts holds the state
 * and feeds it ARM's answers.
 */

/** One subscription's read budget as the app knows it. */
export interface ReadBudget {
  /** No read before this (ms): the end of ARM's last Retry-After. */
  readonly closedUntil: number;
  /** ARM throttled and has not yet reported the bucket half full again: looks take turns. */
  readonly turnsGiven: boolean;
  /** How long ARM takes to refill one read (ms), from its last Retry-After (at most MAX_MS_PER_READ). */
  readonly msPerRead: number;
  /** Reads one look sends, on average (a moving average of the looks reported). */
  readonly readsPerLook: number;
  /** When the next turn not yet given starts (ms). */
  readonly nextTurnAt: number;
  /** Pools holding a turn, in the order given, with its time (ms). */
  readonly turns: readonly Turn[];
  /** The most reads ARM has reported left in the bucket: its size, near enough. */
  readonly mostRemaining: number;
}

/** A pool's turn to look. */
export interface Turn {
  readonly pool: string;
  readonly at: number;
}

/** A budget that has never been throttled. */
export const openBudget: ReadBudget = {
  closedUntil: 0,
  turnsGiven: false,
  msPerRead: 1000,
  readsPerLook: 2,
  nextTurnAt: 0,
  turns: [],
  mostRemaining: 0,
};

/**
 * The longest refill time per read the turns assume (ms). Older ARM limits answered an hourly
 * budget's exhaustion with Retry-After of minutes; spacing turns by that per read would leave
 * ten pools an hour apart, when the first read after the wait shows the bucket full again.
 */
export const MAX_MS_PER_READ = 5000;

/** A turn not taken within this long after its time is dropped (the pool went away). */
export const TURN_KEPT_MS = 60_000;

/** How much each look's reads move the average (the rest is the average so far). */
const READS_WEIGHT = 0.3;

/** The failure code of a look that did not happen because the pool waits for its turn. */
export const WAITING_FOR_TURN = 'WaitingForReadTurn';

/** Whether a pool may look now, or when its turn is (ms). */
export type TurnAnswer = { readonly go: true } | { readonly go: false; readonly at: number };

/**
 * Asks for a look at `pool` at `now`. Outside throttling every look goes at once. While turns are
 * given: a pool whose turn has come goes; a pool holding a later turn waits for it; a pool without
 * one is given the next free turn (which may be now). Worked example: turns every 6 s from
 * 12:00:02, pools a, b, c ask at 12:00:00 and get 12:00:02, :08 and :14; d asks at 12:00:09 and
 * gets 12:00:20, though b's turn has passed.
 */
export function askTurn(
  budget: ReadBudget,
  pool: string,
  now: number,
): { budget: ReadBudget; answer: TurnAnswer } {
  const turns = budget.turns.filter((t) => now - t.at < TURN_KEPT_MS);
  const others = turns.filter((t) => t.pool !== pool);
  const mine = turns.find((t) => t.pool === pool);
  if (!budget.turnsGiven && now >= budget.closedUntil) {
    return { budget: { ...budget, turns: others }, answer: { go: true } };
  }
  if (mine !== undefined) {
    return mine.at <= now && now >= budget.closedUntil
      ? { budget: { ...budget, turns: others }, answer: { go: true } }
      : { budget: { ...budget, turns }, answer: { go: false, at: mine.at } };
  }
  const at = Math.max(now, budget.closedUntil, budget.nextTurnAt);
  const nextTurnAt = at + lookMs(budget);
  if (at <= now) return { budget: { ...budget, turns, nextTurnAt }, answer: { go: true } };
  return {
    budget: { ...budget, turns: [...turns, { pool, at }], nextTurnAt },
    answer: { go: false, at },
  };
}

/** The time a look's reads take ARM to refill (ms): 3 reads at 2 s each is 6 s. */
export function lookMs(budget: ReadBudget): number {
  return Math.ceil(budget.readsPerLook * budget.msPerRead);
}

/**
 * ARM answered a read with 429 and asked for `retryAfterMs`. No read goes before it has passed,
 * and turns are given from then on; turns already given move back by the time the wait adds, in
 * their order, so a pool that asked first still goes first.
 */
export function throttled(budget: ReadBudget, retryAfterMs: number, now: number): ReadBudget {
  const closedUntil = Math.max(budget.closedUntil, now + retryAfterMs);
  const added = closedUntil - Math.max(now, budget.closedUntil);
  const msPerRead = Math.min(MAX_MS_PER_READ, Math.max(1, retryAfterMs));
  const turns = budget.turns.map((t) => ({ ...t, at: t.at + added }));
  const last = turns.at(-1);
  // While turns were being given, the next free one moves back too; otherwise they start at the
  // end of the wait (after any turn still held from an earlier spell of throttling).
  const nextTurnAt = Math.max(
    closedUntil,
    last ? last.at + lookMs({ ...budget, msPerRead }) : 0,
    budget.turnsGiven ? budget.nextTurnAt + added : 0,
  );
  return { ...budget, closedUntil, turnsGiven: true, msPerRead, turns, nextTurnAt };
}

/**
 * ARM answered a read and said how many reads are left. Once that is at least half of the most it
 * ever said, the bucket has room for everyone again and looks go at once; turns already given
 * stay valid, and a pool holding one may look before its time.
 */
export function answered(budget: ReadBudget, remaining: number): ReadBudget {
  const mostRemaining = Math.max(budget.mostRemaining, remaining);
  if (!budget.turnsGiven || remaining * 2 < mostRemaining) return { ...budget, mostRemaining };
  return { ...budget, mostRemaining, turnsGiven: false };
}

/** A look sent `reads` reads: the average moves 30 % of the way (2 → 2.3 after a look of 3). */
export function looked(budget: ReadBudget, reads: number): ReadBudget {
  const readsPerLook =
    budget.readsPerLook + READS_WEIGHT * (Math.max(1, reads) - budget.readsPerLook);
  return { ...budget, readsPerLook };
}

/**
 * Recurring bursts, purely: batches that land every P minutes are visible in the depth history as
 * onsets — the queue jumping from (nearly) empty to a backlog worth a group's start-up. Three
 * onsets at steady gaps make a pattern; the drain policy then starts groups one start-up time
 * before the next predicted onset, so the batch meets running groups instead of waiting S for
 * them, and releases them between batches as usual.
 *
 * Wrong predictions decay on their own: a predicted onset that does not come within the
 * tolerance counts as a miss, the prediction moves to the next period, and after MAX_MISSES
 * periods without an onset the pattern is dropped until new onsets re-establish it.
 */

/** The onsets remembered (plain JSON). */
export interface Recurrence {
  /** Newest last: when the backlog appeared and how big it was (messages). */
  readonly onsets: readonly { readonly at: number; readonly size: number }[];
}

/** An empty recurrence memory. */
export const noRecurrence: Recurrence = { onsets: [] };

/** Onsets kept: enough for three gaps and a spare. */
const KEPT = 5;
/** Periods without the predicted onset before the pattern is dropped. */
export const MAX_MISSES = 2;
/** Gaps agree when within this share of their median (or TOLERANCE_MIN_MS, the larger). */
const GAP_AGREEMENT = 0.1;
const TOLERANCE_MIN_MS = 30_000;

/**
 * The memory after a depth sample: an onset when the queue went from below `threshold` messages
 * to at least `threshold` more. Example: threshold 150 (one group's drain over a 30 s start-up at
 * 5/s), 0 → 4000 → an onset of 4000.
 */
export function observeOnset(
  rec: Recurrence,
  sample: { readonly at: number; readonly before: number; readonly after: number },
  threshold: number,
): Recurrence {
  const { at, before, after } = sample;
  if (!(before < threshold && after - before >= threshold)) return rec;
  return { onsets: [...rec.onsets, { at, size: after }].slice(-KEPT) };
}

/** A recurrence found in the onsets. */
export interface Pattern {
  readonly periodMs: number;
  /** The next predicted onset (ms). */
  readonly nextAt: number;
  /** Predicted size: the median of the onsets' sizes (messages). */
  readonly size: number;
  /** How early or late an onset may come and still count (ms). */
  readonly toleranceMs: number;
  /** Predicted onsets that did not come. */
  readonly misses: number;
}

/**
 * The pattern in the onsets at `now`: the last up-to-three gaps agree within 10 % (at least
 * 30 s) of their median P; the next onset is the first last + k·P not yet past its tolerance;
 * k − 1 periods passed without an onset are misses. Example: onsets at 10:05, 10:25, 10:45 →
 * P = 20 min, next 11:05; at 11:10 with none since → one miss, next 11:25; at 11:50 → dropped.
 */
export function patternOf(rec: Recurrence, now: number): Pattern | undefined {
  const onsets = rec.onsets;
  if (onsets.length < 3) return undefined;
  const recent = onsets.slice(-4);
  const gaps = recent.slice(1).map((o, i) => o.at - (recent[i] as { at: number }).at);
  // Whole milliseconds: a timer set for a fraction of one would fire just before it, forever.
  const periodMs = Math.round(median(gaps));
  const toleranceMs = Math.round(Math.max(TOLERANCE_MIN_MS, GAP_AGREEMENT * periodMs));
  if (periodMs <= 2 * toleranceMs) return undefined;
  if (gaps.some((g) => Math.abs(g - periodMs) > toleranceMs)) return undefined;
  const last = (onsets[onsets.length - 1] as { at: number }).at;
  const k = Math.max(1, Math.ceil((now - toleranceMs - last) / periodMs));
  const misses = k - 1;
  if (misses >= MAX_MISSES) return undefined;
  return {
    periodMs,
    nextAt: last + k * periodMs,
    size: median(onsets.map((o) => o.size)),
    toleranceMs,
    misses,
  };
}

/**
 * Groups to have running for the predicted onset, and from when until when: from a start-up
 * (plus one look, 15 s) before the onset until its tolerance has passed; enough groups to drain
 * the predicted batch within the target once it lands. Example: 4000 messages, 5/s per group,
 * 300 s target → ceil(4000 / 1500) = 3 groups, from 45 s before the onset.
 */
export function prewarm(
  pattern: Pattern | undefined,
  knobs: { readonly startupSeconds: number; readonly mu: number; readonly targetSeconds: number },
): { readonly from: number; readonly until: number; readonly groups: number } | undefined {
  if (pattern === undefined) return undefined;
  const lead = (knobs.startupSeconds + 15) * 1000;
  return {
    from: pattern.nextAt - lead,
    until: pattern.nextAt + pattern.toleranceMs,
    groups: Math.ceil(pattern.size / (knobs.mu * knobs.targetSeconds) - 1e-9),
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length / 2;
  return Number.isInteger(mid)
    ? ((s[mid - 1] as number) + (s[mid] as number)) / 2
    : (s[Math.floor(mid)] as number);
}

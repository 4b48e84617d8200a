import type { ControllerSpec } from '../config/poolSpec';

/** Consecutive failures (failed creates, replaced groups) and when creates may resume (ms). */
export interface Backoff {
  readonly failures: number;
  readonly until: number;
}

/** No failure in a row: creates go out at once. */
export const noBackoff: Backoff = { failures: 0, until: 0 };

/**
 * Counts a failure and sets when creates may resume. The first failure is retried at once (one
 * failed group is often bad luck); from the second in a row the wait starts at
 * failureBackoffSeconds and doubles: 30 s, 60 s, 120 s … capped at maxFailureBackoffSeconds.
 */
export function bumpBackoff(
  backoff: Backoff,
  knobs: Pick<ControllerSpec, 'failureBackoffSeconds' | 'maxFailureBackoffSeconds'>,
  now: number,
): Backoff {
  const failures = backoff.failures + 1;
  if (failures < 2) return { failures, until: now };
  const wait = Math.min(
    knobs.maxFailureBackoffSeconds,
    knobs.failureBackoffSeconds * 2 ** (failures - 2),
  );
  return { failures, until: now + wait * 1000 };
}

/** True while creates are held back. */
export function holdsCreates(backoff: Backoff, now: number): boolean {
  return backoff.until > now;
}

/**
 * Counts a capacity failure of a site and closes it at once: capacity is a region's, so the
 * same region rarely has it a moment later, and another site can take the creates meanwhile.
 * The wait starts at failureBackoffSeconds and doubles from there: 30 s, 60 s, 120 s … capped at
 * maxFailureBackoffSeconds (bumpBackoff's schedule without its free first retry). A site
 * already closed stays as it is: the refusals of one wave of creates, sent before the first came
 * back, are one failure, not twelve (which would close the site for the 600 s cap at once).
 */
export function closeSite(
  backoff: Backoff,
  knobs: Pick<ControllerSpec, 'failureBackoffSeconds' | 'maxFailureBackoffSeconds'>,
  now: number,
): Backoff {
  if (holdsCreates(backoff, now)) return backoff;
  const failures = backoff.failures + 1;
  const wait = Math.min(
    knobs.maxFailureBackoffSeconds,
    knobs.failureBackoffSeconds * 2 ** (failures - 1),
  );
  return { failures, until: now + wait * 1000 };
}

/**
 * What reaches a pool controller from outside: the orchestration's name and instance id, and the
 * signals that the triggers raise as its external event. Plain JSON: every signal is recorded in
 * orchestration history.
 */

/** Name of the pool controller orchestration. */
export const CONTROLLER_ORCHESTRATION = 'poolController';
/** Name of the external event every signal to a controller travels as. */
export const SIGNAL_EVENT = 'signal';

/** The controller's instance id: derived from the pool name, so there is one writer per pool. */
export function controllerInstanceId(pool: string): string {
  return `surge-pool-${pool}`;
}

/**
 * One reading of a pool's queue or subscription depth, taken at `at` (ms since epoch): what the
 * depth watch signals, what a controller learns from, and what the watch remembers it sent.
 */
export interface DepthReading {
  readonly at: number;
  readonly active: number;
  readonly deadLetter: number;
  readonly scheduled: number;
}

/** A registry push that matches a pool's follow filter, pinned to the pushed digest. */
export interface Push {
  readonly eventId: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest: string;
}

/** What reaches a controller as the external event "signal". */
export type ControllerSignal =
  /** The depth watch read the pool's queue. */
  | ({ readonly kind: 'depth' } & DepthReading)
  /** The depth watch could not read it. */
  | { readonly kind: 'depthFailed'; readonly at: number; readonly error: string }
  /** A push signal (Event Grid, alert, API): look now and read the depth directly. */
  | {
      readonly kind: 'wake';
      readonly at: number;
      readonly source: string;
      readonly detail?: string;
    }
  /** The scale-in tick: the only time scale-in is evaluated. */
  | { readonly kind: 'scaleIn'; readonly at: number }
  | { readonly kind: 'pause'; readonly at: number; readonly reason?: string }
  | { readonly kind: 'resume'; readonly at: number }
  /** A registry push that matches the pool's follow filter: roll to this digest. */
  | { readonly kind: 'push'; readonly at: number; readonly push: Push }
  /** Hold `count` groups for `seconds`, whatever the policy says. */
  | {
      readonly kind: 'override';
      readonly at: number;
      readonly count: number;
      readonly seconds: number;
      readonly reason?: string;
    }
  | { readonly kind: 'clearOverride'; readonly at: number };

/** What woke the controller for an iteration. */
export type Trigger = 'timer' | ControllerSignal['kind'];

/** The reading part of a depth signal (or of anything that carries a reading). */
export function readingOf(sample: DepthReading): DepthReading {
  return {
    at: sample.at,
    active: sample.active,
    deadLetter: sample.deadLetter,
    scheduled: sample.scheduled,
  };
}

/** True when two readings report the same counts (whenever they were taken). */
export function sameCounts(a: DepthReading, b: DepthReading): boolean {
  return a.active === b.active && a.deadLetter === b.deadLetter && a.scheduled === b.scheduled;
}

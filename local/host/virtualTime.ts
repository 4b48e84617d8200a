/**
 * Virtual time for a whole local runtime: "time jumps to the next due timer whenever nothing is
 * running". With a SettableClock, `driveVirtualTime` repeatedly
 *
 * 1. lets everything runnable at the current instant run (extra participants such as the Azure
 *    emulator, the host's timer functions, the Durable engine's episodes and activities) until
 *    nothing is left at this instant;
 * 2. jumps the clock to the earliest next due time among host timers, durable timers and the
 *    participants' `nextEventAt()`;
 *
 * and stops at `until` (the clock is left exactly there, with everything due at `until` run).
 * Order within one instant: participants, then timer functions, then the engine; repeated until
 * a pass does nothing, so a timer function that starts an orchestration sees it run at the same
 * virtual instant.
 */
import type { Clock, SettableClock } from '../clock';
import { isSettableClock } from '../clock';
import type { DurableEngine } from '../durable/engine';
import type { TimerScheduler } from './timers';

/** Anything else that has work at virtual instants (the Azure emulator, a load generator). */
export interface VirtualTimeParticipant {
  /** The next instant (ms since epoch) this participant has work, or undefined. */
  nextEventAt(): number | undefined;
  /** Do what is due at the current clock time; may return a promise, which is awaited. */
  runDue?(now: number): unknown;
}

/** What the driver moves: the host's clock, timers and engine (a `Host` fits). */
export interface VirtualTimeTarget {
  readonly clock: Clock;
  readonly timers: TimerScheduler;
  readonly engine: DurableEngine;
}

/** Options of `driveVirtualTime`. */
export interface DriveOptions {
  readonly participants?: readonly VirtualTimeParticipant[];
  /**
   * Guard against something that is always due (a participant whose `nextEventAt()` never moves
   * past now): most passes at one instant before giving up with an error. Default 1000.
   */
  readonly maxPassesPerInstant?: number;
}

/** What a drive did. */
export interface DriveReport {
  /** Distinct instants the clock stopped at (including the start and `until`). */
  readonly instants: number;
  /** Timer function runs. */
  readonly timerRuns: number;
  /** The clock at the end (= `until`). */
  readonly now: number;
}

function settable(clock: Clock): SettableClock {
  if (!isSettableClock(clock)) {
    throw new Error('driveVirtualTime needs a SettableClock (VirtualClock)');
  }
  return clock;
}

function earliest(times: readonly (number | undefined)[]): number | undefined {
  let min: number | undefined;
  for (const t of times) if (t !== undefined && (min === undefined || t < min)) min = t;
  return min;
}

/**
 * Run everything due at the current instant until nothing is: participants, timers, engine,
 * again while any of them did something. Returns the number of timer runs.
 */
async function settleInstant(
  target: VirtualTimeTarget,
  options: DriveOptions = {},
): Promise<number> {
  const participants = options.participants ?? [];
  const maxPasses = options.maxPassesPerInstant ?? 1000;
  const now = target.clock.now();
  let timerRuns = 0;
  for (let pass = 0; ; pass++) {
    if (pass >= maxPasses) {
      throw new Error(
        `driveVirtualTime: still busy after ${maxPasses} passes at ${new Date(now).toISOString()} (something is always due)`,
      );
    }
    let busy = false;
    for (const p of participants) {
      const at = p.nextEventAt();
      if (at !== undefined && at <= now) {
        await p.runDue?.(now);
        busy = true;
      }
    }
    const fired = await target.timers.fireDue();
    timerRuns += fired;
    await target.engine.runUntilIdle();
    const engineDue = target.engine.nextTimerAt();
    if (engineDue !== undefined && engineDue <= now) busy = true;
    if (fired === 0 && !busy) return timerRuns;
  }
}

/**
 * Move a SettableClock from now to `until`, stopping at every instant where a host timer, a
 * durable timer or a participant is due, and running what is due there (see the module
 * comment). Resolves once the clock is at `until` and nothing is runnable.
 */
export async function driveVirtualTime(
  target: VirtualTimeTarget,
  until: number | Date,
  options: DriveOptions = {},
): Promise<DriveReport> {
  const clock = settable(target.clock);
  const end = typeof until === 'number' ? until : until.getTime();
  if (!Number.isFinite(end)) throw new RangeError(`driveVirtualTime: invalid end ${String(until)}`);
  if (end < clock.now()) {
    throw new RangeError(
      `driveVirtualTime: ${new Date(end).toISOString()} is before now (${new Date(clock.now()).toISOString()})`,
    );
  }
  const participants = options.participants ?? [];
  let instants = 1;
  let timerRuns = await settleInstant(target, options);
  for (;;) {
    const next = earliest([
      target.timers.nextDueAt(),
      target.engine.nextTimerAt(),
      ...participants.map((p) => p.nextEventAt()),
    ]);
    if (next === undefined || next > end) break;
    if (next > clock.now()) {
      clock.set(next);
      instants++;
    }
    timerRuns += await settleInstant(target, options);
  }
  if (end > clock.now()) {
    clock.set(end);
    instants++;
    timerRuns += await settleInstant(target, options);
  }
  return { instants, timerRuns, now: clock.now() };
}

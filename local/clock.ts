/**
 * One notion of "now" for the whole local runtime. The host's timers, the Durable engine and the
 * Azure emulator all read the same clock, so a scenario can run in virtual time (deterministic,
 * instant) or in real time with the same code.
 */

/** A source of the current time. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

/** A clock that tests and simulations move by hand. */
export interface SettableClock extends Clock {
  /** Jump to `t` (ms since epoch). Time never goes backwards. */
  set(t: number): void;
  /** Move forward by `ms` milliseconds. */
  advance(ms: number): void;
}

/** True when the clock can be moved by hand (a VirtualClock or anything shaped like it). */
export function isSettableClock(clock: Clock): clock is SettableClock {
  const candidate = clock as Partial<SettableClock>;
  return typeof candidate.set === 'function' && typeof candidate.advance === 'function';
}

/** Wall-clock time. */
export class SystemClock implements Clock {
  /** `Date.now()`. */
  now(): number {
    return Date.now();
  }
}

/**
 * Time that only moves when told to. Going backwards is refused: durable timers, history
 * timestamps and `currentUtcDateTime` all assume time is monotonic.
 */
export class VirtualClock implements SettableClock {
  #now: number;

  /** `start` is a Date or ms since epoch; default 2025-01-01T00:00:00Z keeps outputs stable. */
  constructor(start: number | Date = Date.UTC(2025, 0, 1)) {
    const t = typeof start === 'number' ? start : start.getTime();
    if (!Number.isFinite(t))
      throw new RangeError(`VirtualClock: invalid start time ${String(start)}`);
    this.#now = t;
  }

  /** The current virtual time. */
  now(): number {
    return this.#now;
  }

  /** Jump to `t`; throws if `t` is in the past. */
  set(t: number): void {
    if (!Number.isFinite(t)) throw new RangeError(`VirtualClock.set: invalid time ${t}`);
    if (t < this.#now) {
      throw new RangeError(
        `VirtualClock.set: cannot go back from ${new Date(this.#now).toISOString()} to ${new Date(t).toISOString()}`,
      );
    }
    this.#now = t;
  }

  /** Move forward by `ms` (must be >= 0). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError(`VirtualClock.advance: ms must be a finite number >= 0, got ${ms}`);
    }
    this.#now += ms;
  }
}

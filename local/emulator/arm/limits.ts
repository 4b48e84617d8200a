/**
 * ARM's request throttling and ACI's create/delete rate limits, computed lazily from the model
 * clock (nothing ticks: a bucket's level is derived from the time of its last use).
 */
import type { BucketConfig } from '../config';

/**
 * A token bucket: it holds up to `capacity` tokens and gains `refillPerSecond` per second; each
 * request takes one. ARM's reads bucket (250, refill 25/s) lets a burst of 250 reads through, then
 * 25 per second; an empty bucket answers 429 with Retry-After = the seconds until one token is
 * back, rounded up (1 s for reads: 1/25 s rounds up to 1).
 */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private config: BucketConfig,
    now: number,
  ) {
    this.#tokens = config.capacity;
    this.#at = now;
  }

  /** Changes capacity and refill; the level is kept (capped at the new capacity). */
  reconfigure(config: BucketConfig, now: number): void {
    this.#refill(now);
    this.config = config;
    this.#tokens = Math.min(this.#tokens, config.capacity);
  }

  /**
   * Takes a token if there is one. Returns the tokens left (whole) or, when empty, the seconds to
   * wait for the next one.
   */
  take(now: number): { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number } {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return { ok: true, remaining: Math.floor(this.#tokens) };
    }
    const rate = this.config.refillPerSecond;
    const wait = rate > 0 ? Math.ceil((1 - this.#tokens) / rate) : 3600;
    return { ok: false, retryAfterSeconds: Math.max(1, wait) };
  }

  #refill(now: number): void {
    if (now > this.#at) {
      const gained = ((now - this.#at) / 1000) * this.config.refillPerSecond;
      this.#tokens = Math.min(this.config.capacity, this.#tokens + gained);
    }
    this.#at = Math.max(this.#at, now);
  }
}

/**
 * Events in two sliding windows (5 minutes and 1 hour), as ACI counts creates and deletes per
 * subscription and region. Holds at most `perHour` timestamps, so memory is bounded by the limit.
 */
export class SlidingWindows {
  readonly #times: number[] = [];

  /**
   * Whether one more event fits at `now`: what would be left in each window after it, or the
   * seconds until the oldest event leaves the full window. Nothing is recorded (see `add`), so a
   * request refused for another reason does not use up the window.
   * Worked example: 100 creates at 12:00:00 fill the 5-minute window; a create at 12:01:00 must
   * wait until 12:05:00, so it gets Retry-After 240.
   */
  check(
    now: number,
    per5Min: number,
    perHour: number,
  ):
    | { ok: true; remaining5Min: number; remainingHour: number }
    | { ok: false; retryAfterSeconds: number; window: '5 minutes' | 'hour'; limit: number } {
    const hourAgo = now - 3600_000;
    const fiveAgo = now - 300_000;
    while (this.#times.length > 0 && this.#times[0]! <= hourAgo) this.#times.shift();
    const inHour = this.#times.length;
    let firstIn5 = this.#times.findIndex((t) => t > fiveAgo);
    if (firstIn5 < 0) firstIn5 = inHour;
    const in5 = inHour - firstIn5;
    if (in5 >= per5Min) {
      const oldest = this.#times[inHour - per5Min] ?? now;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + 300_000 - now) / 1000)),
        window: '5 minutes',
        limit: per5Min,
      };
    }
    if (inHour >= perHour) {
      const oldest = this.#times[inHour - perHour] ?? now;
      return {
        ok: false,
        retryAfterSeconds: Math.max(1, Math.ceil((oldest + 3600_000 - now) / 1000)),
        window: 'hour',
        limit: perHour,
      };
    }
    return { ok: true, remaining5Min: per5Min - in5 - 1, remainingHour: perHour - inHour - 1 };
  }

  /** Records one event at `now` (after `check` said it fits). */
  add(now: number): void {
    this.#times.push(now);
  }

  /** What is left in each window at `now`, without recording. */
  remaining(now: number, per5Min: number, perHour: number): { fiveMin: number; hour: number } {
    const inHour = this.#times.filter((t) => t > now - 3600_000).length;
    const in5 = this.#times.filter((t) => t > now - 300_000).length;
    return { fiveMin: Math.max(0, per5Min - in5), hour: Math.max(0, perHour - inHour) };
  }
}

/**
 * One queue (or subscription) as a FIFO fluid: messages are not objects but batches
 * `{start, end, count}` of messages enqueued evenly between two instants, so a queue that held
 * ten million messages for hours costs a few thousand small objects. Draining takes messages off
 * the head in order; each drained slice records its waits (dequeue time − enqueue time) in a
 * Histogram, so p50/p95/p99/max are available without keeping messages.
 *
 * The arithmetic is the fluid (deterministic) M/D/1 picture: within one segment of model time the
 * arrival rate λ and the drain capacity μ are constant, so the depth moves linearly and hits 0 at
 * a computable instant (see `segment`). The caller (world.ts) cuts time into such segments.
 */
import { Histogram } from './histogram';
import type { WaitStats } from './histogram';

interface Batch {
  /** Enqueue time of the first message left in the batch (ms since epoch). */
  start: number;
  /** Enqueue time of the last message (ms); start === end for a burst. */
  end: number;
  /** Messages left (fractional while a rate delivers parts of a message). */
  count: number;
}

/** Depth and throughput of one queue. */
export interface QueueStats {
  /** Active messages now (whole messages: fractions of a rate's arrivals are not yet messages). */
  readonly depth: number;
  /** Messages enqueued since the entity was created. */
  readonly enqueued: number;
  /** Messages drained (completed) since the entity was created. */
  readonly dequeued: number;
  /** Age of the oldest active message, in seconds (0 when empty). */
  readonly oldestAgeSeconds: number;
  /** Waits of drained messages. */
  readonly waits: WaitStats;
}

/** Tuning of the batch bookkeeping. */
export interface FluidQueueOptions {
  /** Batches kept before adjacent ones are merged (bounds memory; default 4096). */
  readonly maxBatches?: number;
  /** Arrivals closer than this to the tail batch's start join it (ms; default 1000). */
  readonly granularityMs?: number;
}

/** A FIFO queue of message batches with wait-time accounting. */
export class FluidQueue {
  #batches: Batch[] = [];
  #head = 0;
  #depth = 0;
  #enqueued = 0;
  #dequeued = 0;
  #granularityMs: number;
  readonly #maxBatches: number;
  readonly #waits = new Histogram();

  constructor(options: FluidQueueOptions = {}) {
    this.#maxBatches = options.maxBatches ?? 4096;
    this.#granularityMs = options.granularityMs ?? 1000;
  }

  /** Messages in the queue, fractional (reads should use `stats().depth`). */
  get depth(): number {
    return this.#depth;
  }

  /** Whole active messages (what CountDetails reports). */
  get active(): number {
    return whole(this.#depth);
  }

  /** Messages drained so far (fractional). */
  get drained(): number {
    return this.#dequeued;
  }

  /** The waits recorded so far (read-only use: merging the waits of several queues). */
  get waitHistogram(): Histogram {
    return this.#waits;
  }

  /** Batches held now (for memory tests). */
  get batchCount(): number {
    return this.#batches.length - this.#head;
  }

  /** Appends `count` messages enqueued evenly over [start, end]. */
  add(start: number, end: number, count: number): void {
    if (!(count > 0)) return;
    this.#depth += count;
    this.#enqueued += count;
    const tail = this.#batches[this.#batches.length - 1];
    if (
      tail !== undefined &&
      this.#batches.length > this.#head &&
      start >= tail.end &&
      end - tail.start <= this.#granularityMs
    ) {
      // Joining keeps the messages in order; their spread becomes [tail.start, end].
      tail.end = end;
      tail.count += count;
      return;
    }
    this.#batches.push({ start, end, count });
    if (this.batchCount > this.#maxBatches) this.#coarsen();
  }

  /**
   * Advances one segment [s, e] in which `arrivals` messages arrive evenly and running consumers
   * can take `capacityPerMs` messages per millisecond. Fluid model, exact for constant rates:
   * - empty queue and λ ≤ μ: each message is taken as it arrives (wait 0);
   * - λ ≥ μ, or the backlog D outlives the segment: the head drains at μ for the whole segment;
   * - otherwise the backlog empties at τ = D / (μ − λ), after which arrivals are taken at once.
   * Worked example: D = 100, λ = 1/s, μ = 3/s → τ = 100 / 2 = 50 s; over a 60 s segment 150
   * messages leave during the first 50 s and the last 10 arrivals leave as they come.
   */
  segment(s: number, e: number, arrivals: number, capacityPerMs: number): void {
    const dur = e - s;
    const backlog = this.#depth;
    this.add(s, e, arrivals);
    if (!(capacityPerMs > 0) || this.#depth <= 0) return;
    if (dur <= 0) return;
    const lambda = arrivals / dur;
    if (backlog <= 1e-9 && lambda <= capacityPerMs) {
      this.#takeAll();
      return;
    }
    if (lambda >= capacityPerMs) {
      this.#takeHead(capacityPerMs * dur, s, capacityPerMs);
      return;
    }
    const tau = backlog / (capacityPerMs - lambda);
    if (tau >= dur) {
      this.#takeHead(capacityPerMs * dur, s, capacityPerMs);
      return;
    }
    this.#takeHead(capacityPerMs * tau, s, capacityPerMs);
    this.#takeAll();
  }

  /** Removes up to `n` messages from the head at once (a purge or a manual receive); no waits. */
  remove(n: number): number {
    const taken = Math.min(n, this.#depth);
    let left = taken;
    while (left > 1e-9 && this.#head < this.#batches.length) {
      const b = this.#batches[this.#head]!;
      const k = Math.min(left, b.count);
      this.#consume(b, k);
      left -= k;
    }
    this.#depth = Math.max(0, this.#depth - taken);
    return taken;
  }

  /** Depth, counters, oldest age and wait percentiles at `now`. */
  stats(now: number): QueueStats {
    const head = this.#batches[this.#head];
    return {
      depth: whole(this.#depth),
      enqueued: whole(this.#enqueued),
      dequeued: whole(this.#dequeued),
      oldestAgeSeconds:
        head !== undefined && this.#depth > 1e-9
          ? Math.round(Math.max(0, now - head.start)) / 1000
          : 0,
      waits: this.#waits.stats(),
    };
  }

  /**
   * Drains `n` messages from the head, the k-th leaving at d0 + k/μ; each slice of a batch records
   * waits that vary linearly from its first to its last message.
   */
  #takeHead(n: number, d0: number, perMs: number): void {
    let left = Math.min(n, this.#depth);
    let d = d0;
    while (left > 1e-9 && this.#head < this.#batches.length) {
      const b = this.#batches[this.#head]!;
      const k = Math.min(left, b.count);
      const e0 = b.start;
      const e1 = b.start + ((b.end - b.start) * k) / b.count;
      const d1 = d + k / perMs;
      this.#waits.addRange(Math.max(0, d - e0), Math.max(0, d1 - e1), k);
      this.#consume(b, k);
      this.#dequeued += k;
      this.#depth -= k;
      left -= k;
      d = d1;
    }
    if (this.#depth < 1e-9) this.#depth = 0;
  }

  /** Takes everything left with no wait (arrivals met by idle consumers). */
  #takeAll(): void {
    this.#waits.add(0, this.#depth);
    this.#dequeued += this.#depth;
    this.#depth = 0;
    this.#batches = [];
    this.#head = 0;
  }

  #consume(b: Batch, k: number): void {
    if (k >= b.count - 1e-9) {
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#batches.length) {
        this.#batches = this.#batches.slice(this.#head);
        this.#head = 0;
      }
      return;
    }
    b.start += ((b.end - b.start) * k) / b.count;
    b.count -= k;
  }

  /**
   * Merges neighbours pairwise and doubles the join granularity, so memory stays bounded however
   * long arrivals outpace draining. The merged batch spreads its messages over both spans; wait
   * times then err by at most the merged span.
   */
  #coarsen(): void {
    const live = this.#batches.slice(this.#head);
    const merged: Batch[] = [];
    for (let i = 0; i < live.length; i += 2) {
      const a = live[i]!;
      const b = live[i + 1];
      merged.push(b === undefined ? a : { start: a.start, end: b.end, count: a.count + b.count });
    }
    this.#batches = merged;
    this.#head = 0;
    this.#granularityMs *= 2;
  }
}

/** Whole messages: 79.9999999 drained of 100 reads as 80, 0.4 of a message as 0. */
function whole(x: number): number {
  return Math.floor(x + 1e-6);
}

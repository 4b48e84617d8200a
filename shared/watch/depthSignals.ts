import type { AzureFailure } from '../azure/errors';
import type { EntityDepth } from '../azure/ports';
import type { PoolSpec } from '../config/poolSpec';
import { entityPath } from '../config/pools';
import type { ControllerSignal, DepthReading } from '../controller/signal';
import { sameCounts } from '../controller/signal';

/**
 * What the depth watch decides, purely: which pools share a namespace read, what to list in a
 * namespace, the signal each pool gets from a read (or a failed one), whether a reading is worth
 * sending again, and the run's report. The trigger (functions/depthWatch.ts) only reads and sends.
 */

/** A signal for one pool's controller. */
export interface PoolSignal {
  readonly pool: string;
  readonly signal: ControllerSignal;
}

/** What one run of the depth watch did, for the log and for tests. */
export interface DepthWatchReport {
  /** Pools whose depth was read (delivered to the controller or not: see undelivered). */
  readonly sampled: readonly string[];
  /** Pools whose depth could not be read, with why. */
  readonly failed: readonly { pool: string; error: string }[];
  /** Pools whose controller could not be signalled, with why. */
  readonly undelivered: readonly { pool: string; error: string }[];
}

/**
 * An unchanged reading is signalled again after this long, not before. Each signal is an
 * orchestration episode (a replay of the controller's history); an idle queue read as 0 every 15 s
 * tells its controller nothing new three times a minute. Its drain estimates lose nothing either:
 * a reading one minute after the last gives the same slope, and they compare readings up to two
 * minutes apart. A changed reading, or a failed read, is always signalled at once.
 */
export const RESIGNAL_UNCHANGED_MS = 60_000;

/** The pools grouped by the namespace they drain (names compared case-insensitively), in order. */
export function byNamespace(pools: readonly PoolSpec[]): PoolSpec[][] {
  const groups = new Map<string, PoolSpec[]>();
  for (const p of pools) {
    const key = p.serviceBus.namespace.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()];
}

/**
 * What to list in a namespace to read these pools' depths: its queues (one administration call
 * per page) when any pool drains a queue, and the subscriptions of each topic a pool drains.
 */
export function listingOf(pools: readonly PoolSpec[]): {
  readonly queues: boolean;
  readonly topics: readonly string[];
} {
  const topics = pools.flatMap((p) =>
    p.serviceBus.topic !== undefined ? [p.serviceBus.topic] : [],
  );
  return {
    queues: pools.some((p) => p.serviceBus.queue !== undefined),
    topics: [...new Set(topics)],
  };
}

/**
 * The signals a namespace read gives its pools: a reading for each pool whose entity was listed
 * (keyed by lower-cased entity path), a depthFailed for each whose entity was not.
 */
export function readSignals(
  pools: readonly PoolSpec[],
  namespace: string,
  depths: ReadonlyMap<string, EntityDepth>,
  at: number,
): PoolSignal[] {
  return pools.map((p) => {
    const entity = entityPath(p);
    const d = depths.get(entity.toLowerCase());
    if (!d) {
      const error = `${entity} not found in ${namespace}`;
      return { pool: p.name, signal: { kind: 'depthFailed', at, error } };
    }
    const { active, deadLetter, scheduled } = d;
    return { pool: p.name, signal: { kind: 'depth', at, active, deadLetter, scheduled } };
  });
}

/** The signals of a namespace that could not be read: every pool in it holds (KEDA's fallback). */
export function unreadSignals(
  pools: readonly PoolSpec[],
  namespace: string,
  failure: AzureFailure,
  at: number,
): PoolSignal[] {
  const error = `${namespace}: ${failure.code}: ${failure.message}`;
  return pools.map((p) => ({ pool: p.name, signal: { kind: 'depthFailed', at, error } }));
}

/**
 * True when a signal only repeats the reading last signalled to the pool, less than
 * RESIGNAL_UNCHANGED_MS ago. Example: 0 waiting at 10:00:00 and again at 10:00:15 → held back;
 * at 10:01:00 → sent.
 */
export function repeatsLast(last: DepthReading | undefined, signal: ControllerSignal): boolean {
  return (
    signal.kind === 'depth' &&
    last !== undefined &&
    signal.at >= last.at &&
    signal.at - last.at < RESIGNAL_UNCHANGED_MS &&
    sameCounts(last, signal)
  );
}

/** The run's report, each list sorted by pool. */
export function watchReport(
  signals: readonly PoolSignal[],
  undelivered: readonly { pool: string; error: string }[],
): DepthWatchReport {
  const byPool = (a: { pool: string }, b: { pool: string }) => a.pool.localeCompare(b.pool);
  const failed = signals.flatMap(({ pool, signal }) =>
    signal.kind === 'depthFailed' ? [{ pool, error: signal.error }] : [],
  );
  return {
    sampled: signals
      .filter((s) => s.signal.kind === 'depth')
      .map((s) => s.pool)
      .sort(),
    failed: failed.sort(byPool),
    undelivered: [...undelivered].sort(byPool),
  };
}

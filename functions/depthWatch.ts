import type { InvocationContext, Timer } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { EntityDepth, QueueMetrics } from '../shared/azure/ports';
import type { PoolSpec } from '../shared/config/poolSpec';
import type { PoolsConfig } from '../shared/config/pools';
import { entityPath } from '../shared/config/pools';
import type { ControllerSignal } from '../shared/controller/signal';
import type { Controllers } from '../shared/durable/controllers';
import { durableControllers } from '../shared/durable/controllers';
import { readSettings } from '../shared/config/settings';
import { runtime } from '../shared/runtime';
import { mapLimit } from '../shared/util/concurrency';

/** What one run of the depth watch did, for the log and for tests. */
export interface DepthWatchReport {
  /** Pools whose depth was read (delivered to the controller or not: see undelivered). */
  readonly sampled: readonly string[];
  /** Pools whose depth could not be read, with why. */
  readonly failed: readonly { pool: string; error: string }[];
  /** Pools whose controller could not be signalled, with why. */
  readonly undelivered: readonly { pool: string; error: string }[];
}

/** A depth reading as last signalled to a pool's controller. */
export interface SignalledReading {
  readonly at: number;
  readonly active: number;
  readonly deadLetter: number;
  readonly scheduled: number;
}

/**
 * An unchanged reading is signalled again after this long, not before. Each signal is an
 * orchestration episode (a replay of the controller's history); an idle queue read as 0 every 15 s
 * tells its controller nothing new three times a minute. Its drain estimates lose nothing either:
 * a reading one minute after the last gives the same slope, and they compare readings up to two
 * minutes apart. A changed reading, or a failed read, is always signalled at once.
 */
const RESIGNAL_UNCHANGED_MS = 60_000;

/** Namespaces read at once; each read is one administration call per page. */
const NAMESPACES_IN_FLIGHT = 4;

/**
 * The queue-depth watch: reads the depth of every pool's entity with one administration call per
 * namespace page (queues) or topic page (subscriptions), never one per pool, and signals each
 * controller with its sample (an unchanged sample at most once a minute). A pool whose entity is missing or whose namespace cannot be read
 * gets a depthFailed signal instead, so its controller can hold (like KEDA's fallback).
 */
export function watchDepth(deps: {
  pools: PoolsConfig;
  queueMetrics: QueueMetrics;
  controllers: Controllers;
  now: () => number;
  /** Readings last signalled per pool: an unchanged one is held back for a while (see below). */
  lastSignalled?: Map<string, SignalledReading>;
}) {
  return async (): Promise<DepthWatchReport> => {
    const byNamespace = new Map<string, PoolSpec[]>();
    for (const p of deps.pools.pools) {
      const key = p.serviceBus.namespace.toLowerCase();
      byNamespace.set(key, [...(byNamespace.get(key) ?? []), p]);
    }
    const signals: { pool: string; signal: ControllerSignal }[] = [];
    const failed: { pool: string; error: string }[] = [];
    await mapLimit([...byNamespace.values()], NAMESPACES_IN_FLIGHT, async (pools) => {
      const namespace = (pools[0] as PoolSpec).serviceBus.namespace;
      let depths: Map<string, EntityDepth>;
      try {
        depths = await readNamespace(deps.queueMetrics, namespace, pools);
      } catch (e) {
        const f = toFailure(e);
        for (const p of pools) {
          const error = `${namespace}: ${f.code}: ${f.message}`;
          failed.push({ pool: p.name, error });
          signals.push({ pool: p.name, signal: { kind: 'depthFailed', at: deps.now(), error } });
        }
        return;
      }
      const at = deps.now();
      for (const p of pools) {
        const entity = entityPath(p);
        const d = depths.get(entity.toLowerCase());
        if (d) {
          signals.push({
            pool: p.name,
            signal: {
              kind: 'depth',
              at,
              active: d.active,
              deadLetter: d.deadLetter,
              scheduled: d.scheduled,
            },
          });
        } else {
          const error = `${entity} not found in ${namespace}`;
          failed.push({ pool: p.name, error });
          signals.push({ pool: p.name, signal: { kind: 'depthFailed', at, error } });
        }
      }
    });
    const undelivered: { pool: string; error: string }[] = [];
    const unchanged = (pool: string, signal: ControllerSignal): boolean => {
      const last = deps.lastSignalled?.get(pool);
      return (
        signal.kind === 'depth' &&
        last !== undefined &&
        signal.at >= last.at &&
        signal.at - last.at < RESIGNAL_UNCHANGED_MS &&
        last.active === signal.active &&
        last.deadLetter === signal.deadLetter &&
        last.scheduled === signal.scheduled
      );
    };
    await mapLimit(signals, 8, async ({ pool, signal }) => {
      if (unchanged(pool, signal)) return;
      try {
        await deps.controllers.signal(pool, signal);
        if (signal.kind === 'depth') {
          const { at, active, deadLetter, scheduled } = signal;
          deps.lastSignalled?.set(pool, { at, active, deadLetter, scheduled });
        }
      } catch (e) {
        deps.lastSignalled?.delete(pool);
        undelivered.push({ pool, error: (e as Error).message });
      }
    });
    const sampled = signals.filter((s) => s.signal.kind === 'depth').map((s) => s.pool);
    const byPool = (a: { pool: string }, b: { pool: string }) => a.pool.localeCompare(b.pool);
    return {
      sampled: sampled.sort(),
      failed: failed.sort(byPool),
      undelivered: undelivered.sort(byPool),
    };
  };
}

/** Depths of the entities these pools drain, keyed by lower-cased entity path. */
async function readNamespace(
  metrics: QueueMetrics,
  namespace: string,
  pools: readonly PoolSpec[],
): Promise<Map<string, EntityDepth>> {
  const depths = new Map<string, EntityDepth>();
  const add = (list: EntityDepth[]) => list.forEach((d) => depths.set(d.entity.toLowerCase(), d));
  if (pools.some((p) => p.serviceBus.queue !== undefined)) add(await metrics.listQueues(namespace));
  const topics = new Set(
    pools.flatMap((p) => (p.serviceBus.topic !== undefined ? [p.serviceBus.topic] : [])),
  );
  for (const topic of topics) add(await metrics.listSubscriptions(namespace, topic));
  return depths;
}

app.timer('depthWatch', {
  // Read from the app settings at registration, before any pool is loaded.
  schedule: readSettings(process.env).depthSchedule,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const r = runtime();
    const report = await watchDepth({
      pools: r.pools,
      queueMetrics: r.azure.queueMetrics,
      controllers: durableControllers(
        df.getClient(context),
        runtime().now,
        runtime().memory.seenAlive,
      ),
      now: r.now,
      lastSignalled: r.memory.lastSignalled,
    })();
    for (const f of report.failed) context.warn(`depth of pool ${f.pool} unavailable: ${f.error}`);
    for (const u of report.undelivered)
      context.error(`could not signal the controller of pool ${u.pool}: ${u.error}`);
  },
});

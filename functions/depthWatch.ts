import type { InvocationContext, Timer } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { EntityDepth, QueueMetrics } from '../shared/azure/ports';
import type { PoolSpec } from '../shared/config/poolSpec';
import type { PoolsConfig } from '../shared/config/pools';
import { readSettings } from '../shared/config/settings';
import type { DepthReading } from '../shared/controller/signal';
import { readingOf } from '../shared/controller/signal';
import { controllersOf } from '../shared/durable/client';
import type { Controllers } from '../shared/durable/controllers';
import { runtime } from '../shared/runtime';
import { mapLimit } from '../shared/util/concurrency';
import type { DepthWatchReport, PoolSignal } from '../shared/watch/depthSignals';
import {
  byNamespace,
  listingOf,
  readSignals,
  repeatsLast,
  unreadSignals,
  watchReport,
} from '../shared/watch/depthSignals';

/** Namespaces read at once; each read is one administration call per page. */
const NAMESPACES_IN_FLIGHT = 4;
/** Signals sent at once. */
const SIGNALS_IN_FLIGHT = 8;

/** What the depth watch reads with and sends to. */
export interface DepthWatchDeps {
  readonly pools: PoolsConfig;
  readonly queueMetrics: QueueMetrics;
  readonly controllers: Controllers;
  readonly now: () => number;
  /** Readings last signalled per pool: an unchanged one is held back for a while. */
  readonly lastSignalled?: Map<string, DepthReading>;
}

/**
 * The queue-depth watch: reads the depth of every pool's entity with one administration call per
 * namespace page (queues) or topic page (subscriptions), never one per pool, and signals each
 * controller with its reading (an unchanged reading at most once a minute). A pool whose entity
 * is missing or whose namespace cannot be read gets a depthFailed signal instead, so its
 * controller can hold (like KEDA's fallback).
 */
export function watchDepth(deps: DepthWatchDeps) {
  return async (): Promise<DepthWatchReport> => {
    const read = await mapLimit(byNamespace(deps.pools.pools), NAMESPACES_IN_FLIGHT, (pools) =>
      readNamespace(deps, pools),
    );
    const signals = read.flat();
    return watchReport(signals, await deliver(deps, signals));
  };
}

/** The signals of one namespace's pools, from one read of it. */
async function readNamespace(deps: DepthWatchDeps, pools: PoolSpec[]): Promise<PoolSignal[]> {
  const namespace = (pools[0] as PoolSpec).serviceBus.namespace;
  try {
    const depths = await listDepths(deps.queueMetrics, namespace, pools);
    return readSignals(pools, namespace, depths, deps.now());
  } catch (e) {
    return unreadSignals(pools, namespace, toFailure(e), deps.now());
  }
}

/** Depths of the entities these pools drain, keyed by lower-cased entity path. */
async function listDepths(
  metrics: QueueMetrics,
  namespace: string,
  pools: readonly PoolSpec[],
): Promise<Map<string, EntityDepth>> {
  const { queues, topics } = listingOf(pools);
  const lists: EntityDepth[][] = [];
  if (queues) lists.push(await metrics.listQueues(namespace));
  for (const topic of topics) lists.push(await metrics.listSubscriptions(namespace, topic));
  return new Map(lists.flat().map((d) => [d.entity.toLowerCase(), d]));
}

/** Sends every signal that says something new; returns those that could not be sent. */
async function deliver(
  deps: DepthWatchDeps,
  signals: readonly PoolSignal[],
): Promise<{ pool: string; error: string }[]> {
  const undelivered: { pool: string; error: string }[] = [];
  await mapLimit(signals, SIGNALS_IN_FLIGHT, async ({ pool, signal }) => {
    if (repeatsLast(deps.lastSignalled?.get(pool), signal)) return;
    try {
      await deps.controllers.signal(pool, signal);
      if (signal.kind === 'depth') deps.lastSignalled?.set(pool, readingOf(signal));
    } catch (e) {
      deps.lastSignalled?.delete(pool);
      undelivered.push({ pool, error: (e as Error).message });
    }
  });
  return undelivered;
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
      controllers: controllersOf(context),
      now: r.now,
      lastSignalled: r.memory.lastSignalled,
    })();
    for (const f of report.failed) context.warn(`depth of pool ${f.pool} unavailable: ${f.error}`);
    for (const u of report.undelivered)
      context.error(`could not signal the controller of pool ${u.pool}: ${u.error}`);
  },
});

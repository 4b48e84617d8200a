import type { InvocationContext, Timer } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { readSettings } from '../shared/config/settings';
import { runtime } from '../shared/runtime';
import { mapLimit } from '../shared/util/concurrency';

/**
 * The scale-in tick: the only time controllers evaluate scale-in, so a pool shrinks on a steady
 * cadence after its stabilization window rather than on every depth reading. Returns the pools
 * whose controller could not be signalled.
 */
export function tickScaleIn(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (): Promise<{ pool: string; error: string }[]> => {
    const undelivered: { pool: string; error: string }[] = [];
    await mapLimit(deps.pools.pools, 8, async (p) => {
      try {
        await deps.controllers.signal(p.name, { kind: 'scaleIn', at: deps.now() });
      } catch (e) {
        undelivered.push({ pool: p.name, error: (e as Error).message });
      }
    });
    return undelivered;
  };
}

app.timer('scaleInTick', {
  // Read from the app settings at registration, before any pool is loaded.
  schedule: readSettings(process.env).scaleInSchedule,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const r = runtime();
    const undelivered = await tickScaleIn({
      pools: r.pools,
      controllers: controllersOf(context),
      now: r.now,
    })();
    for (const u of undelivered)
      context.error(`could not signal the controller of pool ${u.pool}: ${u.error}`);
  },
});

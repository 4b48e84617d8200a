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
 * Makes sure every configured pool has a running controller: at start-up (runOnStartup) and then
 * on a schedule, so a controller that failed or was terminated comes back on its own.
 */
export function ensureAll(deps: { pools: PoolsConfig; controllers: Controllers }) {
  return async (): Promise<Record<string, 'running' | 'started' | { error: string }>> => {
    const outcome: Record<string, 'running' | 'started' | { error: string }> = {};
    await mapLimit(deps.pools.pools, 8, async (p) => {
      try {
        outcome[p.name] = await deps.controllers.ensure(p.name);
      } catch (e) {
        outcome[p.name] = { error: (e as Error).message };
      }
    });
    return outcome;
  };
}

app.timer('ensureControllers', {
  // Read from the app settings at registration, before any pool is loaded.
  schedule: readSettings(process.env).ensureSchedule,
  runOnStartup: true,
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const outcome = await ensureAll({
      pools: runtime().pools,
      controllers: controllersOf(context),
    })();
    for (const [pool, result] of Object.entries(outcome)) {
      if (result === 'started') context.log(`started the controller of pool ${pool}`);
      else if (typeof result === 'object')
        context.error(`could not start the controller of pool ${pool}: ${result.error}`);
    }
  },
});

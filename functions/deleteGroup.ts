import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ContainerGroups } from '../shared/azure/ports';
import { azureWrite, refused } from '../shared/azure/writes';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { DeleteGroupInput, WriteResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';
import type { UsageMemory } from '../shared/watch/usage';
import { reserveUsage, usageKey } from '../shared/watch/usage';

/**
 * Sends the DELETE for one container group; a group that is already gone counts as deleted. An
 * accepted delete gives its quota back in the shared usage at once (input.frees).
 */
export function deleteGroup(deps: {
  pools: PoolsConfig;
  containerGroups: ContainerGroups;
  usage: { readonly memory: UsageMemory; readonly now: () => number };
}) {
  return async (input: DeleteGroupInput, log?: (message: string) => void): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return refused('PoolNotConfigured', `pool "${input.pool}" is not configured`);
    const { subscriptionId, resourceGroup } = spec.azure;
    const result = await azureWrite(
      `delete ${input.name} (${input.reason})`,
      () => deps.containerGroups.beginDelete({ subscriptionId, resourceGroup, name: input.name }),
      log,
    );
    const frees = input.frees;
    if (result.ok && frees) {
      reserveUsage(deps.usage.memory, usageKey(subscriptionId, frees.location), {
        at: deps.usage.now(),
        groups: -1,
        cores: -frees.cores,
        spot: frees.spot,
      });
    }
    return result;
  };
}

df.app.activity(ACTIVITY.deleteGroup, {
  handler: (input: DeleteGroupInput, context: InvocationContext) => {
    const r = runtime();
    return deleteGroup({
      pools: r.pools,
      containerGroups: r.azure.containerGroups,
      usage: { memory: r.memory.usage, now: r.now },
    })(input, (m) => context.log(m));
  },
});

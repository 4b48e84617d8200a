import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ContainerGroups } from '../shared/azure/ports';
import { azureWrite, refused } from '../shared/azure/writes';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { DeleteGroupInput, WriteResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';

/** Sends the DELETE for one container group; a group that is already gone counts as deleted. */
export function deleteGroup(deps: { pools: PoolsConfig; containerGroups: ContainerGroups }) {
  return async (input: DeleteGroupInput, log?: (message: string) => void): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return refused('PoolNotConfigured', `pool "${input.pool}" is not configured`);
    const { subscriptionId, resourceGroup } = spec.azure;
    return azureWrite(
      `delete ${input.name} (${input.reason})`,
      () => deps.containerGroups.beginDelete({ subscriptionId, resourceGroup, name: input.name }),
      log,
    );
  };
}

df.app.activity(ACTIVITY.deleteGroup, {
  handler: (input: DeleteGroupInput, context: InvocationContext) => {
    const r = runtime();
    return deleteGroup({ pools: r.pools, containerGroups: r.azure.containerGroups })(input, (m) =>
      context.log(m),
    );
  },
});

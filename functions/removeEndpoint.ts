import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { TrafficRouter } from '../shared/azure/ports';
import { profileRefOf } from '../shared/azure/profileRef';
import { azureWrite, refused } from '../shared/azure/writes';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { RemoveEndpointInput, WriteResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';

/** Deletes one group's external endpoint; an endpoint already gone counts as deleted. */
export function removeEndpoint(deps: { pools: PoolsConfig; trafficRouter: TrafficRouter }) {
  return async (
    input: RemoveEndpointInput,
    log?: (message: string) => void,
  ): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    const ref = spec ? profileRefOf(spec) : undefined;
    if (!ref) return refused('NoProfile', `pool "${input.pool}" has no Traffic Manager profile`);
    return azureWrite(
      `remove endpoint ${input.name}`,
      () => deps.trafficRouter.deleteEndpoint(ref, input.name),
      log,
    );
  };
}

df.app.activity(ACTIVITY.removeEndpoint, {
  handler: (input: RemoveEndpointInput, context: InvocationContext) =>
    removeEndpoint({ pools: runtime().pools, trafficRouter: runtime().azure.trafficRouter })(
      input,
      (m) => context.log(m),
    ),
});

import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { TrafficRouter } from '../shared/azure/ports';
import { profileRefOf } from '../shared/azure/profileRef';
import { azureWrite, refused } from '../shared/azure/writes';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { SetEndpointInput, WriteResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';

/** Creates or updates one group's external endpoint in the pool's Traffic Manager profile. */
export function setEndpoint(deps: { pools: PoolsConfig; trafficRouter: TrafficRouter }) {
  return async (input: SetEndpointInput, log?: (message: string) => void): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    const ref = spec ? profileRefOf(spec) : undefined;
    if (!ref) return refused('NoProfile', `pool "${input.pool}" has no Traffic Manager profile`);
    const { name, target, weight, enabled } = input;
    return azureWrite(
      `endpoint ${name} (weight ${weight}, ${enabled ? 'enabled' : 'disabled'})`,
      () => deps.trafficRouter.putEndpoint(ref, { name, target, weight, enabled }),
      log,
    );
  };
}

df.app.activity(ACTIVITY.setEndpoint, {
  handler: (input: SetEndpointInput, context: InvocationContext) =>
    setEndpoint({ pools: runtime().pools, trafficRouter: runtime().azure.trafficRouter })(
      input,
      (m) => context.log(m),
    ),
});

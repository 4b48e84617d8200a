import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { TrafficRouter } from '../shared/azure/ports';
import { profileRefOf } from '../shared/azure/profileRef';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { SetEndpointInput, WriteResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';

/** Creates or updates one group's external endpoint in the pool's Traffic Manager profile. */
export function setEndpoint(deps: { pools: PoolsConfig; trafficRouter: TrafficRouter }) {
  return async (input: SetEndpointInput, log?: (message: string) => void): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    const ref = spec ? profileRefOf(spec) : undefined;
    if (!ref) {
      return {
        ok: false,
        failure: {
          kind: 'invalid',
          code: 'NoProfile',
          message: `pool "${input.pool}" has no Traffic Manager profile`,
        },
      };
    }
    try {
      await deps.trafficRouter.putEndpoint(ref, {
        name: input.name,
        target: input.target,
        weight: input.weight,
        enabled: input.enabled,
      });
      log?.(
        `endpoint ${input.name}: weight ${input.weight}, ${input.enabled ? 'enabled' : 'disabled'}`,
      );
      return { ok: true };
    } catch (e) {
      return { ok: false, failure: toFailure(e) };
    }
  };
}

df.app.activity(ACTIVITY.setEndpoint, {
  handler: (input: SetEndpointInput, context: InvocationContext) =>
    setEndpoint({ pools: runtime().pools, trafficRouter: runtime().azure.trafficRouter })(
      input,
      (m) => context.log(m),
    ),
});

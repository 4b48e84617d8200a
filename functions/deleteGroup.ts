import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { ContainerGroups } from '../shared/azure/ports';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { DeleteGroupInput, WriteResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';

/** Sends the DELETE for one container group; a group that is already gone counts as deleted. */
export function deleteGroup(deps: { pools: PoolsConfig; containerGroups: ContainerGroups }) {
  return async (input: DeleteGroupInput, log?: (message: string) => void): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) {
      return {
        ok: false,
        failure: {
          kind: 'invalid',
          code: 'PoolNotConfigured',
          message: `pool "${input.pool}" is not configured`,
        },
      };
    }
    const { subscriptionId, resourceGroup } = spec.azure;
    try {
      await deps.containerGroups.beginDelete({ subscriptionId, resourceGroup, name: input.name });
      log?.(`delete ${input.name} accepted (${input.reason})`);
      return { ok: true };
    } catch (e) {
      const failure = toFailure(e);
      log?.(`delete ${input.name} failed: ${failure.kind} ${failure.code}: ${failure.message}`);
      return { ok: false, failure };
    }
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

import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { AzureFailure } from '../shared/azure/errors';
import type {
  ContainerGroups,
  GroupSnapshot,
  ProfileSnapshot,
  TrafficRouter,
} from '../shared/azure/ports';
import { profileRefOf } from '../shared/azure/profileRef';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { ObservePoolInput, ObservePoolResult } from '../shared/controller/activities';
import { TAG_POOL } from '../shared/policy/version';
import { runtime } from '../shared/runtime';
import { mapLimit } from '../shared/util/concurrency';

/** Instance views read at once: one ARM read each, out of a budget of 25 per second. */
const INSTANCE_VIEW_READS_IN_FLIGHT = 8;

/**
 * Reads a pool back from Azure: every group in its resource group tagged for it (one ARM read
 * per page), plus the instance view of each provisioned group whose health is due for a look
 * and of each failed one, whose events say why (one read each). The spec travels with the result so the orchestration never reads config.
 */
export function observePool(deps: {
  pools: PoolsConfig;
  containerGroups: ContainerGroups;
  trafficRouter?: TrafficRouter;
}) {
  return async (input: ObservePoolInput): Promise<ObservePoolResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return { found: false };
    const { subscriptionId, resourceGroup } = spec.azure;
    let listed: GroupSnapshot[];
    try {
      listed = (await deps.containerGroups.list(subscriptionId, resourceGroup)).filter(
        (g) => g.tags[TAG_POOL] === spec.name,
      );
    } catch (e) {
      return { found: true, spec, instanceViewsRead: [], failure: toFailure(e) };
    }
    const skip = new Set(input.skipInstanceView);
    // Provisioned groups for their health, failed ones for Azure's reason (their events).
    const due = listed.filter(
      (g) =>
        (g.provisioningState === 'Succeeded' || g.provisioningState === 'Failed') &&
        !skip.has(g.name),
    );
    let failure: AzureFailure | undefined;
    const read = await mapLimit(due, INSTANCE_VIEW_READS_IN_FLIGHT, async (g) => {
      try {
        return {
          name: g.name,
          snapshot: await deps.containerGroups.get({ subscriptionId, resourceGroup, name: g.name }),
        };
      } catch (e) {
        failure ??= toFailure(e);
        return { name: g.name, snapshot: g, failed: true };
      }
    });
    const byName = new Map(read.map((r) => [r.name, r]));
    const groups: GroupSnapshot[] = [];
    for (const g of listed) {
      const r = byName.get(g.name);
      if (r === undefined) groups.push(g);
      else if (r.snapshot !== undefined) groups.push(r.snapshot);
      // A group that vanished between the list and its GET is simply gone.
    }
    // The Traffic Manager profile, for endpoint health and weights (one more ARM read).
    const ref = profileRefOf(spec);
    let profile: ProfileSnapshot | undefined;
    if (ref && deps.trafficRouter) {
      try {
        profile = await deps.trafficRouter.getProfile(ref);
        if (!profile) {
          failure ??= {
            kind: 'notFound',
            code: 'ProfileNotFound',
            message: `Traffic Manager profile ${ref.profile} not found in ${ref.resourceGroup}`,
          };
        }
      } catch (e) {
        failure ??= toFailure(e);
      }
    }
    return {
      found: true,
      spec,
      groups,
      instanceViewsRead: read
        .filter((r) => !('failed' in r) && r.snapshot !== undefined)
        .map((r) => r.name),
      ...(profile ? { profile } : {}),
      ...(failure ? { failure } : {}),
    };
  };
}

df.app.activity(ACTIVITY.observePool, {
  handler: (input: ObservePoolInput) =>
    observePool({
      pools: runtime().pools,
      containerGroups: runtime().azure.containerGroups,
      trafficRouter: runtime().azure.trafficRouter,
    })(input),
});

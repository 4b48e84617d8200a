import { createHash } from 'node:crypto';
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
import type { PoolSpec } from '../shared/config/poolSpec';
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
 * and of each failed one, whose events say why (one read each), and the pool's Traffic Manager
 * profile. The spec travels with the result, unless the controller already holds it, so the
 * orchestration never reads configuration.
 *
 * The result is stored in orchestration history and re-read on every replay, so it carries only
 * what the controller decides from: the surge-* tags, states, restart counts, start times, and
 * events only for groups that are not running (a running group's Pulling/Started events say
 * nothing the controller uses).
 */
export function observePool(deps: {
  pools: PoolsConfig;
  containerGroups: ContainerGroups;
  trafficRouter?: TrafficRouter;
}) {
  return async (input: ObservePoolInput): Promise<ObservePoolResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return { found: false };
    const hash = specHash(spec);
    const withSpec = input.knownSpec === hash ? { specHash: hash } : { spec, specHash: hash };
    const { subscriptionId, resourceGroup } = spec.azure;
    let listed: GroupSnapshot[];
    try {
      listed = (await deps.containerGroups.list(subscriptionId, resourceGroup)).filter(
        (g) => g.tags[TAG_POOL] === spec.name,
      );
    } catch (e) {
      return { found: true, ...withSpec, instanceViewsRead: [], failure: toFailure(e) };
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
          read: true,
        };
      } catch (e) {
        failure ??= toFailure(e);
        return { name: g.name, snapshot: g, read: false };
      }
    });
    const byName = new Map(read.map((r) => [r.name, r]));
    const groups: GroupSnapshot[] = [];
    for (const g of listed) {
      const r = byName.get(g.name);
      // A group that vanished between the list and its GET is simply gone.
      const snapshot = r === undefined ? g : r.snapshot;
      if (snapshot !== undefined) groups.push(slim(snapshot));
    }
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
      ...withSpec,
      groups,
      instanceViewsRead: read.filter((r) => r.read && r.snapshot !== undefined).map((r) => r.name),
      ...(profile ? { profile } : {}),
      ...(failure ? { failure } : {}),
    };
  };
}

/** A short, stable hash of a pool spec (the parsed document keeps its key order). */
export function specHash(spec: PoolSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

/** What the controller reads of a group, and nothing more (see above). */
function slim(g: GroupSnapshot): GroupSnapshot {
  const tags = Object.fromEntries(Object.entries(g.tags).filter(([k]) => k.startsWith('surge-')));
  const view = g.instanceView;
  const quiet = g.provisioningState === 'Succeeded' && view?.state === 'Running';
  return {
    name: g.name,
    tags,
    provisioningState: g.provisioningState,
    ...(g.fqdn !== undefined ? { fqdn: g.fqdn } : {}),
    ...(view
      ? {
          instanceView: {
            ...(view.state !== undefined ? { state: view.state } : {}),
            containers: view.containers,
            events: quiet ? [] : view.events.slice(-5),
          },
        }
      : {}),
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

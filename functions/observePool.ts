import { createHash } from 'node:crypto';
import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { AzureFailure } from '../shared/azure/errors';
import type {
  ContainerGroups,
  GroupSnapshot,
  ProfileSnapshot,
  ReadTurns,
  TrafficRouter,
} from '../shared/azure/ports';
import { profileRefOf } from '../shared/azure/profileRef';
import type { PoolSpec } from '../shared/config/poolSpec';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { ObservePoolInput, ObservePoolResult } from '../shared/controller/activities';
import { sitesOf } from '../shared/policy/placement';
import { WAITING_FOR_TURN } from '../shared/policy/readTurns';
import { TAG_POOL } from '../shared/policy/version';
import { runtime } from '../shared/runtime';
import { mapLimit } from '../shared/util/concurrency';
import { assembleGroups, instanceViewsDue } from '../shared/groups/observation';
import type { QuotaRead, UsageMemory } from '../shared/watch/usage';
import { sharedUsage, usageKey } from '../shared/watch/usage';

/** Instance views read at once: one ARM read each, out of a budget of 25 per second. */
const INSTANCE_VIEW_READS_IN_FLIGHT = 8;

/** What observePool reads with. */
export interface ObservePoolDeps {
  readonly pools: PoolsConfig;
  readonly containerGroups: ContainerGroups;
  readonly trafficRouter?: TrafficRouter;
  /** Turns at the app's ARM read budget: asked before a look, told what it read. */
  readonly readTurns: ReadTurns;
  /** Quota usage shared by every pool of the app instance, and the clock its reads age by. */
  readonly usage: { readonly memory: UsageMemory; readonly now: () => number };
}

/**
 * Reads a pool back from Azure, in its turn while ARM throttles the subscription's reads
 * (shared/policy/readTurns.ts): every group in its resource group tagged for it (one ARM read
 * per page), the instance views that are due (shared/groups/observation.ts says which, and what
 * of them is kept), the pool's Traffic Manager profile, and the quota usage of the regions of its
 * sites (one read a minute per region, shared: shared/watch/usage.ts). The spec travels with the result,
 * unless the controller already holds it, so the orchestration never reads configuration.
 */
export function observePool(deps: ObservePoolDeps) {
  return async (input: ObservePoolInput): Promise<ObservePoolResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return { found: false };
    const hash = specHash(spec);
    const withSpec = input.knownSpec === hash ? { specHash: hash } : { spec, specHash: hash };
    const { subscriptionId, resourceGroup } = spec.azure;
    const turn = deps.readTurns.turn(subscriptionId, spec.name);
    if (!turn.go) {
      const failure = waitingFailure(subscriptionId, turn.at);
      return { found: true, ...withSpec, instanceViewsRead: [], failure, turnAt: turn.at };
    }
    let listed: GroupSnapshot[];
    try {
      listed = (await deps.containerGroups.list(subscriptionId, resourceGroup)).filter(
        (g) => g.tags[TAG_POOL] === spec.name,
      );
    } catch (e) {
      const failure = toFailure(e);
      // Throttled: the budget now holds every read of the subscription; the pool queues for a turn.
      const next =
        failure.kind === 'throttled' ? deps.readTurns.turn(subscriptionId, spec.name) : undefined;
      const turnAt = next && !next.go ? { turnAt: next.at } : {};
      return { found: true, ...withSpec, instanceViewsRead: [], failure, ...turnAt };
    }
    const failures: AzureFailure[] = [];
    const due = instanceViewsDue(listed, input.skipInstanceView);
    const reads = await mapLimit(due, INSTANCE_VIEW_READS_IN_FLIGHT, async (g) => {
      try {
        const snapshot = await deps.containerGroups.get({
          subscriptionId,
          resourceGroup,
          name: g.name,
        });
        return { name: g.name, snapshot, read: true };
      } catch (e) {
        failures.push(toFailure(e));
        return { name: g.name, snapshot: g, read: false };
      }
    });
    const profile = await readProfile(deps, spec, failures);
    const quota = await readQuota(deps, spec, failures);
    deps.readTurns.looked(subscriptionId, 1 + due.length + (profileRefOf(spec) ? 1 : 0));
    const failure = failures[0];
    return {
      found: true,
      ...withSpec,
      ...assembleGroups(listed, reads),
      ...(profile ? { profile } : {}),
      ...(Object.keys(quota).length > 0 ? { quota } : {}),
      ...(failure ? { failure } : {}),
    };
  };
}

/** Why a look did not happen: ARM throttles the subscription's reads and the pool waits its turn. */
function waitingFailure(subscriptionId: string, turnAt: number): AzureFailure {
  return {
    kind: 'throttled',
    code: WAITING_FOR_TURN,
    message: `ARM throttles reads of subscription ${subscriptionId}; the pools there look in turns, and this pool's is at ${new Date(turnAt).toISOString()}`,
  };
}

/** The pool's Traffic Manager profile, when it has one; a failed or empty read joins `failures`. */
async function readProfile(
  deps: ObservePoolDeps,
  spec: PoolSpec,
  failures: AzureFailure[],
): Promise<ProfileSnapshot | undefined> {
  const ref = profileRefOf(spec);
  if (!ref || !deps.trafficRouter) return undefined;
  try {
    const profile = await deps.trafficRouter.getProfile(ref);
    if (!profile) {
      failures.push({
        kind: 'notFound',
        code: 'ProfileNotFound',
        message: `Traffic Manager profile ${ref.profile} not found in ${ref.resourceGroup}`,
      });
    }
    return profile;
  } catch (e) {
    failures.push(toFailure(e));
    return undefined;
  }
}

/**
 * The quota usage of each region the pool places groups in, keyed by region; a region whose read
 * failed is left out (its sites are then capped only by refusals) and the failure reported, once
 * a minute (sharedUsage).
 */
async function readQuota(
  deps: ObservePoolDeps,
  spec: PoolSpec,
  failures: AzureFailure[],
): Promise<Record<string, QuotaRead>> {
  const { subscriptionId } = spec.azure;
  const regions = new Map(sitesOf(spec).map((s) => [s.region, s.location]));
  const quota: Record<string, QuotaRead> = {};
  for (const [region, location] of regions) {
    try {
      const read = await sharedUsage(
        deps.usage.memory,
        usageKey(subscriptionId, location),
        () => deps.containerGroups.usage(subscriptionId, location),
        deps.usage.now,
      );
      if (read) quota[region] = read;
    } catch (e) {
      failures.push(toFailure(e));
    }
  }
  return quota;
}

/** A short, stable hash of a pool spec (the parsed document keeps its key order). */
export function specHash(spec: PoolSpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

df.app.activity(ACTIVITY.observePool, {
  handler: (input: ObservePoolInput) =>
    observePool({
      pools: runtime().pools,
      containerGroups: runtime().azure.containerGroups,
      trafficRouter: runtime().azure.trafficRouter,
      readTurns: runtime().azure.readTurns,
      usage: { memory: runtime().memory.usage, now: runtime().now },
    })(input),
});

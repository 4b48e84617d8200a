import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ContainerGroups, GroupRequest } from '../shared/azure/ports';
import { azureWrite, refused } from '../shared/azure/writes';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { CreateGroupInput, WriteResult } from '../shared/controller/activities';
import { MissingSettingError, buildGroupRequest } from '../shared/groups/template';
import { runtime } from '../shared/runtime';
import type { UsageMemory } from '../shared/watch/usage';
import { reserveUsage, usageKey } from '../shared/watch/usage';

/**
 * Sends the PUT for one container group and returns once ARM has accepted it; provisioning is
 * not awaited (the controller polls with durable timers). The name is deterministic, so a
 * retried create is the same idempotent PUT. An accepted create is counted in its region's quota
 * usage at once, for the pools that place groups before the next usage read. Secrets are read from app settings here and go to
 * Azure as secureValue only; nothing with a secret in it is logged or returned.
 */
export function createGroup(deps: {
  pools: PoolsConfig;
  containerGroups: ContainerGroups;
  readSetting: (name: string) => string | undefined;
  /** Quota usage shared with observePool: an accepted create is reserved in its region. */
  usage: { readonly memory: UsageMemory; readonly now: () => number };
}) {
  return async (input: CreateGroupInput, log?: (message: string) => void): Promise<WriteResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return refused('PoolNotConfigured', `pool "${input.pool}" is not configured`);
    let request: GroupRequest;
    try {
      request = buildGroupRequest(spec, input, deps.readSetting);
    } catch (e) {
      if (e instanceof MissingSettingError) return refused('MissingSetting', e.message);
      throw e;
    }
    const result = await azureWrite(
      `create ${input.name} (${input.version.id})`,
      () => deps.containerGroups.beginCreate(request),
      log,
    );
    if (result.ok) {
      reserveUsage(deps.usage.memory, usageKey(request.subscriptionId, request.location), {
        at: deps.usage.now(),
        groups: 1,
        cores: request.containers.reduce((n, c) => n + c.cpu, 0),
        spot: request.priority === 'Spot',
      });
    }
    return result;
  };
}

df.app.activity(ACTIVITY.createGroup, {
  handler: (input: CreateGroupInput, context: InvocationContext) => {
    const r = runtime();
    return createGroup({
      pools: r.pools,
      containerGroups: r.azure.containerGroups,
      readSetting: r.readSetting,
      usage: { memory: r.memory.usage, now: r.now },
    })(input, (m) => context.log(m));
  },
});

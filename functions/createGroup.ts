import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { ContainerGroups, GroupRequest } from '../shared/azure/ports';
import { azureWrite, refused } from '../shared/azure/writes';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { CreateGroupInput, WriteResult } from '../shared/controller/activities';
import { MissingSettingError, buildGroupRequest } from '../shared/groups/template';
import { runtime } from '../shared/runtime';

/**
 * Sends the PUT for one container group and returns once ARM has accepted it; provisioning is
 * not awaited (the controller polls with durable timers). The name is deterministic, so a
 * retried create is the same idempotent PUT. Secrets are read from app settings here and go to
 * Azure as secureValue only; nothing with a secret in it is logged or returned.
 */
export function createGroup(deps: {
  pools: PoolsConfig;
  containerGroups: ContainerGroups;
  readSetting: (name: string) => string | undefined;
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
    return azureWrite(
      `create ${input.name} (${input.version.id})`,
      () => deps.containerGroups.beginCreate(request),
      log,
    );
  };
}

df.app.activity(ACTIVITY.createGroup, {
  handler: (input: CreateGroupInput, context: InvocationContext) => {
    const r = runtime();
    return createGroup({
      pools: r.pools,
      containerGroups: r.azure.containerGroups,
      readSetting: r.readSetting,
    })(input, (m) => context.log(m));
  },
});

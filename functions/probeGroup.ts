import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { ProbeGroupInput, ProbeResult } from '../shared/controller/activities';
import type { HealthProber } from '../shared/probe';
import { runtime } from '../shared/runtime';

/**
 * Probes a group's health path over HTTP (pools without Traffic Manager, whose containers have
 * ports): the port is rollout.healthPort, else the first container port.
 */
export function probeGroup(deps: { pools: PoolsConfig; prober: HealthProber }) {
  return async (input: ProbeGroupInput): Promise<ProbeResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) return { ok: false, detail: `pool "${input.pool}" is not configured` };
    const port = spec.rollout.healthPort ?? spec.group.containers.flatMap((c) => c.ports)[0];
    if (port === undefined) return { ok: false, detail: 'no port to probe' };
    return deps.prober.probe({ fqdn: input.fqdn, port, path: spec.rollout.healthPath });
  };
}

df.app.activity(ACTIVITY.probeGroup, {
  handler: (input: ProbeGroupInput) =>
    probeGroup({ pools: runtime().pools, prober: runtime().prober })(input),
});

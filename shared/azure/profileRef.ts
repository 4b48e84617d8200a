import type { PoolSpec } from '../config/poolSpec';
import type { ProfileRef } from './ports';

/** The pool's Traffic Manager profile: in the pool's subscription, its resource group by default. */
export function profileRefOf(spec: PoolSpec): ProfileRef | undefined {
  const tm = spec.trafficManager;
  if (!tm) return undefined;
  return {
    subscriptionId: spec.azure.subscriptionId,
    resourceGroup: tm.resourceGroup ?? spec.azure.resourceGroup,
    profile: tm.profile,
  };
}

import type { PoolSpecInput } from '../../shared/config/poolSpec';
import type { PoolsConfig } from '../../shared/config/pools';
import { parsePools } from '../../shared/config/pools';

/** A minimal valid pool for tests; overrides replace top-level fields. */
export function poolInput(name: string, overrides: Partial<PoolSpecInput> = {}): PoolSpecInput {
  return {
    name,
    serviceBus: { namespace: 'contoso.servicebus.windows.net', queue: name },
    azure: {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg-workers',
      location: 'westeurope',
    },
    group: { containers: [{ name: 'worker', image: 'contoso.azurecr.io/worker:1.0' }] },
    maxGroups: 20,
    ...overrides,
  };
}

/** A validated, frozen pools document from pool inputs. */
export function poolsOf(...pools: PoolSpecInput[]): PoolsConfig {
  return parsePools(JSON.stringify({ pools }), 'test');
}

import type { GroupSnapshot } from '../../shared/azure/ports';
import type { PoolSpec, PoolSpecInput } from '../../shared/config/poolSpec';
import { parsePools } from '../../shared/config/pools';
import type { GroupPhase, PoolGroup } from '../../shared/policy/groups';
import { groupName } from '../../shared/policy/version';

/** The instant the stage tests decide at. */
export const NOW = Date.parse('2026-11-22T10:00:00Z');
/** The version the test pool's spec names. */
export const V1 = '1.0';

/** The `orders` pool (drain, 2 msg/s per group, start-up 60 s, not learning), with overrides. */
export function ordersSpec(overrides: Partial<PoolSpecInput> = {}): PoolSpec {
  const input: PoolSpecInput = {
    name: 'orders',
    serviceBus: { namespace: 'contoso.servicebus.windows.net', queue: 'orders' },
    azure: {
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'rg',
      location: 'westeurope',
    },
    group: { containers: [{ name: 'worker', image: `contoso.azurecr.io/worker:${V1}` }] },
    maxGroups: 20,
    scaling: { mode: 'drain', messagesPerSecondPerGroup: 2, startupSeconds: 60, learn: false },
    ...overrides,
  };
  return parsePools(JSON.stringify({ pools: [input] }), 'test').pools[0] as PoolSpec;
}

/** The name of group `ordinal` of a version of the orders pool. */
export const nameOf = (ordinal: number, version = V1): string =>
  groupName('orders', version, ordinal);

/** A classified group of the orders pool, created 10 minutes ago, running for 5 if running. */
export function poolGroup(
  ordinal: number,
  phase: GroupPhase = 'running',
  extra: Partial<PoolGroup> & { version?: string } = {},
): PoolGroup {
  const { version = V1, ...rest } = extra;
  return {
    name: nameOf(ordinal, version),
    versionId: version,
    ordinal,
    createdAt: NOW - 600_000,
    phase,
    ...(phase === 'running' ? { runningSince: NOW - 300_000 } : {}),
    ...rest,
  };
}

/** How Azure reports a group of the orders pool: creating, running, or failed for capacity. */
export function snapshot(
  ordinal: number,
  state: 'creating' | 'running' | 'failed',
  options: { version?: string; createdAt?: number; startedAt?: number; fqdn?: string } = {},
): GroupSnapshot {
  const version = options.version ?? V1;
  const base = {
    name: nameOf(ordinal, version),
    tags: {
      'surge-pool': 'orders',
      'surge-version': version,
      'surge-created': new Date(options.createdAt ?? NOW - 600_000).toISOString(),
    },
    ...(options.fqdn ? { fqdn: options.fqdn } : {}),
  };
  if (state === 'creating') return { ...base, provisioningState: 'Creating' };
  if (state === 'failed') {
    return {
      ...base,
      provisioningState: 'Failed',
      instanceView: {
        state: 'Pending',
        containers: [],
        events: [{ name: 'InsufficientCapacity', message: 'no capacity', type: 'Warning' }],
      },
    };
  }
  return {
    ...base,
    provisioningState: 'Succeeded',
    instanceView: {
      state: 'Running',
      containers: [
        {
          name: 'worker',
          image: 'w',
          state: 'Running',
          restartCount: 0,
          startTime: new Date(options.startedAt ?? NOW - 300_000).toISOString(),
        },
      ],
      events: [],
    },
  };
}

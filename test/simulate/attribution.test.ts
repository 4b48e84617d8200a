/** Which pool a request is counted for, and rounding of report numbers. */
import { describe, expect, it } from 'vitest';
import { parsePools } from '../../shared/config/pools';
import { SHARED, poolAttributor } from '../../local/simulate/attribution';
import { round } from '../../local/simulate/report';
import { simPool } from './fixtures';

const pools = parsePools(
  JSON.stringify({
    pools: [
      simPool('orders'),
      simPool('orders-eu'),
      simPool('web', {
        azure: {
          subscriptionId: '00000000-0000-0000-0000-000000000000',
          resourceGroup: 'rg-shared',
          location: 'westeurope',
        },
        trafficManager: { profile: 'web-tm' },
      }),
      simPool('api', {
        azure: {
          subscriptionId: '00000000-0000-0000-0000-000000000000',
          resourceGroup: 'rg-shared',
          location: 'westeurope',
        },
        serviceBus: { namespace: 'other.servicebus.windows.net', queue: 'api' },
      }),
    ],
  }),
  'test',
).pools;
const attribute = poolAttributor(pools);
const ARM =
  'https://127.0.0.1:8443/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups';
const CG = 'providers/Microsoft.ContainerInstance/containerGroups';

describe('attribution of Azure calls to pools', () => {
  const cases: { label: string; url: string; host?: string; pool: string }[] = [
    {
      label: 'a group of a pool',
      url: `${ARM}/rg-orders/${CG}/orders-1a2b3c4d-0?api-version=x`,
      pool: 'orders',
    },
    {
      label: 'a group of a pool whose name has a hyphen',
      url: `${ARM}/rg-orders-eu/${CG}/orders-eu-1a2b3c4d-12`,
      pool: 'orders-eu',
    },
    { label: 'a group of no pool', url: `${ARM}/rg-orders/${CG}/manual-group`, pool: SHARED },
    {
      label: 'the list of a resource group with one pool',
      url: `${ARM}/rg-orders/${CG}?api-version=x`,
      pool: 'orders',
    },
    {
      label: 'the list of a shared resource group',
      url: `${ARM}/rg-shared/${CG}?api-version=x`,
      pool: SHARED,
    },
    {
      label: 'a Traffic Manager profile',
      url: `${ARM}/rg-shared/providers/Microsoft.Network/trafficmanagerprofiles/web-tm/ExternalEndpoints/e1`,
      pool: 'web',
    },
    {
      label: 'a queue read',
      url: 'https://127.0.0.1:8443/orders?api-version=2021-05',
      host: 'sim.servicebus.windows.net',
      pool: 'orders',
    },
    {
      label: 'the feed of a namespace with several pools',
      url: 'https://127.0.0.1:8443/$Resources/Queues',
      host: 'sim.servicebus.windows.net',
      pool: SHARED,
    },
    {
      label: 'the feed of a namespace with one pool',
      url: 'https://127.0.0.1:8443/$Resources/Queues',
      host: 'other.servicebus.windows.net:443',
      pool: 'api',
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      expect(attribute(c.url, c.host)).toBe(c.pool);
    });
  }
});

describe('rounding', () => {
  const cases: { label: string; x: number; digits?: number; out: number }[] = [
    { label: 'float noise', x: 0.1 + 0.2, out: 0.3 },
    { label: 'three digits', x: 12.3456789, out: 12.346 },
    { label: 'four digits (cost)', x: 0.08136 + 0.01296, digits: 4, out: 0.0943 },
    { label: 'negative zero', x: -0.0001, out: 0 },
  ];
  for (const c of cases) {
    it(c.label, () => {
      expect(Object.is(round(c.x, c.digits), c.out)).toBe(true);
    });
  }
});

import { describe, expect, it } from 'vitest';
import type { ProfileSnapshot } from '../../shared/azure/ports';
import { canaryWeight, ownedBy, planEndpoints } from '../../shared/controller/endpoints';
import type { PoolGroup } from '../../shared/policy/groups';

describe('canaryWeight', () => {
  it.each([
    { label: 'checking: weight 1', old: 4, target: 4, percent: 0, weight: 1 },
    { label: '10 % of 4+4: 11 (9.9 %)', old: 4, target: 4, percent: 10, weight: 11 },
    { label: '50 %: equal weights', old: 3, target: 3, percent: 50, weight: 100 },
    { label: '90 % of 3+3: 900', old: 3, target: 3, percent: 90, weight: 900 },
    { label: '99 % is capped at 1000', old: 3, target: 3, percent: 99, weight: 1000 },
    { label: 'no old endpoints: full weight', old: 0, target: 3, percent: 10, weight: 100 },
  ])('$label', ({ old, target, percent, weight }) => {
    expect(canaryWeight(old, target, percent)).toBe(weight);
  });
});

describe('planEndpoints', () => {
  const group = (
    name: string,
    versionId: string,
    phase: PoolGroup['phase'] = 'running',
  ): PoolGroup => ({
    name,
    versionId,
    ordinal: 0,
    createdAt: 0,
    phase,
    fqdn: `${name}.westeurope.azurecontainer.io`,
  });
  const a = 'web-aaaaaaaa-0';
  const b = 'web-aaaaaaaa-1';
  const n = 'web-bbbbbbbb-0';
  const profile: ProfileSnapshot = {
    routingMethod: 'Weighted',
    ttlSeconds: 60,
    endpoints: [
      {
        name: a,
        target: `${a}.westeurope.azurecontainer.io`,
        weight: 100,
        enabled: true,
        monitorStatus: 'Online',
      },
      {
        name: b,
        target: `${b}.westeurope.azurecontainer.io`,
        weight: 100,
        enabled: true,
        monitorStatus: 'Online',
      },
      { name: 'web-0000dead-9', target: 'x', weight: 100, enabled: true },
      { name: 'someone-else', target: 'y', weight: 5, enabled: true },
    ],
  };

  it('adds new groups, disables retiring ones, drops gone ones, and leaves other endpoints alone', () => {
    const plan = planEndpoints({
      pool: 'web',
      profile,
      groups: [
        group(a, 'v1'),
        group(b, 'v1'),
        group(n, 'v2'),
        group('web-bbbbbbbb-1', 'v2', 'pending'),
      ],
      deleting: new Set(),
      retiring: new Set([b]),
      target: { id: 'v2', percent: 10 },
    });
    expect(plan).toEqual({
      set: [
        {
          pool: 'web',
          name: b,
          target: `${b}.westeurope.azurecontainer.io`,
          weight: 100,
          enabled: false,
        },
        // 1 old at 100, 1 new: 10 % → 100·1·10/(1·90) = 11.
        {
          pool: 'web',
          name: n,
          target: `${n}.westeurope.azurecontainer.io`,
          weight: 11,
          enabled: true,
        },
      ],
      remove: [{ pool: 'web', name: 'web-0000dead-9' }],
    });
  });

  it('removes the endpoint of a group being deleted', () => {
    const plan = planEndpoints({
      pool: 'web',
      profile,
      groups: [group(a, 'v1'), group(b, 'v1')],
      deleting: new Set([a]),
      retiring: new Set(),
    });
    expect(plan.remove.map((r) => r.name)).toEqual([a, 'web-0000dead-9']);
  });

  it.each([
    { name: 'web-0123abcd-12', owned: true },
    { name: 'web-0123abcd', owned: false },
    { name: 'webshop-0123abcd-1', owned: false },
    { name: 'someone-else', owned: false },
  ])('ownedBy(web, $name) is $owned', ({ name, owned }) => {
    expect(ownedBy('web', name)).toBe(owned);
  });
});

import { describe, expect, it } from 'vitest';
import type { GroupRequest } from '../../shared/azure/ports';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import { MissingSettingError, buildGroupRequest } from '../../shared/groups/template';
import { poolInput, poolsOf } from '../fakes/pools';

const settings: Record<string, string> = {
  SHARE_KEY: 'c2hhcmVrZXk=',
  TLS_CERT: '-----BEGIN CERT-----',
  REG_PASS: 'p4ss',
};
const SUBNET =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/workers';
const version = {
  id: '2.0',
  images: { worker: 'r.example.com/worker:2.0', sidecar: 'fluent/fluent-bit:3.1' },
};

function build(group: PoolSpecInput['group']): GroupRequest {
  const spec = poolsOf(poolInput('orders', { group })).pools[0];
  if (!spec) throw new Error('no pool');
  return buildGroupRequest(
    spec,
    { pool: 'orders', name: 'orders-abc-0', version, createdAt: '2026-11-22T10:00:00.000Z' },
    (n) => settings[n],
  );
}

describe('buildGroupRequest', () => {
  it.each([
    {
      label: 'volumes: Azure Files key and secret files from settings, emptyDir as is',
      group: {
        containers: [
          {
            name: 'worker',
            image: 'r.example.com/worker:1.0',
            volumeMounts: [{ name: 'state', mountPath: '/state' }],
          },
        ],
        volumes: [
          {
            name: 'state',
            azureFile: {
              shareName: 's',
              storageAccountName: 'acct',
              storageAccountKey: { fromSetting: 'SHARE_KEY' },
            },
          },
          { name: 'tls', secret: { 'cert.pem': { fromSetting: 'TLS_CERT' } } },
          { name: 'scratch', emptyDir: {} },
        ],
      },
      pick: (r: GroupRequest) => r.volumes,
      expected: [
        {
          name: 'state',
          azureFile: {
            shareName: 's',
            storageAccountName: 'acct',
            readOnly: false,
            storageAccountKey: 'c2hhcmVrZXk=',
          },
        },
        { name: 'tls', secret: { 'cert.pem': '-----BEGIN CERT-----' } },
        { name: 'scratch', emptyDir: {} },
      ],
    },
    {
      label: 'a registry with user and password',
      group: {
        containers: [{ name: 'worker', image: 'r.example.com/worker:1.0' }],
        registry: {
          server: 'r.example.com',
          username: 'puller',
          password: { fromSetting: 'REG_PASS' },
        },
      },
      pick: (r: GroupRequest) => ({ creds: r.registryCredentials, identities: r.identities }),
      expected: {
        creds: [{ server: 'r.example.com', username: 'puller', password: 'p4ss' }],
        identities: [],
      },
    },
    {
      label: 'the version’s images, sidecars keeping theirs; no ports, no public DNS',
      group: {
        containers: [
          { name: 'worker', image: 'r.example.com/worker:1.0' },
          { name: 'sidecar', image: 'fluent/fluent-bit:3.1', cpu: 0.25, memoryInGB: 0.5 },
        ],
      },
      pick: (r: GroupRequest) => ({ images: r.containers.map((c) => c.image), dns: r.publicDns }),
      expected: { images: ['r.example.com/worker:2.0', 'fluent/fluent-bit:3.1'], dns: undefined },
    },
    {
      label: 'ports from every container, and publicDns forced on',
      group: {
        containers: [
          { name: 'worker', image: 'r.example.com/worker:1.0', ports: [8080] },
          { name: 'sidecar', image: 'fluent/fluent-bit:3.1', ports: [2020, 8080] },
        ],
        publicDns: true,
      },
      pick: (r: GroupRequest) => r.publicDns,
      expected: { dnsNameLabel: 'orders-abc-0', ports: [2020, 8080] },
    },
  ])('$label', ({ group, pick, expected }) => {
    expect(pick(build(group as PoolSpecInput['group']))).toEqual(expected);
  });

  it.each([
    {
      label: 'a create from before sites: the pool’s one site, tagged',
      site: undefined,
      expected: { location: 'westeurope', site: 'westeurope', where: {}, dns: true },
    },
    {
      label: 'a Spot site in a zone',
      site: {
        site: 'northeurope-spot',
        location: 'northeurope',
        priority: 'Spot' as const,
        zone: '2',
      },
      expected: {
        location: 'northeurope',
        site: 'northeurope-spot',
        where: { priority: 'Spot', zone: '2' },
        dns: true,
      },
    },
    {
      label: 'a subnet site: the ports on a private IP, no public DNS',
      site: {
        site: 'westeurope-09d7',
        location: 'westeurope',
        priority: 'Regular' as const,
        subnetId: SUBNET,
      },
      expected: {
        location: 'westeurope',
        site: 'westeurope-09d7',
        where: { subnet: { id: SUBNET, ports: [8080] } },
        dns: false,
      },
    },
  ])('places the group where its site says: $label', ({ site, expected }) => {
    const spec = poolsOf(
      poolInput('orders', {
        group: {
          containers: [{ name: 'worker', image: 'r.example.com/worker:1.0', ports: [8080] }],
        },
      }),
    ).pools[0];
    if (!spec) throw new Error('no pool');
    const input = {
      pool: 'orders',
      name: 'orders-abc-0',
      version,
      createdAt: '',
      ...(site ? { site } : {}),
    };
    const r = buildGroupRequest(spec, input, (n) => settings[n]);
    expect({
      location: r.location,
      site: r.tags['surge-site'],
      where: {
        ...(r.priority ? { priority: r.priority } : {}),
        ...(r.zone ? { zone: r.zone } : {}),
        ...(r.subnet ? { subnet: r.subnet } : {}),
      },
      dns: r.publicDns !== undefined,
    }).toEqual(expected);
  });

  it('names the pool and field when a secret’s setting is missing', () => {
    expect(() =>
      build({
        containers: [{ name: 'worker', image: 'w:1' }],
        volumes: [{ name: 'tls', secret: { 'key.pem': { fromSetting: 'NOT_SET' } } }],
      }),
    ).toThrow(
      new MissingSettingError(
        'pool "orders": group.volumes[0].secret.key.pem: app setting NOT_SET is not set',
      ),
    );
  });
});

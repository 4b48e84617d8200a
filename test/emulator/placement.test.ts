/**
 * Where and how a group runs, through the real SDK client: Spot priority (its refusal of inbound
 * connectivity, its own quota line, evictions), availability zones (refused where a region has
 * none), delegated subnets (a private IP, refused with a public one), and quota lines set per
 * region, as the usages endpoint reports them.
 */
import type { ContainerGroup } from '@azure/arm-containerinstance';
import { afterEach, describe, it } from 'vitest';
import type { Emulator, EmulatorConfig } from '../../local/emulator';
import { toContainerGroup } from '../../shared/azure/containerGroups';
import type { GroupRequest } from '../../shared/azure/ports';
import { FAST, RG, SUB, emulator, expectResult, ports, sdkClients } from './helpers';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

const SUBNET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/aci`;

/** A one-container group of `cpu` cores; `extra` sets priority, zones, subnet or ports. */
function group(
  location: string,
  extra: {
    cpu?: number;
    priority?: 'Regular' | 'Spot';
    zones?: string[];
    subnet?: boolean;
    publicPort?: number;
  } = {},
): ContainerGroup {
  return {
    location,
    osType: 'Linux',
    containers: [
      {
        name: 'c',
        image: 'nginx',
        resources: { requests: { cpu: extra.cpu ?? 1, memoryInGB: 1 } },
        ports: extra.publicPort ? [{ port: extra.publicPort }] : [],
      },
    ],
    ...(extra.priority ? { priority: extra.priority } : {}),
    ...(extra.zones ? { zones: extra.zones } : {}),
    ...(extra.subnet ? { subnetIds: [{ id: SUBNET }] } : {}),
    ...(extra.publicPort
      ? { ipAddress: { type: 'Public', ports: [{ port: extra.publicPort, protocol: 'TCP' }] } }
      : extra.subnet
        ? { ipAddress: { type: 'Private', ports: [{ port: 80, protocol: 'TCP' }] } }
        : {}),
  };
}

/** Creates a group; the outcome as status and code (201 when accepted). */
async function create(e: Emulator, name: string, body: ContainerGroup): Promise<string> {
  try {
    await sdkClients(e).aci.containerGroups.beginCreateOrUpdate(RG, name, body);
    return 'accepted';
  } catch (err) {
    const { statusCode, code } = err as { statusCode?: number; code?: string };
    return `${statusCode ?? '?'} ${code ?? '?'}`;
  }
}

/** The usage lines of a region as [name, current, limit]. */
async function usages(e: Emulator, location: string): Promise<[string, number, number][]> {
  const out: [string, number, number][] = [];
  for await (const u of sdkClients(e).aci.location.listUsage(location)) {
    out.push([u.name?.value ?? '', u.currentValue ?? -1, u.limit ?? -1]);
  }
  return out;
}

describe('what the emulator accepts and refuses about placement', () => {
  const config: EmulatorConfig = {
    ...FAST,
    zones: { 'West US': [] },
    limits: { spotCoresPerRegion: 2, regions: { westus: { cores: 1 } } },
  };
  it.each([
    {
      label: 'a Spot worker without inbound ports',
      body: group('westeurope', { priority: 'Spot' }),
      outcome: 'accepted',
    },
    {
      label: 'a Spot group with a public port',
      body: group('westeurope', { priority: 'Spot', publicPort: 80 }),
      outcome: '400 SpotPriorityContainerGroupNotSupportedForInboundConnectivity',
    },
    {
      label: 'a zone the region offers',
      body: group('westeurope', { zones: ['2'] }),
      outcome: 'accepted',
    },
    {
      label: 'a zone in a region without zones',
      body: group('West US', { zones: ['1'] }),
      outcome: '400 AvailabilityZoneNotSupported',
    },
    {
      label: 'two zones for one group',
      body: group('westeurope', { zones: ['1', '2'] }),
      outcome: '400 InvalidZones',
    },
    {
      label: 'a subnet with a private IP',
      body: group('westeurope', { subnet: true }),
      outcome: 'accepted',
    },
    {
      label: 'a subnet with a public IP',
      body: group('westeurope', { subnet: true, publicPort: 443 }),
      outcome: '400 PublicIpAddressNotSupportedInSubnet',
    },
    {
      label: 'more cores than the region’s own StandardCores line',
      body: group('westus', { cpu: 2 }),
      outcome: '409 ServiceUnavailable',
    },
    {
      label: 'the same group where the default line applies',
      body: group('westeurope', { cpu: 2 }),
      outcome: 'accepted',
    },
    {
      label: 'more Spot cores than the Spot line',
      body: group('westeurope', { cpu: 3, priority: 'Spot' }),
      outcome: '409 ServiceUnavailable',
    },
  ])('$label: $outcome', async ({ body, outcome }) => {
    emu = await emulator(config);
    expectResult('outcome', await create(emu, 'g', body), outcome);
  });
});

describe('what a placed group looks like', () => {
  it('Spot cores count on their own line; a subnet group has a private IP and no DNS name', async () => {
    const e = (emu = await emulator(FAST));
    await create(e, 'spot', group('westeurope', { priority: 'Spot', cpu: 2 }));
    await create(e, 'regular', group('westeurope', { cpu: 1 }));
    await create(e, 'private', group('westeurope', { subnet: true, zones: ['3'] }));
    const got = await sdkClients(e).aci.containerGroups.get(RG, 'private');
    const spot = await sdkClients(e).aci.containerGroups.get(RG, 'spot');
    expectResult(
      'placed',
      {
        usages: await usages(e, 'West Europe'),
        spot: spot.priority,
        private: {
          type: got.ipAddress?.type,
          ip: got.ipAddress?.ip,
          fqdn: got.ipAddress?.fqdn,
          zones: got.zones,
        },
      },
      {
        usages: [
          ['ContainerGroups', 3, 100],
          ['StandardCores', 2, 100],
          ['StandardSpotCores', 2, 100],
        ],
        spot: 'Spot',
        private: { type: 'Private', ip: '10.0.0.1', fqdn: undefined, zones: ['3'] },
      },
    );
  });

  it('an evicted Spot group stops with a SpotEviction event and frees its Spot cores; Regular ones run on', async () => {
    // One eviction per minute on average: within an hour every Spot run has been evicted.
    const e = (emu = await emulator({ ...FAST, faults: { spotEvictionsPerHour: 60 } }));
    await create(e, 'spot', group('westeurope', { priority: 'Spot', cpu: 2 }));
    await create(e, 'regular', group('westeurope', { cpu: 1 }));
    e.control.advance(3_600_000);
    const { aci } = sdkClients(e);
    const spot = await aci.containerGroups.get(RG, 'spot');
    const regular = await aci.containerGroups.get(RG, 'regular');
    expectResult(
      'after an hour',
      {
        spot: {
          state: spot.instanceView?.state,
          events: spot.instanceView?.events?.map((ev) => [ev.name, ev.type]),
          container: spot.containers[0]?.instanceView?.currentState?.detailStatus,
          provisioning: spot.provisioningState,
        },
        regular: regular.instanceView?.state,
        usages: await usages(e, 'westeurope'),
      },
      {
        spot: {
          state: 'Stopped',
          events: [['SpotEviction', 'Warning']],
          container: 'Evicted',
          provisioning: 'Succeeded',
        },
        regular: 'Running',
        usages: [
          ['ContainerGroups', 2, 100],
          ['StandardCores', 1, 100],
          ['StandardSpotCores', 0, 100],
        ],
      },
    );
  });
});

describe("Surge's container groups adapter places groups and reads quotas", () => {
  const worker = (name: string, extra: Partial<GroupRequest> = {}): GroupRequest => ({
    subscriptionId: SUB,
    resourceGroup: RG,
    name,
    location: 'westeurope',
    tags: {},
    osType: 'Linux',
    restartPolicy: 'Always',
    containers: [
      {
        name: 'c',
        image: 'nginx',
        cpu: 2,
        memoryInGB: 1,
        ports: [],
        environment: [],
        volumeMounts: [],
      },
    ],
    registryCredentials: [],
    identities: [],
    volumes: [],
    ...extra,
  });

  it('a Spot group in a zone and a private group in a subnet read back where they run', async () => {
    const e = (emu = await emulator(FAST));
    const groups = ports(e).containerGroups;
    await groups.beginCreate(worker('spot', { priority: 'Spot', zone: '2' }));
    await groups.beginCreate(worker('private', { subnet: { id: SUBNET, ports: [8080] } }));
    e.control.advance(60_000);
    const ref = (name: string) => ({ subscriptionId: SUB, resourceGroup: RG, name });
    const [spot, priv] = [await groups.get(ref('spot')), await groups.get(ref('private'))];
    expectResult(
      'read back',
      {
        spot: [spot?.location, spot?.zone, spot?.priority, spot?.fqdn],
        private: [priv?.location, priv?.zone, priv?.priority, priv?.fqdn],
        usage: await groups.usage(SUB, 'West Europe'),
      },
      {
        spot: ['westeurope', '2', 'Spot', undefined],
        private: ['westeurope', undefined, undefined, undefined],
        usage: {
          containerGroups: { current: 2, limit: 100 },
          cores: { current: 2, limit: 100 },
          spotCores: { current: 2, limit: 100 },
        },
      },
    );
  });

  it.each([
    {
      label: 'Regular, no zone, public ports',
      extra: { publicDns: { dnsNameLabel: 'g', ports: [80] } },
      wire: {
        ipAddress: { type: 'Public', dnsNameLabel: 'g', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    },
    {
      label: 'Spot in zone 3',
      extra: { priority: 'Spot' as const, zone: '3' },
      wire: { priority: 'Spot', zones: ['3'] },
    },
    {
      label: 'a subnet with ports: a private IP',
      extra: { subnet: { id: SUBNET, ports: [8080] } },
      wire: {
        ipAddress: { type: 'Private', ports: [{ port: 8080, protocol: 'TCP' }] },
        subnetIds: [{ id: SUBNET }],
      },
    },
    {
      label: 'a subnet without ports: no IP block',
      extra: { subnet: { id: SUBNET, ports: [] } },
      wire: { subnetIds: [{ id: SUBNET }] },
    },
  ])('maps $label', ({ extra, wire }) => {
    const body = toContainerGroup(worker('g', extra));
    const placed = Object.fromEntries(
      (['priority', 'zones', 'subnetIds', 'ipAddress'] as const).flatMap((k) =>
        body[k] === undefined ? [] : [[k, body[k]]],
      ),
    );
    expectResult('wire', placed, wire);
  });
});

/**
 * Traffic Manager through the real SDK and Surge's TrafficRouter: profiles and external endpoints,
 * the defaults the service fills in, and endpointMonitorStatus following the target group over
 * model time (CheckingEndpoint, then Online or Degraded; Disabled; the image health hook).
 */
import { afterEach, describe, it } from 'vitest';
import type { Emulator, EmulatorConfig } from '../../local/emulator';
import type { GroupRequest, ProfileRef } from '../../shared/azure/ports';
import { RG, SUB, T0, emulator, expectResult, ports, sdkClients } from './helpers';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

/**
 * Groups run 15 s after their create (5 s allocation, 10 s pull) and answer probes 3 s later;
 * a new endpoint is checked for 15 s; probes every 10 s, 2 failures tolerated.
 */
const CONFIG: EmulatorConfig = {
  provisioning: { pending: 5_000 },
  imageDefaults: { pull: 10_000, warmUp: 0, health: { startup: 3_000, degradedProbability: 0 } },
  images: {
    'contoso.azurecr.io/web:2-bad': { health: { startup: 0, degradedProbability: 1 } },
  },
  trafficManager: { checking: 15_000 },
};

const REF: ProfileRef = { subscriptionId: SUB, resourceGroup: RG, profile: 'orders-tm' };

function group(name: string, image = 'nginx'): GroupRequest {
  return {
    subscriptionId: SUB,
    resourceGroup: RG,
    name,
    location: 'westeurope',
    tags: { 'surge-pool': 'web' },
    osType: 'Linux',
    restartPolicy: 'Always',
    containers: [
      { name: 'web', image, cpu: 1, memoryInGB: 1, ports: [80], environment: [], volumeMounts: [] },
    ],
    registryCredentials: [],
    identities: [],
    volumes: [],
    publicDns: { dnsNameLabel: name, ports: [80] },
  };
}

async function start() {
  emu = await emulator(CONFIG);
  const { tm } = sdkClients(emu);
  await tm.profiles.createOrUpdate(RG, REF.profile, {
    location: 'global',
    trafficRoutingMethod: 'Weighted',
    dnsConfig: { relativeName: 'orders-tm', ttl: 30 },
    monitorConfig: {
      protocol: 'HTTP',
      port: 80,
      path: '/health',
      intervalInSeconds: 10,
      toleratedNumberOfFailures: 2,
    },
  });
  return { emu, tm, p: ports(emu) };
}

describe('profiles and endpoints', () => {
  it('what the service fills in: fqdn, monitor defaults, weight 1, priority, CheckingEndpoint', async () => {
    const { tm } = await start();
    const endpoint = await tm.endpoints.createOrUpdate(
      RG,
      REF.profile,
      'ExternalEndpoints',
      'one',
      {
        target: 'one.westeurope.azurecontainer.io',
      },
    );
    const second = await tm.endpoints.createOrUpdate(RG, REF.profile, 'ExternalEndpoints', 'two', {
      target: 'two.westeurope.azurecontainer.io',
      endpointStatus: 'Disabled',
    });
    const profile = await tm.profiles.get(RG, REF.profile);
    expectResult(
      'defaults',
      {
        endpoint: [
          endpoint.type,
          endpoint.endpointStatus,
          endpoint.weight,
          endpoint.priority,
          endpoint.endpointMonitorStatus,
        ],
        second: [second.priority, second.endpointMonitorStatus],
        fqdn: profile.dnsConfig?.fqdn,
        monitor: [
          profile.monitorConfig?.profileMonitorStatus,
          profile.monitorConfig?.timeoutInSeconds,
        ],
        status: profile.profileStatus,
        tags: profile.tags,
      },
      {
        endpoint: [
          'Microsoft.Network/trafficManagerProfiles/externalEndpoints',
          'Enabled',
          1,
          1,
          'CheckingEndpoint',
        ],
        second: [2, 'Disabled'],
        fqdn: 'orders-tm.trafficmanager.net',
        monitor: ['CheckingEndpoints', 10],
        status: 'Enabled',
        tags: {},
      },
    );
  });

  it('PATCH and DELETE of endpoints and profiles; list; absent resources', async () => {
    const { tm, p } = await start();
    await p.trafficRouter.putEndpoint(REF, {
      name: 'a',
      target: 'a.example.com',
      weight: 10,
      enabled: true,
    });
    const patched = await tm.endpoints.update(RG, REF.profile, 'ExternalEndpoints', 'a', {
      weight: 20,
    });
    await p.trafficRouter.deleteEndpoint(REF, 'a');
    await p.trafficRouter.deleteEndpoint(REF, 'a'); // already gone: not an error
    const profiles = [];
    for await (const x of tm.profiles.listByResourceGroup(RG)) profiles.push(x.name);
    await tm.profiles.delete(RG, REF.profile);
    expectResult(
      'patch and delete',
      {
        patched: [patched.weight, patched.target],
        after: (await p.trafficRouter.getProfile({ ...REF, profile: 'missing' })) ?? 'absent',
        profiles,
        deleted: (await p.trafficRouter.getProfile(REF)) ?? 'absent',
      },
      {
        patched: [20, 'a.example.com'],
        after: 'absent',
        profiles: ['orders-tm'],
        deleted: 'absent',
      },
    );
  });

  it('invalid weights are refused: 400 BadRequest', async () => {
    const { p } = await start();
    let failure: unknown;
    try {
      await p.trafficRouter.putEndpoint(REF, {
        name: 'w',
        target: 'w.example.com',
        weight: 5000,
        enabled: true,
      });
    } catch (error) {
      failure = (error as { code?: string; kind?: string }).code;
    }
    expectResult('weight', failure, 'BadRequest');
  });
});

describe('endpointMonitorStatus follows the target group', () => {
  /** Monitor status of each endpoint (by name) at each second listed. */
  async function statusesAt(
    p: ReturnType<typeof ports>,
    e: Emulator,
    seconds: readonly number[],
    act: Record<number, () => Promise<unknown>> = {},
  ): Promise<Record<number, Record<string, string | undefined>>> {
    const out: Record<number, Record<string, string | undefined>> = {};
    for (const s of seconds) {
      e.control.advance(T0 + s * 1000 - e.control.now());
      await act[s]?.();
      const profile = await p.trafficRouter.getProfile(REF);
      out[s] = Object.fromEntries(
        (profile?.endpoints ?? []).map((ep) => [ep.name, ep.monitorStatus]),
      );
    }
    return out;
  }

  it('Checking for 15 s, Degraded until the group answers probes, Online, Degraded after its delete', async () => {
    const { emu: e, p } = await start();
    await p.containerGroups.beginCreate(group('web-a'));
    await p.trafficRouter.putEndpoint(REF, {
      name: 'web-a',
      target: 'web-a.westeurope.azurecontainer.io',
      weight: 1,
      enabled: true,
    });
    // Healthy from 18 s (15 s to Running + 3 s startup); seen at the next probe: 28 s.
    // Deleted at 40 s: Degraded after (2 + 1) failed probes, at 70 s.
    const seen = await statusesAt(p, e, [10, 16, 27, 28, 40, 69, 70], {
      40: () =>
        p.containerGroups.beginDelete({ subscriptionId: SUB, resourceGroup: RG, name: 'web-a' }),
    });
    expectResult('timeline', seen, {
      10: { 'web-a': 'CheckingEndpoint' },
      16: { 'web-a': 'Degraded' },
      27: { 'web-a': 'Degraded' },
      28: { 'web-a': 'Online' },
      40: { 'web-a': 'Online' },
      69: { 'web-a': 'Online' },
      70: { 'web-a': 'Degraded' },
    });
  });

  it('disabled endpoints, re-enabling, unknown targets, a degraded image version, a forced status', async () => {
    const { emu: e, p } = await start();
    await p.containerGroups.beginCreate(group('good'));
    await p.containerGroups.beginCreate(group('bad', 'contoso.azurecr.io/web:2-bad'));
    const put = (name: string, target: string, enabled = true) =>
      p.trafficRouter.putEndpoint(REF, { name, target, weight: 1, enabled });
    await put('good', 'good.westeurope.azurecontainer.io');
    await put('bad', 'bad.westeurope.azurecontainer.io');
    await put('off', 'good.westeurope.azurecontainer.io', false);
    await put('elsewhere', 'www.example.com');
    await put('forced', 'good.westeurope.azurecontainer.io');
    const seen = await statusesAt(p, e, [60, 61, 70, 80], {
      61: async () => {
        await put('off', 'good.westeurope.azurecontainer.io', true);
        e.control.setGroupHealth('good', 'Degraded');
      },
    });
    // At 61 s "off" is re-enabled (checking again until 76 s) and "good" is forced Degraded.
    expectResult('statuses', seen, {
      60: {
        good: 'Online',
        bad: 'Degraded',
        off: 'Disabled',
        elsewhere: 'Degraded',
        forced: 'Online',
      },
      61: {
        good: 'Degraded',
        bad: 'Degraded',
        off: 'CheckingEndpoint',
        elsewhere: 'Degraded',
        forced: 'Degraded',
      },
      70: {
        good: 'Degraded',
        bad: 'Degraded',
        off: 'CheckingEndpoint',
        elsewhere: 'Degraded',
        forced: 'Degraded',
      },
      80: {
        good: 'Degraded',
        bad: 'Degraded',
        off: 'Degraded',
        elsewhere: 'Degraded',
        forced: 'Degraded',
      },
    });
  });
});

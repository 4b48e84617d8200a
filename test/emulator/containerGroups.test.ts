/**
 * Container groups through the real SDK clients: the SDK's own poller to Succeeded, the instance
 * view over model time, list paging, delete, stop/start/restart, tags, usages, secrets, and the
 * failures the real service gives (InaccessibleImage, quotas, capacity, location, 401).
 */
import { afterEach, describe, it } from 'vitest';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import type { ContainerGroup } from '@azure/arm-containerinstance';
import { SystemClock, VirtualClock } from '../../local/clock';
import type { Emulator, EmulatorConfig } from '../../local/emulator';
import { toFailure } from '../../shared/azure/errors';
import type { GroupRequest } from '../../shared/azure/ports';
import {
  FAST,
  RG,
  SUB,
  T0,
  emulator,
  expectResult,
  groupsPath,
  ports,
  rawClient,
  sdkClients,
  send,
} from './helpers';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(
  config: EmulatorConfig = FAST,
  clock = new VirtualClock(T0) as VirtualClock | SystemClock,
) {
  emu = await emulator(config, clock);
  return emu;
}

/** A minimal group through Surge's port. */
function request(name: string, overrides: Partial<GroupRequest> = {}): GroupRequest {
  return {
    subscriptionId: SUB,
    resourceGroup: RG,
    name,
    location: 'westeurope',
    tags: { 'surge-pool': 'orders' },
    osType: 'Linux',
    restartPolicy: 'Always',
    containers: [
      {
        name: 'worker',
        image: 'nginx',
        cpu: 1,
        memoryInGB: 1.5,
        ports: [80],
        environment: [{ name: 'MODE', value: 'batch' }],
        volumeMounts: [],
      },
    ],
    registryCredentials: [],
    identities: [],
    volumes: [],
    publicDns: { dnsNameLabel: name, ports: [80] },
    ...overrides,
  };
}

/** The same group as the SDK models it. */
const sdkGroup = (image = 'nginx'): ContainerGroup => ({
  location: 'westeurope',
  osType: 'Linux',
  tags: { 'surge-pool': 'orders' },
  containers: [{ name: 'worker', image, resources: { requests: { cpu: 1, memoryInGB: 1.5 } } }],
});

describe('create and provisioning', () => {
  it('beginCreateOrUpdateAndWait: the SDK poller follows Azure-AsyncOperation to Succeeded', async () => {
    const e = await start(FAST, new SystemClock());
    const { aci } = sdkClients(e);
    const group = await aci.containerGroups.beginCreateOrUpdateAndWait(RG, 'polled', sdkGroup(), {
      updateIntervalInMs: 5,
    });
    const ops = e.control.counters().byOperation;
    const container = group.containers[0]?.instanceView;
    expectResult(
      'polled to the end',
      {
        provisioningState: group.provisioningState,
        state: group.instanceView?.state,
        container: container?.currentState?.state,
        events: container?.events?.map((ev) => ev.name),
        polledOperation: (ops['operations.get'] ?? 0) >= 1,
        finalGet: ops['containerGroups.get'],
      },
      {
        provisioningState: 'Succeeded',
        state: 'Running',
        container: 'Running',
        events: ['Pulling', 'Pulled', 'Created', 'Started'],
        polledOperation: true,
        finalGet: 1,
      },
    );
  });

  it('the instance view follows the model clock: Pending, Creating, Running', async () => {
    const e = await start({
      provisioning: { pending: 5_000 },
      imageDefaults: { pull: 10_000, warmUp: 0, health: { startup: 0, degradedProbability: 0 } },
    });
    const p = ports(e);
    await p.containerGroups.beginCreate(request('timeline'));
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: 'timeline' };
    const seen = [];
    for (const at of [1_000, 6_000, 16_000]) {
      e.control.advance(T0 + at - e.control.now());
      const s = await p.containerGroups.get(ref);
      seen.push({
        at,
        provisioningState: s?.provisioningState,
        state: s?.instanceView?.state,
        containers: s?.instanceView?.containers.map((c) => [c.state, c.startTime]),
        events: s?.instanceView?.events.map((ev) => `${ev.name}@${ev.firstTimestamp ?? ''}`),
      });
    }
    expectResult('timeline', seen, [
      {
        at: 1_000,
        provisioningState: 'Pending',
        state: 'Pending',
        containers: [[undefined, undefined]],
        events: [],
      },
      {
        at: 6_000,
        provisioningState: 'Creating',
        state: 'Pending',
        containers: [['Waiting', '2025-01-01T12:00:06.000Z']],
        events: ['Pulling@2025-01-01T12:00:05.000Z'],
      },
      {
        at: 16_000,
        provisioningState: 'Succeeded',
        state: 'Running',
        containers: [['Running', '2025-01-01T12:00:15.000Z']],
        events: [
          'Pulling@2025-01-01T12:00:05.000Z',
          'Pulled@2025-01-01T12:00:15.000Z',
          'Created@2025-01-01T12:00:15.000Z',
          'Started@2025-01-01T12:00:15.000Z',
        ],
      },
    ]);
  });

  it('what the service fills in: id, type, sku, ip, fqdn {label}.{region}.azurecontainer.io', async () => {
    const e = await start();
    await ports(e).containerGroups.beginCreate(request('filled'));
    const { aci } = sdkClients(e);
    const g = await aci.containerGroups.get(RG, 'filled');
    expectResult(
      'filled',
      {
        id: g.id,
        type: g.type,
        sku: g.sku,
        restartPolicy: g.restartPolicy,
        ip: /^\d+\.\d+\.\d+\.\d+$/.test(g.ipAddress?.ip ?? ''),
        fqdn: g.ipAddress?.fqdn,
        initContainers: g.initContainers,
      },
      {
        id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/filled`,
        type: 'Microsoft.ContainerInstance/containerGroups',
        sku: 'Standard',
        restartPolicy: 'Always',
        ip: true,
        fqdn: 'filled.westeurope.azurecontainer.io',
        initContainers: [],
      },
    );
  });
});

describe('list, delete, lifecycle, tags, usages', () => {
  it('lists by resource group with nextLink paging (page size 2)', async () => {
    const e = await start({ ...FAST, arm: { pageSize: 2 } });
    const p = ports(e);
    for (const n of ['g-e', 'g-a', 'g-c', 'g-b', 'g-d'])
      await p.containerGroups.beginCreate(request(n));
    await p.containerGroups.beginCreate({ ...request('elsewhere'), resourceGroup: 'other' });
    const { aci } = sdkClients(e);
    const pages: string[][] = [];
    for await (const page of aci.containerGroups.listByResourceGroup(RG).byPage()) {
      pages.push(page.map((g) => g.name ?? ''));
    }
    const viaPort = (await p.containerGroups.list(SUB, RG)).map((g) => [g.name, g.instanceView]);
    expectResult(
      'paging',
      { pages, viaPort },
      {
        pages: [['g-a', 'g-b'], ['g-c', 'g-d'], ['g-e']],
        viaPort: ['g-a', 'g-b', 'g-c', 'g-d', 'g-e'].map((n) => [n, undefined]),
      },
    );
  });

  it('delete: 200 with the last body, 204 when absent; the port treats both as done', async () => {
    const e = await start();
    const p = ports(e);
    await p.containerGroups.beginCreate(request('doomed'));
    const client = rawClient(e);
    const first = await send(client, 'DELETE', groupsPath(e, 'doomed'));
    const second = await send(client, 'DELETE', groupsPath(e, 'doomed'));
    await p.containerGroups.beginDelete({ subscriptionId: SUB, resourceGroup: RG, name: 'doomed' });
    const after = await p.containerGroups.get({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'doomed',
    });
    expectResult(
      'delete',
      {
        first: [first.status, (first.json as { name?: string }).name],
        second: second.status,
        after,
      },
      { first: [200, 'doomed'], second: 204, after: undefined },
    );
  });

  it('stop, start (long-running), restart, and PATCH of tags', async () => {
    const e = await start(FAST, new SystemClock());
    const { aci } = sdkClients(e);
    await aci.containerGroups.beginCreateOrUpdateAndWait(RG, 'cycle', sdkGroup(), {
      updateIntervalInMs: 5,
    });
    await aci.containerGroups.stop(RG, 'cycle');
    const stopped = await aci.containerGroups.get(RG, 'cycle');
    await aci.containerGroups.beginStartAndWait(RG, 'cycle', { updateIntervalInMs: 5 });
    const startedAgain = await aci.containerGroups.get(RG, 'cycle');
    const runBefore = e.control.groups()[0]?.acceptedAt ?? '';
    // Restart answers 204 at once; the containers restart behind it (a new run of the group).
    await aci.containerGroups.beginRestartAndWait(RG, 'cycle', { updateIntervalInMs: 5 });
    const restarted = (e.control.groups()[0]?.acceptedAt ?? '') > runBefore;
    const tagged = await aci.containerGroups.update(RG, 'cycle', {
      tags: { 'surge-pool': 'orders', extra: 'yes' },
    });
    expectResult(
      'lifecycle',
      {
        stopped: [
          stopped.instanceView?.state,
          stopped.containers[0]?.instanceView?.currentState?.state,
        ],
        started: [startedAgain.provisioningState, startedAgain.instanceView?.state],
        restarted,
        tags: tagged.tags,
      },
      {
        stopped: ['Stopped', 'Terminated'],
        started: ['Succeeded', 'Running'],
        restarted: true,
        tags: { 'surge-pool': 'orders', extra: 'yes' },
      },
    );
  });

  it('location usages: groups and cores against the quotas', async () => {
    const e = await start({
      ...FAST,
      limits: { containerGroupsPerRegion: 50, coresPerRegion: 20 },
    });
    const p = ports(e);
    await p.containerGroups.beginCreate(request('u1'));
    await p.containerGroups.beginCreate(request('u2'));
    const { aci } = sdkClients(e);
    const usages = [];
    for await (const u of aci.location.listUsage('West Europe')) {
      usages.push([u.name?.value, u.currentValue, u.limit, u.unit]);
    }
    expectResult('usages', usages, [
      ['ContainerGroups', 2, 50, 'Count'],
      ['StandardCores', 2, 20, 'Count'],
      ['StandardSpotCores', 0, 100, 'Count'],
    ]);
  });

  it('operations list', async () => {
    const e = await start();
    const names = [];
    for await (const op of sdkClients(e).aci.operations.list()) names.push(op.name);
    expectResult(
      'operations',
      names.includes('Microsoft.ContainerInstance/containerGroups/write'),
      true,
    );
  });
});

describe('secrets are never echoed', () => {
  it('secure env values, registry passwords, storage keys, secret volumes, workspace keys', async () => {
    const e = await start({
      ...FAST,
      images: { 'contoso.azurecr.io/app:1': { private: true } },
    });
    const secrets = [
      'S3CRET-ENV',
      'REGISTRY-PASSWORD',
      'STORAGE-KEY==',
      'U0VDUkVULUZJTEU=',
      'WORKSPACE-KEY',
    ];
    const bodies: string[] = [];
    const recorder: PipelinePolicy = {
      name: 'recordBodies',
      async sendRequest(req, next) {
        const res = await next(req);
        bodies.push(res.bodyAsText ?? '');
        return res;
      },
    };
    const { aci } = sdkClients(e);
    aci.pipeline.addPolicy(recorder);
    await aci.containerGroups.beginCreateOrUpdate(RG, 'secretive', {
      location: 'westeurope',
      osType: 'Linux',
      containers: [
        {
          name: 'app',
          image: 'contoso.azurecr.io/app:1',
          resources: { requests: { cpu: 1, memoryInGB: 1 } },
          environmentVariables: [{ name: 'DB_PASSWORD', secureValue: secrets[0] }],
        },
      ],
      imageRegistryCredentials: [
        { server: 'contoso.azurecr.io', username: 'bot', password: secrets[1] },
      ],
      volumes: [
        {
          name: 'share',
          azureFile: { shareName: 's', storageAccountName: 'acct', storageAccountKey: secrets[2] },
        },
        { name: 'config', secret: { 'settings.json': secrets[3]! } },
      ],
      diagnostics: { logAnalytics: { workspaceId: 'ws', workspaceKey: secrets[4]! } },
    });
    e.control.advance(60_000);
    await aci.containerGroups.get(RG, 'secretive');
    for await (const _ of aci.containerGroups.listByResourceGroup(RG)) void _;
    await aci.containerGroups.beginDelete(RG, 'secretive');
    const leaked = secrets.filter((s) => bodies.some((b) => b.includes(s)));
    expectResult(
      'no secret in any answer',
      { answers: bodies.length >= 4, leaked },
      { answers: true, leaked: [] },
    );
  });
});

describe('failures as the real service gives them', () => {
  const base: EmulatorConfig = {
    ...FAST,
    images: { 'contoso.azurecr.io/private:1': { private: true } },
  };
  const cases: {
    label: string;
    config?: EmulatorConfig;
    before?: string[];
    request: GroupRequest;
    expected: unknown;
  }[] = [
    {
      label: 'an image the registry does not know: 400 InaccessibleImage',
      request: request('bad', {
        containers: [{ ...request('x').containers[0]!, image: 'contoso.azurecr.io/missing:9' }],
      }),
      expected: {
        kind: 'invalid',
        code: 'InaccessibleImage',
        status: 400,
        message:
          "The image 'contoso.azurecr.io/missing:9' in container group 'bad' is not accessible. Please check the image and registry credential.",
      },
    },
    {
      label: 'a private image without a registry credential: InaccessibleImage',
      request: request('nocred', {
        containers: [{ ...request('x').containers[0]!, image: 'contoso.azurecr.io/private:1' }],
      }),
      expected: { kind: 'invalid', code: 'InaccessibleImage', status: 400 },
    },
    {
      label: 'group quota: 409 ServiceUnavailable, container group quota ContainerGroups',
      config: { ...base, limits: { containerGroupsPerRegion: 1 } },
      before: ['first'],
      request: request('second'),
      expected: {
        kind: 'quota',
        code: 'ServiceUnavailable',
        status: 409,
        message:
          "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'ContainerGroups' exceeded in region 'westeurope'. Limit: '1', Usage: '1' Requested: '1'.",
      },
    },
    {
      label: 'core quota: StandardCores',
      config: { ...base, limits: { coresPerRegion: 1.5 } },
      before: ['first'],
      request: request('second'),
      expected: { kind: 'quota', code: 'ServiceUnavailable', status: 409 },
    },
    {
      label: 'no capacity in the region: 409 ServiceUnavailable "not available in the location"',
      config: { ...base, faults: { regions: { 'West Europe': { syncCapacityRate: 1 } } } },
      request: request('full'),
      expected: {
        kind: 'capacity',
        code: 'ServiceUnavailable',
        status: 409,
        message:
          "The requested resource is not available in the location 'westeurope' at this moment. Please retry with a different resource request or in another location. Resource requested: '1' CPU '1.5' GB memory 'Linux' OS",
      },
    },
    {
      label: 'same name in another region: 409 InvalidResourceLocation',
      before: ['moved'],
      request: { ...request('moved'), location: 'northeurope' },
      expected: { kind: 'transient', code: 'InvalidResourceLocation', status: 409 },
    },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const e = await start(c.config ?? base);
      const p = ports(e);
      for (const name of c.before ?? []) await p.containerGroups.beginCreate(request(name));
      let failure: unknown;
      try {
        await p.containerGroups.beginCreate(c.request);
      } catch (error) {
        failure = toFailure(error);
      }
      const expected = c.expected as Record<string, unknown>;
      const actual = failure as Record<string, unknown>;
      // Compare the message only where the case states it.
      expectResult(
        c.label,
        'message' in expected ? actual : { ...actual, message: undefined },
        'message' in expected ? expected : { ...expected, message: undefined },
      );
    });
  }

  it('InsufficientCapacity later: the SDK poller fails and the group reads Failed with the event', async () => {
    const e = await start({ ...FAST, faults: { asyncCapacityRate: 1 } }, new SystemClock());
    const { aci } = sdkClients(e);
    let message: string | undefined;
    try {
      await aci.containerGroups.beginCreateOrUpdateAndWait(RG, 'starved', sdkGroup(), {
        updateIntervalInMs: 5,
      });
    } catch (error) {
      // core-lro throws a plain Error: "The long-running operation has failed. {code}. {message}".
      message = (error as Error).message;
    }
    const s = await ports(e).containerGroups.get({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'starved',
    });
    expectResult(
      'async capacity',
      {
        failed: message?.startsWith(
          'The long-running operation has failed. InsufficientCapacity. The requested resource is not available',
        ),
        provisioningState: s?.provisioningState,
        events: s?.instanceView?.events.map((ev) => ev.name),
      },
      { failed: true, provisioningState: 'Failed', events: ['InsufficientCapacity.'] },
    );
  });

  it('slow provisioning: the same group takes ten times as long', async () => {
    const e = await start({
      provisioning: { pending: 1_000 },
      imageDefaults: { pull: 1_000 },
      faults: { slowProvisioningRate: 1, slowProvisioningFactor: 10 },
    });
    const p = ports(e);
    await p.containerGroups.beginCreate(request('slow'));
    const ref = { subscriptionId: SUB, resourceGroup: RG, name: 'slow' };
    e.control.advance(5_000);
    const early = (await p.containerGroups.get(ref))?.provisioningState;
    e.control.advance(16_000);
    const late = (await p.containerGroups.get(ref))?.provisioningState;
    expectResult('slow', { early, late }, { early: 'Pending', late: 'Succeeded' });
  });

  it('a crash-looping image: restarts every 30 s, Waiting in CrashLoopBackOff, drains nothing', async () => {
    const e = await start({
      ...FAST,
      images: { 'contoso.azurecr.io/crashy:1': { crashLoop: true, drainRate: 5 } },
    });
    const p = ports(e);
    await p.containerGroups.beginCreate(
      request('crashy', {
        containers: [{ ...request('x').containers[0]!, image: 'contoso.azurecr.io/crashy:1' }],
      }),
    );
    e.control.advance(95_000);
    const s = await p.containerGroups.get({
      subscriptionId: SUB,
      resourceGroup: RG,
      name: 'crashy',
    });
    const c = s?.instanceView?.containers[0];
    expectResult(
      'crash loop',
      {
        container: [c?.state, c?.detailStatus, c?.restartCount],
        backOff: s?.instanceView?.events.find((ev) => ev.name === 'BackOff')?.count,
        draining: e.control.groups()[0]?.drainingAt,
      },
      { container: ['Waiting', 'CrashLoopBackOff', 3], backOff: 3, draining: undefined },
    );
  });

  it('a request without a bearer token gets ARM 401 AuthenticationFailed', async () => {
    const e = await start();
    const answer = await send(rawClient(e, true), 'GET', groupsPath(e, 'any'));
    expectResult(
      '401',
      {
        status: answer.status,
        body: answer.json,
        challenge: answer.headers['www-authenticate']?.startsWith('Bearer'),
      },
      {
        status: 401,
        body: {
          error: {
            code: 'AuthenticationFailed',
            message: "Authentication failed. The 'Authorization' header is missing.",
          },
        },
        challenge: true,
      },
    );
  });
});

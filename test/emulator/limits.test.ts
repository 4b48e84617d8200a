/**
 * Limits and faults: a 429 with Retry-After retried by the SDK (and by Surge's retry policy), the
 * ARM token bucket with its remaining-count headers, ACI's create and delete rate limits, and
 * random 5xx drawn from the seed.
 */
import { afterEach, describe, it } from 'vitest';
import { ServiceClient } from '@azure/core-client';
import { SystemClock } from '../../local/clock';
import type { Emulator, EmulatorConfig } from '../../local/emulator';
import { toFailure } from '../../shared/azure/errors';
import type { GroupRequest } from '../../shared/azure/ports';
import {
  FAST,
  RG,
  SUB,
  credential,
  emulator,
  expectResult,
  groupsPath,
  ports,
  sdkClients,
  send,
} from './helpers';

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(config: EmulatorConfig = FAST, seed = 7, clock?: SystemClock) {
  emu = await emulator(config, clock, seed);
  return emu;
}

/** A client that does not retry: every answer is seen as sent. */
function noRetry(e: Emulator): ServiceClient {
  return new ServiceClient({
    baseUri: e.armEndpoint,
    tlsOptions: { ca: e.caCertPem },
    credential,
    credentialScopes: `${e.armEndpoint}/.default`,
    retryOptions: { maxRetries: 0 },
  });
}

const ref = (name: string) => ({ subscriptionId: SUB, resourceGroup: RG, name });

function request(name: string): GroupRequest {
  return {
    ...ref(name),
    location: 'westeurope',
    tags: {},
    osType: 'Linux',
    restartPolicy: 'Always',
    containers: [
      {
        name: 'c',
        image: 'nginx',
        cpu: 1,
        memoryInGB: 1,
        ports: [],
        environment: [],
        volumeMounts: [],
      },
    ],
    registryCredentials: [],
    identities: [],
    volumes: [],
  };
}

describe('429 with Retry-After is retried and succeeds', () => {
  it('the SDK default retry policy waits Retry-After and tries again', async () => {
    const e = await start(FAST, 7, new SystemClock());
    await ports(e).containerGroups.beginCreate(request('g'));
    e.control.injectArmErrors([{ status: 429, retryAfterSeconds: 1, kind: 'read' }]);
    const started = Date.now();
    const g = await sdkClients(e, 3).aci.containerGroups.get(RG, 'g');
    const waited = Date.now() - started;
    const c = e.control.counters();
    expectResult(
      'sdk retry',
      {
        name: g.name,
        waitedRetryAfter: waited >= 900,
        arm429: c.arm429,
        gets: c.byOperation['containerGroups.get'],
      },
      { name: 'g', waitedRetryAfter: true, arm429: 1, gets: 2 },
    );
  });

  it("Surge's retry policy honours Retry-After within its limit for a write", async () => {
    const e = await start(FAST, 7, new SystemClock());
    const p = ports(e);
    e.control.injectArmErrors([{ status: 429, retryAfterSeconds: 1, kind: 'write' }]);
    const started = Date.now();
    await p.containerGroups.beginCreate(request('g'));
    expectResult(
      'surge retry',
      { waitedRetryAfter: Date.now() - started >= 900, arm429: e.control.counters().arm429 },
      { waitedRetryAfter: true, arm429: 1 },
    );
  });

  it("a throttled read is not sent again: the app's read budget holds the subscription's reads for Retry-After", async () => {
    const e = await start(FAST, 7, new SystemClock());
    const p = ports(e);
    await p.containerGroups.beginCreate(request('g'));
    e.control.injectArmErrors([{ status: 429, retryAfterSeconds: 1, kind: 'read' }]);
    const outcome = async () => {
      try {
        return (await p.containerGroups.get(ref('g')))?.name;
      } catch (error) {
        return toFailure(error).code;
      }
    };
    const seen = [await outcome(), await outcome()];
    const gets = e.control.counters().byOperation['containerGroups.get'];
    await new Promise((resolve) => setTimeout(resolve, 1100));
    seen.push(await outcome());
    expectResult(
      'held reads',
      { seen, gets, arm429: e.control.counters().arm429 },
      { seen: ['TooManyRequests', 'SurgeReadsHeld', 'g'], gets: 1, arm429: 1 },
    );
  });
});

describe('ARM token bucket', () => {
  it('reads: 3 tokens refilled at 1/s; the headers count down; empty answers 429 Retry-After 1', async () => {
    const e = await start({ ...FAST, limits: { armReads: { capacity: 3, refillPerSecond: 1 } } });
    const client = noRetry(e);
    const seen = [];
    for (let i = 0; i < 4; i++) {
      const r = await send(client, 'GET', groupsPath(e));
      seen.push([
        r.status,
        r.headers['x-ms-ratelimit-remaining-subscription-reads'] ?? r.headers['retry-after'],
      ]);
    }
    e.control.advance(1_000);
    const after = await send(client, 'GET', groupsPath(e));
    expectResult(
      'bucket',
      { seen, after: after.status, code: (after.json as { error?: unknown }).error === undefined },
      {
        seen: [
          [200, '2'],
          [200, '1'],
          [200, '0'],
          [429, '1'],
        ],
        after: 200,
        code: true,
      },
    );
  });

  it('writes and reads have separate buckets; a 429 carries ARM throttling text', async () => {
    const e = await start({
      ...FAST,
      limits: { armWrites: { capacity: 1, refillPerSecond: 0.1 } },
    });
    const client = noRetry(e);
    const put = (name: string) => send(client, 'PATCH', groupsPath(e, name), { tags: {} });
    await ports(e).containerGroups.beginCreate(request('w')); // uses the one write token
    const refused = await put('w');
    const read = await send(client, 'GET', groupsPath(e, 'w'));
    const error = (refused.json as { error: { code: string; message: string } }).error;
    expectResult(
      'separate',
      {
        refused: [
          refused.status,
          refused.headers['retry-after'],
          error.code,
          /Please try again after '10' seconds/.test(error.message),
        ],
        read: read.status,
      },
      { refused: [429, '10', 'TooManyRequests', true], read: 200 },
    );
  });
});

describe('ACI create and delete rate limits', () => {
  it('creates per 5 minutes: headers count down, then 429 until the window frees', async () => {
    const e = await start({ ...FAST, limits: { createsPer5Min: 2, createsPerHour: 300 } });
    const client = noRetry(e);
    const body = {
      location: 'westeurope',
      properties: {
        osType: 'Linux',
        containers: [
          {
            name: 'c',
            properties: { image: 'nginx', resources: { requests: { cpu: 1, memoryInGB: 1 } } },
          },
        ],
      },
    };
    const seen = [];
    for (const name of ['a', 'b', 'c']) {
      const r = await send(client, 'PUT', groupsPath(e, name), body);
      seen.push([
        r.status,
        r.headers['x-ms-ratelimit-remaining-subscription-resource-requests-pt5m'] ??
          `retry ${r.headers['retry-after']}`,
      ]);
    }
    let failure: unknown;
    try {
      await ports(e).containerGroups.beginCreate(request('d'));
    } catch (error) {
      failure = toFailure(error);
    }
    e.control.advance(300_000);
    const later = await send(client, 'PUT', groupsPath(e, 'c'), body);
    expectResult(
      'create rate',
      {
        seen,
        port: [(failure as { kind: string }).kind, (failure as { status: number }).status],
        later: later.status,
      },
      {
        seen: [
          [201, '1'],
          [201, '0'],
          [429, 'retry 300'],
        ],
        port: ['quota', 429],
        later: 201,
      },
    );
  });

  it('deletes per hour', async () => {
    const e = await start({ ...FAST, limits: { deletesPer5Min: 100, deletesPerHour: 1 } });
    const p = ports(e);
    await p.containerGroups.beginCreate(request('x'));
    await p.containerGroups.beginCreate(request('y'));
    await p.containerGroups.beginDelete(ref('x'));
    let failure: unknown;
    try {
      await p.containerGroups.beginDelete(ref('y'));
    } catch (error) {
      failure = toFailure(error);
    }
    expectResult(
      'delete rate',
      { kind: (failure as { kind: string }).kind, status: (failure as { status: number }).status },
      { kind: 'throttled', status: 429 },
    );
  });
});

describe('random 5xx come from the seed', () => {
  async function statuses(seed: number): Promise<number[]> {
    const e = await start(
      {
        ...FAST,
        faults: { armServerErrorRate: 0.3 },
        limits: { armReads: { capacity: 1000, refillPerSecond: 100 } },
      },
      seed,
    );
    const client = noRetry(e);
    const out: number[] = [];
    for (let i = 0; i < 40; i++) out.push((await send(client, 'GET', groupsPath(e))).status);
    await e.close();
    emu = undefined;
    return out;
  }

  it('same seed, same failures; another seed, others; about the configured rate', async () => {
    const a = await statuses(1);
    const b = await statuses(1);
    const c = await statuses(2);
    const failures = a.filter((s) => s >= 500).length;
    expectResult(
      '5xx',
      {
        same: a,
        differs: a.join() !== c.join(),
        plausible: failures >= 4 && failures <= 24,
        kinds: [...new Set(a)].sort(),
      },
      { same: b, differs: true, plausible: true, kinds: [200, 500, 503] },
    );
  });
});

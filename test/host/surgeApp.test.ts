/**
 * Surge's own app (functions/index.ts) on the local host, over hand-written Azure fakes installed
 * with `installRuntime` before the app is imported: its HTTP routes need a key, answer through
 * the real durable client, and its runOnStartup timer starts the pool controllers in virtual
 * time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { Host } from '../../local/host/host';
import { startHost } from '../../local/host/host';
import { collectingHostLog } from '../../local/host/log';
import { problemBody } from '../../local/host/httpIo';
import { driveVirtualTime } from '../../local/host/virtualTime';
import { readSettings } from '../../shared/config/settings';
import { installRuntime, newRuntimeMemory } from '../../shared/runtime';
import {
  FakeContainerGroups,
  FakeProber,
  FakeQueueMetrics,
  FakeReadTurns,
  FakeTrafficRouter,
} from '../fakes/azure';
import { poolInput, poolsOf } from '../fakes/pools';
import { expectResult, send, TempDirs } from './helpers';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const temp = new TempDirs();
const clock = new VirtualClock(T0);
let host: Host;

beforeAll(async () => {
  installRuntime({
    settings: readSettings({}),
    pools: poolsOf(poolInput('orders')),
    azure: {
      containerGroups: new FakeContainerGroups(() => clock.now()),
      queueMetrics: new FakeQueueMetrics(),
      trafficRouter: new FakeTrafficRouter(() => clock.now()),
      readTurns: new FakeReadTurns(() => clock.now()),
    },
    prober: new FakeProber(),
    readSetting: () => undefined,
    memory: newRuntimeMemory(),
    now: () => clock.now(),
  });
  host = await startHost({
    appEntry: 'functions/index.ts',
    stateDir: temp.make(),
    clock,
    port: 0,
    log: collectingHostLog(),
  });
});

afterAll(async () => {
  await host.close();
  installRuntime(undefined);
  temp.removeAll();
});

/** The function key every pool route accepts. */
const functionKey = (): string => host.keys.functionKeys.default ?? '';

const listPools = (key?: string) =>
  send('GET', `${host.baseUrl}/pools`, { headers: key ? { 'x-functions-key': key } : {} });

/** The fields of GET /api/pools this test looks at. */
function poolsSummary(json: unknown): unknown {
  const { pools } = json as { pools: { name: string; controller: string }[] };
  return pools.map((p) => [p.name, p.controller]);
}

describe("Surge's app on the local host", () => {
  it('reads its routes and timers from the real registrations', () => {
    const routes = host.server.routes().map((r) => `${r.functionName} ${r.route.template}`);
    const timers = host.timers.describe().map((t) => [t.functionName, t.runOnStartup]);
    expect(routes).toEqual(expect.arrayContaining(['listPools pools', 'getPool pools/{name}']));
    expect(timers).toEqual(expect.arrayContaining([['ensureControllers', true]]));
  });

  it('GET /api/pools without a key is 401', async () => {
    const res = await listPools();
    expectResult(
      'no key',
      { status: res.status, body: res.json },
      {
        status: 401,
        body: problemBody(
          401,
          'this function requires a key: pass it in the x-functions-key header or the code query parameter',
        ),
      },
    );
  });

  it('GET /api/pools with a function key lists the pools; ensureControllers starts them', async () => {
    const before = await listPools(host.keys.functionKeys.default);
    // The runOnStartup run of ensureControllers is due now; nothing else is.
    await driveVirtualTime(host, clock.now());
    const after = await listPools(host.keys.functionKeys.default);
    expectResult(
      'pools',
      {
        before: [before.status, poolsSummary(before.json)],
        after: [after.status, poolsSummary(after.json)],
        runs: host.timers.runs.map((r) => [r.functionName, r.reason, r.outcome]),
      },
      {
        before: [200, [['orders', 'NotStarted']]],
        after: [200, [['orders', 'Running']]],
        runs: [['ensureControllers', 'runOnStartup', 'succeeded']],
      },
    );
  });

  it('GET /api/pools/{name} for an unknown pool answers Surge’s own 404', async () => {
    const res = await send('GET', `${host.baseUrl}/pools/nope`, {
      headers: { 'x-functions-key': host.keys.masterKey },
    });
    expectResult(
      'unknown pool',
      { status: res.status, body: res.json },
      { status: 404, body: problemBody(404, 'no pool named "nope"', { pools: ['orders'] }) },
    );
  });

  it.each([
    {
      label: 'pause with a reason',
      method: 'POST',
      path: 'pools/orders/pause?reason=maintenance',
      expected: { status: 202, signal: { kind: 'pause', reason: 'maintenance' } },
    },
    {
      label: 'resume',
      method: 'POST',
      path: 'pools/orders/resume',
      expected: { status: 202, signal: { kind: 'resume' } },
    },
    {
      label: 'clear an override',
      method: 'DELETE',
      path: 'pools/orders/scale',
      expected: { status: 202, signal: { kind: 'clearOverride' } },
    },
    {
      label: 'pause an unknown pool',
      method: 'POST',
      path: 'pools/nope/pause',
      expected: { status: 404, signal: undefined },
    },
  ])('operator route: $label', async ({ method, path, expected }) => {
    const res = await send(method, `${host.baseUrl}/${path}`, {
      headers: { 'x-functions-key': functionKey() },
    });
    const body = res.json as { signal?: { at?: number } };
    const { at, ...signal } = body.signal ?? {};
    expectResult(
      path,
      { status: res.status, signal: body.signal ? signal : undefined, at },
      { ...expected, at: body.signal ? clock.now() : undefined },
    );
  });

  it('a pause reaches the pool status, with its reason', async () => {
    await send('POST', `${host.baseUrl}/pools/orders/pause?reason=maintenance`, {
      headers: { 'x-functions-key': functionKey() },
    });
    await driveVirtualTime(host, clock.now() + 1000);
    const res = await send('GET', `${host.baseUrl}/pools/orders`, {
      headers: { 'x-functions-key': functionKey() },
    });
    const status = (res.json as { status: { paused: unknown } | null }).status;
    expectResult('paused', status?.paused, {
      since: new Date(clock.now() - 1000).toISOString(),
      reason: 'maintenance',
    });
  });
});

/**
 * The changes the simulator made outside local/simulate, each against the behaviour it must keep:
 * the engine's sequential mode, the cached history JSON, the emulator's in-process transport (same
 * answers as over https), the in-process Durable client (same answers as over HTTP), and the
 * emulator's cheap depth read and merged wait histograms.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpsRequest } from 'node:https';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { VirtualClock } from '../../local/clock';
import { createClientApiHandler } from '../../local/durable/clientApi';
import { DurableEngine } from '../../local/durable/engine';
import type { HistoryEvent } from '../../local/durable/history';
import { h, markPlayed } from '../../local/durable/history';
import { serveDurableClientInProcess } from '../../local/durable/inProcessClient';
import type { OrchestrationTriggerPayload } from '../../local/durable/replay';
import { payloadJson } from '../../local/durable/replay';
import type { Emulator } from '../../local/emulator';
import { startEmulator } from '../../local/emulator';
import { Histogram } from '../../local/emulator/workload/histogram';
import { installFunctionsCore } from '../../local/host/functionsCore';

const T0 = Date.UTC(2025, 0, 1);

describe('engine: sequential mode', () => {
  const cases = [
    {
      label: 'FIFO with overlap by default',
      sequential: false,
      concurrency: 4,
      expected: { order: ['c', 'a', 'b'], oneAtATime: false, episodesDuringActivity: true },
    },
    {
      label: 'smallest id first, one thing at a time, when sequential',
      sequential: true,
      concurrency: 4,
      expected: { order: ['a', 'b', 'c'], oneAtATime: true, episodesDuringActivity: false },
    },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      const registry = installFunctionsCore();
      const app = await import('./apps/orderApp');
      app.resetObserved();
      const engine = new DurableEngine({
        registry,
        clock: new VirtualClock(T0),
        activityConcurrency: c.concurrency,
        sequential: c.sequential,
      });
      // Started (so made runnable) in the order c, a, b: like signals arriving in any order.
      for (const id of ['c', 'a', 'b']) await engine.startNew('noter', { instanceId: id });
      await engine.runUntilIdle();
      await engine.stop();
      expect({
        order: app.observed.order,
        oneAtATime: app.observed.maxRunning === 1,
        episodesDuringActivity: app.observed.episodesDuringActivity > 0,
      }).toEqual(c.expected);
    });
  }
});

describe('replay payload JSON', () => {
  const started = h.executionStarted(T0, {
    name: 'noter',
    instanceId: 'a',
    input: { pool: 'orders', note: 'é ✓ "quoted"' },
  });
  const events: HistoryEvent[] = [
    h.orchestratorStarted(T0),
    started,
    h.taskScheduled(T0, 0, 'note', 'a'),
    h.orchestratorCompleted(T0),
  ];
  const payload = (over: Partial<OrchestrationTriggerPayload>): OrchestrationTriggerPayload => ({
    history: markPlayed(events, true),
    input: { pool: 'orders' },
    instanceId: 'a',
    isReplaying: true,
    upperSchemaVersion: 3,
    maximumShortTimerDuration: '6.00:00:00',
    longRunningTimerIntervalDuration: '3.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    ...over,
  });
  const cases: { label: string; payload: OrchestrationTriggerPayload }[] = [
    { label: 'a replayed history with an object input', payload: payload({}) },
    { label: 'no input (the key is left out)', payload: payload({ input: undefined }) },
    {
      label: 'a string input and a parent',
      payload: payload({ input: 'x', parentInstanceId: 'p' }),
    },
    { label: 'an empty history', payload: payload({ history: [], isReplaying: false }) },
  ];
  for (const c of cases) {
    it(`${c.label}: same text as JSON.stringify, twice`, () => {
      const expected = JSON.stringify(c.payload);
      expect([payloadJson(c.payload), payloadJson(c.payload)]).toEqual([expected, expected]);
    });
  }

  it('markPlayed reuses one played copy per event and leaves the originals alone', () => {
    const first = markPlayed(events, true);
    const second = markPlayed(events, true);
    expect({
      same: first.every((e, i) => e === second[i]),
      played: first.map((e) => e.IsPlayed),
      originals: events.map((e) => e.IsPlayed),
      unplayed: markPlayed(first, false).map((e) => e.IsPlayed),
    }).toEqual({
      same: true,
      played: [true, true, true, true],
      originals: [false, false, false, false],
      unplayed: [false, false, false, false],
    });
  });
});

describe('emulator: in-process transport answers as https does', () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ clock: new VirtualClock(T0), seed: 1 });
    emulator.control.createEntity('sim', 'queue', 'orders');
    emulator.control.enqueue('sim', 'orders', 42);
  });
  afterAll(async () => {
    await emulator.close();
  });

  // Per-request ids and socket details differ; the remaining budget moves with every request.
  const perRequest =
    /^(x-ms-request-id|x-ms-correlation-request-id|date|connection|keep-alive|x-ms-ratelimit-remaining-.*)$/;

  /** Over https (node's client, trusting the emulator's CA): status, headers, body. */
  function viaSocket(method: string, path: string, headers: Record<string, string>) {
    return new Promise<{ status: number; headers: Record<string, string>; body: string }>(
      (resolve, reject) => {
        const req = httpsRequest(
          `${emulator.armEndpoint}${path}`,
          { method, headers, ca: emulator.caCertPem },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const kept: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (!perRequest.test(name) && typeof value === 'string') kept[name] = value;
              }
              resolve({
                status: res.statusCode ?? 0,
                headers: kept,
                body: Buffer.concat(chunks).toString('utf8'),
              });
            });
          },
        );
        req.on('error', reject);
        req.end();
      },
    );
  }

  /** Through the in-process HttpClient: the same three things. */
  async function inProcess(method: string, path: string, headers: Record<string, string>) {
    const res = await emulator.httpClient.sendRequest(
      createPipelineRequest({
        url: `${emulator.armEndpoint}${path}`,
        method: method as 'GET',
        headers: createHttpHeaders(headers),
      }),
    );
    const kept: Record<string, string> = {};
    for (const [name, value] of res.headers) if (!perRequest.test(name)) kept[name] = value;
    return { status: res.status, headers: kept, body: res.bodyAsText ?? '' };
  }

  const bearer = { authorization: 'Bearer token' };
  const groups =
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups';
  const cases: { label: string; method: string; path: string; headers: Record<string, string> }[] =
    [
      {
        label: 'an ARM list',
        method: 'GET',
        path: `${groups}?api-version=2023-05-01`,
        headers: bearer,
      },
      {
        label: 'an ARM 404',
        method: 'GET',
        path: `${groups}/nope?api-version=2023-05-01`,
        headers: bearer,
      },
      { label: 'no api-version', method: 'GET', path: groups, headers: bearer },
      { label: 'no token', method: 'GET', path: `${groups}?api-version=2023-05-01`, headers: {} },
      {
        label: 'a Service Bus feed',
        method: 'GET',
        path: '/$Resources/Queues?api-version=2021-05',
        headers: { ...bearer, host: 'sim.servicebus.windows.net' },
      },
    ];
  for (const c of cases) {
    it(c.label, async () => {
      const socket = await viaSocket(c.method, c.path, c.headers);
      expect(await inProcess(c.method, c.path, c.headers)).toEqual(socket);
    });
  }

  it('reads one depth cheaply, and merges wait histograms', () => {
    const a = new Histogram();
    const b = new Histogram();
    const both = new Histogram();
    for (const [h1, ms, w] of [
      [a, 1000, 3],
      [b, 5000, 1],
      [b, 20, 2],
    ] as const) {
      h1.add(ms, w);
      both.add(ms, w);
    }
    expect({
      depth: emulator.control.depth('sim', 'orders'),
      missing: emulator.control.depth('sim', 'nope'),
      merged: Histogram.merged([a, b]).stats(),
      none: emulator.control.combinedWaits([{ namespace: 'sim', entity: 'orders' }]).count,
    }).toEqual({ depth: 42, missing: undefined, merged: both.stats(), none: 0 });
  });
});

describe('Durable client in-process answers as over HTTP', () => {
  it('getStatus, raiseEvent and a 404 give the same status and body', async () => {
    const registry = installFunctionsCore();
    await import('./apps/orderApp');
    const engine = new DurableEngine({ registry, clock: new VirtualClock(T0) });
    const server = await engine.listen();
    await engine.startNew('noter', { instanceId: 'x' });
    const axios = createRequire(require.resolve('durable-functions'))('axios') as {
      request(config: Record<string, unknown>): Promise<{ status: number; data: unknown }>;
    };
    const calls = async () => {
      const out: { status: number; data: unknown }[] = [];
      for (const config of [
        { method: 'get', url: `${server.baseUrl}/durabletask/instances/x?showInput=false` },
        {
          method: 'post',
          url: `${server.baseUrl}/durabletask/instances/nope/raiseEvent/go`,
          data: '1',
        },
        { method: 'get', url: `${server.baseUrl}/durabletask/nothing-here` },
      ]) {
        const r = await axios.request({ ...config, validateStatus: () => true });
        out.push({ status: r.status, data: r.data });
      }
      return out;
    };
    try {
      const overHttp = await calls();
      const undo = serveDurableClientInProcess(
        server.baseUrl,
        createClientApiHandler(engine, () => server.baseUrl),
      );
      let inProcess: unknown;
      try {
        inProcess = await calls();
      } finally {
        undo();
      }
      expect(inProcess).toEqual(overHttp);
    } finally {
      await server.close();
      await engine.stop();
    }
  });
});

/**
 * The engine's Durable client HTTP API, exercised two ways: through the REAL SDK client
 * (`df.getClient(context)` inside HTTP/timer functions of apps/clientApp.ts, invoked the faithful
 * way), and with plain fetch for the status codes the SDK maps to errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ClientApiServer } from '../../local/durable/clientApi';
import { clientBindingData, createClientApiHandler } from '../../local/durable/clientApi';
import { DurableEngine } from '../../local/durable/engine';
import type { FunctionRegistry } from '../../local/host/functionsCore';
import { installFunctionsCore } from '../../local/host/functionsCore';
import { invokeHttp, invokeTimer } from '../../local/host/invoke';
import { bypassProxyForLoopback, T0 } from './helpers';

let registry: FunctionRegistry;

beforeAll(async () => {
  bypassProxyForLoopback();
  registry = installFunctionsCore();
  await import('./apps/clientApp');
});

/** An engine with its client API listening; `stop()` closes the server. */
async function startEngine(pageSize?: number): Promise<{
  engine: DurableEngine;
  server: ClientApiServer;
  binding: string;
}> {
  const engine = new DurableEngine({ registry, clock: new VirtualClock(T0) });
  const server = await engine.listen(pageSize ? { pageSize } : {});
  return { engine, server, binding: engine.clientBindingData() };
}

describe('the real DurableClient against the engine', () => {
  let engine: DurableEngine;
  let server: ClientApiServer;
  let binding: string;

  beforeAll(async () => {
    ({ engine, server, binding } = await startEngine(2));
  });
  afterAll(async () => {
    await server.close();
  });

  const call = (name: string, method: string, path: string, body?: unknown) =>
    invokeHttp(
      registry,
      name,
      { method, url: `${server.baseUrl}/api/${path}`, body },
      { durableClient: binding },
    );

  it('startNew, getStatus, raiseEvent through HTTP functions; status links work', async () => {
    const started = await call(
      'startOrchestration',
      'POST',
      'orchestrators/approvalFlow?id=flow-1',
      {
        pool: 'a',
      },
    );
    expect({
      status: started.status,
      location: started.headers.location,
      body: started.jsonBody,
    }).toEqual({
      status: 202,
      location: `${server.baseUrl}/runtime/webhooks/durabletask/instances/flow-1?taskHub=SurgeLocal&connection=Storage`,
      body: expect.objectContaining({
        id: 'flow-1',
        statusQueryGetUri: `${server.baseUrl}/runtime/webhooks/durabletask/instances/flow-1?taskHub=SurgeLocal&connection=Storage`,
        sendEventPostUri: `${server.baseUrl}/runtime/webhooks/durabletask/instances/flow-1/raiseEvent/{eventName}?taskHub=SurgeLocal&connection=Storage`,
      }) as unknown,
    });

    await engine.runUntilIdle();
    const running = await call('instanceStatus', 'GET', 'instances/flow-1');
    expect(running.jsonBody).toMatchObject({
      name: 'approvalFlow',
      instanceId: 'flow-1',
      runtimeStatus: 'Running',
      input: { pool: 'a' },
      output: null,
      customStatus: { stage: 'waiting', input: { pool: 'a' } },
    });

    const raised = await call('raiseDecision', 'POST', 'instances/flow-1/decision', {
      verdict: 'approve',
    });
    expect(raised.status).toBe(202);
    await engine.runUntilIdle();

    const done = await call('instanceStatus', 'GET', 'instances/flow-1');
    expect(done.jsonBody).toMatchObject({
      runtimeStatus: 'Completed',
      output: { decision: { verdict: 'approve' }, input: { pool: 'a' } },
    });

    // The link createCheckStatusResponse handed out is served by the engine too.
    const links = started.jsonBody as { statusQueryGetUri: string };
    const viaLink = await fetch(links.statusQueryGetUri);
    expect({ status: viaLink.status, body: await viaLink.json() }).toMatchObject({
      status: 200,
      body: { instanceId: 'flow-1', runtimeStatus: 'Completed' },
    });

    const missing = await call('instanceStatus', 'GET', 'instances/nobody');
    expect(missing).toMatchObject({
      status: 404,
      jsonBody: { error: expect.stringContaining('HTTP 404') as unknown },
    });
  });

  it('a timer function with a durable client starts an orchestration', async () => {
    await invokeTimer(registry, 'nightlyKick', { isPastDue: true }, { durableClient: binding });
    expect(engine.getStatus('from-timer')).toMatchObject({
      runtimeStatus: 'Pending',
      input: { isPastDue: true, adjustForDST: true },
    });
  });

  interface OpCase {
    label: string;
    request: Record<string, unknown>;
    expected: { status: number; jsonBody: unknown };
  }

  const opCases: OpCase[] = [
    {
      label: 'startNew without input (the SDK posts "")',
      request: { op: 'startNew', name: 'approvalFlow', id: 'ops-1' },
      expected: { status: 200, jsonBody: { result: 'ops-1' } },
    },
    {
      label: 'startNew on an active id is refused',
      request: { op: 'startNew', name: 'approvalFlow', id: 'ops-1' },
      expected: {
        status: 500,
        jsonBody: { error: expect.stringContaining('unexpected status code: 409') as unknown },
      },
    },
    {
      label: 'suspend',
      request: { op: 'suspend', id: 'ops-1', reason: 'pause' },
      expected: { status: 200, jsonBody: { result: null } },
    },
    {
      label: 'resume',
      request: { op: 'resume', id: 'ops-1', reason: 'go on' },
      expected: { status: 200, jsonBody: { result: null } },
    },
    {
      label: 'terminate',
      request: { op: 'terminate', id: 'ops-1', reason: 'stop' },
      expected: { status: 200, jsonBody: { result: null } },
    },
    {
      label: 'raiseEvent on a finished instance is accepted silently (410)',
      request: { op: 'raiseEvent', id: 'ops-1', name: 'decision', data: 1 },
      expected: { status: 200, jsonBody: { result: null } },
    },
    {
      label: 'raiseEvent on an unknown instance is an error (404)',
      request: { op: 'raiseEvent', id: 'ghost', name: 'decision', data: 1 },
      expected: { status: 500, jsonBody: { error: "No instance with ID 'ghost' found." } },
    },
    {
      // It never ran an episode (nobody drove the engine), so suspend/resume never reached the
      // history: only the termination did.
      label: 'getStatus with history',
      request: { op: 'getStatus', id: 'ops-1', showHistory: true },
      expected: {
        status: 200,
        jsonBody: {
          result: expect.objectContaining({
            runtimeStatus: 'Terminated',
            input: null,
            output: 'stop',
            history: [
              {
                EventType: 'ExecutionTerminated',
                Timestamp: new Date(T0).toISOString(),
                Input: 'stop',
              },
            ],
          }) as unknown,
        },
      },
    },
    {
      label: 'purge',
      request: { op: 'purge', id: 'ops-1' },
      expected: { status: 200, jsonBody: { result: { instancesDeleted: 1 } } },
    },
    {
      label: 'purge again finds nothing',
      request: { op: 'purge', id: 'ops-1' },
      expected: { status: 200, jsonBody: { result: { instancesDeleted: 0 } } },
    },
  ];

  it.each(opCases)('client op: $label', async ({ request, expected }) => {
    const res = await call('clientOps', 'POST', 'clientOps', request);
    expect({ status: res.status, jsonBody: res.jsonBody }).toEqual(expected);
  });

  it('getStatusAll follows x-ms-continuation-token pages', async () => {
    for (let i = 0; i < 5; i++) await engine.startNew('approvalFlow', { instanceId: `page-${i}` });
    const all = await call('clientOps', 'POST', 'clientOps', { op: 'getStatusAll' });
    const ids = (all.jsonBody as { result: { instanceId: string }[] }).result.map(
      (s) => s.instanceId,
    );
    expect(ids.filter((id) => id.startsWith('page-'))).toEqual([
      'page-0',
      'page-1',
      'page-2',
      'page-3',
      'page-4',
    ]);

    const firstPage = await fetch(`${server.baseUrl}/durabletask/instances/`);
    expect({
      status: firstPage.status,
      count: ((await firstPage.json()) as unknown[]).length,
      hasToken: firstPage.headers.has('x-ms-continuation-token'),
    }).toEqual({ status: 200, count: 2, hasToken: true });

    const pending = await call('clientOps', 'POST', 'clientOps', {
      op: 'getStatusBy',
      runtimeStatus: ['Pending'],
    });
    const pendingIds = (pending.jsonBody as { result: { instanceId: string }[] }).result.map(
      (s) => s.instanceId,
    );
    expect(pendingIds).toEqual(['from-timer', 'page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
  });
});

describe('client API status codes', () => {
  let engine: DurableEngine;
  let server: ClientApiServer;

  beforeAll(async () => {
    ({ engine, server } = await startEngine());
    await engine.startNew('approvalFlow', { instanceId: 'live' });
    await engine.startNew('approvalFlow', { instanceId: 'done' });
    await engine.runUntilIdle();
    await engine.raiseEvent('done', 'decision', 'x');
    await engine.runUntilIdle();
  });
  afterAll(async () => {
    await server.close();
  });

  const prefixes = ['/durabletask/', '/runtime/webhooks/durabletask/'];
  const routes: { label: string; method: string; path: string; status: number }[] = [
    { label: 'status of a running instance', method: 'GET', path: 'instances/live', status: 202 },
    { label: 'status of a completed instance', method: 'GET', path: 'instances/done', status: 200 },
    { label: 'status of an unknown instance', method: 'GET', path: 'instances/ghost', status: 404 },
    {
      label: 'raiseEvent, running',
      method: 'POST',
      path: 'instances/live/raiseEvent/ping',
      status: 202,
    },
    {
      label: 'raiseEvent, finished',
      method: 'POST',
      path: 'instances/done/raiseEvent/ping',
      status: 410,
    },
    {
      label: 'raiseEvent, unknown',
      method: 'POST',
      path: 'instances/ghost/raiseEvent/ping',
      status: 404,
    },
    {
      label: 'terminate, finished',
      method: 'POST',
      path: 'instances/done/terminate?reason=x',
      status: 410,
    },
    {
      label: 'suspend, unknown',
      method: 'POST',
      path: 'instances/ghost/suspend?reason=x',
      status: 404,
    },
    {
      label: 'resume, running (no-op)',
      method: 'POST',
      path: 'instances/live/resume?reason=x',
      status: 202,
    },
    {
      label: 'rewind is not supported',
      method: 'POST',
      path: 'instances/done/rewind?reason=x',
      status: 501,
    },
    { label: 'unknown orchestrator', method: 'POST', path: 'orchestrators/nope', status: 400 },
    { label: 'purge unknown', method: 'DELETE', path: 'instances/ghost', status: 404 },
  ];
  const table = prefixes.flatMap((prefix) =>
    routes.map((r) => ({ ...r, prefix, label: `${prefix} ${r.label}` })),
  );

  it.each(table)('$label → $status', async ({ method, prefix, path, status }) => {
    const res = await fetch(`${server.baseUrl}${prefix}${path}`, {
      method,
      ...(method === 'POST'
        ? { body: '"data"', headers: { 'content-type': 'application/json' } }
        : {}),
    });
    await res.arrayBuffer();
    expect(res.status).toBe(status);
  });

  it('bad JSON in a raiseEvent body is a 400', async () => {
    const res = await fetch(`${server.baseUrl}/durabletask/instances/live/raiseEvent/ping`, {
      method: 'POST',
      body: '{not json',
    });
    expect({ status: res.status, body: await res.json() }).toEqual({
      status: 400,
      body: { message: 'The request body is not valid JSON.' },
    });
  });
});

describe('who reaches the client API', () => {
  /** A request as node:http would hand it over, from `remoteAddress`, and what was answered. */
  async function ask(path: string, remoteAddress: string, headers: Record<string, string> = {}) {
    const engine = new DurableEngine({ registry, clock: new VirtualClock(T0) });
    const handle = createClientApiHandler(engine, () => 'http://127.0.0.1:7071', {
      webhookKey: (_headers, query) =>
        query.get('code') === 'system-key-0123456789' ? undefined : 'needs the system key',
      systemKey: 'system-key-0123456789',
    });
    const req = Object.assign(Readable.from([]), {
      url: path,
      method: 'GET',
      headers: { host: '127.0.0.1:7071', ...headers },
      socket: { remoteAddress },
    });
    let status = 0;
    const res = {
      headersSent: false,
      writeHead: (code: number) => {
        status = code;
        return res;
      },
      end: () => res,
    };
    await handle(req as unknown as IncomingMessage, res as unknown as ServerResponse);
    return status;
  }
  it.each([
    {
      label: 'RPC from this machine',
      path: '/durabletask/instances/',
      from: '127.0.0.1',
      status: 200,
    },
    { label: 'RPC over IPv6 loopback', path: '/durabletask/instances/', from: '::1', status: 200 },
    { label: 'RPC from elsewhere', path: '/durabletask/instances/', from: '10.1.2.3', status: 403 },
    {
      label: 'webhook without the key, even from this machine',
      path: '/runtime/webhooks/durabletask/instances/',
      from: '127.0.0.1',
      status: 401,
    },
    {
      label: 'webhook with the system key, from elsewhere',
      path: '/runtime/webhooks/durabletask/instances/?code=system-key-0123456789',
      from: '10.1.2.3',
      status: 200,
    },
  ])('$label → $status', async ({ path, from, status }) => {
    expect(await ask(path, from)).toBe(status);
  });

  it('hands out management links and binding data that carry the system key', () => {
    const binding = clientBindingData({
      taskHubName: 'surge',
      rpcBaseUrl: 'http://127.0.0.1:7071',
      webhookOrigin: 'http://127.0.0.1:7071',
      systemKey: 'system-key-0123456789',
    });
    expect({
      status: binding.managementUrls.statusQueryGetUri,
      create: binding.creationUrls.createNewInstancePostUri,
      required: binding.requiredQueryStringParameters,
    }).toEqual({
      status:
        'http://127.0.0.1:7071/runtime/webhooks/durabletask/instances/INSTANCEID?taskHub=surge&connection=Storage&code=system-key-0123456789',
      create:
        'http://127.0.0.1:7071/runtime/webhooks/durabletask/orchestrators/{functionName}[/{instanceId}]?code=system-key-0123456789',
      required: 'code=system-key-0123456789',
    });
  });
});

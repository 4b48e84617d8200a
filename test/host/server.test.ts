/**
 * The front end over real HTTP: routing (templates, constraints, precedence, 404/405), auth
 * levels and keys (401 table), invoking registered functions through the library's invocation
 * model (bodies, headers, cookies, failures, limits), the Durable client routes, admin routes,
 * and route prefixes from host.json.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { Host } from '../../local/host/host';
import { startHost } from '../../local/host/host';
import { collectingHostLog } from '../../local/host/log';
import { problemBody } from '../../local/host/httpIo';
import { driveVirtualTime } from '../../local/host/virtualTime';
import { problem } from '../../shared/webhooks/body';
import type { RawResponse } from './helpers';
import { expectResult, iso, send, T0, TempDirs } from './helpers';

const APP = 'test/host/apps/httpApp.ts';
const temp = new TempDirs();
const log = collectingHostLog();
let host: Host;

beforeAll(async () => {
  host = await startHost({
    appEntry: APP,
    stateDir: temp.make(),
    clock: new VirtualClock(T0),
    port: 0,
    log,
    maxRequestBodyBytes: 64 * 1024,
  });
});

afterAll(async () => {
  await host.close();
  temp.removeAll();
});

const functionKey = (): string => host.keys.functionKeys.default ?? '';

/** Status, Allow, and either the echoed function/params/query or the body. */
function summary(res: RawResponse): Record<string, unknown> {
  const json = res.json as Record<string, unknown> | undefined;
  return {
    status: res.status,
    ...(res.headers.allow !== undefined ? { allow: res.headers.allow } : {}),
    ...(json && 'fn' in json
      ? { fn: json.fn, params: json.params, query: json.query }
      : { body: json ?? res.text }),
  };
}

describe('routing', () => {
  const notFound = (p: string) => ({
    status: 404,
    body: problemBody(404, `no function route at ${p}`),
  });
  const cases: {
    label: string;
    method?: string;
    path: string;
    key?: boolean;
    expected: Record<string, unknown>;
  }[] = [
    {
      label: 'optional parameter present',
      path: '/api/hello/ada',
      expected: { status: 200, fn: 'hello', params: { name: 'ada' }, query: {} },
    },
    {
      label: 'optional parameter absent',
      path: '/api/hello',
      expected: { status: 200, fn: 'hello', params: {}, query: {} },
    },
    {
      label: 'prefix and literals are case-insensitive; query passes through',
      path: '/API/Hello/x?a=1&b=two',
      expected: { status: 200, fn: 'hello', params: { name: 'x' }, query: { a: '1', b: 'two' } },
    },
    {
      label: 'int constraint',
      path: '/api/items/42',
      key: true,
      expected: { status: 200, fn: 'itemById', params: { id: '42' }, query: {} },
    },
    {
      label: 'alpha constraint',
      path: '/api/items/abc',
      key: true,
      expected: { status: 200, fn: 'itemByName', params: { name: 'abc' }, query: {} },
    },
    {
      label: 'a literal route wins over a parameter registered before it',
      path: '/api/items/summary',
      expected: { status: 200, fn: 'itemsSummary', params: {}, query: {} },
    },
    {
      label: 'no constraint accepts the value',
      path: '/api/items/a1',
      expected: notFound('/api/items/a1'),
    },
    {
      label: 'default value when the segment is absent',
      path: '/api/pages',
      expected: { status: 200, fn: 'page', params: { page: '1' }, query: {} },
    },
    { label: 'min(1) refuses 0', path: '/api/pages/0', expected: notFound('/api/pages/0') },
    {
      label: 'catch-all takes the decoded rest',
      path: '/api/files/a/b%20c.txt',
      expected: { status: 200, fn: 'files', params: { path: 'a/b c.txt' }, query: {} },
    },
    {
      label: 'multi-part segment splits at the last dot',
      path: '/api/downloads/report.v2.pdf',
      expected: {
        status: 200,
        fn: 'download',
        params: { file: 'report.v2', ext: 'pdf' },
        query: {},
      },
    },
    {
      label: '405 lists the allowed methods',
      method: 'POST',
      path: '/api/items/42',
      key: true,
      expected: {
        status: 405,
        allow: 'DELETE, GET',
        body: problemBody(405, 'POST is not allowed on /api/items/42'),
      },
    },
    { label: '404 for an unknown route', path: '/api/nope', expected: notFound('/api/nope') },
    { label: '404 outside the prefix', path: '/hello/x', expected: notFound('/hello/x') },
    {
      label: 'no route: the function name is the route',
      path: '/api/plain',
      expected: { status: 200, body: 'plain text' },
    },
    {
      label: 'a binding without methods accepts any method',
      method: 'PATCH',
      path: '/api/any',
      key: true,
      expected: { status: 200, body: 'PATCH' },
    },
    {
      label: 'a handler that returns nothing answers 204',
      path: '/api/nothing',
      expected: { status: 204, body: '' },
    },
  ];
  it.each(cases)('$label', async ({ label, method, path: p, key, expected }) => {
    const res = await send(method ?? 'GET', `${host.url}${p}`, {
      headers: key ? { 'x-functions-key': functionKey() } : {},
    });
    expectResult(label, summary(res), expected);
  });
});

describe('keys and auth levels', () => {
  const master = (): string => host.keys.masterKey;
  const fk = functionKey;
  const unauthorized = (reason: string) => ({ status: 401, body: problemBody(401, reason) });
  const missing =
    'this function requires a key: pass it in the x-functions-key header or the code query parameter';
  const cases: {
    label: string;
    method?: string;
    path: string;
    headers?: () => Record<string, string>;
    query?: () => string;
    /** A thunk: the keys exist only once the host has started. */
    expected: () => Record<string, unknown>;
  }[] = [
    {
      label: 'function level, no key',
      path: '/api/items/1',
      expected: () => unauthorized(missing),
    },
    {
      label: 'function level, wrong key in the header',
      path: '/api/items/1',
      headers: () => ({ 'x-functions-key': 'not-the-key-at-all-000' }),
      expected: () => unauthorized('the key is not valid for this function'),
    },
    {
      label: 'function level, wrong code',
      path: '/api/items/1',
      query: () => 'code=nope',
      expected: () => unauthorized('the key is not valid for this function'),
    },
    {
      label: 'function level, function key in the header',
      path: '/api/items/1',
      headers: () => ({ 'x-functions-key': fk() }),
      expected: () => ({ status: 200, fn: 'itemById', params: { id: '1' }, query: {} }),
    },
    {
      label: 'function level, function key as code',
      path: '/api/items/1',
      query: () => `code=${encodeURIComponent(fk())}`,
      expected: () => ({ status: 200, fn: 'itemById', params: { id: '1' }, query: { code: fk() } }),
    },
    {
      label: 'function level, master key',
      path: '/api/items/1',
      headers: () => ({ 'x-functions-key': master() }),
      expected: () => ({ status: 200, fn: 'itemById', params: { id: '1' }, query: {} }),
    },
    {
      label: 'the header wins over the code parameter',
      path: '/api/items/1',
      headers: () => ({ 'x-functions-key': 'wrong-but-present-000000' }),
      query: () => `code=${encodeURIComponent(fk())}`,
      expected: () => unauthorized('the key is not valid for this function'),
    },
    {
      label: 'admin level, function key',
      method: 'POST',
      path: '/api/maintenance',
      headers: () => ({ 'x-functions-key': fk() }),
      expected: () =>
        unauthorized('this route requires the master (admin) key; a function key is not enough'),
    },
    {
      label: 'admin level, no key',
      method: 'POST',
      path: '/api/maintenance',
      expected: () => unauthorized(missing),
    },
    {
      label: 'admin level, master key',
      method: 'POST',
      path: '/api/maintenance',
      headers: () => ({ 'x-functions-key': master() }),
      expected: () => ({ status: 200, fn: 'adminOnly', params: {}, query: {} }),
    },
    {
      label: 'anonymous ignores a wrong key',
      path: '/api/hello/z',
      headers: () => ({ 'x-functions-key': 'whatever-wrong-key-0000' }),
      expected: () => ({ status: 200, fn: 'hello', params: { name: 'z' }, query: {} }),
    },
  ];
  it.each(cases)('$label', async ({ label, method, path: p, headers, query, expected }) => {
    const url = `${host.url}${p}${query ? `?${query()}` : ''}`;
    const res = await send(method ?? 'GET', url, { headers: headers?.() ?? {} });
    expectResult(label, summary(res), expected());
  });

  it('answers with the same problem shape as Surge functions', () => {
    expect(problemBody(401, 'x')).toEqual(problem(401, 'x').jsonBody);
  });
});

describe('invoking functions', () => {
  it('passes method, URL, headers and body; returns status, headers and cookies', async () => {
    const res = await send('POST', `${host.url}/api/echo?x=1`, {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expectResult(
      'echo',
      {
        status: res.status,
        xFunction: res.headers['x-function'],
        cookie: res.headers['set-cookie'],
        json: res.json,
      },
      {
        status: 201,
        xFunction: 'postEcho',
        cookie: ['seen=yes%20please; Path=/; HttpOnly; SameSite=Lax'],
        json: {
          fn: 'postEcho',
          method: 'POST',
          url: `${host.url}/api/echo?x=1`,
          params: {},
          query: { x: '1' },
          contentType: 'application/json',
          body: '{"hello":"world"}',
        },
      },
    );
  });

  it('reads a chunked body without Content-Length', async () => {
    const res = await send('PUT', `${host.url}/api/echo`, {
      headers: { 'content-type': 'text/plain' },
      chunks: [Buffer.from('part one, '), Buffer.from('part two')],
    });
    expectResult(
      'chunked',
      { status: res.status, body: (res.json as { body: string }).body },
      { status: 201, body: 'part one, part two' },
    );
  });

  it('refuses bodies over the limit with 413, declared or streamed', async () => {
    const big = Buffer.alloc(64 * 1024 + 1, 'a');
    const declared = await send('POST', `${host.url}/api/echo`, { body: big });
    const streamed = await send('POST', `${host.url}/api/echo`, {
      chunks: [big.subarray(0, 40_000), big.subarray(40_000)],
    });
    const expected = { status: 413, body: problemBody(413, 'request body over 65536 bytes') };
    expectResult('declared', { status: declared.status, body: declared.json }, expected);
    expectResult('streamed', { status: streamed.status, body: streamed.json }, expected);
  });

  it('a throwing handler gives 500 with the invocation id; the message goes to the log only', async () => {
    const res = await send('GET', `${host.url}/api/boom`);
    const body = res.json as { error: { invocationId: string } };
    const id = body.error.invocationId;
    expectResult(
      'boom',
      { status: res.status, body: res.json, leaked: res.text.includes('secret') },
      {
        status: 500,
        body: problemBody(500, 'function "boom" failed; see the host log', { invocationId: id }),
        leaked: false,
      },
    );
    const line = log.lines.find((l) => l.includes(id)) ?? '';
    expect(line).toMatch(
      /^error: Executed 'Functions\.boom' \(Failed, Id=[-0-9a-f]{36}, Duration=[\d.]+ms\): secret detail/,
    );
  });

  it('HEAD gets the headers without a body', async () => {
    const res = await send('HEAD', `${host.url}/api/any`, {
      headers: { 'x-functions-key': functionKey() },
    });
    expectResult('head', { status: res.status, text: res.text }, { status: 200, text: '' });
  });
});

describe('durable client through the front end', () => {
  it('starts an orchestration; its status links are served by the host', async () => {
    const started = await send('POST', `${host.url}/api/waiters/w1`, {
      headers: { 'x-functions-key': functionKey(), 'content-type': 'application/json' },
      body: JSON.stringify({ seconds: 90 }),
    });
    const location = String(started.headers.location);
    const systemKey = host.keys.systemKeys['durabletask_extension'] ?? '';
    const statusUrl = `${host.url}/runtime/webhooks/durabletask/instances/w1?taskHub=surge&connection=Storage&code=${encodeURIComponent(systemKey)}`;
    const pending = await send('GET', location);
    await driveVirtualTime(host, T0 + 120_000);
    const done = await send('GET', location);
    expectResult(
      'waiter',
      {
        started: started.status,
        location,
        pending: [pending.status, (pending.json as { runtimeStatus: string }).runtimeStatus],
        done: [done.status, (done.json as { output: unknown }).output],
      },
      {
        started: 202,
        location: statusUrl,
        pending: [202, 'Pending'],
        done: [200, { firedAt: iso(T0 + 90_000) }],
      },
    );
  });

  it('the management API requires the system key (or the master key), as in Azure', async () => {
    const base = `${host.url}/runtime/webhooks/durabletask/instances/`;
    const status = async (headers: Record<string, string>, query = '') =>
      (await send('GET', `${base}${query}`, { headers })).status;
    const systemKey = host.keys.systemKeys['durabletask_extension'] ?? '';
    expectResult(
      'keys',
      {
        none: await status({}),
        functionKey: await status({ 'x-functions-key': functionKey() }),
        wrongCode: await status({}, '?code=not-a-key-at-all-0123'),
        systemKeyHeader: await status({ 'x-functions-key': systemKey }),
        systemKeyCode: await status({}, `?code=${encodeURIComponent(systemKey)}`),
        masterKey: await status({ 'x-functions-key': host.keys.masterKey }),
        // The RPC routes are the extension's local listener: this machine reaches them.
        rpcFromLoopback: (await send('GET', `${host.url}/durabletask/instances/`)).status,
      },
      {
        none: 401,
        functionKey: 401,
        wrongCode: 401,
        systemKeyHeader: 200,
        systemKeyCode: 200,
        masterKey: 200,
        rpcFromLoopback: 200,
      },
    );
  });
});

describe('admin routes', () => {
  const cases: {
    label: string;
    method: string;
    path: string;
    key: 'master' | 'function' | 'none';
    expected: Record<string, unknown>;
  }[] = [
    {
      label: 'host status needs the master key',
      method: 'GET',
      path: '/admin/host/status',
      key: 'function',
      expected: {
        status: 401,
        body: problemBody(
          401,
          'this route requires the master (admin) key; a function key is not enough',
        ),
      },
    },
    {
      label: 'only timers can be run',
      method: 'POST',
      path: '/admin/functions/hello',
      key: 'master',
      expected: {
        status: 400,
        body: problemBody(400, '"hello" is not a timer function; only timers can be run here'),
      },
    },
    {
      label: 'unknown function',
      method: 'POST',
      path: '/admin/functions/nope',
      key: 'master',
      expected: { status: 404, body: problemBody(404, 'no function named "nope"') },
    },
  ];
  it.each(cases)('$label', async ({ label, method, path: p, key, expected }) => {
    const headers: Record<string, string> =
      key === 'master'
        ? { 'x-functions-key': host.keys.masterKey }
        : key === 'function'
          ? { 'x-functions-key': functionKey() }
          : {};
    const res = await send(method, `${host.url}${p}`, { headers });
    expectResult(label, { status: res.status, body: res.json }, expected);
  });

  it('host status with the master key', async () => {
    const res = await send('GET', `${host.url}/admin/host/status`, {
      headers: { 'x-functions-key': host.keys.masterKey },
    });
    expect({ status: res.status, body: res.json }).toEqual({
      status: 200,
      body: {
        state: 'Running',
        version: expect.any(String) as unknown,
        processUptime: expect.any(Number) as unknown,
      },
    });
  });
});

describe('route prefix from host.json', () => {
  const cases: { label: string; prefix: string; ok: string; missing: string }[] = [
    { label: 'empty prefix', prefix: '', ok: '/hello/x', missing: '/api/hello/x' },
    { label: 'custom prefix', prefix: '/v1/', ok: '/v1/hello/x', missing: '/api/hello/x' },
  ];
  it.each(cases)('$label', async ({ label, prefix, ok, missing }) => {
    const dir = temp.make();
    const hostJsonPath = path.join(dir, 'host.json');
    writeFileSync(
      hostJsonPath,
      JSON.stringify({ version: '2.0', extensions: { http: { routePrefix: prefix } } }),
    );
    const other = await startHost({
      appEntry: APP,
      stateDir: dir,
      clock: new VirtualClock(T0),
      port: 0,
      hostJsonPath,
      log: collectingHostLog(),
    });
    try {
      const hit = await send('GET', `${other.url}${ok}`);
      const miss = await send('GET', `${other.url}${missing}`);
      expectResult(
        label,
        { hit: summary(hit), miss: miss.status, baseUrl: other.baseUrl },
        {
          hit: { status: 200, fn: 'hello', params: { name: 'x' }, query: {} },
          miss: 404,
          baseUrl: prefix.replace(/\//g, '') ? `${other.url}/v1` : other.url,
        },
      );
    } finally {
      await other.close();
    }
  });
});

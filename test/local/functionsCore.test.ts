/**
 * The local `@azure/functions-core`: registrations captured from an app imported in a vitest test
 * file, hooks, logging, and invoking functions through the programming model.
 */
import { createRequire } from 'node:module';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionRegistry, LogEntry } from '../../local/host/functionsCore';
import {
  findBinding,
  functionsWithTrigger,
  installFunctionsCore,
  quietLogSink,
  triggerBinding,
} from '../../local/host/functionsCore';
import type { HttpInvokeResult } from '../../local/host/invoke';
import { invokeHttp, matchRoute } from '../../local/host/invoke';

const requireFromHere = createRequire(import.meta.url);
let registry: FunctionRegistry;

beforeAll(async () => {
  registry = installFunctionsCore();
  await import('./apps/hostApp');
});

const get = (name: string, pathAndQuery = name): Promise<HttpInvokeResult> =>
  invokeHttp(registry, name, { method: 'GET', url: `http://localhost:7071/api/${pathAndQuery}` });

describe('the core module', () => {
  it('require("@azure/functions-core") resolves to the local core API; install is idempotent', () => {
    const core = requireFromHere('@azure/functions-core') as Record<string, unknown>;
    expect({
      members: Object.keys(core).sort(),
      same: installFunctionsCore() === registry,
    }).toEqual({
      members: [
        'Disposable',
        'getProgrammingModel',
        'hostVersion',
        'log',
        'registerFunction',
        'registerHook',
        'setProgrammingModel',
        'version',
      ],
      same: true,
    });
  });

  it('finds functions and bindings by type, never by generated name', () => {
    const echo = registry.require('echoRequest');
    expect({
      trigger: triggerBinding(echo).binding.type,
      returnBinding: findBinding(echo, 'http')?.name,
      httpFunctions: functionsWithTrigger(registry, 'httpTrigger').map((f) => f.name),
      unknown: () => registry.require('nope'),
    }).toEqual({
      trigger: 'httpTrigger',
      returnBinding: '$return',
      httpFunctions: ['echoRequest', 'plainText', 'noResponse', 'broken', 'chatty'],
      unknown: expect.any(Function) as unknown,
    });
    expect(() => registry.require('nope')).toThrow(
      /"nope" is not registered. Registered: echoRequest/,
    );
  });

  it('registering a name again replaces it; disposing removes only its own registration', async () => {
    app.http('replaceMe', { methods: ['GET'], handler: () => ({ body: 'first' }) });
    app.http('replaceMe', { methods: ['GET'], handler: () => ({ body: 'second' }) });
    const replaced = (await get('replaceMe')).body;
    const current = registry.require('replaceMe');
    const disposable = registry.registerFunction(
      { ...current.metadata, name: 'temporary' },
      current.callback,
    );
    const registered = registry.get('temporary') !== undefined;
    disposable.dispose();
    expect({ replaced, registered, afterDispose: registry.get('temporary') }).toEqual({
      replaced: 'second',
      registered: true,
      afterDispose: undefined,
    });
  });
});

describe('invokeHttp', () => {
  it('passes method, URL, query, headers, route params and body; returns the whole response', async () => {
    const res = await invokeHttp(registry, 'echoRequest', {
      method: 'POST',
      url: 'http://localhost:7071/api/pools/alpha/items/42?verbose=1',
      headers: { 'x-custom': 'yes' },
      body: { hello: 'world' },
    });
    expect({ ...res, rawBody: undefined, body: undefined }).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json', 'x-function': 'echoRequest' },
      jsonBody: {
        method: 'POST',
        url: 'http://localhost:7071/api/pools/alpha/items/42?verbose=1',
        params: { name: 'alpha', id: '42' },
        query: { verbose: '1' },
        header: 'yes',
        contentType: 'application/json',
        body: '{"hello":"world"}',
      },
      cookies: [expect.objectContaining({ name: 'seen', value: 'yes' }) as unknown],
      rawBody: undefined,
      body: undefined,
    });
  });

  it.each([
    {
      label: 'optional route parameter left out',
      name: 'echoRequest',
      path: 'pools/beta/items',
      status: 201,
    },
    { label: 'plain text body', name: 'plainText', path: 'plainText', status: 200, body: 'plain' },
    {
      label: 'no response at all → 204',
      name: 'noResponse',
      path: 'noResponse',
      status: 204,
      body: '',
    },
  ])('$label', async ({ name, path, status, body }) => {
    const res = await get(name, path);
    expect({ status: res.status, ...(body !== undefined ? { body: res.body } : {}) }).toEqual({
      status,
      ...(body !== undefined ? { body } : {}),
    });
  });

  it('an exception in the handler is rethrown as is', async () => {
    await expect(get('broken')).rejects.toThrow(new RangeError('broken on purpose'));
  });

  it('a function with a durableClient input demands the binding data', async () => {
    app.http('needsClient', {
      methods: ['GET'],
      extraInputs: [df.input.durableClient()],
      handler: () => ({ body: 'x' }),
    });
    await expect(get('needsClient')).rejects.toThrow(/has a durableClient input/);
  });
});

describe('matchRoute', () => {
  it.each([
    { label: 'literal', template: 'health', path: 'health', params: {} },
    {
      label: 'case-insensitive literal',
      template: 'Pools/{name}',
      path: 'pools/a',
      params: { name: 'a' },
    },
    { label: 'optional missing', template: 'p/{id?}', path: 'p', params: {} },
    { label: 'int constraint ok', template: 'p/{id:int}', path: 'p/12', params: { id: '12' } },
    { label: 'int constraint fails', template: 'p/{id:int}', path: 'p/x', params: undefined },
    {
      label: 'catch-all',
      template: 'files/{*rest}',
      path: 'files/a/b%20c',
      params: { rest: 'a/b c' },
    },
    { label: 'too many segments', template: 'p/{id}', path: 'p/1/2', params: undefined },
    { label: 'missing required', template: 'p/{id}', path: 'p', params: undefined },
  ])('$label', ({ template, path, params }) => {
    expect(matchRoute(template, path)).toEqual(params);
  });
});

describe('hooks and logs', () => {
  const disposables: { dispose(): unknown }[] = [];
  afterEach(() => {
    for (const d of disposables.splice(0)) d.dispose();
    registry.logSink = quietLogSink;
  });

  it('preInvocation may wrap the handler, postInvocation may replace result or error', async () => {
    const order: string[] = [];
    disposables.push(
      app.hook.preInvocation((ctx) => {
        order.push(`pre ${ctx.invocationContext.functionName}`);
        ctx.hookData.mark = 'shared';
        const original = ctx.functionHandler;
        ctx.functionHandler = (...args: Parameters<typeof original>) => {
          order.push('wrapped');
          return original(...args) as unknown;
        };
      }),
      app.hook.postInvocation((ctx) => {
        order.push(`post ${String(ctx.hookData.mark)}`);
        if (ctx.invocationContext.functionName === 'broken') {
          ctx.error = null;
          ctx.result = { status: 418 };
        } else {
          ctx.result = { body: 'rewritten by hook' };
        }
      }),
    );
    const plain = await get('plainText');
    const broken = await get('broken');
    for (const d of disposables.splice(0)) d.dispose();
    const afterDispose = await get('plainText');
    expect({
      plain: plain.body,
      broken: broken.status,
      afterDispose: afterDispose.body,
      order,
    }).toEqual({
      plain: 'rewritten by hook',
      broken: 418,
      afterDispose: 'plain',
      order: ['pre plainText', 'wrapped', 'post shared', 'pre broken', 'wrapped', 'post shared'],
    });
  });

  it('user logs reach the sink with the function name; log hooks may rewrite them', async () => {
    const entries: LogEntry[] = [];
    registry.logSink = (entry) => entries.push(entry);
    disposables.push(
      app.hook.log((ctx) => {
        if (ctx.category === 'user') ctx.message = `HOOK: ${ctx.message}`;
      }),
    );
    await get('chatty');
    expect(
      entries
        .filter((e) => e.category === 'user')
        .map(({ level, category, message, functionName }) => ({
          level,
          category,
          message,
          functionName,
        })),
    ).toEqual([
      {
        level: 'information',
        category: 'user',
        message: 'HOOK: hello from chatty',
        functionName: 'chatty',
      },
      { level: 'warning', category: 'user', message: 'HOOK: careful', functionName: 'chatty' },
    ]);
  });

  it('appStart and appTerminate hooks run when the host says so', async () => {
    const seen: string[] = [];
    disposables.push(
      app.hook.appStart((ctx) => {
        seen.push(`start ${typeof ctx.hookData}`);
      }),
      app.hook.appTerminate(() => {
        seen.push('terminate');
      }),
    );
    await registry.runAppStartHooks('/srv/app');
    await registry.runAppTerminateHooks();
    expect(seen).toEqual(['start object', 'terminate']);
  });
});

/**
 * A test-only app for the front-end tests: HTTP functions covering route templates, methods,
 * auth levels, bodies, cookies and failures, plus a durable starter. Import after
 * installFunctionsCore() (startHost does it).
 */
import type { HttpRequest } from '@azure/functions';
import { app, output, trigger } from '@azure/functions';
import * as df from 'durable-functions';

/** What an echoing function answers: everything the request carried, as the app sees it. */
async function describeRequest(request: HttpRequest, functionName: string): Promise<unknown> {
  const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
  return {
    fn: functionName,
    method: request.method,
    url: request.url,
    params: { ...request.params },
    query: Object.fromEntries(request.query),
    contentType: request.headers.get('content-type'),
    body,
  };
}

const echo =
  (status = 200) =>
  async (request: HttpRequest, context: { functionName: string }) => ({
    status,
    jsonBody: await describeRequest(request, context.functionName),
  });

app.http('hello', {
  route: 'hello/{name?}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: echo(),
});

app.http('itemById', {
  route: 'items/{id:int}',
  methods: ['GET', 'DELETE'],
  authLevel: 'function',
  handler: echo(),
});

app.http('itemByName', {
  route: 'items/{name:alpha}',
  methods: ['GET'],
  authLevel: 'function',
  handler: echo(),
});

// Registered after itemByName on purpose: literal segments must still win.
app.http('itemsSummary', {
  route: 'items/summary',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: echo(),
});

app.http('page', {
  route: 'pages/{page:int:min(1)=1}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: echo(),
});

app.http('files', {
  route: 'files/{*path}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: echo(),
});

app.http('download', {
  route: 'downloads/{file}.{ext:alpha}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: echo(),
});

app.http('adminOnly', {
  route: 'maintenance',
  methods: ['POST'],
  authLevel: 'admin',
  handler: echo(),
});

app.http('postEcho', {
  route: 'echo',
  methods: ['POST', 'PUT'],
  authLevel: 'anonymous',
  handler: async (request, context) => ({
    status: 201,
    headers: { 'x-function': context.functionName, 'content-type': 'application/json' },
    cookies: [{ name: 'seen', value: 'yes please', path: '/', httpOnly: true, sameSite: 'Lax' }],
    jsonBody: await describeRequest(request, context.functionName),
  }),
});

// No route: the function name is the route.
app.http('plain', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => ({ body: 'plain text', headers: { 'content-type': 'text/plain' } }),
});

// Registered generically without methods: every method is allowed, and no authLevel means the
// host default (function).
app.generic('anyMethod', {
  trigger: { type: 'httpTrigger', name: 'req', route: 'any' },
  return: output.http({}),
  handler: (request: unknown) => ({ body: (request as HttpRequest).method }),
});

app.generic('noResponse', {
  trigger: trigger.http({ methods: ['GET'], route: 'nothing' }),
  return: output.http({}),
  handler: () => undefined,
});

app.http('boom', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => {
    throw new RangeError('secret detail that must not reach the client');
  },
});

app.http('startWaiter', {
  route: 'waiters/{id}',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const id = await client.startNew('waiter', {
      instanceId: request.params.id,
      input: await request.json(),
    });
    return client.createCheckStatusResponse(request, id);
  },
});

df.app.orchestration('waiter', function* (context) {
  const input = context.df.getInput<{ seconds?: number }>();
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + (input.seconds ?? 0) * 1000);
  yield context.df.createTimer(fireAt);
  return { firedAt: context.df.currentUtcDateTime.toISOString() };
});

/**
 * A test-only app for the functions-core and invocation tests: HTTP functions that echo what
 * they received, one that throws, one that logs. Import after installFunctionsCore().
 */
import { app, output, trigger } from '@azure/functions';

app.http('echoRequest', {
  route: 'pools/{name}/items/{id:int?}',
  methods: ['GET', 'POST', 'PUT'],
  handler: async (request, context) => {
    const text = request.method === 'GET' ? '' : await request.text();
    return {
      status: 201,
      headers: { 'x-function': context.functionName },
      cookies: [{ name: 'seen', value: 'yes' }],
      jsonBody: {
        method: request.method,
        url: request.url,
        params: request.params,
        query: Object.fromEntries(request.query),
        header: request.headers.get('x-custom'),
        contentType: request.headers.get('content-type'),
        body: text,
      },
    };
  },
});

app.http('plainText', {
  methods: ['GET'],
  handler: () => ({ body: 'plain', headers: { 'content-type': 'text/plain' } }),
});

// Registered generically: the typed app.http() insists on a response, JavaScript apps do not.
app.generic('noResponse', {
  trigger: trigger.http({ methods: ['GET'] }),
  return: output.http({}),
  handler: () => undefined,
});

app.http('broken', {
  methods: ['GET'],
  handler: () => {
    throw new RangeError('broken on purpose');
  },
});

app.http('chatty', {
  methods: ['GET'],
  handler: (_request, context) => {
    context.log('hello from', context.functionName);
    context.warn('careful');
    return { body: 'ok' };
  },
});

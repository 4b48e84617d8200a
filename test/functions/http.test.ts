import { HttpRequest } from '@azure/functions';
import type { HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../shared/controller/state';
import type { PoolStatus } from '../../shared/controller/status';
import { statusOf } from '../../shared/controller/status';
import { acrWebhook } from '../../functions/acrWebhook';
import { getPool } from '../../functions/getPool';
import { registryEvents } from '../../functions/registryEvents';
import { listPools } from '../../functions/listPools';
import { monitorAlert } from '../../functions/monitorAlert';
import { scalePool } from '../../functions/scalePool';
import { serviceBusEvents } from '../../functions/serviceBusEvents';
import { FakeControllers } from '../fakes/controllers';
import { poolInput, poolsOf } from '../fakes/pools';
import { fixtureJson } from '../fixtures';
import type { IgnoredEvent } from '../../shared/webhooks/deliveries';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const pools = poolsOf(
  poolInput('gao', {
    serviceBus: { namespace: 'othercloudtest.servicebus.windows.net', queue: 'gaoqueue' },
    maxGroups: 8,
  }),
  poolInput('orders'),
);

function request(
  method: string,
  body?: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): HttpRequest {
  return new HttpRequest({
    method,
    url: 'http://localhost/api/x',
    headers,
    ...(body !== undefined
      ? { body: { string: typeof body === 'string' ? body : JSON.stringify(body) } }
      : {}),
  });
}

/** Status and JSON body of a response: the whole result a case compares. */
function outcome(r: HttpResponseInit): { status: number | undefined; body: unknown } {
  return { status: r.status, body: r.jsonBody };
}

describe('scalePool', () => {
  const cases: { label: string; pool?: string; body: unknown; status: number; reason?: string }[] =
    [
      {
        label: 'unknown pool',
        pool: 'nope',
        body: { count: 1 },
        status: 404,
        reason: 'no pool named "nope"',
      },
      {
        label: 'malformed JSON',
        body: '{"count": ',
        status: 400,
        reason: 'malformed JSON: Unexpected end of JSON input',
      },
      {
        label: 'not an object',
        body: [1],
        status: 400,
        reason: 'body must be an object like {"count": 5, "durationSeconds": 1800}',
      },
      {
        label: 'negative count',
        body: { count: -1 },
        status: 400,
        reason: 'count: must be a whole number of groups, 0 or more',
      },
      {
        label: 'fractional count',
        body: { count: 1.5 },
        status: 400,
        reason: 'count: must be a whole number of groups, 0 or more',
      },
      {
        label: 'above maxGroups',
        body: { count: 9 },
        status: 400,
        reason: 'count: 9 is above maxGroups 8 of pool "gao"',
      },
      {
        label: 'duration too long',
        body: { count: 2, durationSeconds: 10_000_000 },
        status: 400,
        reason: 'durationSeconds: must be a whole number from 1 to 604800',
      },
    ];
  it.each(cases)('refuses $label, signalling nothing', async ({ pool, body, status, reason }) => {
    const controllers = new FakeControllers();
    const r = await scalePool({ pools, controllers, now: () => NOW })(
      pool ?? 'gao',
      request('POST', body),
    );
    expect({
      status: r.status,
      reason: (r.jsonBody as { error: { reason: string } }).error.reason,
    }).toEqual({ status, reason });
    expect(controllers.signals).toEqual([]);
  });

  it('refuses a wrong content type with 415', async () => {
    const r = await scalePool({ pools, controllers: new FakeControllers(), now: () => NOW })(
      'gao',
      request('POST', 'count=2', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(r.status).toBe(415);
  });

  it('delivers an override for an hour by default', async () => {
    const controllers = new FakeControllers();
    const r = await scalePool({ pools, controllers, now: () => NOW })(
      'gao',
      request('POST', { count: 3, reason: 'load test' }),
    );
    const signal = { kind: 'override', at: NOW, count: 3, seconds: 3600, reason: 'load test' };
    expect(outcome(r)).toEqual({
      status: 202,
      body: { pool: 'gao', signal, controller: 'started', status: '/api/pools/gao' },
    });
    expect(controllers.signals).toEqual([{ pool: 'gao', signal }]);
  });
});

describe('serviceBusEvents', () => {
  const handler = (controllers: FakeControllers) =>
    serviceBusEvents({ pools, controllers, now: () => NOW });
  const gridEvent = fixtureJson<Record<string, unknown>>(
    'eventgrid/servicebus.active_messages_available_with_no_listeners.json',
  );
  const cloudEvent = fixtureJson<Record<string, unknown>>(
    'eventgrid/servicebus.cloud-events-schema.active_messages_available_with_no_listeners.json',
  );
  const wake = {
    kind: 'wake',
    at: NOW,
    source: 'eventgrid',
    detail: 'Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners othercloudtest/gaoqueue',
  };

  it.each([
    {
      label: 'Event Grid schema',
      body: [gridEvent],
      headers: { 'content-type': 'application/json' },
    },
    {
      label: 'CloudEvents schema',
      body: cloudEvent,
      headers: { 'content-type': 'application/cloudevents+json' },
    },
  ])('wakes the pool that drains the entity ($label)', async ({ body, headers }) => {
    const controllers = new FakeControllers();
    const r = await handler(controllers)(request('POST', body, headers));
    expect(outcome(r)).toEqual({
      status: 202,
      body: {
        woken: [
          { pool: 'gao', controller: 'started', events: ['3ce929ea-fab7-428a-8270-0452970fa710'] },
        ],
        ignored: [],
      },
    });
    expect(controllers.signals).toEqual([{ pool: 'gao', signal: wake }]);
  });

  it('answers the subscription validation handshake', async () => {
    const validation = [
      {
        id: 'v1',
        topic:
          '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/othercloudtest',
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: '2026-11-22T10:00:00Z',
        data: { validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
        dataVersion: '1',
      },
    ];
    const r = await handler(new FakeControllers())(request('POST', validation));
    expect(outcome(r)).toEqual({
      status: 200,
      body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
    });
  });

  it('answers the CloudEvents abuse-protection handshake', async () => {
    const r = await handler(new FakeControllers())(
      request('OPTIONS', undefined, { 'WebHook-Request-Origin': 'eventgrid.azure.net' }),
    );
    expect({ status: r.status, headers: r.headers }).toEqual({
      status: 200,
      headers: {
        'WebHook-Allowed-Origin': 'eventgrid.azure.net',
        'WebHook-Allowed-Rate': '*',
        Allow: 'POST, OPTIONS',
      },
    });
  });

  it.each([
    {
      label: 'an entity no pool drains',
      body: [{ ...gridEvent, data: { ...(gridEvent.data as object), queueName: 'other' } }],
      status: 202,
    },
    {
      label: 'a dead-letter event',
      body: [
        {
          ...gridEvent,
          eventType: 'Microsoft.ServiceBus.DeadletterMessagesAvailableWithNoListeners',
        },
      ],
      status: 202,
    },
    { label: 'an event without an id', body: [{ ...gridEvent, id: undefined }], status: 400 },
    { label: 'malformed JSON', body: '[{', status: 400 },
  ])('wakes nobody for $label', async ({ body, status }) => {
    const controllers = new FakeControllers();
    const r = await handler(controllers)(request('POST', body));
    expect(r.status).toBe(status);
    expect(controllers.signals).toEqual([]);
  });

  it('answers 503 when the controller cannot be reached, so Event Grid retries', async () => {
    const controllers = new FakeControllers();
    controllers.unreachable.add('gao');
    expect((await handler(controllers)(request('POST', [gridEvent]))).status).toBe(503);
  });

  /** A wake event for the `orders` pool's queue (the fake pools' default entity). */
  const ordersEvent = (id: string) => ({
    ...gridEvent,
    id,
    data: {
      ...(gridEvent.data as object),
      namespaceName: 'contoso.servicebus.windows.net',
      queueName: 'orders',
    },
  });

  it('coalesces a delivery into one wake per pool, however many events name it', async () => {
    // 1,000 events for gao's queue (about 700 KB; Event Grid's batches stop at 1 MB) and 3 for
    // orders: two signals, not 1,003.
    const body = [
      ...Array.from({ length: 1000 }, (_, i) => ({ ...gridEvent, id: `g${i}` })),
      ...['o1', 'o2', 'o3'].map(ordersEvent),
    ];
    const controllers = new FakeControllers();
    const r = await handler(controllers)(request('POST', body));
    const woken = (r.jsonBody as { woken: { pool: string; events: string[] }[] }).woken;
    expect({
      status: r.status,
      woken: woken.map((w) => [w.pool, w.events.length]),
      signals: controllers.signals.map((s) => [s.pool, (s.signal as { detail: string }).detail]),
    }).toEqual({
      status: 202,
      woken: [
        ['gao', 1000],
        ['orders', 3],
      ],
      signals: [
        [
          'gao',
          '1000 events: Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners othercloudtest/gaoqueue and more',
        ],
        [
          'orders',
          '3 events: Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners contoso/orders and more',
        ],
      ],
    });
  });

  it('wakes every other pool before answering 503 for one it cannot reach', async () => {
    const controllers = new FakeControllers();
    controllers.unreachable.add('gao');
    const r = await handler(controllers)(request('POST', [gridEvent, ordersEvent('o1')]));
    expect({
      status: r.status,
      signals: controllers.signals.map((s) => s.pool),
      failed: (r.jsonBody as { error: { failed: { pool: string }[] } }).error.failed.map(
        (f) => f.pool,
      ),
    }).toEqual({ status: 503, signals: ['orders'], failed: ['gao'] });
  });

  it.each([
    {
      label: 'a malformed event next to a valid one: the valid one acts, 202 names the other',
      body: [gridEvent, { ...gridEvent, id: 'bad', data: { queueName: 'x' }, topic: '' }],
      status: 202,
      signals: ['gao'],
    },
    {
      label: 'only malformed events: 400, nothing acted on',
      body: [{ ...gridEvent, id: 'bad', data: { queueName: 'x' }, topic: '' }],
      status: 400,
      signals: [],
    },
  ])('$label', async ({ body, status, signals }) => {
    const controllers = new FakeControllers();
    const r = await handler(controllers)(request('POST', body));
    expect({ status: r.status, signals: controllers.signals.map((s) => s.pool) }).toEqual({
      status,
      signals,
    });
  });
});

describe('monitorAlert', () => {
  const handler = (controllers: FakeControllers) =>
    monitorAlert({ pools, controllers, now: () => NOW });
  const fired = fixtureJson<{
    data: {
      essentials: Record<string, unknown>;
      alertContext: { condition: { allOf: Record<string, unknown>[] } };
      customProperties?: Record<string, string>;
    };
  }>('monitor/alerts-common-schema-test-action-definitions.metric-alert-fired.json');
  const onServiceBus = {
    ...fired,
    data: {
      ...fired.data,
      customProperties: {},
      essentials: {
        ...fired.data.essentials,
        alertTargetIDs: [
          '/subscriptions/s/resourcegroups/rg/providers/microsoft.servicebus/namespaces/othercloudtest',
        ],
      },
      alertContext: {
        ...fired.data.alertContext,
        condition: {
          ...fired.data.alertContext.condition,
          allOf: [
            {
              metricName: 'ActiveMessages',
              metricValue: 812,
              dimensions: [{ name: 'EntityName', value: 'gaoqueue' }],
            },
          ],
        },
      },
    },
  };

  it.each([
    { label: 'a Service Bus metric alert split by entity', body: onServiceBus, woken: ['gao'] },
    {
      label: 'the surge-pool custom property',
      body: {
        ...fired,
        data: { ...fired.data, customProperties: { 'surge-pool': 'orders, gao' } },
      },
      woken: ['orders', 'gao'],
    },
    { label: 'a fired alert on an unrelated resource', body: fired, woken: [] },
    {
      label: 'a resolved alert',
      body: fixtureJson('monitor/alerts-payload-samples.sample-alert-payload.metric.json'),
      woken: [],
    },
  ])('wakes the right pools for $label', async ({ body, woken }) => {
    const controllers = new FakeControllers();
    const r = await handler(controllers)(request('POST', body));
    expect({ status: r.status, woken: controllers.signals.map((s) => s.pool) }).toEqual({
      status: 202,
      woken,
    });
  });

  it.each([
    {
      label: 'not the common schema',
      body: fixtureJson('monitor/alerts-payload-samples.metric-static-threshold.alertContext.json'),
      status: 400,
    },
    {
      label: 'an unknown pool named',
      body: { ...fired, data: { ...fired.data, customProperties: { 'surge-pool': 'nope' } } },
      status: 400,
    },
  ])('refuses $label', async ({ body, status }) => {
    const controllers = new FakeControllers();
    expect((await handler(controllers)(request('POST', body))).status).toBe(status);
    expect(controllers.signals).toEqual([]);
  });

  it('wakes every other pool before answering 503 for one it cannot reach', async () => {
    const controllers = new FakeControllers();
    controllers.unreachable.add('orders');
    const body = {
      ...fired,
      data: { ...fired.data, customProperties: { 'surge-pool': 'orders, gao' } },
    };
    const r = await handler(controllers)(request('POST', body));
    expect({ status: r.status, woken: controllers.signals.map((s) => s.pool) }).toEqual({
      status: 503,
      woken: ['gao'],
    });
  });
});

describe('pools API reads', () => {
  const now = () => NOW;
  it('lists pools with their controller state, and 404s an unknown pool', async () => {
    const controllers = new FakeControllers();
    controllers.runtimes.set('orders', { runtimeStatus: 'Running', status: null });
    const list = await listPools({ pools, controllers, now })();
    expect(
      (list.jsonBody as { pools: { name: string; controller: string }[] }).pools.map((p) => [
        p.name,
        p.controller,
      ]),
    ).toEqual([
      ['gao', 'NotStarted'],
      ['orders', 'Running'],
    ]);
    expect((await getPool({ pools, controllers, now })('nope')).status).toBe(404);
    expect((await getPool({ pools, controllers, now })('orders')).status).toBe(200);
  });

  it('marks a status stale until the controller has looked since it started, or after a long silence', async () => {
    const controllers = new FakeControllers();
    const status = (observedAt: string | null) =>
      ({ ...statusOf(initialState('orders'), NOW), observedAt }) satisfies PoolStatus;
    const staleOf = async () => {
      const r = await getPool({ pools, controllers, now })('orders');
      return (r.jsonBody as { stale: { reason: string } | null }).stale?.reason ?? null;
    };
    const seen: (string | null)[] = [];
    controllers.runtimes.set('orders', { runtimeStatus: 'Running', status: status(null) });
    seen.push(await staleOf());
    controllers.runtimes.set('orders', {
      runtimeStatus: 'Running',
      status: status(new Date(NOW - 30_000).toISOString()),
    });
    seen.push(await staleOf());
    controllers.runtimes.set('orders', {
      runtimeStatus: 'Running',
      status: status(new Date(NOW - 900_000).toISOString()),
    });
    seen.push(await staleOf());
    expect(seen).toEqual([
      'not observed since the controller started',
      null,
      'last observed 900 s ago; the controller looks at least every 300 s',
    ]);
  });
});

describe('acrWebhook', () => {
  const following = poolsOf(
    poolInput('web', {
      group: { containers: [{ name: 'app', image: 'myregistry.azurecr.io/hello-world:v0' }] },
      follow: { registry: 'myregistry.azurecr.io', repository: 'hello-world', tag: 'v*' },
    }),
    poolInput('other'),
  );
  const push = fixtureJson<Record<string, unknown>>('acr/webhook-push.2017-unredacted.json');
  const secret = 's3cret-value';
  const call = async (
    body: unknown,
    headers: Record<string, string>,
    configured: { secret?: string } = { secret },
  ) => {
    const controllers = new FakeControllers();
    const r = await acrWebhook({
      pools: following,
      controllers,
      now: () => NOW,
      secret: configured.secret,
    })(request('POST', body, headers));
    return {
      status: r.status,
      body: r.jsonBody as Record<string, unknown>,
      signals: controllers.signals.length,
    };
  };
  const good = { 'content-type': 'application/json', 'x-surge-webhook-secret': secret };
  const reason = (b: Record<string, unknown>) =>
    (b.error as { reason: string } | undefined)?.reason ?? b.reason;

  it.each([
    {
      label: 'wrong secret',
      body: push,
      headers: { ...good, 'x-surge-webhook-secret': 'guess' },
      status: 401,
      why: 'wrong X-Surge-Webhook-Secret',
    },
    {
      label: 'no secret header',
      body: push,
      headers: { 'content-type': 'application/json' },
      status: 401,
      why: 'missing X-Surge-Webhook-Secret header',
    },
    {
      label: 'truncated JSON',
      body: JSON.stringify(push).slice(0, 40),
      headers: good,
      status: 400,
      why: expect.stringMatching(/^malformed JSON/) as unknown,
    },
    {
      label: 'wrong content type',
      body: JSON.stringify(push),
      headers: { ...good, 'content-type': 'text/plain' },
      status: 415,
      why: expect.stringMatching(/^unsupported Content-Type/) as unknown,
    },
    {
      label: 'huge body',
      body: { ...push, padding: 'x'.repeat(70_000) },
      headers: good,
      status: 413,
      why: expect.stringMatching(/exceeds the limit of 65536 bytes/) as unknown,
    },
    {
      label: 'unknown action',
      body: { ...push, action: 'quarantine' },
      headers: good,
      status: 202,
      why: 'action "quarantine" does not roll pools',
    },
    {
      label: 'missing digest',
      body: { ...push, target: { repository: 'hello-world' } },
      headers: good,
      status: 400,
      why: 'target.digest: expected a digest like sha256:…, got nothing',
    },
  ])('answers $label with $status and signals nobody', async ({ body, headers, status, why }) => {
    const r = await call(body, headers);
    expect({ status: r.status, why: reason(r.body), signals: r.signals }).toEqual({
      status,
      why,
      signals: 0,
    });
  });

  it('refuses everyone with 503 when no secret is configured', async () => {
    const r = await call(push, good, {});
    expect({ status: r.status, signals: r.signals }).toEqual({ status: 503, signals: 0 });
  });

  it('answers a ping with 200', async () => {
    expect((await call({ id: 'p', action: 'ping' }, good)).status).toBe(200);
  });

  it('delivers a push, by digest, to the pools that follow it', async () => {
    const r = await call(push, good);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 202,
      body: {
        eventId: 'cb8c3971-9adc-488b-bdd8-43cbb4974ff5',
        image:
          'myregistry.azurecr.io/hello-world:v1@sha256:80f0d5c8786bb9e621a45ece0db56d11cdc624ad20da9fe62e9d25490f331d7d',
        delivered: [{ pool: 'web', controller: 'started' }],
      },
    });
  });

  it('says why when no pool follows the image', async () => {
    const r = await call({ ...push, target: { ...(push.target as object), tag: 'latest' } }, good);
    expect({ status: r.status, reason: r.body.reason, signals: r.signals }).toEqual({
      status: 202,
      reason: 'no pool follows myregistry.azurecr.io/hello-world:latest',
      signals: 0,
    });
  });
});

describe('registryEvents', () => {
  const following = poolsOf(
    poolInput('nginx', {
      group: { containers: [{ name: 'web', image: 'jolovcr.azurecr.io/samples/nginx:1.0' }] },
      follow: { registry: 'jolovcr.azurecr.io', repository: 'samples/nginx' },
    }),
  );
  const pushed = fixtureJson<Record<string, unknown>>(
    'eventgrid/containerregistry.event-grid-schema.image_pushed.json',
  );

  it.each([
    { label: 'the ImagePushed fixture', body: [pushed] },
    {
      label: 'ImagePushed with data as a JSON string',
      body: [{ ...pushed, data: JSON.stringify(pushed.data) }],
    },
  ])('delivers $label to the following pool', async ({ body }) => {
    const controllers = new FakeControllers();
    const r = await registryEvents({ pools: following, controllers, now: () => NOW })(
      request('POST', body),
    );
    expect({ status: r.status, pools: controllers.signals.map((s) => s.pool) }).toEqual({
      status: 202,
      pools: ['nginx'],
    });
  });

  it.each([
    {
      // Event Grid does not redeliver a 4xx: a 400 here would say the valid push did nothing.
      label: 'a valid push and a malformed event: the push is delivered, 202 names the other',
      body: [pushed, { ...pushed, id: 'bad', data: { target: { repository: 'samples/nginx' } } }],
      status: 202,
      pools: ['nginx'],
      ignored: [{ event: 'bad', malformed: true }],
    },
    {
      label: 'a malformed event before a valid push: the same',
      body: [{ ...pushed, id: 'bad', data: 'not json {' }, pushed],
      status: 202,
      pools: ['nginx'],
      ignored: [{ event: 'bad', malformed: true }],
    },
    {
      label: 'only a malformed event: 400 and nothing delivered',
      body: [{ ...pushed, id: 'bad', data: { target: {} } }],
      status: 400,
      pools: [],
      ignored: [{ event: 'bad', malformed: true }],
    },
  ])('$label', async ({ body, status, pools, ignored }) => {
    const controllers = new FakeControllers();
    const r = await registryEvents({ pools: following, controllers, now: () => NOW })(
      request('POST', body),
    );
    const json = r.jsonBody as { ignored?: IgnoredEvent[]; error?: { ignored: IgnoredEvent[] } };
    const listed = json.ignored ?? json.error?.ignored ?? [];
    expect({
      status: r.status,
      pools: controllers.signals.map((s) => s.pool),
      ignored: listed.map((i) => ({ event: i.event, malformed: i.malformed })),
    }).toEqual({ status, pools, ignored });
  });

  it('delivers a push to every following pool before answering 503 for one it cannot reach', async () => {
    const twoFollowing = poolsOf(
      ...['nginx', 'nginx-eu'].map((name) =>
        poolInput(name, {
          group: { containers: [{ name: 'web', image: 'jolovcr.azurecr.io/samples/nginx:1.0' }] },
          follow: { registry: 'jolovcr.azurecr.io', repository: 'samples/nginx' },
        }),
      ),
    );
    const controllers = new FakeControllers();
    controllers.unreachable.add('nginx');
    const r = await registryEvents({ pools: twoFollowing, controllers, now: () => NOW })(
      request('POST', [pushed]),
    );
    expect({ status: r.status, pools: controllers.signals.map((s) => s.pool) }).toEqual({
      status: 503,
      pools: ['nginx-eu'],
    });
  });

  it('answers the validation handshake', async () => {
    const validation = [
      {
        id: 'v',
        topic: '/x',
        subject: '',
        eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
        eventTime: '2026-01-01T00:00:00Z',
        data: { validationCode: 'abc' },
        dataVersion: '1',
      },
    ];
    const r = await registryEvents({
      pools: following,
      controllers: new FakeControllers(),
      now: () => NOW,
    })(request('POST', validation));
    expect(outcome(r)).toEqual({ status: 200, body: { validationResponse: 'abc' } });
  });
});

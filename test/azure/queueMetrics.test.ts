import { describe, expect, it } from 'vitest';
import { createQueueMetrics, serviceBusEndpointPolicy } from '../../shared/azure/queueMetrics';
import type { EntityDepth } from '../../shared/azure/ports';
import {
  FakeHttpClient,
  TEST_TOKEN,
  atom,
  expectObserved,
  observe,
  query,
  serviceBusXml,
  testCredential,
  testRetry,
} from './fakeHttp';
import type { Reply } from './fakeHttp';
import type { AzureFailure } from '../../shared/azure/errors';
import { watchDepth } from '../../functions/depthWatch';
import { FakeControllers } from '../fakes/controllers';
import { poolInput, poolsOf } from '../fakes/pools';

/** The namespace the recorded list feed came from. */
const LIST_NS = 'servicebustestappwyrpk4k.servicebus.windows.net';
/** The namespace the recorded GET came from. */
const GET_NS = 'servicebustestaweyco6xnr.servicebus.windows.net';

interface Counts {
  active: number;
  deadLetter: number;
  scheduled: number;
}

/** Sets the CountDetails of a recorded QueueDescription. */
function withCounts(xml: string, counts: Counts): string {
  return xml
    .replace(/(<d2p1:ActiveMessageCount>)\d+/, `$1${counts.active}`)
    .replace(/(<d2p1:DeadLetterMessageCount>)\d+/, `$1${counts.deadLetter}`)
    .replace(/(<d2p1:ScheduledMessageCount>)\d+/, `$1${counts.scheduled}`);
}

/** The recorded list feed, cut into its head and its single entry. */
const recordedFeed = serviceBusXml('queues_list_one_entry_feed.200.xml');
const feedHead = recordedFeed.slice(0, recordedFeed.indexOf('<entry'));
const recordedEntry = recordedFeed.slice(
  recordedFeed.indexOf('<entry'),
  recordedFeed.lastIndexOf('</feed>'),
);

/** The recorded queue entry renamed to `path` (a queue, or topic/Subscriptions/sub) with counts. */
function entry(path: string, counts: Counts): string {
  return withCounts(recordedEntry.replaceAll('test_queue', path), counts);
}

/**
 * A feed page as the service sends it: the recorded head, a rel="next" link when more pages follow
 * (the service adds one when the page is full), then the entries.
 */
function feedPage(entries: string[], nextSkip?: number): Reply {
  const next =
    nextSkip === undefined
      ? ''
      : `<link rel="next" href="https://${LIST_NS}/$Resources/queues?$skip=${nextSkip}&amp;$top=100&amp;api-version=2021-05"/>`;
  return atom(200, `${feedHead}${next}${entries.join('')}</feed>`);
}

function countsOf(i: number): Counts {
  return { active: i, deadLetter: i % 3, scheduled: i % 5 };
}

function adapter(http: FakeHttpClient, serviceBusEndpoint?: string) {
  return createQueueMetrics({
    credential: testCredential,
    retry: testRetry,
    httpClient: http,
    ...(serviceBusEndpoint !== undefined ? { serviceBusEndpoint } : {}),
  });
}

describe('listQueues', () => {
  it('reads 103 queues in two pages: one GET per page, $top=100 then $skip=100', async () => {
    const names = Array.from({ length: 103 }, (_, i) => `queue-${String(i).padStart(3, '0')}`);
    const http = FakeHttpClient.sequence(
      feedPage(
        names.slice(0, 100).map((n, i) => entry(n, countsOf(i))),
        100,
      ),
      feedPage(names.slice(100).map((n, i) => entry(n, countsOf(100 + i)))),
    );
    const expected: EntityDepth[] = names.map((entity, i) => ({ entity, ...countsOf(i) }));

    expectObserved(await observe(http, () => adapter(http).listQueues(LIST_NS)), {
      result: expected,
      calls: ['GET /$Resources/Queues', 'GET /$Resources/Queues'],
    });
    expect(http.requests.map((r) => query(r.url))).toStrictEqual([
      { 'api-version': '2021-05', $top: '100' },
      { 'api-version': '2021-05', $top: '100', $skip: '100' },
    ]);
    expect(http.requests.map((r) => new URL(r.url).host)).toStrictEqual([LIST_NS, LIST_NS]);
    expect(http.requests[0]?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
  });

  const cases: { label: string; reply: Reply; expected: EntityDepth[] }[] = [
    {
      label: 'recorded feed with one queue',
      reply: atom(200, recordedFeed),
      expected: [{ entity: 'test_queue', active: 0, deadLetter: 0, scheduled: 0 }],
    },
    {
      label: 'recorded empty feed',
      reply: atom(200, serviceBusXml('queues_list_empty_feed.200.xml')),
      expected: [],
    },
  ];

  it.each(cases)('$label: one GET', async ({ reply, expected }) => {
    const http = FakeHttpClient.sequence(reply);
    expectObserved(await observe(http, () => adapter(http).listQueues(LIST_NS)), {
      result: expected,
      calls: ['GET /$Resources/Queues'],
    });
  });
});

describe('listSubscriptions', () => {
  it('names each subscription topic/Subscriptions/sub; scheduled is 0', async () => {
    // Subscription entries derived from the recorded queue entry: same ATOM shape, subscription id.
    const http = FakeHttpClient.sequence(
      feedPage([
        entry('uploads/Subscriptions/thumbnails', { active: 7, deadLetter: 1, scheduled: 0 }),
        entry('uploads/Subscriptions/audit', { active: 0, deadLetter: 2, scheduled: 0 }),
      ]),
    );
    expectObserved(await observe(http, () => adapter(http).listSubscriptions(LIST_NS, 'uploads')), {
      result: [
        { entity: 'uploads/Subscriptions/thumbnails', active: 7, deadLetter: 1, scheduled: 0 },
        { entity: 'uploads/Subscriptions/audit', active: 0, deadLetter: 2, scheduled: 0 },
      ],
      calls: ['GET /uploads/Subscriptions/'],
    });
    expect(query(http.requests[0]!.url)).toStrictEqual({ 'api-version': '2021-05', $top: '100' });
  });
});

describe('get', () => {
  const recordedGet = serviceBusXml('queue_get_enrich_false_runtime_properties.200.xml');

  const cases: {
    label: string;
    entity: string;
    reply: Reply;
    expected: EntityDepth | undefined;
    path: string;
  }[] = [
    {
      label: 'recorded runtime properties (all counts 0)',
      entity: 'test_queue',
      reply: atom(200, recordedGet, 'entry'),
      expected: { entity: 'test_queue', active: 0, deadLetter: 0, scheduled: 0 },
      path: '/test_queue',
    },
    {
      label: 'recorded entry with counts set',
      entity: 'test_queue',
      reply: atom(
        200,
        withCounts(recordedGet, { active: 42, deadLetter: 3, scheduled: 5 }),
        'entry',
      ),
      expected: { entity: 'test_queue', active: 42, deadLetter: 3, scheduled: 5 },
      path: '/test_queue',
    },
    {
      label: 'a subscription path reads the subscription',
      entity: 'uploads/Subscriptions/thumbnails',
      reply: atom(
        200,
        withCounts(recordedGet.replaceAll('test_queue', 'uploads/Subscriptions/thumbnails'), {
          active: 9,
          deadLetter: 1,
          scheduled: 0,
        }),
        'entry',
      ),
      expected: {
        entity: 'uploads/Subscriptions/thumbnails',
        active: 9,
        deadLetter: 1,
        scheduled: 0,
      },
      path: '/uploads/Subscriptions/thumbnails',
    },
    {
      label: 'missing queue: recorded 200 "Publicly Listed Services" feed → undefined',
      entity: 'nope',
      reply: atom(200, serviceBusXml('queue_get_missing_publicly_listed_services_feed.200.xml')),
      expected: undefined,
      path: '/nope',
    },
    {
      label: 'recorded 404 "No service is hosted" → undefined',
      entity: 'nope',
      reply: {
        status: 404,
        headers: { 'content-type': 'application/xml; charset=utf-8' },
        body: serviceBusXml('queue_delete_missing_error.404.xml'),
      },
      expected: undefined,
      path: '/nope',
    },
  ];

  it.each(cases)('$label', async ({ entity, reply, expected, path }) => {
    const http = FakeHttpClient.sequence(reply);
    expectObserved(await observe(http, () => adapter(http).get(GET_NS, entity)), {
      result: expected,
      calls: [`GET ${path}`],
    });
  });
});

describe('errors', () => {
  const xmlError = (status: number, detail: string): Reply => ({
    status,
    headers: { 'content-type': 'application/xml; charset=utf-8' },
    body: `<Error><Code>${status}</Code><Detail>${detail}</Detail></Error>`,
  });
  const unauthorized = 'Manage,EntityRead claims required for this operation.';

  const cases: {
    label: string;
    replies: Reply[];
    failure: AzureFailure;
  }[] = [
    {
      label: '401 without Manage rights → auth',
      replies: [xmlError(401, unauthorized)],
      failure: {
        kind: 'auth',
        code: 'UnauthorizedRequestError',
        message: unauthorized,
        status: 401,
      },
    },
    {
      label: '503 on every attempt → transient after retries',
      replies: [1, 2, 3].map(() => xmlError(503, 'Server busy.')),
      failure: { kind: 'transient', code: 'ServerBusyError', message: 'Server busy.', status: 503 },
    },
    {
      label: '429 Retry-After: 0 on every attempt → throttled after retries',
      replies: [1, 2, 3].map(() => ({
        ...xmlError(429, 'Too many requests.'),
        headers: { 'content-type': 'application/xml; charset=utf-8', 'retry-after': '0' },
      })),
      failure: {
        kind: 'throttled',
        code: 'ServiceError',
        message: 'Service returned an error response with an unrecognized HTTP status code - 429',
        status: 429,
      },
    },
    {
      label: 'a feed without CountDetails (what heavy polling gets) → transient parse error',
      replies: [atom(200, recordedFeed.replace(/<CountDetails[\s\S]*<\/CountDetails>/, ''))],
      failure: {
        kind: 'transient',
        code: 'PARSE_ERROR',
        message:
          'Error occurred while parsing the response body - cannot form a list of queues using the response from the service.',
        status: 200,
      },
    },
  ];

  it.each(cases)('$label', async ({ replies, failure }) => {
    const http = FakeHttpClient.sequence(...replies);
    expectObserved(await observe(http, () => adapter(http).listQueues(LIST_NS)), {
      failure,
      calls: replies.map(() => 'GET /$Resources/Queues'),
    });
  });
});

describe('endpoint override', () => {
  it('sends to the configured origin with the namespace in Host, on retries too', async () => {
    const http = FakeHttpClient.sequence(
      { status: 503, headers: { 'retry-after': '0' } },
      atom(200, serviceBusXml('queue_get_enrich_false_runtime_properties.200.xml'), 'entry'),
    );
    const metrics = adapter(http, 'https://127.0.0.1:8443');
    expect(await metrics.get(GET_NS, 'test_queue')).toStrictEqual({
      entity: 'test_queue',
      active: 0,
      deadLetter: 0,
      scheduled: 0,
    });
    expect(
      http.requests.map((r) => ({
        url: r.url,
        host: r.headers.host,
        authorization: r.headers.authorization,
      })),
    ).toStrictEqual(
      [1, 2].map(() => ({
        url: 'https://127.0.0.1:8443/test_queue?api-version=2021-05',
        host: GET_NS,
        authorization: `Bearer ${TEST_TOKEN}`,
      })),
    );
  });

  it('serves many namespaces from one origin, one client each', async () => {
    const http = new FakeHttpClient(() =>
      atom(200, serviceBusXml('queues_list_empty_feed.200.xml')),
    );
    const metrics = adapter(http, 'https://127.0.0.1:8443');
    await metrics.listQueues('alpha.servicebus.windows.net');
    await metrics.listQueues('beta.servicebus.windows.net');
    expect(http.requests.map((r) => [new URL(r.url).origin, r.headers.host])).toStrictEqual([
      ['https://127.0.0.1:8443', 'alpha.servicebus.windows.net'],
      ['https://127.0.0.1:8443', 'beta.servicebus.windows.net'],
    ]);
  });

  it('refuses an http origin', () => {
    expect(() => serviceBusEndpointPolicy('http://127.0.0.1:8080')).toThrow(/https/);
  });
});

describe('the depth watch over this adapter', () => {
  it('makes one administration call per namespace page, however many pools it serves', async () => {
    const names = Array.from({ length: 103 }, (_, i) => `queue-${String(i).padStart(3, '0')}`);
    const http = FakeHttpClient.sequence(
      feedPage(
        names.slice(0, 100).map((n, i) => entry(n, countsOf(i))),
        100,
      ),
      feedPage(names.slice(100).map((n, i) => entry(n, countsOf(100 + i)))),
    );
    // The first page links to the next (rel="next"), the second does not: two calls for 3 pools.
    const pools = poolsOf(
      ...['queue-007', 'queue-042', 'queue-101'].map((queue, i) =>
        poolInput(`pool-${i}`, { serviceBus: { namespace: LIST_NS, queue } }),
      ),
    );
    const controllers = new FakeControllers();
    const report = await watchDepth({
      pools,
      queueMetrics: adapter(http),
      controllers,
      now: () => 0,
    })();
    expect({ calls: http.requests.length, report }).toStrictEqual({
      calls: 2,
      report: { sampled: ['pool-0', 'pool-1', 'pool-2'], failed: [], undelivered: [] },
    });
    expect(
      controllers.signals.map((s) => (s.signal.kind === 'depth' ? s.signal.active : -1)),
    ).toStrictEqual([7, 42, 101]);
  });
});

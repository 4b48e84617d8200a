import { describe, it } from 'vitest';
import type {
  AbuseProtectionOptions,
  AbuseProtectionResult,
  EventGridDelivery,
  GridEvent,
  ServiceBusSignal,
} from '../../shared/webhooks/eventGrid';
import {
  cloudEventsValidationResponse,
  entityMatches,
  namespaceShortName,
  parseEventGridDelivery,
  serviceBusSignal,
} from '../../shared/webhooks/eventGrid';
import type { HeaderSource } from '../../shared/webhooks/headers';
import { fixtureJson } from '../fixtures';
import { expectResult, fixtureNames } from './expectResult';

type Json = Record<string, unknown>;
const fixture = (name: string): Json => fixtureJson<Json>(`eventgrid/${name}`);

const sbGridFile = 'servicebus.active_messages_available_with_no_listeners.json';
const sbCloudFile =
  'servicebus.cloud-events-schema.active_messages_available_with_no_listeners.json';
const pushedFile = 'containerregistry.event-grid-schema.image_pushed.json';
const deletedGridFile = 'containerregistry.event-grid-schema.image_deleted.json';
const deletedCloudFile = 'containerregistry.cloud-events-schema.image_deleted.json';

const sbGrid = fixture(sbGridFile);
const sbCloud = fixture(sbCloudFile);
const pushed = fixture(pushedFile);
const deletedGrid = fixture(deletedGridFile);
const deletedCloud = fixture(deletedCloudFile);

const sbNamespaceId =
  '/subscriptions/faa080af-c1d8-40ad-9cce-e1a450ca5b57/resourcegroups/v-tong-MonthlyTrleaseTestPass/providers/Microsoft.ServiceBus/namespaces/othercloudtest';
const registryId =
  '/subscriptions/faa080af-c1d8-40ad-9cce-e1a450ca5b57/resourceGroups/jolov/providers/Microsoft.ContainerRegistry/registries/jolovcr';
const sbData = {
  namespaceName: 'othercloudtest',
  requestUri: 'https://othercloudtest.servicebus.windows.net/gaoqueue/messages/head',
  entityType: 'queue',
  queueName: 'gaoqueue',
  topicName: null,
  subscriptionName: null,
};
const acrDeleteData = {
  id: '6fdef14c-2594-41e8-9156-c0376eb0a190',
  timestamp: '2021-09-08T06:49:40.1850248Z',
  action: 'delete',
  location: 'westus',
  target: {
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    digest: 'sha256:57a94fc99816c6aa225678b738ac40d85422e75dbb96115f1bb9b6ed77176166',
    repository: 'samples/nginx',
  },
  request: {
    id: '62a60cbd-1bfc-4742-b013-ed7098922ca6',
    host: 'jolovcr.azurecr.io',
    method: 'DELETE',
    useragent: 'python-requests/2.22.0',
  },
  connectedRegistry: { name: 'edge1' },
};

/** The normalized form of each fixture, written out by hand from the files. */
const sbGridEvent: GridEvent = {
  id: '3ce929ea-fab7-428a-8270-0452970fa710',
  type: 'Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners',
  subject: 'queues/gaoqueue',
  source: sbNamespaceId,
  time: '2021-09-09T05:43:01.8429206Z',
  data: sbData,
  schema: 'eventgrid',
};
const sbCloudEvent: GridEvent = { ...sbGridEvent, schema: 'cloudevents' };
const pushedEvent: GridEvent = {
  id: 'c25fdb80-ebbd-4dd0-a29c-a7349e6388f6',
  type: 'Microsoft.ContainerRegistry.ImagePushed',
  subject: 'samples/nginx:latest',
  source: registryId,
  time: '2021-09-08T06:37:45.6609948Z',
  data: {
    id: 'c25fdb80-ebbd-4dd0-a29c-a7349e6388f6',
    timestamp: '2021-09-08T06:37:45.4681009Z',
    action: 'push',
    location: 'westus',
    target: {
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      size: 1153,
      digest: 'sha256:57a94fc99816c6aa225678b738ac40d85422e75dbb96115f1bb9b6ed77176166',
      length: 1153,
      repository: 'samples/nginx',
      tag: 'latest',
    },
    request: {
      id: '9f8fa9d4-5b86-4066-b805-e406f321c7d6',
      host: 'jolovcr.azurecr.io',
      method: 'PUT',
      useragent:
        'docker/20.10.7 go/go1.13.15 git-commit/b0f5bc3 kernel/5.10.16.3-microsoft-standard-WSL2 os/linux arch/amd64 UpstreamClient(Docker-Client/20.10.7 \\(windows\\))',
    },
    connectedRegistry: { name: 'edge1' },
  },
  schema: 'eventgrid',
};
const deletedGridEvent: GridEvent = {
  id: '6fdef14c-2594-41e8-9156-c0376eb0a190',
  type: 'Microsoft.ContainerRegistry.ImageDeleted',
  subject: 'samples/nginx',
  source: registryId,
  time: '2021-09-08T06:49:40.5342401Z',
  data: acrDeleteData,
  schema: 'eventgrid',
};
const deletedCloudEvent: GridEvent = { ...deletedGridEvent, schema: 'cloudevents' };

/**
 * The subscription validation event as the Event Grid docs show it
 * (MicrosoftDocs/azure-docs articles/event-grid/webhook-event-delivery.md): note the empty
 * subject and the subscription-level topic.
 */
const validationEvent: Json = {
  id: '2d1781af-3a4c-4d7c-bd0c-e34b19da4e66',
  topic: '/subscriptions/xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx',
  subject: '',
  data: {
    validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
    validationUrl:
      'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A',
  },
  eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
  eventTime: '2018-01-25T22:12:19.4556811Z',
  metadataVersion: '1',
  dataVersion: '1',
};

/** `event` without `key`. */
function without(event: Json, ...keys: string[]): Json {
  const copy = { ...event };
  for (const key of keys) delete copy[key];
  return copy;
}

const unknownType = { ...sbGrid, eventType: 'Contoso.Items.ItemReceived' };

interface DeliveryCase {
  label: string;
  body: unknown;
  expected: EventGridDelivery;
}

const deliveryCases: DeliveryCase[] = [
  // Every fixture, alone and as Event Grid delivers it (in an array).
  { label: `fixture ${sbGridFile}`, body: sbGrid, expected: events(sbGridEvent) },
  { label: `fixture ${sbGridFile} in an array`, body: [sbGrid], expected: events(sbGridEvent) },
  { label: `fixture ${sbCloudFile}`, body: sbCloud, expected: events(sbCloudEvent) },
  { label: `fixture ${sbCloudFile} in a batch`, body: [sbCloud], expected: events(sbCloudEvent) },
  { label: `fixture ${pushedFile}`, body: [pushed], expected: events(pushedEvent) },
  { label: `fixture ${deletedGridFile}`, body: [deletedGrid], expected: events(deletedGridEvent) },
  { label: `fixture ${deletedCloudFile}`, body: deletedCloud, expected: events(deletedCloudEvent) },
  {
    label: 'Event Grid schema batch of three',
    body: [sbGrid, pushed, deletedGrid],
    expected: events(sbGridEvent, pushedEvent, deletedGridEvent),
  },
  {
    label: 'CloudEvents batch of two',
    body: [sbCloud, deletedCloud],
    expected: events(sbCloudEvent, deletedCloudEvent),
  },
  {
    label: 'CloudEvents with specversion spelled as on the wire (lowercase)',
    body: { ...without(sbCloud, 'specVersion'), specversion: '1.0' },
    expected: events(sbCloudEvent),
  },
  {
    label: 'ImagePushed with data delivered as a JSON string (ACR) is parsed',
    body: [{ ...pushed, data: JSON.stringify(pushed.data) }],
    expected: events(pushedEvent),
  },
  {
    label: 'CloudEvent with data as a JSON string is parsed too',
    body: { ...deletedCloud, data: JSON.stringify(deletedCloud.data) },
    expected: events(deletedCloudEvent),
  },
  {
    label: 'string data that is not a JSON document stays a string',
    body: [{ ...unknownType, data: 'hello {' }],
    expected: events({ ...sbGridEvent, type: 'Contoso.Items.ItemReceived', data: 'hello {' }),
  },
  {
    label: 'string data that starts like JSON but does not parse stays a string',
    body: [{ ...unknownType, data: '{not json' }],
    expected: events({ ...sbGridEvent, type: 'Contoso.Items.ItemReceived', data: '{not json' }),
  },
  {
    label: 'CloudEvent declared text/plain keeps its JSON-looking string',
    body: { ...sbCloud, datacontenttype: 'text/plain', data: '{"a":1}' },
    expected: events({ ...sbCloudEvent, data: '{"a":1}' }),
  },
  {
    label: 'CloudEvent declared application/json; charset=utf-8 is parsed',
    body: { ...sbCloud, datacontenttype: 'application/json; charset=utf-8', data: '{"a":1}' },
    expected: events({ ...sbCloudEvent, data: { a: 1 } }),
  },
  {
    label: 'CloudEvent data_base64 becomes bytes',
    body: { ...without(sbCloud, 'data'), data_base64: Buffer.from('hi!').toString('base64') },
    expected: events({ ...sbCloudEvent, data: new Uint8Array([0x68, 0x69, 0x21]) }),
  },
  {
    label: 'CloudEvent with null subject and no time',
    body: { ...without(sbCloud, 'time'), subject: null },
    expected: events({
      id: sbCloudEvent.id,
      type: sbCloudEvent.type,
      subject: '',
      source: sbNamespaceId,
      data: sbData,
      schema: 'cloudevents',
    }),
  },
  {
    label: 'event without data',
    body: [without(sbGrid, 'data')],
    expected: events({ ...sbGridEvent, data: undefined }),
  },
  {
    label: 'event with a subject and no topic',
    body: [without(sbGrid, 'topic')],
    expected: events({ ...sbGridEvent, source: '' }),
  },
  {
    label: 'unknown event type is parsed (the caller decides)',
    body: [unknownType],
    expected: events({ ...sbGridEvent, type: 'Contoso.Items.ItemReceived' }),
  },
  { label: 'empty batch', body: [], expected: events() },

  // The Event Grid schema handshake.
  {
    label: 'subscription validation event (docs sample, empty subject)',
    body: [validationEvent],
    expected: {
      ok: true,
      kind: 'validation',
      validationCode: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6',
      validationUrl:
        'https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/estest/validate?id=512d38b6-c7b8-40c8-89fe-f46f9e9622b6&t=2018-04-26T20:30:54.4538837Z&apiVersion=2018-05-01-preview&token=1A1A1A1A',
    },
  },
  {
    label: 'subscription validation event without validationUrl (older API versions)',
    body: [{ ...validationEvent, data: { validationCode: 'abc' } }],
    expected: { ok: true, kind: 'validation', validationCode: 'abc' },
  },
  {
    label: 'subscription validation event without validationCode',
    body: [{ ...validationEvent, data: { validationUrl: 'https://x' } }],
    expected: {
      ok: false,
      reason:
        'events[0]: Microsoft.EventGrid.SubscriptionValidationEvent without data.validationCode',
    },
  },
  {
    label: 'subscription validation event with no data',
    body: [without(validationEvent, 'data')],
    expected: {
      ok: false,
      reason:
        'events[0]: Microsoft.EventGrid.SubscriptionValidationEvent without data.validationCode',
    },
  },
  {
    label: 'subscription validation event mixed with other events',
    body: [sbGrid, validationEvent],
    expected: {
      ok: false,
      reason: 'events[1]: a subscription validation event must arrive alone, got 2 events',
    },
  },

  // Bad input.
  {
    label: 'body is not an object or array (string)',
    body: 'hello',
    expected: { ok: false, reason: 'expected an event object or an array of events, got a string' },
  },
  {
    label: 'body is null',
    body: null,
    expected: { ok: false, reason: 'expected an event object or an array of events, got null' },
  },
  {
    label: 'array with a non-object',
    body: [sbGrid, 42],
    expected: { ok: false, reason: 'events[1]: expected an event object, got a number' },
  },
  {
    label: 'array with a nested array',
    body: [[sbGrid]],
    expected: { ok: false, reason: 'events[0]: expected an event object, got an array' },
  },
  {
    label: 'event missing id',
    body: [sbGrid, without(pushed, 'id')],
    expected: { ok: false, reason: 'events[1]: missing id' },
  },
  {
    label: 'event with an empty id',
    body: [{ ...sbGrid, id: '' }],
    expected: { ok: false, reason: 'events[0]: id is empty' },
  },
  {
    label: 'event with a numeric id',
    body: [{ ...sbGrid, id: 7 }],
    expected: { ok: false, reason: 'events[0]: id must be a string, got a number' },
  },
  {
    label: 'Event Grid event missing eventType',
    body: [without(sbGrid, 'eventType')],
    expected: { ok: false, reason: 'events[0]: missing eventType' },
  },
  {
    label: 'CloudEvent missing type',
    body: [sbCloud, without(sbCloud, 'type')],
    expected: { ok: false, reason: 'events[1]: missing type' },
  },
  {
    label: 'Event Grid event missing subject and topic',
    body: [without(sbGrid, 'subject', 'topic')],
    expected: { ok: false, reason: 'events[0]: missing subject and topic' },
  },
  {
    label: 'CloudEvent missing subject and source',
    body: without(sbCloud, 'subject', 'source'),
    expected: { ok: false, reason: 'events[0]: missing subject and source' },
  },
  {
    label: 'subject of the wrong type',
    body: [{ ...sbGrid, subject: ['queues', 'gaoqueue'] }],
    expected: { ok: false, reason: 'events[0]: subject must be a string, got an array' },
  },
  {
    label: 'CloudEvent-looking event without specversion',
    body: without(sbCloud, 'specVersion'),
    expected: {
      ok: false,
      reason: 'events[0]: missing specversion (a CloudEvent needs specversion "1.0")',
    },
  },
  {
    label: 'CloudEvents 0.3 is not read',
    body: { ...without(sbCloud, 'specVersion'), specversion: '0.3' },
    expected: {
      ok: false,
      reason: 'events[0]: unsupported CloudEvents specversion "0.3"; only "1.0" is read',
    },
  },
  {
    label: 'CloudEvent with both data and data_base64',
    body: { ...sbCloud, data_base64: 'aGkh' },
    expected: { ok: false, reason: 'events[0]: data and data_base64 are mutually exclusive' },
  },
  {
    label: 'CloudEvent with data_base64 that is not base64',
    body: { ...without(sbCloud, 'data'), data_base64: 'not base64!' },
    expected: { ok: false, reason: 'events[0]: data_base64 must be a base64 string' },
  },
  {
    label: 'schemas mixed in one batch',
    body: [sbGrid, sbCloud],
    expected: { ok: false, reason: 'events[1]: cloudevents event in a batch of eventgrid events' },
  },
];

function events(...list: GridEvent[]): EventGridDelivery {
  return { ok: true, kind: 'events', events: list };
}

describe('parseEventGridDelivery', () => {
  it.each(deliveryCases)('$label', ({ label, body, expected }) => {
    expectResult(label, parseEventGridDelivery(body), expected);
  });

  it('covers every fixture under eventgrid/', () => {
    const covered = [sbGridFile, sbCloudFile, pushedFile, deletedGridFile, deletedCloudFile];
    expectResult('fixtures', fixtureNames('eventgrid'), [...covered].sort());
  });
});

interface HandshakeCase {
  label: string;
  headers: HeaderSource;
  options?: AbuseProtectionOptions;
  expected: AbuseProtectionResult;
}

const granted = (origin: string, rate = '*'): AbuseProtectionResult => ({
  ok: true,
  status: 200,
  headers: {
    'WebHook-Allowed-Origin': origin,
    'WebHook-Allowed-Rate': rate,
    Allow: 'POST, OPTIONS',
  },
});

const handshakeCases: HandshakeCase[] = [
  {
    label: 'Event Grid origin, Fetch Headers',
    headers: new Headers({ 'WebHook-Request-Origin': 'eventgrid.azure.net' }),
    expected: granted('eventgrid.azure.net'),
  },
  {
    label: 'Event Grid origin asking for a rate, plain lowercase record',
    headers: { 'webhook-request-origin': 'eventgrid.azure.net', 'webhook-request-rate': '120' },
    expected: granted('eventgrid.azure.net'),
  },
  {
    label: 'configured rate is granted',
    headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net', 'WebHook-Request-Rate': '120' },
    options: { allowedRate: 60 },
    expected: granted('eventgrid.azure.net', '60'),
  },
  {
    label: 'origin compared case-insensitively and echoed as sent',
    headers: { 'WebHook-Request-Origin': 'EventGrid.Azure.Net' },
    expected: granted('EventGrid.Azure.Net'),
  },
  {
    label: 'any origin when allowedOrigins has *',
    headers: { 'WebHook-Request-Origin': 'eventemitter.example.com' },
    options: { allowedOrigins: ['*'] },
    expected: granted('eventemitter.example.com'),
  },
  {
    label: 'another origin is refused by default',
    headers: { 'WebHook-Request-Origin': 'eventemitter.example.com' },
    expected: {
      ok: false,
      status: 403,
      reason:
        'origin "eventemitter.example.com" is not allowed to deliver events here; allowed: eventgrid.azure.net',
    },
  },
  {
    label: 'no WebHook-Request-Origin',
    headers: new Headers({ 'WebHook-Request-Rate': '120' }),
    expected: {
      ok: false,
      status: 400,
      reason: 'missing WebHook-Request-Origin header: not a CloudEvents abuse-protection request',
    },
  },
];

describe('cloudEventsValidationResponse', () => {
  it.each(handshakeCases)('$label', ({ label, headers, options, expected }) => {
    expectResult(label, cloudEventsValidationResponse(headers, options), expected);
  });
});

/** Service Bus event for a topic subscription, shaped as in the Service Bus docs' sample. */
const subscriptionEvent: GridEvent = {
  ...sbGridEvent,
  subject: 'topics/orders/subscriptions/workers',
  data: {
    namespaceName: 'othercloudtest',
    requestUri:
      'https://othercloudtest.servicebus.windows.net/orders/subscriptions/workers/messages/head',
    entityType: 'subscriber',
    // The docs' sample fills queueName for a subscription too; entityType decides.
    queueName: 'QUEUE NAME IF QUEUE',
    topicName: 'orders',
    subscriptionName: 'workers',
  },
};

interface SignalCase {
  label: string;
  event: GridEvent;
  expected: ServiceBusSignal;
}

const queueSignal: ServiceBusSignal = {
  ok: true,
  namespace: 'othercloudtest',
  entity: 'gaoqueue',
  signal: 'noListeners',
};

const signalCases: SignalCase[] = [
  { label: `fixture ${sbGridFile}`, event: sbGridEvent, expected: queueSignal },
  { label: `fixture ${sbCloudFile}`, event: sbCloudEvent, expected: queueSignal },
  {
    label: 'topic subscription (entityType subscriber)',
    event: subscriptionEvent,
    expected: { ...queueSignal, entity: 'orders/Subscriptions/workers' },
  },
  {
    label: 'periodic notification is a scaling signal',
    event: {
      ...sbGridEvent,
      type: 'Microsoft.ServiceBus.ActiveMessagesAvailablePeriodicNotifications',
    },
    expected: { ...queueSignal, signal: 'periodic' },
  },
  {
    label: 'namespaceName in another case is lowercased',
    event: { ...sbGridEvent, data: { ...sbData, namespaceName: 'OtherCloudTest' } },
    expected: queueSignal,
  },
  {
    label: 'names missing: entity from the subject, namespace from the source',
    event: { ...subscriptionEvent, data: { entityType: 'subscriber' } },
    expected: { ...queueSignal, entity: 'orders/Subscriptions/workers' },
  },
  {
    label: 'queue name missing: entity from a queues/ subject',
    event: { ...sbGridEvent, data: { ...sbData, queueName: null } },
    expected: queueSignal,
  },
  {
    label: 'dead-letter event is recognized and is not a scaling signal',
    event: {
      ...sbGridEvent,
      type: 'Microsoft.ServiceBus.DeadletterMessagesAvailableWithNoListeners',
    },
    expected: {
      ok: false,
      reason:
        'event 3ce929ea-fab7-428a-8270-0452970fa710: Microsoft.ServiceBus.DeadletterMessagesAvailableWithNoListeners reports dead-lettered messages, not a scaling signal',
      notASignal: true,
    },
  },
  {
    label: 'periodic dead-letter event is not a scaling signal either',
    event: {
      ...sbGridEvent,
      type: 'Microsoft.ServiceBus.DeadletterMessagesAvailablePeriodicNotifications',
    },
    expected: {
      ok: false,
      reason:
        'event 3ce929ea-fab7-428a-8270-0452970fa710: Microsoft.ServiceBus.DeadletterMessagesAvailablePeriodicNotifications reports dead-lettered messages, not a scaling signal',
      notASignal: true,
    },
  },
  {
    label: 'an ACR event is not a Service Bus event',
    event: pushedEvent,
    expected: {
      ok: false,
      reason:
        'event c25fdb80-ebbd-4dd0-a29c-a7349e6388f6: Microsoft.ContainerRegistry.ImagePushed is not a Service Bus active-messages event',
      notASignal: true,
    },
  },
  {
    label: 'data is not an object',
    event: { ...sbGridEvent, data: undefined },
    expected: {
      ok: false,
      reason: 'event 3ce929ea-fab7-428a-8270-0452970fa710: data must be an object, got nothing',
    },
  },
  {
    label: 'no namespace anywhere',
    event: { ...sbGridEvent, source: '', data: { ...sbData, namespaceName: null } },
    expected: {
      ok: false,
      reason:
        'event 3ce929ea-fab7-428a-8270-0452970fa710: no data.namespaceName and no namespace in the source',
    },
  },
  {
    label: 'no entity anywhere',
    event: { ...sbGridEvent, subject: 'somewhere', data: { namespaceName: 'othercloudtest' } },
    expected: {
      ok: false,
      reason:
        'event 3ce929ea-fab7-428a-8270-0452970fa710: cannot tell the entity: no queueName or topicName/subscriptionName in data, and subject "somewhere" is not queues/{queue} or topics/{topic}/subscriptions/{subscription}',
    },
  },
];

describe('serviceBusSignal', () => {
  it.each(signalCases)('$label', ({ label, event, expected }) => {
    expectResult(label, serviceBusSignal(event), expected);
  });
});

describe('namespaceShortName', () => {
  const cases = [
    { label: 'fully qualified', input: 'contoso.servicebus.windows.net', expected: 'contoso' },
    { label: 'mixed case', input: 'Contoso.ServiceBus.Windows.Net', expected: 'contoso' },
    { label: 'sovereign cloud', input: 'contoso.servicebus.chinacloudapi.cn', expected: 'contoso' },
    { label: 'sb:// endpoint', input: 'sb://contoso.servicebus.windows.net/', expected: 'contoso' },
    { label: 'host and port (emulator)', input: 'localhost:5672', expected: 'localhost' },
    { label: 'already short', input: 'othercloudtest', expected: 'othercloudtest' },
    { label: 'surrounding spaces', input: ' contoso.servicebus.windows.net ', expected: 'contoso' },
  ];
  it.each(cases)('$label', ({ label, input, expected }) => {
    expectResult(label, namespaceShortName(input), expected);
  });
});

describe('entityMatches', () => {
  const cases = [
    { label: 'same queue', signal: 'orders', pool: 'orders', expected: true },
    { label: 'queue, other case', signal: 'ORDERS', pool: 'orders', expected: true },
    { label: 'other queue', signal: 'orders', pool: 'orders-eu', expected: false },
    {
      label: 'same subscription',
      signal: 'orders/Subscriptions/workers',
      pool: 'orders/Subscriptions/workers',
      expected: true,
    },
    {
      label: 'topic name (metric dimension) covers its subscriptions',
      signal: 'orders',
      pool: 'orders/Subscriptions/workers',
      expected: true,
    },
    {
      label: 'other subscription of the topic',
      signal: 'orders/Subscriptions/audit',
      pool: 'orders/Subscriptions/workers',
      expected: false,
    },
  ];
  it.each(cases)('$label', ({ label, signal, pool, expected }) => {
    expectResult(label, entityMatches(signal, pool), expected);
  });
});

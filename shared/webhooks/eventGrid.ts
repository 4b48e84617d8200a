import { z } from 'zod';
import type { HeaderSource } from './headers';
import { headerValue } from './headers';
import { describe, lenientText, optionalText, reasonOf, requiredText } from './schema';

/** Event types Surge reads or recognizes, as Event Grid spells them. */
const EventTypes = {
  /** Event Grid schema handshake: echo `data.validationCode` as `{validationResponse}`. */
  subscriptionValidation: 'Microsoft.EventGrid.SubscriptionValidationEvent',
  /** Premium namespaces: a message arrived in a queue or subscription that has no receiver. */
  serviceBusActiveNoListeners: 'Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners',
  /** Premium namespaces: every 30 s while an entity has active messages, listeners or not. */
  serviceBusActivePeriodic: 'Microsoft.ServiceBus.ActiveMessagesAvailablePeriodicNotifications',
  /** Dead-lettered messages with no receiver on the dead-letter queue: never a scaling signal. */
  serviceBusDeadletterNoListeners:
    'Microsoft.ServiceBus.DeadletterMessagesAvailableWithNoListeners',
  /** Periodic dead-letter notification: never a scaling signal. */
  serviceBusDeadletterPeriodic:
    'Microsoft.ServiceBus.DeadletterMessagesAvailablePeriodicNotifications',
  /** An image was pushed to a container registry. */
  containerRegistryImagePushed: 'Microsoft.ContainerRegistry.ImagePushed',
} as const;

/**
 * One delivered event, the same whichever schema the event subscription uses, so that handlers
 * read `type`/`source` once instead of `eventType`/`topic` or `type`/`source`.
 */
export interface GridEvent {
  readonly id: string;
  /** `eventType` (Event Grid schema) or `type` (CloudEvents). */
  readonly type: string;
  /** The subject, or '' when the event has none (a validation event's subject is ''). */
  readonly subject: string;
  /** `topic` (Event Grid schema) or `source` (CloudEvents): the publishing resource id; '' when absent. */
  readonly source: string;
  /** `eventTime` or `time`, as sent (ISO 8601); omitted when the event has none. */
  readonly time?: string;
  /**
   * The event data. A string holding a JSON object or array is parsed: ACR has delivered its
   * data JSON-encoded as a string. CloudEvents `data_base64` becomes bytes (Uint8Array).
   * undefined when the event carries no data.
   */
  readonly data: unknown;
  /** Which schema the event arrived in. */
  readonly schema: 'eventgrid' | 'cloudevents';
}

/** A refused payload; `reason` names the field and, for events, the index (`events[1]: …`). */
export interface WebhookFailure {
  readonly ok: false;
  readonly reason: string;
}

/** What an Event Grid delivery asks of the handler: a handshake answer, or events to act on. */
export type EventGridDelivery =
  | {
      readonly ok: true;
      readonly kind: 'validation';
      /** Answer `{"validationResponse": validationCode}` with 200 (202 is not accepted). */
      readonly validationCode: string;
      /** Manual-validation URL (a GET within 5 minutes also validates); present since 2018-05-01-preview. */
      readonly validationUrl?: string;
    }
  | { readonly ok: true; readonly kind: 'events'; readonly events: GridEvent[] }
  | WebhookFailure;

/**
 * Parses the body of an Event Grid push: the Event Grid schema (Event Grid always delivers an
 * array, a single object is accepted too) or CloudEvents 1.0 (one event, or a JSON batch array;
 * `specversion`, or `specVersion` as the Azure spec examples spell it).
 *
 * Every event needs a non-empty id and type, and a subject or a source (topic). A subscription
 * validation event is returned as `kind: 'validation'`; Event Grid sends it alone, so one mixed
 * with other events is refused. Event types Surge does not know are returned like any other:
 * the caller decides what to act on. An empty array is a valid (empty) batch.
 */
export function parseEventGridDelivery(body: unknown): EventGridDelivery {
  const items = deliveryItems.safeParse(body);
  if (!items.success) return fail(reasonOf(items.error));

  const events: GridEvent[] = [];
  for (const [index, item] of items.data.entries()) {
    const parsed = parseEvent(item, `events[${index}]`);
    if (!parsed.ok) return parsed;
    events.push(parsed.event);
  }

  // Event Grid delivers one schema per subscription; a mix means the body was assembled by hand.
  const mixed = events.findIndex((e) => e.schema !== events[0]?.schema);
  if (mixed >= 0) {
    return fail(
      `events[${mixed}]: ${events[mixed]?.schema} event in a batch of ${events[0]?.schema} events`,
    );
  }

  const validation = events.findIndex((e) => e.type === EventTypes.subscriptionValidation);
  if (validation < 0) return { ok: true, kind: 'events', events };
  if (events.length > 1) {
    return fail(
      `events[${validation}]: a subscription validation event must arrive alone, got ${events.length} events`,
    );
  }
  const data = validationData.safeParse(events[0]?.data);
  if (!data.success) {
    return fail(`events[0]: ${EventTypes.subscriptionValidation} without data.validationCode`);
  }
  const { validationCode, validationUrl } = data.data;
  return {
    ok: true,
    kind: 'validation',
    validationCode,
    ...(validationUrl !== undefined ? { validationUrl } : {}),
  };
}

/** A delivery: an array of events, or one event (Event Grid always sends an array). */
const deliveryItems = z.union([z.array(z.unknown()), z.looseObject({}).transform((e) => [e])], {
  error: (issue) => `expected an event object or an array of events, got ${describe(issue.input)}`,
});

/** The data of a subscription validation event. */
const validationData = z.looseObject({
  validationCode: z.string().min(1),
  validationUrl: lenientText,
});

/** Who may push CloudEvents here, for {@link cloudEventsValidationResponse}. */
export interface AbuseProtectionOptions {
  /**
   * Origins (the `WebHook-Request-Origin` value) granted delivery, compared case-insensitively;
   * '*' grants any. Default: `eventgrid.azure.net`, the origin Event Grid sends.
   */
  readonly allowedOrigins?: readonly string[];
  /** Requests per minute granted (`WebHook-Allowed-Rate`); default '*' (no limit). */
  readonly allowedRate?: number | '*';
}

/** The answer to a CloudEvents abuse-protection OPTIONS request. */
export type AbuseProtectionResult =
  | {
      readonly ok: true;
      readonly status: 200;
      /** `WebHook-Allowed-Origin`, `WebHook-Allowed-Rate` and `Allow`, to send as they are. */
      readonly headers: Record<string, string>;
    }
  | { readonly ok: false; readonly status: 400 | 403; readonly reason: string };

/**
 * Answers the CloudEvents 1.0 abuse-protection handshake (HTTP OPTIONS with
 * `WebHook-Request-Origin`), which Event Grid uses instead of the validation event when the
 * subscription delivers CloudEvents. Consent is given only by returning the headers, so a
 * refused origin gets none (a status code alone is not read as consent either way).
 *
 * `WebHook-Allowed-Rate` is always sent: the spec requires it when the sender asked for a rate
 * and recommends it otherwise. Consent is given synchronously; a `WebHook-Request-Callback`
 * header is therefore not needed and is ignored.
 */
export function cloudEventsValidationResponse(
  headers: HeaderSource,
  options: AbuseProtectionOptions = {},
): AbuseProtectionResult {
  const rate = options.allowedRate ?? '*';
  if (rate !== '*' && (!Number.isSafeInteger(rate) || rate < 1)) {
    throw new RangeError(`allowedRate must be '*' or a positive integer, got ${rate}`);
  }
  const origin = headerValue(headers, 'WebHook-Request-Origin')?.trim();
  if (origin === undefined || origin === '') {
    return {
      ok: false,
      status: 400,
      reason: 'missing WebHook-Request-Origin header: not a CloudEvents abuse-protection request',
    };
  }
  const allowed = (options.allowedOrigins ?? ['eventgrid.azure.net']).map((o) => o.toLowerCase());
  if (!allowed.includes('*') && !allowed.includes(origin.toLowerCase())) {
    return {
      ok: false,
      status: 403,
      reason: `origin "${origin}" is not allowed to deliver events here; allowed: ${allowed.join(', ')}`,
    };
  }
  return {
    ok: true,
    status: 200,
    headers: {
      'WebHook-Allowed-Origin': origin,
      'WebHook-Allowed-Rate': String(rate),
      Allow: 'POST, OPTIONS',
    },
  };
}

/** A Service Bus entity that has messages waiting, named the way Surge's pools name it. */
export type ServiceBusSignal =
  | {
      readonly ok: true;
      /** Namespace short name, lowercase (e.g. `othercloudtest`); see {@link namespaceShortName}. */
      readonly namespace: string;
      /** Queue name, or `topic/Subscriptions/subscription`. */
      readonly entity: string;
      /** `noListeners`: nobody receives; `periodic`: the 30-second reminder while messages wait. */
      readonly signal: 'noListeners' | 'periodic';
    }
  /** A well-formed event that is not a scaling signal (dead-letter, or another type). */
  | (WebhookFailure & { readonly notASignal: true })
  /** A scaling event whose data does not say which entity. */
  | WebhookFailure;

/**
 * Reads which Service Bus entity an event is about, for waking the pool that drains it.
 *
 * Scaling signals are ActiveMessagesAvailableWithNoListeners and its periodic twin
 * (ActiveMessagesAvailablePeriodicNotifications, same data). The dead-letter variants are
 * recognized and refused with a reason: workers do not drain dead-letter queues, so they must
 * not add replicas. The entity comes from `data` (entityType `queue` → queueName, `subscriber`
 * → topicName + subscriptionName), or from the subject (`queues/q`,
 * `topics/t/subscriptions/s`) when the names are missing; the namespace from
 * `data.namespaceName`, or from the source resource id.
 */
export function serviceBusSignal(event: GridEvent): ServiceBusSignal {
  const deadletter: readonly string[] = [
    EventTypes.serviceBusDeadletterNoListeners,
    EventTypes.serviceBusDeadletterPeriodic,
  ];
  if (deadletter.includes(event.type)) {
    return {
      ...fail(
        `event ${event.id}: ${event.type} reports dead-lettered messages, not a scaling signal`,
      ),
      notASignal: true,
    };
  }
  const signal =
    event.type === EventTypes.serviceBusActiveNoListeners
      ? 'noListeners'
      : event.type === EventTypes.serviceBusActivePeriodic
        ? 'periodic'
        : undefined;
  if (signal === undefined) {
    return {
      ...fail(`event ${event.id}: ${event.type} is not a Service Bus active-messages event`),
      notASignal: true,
    };
  }
  const parsed = serviceBusData.safeParse(event.data);
  if (!parsed.success) return fail(reasonOf(parsed.error, `event ${event.id}`));
  const data = parsed.data;

  const namespace =
    data.namespaceName !== undefined
      ? namespaceShortName(data.namespaceName)
      : namespaceFromResourceId(event.source);
  if (namespace === undefined || namespace === '') {
    return fail(`event ${event.id}: no data.namespaceName and no namespace in the source`);
  }

  const entity = entityFromData(data) ?? entityFromSubject(event.subject);
  if (entity === undefined) {
    return fail(
      `event ${event.id}: cannot tell the entity: no queueName or topicName/subscriptionName in data, ` +
        `and subject "${event.subject}" is not queues/{queue} or topics/{topic}/subscriptions/{subscription}`,
    );
  }
  return { ok: true, namespace, entity, signal };
}

/**
 * The namespace short name that events and alerts carry, from what pools hold (the fully
 * qualified namespace): 'contoso.servicebus.windows.net' → 'contoso'. Also takes
 * `sb://host/`, `host:port` (emulator) and a bare name. Lowercase, because namespace names are
 * case-insensitive DNS labels and a pool's spelling need not match the event's.
 */
export function namespaceShortName(namespace: string): string {
  const host = namespace
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .split('/')[0]
    ?.replace(/:\d+$/, '');
  return (host?.split('.')[0] ?? '').toLowerCase();
}

/**
 * Whether an entity named by a push signal is the entity a pool drains (both in Surge's naming,
 * compared case-insensitively as Service Bus does). A bare topic name (what the EntityName
 * dimension of Service Bus metrics holds for a topic) matches every subscription of the topic.
 */
export function entityMatches(signalEntity: string, poolEntity: string): boolean {
  const signal = signalEntity.toLowerCase();
  const pool = poolEntity.toLowerCase();
  return signal === pool || (!signal.includes('/') && pool.startsWith(`${signal}/subscriptions/`));
}

/** The namespace short name in an ARM id `…/providers/Microsoft.ServiceBus/namespaces/{ns}…`. */
export function namespaceFromResourceId(resourceId: string): string | undefined {
  const match = /\/providers\/microsoft\.servicebus\/namespaces\/([^/]+)/i.exec(resourceId);
  return match?.[1]?.toLowerCase();
}

function fail(reason: string): WebhookFailure {
  return { ok: false, reason };
}

type ParsedEvent = { ok: true; event: GridEvent } | WebhookFailure;

/** An event in the Event Grid schema. */
const gridSchemaEvent = z
  .looseObject({
    id: requiredText('id'),
    eventType: requiredText('eventType'),
    subject: optionalText('subject'),
    topic: optionalText('topic'),
    eventTime: optionalText('eventTime'),
  })
  .refine((e) => (e.subject ?? '') !== '' || (e.topic ?? '') !== '', {
    message: 'missing subject and topic',
  });

/** A CloudEvents 1.0 event (its specversion is checked before). */
const cloudEvent = z
  .looseObject({
    id: requiredText('id'),
    type: requiredText('type'),
    subject: optionalText('subject'),
    source: optionalText('source'),
    time: optionalText('time'),
  })
  .refine((e) => (e.subject ?? '') !== '' || (e.source ?? '') !== '', {
    message: 'missing subject and source',
  });

/** An item of the delivery, before its schema is known. */
const eventObject = z.looseObject(
  {},
  { error: (issue) => `expected an event object, got ${describe(issue.input)}` },
);

function parseEvent(item: unknown, where: string): ParsedEvent {
  const parsed = eventObject.safeParse(item);
  if (!parsed.success) return fail(reasonOf(parsed.error, where));
  const event = parsed.data;
  const specversion = event.specversion ?? event.specVersion;
  if (specversion !== undefined) return parseCloudEvent(event, specversion, where);
  if (event.eventType === undefined && event.type !== undefined) {
    // Looks like a CloudEvent, but without specversion it is neither schema.
    return fail(`${where}: missing specversion (a CloudEvent needs specversion "1.0")`);
  }
  return parseGridSchemaEvent(event, where);
}

function parseGridSchemaEvent(item: Record<string, unknown>, where: string): ParsedEvent {
  const parsed = gridSchemaEvent.safeParse(item);
  if (!parsed.success) return fail(reasonOf(parsed.error, where));
  const e = parsed.data;
  return {
    ok: true,
    event: {
      id: e.id,
      type: e.eventType,
      ...common(e.subject, e.topic, e.eventTime),
      data: parseStringData(item.data),
      schema: 'eventgrid',
    },
  };
}

function parseCloudEvent(
  item: Record<string, unknown>,
  specversion: unknown,
  where: string,
): ParsedEvent {
  if (specversion !== '1.0') {
    return fail(
      `${where}: unsupported CloudEvents specversion ${JSON.stringify(specversion)}; only "1.0" is read`,
    );
  }
  const parsed = cloudEvent.safeParse(item);
  if (!parsed.success) return fail(reasonOf(parsed.error, where));
  const e = parsed.data;
  const data = cloudEventData(item, where);
  if (!data.ok) return data;
  return {
    ok: true,
    event: {
      id: e.id,
      type: e.type,
      ...common(e.subject, e.source, e.time),
      data: data.value,
      schema: 'cloudevents',
    },
  };
}

/** subject and source ('' when absent), and the time when it has one. */
function common(
  subject: string | undefined,
  source: string | undefined,
  time: string | undefined,
): { subject: string; source: string; time?: string } {
  return { subject: subject ?? '', source: source ?? '', ...(time ? { time } : {}) };
}

function cloudEventData(
  item: Record<string, unknown>,
  where: string,
): { ok: true; value: unknown } | WebhookFailure {
  const base64 = item.data_base64;
  if (base64 !== undefined && base64 !== null) {
    if ('data' in item) return fail(`${where}: data and data_base64 are mutually exclusive`);
    if (typeof base64 !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(base64)) {
      return fail(`${where}: data_base64 must be a base64 string`);
    }
    return { ok: true, value: new Uint8Array(Buffer.from(base64, 'base64')) };
  }
  const contentType = item.datacontenttype;
  // Data declared as something other than JSON (text/plain, application/xml) stays as sent.
  if (typeof contentType === 'string' && !isJsonMediaType(contentType)) {
    return { ok: true, value: item.data };
  }
  return { ok: true, value: parseStringData(item.data) };
}

/** `application/json`, `text/json`, or any `…+json` type (CloudEvents' definition of JSON data). */
function isJsonMediaType(contentType: string): boolean {
  const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return /^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.-]+\+)?json$/.test(mediaType);
}

/**
 * ACR has delivered `data` as a JSON document encoded in a string. A string that holds a JSON
 * object or array is parsed; any other string (or a string that does not parse) is kept. This
 * departs from the CloudEvents JSON format, which says a string is just a string, because no
 * event Surge reads has a string datum while the double-encoded form has been seen in the wild.
 */
function parseStringData(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  const trimmed = data.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return data;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return data;
  }
}

/** What a Service Bus event's data says of the namespace and entity. */
const serviceBusData = z.looseObject(
  {
    namespaceName: lenientText,
    entityType: z.unknown().optional(),
    queueName: lenientText,
    topicName: lenientText,
    subscriptionName: lenientText,
  },
  { error: (issue) => `data must be an object, got ${describe(issue.input)}` },
);

function entityFromData(data: z.infer<typeof serviceBusData>): string | undefined {
  const { entityType, queueName, topicName, subscriptionName } = data;
  const subscription =
    topicName !== undefined && subscriptionName !== undefined
      ? `${topicName}/Subscriptions/${subscriptionName}`
      : undefined;
  // entityType decides when present: the docs' subscription sample also fills queueName.
  if (entityType === 'queue') return queueName;
  if (entityType === 'subscriber' || entityType === 'subscription') return subscription;
  return queueName ?? subscription;
}

function entityFromSubject(subject: string): string | undefined {
  const queue = /^queues\/([^/]+)$/i.exec(subject);
  if (queue?.[1] !== undefined) return queue[1];
  const subscription = /^topics\/([^/]+)\/subscriptions\/([^/]+)$/i.exec(subject);
  if (subscription?.[1] !== undefined && subscription[2] !== undefined) {
    return `${subscription[1]}/Subscriptions/${subscription[2]}`;
  }
  return undefined;
}

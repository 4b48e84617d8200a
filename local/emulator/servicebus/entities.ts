/**
 * Service Bus namespaces and their entities (queues, topics, subscriptions) as the emulator keeps
 * them: the description properties the administration API reports, and for queues and
 * subscriptions the workload state (a FluidQueue, arrival schedules, other counts).
 */
import { FluidQueue } from '../workload/queue';
import type { ActiveSchedule } from '../workload/arrivals';
import type { CountDetails, DescriptionKind, Property } from './atom';
import { NEVER, sbTime } from './atom';

/** The three entity kinds. */
export type EntityKind = 'queue' | 'topic' | 'subscription';

/** An entity. */
export interface Entity {
  readonly kind: EntityKind;
  /** Queue or topic name, or subscription name. */
  readonly name: string;
  /** The topic of a subscription. */
  readonly topic?: string;
  /** `queue`, `topic`, or `topic/Subscriptions/sub`. */
  readonly path: string;
  /** Description properties set by PUT (name → text); defaults fill the rest when rendered. */
  props: Map<string, string>;
  readonly createdAt: number;
  updatedAt: number;
  /** Last time messages were taken (undefined: never). */
  accessedAt: number | undefined;
  /** Queues and subscriptions hold messages; topics pass them on. */
  readonly queue: FluidQueue | undefined;
  deadLetter: number;
  scheduled: number;
  arrivals: ActiveSchedule[];
  /** Model time the workload has been integrated to. */
  syncedTo: number;
  /** A topic's subscriptions by lower-case name. */
  readonly subscriptions: Map<string, Entity>;
}

/** A namespace: its host, and queues and topics by lower-case name. */
export interface Namespace {
  /** `orders.servicebus.windows.net`. */
  readonly host: string;
  /** `orders` (the author name in entries). */
  readonly shortName: string;
  readonly createdAt: number;
  readonly entities: Map<string, Entity>;
}

/** The description element of each kind. */
export const DESCRIPTION: Readonly<Record<EntityKind, DescriptionKind>> = {
  queue: 'QueueDescription',
  topic: 'TopicDescription',
  subscription: 'SubscriptionDescription',
};

const FOREVER = 'P10675199DT2H48M5.4775807S';

/**
 * One element of a description: a stored property with its default, or a runtime value. `runtime`
 * elements are computed; `getOnly` ones are left out of the answer to a PUT (the recorded 201 has
 * no AccessedAt and no CountDetails); `optional` ones appear only when set.
 */
interface Field {
  readonly name: string;
  readonly default?: string;
  readonly runtime?: 'size' | 'count' | 'created' | 'updated' | 'accessed' | 'subscriptions';
  readonly getOnly?: boolean;
  readonly optional?: boolean;
}

const f = (name: string, def: string): Field => ({ name, default: def });
const opt = (name: string): Field => ({ name, optional: true });

/** Element order per kind, as the recordings (and the real service) write them. */
const FIELDS: Readonly<Record<EntityKind, readonly Field[]>> = {
  queue: [
    f('LockDuration', 'PT1M'),
    f('MaxSizeInMegabytes', '1024'),
    f('RequiresDuplicateDetection', 'false'),
    f('RequiresSession', 'false'),
    f('DefaultMessageTimeToLive', FOREVER),
    f('DeadLetteringOnMessageExpiration', 'false'),
    f('DuplicateDetectionHistoryTimeWindow', 'PT10M'),
    f('MaxDeliveryCount', '10'),
    f('EnableBatchedOperations', 'true'),
    { name: 'SizeInBytes', runtime: 'size' },
    { name: 'MessageCount', runtime: 'count' },
    f('IsAnonymousAccessible', 'false'),
    f('AuthorizationRules', ''),
    f('Status', 'Active'),
    opt('ForwardTo'),
    { name: 'CreatedAt', runtime: 'created' },
    { name: 'UpdatedAt', runtime: 'updated' },
    { name: 'AccessedAt', runtime: 'accessed', getOnly: true },
    opt('UserMetadata'),
    f('SupportOrdering', 'true'),
    f('AutoDeleteOnIdle', FOREVER),
    f('EnablePartitioning', 'false'),
    f('EntityAvailabilityStatus', 'Available'),
    opt('ForwardDeadLetteredMessagesTo'),
    f('EnableExpress', 'false'),
    f('MaxMessageSizeInKilobytes', '256'),
  ],
  topic: [
    f('DefaultMessageTimeToLive', FOREVER),
    f('MaxSizeInMegabytes', '1024'),
    f('RequiresDuplicateDetection', 'false'),
    f('DuplicateDetectionHistoryTimeWindow', 'PT10M'),
    f('EnableBatchedOperations', 'true'),
    { name: 'SizeInBytes', runtime: 'size' },
    f('FilteringMessagesBeforePublishing', 'false'),
    f('IsAnonymousAccessible', 'false'),
    f('AuthorizationRules', ''),
    f('Status', 'Active'),
    { name: 'CreatedAt', runtime: 'created' },
    { name: 'UpdatedAt', runtime: 'updated' },
    { name: 'AccessedAt', runtime: 'accessed', getOnly: true },
    opt('UserMetadata'),
    f('SupportOrdering', 'true'),
    { name: 'SubscriptionCount', runtime: 'subscriptions', getOnly: true },
    f('AutoDeleteOnIdle', FOREVER),
    f('EnablePartitioning', 'false'),
    f('IsExpress', 'false'),
    f('EntityAvailabilityStatus', 'Available'),
    f('EnableSubscriptionPartitioning', 'false'),
    f('EnableExpress', 'false'),
    f('MaxMessageSizeInKilobytes', '256'),
  ],
  subscription: [
    f('LockDuration', 'PT1M'),
    f('RequiresSession', 'false'),
    f('DefaultMessageTimeToLive', FOREVER),
    f('DeadLetteringOnMessageExpiration', 'false'),
    f('DeadLetteringOnFilterEvaluationExceptions', 'true'),
    { name: 'MessageCount', runtime: 'count' },
    f('MaxDeliveryCount', '10'),
    f('EnableBatchedOperations', 'true'),
    f('Status', 'Active'),
    opt('ForwardTo'),
    { name: 'CreatedAt', runtime: 'created' },
    { name: 'UpdatedAt', runtime: 'updated' },
    { name: 'AccessedAt', runtime: 'accessed', getOnly: true },
    opt('UserMetadata'),
    opt('ForwardDeadLetteredMessagesTo'),
    f('AutoDeleteOnIdle', FOREVER),
    f('EntityAvailabilityStatus', 'Available'),
  ],
};

/** Where CountDetails goes, per kind (after this element), in GET answers. */
const COUNTS_AFTER: Readonly<Record<EntityKind, string>> = {
  queue: 'SupportOrdering',
  topic: 'SupportOrdering',
  subscription: 'AccessedAt',
};

/** Properties a PUT may set, per description kind (the SDK's create/update options). */
export const SETTABLE: Readonly<Record<DescriptionKind, readonly string[]>> = {
  QueueDescription: settable('queue'),
  TopicDescription: settable('topic'),
  SubscriptionDescription: settable('subscription'),
};

function settable(kind: EntityKind): string[] {
  return FIELDS[kind].filter((x) => x.runtime === undefined).map((x) => x.name);
}

/** A new entity of `kind` at `now` with the PUT's properties. */
export function newEntity(
  kind: EntityKind,
  name: string,
  topic: string | undefined,
  props: ReadonlyMap<string, string>,
  now: number,
  maxBatches: number,
): Entity {
  return {
    kind,
    name,
    ...(topic !== undefined ? { topic } : {}),
    path: kind === 'subscription' ? `${topic}/Subscriptions/${name}` : name,
    props: new Map(props),
    createdAt: now,
    updatedAt: now,
    accessedAt: undefined,
    queue: kind === 'topic' ? undefined : new FluidQueue({ maxBatches }),
    deadLetter: 0,
    scheduled: 0,
    arrivals: [],
    syncedTo: now,
    subscriptions: new Map(),
  };
}

/** Message counts of an entity now (a topic counts nothing active; its subscriptions do). */
export function countsOf(e: Entity): CountDetails {
  return {
    active: e.queue?.active ?? 0,
    deadLetter: Math.floor(e.deadLetter),
    scheduled: Math.floor(e.scheduled),
    transfer: 0,
    transferDeadLetter: 0,
  };
}

/**
 * The description properties of an entity, in order. `forGet` adds the runtime-only elements
 * (AccessedAt, SubscriptionCount); `apiVersion` before 2021-05 drops MaxMessageSizeInKilobytes, as
 * the 2017-04 recording shows.
 */
export function propertiesOf(
  e: Entity,
  opts: { forGet: boolean; apiVersion: string; messageSizeBytes: number },
): Property[] {
  const counts = countsOf(e);
  const total = counts.active + counts.deadLetter + counts.scheduled;
  const out: Property[] = [];
  for (const field of FIELDS[e.kind]) {
    if (field.getOnly && !opts.forGet) continue;
    if (field.name === 'MaxMessageSizeInKilobytes' && opts.apiVersion < '2021-05') continue;
    switch (field.runtime) {
      case 'size':
        out.push([field.name, String(total * opts.messageSizeBytes)]);
        continue;
      case 'count':
        out.push([field.name, String(total)]);
        continue;
      case 'created':
        out.push([field.name, sbTime(e.createdAt)]);
        continue;
      case 'updated':
        out.push([field.name, sbTime(e.updatedAt)]);
        continue;
      case 'accessed':
        out.push([field.name, e.accessedAt === undefined ? NEVER : sbTime(e.accessedAt)]);
        continue;
      case 'subscriptions':
        out.push([field.name, String(e.subscriptions.size)]);
        continue;
      default: {
        const value = e.props.get(field.name) ?? field.default;
        if (value === undefined) continue;
        if (field.optional && value === '') continue;
        out.push([field.name, value]);
      }
    }
  }
  return out;
}

/** Where CountDetails goes in a GET answer for `kind`. */
export function countsAfter(kind: EntityKind): string {
  return COUNTS_AFTER[kind];
}

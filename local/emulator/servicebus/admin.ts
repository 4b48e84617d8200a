/**
 * The Service Bus administration API (ATOM over https, api-version 2021-05) for every namespace
 * the emulator hosts; the namespace is the request's Host header. What the recordings in
 * shared/fixtures/servicebus show is reproduced: entries with CountDetails, list feeds paged with
 * `$skip`/`$top` and a rel="next" link while more entries follow, 200 with an empty
 * "Publicly Listed Services" feed for a GET of a missing entity, 404 `<Error>` for a DELETE of one.
 */
import type { EmuRequest, Reply } from '../http';
import type { World } from '../world';
import { ConfigError } from '../config';
import type { DescriptionKind } from './atom';
import {
  description,
  entry,
  errorXml,
  feed,
  parseDescription,
  publiclyListedServices,
} from './atom';
import type { Entity, EntityKind, Namespace } from './entities';
import { DESCRIPTION, SETTABLE, countsAfter, countsOf, propertiesOf } from './entities';

const ENTRY = 'application/atom+xml;type=entry;charset=utf-8';
const FEED = 'application/atom+xml;type=feed;charset=utf-8';
const XML = 'application/xml; charset=utf-8';

/** Answers one administration request for the namespace in req.host. */
export function handleServiceBus(world: World, req: EmuRequest, now: number): Reply {
  const host = req.host.replace(/:\d+$/, '').toLowerCase();
  const path = safeDecode(req.path).replace(/^\/+/, '');
  const ns = world.namespace(host);
  if (ns === undefined) {
    world.count('serviceBus.unknownNamespace');
    return xmlError(world, 404, `No service is hosted at the specified address.`, host, path, now);
  }
  const apiVersion = req.query.get('api-version') ?? '2021-05';
  const ctx: Ctx = { world, req, now, ns, path, apiVersion };
  const lower = path.toLowerCase();

  if (lower === '$namespaceinfo' && req.method === 'GET') return namespaceInfo(ctx);
  if (lower === '$resources/queues' && req.method === 'GET') return listEntities(ctx, 'queue');
  if (lower === '$resources/topics' && req.method === 'GET') return listEntities(ctx, 'topic');
  const subs = /^(.+)\/subscriptions\/?$/i.exec(path);
  if (subs !== null && req.method === 'GET') return listSubscriptions(ctx, subs[1] ?? '');
  const rules = /^(.+)\/subscriptions\/([^/]+)\/rules(?:\/([^/]*))?$/i.exec(path);
  if (rules !== null) return emptyRules(ctx);
  switch (req.method) {
    case 'GET':
      return getEntity(ctx);
    case 'PUT':
      return putEntity(ctx);
    case 'DELETE':
      return deleteEntity(ctx);
    default:
      return xmlError(
        world,
        405,
        `The requested HTTP verb ${req.method} is not allowed.`,
        host,
        path,
        now,
      );
  }
}

interface Ctx {
  readonly world: World;
  readonly req: EmuRequest;
  readonly now: number;
  readonly ns: Namespace;
  /** Decoded path without the leading slash. */
  readonly path: string;
  readonly apiVersion: string;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An `<Error>` reply with the service's TrackingId/SystemTracker/Timestamp suffix. */
export function xmlError(
  world: World,
  status: number,
  detail: string,
  host: string,
  path: string,
  now: number,
): Reply {
  const tracking = `${world.idsRng.uuid()}_G1`;
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, '');
  return {
    status,
    contentType: XML,
    text: errorXml(
      status,
      `${detail} TrackingId:${tracking}, SystemTracker:${host}:${path}, Timestamp:${stamp}`,
    ),
  };
}

/** The entry of one entity; `inFeed` entries carry xml:base and a relative self link. */
function entityEntry(
  ctx: Ctx,
  e: Entity,
  opts: { forGet: boolean; id: string; base?: string },
): string {
  const props = propertiesOf(e, {
    forGet: opts.forGet,
    apiVersion: ctx.apiVersion,
    messageSizeBytes: ctx.world.messageSizeBytes,
  });
  const omitCounts =
    opts.forGet && ctx.world.faultsRng.chance(ctx.world.faults.omitCountDetailsRate);
  const counts =
    opts.forGet && !omitCounts ? { details: countsOf(e), after: countsAfter(e.kind) } : undefined;
  const inFeed = opts.base !== undefined;
  return entry(
    {
      id: opts.id,
      title: e.name,
      published: e.createdAt,
      updated: e.updatedAt,
      author: ctx.ns.shortName,
      selfHref: inFeed ? `../${e.path}?api-version=${ctx.apiVersion}` : opts.id,
      ...(inFeed ? { base: opts.base } : {}),
      content: description(DESCRIPTION[e.kind], props, counts),
    },
    inFeed,
  );
}

/** The URL a request addressed, as the service writes it in `<id>` (query verbatim). */
function requestedUrl(ctx: Ctx): string {
  return `https://${ctx.ns.host}/${ctx.path}${ctx.req.rawQuery === '' ? '' : `?${ctx.req.rawQuery}`}`;
}

function getEntity(ctx: Ctx): Reply {
  const e = ctx.world.findEntity(ctx.ns, ctx.path);
  ctx.world.count(
    e?.kind === 'subscription'
      ? 'serviceBus.getSubscription'
      : e?.kind === 'topic'
        ? 'serviceBus.getTopic'
        : 'serviceBus.getQueue',
  );
  if (e === undefined) {
    return {
      status: 200,
      contentType: FEED,
      text: publiclyListedServices(ctx.world.idsRng.uuid(), ctx.now),
    };
  }
  return {
    status: 200,
    contentType: ENTRY,
    text: entityEntry(ctx, e, { forGet: true, id: requestedUrl(ctx) }),
  };
}

/** `$skip`/`$top` of a list request, with the service's default page of 100. */
function paging(ctx: Ctx): { skip: number; top: number } {
  const skip = Math.max(0, Math.floor(Number(ctx.req.query.get('$skip') ?? '0')) || 0);
  const top = Math.max(
    1,
    Math.min(100, Math.floor(Number(ctx.req.query.get('$top') ?? '100')) || 100),
  );
  return { skip, top };
}

function pageUrl(ctx: Ctx, skip: number, top: number): string {
  return `https://${ctx.ns.host}/${ctx.path}?$skip=${skip}&$top=${top}&api-version=${ctx.apiVersion}`;
}

function sortedEntities(items: Iterable<Entity>): Entity[] {
  return [...items].sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}

function renderList(ctx: Ctx, title: string, all: Entity[]): Reply {
  const { skip, top } = paging(ctx);
  const page = all.slice(skip, skip + top);
  const self = pageUrl(ctx, skip, top);
  const entries = page.map((e) =>
    entityEntry(ctx, e, {
      forGet: true,
      id: `https://${ctx.ns.host}/${e.path}?api-version=${ctx.apiVersion}`,
      base: self,
    }),
  );
  const next = skip + top < all.length ? pageUrl(ctx, skip + top, top) : undefined;
  return { status: 200, contentType: FEED, text: feed(title, self, ctx.now, entries, next) };
}

function listEntities(ctx: Ctx, kind: 'queue' | 'topic'): Reply {
  ctx.world.count(kind === 'queue' ? 'serviceBus.listQueues' : 'serviceBus.listTopics');
  const all = sortedEntities([...ctx.ns.entities.values()].filter((e) => e.kind === kind));
  return renderList(ctx, kind === 'queue' ? 'Queues' : 'Topics', all);
}

function listSubscriptions(ctx: Ctx, topicName: string): Reply {
  ctx.world.count('serviceBus.listSubscriptions');
  const topic = ctx.ns.entities.get(topicName.toLowerCase());
  const all = topic?.kind === 'topic' ? sortedEntities(topic.subscriptions.values()) : [];
  return renderList(ctx, 'Subscriptions', all);
}

function emptyRules(ctx: Ctx): Reply {
  // Rules are not modelled: every subscription takes every message (the $Default TrueFilter).
  ctx.world.count('serviceBus.rules');
  if (ctx.req.method !== 'GET') {
    return xmlError(
      ctx.world,
      400,
      'Rules are not supported by the Surge emulator.',
      ctx.ns.host,
      ctx.path,
      ctx.now,
    );
  }
  return { status: 200, contentType: FEED, text: feed('Rules', requestedUrl(ctx), ctx.now, []) };
}

function namespaceInfo(ctx: Ctx): Reply {
  ctx.world.count('serviceBus.getNamespaceProperties');
  const iso = (t: number) => new Date(t).toISOString();
  const content =
    `<NamespaceInfo xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
    `<CreatedTime>${iso(ctx.ns.createdAt)}</CreatedTime><MessagingSKU>Standard</MessagingSKU>` +
    `<ModifiedTime>${iso(ctx.ns.createdAt)}</ModifiedTime><Name>${ctx.ns.shortName}</Name>` +
    `<NamespaceType>Messaging</NamespaceType></NamespaceInfo>`;
  const id = requestedUrl(ctx);
  return {
    status: 200,
    contentType: ENTRY,
    text: entry({
      id,
      title: ctx.ns.shortName,
      published: ctx.ns.createdAt,
      updated: ctx.ns.createdAt,
      author: ctx.ns.shortName,
      selfHref: id,
      content,
    }),
  };
}

const KIND_OF: Readonly<Record<DescriptionKind, EntityKind>> = {
  QueueDescription: 'queue',
  TopicDescription: 'topic',
  SubscriptionDescription: 'subscription',
};

function putEntity(ctx: Ctx): Reply {
  const { world, ns, path, now } = ctx;
  const parsed = parseDescription(ctx.req.body, SETTABLE);
  const sub = /^(.+)\/subscriptions\/([^/]+)$/i.exec(path);
  const kind = parsed === undefined ? undefined : KIND_OF[parsed.kind];
  world.count(
    `serviceBus.put${kind === 'subscription' ? 'Subscription' : kind === 'topic' ? 'Topic' : 'Queue'}`,
  );
  if (parsed === undefined || kind === undefined || (sub !== null) !== (kind === 'subscription')) {
    return xmlError(
      world,
      400,
      'The request body is not a valid entity description for this address.',
      ns.host,
      path,
      now,
    );
  }
  const existing = world.findEntity(ns, path);
  if (existing !== undefined) {
    if (ctx.req.headers['if-match'] === undefined) {
      return xmlError(
        world,
        409,
        `The messaging entity '${ns.shortName}:${existing.kind}:${existing.path}' already exists. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
        ns.host,
        path,
        now,
      );
    }
    if (existing.kind !== kind) {
      return xmlError(
        world,
        409,
        `The messaging entity '${existing.path}' is a ${existing.kind}.`,
        ns.host,
        path,
        now,
      );
    }
    for (const [k, v] of parsed.properties) existing.props.set(k, v);
    existing.updatedAt = now;
    return {
      status: 200,
      contentType: ENTRY,
      text: entityEntry(ctx, existing, { forGet: false, id: requestedUrl(ctx) }),
    };
  }
  if (ctx.req.headers['if-match'] !== undefined) {
    return xmlError(
      world,
      404,
      `Entity '${ns.shortName}:${path}' was not found.`,
      ns.host,
      path,
      now,
    );
  }
  let created: Entity;
  try {
    created =
      sub !== null
        ? world.createEntity(ns, 'subscription', sub[2] ?? '', sub[1] ?? '', parsed.properties)
        : world.createEntity(ns, kind, path, undefined, parsed.properties);
  } catch (error) {
    if (error instanceof ConfigError) {
      return xmlError(
        world,
        404,
        `Entity '${ns.shortName}:${path}' was not found: ${error.message}.`,
        ns.host,
        path,
        now,
      );
    }
    throw error;
  }
  return {
    status: 201,
    contentType: ENTRY,
    text: entityEntry(ctx, created, { forGet: false, id: requestedUrl(ctx) }),
  };
}

function deleteEntity(ctx: Ctx): Reply {
  const { world, ns, path, now } = ctx;
  const e = world.findEntity(ns, path);
  world.count(
    `serviceBus.delete${e?.kind === 'subscription' ? 'Subscription' : e?.kind === 'topic' ? 'Topic' : 'Queue'}`,
  );
  if (e === undefined) {
    return xmlError(
      world,
      404,
      'No service is hosted at the specified address.',
      ns.host,
      path,
      now,
    );
  }
  if (e.kind === 'subscription') {
    ns.entities.get((e.topic ?? '').toLowerCase())?.subscriptions.delete(e.name.toLowerCase());
  } else {
    ns.entities.delete(e.name.toLowerCase());
  }
  return { status: 200 };
}

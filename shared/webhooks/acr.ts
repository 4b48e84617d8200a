import { createHash, timingSafeEqual } from 'node:crypto';
import type { GridEvent, WebhookFailure } from './eventGrid';
import { describe, isNonEmptyString, isRecord } from './guards';

/** An image pushed to a registry, as Surge acts on it: always by digest. */
export interface ImagePush {
  /** The delivery's event id (ACR webhook `id`, Event Grid `id`): the same push delivered twice has one id. */
  readonly eventId: string;
  /** Registry host, lowercase (e.g. contoso.azurecr.io). */
  readonly registry: string;
  readonly repository: string;
  /** The tag pushed; absent for a push by digest. */
  readonly tag?: string;
  /** The manifest digest (sha256:…): what a version is pinned to, so a re-pushed tag never mixes versions. */
  readonly digest: string;
  readonly timestamp?: string;
}

/** What an ACR webhook delivery asks for. */
export type AcrDelivery =
  | { readonly ok: true; readonly kind: 'ping' }
  | { readonly ok: true; readonly kind: 'push'; readonly push: ImagePush }
  /** A valid event Surge does not act on (delete, chart_push, quarantine…). */
  | { readonly ok: true; readonly kind: 'ignored'; readonly reason: string }
  | WebhookFailure;

/**
 * Parses an ACR webhook body: `{id, timestamp, action, target {mediaType, size, digest,
 * repository, tag}, request {host, …}}`. `ping` (sent when the webhook is tested) and pushes are
 * acted on; other actions are valid but ignored. A push without id, repository, digest or host is
 * refused with the field named.
 */
export function parseAcrWebhook(body: unknown): AcrDelivery {
  if (!isRecord(body)) return fail(`expected an ACR webhook object, got ${describe(body)}`);
  const action = body.action;
  if (!isNonEmptyString(action)) return fail('action: missing');
  if (action === 'ping') return { ok: true, kind: 'ping' };
  if (action !== 'push')
    return { ok: true, kind: 'ignored', reason: `action "${action}" does not roll pools` };
  return pushFrom(body, 'id', body.request);
}

/**
 * Reads a `Microsoft.ContainerRegistry.ImagePushed` Event Grid event (its data has the webhook's
 * shape; Event Grid's parser already turned a JSON-string `data` into an object). Other event
 * types are ignored with a reason.
 */
export function pushFromGridEvent(event: GridEvent): AcrDelivery {
  if (event.type !== 'Microsoft.ContainerRegistry.ImagePushed') {
    return {
      ok: true,
      kind: 'ignored',
      reason: `event ${event.id}: ${event.type} does not roll pools`,
    };
  }
  if (!isRecord(event.data))
    return fail(`event ${event.id}: data must be an object, got ${describe(event.data)}`);
  const parsed = pushFrom({ ...event.data, id: event.id }, 'id', event.data.request);
  return parsed.ok || !('reason' in parsed) ? parsed : fail(`event ${event.id}: ${parsed.reason}`);
}

function pushFrom(data: Record<string, unknown>, idField: string, request: unknown): AcrDelivery {
  const id = data[idField];
  const target = data.target;
  if (!isNonEmptyString(id)) return fail(`${idField}: missing`);
  if (!isRecord(target)) return fail(`target: expected an object, got ${describe(target)}`);
  if (!isNonEmptyString(target.repository)) return fail('target.repository: missing');
  if (!isNonEmptyString(target.digest) || !/^[a-z0-9]+:[a-f0-9]{32,}$/i.test(target.digest)) {
    return fail(`target.digest: expected a digest like sha256:…, got ${describe(target.digest)}`);
  }
  if (!isRecord(request) || !isNonEmptyString(request.host))
    return fail('request.host: missing (the registry host)');
  return {
    ok: true,
    kind: 'push',
    push: {
      eventId: id,
      registry: request.host.toLowerCase(),
      repository: target.repository,
      ...(isNonEmptyString(target.tag) ? { tag: target.tag } : {}),
      digest: target.digest.toLowerCase(),
      ...(isNonEmptyString(data.timestamp) ? { timestamp: data.timestamp } : {}),
    },
  };
}

/** The header an ACR webhook must carry; configured as a custom header on the webhook. */
export const WEBHOOK_SECRET_HEADER = 'x-surge-webhook-secret';

/**
 * Checks the webhook secret in constant time (both sides hashed first, so neither their lengths
 * nor their contents leak through timing). With no secret configured the endpoint refuses
 * everyone with 503: an open endpoint that rolls production on any POST is not a default.
 */
export function checkWebhookSecret(
  provided: string | null | undefined,
  configured: string | undefined,
):
  | { readonly ok: true }
  | { readonly ok: false; readonly status: 401 | 503; readonly reason: string } {
  if (configured === undefined || configured === '') {
    return {
      ok: false,
      status: 503,
      reason:
        'the ACR webhook is not configured: set SURGE_ACR_WEBHOOK_SECRET and send it in the X-Surge-Webhook-Secret header',
    };
  }
  if (provided === null || provided === undefined || provided === '') {
    return { ok: false, status: 401, reason: 'missing X-Surge-Webhook-Secret header' };
  }
  const a = createHash('sha256').update(provided).digest();
  const b = createHash('sha256').update(configured).digest();
  return timingSafeEqual(a, b)
    ? { ok: true }
    : { ok: false, status: 401, reason: 'wrong X-Surge-Webhook-Secret' };
}

/** A tag filter: `*` matches any run of characters, everything else literally (`1.*`, `release-*`). */
export function tagMatches(filter: string, tag: string | undefined): boolean {
  if (filter === '*') return true;
  if (tag === undefined) return false;
  const pattern = filter
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${pattern}$`).test(tag);
}

function fail(reason: string): WebhookFailure {
  return { ok: false, reason };
}

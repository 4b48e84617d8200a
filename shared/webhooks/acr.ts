import { createHash, timingSafeEqual } from 'node:crypto';
import type { GridEvent, WebhookFailure } from './eventGrid';
import { z } from 'zod';
import { describe, lenientText, object, reasonOf, requiredText } from './schema';

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
  const parsed = webhookBody.safeParse(body);
  if (!parsed.success) return fail(reasonOf(parsed.error));
  const { action } = parsed.data;
  if (action === 'ping') return { ok: true, kind: 'ping' };
  if (action !== 'push')
    return { ok: true, kind: 'ignored', reason: `action "${action}" does not roll pools` };
  return pushFrom(parsed.data);
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
  const data = eventData.safeParse(event.data);
  if (!data.success) return fail(reasonOf(data.error, `event ${event.id}`));
  const parsed = pushFrom({ ...data.data, id: event.id });
  return parsed.ok ? parsed : fail(`event ${event.id}: ${parsed.reason}`);
}

/** Every field of a push is required but the tag (a push by digest has none) and the time. */
const missing = (message: string) =>
  requiredText('', { missing: message, wrongType: () => message, empty: message });
const digestReason = (found: string) =>
  `target.digest: expected a digest like sha256:…, got ${found}`;

/** The webhook body: its action decides whether the rest is read. */
const webhookBody = object(
  { action: missing('action: missing') },
  (found) => `expected an ACR webhook object, got ${found}`,
);

/** The data of an ImagePushed event. */
const eventData = object({}, (found) => `data must be an object, got ${found}`);

/** A push, as the webhook body and the ImagePushed event data both carry it. */
const pushEvent = z.looseObject({
  id: missing('id: missing'),
  target: object(
    {
      repository: missing('target.repository: missing'),
      digest: z
        .string({ error: (issue) => digestReason(describe(issue.input)) })
        .regex(/^[a-z0-9]+:[a-f0-9]{32,}$/i, digestReason('a string')),
      tag: lenientText,
    },
    (found) => `target: expected an object, got ${found}`,
  ),
  request: object(
    { host: missing('request.host: missing (the registry host)') },
    () => 'request.host: missing (the registry host)',
  ),
  timestamp: lenientText,
});

function pushFrom(data: Record<string, unknown>): AcrDelivery | WebhookFailure {
  const parsed = pushEvent.safeParse(data);
  if (!parsed.success) return fail(reasonOf(parsed.error));
  const { id, target, request, timestamp } = parsed.data;
  return {
    ok: true,
    kind: 'push',
    push: {
      eventId: id,
      registry: request.host.toLowerCase(),
      repository: target.repository,
      ...(target.tag !== undefined ? { tag: target.tag } : {}),
      digest: target.digest.toLowerCase(),
      ...(timestamp !== undefined ? { timestamp } : {}),
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

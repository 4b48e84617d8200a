import type { HttpResponseInit } from '@azure/functions';
import type { PoolsConfig } from '../config/pools';
import type { Controllers } from '../durable/controllers';
import type { ImagePush } from '../webhooks/acr';
import { problem } from '../webhooks/body';
import { poolsFollowing } from './matchPools';

/** One push delivered to the controllers of the pools that follow it. */
export interface PushDelivery {
  readonly eventId: string;
  readonly image: string;
  readonly delivered: readonly { readonly pool: string; readonly controller: string }[];
  /** Why nothing was delivered, when nothing was. */
  readonly reason?: string;
}

/**
 * Signals every pool that follows the pushed image with the push (by digest). The controllers
 * decide what it means (a new rollout, a repeat, a known bad digest), so a redelivered event has
 * one effect. Throws when a controller cannot be reached, for the caller to answer 503.
 */
export async function deliverPush(
  deps: { pools: PoolsConfig; controllers: Controllers; now: () => number },
  push: ImagePush,
): Promise<PushDelivery> {
  const image = `${push.registry}/${push.repository}${push.tag ? `:${push.tag}` : ''}@${push.digest}`;
  const pools = poolsFollowing(deps.pools, push);
  if (pools.length === 0) {
    return {
      eventId: push.eventId,
      image,
      delivered: [],
      reason: `no pool follows ${push.registry}/${push.repository}:${push.tag ?? '(digest only)'}`,
    };
  }
  const delivered: { pool: string; controller: string }[] = [];
  for (const pool of pools) {
    const { eventId, registry, repository, digest } = push;
    const controller = await deps.controllers.signal(pool.name, {
      kind: 'push',
      at: deps.now(),
      push: { eventId, registry, repository, digest, ...(push.tag ? { tag: push.tag } : {}) },
    });
    delivered.push({ pool: pool.name, controller });
  }
  return { eventId: push.eventId, image, delivered };
}

/** 503 for a push that could not be delivered: the sender retries. */
export function undeliverable(error: unknown): HttpResponseInit {
  return problem(
    503,
    `could not deliver the push to a pool controller: ${(error as Error).message}`,
  );
}

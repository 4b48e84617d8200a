import type { ControllerSignal } from '../controller/signal';
import type { PoolsConfig } from '../config/pools';
import type { Controllers } from '../durable/controllers';
import type { ImagePush } from '../webhooks/acr';
import { poolsFollowing } from './matchPools';
import type { SignalOutcome } from './signalEach';
import { signalEach } from './signalEach';

/** One push delivered to the controllers of the pools that follow it. */
export interface PushDelivery {
  readonly eventId: string;
  readonly image: string;
  readonly delivered: readonly { readonly pool: string; readonly controller: string }[];
  /** Why nothing was delivered, when no pool follows the image. */
  readonly reason?: string;
  /** Pools whose controllers could not be reached: the caller answers 503 (`unreachable`). */
  readonly failed?: SignalOutcome['failed'];
}

/**
 * Signals every pool that follows the pushed image with the push (by digest), side by side. The
 * controllers decide what it means (a new rollout, a repeat, a known bad digest), so a
 * redelivered event has one effect.
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
  const { eventId, registry, repository, digest } = push;
  const signal: ControllerSignal = {
    kind: 'push',
    at: deps.now(),
    push: { eventId, registry, repository, digest, ...(push.tag ? { tag: push.tag } : {}) },
  };
  const { signalled, failed } = await signalEach(
    deps.controllers,
    pools.map((p) => ({ pool: p.name, signal })),
  );
  return { eventId, image, delivered: signalled, ...(failed.length > 0 ? { failed } : {}) };
}

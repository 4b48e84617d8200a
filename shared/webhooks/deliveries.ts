import type { PoolsConfig } from '../config/pools';
import { poolsDraining } from '../http/matchPools';
import type { ImagePush } from './acr';
import { pushFromGridEvent } from './acr';
import type { GridEvent } from './eventGrid';
import { serviceBusSignal } from './eventGrid';

/**
 * What a delivery of events asks for, decided before anything is acted on. The one rule of every
 * event endpoint (README, "One rule for every event delivery"):
 *
 * - a delivery that cannot be read (not JSON, too large, not Event Grid's shape) is refused with
 *   400 and nothing in it is acted on;
 * - otherwise each event is judged on its own: the valid ones are acted on and every other one is
 *   listed in `ignored` with its reason, answered 202 — unless nothing could be acted on because
 *   an event was malformed, which is 400 with every reason (so a 4xx always means nothing was
 *   done, and Event Grid, which does not redeliver a 4xx, loses nothing that was valid);
 * - a controller that cannot be reached is answered 503 after every other pool was tried: Event
 *   Grid redelivers, and a redelivered wake or push has one effect.
 */

/** An event of a delivery that is not acted on, and why. */
export interface IgnoredEvent {
  readonly event: string;
  readonly reason: string;
  /** The event is malformed (as opposed to well-formed but not for Surge). */
  readonly malformed?: true;
}

/** One wake for a pool, however many events of the delivery named its entity. */
export interface PoolWake {
  readonly pool: string;
  /** The ids of the events that named it, in delivery order. */
  readonly events: readonly string[];
  /** What the signal says about its cause, e.g. `3 events: …ActiveMessagesAvailable… ns/q`. */
  readonly detail: string;
}

/**
 * The wakes of a Service Bus delivery: one per pool that drains an entity the events name, so a
 * delivery of 2,600 events for one queue is one signal (and one depth read), not 2,600.
 */
export function wakesOf(
  events: readonly GridEvent[],
  pools: PoolsConfig,
): { readonly wakes: readonly PoolWake[]; readonly ignored: readonly IgnoredEvent[] } {
  const byPool = new Map<string, { events: string[]; first: string }>();
  const ignored: IgnoredEvent[] = [];
  for (const event of events) {
    const signal = serviceBusSignal(event);
    if (!signal.ok) {
      ignored.push({
        event: event.id,
        reason: signal.reason,
        ...('notASignal' in signal ? {} : { malformed: true as const }),
      });
      continue;
    }
    const draining = poolsDraining(pools, signal.namespace, signal.entity);
    if (draining.length === 0) {
      ignored.push({
        event: event.id,
        reason: `no pool drains ${signal.entity} in namespace ${signal.namespace}`,
      });
    }
    for (const pool of draining) {
      const wake = byPool.get(pool.name);
      if (wake) wake.events.push(event.id);
      else {
        const first = `${event.type} ${signal.namespace}/${signal.entity}`;
        byPool.set(pool.name, { events: [event.id], first });
      }
    }
  }
  const wakes = [...byPool].map(([pool, w]) => ({
    pool,
    events: w.events,
    detail: w.events.length === 1 ? w.first : `${w.events.length} events: ${w.first} and more`,
  }));
  return { wakes, ignored };
}

/** The pushes of a registry delivery, each judged before any is delivered. */
export function pushesOf(events: readonly GridEvent[]): {
  readonly pushes: readonly ImagePush[];
  readonly ignored: readonly IgnoredEvent[];
} {
  const pushes: ImagePush[] = [];
  const ignored: IgnoredEvent[] = [];
  for (const event of events) {
    const parsed = pushFromGridEvent(event);
    if (!parsed.ok) ignored.push({ event: event.id, reason: parsed.reason, malformed: true });
    else if (parsed.kind === 'push') pushes.push(parsed.push);
    else
      ignored.push({
        event: event.id,
        reason: parsed.kind === 'ignored' ? parsed.reason : 'not a push',
      });
  }
  return { pushes, ignored };
}

/**
 * The refusal of a delivery with nothing to act on because of malformed events (see the rule
 * above), naming each; undefined when the delivery is to be acted on (or only had events that
 * are not for Surge, which is 202).
 */
export function refusalOf(
  actionable: number,
  ignored: readonly IgnoredEvent[],
): { readonly status: 400; readonly reason: string } | undefined {
  const malformed = ignored.filter((i) => i.malformed);
  if (actionable > 0 || malformed.length === 0) return undefined;
  const first = malformed[0] as IgnoredEvent;
  const more = malformed.length > 1 ? ` (and ${malformed.length - 1} more malformed events)` : '';
  return { status: 400, reason: `nothing acted on: ${first.reason}${more}` };
}

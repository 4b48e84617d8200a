import type { HttpResponseInit } from '@azure/functions';
import type { ControllerSignal } from '../controller/signal';
import type { Controllers } from '../durable/controllers';
import { problem } from '../webhooks/body';

/** The outcome of signalling several pools. */
export interface SignalOutcome {
  readonly signalled: readonly { readonly pool: string; readonly controller: string }[];
  readonly failed: readonly { readonly pool: string; readonly reason: string }[];
}

/**
 * Signals each pool side by side: one controller that cannot be reached neither holds up nor
 * stops the others (the delivery rule of shared/webhooks/deliveries.ts: every pool is tried,
 * then the sender is asked to retry with `unreachable`).
 */
export async function signalEach(
  controllers: Controllers,
  signals: readonly { readonly pool: string; readonly signal: ControllerSignal }[],
): Promise<SignalOutcome> {
  const outcomes = await Promise.allSettled(
    signals.map((s) => controllers.signal(s.pool, s.signal)),
  );
  const signalled: { pool: string; controller: string }[] = [];
  const failed: { pool: string; reason: string }[] = [];
  outcomes.forEach((o, i) => {
    const pool = (signals[i] as { pool: string }).pool;
    if (o.status === 'fulfilled') signalled.push({ pool, controller: o.value });
    else failed.push({ pool, reason: (o.reason as Error).message });
  });
  return { signalled, failed };
}

/**
 * 503 naming the pools whose controllers could not be reached: Event Grid, ACR and action groups
 * retry a delivery that fails, and a redelivered wake or push has one effect.
 */
export function unreachable(
  failed: SignalOutcome['failed'],
  extra: Readonly<Record<string, unknown>>,
): HttpResponseInit {
  const names = failed.map((f) => `"${f.pool}"`).join(', ');
  return problem(503, `could not reach the controller of pool ${names}: ${failed[0]?.reason}`, {
    ...extra,
    failed,
  });
}

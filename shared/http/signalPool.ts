import type { HttpResponseInit } from '@azure/functions';
import type { PoolsConfig } from '../config/pools';
import type { ControllerSignal } from '../controller/signal';
import type { Controllers } from '../durable/controllers';
import { problem } from '../webhooks/body';

/**
 * Delivers an operator's signal (scale, pause, resume…) to a pool's controller and answers 202
 * with where to watch the effect; 404 for an unknown pool, 503 when the task hub cannot be
 * reached (the signal was not delivered, so the operator must know).
 */
export async function signalPool(
  deps: { pools: PoolsConfig; controllers: Controllers },
  name: string,
  signal: ControllerSignal,
): Promise<HttpResponseInit> {
  if (!deps.pools.byName.has(name)) {
    return problem(404, `no pool named "${name}"`, { pools: [...deps.pools.byName.keys()] });
  }
  try {
    const controller = await deps.controllers.signal(name, signal);
    return {
      status: 202,
      jsonBody: {
        pool: name,
        signal,
        controller,
        status: `/api/pools/${encodeURIComponent(name)}`,
      },
    };
  } catch (e) {
    return problem(
      503,
      `could not signal the controller of pool "${name}": ${(e as Error).message}`,
    );
  }
}

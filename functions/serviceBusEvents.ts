import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { poolsDraining } from '../shared/http/matchPools';
import { readEventGridRequest } from '../shared/http/eventGridRequest';
import { runtime } from '../shared/runtime';
import { problem } from '../shared/webhooks/body';
import { serviceBusSignal } from '../shared/webhooks/eventGrid';

/**
 * Event Grid endpoint for Service Bus events (Event Grid or CloudEvents schema): answers the
 * subscription handshakes, and wakes the controller of every pool that drains an entity with
 * `ActiveMessagesAvailableWithNoListeners` (or its periodic twin) at once, instead of waiting for
 * the next depth poll. 200 for a handshake; 202 with what was woken and what was ignored (and
 * why) for events; 4xx with a reason for a malformed delivery.
 */
export function serviceBusEvents(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const read = await readEventGridRequest(request);
    if ('response' in read) return read.response;
    const woken: { event: string; pool: string; controller: string }[] = [];
    const ignored: { event: string; reason: string }[] = [];
    for (const event of read.events) {
      const signal = serviceBusSignal(event);
      if (!signal.ok) {
        ignored.push({ event: event.id, reason: signal.reason });
        continue;
      }
      const pools = poolsDraining(deps.pools, signal.namespace, signal.entity);
      if (pools.length === 0) {
        ignored.push({
          event: event.id,
          reason: `no pool drains ${signal.entity} in namespace ${signal.namespace}`,
        });
      }
      for (const pool of pools) {
        try {
          const controller = await deps.controllers.signal(pool.name, {
            kind: 'wake',
            at: deps.now(),
            source: 'eventgrid',
            detail: `${event.type} ${signal.namespace}/${signal.entity}`,
          });
          woken.push({ event: event.id, pool: pool.name, controller });
        } catch (e) {
          // Event Grid retries a delivery that fails; a 503 asks for exactly that.
          return problem(
            503,
            `could not wake the controller of pool "${pool.name}": ${(e as Error).message}`,
            { woken },
          );
        }
      }
    }
    return { status: 202, jsonBody: { woken, ignored } };
  };
}

app.http('serviceBusEvents', {
  methods: ['POST', 'OPTIONS'],
  route: 'events/servicebus',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    serviceBusEvents({
      pools: runtime().pools,
      controllers: controllersOf(context),
      now: runtime().now,
    })(request),
});

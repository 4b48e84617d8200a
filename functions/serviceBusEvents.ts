import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { durableControllers } from '../shared/durable/controllers';
import { poolsDraining } from '../shared/http/matchPools';
import { runtime } from '../shared/runtime';
import { problem, readJsonBody } from '../shared/webhooks/body';
import {
  cloudEventsValidationResponse,
  parseEventGridDelivery,
  serviceBusSignal,
} from '../shared/webhooks/eventGrid';

/** Event Grid delivers at most 1 MB per batch; anything larger is not from Event Grid. */
const MAX_BODY_BYTES = 1024 * 1024;

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
    if (request.method === 'OPTIONS') {
      const answer = cloudEventsValidationResponse(request.headers);
      return answer.ok
        ? { status: 200, headers: answer.headers }
        : problem(answer.status, answer.reason);
    }
    const body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES });
    if (!body.ok) return problem(body.status, body.reason);
    const delivery = parseEventGridDelivery(body.value);
    if (!delivery.ok) return problem(400, delivery.reason);
    if (delivery.kind === 'validation')
      return { status: 200, jsonBody: { validationResponse: delivery.validationCode } };
    const woken: { event: string; pool: string; controller: string }[] = [];
    const ignored: { event: string; reason: string }[] = [];
    for (const event of delivery.events) {
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
      controllers: durableControllers(df.getClient(context)),
      now: runtime().now,
    })(request),
});

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { readEventGridRequest } from '../shared/http/eventGridRequest';
import { signalEach, unreachable } from '../shared/http/signalEach';
import { runtime } from '../shared/runtime';
import { problem } from '../shared/webhooks/body';
import { refusalOf, wakesOf } from '../shared/webhooks/deliveries';

/**
 * Event Grid endpoint for Service Bus events (Event Grid or CloudEvents schema): answers the
 * subscription handshakes, and wakes the controller of every pool that drains an entity with
 * `ActiveMessagesAvailableWithNoListeners` (or its periodic twin) at once, instead of waiting for
 * the next depth poll. One wake per pool however many events name it (`wakesOf`); the delivery
 * rule of shared/webhooks/deliveries.ts decides the answer: 200 for a handshake, 202 with what was
 * woken and what was ignored (and why), 400 when nothing could be acted on because an event was
 * malformed, 503 when a controller could not be reached.
 */
export function serviceBusEvents(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const read = await readEventGridRequest(request);
    if ('response' in read) return read.response;
    const { wakes, ignored } = wakesOf(read.events, deps.pools);
    const refused = refusalOf(wakes.length, ignored);
    if (refused) return problem(refused.status, refused.reason, { ignored });
    const { signalled, failed } = await signalEach(
      deps.controllers,
      wakes.map((w) => ({
        pool: w.pool,
        signal: { kind: 'wake', at: deps.now(), source: 'eventgrid', detail: w.detail },
      })),
    );
    const events = new Map(wakes.map((w) => [w.pool, w.events]));
    const woken = signalled.map((s) => ({ ...s, events: events.get(s.pool) ?? [] }));
    if (failed.length > 0) return unreachable(failed, { woken });
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

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import type { PushDelivery } from '../shared/http/deliverPush';
import { deliverPush } from '../shared/http/deliverPush';
import { unreachable } from '../shared/http/signalEach';
import { readEventGridRequest } from '../shared/http/eventGridRequest';
import { runtime } from '../shared/runtime';
import { pushesOf, refusalOf } from '../shared/webhooks/deliveries';
import { problem } from '../shared/webhooks/body';

/**
 * Event Grid endpoint for registry events (POST /api/events/registry): answers the subscription
 * handshakes and delivers each `Microsoft.ContainerRegistry.ImagePushed` (also with `data` as a
 * JSON string) to the pools that follow it, as the ACR webhook does. Every event is judged before
 * any push is delivered (`pushesOf`), and the delivery rule of shared/webhooks/deliveries.ts
 * decides the answer: a malformed event next to a valid push is listed in `ignored`, not a 400
 * after the push has started a rollout.
 */
export function registryEvents(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const read = await readEventGridRequest(request);
    if ('response' in read) return read.response;
    const { pushes: valid, ignored } = pushesOf(read.events);
    const refused = refusalOf(valid.length, ignored);
    if (refused) return problem(refused.status, refused.reason, { ignored });
    const pushes: PushDelivery[] = [];
    for (const push of valid) pushes.push(await deliverPush(deps, push));
    const failed = pushes.flatMap((p) => p.failed ?? []);
    if (failed.length > 0) return unreachable(failed, { pushes });
    return { status: 202, jsonBody: { pushes, ignored } };
  };
}

app.http('registryEvents', {
  methods: ['POST', 'OPTIONS'],
  route: 'events/registry',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    registryEvents({
      pools: runtime().pools,
      controllers: controllersOf(context),
      now: runtime().now,
    })(request),
});

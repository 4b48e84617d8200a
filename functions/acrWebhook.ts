import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { deliverPush } from '../shared/http/deliverPush';
import { unreachable } from '../shared/http/signalEach';
import { runtime } from '../shared/runtime';
import { WEBHOOK_SECRET_HEADER, checkWebhookSecret, parseAcrWebhook } from '../shared/webhooks/acr';
import { problem, readJsonBody } from '../shared/webhooks/body';

/** ACR webhook bodies are a few hundred bytes; 64 KB is generous and still bounded. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * ACR push webhook (POST /api/webhooks/acr). ACR signs nothing, so the webhook carries a secret
 * header (X-Surge-Webhook-Secret) compared in constant time: missing or wrong → 401; none
 * configured → 503 (the endpoint never accepts anyone). Then: malformed JSON or missing fields →
 * 400 with the reason; `ping` → 200; a push → delivered, by digest, to every pool that follows
 * the repository and tag → 202 (with the reason when none does).
 */
export function acrWebhook(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
  secret: string | undefined;
}) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const auth = checkWebhookSecret(request.headers.get(WEBHOOK_SECRET_HEADER), deps.secret);
    if (!auth.ok) return problem(auth.status, auth.reason);
    const body = await readJsonBody(request, {
      maxBytes: MAX_BODY_BYTES,
      contentTypes: ['application/json'],
    });
    if (!body.ok) return problem(body.status, body.reason);
    const delivery = parseAcrWebhook(body.value);
    if (!delivery.ok) return problem(400, delivery.reason);
    if (delivery.kind === 'ping') return { status: 200, jsonBody: { ping: 'ok' } };
    if (delivery.kind === 'ignored')
      return { status: 202, jsonBody: { delivered: [], reason: delivery.reason } };
    const delivered = await deliverPush(deps, delivery.push);
    if (delivered.failed) return unreachable(delivered.failed, { delivered: delivered.delivered });
    return { status: 202, jsonBody: delivered };
  };
}

app.http('acrWebhook', {
  methods: ['POST'],
  route: 'webhooks/acr',
  // Authenticated by the secret header above; ACR cannot add a function key unless it is put in
  // the webhook URL, which the template also does (see docs/deploy.md).
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) => {
    const r = runtime();
    return acrWebhook({
      pools: r.pools,
      controllers: controllersOf(context),
      now: r.now,
      secret: r.settings.acrWebhookSecret,
    })(request);
  },
});

import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { GridEvent } from '../webhooks/eventGrid';
import { cloudEventsValidationResponse, parseEventGridDelivery } from '../webhooks/eventGrid';
import { problem, readJsonBody } from '../webhooks/body';

/** Event Grid delivers at most 1 MB per batch; anything larger is not from Event Grid. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * What every Event Grid endpoint does before it looks at events: answers the CloudEvents
 * abuse-protection handshake (OPTIONS) and the subscription validation event, and refuses a body
 * that is too large, not JSON or not an Event Grid delivery. Either the response to send, or the
 * events to act on.
 */
export async function readEventGridRequest(
  request: HttpRequest,
): Promise<{ readonly response: HttpResponseInit } | { readonly events: readonly GridEvent[] }> {
  if (request.method === 'OPTIONS') {
    const answer = cloudEventsValidationResponse(request.headers);
    return {
      response: answer.ok
        ? { status: 200, headers: answer.headers }
        : problem(answer.status, answer.reason),
    };
  }
  const body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES });
  if (!body.ok) return { response: problem(body.status, body.reason) };
  const delivery = parseEventGridDelivery(body.value);
  if (!delivery.ok) return { response: problem(400, delivery.reason) };
  if (delivery.kind === 'validation') {
    return { response: { status: 200, jsonBody: { validationResponse: delivery.validationCode } } };
  }
  return { events: delivery.events };
}

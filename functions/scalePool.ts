import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { signalPool } from '../shared/http/signalPool';
import { runtime } from '../shared/runtime';
import { problem, readJsonBody } from '../shared/webhooks/body';

/** Longest manual override: a week. Longer than that, change minGroups/maxGroups instead. */
const MAX_OVERRIDE_SECONDS = 7 * 24 * 3600;
/** Default override length: an hour. */
const DEFAULT_OVERRIDE_SECONDS = 3600;

/**
 * POST /api/pools/{name}/scale `{"count": 5, "durationSeconds": 1800, "reason": "…"}`: hold the
 * pool at a fixed group count for a while, whatever the policy says. The count may go below
 * minGroups (to stop a pool) but never above maxGroups, the cap that bounds the bill.
 */
export function scalePool(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (name: string, request: HttpRequest): Promise<HttpResponseInit> => {
    const spec = deps.pools.byName.get(name);
    if (!spec)
      return problem(404, `no pool named "${name}"`, { pools: [...deps.pools.byName.keys()] });
    const body = await readJsonBody(request, {
      maxBytes: 4096,
      contentTypes: ['application/json'],
    });
    if (!body.ok) return problem(body.status, body.reason);
    const value = body.value as {
      count?: unknown;
      durationSeconds?: unknown;
      reason?: unknown;
    } | null;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return problem(400, 'body must be an object like {"count": 5, "durationSeconds": 1800}');
    }
    const count = value.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      return problem(400, 'count: must be a whole number of groups, 0 or more', { field: 'count' });
    }
    if (count > spec.maxGroups) {
      return problem(
        400,
        `count: ${count} is above maxGroups ${spec.maxGroups} of pool "${name}"`,
        { field: 'count' },
      );
    }
    const seconds = value.durationSeconds ?? DEFAULT_OVERRIDE_SECONDS;
    if (
      typeof seconds !== 'number' ||
      !Number.isInteger(seconds) ||
      seconds < 1 ||
      seconds > MAX_OVERRIDE_SECONDS
    ) {
      return problem(
        400,
        `durationSeconds: must be a whole number from 1 to ${MAX_OVERRIDE_SECONDS}`,
        { field: 'durationSeconds' },
      );
    }
    if (
      value.reason !== undefined &&
      (typeof value.reason !== 'string' || value.reason.length > 200)
    ) {
      return problem(400, 'reason: must be a string of at most 200 characters', {
        field: 'reason',
      });
    }
    return signalPool(deps, name, {
      kind: 'override',
      at: deps.now(),
      count,
      seconds,
      ...(typeof value.reason === 'string' ? { reason: value.reason } : {}),
    });
  };
}

app.http('scalePool', {
  methods: ['POST'],
  route: 'pools/{name}/scale',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    scalePool({
      pools: runtime().pools,
      controllers: controllersOf(context),
      now: runtime().now,
    })(request.params.name ?? '', request),
});

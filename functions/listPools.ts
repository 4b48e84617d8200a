import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import { entityPath } from '../shared/config/pools';
import { statusStaleness } from '../shared/controller/status';
import type { Controllers } from '../shared/durable/controllers';
import { mapLimit } from '../shared/util/concurrency';
import { controllersOf } from '../shared/durable/client';
import { runtime } from '../shared/runtime';

/**
 * GET /api/pools: every configured pool with its bounds, policy and controller state, `stale`
 * saying when its status may no longer describe it (statusStaleness).
 */
export function listPools(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (): Promise<HttpResponseInit> => {
    const pools = await mapLimit(deps.pools.pools, 8, async (p) => {
      const controller = await deps.controllers.describe(p.name);
      return {
        name: p.name,
        serviceBus: { namespace: p.serviceBus.namespace, entity: entityPath(p) },
        minGroups: p.minGroups,
        maxGroups: p.maxGroups,
        scaling: p.scaling.mode,
        controller: controller?.runtimeStatus ?? 'NotStarted',
        desired: controller?.status?.desired ?? null,
        groups: controller?.status?.groups ?? null,
        paused: controller?.status?.paused !== undefined && controller?.status?.paused !== null,
        lastDecision: controller?.status?.lastDecision ?? null,
        stale: controller?.status
          ? statusStaleness(controller.status, p.controller.reconcileSeconds, deps.now())
          : null,
      };
    });
    return { status: 200, jsonBody: { pools } };
  };
}

app.http('listPools', {
  methods: ['GET'],
  route: 'pools',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (_request: HttpRequest, context: InvocationContext) =>
    listPools({
      pools: runtime().pools,
      controllers: controllersOf(context),
      now: runtime().now,
    })(),
});

import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import { controllerInstanceId } from '../shared/controller/signal';
import { statusStaleness } from '../shared/controller/status';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { runtime } from '../shared/runtime';
import { problem } from '../shared/webhooks/body';

/**
 * GET /api/pools/{name}: the pool's spec and the status its controller publishes, with `stale`
 * saying when that status may no longer describe the pool (statusStaleness).
 */
export function getPool(deps: { pools: PoolsConfig; controllers: Controllers; now: () => number }) {
  return async (name: string): Promise<HttpResponseInit> => {
    const spec = deps.pools.byName.get(name);
    if (!spec)
      return problem(404, `no pool named "${name}"`, { pools: [...deps.pools.byName.keys()] });
    const controller = await deps.controllers.describe(name);
    return {
      status: 200,
      jsonBody: {
        name,
        spec,
        controller: {
          instanceId: controllerInstanceId(name),
          runtimeStatus: controller?.runtimeStatus ?? 'NotStarted',
          createdTime: controller?.createdTime ?? null,
          lastUpdatedTime: controller?.lastUpdatedTime ?? null,
          ...(controller?.output !== undefined ? { output: controller.output } : {}),
        },
        status: controller?.status ?? null,
        stale: controller?.status
          ? statusStaleness(controller.status, spec.controller.reconcileSeconds, deps.now())
          : null,
      },
    };
  };
}

app.http('getPool', {
  methods: ['GET'],
  route: 'pools/{name}',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    getPool({
      pools: runtime().pools,
      controllers: controllersOf(context),
      now: runtime().now,
    })(request.params.name ?? ''),
});

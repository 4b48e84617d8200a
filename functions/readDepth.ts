import * as df from 'durable-functions';
import { toFailure } from '../shared/azure/errors';
import type { QueueMetrics } from '../shared/azure/ports';
import { entityPath } from '../shared/config/pools';
import type { PoolsConfig } from '../shared/config/pools';
import { ACTIVITY } from '../shared/controller/activities';
import type { ReadDepthInput, ReadDepthResult } from '../shared/controller/activities';
import { runtime } from '../shared/runtime';

/**
 * Reads one pool's queue depth directly (one administration call). Used when a push signal
 * wakes the controller: Event Grid and alerts say "look now" but carry no count.
 */
export function readDepth(deps: {
  pools: PoolsConfig;
  queueMetrics: QueueMetrics;
  now: () => number;
}) {
  return async (input: ReadDepthInput): Promise<ReadDepthResult> => {
    const spec = deps.pools.byName.get(input.pool);
    if (!spec) {
      return {
        ok: false,
        failure: {
          kind: 'notFound',
          code: 'PoolNotConfigured',
          message: `pool "${input.pool}" is not configured`,
        },
      };
    }
    const entity = entityPath(spec);
    try {
      const depth = await deps.queueMetrics.get(spec.serviceBus.namespace, entity);
      if (!depth) {
        return {
          ok: false,
          failure: {
            kind: 'notFound',
            code: 'EntityNotFound',
            message: `${entity} not found in ${spec.serviceBus.namespace}`,
          },
        };
      }
      return {
        ok: true,
        sample: {
          at: deps.now(),
          active: depth.active,
          deadLetter: depth.deadLetter,
          scheduled: depth.scheduled,
        },
      };
    } catch (e) {
      return { ok: false, failure: toFailure(e) };
    }
  };
}

df.app.activity(ACTIVITY.readDepth, {
  handler: (input: ReadDepthInput) =>
    readDepth({
      pools: runtime().pools,
      queueMetrics: runtime().azure.queueMetrics,
      now: runtime().now,
    })(input),
});

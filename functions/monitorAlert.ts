import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolSpec } from '../shared/config/poolSpec';
import type { PoolsConfig } from '../shared/config/pools';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { poolsDraining } from '../shared/http/matchPools';
import { signalEach, unreachable } from '../shared/http/signalEach';
import { runtime } from '../shared/runtime';
import { problem, readJsonBody } from '../shared/webhooks/body';
import { parseCommonAlert, serviceBusTargets } from '../shared/webhooks/monitorAlert';

/** Common-schema alerts are a few KB; 256 KB leaves room for long custom properties. */
const MAX_BODY_BYTES = 256 * 1024;

/**
 * Azure Monitor alert webhook (common alert schema): a Fired metric alert on a Service Bus
 * namespace (ActiveMessages split by EntityName) wakes the controllers of the pools draining
 * those entities; a `surge-pool` custom property names pools explicitly. Resolved alerts change
 * nothing: scale-in has its own timer and stabilization window.
 */
export function monitorAlert(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
}) {
  return async (request: HttpRequest): Promise<HttpResponseInit> => {
    const body = await readJsonBody(request, {
      maxBytes: MAX_BODY_BYTES,
      contentTypes: ['application/json'],
    });
    if (!body.ok) return problem(body.status, body.reason);
    const parsed = parseCommonAlert(body.value);
    if (!parsed.ok) return problem(400, parsed.reason);
    const alert = parsed.alert;
    if (alert.monitorCondition !== 'Fired') {
      return {
        status: 202,
        jsonBody: {
          woken: [],
          reason: `alert ${alert.alertRule} is ${alert.monitorCondition}: resolved alerts do not scale`,
        },
      };
    }
    const { targets, explicitPools } = serviceBusTargets(alert);
    let pools: PoolSpec[];
    if (explicitPools.length > 0) {
      const unknown = explicitPools.filter((name) => !deps.pools.byName.has(name));
      if (unknown.length > 0) {
        return problem(
          400,
          `customProperties.surge-pool names pools that are not configured: ${unknown.join(', ')}`,
        );
      }
      pools = explicitPools.map((name) => deps.pools.byName.get(name) as PoolSpec);
    } else {
      const matched = new Map<string, PoolSpec>();
      for (const t of targets)
        for (const p of poolsDraining(deps.pools, t.namespace, t.entity)) matched.set(p.name, p);
      pools = [...matched.values()];
    }
    if (pools.length === 0) {
      return {
        status: 202,
        jsonBody: {
          woken: [],
          reason: `alert ${alert.alertRule} targets no configured pool (targets: ${alert.targetIds.join(', ') || 'none'}); set customProperties.surge-pool to name pools`,
        },
      };
    }
    const { signalled: woken, failed } = await signalEach(
      deps.controllers,
      pools.map((p) => ({
        pool: p.name,
        signal: { kind: 'wake', at: deps.now(), source: 'alert', detail: alert.alertRule },
      })),
    );
    // The action group retries webhooks that fail: 503 asks for that.
    if (failed.length > 0) return unreachable(failed, { woken });
    return { status: 202, jsonBody: { woken } };
  };
}

app.http('monitorAlert', {
  methods: ['POST'],
  route: 'alerts/monitor',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    monitorAlert({
      pools: runtime().pools,
      controllers: controllersOf(context),
      now: runtime().now,
    })(request),
});

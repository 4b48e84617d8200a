import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ControllerSignal } from '../controller/signal';
import { controllersOf } from '../durable/client';
import { runtime } from '../runtime';
import { signalPool } from './signalPool';

/**
 * The handler of a route `pools/{name}/…` that sends one signal to the named pool's controller:
 * `signalOf` builds it from the request and the time, and the answer is signalPool's (202 with
 * where to watch, 404 for an unknown pool, 503 when the task hub cannot be reached).
 */
export function signalRoute(
  signalOf: (request: HttpRequest, at: number) => ControllerSignal,
): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return (request, context) => {
    const r = runtime();
    const deps = { pools: r.pools, controllers: controllersOf(context) };
    return signalPool(deps, request.params.name ?? '', signalOf(request, r.now()));
  };
}

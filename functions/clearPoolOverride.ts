import type { HttpRequest, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { durableControllers } from '../shared/durable/controllers';
import { signalPool } from '../shared/http/signalPool';
import { runtime } from '../shared/runtime';

// DELETE /api/pools/{name}/scale: end a manual override; the policy decides again.
app.http('clearPoolOverride', {
  methods: ['DELETE'],
  route: 'pools/{name}/scale',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) =>
    signalPool(
      {
        pools: runtime().pools,
        controllers: durableControllers(
          df.getClient(context),
          runtime().now,
          runtime().memory.seenAlive,
        ),
      },
      request.params.name ?? '',
      {
        kind: 'clearOverride',
        at: runtime().now(),
      },
    ),
});

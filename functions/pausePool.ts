import type { HttpRequest, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { durableControllers } from '../shared/durable/controllers';
import { signalPool } from '../shared/http/signalPool';
import { runtime } from '../shared/runtime';

// POST /api/pools/{name}/pause[?reason=…]: the controller keeps observing and reporting but makes
// no change to the pool (no creates, deletes or replacements) until resumed.
app.http('pausePool', {
  methods: ['POST'],
  route: 'pools/{name}/pause',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: (request: HttpRequest, context: InvocationContext) => {
    const reason = request.query.get('reason')?.slice(0, 200);
    return signalPool(
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
        kind: 'pause',
        at: runtime().now(),
        ...(reason ? { reason } : {}),
      },
    );
  },
});

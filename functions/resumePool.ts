import type { HttpRequest, InvocationContext } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { durableControllers } from '../shared/durable/controllers';
import { signalPool } from '../shared/http/signalPool';
import { runtime } from '../shared/runtime';

// POST /api/pools/{name}/resume: end a pause; the controller looks at the pool at once.
app.http('resumePool', {
  methods: ['POST'],
  route: 'pools/{name}/resume',
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
        kind: 'resume',
        at: runtime().now(),
      },
    ),
});

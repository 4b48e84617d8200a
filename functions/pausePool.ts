import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { signalRoute } from '../shared/http/signalRoute';

/**
 * POST /api/pools/{name}/pause[?reason=…]: the controller keeps observing and reporting but
 * makes no change to the pool (no creates, deletes or replacements) until resumed.
 */
const pausePool = signalRoute((request, at) => {
  const reason = request.query.get('reason')?.slice(0, 200);
  return { kind: 'pause', at, ...(reason ? { reason } : {}) };
});

app.http('pausePool', {
  methods: ['POST'],
  route: 'pools/{name}/pause',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: pausePool,
});

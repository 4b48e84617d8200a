import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { signalRoute } from '../shared/http/signalRoute';

/** DELETE /api/pools/{name}/scale: end a manual override; the policy decides again. */
const clearPoolOverride = signalRoute((_request, at) => ({ kind: 'clearOverride', at }));

app.http('clearPoolOverride', {
  methods: ['DELETE'],
  route: 'pools/{name}/scale',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: clearPoolOverride,
});

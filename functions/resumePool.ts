import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { signalRoute } from '../shared/http/signalRoute';

/** POST /api/pools/{name}/resume: end a pause; the controller looks at the pool at once. */
const resumePool = signalRoute((_request, at) => ({ kind: 'resume', at }));

app.http('resumePool', {
  methods: ['POST'],
  route: 'pools/{name}/resume',
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: resumePool,
});

/**
 * The smallest possible app: one HTTP function that answers `{ok: true}`. The host benchmark
 * (scripts/benchHost.ts) measures the host's own round-trip cost against it, so nothing in the
 * handler should cost more than the host around it. Key-protected (authLevel `function`) so the
 * key check is part of what is measured.
 */
import { app } from '@azure/functions';

app.http('ping', {
  methods: ['GET'],
  route: 'ping',
  authLevel: 'function',
  handler: () => ({ status: 200, jsonBody: { ok: true } }),
});

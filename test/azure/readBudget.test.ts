import { describe, expect, it } from 'vitest';
import { createAzurePorts } from '../../shared/azure/index';
import { readSettings } from '../../shared/config/settings';
import { READS_HELD_CODE, subscriptionOf } from '../../shared/azure/readBudget';
import { toFailure } from '../../shared/azure/errors';
import { FakeHttpClient, armError, json, testCredential } from './fakeHttp';

const T = Date.parse('2026-12-04T12:00:00Z');
const THROTTLED = armError(
  429,
  'TooManyRequests',
  "Number of 'read' requests for subscription 's1' actor 'principal-1' exceeded.",
  { 'Retry-After': '2' },
);

/**
 * The real ARM ports over a fake transport that throttles subscription s1's first read, on a
 * settable clock; what each call did is written as "ok" or its failure's kind and code.
 */
function throttledWorld() {
  let now = T;
  let s1Reads = 0;
  const http = new FakeHttpClient((request) => {
    if (request.method === 'GET' && subscriptionOf(request.url) === 's1' && s1Reads++ === 0) {
      return THROTTLED;
    }
    if (request.method === 'DELETE') return { status: 204, headers: {}, body: '' };
    return json(200, { value: [] }, { 'x-ms-ratelimit-remaining-subscription-reads': '249' });
  });
  const ports = createAzurePorts(readSettings({ SURGE_AZURE_RETRY_DELAY_MS: '1' }), {
    credential: testCredential,
    httpClient: http,
    now: () => now,
  });
  const outcome = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call;
      return 'ok';
    } catch (e) {
      const f = toFailure(e);
      return `${f.kind} ${f.code}`;
    }
  };
  return { http, ports, outcome, advance: (ms: number) => (now += ms) };
}

describe('the ARM read budget, on the real SDK pipeline', () => {
  it('sends a throttled read once, holds the subscription for Retry-After, and lets the rest through', async () => {
    const { http, ports, outcome, advance } = throttledWorld();
    const groups = ports.containerGroups;
    const calls: string[] = [];
    calls.push(`list s1: ${await outcome(groups.list('s1', 'rg'))}`);
    advance(1000);
    calls.push(`list s1 after 1 s: ${await outcome(groups.list('s1', 'rg'))}`);
    calls.push(
      `profile s1 after 1 s: ${await outcome(
        ports.trafficRouter.getProfile({ subscriptionId: 'S1', resourceGroup: 'rg', profile: 'p' }),
      )}`,
    );
    const turn = ports.readTurns.turn('s1', 'orders');
    calls.push(`list s2: ${await outcome(groups.list('s2', 'rg'))}`);
    calls.push(
      `delete in s1: ${await outcome(
        groups.beginDelete({ subscriptionId: 's1', resourceGroup: 'rg', name: 'g' }),
      )}`,
    );
    advance(1000);
    calls.push(`list s1 after 2 s: ${await outcome(groups.list('s1', 'rg'))}`);
    expect({
      calls,
      turn,
      sent: http.requests.map((r) => `${r.method} ${subscriptionOf(r.url)}`),
    }).toEqual({
      calls: [
        'list s1: throttled TooManyRequests',
        `list s1 after 1 s: throttled ${READS_HELD_CODE}`,
        `profile s1 after 1 s: throttled ${READS_HELD_CODE}`,
        'list s2: ok',
        'delete in s1: ok',
        'list s1 after 2 s: ok',
      ],
      // The first look after the wait is the pool's: its turn is when the wait ends.
      turn: { go: false, at: T + 2000 },
      // One throttled read, not one per retry; nothing sent while held; writes are not held.
      sent: ['GET s1', 'GET s2', 'DELETE s1', 'GET s1'],
    });
  });
});

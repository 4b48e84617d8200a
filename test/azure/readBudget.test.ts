import { describe, expect, it } from 'vitest';
import { createAzurePorts } from '../../shared/azure/index';
import { readSettings } from '../../shared/config/settings';
import { READS_HELD_CODE, WRITES_HELD_CODE, subscriptionOf } from '../../shared/azure/readBudget';
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

describe('the ARM write holds, on the real SDK pipeline', () => {
  it("hold a subscription's deletes for ARM's Retry-After, but not for ACI's per-region rate limit", async () => {
    let now = T;
    const answered = new Map<string, number>();
    const http = new FakeHttpClient((request) => {
      const sub = subscriptionOf(request.url) ?? '';
      const n = answered.get(`${request.method} ${sub}`) ?? 0;
      answered.set(`${request.method} ${sub}`, n + 1);
      if (request.method === 'DELETE' && n === 0 && sub === 's1') {
        return armError(
          429,
          'TooManyRequests',
          "Number of 'delete' requests for subscription 's1' actor 'principal-1' exceeded.",
          { 'Retry-After': '2' },
        );
      }
      if (request.method === 'DELETE' && n === 0 && sub === 's3') {
        return armError(
          429,
          'TooManyRequests',
          "The delete rate limit of 100 container groups per 5 minutes for subscription 's3' in region 'westeurope' was exceeded.",
          { 'Retry-After': '240' },
        );
      }
      return request.method === 'DELETE'
        ? { status: 204, headers: {}, body: '' }
        : json(200, { value: [] });
    });
    const ports = createAzurePorts(
      readSettings({ SURGE_AZURE_RETRY_DELAY_MS: '1', SURGE_AZURE_MAX_RETRY_DELAY_MS: '1' }),
      { credential: testCredential, httpClient: http, now: () => now },
    );
    const del = async (subscriptionId: string) => {
      try {
        await ports.containerGroups.beginDelete({ subscriptionId, resourceGroup: 'rg', name: 'g' });
        return 'ok';
      } catch (e) {
        return toFailure(e).code;
      }
    };
    const seen = [`s1 ${await del('s1')}`];
    now += 1000;
    seen.push(`s1 after 1 s ${await del('s1')}`, `s2 ${await del('s2')}`);
    seen.push(`read s1 ${(await ports.containerGroups.list('s1', 'rg')).length} groups`);
    seen.push(`s3 ${await del('s3')}`, `s3 again ${await del('s3')}`);
    now += 1000;
    seen.push(`s1 after 2 s ${await del('s1')}`);
    expect({
      seen,
      sent: http.requests.map((r) => `${r.method} ${subscriptionOf(r.url)}`),
    }).toEqual({
      seen: [
        's1 TooManyRequests',
        `s1 after 1 s ${WRITES_HELD_CODE}`,
        's2 ok',
        'read s1 0 groups',
        's3 TooManyRequests',
        's3 again ok',
        's1 after 2 s ok',
      ],
      sent: ['DELETE s1', 'DELETE s2', 'GET s1', 'DELETE s3', 'DELETE s3', 'DELETE s1'],
    });
  });

  it('makes a write wait out a short hold instead of failing it', async () => {
    let first = true;
    const http = new FakeHttpClient(() => {
      if (first) {
        first = false;
        return armError(
          429,
          'TooManyRequests',
          "Number of 'delete' requests for subscription 's1' actor 'principal-1' exceeded.",
          { 'retry-after-ms': '50' },
        );
      }
      return { status: 204, headers: {}, body: '' };
    });
    const ports = createAzurePorts(readSettings({ SURGE_AZURE_MAX_RETRIES: '0' }), {
      credential: testCredential,
      httpClient: http,
    });
    const ref = { subscriptionId: 's1', resourceGroup: 'rg', name: 'g' };
    const firstOutcome = await ports.containerGroups.beginDelete(ref).then(
      () => 'ok',
      (e: unknown) => toFailure(e).code,
    );
    const started = Date.now();
    await ports.containerGroups.beginDelete(ref);
    expect({
      firstOutcome,
      waited: Date.now() - started >= 30,
      sent: http.requests.length,
    }).toEqual({
      firstOutcome: 'TooManyRequests',
      waited: true,
      sent: 2,
    });
  });
});

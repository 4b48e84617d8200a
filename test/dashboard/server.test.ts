/**
 * The dashboard server over a sampler fed by fakes: `/api/dashboard` is the sampler's snapshot
 * plus the links, in one answer, with a 304 until a new sample; the page's files are served with
 * their types and a strict CSP; anything else is 404, other methods 405.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { DashboardPool } from '../../local/dashboard/sampler';
import { DashboardSampler } from '../../local/dashboard/sampler';
import type { DashboardServer } from '../../local/dashboard/server';
import { pageDir, startDashboardServer } from '../../local/dashboard/server';
import { send } from '../host/helpers';
import { decision, expectResult, FakeControllers, FakeEmulator, T0 } from './helpers';

const NS = 'demo.servicebus.windows.net';
const POOL: DashboardPool = {
  name: 'orders',
  policy: 'drain',
  namespace: NS,
  entity: 'orders',
  minGroups: 1,
  maxGroups: 10,
  trafficManager: null,
  versionRepository: 'worker',
  reconcileSeconds: 60,
};
const LINKS = {
  functions: 'http://127.0.0.1:7071/api',
  emulatorControl: 'https://127.0.0.1:8443/_emulator',
};

let clock: VirtualClock;
let sampler: DashboardSampler;
let server: DashboardServer;

beforeAll(async () => {
  clock = new VirtualClock(T0);
  const controllers = new FakeControllers();
  controllers.set('orders', { desired: 2, recentDecisions: [decision(T0, 2, 'backlog 40')] });
  sampler = new DashboardSampler({
    clock,
    pools: [POOL],
    emulator: new FakeEmulator(clock, {
      queues: {
        [`${NS}/orders`]: (t) => ({ depth: 40, enqueued: 40 + (t - T0) / 100, dequeued: 0 }),
      },
      groups: () => [{ pool: 'orders', phase: 'Running', images: ['r.io/worker:1.0'] }],
    }),
    controllers: controllers.read,
  });
  sampler.sample();
  server = await startDashboardServer({ sampler, port: 0, links: LINKS });
});
afterAll(async () => {
  await server.close();
});

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

describe('GET /api/dashboard', () => {
  it('answers the snapshot and the links in one JSON document, tagged with the sample count', async () => {
    const res = await send('GET', `${server.url}/api/dashboard`);
    expectResult(
      'dashboard',
      {
        status: res.status,
        type: res.headers['content-type'],
        etag: res.headers.etag,
        csp: res.headers['content-security-policy'],
        body: res.json,
      },
      {
        status: 200,
        type: 'application/json; charset=utf-8',
        etag: '"1"',
        csp: CSP,
        body: JSON.parse(JSON.stringify({ ...sampler.snapshot(), links: LINKS })) as unknown,
      },
    );
  });

  it('answers 304 while nothing was sampled since the tag, 200 once something was', async () => {
    const etag = '"1"';
    const before = await send('GET', `${server.url}/api/dashboard`, {
      headers: { 'if-none-match': etag },
    });
    clock.advance(5000);
    sampler.sample();
    const after = await send('GET', `${server.url}/api/dashboard`, {
      headers: { 'if-none-match': etag },
    });
    const body = after.json as { seq: number; pools: { latest: { arrivalsPerSecond: number } }[] };
    expectResult(
      'conditional',
      {
        before: [before.status, before.text],
        after: [
          after.status,
          after.headers.etag,
          body.seq,
          body.pools[0]?.latest.arrivalsPerSecond,
        ],
      },
      // One sample more (seq 2); 50 messages in the 5 s between the samples: 10/s.
      { before: [304, ''], after: [200, '"2"', 2, 10] },
    );
  });
});

describe('the page and everything else', () => {
  const page = pageDir();
  const file = (name: string) => readFileSync(path.join(page, name), 'utf8');
  const cases = [
    {
      label: 'the page',
      method: 'GET',
      path: '/',
      expected: { status: 200, type: 'text/html; charset=utf-8', text: file('index.html') },
    },
    {
      label: 'its script',
      method: 'GET',
      path: '/app.mjs',
      expected: { status: 200, type: 'text/javascript; charset=utf-8', text: file('app.mjs') },
    },
    {
      label: 'its style sheet',
      method: 'GET',
      path: '/style.css',
      expected: { status: 200, type: 'text/css; charset=utf-8', text: file('style.css') },
    },
    {
      label: 'HEAD of the page: headers only',
      method: 'HEAD',
      path: '/',
      expected: { status: 200, type: 'text/html; charset=utf-8', text: '' },
    },
    {
      label: 'no other file, not even next to the page',
      method: 'GET',
      path: '/../server.ts',
      expected: {
        status: 404,
        type: 'application/json',
        text: JSON.stringify({ error: 'no page at /server.ts' }),
      },
    },
    {
      label: 'nothing but GET and HEAD',
      method: 'POST',
      path: '/api/dashboard',
      expected: {
        status: 405,
        type: 'application/json',
        text: JSON.stringify({ error: 'POST is not allowed' }),
      },
    },
  ];
  it.each(cases)('$label', async ({ label, method, path: p, expected }) => {
    const res = await send(method, `${server.url}${p}`);
    expectResult(
      label,
      {
        status: res.status,
        type: res.headers['content-type'],
        text: res.text,
        csp: res.headers['content-security-policy'],
        nosniff: res.headers['x-content-type-options'],
      },
      { ...expected, csp: CSP, nosniff: 'nosniff' },
    );
  });

  it('listens on loopback only', () => {
    expectResult('url', new URL(server.url).hostname, '127.0.0.1');
  });
});

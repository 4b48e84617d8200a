/**
 * What `npm start` prints and sets up: the workload in words, the workload split (installed once
 * the stack has created the pools' entities), and the copy-paste commands, whose bodies must be
 * what the app's ACR webhook parser and the emulator's control API accept.
 */
import { describe, expect, it } from 'vitest';
import type { ArrivalSchedule } from '../../local/emulator';
import {
  acrPushPayload,
  demoCommands,
  describeSchedule,
  describeWorkload,
  installArrivals,
  randomDigest,
  splitWorkload,
} from '../../local/dashboard/demo';
import { parseAcrWebhook } from '../../shared/webhooks/acr';
import { fixtureJson } from '../fixtures';
import { DEMO_EMULATOR, expectResult } from './helpers';

describe('describeSchedule', () => {
  const cases: { label: string; schedule: ArrivalSchedule; expected: string }[] = [
    { label: 'constant', schedule: { kind: 'constant', rate: 3 }, expected: '3 msg/s' },
    {
      label: 'repeated burst',
      schedule: { kind: 'burst', atMs: 45_000, count: 1500, everyMs: 240_000 },
      expected: 'a burst of 1500 every 4 min (first after 45 s)',
    },
    {
      label: 'one burst',
      schedule: { kind: 'burst', atMs: 120_000, count: 10 },
      expected: 'a burst of 10 after 2 min',
    },
    {
      label: 'sine',
      schedule: { kind: 'sine', mean: 10, amplitude: 8, periodMs: 600_000 },
      expected: 'a sine of 10 ± 8 msg/s over 10 min',
    },
    {
      label: 'ramp',
      schedule: { kind: 'ramp', from: 1, to: 9, durationMs: 90_000 },
      expected: 'a ramp from 1 to 9 msg/s over 90 s',
    },
    {
      label: 'steps',
      schedule: {
        kind: 'steps',
        steps: [
          { atMs: 0, rate: 1 },
          { atMs: 60_000, rate: 5 },
        ],
      },
      expected: 'steps of 1 msg/s → 5 msg/s',
    },
    {
      label: 'random bursts',
      schedule: { kind: 'randomBursts', meanIntervalMs: 300_000, size: 100 },
      expected: 'random bursts every 5 min on average',
    },
  ];
  it.each(cases)('$label', ({ label, schedule, expected }) => {
    expectResult(label, describeSchedule(schedule), expected);
  });
});

describe('the demo workload', () => {
  it('is described per entity and split from what the emulator starts with', () => {
    const { config, arrivals } = splitWorkload(DEMO_EMULATOR);
    const installed: string[] = [];
    installArrivals(
      { setArrivals: (ns, entity, s) => installed.push(`${ns}/${entity}: ${s.length}`) },
      arrivals,
    );
    expectResult(
      'demo workload',
      {
        lines: describeWorkload(DEMO_EMULATOR),
        startsWith: config.workload,
        keeps: Object.keys(config).sort(),
        installed,
      },
      {
        lines: [
          'orders: 3 msg/s + a burst of 1500 every 4 min (first after 45 s)',
          'web-jobs: a sine of 10 ± 8 msg/s over 10 min',
        ],
        startsWith: {},
        keeps: ['images', 'provisioning', 'workload'],
        installed: [
          'surge-demo.servicebus.windows.net/orders: 2',
          'surge-demo.servicebus.windows.net/web-jobs: 1',
        ],
      },
    );
  });

  it('leaves a config without workload alone', () => {
    expectResult('no workload', splitWorkload({ provisioning: { pending: 5000 } }), {
      config: { provisioning: { pending: 5000 } },
      arrivals: [],
    });
  });
});

describe('the printed commands', () => {
  const digest = `sha256:${'5e'.repeat(32)}`;
  const commands = demoCommands({
    functionsBase: 'http://127.0.0.1:7071/api',
    functionKey: 'KEY',
    emulatorControl: 'https://127.0.0.1:8443/_emulator',
    caFile: '.state/emulator-ca.pem',
    webhookSecret: "it's",
    pool: { name: 'orders', namespace: 'surge-demo.servicebus.windows.net', entity: 'orders' },
    rollout: {
      pool: 'web',
      registry: 'surgedemo.azurecr.io',
      repository: 'web',
      tag: '1.1',
      digest,
    },
  });
  /** The JSON after `-d '…'` in the command that ends with `suffix`. */
  const bodyOf = (suffix: string): unknown => {
    const line = commands.find((c) => c.endsWith(suffix)) ?? '';
    const quoted = /-d '((?:[^']|'\\'')*)'/.exec(line)?.[1] ?? '';
    return JSON.parse(quoted.replace(/'\\''/g, "'"));
  };

  it('push a new image that the ACR webhook parser takes as a push by digest', () => {
    const line = commands.find((c) => c.endsWith('/webhooks/acr')) ?? '';
    // The secret is shell-quoted, quotes and all.
    expectResult('secret header', line.includes(`-H 'x-surge-webhook-secret: it'\\''s'`), true);
    const parsed = parseAcrWebhook(bodyOf('/webhooks/acr'));
    expectResult('push', parsed, {
      ok: true,
      kind: 'push',
      push: {
        eventId: `demo-push-${'5e'.repeat(6)}`,
        registry: 'surgedemo.azurecr.io',
        repository: 'web',
        tag: '1.1',
        digest,
        // When the commands were printed.
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) as unknown,
      },
    });
  });

  it('enqueue a burst through the control API, verifying TLS with the CA file', () => {
    const line = commands.find((c) => c.endsWith('/_emulator/enqueue')) ?? '';
    expectResult(
      'enqueue',
      {
        body: bodyOf('/_emulator/enqueue'),
        cacert: line.includes("--cacert '.state/emulator-ca.pem'"),
      },
      {
        body: { namespace: 'surge-demo.servicebus.windows.net', entity: 'orders', count: 3000 },
        cacert: true,
      },
    );
  });

  it('name every operation, each after its comment', () => {
    expectResult(
      'commands',
      commands.map((c) =>
        c.startsWith('#')
          ? '#'
          : `${/-X (\w+)/.exec(c)?.[1] ?? 'GET'} ${c.split(' ').at(-1) ?? ''}`,
      ),
      [
        '#',
        'GET http://127.0.0.1:7071/api/pools',
        '#',
        'GET http://127.0.0.1:7071/api/pools/orders',
        '#',
        'POST http://127.0.0.1:7071/api/pools/orders/scale',
        'DELETE http://127.0.0.1:7071/api/pools/orders/scale',
        '#',
        'POST http://127.0.0.1:7071/api/pools/orders/pause',
        'POST http://127.0.0.1:7071/api/pools/orders/resume',
        '#',
        'POST https://127.0.0.1:8443/_emulator/enqueue',
        '#',
        'POST http://127.0.0.1:7071/api/webhooks/acr',
      ],
    );
  });
});

describe('push payloads', () => {
  it('have the shape of the recorded ACR push and a real-looking digest', () => {
    const fixture = fixtureJson<Record<string, Record<string, unknown>>>('acr/webhook-push.json');
    const payload = acrPushPayload({
      registry: 'r.azurecr.io',
      repository: 'web',
      tag: '2.0',
      digest: randomDigest(),
    });
    const shape = (p: Record<string, unknown>) => ({
      keys: Object.keys(p),
      target: Object.keys(p.target as object),
      request: Object.keys(p.request as object),
    });
    expectResult(
      'payload',
      {
        ...shape(payload as unknown as Record<string, unknown>),
        digest: /^sha256:[0-9a-f]{64}$/.test(payload.target.digest),
      },
      { ...shape(fixture), digest: true },
    );
  });
});

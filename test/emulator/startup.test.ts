/**
 * Starting and reaching the emulator: start time, the certificate (trusted in-process through the
 * adapters' tls option, in child processes through NODE_EXTRA_CA_CERTS, refused without either),
 * the settings it hands out, the control API over https, the command line, and close().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VirtualClock } from '../../local/clock';
import { startEmulator } from '../../local/emulator';
import type { Emulator } from '../../local/emulator';
import {
  DEFAULT_CA_FILE,
  DEFAULT_PORT,
  describeEmulator,
  parseCliArgs,
} from '../../local/emulator/cli';
import { createAzurePorts } from '../../shared/azure';
import { toFailure } from '../../shared/azure/errors';
import { readSettings } from '../../shared/config/settings';
import { createHttpProber } from '../../shared/probe';
import { T0, controlCall, credential, expectResult } from './helpers';

let emu: Emulator | undefined;
let dir: string | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs a small script in a child node process; resolves with its stdout or the error text. */
function child(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-e', script],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 10_000 },
      (error, stdout, stderr) => {
        resolve(
          error ? `error: ${stderr.trim().split('\n').pop() ?? error.message}` : stdout.trim(),
        );
      },
    );
  });
}

describe('start and trust', () => {
  it('starts in well under a second, writes its CA, hands out the settings', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'surge-emulator-'));
    const caFile = path.join(dir, 'ca.pem');
    const started = performance.now();
    emu = await startEmulator({ clock: new VirtualClock(T0), caFile });
    const elapsed = performance.now() - started;
    const origin = emu.armEndpoint;
    expectResult(
      'start',
      {
        fast: elapsed < 1000,
        origin: /^https:\/\/127\.0\.0\.1:\d+$/.test(origin),
        settings: emu.settings,
        caWritten: (await readFile(caFile, 'utf8')) === emu.caCertPem,
        settingsRead: readSettings(emu.settings).armEndpoint === origin,
      },
      {
        fast: true,
        origin: true,
        settings: {
          SURGE_ARM_ENDPOINT: origin,
          SURGE_SERVICEBUS_ENDPOINT: origin,
          SURGE_EMULATOR_ENDPOINT: `${origin}/_emulator`,
          SURGE_PROBE_ENDPOINT: emu.probeEndpoint,
          NODE_EXTRA_CA_CERTS: caFile,
        },
        caWritten: true,
        settingsRead: true,
      },
    );
  });

  it('verification stays on: without the CA the adapters refuse the certificate', async () => {
    emu = await startEmulator({ clock: new VirtualClock(T0) });
    const settings = readSettings({ ...emu.settings, SURGE_AZURE_MAX_RETRIES: '0' });
    const trusting = createAzurePorts(settings, { credential, tls: { ca: emu.caCertPem } });
    const untrusting = createAzurePorts(settings, { credential });
    const ref = { subscriptionId: 'sub', resourceGroup: 'rg', name: 'g' };
    let failure: unknown;
    try {
      await untrusting.containerGroups.get(ref);
    } catch (error) {
      failure = toFailure(error);
    }
    expectResult(
      'trust',
      {
        trusted: await trusting.containerGroups.get(ref),
        trustedSb: await trusting.queueMetrics.listQueues('ns.servicebus.windows.net'),
        refused: /certificate/i.test((failure as { message?: string }).message ?? ''),
      },
      { trusted: undefined, trustedSb: [], refused: true },
    );
  });

  it('child processes trust it through NODE_EXTRA_CA_CERTS (and only then)', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'surge-emulator-'));
    emu = await startEmulator({ clock: new VirtualClock(T0), caFile: path.join(dir, 'ca.pem') });
    const script = `require('https').get(${JSON.stringify(`${emu.controlEndpoint}/clock`)}, (r) => { let b=''; r.on('data', (d) => (b += d)); r.on('end', () => console.log(r.statusCode, JSON.parse(b).now)); }).on('error', (e) => { console.error(e.code); process.exit(1); });`;
    const [withCa, without] = await Promise.all([
      child(script, { NODE_EXTRA_CA_CERTS: emu.caFile ?? '' }),
      child(script, {}),
    ]);
    expectResult(
      'child',
      { withCa, without },
      { withCa: '200 2025-01-01T12:00:00.000Z', without: 'error: UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    );
  });

  it('close() frees the port and ends open connections', async () => {
    emu = await startEmulator({ clock: new VirtualClock(T0) });
    const port = Number(new URL(emu.armEndpoint).port);
    await controlCall(emu, 'GET', '/clock'); // leaves a connection open (keep-alive)
    await emu.close();
    await emu.close(); // twice is fine
    emu = undefined;
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    expectResult('closed', refused, 'ECONNREFUSED');
  });
});

describe('control API over https', () => {
  const NS = 'ctl.servicebus.windows.net';
  const cases: {
    label: string;
    method: string;
    path: string;
    body?: unknown;
    expected: { status: number; json?: unknown };
  }[] = [
    {
      label: 'create a queue',
      method: 'POST',
      path: '/entities',
      body: { namespace: NS, kind: 'queue', entity: 'jobs' },
      expected: { status: 201 },
    },
    {
      label: 'enqueue',
      method: 'POST',
      path: '/enqueue',
      body: { namespace: NS, entity: 'jobs', count: 12 },
      expected: { status: 200 },
    },
    {
      label: 'arrivals',
      method: 'PUT',
      path: '/arrivals',
      body: { namespace: NS, entity: 'jobs', schedules: [{ kind: 'constant', rate: 2 }] },
      expected: { status: 200 },
    },
    {
      label: 'advance the virtual clock 10 s',
      method: 'POST',
      path: '/clock/advance',
      body: { ms: 10_000 },
      expected: { status: 200, json: { now: '2025-01-01T12:00:10.000Z', nowMs: T0 + 10_000 } },
    },
    {
      label: 'queue stats',
      method: 'GET',
      path: `/queues/${NS}/jobs`,
      expected: { status: 200, json: { depth: 32, enqueued: 32, arrivalRate: 2 } },
    },
    {
      label: 'pool mapping',
      method: 'PUT',
      path: '/pools/jobs',
      body: { namespace: NS, entity: 'jobs' },
      expected: { status: 200, json: { drains: { namespace: NS, entity: 'jobs' } } },
    },
    {
      label: 'an image',
      method: 'PUT',
      path: '/images',
      body: { reference: 'contoso.azurecr.io/jobs:1', drainRate: 5 },
      expected: { status: 200, json: { reference: 'contoso.azurecr.io/jobs:1' } },
    },
    {
      label: 'faults',
      method: 'PATCH',
      path: '/faults',
      body: { armServerErrorRate: 0.1 },
      expected: { status: 200, json: { armServerErrorRate: 0.1 } },
    },
    {
      label: 'a bad fault rate',
      method: 'PATCH',
      path: '/faults',
      body: { armServerErrorRate: 2 },
      expected: { status: 400 },
    },
    {
      label: 'limits',
      method: 'PATCH',
      path: '/limits',
      body: { createsPer5Min: 5 },
      expected: { status: 200, json: { createsPer5Min: 5 } },
    },
    {
      label: 'an injected 429',
      method: 'POST',
      path: '/arm-errors',
      body: [{ status: 429, retryAfterSeconds: 2 }],
      expected: { status: 200, json: { queued: 1 } },
    },
    {
      label: 'a bad schedule',
      method: 'PUT',
      path: '/arrivals',
      body: {
        namespace: NS,
        entity: 'jobs',
        schedules: [{ kind: 'sine', mean: 1, amplitude: 2, periodMs: 10 }],
      },
      expected: { status: 400 },
    },
    { label: 'an unknown route', method: 'GET', path: '/nothing', expected: { status: 404 } },
    {
      label: 'state',
      method: 'GET',
      path: '/state',
      expected: { status: 200, json: { nowMs: T0 + 10_000, profiles: 0 } },
    },
  ];

  it('routes answer JSON; bad inputs 400; unknown routes 404', async () => {
    emu = await startEmulator({ clock: new VirtualClock(T0) });
    for (const c of cases) {
      const answer = await controlCall(emu, c.method, c.path, c.body);
      // Compare the fields each case names (answers carry more).
      const picked =
        c.expected.json === undefined
          ? undefined
          : Object.fromEntries(
              Object.keys(c.expected.json as object).map((k) => [
                k,
                (answer.json as Record<string, unknown>)[k],
              ]),
            );
      expectResult(
        c.label,
        { status: answer.status, json: picked },
        { status: c.expected.status, json: c.expected.json },
      );
    }
  });
});

describe('command line', () => {
  it('parses its arguments and describes the endpoints and settings', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'surge-emulator-'));
    const configFile = path.join(dir, 'emulator.json');
    await writeFile(
      configFile,
      JSON.stringify({ arm: { pageSize: 10 }, faults: { syncCapacityRate: 0.05 } }),
    );
    const parsed = parseCliArgs(['--port', '0', '--seed', '42', '--config', configFile]);
    const defaults = parseCliArgs([], { SURGE_EMULATOR_PORT: '9443' });
    let bad: string | undefined;
    try {
      parseCliArgs(['--port', 'x']);
    } catch (error) {
      bad = (error as Error).name;
    }
    emu = await startEmulator({
      clock: new VirtualClock(T0),
      caFile: path.join(dir, 'ca.pem'),
      config: parsed.config,
    });
    const text = describeEmulator(emu, 42);
    expectResult(
      'cli',
      {
        parsed,
        defaults: [defaults.port, defaults.seed, defaults.caFile, DEFAULT_PORT],
        bad,
        mentions: [
          emu.armEndpoint,
          `NODE_EXTRA_CA_CERTS=${emu.caFile ?? ''}`,
          'SURGE_SERVICEBUS_ENDPOINT=',
        ].every((s) => text.includes(s)),
      },
      {
        parsed: {
          port: 0,
          seed: 42,
          caFile: DEFAULT_CA_FILE,
          config: { arm: { pageSize: 10 }, faults: { syncCapacityRate: 0.05 } },
        },
        defaults: [9443, 1, DEFAULT_CA_FILE, 8443],
        bad: 'ConfigError',
        mentions: true,
      },
    );
  });
});

describe('health probes of groups', () => {
  it('answer as the group would: 404 unknown host, 503 before it is healthy, 200 after', async () => {
    const clock = new VirtualClock(T0);
    const probe = await startEmulator({ clock, config: { unknownImages: 'allow' } });
    try {
      const settings = readSettings({ ...probe.settings, SURGE_AZURE_MAX_RETRIES: '0' });
      const ports = createAzurePorts(settings, { credential, tls: { ca: probe.caCertPem } });
      const prober = createHttpProber({ endpoint: probe.probeEndpoint, timeoutMs: 2000 });
      const fqdn = 'web-0.westeurope.azurecontainer.io';
      const target = { fqdn, port: 8080, path: '/healthz' };
      const unknown = await prober.probe(target);
      await ports.containerGroups.beginCreate({
        subscriptionId: 'sub',
        resourceGroup: 'rg',
        name: 'web-0',
        location: 'westeurope',
        tags: {},
        osType: 'Linux',
        restartPolicy: 'Always',
        containers: [
          {
            name: 'web',
            image: 'nginx',
            cpu: 1,
            memoryInGB: 1,
            ports: [8080],
            environment: [],
            volumeMounts: [],
          },
        ],
        registryCredentials: [],
        identities: [],
        volumes: [],
        publicDns: { dnsNameLabel: 'web-0', ports: [8080] },
      });
      const starting = await prober.probe(target);
      clock.advance(10 * 60_000);
      const up = await prober.probe(target);
      expect([unknown, starting, up].map((r) => r.detail)).toEqual([
        'GET /healthz: HTTP 404',
        'GET /healthz: HTTP 503',
        'GET /healthz: HTTP 200',
      ]);
    } finally {
      await probe.close();
    }
  });
});

/**
 * `npm run bench:emulator`: how fast the local Azure emulator serves ARM and how much memory it
 * needs, on this machine. Not a test: it prints figures (record them in docs/emulator.md).
 *
 * 1. Memory: 10 000 container groups are created through the ARM API (PUT, 32 at a time), then
 *    the heap is collected (run with --expose-gc, as the npm script does) and measured.
 * 2. Throughput: for BENCH_SECONDS (default 5) a worker thread keeps 32 keep-alive https
 *    connections busy with ARM GETs of one group (and, separately, list pages and operation
 *    polls); the emulator runs on the main thread, so the client does not steal its event loop.
 *
 * All load goes to 127.0.0.1 and is bounded by count and by time. Targets: ≥ 2 000 requests/s,
 * < 300 MB with 10 000 groups.
 */
import { Agent, request } from 'node:https';
import { Worker } from 'node:worker_threads';
import { SystemClock } from '../local/clock';
import { startEmulator } from '../local/emulator';
import type { Emulator } from '../local/emulator';

const GROUPS = Number(process.env.BENCH_GROUPS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const SUB = '00000000-0000-0000-0000-00000000beef';
const RG = 'bench';
const MB = 1024 * 1024;

const groupPath = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups/${name}?api-version=2023-05-01`;

/** A realistic group body: one worker, tags, env, a public DNS label. */
function body(i: number): string {
  return JSON.stringify({
    location: 'westeurope',
    tags: {
      'surge-pool': `pool-${i % 10}`,
      'surge-version': 'v1',
      'surge-created': '2025-01-01T00:00:00Z',
    },
    properties: {
      osType: 'Linux',
      restartPolicy: 'Always',
      containers: [
        {
          name: 'worker',
          properties: {
            image: 'nginx',
            resources: { requests: { cpu: 0.5, memoryInGB: 1 } },
            environmentVariables: [
              { name: 'QUEUE', value: `pool-${i % 10}` },
              { name: 'SECRET', secureValue: 'not-kept' },
            ],
            ports: [{ port: 80 }],
          },
        },
      ],
      ipAddress: {
        type: 'Public',
        dnsNameLabel: `bench-${i}`,
        ports: [{ port: 80, protocol: 'TCP' }],
      },
    },
  });
}

/** PUTs `count` groups, `parallel` at a time, from this thread. */
async function createGroups(emu: Emulator, count: number, parallel: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: parallel, ca: emu.caCertPem });
  const url = new URL(emu.armEndpoint);
  let next = 0;
  let failures = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const payload = body(i);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: groupPath(`bench-${i}`),
          method: 'PUT',
          agent,
          headers: {
            authorization: 'Bearer bench',
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          if (res.statusCode !== 201) failures++;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) await one(next++);
    }),
  );
  agent.destroy();
  return failures;
}

/** The load generator, run in a worker thread (plain JavaScript, no TypeScript needed). */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const https = require('node:https');
const { origin, ca, paths, seconds, connections } = workerData;
const url = new URL(origin);
const agent = new https.Agent({ keepAlive: true, maxSockets: connections, ca });
const deadline = Date.now() + seconds * 1000;
let ok = 0, failed = 0, i = 0;
function one() {
  return new Promise((resolve) => {
    const path = paths[i++ % paths.length];
    const req = https.request({ host: url.hostname, port: url.port, path, agent, headers: { authorization: 'Bearer bench' } }, (res) => {
      if (res.statusCode === 200) ok++; else failed++;
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', () => { failed++; resolve(); });
    req.end();
  });
}
async function loop() { while (Date.now() < deadline) await one(); }
const started = Date.now();
Promise.all(Array.from({ length: connections }, loop)).then(() => {
  agent.destroy();
  parentPort.postMessage({ ok, failed, ms: Date.now() - started });
});
`;

/** Drives GETs of `paths` for SECONDS from a worker; returns requests per second. */
function drive(emu: Emulator, paths: string[]): Promise<{ perSecond: number; failed: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: {
        origin: emu.armEndpoint,
        ca: emu.caCertPem,
        paths,
        seconds: SECONDS,
        connections: CONNECTIONS,
      },
    });
    worker.once('message', (m: { ok: number; failed: number; ms: number }) => {
      resolve({ perSecond: Math.round((m.ok * 1000) / m.ms), failed: m.failed });
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) {
    gc();
    gc();
  }
}

async function main(): Promise<void> {
  const unlimited = { capacity: 1e9, refillPerSecond: 1e9 };
  collect();
  const baseline = process.memoryUsage();
  const started = performance.now();
  const emu = await startEmulator({
    clock: new SystemClock(),
    seed: 1,
    config: {
      provisioning: { pending: 10 },
      imageDefaults: { pull: 10 },
      limits: {
        containerGroupsPerRegion: 1e9,
        coresPerRegion: 1e9,
        createsPer5Min: 1e9,
        createsPerHour: 1e9,
        armReads: unlimited,
        armWrites: unlimited,
        armDeletes: unlimited,
      },
    },
  });
  const startMs = performance.now() - started;
  try {
    const createStarted = performance.now();
    const createFailures = await createGroups(emu, GROUPS, 32);
    const createSeconds = (performance.now() - createStarted) / 1000;
    collect();
    const memory = process.memoryUsage();
    const opId = (
      await new Promise<string>((resolve) => {
        // One operation URL to poll: the Azure-AsyncOperation of a fresh PUT.
        const url = new URL(emu.armEndpoint);
        const payload = body(GROUPS);
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: groupPath('bench-op'),
            method: 'PUT',
            ca: emu.caCertPem,
            headers: { authorization: 'Bearer bench', 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            resolve(new URL(String(res.headers['azure-asyncoperation'])).pathname);
          },
        );
        req.end(payload);
      })
    ).concat('?api-version=2018-06-01');
    const get = await drive(
      emu,
      Array.from({ length: 100 }, (_, i) => groupPath(`bench-${i * 97}`)),
    );
    const poll = await drive(emu, [opId]);
    const list = await drive(emu, [
      `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups?api-version=2023-05-01&$skipToken=5000`,
    ]);
    const lines = [
      `Surge emulator benchmark (node ${process.version}, ${SECONDS} s per load, ${CONNECTIONS} keep-alive connections)`,
      `  start:                         ${startMs.toFixed(0)} ms`,
      `  create ${GROUPS} groups (PUT):   ${(GROUPS / createSeconds).toFixed(0)} req/s, ${createFailures} failed`,
      `  memory with ${GROUPS} groups:    heap ${((memory.heapUsed - baseline.heapUsed) / MB).toFixed(0)} MB above baseline, rss ${(memory.rss / MB).toFixed(0)} MB (whole process)`,
      `  GET container group:           ${get.perSecond} req/s (${get.failed} failed)`,
      `  GET operation status:          ${poll.perSecond} req/s (${poll.failed} failed)`,
      `  GET list page (100 groups):    ${list.perSecond} req/s (${list.failed} failed)`,
      `  targets: >= 2000 req/s, < 300 MB`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await emu.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

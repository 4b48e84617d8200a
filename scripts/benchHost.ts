/**
 * Micro-benchmark of the local host (`npm run bench:host`):
 *
 * - HTTP round trip: N sequential `GET /api/ping` requests (function key in the header, one
 *   keep-alive connection) to the trivial app `local/host/apps/ping.ts`, through the whole front
 *   end — routing, key check, the library's invocation model, response writing. Reports p50, p95,
 *   p99 and mean in milliseconds. Target: p50 under 5 ms.
 * - Idle memory: the process's resident set size after the requests, a GC (when run with
 *   `--expose-gc`) and a second of idling. Target: under 200 MB. Host and client share the
 *   process, so this slightly over-reports the host.
 *
 * Options: `--requests N` (default 2000), `--warmup N` (default 200). Exits 1 when a target is
 * missed, so it can guard CI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SystemClock } from '../local/clock';
import { startHost } from '../local/host/host';

const TARGET_P50_MS = 5;
const TARGET_RSS_MB = 200;

function get(agent: Agent, url: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { 'x-functions-key': key } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)] ?? NaN;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '200' },
    },
  });
  const n = Number(values.requests);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(warmup) || warmup < 0) {
    throw new Error('--requests must be a positive integer and --warmup a non-negative one');
  }
  // Compiled (dist/scripts/benchHost.js) the app is dist/local/host/apps/ping.js.
  const appEntry = path.join(
    __dirname,
    '..',
    'local',
    'host',
    'apps',
    `ping${path.extname(__filename)}`,
  );
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'surge-bench-'));
  const host = await startHost({ appEntry, stateDir, clock: new SystemClock(), port: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const url = `${host.baseUrl}/ping`;
    const key = host.keys.functionKeys.default ?? '';
    const rssAtStart = process.memoryUsage().rss;
    for (let i = 0; i < warmup; i++) await get(agent, url, key);
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      const status = await get(agent, url, key);
      samples.push(performance.now() - t);
      if (status !== 200) throw new Error(`GET ${url} answered ${status}`);
    }
    samples.sort((a, b) => a - b);
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    gc?.();
    const idle = process.memoryUsage();

    const p50 = percentile(samples, 50);
    const round = (x: number): number => Math.round(x * 1000) / 1000;
    const result = {
      node: process.version,
      requests: n,
      warmup,
      roundTripMs: {
        p50: round(p50),
        p95: round(percentile(samples, 95)),
        p99: round(percentile(samples, 99)),
        mean: round(mean),
      },
      memoryMB: {
        rssAtStart: mb(rssAtStart),
        rssIdle: mb(idle.rss),
        heapUsedIdle: mb(idle.heapUsed),
        gcExposed: gc !== undefined,
      },
      targets: {
        p50UnderMs: TARGET_P50_MS,
        rssUnderMB: TARGET_RSS_MB,
        met: p50 < TARGET_P50_MS && mb(idle.rss) < TARGET_RSS_MB,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    if (!result.targets.met) process.exitCode = 1;
  } finally {
    agent.destroy();
    await host.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemClock } from '../../local/clock';
import type { Emulator } from '../../local/emulator';
import { startEmulator } from '../../local/emulator';
import { prepareEmulator } from '../../local/stack';
import { parsePools } from '../../shared/config/pools';
import { parseGroupName } from '../../shared/policy/version';
import { poolInput } from '../fakes/pools';

/**
 * A host killed with SIGKILL in the middle of a burst, and started again on the same state folder,
 * converges: the controller resumes from its persisted history, re-sends the creates it had not
 * recorded (idempotent PUTs: same names), and the pool ends with exactly the groups it wants —
 * no duplicate, no orphan. Real time and real processes: the host runs from the compiled build in
 * a child process; the emulator (Azure) lives in this process, so it outlives the kill.
 */
const NS = 'restart.servicebus.windows.net';
const exec = promisify(execFile);
let emulator: Emulator;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // The child runs dist/ (what `npm start` runs); make sure it is current (incremental: ~1 s).
  await exec(process.execPath, [
    path.resolve('node_modules/typescript/bin/tsc'),
    '-p',
    'tsconfig.build.json',
  ]);
  dir = await mkdtemp(path.join(tmpdir(), 'surge-restart-'));
  emulator = await startEmulator({
    clock: new SystemClock(),
    seed: 3,
    config: {
      images: { 'restart.azurecr.io/worker': { drainRate: 20, warmUp: 200, pull: 1500 } },
      provisioning: { pending: 500 },
      // ARM's write bucket, shrunk: after 3 writes one token a second (429 + Retry-After in
      // between, retried by the SDK), so a fan-out takes seconds and the kill lands inside it.
      limits: { armWrites: { capacity: 3, refillPerSecond: 1 } },
    },
    caFile: path.join(dir, 'ca.pem'),
  });
}, 120_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await emulator?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Starts the host in a child process; resolves with its URL once it serves. */
async function startHostProcess(configFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    [path.resolve('dist/local/stackMain.js'), '--config', configFile],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_PROXY: '127.0.0.1,localhost' },
    },
  );
  children.push(child);
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`host exited with ${code}: ${err}`)));
  });
  return { child, url };
}

/** Polls `check` every 100 ms until it returns a value, or fails after `ms`. */
async function until<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('a host killed mid-burst', () => {
  it('restarts and converges with no duplicate and no orphaned groups', async () => {
    const pools = {
      pools: [
        poolInput('orders', {
          serviceBus: { namespace: NS, queue: 'orders' },
          group: { containers: [{ name: 'worker', image: 'restart.azurecr.io/worker:1.0' }] },
          minGroups: 1,
          maxGroups: 8,
          scaling: {
            mode: 'drain',
            targetDrainSeconds: 30,
            messagesPerSecondPerGroup: 20,
            startupSeconds: 3,
          },
          controller: { provisioningPollSeconds: 1, reconcileSeconds: 5, maxParallelWrites: 2 },
        }),
      ],
    };
    const poolsFile = path.join(dir, 'pools.json');
    await writeFile(poolsFile, JSON.stringify(pools));
    await prepareEmulator(emulator, parsePools(JSON.stringify(pools), 'test').pools);
    const configFile = path.join(dir, 'stack.json');
    await writeFile(
      configFile,
      JSON.stringify({
        stateDir: path.join(dir, 'state'),
        poolsFile,
        persist: true,
        settings: {
          SURGE_DEPTH_SCHEDULE: '* * * * * *',
          SURGE_SCALE_IN_SCHEDULE: '*/5 * * * * *',
          SURGE_ENSURE_SCHEDULE: '*/5 * * * * *',
        },
        attach: {
          armEndpoint: emulator.armEndpoint,
          serviceBusEndpoint: emulator.serviceBusEndpoint,
          probeEndpoint: emulator.probeEndpoint,
          caFile: path.join(dir, 'ca.pem'),
        },
      }),
    );
    const groups = () => emulator.control.groups().filter((g) => g.pool === 'orders');

    const first = await startHostProcess(configFile);
    await until('the minimum group', 20_000, () => (groups().length >= 1 ? true : undefined));
    // 4000 messages at 20/s per group, 30 s target: the pool wants its 8 groups, created two at a
    // time (maxParallelWrites 2) and paced by ARM's write bucket, so the kill lands with some
    // creates sent and others not.
    emulator.control.enqueue(NS, 'orders', 4000);
    await until('creates under way', 20_000, () => (groups().length >= 3 ? true : undefined));
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const atKill = groups().map((g) => g.name);

    const second = await startHostProcess(configFile);
    const keys = JSON.parse(await readFile(path.join(dir, 'state', 'keys.json'), 'utf8')) as {
      functionKeys: Record<string, string>;
    };
    const key = Object.values(keys.functionKeys)[0] ?? '';
    const status = await until('convergence', 45_000, async () => {
      const res = await fetch(`${second.url}/api/pools/orders`, {
        headers: { 'x-functions-key': key },
      });
      const body = (await res.json()) as {
        status: { desired: number; groups: { running: number; pending: number } } | null;
      };
      const s = body.status;
      const running = groups().filter((g) => g.phase === 'Running').length;
      return s &&
        s.desired === 8 &&
        s.groups.running === 8 &&
        running === 8 &&
        groups().length === 8
        ? s
        : undefined;
    });
    second.child.kill('SIGTERM');

    const final = groups();
    const names = final.map((g) => g.name);
    expect({
      desired: status.desired,
      groups: final.length,
      unique: new Set(names).size,
      // Every group is one of the pool's own deterministic names: nothing orphaned or foreign.
      owned: final.every((g) => parseGroupName('orders', '1.0', g.name) !== undefined),
      keptFromBeforeTheKill: atKill.every((n) => names.includes(n)),
      // The kill landed mid fan-out: some of the burst's groups existed, not all.
      interrupted: atKill.length > 1 && atKill.length < 8,
    }).toEqual({
      desired: 8,
      groups: 8,
      unique: 8,
      owned: true,
      keptFromBeforeTheKill: true,
      interrupted: true,
    });
  }, 120_000);
});

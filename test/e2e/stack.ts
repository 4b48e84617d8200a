import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Clock } from '../../local/clock';
import type { Stack, StackOptions } from '../../local/stack';
import { startStack } from '../../local/stack';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import { poolInput } from '../fakes/pools';

const started: { stack?: Stack; dir: string }[] = [];

/**
 * The real app (functions/index.ts) on the local host and engine, with the real SDK clients on
 * the emulator, on a fresh temporary state folder with these pools. `stopTestStacks` (in an
 * afterEach) closes every stack started and removes its folder.
 */
export async function startTestStack(
  clock: Clock,
  pools: readonly PoolSpecInput[],
  options: Pick<StackOptions, 'emulator' | 'settings'> = {},
): Promise<Stack> {
  const entry: { stack?: Stack; dir: string } = {
    dir: await mkdtemp(path.join(tmpdir(), 'surge-e2e-')),
  };
  started.push(entry);
  const poolsFile = path.join(entry.dir, 'pools.json');
  await writeFile(poolsFile, JSON.stringify({ pools }));
  entry.stack = await startStack({
    clock,
    stateDir: entry.dir,
    appEntry: path.resolve('functions/index.ts'),
    poolsFile,
    activityConcurrency: 4,
    ...options,
  });
  return entry.stack;
}

/** Closes every stack `startTestStack` started and removes their folders. */
export async function stopTestStacks(): Promise<void> {
  for (const entry of started.splice(0)) {
    await entry.stack?.close();
    await rm(entry.dir, { recursive: true, force: true });
  }
}

/**
 * One pool, "orders", of 1-10 groups whose workers drain 5 messages/s each (120 s drain target,
 * 20 s start-up), on queue `orders` of `namespace`; images from `{registry}/worker`. `secrets`
 * become the worker's secure environment, each from an app setting of the same name and value.
 */
export function startOrdersStack(
  clock: Clock,
  namespace: string,
  registry: string,
  extra: {
    settings?: Readonly<Record<string, string>>;
    secrets?: Readonly<Record<string, string>>;
  } = {},
): Promise<Stack> {
  const secrets = Object.entries(extra.secrets ?? {});
  const secureEnvironment = Object.fromEntries(
    secrets.map(([name]) => [name, { fromSetting: name }]),
  );
  const worker = { name: 'worker', image: `${registry}/worker:1.0` };
  return startTestStack(
    clock,
    [
      poolInput('orders', {
        serviceBus: { namespace, queue: 'orders' },
        group: {
          containers: [secrets.length > 0 ? { ...worker, secureEnvironment } : worker],
        },
        minGroups: 1,
        maxGroups: 10,
        scaling: {
          mode: 'drain',
          targetDrainSeconds: 120,
          messagesPerSecondPerGroup: 5,
          startupSeconds: 20,
        },
      }),
    ],
    {
      settings: { ...extra.settings, ...extra.secrets },
      emulator: {
        images: { [`${registry}/worker`]: { drainRate: 5, warmUp: 1000, pull: 8000 } },
        provisioning: { pending: 4000 },
      },
    },
  );
}

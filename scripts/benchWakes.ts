/**
 * `npm run bench:wakes`: a storm of Event Grid wake events against the real app on the local
 * stack (host, engine, emulator; loopback only). Three pools; for each delivery it prints how long
 * the endpoint took to answer, how many signals it sent, and how many Service Bus and ARM reads the
 * controllers made in the next few seconds, which is what a storm used to multiply.
 *
 * Deliveries: 2,000 events for one queue in one batch (compact events: Event Grid stops a batch at
 * 1 MB), then 2,000 spread over the three queues, then 20 batches of 100 sent at once. Target: each
 * answered within 2 s on this machine, at most one signal per pool per delivery.
 * `--events N` changes the 2,000.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { SystemClock } from '../local/clock';
import type { Stack } from '../local/stack';
import { startStack } from '../local/stack';

const TARGET_MS = 2000;
const QUEUES = ['orders', 'invoices', 'emails'] as const;
const NAMESPACE = 'bench';

/** A compact ActiveMessagesAvailableWithNoListeners event (Event Grid schema) for a queue. */
function wakeEvent(i: number, queue: string): Record<string, unknown> {
  return {
    id: `e${i}`,
    topic: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/${NAMESPACE}`,
    subject: `queues/${queue}`,
    eventType: 'Microsoft.ServiceBus.ActiveMessagesAvailableWithNoListeners',
    eventTime: '2026-12-04T10:00:00Z',
    data: {
      namespaceName: `${NAMESPACE}.servicebus.windows.net`,
      entityType: 'queue',
      queueName: queue,
    },
    dataVersion: '1',
  };
}

function poolsDocument(): unknown {
  return {
    pools: QUEUES.map((queue) => ({
      name: queue,
      serviceBus: { namespace: `${NAMESPACE}.servicebus.windows.net`, queue },
      azure: {
        subscriptionId: '00000000-0000-0000-0000-000000000000',
        resourceGroup: 'rg-bench',
        location: 'westeurope',
      },
      group: { containers: [{ name: 'worker', image: 'bench.azurecr.io/worker:1.0' }] },
      minGroups: 0,
      maxGroups: 10,
    })),
  };
}

interface Sent {
  readonly ms: number;
  readonly status: number;
  readonly signals: number;
}

async function deliver(stack: Stack, events: readonly unknown[]): Promise<Sent> {
  const key = Object.values(stack.host.keys.functionKeys)[0] ?? '';
  const t0 = performance.now();
  const res = await fetch(`${stack.host.baseUrl}/events/servicebus`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': key },
    body: JSON.stringify(events),
  });
  const body = (await res.json()) as { woken?: unknown[] };
  return { ms: performance.now() - t0, status: res.status, signals: body.woken?.length ?? 0 };
}

/** Service Bus admin calls and ARM reads so far. */
function reads(stack: Stack): { serviceBus: number; arm: number } {
  const c = stack.emulator?.control.counters();
  return { serviceBus: c?.serviceBusAdmin ?? 0, arm: c?.armReads ?? 0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '2000' } } });
  const n = Number(values.events);
  if (!Number.isInteger(n) || n < 1) throw new Error('--events must be a positive integer');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'surge-bench-wakes-'));
  const poolsFile = path.join(dir, 'pools.json');
  await writeFile(poolsFile, JSON.stringify(poolsDocument()));
  const stack = await startStack({
    clock: new SystemClock(),
    stateDir: dir,
    appEntry: path.join(__dirname, '..', 'functions', 'index.js'),
    poolsFile,
    // No timers during the measurement: only the wakes cause reads.
    settings: {
      SURGE_DEPTH_SCHEDULE: '0 0 0 1 1 *',
      SURGE_SCALE_IN_SCHEDULE: '0 0 0 1 1 *',
    },
  });
  let missed = false;
  try {
    // Let the controllers start and take their first look, so what follows is the storm's cost.
    await deliver(
      stack,
      QUEUES.map((q, i) => wakeEvent(-1 - i, q)),
    );
    await sleep(3000);
    const runs: { label: string; send: () => Promise<Sent[]> }[] = [
      {
        label: `${n} events, one queue, one delivery`,
        send: async () => [
          await deliver(
            stack,
            Array.from({ length: n }, (_, i) => wakeEvent(i, 'orders')),
          ),
        ],
      },
      {
        label: `${n} events over ${QUEUES.length} queues, one delivery`,
        send: async () => [
          await deliver(
            stack,
            Array.from({ length: n }, (_, i) => wakeEvent(i, QUEUES[i % QUEUES.length] as string)),
          ),
        ],
      },
      {
        label: `${n} events in ${Math.ceil(n / 100)} deliveries of 100, sent at once`,
        send: () =>
          Promise.all(
            Array.from({ length: Math.ceil(n / 100) }, (_, b) =>
              deliver(
                stack,
                Array.from({ length: Math.min(100, n - b * 100) }, (_, i) =>
                  wakeEvent(b * 100 + i, QUEUES[(b + i) % QUEUES.length] as string),
                ),
              ),
            ),
          ),
      },
    ];
    console.log(
      'delivery                                         answered in   signals  SB reads  ARM reads (next 6 s)',
    );
    for (const run of runs) {
      await sleep(6000); // past the 5 s in which a wake is folded into the last look
      const before = reads(stack);
      const sent = await run.send();
      await sleep(6000);
      const after = reads(stack);
      const slowest = Math.max(...sent.map((s) => s.ms));
      const statuses = [...new Set(sent.map((s) => s.status))].join('/');
      const signals = sent.reduce((a, s) => a + s.signals, 0);
      if (slowest > TARGET_MS || statuses !== '202') missed = true;
      console.log(
        `${run.label.padEnd(48)} ${`${slowest.toFixed(0)} ms`.padStart(11)} ${String(signals).padStart(9)} ${String(after.serviceBus - before.serviceBus).padStart(9)} ${String(after.arm - before.arm).padStart(10)}   (HTTP ${statuses})`,
      );
    }
  } finally {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `target: every delivery answered 202 within ${TARGET_MS} ms: ${missed ? 'NOT met' : 'met'}`,
  );
  if (missed) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});

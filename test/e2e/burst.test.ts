import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { driveVirtualTime } from '../../local/host/virtualTime';
import type { Stack } from '../../local/stack';
import { emulatorOf } from '../../local/stack';
import { startOrdersStack, stopTestStacks } from './stack';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const NS = 'e2e.servicebus.windows.net';
let stack: Stack | undefined;

afterEach(async () => {
  stack = undefined;
  await stopTestStacks();
});

function start(clock: VirtualClock): Promise<Stack> {
  return startOrdersStack(clock, NS, 'e2e.azurecr.io');
}

describe('end to end on the local host, engine and emulator', () => {
  it('a spike creates groups, the backlog drains, and scale-in returns the pool to its minimum', async () => {
    const clock = new VirtualClock(T0);
    stack = await start(clock);
    const pool = () => (stack ? emulatorOf(stack) : undefined)?.control.pools().orders;
    const queue = () => (stack ? emulatorOf(stack) : undefined)?.control.queue(NS, 'orders');
    await driveVirtualTime(stack.host, T0 + 60_000);
    expect(pool()?.groups).toMatchObject({ Running: 1 });

    emulatorOf(stack).control.enqueue(NS, 'orders', 3000);
    let peak = 0;
    let drainedAt: number | undefined;
    for (
      let t = 60;
      t <= 1800 && (drainedAt === undefined || clock.now() < drainedAt + 900_000);
      t += 15
    ) {
      await driveVirtualTime(stack.host, T0 + t * 1000);
      const groups = Object.values(pool()?.groups ?? {}).reduce((a, b) => a + b, 0);
      peak = Math.max(peak, groups);
      if (drainedAt === undefined && queue()?.depth === 0) drainedAt = clock.now();
    }
    const waits = queue()?.waits;
    expect({
      peakAboveMin: peak > 1,
      drained: drainedAt !== undefined,
      final: pool()?.groups,
      dequeued: queue()?.dequeued,
    }).toEqual({ peakAboveMin: true, drained: true, final: { Running: 1 }, dequeued: 3000 });
    // 3000 messages at 5/s per group with a 120 s target: far under the 600 s one group would take.
    expect(waits?.maxSeconds).toBeLessThan(400);
    const counters = emulatorOf(stack).control.counters();
    expect(counters.arm429).toBe(0);
  });
});

describe('function keys on the local host', () => {
  const cases: { label: string; send: 'none' | 'wrong' | 'header' | 'query'; status: number }[] = [
    { label: 'no key', send: 'none', status: 401 },
    { label: 'a wrong key', send: 'wrong', status: 401 },
    { label: 'the function key in the header', send: 'header', status: 200 },
    { label: 'the function key as ?code=', send: 'query', status: 200 },
  ];
  it.each(cases)('GET /api/pools with $label answers $status', async ({ send, status }) => {
    const clock = new VirtualClock(T0);
    stack = await start(clock);
    const key = Object.values(stack.host.keys.functionKeys)[0] ?? '';
    const url = `${stack.host.url}/api/pools${send === 'query' ? `?code=${encodeURIComponent(key)}` : ''}`;
    const headers: Record<string, string> =
      send === 'header'
        ? { 'x-functions-key': key }
        : send === 'wrong'
          ? { 'x-functions-key': 'not-the-key' }
          : {};
    const res = await fetch(url, { headers });
    expect(res.status).toBe(status);
  });
});

describe('what the local stack exposes', () => {
  it('binds the host, the emulator and its control API to loopback; the Durable API asks for the system key', async () => {
    stack = await start(new VirtualClock(T0));
    const emulator = emulatorOf(stack);
    const base = `${stack.host.server.url}/runtime/webhooks/durabletask/instances/`;
    const systemKey = stack.host.keys.systemKeys['durabletask_extension'] ?? '';
    const unkeyed = await fetch(base);
    const keyed = await fetch(`${base}?code=${encodeURIComponent(systemKey)}`);
    expect({
      host: new URL(stack.host.baseUrl).hostname,
      arm: new URL(emulator.armEndpoint).hostname,
      control: new URL(emulator.controlEndpoint).hostname,
      unkeyed: unkeyed.status,
      keyed: keyed.status,
    }).toEqual({
      host: '127.0.0.1',
      arm: '127.0.0.1',
      control: '127.0.0.1',
      unkeyed: 401,
      keyed: 200,
    });
  });
});

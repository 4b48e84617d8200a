import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { EmulatorConfig } from '../../local/emulator/config';
import { driveVirtualTime } from '../../local/host/virtualTime';
import type { Stack } from '../../local/stack';
import { emulatorOf } from '../../local/stack';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import type { PoolStatus } from '../../shared/controller/status';
import { poolInput } from '../fakes/pools';
import { startTestStack, stopTestStacks } from './stack';

/**
 * Placement end to end: the real app on the local host and engine, the real SDK clients (ARM
 * usages included) on the emulator's quota lines, zones and Spot evictions.
 */

const T0 = Date.parse('2026-11-22T10:00:00Z');
const NS = 'e2e.servicebus.windows.net';
const IMAGE = 'e2e.azurecr.io/worker';
const { location: _one, ...azure } = poolInput('orders').azure;

afterEach(stopTestStacks);

/** The "orders" pool of 1-core groups whose workers drain 5 messages/s each, in `placements`. */
function start(
  clock: VirtualClock,
  pool: Partial<PoolSpecInput>,
  emulator: EmulatorConfig,
): Promise<Stack> {
  return startTestStack(
    clock,
    [
      poolInput('orders', {
        serviceBus: { namespace: NS, queue: 'orders' },
        azure,
        group: { containers: [{ name: 'worker', image: `${IMAGE}:1.0` }] },
        scaling: {
          mode: 'drain',
          targetDrainSeconds: 120,
          messagesPerSecondPerGroup: 5,
          startupSeconds: 20,
        },
        ...pool,
      }),
    ],
    {
      emulator: {
        images: { [IMAGE]: { drainRate: 5, warmUp: 1000, pull: 8000 } },
        provisioning: { pending: 4000 },
        ...emulator,
      },
    },
  );
}

/** The pool's status as GET /api/pools/orders answers it. */
async function statusOf(stack: Stack): Promise<PoolStatus> {
  const key = Object.values(stack.host.keys.functionKeys)[0] ?? '';
  const res = await fetch(`${stack.host.url}/api/pools/orders`, {
    headers: { 'x-functions-key': key },
  });
  return ((await res.json()) as { status: PoolStatus }).status;
}

/** The emulator's live groups of the pool, counted by `key`. */
function live(stack: Stack, key: (g: { location: string; zone?: string }) => string) {
  const out: Record<string, number> = {};
  for (const g of emulatorOf(stack).control.groups()) {
    if (g.pool !== 'orders' || g.phase === 'Failed') continue;
    out[key(g)] = (out[key(g)] ?? 0) + 1;
  }
  return out;
}

describe('placement end to end on the local host, engine and emulator', () => {
  it('a burst past the first region’s quota spills to the second without one refused create', async () => {
    const clock = new VirtualClock(T0);
    const stack = await start(
      clock,
      {
        minGroups: 1,
        maxGroups: 10,
        placements: [{ location: 'westeurope', zones: ['1', '2'] }, { location: 'northeurope' }],
      },
      { limits: { regions: { westeurope: { cores: 4 } } } },
    );
    await driveVirtualTime(stack.host, T0 + 60_000);
    emulatorOf(stack).control.enqueue(NS, 'orders', 6000);
    let peak: { where: Record<string, number>; status?: PoolStatus } = { where: {} };
    for (let t = 75; t <= 240; t += 15) {
      await driveVirtualTime(stack.host, T0 + t * 1000);
      const where = live(stack, (g) => `${g.location}${g.zone ? `/${g.zone}` : ''}`);
      const total = Object.values(where).reduce((a, b) => a + b, 0);
      if (total > Object.values(peak.where).reduce((a, b) => a + b, 0)) {
        peak = { where, status: await statusOf(stack) };
      }
    }
    const placement = emulatorOf(stack).control.placement().orders;
    // 6000 messages at 5/s per group in 120 s want 10 groups: 4 cores hold 4 in westeurope
    // (2 per zone), the other 6 go to northeurope, and every create is accepted first time.
    expect({
      peak: peak.where,
      bySite: peak.status?.groups?.bySite,
      sites: peak.status?.sites.map((s) => [s.site, s.state]),
      createCalls: placement?.createCalls,
      refused: placement?.refused,
    }).toEqual({
      peak: { 'westeurope/1': 2, 'westeurope/2': 2, northeurope: 6 },
      bySite: { westeurope: 4, northeurope: 6 },
      sites: [
        ['westeurope', 'open'],
        ['northeurope', 'open'],
      ],
      createCalls: 10,
      refused: { quota: 0, capacity: 0, other: 0 },
    });
    // Scale-in under fill removes the less preferred region's groups first.
    for (let t = 255; t <= 1800 && emulatorOf(stack).control.depth(NS, 'orders') !== 0; t += 60)
      await driveVirtualTime(stack.host, T0 + t * 1000);
    await driveVirtualTime(stack.host, clock.now() + 900_000);
    expect(live(stack, (g) => g.location)).toEqual({ westeurope: 1 });
  });

  it('evicted Spot groups are replaced, in the Regular site once evictions repeat', async () => {
    const clock = new VirtualClock(T0);
    const stack = await start(
      clock,
      {
        minGroups: 2,
        maxGroups: 4,
        placements: [{ location: 'westeurope', priority: 'Spot' }, { location: 'westeurope' }],
      },
      // One eviction every 2 minutes on average per Spot group.
      { faults: { spotEvictionsPerHour: 30 } },
    );
    for (let t = 60; t <= 1200; t += 60) await driveVirtualTime(stack.host, T0 + t * 1000);
    const placement = emulatorOf(stack).control.placement().orders;
    // Each eviction is replaced by one create, and the Spot site closes once evictions repeat.
    expect({
      evicted: (placement?.evictions ?? 0) >= 2,
      createCalls: placement?.createCalls,
      running: live(stack, (g) => ('priority' in g ? 'Spot' : 'Regular')),
    }).toEqual({
      evicted: true,
      createCalls: 2 + (placement?.evictions ?? 0),
      running: { Regular: 2 },
    });
  });
});

/**
 * The workload model in virtual time: arrivals from every kind of schedule, groups of a pool
 * draining its queue at their image's rate after warm-up, wait percentiles, topic fan-out,
 * hours of model time in one jump, and bounded memory. Groups are created through Surge's own
 * adapter (the real SDK on the wire); the workload is read and driven through the control API.
 */
import { afterEach, describe, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import type { Emulator, EmulatorConfig, ArrivalSchedule } from '../../local/emulator';
import type { GroupRequest } from '../../shared/azure/ports';
import { Histogram } from '../../local/emulator/workload/histogram';
import { FluidQueue } from '../../local/emulator/workload/queue';
import { RG, SUB, T0, emulator, expectResult, ports } from './helpers';

const NS = 'surge-test.servicebus.windows.net';

/** A pool "orders" draining queue "orders": 10 msg/s per container, 5 s warm-up. */
const CONFIG: EmulatorConfig = {
  provisioning: { pending: 5_000 },
  images: {
    'contoso.azurecr.io/worker:1': {
      drainRate: 10,
      warmUp: 5_000,
      pull: 10_000,
      health: { startup: 0, degradedProbability: 0 },
    },
  },
  pools: { orders: { namespace: NS, entity: 'orders' } },
  serviceBus: { namespaces: [{ name: NS, queues: ['orders'], topics: { events: ['a', 'b'] } }] },
};

/** A group of pool "orders" running the worker image. */
function group(name: string): GroupRequest {
  return {
    subscriptionId: SUB,
    resourceGroup: RG,
    name,
    location: 'westeurope',
    tags: { 'surge-pool': 'orders' },
    osType: 'Linux',
    restartPolicy: 'Always',
    containers: [
      {
        name: 'worker',
        image: 'contoso.azurecr.io/worker:1',
        cpu: 1,
        memoryInGB: 1.5,
        ports: [],
        environment: [],
        volumeMounts: [],
      },
    ],
    registryCredentials: [],
    identities: [],
    volumes: [],
  };
}

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function start(config: EmulatorConfig = CONFIG, seed = 7) {
  const clock = new VirtualClock(T0);
  emu = await emulator(config, clock, seed);
  return { emu, clock, control: emu.control };
}

/** True when x is within `rel` (relative) of want. */
const near = (x: number | null | undefined, want: number, rel = 0.02) =>
  x !== null && x !== undefined && Math.abs(x - want) <= rel * Math.max(1, Math.abs(want));

describe('draining', () => {
  it('two groups drain 1000 messages at 20/s after provisioning and warm-up', async () => {
    const { emu, control } = await start();
    control.enqueue(NS, 'orders', 1000);
    const p = ports(emu);
    await p.containerGroups.beginCreate(group('orders-a'));
    await p.containerGroups.beginCreate(group('orders-b'));
    // Pending 5 s, pulling 10 s, Running at 15 s, draining from 20 s at 2 × 10 msg/s: empty at 70 s.
    const depthAt = (s: number) => {
      control.advance(T0 + s * 1000 - control.now());
      return control.queue(NS, 'orders')!.depth;
    };
    const depths = [10, 20, 45, 69, 70, 100].map((s) => [s, depthAt(s)]);
    const stats = control.queue(NS, 'orders')!;
    // Message k waits 20 + k/20 s: evenly from 20 s to 70 s.
    expectResult(
      'depths and waits',
      {
        depths,
        dequeued: stats.dequeued,
        p50: near(stats.waits.p50Seconds, 45),
        p95: near(stats.waits.p95Seconds, 67.5),
        max: near(stats.waits.maxSeconds, 70, 0.001),
        pools: control.pools().orders?.groups,
      },
      {
        depths: [
          [10, 1000],
          [20, 1000],
          [45, 500],
          [69, 20],
          [70, 0],
          [100, 0],
        ],
        dequeued: 1000,
        p50: true,
        p95: true,
        max: true,
        pools: { Running: 2 },
      },
    );
  });

  it('a consumer outside the groups drains its queue from its start to its end, with a group on top', async () => {
    const { emu, control } = await start({
      ...CONFIG,
      workload: {
        consumers: [{ namespace: NS, entity: 'orders', rate: 4, startMs: 10_000, endMs: 60_000 }],
      },
    });
    control.enqueue(NS, 'orders', 1000);
    await ports(emu).containerGroups.beginCreate(group('orders-a'));
    const depthAt = (s: number) => {
      control.advance(T0 + s * 1000 - control.now());
      return control.queue(NS, 'orders')!.depth;
    };
    // The consumer drains 4/s from 10 s; the group adds 10/s from 20 s; the consumer stops at 60 s.
    // 1000 − 4·10 = 960 at 20 s; − 14·40 = 400 at 60 s; − 10·20 = 200 at 80 s.
    expectResult(
      'depths',
      [10, 20, 60, 80].map((s) => [s, depthAt(s)]),
      [
        [10, 1000],
        [20, 960],
        [60, 400],
        [80, 200],
      ],
    );
  });

  it('hours of model time in one jump: 6 h of a sine workload against one group', async () => {
    const { emu, control } = await start();
    await ports(emu).containerGroups.beginCreate(group('orders-a'));
    control.setArrivals(NS, 'orders', [
      { kind: 'sine', mean: 6, amplitude: 3, periodMs: 3_600_000 },
    ]);
    const started = performance.now();
    control.advance(6 * 3600_000);
    const elapsedMs = performance.now() - started;
    const stats = control.queue(NS, 'orders')!;
    const usage = control.pools().orders!.usage;
    // 6 full periods of mean 6 msg/s: 6 × 21 600 = 129 600 messages; one group drains 10/s, so
    // only the 20 s before it drains queue up, then the queue stays short.
    expectResult(
      'six hours',
      {
        enqueued: stats.enqueued,
        drainedAlmostAll: stats.depth < 10,
        fast: elapsedMs < 2000,
        p99Small: (stats.waits.p99Seconds ?? 99) < 1,
        // Billed from the pull start (5 s) to the end: 6 h − 5 s.
        containerSeconds: usage.containerSeconds,
      },
      {
        enqueued: 129_600,
        drainedAlmostAll: true,
        fast: true,
        p99Small: true,
        containerSeconds: 6 * 3600 - 5,
      },
    );
  });

  it('a stopped group stops draining; start brings it back after provisioning', async () => {
    const { emu, control } = await start();
    const p = ports(emu);
    await p.containerGroups.beginCreate(group('orders-a'));
    control.advance(20_000); // draining from now
    control.setArrivals(NS, 'orders', [{ kind: 'constant', rate: 5 }]);
    control.advance(60_000);
    const before = control.queue(NS, 'orders')!.depth;
    const { aci } = await import('./helpers').then((h) => h.sdkClients(emu));
    await aci.containerGroups.stop(RG, 'orders-a');
    control.advance(60_000);
    const stopped = control.queue(NS, 'orders')!.depth;
    await aci.containerGroups.beginStart(RG, 'orders-a', { updateIntervalInMs: 1 });
    // 5 + 10 s provisioning and 5 s warm-up add 100 more (400); then 10 − 5 = 5/s net for 80 s.
    control.advance(40_000);
    const warming = control.queue(NS, 'orders')!.depth;
    control.advance(60_000);
    const after = control.queue(NS, 'orders')!.depth;
    expectResult(
      'stop and start',
      { before, stopped, warming, after },
      { before: 0, stopped: 300, warming: 300, after: 0 },
    );
  });
});

describe('arrival schedules', () => {
  const cases: { label: string; schedules: ArrivalSchedule[]; at: number[]; expected: number[] }[] =
    [
      {
        label: 'constant 5/s',
        schedules: [{ kind: 'constant', rate: 5 }],
        at: [60],
        expected: [300],
      },
      {
        label: 'constant between 10 s and 40 s',
        schedules: [{ kind: 'constant', rate: 2, startMs: 10_000, endMs: 40_000 }],
        at: [10, 40, 60],
        expected: [0, 60, 60],
      },
      {
        label: 'steps 2/s then 10/s at 30 s',
        schedules: [
          {
            kind: 'steps',
            steps: [
              { atMs: 0, rate: 2 },
              { atMs: 30_000, rate: 10 },
            ],
          },
        ],
        at: [30, 60],
        expected: [60, 360],
      },
      {
        label: 'ramp 0 → 10/s over 60 s, then held',
        schedules: [{ kind: 'ramp', from: 0, to: 10, durationMs: 60_000 }],
        at: [30, 60, 120],
        expected: [75, 300, 900],
      },
      {
        label: 'sine mean 10, amplitude 10, one period per minute',
        schedules: [{ kind: 'sine', mean: 10, amplitude: 10, periodMs: 60_000 }],
        at: [15, 60, 120],
        // First quarter: 10 × 15 + (10 / (2π/60)) × (1 − cos(π/2)) = 150 + 95.49 = 245.
        expected: [245, 600, 1200],
      },
      {
        label: 'bursts of 100 at 10 s, every 20 s, 3 times',
        schedules: [{ kind: 'burst', atMs: 10_000, count: 100, everyMs: 20_000, times: 3 }],
        at: [9, 10, 30, 60, 600],
        expected: [0, 100, 200, 300, 300],
      },
      {
        label: 'schedules add up',
        schedules: [
          { kind: 'constant', rate: 1 },
          { kind: 'burst', atMs: 0, count: 50 },
        ],
        at: [0, 60],
        expected: [0, 110],
      },
    ];
  for (const c of cases) {
    it(c.label, async () => {
      const { control } = await start();
      control.setArrivals(NS, 'orders', c.schedules);
      const seen = c.at.map((s) => {
        control.advance(T0 + s * 1000 - control.now());
        return control.queue(NS, 'orders')!.enqueued;
      });
      expectResult(c.label, seen, c.expected);
    });
  }

  it('random bursts come from the seed: same seed, same bursts; another seed, others', async () => {
    const run = async (seed: number) => {
      const { control } = await start(CONFIG, seed);
      control.setArrivals(NS, 'orders', [
        {
          kind: 'randomBursts',
          meanIntervalMs: 10_000,
          size: { kind: 'uniform', min: 10, max: 90 },
        },
      ]);
      const seen = [60, 600].map((s) => {
        control.advance(T0 + s * 1000 - control.now());
        return control.queue(NS, 'orders')!.enqueued;
      });
      await emu?.close();
      emu = undefined;
      return seen;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    // About 60 bursts of 50 by 600 s.
    expectResult(
      'random bursts',
      {
        same: a,
        differs: JSON.stringify(c) !== JSON.stringify(a),
        plausible: a[1]! > 1500 && a[1]! < 4500,
      },
      { same: b, differs: true, plausible: true },
    );
  });

  it('a topic fans out: enqueue and schedules reach every subscription', async () => {
    const { control } = await start();
    control.enqueue(NS, 'events', 10);
    control.setArrivals(NS, 'events', [{ kind: 'constant', rate: 1 }]);
    control.advance(30_000);
    expectResult(
      'fan-out',
      ['events/Subscriptions/a', 'events/Subscriptions/b'].map(
        (e) => control.queue(NS, e)!.enqueued,
      ),
      [40, 40],
    );
  });
});

describe('memory stays bounded', () => {
  it('10 hours at 1000 msg/s with nobody draining: 36 million messages in at most 64 batches', () => {
    const q = new FluidQueue({ maxBatches: 64 });
    const start = T0;
    for (let s = 0; s < 36_000; s++) {
      q.segment(start + s * 1000, start + (s + 1) * 1000, 1000, 0);
    }
    const stats = q.stats(start + 36_000_000);
    expectResult(
      'bounded',
      { depth: stats.depth, batches: q.batchCount <= 64, oldest: stats.oldestAgeSeconds },
      { depth: 36_000_000, batches: true, oldest: 36_000 },
    );
  });

  it('the wait histogram is within 1 % of exact percentiles', () => {
    const h = new Histogram();
    // 10 000 waits evenly spread over 0–100 s: p50 50 s, p95 95 s, p99 99 s, max 100 s.
    h.addRange(0, 100_000, 10_000);
    const s = h.stats();
    expectResult(
      'percentiles',
      {
        p50: near(s.p50Seconds, 50, 0.015),
        p95: near(s.p95Seconds, 95, 0.015),
        p99: near(s.p99Seconds, 99, 0.015),
        count: s.count,
      },
      { p50: true, p95: true, p99: true, count: 10_000 },
    );
  });
});

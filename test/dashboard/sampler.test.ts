/**
 * The dashboard sampler: its pure parts (versions, one pool's sample, the decision log, the ring,
 * the column-wise series) on tables of plain data, and the sampler itself in virtual time over
 * hand-written fakes, moved by `driveVirtualTime` so it samples at exact instants.
 */
import { afterEach, describe, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../local/clock';
import type { DashboardPool, PoolSample, Sample } from '../../local/dashboard/sampler';
import {
  DashboardSampler,
  dashboardPools,
  mergeDecisions,
  poolSampleOf,
  Ring,
  seriesOf,
  versionOfImages,
} from '../../local/dashboard/sampler';
import { driveVirtualTime } from '../../local/host/virtualTime';
import { parsePools } from '../../shared/config/pools';
import { readFileSync } from 'node:fs';
import {
  decision,
  DEMO_POOLS,
  expectResult,
  FakeControllers,
  FakeEmulator,
  idleTarget,
  iso,
  poolStatus,
  T0,
} from './helpers';

const NS = 'demo.servicebus.windows.net';

const ORDERS: DashboardPool = {
  name: 'orders',
  policy: 'drain',
  namespace: NS,
  entity: 'orders',
  minGroups: 1,
  maxGroups: 10,
  trafficManager: null,
  versionRepository: 'worker',
  reconcileSeconds: 60,
};

const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('versionOfImages', () => {
  const cases: { label: string; images: string[]; repository: string | null; expected: string }[] =
    [
      { label: 'a tag', images: ['r.io/worker:1.0'], repository: 'worker', expected: '1.0' },
      {
        label: 'a digest wins over the tag',
        images: ['r.io/worker:1.1@sha256:' + 'ab'.repeat(32)],
        repository: 'worker',
        expected: 'sha256:' + 'ab'.repeat(32),
      },
      {
        label: 'the followed repository, not the sidecar listed first',
        images: ['r.io/envoy:2.0', 'r.io/worker:3.1'],
        repository: 'worker',
        expected: '3.1',
      },
      {
        label: 'no followed repository: the first image',
        images: ['r.io/envoy:2.0', 'r.io/worker:3.1'],
        repository: null,
        expected: '2.0',
      },
      { label: 'no tag: latest', images: ['nginx'], repository: null, expected: 'latest' },
      { label: 'no image at all', images: [], repository: null, expected: 'unknown' },
    ];
  it.each(cases)('$label', ({ label, images, repository, expected }) => {
    expectResult(label, versionOfImages(images, repository), expected);
  });
});

describe('dashboardPools', () => {
  it('takes what the page shows from the demo pools document', () => {
    const config = parsePools(readFileSync(DEMO_POOLS, 'utf8'), 'demo');
    expectResult('demo pools', dashboardPools(config.pools), [
      {
        name: 'orders',
        policy: 'drain',
        namespace: 'surge-demo.servicebus.windows.net',
        entity: 'orders',
        minGroups: 1,
        maxGroups: 12,
        trafficManager: null,
        versionRepository: 'orders-worker',
        reconcileSeconds: 300,
      },
      {
        name: 'web',
        policy: 'keda',
        namespace: 'surge-demo.servicebus.windows.net',
        entity: 'web-jobs',
        minGroups: 2,
        maxGroups: 8,
        trafficManager: 'web-tm',
        versionRepository: 'web',
        reconcileSeconds: 300,
      },
    ]);
  });
});

describe('poolSampleOf', () => {
  const queue = (depth: number, enqueued: number, dequeued: number) => ({
    depth,
    enqueued,
    dequeued,
    oldestAgeSeconds: 1.23456,
    waits: { p95Seconds: dequeued > 0 ? 2.5 : null },
  });
  const base: PoolSample = {
    depth: 100,
    enqueued: 1000,
    dequeued: 900,
    arrivalsPerSecond: null,
    drainedPerSecond: null,
    oldestAgeSeconds: 1,
    waitP95Seconds: 1,
    phases: {},
    versions: {},
    desired: 2,
  };
  const cases: {
    label: string;
    readings: Parameters<typeof poolSampleOf>[1];
    previous: Parameters<typeof poolSampleOf>[3];
    expected: PoolSample;
  }[] = [
    {
      label: 'the first sample has no rates',
      readings: { queue: queue(5, 5, 0), groups: [], desired: null },
      previous: undefined,
      expected: {
        depth: 5,
        enqueued: 5,
        dequeued: 0,
        arrivalsPerSecond: null,
        drainedPerSecond: null,
        oldestAgeSeconds: 1.235,
        waitP95Seconds: null,
        phases: {},
        versions: {},
        desired: null,
      },
    },
    {
      label: 'rates are counter deltas over the model time between samples',
      // 5 s later: 1500 more enqueued (a burst) and 60 more drained.
      readings: { queue: queue(1540, 2500, 960), groups: [], desired: 6 },
      previous: { t: T0, sample: base },
      expected: {
        depth: 1540,
        enqueued: 2500,
        dequeued: 960,
        arrivalsPerSecond: 300,
        drainedPerSecond: 12,
        oldestAgeSeconds: 1.235,
        waitP95Seconds: 2.5,
        phases: {},
        versions: {},
        desired: 6,
      },
    },
    {
      label: 'a counter that went backwards (entity recreated) gives no rate',
      readings: { queue: queue(0, 10, 900), groups: [], desired: 2 },
      previous: { t: T0, sample: base },
      expected: {
        depth: 0,
        enqueued: 10,
        dequeued: 900,
        arrivalsPerSecond: null,
        drainedPerSecond: 0,
        oldestAgeSeconds: 1.235,
        waitP95Seconds: 2.5,
        phases: {},
        versions: {},
        desired: 2,
      },
    },
    {
      label: 'groups by phase; versions count live groups only',
      readings: {
        queue: queue(0, 0, 0),
        groups: [
          { phase: 'Running', images: ['r.io/worker:1.0'] },
          { phase: 'Running', images: ['r.io/worker:1.0'] },
          { phase: 'Warming', images: ['r.io/worker@sha256:' + 'cd'.repeat(32)] },
          { phase: 'Pending', images: ['r.io/worker@sha256:' + 'cd'.repeat(32)] },
          { phase: 'Failed', images: ['r.io/worker:1.0'] },
          { phase: 'Stopped', images: ['r.io/worker:0.9'] },
        ],
        desired: 4,
      },
      previous: undefined,
      expected: {
        depth: 0,
        enqueued: 0,
        dequeued: 0,
        arrivalsPerSecond: null,
        drainedPerSecond: null,
        oldestAgeSeconds: 1.235,
        waitP95Seconds: null,
        phases: { Running: 2, Warming: 1, Pending: 1, Failed: 1, Stopped: 1 },
        versions: { '1.0': 2, ['sha256:' + 'cd'.repeat(32)]: 2 },
        desired: 4,
      },
    },
  ];
  it.each(cases)('$label', ({ label, readings, previous, expected }) => {
    expectResult(label, poolSampleOf(ORDERS, readings, T0 + 5000, previous), expected);
  });
});

describe('mergeDecisions', () => {
  const a = decision(T0, 1, 'a');
  const b = decision(T0 + 15_000, 3, 'b');
  const c = decision(T0 + 30_000, 5, 'c');
  const d = decision(T0 + 45_000, 5, 'd');
  const cases = [
    {
      label: 'an empty log takes the status list',
      log: [],
      recent: [a, b],
      keep: 10,
      expected: [a, b],
    },
    {
      label: 'decisions already logged are not repeated',
      log: [a, b],
      recent: [b, c],
      keep: 10,
      expected: [a, b, c],
    },
    {
      label: 'the newest `keep` are kept',
      log: [a, b],
      recent: [b, c, d],
      keep: 3,
      expected: [b, c, d],
    },
    {
      label: 'kept in time order whatever the arrival order',
      log: [c],
      recent: [a, d],
      keep: 10,
      expected: [a, c, d],
    },
  ];
  it.each(cases)('$label', ({ label, log, recent, keep, expected }) => {
    expectResult(label, mergeDecisions(log, recent, keep), expected);
  });
});

describe('Ring', () => {
  const cases = [
    {
      label: 'under capacity',
      capacity: 3,
      pushes: [1, 2],
      expected: { items: [1, 2], last: 2, size: 2 },
    },
    {
      label: 'exactly full',
      capacity: 3,
      pushes: [1, 2, 3],
      expected: { items: [1, 2, 3], last: 3, size: 3 },
    },
    {
      label: 'beyond capacity drops the oldest',
      capacity: 3,
      pushes: [1, 2, 3, 4, 5, 6, 7],
      expected: { items: [5, 6, 7], last: 7, size: 3 },
    },
    { label: 'empty', capacity: 2, pushes: [], expected: { items: [], last: undefined, size: 0 } },
  ];
  it.each(cases)('$label', ({ label, capacity, pushes, expected }) => {
    const ring = new Ring<number>(capacity);
    for (const p of pushes) ring.push(p);
    expectResult(label, { items: ring.toArray(), last: ring.last(), size: ring.size }, expected);
  });
});

describe('seriesOf', () => {
  it('aligns every column with the sample times; a version first seen later is 0 before', () => {
    const sample = (t: number, p: Partial<PoolSample> | undefined): Sample => ({
      t,
      pools: p === undefined ? {} : { orders: { ...emptySample, ...p } },
    });
    const emptySample: PoolSample = {
      depth: 0,
      enqueued: 0,
      dequeued: 0,
      arrivalsPerSecond: null,
      drainedPerSecond: null,
      oldestAgeSeconds: 0,
      waitP95Seconds: null,
      phases: {},
      versions: {},
      desired: null,
    };
    const samples = [
      sample(T0, { depth: 10, phases: { Pending: 1 }, versions: { '1.0': 1 }, desired: 1 }),
      sample(T0 + 5000, {
        depth: 40,
        arrivalsPerSecond: 8,
        drainedPerSecond: 2,
        phases: { Running: 1, Creating: 1 },
        versions: { '1.0': 1, v2: 1 },
        desired: 2,
      }),
      sample(T0 + 10_000, undefined),
      sample(T0 + 15_000, {
        depth: 0,
        arrivalsPerSecond: 1,
        drainedPerSecond: 9,
        phases: { Running: 1 },
        versions: { v2: 1 },
        desired: 1,
      }),
    ];
    expectResult('series', seriesOf('orders', samples), {
      t: [T0, T0 + 5000, T0 + 10_000, T0 + 15_000],
      depth: [10, 40, null, 0],
      arrivals: [null, 8, null, 1],
      drained: [null, 2, null, 9],
      desired: [1, 2, null, 1],
      phases: {
        Running: [0, 1, 0, 1],
        Warming: [0, 0, 0, 0],
        Creating: [0, 1, 0, 0],
        Pending: [1, 0, 0, 0],
        Failed: [0, 0, 0, 0],
        Stopped: [0, 0, 0, 0],
      },
      versions: { '1.0': [1, 1, 0, 0], v2: [0, 1, 0, 1] },
    });
  });
});

describe('DashboardSampler in virtual time', () => {
  /**
   * A queue filling at 10 msg/s and drained at 4 msg/s per running group, with one group running
   * from T0 + 10 s and a second (new version) pending from T0 + 20 s: readings are exact functions
   * of model time, so every sample is known in advance.
   */
  function world(clock: VirtualClock) {
    const secs = (t: number) => (t - T0) / 1000;
    return new FakeEmulator(clock, {
      queues: {
        [`${NS}/orders`]: (t) => {
          const enqueued = 10 * secs(t);
          const dequeued = 4 * Math.max(0, secs(t) - 10);
          return { depth: enqueued - dequeued, enqueued, dequeued };
        },
        [`${NS}/other`]: () => ({ depth: 99, enqueued: 99, dequeued: 0 }),
      },
      groups: (t) => [
        {
          pool: 'orders',
          phase: secs(t) >= 10 ? 'Running' : 'Creating',
          images: ['r.io/worker:1.0'],
        },
        ...(secs(t) >= 20
          ? [{ pool: 'orders', phase: 'Pending' as const, images: ['r.io/worker:2.0'] }]
          : []),
        { pool: 'someone-else', phase: 'Running' as const, images: ['x'] },
      ],
    });
  }

  it('samples at its start instant and then exactly every interval, keeping the window', async () => {
    const clock = new VirtualClock(T0);
    const target = await idleTarget(clock);
    stops.push(() => target.stop());
    const controllers = new FakeControllers();
    controllers.set('orders', { desired: 1, recentDecisions: [decision(T0 - 1000, 1, 'start')] });
    const emulator = world(clock);
    const placement = {
      createCalls: 3,
      refused: { quota: 1, capacity: 0, other: 0 },
      bySite: { westeurope: 2 },
      capacityFailures: 0,
      evictions: 0,
      failedGroups: 0,
      replacedGroups: 0,
    };
    emulator.placementByPool = { orders: placement };
    const sampler = new DashboardSampler({
      clock,
      pools: [ORDERS],
      emulator,
      controllers: controllers.read,
      intervalMs: 10_000,
      windowMs: 30_000,
    });
    const seen: string[] = [];
    const off = sampler.onSample((s, fresh) =>
      seen.push(
        `${iso(s.t)} ${[...fresh].map(([p, ds]) => `${p}:${ds.map((d) => d.reason).join(',')}`).join(' ')}`,
      ),
    );
    stops.push(() => {
      off();
    });
    await driveVirtualTime(target, T0 + 25_000, { participants: [sampler] });
    controllers.set('orders', {
      desired: 2,
      version: '1.0',
      recentDecisions: [decision(T0 - 1000, 1, 'start'), decision(T0 + 26_000, 2, 'backlog')],
    });
    await driveVirtualTime(target, T0 + 40_000, { participants: [sampler] });

    const snapshot = sampler.snapshot();
    expectResult(
      'samples',
      { seq: sampler.seq, seen, next: iso(sampler.nextEventAt()) },
      {
        seq: 5,
        seen: [
          `${iso(T0)} orders:start`,
          `${iso(T0 + 10_000)} `,
          `${iso(T0 + 20_000)} `,
          `${iso(T0 + 30_000)} orders:backlog`,
          `${iso(T0 + 40_000)} `,
        ],
        next: iso(T0 + 50_000),
      },
    );
    expectResult('snapshot', snapshot, {
      seq: 5,
      now: iso(T0 + 40_000),
      nowMs: T0 + 40_000,
      intervalMs: 10_000,
      windowMs: 30_000,
      totals: {
        groups: 2,
        running: 1,
        waiting: 280,
        armRequests: 15,
        arm429: 0,
        arm5xx: 0,
        serviceBusAdmin: 7,
      },
      pools: [
        {
          ...ORDERS,
          controller: {
            runtimeStatus: 'Running',
            status: poolStatus('orders', {
              desired: 2,
              version: '1.0',
              recentDecisions: [
                decision(T0 - 1000, 1, 'start'),
                decision(T0 + 26_000, 2, 'backlog'),
              ],
            }),
            lastUpdatedTime: iso(T0),
          },
          // The fake status was never observed: the page marks it stale.
          stale: {
            observedAt: null,
            ageSeconds: null,
            reason: 'not observed since the controller started',
          },
          latest: {
            depth: 280,
            arrivalsPerSecond: 10,
            drainedPerSecond: 4,
            oldestAgeSeconds: 2,
            waitP95Seconds: 1.5,
            phases: { Running: 1, Pending: 1 },
            versions: { '1.0': 1, '2.0': 1 },
            desired: 2,
          },
          // The window holds 3 samples: T0 + 20 s, 30 s and 40 s.
          series: {
            t: [T0 + 20_000, T0 + 30_000, T0 + 40_000],
            depth: [160, 220, 280],
            arrivals: [10, 10, 10],
            drained: [4, 4, 4],
            desired: [1, 2, 2],
            phases: {
              Running: [1, 1, 1],
              Warming: [0, 0, 0],
              Creating: [0, 0, 0],
              Pending: [1, 1, 1],
              Failed: [0, 0, 0],
              Stopped: [0, 0, 0],
            },
            versions: { '1.0': [1, 1, 1], '2.0': [1, 1, 1] },
          },
          decisions: [decision(T0 - 1000, 1, 'start'), decision(T0 + 26_000, 2, 'backlog')],
          placement,
        },
      ],
      lastError: null,
    });
  });

  it('shows a pool with no controller and no queue as such, and a failed read as lastError', async () => {
    const clock = new VirtualClock(T0);
    const target = await idleTarget(clock);
    stops.push(() => target.stop());
    let broken = false;
    const emulator = new FakeEmulator(clock, { queues: {} });
    const sampler = new DashboardSampler({
      clock,
      pools: [ORDERS],
      emulator: {
        queues: () => {
          if (broken) throw new Error('the emulator is closed');
          return emulator.queues();
        },
        groups: () => emulator.groups(),
        counters: () => emulator.counters(),
        placement: () => emulator.placement(),
      },
      controllers: new FakeControllers().read,
    });
    await driveVirtualTime(target, T0, { participants: [sampler] });
    const before = sampler.snapshot();
    broken = true;
    let thrown = '';
    try {
      await driveVirtualTime(target, T0 + 5000, { participants: [sampler] });
    } catch (error) {
      thrown = (error as Error).message;
    }
    const after = sampler.snapshot();
    expectResult(
      'no controller, no queue; then a failure',
      {
        pools: before.pools.map((p) => [p.controller, p.latest, p.series.t.length, p.decisions]),
        thrown,
        lastError: after.lastError,
        seq: after.seq,
      },
      {
        pools: [[null, null, 1, []]],
        thrown: 'the emulator is closed',
        lastError: 'the emulator is closed',
        seq: 1,
      },
    );
  });
});

describe('DashboardSampler in real time', () => {
  it('start() samples at once and stop() ends the timer', () => {
    const clock = new SystemClock();
    const sampler = new DashboardSampler({
      clock,
      pools: [ORDERS],
      emulator: new FakeEmulator(clock, {
        queues: { [`${NS}/orders`]: () => ({ depth: 3, enqueued: 3, dequeued: 0 }) },
      }),
      controllers: new FakeControllers().read,
      intervalMs: 60_000,
    });
    sampler.start();
    stops.push(() => sampler.stop());
    sampler.start(); // a second start is a no-op, not a second timer
    expectResult(
      'started',
      { seq: sampler.seq, depth: sampler.snapshot().pools[0]?.latest?.depth },
      { seq: 1, depth: 3 },
    );
  });
});

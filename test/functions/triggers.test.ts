import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { AzureError } from '../../shared/azure/errors';
import { watchDepth } from '../../functions/depthWatch';
import { ensureAll } from '../../functions/ensureControllers';
import { samplePools } from '../../functions/poolTelemetry';
import { tickScaleIn } from '../../functions/scaleInTick';
import { FakeQueueMetrics } from '../fakes/azure';
import { pointsOf } from '../telemetry/points';
import { FakeControllers } from '../fakes/controllers';
import { poolInput, poolsOf } from '../fakes/pools';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const NS_A = 'contoso.servicebus.windows.net';
const NS_B = 'fabrikam.servicebus.windows.net';

describe('depthWatch', () => {
  const pools = poolsOf(
    poolInput('orders'),
    poolInput('invoices'),
    poolInput('refunds'),
    poolInput('thumbs', {
      serviceBus: { namespace: NS_A, topic: 'uploads', subscription: 'thumbs' },
    }),
    poolInput('ocr', { serviceBus: { namespace: NS_A, topic: 'uploads', subscription: 'ocr' } }),
    poolInput('emails', { serviceBus: { namespace: NS_B, queue: 'emails' } }),
  );

  it('reads each namespace once (one queue listing, one listing per topic), not once per pool', async () => {
    const metrics = new FakeQueueMetrics();
    for (const [entity, n] of [
      ['orders', 120],
      ['invoices', 0],
      ['refunds', 7],
      ['uploads/Subscriptions/thumbs', 40],
      ['uploads/Subscriptions/ocr', 2],
      ['unrelated', 99],
    ] as const) {
      metrics.set(NS_A, entity, n);
    }
    metrics.set(NS_B, 'EMAILS', 5); // Service Bus names are case-insensitive
    const controllers = new FakeControllers();
    const report = await watchDepth({
      pools,
      queueMetrics: metrics,
      controllers,
      now: () => NOW,
    })();
    expect({ calls: metrics.calls, report }).toEqual({
      calls: { listQueues: 2, listSubscriptions: 1, get: 0 },
      report: {
        sampled: ['emails', 'invoices', 'ocr', 'orders', 'refunds', 'thumbs'],
        failed: [],
        undelivered: [],
      },
    });
    const active = Object.fromEntries(
      controllers.signals.map(({ pool, signal }) => [
        pool,
        signal.kind === 'depth' ? signal.active : signal.kind,
      ]),
    );
    expect(active).toEqual({ orders: 120, invoices: 0, refunds: 7, thumbs: 40, ocr: 2, emails: 5 });
  });

  it('turns an unreadable namespace or a missing queue into depthFailed signals, and reports undelivered ones', async () => {
    const metrics = new FakeQueueMetrics();
    metrics.set(NS_A, 'orders', 1);
    metrics.set(NS_A, 'invoices', 1);
    metrics.set(NS_A, 'uploads/Subscriptions/thumbs', 1);
    metrics.set(NS_A, 'uploads/Subscriptions/ocr', 1);
    metrics.failing.set(NS_B, new AzureError('auth', 'Unauthorized', 'Manage claim required', 401));
    const controllers = new FakeControllers();
    controllers.unreachable.add('invoices');
    const report = await watchDepth({
      pools,
      queueMetrics: metrics,
      controllers,
      now: () => NOW,
    })();
    expect(report).toEqual({
      sampled: ['invoices', 'ocr', 'orders', 'thumbs'],
      failed: [
        { pool: 'emails', error: `${NS_B}: Unauthorized: Manage claim required` },
        { pool: 'refunds', error: `refunds not found in ${NS_A}` },
      ],
      undelivered: [{ pool: 'invoices', error: 'task hub unreachable' }],
    });
    expect(
      controllers.signals
        .filter((s) => s.signal.kind === 'depthFailed')
        .map((s) => s.pool)
        .sort(),
    ).toEqual(['emails', 'refunds']);
  });
});

describe('scaleInTick and ensureControllers', () => {
  const pools = poolsOf(poolInput('orders'), poolInput('invoices'));

  it('signals every pool with a scale-in tick', async () => {
    const controllers = new FakeControllers();
    expect(await tickScaleIn({ pools, controllers, now: () => NOW })()).toEqual([]);
    expect(controllers.signals).toEqual([
      { pool: 'orders', signal: { kind: 'scaleIn', at: NOW } },
      { pool: 'invoices', signal: { kind: 'scaleIn', at: NOW } },
    ]);
  });

  it('starts missing or ended controllers and leaves running ones alone', async () => {
    const controllers = new FakeControllers();
    controllers.runtimes.set('orders', { runtimeStatus: 'Running', status: null });
    controllers.runtimes.set('invoices', { runtimeStatus: 'Failed', status: null });
    expect(await ensureAll({ pools, controllers })()).toEqual({
      orders: 'running',
      invoices: 'started',
    });
  });
});

describe('depthWatch holds back unchanged readings', () => {
  it('signals an unchanged reading at most once a minute, a changed one at once', async () => {
    const pools = poolsOf(poolInput('orders'));
    const metrics = new FakeQueueMetrics();
    const controllers = new FakeControllers();
    const lastSignalled = new Map();
    let now = NOW;
    const watch = watchDepth({
      pools,
      queueMetrics: metrics,
      controllers,
      now: () => now,
      lastSignalled,
    });
    const sent: number[] = [];
    for (const [seconds, depth] of [
      [0, 0],
      [15, 0],
      [30, 0],
      [45, 7],
      [60, 7],
      [105, 7],
      [120, 7],
    ] as const) {
      now = NOW + seconds * 1000;
      metrics.set(NS_A, 'orders', depth);
      const before = controllers.signals.length;
      await watch();
      if (controllers.signals.length > before) sent.push(seconds);
    }
    // 0: first; 45: changed; 105: unchanged for 60 s since 45; 120: only 15 s since 105.
    expect(sent).toEqual([0, 45, 105]);
  });
});

describe('poolTelemetry', () => {
  const pools = poolsOf(poolInput('orders'), poolInput('invoices'));

  it('samples the pools it can read, reports the others, and keeps their marks', async () => {
    const controllers = new FakeControllers();
    controllers.runtimes.set('orders', { runtimeStatus: 'Running', status: null });
    controllers.unreachable.add('invoices');
    const metricsOut = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const reader = new PeriodicExportingMetricReader({
      exporter: metricsOut,
      exportIntervalMillis: 3_600_000,
    });
    const meterProvider = new MeterProvider({ readers: [reader] });
    const invoicesMark = { decisionsThrough: NOW - 60_000, refusals: { quota: 2 } };
    const marks = { current: { invoices: invoicesMark } };
    const unread = await samplePools({
      pools,
      controllers,
      now: () => NOW,
      marks,
      sink: {
        meter: meterProvider.getMeter('surge'),
        tracer: new BasicTracerProvider().getTracer('surge'),
        now: () => NOW,
      },
    })();
    await reader.forceFlush();
    const points = metricsOut
      .getMetrics()
      .flatMap(pointsOf)
      .map((p) => ({ metric: p.metric, value: p.value, pool: p.attributes['surge.pool'] }));
    await meterProvider.shutdown();
    expect({ unread, points, marks: marks.current }).toEqual({
      unread: [{ pool: 'invoices', error: 'task hub unreachable' }],
      points: [{ metric: 'surge.pool.controller.running', value: 1, pool: 'orders' }],
      marks: { invoices: invoicesMark },
    });
  });
});

import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS } from '../../shared/telemetry/catalog';
import type { TelemetrySink } from '../../shared/telemetry/record';
import { GAUGE_TTL_MS, recordSample } from '../../shared/telemetry/record';
import type { MetricPoint, TelemetrySample } from '../../shared/telemetry/sample';
import type { ExportedPoint } from './points';
import { pointsOf } from './points';

const T = Date.parse('2026-12-04T10:00:00Z');

/**
 * A real SDK pipeline into in-memory exporters, and a settable clock for the gauges' age. Metrics
 * are deltas, as the Azure Monitor exporter and the local exporters (local/telemetry.ts) ask.
 */
class MemoryTelemetry {
  readonly metrics = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  readonly spans = new InMemorySpanExporter();
  readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metrics,
    exportIntervalMillis: 3_600_000,
  });
  readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spans)],
  });
  now = T;
  readonly sink: TelemetrySink = {
    meter: this.meterProvider.getMeter('surge'),
    tracer: this.tracerProvider.getTracer('surge'),
    now: () => this.now,
  };

  /** Every exported point of the last collection: metric, unit, value and attributes. */
  async collected(): Promise<ExportedPoint[]> {
    this.metrics.reset();
    await this.reader.forceFlush();
    return pointsOf(this.metrics.getMetrics().at(-1));
  }

  async close(): Promise<void> {
    await Promise.all([this.meterProvider.shutdown(), this.tracerProvider.shutdown()]);
  }
}

let telemetry: MemoryTelemetry | undefined;
afterEach(async () => {
  await telemetry?.close();
  telemetry = undefined;
});

const A = { 'surge.pool': 'orders' };
const point = (metric: MetricPoint['metric'], value: number, extra = {}): MetricPoint => ({
  metric,
  value,
  attributes: { ...A, ...extra },
});
const sample = (fields: Partial<TelemetrySample>): TelemetrySample => ({
  gauges: [],
  counters: [],
  spans: [],
  marks: {},
  ...fields,
});
const unitOf = (name: string) => METRICS.find((m) => m.name === name)?.unit;

describe('recordSample on the OpenTelemetry SDK (in-memory exporters)', () => {
  it('gauges report the last sample only: a version that is gone drops out', async () => {
    telemetry = new MemoryTelemetry();
    const versions = (points: [string, number][]) =>
      points.map(([v, n]) => point('surge.pool.version.groups', n, { 'surge.version': v }));
    recordSample(
      sample({
        gauges: versions([
          ['v1', 3],
          ['v2', 1],
        ]),
      }),
      T,
      telemetry.sink,
    );
    const first = await telemetry.collected();
    recordSample(sample({ gauges: versions([['v2', 4]]) }), T + 60_000, telemetry.sink);
    telemetry.now = T + 60_000;
    const second = await telemetry.collected();
    const unit = unitOf('surge.pool.version.groups') ?? '';
    expect({ first, second }).toStrictEqual({
      first: [
        {
          metric: 'surge.pool.version.groups',
          unit,
          value: 3,
          attributes: { ...A, 'surge.version': 'v1' },
        },
        {
          metric: 'surge.pool.version.groups',
          unit,
          value: 1,
          attributes: { ...A, 'surge.version': 'v2' },
        },
      ],
      second: [
        {
          metric: 'surge.pool.version.groups',
          unit,
          value: 4,
          attributes: { ...A, 'surge.version': 'v2' },
        },
      ],
    });
  });

  it('gauges stop when sampling stops: nothing older than the TTL is reported', async () => {
    telemetry = new MemoryTelemetry();
    recordSample(sample({ gauges: [point('surge.pool.groups.desired', 5)] }), T, telemetry.sink);
    telemetry.now = T + GAUGE_TTL_MS;
    const within = (await telemetry.collected()).map((p) => p.value);
    telemetry.now = T + GAUGE_TTL_MS + 1;
    const after = (await telemetry.collected()).map((p) => p.value);
    expect({ within, after }).toStrictEqual({ within: [5], after: [] });
  });

  it('counters add up the samples of an interval, per failure kind', async () => {
    telemetry = new MemoryTelemetry();
    const refusals = (n: number, kind: string) =>
      point('surge.pool.create.refusals', n, { 'error.type': kind });
    recordSample(sample({ counters: [refusals(2, 'quota')] }), T, telemetry.sink);
    recordSample(
      sample({ counters: [refusals(3, 'quota'), refusals(1, 'capacity')] }),
      T,
      telemetry.sink,
    );
    const points = await telemetry.collected();
    expect(points).toStrictEqual([
      {
        metric: 'surge.pool.create.refusals',
        unit: '{refusal}',
        value: 5,
        attributes: { ...A, 'error.type': 'quota' },
      },
      {
        metric: 'surge.pool.create.refusals',
        unit: '{refusal}',
        value: 1,
        attributes: { ...A, 'error.type': 'capacity' },
      },
    ]);
  });

  it('a decision is one internal span at its own time, with its attributes', () => {
    telemetry = new MemoryTelemetry();
    const at = T - 30_000;
    const attributes = {
      ...A,
      'surge.decision.reason': 'backlog 600 → 5',
      'surge.decision.desired': 5,
    };
    recordSample(sample({ spans: [{ at, attributes }] }), T, telemetry.sink);
    const spans = telemetry.spans.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      start: s.startTime,
      end: s.endTime,
      attributes: s.attributes,
      scope: s.instrumentationScope.name,
    }));
    expect(spans).toStrictEqual([
      {
        name: 'surge.pool.decision',
        kind: 0, // SpanKind.INTERNAL
        start: [Math.floor(at / 1000), (at % 1000) * 1e6],
        end: [Math.floor(at / 1000), (at % 1000) * 1e6],
        attributes,
        scope: 'surge',
      },
    ]);
  });
});

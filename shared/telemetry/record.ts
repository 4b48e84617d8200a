/**
 * Writes telemetry samples through the OpenTelemetry API: gauges and counters on Surge's meter,
 * one span per decision on its tracer. Which SDK receives them is the host's choice (Azure Monitor
 * in Azure, the console or OTLP locally, an in-memory exporter in tests); with none installed the
 * API's no-op providers drop everything at no cost.
 */
import type { Counter, Meter, ObservableGauge, Tracer } from '@opentelemetry/api';
import { SpanKind, metrics, trace } from '@opentelemetry/api';
import type { MetricName } from './catalog';
import { DECISION_SPAN, METRICS, TELEMETRY_SCOPE } from './catalog';
import type { MetricPoint, TelemetrySample } from './sample';

/**
 * How long the last sample's gauges are reported. Gauges are observed when the SDK collects (a
 * minute in Azure Monitor), from the last sample. With delta temporality (Azure Monitor's, and
 * the local exporters') a pool, version or site that is gone then drops out at the next sample
 * instead of repeating its last value; and if sampling stops, the gauges stop within three
 * minutes instead of showing a frozen pool.
 */
export const GAUGE_TTL_MS = 180_000;

/** Where samples go: a meter and a tracer, and the clock that ages the last sample. */
export interface TelemetrySink {
  readonly meter: Meter;
  readonly tracer: Tracer;
  readonly now: () => number;
}

/**
 * Per meter: its counters, and the gauges of the last sample with the clock of the sink that
 * recorded it, observed at each collection.
 */
interface MeterState {
  readonly counters: ReadonlyMap<MetricName, Counter>;
  latest: {
    readonly at: number;
    readonly points: readonly MetricPoint[];
    readonly now: () => number;
  };
}

const byMeter = new WeakMap<Meter, MeterState>();

function stateOf(sink: TelemetrySink): MeterState {
  const known = byMeter.get(sink.meter);
  if (known) return known;
  const counters = new Map<MetricName, Counter>();
  const state: MeterState = {
    counters,
    latest: { at: -Infinity, points: [], now: sink.now },
  };
  for (const m of METRICS) {
    const options = { unit: m.unit, description: m.description };
    if (m.kind === 'counter') {
      counters.set(m.name, sink.meter.createCounter(m.name, options));
      continue;
    }
    const gauge: ObservableGauge = sink.meter.createObservableGauge(m.name, options);
    gauge.addCallback((result) => {
      const { at, points, now } = state.latest;
      if (now() - at > GAUGE_TTL_MS) return;
      for (const p of points) if (p.metric === m.name) result.observe(p.value, p.attributes);
    });
  }
  byMeter.set(sink.meter, state);
  return state;
}

/**
 * The sink over the global providers, read at the call: the Azure Monitor distro installs them
 * after an asynchronous import, and the metrics API has no proxy that would forward instruments
 * made before that.
 */
export function globalSink(now: () => number): TelemetrySink {
  return {
    meter: metrics.getMeter(TELEMETRY_SCOPE),
    tracer: trace.getTracer(TELEMETRY_SCOPE),
    now,
  };
}

/** Records a sample taken at `at`: its gauges replace the last sample's; counters and spans add. */
export function recordSample(sample: TelemetrySample, at: number, sink: TelemetrySink): void {
  const state = stateOf(sink);
  state.latest = { at, points: sample.gauges, now: sink.now };
  for (const p of sample.counters) state.counters.get(p.metric)?.add(p.value, p.attributes);
  for (const s of sample.spans) {
    const span = sink.tracer.startSpan(DECISION_SPAN.name, {
      kind: SpanKind.INTERNAL,
      startTime: s.at,
      attributes: s.attributes,
    });
    span.end(s.at);
  }
}

/**
 * Telemetry on the local host: the same metrics and decision spans the app sends to Azure
 * Monitor, exported to the console or to an OTLP/HTTP endpoint (an OpenTelemetry Collector,
 * Jaeger, Aspire's dashboard, …) as SURGE_TELEMETRY_EXPORTER says. The providers are installed
 * as the global ones, where the app's telemetry sample finds them (shared/telemetry/record.ts).
 */
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import {
  AggregationTemporality,
  ConsoleMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
} from '@opentelemetry/sdk-trace-base';

import type { TelemetryTarget } from '../shared/config/settings';

type Env = Readonly<Record<string, string | undefined>>;

/** Where metrics and spans go. */
export interface TelemetryExporters {
  readonly metrics: PushMetricExporter;
  readonly spans: SpanExporter;
}

/** Installed global providers: flush on demand, shut down at the end. */
export interface LocalTelemetry {
  /** Collects and exports what is pending now (metrics and spans). */
  flush(): Promise<void>;
  /** Exports what is pending, then removes the global providers. */
  shutdown(): Promise<void>;
}

/** OTLP/HTTP's default endpoint (a collector on this machine). */
const OTLP_DEFAULT = 'http://localhost:4318';

/** Default export interval locally (OTEL_METRIC_EXPORT_INTERVAL overrides): 15 s, not a minute. */
const LOCAL_EXPORT_INTERVAL_MS = 15_000;

/** The OTLP/HTTP endpoint OTEL_EXPORTER_OTLP_ENDPOINT names (else localhost:4318), without a trailing slash. */
export function otlpEndpoint(env: Env): string {
  return (env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || OTLP_DEFAULT).replace(/\/+$/, '');
}

/**
 * The exporters for a target. Metrics are exported as deltas, as the Azure Monitor exporter does:
 * a gauge then reports only what the last sample observed (a version or site that is gone drops
 * out), where cumulative export would repeat its last value for good.
 *
 * OTLP is configured by OpenTelemetry's own variables: the signal's endpoint
 * (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, …_TRACES_ENDPOINT) as is, else OTEL_EXPORTER_OTLP_ENDPOINT
 * with /v1/metrics or /v1/traces appended, else localhost:4318.
 */
export function exportersFor(target: 'console' | 'otlp', env: Env): TelemetryExporters {
  if (target === 'console') {
    const temporalitySelector = () => AggregationTemporality.DELTA;
    return {
      metrics: new ConsoleMetricExporter({ temporalitySelector }),
      spans: new ConsoleSpanExporter(),
    };
  }
  const base = otlpEndpoint(env);
  return {
    metrics: new OTLPMetricExporter({
      temporalityPreference: AggregationTemporalityPreference.DELTA,
      url: env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim() || `${base}/v1/metrics`,
    }),
    spans: new OTLPTraceExporter({
      url: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || `${base}/v1/traces`,
    }),
  };
}

/**
 * Installs global meter and tracer providers over these exporters, for a service named `surge`.
 * Metrics are exported every `exportIntervalMs`; spans in batches.
 */
export function installTelemetry(
  exporters: TelemetryExporters,
  exportIntervalMs: number = LOCAL_EXPORT_INTERVAL_MS,
): LocalTelemetry {
  const resource = resourceFromAttributes({ 'service.name': 'surge' });
  const reader = new PeriodicExportingMetricReader({
    exporter: exporters.metrics,
    exportIntervalMillis: exportIntervalMs,
  });
  const meterProvider = new MeterProvider({ resource, readers: [reader] });
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporters.spans)],
  });
  if (
    !metrics.setGlobalMeterProvider(meterProvider) ||
    !trace.setGlobalTracerProvider(tracerProvider)
  ) {
    throw new Error('telemetry: global OpenTelemetry providers are already installed');
  }
  return {
    async flush() {
      await Promise.all([meterProvider.forceFlush(), tracerProvider.forceFlush()]);
    },
    async shutdown() {
      try {
        await Promise.all([meterProvider.shutdown(), tracerProvider.shutdown()]);
      } finally {
        metrics.disable();
        trace.disable();
      }
    },
  };
}

/** Starts local telemetry for the setting's target; undefined when telemetry is not local. */
export function startLocalTelemetry(target: TelemetryTarget, env: Env): LocalTelemetry | undefined {
  if (target !== 'console' && target !== 'otlp') return undefined;
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return installTelemetry(
    exportersFor(target, env),
    Number.isInteger(interval) && interval > 0 ? interval : LOCAL_EXPORT_INTERVAL_MS,
  );
}

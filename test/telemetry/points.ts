import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** One exported metric point: metric, unit, value and attributes. */
export interface ExportedPoint {
  readonly metric: string;
  readonly unit: string;
  readonly value: unknown;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** Every point of one export of an in-memory metric exporter, in export order. */
export function pointsOf(exported: ResourceMetrics | undefined): ExportedPoint[] {
  return (exported?.scopeMetrics ?? []).flatMap((s) =>
    s.metrics.flatMap((m) =>
      m.dataPoints.map((p) => ({
        metric: m.descriptor.name,
        unit: m.descriptor.unit,
        value: p.value,
        attributes: p.attributes,
      })),
    ),
  );
}

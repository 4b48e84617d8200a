import type { InvocationContext, Timer } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { PoolsConfig } from '../shared/config/pools';
import { entityPath } from '../shared/config/pools';
import { readSettings } from '../shared/config/settings';
import type { Controllers } from '../shared/durable/controllers';
import { controllersOf } from '../shared/durable/client';
import { runtime } from '../shared/runtime';
import type { TelemetrySink } from '../shared/telemetry/record';
import { globalSink, recordSample } from '../shared/telemetry/record';
import type { PoolReading, TelemetryMarks } from '../shared/telemetry/sample';
import { telemetrySample } from '../shared/telemetry/sample';
import { mapLimit } from '../shared/util/concurrency';

/**
 * The telemetry sample: reads every pool controller's published status (one task-hub read per
 * pool, the same the pools API makes) and records metrics and decision spans from it. The
 * controllers themselves stay free of I/O; this edge measures and sends, and telemetrySample
 * decides what. Pools whose controller could not be read are returned and skipped this time.
 */
export function samplePools(deps: {
  pools: PoolsConfig;
  controllers: Controllers;
  now: () => number;
  /** What earlier samples emitted (this app instance's memory). */
  marks: { current: TelemetryMarks };
  sink: TelemetrySink;
}) {
  return async (): Promise<{ pool: string; error: string }[]> => {
    const unread: { pool: string; error: string }[] = [];
    const readings = await mapLimit(deps.pools.pools, 8, async (p) => {
      try {
        const c = await deps.controllers.describe(p.name);
        const reading: PoolReading = {
          pool: p.name,
          entity: entityPath(p),
          reconcileSeconds: p.controller.reconcileSeconds,
          runtimeStatus: c?.runtimeStatus,
          status: c?.status ?? null,
        };
        return [reading];
      } catch (e) {
        unread.push({ pool: p.name, error: (e as Error).message });
        return [];
      }
    });
    const now = deps.now();
    const sample = telemetrySample(readings.flat(), deps.marks.current, now);
    recordSample(sample, now, deps.sink);
    deps.marks.current = sample.marks;
    return unread;
  };
}

/** Samples pools for telemetry (see samplePools), when telemetry goes somewhere. */
async function poolTelemetry(_timer: Timer, context: InvocationContext): Promise<void> {
  const r = runtime();
  const unread = await samplePools({
    pools: r.pools,
    controllers: controllersOf(context),
    now: r.now,
    marks: r.memory.telemetry,
    sink: globalSink(r.now),
  })();
  for (const u of unread)
    context.error(`telemetry: could not read the controller of pool ${u.pool}: ${u.error}`);
}

// Registered only when telemetry goes somewhere (read from the app settings at registration, as
// the schedules are): otherwise a sample a minute would cost an invocation and a task-hub read
// per pool for nothing.
const settings = readSettings(process.env);
if (settings.telemetry !== 'off') {
  app.timer('poolTelemetry', {
    schedule: settings.telemetrySchedule,
    extraInputs: [df.input.durableClient()],
    handler: poolTelemetry,
  });
}

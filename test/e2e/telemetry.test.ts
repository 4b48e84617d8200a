/**
 * Telemetry end to end: the real app on the local host, engine and emulator, with the
 * OpenTelemetry SDK's in-memory exporters installed the way `npm start` installs the console or
 * OTLP ones (local/telemetry.ts). A burst comes and goes; the poolTelemetry timer samples every
 * minute; what was exported must describe the pool as its controller saw it, and carry no secret.
 */
import { AggregationTemporality, InMemoryMetricExporter } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { driveVirtualTime } from '../../local/host/virtualTime';
import { emulatorOf } from '../../local/stack';
import type { LocalTelemetry } from '../../local/telemetry';
import { installTelemetry } from '../../local/telemetry';
import { controllerInstanceId } from '../../shared/controller/signal';
import type { PoolStatus } from '../../shared/controller/status';
import { METRICS, documentedAttributeKeys } from '../../shared/telemetry/catalog';
import type { ExportedPoint } from '../telemetry/points';
import { pointsOf } from '../telemetry/points';
import { startOrdersStack, stopTestStacks } from './stack';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const NS = 'telemetry.servicebus.windows.net';
const SECRET = 'orders-db-password-5c1e9a77';

let telemetry: LocalTelemetry | undefined;
afterEach(async () => {
  await stopTestStacks();
  await telemetry?.shutdown();
  telemetry = undefined;
});

function valueOf(
  points: readonly ExportedPoint[],
  metric: string,
  attrs: Record<string, string> = {},
): number | undefined {
  const found = points.find(
    (p) => p.metric === metric && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v),
  );
  return found === undefined ? undefined : Number(found.value);
}

describe('telemetry from the running app', () => {
  it('metrics and decision spans follow a burst, in the catalog’s names and units, without secrets', async () => {
    const metrics = new InMemoryMetricExporter(AggregationTemporality.DELTA);
    const spans = new InMemorySpanExporter();
    // Exported when the test flushes, never on a real-time interval.
    telemetry = installTelemetry({ metrics, spans }, 3_600_000);
    const clock = new VirtualClock(T0);
    const stack = await startOrdersStack(clock, NS, 'telemetry.azurecr.io', {
      // Turns the sample on; the exporters are the ones installed above.
      settings: { SURGE_TELEMETRY_EXPORTER: 'console' },
      secrets: { ORDERS_DB_PASSWORD: SECRET },
    });
    await driveVirtualTime(stack.host, T0 + 60_000);
    emulatorOf(stack).control.enqueue(NS, 'orders', 3000);
    // One export per model minute, just after each sample (second 45).
    for (let t = 110; t <= 1850; t += 60) {
      await driveVirtualTime(stack.host, T0 + t * 1000);
      await telemetry.flush();
    }
    const exports = metrics.getMetrics().map(pointsOf);
    const last = exports.at(-1) ?? [];
    const status = stack.engine.getStatus(controllerInstanceId('orders'))
      ?.customStatus as PoolStatus;
    const decisionSpans: ReadableSpan[] = spans.getFinishedSpans();
    const catalog = new Map<string, string>(METRICS.map((m) => [m.name, m.unit]));
    const documented = new Set(documentedAttributeKeys());
    const keys = new Set([
      ...exports.flat().flatMap((p) => Object.keys(p.attributes)),
      ...decisionSpans.flatMap((s) => Object.keys(s.attributes)),
    ]);
    const everything = JSON.stringify({
      exports,
      spans: decisionSpans.map((s) => ({ name: s.name, attributes: s.attributes })),
    });

    expect({
      // Every minute exported something, in the catalog's names and units only.
      exportsWithPoints: exports.filter((e) => e.length > 0).length >= 28,
      offCatalog: exports.flat().filter((p) => catalog.get(p.metric) !== p.unit),
      undocumentedAttributes: [...keys].filter((k) => !documented.has(k)),
      // The burst showed: a backlog and a desired count above the minimum at some sample.
      peakActive:
        Math.max(
          ...exports.map(
            (e) =>
              valueOf(e, 'surge.pool.queue.messages', { 'surge.message.state': 'active' }) ?? 0,
          ),
        ) > 1000,
      peakDesired:
        Math.max(...exports.map((e) => valueOf(e, 'surge.pool.groups.desired') ?? 0)) > 1,
      // At the end the pool is steady, and the last export says what the controller's status says.
      lastExport: {
        desired: valueOf(last, 'surge.pool.groups.desired'),
        running: valueOf(last, 'surge.pool.groups', { 'surge.group.state': 'running' }),
        active: valueOf(last, 'surge.pool.queue.messages', { 'surge.message.state': 'active' }),
        controllerRunning: valueOf(last, 'surge.pool.controller.running'),
        stale: valueOf(last, 'surge.pool.controller.stale'),
      },
      decisionSpans: {
        named: decisionSpans.every((s) => s.name === 'surge.pool.decision'),
        aScaleOut: decisionSpans.some((s) => Number(s.attributes['surge.decision.creates']) > 0),
        aScaleIn: decisionSpans.some((s) => Number(s.attributes['surge.decision.deletes']) > 0),
        reasons: decisionSpans.every(
          (s) => String(s.attributes['surge.decision.reason']).length > 0,
        ),
        pool: [...new Set(decisionSpans.map((s) => s.attributes['surge.pool']))],
      },
      secretAnywhere: everything.includes(SECRET),
    }).toStrictEqual({
      exportsWithPoints: true,
      offCatalog: [],
      undocumentedAttributes: [],
      peakActive: true,
      peakDesired: true,
      lastExport: {
        desired: status.desired,
        running: status.groups?.running,
        active: status.depth?.active,
        controllerRunning: 1,
        stale: 0,
      },
      decisionSpans: {
        named: true,
        aScaleOut: true,
        aScaleIn: true,
        reasons: true,
        pool: ['orders'],
      },
      secretAnywhere: false,
    });
    // The steady end is the pool's minimum with an empty queue, not a frozen burst.
    expect([status.desired, status.groups?.running, status.depth?.active]).toStrictEqual([1, 1, 0]);
  });
});

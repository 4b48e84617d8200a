/**
 * `npm run bench:telemetry`: what Surge's telemetry weighs in Application Insights. One sample of
 * a drain pool mid-burst (one site, one version, a decision) goes through the real Azure Monitor
 * distro and exporter to a counting transport standing in for the ingestion endpoint (nothing
 * leaves the machine); the script prints the records and bytes per sample, and what that comes
 * to per pool and month at one sample a minute.
 *
 * Bytes are the envelopes' JSON as sent; Log Analytics bills the stored records, which are of the
 * same order. The price per GB is a parameter (`--usd-per-gb`, default 2.30, analytics logs pay as
 * you go; check your region's).
 */
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { parseArgs } from 'node:util';
import { StaticTokenCredential } from '../shared/azure/credentials';
import type { PoolStatus } from '../shared/controller/status';
import { globalSink, recordSample } from '../shared/telemetry/record';
import { telemetrySample } from '../shared/telemetry/sample';
import { startAzureMonitor, stopAzureMonitor } from '../shared/telemetry/start';

/** The ingestion endpoint's part: accept every envelope, keep their JSON. */
class CountingIngestion implements HttpClient {
  readonly envelopes: { name: string; json: string; metric?: string }[] = [];
  sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
    const sent = JSON.parse(typeof request.body === 'string' ? request.body : '[]') as {
      name: string;
      data: { baseData: { name?: string; metrics?: { name: string }[] } };
    }[];
    for (const e of sent) {
      const metric = e.data.baseData.metrics?.[0]?.name ?? e.data.baseData.name;
      this.envelopes.push({ name: e.name, json: JSON.stringify(e), ...(metric ? { metric } : {}) });
    }
    const body = { itemsReceived: sent.length, itemsAccepted: sent.length, errors: [] };
    return Promise.resolve({
      request,
      status: 200,
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      bodyAsText: JSON.stringify(body),
    });
  }
}

/** A drain pool mid-burst as its controller publishes it (the shape statusOf returns). */
function midBurst(now: number): PoolStatus {
  const iso = (ms: number) => new Date(ms).toISOString();
  const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
  const reason =
    'backlog 600 msg / (5 msg/s x 120 s) = 1 group; arrivals 4 msg/s / 5 = 1 group; desired 5 (1-10)';
  const decision = {
    at: iso(now - 30_000),
    trigger: 'depth' as const,
    desired: 5,
    live: 5,
    running: 3,
    pending: 2,
    failed: 0,
    creates: 2,
    deletes: 0,
    reason,
  };
  return {
    pool: 'orders',
    paused: null,
    override: null,
    desired: 5,
    version: digest,
    groups: {
      running: 3,
      pending: 2,
      failed: 0,
      deleting: 0,
      foreign: 0,
      byVersion: { [digest]: 5 },
      bySite: { westeurope: 5 },
    },
    depth: { active: 600, deadLetter: 0, scheduled: 0, at: iso(now - 5_000) },
    depthFailures: 0,
    depthError: null,
    estimates: {
      arrivalPerSecond: 4,
      throughputPerGroup: 5,
      startupSeconds: 20,
      learned: { throughput: true, startup: false },
    },
    backoffUntil: null,
    readTurnAt: null,
    sites: [
      {
        site: 'westeurope',
        location: 'westeurope',
        priority: 'Regular',
        zones: [],
        subnet: false,
        maxGroups: null,
        groups: 5,
        state: 'open',
        until: null,
        last: null,
      },
    ],
    rollout: null,
    lastRollout: null,
    badVersions: [],
    retiring: [],
    lastDecision: decision,
    recentDecisions: [decision],
    errors: [],
    createRefusals: {},
    observedAt: iso(now - 10_000),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'usd-per-gb': { type: 'string', default: '2.30' } } });
  const usdPerGb = Number(values['usd-per-gb']);
  // Statsbeat and SDK stats would call Microsoft's endpoints; they are not Surge's records.
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true';
  process.env.APPLICATIONINSIGHTS_SDKSTATS_DISABLED = 'true';
  const ingestion = new CountingIngestion();
  await startAzureMonitor(
    { telemetry: 'azureMonitor' },
    {
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://ingest.bench.test/',
    },
    () => new StaticTokenCredential('bench'),
    { httpClient: ingestion },
  );
  const now = Date.now();
  const reading = {
    pool: 'orders',
    entity: 'orders',
    reconcileSeconds: 60,
    runtimeStatus: 'Running',
    status: midBurst(now),
  };
  recordSample(
    telemetrySample([reading], {}, now),
    now,
    globalSink(() => now),
  );
  await stopAzureMonitor();

  const surge = ingestion.envelopes.filter((e) => e.metric?.startsWith('surge.'));
  const metrics = surge.filter((e) => e.name.endsWith('.Metric'));
  const spans = surge.filter((e) => !e.name.endsWith('.Metric'));
  const bytes = (list: typeof surge) => list.reduce((a, e) => a + Buffer.byteLength(e.json), 0);
  const perSample = bytes(surge);
  const perMonthGb = (perSample * 60 * 24 * 30) / 1e9;
  const rows: [string, string][] = [
    ['metric records per sample', String(metrics.length)],
    ['metric bytes per sample', String(bytes(metrics))],
    ['decision records per sample', String(spans.length)],
    ['decision bytes per sample', String(bytes(spans))],
    ['per pool and month (a sample a minute)', `${perMonthGb.toFixed(2)} GB`],
    [`at $${usdPerGb.toFixed(2)}/GB`, `$${(perMonthGb * usdPerGb).toFixed(2)} per pool and month`],
  ];
  for (const [k, v] of rows) console.log(`${k.padEnd(42)} ${v}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

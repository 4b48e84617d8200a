/**
 * The Azure Monitor path, on the real distro (@azure/monitor-opentelemetry) and exporter: a
 * sample recorded through the global providers it installs reaches the ingestion endpoint as
 * Application Insights envelopes, with Surge's token. The network boundary is a hand-written
 * fake transport answering as the ingestion endpoint does; everything in front of it is real.
 * What lands where is what docs/operate.md's KQL relies on: metrics as MetricData (the
 * customMetrics table), decision spans as RemoteDependencyData (the dependencies table, type Dependency),
 * attributes as properties (customDimensions).
 */
import { metrics, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StaticTokenCredential } from '../../shared/azure/credentials';
import { globalSink, recordSample } from '../../shared/telemetry/record';
import { startAzureMonitor, stopAzureMonitor } from '../../shared/telemetry/start';
import { FakeHttpClient, json } from '../azure/fakeHttp';

const T = Date.now();
const CONNECTION =
  'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://ingest.surge.test/';

afterEach(async () => {
  await stopAzureMonitor();
  metrics.disable();
  trace.disable();
  vi.unstubAllEnvs();
});

/** One Breeze envelope, as far as the test reads it. */
interface Envelope {
  readonly name: string;
  readonly data: {
    readonly baseType: string;
    readonly baseData: {
      readonly name?: string;
      readonly type?: string;
      readonly metrics?: readonly { name: string; value: number }[];
      readonly properties?: Readonly<Record<string, string>>;
    };
  };
}

describe('Azure Monitor export (real distro, fake ingestion endpoint)', () => {
  it('metrics become MetricData and decisions dependencies, attributes their properties, sent with the token', async () => {
    // Statsbeat and SDK stats would call Microsoft's own endpoints; nothing else is changed.
    vi.stubEnv('APPLICATIONINSIGHTS_STATSBEAT_DISABLED', 'true');
    vi.stubEnv('APPLICATIONINSIGHTS_SDKSTATS_DISABLED', 'true');
    const ingestion = new FakeHttpClient((request) => {
      const sent = JSON.parse(request.body ?? '[]') as unknown[];
      return json(200, { itemsReceived: sent.length, itemsAccepted: sent.length, errors: [] });
    });
    const started = await startAzureMonitor(
      { telemetry: 'azureMonitor' },
      { APPLICATIONINSIGHTS_CONNECTION_STRING: CONNECTION },
      () => new StaticTokenCredential('surge-identity-token'),
      { httpClient: ingestion },
    );
    const pool = { 'surge.pool': 'orders', 'messaging.system': 'servicebus' };
    recordSample(
      {
        gauges: [{ metric: 'surge.pool.groups.desired', value: 4, attributes: pool }],
        counters: [
          {
            metric: 'surge.pool.create.refusals',
            value: 2,
            attributes: { ...pool, 'error.type': 'quota' },
          },
        ],
        spans: [{ at: T, attributes: { ...pool, 'surge.decision.reason': 'backlog 600 → 4' } }],
        marks: {},
      },
      T,
      globalSink(() => T),
    );
    await stopAzureMonitor();

    const envelopes = ingestion.requests.flatMap((r) => JSON.parse(r.body ?? '[]') as Envelope[]);
    const surge = envelopes.filter(
      (e) =>
        e.data.baseData.name === 'surge.pool.decision' ||
        (e.data.baseData.metrics ?? []).some((m) => m.name.startsWith('surge.')),
    );
    expect({
      started,
      endpoints: [...new Set(ingestion.requests.map((r) => r.url))],
      tokens: [...new Set(ingestion.requests.map((r) => r.headers.authorization))],
      surge: surge
        .map((e) => ({
          baseType: e.data.baseType,
          name: e.data.baseData.name ?? e.data.baseData.metrics?.[0]?.name,
          value: e.data.baseData.metrics?.[0]?.value,
          type: e.data.baseData.type,
          pool: e.data.baseData.properties?.['surge.pool'],
          extra:
            e.data.baseData.properties?.['error.type'] ??
            e.data.baseData.properties?.['surge.decision.reason'],
        }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name))),
    }).toStrictEqual({
      started: true,
      endpoints: ['https://ingest.surge.test/v2.1/track'],
      tokens: ['Bearer surge-identity-token'],
      surge: [
        {
          baseType: 'MetricData',
          name: 'surge.pool.create.refusals',
          value: 2,
          type: undefined,
          pool: 'orders',
          extra: 'quota',
        },
        {
          baseType: 'RemoteDependencyData',
          name: 'surge.pool.decision',
          value: undefined,
          type: 'Dependency',
          pool: 'orders',
          extra: 'backlog 600 → 4',
        },
        {
          baseType: 'MetricData',
          name: 'surge.pool.groups.desired',
          value: 4,
          type: undefined,
          pool: 'orders',
          extra: undefined,
        },
      ],
    });
  });

  it('starts nothing without a connection string', async () => {
    const started = await startAzureMonitor({ telemetry: 'off' }, {}, () => {
      throw new Error('no credential is needed');
    });
    expect(started).toBe(false);
  });
});

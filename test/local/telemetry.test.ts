import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { telemetryNote } from '../../local/startNotes';
import { readSettings } from '../../shared/config/settings';
import type { LocalTelemetry } from '../../local/telemetry';
import { startLocalTelemetry } from '../../local/telemetry';
import { globalSink, recordSample } from '../../shared/telemetry/record';

const T = Date.parse('2026-12-04T10:00:00Z');

/** An OTLP/HTTP receiver on loopback: it keeps each request's path and JSON body. */
async function otlpReceiver() {
  const received: { path: string; contentType: string; body: unknown }[] = [];
  const read = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const server = createServer((req, res) => {
    void read(req).then((text) => {
      received.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        body: JSON.parse(text) as unknown,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let telemetry: LocalTelemetry | undefined;
let receiver: Awaited<ReturnType<typeof otlpReceiver>> | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  await receiver?.close();
  telemetry = undefined;
  receiver = undefined;
});

describe('local telemetry over OTLP/HTTP', () => {
  it('a sample reaches the endpoint as OTLP JSON: metrics and decision spans of service surge', async () => {
    receiver = await otlpReceiver();
    telemetry = startLocalTelemetry('otlp', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint });
    const attributes = { 'surge.pool': 'orders' };
    recordSample(
      {
        gauges: [{ metric: 'surge.pool.groups.desired', value: 4, attributes }],
        counters: [],
        spans: [{ at: T, attributes: { ...attributes, 'surge.decision.reason': 'backlog' } }],
        marks: {},
      },
      T,
      globalSink(() => T),
    );
    await telemetry?.flush();
    const body = (path: string) =>
      JSON.stringify(receiver?.received.filter((r) => r.path === path).map((r) => r.body));
    expect({
      requests: [...new Set(receiver.received.map((r) => `${r.path} ${r.contentType}`))].sort(),
      metric: body('/v1/metrics').includes('"name":"surge.pool.groups.desired"'),
      value: body('/v1/metrics').includes('"asDouble":4'),
      span: body('/v1/traces').includes('"name":"surge.pool.decision"'),
      service: body('/v1/traces').includes(
        '{"key":"service.name","value":{"stringValue":"surge"}}',
      ),
    }).toStrictEqual({
      requests: ['/v1/metrics application/json', '/v1/traces application/json'],
      metric: true,
      value: true,
      span: true,
      service: true,
    });
  });

  it('nothing is installed unless the setting asks for console or otlp', () => {
    expect(startLocalTelemetry('off', {})).toBeUndefined();
  });
});

describe('what npm start says about telemetry', () => {
  const cases = [
    {
      label: 'off',
      env: {},
      expected:
        'Telemetry: off. SURGE_TELEMETRY_EXPORTER=console or =otlp (with OTEL_EXPORTER_OTLP_ENDPOINT) turns it on.\n',
    },
    {
      label: 'console',
      env: { SURGE_TELEMETRY_EXPORTER: 'console' },
      expected: 'Telemetry: metrics and decision spans to this console.\n',
    },
    {
      label: 'otlp to a collector',
      env: {
        SURGE_TELEMETRY_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      },
      expected: 'Telemetry: OTLP/HTTP to http://collector:4318 (metrics and decision spans).\n',
    },
    {
      label: 'a connection string in the environment: Azure Monitor, not off',
      env: { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' },
      expected: 'Telemetry: to Azure Monitor (APPLICATIONINSIGHTS_CONNECTION_STRING is set).\n',
    },
  ];
  it.each(cases)('$label', ({ label, env, expected }) => {
    expect(telemetryNote(readSettings(env).telemetry, env), label).toBe(expected);
  });
});

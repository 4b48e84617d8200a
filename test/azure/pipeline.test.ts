import { describe, expect, it } from 'vitest';
import { DefaultAzureCredential } from '@azure/identity';
import { RestError, createHttpHeaders } from '@azure/core-rest-pipeline';
import type { PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { backoffMs, retryAfterMs, surgeRetryStrategy } from '../../shared/azure/pipeline';
import type { AzureRetryOptions } from '../../shared/azure/pipeline';
import { StaticTokenCredential, createCredential } from '../../shared/azure/credentials';
import { toAzureError } from '../../shared/azure/classify';
import { createAzurePorts, retryFromSettings } from '../../shared/azure/index';
import { toFailure } from '../../shared/azure/errors';
import { readSettings } from '../../shared/config/settings';
import { FakeHttpClient, armError, atom, json, serviceBusXml } from './fakeHttp';

const defaults: AzureRetryOptions = {
  maxRetries: 4,
  retryDelayInMs: 1000,
  maxRetryDelayInMs: 30_000,
};

describe('backoffMs (worked numbers for the default settings)', () => {
  const cases = [
    { label: 'retry 0, lowest draw', retryCount: 0, draw: 0, expected: 500 },
    { label: 'retry 0, highest draw', retryCount: 0, draw: 1, expected: 1000 },
    { label: 'retry 3, highest draw', retryCount: 3, draw: 1, expected: 8000 },
    { label: 'retry 5 clamps 32 s to 30 s, lowest draw', retryCount: 5, draw: 0, expected: 15_000 },
    {
      label: 'retry 5 clamps 32 s to 30 s, highest draw',
      retryCount: 5,
      draw: 1,
      expected: 30_000,
    },
  ];
  it.each(cases)('$label → $expected ms', ({ retryCount, draw, expected }) => {
    expect(backoffMs(retryCount, defaults, () => draw)).toBe(expected);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  const cases: { label: string; headers: Record<string, string>; expected: number | undefined }[] =
    [
      { label: 'none', headers: {}, expected: undefined },
      { label: 'seconds', headers: { 'Retry-After': '1' }, expected: 1000 },
      { label: 'zero', headers: { 'retry-after': '0' }, expected: 0 },
      {
        label: 'HTTP date',
        headers: { 'retry-after': 'Wed, 01 May 2024 12:00:05 GMT' },
        expected: 5000,
      },
      {
        label: 'date in the past',
        headers: { 'retry-after': 'Wed, 01 May 2024 11:00:00 GMT' },
        expected: 0,
      },
      {
        label: 'milliseconds header wins',
        headers: { 'retry-after-ms': '250', 'retry-after': '9' },
        expected: 250,
      },
      { label: 'x-ms milliseconds', headers: { 'x-ms-retry-after-ms': '40' }, expected: 40 },
      { label: 'garbage', headers: { 'retry-after': 'soon' }, expected: undefined },
    ];
  it.each(cases)('$label', ({ headers, expected }) => {
    expect(retryAfterMs(createHttpHeaders(headers), now)).toBe(expected);
  });
});

describe('surgeRetryStrategy', () => {
  const strategy = surgeRetryStrategy(defaults, () => 1);
  const request: PipelineRequest = createPipelineRequest({ url: 'https://management.azure.com/x' });
  const response = (status: number, headers: Record<string, string> = {}): PipelineResponse => ({
    request,
    status,
    headers: createHttpHeaders(headers),
  });

  const cases: {
    label: string;
    retryCount: number;
    response?: PipelineResponse;
    error?: RestError;
    expected: { retryAfterInMs?: number; skipStrategy?: boolean };
  }[] = [
    {
      label: '429 Retry-After 2 → 2000 ms',
      retryCount: 0,
      response: response(429, { 'retry-after': '2' }),
      expected: { retryAfterInMs: 2000 },
    },
    {
      label: '429 Retry-After 60 (above 30 s) → give up now',
      retryCount: 0,
      response: response(429, { 'retry-after': '60' }),
      expected: { skipStrategy: true },
    },
    {
      label: '429 without Retry-After, retry 1 → 2000 ms',
      retryCount: 1,
      response: response(429),
      expected: { retryAfterInMs: 2000 },
    },
    {
      label: '503 without Retry-After, retry 2 → 4000 ms',
      retryCount: 2,
      response: response(503),
      expected: { retryAfterInMs: 4000 },
    },
    {
      label: '501 → not retried',
      retryCount: 0,
      response: response(501),
      expected: { skipStrategy: true },
    },
    {
      label: '400 → not retried',
      retryCount: 0,
      response: response(400),
      expected: { skipStrategy: true },
    },
    {
      label: 'ECONNRESET → 1000 ms',
      retryCount: 0,
      error: new RestError('reset', { code: 'ECONNRESET' }),
      expected: { retryAfterInMs: 1000 },
    },
    {
      label: 'other error → not retried',
      retryCount: 0,
      error: new RestError('bad', { code: 'ERR_X' }),
      expected: { skipStrategy: true },
    },
  ];
  it.each(cases)('$label', ({ retryCount, response: r, error, expected }) => {
    expect(
      strategy.retry({
        retryCount,
        ...(r !== undefined ? { response: r } : {}),
        ...(error !== undefined ? { responseError: error } : {}),
      }),
    ).toStrictEqual(expected);
  });
});

describe('toAzureError', () => {
  it('keeps kind auth for a credential that cannot get a token (no HTTP status)', () => {
    const error = new Error('ManagedIdentityCredential: no managed identity endpoint');
    error.name = 'CredentialUnavailableError';
    expect(toFailure(toAzureError(error))).toStrictEqual({
      kind: 'auth',
      code: 'Unexpected',
      message: 'ManagedIdentityCredential: no managed identity endpoint',
    });
  });
});

describe('credentials', () => {
  it('StaticTokenCredential returns its token for any scope and hides it from strings', async () => {
    const credential = new StaticTokenCredential('emulator-token');
    const token = await credential.getToken(['https://management.azure.com/.default']);
    expect(token.token).toBe('emulator-token');
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 24 * 3600 * 1000);
    expect(String(credential)).not.toContain('emulator-token');
    expect(JSON.stringify({ credential })).not.toContain('emulator-token');
  });

  it.each([
    { label: 'with a managed identity client id', managedIdentityClientId: 'client-id' },
    { label: 'without one', managedIdentityClientId: undefined },
  ])('createCredential $label is a DefaultAzureCredential', ({ managedIdentityClientId }) => {
    expect(createCredential({ managedIdentityClientId })).toBeInstanceOf(DefaultAzureCredential);
  });
});

describe('createAzurePorts', () => {
  it('takes retries from Settings', () => {
    expect(retryFromSettings(readSettings({}))).toStrictEqual(defaults);
  });

  it('builds all three ports on one transport, ARM and Service Bus endpoints from Settings', async () => {
    const settings = readSettings({
      SURGE_ARM_ENDPOINT: 'https://arm.local:8443',
      SURGE_SERVICEBUS_ENDPOINT: 'https://sb.local:8443',
      SURGE_AZURE_MAX_RETRIES: '0',
    });
    const http = new FakeHttpClient((request) =>
      new URL(request.url).host === 'sb.local:8443'
        ? atom(200, serviceBusXml('queues_list_empty_feed.200.xml'))
        : request.url.includes('trafficmanagerprofiles')
          ? armError(404, 'NotFound', 'no profile')
          : json(200, { value: [] }),
    );
    const ports = createAzurePorts(settings, {
      credential: new StaticTokenCredential('t'),
      httpClient: http,
    });
    expect(await ports.containerGroups.list('s', 'rg')).toStrictEqual([]);
    expect(await ports.queueMetrics.listQueues('ns.servicebus.windows.net')).toStrictEqual([]);
    expect(
      await ports.trafficRouter.getProfile({
        subscriptionId: 's',
        resourceGroup: 'rg',
        profile: 'p',
      }),
    ).toBeUndefined();
    expect(http.requests.map((r) => new URL(r.url).origin)).toStrictEqual([
      'https://arm.local:8443',
      'https://sb.local:8443',
      'https://arm.local:8443',
    ]);
  });
});

/**
 * Shared set-up of the emulator tests: start an emulator on a free loopback port, and build the
 * real SDK clients (raw, and through Surge's adapters) that trust its certificate in-process. Every
 * helper that starts something returns a way to close it; tests close what they start.
 */
import { expect } from 'vitest';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { TrafficManagerManagementClient } from '@azure/arm-trafficmanager';
import { ServiceBusAdministrationClient } from '@azure/service-bus';
import { ServiceClient } from '@azure/core-client';
import type { PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { request as httpsRequest } from 'node:https';
import { createAzurePorts } from '../../shared/azure';
import type { AzurePorts } from '../../shared/azure';
import { StaticTokenCredential } from '../../shared/azure/credentials';
import { serviceBusEndpointPolicy } from '../../shared/azure/queueMetrics';
import { readSettings } from '../../shared/config/settings';
import type { Clock } from '../../local/clock';
import { VirtualClock } from '../../local/clock';
import { startEmulator } from '../../local/emulator';
import type { Emulator, EmulatorConfig } from '../../local/emulator';

/** The token every test client sends (any non-empty token is accepted). */
export const TOKEN = 'emulator-test-token';
/** A credential with that token. */
export const credential = new StaticTokenCredential(TOKEN);
/** Subscription the tests use. */
export const SUB = '00000000-0000-0000-0000-000000000001';
/** Resource group the tests use. */
export const RG = 'rg-surge';
/** Start of model time in the tests with a virtual clock. */
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

/**
 * Provisioning in milliseconds rather than seconds, so SDK pollers finish quickly on a real clock:
 * 30 ms allocation, 30 ms pull, no warm-up or startup.
 */
export const FAST: EmulatorConfig = {
  provisioning: { pending: 30 },
  imageDefaults: { pull: 30, warmUp: 0, health: { startup: 0, degradedProbability: 0 } },
};

/** Starts an emulator with a given clock (a VirtualClock at T0 by default). */
export async function emulator(
  config: EmulatorConfig = FAST,
  clock: Clock = new VirtualClock(T0),
  seed = 7,
): Promise<Emulator> {
  return startEmulator({ clock, seed, config });
}

/** Raw SDK clients pointed at the emulator. `maxRetries` of the SDK's default retry policy. */
export function sdkClients(emu: Emulator, maxRetries = 0) {
  const options = {
    $host: emu.armEndpoint,
    endpoint: emu.armEndpoint,
    tlsOptions: { ca: emu.caCertPem },
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 2000 },
  };
  return {
    aci: new ContainerInstanceManagementClient(credential, SUB, options),
    tm: new TrafficManagerManagementClient(credential, SUB, options),
  };
}

/** A Service Bus administration client for a namespace, sent to the emulator. */
export function adminClient(emu: Emulator, namespace: string): ServiceBusAdministrationClient {
  const client = new ServiceBusAdministrationClient(namespace, credential, {
    tlsOptions: { ca: emu.caCertPem },
    retryOptions: { maxRetries: 0 },
  });
  client.pipeline.addPolicy(serviceBusEndpointPolicy(emu.serviceBusEndpoint));
  return client;
}

/** Surge's own ports, built from the emulator's settings with fast retries. */
export function ports(emu: Emulator, extraSettings: Record<string, string> = {}): AzurePorts {
  const settings = readSettings({
    ...emu.settings,
    SURGE_AZURE_MAX_RETRIES: '2',
    SURGE_AZURE_RETRY_DELAY_MS: '10',
    SURGE_AZURE_MAX_RETRY_DELAY_MS: '2000',
    ...extraSettings,
  });
  return createAzurePorts(settings, { credential, tls: { ca: emu.caCertPem } });
}

/**
 * A bare core-client ServiceClient that sends requests verbatim through the SDK pipeline (retry,
 * TLS), with a bearer token unless `anonymous`. Used to send fixture bodies byte for byte.
 */
export function rawClient(emu: Emulator, anonymous = false): ServiceClient {
  return new ServiceClient({
    baseUri: emu.armEndpoint,
    tlsOptions: { ca: emu.caCertPem },
    ...(anonymous ? {} : { credential, credentialScopes: `${emu.armEndpoint}/.default` }),
  });
}

/** Sends one request through a ServiceClient; returns status, headers and parsed JSON body. */
export async function send(
  client: ServiceClient,
  method: PipelineRequest['method'],
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string>; json: unknown; text: string }> {
  const request = createPipelineRequest({
    url,
    method,
    headers: createHttpHeaders({
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    }),
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const response: PipelineResponse = await client.sendRequest(request);
  const text = response.bodyAsText ?? '';
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers.toJSON(), json, text };
}

/** JSON over https to the control API (not an Azure API: plain node https with the CA). */
export function controlCall(
  emu: Emulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const url = new URL(`${emu.controlEndpoint}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method, ca: emu.caCertPem, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: text === '' ? undefined : JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The resource group path of the tests' container groups. */
export function groupsPath(emu: Emulator, name?: string): string {
  return `${emu.armEndpoint}/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.ContainerInstance/containerGroups${name === undefined ? '' : `/${name}`}?api-version=2023-05-01`;
}

/** The single comparison table cases end with: the whole observed result, strictly. */
export function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

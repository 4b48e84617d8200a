/**
 * The composition root's entry to Azure: builds the three ports from Settings. The only module
 * outside shared/azure that needs to know the adapters exist.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { Settings } from '../config/settings';
import { createContainerGroups } from './containerGroups';
import { createCredential } from './credentials';
import type { AzureRetryOptions, AzureTlsOptions } from './pipeline';
import type { AzurePorts } from './ports';
import { createQueueMetrics } from './queueMetrics';
import { ArmReadBudget, ArmWriteHolds, readBudgetPolicy, writeHoldPolicy } from './readBudget';
import { createTrafficRouter } from './trafficRouter';

/** What may replace the defaults: a credential (emulator, tests) and the transport (tests). */
export interface AzurePortsOverrides {
  /** Defaults to createCredential(settings): DefaultAzureCredential. */
  readonly credential?: TokenCredential;
  /** Defaults to the SDK's own HTTP client. */
  readonly httpClient?: HttpClient;
  /** Extra TLS trust for the SDK transport (a local emulator's CA certificate). */
  readonly tls?: AzureTlsOptions;
  /** The clock the read budget's waits and turns run on; defaults to Date.now. */
  readonly now?: () => number;
}

/** The retry options every adapter uses, from Settings. */
export function retryFromSettings(
  settings: Pick<Settings, 'azureMaxRetries' | 'azureRetryDelayMs' | 'azureMaxRetryDelayMs'>,
): AzureRetryOptions {
  return {
    maxRetries: settings.azureMaxRetries,
    retryDelayInMs: settings.azureRetryDelayMs,
    maxRetryDelayInMs: settings.azureMaxRetryDelayMs,
  };
}

/**
 * Builds the Azure ports from Settings. One credential is shared by all three, so its token cache
 * is too, and one ARM read budget by the two ARM ports; each adapter creates its SDK clients
 * lazily (per subscription, per namespace).
 */
export function createAzurePorts(
  settings: Settings,
  overrides: AzurePortsOverrides = {},
): AzurePorts {
  const credential = overrides.credential ?? createCredential(settings);
  const retry = retryFromSettings(settings);
  const transport = {
    ...(overrides.httpClient ? { httpClient: overrides.httpClient } : {}),
    ...(overrides.tls ? { tls: overrides.tls } : {}),
  };
  // One read budget and one set of write holds for both ARM ports: ARM counts a subscription's
  // requests together.
  const now = overrides.now ?? Date.now;
  const readBudget = new ArmReadBudget(now);
  const arm = {
    credential,
    armEndpoint: settings.armEndpoint,
    retry,
    readBudget: readBudgetPolicy(readBudget),
    writeHolds: writeHoldPolicy(new ArmWriteHolds(now), retry.maxRetryDelayInMs),
    ...transport,
  };
  return {
    containerGroups: createContainerGroups(arm),
    queueMetrics: createQueueMetrics({
      credential,
      retry,
      ...(settings.serviceBusEndpoint !== undefined
        ? { serviceBusEndpoint: settings.serviceBusEndpoint }
        : {}),
      ...transport,
    }),
    trafficRouter: createTrafficRouter(arm),
    readTurns: readBudget,
  };
}

export { AzureError, toFailure } from './errors';
export type { AzureErrorKind, AzureFailure } from './errors';
export type * from './ports';
export { StaticTokenCredential, createCredential } from './credentials';
export type { AzureClientOptions, AzureRetryOptions, AzureTlsOptions } from './pipeline';
export type { QueueMetricsOptions } from './queueMetrics';
export { createContainerGroups } from './containerGroups';
export { createQueueMetrics } from './queueMetrics';
export { createTrafficRouter } from './trafficRouter';
export { ArmReadBudget } from './readBudget';

/**
 * Starts the export of Surge's metrics and decision spans to Azure Monitor, when
 * APPLICATIONINSIGHTS_CONNECTION_STRING is set; with it unset nothing is loaded and nothing sent.
 * The local host installs its own exporters (console or OTLP) instead: local/telemetry.ts.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { Settings } from '../config/settings';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The distro's options, as Surge sets them. Every decision span is kept (no rate limit: the
 * sample emits up to ten per pool at once, which the default of 5 traces/s would thin out), and
 * the HTTP and Azure SDK auto-instrumentations are off: each ARM and Service Bus call would be a
 * dependency record, thousands a day per pool, that the host's own invocation records and the
 * pool status already explain. The credential is Surge's managed identity: the template's
 * Application Insights refuses instrumentation keys (DisableLocalAuth).
 */
function azureMonitorOptions(
  connectionString: string,
  credential: TokenCredential,
  transport: { readonly httpClient?: HttpClient } = {},
) {
  return {
    azureMonitorExporterOptions: { connectionString, credential, ...transport },
    samplingRatio: 1,
    tracesPerSecond: 0,
    instrumentationOptions: { http: { enabled: false }, azureSdk: { enabled: false } },
  };
}

/**
 * Starts Azure Monitor when the settings say so, with the module loaded only then (it is large,
 * and a cold start without telemetry should not pay for it). Resolves to whether it started.
 * `transport` replaces the exporters' HTTP client (tests answer as the ingestion endpoint).
 */
export async function startAzureMonitor(
  settings: Pick<Settings, 'telemetry'>,
  env: Env,
  credential: () => TokenCredential,
  transport: { readonly httpClient?: HttpClient } = {},
): Promise<boolean> {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
  if (settings.telemetry !== 'azureMonitor' || !connectionString) return false;
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  useAzureMonitor(azureMonitorOptions(connectionString, credential(), transport));
  return true;
}

/**
 * Exports what is pending and stops Azure Monitor. Through the same dynamic import as the start:
 * the distro ships CommonJS and ES module builds, and a static import could load the other one,
 * whose shutdown would stop nothing.
 */
export async function stopAzureMonitor(): Promise<void> {
  const { shutdownAzureMonitor } = await import('@azure/monitor-opentelemetry');
  await shutdownAzureMonitor();
}

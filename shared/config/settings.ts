/**
 * App settings Surge reads besides the pools document. Each one is listed here, with its
 * default, so that infra/ and the docs can be checked against a single list.
 */
export interface Settings {
  /** NCRONTAB schedule of the queue-depth watch (six fields, UTC). */
  readonly depthSchedule: string;
  /** NCRONTAB schedule of the scale-in tick; scale-in is only evaluated then. */
  readonly scaleInSchedule: string;
  /** NCRONTAB schedule of the check that every pool has a running controller. */
  readonly ensureSchedule: string;
  /** Azure Resource Manager endpoint (container groups, Traffic Manager). */
  readonly armEndpoint: string;
  /** When set, Service Bus administration calls go to this origin instead of the namespace host. */
  readonly serviceBusEndpoint: string | undefined;
  /** When set, health probes go to this origin with the group's FQDN as Host (the local emulator). */
  readonly probeEndpoint: string | undefined;
  /** Client id of the user-assigned managed identity Surge runs as (DefaultAzureCredential otherwise). */
  readonly managedIdentityClientId: string | undefined;
  /** Retries of a throttled (429) or failed (5xx) Azure call, honouring Retry-After. */
  readonly azureMaxRetries: number;
  /**
   * The secret the ACR webhook must carry in its X-Surge-Webhook-Secret header; undefined means the
   * ACR endpoint refuses every call (it never accepts unauthenticated pushes).
   */
  readonly acrWebhookSecret: string | undefined;
  /** First retry delay; doubles per retry up to azureMaxRetryDelayMs (milliseconds). */
  readonly azureRetryDelayMs: number;
  /** Longest retry delay (milliseconds). */
  readonly azureMaxRetryDelayMs: number;
  /** NCRONTAB schedule of the telemetry sample (poolTelemetry); it runs only when telemetry goes somewhere. */
  readonly telemetrySchedule: string;
  /**
   * Where metrics and decision spans go: Azure Monitor when APPLICATIONINSIGHTS_CONNECTION_STRING
   * is set, the console or an OTLP endpoint when SURGE_TELEMETRY_EXPORTER asks (the local host),
   * nowhere otherwise.
   */
  readonly telemetry: TelemetryTarget;
}

/**
 * Where telemetry goes (see Settings.telemetry). The connection string itself stays in the
 * environment, read when the exporter starts, so no copy of it sits in the settings object.
 */
export type TelemetryTarget = 'off' | 'azureMonitor' | 'console' | 'otlp';

/** Every app setting Surge reads, with its meaning and default; the pools settings included. */
export const SETTINGS_DOC: readonly { name: string; default: string; meaning: string }[] = [
  {
    name: 'SURGE_POOLS_FILE',
    default: '(one of the two)',
    meaning: 'Path of the pools document (JSON).',
  },
  {
    name: 'SURGE_POOLS',
    default: '(one of the two)',
    meaning: 'The pools document itself, as JSON.',
  },
  {
    name: 'SURGE_DEPTH_SCHEDULE',
    default: '*/15 * * * * *',
    meaning: 'When the queue-depth watch runs.',
  },
  {
    name: 'SURGE_SCALE_IN_SCHEDULE',
    default: '0 * * * * *',
    meaning: 'When scale-in is evaluated.',
  },
  {
    name: 'SURGE_ENSURE_SCHEDULE',
    default: '30 */5 * * * *',
    meaning: 'When controllers are checked and restarted.',
  },
  {
    name: 'SURGE_ARM_ENDPOINT',
    default: 'https://management.azure.com',
    meaning: 'Azure Resource Manager endpoint.',
  },
  {
    name: 'SURGE_SERVICEBUS_ENDPOINT',
    default: '(namespace host)',
    meaning: 'Origin for Service Bus administration calls.',
  },
  {
    name: 'SURGE_PROBE_ENDPOINT',
    default: '(the group FQDN)',
    meaning: 'Origin health probes go to, with the group FQDN as Host (the local emulator).',
  },
  {
    name: 'AZURE_CLIENT_ID',
    default: '(none)',
    meaning: 'Client id of the user-assigned managed identity Surge runs as.',
  },
  {
    name: 'SURGE_ACR_WEBHOOK_SECRET',
    default: '(none: the ACR webhook is refused)',
    meaning: 'Secret the ACR webhook sends in its X-Surge-Webhook-Secret header.',
  },
  {
    name: 'SURGE_AZURE_MAX_RETRIES',
    default: '4',
    meaning: 'Retries of throttled (429) or failed (5xx) Azure calls.',
  },
  {
    name: 'SURGE_AZURE_RETRY_DELAY_MS',
    default: '1000',
    meaning: 'First retry delay, doubled per retry.',
  },
  { name: 'SURGE_AZURE_MAX_RETRY_DELAY_MS', default: '30000', meaning: 'Longest retry delay.' },
  {
    name: 'SURGE_TELEMETRY_SCHEDULE',
    default: '45 * * * * *',
    meaning: 'When pool metrics and decision spans are sampled (only when telemetry is on).',
  },
  {
    name: 'SURGE_TELEMETRY_EXPORTER',
    default: '(none)',
    meaning:
      'Local host only: `console` or `otlp` (to OTEL_EXPORTER_OTLP_ENDPOINT) instead of Azure Monitor.',
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    default: '(none: nothing is sent)',
    meaning: 'Application Insights to send metrics and decision spans to (OpenTelemetry).',
  },
];

type Env = Readonly<Record<string, string | undefined>>;

/** A setting with a value Surge cannot use. */
export class SettingError extends Error {
  override readonly name = 'SettingError';
}

/** Reads the settings from the environment once; unset settings take their defaults. */
export function readSettings(env: Env): Settings {
  return Object.freeze({
    depthSchedule: schedule(env, 'SURGE_DEPTH_SCHEDULE', '*/15 * * * * *'),
    scaleInSchedule: schedule(env, 'SURGE_SCALE_IN_SCHEDULE', '0 * * * * *'),
    ensureSchedule: schedule(env, 'SURGE_ENSURE_SCHEDULE', '30 */5 * * * *'),
    armEndpoint: url(env, 'SURGE_ARM_ENDPOINT') ?? 'https://management.azure.com',
    serviceBusEndpoint: url(env, 'SURGE_SERVICEBUS_ENDPOINT'),
    probeEndpoint: url(env, 'SURGE_PROBE_ENDPOINT', ['http:', 'https:']),
    managedIdentityClientId: nonEmpty(env.AZURE_CLIENT_ID),
    acrWebhookSecret: nonEmpty(env.SURGE_ACR_WEBHOOK_SECRET),
    azureMaxRetries: integer(env, 'SURGE_AZURE_MAX_RETRIES', 4, 0, 10),
    azureRetryDelayMs: integer(env, 'SURGE_AZURE_RETRY_DELAY_MS', 1000, 1, 60_000),
    azureMaxRetryDelayMs: integer(env, 'SURGE_AZURE_MAX_RETRY_DELAY_MS', 30_000, 1, 600_000),
    telemetrySchedule: schedule(env, 'SURGE_TELEMETRY_SCHEDULE', '45 * * * * *'),
    telemetry: telemetryTarget(env),
  });
}

/** SURGE_TELEMETRY_EXPORTER wins (a local choice), then the connection string, else off. */
function telemetryTarget(env: Env): TelemetryTarget {
  const exporter = nonEmpty(env.SURGE_TELEMETRY_EXPORTER);
  if (exporter === 'console' || exporter === 'otlp') return exporter;
  if (exporter !== undefined) {
    throw new SettingError(
      `SURGE_TELEMETRY_EXPORTER: "${exporter}" is not one of console, otlp (leave it unset for Azure Monitor)`,
    );
  }
  return nonEmpty(env.APPLICATIONINSIGHTS_CONNECTION_STRING) === undefined ? 'off' : 'azureMonitor';
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function schedule(env: Env, name: string, fallback: string): string {
  const v = nonEmpty(env[name]) ?? fallback;
  if (v.split(/\s+/).length !== 6) {
    throw new SettingError(
      `${name}: "${v}" is not a six-field NCRONTAB schedule ({second} {minute} {hour} {day} {month} {day-of-week})`,
    );
  }
  return v;
}

function url(
  env: Env,
  name: string,
  protocols: readonly string[] = ['https:'],
): string | undefined {
  const v = nonEmpty(env[name]);
  if (v === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new SettingError(`${name}: "${v}" is not a URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new SettingError(
      protocols.includes('http:')
        ? `${name}: must be an http or https URL, got "${v}"`
        : `${name}: must be https (Azure SDKs refuse to send tokens over http), got "${v}"`,
    );
  }
  return parsed.origin;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const v = nonEmpty(env[name]);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingError(`${name}: "${v}" must be a whole number from ${min} to ${max}`);
  }
  return n;
}

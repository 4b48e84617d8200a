/**
 * What the three adapters share about the Azure SDK HTTP pipeline: the options every adapter
 * takes, and the retry policy that replaces the SDK's default one.
 */
import { retryPolicy } from '@azure/core-rest-pipeline';
import type {
  HttpClient,
  HttpHeaders,
  Pipeline,
  PipelinePolicy,
  RetryStrategy,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/core-auth';

/** Retries of one Azure call, from Settings (azureMaxRetries, azureRetryDelayMs, …). */
export interface AzureRetryOptions {
  /** Retries after the first attempt; 0 sends each request once. */
  readonly maxRetries: number;
  /** First exponential delay; doubles per retry. */
  readonly retryDelayInMs: number;
  /** Longest delay Surge sleeps inside one call, for backoff and for Retry-After alike. */
  readonly maxRetryDelayInMs: number;
}

/** How an ARM adapter reaches Azure (containerGroups.ts, trafficRouter.ts). */
export interface AzureClientOptions {
  readonly credential: TokenCredential;
  /** ARM origin, e.g. https://management.azure.com, or a local emulator's https origin. */
  readonly armEndpoint: string;
  readonly retry: AzureRetryOptions;
  /**
   * Replaces only the transport (the network boundary): the SDK pipeline before it (retry,
   * bearer token, serialization) stays the real one. Tests pass a fake; production leaves it out.
   */
  readonly httpClient?: HttpClient;
  /**
   * Extra TLS trust for the SDK's own transport: `ca` (PEM) replaces the default roots for these
   * clients. For a local emulator's certificate in-process; production leaves it out. Verification
   * stays on.
   */
  readonly tls?: AzureTlsOptions;
  /**
   * The app's ARM read budget (readBudget.ts) as a pipeline policy, shared by every ARM client the
   * app builds; it runs on every attempt, after the Retry phase. With it, a read ARM throttles is
   * not sent again inside the call: the budget holds the subscription's reads for Retry-After.
   */
  readonly readBudget?: PipelinePolicy;
  /** The app's holds on ARM writes and deletes (readBudget.ts), shared like the read budget. */
  readonly writeHolds?: PipelinePolicy;
}

/** TLS settings the adapters pass to the SDK pipeline (its `tlsOptions`). */
export interface AzureTlsOptions {
  /** Certificate authority (PEM) to trust, e.g. the local emulator's. */
  readonly ca: string;
}

/**
 * Status codes worth sending again: 408 and 429 (the service asked us to slow down) and 5xx except
 * 501 Not Implemented and 505 HTTP Version Not Supported, which a retry cannot fix. The SDK's own
 * default retries the same set except 429 without a Retry-After header, which it gives up on.
 */
function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501 && status !== 505);
}

/** Socket-level failures the node transport reports as RestError codes; the request may succeed again. */
const RETRYABLE_SYSTEM_ERRORS = new Set([
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/** Whether an error thrown by the transport is a network failure worth retrying. */
function isNetworkError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && RETRYABLE_SYSTEM_ERRORS.has(code);
}

/**
 * The delay a response asks for, in milliseconds, or undefined when it asks for none. ARM and
 * Service Bus send `Retry-After` in seconds (or, rarely, an HTTP date); some Azure services send
 * `retry-after-ms` / `x-ms-retry-after-ms` in milliseconds, which win when present.
 */
export function retryAfterMs(headers: HttpHeaders, now: number = Date.now()): number | undefined {
  for (const [name, factor] of [
    ['retry-after-ms', 1],
    ['x-ms-retry-after-ms', 1],
    ['retry-after', 1000],
  ] as const) {
    const raw = headers.get(name)?.trim();
    if (raw === undefined || raw === '') continue;
    const n = Number(raw);
    if (Number.isFinite(n) && n >= 0) return n * factor;
    if (name === 'retry-after') {
      const at = Date.parse(raw);
      if (Number.isFinite(at)) return Math.max(0, at - now);
    }
  }
  return undefined;
}

/**
 * Exponential backoff with jitter, as the SDK computes it: d = min(max, base × 2^retryCount), then a
 * delay drawn from [d/2, d] so that many callers throttled together do not come back together.
 * Worked numbers for the defaults (base 1000 ms, max 30 000 ms): retry 0 waits 500–1000 ms, retry 1
 * 1–2 s, retry 2 2–4 s, retry 3 4–8 s; retry 5 would be 32 s, clamped to 30 s, so 15–30 s. With the
 * default 4 retries a persistently failing call gives up after at most 1+2+4+8 = 15 s of sleeping.
 */
export function backoffMs(
  retryCount: number,
  retry: AzureRetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(retry.maxRetryDelayInMs, retry.retryDelayInMs * 2 ** retryCount);
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * The retry decision for one failed attempt, as an SDK RetryStrategy:
 * - a 429 to a read is not sent again when `retryThrottledReads` is false (ARM clients with the
 *   app's read budget, readBudget.ts, which holds every read of the subscription until Retry-After
 *   has passed and gives looks turns): the read fails at once and its look comes back in its turn;
 * - a retryable status with Retry-After waits exactly that long, unless it is longer than
 *   maxRetryDelayInMs: then Surge stops at once and reports the failure (throttled, transient),
 *   because sleeping minutes inside a function invocation is worse than letting the controller
 *   come back with a durable timer;
 * - a retryable status without Retry-After (429 included) and a network error back off exponentially;
 * - anything else (4xx, success) is not retried.
 */
export function surgeRetryStrategy(
  retry: AzureRetryOptions,
  random: () => number = Math.random,
  { retryThrottledReads = true }: ReadRetries = {},
): RetryStrategy {
  return {
    name: 'surgeRetryStrategy',
    retry({ retryCount, response, responseError }) {
      if (response === undefined) {
        return isNetworkError(responseError)
          ? { retryAfterInMs: backoffMs(retryCount, retry, random) }
          : { skipStrategy: true };
      }
      if (!isRetryableStatus(response.status)) return { skipStrategy: true };
      if (!retryThrottledReads && response.status === 429 && response.request.method === 'GET') {
        return { skipStrategy: true };
      }
      const asked = retryAfterMs(response.headers);
      if (asked !== undefined) {
        return asked <= retry.maxRetryDelayInMs
          ? { retryAfterInMs: asked }
          : { skipStrategy: true };
      }
      return { retryAfterInMs: backoffMs(retryCount, retry, random) };
    },
  };
}

/** How surgeRetryStrategy treats a throttled read (see there). */
interface ReadRetries {
  readonly retryThrottledReads?: boolean;
}

/** The SDK's retry policy runner driven by surgeRetryStrategy, retrying at most maxRetries times. */
function surgeRetryPolicy(retry: AzureRetryOptions, reads: ReadRetries): PipelinePolicy {
  return retryPolicy([surgeRetryStrategy(retry, Math.random, reads)], {
    maxRetries: retry.maxRetries,
  });
}

/**
 * Replaces whatever the SDK put in the pipeline's Retry phase (its defaultRetryPolicy) with
 * surgeRetryPolicy. The Retry phase runs after serialization, the bearer token and deserialization
 * have wrapped the request, so a retry resends the same signed request and the caller still sees
 * one deserialized response (or one error) per call.
 */
export function useSurgeRetry(
  pipeline: Pipeline,
  retry: AzureRetryOptions,
  reads: ReadRetries = {},
): void {
  pipeline.removePolicy({ phase: 'Retry' });
  pipeline.addPolicy(surgeRetryPolicy(retry, reads), { phase: 'Retry' });
}

/** The options every ARM management client takes that Surge sets. */
export interface ArmClientOptions {
  readonly $host: string;
  readonly endpoint: string;
  readonly httpClient?: HttpClient;
  readonly tlsOptions?: { ca: string };
}

/**
 * One ARM management client per subscription id, created on first use: redirected to the
 * configured ARM endpoint (`$host` fills the {$host} of every path template; `endpoint` is the
 * ServiceClient's base URL and also gives the token scope, `${endpoint}/.default` — both must move
 * together), with the test transport and trusted CA when given, and Surge's retry policy.
 */
export function armClientsBySubscription<C extends { pipeline: Pipeline }>(
  options: AzureClientOptions,
  create: (subscriptionId: string, clientOptions: ArmClientOptions) => C,
): (subscriptionId: string) => C {
  const clients = new Map<string, C>();
  const endpoint = options.armEndpoint.replace(/\/+$/, '');
  return (subscriptionId) => {
    let client = clients.get(subscriptionId);
    if (client === undefined) {
      client = create(subscriptionId, {
        $host: endpoint,
        endpoint,
        ...(options.httpClient ? { httpClient: options.httpClient } : {}),
        ...(options.tls ? { tlsOptions: { ca: options.tls.ca } } : {}),
      });
      const budget = options.readBudget;
      useSurgeRetry(client.pipeline, options.retry, { retryThrottledReads: budget === undefined });
      if (budget) client.pipeline.addPolicy(budget, { afterPhase: 'Retry' });
      if (options.writeHolds)
        client.pipeline.addPolicy(options.writeHolds, { afterPhase: 'Retry' });
      clients.set(subscriptionId, client);
    }
    return client;
  };
}

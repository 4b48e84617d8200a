/**
 * Turns whatever an Azure SDK call threw into an AzureError (errors.ts), keeping Azure's own code
 * and message. Only the adapters call this; it knows the shape of the SDKs' RestError.
 */
import { isRestError } from '@azure/core-rest-pipeline';
import { AzureError } from './errors';
import type { AzureErrorKind } from './errors';

/**
 * Subscription quotas. ACI answers "Resource type 'Microsoft.ContainerInstance/containerGroups'
 * container group quota 'StandardCores' exceeded in region …" (often under code ServiceUnavailable),
 * ContainerGroupQuotaReached for the group count, and a create-rate quota (300 per hour, 100 per
 * 5 minutes). Checked before capacity because both arrive as ServiceUnavailable.
 */
const QUOTA_CODE = /quota/i;
const QUOTA_MESSAGE = /\bquota\b|rate limit[^.]*\bcreat|\bcreat[^.]*rate limit/i;

/** The region has no room: 409/503 ServiceUnavailable "…not available in the location…". */
const CAPACITY_CODE = /^InsufficientCapacity\.?$/i;
const CAPACITY_MESSAGE = /not available in the location|insufficient ?capacity/i;

/** What a thrown SDK error says, reduced to status, code and message. */
export interface ErrorFacts {
  readonly status?: number;
  readonly code?: string;
  readonly message: string;
}

function factsOf(error: unknown): ErrorFacts {
  if (isRestError(error)) {
    const status = error.statusCode ?? error.response?.status;
    return {
      ...(status !== undefined ? { status } : {}),
      ...(error.code ? { code: error.code } : {}),
      message: error.message,
    };
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { ...(typeof code === 'string' ? { code } : {}), message: error.message };
  }
  return { message: String(error) };
}

/** The kind Surge acts on, from status, code and message (see errors.ts for each kind). */
export function classify(facts: ErrorFacts, cause?: unknown): AzureErrorKind {
  const { status, code = '', message } = facts;
  if (status === undefined || status < 400) {
    // No HTTP error status: no answer at all, or a 2xx body the SDK could not parse (Service Bus
    // leaves out CountDetails when it throttles heavy polling). DefaultAzureCredential failing to
    // get a token throws CredentialUnavailableError / AggregateAuthenticationError /
    // AuthenticationError from inside the pipeline: retrying will not grant a role, so auth.
    // Everything else (sockets, timeouts, unparsable bodies) is transient.
    const name = cause instanceof Error ? cause.name : '';
    return /CredentialUnavailable|Authentication/.test(name) ? 'auth' : 'transient';
  }
  if (QUOTA_CODE.test(code) || QUOTA_MESSAGE.test(message)) return 'quota';
  if (CAPACITY_CODE.test(code) || CAPACITY_MESSAGE.test(message)) return 'capacity';
  // ACI reports lack of capacity as 409 ServiceUnavailable even when the wording changes.
  if (status === 409 && code === 'ServiceUnavailable') return 'capacity';
  if (status === 429) return 'throttled';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'notFound';
  // Another 409 is a conflict with an operation still running on the group (a delete not yet
  // finished, a create in flight): it clears by itself, so it is worth trying again later.
  if (status === 408 || status === 409) return 'transient';
  // The image registry (not ARM) refused or throttled the pull: ACI says "Please retry later".
  if (code === 'RegistryErrorResponse') return 'transient';
  if (status < 500) return 'invalid';
  return 'transient';
}

/**
 * Converts anything an SDK call threw into an AzureError. `secrets` are values that may have been
 * in the request (secure environment values, passwords, keys): they are masked out of the message
 * in case a service ever quotes the request back, so an AzureError is always safe to log.
 */
export function toAzureError(error: unknown, secrets: readonly string[] = []): AzureError {
  if (error instanceof AzureError) return error;
  const facts = factsOf(error);
  const kind = classify(facts, error);
  const code = facts.code ?? (facts.status !== undefined ? `Http${facts.status}` : 'Unexpected');
  const message = redact(
    facts.message || `HTTP ${facts.status ?? 'request'} failed without a message`,
    secrets,
  );
  return new AzureError(kind, code, message, facts.status);
}

/** Whether a thrown SDK error is a 404 (or an SDK not-found error carrying another status). */
export function isNotFound(error: unknown): boolean {
  if (!isRestError(error)) return false;
  return error.statusCode === 404 || error.code === 'MessageEntityNotFoundError';
}

/**
 * Masks each secret in text. Secrets shorter than 4 characters are left alone: masking "1" or "ab"
 * would shred ordinary words and numbers, and such values would not be secret anyway.
 */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

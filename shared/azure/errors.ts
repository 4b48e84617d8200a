/**
 * What went wrong in an Azure call, reduced to what Surge acts on. The adapters translate SDK
 * errors into AzureError; activities turn it into plain data (AzureFailure) for the controller.
 */
export type AzureErrorKind =
  /** No capacity in the region (409 ServiceUnavailable "not available in the location", InsufficientCapacity). */
  | 'capacity'
  /** A subscription quota is exhausted (StandardCores, container groups, create rate). */
  | 'quota'
  /** 429 after the SDK's own retries. */
  | 'throttled'
  /** The request itself is wrong (400: InaccessibleImage, invalid spec, …); retrying will not help. */
  | 'invalid'
  /** 401/403: the identity lacks a role or the token was refused. */
  | 'auth'
  /** 404. */
  | 'notFound'
  /** 5xx, timeouts, connection errors after retries: worth trying again later. */
  | 'transient';

/** An Azure call that failed, with Azure's own code and message. */
export class AzureError extends Error {
  override readonly name = 'AzureError';
  constructor(
    readonly kind: AzureErrorKind,
    /** Azure's error code, e.g. ServiceUnavailable, InaccessibleImage, TooManyRequests. */
    readonly code: string,
    message: string,
    /** HTTP status, when there was a response. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** An AzureError as plain data, fit for activity results and the pool status. */
export interface AzureFailure {
  readonly kind: AzureErrorKind;
  readonly code: string;
  readonly message: string;
  readonly status?: number;
}

/** Converts anything thrown by a port into plain data; unknown errors count as transient. */
export function toFailure(error: unknown): AzureFailure {
  if (error instanceof AzureError) {
    return {
      kind: error.kind,
      code: error.code,
      message: error.message,
      ...(error.status !== undefined ? { status: error.status } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'transient', code: 'Unexpected', message };
}

/**
 * Errors of the Durable engine's management API, each with the HTTP status the Durable HTTP API
 * answers for it, so the client API server can translate them without guessing.
 */

/** Base class: a management call the engine refused. */
export class DurableEngineError extends Error {
  constructor(
    message: string,
    /** HTTP status of the Durable HTTP API for this condition. */
    readonly status: number,
  ) {
    super(message);
  }
}

/** No instance with that id (HTTP 404). */
export class InstanceNotFoundError extends DurableEngineError {
  override readonly name = 'InstanceNotFoundError';
  constructor(readonly instanceId: string) {
    super(`No instance with ID '${instanceId}' found.`, 404);
  }
}

/** The instance already finished (Completed, Failed or Terminated) (HTTP 410). */
export class InstanceGoneError extends DurableEngineError {
  override readonly name = 'InstanceGoneError';
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: string,
  ) {
    super(
      `Instance '${instanceId}' is ${runtimeStatus}; it no longer accepts this operation.`,
      410,
    );
  }
}

/** An instance with that id is still active (HTTP 409). */
export class InstanceConflictError extends DurableEngineError {
  override readonly name = 'InstanceConflictError';
  constructor(
    readonly instanceId: string,
    readonly runtimeStatus: string,
  ) {
    super(`An instance with ID '${instanceId}' already exists and is ${runtimeStatus}.`, 409);
  }
}

/** The request itself is wrong, e.g. an unknown orchestrator (HTTP 400). */
export class BadRequestError extends DurableEngineError {
  override readonly name = 'BadRequestError';
  constructor(message: string) {
    super(message, 400);
  }
}

/**
 * A narrow, typed window onto durable-functions 3.5 internals.
 *
 * Why read internals at all: the replay protocol's `actions` list does not tell a host everything
 * it must schedule. `callActivityWithRetry` takes hidden sequence ids for its retry timers and
 * re-attempts, and timers longer than `maximumShortTimerDuration` are split into hidden segments;
 * none of those ever appear in `actions`. The real Durable extension learns them by running its own
 * DurableTask replay alongside; we learn them from the SDK's executor, which keeps every task it
 * is waiting on in `openTasks` (by sequence id), external-event waiters in `openEvents` (by name),
 * and early completions in `deferredTasks` (by id or event name).
 *
 * Path: the InvocationContext the programming model created gets `context.df` (the
 * DurableOrchestrationContext) from the SDK's Orchestrator, and `context.df.taskOrchestratorExecutor`
 * is the executor that ran the episode. Every access is shape-checked; any mismatch throws
 * `SdkContractError`, and test/local/contract.test.ts pins all of it so an SDK upgrade fails loudly.
 */

/** The SDK's internals no longer look the way this module expects (likely an SDK upgrade). */
export class SdkContractError extends Error {
  override readonly name = 'SdkContractError';
  constructor(detail: string) {
    super(
      `durable-functions internals changed (local engine built against 3.5.x): ${detail}. ` +
        'Re-check local/durable/sdkInternals.ts against the installed SDK.',
    );
  }
}

/** SDK `ActionType` numbers this engine understands. */
export const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  CallEntity: 7,
  CallHttp: 8,
  SignalEntity: 9,
  WhenAny: 11,
  WhenAll: 12,
  LockEntities: 13,
  ReleaseEntities: 14,
} as const;

/** The retry policy of a `*WithRetry` call (SDK `RetryOptions` fields). */
export interface RetryPolicy {
  readonly firstRetryIntervalInMilliseconds: number;
  readonly maxNumberOfAttempts: number;
  readonly backoffCoefficient?: number;
  readonly maxRetryIntervalInMilliseconds?: number;
  readonly retryTimeoutInMilliseconds?: number;
}

/** An activity call waiting for its result (first attempt or a retry). */
export interface OpenActivity {
  readonly kind: 'activity';
  readonly id: number;
  readonly name: string;
  /** JSON text of the input as the activity must receive it; undefined for no input. */
  readonly inputJson: string | undefined;
  /** 1 for the first attempt, 2+ for retries. */
  readonly attempt: number;
  readonly retry?: RetryPolicy;
}

/** A sub-orchestration call waiting for its result. */
export interface OpenSubOrchestration {
  readonly kind: 'subOrchestration';
  readonly id: number;
  readonly name: string;
  /** The instance id the orchestrator asked for, if any. */
  readonly instanceId?: string;
  /** The version the orchestrator asked for (callSubOrchestrator's `version`), if any. */
  readonly version?: string;
  readonly inputJson: string | undefined;
  readonly attempt: number;
  readonly retry?: RetryPolicy;
}

/** A durable timer (a user timer, or one segment of a long timer). */
export interface OpenTimer {
  readonly kind: 'timer';
  readonly id: number;
  /** When this timer (segment) fires, ms since epoch. */
  readonly fireAt: number;
  /** The orchestrator canceled it (`timer.cancel()`): nothing waits for it any more. */
  readonly canceled: boolean;
  /** Set for a segment of a long timer: when the whole timer ends. */
  readonly finalFireAt?: number;
}

/** The hidden timer between a failed attempt of a `*WithRetry` call and the next attempt. */
export interface OpenRetryTimer {
  readonly kind: 'retryTimer';
  readonly id: number;
  /** The attempt that follows the timer (2 after the first failure). */
  readonly nextAttempt: number;
  readonly retry: RetryPolicy;
}

/** Something this engine cannot run (entities, callHttp). */
export interface OpenUnsupported {
  readonly kind: 'unsupported';
  readonly id: number;
  readonly description: string;
}

/** What one open sequence id is waiting for. */
export type OpenTask =
  OpenActivity | OpenSubOrchestration | OpenTimer | OpenRetryTimer | OpenUnsupported;

/** The executor's view after an episode. */
export interface ExecutorSnapshot {
  /** Open tasks by ascending sequence id. */
  readonly openTasks: OpenTask[];
  /** External events the orchestrator waits for: name → number of waiters. */
  readonly waitingForEvents: Record<string, number>;
  /**
   * Completions that arrived before anything waited for them: key (event name, or a sequence id
   * as text) → count. For external events these are the buffered, not yet consumed events.
   */
  readonly deferred: Record<string, number>;
}

// --- shape checks -----------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null;
}

function prop(obj: Obj, key: string, what: string): unknown {
  if (!(key in obj)) throw new SdkContractError(`${what} has no "${key}"`);
  return obj[key];
}

function objProp(obj: Obj, key: string, what: string): Obj {
  const value = prop(obj, key, what);
  if (!isObj(value)) throw new SdkContractError(`${what}.${key} is not an object`);
  return value;
}

/** `task.actionObj` is a getter on the task classes; NoOpTask's action is the string "noOp". */
function actionOf(task: Obj): Obj | 'noOp' {
  const action = task.actionObj;
  if (action === 'noOp') return 'noOp';
  if (!isObj(action) || typeof action.actionType !== 'number') {
    throw new SdkContractError(
      `task ${String(task.id)} has no actionObj with a numeric actionType`,
    );
  }
  return action;
}

function retryPolicy(value: unknown, what: string): RetryPolicy {
  if (
    !isObj(value) ||
    typeof value.firstRetryIntervalInMilliseconds !== 'number' ||
    typeof value.maxNumberOfAttempts !== 'number'
  ) {
    throw new SdkContractError(`${what} is not a RetryOptions`);
  }
  const num = (k: string): number | undefined =>
    typeof value[k] === 'number' ? value[k] : undefined;
  const policy: {
    -readonly [K in keyof RetryPolicy]: RetryPolicy[K];
  } = {
    firstRetryIntervalInMilliseconds: value.firstRetryIntervalInMilliseconds,
    maxNumberOfAttempts: value.maxNumberOfAttempts,
  };
  const coefficient = num('backoffCoefficient');
  if (coefficient !== undefined) policy.backoffCoefficient = coefficient;
  const maxInterval = num('maxRetryIntervalInMilliseconds');
  if (maxInterval !== undefined) policy.maxRetryIntervalInMilliseconds = maxInterval;
  const timeout = num('retryTimeoutInMilliseconds');
  if (timeout !== undefined) policy.retryTimeoutInMilliseconds = timeout;
  return policy;
}

/** Activity actions carry input already through `Utils.processInput` (strings JSON-encoded). */
function activityInputJson(input: unknown): string | undefined {
  if (input === undefined) return undefined;
  return typeof input === 'string' ? input : JSON.stringify(input);
}

/** Sub-orchestration actions carry the raw input. */
function rawInputJson(input: unknown): string | undefined {
  return input === undefined ? undefined : JSON.stringify(input);
}

function timeOf(value: unknown, what: string): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return Date.parse(value);
  throw new SdkContractError(`${what} is not a Date`);
}

function describeCall(
  id: number,
  action: Obj,
  attempt: number,
  retry: RetryPolicy | undefined,
): OpenActivity | OpenSubOrchestration | OpenUnsupported {
  const name = action.functionName;
  if (typeof name !== 'string')
    throw new SdkContractError(`action of task ${id} has no functionName`);
  const retryPart = retry ? { retry } : {};
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return {
        kind: 'activity',
        id,
        name,
        inputJson: activityInputJson(action.input),
        attempt,
        ...retryPart,
      };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry: {
      const instanceId = typeof action.instanceId === 'string' ? action.instanceId : undefined;
      const version = typeof action.version === 'string' ? action.version : undefined;
      return {
        kind: 'subOrchestration',
        id,
        name,
        ...(instanceId ? { instanceId } : {}),
        ...(version !== undefined ? { version } : {}),
        inputJson: rawInputJson(action.input),
        attempt,
        ...retryPart,
      };
    }
    default:
      return { kind: 'unsupported', id, description: `actionType ${String(action.actionType)}` };
  }
}

/** A RetryableTask: a WhenAllTask with retryOptions, innerTask, attemptNumber, isWaitingOnTimer. */
function asRetryable(parent: unknown, id: number): Obj {
  if (
    !isObj(parent) ||
    typeof parent.attemptNumber !== 'number' ||
    typeof parent.isWaitingOnTimer !== 'boolean' ||
    !isObj(parent.innerTask) ||
    !('retryOptions' in parent)
  ) {
    throw new SdkContractError(`NoOpTask ${id} is not the child of a RetryableTask`);
  }
  return parent;
}

function classify(id: number, task: Obj): OpenTask {
  const action = actionOf(task);
  if (action === 'noOp') {
    // A hidden id of callActivityWithRetry / callSubOrchestratorWithRetry: while the retryable
    // task waits on its timer, the open NoOpTask IS the retry timer; otherwise it stands for the
    // next attempt of the inner call.
    const parent = asRetryable(task.parent, id);
    const retry = retryPolicy(parent.retryOptions, `RetryableTask(${id}).retryOptions`);
    const attempt = parent.attemptNumber as number;
    if (parent.isWaitingOnTimer === true) {
      return { kind: 'retryTimer', id, nextAttempt: attempt, retry };
    }
    const inner = actionOf(parent.innerTask as Obj);
    if (inner === 'noOp') throw new SdkContractError(`RetryableTask(${id}) wraps a NoOpTask`);
    return describeCall(id, inner, attempt, retry);
  }
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallSubOrchestrator:
      return describeCall(id, action, 1, undefined);
    case ActionType.CallActivityWithRetry:
    case ActionType.CallSubOrchestratorWithRetry:
      return describeCall(
        id,
        action,
        1,
        retryPolicy(action.retryOptions, `action ${id}.retryOptions`),
      );
    case ActionType.CreateTimer: {
      const fireAt = timeOf(action.fireAt, `timer ${id}.fireAt`);
      // A segment of a long timer is a plain timer whose parent (LongTimerTask) carries the
      // user's CreateTimer action: cancellation and the final time live there.
      const parent = task.parent;
      if (isObj(parent)) {
        const parentAction = parent.actionObj;
        if (isObj(parentAction) && parentAction.actionType === ActionType.CreateTimer) {
          return {
            kind: 'timer',
            id,
            fireAt,
            canceled: parentAction.isCanceled === true || action.isCanceled === true,
            finalFireAt: timeOf(parentAction.fireAt, `long timer ${id}.fireAt`),
          };
        }
      }
      return { kind: 'timer', id, fireAt, canceled: action.isCanceled === true };
    }
    case ActionType.CallHttp:
      return { kind: 'unsupported', id, description: 'callHttp' };
    case ActionType.CallEntity:
    case ActionType.LockEntities:
      return { kind: 'unsupported', id, description: 'durable entities' };
    default:
      return { kind: 'unsupported', id, description: `actionType ${String(action.actionType)}` };
  }
}

/** The executor object behind `context.df` (shape-checked). */
function executorOf(invocationContext: unknown): Obj {
  if (!isObj(invocationContext)) throw new SdkContractError('invocation context is not an object');
  const df = objProp(invocationContext, 'df', 'InvocationContext');
  return objProp(df, 'taskOrchestratorExecutor', 'context.df');
}

/**
 * Read which sequence ids the orchestrator waits on after an episode, from the executor the SDK
 * left on the invocation context. Throws `SdkContractError` if the internals are not as expected.
 */
export function readExecutorSnapshot(invocationContext: unknown): ExecutorSnapshot {
  const executor = executorOf(invocationContext);
  const openTasks = objProp(executor, 'openTasks', 'executor');
  const openEvents = objProp(executor, 'openEvents', 'executor');
  const deferredTasks = objProp(executor, 'deferredTasks', 'executor');

  const tasks: OpenTask[] = [];
  for (const [key, task] of Object.entries(openTasks)) {
    const id = Number(key);
    if (!Number.isInteger(id)) {
      // Entity calls are re-keyed by request id (a GUID); the engine does not run entities.
      tasks.push({ kind: 'unsupported', id: -1, description: `open task keyed "${key}"` });
      continue;
    }
    if (!isObj(task)) throw new SdkContractError(`openTasks[${key}] is not a task`);
    tasks.push(classify(id, task));
  }
  tasks.sort((a, b) => a.id - b.id);

  const waitingForEvents: Record<string, number> = {};
  for (const [name, list] of Object.entries(openEvents)) {
    if (!Array.isArray(list)) throw new SdkContractError(`openEvents["${name}"] is not an array`);
    if (list.length > 0) waitingForEvents[name] = list.length;
  }

  const deferred: Record<string, number> = {};
  for (const [key, list] of Object.entries(deferredTasks)) {
    if (!Array.isArray(list)) throw new SdkContractError(`deferredTasks["${key}"] is not an array`);
    if (list.length > 0) deferred[key] = list.length;
  }
  return { openTasks: tasks, waitingForEvents, deferred };
}

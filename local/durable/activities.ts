/**
 * The engine's activities: dispatched from the scheduler's queue within the concurrency limit (one
 * at a time in sequential mode), run through the faithful invocation path, and recorded as
 * TaskCompleted or TaskFailed in their instance's inbox — unless the instance moved on meanwhile
 * (terminated, purged, continued as new). An activity counts as done only once its completion is
 * committed; one running at a crash runs again after the restart (at-least-once, like Durable).
 */
import type { Clock } from '../clock';
import type { FunctionRegistry } from '../host/functionsCore';
import { errorMessage, invokeActivityJson, InvocationError } from '../host/invoke';
import type { FailureDetails, TaskFailure } from './history';
import { EventType, isoTime } from './history';
import { hasTrigger } from './instances';
import type { ActivityWork, EngineCounters, EngineLog, Scheduler } from './scheduling';
import type { InstanceStore } from './store';
import { isTerminal } from './store';

type Completion = { result: string } | { failure: TaskFailure };

/** See the module comment. */
export class Activities {
  readonly #registry: FunctionRegistry;
  readonly #clock: Clock;
  readonly #store: InstanceStore;
  readonly #scheduler: Scheduler;
  readonly #counters: EngineCounters;
  readonly #log: EngineLog;
  readonly #concurrency: number;
  #running = 0;

  constructor(options: {
    registry: FunctionRegistry;
    clock: Clock;
    store: InstanceStore;
    scheduler: Scheduler;
    counters: EngineCounters;
    log: EngineLog;
    concurrency: number;
  }) {
    this.#registry = options.registry;
    this.#clock = options.clock;
    this.#store = options.store;
    this.#scheduler = options.scheduler;
    this.#counters = options.counters;
    this.#log = options.log;
    this.#concurrency = options.concurrency;
  }

  /** Activities running right now. */
  get running(): number {
    return this.#running;
  }

  /** Start queued activities while there are free slots. */
  dispatch(): void {
    const limit = this.#scheduler.sequential ? 1 : this.#concurrency;
    while (this.#running < limit) {
      const work = this.#scheduler.takeActivity();
      if (!work) return;
      this.#running += 1;
      this.#counters.activitiesStarted += 1;
      this.#counters.maxConcurrentActivities = Math.max(
        this.#counters.maxConcurrentActivities,
        this.#running,
      );
      void this.#run(work);
    }
  }

  async #run(work: ActivityWork): Promise<void> {
    const completion = await this.#invoke(work);
    this.#running -= 1;
    try {
      this.#scheduler.commit(() => this.#complete(work, completion));
    } catch (err) {
      // Not recorded (e.g. the store failed): the activity stays pending in the store and runs
      // again after a restart, which at-least-once allows.
      this.#log('error', `recording activity ${work.name}#${work.id} failed: ${errorMessage(err)}`);
    }
    this.#scheduler.activityDone(work);
  }

  async #invoke(work: ActivityWork): Promise<Completion> {
    try {
      if (!hasTrigger(this.#registry, work.name, 'activitytrigger')) {
        const reason = `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`;
        return { failure: { Reason: reason, Details: reason } };
      }
      return { result: await invokeActivityJson(this.#registry, work.name, work.inputJson) };
    } catch (err) {
      return {
        failure: activityFailure(work.name, err instanceof InvocationError ? err.cause : err),
      };
    }
  }

  #complete(work: ActivityWork, completion: Completion): void {
    if ('failure' in completion) this.#counters.activitiesFailed += 1;
    else this.#counters.activitiesCompleted += 1;
    const state = this.#store.get(work.instanceId);
    if (
      !state ||
      isTerminal(state.runtimeStatus) ||
      state.execution !== work.execution ||
      state.epoch !== work.epoch
    ) {
      return; // the instance moved on (terminated, purged, continued as new)
    }
    state.activities = state.activities.filter((a) => a.id !== work.id);
    const base = {
      EventId: -1,
      IsPlayed: false,
      Timestamp: isoTime(this.#clock.now()),
      TaskScheduledId: work.id,
    };
    state.inbox.push(
      'failure' in completion
        ? { EventType: EventType.TaskFailed, ...base, ...completion.failure }
        : { EventType: EventType.TaskCompleted, ...base, Result: completion.result },
    );
    this.#store.put(state);
    this.#scheduler.enqueue(state);
  }
}

/**
 * How a thrown activity error is recorded. Like the Durable extension: Reason is
 * "Activity function 'X' failed: <message>" and Details the stack, which the SDK turns into
 * `Error("<Reason> \n <Details>")`. When durable-functions' activity wrapper has serialized
 * structured details into the message (an ExceptionPropertiesProvider is registered), they become
 * FailureDetails, so the orchestrator gets a TaskFailedError with the custom properties.
 */
function activityFailure(name: string, thrown: unknown): TaskFailure {
  const message = errorMessage(thrown);
  const stack = thrown instanceof Error && thrown.stack ? thrown.stack : message;
  const structured = parseSerializedFailure(message);
  if (structured) {
    return {
      Reason: `Activity function '${name}' failed: ${structured.ErrorMessage}`,
      Details: structured.StackTrace ?? structured.ErrorMessage,
      FailureDetails: structured,
    };
  }
  return { Reason: `Activity function '${name}' failed: ${message}`, Details: stack };
}

/** FailureDetails as the SDK hands them over (an orchestrator's failure), when well formed. */
export function asFailureDetails(value: unknown): FailureDetails | undefined {
  if (!isRecord(value) || typeof value.ErrorType !== 'string') return undefined;
  return {
    ErrorType: value.ErrorType,
    ErrorMessage: typeof value.ErrorMessage === 'string' ? value.ErrorMessage : '',
    ...(typeof value.StackTrace === 'string' ? { StackTrace: value.StackTrace } : {}),
    ...(typeof value.IsNonRetriable === 'boolean' ? { IsNonRetriable: value.IsNonRetriable } : {}),
    ...(isRecord(value.Properties) ? { Properties: value.Properties } : {}),
  };
}

function parseSerializedFailure(message: string): FailureDetails | undefined {
  if (!message.startsWith('{')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (
    !isRecord(parsed) ||
    typeof parsed.errorType !== 'string' ||
    typeof parsed.errorMessage !== 'string'
  ) {
    return undefined;
  }
  return {
    ErrorType: parsed.errorType,
    ErrorMessage: parsed.errorMessage,
    ...(typeof parsed.stackTrace === 'string' ? { StackTrace: parsed.stackTrace } : {}),
    IsNonRetriable: parsed.isNonRetriable === true,
    ...(isRecord(parsed.properties) ? { Properties: parsed.properties } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

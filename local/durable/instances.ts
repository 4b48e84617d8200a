/**
 * The engine's instances: creating them (a new one under a finished one's id replaces it), the
 * management operations the Durable client API offers (start, raise, terminate, suspend, resume,
 * purge, status, list), and the links from sub-orchestrations to their parents.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock';
import type { FunctionRegistry } from '../host/functionsCore';
import { triggerBinding } from '../host/functionsCore';
import {
  BadRequestError,
  InstanceConflictError,
  InstanceGoneError,
  InstanceNotFoundError,
} from './errors';
import type {
  EventRaisedEvent,
  HistoryEvent,
  SubOrchestrationInstanceCreatedEvent,
  TaskFailure,
} from './history';
import { describeEvent, EventType, h, isoTime } from './history';
import type { OpenSubOrchestration } from './sdkInternals';
import type { EngineCounters, Scheduler } from './scheduling';
import type { InstanceState, InstanceStore, ParentLink, RuntimeStatus } from './store';
import { isTerminal } from './store';

/** An instance as the management API reports it. */
export interface OrchestrationStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  /** ISO time. */
  readonly createdTime: string;
  /** ISO time. */
  readonly lastUpdatedTime: string;
  /** With `showHistory`: the committed history of the current execution. */
  readonly history?: Record<string, unknown>[];
}

/** What a status includes. */
export interface StatusOptions {
  readonly showHistory?: boolean;
  /** Default true. */
  readonly showInput?: boolean;
}

/** Which instances to list. */
export interface InstanceFilter {
  readonly runtimeStatus?: readonly RuntimeStatus[];
  /** ms since epoch, inclusive. */
  readonly createdTimeFrom?: number;
  /** ms since epoch, inclusive. */
  readonly createdTimeTo?: number;
  readonly instanceIdPrefix?: string;
  readonly showInput?: boolean;
}

/** The management operations, as the Durable client API serves them. */
export interface DurableManagement {
  readonly taskHubName: string;
  startNew(
    name: string,
    options?: { instanceId?: string; input?: unknown; version?: string },
  ): Promise<string>;
  raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void>;
  terminate(instanceId: string, reason?: string): Promise<void>;
  suspend(instanceId: string, reason?: string): Promise<void>;
  resume(instanceId: string, reason?: string): Promise<void>;
  purge(instanceId: string): Promise<boolean>;
  getStatus(instanceId: string, options?: StatusOptions): OrchestrationStatus | undefined;
  listInstances(filter?: InstanceFilter): OrchestrationStatus[];
}

/** True when the function is registered with the given trigger type (e.g. orchestrationTrigger). */
export function hasTrigger(registry: FunctionRegistry, name: string, type: string): boolean {
  const fn = registry.get(name);
  return fn !== undefined && (triggerBinding(fn).binding.type ?? '').toLowerCase() === type;
}

/** See the module comment. */
export class Instances {
  readonly #registry: FunctionRegistry;
  readonly #clock: Clock;
  readonly #store: InstanceStore;
  readonly #scheduler: Scheduler;
  readonly #counters: EngineCounters;
  readonly #newInstanceId: () => string;
  /**
   * Epoch of each instance purged by this engine, so a new instance under the same id starts past
   * it and the purged one's in-flight work is recognised as stale.
   */
  readonly #purgedEpochs = new Map<string, number>();

  constructor(options: {
    registry: FunctionRegistry;
    clock: Clock;
    store: InstanceStore;
    scheduler: Scheduler;
    counters: EngineCounters;
    newInstanceId?: () => string;
  }) {
    this.#registry = options.registry;
    this.#clock = options.clock;
    this.#store = options.store;
    this.#scheduler = options.scheduler;
    this.#counters = options.counters;
    this.#newInstanceId = options.newInstanceId ?? (() => randomUUID().replace(/-/g, ''));
  }

  /**
   * host.json's `extensions.durableTask.defaultVersion`: the version an instance started without
   * one records (startNew, sub-orchestrations). Set by the host that loads the app.
   */
  defaultVersion: string | undefined;

  /**
   * Start an orchestration. An id that belongs to an active instance is refused
   * (InstanceConflictError); the id of a finished one is reused (its history is replaced).
   */
  startNew(
    orchestratorName: string,
    options: { instanceId?: string; input?: unknown; version?: string },
  ): string {
    if (!hasTrigger(this.#registry, orchestratorName, 'orchestrationtrigger')) {
      throw new BadRequestError(
        `The function '${orchestratorName}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const instanceId = options.instanceId ?? this.#newInstanceId();
    if (instanceId.length === 0) throw new BadRequestError('instanceId must not be empty');
    this.#scheduler.commit(() => {
      const existing = this.#store.get(instanceId);
      if (existing && !isTerminal(existing.runtimeStatus)) {
        throw new InstanceConflictError(instanceId, existing.runtimeStatus);
      }
      const version = options.version ?? this.defaultVersion;
      this.create(orchestratorName, instanceId, options.input, undefined, existing, version);
    });
    this.#scheduler.kick();
    return instanceId;
  }

  /** Deliver an external event. Unknown instance → InstanceNotFoundError; finished → InstanceGoneError. */
  raiseEvent(instanceId: string, eventName: string, eventData?: unknown): void {
    this.#mutate(instanceId, (state) => {
      if (eventName.length === 0) throw new BadRequestError('eventName must not be empty');
      const raised: EventRaisedEvent = h.eventRaised(this.#clock.now(), eventName, eventData);
      state.inbox.push(raised);
      this.#scheduler.enqueue(state);
    });
  }

  /** Terminate an active instance; its output becomes the reason. */
  terminate(instanceId: string, reason?: string): void {
    this.#mutate(instanceId, (state) => {
      const now = this.#clock.now();
      state.history.push(h.executionTerminated(now, reason));
      this.finish(state, 'Terminated', reason ?? null, now);
      this.notifyParent(state, {
        failed: {
          Reason: `Orchestration '${state.name}' (${state.instanceId}) was terminated: ${reason ?? ''}`,
          Details: reason ?? '',
        },
      });
    });
  }

  /** Suspend an active instance: events and completions queue up but no episode runs. */
  suspend(instanceId: string, reason?: string): void {
    this.#mutate(instanceId, (state) => {
      if (state.runtimeStatus === 'Suspended') return;
      state.inbox.push(h.executionSuspended(this.#clock.now(), reason));
      state.runtimeStatus = 'Suspended';
      state.lastUpdatedTime = this.#clock.now();
    });
  }

  /** Resume a suspended instance (a no-op for one that is not suspended). */
  resume(instanceId: string, reason?: string): void {
    this.#mutate(instanceId, (state) => {
      if (state.runtimeStatus !== 'Suspended') return;
      state.inbox.push(h.executionResumed(this.#clock.now(), reason));
      state.runtimeStatus = state.history.length === 0 ? 'Pending' : 'Running';
      state.lastUpdatedTime = this.#clock.now();
      this.#scheduler.enqueue(state);
    });
  }

  /** Forget an instance and its history, whatever its state. True if it existed. */
  purge(instanceId: string): boolean {
    const state = this.#store.get(instanceId);
    if (state) this.#purgedEpochs.set(instanceId, state.epoch);
    return this.#store.delete(instanceId);
  }

  /** Status of one instance, or undefined. */
  getStatus(instanceId: string, options: StatusOptions = {}): OrchestrationStatus | undefined {
    const state = this.#store.get(instanceId);
    return state ? statusOf(state, options) : undefined;
  }

  /** Status of every instance matching `filter`, oldest first (no history). */
  list(filter: InstanceFilter = {}): OrchestrationStatus[] {
    return this.#store
      .list()
      .filter((s) => !filter.runtimeStatus || filter.runtimeStatus.includes(s.runtimeStatus))
      .filter(
        (s) => filter.createdTimeFrom === undefined || s.createdTime >= filter.createdTimeFrom,
      )
      .filter((s) => filter.createdTimeTo === undefined || s.createdTime <= filter.createdTimeTo)
      .filter((s) => !filter.instanceIdPrefix || s.instanceId.startsWith(filter.instanceIdPrefix))
      .map((s) => statusOf(s, { showInput: filter.showInput ?? true }));
  }

  /** A change to an active instance, as one transaction; then the loop runs. */
  #mutate(instanceId: string, change: (state: InstanceState) => void): void {
    this.#scheduler.commit(() => {
      const state = this.#store.get(instanceId);
      if (!state) throw new InstanceNotFoundError(instanceId);
      if (isTerminal(state.runtimeStatus))
        throw new InstanceGoneError(instanceId, state.runtimeStatus);
      change(state);
      this.#store.put(state);
    });
    this.#scheduler.kick();
  }

  /** Create (or re-create over a finished `previous`) an instance. Call inside a commit. */
  create(
    name: string,
    instanceId: string,
    input: unknown,
    parent: ParentLink | undefined,
    previous: InstanceState | undefined,
    version?: string,
  ): InstanceState {
    const now = this.#clock.now();
    // A new instance under a used id is a new row: it forgets the old history and lists as newest.
    if (previous) this.#store.delete(instanceId);
    const lastEpoch = Math.max(previous?.epoch ?? 0, this.#purgedEpochs.get(instanceId) ?? 0);
    const state: InstanceState = {
      instanceId,
      name,
      input: input ?? null,
      output: null,
      customStatus: null,
      runtimeStatus: 'Pending',
      createdTime: now,
      lastUpdatedTime: now,
      ...(parent ? { parent } : {}),
      execution: 1,
      epoch: lastEpoch + 1,
      history: [],
      inbox: [executionStarted(now, name, instanceId, input, 1, parent, version)],
      timers: [],
      activities: [],
      waitingForEvents: [],
    };
    this.#store.put(state);
    this.#counters.instancesStarted += 1;
    this.#scheduler.enqueue(state);
    return state;
  }

  /** Mark an instance finished and drop its pending work. */
  finish(state: InstanceState, status: RuntimeStatus, output: unknown, now: number): void {
    state.runtimeStatus = status;
    state.output = output;
    state.lastUpdatedTime = now;
    state.inbox = [];
    state.timers = [];
    state.activities = [];
    state.waitingForEvents = [];
    state.epoch += 1;
  }

  /**
   * Start the sub-orchestration an episode asks for (or, when it cannot start, fail its task in
   * the parent at once); returns the event the parent records. Call inside a commit.
   */
  startSubOrchestration(
    parent: InstanceState,
    task: OpenSubOrchestration,
    now: number,
  ): SubOrchestrationInstanceCreatedEvent {
    const childId =
      task.instanceId ?? `${parent.instanceId}:${task.id.toString().padStart(4, '0')}`;
    const created: SubOrchestrationInstanceCreatedEvent = {
      EventType: EventType.SubOrchestrationInstanceCreated,
      EventId: task.id,
      IsPlayed: false,
      Timestamp: isoTime(now),
      Name: task.name,
      InstanceId: childId,
      ...(task.inputJson !== undefined ? { Input: task.inputJson } : {}),
    };
    const fail = (reason: string): SubOrchestrationInstanceCreatedEvent => {
      parent.inbox.push(h.subOrchestrationFailed(now, task.id, { reason, details: reason }));
      this.#scheduler.enqueue(parent);
      return created;
    };
    if (!hasTrigger(this.#registry, task.name, 'orchestrationtrigger')) {
      return fail(
        `The function '${task.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const existing = this.#store.get(childId);
    if (existing && !isTerminal(existing.runtimeStatus)) {
      return fail(
        `An instance with ID '${childId}' already exists and is ${existing.runtimeStatus}.`,
      );
    }
    const input: unknown = task.inputJson === undefined ? undefined : JSON.parse(task.inputJson);
    const link = {
      instanceId: parent.instanceId,
      name: parent.name,
      taskId: task.id,
      execution: parent.execution,
    };
    // Without a version of its own, a sub-orchestration gets the default, as in Durable Functions.
    this.create(task.name, childId, input, link, existing, task.version ?? this.defaultVersion);
    this.#counters.subOrchestrationsStarted += 1;
    return created;
  }

  /** Tell a sub-orchestration's parent (if it still waits, in the same execution) how it ended. */
  notifyParent(
    child: InstanceState,
    outcome: { completed: string } | { failed: TaskFailure },
  ): void {
    const link = child.parent;
    if (!link) return;
    const parent = this.#store.get(link.instanceId);
    if (!parent || isTerminal(parent.runtimeStatus) || parent.execution !== link.execution) return;
    const base = {
      EventId: -1,
      IsPlayed: false,
      Timestamp: isoTime(this.#clock.now()),
      TaskScheduledId: link.taskId,
    };
    parent.inbox.push(
      'completed' in outcome
        ? {
            EventType: EventType.SubOrchestrationInstanceCompleted,
            ...base,
            Result: outcome.completed,
          }
        : { EventType: EventType.SubOrchestrationInstanceFailed, ...base, ...outcome.failed },
    );
    this.#store.put(parent);
    this.#scheduler.enqueue(parent);
  }
}

/** The ExecutionStarted event of an execution (`{instanceId}:{n}`), with its parent if any. */
export function executionStarted(
  at: number,
  name: string,
  instanceId: string,
  input: unknown,
  execution: number,
  parent: ParentLink | undefined,
  version: string | undefined,
): HistoryEvent {
  return h.executionStarted(at, {
    name,
    input,
    instanceId,
    executionId: `${instanceId}:${execution}`,
    ...(version !== undefined ? { version } : {}),
    ...(parent
      ? {
          parent: {
            name: parent.name,
            taskScheduleId: parent.taskId,
            instanceId: parent.instanceId,
          },
        }
      : {}),
  });
}

function statusOf(state: InstanceState, options: StatusOptions): OrchestrationStatus {
  const showInput = options.showInput ?? true;
  return {
    name: state.name,
    instanceId: state.instanceId,
    runtimeStatus: state.runtimeStatus,
    input: showInput ? (state.input ?? null) : null,
    output: state.output ?? null,
    customStatus: state.customStatus ?? null,
    createdTime: isoTime(state.createdTime),
    lastUpdatedTime: isoTime(state.lastUpdatedTime),
    ...(options.showHistory ? { history: state.history.map(describeEvent) } : {}),
  };
}

/** The version the current execution of an instance records (its ExecutionStarted event). */
export function versionOf(state: InstanceState): string | undefined {
  const started = [...state.history, ...state.inbox].find(
    (e) => e.EventType === EventType.ExecutionStarted,
  );
  return started && 'Version' in started ? started.Version : undefined;
}

/**
 * An in-memory Durable Functions engine driven by a Clock. It plays the part of the Durable
 * extension + DurableTask storage: it keeps each instance's history, runs orchestration episodes
 * through the real durable-functions replay code (replay.ts), turns what the orchestrator waits on
 * into scheduled work (activities, timers, sub-orchestrations), runs activities through the
 * faithful invocation path, and feeds their outcomes back as history events.
 *
 * Time comes only from the clock. With a VirtualClock nothing happens until the caller drives it
 * (`runUntilIdle`, `advanceTo`, `advanceBy`), which makes tests and simulations deterministic; with
 * a SystemClock, `start()` runs the same loop in the background with real timers.
 *
 * Persistence (with a persistent store such as SqliteInstanceStore): every state change is one
 * store transaction (`#commit`), and all pending work is part of the stored state, so a process
 * killed at any point resumes from the store: an activity is dispatched only after its
 * `TaskScheduled` is committed, and counts as done only once its completion is committed together
 * with its removal from the pending activities. A completed activity therefore never runs again;
 * one that was running at the crash runs again after the restart (at-least-once, like Durable).
 */
import { randomUUID } from 'node:crypto';
import type { Clock, SettableClock } from '../clock';
import { isSettableClock } from '../clock';
import type { FunctionRegistry } from '../host/functionsCore';
import { triggerBinding } from '../host/functionsCore';
import { errorMessage, invokeActivityJson, InvocationError } from '../host/invoke';
import type { ClientApiOptions, ClientApiServer, ClientBindingData } from './clientApi';
import { clientBindingData, startClientApi } from './clientApi';
import {
  BadRequestError,
  InstanceConflictError,
  InstanceGoneError,
  InstanceNotFoundError,
} from './errors';
import type {
  EventRaisedEvent,
  FailureDetails,
  HistoryEvent,
  SubOrchestrationInstanceCreatedEvent,
  TaskScheduledEvent,
  TimerCreatedEvent,
} from './history';
import {
  describeEvent,
  EventType,
  eventTypeName,
  h,
  isoTime,
  jsonText,
  markPlayed,
} from './history';
import type { ReplayOptions, ReplayResult } from './replay';
import { replayEpisode } from './replay';
import type { OpenRetryTimer, OpenSubOrchestration, OpenTask } from './sdkInternals';
import type { InstanceState, InstanceStore, ParentLink, RuntimeStatus } from './store';
import { isTerminal, MemoryInstanceStore } from './store';

/** Engine diagnostics (not app logs: those go to the registry's log sink). */
export type EngineLog = (
  level: 'debug' | 'information' | 'warning' | 'error',
  message: string,
) => void;

/** How to build an engine. */
export interface DurableEngineOptions {
  /** Where the app's orchestrations and activities are registered. */
  readonly registry: FunctionRegistry;
  /** The one clock: history timestamps, `currentUtcDateTime`, timer due times. */
  readonly clock: Clock;
  /** Most activities running at once, across all instances. Default 8. */
  readonly activityConcurrency?: number;
  /** Default: a fresh MemoryInstanceStore. */
  readonly store?: InstanceStore;
  /** Default: the registry's log (system category). */
  readonly log?: EngineLog;
  /** Trigger payload knobs (timer splitting, schema). */
  readonly replay?: ReplayOptions;
  /** Task hub name reported to clients. Default `SurgeLocal`. */
  readonly taskHubName?: string;
  /** Instance ids for `startNew` without one. Default: a GUID in "N" format, like Durable. */
  readonly newInstanceId?: () => string;
  /**
   * One thing at a time, in a canonical order (default false): at most one activity runs, no
   * episode runs while it does, and of the instances with new events the one with the smallest
   * id goes first. The order in which work became runnable then no longer matters — in
   * particular not the order in which concurrent HTTP calls (the depth watch signalling ten
   * controllers at once) happened to reach the client API — so a virtual-time run is a function
   * of its inputs alone. Slower in real time (no overlap of I/O); meant for `npm run simulate`.
   */
  readonly sequential?: boolean;
}

/** An instance's status as the Durable HTTP API reports it. */
export interface OrchestrationStatus {
  readonly name: string;
  readonly instanceId: string;
  readonly runtimeStatus: RuntimeStatus;
  readonly input: unknown;
  readonly output: unknown;
  readonly customStatus: unknown;
  /** ISO 8601. */
  readonly createdTime: string;
  /** ISO 8601. */
  readonly lastUpdatedTime: string;
  /** Current execution's history, described (`showHistory`). */
  readonly history?: Record<string, unknown>[];
}

/** Options of `getStatus`. */
export interface StatusOptions {
  readonly showHistory?: boolean;
  /** Default true; false reports `input: null`. */
  readonly showInput?: boolean;
}

/** Filter of `listInstances`. */
export interface InstanceFilter {
  readonly runtimeStatus?: readonly RuntimeStatus[];
  /** ms since epoch, inclusive. */
  readonly createdTimeFrom?: number;
  /** ms since epoch, inclusive. */
  readonly createdTimeTo?: number;
  readonly instanceIdPrefix?: string;
  readonly showInput?: boolean;
}

/** Running totals, for tests and the dashboard. */
export interface EngineCounters {
  instancesStarted: number;
  episodes: number;
  activitiesStarted: number;
  activitiesCompleted: number;
  activitiesFailed: number;
  maxConcurrentActivities: number;
  timersFired: number;
  subOrchestrationsStarted: number;
  continuedAsNew: number;
}

interface ActivityWork {
  readonly instanceId: string;
  readonly execution: number;
  readonly epoch: number;
  readonly id: number;
  readonly name: string;
  readonly inputJson: string | undefined;
}

/** What the engine records when an activity or sub-orchestration fails. */
export interface TaskFailure {
  Reason: string;
  Details: string;
  FailureDetails?: FailureDetails;
}

const DEFAULT_CONCURRENCY = 8;
/** setTimeout's maximum delay; longer waits are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** The local Durable engine; instances live in its InstanceStore (memory or SQLite). */
export class DurableEngine {
  readonly registry: FunctionRegistry;
  readonly clock: Clock;
  readonly store: InstanceStore;
  readonly taskHubName: string;
  readonly activityConcurrency: number;
  readonly counters: EngineCounters = {
    instancesStarted: 0,
    episodes: 0,
    activitiesStarted: 0,
    activitiesCompleted: 0,
    activitiesFailed: 0,
    maxConcurrentActivities: 0,
    timersFired: 0,
    subOrchestrationsStarted: 0,
    continuedAsNew: 0,
  };

  readonly #log: EngineLog;
  readonly #replayOptions: ReplayOptions;
  readonly #newInstanceId: () => string;
  readonly #sequential: boolean;

  /** Instances with new events, in the order they became runnable. */
  readonly #runQueue: string[] = [];
  readonly #queued = new Set<string>();
  /** Activities waiting for a concurrency slot. */
  readonly #activityQueue: ActivityWork[] = [];
  /**
   * Activities queued inside the transaction being built (undefined outside one): they join
   * `#activityQueue` only once it has committed, so nothing runs whose scheduling could be undone.
   */
  #staged: ActivityWork[] | undefined;
  /**
   * Epoch of each instance purged by this engine, so a new instance under the same id starts past
   * it and the purged one's in-flight work is recognised as stale.
   */
  readonly #purgedEpochs = new Map<string, number>();
  /** Keys of activities queued or running, so recovery and scheduling never double-dispatch. */
  readonly #activityKeys = new Set<string>();
  #runningActivities = 0;
  /** Resolves the pump's wait when an activity finishes. */
  #wake: (() => void) | undefined;
  #pumping: Promise<void> | undefined;

  #started = false;
  /** Set while `stop()` drains: the loop finishes running activities but starts nothing new. */
  #stopping = false;
  #kickScheduled = false;
  #timerHandle: ReturnType<typeof setTimeout> | undefined;
  #server: ClientApiServer | undefined;

  /** Build an engine; instances already in `store` are recovered (queued work re-dispatched). */
  constructor(options: DurableEngineOptions) {
    this.registry = options.registry;
    this.clock = options.clock;
    this.store = options.store ?? new MemoryInstanceStore();
    this.taskHubName = options.taskHubName ?? 'SurgeLocal';
    this.activityConcurrency = options.activityConcurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(this.activityConcurrency) || this.activityConcurrency < 1) {
      throw new RangeError(
        `activityConcurrency must be an integer >= 1, got ${this.activityConcurrency}`,
      );
    }
    this.#log =
      options.log ??
      ((level, message) => this.registry.log(level, 'system', `[durable] ${message}`));
    this.#replayOptions = options.replay ?? {};
    this.#newInstanceId = options.newInstanceId ?? (() => randomUUID().replace(/-/g, ''));
    this.#sequential = options.sequential ?? false;
    this.#recover();
  }

  // --- management API ---------------------------------------------------------------------------

  /**
   * Start an orchestration. An id that belongs to an active instance is refused
   * (InstanceConflictError); the id of a finished one is reused (its history is replaced).
   */
  startNew(
    orchestratorName: string,
    options: { instanceId?: string; input?: unknown } = {},
  ): Promise<string> {
    try {
      const fn = this.registry.get(orchestratorName);
      if (!fn || (triggerBinding(fn).binding.type ?? '').toLowerCase() !== 'orchestrationtrigger') {
        throw new BadRequestError(
          `The function '${orchestratorName}' doesn't exist, is disabled, or is not an orchestrator function.`,
        );
      }
      const instanceId = options.instanceId ?? this.#newInstanceId();
      if (instanceId.length === 0) throw new BadRequestError('instanceId must not be empty');
      this.#commit(() => {
        const existing = this.store.get(instanceId);
        if (existing && !isTerminal(existing.runtimeStatus)) {
          throw new InstanceConflictError(instanceId, existing.runtimeStatus);
        }
        this.#createInstance(orchestratorName, instanceId, options.input, undefined, existing);
      });
      this.#kick();
      return Promise.resolve(instanceId);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Deliver an external event. Unknown instance → InstanceNotFoundError; finished → InstanceGoneError. */
  raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    return this.#mutate(instanceId, (state) => {
      if (eventName.length === 0) throw new BadRequestError('eventName must not be empty');
      const raised: EventRaisedEvent = h.eventRaised(this.clock.now(), eventName, eventData);
      state.inbox.push(raised);
      this.#enqueue(state);
    });
  }

  /** Terminate an active instance; its output becomes the reason. */
  terminate(instanceId: string, reason?: string): Promise<void> {
    return this.#mutate(instanceId, (state) => {
      const now = this.clock.now();
      state.history.push(h.executionTerminated(now, reason));
      this.#finish(state, 'Terminated', reason ?? null, now);
      this.#notifyParent(state, {
        failed: {
          Reason: `Orchestration '${state.name}' (${state.instanceId}) was terminated: ${reason ?? ''}`,
          Details: reason ?? '',
        },
      });
    });
  }

  /** Suspend an active instance: events and completions queue up but no episode runs. */
  suspend(instanceId: string, reason?: string): Promise<void> {
    return this.#mutate(instanceId, (state) => {
      if (state.runtimeStatus === 'Suspended') return;
      state.inbox.push(h.executionSuspended(this.clock.now(), reason));
      state.runtimeStatus = 'Suspended';
      state.lastUpdatedTime = this.clock.now();
    });
  }

  /** Resume a suspended instance (a no-op for one that is not suspended). */
  resume(instanceId: string, reason?: string): Promise<void> {
    return this.#mutate(instanceId, (state) => {
      if (state.runtimeStatus !== 'Suspended') return;
      state.inbox.push(h.executionResumed(this.clock.now(), reason));
      state.runtimeStatus = state.history.length === 0 ? 'Pending' : 'Running';
      state.lastUpdatedTime = this.clock.now();
      this.#enqueue(state);
    });
  }

  /**
   * Forget an instance and its history, whatever its state (pending work of an active instance
   * is dropped). Resolves true if it existed.
   */
  purge(instanceId: string): Promise<boolean> {
    try {
      const state = this.store.get(instanceId);
      if (state) this.#purgedEpochs.set(instanceId, state.epoch);
      return Promise.resolve(this.store.delete(instanceId));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Status of one instance, or undefined. */
  getStatus(instanceId: string, options: StatusOptions = {}): OrchestrationStatus | undefined {
    const state = this.store.get(instanceId);
    return state ? this.#status(state, options) : undefined;
  }

  /** Status of every instance matching `filter`, oldest first (no history). */
  listInstances(filter: InstanceFilter = {}): OrchestrationStatus[] {
    return this.store
      .list()
      .filter((s) => !filter.runtimeStatus || filter.runtimeStatus.includes(s.runtimeStatus))
      .filter(
        (s) => filter.createdTimeFrom === undefined || s.createdTime >= filter.createdTimeFrom,
      )
      .filter((s) => filter.createdTimeTo === undefined || s.createdTime <= filter.createdTimeTo)
      .filter((s) => !filter.instanceIdPrefix || s.instanceId.startsWith(filter.instanceIdPrefix))
      .map((s) => this.#status(s, { showInput: filter.showInput ?? true }));
  }

  /** The current execution's committed history (a copy). */
  history(instanceId: string): HistoryEvent[] {
    return [...(this.store.get(instanceId)?.history ?? [])];
  }

  /** How many executions the instance has had (1 + number of continueAsNew). 0 if unknown. */
  executions(instanceId: string): number {
    return this.store.get(instanceId)?.execution ?? 0;
  }

  /** Activities running right now. */
  get runningActivities(): number {
    return this.#runningActivities;
  }

  // --- driving the engine -----------------------------------------------------------------------

  /** Earliest time a pending timer fires (ms since epoch), or undefined. */
  nextTimerAt(): number | undefined {
    return this.store.nextTimerAt();
  }

  /**
   * Run everything runnable at the current clock time — episodes, activities, due timers — until
   * nothing is, then resolve. Concurrent callers share one loop.
   */
  async runUntilIdle(): Promise<void> {
    while (this.#pumping) await this.#pumping;
    const pumping = this.#pump().finally(() => {
      this.#pumping = undefined;
    });
    this.#pumping = pumping;
    await pumping;
  }

  /**
   * Move a settable clock to `t`, firing every timer due on the way in order: jump to the next due
   * timer, run until idle, repeat; finally set the clock to `t` and run until idle.
   */
  async advanceTo(t: number): Promise<void> {
    const clock = this.#settableClock();
    await this.runUntilIdle();
    for (;;) {
      const next = this.nextTimerAt();
      if (next === undefined || next > t) break;
      if (next > clock.now()) clock.set(next);
      await this.runUntilIdle();
    }
    if (t > clock.now()) clock.set(t);
    await this.runUntilIdle();
  }

  /** `advanceTo(clock.now() + ms)`. */
  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.clock.now() + ms);
  }

  /**
   * Run the loop in the background: work runs as it arrives, and with a real clock, timers fire
   * on real `setTimeout`s. (A settable clock still only moves through advanceTo/advanceBy.)
   */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#kick();
  }

  /**
   * Stop the background loop: start no new episode or activity, wait for the running ones to
   * finish and commit, then close the store (a SqliteInstanceStore closes its database, so this
   * engine cannot be started again; queued work stays in the store for the next engine).
   */
  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timerHandle) clearTimeout(this.#timerHandle);
    this.#timerHandle = undefined;
    this.#stopping = true;
    try {
      while (this.#pumping) await this.#pumping;
    } finally {
      this.#stopping = false;
    }
    this.store.close();
  }

  // --- client API -------------------------------------------------------------------------------

  /**
   * Serve the Durable client HTTP API on 127.0.0.1 (port 0 = a free port). Also serves the
   * `/runtime/webhooks/durabletask/…` routes the SDK's status links point to.
   */
  async listen(options: ClientApiOptions = {}): Promise<ClientApiServer> {
    if (this.#server) throw new Error('The client API is already listening');
    const server = await startClientApi(this, options);
    this.#server = server;
    return {
      baseUrl: server.baseUrl,
      handle: server.handle,
      close: async () => {
        this.#server = undefined;
        await server.close();
      },
    };
  }

  /**
   * The durable client binding data (JSON text) to hand to a function's `durableClient` input.
   * Needs `listen()` first. `webhookOrigin` overrides the origin of the management links (e.g. the
   * local Functions host's front end that forwards `/runtime/webhooks/durabletask`).
   */
  clientBindingData(options: { webhookOrigin?: string } = {}): string {
    return JSON.stringify(this.clientBinding(options));
  }

  /** `clientBindingData` as an object. */
  clientBinding(options: { webhookOrigin?: string } = {}): ClientBindingData {
    if (!this.#server) throw new Error('Call engine.listen() before clientBindingData()');
    return clientBindingData({
      taskHubName: this.taskHubName,
      rpcBaseUrl: this.#server.baseUrl,
      webhookOrigin: options.webhookOrigin ?? this.#server.baseUrl,
    });
  }

  // --- internals: instances ---------------------------------------------------------------------

  #mutate(instanceId: string, change: (state: InstanceState) => void): Promise<void> {
    try {
      this.#commit(() => {
        const state = this.store.get(instanceId);
        if (!state) throw new InstanceNotFoundError(instanceId);
        if (isTerminal(state.runtimeStatus))
          throw new InstanceGoneError(instanceId, state.runtimeStatus);
        change(state);
        this.store.put(state);
      });
      this.#kick();
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Create (or re-create over a finished `previous`) an instance. Call inside `#commit`. */
  #createInstance(
    name: string,
    instanceId: string,
    input: unknown,
    parent: ParentLink | undefined,
    previous: InstanceState | undefined,
  ): InstanceState {
    const now = this.clock.now();
    // A new instance under a used id is a new row: it forgets the old history and lists as newest.
    if (previous) this.store.delete(instanceId);
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
      inbox: [this.#executionStarted(now, name, instanceId, input, 1, parent)],
      timers: [],
      activities: [],
      waitingForEvents: [],
    };
    this.store.put(state);
    this.counters.instancesStarted += 1;
    this.#enqueue(state);
    return state;
  }

  #executionStarted(
    at: number,
    name: string,
    instanceId: string,
    input: unknown,
    execution: number,
    parent: ParentLink | undefined,
  ): HistoryEvent {
    return h.executionStarted(at, {
      name,
      input,
      instanceId,
      executionId: `${instanceId}:${execution}`,
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

  #status(state: InstanceState, options: StatusOptions): OrchestrationStatus {
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

  /** Mark an instance finished and drop its pending work. */
  #finish(state: InstanceState, status: RuntimeStatus, output: unknown, now: number): void {
    state.runtimeStatus = status;
    state.output = output;
    state.lastUpdatedTime = now;
    state.inbox = [];
    state.timers = [];
    state.activities = [];
    state.waitingForEvents = [];
    state.epoch += 1;
  }

  #enqueue(state: InstanceState): void {
    if (this.#queued.has(state.instanceId)) return;
    this.#queued.add(state.instanceId);
    this.#runQueue.push(state.instanceId);
  }

  /**
   * Pick up the work of a store written by an earlier engine (or process): scheduled activities
   * that never completed are dispatched again, instances with new events get an episode; due
   * timers fire on the loop's first pass.
   */
  #recover(): void {
    for (const state of this.store.listActive()) {
      for (const a of state.activities) this.#queueActivity(state, a.id, a.name, a.inputJson);
      if (state.inbox.length > 0) this.#enqueue(state);
    }
  }

  /**
   * Make one state change as one store transaction. Activities it queues are dispatched only
   * after the commit (dropped if it throws); nested calls join the outer change.
   */
  #commit<T>(change: () => T): T {
    if (this.#staged) return change();
    const staged: ActivityWork[] = [];
    this.#staged = staged;
    try {
      const result = this.store.transaction(change);
      this.#activityQueue.push(...staged);
      return result;
    } catch (err) {
      for (const work of staged) this.#activityKeys.delete(activityKey(work));
      throw err;
    } finally {
      this.#staged = undefined;
    }
  }

  #settableClock(): SettableClock {
    if (!isSettableClock(this.clock)) {
      throw new Error('advanceTo/advanceBy need a settable clock (VirtualClock)');
    }
    return this.clock;
  }

  // --- internals: the loop ----------------------------------------------------------------------

  async #pump(): Promise<void> {
    for (;;) {
      if (!this.#stopping) {
        this.#fireDueTimers();
        this.#dispatchActivities();
        // Sequential: the running activity completes before anything else happens.
        const next =
          this.#sequential && this.#runningActivities > 0 ? undefined : this.#nextRunnable();
        if (next !== undefined) {
          this.#queued.delete(next);
          await this.#runEpisode(next);
          continue;
        }
      }
      if (this.#runningActivities > 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      return;
    }
  }

  /** The next instance to run an episode for: FIFO, or (sequential) the smallest id. */
  #nextRunnable(): string | undefined {
    if (!this.#sequential || this.#runQueue.length < 2) return this.#runQueue.shift();
    let at = 0;
    for (let i = 1; i < this.#runQueue.length; i++) {
      if ((this.#runQueue[i] as string) < (this.#runQueue[at] as string)) at = i;
    }
    return this.#runQueue.splice(at, 1)[0];
  }

  #kick(): void {
    if (!this.#started || this.#kickScheduled) return;
    this.#kickScheduled = true;
    setImmediate(() => {
      this.#kickScheduled = false;
      if (!this.#started) return;
      this.runUntilIdle().then(
        () => this.#armTimer(),
        (err: unknown) => this.#log('error', `background loop failed: ${errorMessage(err)}`),
      );
    });
  }

  #armTimer(): void {
    if (this.#timerHandle) clearTimeout(this.#timerHandle);
    this.#timerHandle = undefined;
    if (!this.#started || isSettableClock(this.clock)) return;
    const next = this.nextTimerAt();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - this.clock.now()), MAX_TIMEOUT_MS);
    this.#timerHandle = setTimeout(() => this.#kick(), delay);
  }

  #fireDueTimers(): void {
    const now = this.clock.now();
    const next = this.store.nextTimerAt();
    if (next === undefined || next > now) return; // the common case: one cheap store query
    this.#commit(() => {
      for (const state of this.store.listActive()) {
        const due = state.timers.filter((t) => t.fireAt <= now);
        if (due.length === 0) continue;
        due.sort((a, b) => a.fireAt - b.fireAt || a.id - b.id);
        for (const t of due) {
          state.inbox.push(h.timerFired(now, t.id, t.fireAt));
          this.counters.timersFired += 1;
        }
        state.timers = state.timers.filter((t) => t.fireAt > now);
        this.store.put(state);
        this.#enqueue(state);
      }
    });
  }

  // --- internals: episodes ----------------------------------------------------------------------

  async #runEpisode(instanceId: string): Promise<void> {
    const state = this.store.get(instanceId);
    if (!state || isTerminal(state.runtimeStatus) || state.runtimeStatus === 'Suspended') return;
    if (state.inbox.length === 0) return;

    const now = this.clock.now();
    const { epoch, execution } = state;
    const batch = state.inbox.slice();
    const started = h.orchestratorStarted(now);
    const played = markPlayed(state.history, true);
    this.counters.episodes += 1;

    let result: ReplayResult;
    try {
      result = await this.#replay(state, [...played, started, ...batch]);
    } catch (err) {
      // Not an orchestrator exception (those come back as result.error): the invocation itself
      // is broken. Fail the instance rather than spin on it.
      this.#commit(() => {
        const current = this.store.get(instanceId);
        if (!current || current.epoch !== epoch || current.execution !== execution) return;
        this.#log('error', `episode of ${instanceId} failed: ${errorMessage(err)}`);
        this.#commitFailure(current, errorMessage(err), undefined, now, started, batch);
      });
      return;
    }

    if (result.isDone && result.continueAsNew && !result.error) {
      // Needs more replays before it can commit (its own transaction, after them).
      await this.#commitContinueAsNew(state, result, now, started, batch);
      return;
    }

    // The episode's outcome, the instances it starts and the parent it notifies: one commit. Until
    // it lands, the batch stays in the inbox, so a crash before it replays the episode again.
    this.#commit(() => {
      const current = this.store.get(instanceId);
      if (!current || current.epoch !== epoch || current.execution !== execution) {
        this.#log('debug', `dropping the episode of ${instanceId}: the instance changed meanwhile`);
        return;
      }
      current.customStatus = result.customStatus ?? null;

      if (result.error) {
        this.#commitFailure(
          current,
          result.error.message,
          result.error.failureDetails,
          now,
          started,
          batch,
        );
      } else if (result.isDone) {
        current.inbox.splice(0, batch.length);
        current.history.push(started, ...batch);
        current.history.push(
          h.orchestratorCompleted(now),
          h.executionCompleted(now, 'Completed', result.output),
        );
        this.#finish(current, 'Completed', result.output ?? null, now);
        this.store.put(current);
        this.#notifyParent(current, { completed: jsonText(result.output) ?? 'null' });
      } else {
        this.#commitProgress(current, result, now, started, batch);
      }
    });
  }

  #replay(state: InstanceState, history: HistoryEvent[]): Promise<ReplayResult> {
    return replayEpisode({
      registry: this.registry,
      functionName: state.name,
      instanceId: state.instanceId,
      input: state.input,
      history,
      ...(state.parent ? { parentInstanceId: state.parent.instanceId } : {}),
      options: this.#replayOptions,
    });
  }

  #commitFailure(
    state: InstanceState,
    message: string,
    failureDetails: unknown,
    now: number,
    started: HistoryEvent,
    batch: HistoryEvent[],
  ): void {
    const output = `Orchestrator function '${state.name}' failed: ${message}`;
    state.inbox.splice(0, batch.length);
    state.history.push(started, ...batch, h.orchestratorCompleted(now));
    state.history.push(h.executionCompleted(now, 'Failed', output));
    this.#finish(state, 'Failed', output, now);
    this.store.put(state);
    const details = asFailureDetails(failureDetails);
    this.#notifyParent(state, {
      failed: { Reason: output, Details: message, ...(details ? { FailureDetails: details } : {}) },
    });
  }

  /** The orchestrator is waiting: record what it waits on and schedule the new work. */
  #commitProgress(
    state: InstanceState,
    result: ReplayResult,
    now: number,
    started: HistoryEvent,
    batch: HistoryEvent[],
  ): void {
    const unsupported = result.snapshot.openTasks.find((t) => t.kind === 'unsupported');
    if (unsupported?.kind === 'unsupported') {
      const message = `${unsupported.description} is not supported by the local Durable engine`;
      this.#commitFailure(state, message, undefined, now, started, batch);
      return;
    }

    const scheduled = new Map<number, HistoryEvent>();
    for (const e of [...state.history, ...batch]) {
      if (
        e.EventType === EventType.TaskScheduled ||
        e.EventType === EventType.TimerCreated ||
        e.EventType === EventType.SubOrchestrationInstanceCreated
      ) {
        scheduled.set(e.EventId, e);
      }
    }
    const mismatch = result.snapshot.openTasks.find((task) => {
      const existing = scheduled.get(task.id);
      return existing !== undefined && !matchesScheduled(task, existing);
    });
    if (mismatch) {
      // Same check as DurableTask: replay asked for something else under an id already used.
      const message =
        `Non-deterministic workflow detected: sequence id ${mismatch.id} now waits on ` +
        `${describeOpenTask(mismatch)}, but the history recorded ` +
        `${describeScheduled(scheduled.get(mismatch.id))}.`;
      this.#commitFailure(state, message, undefined, now, started, batch);
      return;
    }

    state.inbox.splice(0, batch.length);
    state.history.push(started, ...batch);

    const timers: InstanceState['timers'] = [];
    const openActivityIds = new Set<number>();
    const newEvents: HistoryEvent[] = [];
    for (const task of result.snapshot.openTasks) {
      const existing = scheduled.get(task.id);
      switch (task.kind) {
        case 'activity': {
          openActivityIds.add(task.id);
          if (existing) break;
          newEvents.push(taskScheduledEvent(now, task.id, task.name, task.inputJson));
          state.activities.push({
            id: task.id,
            name: task.name,
            ...(task.inputJson !== undefined ? { inputJson: task.inputJson } : {}),
          });
          this.#queueActivity(state, task.id, task.name, task.inputJson);
          break;
        }
        case 'timer':
        case 'retryTimer': {
          if (task.kind === 'timer' && task.canceled) break; // nothing waits for it any more
          let fireAt: number;
          if (existing && existing.EventType === EventType.TimerCreated) {
            fireAt = Date.parse(existing.FireAt);
          } else {
            fireAt = task.kind === 'timer' ? task.fireAt : retryFireAt(now, task);
            newEvents.push(timerCreatedEvent(now, task.id, fireAt));
          }
          timers.push({ id: task.id, fireAt });
          break;
        }
        case 'subOrchestration': {
          if (existing) break;
          newEvents.push(this.#startSubOrchestration(state, task, now));
          break;
        }
        default:
          break;
      }
    }

    state.history.push(...newEvents, h.orchestratorCompleted(now));
    state.timers = timers;
    state.activities = state.activities.filter((a) => openActivityIds.has(a.id));
    state.waitingForEvents = Object.keys(result.snapshot.waitingForEvents);
    if (state.runtimeStatus === 'Pending' || state.runtimeStatus === 'ContinuedAsNew') {
      state.runtimeStatus = 'Running';
    }
    state.lastUpdatedTime = now;
    this.store.put(state);
  }

  async #commitContinueAsNew(
    episodeState: InstanceState,
    result: ReplayResult,
    now: number,
    started: HistoryEvent,
    batch: HistoryEvent[],
  ): Promise<void> {
    const input = result.continueAsNew?.input;
    const { instanceId, epoch, execution } = episodeState;
    const carried = await this.#unconsumedEvents(episodeState, result, started, batch);
    this.#commit(() => {
      // The replays awaited: re-read the state, a terminate or purge may have happened.
      const state = this.store.get(instanceId);
      if (!state || state.epoch !== epoch || state.execution !== execution) {
        this.#log('debug', `dropping the episode of ${instanceId}: the instance changed meanwhile`);
        return;
      }
      this.#continueAsNew(state, input, result.customStatus, now, batch, carried);
    });
  }

  #continueAsNew(
    state: InstanceState,
    input: unknown,
    customStatus: unknown,
    now: number,
    batch: HistoryEvent[],
    carried: HistoryEvent[],
  ): void {
    // Events that arrived while this episode ran belong to the next execution too; activity and
    // timer completions of the old execution do not.
    const arrivedMeanwhile = state.inbox
      .slice(batch.length)
      .filter((e) => e.EventType === EventType.EventRaised);
    const nextExecution = state.execution + 1;
    state.execution = nextExecution;
    state.input = input ?? null;
    state.history = [];
    state.inbox = [
      this.#executionStarted(now, state.name, state.instanceId, input, nextExecution, state.parent),
      ...carried,
      ...arrivedMeanwhile,
    ];
    state.timers = [];
    state.activities = [];
    state.waitingForEvents = [];
    state.customStatus = customStatus ?? null;
    state.runtimeStatus = 'ContinuedAsNew';
    state.lastUpdatedTime = now;
    this.counters.continuedAsNew += 1;
    this.store.put(state);
    this.#enqueue(state);
  }

  /**
   * External events that arrived in this execution but were not consumed when the orchestrator
   * called continueAsNew; they carry over to the next execution.
   *
   * The SDK stops reading history as soon as the orchestrator is done, so events after that point
   * were never seen; events it saw but no task waited for are buffered in its `deferredTasks`
   * (always the newest ones of their name: a waiter takes the oldest buffered event first). To
   * find where it stopped, replay again with growing prefixes of the new events until it finishes.
   */
  async #unconsumedEvents(
    state: InstanceState,
    result: ReplayResult,
    started: HistoryEvent,
    batch: HistoryEvent[],
  ): Promise<HistoryEvent[]> {
    let processedCount = batch.length;
    let snapshot = result.snapshot;
    const played = markPlayed(state.history, true);
    for (let k = 1; k < batch.length; k++) {
      const attempt = await this.#replay(state, [...played, started, ...batch.slice(0, k)]);
      if (attempt.isDone && attempt.continueAsNew) {
        processedCount = k;
        snapshot = attempt.snapshot;
        break;
      }
    }
    const processed = [...state.history, ...batch.slice(0, processedCount)];
    const buffered = new Set<HistoryEvent>();
    for (const [name, count] of Object.entries(snapshot.deferred)) {
      const ofName = processed.filter(
        (e) => e.EventType === EventType.EventRaised && e.Name === name,
      );
      for (const e of ofName.slice(-count)) buffered.add(e);
    }
    const carried = processed.filter((e) => buffered.has(e));
    const unseen = batch.slice(processedCount).filter((e) => e.EventType === EventType.EventRaised);
    return [...carried, ...unseen].map((e) => ({ ...e, IsPlayed: false }));
  }

  #startSubOrchestration(
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
    const fail = (reason: string): void => {
      parent.inbox.push(h.subOrchestrationFailed(now, task.id, { reason, details: reason }));
      this.#enqueue(parent);
    };
    const fn = this.registry.get(task.name);
    if (!fn || (triggerBinding(fn).binding.type ?? '').toLowerCase() !== 'orchestrationtrigger') {
      fail(
        `The function '${task.name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
      return created;
    }
    const existing = this.store.get(childId);
    if (existing && !isTerminal(existing.runtimeStatus)) {
      fail(`An instance with ID '${childId}' already exists and is ${existing.runtimeStatus}.`);
      return created;
    }
    const input: unknown = task.inputJson === undefined ? undefined : JSON.parse(task.inputJson);
    this.#createInstance(
      task.name,
      childId,
      input,
      {
        instanceId: parent.instanceId,
        name: parent.name,
        taskId: task.id,
        execution: parent.execution,
      },
      existing,
    );
    this.counters.subOrchestrationsStarted += 1;
    return created;
  }

  #notifyParent(
    child: InstanceState,
    outcome: { completed: string } | { failed: TaskFailure },
  ): void {
    const link = child.parent;
    if (!link) return;
    const parent = this.store.get(link.instanceId);
    if (!parent || isTerminal(parent.runtimeStatus) || parent.execution !== link.execution) return;
    const now = this.clock.now();
    if ('completed' in outcome) {
      parent.inbox.push({
        EventType: EventType.SubOrchestrationInstanceCompleted,
        EventId: -1,
        IsPlayed: false,
        Timestamp: isoTime(now),
        TaskScheduledId: link.taskId,
        Result: outcome.completed,
      });
    } else {
      parent.inbox.push({
        EventType: EventType.SubOrchestrationInstanceFailed,
        EventId: -1,
        IsPlayed: false,
        Timestamp: isoTime(now),
        TaskScheduledId: link.taskId,
        ...outcome.failed,
      });
    }
    this.store.put(parent);
    this.#enqueue(parent);
  }

  // --- internals: activities --------------------------------------------------------------------

  #queueActivity(
    state: InstanceState,
    id: number,
    name: string,
    inputJson: string | undefined,
  ): void {
    const work: ActivityWork = {
      instanceId: state.instanceId,
      execution: state.execution,
      epoch: state.epoch,
      id,
      name,
      inputJson,
    };
    const key = activityKey(work);
    if (this.#activityKeys.has(key)) return;
    this.#activityKeys.add(key);
    (this.#staged ?? this.#activityQueue).push(work);
  }

  #dispatchActivities(): void {
    const limit = this.#sequential ? 1 : this.activityConcurrency;
    while (this.#runningActivities < limit) {
      const work = this.#activityQueue.shift();
      if (!work) return;
      this.#runningActivities += 1;
      this.counters.activitiesStarted += 1;
      this.counters.maxConcurrentActivities = Math.max(
        this.counters.maxConcurrentActivities,
        this.#runningActivities,
      );
      void this.#runActivity(work);
    }
  }

  async #runActivity(work: ActivityWork): Promise<void> {
    let completion: { result: string } | { failure: TaskFailure };
    try {
      const fn = this.registry.get(work.name);
      if (!fn || (triggerBinding(fn).binding.type ?? '').toLowerCase() !== 'activitytrigger') {
        const reason = `The function '${work.name}' doesn't exist, is disabled, or is not an activity function.`;
        completion = { failure: { Reason: reason, Details: reason } };
      } else {
        completion = { result: await invokeActivityJson(this.registry, work.name, work.inputJson) };
      }
    } catch (err) {
      completion = {
        failure: activityFailure(work.name, err instanceof InvocationError ? err.cause : err),
      };
    }
    this.#runningActivities -= 1;
    this.#activityKeys.delete(activityKey(work));
    try {
      this.#commit(() => this.#completeActivity(work, completion));
    } catch (err) {
      // Not recorded (e.g. the store failed): the activity stays pending in the store and runs
      // again after a restart, which at-least-once allows.
      this.#log('error', `recording activity ${work.name}#${work.id} failed: ${errorMessage(err)}`);
    }
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    this.#kick();
  }

  #completeActivity(
    work: ActivityWork,
    completion: { result: string } | { failure: TaskFailure },
  ): void {
    if ('failure' in completion) this.counters.activitiesFailed += 1;
    else this.counters.activitiesCompleted += 1;
    const state = this.store.get(work.instanceId);
    if (
      !state ||
      isTerminal(state.runtimeStatus) ||
      state.execution !== work.execution ||
      state.epoch !== work.epoch
    ) {
      return; // the instance moved on (terminated, purged, continued as new)
    }
    const now = this.clock.now();
    state.activities = state.activities.filter((a) => a.id !== work.id);
    if ('failure' in completion) {
      state.inbox.push({
        EventType: EventType.TaskFailed,
        EventId: -1,
        IsPlayed: false,
        Timestamp: isoTime(now),
        TaskScheduledId: work.id,
        ...completion.failure,
      });
    } else {
      state.inbox.push({
        EventType: EventType.TaskCompleted,
        EventId: -1,
        IsPlayed: false,
        Timestamp: isoTime(now),
        TaskScheduledId: work.id,
        Result: completion.result,
      });
    }
    this.store.put(state);
    this.#enqueue(state);
  }
}

// --- helpers --------------------------------------------------------------------------------------

function activityKey(work: ActivityWork): string {
  return `${work.instanceId}\u0000${work.execution}\u0000${work.epoch}\u0000${work.id}`;
}

/** Does an already recorded scheduling event fit what the orchestrator now waits on? */
function matchesScheduled(task: OpenTask, existing: HistoryEvent): boolean {
  switch (task.kind) {
    case 'activity':
      return existing.EventType === EventType.TaskScheduled && existing.Name === task.name;
    case 'subOrchestration':
      return (
        existing.EventType === EventType.SubOrchestrationInstanceCreated &&
        existing.Name === task.name
      );
    case 'timer':
    case 'retryTimer':
      return existing.EventType === EventType.TimerCreated;
    default:
      return true;
  }
}

function describeOpenTask(task: OpenTask): string {
  switch (task.kind) {
    case 'activity':
      return `activity ${task.name}`;
    case 'subOrchestration':
      return `sub-orchestration ${task.name}`;
    case 'timer':
    case 'retryTimer':
      return 'a timer';
    default:
      return task.description;
  }
}

function describeScheduled(event: HistoryEvent | undefined): string {
  if (!event) return 'nothing';
  const name = 'Name' in event ? ` ${event.Name}` : '';
  return `${eventTypeName(event.EventType)}${name}`;
}

function taskScheduledEvent(
  at: number,
  id: number,
  name: string,
  inputJson: string | undefined,
): TaskScheduledEvent {
  return {
    EventType: EventType.TaskScheduled,
    EventId: id,
    IsPlayed: false,
    Timestamp: isoTime(at),
    Name: name,
    ...(inputJson !== undefined ? { Input: inputJson } : {}),
  };
}

function timerCreatedEvent(at: number, id: number, fireAt: number): TimerCreatedEvent {
  return {
    EventType: EventType.TimerCreated,
    EventId: id,
    IsPlayed: false,
    Timestamp: isoTime(at),
    FireAt: isoTime(fireAt),
  };
}

/**
 * When the hidden retry timer of a `*WithRetry` call fires: first interval × coefficient^(n-1),
 * capped by the max interval. After the last attempt the SDK still waits for one timer before
 * failing the task, so that one fires at once.
 */
export function retryFireAt(now: number, task: OpenRetryTimer): number {
  const { retry, nextAttempt } = task;
  if (nextAttempt > retry.maxNumberOfAttempts) return now;
  const coefficient = retry.backoffCoefficient ?? 1;
  let delay = retry.firstRetryIntervalInMilliseconds * coefficient ** (nextAttempt - 2);
  if (
    retry.maxRetryIntervalInMilliseconds !== undefined &&
    retry.maxRetryIntervalInMilliseconds > 0
  ) {
    delay = Math.min(delay, retry.maxRetryIntervalInMilliseconds);
  }
  return now + Math.max(0, Math.round(delay));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asFailureDetails(value: unknown): FailureDetails | undefined {
  if (!isRecord(value) || typeof value.ErrorType !== 'string') return undefined;
  return {
    ErrorType: value.ErrorType,
    ErrorMessage: typeof value.ErrorMessage === 'string' ? value.ErrorMessage : '',
    ...(typeof value.StackTrace === 'string' ? { StackTrace: value.StackTrace } : {}),
    ...(typeof value.IsNonRetriable === 'boolean' ? { IsNonRetriable: value.IsNonRetriable } : {}),
    ...(isRecord(value.Properties) ? { Properties: value.Properties } : {}),
  };
}

/**
 * How a thrown activity error is recorded. Like the Durable extension: Reason is
 * "Activity function 'X' failed: <message>" and Details the stack, which the SDK turns into
 * `Error("<Reason> \n <Details>")`. When durable-functions' activity wrapper has serialized
 * structured details into the message (an ExceptionPropertiesProvider is registered), they become
 * FailureDetails, so the orchestrator gets a TaskFailedError with the custom properties.
 */
export function activityFailure(name: string, thrown: unknown): TaskFailure {
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

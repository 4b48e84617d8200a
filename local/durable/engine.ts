/**
 * An in-memory Durable Functions engine driven by a Clock. It plays the part of the Durable
 * extension + DurableTask storage: it keeps each instance's history, runs orchestration episodes
 * through the real durable-functions replay code, turns what the orchestrator waits on into
 * scheduled work (activities, timers, sub-orchestrations), runs activities through the faithful
 * invocation path, and feeds their outcomes back as history events. This class composes the
 * parts: scheduling.ts (transactions, queues, timers, the loop), instances.ts (creation and the
 * management operations), episodes.ts (replay and its commit) and activities.ts.
 *
 * Time comes only from the clock. With a VirtualClock nothing happens until the caller drives it
 * (`runUntilIdle`, `advanceTo`, `advanceBy`), which makes tests and simulations deterministic; with
 * a SystemClock, `start()` runs the same loop in the background with real timers.
 *
 * Persistence (with a persistent store such as SqliteInstanceStore): every state change is one
 * store transaction, and all pending work is part of the stored state, so a process killed at any
 * point resumes from the store: an activity is dispatched only after its `TaskScheduled` is
 * committed, and counts as done only once its completion is committed together with its removal
 * from the pending activities. A completed activity therefore never runs again; one that was
 * running at the crash runs again after the restart (at-least-once, like Durable).
 */
import type { Clock, SettableClock } from '../clock';
import { isSettableClock } from '../clock';
import type { FunctionRegistry } from '../host/functionsCore';
import { Activities } from './activities';
import type { ClientApiOptions, ClientApiServer, ClientBindingData } from './clientApi';
import { clientBindingData, startClientApi } from './clientApi';
import { Episodes } from './episodes';
import type { HistoryEvent } from './history';
import type {
  DurableManagement,
  InstanceFilter,
  OrchestrationStatus,
  StatusOptions,
} from './instances';
import { Instances } from './instances';
import type { ReplayOptions } from './replay';
import type { EngineCounters, EngineLog } from './scheduling';
import { newCounters, Scheduler } from './scheduling';
import type { InstanceStore } from './store';
import { MemoryInstanceStore } from './store';

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

const DEFAULT_CONCURRENCY = 8;

/** The local Durable engine; instances live in its InstanceStore (memory or SQLite). */
export class DurableEngine implements DurableManagement {
  readonly registry: FunctionRegistry;
  readonly clock: Clock;
  readonly store: InstanceStore;
  readonly taskHubName: string;
  readonly activityConcurrency: number;
  readonly counters: EngineCounters = newCounters();

  readonly #scheduler: Scheduler;
  readonly #instances: Instances;
  readonly #activities: Activities;
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
    const log: EngineLog =
      options.log ??
      ((level, message) => this.registry.log(level, 'system', `[durable] ${message}`));
    const common = { registry: this.registry, clock: this.clock, store: this.store, log };
    const counters = this.counters;
    const scheduler = new Scheduler({ ...common, counters, sequential: !!options.sequential });
    const instances = new Instances({
      ...common,
      scheduler,
      counters,
      ...(options.newInstanceId ? { newInstanceId: options.newInstanceId } : {}),
    });
    const activities = new Activities({
      ...common,
      scheduler,
      counters,
      concurrency: this.activityConcurrency,
    });
    const episodes = new Episodes({
      ...common,
      scheduler,
      instances,
      counters,
      replay: options.replay ?? {},
    });
    scheduler.drive({
      runEpisode: (instanceId) => episodes.run(instanceId),
      dispatchActivities: () => activities.dispatch(),
      get runningActivities() {
        return activities.running;
      },
    });
    this.#scheduler = scheduler;
    this.#instances = instances;
    this.#activities = activities;
    this.#recover();
  }

  // --- management API ---------------------------------------------------------------------------

  /**
   * Start an orchestration. An id that belongs to an active instance is refused
   * (InstanceConflictError); the id of a finished one is reused (its history is replaced).
   */
  startNew(
    orchestratorName: string,
    options: { instanceId?: string; input?: unknown; version?: string } = {},
  ): Promise<string> {
    return settle(() => this.#instances.startNew(orchestratorName, options));
  }

  /**
   * The orchestration version an instance started without one records (host.json's
   * `extensions.durableTask.defaultVersion`, set by the host that loads the app). Instances keep
   * the version they started with, through continueAsNew, as in Durable Functions.
   */
  get defaultVersion(): string | undefined {
    return this.#instances.defaultVersion;
  }

  set defaultVersion(version: string | undefined) {
    this.#instances.defaultVersion = version;
  }

  /** Deliver an external event. Unknown instance → InstanceNotFoundError; finished → InstanceGoneError. */
  raiseEvent(instanceId: string, eventName: string, eventData?: unknown): Promise<void> {
    return settle(() => this.#instances.raiseEvent(instanceId, eventName, eventData));
  }

  /** Terminate an active instance; its output becomes the reason. */
  terminate(instanceId: string, reason?: string): Promise<void> {
    return settle(() => this.#instances.terminate(instanceId, reason));
  }

  /** Suspend an active instance: events and completions queue up but no episode runs. */
  suspend(instanceId: string, reason?: string): Promise<void> {
    return settle(() => this.#instances.suspend(instanceId, reason));
  }

  /** Resume a suspended instance (a no-op for one that is not suspended). */
  resume(instanceId: string, reason?: string): Promise<void> {
    return settle(() => this.#instances.resume(instanceId, reason));
  }

  /**
   * Forget an instance and its history, whatever its state (pending work of an active instance
   * is dropped). Resolves true if it existed.
   */
  purge(instanceId: string): Promise<boolean> {
    return settle(() => this.#instances.purge(instanceId));
  }

  /** Status of one instance, or undefined. */
  getStatus(instanceId: string, options: StatusOptions = {}): OrchestrationStatus | undefined {
    return this.#instances.getStatus(instanceId, options);
  }

  /** Status of every instance matching `filter`, oldest first (no history). */
  listInstances(filter: InstanceFilter = {}): OrchestrationStatus[] {
    return this.#instances.list(filter);
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
    return this.#activities.running;
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
  runUntilIdle(): Promise<void> {
    return this.#scheduler.runUntilIdle();
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
    this.#scheduler.start();
  }

  /**
   * Stop the background loop: start no new episode or activity, wait for the running ones to
   * finish and commit, then close the store (a SqliteInstanceStore closes its database, so this
   * engine cannot be started again; queued work stays in the store for the next engine).
   */
  async stop(): Promise<void> {
    await this.#scheduler.stop();
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

  /**
   * Pick up the work of a store written by an earlier engine (or process): scheduled activities
   * that never completed are dispatched again, instances with new events get an episode; due
   * timers fire on the loop's first pass.
   */
  #recover(): void {
    for (const state of this.store.listActive()) {
      for (const a of state.activities) {
        this.#scheduler.queueActivity(state, a.id, a.name, a.inputJson);
      }
      if (state.inbox.length > 0) this.#scheduler.enqueue(state);
    }
  }

  #settableClock(): SettableClock {
    if (!isSettableClock(this.clock)) {
      throw new Error('advanceTo/advanceBy need a settable clock (VirtualClock)');
    }
    return this.clock;
  }
}

/** A synchronous operation as a promise: its result, or its error as a rejection. */
function settle<T>(operation: () => T): Promise<T> {
  try {
    return Promise.resolve(operation());
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

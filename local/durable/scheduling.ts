/**
 * The engine's scheduling: what every part of it shares. Each state change is one store
 * transaction (`commit`); instances with new events wait in the run queue; activities wait in
 * the activity queue, which a change joins only once it has committed; timers fire into the
 * inboxes of their instances; and the loop runs episodes and activities until nothing is
 * runnable — driven by the caller (`runUntilIdle`) or in the background (`start`).
 */
import type { Clock } from '../clock';
import { isSettableClock } from '../clock';
import { errorMessage } from '../host/invoke';
import { h } from './history';
import type { InstanceState, InstanceStore } from './store';

/** Engine diagnostics (not app logs: those go to the registry's log sink). */
export type EngineLog = (
  level: 'debug' | 'information' | 'warning' | 'error',
  message: string,
) => void;

/** Counters for tests and the bench. */
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

/** Counters that have counted nothing yet. */
export function newCounters(): EngineCounters {
  return {
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
}

/** One scheduled activity run: its instance (execution and epoch), task id, name and input. */
export interface ActivityWork {
  readonly instanceId: string;
  readonly execution: number;
  readonly epoch: number;
  readonly id: number;
  readonly name: string;
  readonly inputJson: string | undefined;
}

/** What the loop runs: episodes, and activities (which the activities part dispatches). */
export interface LoopWork {
  runEpisode(instanceId: string): Promise<void>;
  dispatchActivities(): void;
  readonly runningActivities: number;
}

/** setTimeout's maximum delay; longer waits are re-armed. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** See the module comment. */
export class Scheduler {
  readonly #store: InstanceStore;
  readonly #clock: Clock;
  readonly #counters: EngineCounters;
  readonly #log: EngineLog;
  readonly #sequential: boolean;
  #work: LoopWork | undefined;

  /** Instances with new events, in the order they became runnable. */
  readonly #runQueue: string[] = [];
  readonly #queued = new Set<string>();
  /** Activities waiting for a concurrency slot. */
  readonly #activityQueue: ActivityWork[] = [];
  /**
   * Activities queued inside the transaction being built (undefined outside one): they join the
   * activity queue only once it has committed, so nothing runs whose scheduling could be undone.
   */
  #staged: ActivityWork[] | undefined;
  /** Keys of activities queued or running, so recovery and scheduling never double-dispatch. */
  readonly #activityKeys = new Set<string>();

  /** Resolves the loop's wait when an activity finishes. */
  #wake: (() => void) | undefined;
  #pumping: Promise<void> | undefined;
  #started = false;
  /** Set while `stop()` drains: the loop finishes running activities but starts nothing new. */
  #stopping = false;
  #kickScheduled = false;
  #timerHandle: ReturnType<typeof setTimeout> | undefined;

  constructor(options: {
    store: InstanceStore;
    clock: Clock;
    counters: EngineCounters;
    log: EngineLog;
    sequential: boolean;
  }) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#counters = options.counters;
    this.#log = options.log;
    this.#sequential = options.sequential;
  }

  /** Hands the loop what it runs (the parts that run episodes and activities). */
  drive(work: LoopWork): void {
    this.#work = work;
  }

  /** Sequential mode: one activity at a time, and no episode while it runs. */
  get sequential(): boolean {
    return this.#sequential;
  }

  // --- transactions and queues -----------------------------------------------------------------

  /**
   * Make one state change as one store transaction. Activities it queues are dispatched only
   * after the commit (dropped if it throws); nested calls join the outer change.
   */
  commit<T>(change: () => T): T {
    if (this.#staged) return change();
    const staged: ActivityWork[] = [];
    this.#staged = staged;
    try {
      const result = this.#store.transaction(change);
      this.#activityQueue.push(...staged);
      return result;
    } catch (err) {
      for (const work of staged) this.#activityKeys.delete(activityKey(work));
      throw err;
    } finally {
      this.#staged = undefined;
    }
  }

  /** Queue an episode for an instance with new events (once, however often it is called). */
  enqueue(state: InstanceState): void {
    if (this.#queued.has(state.instanceId)) return;
    this.#queued.add(state.instanceId);
    this.#runQueue.push(state.instanceId);
  }

  /** Queue an activity run, unless the same one is already queued or running. */
  queueActivity(state: InstanceState, id: number, name: string, inputJson?: string): void {
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

  /** The next activity to run, out of the queue. */
  takeActivity(): ActivityWork | undefined {
    return this.#activityQueue.shift();
  }

  /** An activity finished: it may be queued again, and a loop waiting for it goes on. */
  activityDone(work: ActivityWork): void {
    this.#activityKeys.delete(activityKey(work));
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
    this.kick();
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

  /** Due timers fire into their instances' inboxes, in fire order. */
  #fireDueTimers(): void {
    const now = this.#clock.now();
    const next = this.#store.nextTimerAt();
    if (next === undefined || next > now) return; // the common case: one cheap store query
    this.commit(() => {
      for (const state of this.#store.listActive()) {
        const due = state.timers.filter((t) => t.fireAt <= now);
        if (due.length === 0) continue;
        due.sort((a, b) => a.fireAt - b.fireAt || a.id - b.id);
        for (const t of due) {
          state.inbox.push(h.timerFired(now, t.id, t.fireAt));
          this.#counters.timersFired += 1;
        }
        state.timers = state.timers.filter((t) => t.fireAt > now);
        this.#store.put(state);
        this.enqueue(state);
      }
    });
  }

  // --- the loop ----------------------------------------------------------------------------------

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

  async #pump(): Promise<void> {
    const work = this.#work;
    if (!work) throw new Error('the scheduler has nothing to drive');
    for (;;) {
      if (!this.#stopping) {
        this.#fireDueTimers();
        work.dispatchActivities();
        // Sequential: the running activity completes before anything else happens.
        const next =
          this.#sequential && work.runningActivities > 0 ? undefined : this.#nextRunnable();
        if (next !== undefined) {
          this.#queued.delete(next);
          await work.runEpisode(next);
          continue;
        }
      }
      if (work.runningActivities > 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      return;
    }
  }

  /** Run the loop in the background (see DurableEngine.start). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.kick();
  }

  /** Stop the background loop and wait for running work to finish and commit. */
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
  }

  /** In the background, run the loop soon (once, however often it is called before it runs). */
  kick(): void {
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

  /** With a real clock, wake the loop when the next timer is due. */
  #armTimer(): void {
    if (this.#timerHandle) clearTimeout(this.#timerHandle);
    this.#timerHandle = undefined;
    if (!this.#started || isSettableClock(this.#clock)) return;
    const next = this.#store.nextTimerAt();
    if (next === undefined) return;
    const delay = Math.min(Math.max(0, next - this.#clock.now()), MAX_TIMEOUT_MS);
    this.#timerHandle = setTimeout(() => this.kick(), delay);
  }
}

function activityKey(work: ActivityWork): string {
  return `${work.instanceId}\u0000${work.execution}\u0000${work.epoch}\u0000${work.id}`;
}

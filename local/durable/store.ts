/**
 * Where the Durable engine keeps instances: `MemoryInstanceStore` here, `SqliteInstanceStore`
 * (sqliteStore.ts) for state that survives a restart. The interface is synchronous because
 * better-sqlite3 is: the engine's commit logic stays plain synchronous code, and nothing can
 * interleave between reading a state and writing it back.
 *
 * Contract with the engine:
 * - An `InstanceState` is plain JSON-able data (no class instances, no functions, times as ms since
 *   epoch). `get`/`list` may return copies, so the engine re-reads after every await and `put`s
 *   every change it wants to keep.
 * - Each state change the engine makes is one `transaction` (an episode's commit together with the
 *   sub-orchestrations it starts and the parent it notifies; an arrived event; a management call),
 *   so a crash leaves either all of it or none of it.
 * - All pending work lives in the state: new events (`inbox`), scheduled activities not yet
 *   completed (`activities`) and timers. The engine's run queues are derived from it on start-up,
 *   never stored separately.
 * - Within one execution the history only grows; a new execution (continueAsNew) starts from an
 *   empty history, and a new instance under a used id is created after `delete`. Stores may rely on
 *   that to append instead of rewriting.
 */
import type { HistoryEvent } from './history';

/** Runtime status as the Durable HTTP API reports it. */
export type RuntimeStatus =
  'Pending' | 'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Terminated' | 'Suspended';

/** Statuses after which an instance takes no more events. */
export const TERMINAL_STATUSES: ReadonlySet<RuntimeStatus> = new Set([
  'Completed',
  'Failed',
  'Terminated',
]);

/** True when the instance has finished (Completed, Failed or Terminated). */
export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** A durable timer the engine must fire. */
export interface PendingTimer {
  /** Sequence id (`TimerCreated.EventId`). */
  readonly id: number;
  /** ms since epoch. */
  readonly fireAt: number;
}

/** An activity scheduled and not yet completed. */
export interface PendingActivity {
  /** Sequence id (`TaskScheduled.EventId`). */
  readonly id: number;
  readonly name: string;
  /** JSON text of the input; undefined for none. */
  readonly inputJson?: string;
}

/** Who started a sub-orchestration, so its outcome can be reported back. */
export interface ParentLink {
  readonly instanceId: string;
  readonly name: string;
  /** The parent's sequence id for this call. */
  readonly taskId: number;
  /** The parent's execution at the time (a continueAsNew in between makes the result stale). */
  readonly execution: number;
}

/** Everything the engine knows about one instance. */
export interface InstanceState {
  readonly instanceId: string;
  /** Orchestrator function name. */
  readonly name: string;
  /** Input of the current execution. */
  input: unknown;
  /** Return value (Completed), error text (Failed) or reason (Terminated); null otherwise. */
  output: unknown;
  customStatus: unknown;
  runtimeStatus: RuntimeStatus;
  /** ms since epoch. */
  readonly createdTime: number;
  lastUpdatedTime: number;
  readonly parent?: ParentLink;
  /** 1 for the first execution, +1 per continueAsNew. */
  execution: number;
  /**
   * Bumped by terminate/restart so that work started before (an episode being replayed, a
   * running activity) is recognised as stale when it completes.
   */
  epoch: number;
  /** Committed history of the current execution. */
  history: HistoryEvent[];
  /** Events that arrived since the last episode, in arrival order; the next episode's new events. */
  inbox: HistoryEvent[];
  timers: PendingTimer[];
  activities: PendingActivity[];
  /** External event names the orchestrator waits for (for status and debugging). */
  waitingForEvents: string[];
}

/** Storage of instance states. */
export interface InstanceStore {
  /** The state of one instance, or undefined. */
  get(instanceId: string): InstanceState | undefined;
  /** Create or update an instance's state. An update keeps the instance's place in `list`. */
  put(state: InstanceState): void;
  /** Remove an instance; true if it existed. A later `put` of the id makes it the newest. */
  delete(instanceId: string): boolean;
  /** All instances, oldest first. */
  list(): InstanceState[];
  /** Instances that are not finished (see `isTerminal`), oldest first: what the engine works on. */
  listActive(): InstanceState[];
  /** Earliest `fireAt` of a pending timer of an unfinished instance, or undefined. */
  nextTimerAt(): number | undefined;
  /**
   * Run `change` (synchronous) so that every `put`/`delete` it makes is kept together or not at
   * all; a throw undoes them where the store can (a persistent store rolls back). Nested calls join
   * the outer transaction. Returns what `change` returns.
   */
  transaction<T>(change: () => T): T;
  /** Release the store (the engine calls it from `stop()`); later calls may throw. */
  close(): void;
}

/**
 * In-memory store. Keeps the objects it is given (no copies): the engine mutates states in place
 * and calls `put` at its commit points, which a persistent store serializes. Nothing here survives
 * the process, so `transaction` only groups (it cannot roll back in-place changes).
 */
export class MemoryInstanceStore implements InstanceStore {
  readonly #instances = new Map<string, InstanceState>();

  /** See InstanceStore.get. */
  get(instanceId: string): InstanceState | undefined {
    return this.#instances.get(instanceId);
  }

  /** See InstanceStore.put. */
  put(state: InstanceState): void {
    this.#instances.set(state.instanceId, state);
  }

  /** See InstanceStore.delete. */
  delete(instanceId: string): boolean {
    return this.#instances.delete(instanceId);
  }

  /** See InstanceStore.list. */
  list(): InstanceState[] {
    return [...this.#instances.values()];
  }

  /** See InstanceStore.listActive. */
  listActive(): InstanceState[] {
    return this.list().filter((s) => !isTerminal(s.runtimeStatus));
  }

  /** See InstanceStore.nextTimerAt. */
  nextTimerAt(): number | undefined {
    let next: number | undefined;
    for (const state of this.listActive()) {
      for (const t of state.timers) if (next === undefined || t.fireAt < next) next = t.fireAt;
    }
    return next;
  }

  /** See InstanceStore.transaction. */
  transaction<T>(change: () => T): T {
    return change();
  }

  /** Nothing to release. */
  close(): void {}
}

/**
 * Where the Durable engine keeps instances. Behind an interface so the in-memory store can later
 * be swapped for an embedded database (the plan is SQLite via better-sqlite3, which is
 * synchronous — hence a synchronous interface).
 *
 * Contract with the engine: an `InstanceState` is plain JSON-able data (no class instances, no
 * functions, times as ms since epoch), and the engine calls `put` after every change it wants to
 * survive a restart (each committed episode, each arrived event, each management call). In-flight
 * work (running activities) is derived from the state (`activities`) on recovery, never stored
 * separately.
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
  /** Create or replace an instance's state. */
  put(state: InstanceState): void;
  /** Remove an instance; true if it existed. */
  delete(instanceId: string): boolean;
  /** All instances, oldest first. */
  list(): InstanceState[];
}

/**
 * In-memory store. Keeps the objects it is given (no copies): the engine mutates states in place
 * and calls `put` at its commit points, which a persistent store would serialize.
 */
export class MemoryInstanceStore implements InstanceStore {
  readonly #instances = new Map<string, InstanceState>();

  /** See InstanceStore.get. */
  get(instanceId: string): InstanceState | undefined {
    return this.#instances.get(instanceId);
  }

  /** See InstanceStore.put. A replaced instance moves to the end (newest). */
  put(state: InstanceState): void {
    const existing = this.#instances.get(state.instanceId);
    if (existing !== undefined && existing !== state) this.#instances.delete(state.instanceId);
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
}

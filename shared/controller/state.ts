import type { AzureFailure } from '../azure/errors';
import type { PoolSpec } from '../config/poolSpec';
import type { DrainMemory } from '../policy/drain';
import { emptyDrainMemory } from '../policy/drain';
import type { HealthRecord } from '../policy/groups';
import type { KedaMemory } from '../policy/keda';
import { emptyKedaMemory } from '../policy/keda';
import type { PoolVersion } from '../policy/version';

/** Name of the pool controller orchestration. */
export const CONTROLLER_ORCHESTRATION = 'poolController';
/** Name of the external event every signal to a controller travels as. */
export const SIGNAL_EVENT = 'signal';

/** The controller's instance id: derived from the pool name, so there is one writer per pool. */
export function controllerInstanceId(pool: string): string {
  return `surge-pool-${pool}`;
}

/** A depth reading of the pool's entity, taken at `at` (ms since epoch). */
export interface DepthSample {
  readonly at: number;
  readonly active: number;
  readonly deadLetter: number;
  readonly scheduled: number;
}

/** What reaches a controller as the external event "signal". */
export type ControllerSignal =
  /** The depth watch read the pool's queue. */
  | ({ readonly kind: 'depth' } & DepthSample)
  /** The depth watch could not read it. */
  | { readonly kind: 'depthFailed'; readonly at: number; readonly error: string }
  /** A push signal (Event Grid, alert, API): look now and read the depth directly. */
  | {
      readonly kind: 'wake';
      readonly at: number;
      readonly source: string;
      readonly detail?: string;
    }
  /** The scale-in tick: the only time scale-in is evaluated. */
  | { readonly kind: 'scaleIn'; readonly at: number }
  | { readonly kind: 'pause'; readonly at: number; readonly reason?: string }
  | { readonly kind: 'resume'; readonly at: number }
  /** Hold `count` groups for `seconds`, whatever the policy says. */
  | {
      readonly kind: 'override';
      readonly at: number;
      readonly count: number;
      readonly seconds: number;
      readonly reason?: string;
    }
  | { readonly kind: 'clearOverride'; readonly at: number };

/** What woke the controller for an iteration. */
export type Trigger = 'timer' | ControllerSignal['kind'];

/** One decision, as the pool status shows it. */
export interface Decision {
  readonly at: number;
  readonly trigger: Trigger;
  readonly desired: number;
  readonly live: number;
  readonly running: number;
  readonly pending: number;
  readonly failed: number;
  readonly creates: number;
  readonly deletes: number;
  readonly reason: string;
}

/** An error worth showing in the pool status: an Azure call that failed, or a group that did. */
export interface StatusError {
  readonly at: number;
  /** What Surge was doing or watching: "create orders-1a2b3c4d-3", "list groups", "group orders-…". */
  readonly during: string;
  /** An AzureFailure kind, or "groupFailed" for a group that failed after ARM accepted it. */
  readonly kind: AzureFailure['kind'] | 'groupFailed';
  readonly code?: string;
  readonly message: string;
}

/** Counts of the pool's groups at the last observation. */
export interface GroupCounts {
  readonly running: number;
  readonly pending: number;
  readonly failed: number;
  readonly deleting: number;
  readonly foreign: number;
  /** Live (pending + running) groups per version id. */
  readonly byVersion: Readonly<Record<string, number>>;
}

/** Timing knobs copied from the spec at each observation, so the next wait needs no I/O. */
export interface Pacing {
  readonly provisioningPollSeconds: number;
  readonly reconcileSeconds: number;
  readonly instanceViewRefreshSeconds: number;
}

/**
 * Everything a controller carries from one iteration to the next and across continueAsNew.
 * Plain JSON: it travels through orchestration history.
 */
export interface ControllerState {
  readonly pool: string;
  readonly paused?: { readonly since: number; readonly reason?: string };
  readonly override?: { readonly count: number; readonly until: number; readonly reason?: string };
  /** The version new groups get. */
  readonly version?: PoolVersion;
  readonly depth?: DepthSample;
  /** Depth samples received since the last decision, not yet fed to the drain estimators. */
  readonly unlearned: readonly DepthSample[];
  readonly depthFailures: number;
  readonly depthError?: string;
  readonly drain: DrainMemory;
  readonly keda: KedaMemory;
  readonly health: Readonly<Record<string, HealthRecord>>;
  /** Consecutive failed creates or replaced groups, and no creates before `until`. */
  readonly backoff: { readonly failures: number; readonly until: number };
  readonly counts?: GroupCounts;
  /** The pool's scaling knobs at the last observation, for the status. */
  readonly scaling?: PoolSpec['scaling'];
  readonly desired?: number;
  readonly lastDecision?: Decision;
  readonly pacing?: Pacing;
  readonly observedAt?: number;
  /** Newest last, at most MAX_ERRORS. */
  readonly errors: readonly StatusError[];
  /** Newest last, at most MAX_DECISIONS. */
  readonly decisions: readonly Decision[];
}

/** How many recent errors the status keeps. */
export const MAX_ERRORS = 5;
/** How many recent decisions the status keeps. */
export const MAX_DECISIONS = 10;

/** The state of a controller that has never run. */
export function initialState(pool: string): ControllerState {
  return {
    pool,
    unlearned: [],
    depthFailures: 0,
    drain: emptyDrainMemory,
    keda: emptyKedaMemory,
    health: {},
    backoff: { failures: 0, until: 0 },
    errors: [],
    decisions: [],
  };
}

/** What the controller orchestration is started (and continued-as-new) with. */
export interface ControllerInput {
  readonly pool: string;
  readonly state?: ControllerState;
}

/** Appends to a bounded list, dropping the oldest. */
export function appendBounded<T>(list: readonly T[], item: T, max: number): T[] {
  return [...list, item].slice(-max);
}

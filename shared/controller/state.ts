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
  /** A registry push that matches the pool's follow filter: roll to this digest. */
  | {
      readonly kind: 'push';
      readonly at: number;
      readonly push: {
        readonly eventId: string;
        readonly registry: string;
        readonly repository: string;
        readonly tag?: string;
        readonly digest: string;
      };
    }
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

/** A rollout in progress: bring the target version up, shift traffic, retire the old groups. */
export interface Rollout {
  readonly target: PoolVersion;
  /** The stable version when the rollout started. */
  readonly from: PoolVersion;
  readonly eventId: string;
  readonly startedAt: number;
  /** bringUp: creating and health-checking; canary: stepping weights; (then committed and retired). */
  readonly phase: 'bringUp' | 'canary';
  readonly phaseSince: number;
  /** Index of the canary step in progress. */
  readonly step: number;
  /** The new version must be healthy by then, or it is rolled back. */
  readonly deadline: number;
}

/** How a rollout ended, for the status. */
export interface RolloutOutcome {
  readonly id: string;
  readonly outcome: 'completed' | 'rolledBack' | 'superseded';
  readonly reason: string;
  readonly at: number;
}

/** A group whose traffic was turned off; it is deleted once `until` has passed (DNS TTL + drain). */
export interface Retiring {
  readonly name: string;
  readonly until: number;
}

/**
 * Everything a controller carries from one iteration to the next and across continueAsNew.
 * Plain JSON: it travels through orchestration history.
 */
export interface ControllerState {
  readonly pool: string;
  readonly paused?: { readonly since: number; readonly reason?: string };
  readonly override?: { readonly count: number; readonly until: number; readonly reason?: string };
  /** The stable version: what new groups get (outside a rollout's bring-up). */
  readonly version?: PoolVersion;
  /** The images the pool spec named when last seen: an edit of them rolls out like a push. */
  readonly specVersion?: PoolVersion;
  /** Pushes received but not yet acted on (they need the spec, which comes with the observation). */
  readonly pendingPushes: readonly Extract<ControllerSignal, { kind: 'push' }>['push'][];
  /** The profile's DNS TTL at the last look (seconds): how long a disabled endpoint may still get traffic. */
  readonly dnsTtlSeconds?: number;
  readonly rollout?: Rollout;
  readonly lastRollout?: RolloutOutcome;
  /** Digests that failed a rollout: a later push of the same digest does not roll again. */
  readonly badVersions: readonly {
    readonly id: string;
    readonly reason: string;
    readonly at: number;
  }[];
  /** Recent push event ids, so a redelivered event has one effect. */
  readonly seenPushes: readonly string[];
  readonly retiring: readonly Retiring[];
  /** Last HTTP probe of groups being health-checked without Traffic Manager. */
  readonly probes: Readonly<
    Record<string, { readonly ok: boolean; readonly at: number; readonly detail: string }>
  >;
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
  /**
   * The pool spec at the last observation, and its hash (observePool leaves an unchanged spec
   * out). Its knobs pace the next wait and judge signals without I/O.
   */
  readonly spec?: PoolSpec;
  readonly specHash?: string;
  readonly desired?: number;
  readonly lastDecision?: Decision;
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
    badVersions: [],
    pendingPushes: [],
    seenPushes: [],
    retiring: [],
    probes: {},
    backoff: { failures: 0, until: 0 },
    errors: [],
    decisions: [],
  };
}

/**
 * A state carried over from an earlier version of Surge may lack fields added since: fill them
 * with their initial values, so an upgrade never breaks a running controller.
 */
export function withDefaults(state: ControllerState): ControllerState {
  return { ...initialState(state.pool), ...state };
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

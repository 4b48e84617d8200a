import type { AzureFailure } from '../azure/errors';
import type { PoolSpec } from '../config/poolSpec';
import type { Backoff } from '../policy/backoff';
import { noBackoff } from '../policy/backoff';
import type { DrainMemory } from '../policy/drain';
import { emptyDrainMemory } from '../policy/drain';
import type { HealthRecord } from '../policy/groups';
import type { KedaMemory } from '../policy/keda';
import { emptyKedaMemory } from '../policy/keda';
import type { PoolVersion } from '../policy/version';
import type { DepthReading, Push, Trigger } from './signal';

/**
 * Everything a controller carries from one iteration to the next and across continueAsNew, in
 * one slice per stage of `decide` (signals → fleet → versions → scale → placement → plan, then
 * the log).
 * Each slice is written only by its stage's module; the others read it. Plain JSON: the state
 * travels through orchestration history.
 */
export interface ControllerState {
  readonly pool: string;
  readonly signals: SignalsSlice;
  readonly fleet: FleetSlice;
  readonly versions: VersionsSlice;
  readonly scale: ScaleSlice;
  readonly placement: PlacementSlice;
  readonly plan: PlanSlice;
  readonly log: LogSlice;
}

/** A state after its first look at the pool: the spec is known. */
export type LookedState = ControllerState & { readonly fleet: ObservedFleet };

/** Signals folded in and waiting for the next look (signals.ts). */
export interface SignalsSlice {
  readonly paused?: { readonly since: number; readonly reason?: string };
  readonly override?: { readonly count: number; readonly until: number; readonly reason?: string };
  /** Pushes received but not yet acted on (they need the spec, which comes with a look). */
  readonly pendingPushes: readonly Push[];
  /** The newest depth reading. */
  readonly depth?: DepthReading;
  /** Readings received since the last look, not yet fed to the drain estimators. */
  readonly unlearned: readonly DepthReading[];
  /** Depth reads failed in a row, and the last failure's message. */
  readonly depthFailures: number;
  readonly depthError?: string;
  /**
   * A look put off because ARM throttles the subscription's reads: the pool's turn (ms) and what
   * the look is for (signals.ts awaitTurn).
   */
  readonly lookDue?: { readonly at: number; readonly trigger: Trigger };
}

/** The pool as the last look saw it (fleet.ts): nothing yet, or its spec and its groups' health. */
export type FleetSlice = { readonly observed: false } | ObservedFleet;

/** What a look at the pool leaves behind. */
export interface ObservedFleet {
  readonly observed: true;
  /** When the last look happened (ms). */
  readonly at: number;
  /**
   * The pool spec at the last look, and its hash (observePool leaves an unchanged spec out).
   * Its knobs pace the next wait and judge signals without I/O.
   */
  readonly spec: PoolSpec;
  readonly specHash: string;
  /** The profile's DNS TTL at the last look (seconds): how long a disabled endpoint may still get traffic. */
  readonly dnsTtlSeconds?: number;
  /** Per group: its phase when last read (instance views are re-read only now and then). */
  readonly health: Readonly<Record<string, HealthRecord>>;
  /** Consecutive failed creates or replaced groups, and no creates before `until`. */
  readonly backoff: Backoff;
}

/** Versions and rollouts (versions.ts). */
export interface VersionsSlice {
  /** The stable version: what new groups get (outside a rollout's bring-up). */
  readonly version?: PoolVersion;
  /** The images the pool spec named when last seen: an edit of them rolls out like a push. */
  readonly specVersion?: PoolVersion;
  readonly rollout?: Rollout;
  readonly lastRollout?: RolloutOutcome;
  /** Digests that failed a rollout: a later push of the same digest does not roll again. */
  readonly badVersions: readonly BadVersion[];
  /** Recent push event ids, so a redelivered event has one effect. */
  readonly seenPushes: readonly string[];
}

/** The scaling policies' memory (scale.ts): plain JSON, as each policy returns it. */
export interface ScaleSlice {
  readonly drain: DrainMemory;
  readonly keda: KedaMemory;
  /** The group count decided at the last look. */
  readonly desired?: number;
}

/** What the controller knows of the pool's sites (placement.ts), by site key. */
export interface PlacementSlice {
  readonly sites: Readonly<Record<string, SiteHealth>>;
}

/** One site's health. */
export interface SiteHealth {
  /** A quota refused a create here: no more until a usage read sent after `since` shows room. */
  readonly full?: { readonly since: number; readonly line: string };
  /** Capacity refusals, capacity failures and evictions in a row, and no creates before `until`. */
  readonly backoff: Backoff;
  /** When a group of the site was last evicted (ms): evictions closer than the backoff cap repeat. */
  readonly lastEviction?: number;
  /** The last refusal or failure, in Azure's words. */
  readonly last?: string;
}

/** What the writes left to follow up (plan.ts). */
export interface PlanSlice {
  /** The pool's groups as planned by the last look (the writes being sent), for status and pacing. */
  readonly counts?: GroupCounts;
  /** Groups whose traffic is off, deleted once their drain time has passed. */
  readonly retiring: readonly Retiring[];
  /** Last HTTP probe of groups being health-checked without Traffic Manager. */
  readonly probes: Readonly<Record<string, ProbeRecord>>;
}

/** The status log (log.ts): recent decisions and errors, newest last. */
export interface LogSlice {
  readonly lastDecision?: Decision;
  /** At most MAX_DECISIONS; a decision that repeats the last one is not appended. */
  readonly decisions: readonly Decision[];
  /** At most MAX_ERRORS. */
  readonly errors: readonly StatusError[];
  /**
   * Creates ARM refused since the controller started, by failure kind (quota, capacity,
   * throttled, …): a running count, so telemetry counts every refusal even when more than
   * MAX_ERRORS arrive between two samples. Absent until the first refusal.
   */
  readonly createRefusals?: Readonly<Record<string, number>>;
}

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

/** Counts of the pool's groups. */
export interface GroupCounts {
  readonly running: number;
  readonly pending: number;
  readonly failed: number;
  readonly deleting: number;
  readonly foreign: number;
  /** Live (pending + running) groups per version id. */
  readonly byVersion: Readonly<Record<string, number>>;
  /** Live groups per site key (placements; one key for a pool in azure.location). */
  readonly bySite: Readonly<Record<string, number>>;
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

/** A digest that failed a rollout. */
export interface BadVersion {
  readonly id: string;
  readonly reason: string;
  readonly at: number;
}

/** A group whose traffic was turned off; it is deleted once `until` has passed (DNS TTL + drain). */
export interface Retiring {
  readonly name: string;
  readonly until: number;
}

/** The answer of the last HTTP probe of a group. */
export interface ProbeRecord {
  readonly ok: boolean;
  readonly at: number;
  readonly detail: string;
}

/** How many recent errors the status keeps. */
export const MAX_ERRORS = 5;
/** How many recent decisions the status keeps. */
export const MAX_DECISIONS = 10;

/** The state of a controller that has never run. */
export function initialState(pool: string): ControllerState {
  return {
    pool,
    signals: { pendingPushes: [], unlearned: [], depthFailures: 0 },
    fleet: { observed: false },
    versions: { badVersions: [], seenPushes: [] },
    scale: { drain: emptyDrainMemory, keda: emptyKedaMemory },
    placement: { sites: {} },
    plan: { retiring: [], probes: {} },
    log: { decisions: [], errors: [] },
  };
}

/** The fleet slice of a first look: no health known, no backoff. */
export function firstSight(spec: PoolSpec, specHash: string, at: number): ObservedFleet {
  return { observed: true, at, spec, specHash, health: {}, backoff: noBackoff };
}

/** What the controller orchestration is started (and continued-as-new) with. */
export interface ControllerInput {
  readonly pool: string;
  /** The state carried over; `unknown` because an earlier Surge may have written another shape. */
  readonly state?: unknown;
  /** The handover this instance was started from, kept through continueAsNew (upgrade.ts). */
  readonly handover?: HandedOver;
}

/** The handover an instance was started from, as its input carries it (ControllerInput.handover). */
export interface HandedOver {
  /** The version of the instance that handed over ('' when it recorded none). */
  readonly from: string;
}

/** Appends to a bounded list, dropping the oldest. */
export function appendBounded<T>(list: readonly T[], item: T, max: number): T[] {
  return [...list, item].slice(-max);
}

import type { PoolSpec } from '../config/poolSpec';
import type { Backoff } from '../policy/backoff';
import { noBackoff } from '../policy/backoff';
import type { DrainMemory } from '../policy/drain';
import type { HealthRecord } from '../policy/groups';
import type { KedaMemory } from '../policy/keda';
import type { PoolVersion } from '../policy/version';
import type { DepthReading, Push } from './signal';
import type {
  BadVersion,
  ControllerState,
  Decision,
  FleetSlice,
  GroupCounts,
  ProbeRecord,
  Retiring,
  Rollout,
  RolloutOutcome,
  SignalsSlice,
  StatusError,
} from './state';
import { initialState } from './state';

/**
 * A controller's state is carried across continueAsNew in its orchestration input, so a
 * controller that ran an earlier Surge resumes with the state that Surge wrote. This restores
 * either shape: the current one (slices added since get their initial values), or the flat
 * object of Surge 0.1, whose every field moved to one slice. An upgrade never resets what a
 * controller learned, and never breaks it.
 */
export function restoreState(pool: string, stored: unknown): ControllerState {
  const initial = initialState(pool);
  if (typeof stored !== 'object' || stored === null) return initial;
  if ('signals' in stored) {
    const s = stored as Partial<ControllerState>;
    return {
      pool: s.pool ?? pool,
      signals: { ...initial.signals, ...s.signals },
      fleet: s.fleet ?? initial.fleet,
      versions: { ...initial.versions, ...s.versions },
      scale: { ...initial.scale, ...s.scale },
      placement: { ...initial.placement, ...s.placement },
      plan: { ...initial.plan, ...s.plan },
      log: { ...initial.log, ...s.log },
    };
  }
  return fromFlat({ ...(stored as FlatState), pool: (stored as FlatState).pool ?? pool });
}

/** The state as Surge 0.1 kept it: one flat object, every field optional to a reader. */
export interface FlatState {
  readonly pool?: string;
  readonly paused?: SignalsSlice['paused'];
  readonly override?: SignalsSlice['override'];
  readonly version?: PoolVersion;
  readonly specVersion?: PoolVersion;
  readonly pendingPushes?: readonly Push[];
  readonly dnsTtlSeconds?: number;
  readonly rollout?: Rollout;
  readonly lastRollout?: RolloutOutcome;
  readonly badVersions?: readonly BadVersion[];
  readonly seenPushes?: readonly string[];
  readonly retiring?: readonly Retiring[];
  readonly probes?: Readonly<Record<string, ProbeRecord>>;
  readonly depth?: DepthReading;
  readonly unlearned?: readonly DepthReading[];
  readonly depthFailures?: number;
  readonly depthError?: string;
  readonly drain?: DrainMemory;
  readonly keda?: KedaMemory;
  readonly health?: Readonly<Record<string, HealthRecord>>;
  readonly backoff?: Backoff;
  readonly counts?: GroupCounts;
  readonly spec?: PoolSpec;
  readonly specHash?: string;
  readonly desired?: number;
  readonly lastDecision?: Decision;
  readonly observedAt?: number;
  readonly errors?: readonly StatusError[];
  readonly decisions?: readonly Decision[];
}

function fromFlat(s: FlatState & { readonly pool: string }): ControllerState {
  const initial = initialState(s.pool);
  return {
    pool: s.pool,
    signals: defined({
      paused: s.paused,
      override: s.override,
      pendingPushes: s.pendingPushes ?? [],
      depth: s.depth,
      unlearned: s.unlearned ?? [],
      depthFailures: s.depthFailures ?? 0,
      depthError: s.depthError,
    }),
    fleet: fleetOf(s),
    versions: defined({
      version: s.version,
      specVersion: s.specVersion,
      rollout: s.rollout,
      lastRollout: s.lastRollout,
      badVersions: s.badVersions ?? [],
      seenPushes: s.seenPushes ?? [],
    }),
    scale: defined({
      drain: s.drain ?? initial.scale.drain,
      keda: s.keda ?? initial.scale.keda,
      desired: s.desired,
    }),
    placement: initial.placement,
    plan: defined({ counts: s.counts, retiring: s.retiring ?? [], probes: s.probes ?? {} }),
    log: defined({
      lastDecision: s.lastDecision,
      decisions: s.decisions ?? [],
      errors: s.errors ?? [],
    }),
  };
}

/** Observed once the flat state held a spec, its hash and the time of the look. */
function fleetOf(s: FlatState): FleetSlice {
  if (s.spec === undefined || s.specHash === undefined || s.observedAt === undefined) {
    return { observed: false };
  }
  return defined({
    observed: true as const,
    at: s.observedAt,
    spec: s.spec,
    specHash: s.specHash,
    dnsTtlSeconds: s.dnsTtlSeconds,
    health: s.health ?? {},
    backoff: s.backoff ?? noBackoff,
  });
}

/** The object without its undefined fields (which a JSON round trip would drop anyway). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

import type { DrainScaling, PoolSpec } from '../config/poolSpec';
import type { Backoff } from '../policy/backoff';
import { holdsCreates } from '../policy/backoff';
import type { DrainMemory } from '../policy/drain';
import { drainDecide, observeDepth, observeStartup } from '../policy/drain';
import type { PoolGroup } from '../policy/groups';
import { isLive } from '../policy/groups';
import { kedaDecide, recordKedaScale } from '../policy/keda';
import { sitesOf } from '../policy/placement';
import type { VictimPlacement } from '../policy/victims';
import { pickVictims } from '../policy/victims';
import type { Look } from './fleet';
import type { DepthReading } from './signal';
import type { ScaleSlice, SignalsSlice } from './state';
import type { VersionsOutcome } from './versions';

/**
 * Stage 4, scale: how many groups the pool should have. The policy (drain or keda) recommends a
 * count from the depth and what it has learned; a manual override or an unreadable queue take
 * precedence. Scale-out is immediate; scale-in waits for the scale-in tick (unless an override
 * or a lowered maxGroups demands it) and for a rollout to finish; creates wait out a failure
 * backoff. The groups to remove are picked here too.
 */

/** The drain memory after learning from what a look brought: depth readings, then start-ups. */
export function learn(
  scale: ScaleSlice,
  look: Look,
  readings: readonly DepthReading[],
): ScaleSlice {
  const { spec, view } = look;
  if (spec.scaling.mode !== 'drain') return scale;
  const scaling = spec.scaling;
  // Readings learn with the groups running as seen now, the same instant as the newest reading:
  // the count of the previous look can lag a scale-out by a whole interval.
  const learned = learnReadings(scale.drain, scaling, readings, view.running);
  const drain = view.startups.reduce((m, s) => observeStartup(m, scaling, s), learned);
  return { ...scale, drain };
}

function learnReadings(
  memory: DrainMemory,
  scaling: DrainScaling,
  readings: readonly DepthReading[],
  running: number,
): DrainMemory {
  return readings.reduce((m, reading) => observeDepth(m, scaling, reading, running), memory);
}

/**
 * The policy's recommendation for a reading that may not lead to a look: the drain estimators
 * see the unlearned readings (without keeping what they learn: that happens at the next look),
 * and only the recommendation is kept, so scale-in stabilization sees every reading.
 */
export function recommendation(
  scale: ScaleSlice,
  spec: PoolSpec,
  input: {
    readonly unlearned: readonly DepthReading[];
    readonly live: number;
    readonly running: number;
    readonly active: number;
    readonly now: number;
  },
): { scale: ScaleSlice; desired: number } {
  const { live, running, active, now } = input;
  const scaling = spec.scaling;
  const seen =
    scaling.mode === 'drain'
      ? { ...scale, drain: learnReadings(scale.drain, scaling, input.unlearned, running) }
      : scale;
  const target = policyTarget(seen, spec, { live, ready: running }, active, now);
  // Drain keeps only the recommendation (it learns at the next look); keda keeps its memory.
  const recommendations = target.scale.drain.recommendations;
  const kept =
    scaling.mode === 'drain'
      ? { ...scale, drain: { ...scale.drain, recommendations } }
      : target.scale;
  return { scale: kept, desired: target.desired };
}

/** What the scale stage reads besides the look. */
export interface ScaleInput {
  readonly signals: SignalsSlice;
  readonly backoff: Backoff;
  readonly versions: VersionsOutcome;
}

/**
 * The pool's capacity: its live groups, but not the rollout's targets (they are not capacity
 * until it commits), groups retiring, or groups of a doomed version.
 */
export function capacityOf(groups: readonly PoolGroup[], versions: VersionsOutcome): PoolGroup[] {
  const target = versions.versions.rollout?.target.id;
  const retiring = new Set(versions.retiring.map((r) => r.name));
  return groups.filter(
    (g) =>
      isLive(g) &&
      g.versionId !== target &&
      !retiring.has(g.name) &&
      !versions.doomed.has(g.versionId),
  );
}

/** What the scale stage decided. */
export interface ScaleOutcome {
  readonly scale: ScaleSlice;
  readonly desired: number;
  /** Why that target: the policy's reason (or the override's, or why it holds). */
  readonly reason: string;
  /** What holds the pool back from the target: the tick, a rollout, a backoff. */
  readonly holds: readonly string[];
  /** Stable-version groups to create. */
  readonly creates: number;
  /** Groups to remove, in the order they go. */
  readonly victims: readonly PoolGroup[];
  /** Creates are held by a failure backoff. */
  readonly backedOff: boolean;
  /** The capacity the target is measured against: live groups, and how many of them run. */
  readonly live: number;
  readonly running: number;
}

/** Decides the target count and what it means for the pool now. */
export function scaleTo(scale: ScaleSlice, look: Look, input: ScaleInput): ScaleOutcome {
  const { spec, now } = look;
  const { signals, backoff, versions } = input;
  const live = capacityOf(look.view.groups, versions);
  const target = targetOf(scale, spec, signals, live, now);
  const holds: string[] = [];
  let desired = target.desired;
  const immediateScaleIn = signals.override !== undefined || live.length > spec.maxGroups;
  if (desired < live.length && !immediateScaleIn && look.trigger !== 'scaleIn') {
    holds.push(`scale-in to ${desired} waits for the scale-in tick`);
    desired = live.length;
  } else if (desired < live.length && versions.versions.rollout && !immediateScaleIn) {
    holds.push(`scale-in to ${desired} waits for the rollout`);
    desired = live.length;
  }
  const backedOff = desired > live.length && holdsCreates(backoff, now);
  if (backedOff) {
    const until = new Date(backoff.until).toISOString();
    holds.push(`creates held until ${until} after ${backoff.failures} failure(s)`);
  }
  const victims =
    desired < live.length
      ? pickVictims(live, versions.stable.id, live.length - desired, victimPlacement(spec))
      : [];
  const creates = backedOff || desired <= live.length ? 0 : desired - live.length;
  let keda = target.scale.keda;
  if (spec.scaling.mode === 'keda' && (creates > 0 || victims.length > 0)) {
    const after = live.length + creates - victims.length;
    keda = recordKedaScale(keda, spec.scaling, now, live.length, after);
  }
  return {
    scale: { ...target.scale, keda, desired },
    desired,
    reason: target.reason,
    holds,
    creates,
    victims,
    backedOff,
    live: live.length,
    running: live.filter((g) => g.phase === 'running').length,
  };
}

/** The sites scale-in weighs, for a pool with more than one (one site: by version and age only). */
function victimPlacement(spec: PoolSpec): VictimPlacement | undefined {
  const sites = sitesOf(spec);
  if (sites.length < 2) return undefined;
  const byKey = new Map(sites.map((s) => [s.key, s]));
  return {
    strategy: spec.placementStrategy,
    siteOf: (key) => (key === undefined ? undefined : byKey.get(key)),
  };
}

/** The count the pool should have before any hold, and the policy memory after deciding it. */
function targetOf(
  scale: ScaleSlice,
  spec: PoolSpec,
  signals: SignalsSlice,
  live: readonly PoolGroup[],
  now: number,
): { desired: number; reason: string; scale: ScaleSlice } {
  const { minGroups: min, maxGroups: max, controller } = spec;
  const hold = Math.min(max, Math.max(min, live.length));
  const override = signals.override;
  if (override) {
    const count = Math.min(override.count, max);
    const until = new Date(override.until).toISOString();
    const capped = count < override.count ? ` (capped at maxGroups ${max})` : '';
    return {
      desired: count,
      reason: `manual override: ${count} group(s) until ${until}${capped}`,
      scale,
    };
  }
  if (signals.depthFailures >= controller.depthFailureThreshold) {
    const why = `${signals.depthFailures} times in a row (${signals.depthError ?? 'unknown error'})`;
    return { desired: hold, reason: `holding at ${hold}: queue depth unreadable ${why}`, scale };
  }
  if (signals.depth === undefined) {
    return { desired: hold, reason: `holding at ${hold}: no queue depth read yet`, scale };
  }
  const ready = live.filter((g) => g.phase === 'running').length;
  return policyTarget(scale, spec, { live: live.length, ready }, signals.depth.active, now);
}

/** The policy's count for `live` groups of which `ready` run, with `active` messages waiting. */
function policyTarget(
  scale: ScaleSlice,
  spec: PoolSpec,
  capacity: { readonly live: number; readonly ready: number },
  active: number,
  now: number,
): { desired: number; reason: string; scale: ScaleSlice } {
  const { minGroups, maxGroups } = spec;
  const { live, ready } = capacity;
  if (spec.scaling.mode === 'drain') {
    const memory = scale.drain;
    const decide = { spec: spec.scaling, now, live, ready, active, minGroups, maxGroups, memory };
    const d = drainDecide(decide);
    return { desired: d.desired, reason: d.reason, scale: { ...scale, drain: d.memory } };
  }
  const memory = scale.keda;
  const decide = { spec: spec.scaling, now, current: live, active, minGroups, maxGroups, memory };
  const k = kedaDecide(decide);
  return { desired: k.desired, reason: `keda: ${k.reason}`, scale: { ...scale, keda: k.memory } };
}

/** A paused pool's scale slice: what it learned, and a target of what it has. */
export function holdScale(scale: ScaleSlice, live: number): ScaleSlice {
  return { ...scale, desired: live };
}

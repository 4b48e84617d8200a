/**
 * What the sampler tallies while a scenario runs: per pool, the depth and group peaks, the
 * bursts (from the first sample above the threshold to the first sample back at 0), and the
 * decisions and rollouts its controller published; over all pools, the peaks and sums.
 */
import type { PoolSpec } from '../../shared/config/poolSpec';
import { entityPath } from '../../shared/config/pools';
import { controllerInstanceId } from '../../shared/controller/signal';
import type { PoolStatus, StatusDecision } from '../../shared/controller/status';
import type { DurableEngine } from '../durable/engine';
import type { Emulator } from '../emulator';

/** What the sampler keeps of one pool between samples. */
export interface PoolTrack {
  readonly spec: PoolSpec;
  readonly entity: { namespace: string; entity: string };
  peakDepth: number;
  peakDepthAt: number;
  peakGroups: number;
  groupSum: number;
  bursts: { start: number; peak: number; drained: number | null }[];
  inBurst: boolean;
  readonly decisions: Map<string, StatusDecision>;
  readonly rollouts: Map<string, { from: string; startedAt: number }>;
  readonly outcomes: Map<string, { outcome: string; reason: string; at: number }>;
  /** The controller's target in the last status read (null before its first look). */
  desired: number | null;
  /** The time of the controller's last look, as its status says (ms). */
  lastLookAt: number | null;
  /** The longest time between two looks seen so far (ms; null before the second). */
  maxLookGapMs: number | null;
}

function newTrack(spec: PoolSpec): PoolTrack {
  return {
    spec,
    entity: { namespace: spec.serviceBus.namespace, entity: entityPath(spec) },
    peakDepth: 0,
    peakDepthAt: 0,
    peakGroups: 0,
    groupSum: 0,
    bursts: [],
    inBurst: false,
    decisions: new Map(),
    rollouts: new Map(),
    outcomes: new Map(),
    desired: null,
    lastLookAt: null,
    maxLookGapMs: null,
  };
}

/** Groups that hold (or will hold) compute: every phase but Stopped and Failed. */
export function liveGroups(phases: Partial<Record<string, number>>): number {
  let n = 0;
  for (const [phase, count] of Object.entries(phases)) {
    if (phase !== 'Stopped' && phase !== 'Failed') n += count ?? 0;
  }
  return n;
}

/** The tallies of one run. */
export class Tally {
  readonly tracks: PoolTrack[];
  samples = 0;
  totalPeakDepth = 0;
  totalPeakDepthAt = 0;
  totalPeakGroups = 0;
  totalGroupSum = 0;

  constructor(
    pools: readonly PoolSpec[],
    private readonly burstThreshold: number,
  ) {
    this.tracks = pools.map(newTrack);
  }

  /** One sample at `now`: depths and groups from the emulator, statuses from the engine. */
  sample(emulator: Emulator, engine: DurableEngine, now: number): void {
    this.samples++;
    const control = emulator.control;
    const phases = control.pools();
    let totalDepth = 0;
    let totalGroups = 0;
    for (const track of this.tracks) {
      const depth = control.depth(track.entity.namespace, track.entity.entity) ?? 0;
      const groups = liveGroups(phases[track.spec.name]?.groups ?? {});
      totalDepth += depth;
      totalGroups += groups;
      this.#poolSample(track, depth, groups, now);
      readStatus(track, engine);
    }
    if (totalDepth > this.totalPeakDepth) {
      this.totalPeakDepth = totalDepth;
      this.totalPeakDepthAt = now;
    }
    this.totalPeakGroups = Math.max(this.totalPeakGroups, totalGroups);
    this.totalGroupSum += totalGroups;
  }

  #poolSample(track: PoolTrack, depth: number, groups: number, now: number): void {
    if (depth > track.peakDepth) {
      track.peakDepth = depth;
      track.peakDepthAt = now;
    }
    track.peakGroups = Math.max(track.peakGroups, groups);
    track.groupSum += groups;
    // A burst: from the first sample above the threshold to the first sample back at 0.
    const open = track.bursts[track.bursts.length - 1];
    if (track.inBurst && open !== undefined) {
      open.peak = Math.max(open.peak, depth);
      if (depth === 0) {
        open.drained = now;
        track.inBurst = false;
      }
    } else if (depth > this.burstThreshold) {
      track.bursts.push({ start: now, peak: depth, drained: null });
      track.inBurst = true;
    }
  }
}

/** Decisions and rollouts from the status the pool's controller publishes. */
function readStatus(track: PoolTrack, engine: DurableEngine): void {
  const instance = engine.getStatus(controllerInstanceId(track.spec.name));
  const status = instance?.customStatus as PoolStatus | null | undefined;
  if (!status || typeof status !== 'object') return;
  track.desired = status.desired ?? null;
  readLook(track, status.observedAt);
  for (const d of status.recentDecisions ?? []) {
    const key = `${d.at}|${d.trigger}|${d.desired}|${d.live}|${d.creates}|${d.deletes}|${d.reason}`;
    if (!track.decisions.has(key)) track.decisions.set(key, d);
  }
  const r = status.rollout;
  if (r && !track.rollouts.has(r.target)) {
    track.rollouts.set(r.target, { from: r.from, startedAt: Date.parse(r.startedAt) });
  }
  const last = status.lastRollout;
  if (last && !track.outcomes.has(last.id)) {
    track.outcomes.set(last.id, {
      outcome: last.outcome,
      reason: last.reason,
      at: Date.parse(last.at),
    });
  }
}

/**
 * Follows the controller's looks: a sample whose status names a later look than the last one
 * closes a gap. Samples are 15 s apart, so a gap is measured to within one sample.
 */
function readLook(track: PoolTrack, observedAt: string | null | undefined): void {
  if (!observedAt) return;
  const at = Date.parse(observedAt);
  const last = track.lastLookAt;
  if (last !== null && at <= last) return;
  if (last !== null) track.maxLookGapMs = Math.max(track.maxLookGapMs ?? 0, at - last);
  track.lastLookAt = at;
}

import type { ProfileSnapshot } from '../azure/ports';
import type { PoolSpec } from '../config/poolSpec';
import type { PoolGroup } from '../policy/groups';
import { isLive } from '../policy/groups';
import type { PoolVersion } from '../policy/version';
import { parseImageRef } from '../policy/version';
import type { Push } from './signal';
import type { PlanSlice, Rollout, RolloutOutcome, VersionsSlice } from './state';
import { appendBounded } from './state';

/**
 * Rollouts, purely. A push that matches the pool's follow filter becomes a target version pinned
 * to the pushed digest. The controller then, one iteration at a time (so scaling keeps working):
 *
 * 1. brings the target up: creates target-version groups until there are as many as the pool's
 *    other live groups, at most maxSurgePercent of them in creation at once;
 * 2. waits until each is healthy: running, and its Traffic Manager endpoint Online (added at
 *    weight 1 so it is monitored while taking almost no traffic), or an HTTP probe of its health
 *    path answering 2xx, or — for a worker without ports — running for minReadySeconds;
 * 3. walks the canary steps (weights with a bake time each), if any;
 * 4. commits: the target becomes the stable version at full weight, the old groups' endpoints are
 *    disabled and the old groups retire, deleted once the DNS TTL plus drainSeconds have passed.
 *
 * A target group that fails, an endpoint that turns Degraded, or a target not healthy by the
 * deadline rolls back: the target groups (and their endpoints) are deleted, the old endpoints keep
 * their weights, and the digest is marked bad. A newer push supersedes a rollout that has not
 * committed: its groups are deleted (the digest is not marked bad) and the newer one starts.
 */

/** How many push event ids the controller remembers, to give a redelivered event one effect. */
const SEEN_PUSHES = 50;
/** How many bad digests the controller remembers. */
const BAD_VERSIONS = 10;

/** The version a push describes: the followed containers pinned to the pushed digest. */
function versionFromPush(
  spec: Pick<PoolSpec, 'group'>,
  stable: PoolVersion,
  push: Push,
): PoolVersion | undefined {
  const images: Record<string, string> = { ...stable.images };
  let followed = false;
  for (const c of spec.group.containers) {
    const ref = parseImageRef(stable.images[c.name] ?? c.image);
    if (ref.registry.toLowerCase() === push.registry && ref.repository === push.repository) {
      images[c.name] = `${push.registry}/${push.repository}@${push.digest}`;
      followed = true;
    }
  }
  return followed ? { id: push.digest, images } : undefined;
}

/** A rollout from the stable version to `target`, starting now, due healthy by the spec's timeout. */
export function startRollout(
  target: PoolVersion,
  from: PoolVersion,
  eventId: string,
  spec: Pick<PoolSpec, 'rollout'>,
  now: number,
): Rollout {
  return {
    target,
    from,
    eventId,
    startedAt: now,
    phase: 'bringUp',
    phaseSince: now,
    step: 0,
    deadline: now + spec.rollout.healthyTimeoutSeconds * 1000,
  };
}

/** What taking a push in did. */
export interface PushOutcome {
  readonly versions: VersionsSlice;
  /** One line for the decision log. */
  readonly note: string;
  /** A rollout the push superseded: its groups must go. */
  readonly abandoned?: string;
}

/** Takes a push in: ignores repeats, known and bad digests; starts or supersedes a rollout. */
export function takePush(
  versions: VersionsSlice,
  spec: PoolSpec,
  push: Push,
  now: number,
): PushOutcome {
  const label = `push ${push.repository}${push.tag ? `:${push.tag}` : ''}@${push.digest.slice(0, 19)}`;
  if (versions.seenPushes.includes(push.eventId)) {
    return { versions, note: `${label}: event ${push.eventId} already delivered` };
  }
  const seen = {
    ...versions,
    seenPushes: appendBounded(versions.seenPushes, push.eventId, SEEN_PUSHES),
  };
  const refused = refusal(seen, spec, push);
  if (typeof refused === 'string') return { versions: seen, note: `${label}: ${refused}` };
  const rollout = startRollout(refused.target, refused.stable, push.eventId, spec, now);
  const previous = seen.rollout;
  if (!previous) return { versions: { ...seen, rollout }, note: `${label}: rolling out` };
  const superseded: RolloutOutcome = {
    id: previous.target.id,
    outcome: 'superseded',
    reason: `superseded by ${push.digest}`,
    at: now,
  };
  return {
    versions: { ...seen, rollout, lastRollout: superseded },
    note: `${label}: rolling out, superseding ${previous.target.id}`,
    abandoned: previous.target.id,
  };
}

/** Why a push does not roll out, or the version it rolls out to. */
function refusal(
  versions: VersionsSlice,
  spec: PoolSpec,
  push: Push,
): string | { readonly target: PoolVersion; readonly stable: PoolVersion } {
  const stable = versions.version;
  if (!stable) return 'ignored, the pool has no version yet';
  const target = versionFromPush(spec, stable, push);
  if (!target) return `no container of the pool runs ${push.registry}/${push.repository}`;
  if (target.id === stable.id) return 'already the running version';
  if (target.id === versions.rollout?.target.id) return 'already rolling out';
  const bad = versions.badVersions.find((b) => b.id === target.id);
  if (bad) return `this digest failed before (${bad.reason}); push a new one`;
  return { target, stable };
}

/** Whether a target group is healthy yet, and why not. */
export function health(
  group: PoolGroup,
  spec: PoolSpec,
  profile: ProfileSnapshot | undefined,
  probes: PlanSlice['probes'],
  now: number,
): { readonly healthy: boolean; readonly failed?: string; readonly detail: string } {
  if (group.phase === 'failed')
    return { healthy: false, failed: group.reason ?? 'failed', detail: group.reason ?? 'failed' };
  if (group.phase !== 'running') return { healthy: false, detail: 'not running yet' };
  if (spec.trafficManager) {
    const status =
      profile?.endpoints.find((e) => e.name === group.name)?.monitorStatus ?? 'no endpoint yet';
    if (status === 'Degraded')
      return {
        healthy: false,
        failed: `endpoint ${group.name} Degraded: health probes failing`,
        detail: status,
      };
    return { healthy: status === 'Online', detail: `endpoint ${status}` };
  }
  if (hasPorts(spec)) {
    const probe = probes[group.name];
    return { healthy: probe?.ok === true, detail: probe ? probe.detail : 'not probed yet' };
  }
  const ready =
    group.runningSince !== undefined &&
    now - group.runningSince >= spec.rollout.minReadySeconds * 1000;
  return {
    healthy: ready,
    detail: ready ? 'running' : `running for less than ${spec.rollout.minReadySeconds} s`,
  };
}

/** True when the pool's groups expose ports (and can be probed over HTTP). */
function hasPorts(spec: PoolSpec): boolean {
  return spec.group.containers.some((c) => c.ports.length > 0);
}

/** What one iteration of a rollout asks for. */
export interface RolloutStep {
  readonly versions: VersionsSlice;
  /** Target-version groups to create now. */
  readonly creates: number;
  /** Target groups to delete (a rollback): every group of the abandoned version. */
  readonly rollback?: { readonly version: string; readonly reason: string };
  /** Running target groups to probe over HTTP (pools without Traffic Manager, with ports). */
  readonly probe: readonly PoolGroup[];
  /** The old groups to retire now (the rollout committed). */
  readonly retire: readonly PoolGroup[];
  readonly note?: string;
}

/** What a rollout step looks at. */
export interface RolloutScene {
  readonly spec: PoolSpec;
  /** The live groups not of the target version: they set how many target groups are needed. */
  readonly others: readonly PoolGroup[];
  /** The target version's groups (all but deleting ones). */
  readonly targets: readonly PoolGroup[];
  readonly profile: ProfileSnapshot | undefined;
  readonly probes: PlanSlice['probes'];
  readonly now: number;
}

/** How far the target has come. */
interface Progress {
  /** Target groups needed: as many as the others. */
  readonly needed: number;
  readonly healthy: number;
  /** Target groups to create now. */
  readonly creates: number;
  /** Running target groups to probe. */
  readonly probe: readonly PoolGroup[];
  /** As many target groups as needed, all healthy. */
  readonly allUp: boolean;
}

/**
 * Advances the rollout in `versions` by one iteration: a broken target group or a missed
 * deadline rolls it back; otherwise the bring-up or canary phase takes its next step.
 */
export function stepRollout(versions: VersionsSlice, scene: RolloutScene): RolloutStep {
  const r = versions.rollout;
  if (!r) return { versions, creates: 0, probe: [], retire: [] };
  const { spec, others, targets, profile, probes, now } = scene;
  const liveTargets = targets.filter(isLive);
  if (others.length === 0 && liveTargets.length === 0) {
    const reason = 'completed: the pool had no groups, new ones start on the new version';
    return {
      versions: commit(versions, r, now, reason),
      creates: 0,
      probe: [],
      retire: [],
      note: `rollout of ${r.target.id}: nothing to replace`,
    };
  }
  const verdicts = targets.map((g) => ({ g, h: health(g, spec, profile, probes, now) }));
  const broken = verdicts.find((v) => v.h.failed !== undefined);
  if (broken) return rollback(versions, r, `group ${broken.g.name}: ${broken.h.failed ?? ''}`, now);
  const needed = others.length;
  const healthy = verdicts.filter((v) => v.h.healthy).length;
  if (r.phase === 'bringUp' && healthy < needed && now > r.deadline) {
    const waiting = verdicts.filter((v) => !v.h.healthy).map((v) => `${v.g.name}: ${v.h.detail}`);
    const detail = waiting.length ? ` (${waiting.slice(0, 3).join('; ')})` : '';
    const reason = `${healthy} of ${needed} new groups healthy after ${spec.rollout.healthyTimeoutSeconds} s${detail}`;
    return rollback(versions, r, reason, now);
  }
  // Create more targets while fewer than the others, at most maxSurgePercent of them in flight.
  const surge = Math.max(1, Math.ceil((needed * spec.rollout.maxSurgePercent) / 100));
  const inFlight = liveTargets.filter((g) => g.phase === 'pending').length;
  const progress: Progress = {
    needed,
    healthy,
    creates: Math.max(0, Math.min(needed - liveTargets.length, surge - inFlight)),
    probe:
      !spec.trafficManager && hasPorts(spec)
        ? verdicts.filter((v) => v.g.phase === 'running' && !v.h.healthy).map((v) => v.g)
        : [],
    allUp: liveTargets.length >= needed && healthy >= needed,
  };
  return r.phase === 'bringUp'
    ? bringUp(versions, r, scene, progress)
    : canary(versions, r, scene, progress);
}

/** Bring-up: create and health-check the target; once all are up, start the canary or shift. */
function bringUp(
  versions: VersionsSlice,
  r: Rollout,
  { spec, others, now }: RolloutScene,
  { needed, healthy, creates, probe, allUp }: Progress,
): RolloutStep {
  if (!allUp) {
    const note = `rollout of ${r.target.id}: ${healthy} of ${needed} new groups healthy`;
    return { versions, creates, probe, retire: [], note };
  }
  if (spec.trafficManager && spec.rollout.canary.length > 0) {
    return {
      versions: { ...versions, rollout: { ...r, phase: 'canary', step: 0, phaseSince: now } },
      creates: 0,
      probe: [],
      retire: [],
      note: `rollout of ${r.target.id}: healthy, canary step 1 at ${spec.rollout.canary[0]?.weightPercent ?? 0}%`,
    };
  }
  return shift(versions, r, others, now);
}

/** Canary: hold each step for its bake time, keeping the target's group count in step with the pool. */
function canary(
  versions: VersionsSlice,
  r: Rollout,
  { spec, others, now }: RolloutScene,
  { needed, creates, allUp }: Progress,
): RolloutStep {
  const held = (note: string): RolloutStep => ({ versions, creates, probe: [], retire: [], note });
  const step = spec.rollout.canary[r.step];
  if (step && now - r.phaseSince < step.bakeSeconds * 1000) {
    return held(`rollout of ${r.target.id}: canary at ${step.weightPercent}%`);
  }
  if (r.step + 1 < spec.rollout.canary.length) {
    const nextStep = spec.rollout.canary[r.step + 1];
    return {
      versions: { ...versions, rollout: { ...r, step: r.step + 1, phaseSince: now } },
      creates,
      probe: [],
      retire: [],
      note: `rollout of ${r.target.id}: canary step ${r.step + 2} at ${nextStep?.weightPercent ?? 0}%`,
    };
  }
  if (!allUp)
    return held(`rollout of ${r.target.id}: waiting for ${needed} healthy groups to shift`);
  return shift(versions, r, others, now);
}

/** The target takes all traffic: it becomes the stable version and the others retire. */
function shift(
  versions: VersionsSlice,
  r: Rollout,
  others: readonly PoolGroup[],
  now: number,
): RolloutStep {
  return {
    versions: commit(versions, r, now, 'completed'),
    creates: 0,
    probe: [],
    retire: others,
    note: `rollout of ${r.target.id}: shifting all traffic`,
  };
}

/** The share of traffic (percent) the target gets now: 0 while checking, the canary step's after. */
export function targetShare(versions: VersionsSlice, spec: PoolSpec): number {
  const r = versions.rollout;
  if (!r || r.phase === 'bringUp') return 0;
  return spec.rollout.canary[r.step]?.weightPercent ?? 0;
}

function commit(versions: VersionsSlice, r: Rollout, now: number, reason: string): VersionsSlice {
  const { rollout: _done, ...rest } = versions;
  const outcome: RolloutOutcome = { id: r.target.id, outcome: 'completed', reason, at: now };
  return { ...rest, version: r.target, lastRollout: outcome };
}

function rollback(versions: VersionsSlice, r: Rollout, reason: string, now: number): RolloutStep {
  const { rollout: _failed, ...rest } = versions;
  return {
    versions: {
      ...rest,
      lastRollout: { id: r.target.id, outcome: 'rolledBack', reason, at: now },
      badVersions: appendBounded(
        versions.badVersions,
        { id: r.target.id, reason, at: now },
        BAD_VERSIONS,
      ),
    },
    creates: 0,
    rollback: { version: r.target.id, reason },
    probe: [],
    retire: [],
    note: `rollout of ${r.target.id} rolled back: ${reason}`,
  };
}

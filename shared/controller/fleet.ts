import type { ProfileSnapshot } from '../azure/ports';
import type { PoolSpec } from '../config/poolSpec';
import { bumpBackoff, noBackoff } from '../policy/backoff';
import type { Backoff } from '../policy/backoff';
import type { ForeignGroup, HealthRecord, PoolGroup } from '../policy/groups';
import { classifyGroups, healthRecord, isLive } from '../policy/groups';
import { sitesOf } from '../policy/placement';
import type { QuotaRead } from '../watch/usage';
import type { Observation, ObservePoolResult } from './activities';
import type { Trigger } from './signal';
import type { FleetSlice, GroupCounts, ObservedFleet, StatusError } from './state';
import { firstSight } from './state';

/**
 * Stage 2, fleet: what a look at the pool shows. Classifies the groups Azure listed (own or
 * foreign; pending, running, failed, deleting), keeps each group's health record, backs creates
 * off when groups fail, and reports what the groups teach: how many run now and how long the
 * ones that just started took (the scale stage learns from both).
 */

/** One look at the pool: what the stages after fleet decide from (not kept in the state). */
export interface Look {
  readonly spec: PoolSpec;
  readonly trigger: Trigger;
  readonly now: number;
  readonly view: FleetView;
  /** How long a group leaving traffic retires before it is deleted (ms): DNS TTL + drainSeconds. */
  readonly retireMs: number;
}

/** The fleet as this look saw it. */
export interface FleetView {
  /** Every group name listed, foreign ones included: new names never reuse one. */
  readonly listed: readonly string[];
  readonly groups: readonly PoolGroup[];
  readonly foreign: readonly ForeignGroup[];
  /** The pool's Traffic Manager profile, when the pool has one and it could be read. */
  readonly profile?: ProfileSnapshot;
  /** Groups running now, whatever their version. */
  readonly running: number;
  /** Create→running times (s) of groups seen pending before and running now. */
  readonly startups: readonly number[];
  /** The groups as seen: what a paused pool reports. */
  readonly counts: GroupCounts;
  /** Failed reads and failed groups, for the status log. */
  readonly errors: readonly StatusError[];
  /** ACI quota usage by region, for the regions whose usage could be read. */
  readonly quota: Readonly<Record<string, QuotaRead>>;
  /** What the groups taught about their sites since the last look (the placement stage keeps it). */
  readonly siteLessons: readonly SiteLesson[];
}

/**
 * A site's group started (the site has capacity), failed for capacity (it has none for now), or
 * was evicted (its Spot capacity was reclaimed).
 */
export interface SiteLesson {
  readonly site: string;
  readonly kind: 'started' | 'capacity' | 'evicted';
  readonly reason: string;
}

/**
 * The observation with its spec in hand: observePool leaves the spec out when the controller
 * holds the one with the same hash. Undefined if it left out a spec the controller lacks, which
 * observePool never does (it compares with the hash the controller sent).
 */
export function withSpec(
  fleet: FleetSlice,
  observed: Extract<ObservePoolResult, { found: true }>,
): Observation | undefined {
  if (observed.spec) return { ...observed, spec: observed.spec };
  if (fleet.observed && fleet.specHash === observed.specHash)
    return { ...observed, spec: fleet.spec };
  return undefined;
}

/** The fleet slice after a look, before its groups are read: the spec and the time of the look. */
export function sighted(fleet: FleetSlice, observation: Observation, now: number): ObservedFleet {
  const base = fleet.observed ? fleet : firstSight(observation.spec, observation.specHash, now);
  return { ...base, spec: observation.spec, specHash: observation.specHash, at: now };
}

/** The error a look that could not list the pool's groups records. */
export function listFailure(observation: Observation, now: number): StatusError {
  const failure = observation.failure ?? {
    kind: 'transient',
    code: 'Unknown',
    message: 'listing groups failed',
  };
  return { at: now, during: 'list groups', ...failure };
}

/** Reads the listed groups: classified, with their health kept and their lessons drawn. */
export function observeFleet(
  fleet: ObservedFleet,
  observation: Observation & { readonly groups: NonNullable<Observation['groups']> },
  trigger: Trigger,
  now: number,
): { fleet: ObservedFleet; look: Look } {
  const spec = fleet.spec;
  const { groups, foreign } = classifyGroups(
    spec.name,
    observation.groups,
    fleet.health,
    spec.controller,
    now,
    sitesOf(spec),
  );
  const profile = spec.trafficManager ? observation.profile : undefined;
  const lessons = learnFromGroups(fleet, groups, new Set(observation.instanceViewsRead), now);
  // Listed, but some reads failed (instance views, the profile): decide on what was seen, say so.
  const readFailure: StatusError[] = observation.failure
    ? [{ at: now, during: 'read groups and profile', ...observation.failure }]
    : [];
  const next: ObservedFleet = {
    ...fleet,
    ...(profile ? { dnsTtlSeconds: profile.ttlSeconds } : {}),
    health: lessons.health,
    backoff: lessons.backoff,
  };
  const view: FleetView = {
    listed: observation.groups.map((g) => g.name),
    groups,
    foreign,
    ...(profile ? { profile } : {}),
    running: groups.filter((g) => g.phase === 'running').length,
    startups: lessons.startups,
    counts: countsOf(groups, foreign.length),
    errors: [...readFailure, ...lessons.errors],
    quota: observation.quota ?? {},
    siteLessons: lessons.sites,
  };
  const retireMs = retireTime(spec, next.dnsTtlSeconds);
  return { fleet: next, look: { spec, trigger, now, view, retireMs } };
}

/**
 * How long a group leaving traffic retires before it is deleted (ms): behind Traffic Manager the
 * profile's DNS TTL (resolvers may still send it traffic that long) plus rollout.drainSeconds.
 * Example: TTL 30 s, drainSeconds 15 → 45 000 ms.
 */
function retireTime(spec: PoolSpec, dnsTtlSeconds: number | undefined): number {
  return ((spec.trafficManager ? (dnsTtlSeconds ?? 0) : 0) + spec.rollout.drainSeconds) * 1000;
}

/**
 * Health bookkeeping, group by group in list order: a group seen pending and now running gives a
 * clean create→running measurement (one already running when first seen may have restarted
 * since, which would overstate start-up) and resets the backoff; a group that failed since the
 * last look is reported and raises the backoff — the pool's, or for a failure of capacity
 * (evictions included) in a site of the pool, that site's (another site may have capacity).
 */
function learnFromGroups(
  fleet: ObservedFleet,
  groups: readonly PoolGroup[],
  viewsRead: ReadonlySet<string>,
  now: number,
): {
  health: Record<string, HealthRecord>;
  backoff: Backoff;
  startups: number[];
  errors: StatusError[];
  sites: SiteLesson[];
} {
  let backoff = fleet.backoff;
  const health: Record<string, HealthRecord> = {};
  const startups: number[] = [];
  const errors: StatusError[] = [];
  const sites: SiteLesson[] = [];
  for (const g of groups) {
    const previous = fleet.health[g.name];
    health[g.name] = healthRecord(g, viewsRead.has(g.name), previous, now);
    if (g.phase === 'running' && previous?.phase === 'pending') {
      if (g.runningSince !== undefined) startups.push((g.runningSince - g.createdAt) / 1000);
      backoff = noBackoff;
      if (g.site !== undefined)
        sites.push({ site: g.site, kind: 'started', reason: `${g.name} started` });
    }
    if (g.phase === 'failed' && previous?.phase !== 'failed') {
      const reason = g.reason ?? 'failed';
      if (g.capacityFailure && g.site !== undefined) {
        const lesson = g.evicted ? 'evicted' : 'capacity';
        sites.push({ site: g.site, kind: lesson, reason: `${g.name}: ${reason}` });
      } else backoff = bumpBackoff(backoff, fleet.spec.controller, now);
      const kind = g.capacityFailure ? 'capacity' : 'groupFailed';
      errors.push({ at: now, during: `group ${g.name}`, kind, message: reason });
    }
  }
  return { health, backoff, startups, errors, sites };
}

/** The groups counted by phase, and the live ones by version. */
function countsOf(groups: readonly PoolGroup[], foreign: number): GroupCounts {
  const live = groups.filter(isLive);
  const running = groups.filter((g) => g.phase === 'running').length;
  return {
    running,
    pending: live.length - running,
    failed: groups.filter((g) => g.phase === 'failed').length,
    deleting: groups.filter((g) => g.phase === 'deleting').length,
    foreign,
    byVersion: versionsOf(live),
    bySite: sitesOfLive(live),
  };
}

/** Live groups per version id. */
export function versionsOf(live: readonly PoolGroup[]): Record<string, number> {
  const byVersion: Record<string, number> = {};
  for (const g of live) byVersion[g.versionId] = (byVersion[g.versionId] ?? 0) + 1;
  return byVersion;
}

/** Key under which groups of a site no longer in the spec are counted. */
export const REMOVED_SITE = '(removed)';

/** Live groups per site key. */
export function sitesOfLive(live: readonly PoolGroup[]): Record<string, number> {
  const bySite: Record<string, number> = {};
  for (const g of live) {
    const key = g.site ?? REMOVED_SITE;
    bySite[key] = (bySite[key] ?? 0) + 1;
  }
  return bySite;
}

/** The fleet slice after ARM refused a create: one more failure in a row. */
export function refusedCreate(fleet: ObservedFleet, now: number): ObservedFleet {
  return { ...fleet, backoff: bumpBackoff(fleet.backoff, fleet.spec.controller, now) };
}

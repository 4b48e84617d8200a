import type { GroupSnapshot } from '../azure/ports';
import type { ControllerSpec } from '../config/poolSpec';
import type { Site } from './placement';
import { TAG_SITE, siteOfGroup } from './placement';
import { TAG_CREATED, TAG_POOL, TAG_VERSION, parseGroupName } from './version';

/** Where a group is in its life, as far as scaling cares. */
export type GroupPhase = 'pending' | 'running' | 'failed' | 'deleting';

/** A group of the pool, classified from what Azure reports. */
export interface PoolGroup {
  readonly name: string;
  readonly versionId: string;
  readonly ordinal: number;
  /** When Surge created it (ms since epoch), from the surge-created tag. */
  readonly createdAt: number;
  readonly phase: GroupPhase;
  /** Why a failed group failed, in Azure's words where there are some. */
  readonly reason?: string;
  /** True when it failed for lack of regional capacity or quota: replacing it at once would fail too. */
  readonly capacityFailure?: boolean;
  /** When its containers last started (ms since epoch), once running. */
  readonly runningSince?: number;
  readonly fqdn?: string;
  /** The key of the pool's site it runs in; undefined for a site no longer in the spec. */
  readonly site?: string;
  /** Its availability zone, when it has one. */
  readonly zone?: string;
  /** True when Azure evicted it (a Spot group whose capacity was reclaimed). */
  readonly evicted?: boolean;
}

/** True for a group that counts toward capacity: pending (on its way) or running. */
export function isLive(group: Pick<PoolGroup, 'phase'>): boolean {
  return group.phase === 'pending' || group.phase === 'running';
}

/** A group tagged for the pool that Surge did not create under its naming scheme. */
export interface ForeignGroup {
  readonly name: string;
  readonly reason: string;
}

/**
 * What the controller last learned of a group's health. Instance views cost one ARM read per
 * group, so a group seen running is only re-read every instanceViewRefreshSeconds; in between,
 * this record stands in for it.
 */
export interface HealthRecord {
  readonly phase: GroupPhase;
  readonly checkedAt: number;
  readonly runningSince?: number;
  readonly reason?: string;
  readonly capacityFailure?: boolean;
  readonly evicted?: boolean;
}

const CAPACITY_PATTERN =
  /InsufficientCapacity|not available in the location|quota|ServiceUnavailable/i;

/**
 * Splits the snapshots tagged for a pool into its own groups (classified) and foreign ones
 * (tagged for it but not named by Surge's scheme, or missing the tags Surge writes): the
 * controller deletes the foreign ones so nothing it cannot account for keeps billing.
 */
export function classifyGroups(
  pool: string,
  snapshots: readonly GroupSnapshot[],
  health: Readonly<Record<string, HealthRecord>>,
  knobs: Pick<ControllerSpec, 'provisioningTimeoutSeconds' | 'crashLoopRestarts'>,
  now: number,
  sites: readonly Site[] = [],
): { groups: PoolGroup[]; foreign: ForeignGroup[] } {
  const groups: PoolGroup[] = [];
  const foreign: ForeignGroup[] = [];
  for (const s of snapshots) {
    if (s.tags[TAG_POOL] !== pool) continue;
    const versionId = s.tags[TAG_VERSION];
    const created = Date.parse(s.tags[TAG_CREATED] ?? '');
    const ordinal = versionId === undefined ? undefined : parseGroupName(pool, versionId, s.name);
    if (versionId === undefined || ordinal === undefined || Number.isNaN(created)) {
      foreign.push({
        name: s.name,
        reason: `tagged ${TAG_POOL}=${pool} but not created by Surge (name or ${TAG_VERSION}/${TAG_CREATED} tags do not match)`,
      });
      continue;
    }
    const tag = s.tags[TAG_SITE];
    const site = siteOfGroup(sites, {
      ...(tag !== undefined ? { tag } : {}),
      ...(s.location !== undefined ? { location: s.location } : {}),
      ...(s.priority !== undefined ? { priority: s.priority } : {}),
    });
    groups.push({
      name: s.name,
      versionId,
      ordinal,
      createdAt: created,
      ...(s.fqdn !== undefined ? { fqdn: s.fqdn } : {}),
      ...(site !== undefined ? { site: site.key } : {}),
      ...(s.zone !== undefined ? { zone: s.zone } : {}),
      ...phaseOf(s, health[s.name], knobs, created, now),
    });
  }
  return { groups, foreign };
}

type Phase = Pick<PoolGroup, 'phase' | 'reason' | 'capacityFailure' | 'runningSince' | 'evicted'>;

function phaseOf(
  s: GroupSnapshot,
  known: HealthRecord | undefined,
  knobs: Pick<ControllerSpec, 'provisioningTimeoutSeconds' | 'crashLoopRestarts'>,
  createdAt: number,
  now: number,
): Phase {
  const state = s.provisioningState;
  if (state === 'Deleting') return { phase: 'deleting' };
  if (state === 'Failed' || state === 'Canceled') {
    const reason = failureMessage(s) ?? `provisioning ${state}`;
    return { phase: 'failed', reason, capacityFailure: CAPACITY_PATTERN.test(reason) };
  }
  const timedOut = now - createdAt > knobs.provisioningTimeoutSeconds * 1000;
  // Pending, Creating, Accepted, Updating, Repairing…: anything short of Succeeded is on its way.
  if (state !== 'Succeeded') {
    return timedOut
      ? { phase: 'failed', reason: `still ${state} after ${knobs.provisioningTimeoutSeconds} s` }
      : { phase: 'pending' };
  }
  const view = s.instanceView;
  if (view === undefined) {
    // Not re-read this time: trust the last reading, which the controller keeps fresh enough.
    if (known) return pick(known);
    return { phase: 'pending' };
  }
  const looping = view.containers.find((c) => c.restartCount >= knobs.crashLoopRestarts);
  if (looping) {
    const detail =
      looping.detailStatus ||
      (looping.exitCode !== undefined ? `exit code ${looping.exitCode}` : '');
    return {
      phase: 'failed',
      reason: `container ${looping.name} restarted ${looping.restartCount} times${detail ? ` (${detail})` : ''}`,
    };
  }
  const eviction = view.events.find((e) => e.name === 'SpotEviction');
  if (view.state === 'Stopped' && eviction !== undefined) {
    const why = eviction.message ?? 'Azure reclaimed the Spot capacity';
    return { phase: 'failed', reason: `evicted: ${why}`, capacityFailure: true, evicted: true };
  }
  if (view.state === 'Stopped' || view.state === 'Failed' || view.state === 'Succeeded') {
    return {
      phase: 'failed',
      reason: `group ${view.state.toLowerCase()}: its containers are no longer running`,
    };
  }
  const allRunning =
    view.containers.length > 0 && view.containers.every((c) => c.state === 'Running');
  if (view.state === 'Running' && allRunning) {
    const starts = view.containers
      .map((c) => Date.parse(c.startTime ?? ''))
      .filter((t) => !Number.isNaN(t));
    const runningSince = starts.length > 0 ? Math.max(...starts) : now;
    return { phase: 'running', runningSince };
  }
  return timedOut
    ? {
        phase: 'failed',
        reason: `containers not running after ${knobs.provisioningTimeoutSeconds} s`,
      }
    : { phase: 'pending' };
}

function pick(known: HealthRecord): Phase {
  return {
    phase: known.phase,
    ...(known.reason !== undefined ? { reason: known.reason } : {}),
    ...(known.capacityFailure !== undefined ? { capacityFailure: known.capacityFailure } : {}),
    ...(known.evicted !== undefined ? { evicted: known.evicted } : {}),
    ...(known.runningSince !== undefined ? { runningSince: known.runningSince } : {}),
  };
}

/** The most telling event message of a failed group: a warning, else the latest event. */
function failureMessage(s: GroupSnapshot): string | undefined {
  const view = s.instanceView;
  if (!view) return undefined;
  const events = [...view.events];
  const warning = events
    .reverse()
    .find((e) => e.type === 'Warning' || CAPACITY_PATTERN.test(e.name));
  const last = warning ?? events[0];
  return last ? `${last.name}${last.message ? `: ${last.message}` : ''}` : undefined;
}

/** The health record to keep for a group after this observation. */
export function healthRecord(
  group: PoolGroup,
  viewRead: boolean,
  previous: HealthRecord | undefined,
  now: number,
): HealthRecord {
  return {
    phase: group.phase,
    checkedAt: viewRead || previous === undefined ? now : previous.checkedAt,
    ...(group.runningSince !== undefined ? { runningSince: group.runningSince } : {}),
    ...(group.reason !== undefined ? { reason: group.reason } : {}),
    ...(group.capacityFailure !== undefined ? { capacityFailure: group.capacityFailure } : {}),
    ...(group.evicted !== undefined ? { evicted: group.evicted } : {}),
  };
}

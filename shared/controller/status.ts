import type { DrainScaling } from '../config/poolSpec';
import type { DrainMemory } from '../policy/drain';
import { predictedBurst, prewarmStartsAt, startupOf, throughputOf } from '../policy/drain';
import { sitesOf } from '../policy/placement';
import type {
  ControllerState,
  Decision,
  GroupCounts,
  Rollout,
  SignalsSlice,
  StatusError,
} from './state';

/**
 * The pool status a controller publishes as its custom status (and the pools API returns):
 * desired count, groups by state and version, the last decision and its reason, what the drain
 * policy has learned, and recent Azure errors in Azure's own words. Times are ISO strings.
 */
export interface PoolStatus {
  readonly pool: string;
  readonly paused: { readonly since: string; readonly reason?: string } | null;
  readonly override: {
    readonly count: number;
    readonly until: string;
    readonly reason?: string;
  } | null;
  readonly desired: number | null;
  readonly version: string | null;
  readonly groups: GroupCounts | null;
  readonly depth: {
    readonly active: number;
    readonly deadLetter: number;
    readonly scheduled: number;
    readonly at: string;
  } | null;
  readonly depthFailures: number;
  readonly depthError: string | null;
  readonly estimates: {
    readonly arrivalPerSecond: number | null;
    readonly throughputPerGroup: number | null;
    readonly startupSeconds: number | null;
    readonly learned: { readonly throughput: boolean; readonly startup: boolean };
    /** A recurring burst learned from the depth history, when one is: its period and the next. */
    readonly recurrence?: {
      readonly periodSeconds: number;
      readonly nextAt: string;
      readonly size: number;
      readonly misses: number;
    };
  } | null;
  readonly backoffUntil: string | null;
  /** ARM throttles the subscription's reads and the pool's next look waits for its turn, then. */
  readonly readTurnAt: string | null;
  /** The pool's sites in order of preference: live groups, and whether each takes creates. */
  readonly sites: readonly SiteStatus[];
  /** The rollout in progress, if any. */
  readonly rollout: {
    readonly target: string;
    readonly from: string;
    readonly images: Readonly<Record<string, string>>;
    readonly phase: string;
    readonly step: number | null;
    readonly startedAt: string;
    readonly deadline: string;
  } | null;
  /** How the last rollout ended. */
  readonly lastRollout: {
    readonly id: string;
    readonly outcome: string;
    readonly reason: string;
    readonly at: string;
  } | null;
  /** Digests that failed a rollout and will not be rolled again. */
  readonly badVersions: readonly {
    readonly id: string;
    readonly reason: string;
    readonly at: string;
  }[];
  /** Groups whose traffic is off, waiting for DNS to move on before they are deleted. */
  readonly retiring: readonly { readonly name: string; readonly until: string }[];
  readonly lastDecision: StatusDecision | null;
  readonly recentDecisions: readonly StatusDecision[];
  readonly errors: readonly (Omit<StatusError, 'at'> & { readonly at: string })[];
  /** Creates ARM refused since the controller started, by failure kind (a running count). */
  readonly createRefusals: Readonly<Record<string, number>>;
  readonly observedAt: string | null;
}

/** One site of the pool, as the status shows it. */
export interface SiteStatus {
  readonly site: string;
  readonly location: string;
  readonly priority: 'Regular' | 'Spot';
  readonly zones: readonly string[];
  readonly subnet: boolean;
  readonly maxGroups: number | null;
  /** Live groups in the site, as planned. */
  readonly groups: number;
  /** open; full (a quota refused a create, until usage shows room); unavailable (capacity, until). */
  readonly state: 'open' | 'full' | 'unavailable';
  readonly until: string | null;
  /** The last refusal or failure in the site, in Azure's words. */
  readonly last: string | null;
}

/** A decision with its time as an ISO string. */
export type StatusDecision = Omit<Decision, 'at'> & { readonly at: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** The status to publish for a controller state. */
export function statusOf(state: ControllerState, now: number): PoolStatus {
  const { signals, fleet, versions, scale, plan, log } = state;
  return {
    pool: state.pool,
    paused: signals.paused
      ? {
          since: iso(signals.paused.since),
          ...(signals.paused.reason ? { reason: signals.paused.reason } : {}),
        }
      : null,
    override: overrideOf(signals, now),
    desired: scale.desired ?? null,
    version: versions.version?.id ?? null,
    groups: plan.counts ?? null,
    depth: signals.depth
      ? {
          active: signals.depth.active,
          deadLetter: signals.depth.deadLetter,
          scheduled: signals.depth.scheduled,
          at: iso(signals.depth.at),
        }
      : null,
    depthFailures: signals.depthFailures,
    depthError: signals.depthError ?? null,
    estimates: estimatesOf(state, now),
    backoffUntil: fleet.observed && fleet.backoff.until > now ? iso(fleet.backoff.until) : null,
    readTurnAt: signals.lookDue ? iso(signals.lookDue.at) : null,
    sites: sitesStatus(state, now),
    rollout: rolloutOf(versions.rollout),
    lastRollout: versions.lastRollout
      ? { ...versions.lastRollout, at: iso(versions.lastRollout.at) }
      : null,
    badVersions: versions.badVersions.map((b) => ({ ...b, at: iso(b.at) })),
    retiring: plan.retiring.map((r) => ({ name: r.name, until: iso(r.until) })),
    lastDecision: log.lastDecision ? { ...log.lastDecision, at: iso(log.lastDecision.at) } : null,
    recentDecisions: log.decisions.map((x) => ({ ...x, at: iso(x.at) })),
    errors: log.errors.map((e) => ({ ...e, at: iso(e.at) })),
    createRefusals: log.createRefusals ?? {},
    observedAt: fleet.observed ? iso(fleet.at) : null,
  };
}

/** The sites of the pool (none before its spec is known), with their health. */
function sitesStatus({ fleet, placement, plan }: ControllerState, now: number): SiteStatus[] {
  if (!fleet.observed) return [];
  return sitesOf(fleet.spec).map((site) => {
    const h = placement.sites[site.key];
    const closed = h !== undefined && h.backoff.until > now;
    return {
      site: site.key,
      location: site.location,
      priority: site.priority,
      zones: site.zones,
      subnet: site.subnetId !== undefined,
      maxGroups: site.maxGroups ?? null,
      groups: plan.counts?.bySite[site.key] ?? 0,
      state: h?.full ? 'full' : closed ? 'unavailable' : 'open',
      until: !h?.full && closed ? iso(h.backoff.until) : null,
      last: h?.last ?? null,
    };
  });
}

function overrideOf(signals: SignalsSlice, now: number): PoolStatus['override'] {
  const o = signals.override;
  if (!o || o.until <= now) return null;
  return { count: o.count, until: iso(o.until), ...(o.reason ? { reason: o.reason } : {}) };
}

/** What the drain policy has learned (null for other policies or before the spec is known). */
function estimatesOf({ fleet, scale }: ControllerState, now: number): PoolStatus['estimates'] {
  if (!fleet.observed || fleet.spec.scaling.mode !== 'drain') return null;
  const d = scale.drain;
  const spec = fleet.spec.scaling;
  return {
    arrivalPerSecond: d.arrivalRate ?? null,
    throughputPerGroup: throughputOf(d, spec),
    startupSeconds: startupOf(d, spec),
    learned: { throughput: d.throughput !== undefined, startup: d.startupSeconds !== undefined },
    ...recurrenceOf(d, spec, now),
  };
}

/** The recurring burst the drain policy predicts, for the status (none when it predicts none). */
function recurrenceOf(
  d: DrainMemory,
  spec: DrainScaling,
  now: number,
): { recurrence?: NonNullable<PoolStatus['estimates']>['recurrence'] } {
  const p = predictedBurst(d, spec, now)?.pattern;
  if (!p) return {};
  return {
    recurrence: {
      periodSeconds: Math.round(p.periodMs / 1000),
      nextAt: iso(p.nextAt),
      size: Math.round(p.size),
      misses: p.misses,
    },
  };
}

function rolloutOf(r: Rollout | undefined): PoolStatus['rollout'] {
  if (!r) return null;
  return {
    target: r.target.id,
    from: r.from.id,
    images: r.target.images,
    phase: r.phase,
    step: r.phase === 'canary' ? r.step + 1 : null,
    startedAt: iso(r.startedAt),
    deadline: iso(r.deadline),
  };
}

/**
 * When the controller should next look at the pool on its own, if no signal comes first:
 * at once when it has never looked; soon while groups are being created or a rollout runs
 * (durable-timer polling instead of awaiting ARM's long-running operations); when a manual
 * override, a create backoff (the pool's or a site's) or a retiring group's drain ends, or when
 * groups should start ahead of a predicted recurring burst; otherwise after reconcileSeconds.
 */
export function nextWakeAt(state: ControllerState, now: number): number {
  const { fleet, plan, signals } = state;
  if (!fleet.observed) return now;
  const pacing = fleet.spec.controller;
  const pending = (plan.counts?.pending ?? 0) + (plan.counts?.deleting ?? 0);
  // While a rollout runs it is polled like groups being created: health and bake times move on.
  const busy = pending > 0 || state.versions.rollout !== undefined;
  let at = now + (busy ? pacing.provisioningPollSeconds : pacing.reconcileSeconds) * 1000;
  for (const r of plan.retiring) at = Math.min(at, Math.max(now, r.until));
  if (signals.override && signals.override.until > now) at = Math.min(at, signals.override.until);
  if (fleet.backoff.until > now) at = Math.min(at, fleet.backoff.until);
  if (signals.lookDue) at = Math.min(at, Math.max(now, signals.lookDue.at));
  for (const h of Object.values(state.placement.sites)) {
    if (h.backoff.until > now) at = Math.min(at, h.backoff.until);
  }
  const scaling = fleet.spec.scaling;
  const warm =
    scaling.mode === 'drain' ? prewarmStartsAt(state.scale.drain, scaling, now) : undefined;
  if (warm !== undefined) at = Math.min(at, warm);
  return at;
}

/**
 * Running groups whose health was read recently enough that observePool may skip their
 * instance view (one ARM read each). Example: refresh 60 s, a group checked 20 s ago is skipped.
 */
export function freshRunningGroups(state: ControllerState, now: number): string[] {
  const fleet = state.fleet;
  if (!fleet.observed) return [];
  const refreshMs = fleet.spec.controller.instanceViewRefreshSeconds * 1000;
  return Object.entries(fleet.health)
    .filter(([, h]) => h.phase === 'running' && now - h.checkedAt < refreshMs)
    .map(([name]) => name)
    .sort();
}

/**
 * The status as the orchestration publishes it: computed when serialized. The controller sets its
 * status on every iteration, replayed ones included, but only the last value of an episode leaves
 * it; the SDK serializes that one as JSON, so `toJSON` computes it once per episode instead of
 * once per replayed iteration. The state is immutable and `now` is captured, so the value is what
 * statusOf would have returned at the call.
 */
export function publishedStatus(state: ControllerState, now: number): { toJSON(): PoolStatus } {
  return { toJSON: () => statusOf(state, now) };
}

/** Why a published status may no longer describe the pool (see statusStaleness). */
export interface Staleness {
  /** When the controller last looked at the pool (null: not since it started). */
  readonly observedAt: string | null;
  /** Seconds since then (null: never). */
  readonly ageSeconds: number | null;
  readonly reason: string;
}

/** Slack on top of two reconcile periods before a status counts as stale (ms). */
const STALE_SLACK_MS = 60_000;

/**
 * Whether a published status is stale at `now`: nothing observed since the controller started (a
 * status restored from history before its first look, or after a restart), or no look for longer
 * than two reconcile periods and a minute — the controller looks at least once a period, unless it
 * waits for a read turn, which moves the bound to the turn. Null when the status is current.
 * Worked example: reconcile 60 s, last look 200 s ago → stale (bound 180 s).
 */
export function statusStaleness(
  status: Pick<PoolStatus, 'observedAt' | 'readTurnAt'>,
  reconcileSeconds: number,
  now: number,
): Staleness | null {
  if (status.observedAt === null) {
    return {
      observedAt: null,
      ageSeconds: null,
      reason: 'not observed since the controller started',
    };
  }
  const at = Date.parse(status.observedAt);
  const turn = status.readTurnAt === null ? 0 : Date.parse(status.readTurnAt) - at;
  const bound = Math.max(2 * reconcileSeconds * 1000, turn) + STALE_SLACK_MS;
  if (now - at <= bound) return null;
  const ageSeconds = Math.round((now - at) / 1000);
  return {
    observedAt: status.observedAt,
    ageSeconds,
    reason: `last observed ${ageSeconds} s ago; the controller looks at least every ${reconcileSeconds} s`,
  };
}

import { startupOf, throughputOf } from '../policy/drain';
import type { ControllerState, Decision, GroupCounts, StatusError } from './state';

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
  } | null;
  readonly backoffUntil: string | null;
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
  readonly observedAt: string | null;
}

/** A decision with its time as an ISO string. */
export type StatusDecision = Omit<Decision, 'at'> & { readonly at: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** The status to publish for a controller state. */
export function statusOf(state: ControllerState, now: number): PoolStatus {
  const d = state.drain;
  const drainSpec = state.spec?.scaling.mode === 'drain' ? state.spec.scaling : undefined;
  return {
    pool: state.pool,
    paused: state.paused
      ? {
          since: iso(state.paused.since),
          ...(state.paused.reason ? { reason: state.paused.reason } : {}),
        }
      : null,
    override:
      state.override && state.override.until > now
        ? {
            count: state.override.count,
            until: iso(state.override.until),
            ...(state.override.reason ? { reason: state.override.reason } : {}),
          }
        : null,
    desired: state.desired ?? null,
    version: state.version?.id ?? null,
    groups: state.counts ?? null,
    depth: state.depth
      ? {
          active: state.depth.active,
          deadLetter: state.depth.deadLetter,
          scheduled: state.depth.scheduled,
          at: iso(state.depth.at),
        }
      : null,
    depthFailures: state.depthFailures,
    depthError: state.depthError ?? null,
    estimates: drainSpec
      ? {
          arrivalPerSecond: d.arrivalRate ?? null,
          throughputPerGroup: throughputOf(d, drainSpec),
          startupSeconds: startupOf(d, drainSpec),
          learned: {
            throughput: d.throughput !== undefined,
            startup: d.startupSeconds !== undefined,
          },
        }
      : null,
    backoffUntil: state.backoff.until > now ? iso(state.backoff.until) : null,
    rollout: state.rollout
      ? {
          target: state.rollout.target.id,
          from: state.rollout.from.id,
          images: state.rollout.target.images,
          phase: state.rollout.phase,
          step: state.rollout.phase === 'canary' ? state.rollout.step + 1 : null,
          startedAt: iso(state.rollout.startedAt),
          deadline: iso(state.rollout.deadline),
        }
      : null,
    lastRollout: state.lastRollout ? { ...state.lastRollout, at: iso(state.lastRollout.at) } : null,
    badVersions: state.badVersions.map((b) => ({ ...b, at: iso(b.at) })),
    retiring: state.retiring.map((r) => ({ name: r.name, until: iso(r.until) })),
    lastDecision: state.lastDecision
      ? { ...state.lastDecision, at: iso(state.lastDecision.at) }
      : null,
    recentDecisions: state.decisions.map((x) => ({ ...x, at: iso(x.at) })),
    errors: state.errors.map((e) => ({ ...e, at: iso(e.at) })),
    observedAt: state.observedAt !== undefined ? iso(state.observedAt) : null,
  };
}

/**
 * When the controller should next look at the pool on its own, if no signal comes first:
 * at once when it has never looked; soon while groups are being created or a rollout runs
 * (durable-timer polling instead of awaiting ARM's long-running operations); when a manual
 * override, a create backoff or a retiring group's drain ends; otherwise after reconcileSeconds.
 */
export function nextWakeAt(state: ControllerState, now: number): number {
  const pacing = state.spec?.controller;
  if (pacing === undefined) return now;
  const pending = (state.counts?.pending ?? 0) + (state.counts?.deleting ?? 0);
  // While a rollout runs it is polled like groups being created: health and bake times move on.
  const busy = pending > 0 || state.rollout !== undefined;
  let at = now + (busy ? pacing.provisioningPollSeconds : pacing.reconcileSeconds) * 1000;
  for (const r of state.retiring) at = Math.min(at, Math.max(now, r.until));
  if (state.override && state.override.until > now) at = Math.min(at, state.override.until);
  if (state.backoff.until > now) at = Math.min(at, state.backoff.until);
  return at;
}

/**
 * Running groups whose health was read recently enough that observePool may skip their
 * instance view (one ARM read each). Example: refresh 60 s, a group checked 20 s ago is skipped.
 */
export function freshRunningGroups(state: ControllerState, now: number): string[] {
  const refreshMs = (state.spec?.controller.instanceViewRefreshSeconds ?? 0) * 1000;
  return Object.entries(state.health)
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

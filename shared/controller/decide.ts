import type { AzureFailure } from '../azure/errors';
import type { PoolSpec } from '../config/poolSpec';
import type { DrainMemory } from '../policy/drain';
import type { KedaMemory } from '../policy/keda';
import { drainDecide, observeDepth, observeStartup } from '../policy/drain';
import type { HealthRecord, PoolGroup } from '../policy/groups';
import { classifyGroups, healthRecord } from '../policy/groups';
import { kedaDecide, recordKedaScale } from '../policy/keda';
import type { PoolVersion } from '../policy/version';
import { groupName, specVersion } from '../policy/version';
import { pickVictims } from '../policy/victims';
import type {
  CreateGroupInput,
  DeleteGroupInput,
  ObservePoolResult,
  WriteResult,
} from './activities';
import type {
  ControllerSignal,
  ControllerState,
  DepthSample,
  Decision,
  StatusError,
  Trigger,
} from './state';
import { MAX_DECISIONS, MAX_ERRORS, appendBounded } from './state';

/** A write the controller asks an activity to make. */
export type ControllerAction =
  | { readonly kind: 'create'; readonly input: CreateGroupInput }
  | { readonly kind: 'delete'; readonly input: DeleteGroupInput };

/** What receiving a signal leads to. */
export interface Received {
  readonly state: ControllerState;
  /** Look at the pool (list its groups) in this iteration. */
  readonly observe: boolean;
  /** Read the queue depth directly before deciding (push signals carry no depth). */
  readonly readDepth: boolean;
}

/** Folds a signal (or the controller's own timer, when `signal` is undefined) into the state. */
export function receive(
  state: ControllerState,
  signal: ControllerSignal | undefined,
  now: number,
): Received {
  if (signal === undefined) return { state, observe: true, readDepth: false };
  switch (signal.kind) {
    case 'depth':
      return { state: withDepth(state, signal), observe: true, readDepth: false };
    case 'depthFailed':
      // No look at the pool: nothing to decide from, and the reconcile timer still runs.
      return {
        state: { ...state, depthFailures: state.depthFailures + 1, depthError: signal.error },
        observe: false,
        readDepth: false,
      };
    case 'wake':
      return { state, observe: true, readDepth: true };
    case 'scaleIn':
      return { state, observe: true, readDepth: false };
    case 'pause':
      return {
        state: {
          ...state,
          paused: { since: now, ...(signal.reason ? { reason: signal.reason } : {}) },
        },
        observe: false,
        readDepth: false,
      };
    case 'resume':
      return { state: without(state, 'paused'), observe: true, readDepth: false };
    case 'override':
      return {
        state: {
          ...state,
          override: {
            count: Math.max(0, Math.floor(signal.count)),
            until: now + signal.seconds * 1000,
            ...(signal.reason ? { reason: signal.reason } : {}),
          },
        },
        observe: true,
        readDepth: false,
      };
    case 'clearOverride':
      return { state: without(state, 'override'), observe: true, readDepth: false };
  }
}

/** Records a depth reading (from the watch, or read directly on a push signal). */
export function withDepth(state: ControllerState, sample: DepthSample): ControllerState {
  const depth: DepthSample = {
    at: sample.at,
    active: sample.active,
    deadLetter: sample.deadLetter,
    scheduled: sample.scheduled,
  };
  // Bounded: between two decisions there are normally one or two samples.
  const unlearned = appendBounded(state.unlearned, depth, 20);
  return { ...without(state, 'depthError'), depth, unlearned, depthFailures: 0 };
}

/** Records that a direct depth read failed. */
export function withDepthFailure(
  state: ControllerState,
  failure: AzureFailure,
  now: number,
): ControllerState {
  return withError(
    { ...state, depthFailures: state.depthFailures + 1, depthError: failure.message },
    { at: now, during: 'read depth', ...failure },
  );
}

/** The controller's decision for one observation. */
export interface Decided {
  readonly state: ControllerState;
  /** Deletes first (they free quota for the creates), then creates. */
  readonly actions: readonly ControllerAction[];
  readonly decision?: Decision;
}

/**
 * Observes, plans and records, purely: from the state, what observePool saw and what woke the
 * controller, decides the group count and the creates and deletes that get there.
 *
 * Rules: scale-out is immediate on any trigger; scale-in happens only on the scale-in tick
 * (or at once under a manual override, or when the pool is over maxGroups); failed groups are
 * replaced and foreign ones deleted on every look; a paused pool changes nothing; repeated
 * failures back creates off exponentially.
 */
export function decide(
  state: ControllerState,
  observation: Extract<ObservePoolResult, { found: true }>,
  trigger: Trigger,
  now: number,
): Decided {
  const spec = observation.spec;
  const version = currentVersion(state.version, spec);
  let next: ControllerState = {
    ...state,
    version,
    scaling: spec.scaling,
    observedAt: now,
    pacing: {
      provisioningPollSeconds: spec.controller.provisioningPollSeconds,
      reconcileSeconds: spec.controller.reconcileSeconds,
      instanceViewRefreshSeconds: spec.controller.instanceViewRefreshSeconds,
    },
  };
  if (next.override && next.override.until <= now) next = without(next, 'override');
  if (observation.groups === undefined) {
    const failure = observation.failure ?? {
      kind: 'transient',
      code: 'Unknown',
      message: 'listing groups failed',
    };
    return { state: withError(next, { at: now, during: 'list groups', ...failure }), actions: [] };
  }

  if (observation.failure) {
    // Listed, but some instance views could not be read: decide on what was seen, and say so.
    next = withError(next, { at: now, during: 'read instance views', ...observation.failure });
  }
  let drain = state.drain;
  if (spec.scaling.mode === 'drain') {
    const ready = state.counts?.running ?? 0;
    for (const sample of state.unlearned) drain = observeDepth(drain, spec.scaling, sample, ready);
  }
  next = { ...next, unlearned: [] };

  const { groups, foreign } = classifyGroups(
    spec.name,
    observation.groups,
    state.health,
    spec.controller,
    now,
  );
  const learned = learnFromGroups(
    next,
    groups,
    new Set(observation.instanceViewsRead),
    spec,
    drain,
    now,
  );
  next = learned.state;
  drain = learned.drain;

  const live = groups.filter((g) => g.phase === 'pending' || g.phase === 'running');
  const running = groups.filter((g) => g.phase === 'running').length;
  const failed = groups.filter((g) => g.phase === 'failed');
  const deleting = groups.filter((g) => g.phase === 'deleting').length;
  next = {
    ...next,
    counts: {
      running,
      pending: live.length - running,
      failed: failed.length,
      deleting,
      foreign: foreign.length,
      byVersion: versionsOf(live, version.id, 0),
    },
  };

  if (next.paused) {
    const decision = record(
      trigger,
      now,
      live.length,
      live.length,
      running,
      failed.length,
      0,
      0,
      'paused: no changes until resumed',
    );
    return { state: { ...next, drain, desired: live.length, lastDecision: decision }, actions: [] };
  }

  const target = desiredCount(next, spec, drain, live.length, running, now);
  drain = target.drain;
  let desired = target.desired;
  let reason = target.reason;
  const immediateScaleIn = next.override !== undefined || live.length > spec.maxGroups;
  if (desired < live.length && !immediateScaleIn && trigger !== 'scaleIn') {
    reason += `; scale-in to ${desired} waits for the scale-in tick`;
    desired = live.length;
  }
  const backedOff = desired > live.length && next.backoff.until > now;
  if (backedOff) {
    reason += `; creates held until ${new Date(next.backoff.until).toISOString()} after ${next.backoff.failures} failure(s)`;
  }

  const actions: ControllerAction[] = [];
  for (const f of foreign) actions.push(del(spec.name, f.name, `foreign: ${f.reason}`));
  for (const g of failed) actions.push(del(spec.name, g.name, `failed: ${g.reason ?? 'unknown'}`));
  const victims = desired < live.length ? pickVictims(live, version.id, live.length - desired) : [];
  for (const v of victims) actions.push(del(spec.name, v.name, 'scale-in'));
  const creates = backedOff || desired <= live.length ? 0 : desired - live.length;
  for (const name of freeNames(
    spec.name,
    version,
    observation.groups.map((g) => g.name),
    creates,
  )) {
    actions.push({
      kind: 'create',
      input: { pool: spec.name, name, version, createdAt: new Date(now).toISOString() },
    });
  }

  let keda = target.keda ?? next.keda;
  if (spec.scaling.mode === 'keda' && (creates > 0 || victims.length > 0)) {
    keda = recordKedaScale(
      keda,
      spec.scaling,
      now,
      live.length,
      live.length + creates - victims.length,
    );
  }
  const decision = record(
    trigger,
    now,
    desired,
    live.length,
    running,
    failed.length,
    creates,
    actions.length - creates,
    reason,
  );
  const changed =
    actions.length > 0 ||
    decision.desired !== next.lastDecision?.desired ||
    decision.reason !== next.lastDecision?.reason;
  const survivors = live.filter((g) => !victims.includes(g));
  const survivorsRunning = survivors.filter((g) => g.phase === 'running').length;
  return {
    state: {
      ...next,
      drain,
      keda,
      desired,
      // As planned: the writes are sent next, and the status (and the next wake-up, which polls
      // sooner while groups are pending) should reflect them; a refused create is taken back.
      counts: {
        running: survivorsRunning,
        pending: survivors.length - survivorsRunning + creates,
        failed: 0,
        deleting: deleting + failed.length + foreign.length + victims.length,
        foreign: 0,
        byVersion: versionsOf(survivors, version.id, creates),
      },
      lastDecision: decision,
      decisions: changed ? appendBounded(next.decisions, decision, MAX_DECISIONS) : next.decisions,
    },
    actions,
    decision,
  };
}

/** Live groups per version, plus `added` new ones of the current version. */
function versionsOf(
  live: readonly PoolGroup[],
  current: string,
  added: number,
): Record<string, number> {
  const byVersion: Record<string, number> = {};
  for (const g of live) byVersion[g.versionId] = (byVersion[g.versionId] ?? 0) + 1;
  if (added > 0) byVersion[current] = (byVersion[current] ?? 0) + added;
  return byVersion;
}

/** The version new groups get: the controller's, unless the spec's images changed under it. */
function currentVersion(known: PoolVersion | undefined, spec: PoolSpec): PoolVersion {
  const fromSpec = specVersion(spec);
  if (known === undefined) return fromSpec;
  const same =
    Object.keys(fromSpec.images).length === Object.keys(known.images).length &&
    Object.entries(fromSpec.images).every(([name, image]) => known.images[name] === image);
  return same ? known : fromSpec;
}

/** Health bookkeeping: learn start-up latency, reset or raise the failure backoff. */
function learnFromGroups(
  state: ControllerState,
  groups: readonly PoolGroup[],
  viewsRead: ReadonlySet<string>,
  spec: PoolSpec,
  drainIn: DrainMemory,
  now: number,
): { state: ControllerState; drain: DrainMemory } {
  let drain = drainIn;
  let backoff = state.backoff;
  let next = state;
  const health: Record<string, HealthRecord> = {};
  for (const g of groups) {
    const previous = state.health[g.name];
    health[g.name] = healthRecord(g, viewsRead.has(g.name), previous, now);
    if (g.phase === 'running' && previous?.phase === 'pending') {
      // Seen pending, now running: a clean create→running measurement (one that was already
      // running when first seen may have restarted since, which would overstate start-up).
      if (spec.scaling.mode === 'drain' && g.runningSince !== undefined) {
        drain = observeStartup(drain, spec.scaling, (g.runningSince - g.createdAt) / 1000);
      }
      backoff = { failures: 0, until: 0 };
    }
    if (g.phase === 'failed' && previous?.phase !== 'failed') {
      backoff = bumpBackoff(backoff, spec, now);
      next = withError(next, {
        at: now,
        during: `group ${g.name}`,
        kind: g.capacityFailure ? 'capacity' : 'groupFailed',
        message: g.reason ?? 'failed',
      });
    }
  }
  return { state: { ...next, health, backoff }, drain };
}

/**
 * Counts a failure and sets when creates may resume. The first failure is retried at once (one
 * failed group is often bad luck); from the second in a row the wait starts at
 * failureBackoffSeconds and doubles: 30 s, 60 s, 120 s … capped at maxFailureBackoffSeconds.
 */
function bumpBackoff(
  backoff: ControllerState['backoff'],
  spec: Pick<PoolSpec, 'controller'>,
  now: number,
): ControllerState['backoff'] {
  const failures = backoff.failures + 1;
  if (failures < 2) return { failures, until: now };
  const wait = Math.min(
    spec.controller.maxFailureBackoffSeconds,
    spec.controller.failureBackoffSeconds * 2 ** (failures - 2),
  );
  return { failures, until: now + wait * 1000 };
}

interface Target {
  readonly desired: number;
  readonly reason: string;
  readonly drain: DrainMemory;
  /** The KEDA policy's memory after deciding, when that policy decided. */
  readonly keda?: KedaMemory;
}

function desiredCount(
  state: ControllerState,
  spec: PoolSpec,
  drain: DrainMemory,
  live: number,
  running: number,
  now: number,
): Target {
  const { minGroups: min, maxGroups: max } = spec;
  const hold = Math.min(max, Math.max(min, live));
  if (state.override) {
    const count = Math.min(state.override.count, max);
    const until = new Date(state.override.until).toISOString();
    return {
      desired: count,
      reason: `manual override: ${count} group(s) until ${until}${count < state.override.count ? ` (capped at maxGroups ${max})` : ''}`,
      drain,
    };
  }
  if (state.depthFailures >= spec.controller.depthFailureThreshold) {
    return {
      desired: hold,
      reason: `holding at ${hold}: queue depth unreadable ${state.depthFailures} times in a row (${state.depthError ?? 'unknown error'})`,
      drain,
    };
  }
  if (state.depth === undefined) {
    return { desired: hold, reason: `holding at ${hold}: no queue depth read yet`, drain };
  }
  const active = state.depth.active;
  if (spec.scaling.mode === 'drain') {
    const d = drainDecide({
      spec: spec.scaling,
      now,
      live,
      ready: running,
      active,
      minGroups: min,
      maxGroups: max,
      memory: drain,
    });
    return { desired: d.desired, reason: d.reason, drain: d.memory };
  }
  const k = kedaDecide({
    spec: spec.scaling,
    now,
    current: live,
    active,
    minGroups: min,
    maxGroups: max,
    memory: state.keda,
  });
  return { desired: k.desired, reason: `keda: ${k.reason}`, drain, keda: k.memory };
}

/** The lowest ordinals of the version that no existing group (of any state) uses. */
function freeNames(
  pool: string,
  version: PoolVersion,
  taken: readonly string[],
  count: number,
): string[] {
  const used = new Set(taken);
  const names: string[] = [];
  for (let ordinal = 0; names.length < count; ordinal++) {
    const name = groupName(pool, version.id, ordinal);
    if (!used.has(name)) names.push(name);
  }
  return names;
}

function del(pool: string, name: string, reason: string): ControllerAction {
  return { kind: 'delete', input: { pool, name, reason } };
}

function record(
  trigger: Trigger,
  at: number,
  desired: number,
  live: number,
  running: number,
  failed: number,
  creates: number,
  deletes: number,
  reason: string,
): Decision {
  return {
    at,
    trigger,
    desired,
    live,
    running,
    pending: live - running,
    failed,
    creates,
    deletes,
    reason,
  };
}

/** Folds the results of a wave of writes into the state: failures are shown and back creates off. */
export function recordResults(
  state: ControllerState,
  actions: readonly ControllerAction[],
  results: readonly WriteResult[],
  spec: Pick<PoolSpec, 'controller'>,
  now: number,
): ControllerState {
  let next = state;
  actions.forEach((action, i) => {
    const result = results[i];
    if (result === undefined || result.ok) return;
    next = withError(next, {
      at: now,
      during: `${action.kind} ${action.input.name}`,
      ...result.failure,
    });
    if (action.kind === 'create') {
      next = {
        ...next,
        backoff: bumpBackoff(next.backoff, spec, now),
        counts: withoutCreate(next.counts, action.input.version.id),
      };
    }
  });
  return next;
}

/** Takes a create that ARM refused back out of the planned counts. */
function withoutCreate(
  counts: ControllerState['counts'],
  version: string,
): ControllerState['counts'] {
  if (!counts) return counts;
  const left = (counts.byVersion[version] ?? 1) - 1;
  const { [version]: _refused, ...others } = counts.byVersion;
  return {
    ...counts,
    pending: Math.max(0, counts.pending - 1),
    byVersion: left > 0 ? { ...others, [version]: left } : others,
  };
}

function withError(state: ControllerState, error: StatusError): ControllerState {
  return { ...state, errors: appendBounded(state.errors, error, MAX_ERRORS) };
}

/** The state without one of its optional parts. */
function without(
  state: ControllerState,
  key: 'paused' | 'override' | 'depthError',
): ControllerState {
  const { [key]: _dropped, ...rest } = state;
  return rest;
}

/** Splits writes into waves of at most `size`, sent in parallel within a wave. */
export function waves<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

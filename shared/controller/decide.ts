import type { AzureFailure } from '../azure/errors';
import type { DrainScaling, PoolSpec } from '../config/poolSpec';
import type { DrainMemory } from '../policy/drain';
import type { KedaMemory } from '../policy/keda';
import { drainDecide, observeDepth, observeStartup } from '../policy/drain';
import type { HealthRecord, PoolGroup } from '../policy/groups';
import { classifyGroups, healthRecord } from '../policy/groups';
import { kedaDecide, recordKedaScale } from '../policy/keda';
import type { PoolVersion } from '../policy/version';
import { groupName, specVersion, versionHash } from '../policy/version';
import { planEndpoints } from './endpoints';
import { stepRollout, takePush, targetShare } from './rollout';
import { pickVictims } from '../policy/victims';
import type {
  CreateGroupInput,
  DeleteGroupInput,
  Observation,
  ProbeGroupInput,
  ProbeResult,
  RemoveEndpointInput,
  SetEndpointInput,
  WriteResult,
} from './activities';
import type {
  ControllerSignal,
  ControllerState,
  DepthSample,
  Decision,
  Rollout,
  StatusError,
  Trigger,
} from './state';
import { MAX_DECISIONS, MAX_ERRORS, appendBounded } from './state';
import { ACTIVITY } from './activities';

/** The activity that carries out each kind of action. */
export const ACTIVITY_FOR: Readonly<Record<ControllerAction['kind'], string>> = {
  create: ACTIVITY.createGroup,
  delete: ACTIVITY.deleteGroup,
  setEndpoint: ACTIVITY.setEndpoint,
  removeEndpoint: ACTIVITY.removeEndpoint,
  probe: ACTIVITY.probeGroup,
};

/** A write the controller asks an activity to make. */
export type ControllerAction =
  | { readonly kind: 'create'; readonly input: CreateGroupInput }
  | { readonly kind: 'delete'; readonly input: DeleteGroupInput }
  | { readonly kind: 'setEndpoint'; readonly input: SetEndpointInput }
  | { readonly kind: 'removeEndpoint'; readonly input: RemoveEndpointInput }
  | { readonly kind: 'probe'; readonly input: ProbeGroupInput };

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
    case 'depth': {
      const withSample = withDepth(state, signal);
      const judged = judgeLook(withSample, now, 'depth');
      return { state: judged.state, observe: judged.look, readDepth: false };
    }
    case 'depthFailed':
      // No look at the pool: nothing to decide from, and the reconcile timer still runs.
      return {
        state: { ...state, depthFailures: state.depthFailures + 1, depthError: signal.error },
        observe: false,
        readDepth: false,
      };
    case 'wake':
      return { state, observe: true, readDepth: true };
    case 'push':
      // Acted on in decide, which has the pool spec; bounded in case the pool stays paused.
      return {
        state: { ...state, pendingPushes: appendBounded(state.pendingPushes, signal.push, 20) },
        observe: true,
        readDepth: false,
      };
    case 'scaleIn': {
      const judged = judgeLook(state, now, 'scaleIn');
      return { state: judged.state, observe: judged.look, readDepth: false };
    }
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

/**
 * Whether a depth reading or a scale-in tick calls for a look at the pool (observePool: an ARM
 * list and the instance views that are due, plus an episode on each side). The depth watch reads
 * every 15 s and the tick comes every minute; a steady pool needs a look only when the policy
 * would change its size — out on a reading, in on the tick — when something is in flight (groups
 * being created or deleted, a rollout, retiring groups, an override), or when its health is due
 * for a refresh (instanceViewRefreshSeconds). A skipped signal still records the policy's
 * recommendation, so scale-in stabilization sees every reading; estimates are learned at the
 * next look, from the samples kept in `unlearned`. For a steady pool this is one look a minute
 * instead of five, and one ARM list instead of five.
 */
export function judgeLook(
  state: ControllerState,
  now: number,
  signal: 'depth' | 'scaleIn',
): { state: ControllerState; look: boolean } {
  const { counts, spec, depth } = state;
  if (!counts || !spec || !depth || state.observedAt === undefined) return { state, look: true };
  const { scaling, minGroups, maxGroups } = spec;
  const busy =
    counts.pending > 0 ||
    counts.deleting > 0 ||
    counts.failed > 0 ||
    counts.foreign > 0 ||
    state.rollout !== undefined ||
    state.retiring.length > 0 ||
    state.override !== undefined ||
    state.paused !== undefined ||
    state.pendingPushes.length > 0 ||
    state.backoff.until > now ||
    now - state.observedAt >= spec.controller.instanceViewRefreshSeconds * 1000;
  const live = counts.running + counts.pending;
  if (busy || live < minGroups || live > maxGroups) return { state, look: true };
  if (scaling.mode === 'drain') {
    const memory = learnDepths(state, scaling, counts.running);
    const d = drainDecide({
      spec: scaling,
      now,
      live,
      ready: counts.running,
      active: depth.active,
      minGroups,
      maxGroups,
      memory,
    });
    // Keep only the recommendation: the estimators learn from `unlearned` at the next look.
    return {
      state: { ...state, drain: { ...state.drain, recommendations: d.memory.recommendations } },
      look: changes(d.desired, live, signal),
    };
  }
  const k = kedaDecide({
    spec: scaling,
    now,
    current: live,
    active: depth.active,
    minGroups,
    maxGroups,
    memory: state.keda,
  });
  return { state: { ...state, keda: k.memory }, look: changes(k.desired, live, signal) };
}

/** A reading looks when the pool would grow; the tick looks when it would shrink (or grow). */
function changes(desired: number, live: number, signal: 'depth' | 'scaleIn'): boolean {
  return desired > live || (signal === 'scaleIn' && desired < live);
}

/** The drain memory after learning from the depth samples not yet learned, with `ready` running. */
function learnDepths(state: ControllerState, scaling: DrainScaling, ready: number): DrainMemory {
  return state.unlearned.reduce(
    (memory, sample) => observeDepth(memory, scaling, sample, ready),
    state.drain,
  );
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
 * controller, decides the group count, the rollout's next step and the writes that get there.
 *
 * Rules: scale-out is immediate on any trigger; scale-in happens only on the scale-in tick
 * (or at once under a manual override, or when the pool is over maxGroups) and waits while a
 * rollout is in progress; failed groups are replaced and foreign ones deleted on every look; a
 * paused pool changes nothing; repeated failures back creates off exponentially. In a Traffic
 * Manager pool a group leaving the pool first has its endpoint disabled and is deleted once the
 * DNS TTL plus drainSeconds have passed.
 */
export function decide(
  state: ControllerState,
  observation: Observation,
  trigger: Trigger,
  now: number,
): Decided {
  const spec = observation.spec;
  let next: ControllerState = {
    ...state,
    spec,
    specHash: observation.specHash,
    observedAt: now,
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
    // Listed, but some reads failed (instance views, the profile): decide on what was seen, say so.
    next = withError(next, { at: now, during: 'read groups and profile', ...observation.failure });
  }
  const profile = spec.trafficManager ? observation.profile : undefined;
  if (profile) next = { ...next, dnsTtlSeconds: profile.ttlSeconds };

  const { groups, foreign } = classifyGroups(
    spec.name,
    observation.groups,
    state.health,
    spec.controller,
    now,
  );
  // Depth samples learn with the groups running as seen now, the same instant as the newest
  // sample: the count of the previous look can lag a scale-out by a whole interval.
  let drain =
    spec.scaling.mode === 'drain'
      ? learnDepths(state, spec.scaling, groups.filter((g) => g.phase === 'running').length)
      : state.drain;
  next = { ...next, unlearned: [] };
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
  const isLive = (g: PoolGroup) => g.phase === 'pending' || g.phase === 'running';
  const observedLive = groups.filter(isLive);
  const observedRunning = groups.filter((g) => g.phase === 'running').length;
  const failed = groups.filter((g) => g.phase === 'failed');
  next = {
    ...next,
    counts: {
      running: observedRunning,
      pending: observedLive.length - observedRunning,
      failed: failed.length,
      deleting: groups.filter((g) => g.phase === 'deleting').length,
      foreign: foreign.length,
      byVersion: versionsOf(observedLive),
    },
  };

  if (next.paused) {
    const decision = record(
      trigger,
      now,
      observedLive.length,
      observedLive.length,
      observedRunning,
      failed.length,
      0,
      0,
      'paused: no changes until resumed',
    );
    return {
      state: { ...next, drain, desired: observedLive.length, lastDecision: decision },
      actions: [],
    };
  }

  // Versions: first sight of the pool, an edited spec, registry pushes.
  const notes: string[] = [];
  const abandoned = new Set<string>();
  const adopted = adoptSpecVersion(next, spec, now);
  next = adopted.state;
  if (adopted.note) notes.push(adopted.note);
  if (adopted.abandoned) abandoned.add(adopted.abandoned);
  for (const push of next.pendingPushes) {
    const taken = takePush(next, spec, push, now);
    next = taken.state;
    notes.push(taken.note);
    if (taken.abandoned) abandoned.add(taken.abandoned);
  }
  next = { ...next, pendingPushes: [] };

  // The rollout's step, over the groups it concerns.
  const retiring = new Set(next.retiring.map((r) => r.name));
  const bad = new Set(next.badVersions.map((b) => b.id));
  const stableId = (next.version as PoolVersion).id;
  const doomedVersion = (id: string) => id !== stableId && (abandoned.has(id) || bad.has(id));
  const rolloutId = next.rollout?.target.id;
  const step = stepRollout(
    next,
    spec,
    groups.filter(
      (g) =>
        isLive(g) &&
        g.versionId !== rolloutId &&
        !retiring.has(g.name) &&
        !doomedVersion(g.versionId),
    ),
    groups.filter((g) => g.phase !== 'deleting' && g.versionId === rolloutId),
    profile,
    now,
  );
  next = step.state;
  if (step.note) notes.push(step.note);
  if (step.rollback) abandoned.add(step.rollback.version);
  const drainMs =
    ((spec.trafficManager ? (next.dnsTtlSeconds ?? 0) : 0) + spec.rollout.drainSeconds) * 1000;
  if (step.retire.length > 0) {
    next = {
      ...next,
      retiring: [
        ...next.retiring,
        ...step.retire.map((g) => ({ name: g.name, until: now + drainMs })),
      ],
    };
    for (const g of step.retire) retiring.add(g.name);
  }

  // Scaling, on the stable version's groups (a rollout's targets are not capacity until it commits).
  const version = next.version as PoolVersion;
  const activeTarget = next.rollout?.target.id;
  const live = groups.filter(
    (g) =>
      isLive(g) &&
      g.versionId !== activeTarget &&
      !retiring.has(g.name) &&
      !doomedVersion(g.versionId),
  );
  const running = live.filter((g) => g.phase === 'running').length;
  const target = desiredCount(next, spec, drain, live.length, running, now);
  drain = target.drain;
  let desired = target.desired;
  let reason = [target.reason, ...notes].join('; ');
  const immediateScaleIn = next.override !== undefined || live.length > spec.maxGroups;
  if (desired < live.length && !immediateScaleIn && trigger !== 'scaleIn') {
    reason += `; scale-in to ${desired} waits for the scale-in tick`;
    desired = live.length;
  } else if (desired < live.length && next.rollout && !immediateScaleIn) {
    reason += `; scale-in to ${desired} waits for the rollout`;
    desired = live.length;
  }
  const backedOff = desired > live.length && next.backoff.until > now;
  if (backedOff) {
    reason += `; creates held until ${new Date(next.backoff.until).toISOString()} after ${next.backoff.failures} failure(s)`;
  }

  // The writes: deletes first (they free quota for the creates), then creates.
  const actions: ControllerAction[] = [];
  const deleted = new Set<string>();
  const remove = (name: string, why: string) => {
    if (deleted.has(name)) return;
    deleted.add(name);
    actions.push(del(spec.name, name, why));
  };
  for (const f of foreign) remove(f.name, `foreign: ${f.reason}`);
  for (const g of failed) remove(g.name, `failed: ${g.reason ?? 'unknown'}`);
  for (const g of groups) {
    if (g.phase !== 'deleting' && doomedVersion(g.versionId)) {
      remove(
        g.name,
        step.rollback?.version === g.versionId
          ? `rollback: ${step.rollback.reason}`
          : `abandoned version ${g.versionId}`,
      );
    }
  }
  const present = new Set(groups.map((g) => g.name));
  const stillRetiring = next.retiring.filter((r) => present.has(r.name) && !deleted.has(r.name));
  for (const r of stillRetiring) if (r.until <= now) remove(r.name, 'retired: traffic drained');
  next = {
    ...next,
    retiring: stillRetiring.filter((r) => !deleted.has(r.name)),
    probes: Object.fromEntries(
      Object.entries(next.probes).filter(([name]) => present.has(name) && !deleted.has(name)),
    ),
  };

  const victims = desired < live.length ? pickVictims(live, version.id, live.length - desired) : [];
  if (spec.trafficManager) {
    // Turn their traffic off first; they are deleted once DNS has moved on.
    next = {
      ...next,
      retiring: [...next.retiring, ...victims.map((v) => ({ name: v.name, until: now + drainMs }))],
    };
    for (const v of victims) retiring.add(v.name);
  } else {
    for (const v of victims) remove(v.name, 'scale-in');
  }
  const creates = backedOff || desired <= live.length ? 0 : desired - live.length;
  const taken = observation.groups.map((g) => g.name);
  const createdAt = new Date(now).toISOString();
  for (const name of freeNames(spec.name, version, taken, creates)) {
    actions.push({ kind: 'create', input: { pool: spec.name, name, version, createdAt } });
  }
  const rollout = next.rollout;
  if (rollout && step.creates > 0 && !backedOff) {
    for (const name of freeNames(spec.name, rollout.target, taken, step.creates)) {
      actions.push({
        kind: 'create',
        input: { pool: spec.name, name, version: rollout.target, createdAt },
      });
    }
  }
  for (const g of step.probe) {
    if (g.fqdn)
      actions.push({ kind: 'probe', input: { pool: spec.name, name: g.name, fqdn: g.fqdn } });
  }
  if (profile) {
    const plan = planEndpoints({
      pool: spec.name,
      profile,
      groups,
      deleting: deleted,
      retiring,
      ...(rollout ? { target: { id: rollout.target.id, percent: targetShare(next, spec) } } : {}),
    });
    for (const input of plan.set) actions.push({ kind: 'setEndpoint', input });
    for (const input of plan.remove) actions.push({ kind: 'removeEndpoint', input });
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
  const writes = actions.filter((a) => a.kind === 'create' || a.kind === 'delete');
  const createCount = writes.filter((a) => a.kind === 'create').length;
  const decision = record(
    trigger,
    now,
    desired,
    live.length,
    running,
    failed.length,
    createCount,
    writes.length - createCount,
    reason,
  );
  const changed =
    actions.length > 0 ||
    decision.desired !== next.lastDecision?.desired ||
    decision.reason !== next.lastDecision?.reason;
  const survivors = groups.filter((g) => isLive(g) && !deleted.has(g.name));
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
        pending: survivors.length - survivorsRunning + createCount,
        failed: 0,
        deleting: (next.counts?.deleting ?? 0) + deleted.size,
        foreign: 0,
        byVersion: versionsOf(survivors, writes),
      },
      lastDecision: decision,
      decisions: changed ? appendBounded(next.decisions, decision, MAX_DECISIONS) : next.decisions,
    },
    actions,
    decision,
  };
}

/**
 * The stable version on first sight of the pool is the spec's. After that the controller's own
 * version wins (a rollout pins a digest the spec never names), but an edit of the spec's images
 * rolls out like a push.
 */
function adoptSpecVersion(
  state: ControllerState,
  spec: PoolSpec,
  now: number,
): { state: ControllerState; note?: string; abandoned?: string } {
  const fromSpec = specVersion(spec);
  if (state.version === undefined)
    return { state: { ...state, version: fromSpec, specVersion: fromSpec } };
  if (state.specVersion === undefined) return { state: { ...state, specVersion: fromSpec } };
  if (sameImages(state.specVersion, fromSpec)) return { state };
  const stable = state.version;
  // Only a sidecar changed: the primary's digest/tag is the same, so tell the versions apart.
  const id =
    fromSpec.id === stable.id && !sameImages(fromSpec, stable)
      ? `${fromSpec.id}~${versionHash(JSON.stringify(fromSpec.images))}`
      : fromSpec.id;
  const target = { ...fromSpec, id };
  const seen = { ...state, specVersion: fromSpec };
  if (sameImages(target, stable)) return { state: seen };
  const rollout: Rollout = {
    target,
    from: stable,
    eventId: `spec:${id}`,
    startedAt: now,
    phase: 'bringUp',
    phaseSince: now,
    step: 0,
    deadline: now + spec.rollout.healthyTimeoutSeconds * 1000,
  };
  const previous = state.rollout;
  return {
    state: { ...seen, rollout },
    note: `the pool spec's images changed: rolling out ${id}`,
    ...(previous ? { abandoned: previous.target.id } : {}),
  };
}

function sameImages(a: PoolVersion, b: PoolVersion): boolean {
  const keys = Object.keys(a.images);
  return (
    keys.length === Object.keys(b.images).length && keys.every((k) => a.images[k] === b.images[k])
  );
}

/** Live groups per version, plus the groups the planned creates add. */
function versionsOf(
  live: readonly PoolGroup[],
  writes: readonly ControllerAction[] = [],
): Record<string, number> {
  const byVersion: Record<string, number> = {};
  for (const g of live) byVersion[g.versionId] = (byVersion[g.versionId] ?? 0) + 1;
  for (const w of writes) {
    if (w.kind === 'create')
      byVersion[w.input.version.id] = (byVersion[w.input.version.id] ?? 0) + 1;
  }
  return byVersion;
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

/**
 * Folds the results of a wave into the state: probe answers are kept for the health check;
 * failed writes are shown in the status, and a refused create backs creates off.
 */
export function recordResults(
  state: ControllerState,
  actions: readonly ControllerAction[],
  results: readonly (WriteResult | ProbeResult)[],
  spec: Pick<PoolSpec, 'controller'>,
  now: number,
): ControllerState {
  let next = state;
  actions.forEach((action, i) => {
    const result = results[i];
    if (result === undefined) return;
    if (action.kind === 'probe') {
      const probe = result as ProbeResult;
      next = {
        ...next,
        probes: {
          ...next.probes,
          [action.input.name]: { ok: probe.ok, at: now, detail: probe.detail },
        },
      };
      return;
    }
    const write = result as WriteResult;
    if (write.ok) return;
    next = withError(next, {
      at: now,
      during: `${action.kind} ${action.input.name}`,
      ...write.failure,
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

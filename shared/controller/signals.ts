import type { AzureFailure } from '../azure/errors';
import { holdsCreates } from '../policy/backoff';
import { MIN_SAMPLE_GAP_MS } from '../policy/drain';
import { withError } from './log';
import { recommendation } from './scale';
import type { ControllerSignal, DepthReading, Push, Trigger } from './signal';
import { readingOf } from './signal';
import type { ControllerState, GroupCounts, ObservedFleet, SignalsSlice } from './state';
import { appendBounded } from './state';

/**
 * Stage 1, signals: folds what woke the controller into the signals slice and chooses whether
 * the iteration looks at the pool (an observePool activity: an ARM list, the instance views that
 * are due, plus an episode on each side) and whether it reads the depth first.
 */

/** What receiving a signal leads to. */
export interface Received {
  readonly state: ControllerState;
  /** Look at the pool (list its groups) in this iteration. */
  readonly observe: boolean;
  /** Read the queue depth directly before deciding (push signals carry no depth). */
  readonly readDepth: boolean;
  /** What the look is for: the signal's kind, the timer's, or a look put off (scale-in wins). */
  readonly trigger: Trigger;
}

/** What receiving a signal leads to, before a look put off for a read turn is taken into account. */
type Folded = Omit<Received, 'trigger'>;

/** How many readings or pushes wait for a look at most (a paused pool keeps receiving them). */
const MAX_WAITING = 20;

/**
 * Folds a signal (or the controller's own timer, when `signal` is undefined) into the state, then
 * holds the look back while the pool waits for its turn at the ARM read budget.
 */
export function receive(
  state: ControllerState,
  signal: ControllerSignal | undefined,
  now: number,
): Received {
  return awaitTurn(fold(state, signal, now), signal?.kind ?? 'timer', now);
}

/**
 * A look put off until the pool's read turn (signals.lookDue): before the turn nothing looks, and
 * what the signal was for is kept for the turn (a scale-in tick's purpose is not lost to a
 * throttled read); from the turn on, the next wake looks, for the purpose kept.
 */
function awaitTurn(folded: Folded, own: Trigger, now: number): Received {
  const due = folded.state.signals.lookDue;
  if (due === undefined) return { ...folded, trigger: own };
  const trigger = strongerTrigger(due.trigger, own);
  if (now >= due.at) return { ...folded, observe: true, trigger };
  if (!folded.observe) return { ...folded, trigger };
  const signals = { ...folded.state.signals, lookDue: { at: due.at, trigger } };
  return { state: { ...folded.state, signals }, observe: false, readDepth: false, trigger };
}

/** The purpose a put-off look keeps: a scale-in tick's (only it may shrink the pool), else the later one. */
export function strongerTrigger(kept: Trigger, later: Trigger): Trigger {
  return kept === 'scaleIn' ? kept : later;
}

/**
 * A look that waits for the pool's turn at the ARM read budget (observePool's turnAt): kept in the
 * signals with what it was for, and the controller wakes at the turn (status.ts nextWakeAt).
 */
export function putOffLook(signals: SignalsSlice, at: number, trigger: Trigger): SignalsSlice {
  const kept = signals.lookDue ? strongerTrigger(signals.lookDue.trigger, trigger) : trigger;
  return { ...signals, lookDue: { at, trigger: kept } };
}

/** The look happened (or failed for another reason): nothing is put off any more. */
export function lookTaken(signals: SignalsSlice): SignalsSlice {
  return without(signals, 'lookDue');
}

/** Folds a signal into the state and chooses whether to look. */
function fold(state: ControllerState, signal: ControllerSignal | undefined, now: number): Folded {
  if (signal === undefined) return { state, observe: true, readDepth: false };
  const look = (signals: SignalsSlice): Folded => ({
    state: { ...state, signals },
    observe: true,
    readDepth: false,
  });
  const signals = state.signals;
  switch (signal.kind) {
    case 'depth':
      return judged(withDepth(state, signal), now, 'depth');
    case 'depthFailed':
      // No look at the pool: nothing to decide from, and the reconcile timer still runs.
      return {
        state: { ...state, signals: failedRead(signals, signal.error) },
        observe: false,
        readDepth: false,
      };
    case 'wake':
      // A storm of wakes (Event Grid delivers its events in many batches) is one look: a reading
      // closer than MIN_SAMPLE_GAP_MS to the last one would teach nothing, and the pool was just
      // seen, so a wake inside that gap has nothing to add to the look that preceded it.
      if (justLooked(state, now)) return { state, observe: false, readDepth: false };
      return { state, observe: true, readDepth: true };
    case 'push':
      // Acted on in the versions stage, which needs the spec that comes with a look.
      return look({
        ...signals,
        pendingPushes: appendBounded(signals.pendingPushes, signal.push, MAX_WAITING),
      });
    case 'scaleIn':
      return judged(state, now, 'scaleIn');
    case 'pause': {
      const paused = { since: now, ...(signal.reason ? { reason: signal.reason } : {}) };
      return {
        state: { ...state, signals: { ...signals, paused } },
        observe: false,
        readDepth: false,
      };
    }
    case 'resume':
      return look(without(signals, 'paused'));
    case 'override':
      return look({ ...signals, override: overrideOf(signal, now) });
    case 'clearOverride':
      return look(without(signals, 'override'));
  }
}

/** The pool was looked at and its depth read within the last MIN_SAMPLE_GAP_MS (5 s). */
function justLooked(state: ControllerState, now: number): boolean {
  const { fleet, signals } = state;
  return (
    fleet.observed &&
    now - fleet.at < MIN_SAMPLE_GAP_MS &&
    signals.depth !== undefined &&
    now - signals.depth.at < MIN_SAMPLE_GAP_MS
  );
}

function judged(state: ControllerState, now: number, signal: 'depth' | 'scaleIn'): Folded {
  const { state: next, look } = judgeLook(state, now, signal);
  return { state: next, observe: look, readDepth: false };
}

function overrideOf(
  signal: Extract<ControllerSignal, { kind: 'override' }>,
  now: number,
): NonNullable<SignalsSlice['override']> {
  return {
    count: Math.max(0, Math.floor(signal.count)),
    until: now + signal.seconds * 1000,
    ...(signal.reason ? { reason: signal.reason } : {}),
  };
}

/**
 * Whether a depth reading or a scale-in tick calls for a look at the pool. The depth watch reads
 * every 15 s and the tick comes every minute; a steady pool needs a look only when the policy
 * would change its size — out on a reading, in on the tick — when something is in flight (groups
 * being created or deleted, a rollout, retiring groups, an override), or when its health is due
 * for a refresh (instanceViewRefreshSeconds). A skipped signal still records the policy's
 * recommendation, so scale-in stabilization sees every reading; estimates are learned at the
 * next look, from the readings kept in `unlearned`. For a steady pool this is one look a minute
 * instead of five, and one ARM list instead of five.
 */
export function judgeLook(
  state: ControllerState,
  now: number,
  signal: 'depth' | 'scaleIn',
): { state: ControllerState; look: boolean } {
  const { fleet, signals } = state;
  const counts = state.plan.counts;
  if (!fleet.observed || counts === undefined || signals.depth === undefined) {
    return { state, look: true };
  }
  const { minGroups, maxGroups } = fleet.spec;
  const live = counts.running + counts.pending;
  if (inFlight(state, fleet, counts, now) || live < minGroups || live > maxGroups) {
    return { state, look: true };
  }
  const recommended = recommendation(state.scale, fleet.spec, {
    unlearned: signals.unlearned,
    live,
    running: counts.running,
    active: signals.depth.active,
    now,
  });
  const grows = recommended.desired > live;
  const shrinks = signal === 'scaleIn' && recommended.desired < live;
  return { state: { ...state, scale: recommended.scale }, look: grows || shrinks };
}

/** Something is on its way or due, so the pool needs a look whatever the depth says. */
function inFlight(
  state: ControllerState,
  fleet: ObservedFleet,
  counts: GroupCounts,
  now: number,
): boolean {
  const { signals, versions, plan } = state;
  return (
    counts.pending > 0 ||
    counts.deleting > 0 ||
    counts.failed > 0 ||
    counts.foreign > 0 ||
    versions.rollout !== undefined ||
    plan.retiring.length > 0 ||
    signals.override !== undefined ||
    signals.paused !== undefined ||
    signals.pendingPushes.length > 0 ||
    holdsCreates(fleet.backoff, now) ||
    now - fleet.at >= fleet.spec.controller.instanceViewRefreshSeconds * 1000
  );
}

/** Records a depth reading (from the watch, or read directly on a push signal). */
export function withDepth(state: ControllerState, sample: DepthReading): ControllerState {
  const depth = readingOf(sample);
  const signals = without(state.signals, 'depthError');
  // Bounded: between two looks there are normally one or two readings.
  const unlearned = appendBounded(signals.unlearned, depth, MAX_WAITING);
  return { ...state, signals: { ...signals, depth, unlearned, depthFailures: 0 } };
}

/** Records that a direct depth read failed, in the signals and in the status log. */
export function withDepthFailure(
  state: ControllerState,
  failure: AzureFailure,
  now: number,
): ControllerState {
  return {
    ...state,
    signals: failedRead(state.signals, failure.message),
    log: withError(state.log, { at: now, during: 'read depth', ...failure }),
  };
}

function failedRead(signals: SignalsSlice, error: string): SignalsSlice {
  return { ...signals, depthFailures: signals.depthFailures + 1, depthError: error };
}

/** Drops a manual override whose time is up. */
export function expireOverride(signals: SignalsSlice, now: number): SignalsSlice {
  return signals.override && signals.override.until <= now ? without(signals, 'override') : signals;
}

/** Hands the readings not yet learned from over to the estimators. */
export function takeReadings(signals: SignalsSlice): {
  signals: SignalsSlice;
  readings: readonly DepthReading[];
} {
  return { signals: { ...signals, unlearned: [] }, readings: signals.unlearned };
}

/** Hands the waiting pushes over to the versions stage. */
export function takePushes(signals: SignalsSlice): {
  signals: SignalsSlice;
  pushes: readonly Push[];
} {
  return { signals: { ...signals, pendingPushes: [] }, pushes: signals.pendingPushes };
}

/** The slice without one of its optional parts. */
function without(
  signals: SignalsSlice,
  key: 'paused' | 'override' | 'depthError' | 'lookDue',
): SignalsSlice {
  const { [key]: _dropped, ...rest } = signals;
  return rest;
}

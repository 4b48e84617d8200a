import type { Observation } from './activities';
import type { Look } from './fleet';
import { listFailure, observeFleet, sighted } from './fleet';
import { decisionOf, withDecision, withError, withErrors, withLastDecision } from './log';
import type { PlacementOutcome } from './placement';
import { learnSites, placeGroups } from './placement';
import type { ControllerAction, Planned } from './plan';
import { holdPlan, planWrites } from './plan';
import { WAITING_FOR_TURN } from '../policy/readTurns';
import type { ScaleOutcome } from './scale';
import { holdScale, learn, scaleTo } from './scale';
import type { Trigger } from './signal';
import { expireOverride, lookTaken, putOffLook, takePushes, takeReadings } from './signals';
import type { ControllerState, Decision, LookedState, SignalsSlice } from './state';
import type { VersionsOutcome } from './versions';
import { advanceVersions } from './versions';

/** The controller's decision for one look at the pool. */
export interface Decided {
  readonly state: LookedState;
  /** Deletes first (they free quota for the creates), then creates, probes and endpoints. */
  readonly actions: readonly ControllerAction[];
  readonly decision?: Decision;
}

/**
 * Decides, purely, from the state, what observePool saw and what woke the controller: the stages
 * in the order data flows — signals, fleet, versions, scale, placement, plan — each owning its slice of the
 * state (docs/architecture.md). Scale-out is immediate on any trigger; scale-in waits for the
 * scale-in tick and for a rollout; failed groups are replaced and foreign ones deleted on every
 * look; a paused pool changes nothing; repeated failures back creates off.
 */
export function decide(
  state: ControllerState,
  observation: Observation,
  trigger: Trigger,
  now: number,
): Decided {
  const signals = expireOverride(state.signals, now);
  const groups = observation.groups;
  if (groups === undefined) return notListed(state, signals, observation, trigger, now);
  const fleet = sighted(state.fleet, observation, now);
  const { signals: waiting, readings } = takeReadings(lookTaken(signals));
  const seen = observeFleet(fleet, { ...observation, groups }, trigger, now);
  const look = seen.look;
  const looked: LookedState = {
    ...state,
    signals: waiting,
    fleet: seen.fleet,
    scale: learn(state.scale, look, readings),
    log: withErrors(state.log, look.view.errors),
  };
  if (waiting.paused) return holdPaused(looked, look);

  const { signals: acted, pushes } = takePushes(waiting);
  const versions = advanceVersions(state.versions, look, { pushes, plan: state.plan });
  const scale = scaleTo(looked.scale, look, {
    signals: acted,
    backoff: seen.fleet.backoff,
    versions,
  });
  const placement = placeGroups(state.placement, look, { scale, versions });
  const planned = planWrites(state.plan, look, { versions, scale, placement });
  const decision = decisionFor(look, versions, scale, placement, planned);
  return {
    state: {
      ...looked,
      signals: acted,
      versions: versions.versions,
      scale: scale.scale,
      placement: placement.placement,
      plan: planned.plan,
      log: withDecision(looked.log, decision, planned.actions.length > 0),
    },
    actions: planned.actions,
    decision,
  };
}

/**
 * A look that could not list the pool's groups decides nothing. Waiting for a read turn is not an
 * error (nothing was sent; the status shows the turn) and leaves the last look's time as it was;
 * the look is put off to the turn, for what it was for. Any other failure is logged.
 */
function notListed(
  state: ControllerState,
  signals: SignalsSlice,
  observation: Observation,
  trigger: Trigger,
  now: number,
): Decided {
  const turnAt = observation.turnAt;
  const next = turnAt !== undefined ? putOffLook(signals, turnAt, trigger) : lookTaken(signals);
  if (observation.failure?.code === WAITING_FOR_TURN && state.fleet.observed) {
    return { state: { ...state, fleet: state.fleet, signals: next }, actions: [] };
  }
  const fleet = sighted(state.fleet, observation, now);
  const log = withError(state.log, listFailure(observation, now));
  return { state: { ...state, signals: next, fleet, log }, actions: [] };
}

/** The decision record: the target, the capacity it is measured against, the writes and why. */
function decisionFor(
  { view, trigger, now }: Look,
  versions: VersionsOutcome,
  scale: ScaleOutcome,
  placement: PlacementOutcome,
  planned: Planned,
): Decision {
  return decisionOf({
    at: now,
    trigger,
    desired: scale.desired,
    live: scale.live,
    running: scale.running,
    failed: view.counts.failed,
    creates: planned.creates,
    deletes: planned.deletes,
    reason: [scale.reason, ...versions.notes, ...scale.holds, ...heldOf(placement)].join('; '),
  });
}

function heldOf(placement: PlacementOutcome): string[] {
  return placement.held !== undefined ? [placement.held] : [];
}

/** A paused pool: observed and reported (what its groups taught included), never changed. */
function holdPaused(state: LookedState, look: Look): Decided {
  const { view, trigger, now } = look;
  const { running, pending, failed } = view.counts;
  const live = running + pending;
  const decision = decisionOf({
    at: now,
    trigger,
    desired: live,
    live,
    running,
    failed,
    creates: 0,
    deletes: 0,
    reason: 'paused: no changes until resumed',
  });
  return {
    state: {
      ...state,
      scale: holdScale(state.scale, live),
      placement: learnSites(state.placement, look),
      plan: holdPlan(state.plan, view),
      log: withLastDecision(state.log, decision),
    },
    actions: [],
  };
}

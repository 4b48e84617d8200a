import * as df from 'durable-functions';
import type {
  OrchestrationContext,
  OrchestrationHandler,
  Task,
  TimerTask,
} from 'durable-functions';
import { ACTIVITY } from '../shared/controller/activities';
import type {
  ObservePoolInput,
  ObservePoolResult,
  ProbeResult,
  ReadDepthResult,
  WriteResult,
} from '../shared/controller/activities';
import { decide } from '../shared/controller/decide';
import { withSpec } from '../shared/controller/fleet';
import type { ControllerAction } from '../shared/controller/plan';
import { recordResults } from '../shared/controller/plan';
import { restoreState } from '../shared/controller/restore';
import type { ControllerSignal, Trigger } from '../shared/controller/signal';
import { CONTROLLER_ORCHESTRATION, SIGNAL_EVENT } from '../shared/controller/signal';
import { receive, withDepth, withDepthFailure } from '../shared/controller/signals';
import type { ControllerInput, ControllerState } from '../shared/controller/state';
import type { Handover } from '../shared/controller/upgrade';
import { handoverOf } from '../shared/controller/upgrade';
import {
  freshRunningGroups,
  nextWakeAt,
  publishedStatus,
  statusOf,
} from '../shared/controller/status';

/**
 * Iterations per execution before continueAsNew. Each iteration adds a handful of history events
 * (timer, signal, one observation, two per write), so 5 iterations with at most
 * MAX_TASKS_PER_EXECUTION activities keep a replay well under a few hundred events.
 */
const ITERATIONS_PER_EXECUTION = 5;
/** Activities per execution after which the controller continues as new early (big fan-outs). */
const MAX_TASKS_PER_EXECUTION = 100;

/** The activity that carries out each kind of action. */
const ACTIVITY_FOR: Readonly<Record<ControllerAction['kind'], string>> = {
  create: ACTIVITY.createGroup,
  delete: ACTIVITY.deleteGroup,
  setEndpoint: ACTIVITY.setEndpoint,
  removeEndpoint: ACTIVITY.removeEndpoint,
  probe: ACTIVITY.probeGroup,
};

/**
 * Splits writes into waves of at most `size`, sent in parallel within a wave: ARM's write budget
 * is per subscription, so 40 creates with maxParallelWrites 16 go as 16 + 16 + 8.
 */
function waves<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The pool controller: one eternal orchestration per pool, the single writer for that pool. Each
 * iteration waits for its own timer or a signal, folds it in (`receive`), looks at the pool when
 * that could change something, hands the look to the pure `decide`, fans the writes out in waves
 * of maxParallelWrites, and publishes the pool status. It only sequences: every decision is in
 * shared/controller, every I/O in an activity, and time comes from the orchestration context.
 */
export const poolController: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ControllerInput>();
  // A state written by an earlier Surge is restored into this version's shape.
  let state: ControllerState = restoreState(input.pool, input.state);
  const now = () => context.df.currentUtcDateTime.getTime();
  // A new execution (after continueAsNew) starts without a custom status: publish the carried one
  // at once, so the pool status never blinks to empty between executions.
  context.df.setCustomStatus(publishedStatus(state, now()));
  let tasks = 0;
  for (let i = 0; i < ITERATIONS_PER_EXECUTION && tasks < MAX_TASKS_PER_EXECUTION; i++) {
    const timer: TimerTask = context.df.createTimer(new Date(nextWakeAt(state, now())));
    const event = context.df.waitForExternalEvent(SIGNAL_EVENT);
    const winner = (yield context.df.Task.any([timer, event])) as Task;
    let signal: ControllerSignal | undefined;
    if (winner === event) {
      timer.cancel();
      signal = event.result as ControllerSignal;
    }
    const received = receive(state, signal, now());
    const trigger: Trigger = received.trigger;
    state = received.state;
    if (received.observe) {
      const observeInput: ObservePoolInput = {
        pool: state.pool,
        skipInstanceView: freshRunningGroups(state, now()),
        ...(state.fleet.observed ? { knownSpec: state.fleet.specHash } : {}),
      };
      const observed = (yield context.df.callActivity(
        ACTIVITY.observePool,
        observeInput,
      )) as ObservePoolResult;
      tasks++;
      if (!observed.found) {
        // The pool was removed from the configuration. Its groups stay as they are: deleting a
        // fleet because a document lost an entry is not a call a controller should make alone.
        context.df.setCustomStatus({
          ...statusOf(state, now()),
          ended: 'pool no longer configured',
        });
        return { ended: 'pool no longer configured', pool: state.pool };
      }
      // The activity leaves the spec out when it is the one this controller holds.
      const observation = withSpec(state.fleet, observed);
      if (observation === undefined) {
        throw new Error(`observePool left out the spec of pool ${state.pool}, which is not held`);
      }
      if (received.readDepth) {
        const depth = (yield context.df.callActivity(ACTIVITY.readDepth, {
          pool: state.pool,
        })) as ReadDepthResult;
        tasks++;
        state = depth.ok
          ? withDepth(state, depth.sample)
          : withDepthFailure(state, depth.failure, now());
      }
      const decided = decide(state, observation, trigger, now());
      let looked = decided.state;
      for (const wave of waves(decided.actions, observation.spec.controller.maxParallelWrites)) {
        const results = (yield context.df.Task.all(
          wave.map((a) => context.df.callActivity(ACTIVITY_FOR[a.kind], a.input)),
        )) as (WriteResult | ProbeResult)[];
        tasks += wave.length;
        looked = recordResults(looked, wave, results, now());
      }
      state = looked;
    }
    context.df.setCustomStatus(publishedStatus(state, now()));
  }
  return endExecution(context, input, state, now());
};

/**
 * Ends an execution: continues as new, or — a controller started by another version of Surge —
 * hands over (shared/controller/upgrade.ts), since continueAsNew would keep the old version.
 */
function endExecution(
  context: OrchestrationContext,
  input: ControllerInput,
  state: ControllerState,
  now: number,
): Handover | undefined {
  const handover = handoverOf(context.df.version, state, input.handover);
  if (handover === undefined) {
    const carried = input.handover ? { handover: input.handover } : {};
    context.df.continueAsNew({ pool: state.pool, state, ...carried } satisfies ControllerInput);
    return undefined;
  }
  context.df.setCustomStatus({
    ...statusOf(state, now),
    ended: `handing over to orchestration version ${handover.to}`,
  });
  return handover;
}

df.app.orchestration(CONTROLLER_ORCHESTRATION, poolController);

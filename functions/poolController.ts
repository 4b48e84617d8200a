import * as df from 'durable-functions';
import type { PoolSpec } from '../shared/config/poolSpec';
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
  Observation,
  ProbeResult,
  ReadDepthResult,
  WriteResult,
} from '../shared/controller/activities';
import {
  ACTIVITY_FOR,
  decide,
  receive,
  recordResults,
  waves,
  withDepth,
  withDepthFailure,
} from '../shared/controller/decide';
import type { ControllerInput, ControllerSignal, Trigger } from '../shared/controller/state';
import {
  CONTROLLER_ORCHESTRATION,
  SIGNAL_EVENT,
  initialState,
  withDefaults,
} from '../shared/controller/state';
import {
  freshRunningGroups,
  nextWakeAt,
  publishedStatus,
  statusOf,
} from '../shared/controller/status';

/**
 * Iterations per execution before continueAsNew. Each iteration adds a handful of history events
 * (timer, signal, one observation, two per write), so 10 iterations with at most
 * MAX_TASKS_PER_EXECUTION activities keep a replay well under a few hundred events.
 */
export const ITERATIONS_PER_EXECUTION = 5;
/** Activities per execution after which the controller continues as new early (big fan-outs). */
export const MAX_TASKS_PER_EXECUTION = 100;

/**
 * The pool controller: one eternal orchestration per pool, the single writer for that pool. Each
 * iteration waits for its own timer or a signal, observes the pool (an activity), hands the
 * observation to the pure `decide`, fans the writes out in waves of maxParallelWrites, and
 * publishes the pool status. It only sequences: every decision is in shared/controller, every
 * I/O in an activity, and time comes from the orchestration context.
 */
export const poolController: OrchestrationHandler = function* (context: OrchestrationContext) {
  const input = context.df.getInput<ControllerInput>();
  // withDefaults: a state carried over from an earlier Surge may lack fields added since.
  let state = input.state ? withDefaults(input.state) : initialState(input.pool);
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
    const trigger: Trigger = signal?.kind ?? 'timer';
    const received = receive(state, signal, now());
    state = received.state;
    if (received.observe) {
      const observeInput: ObservePoolInput = {
        pool: state.pool,
        skipInstanceView: freshRunningGroups(state, now()),
        ...(state.spec && state.specHash ? { knownSpec: state.specHash } : {}),
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
      const observation: Observation = {
        ...observed,
        spec: observed.spec ?? (state.spec as PoolSpec),
      };
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
      state = decided.state;
      for (const wave of waves(decided.actions, observation.spec.controller.maxParallelWrites)) {
        const results = (yield context.df.Task.all(
          wave.map((a) => context.df.callActivity(ACTIVITY_FOR[a.kind], a.input)),
        )) as (WriteResult | ProbeResult)[];
        tasks += wave.length;
        state = recordResults(state, wave, results, observation.spec, now());
      }
    }
    context.df.setCustomStatus(publishedStatus(state, now()));
  }
  context.df.continueAsNew({ pool: state.pool, state } satisfies ControllerInput);
  return undefined;
};

df.app.orchestration(CONTROLLER_ORCHESTRATION, poolController);

/**
 * Upgrades of Surge itself under running controllers (Durable orchestration versioning).
 *
 * A controller instance records the orchestration version it started with (host.json's
 * `extensions.durableTask.defaultVersion`, `context.df.version`) and keeps it through
 * continueAsNew: the JavaScript SDK cannot continue as another version. So an eternal controller
 * started by an earlier Surge would run the earlier version forever. Instead, new code finishes
 * the execution it finds in flight (its history replays as it was written; a change to the
 * controller's sequence of activities and timers must keep the old sequence for older versions
 * until then), and at the point where it would continue as new, a controller of another version
 * completes, handing its state over in its output. The next signal or the ensure timer starts the
 * pool's controller again, at the version of the code now deployed, from that state
 * (shared/durable/controllers.ts). A pool is without a controller for at most about a minute.
 */
import type { ControllerState, HandedOver } from './state';

/**
 * The controller orchestration's version in this code. host.json's
 * `extensions.durableTask.defaultVersion` must be the same (a test checks): instances start at it.
 * Bump both when a change alters the sequence of activities, timers and events the controller
 * records, so running controllers hand over instead of failing to replay.
 */
export const CONTROLLER_VERSION = '2';

/** What a controller that hands over to another version completes with. */
export interface Handover {
  readonly ended: 'upgrade';
  readonly pool: string;
  /** The version the instance ran ('' when it started before Surge recorded versions). */
  readonly from: string;
  readonly to: string;
  readonly state: ControllerState;
}

/**
 * The handover of a controller whose instance runs another version than this code, at the end of
 * an execution; undefined when the versions match and it continues as new. Also undefined when
 * the instance was itself started by a handover from the very version it runs: the runtime did
 * not record the new version (an extension without orchestration versioning), and handing over
 * again would only repeat, one gap per execution.
 */
export function handoverOf(
  version: string | undefined,
  state: ControllerState,
  startedBy?: HandedOver,
): Handover | undefined {
  const from = version ?? '';
  if (version === CONTROLLER_VERSION || startedBy?.from === from) return undefined;
  return { ended: 'upgrade', pool: state.pool, from, to: CONTROLLER_VERSION, state };
}

/**
 * What a controller that ended with a handover left for its successor: its state, and the version
 * it ran. Undefined for any other ending (a pool no longer configured, a failure), whose successor
 * starts afresh.
 */
export function handedOver(output: unknown): { state: object; handover: HandedOver } | undefined {
  if (typeof output !== 'object' || output === null) return undefined;
  const o = output as Partial<Handover>;
  if (o.ended !== 'upgrade' || typeof o.state !== 'object' || o.state === null) return undefined;
  return { state: o.state, handover: { from: typeof o.from === 'string' ? o.from : '' } };
}

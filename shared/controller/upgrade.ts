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
import type { ControllerState } from './state';

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
 * an execution; undefined when the versions match and it continues as new.
 */
export function handoverOf(
  version: string | undefined,
  state: ControllerState,
): Handover | undefined {
  if (version === CONTROLLER_VERSION) return undefined;
  return { ended: 'upgrade', pool: state.pool, from: version ?? '', to: CONTROLLER_VERSION, state };
}

/**
 * The state a controller that ended with a handover left for its successor; undefined for any
 * other ending (a pool no longer configured, a failure), whose successor starts afresh.
 */
export function handedOverState(output: unknown): unknown {
  if (typeof output !== 'object' || output === null) return undefined;
  const o = output as Partial<Handover>;
  return o.ended === 'upgrade' && typeof o.state === 'object' && o.state !== null
    ? o.state
    : undefined;
}

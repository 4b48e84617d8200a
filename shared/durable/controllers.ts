import { handedOver } from '../controller/upgrade';
import type { DurableClient } from 'durable-functions';
import type { ControllerSignal } from '../controller/signal';
import { CONTROLLER_ORCHESTRATION, SIGNAL_EVENT, controllerInstanceId } from '../controller/signal';
import type { ControllerInput } from '../controller/state';
import type { PoolStatus } from '../controller/status';

/** A controller as the Durable task hub reports it. */
export interface ControllerRuntime {
  /** Pending, Running, Completed, ContinuedAsNew, Failed, Terminated or Suspended. */
  readonly runtimeStatus: string;
  /** The pool status the controller last published, if any. */
  readonly status: PoolStatus | null;
  readonly createdTime?: string;
  readonly lastUpdatedTime?: string;
  /** Why it ended, for a controller that is no longer running. */
  readonly output?: unknown;
}

/**
 * The triggers' port to the pool controllers: signal one, read its status, make sure it runs.
 * Built over the Durable client by `durableControllers`; tests use a hand-written fake.
 */
export interface Controllers {
  /**
   * Delivers a signal. A controller that is missing or has ended is started first, so a signal
   * is never dropped (the Durable client silently ignores events for ended instances).
   */
  signal(pool: string, signal: ControllerSignal): Promise<'signalled' | 'started'>;
  /** The controller of a pool, or undefined when it has never been started. */
  describe(pool: string): Promise<ControllerRuntime | undefined>;
  /** Starts the controller unless it is running (or about to). */
  ensure(pool: string): Promise<'running' | 'started'>;
}

/** States in which a controller will still receive events. */
const ALIVE = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

/** How long a controller seen running is trusted to still run. */
const SEEN_ALIVE_MS = 60_000;

/**
 * The Controllers port over a Durable Functions client. `seenAlive` remembers controllers seen
 * running, until when (ms, by `now`): for that long a signal skips the status read and is raised
 * at once — the depth watch signals every pool every 15 s, so without it every signal costs two
 * calls to the task hub. The price: a controller that ends inside the minute may miss signals
 * until the entry expires (the Durable client drops events for ended instances without an
 * error); one that is unknown (404) is started at once. Pass the app instance's memory
 * (Runtime.memory.seenAlive) so it outlives one invocation; the default remembers nothing.
 */
export function durableControllers(
  client: DurableClient,
  now: () => number = Date.now,
  seenAlive: Map<string, number> = new Map(),
): Controllers {
  const describe = async (pool: string): Promise<ControllerRuntime | undefined> => {
    try {
      const s = await client.getStatus(controllerInstanceId(pool), { showInput: false });
      return {
        runtimeStatus: String(s.runtimeStatus),
        status: (s.customStatus as PoolStatus | undefined) ?? null,
        ...(s.createdTime ? { createdTime: new Date(s.createdTime).toISOString() } : {}),
        ...(s.lastUpdatedTime
          ? { lastUpdatedTime: new Date(s.lastUpdatedTime).toISOString() }
          : {}),
        ...(s.output !== undefined && s.output !== null ? { output: s.output } : {}),
      };
    } catch (e) {
      // The client reports an unknown instance as an error mentioning the 404.
      if (/\b404\b/.test((e as Error).message)) return undefined;
      throw e;
    }
  };
  const ensure = async (pool: string): Promise<'running' | 'started'> => {
    const current = await describe(pool);
    if (current && ALIVE.has(current.runtimeStatus)) return 'running';
    // A controller that handed over to a new version of Surge left its state for this one.
    const left = handedOver(current?.output);
    const input: ControllerInput = left === undefined ? { pool } : { pool, ...left };
    await client.startNew(CONTROLLER_ORCHESTRATION, {
      instanceId: controllerInstanceId(pool),
      input,
    });
    return 'started';
  };
  return {
    describe,
    ensure,
    async signal(pool, signal) {
      const id = controllerInstanceId(pool);
      if ((seenAlive.get(id) ?? -Infinity) > now()) {
        try {
          await client.raiseEvent(id, SIGNAL_EVENT, signal);
          return 'signalled';
        } catch {
          // Unknown to this task hub after all (404): check and start it below.
          seenAlive.delete(id);
        }
      }
      const outcome = await ensure(pool);
      await client.raiseEvent(id, SIGNAL_EVENT, signal);
      seenAlive.set(id, now() + SEEN_ALIVE_MS);
      return outcome === 'started' ? 'started' : 'signalled';
    },
  };
}

import type { ControllerInput } from '../../shared/controller/state';
import { CONTROLLER_VERSION } from '../../shared/controller/upgrade';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import { readSettings } from '../../shared/config/settings';
import type { ControllerSignal } from '../../shared/controller/signal';
import {
  CONTROLLER_ORCHESTRATION,
  SIGNAL_EVENT,
  controllerInstanceId,
} from '../../shared/controller/signal';
import type { PoolStatus } from '../../shared/controller/status';
import { installRuntime, newRuntimeMemory } from '../../shared/runtime';
import { VirtualClock } from '../../local/clock';
import { EventType } from '../../local/durable/history';
import { DurableEngine } from '../../local/durable/engine';
import { installFunctionsCore } from '../../local/host/functionsCore';
import {
  FakeContainerGroups,
  FakeProber,
  FakeQueueMetrics,
  FakeReadTurns,
  FakeTrafficRouter,
} from '../fakes/azure';
import { poolInput, poolsOf } from '../fakes/pools';

/** Start of virtual time in the controller tests. */
export const T0 = Date.parse('2026-11-22T10:00:00Z');
/** The namespace of the test pools. */
export const NS = 'contoso.servicebus.windows.net';
/** The instance id of the "orders" pool's controller. */
export const ID = controllerInstanceId('orders');

/**
 * The whole app (functions/index) on the local engine, in virtual time, over hand-written
 * Azure fakes: the orchestrator runs through the real durable-functions replay code.
 */
export class Harness {
  readonly registry = installFunctionsCore();
  readonly clock = new VirtualClock(T0);
  readonly groups = new FakeContainerGroups(() => this.clock.now());
  readonly metrics = new FakeQueueMetrics();
  readonly router = new FakeTrafficRouter(() => this.clock.now());
  readonly readTurns = new FakeReadTurns(() => this.clock.now());
  readonly prober = new FakeProber();
  readonly engine = new DurableEngine({
    registry: this.registry,
    clock: this.clock,
    activityConcurrency: 8,
  });

  constructor(pool: Partial<PoolSpecInput>) {
    // As the host sets it from host.json (a test checks the two agree).
    this.engine.defaultVersion = CONTROLLER_VERSION;
    installRuntime({
      settings: readSettings({}),
      pools: poolsOf({ ...poolInput('orders'), ...pool }),
      azure: {
        containerGroups: this.groups,
        queueMetrics: this.metrics,
        trafficRouter: this.router,
        readTurns: this.readTurns,
      },
      prober: this.prober,
      readSetting: () => undefined,
      memory: newRuntimeMemory(),
      now: () => this.clock.now(),
    });
  }

  async start(input: ControllerInput = { pool: 'orders' }): Promise<void> {
    await import('../../functions/index');
    await this.engine.startNew(CONTROLLER_ORCHESTRATION, { instanceId: ID, input });
    await this.engine.runUntilIdle();
  }

  async signal(signal: ControllerSignal): Promise<void> {
    await this.engine.raiseEvent(ID, SIGNAL_EVENT, signal);
    await this.engine.runUntilIdle();
  }

  depth(active: number): Promise<void> {
    return this.signal({
      kind: 'depth',
      at: this.clock.now(),
      active,
      deadLetter: 0,
      scheduled: 0,
    });
  }

  status(): PoolStatus {
    return this.engine.getStatus(ID)?.customStatus as PoolStatus;
  }

  /** Episodes of the current execution that scheduled createGroup/deleteGroup, as [creates, deletes]. */
  writesPerEpisode(): [number, number][] {
    const episodes: [number, number][] = [];
    let current: [number, number] = [0, 0];
    for (const e of this.engine.history(ID)) {
      if (e.EventType === EventType.OrchestratorStarted) {
        if (current[0] + current[1] > 0) episodes.push(current);
        current = [0, 0];
      }
      if (e.EventType === EventType.TaskScheduled && 'Name' in e) {
        if (e.Name === 'createGroup') current[0]++;
        if (e.Name === 'deleteGroup') current[1]++;
      }
    }
    if (current[0] + current[1] > 0) episodes.push(current);
    return episodes;
  }
}

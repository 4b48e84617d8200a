import type { ControllerSignal } from '../../shared/controller/signal';
import type { ControllerRuntime, Controllers } from '../../shared/durable/controllers';

/**
 * A hand-written Controllers port: records every signal, answers describe() from a settable map,
 * and fails for the pools listed in `unreachable` (a task hub that cannot be reached).
 */
export class FakeControllers implements Controllers {
  readonly signals: { pool: string; signal: ControllerSignal }[] = [];
  readonly ensured: string[] = [];
  readonly runtimes = new Map<string, ControllerRuntime>();
  readonly unreachable = new Set<string>();

  signal(pool: string, signal: ControllerSignal): Promise<'signalled' | 'started'> {
    if (this.unreachable.has(pool)) return Promise.reject(new Error('task hub unreachable'));
    this.signals.push({ pool, signal });
    const started = !this.runtimes.has(pool);
    if (started) this.runtimes.set(pool, { runtimeStatus: 'Running', status: null });
    return Promise.resolve(started ? 'started' : 'signalled');
  }

  describe(pool: string): Promise<ControllerRuntime | undefined> {
    if (this.unreachable.has(pool)) return Promise.reject(new Error('task hub unreachable'));
    return Promise.resolve(this.runtimes.get(pool));
  }

  ensure(pool: string): Promise<'running' | 'started'> {
    if (this.unreachable.has(pool)) return Promise.reject(new Error('task hub unreachable'));
    this.ensured.push(pool);
    const alive = ['Running', 'Pending', 'ContinuedAsNew', 'Suspended'].includes(
      this.runtimes.get(pool)?.runtimeStatus ?? '',
    );
    if (!alive) this.runtimes.set(pool, { runtimeStatus: 'Running', status: null });
    return Promise.resolve(alive ? 'running' : 'started');
  }
}

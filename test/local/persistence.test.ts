/**
 * The engine over the SQLite store across a "crash" inside this process: the first engine's store
 * is closed under it (every later read or write of that engine fails, as if its process had died),
 * and a second engine opens the same state folder. Virtual time, so timers that fell due while the
 * process was down are exercised without waiting. crash.test.ts does the same with a real SIGKILL.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { DurableEngine } from '../../local/durable/engine';
import { EventType } from '../../local/durable/history';
import { SqliteInstanceStore } from '../../local/durable/sqliteStore';
import type { InstanceState, InstanceStore } from '../../local/durable/store';
import type { FunctionRegistry } from '../../local/host/functionsCore';
import { installFunctionsCore } from '../../local/host/functionsCore';
import { probe, resetProbe } from './apps/probe';
import { cleanUpTempFolders, completedActivityInputs, tally, T0, tempFolder } from './helpers';

let registry: FunctionRegistry;

beforeAll(async () => {
  registry = installFunctionsCore();
  await import('./apps/durableApp');
});

const opened: SqliteInstanceStore[] = [];

/** A SQLite store on `folder`, closed after the test. */
function openStore(folder: string): SqliteInstanceStore {
  const store = new SqliteInstanceStore({ stateFolder: folder });
  opened.push(store);
  return store;
}

beforeEach(() => resetProbe());
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  cleanUpTempFolders();
});

const HOUR = 60 * 60_000;

/** An engine on the SQLite store in `folder`, at virtual time `now`. */
function openEngine(
  folder: string,
  now: number,
  activityConcurrency = 8,
): { engine: DurableEngine; store: SqliteInstanceStore; logs: string[] } {
  const store = openStore(folder);
  const logs: string[] = [];
  const engine = new DurableEngine({
    registry,
    clock: new VirtualClock(now),
    store,
    activityConcurrency,
    log: (level, message) => logs.push(`${level}: ${message}`),
  });
  return { engine, store, logs };
}

/** Let pending callbacks run until `done()` holds; fails after a bounded number of turns. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 10_000; turn++) {
    if (done()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

interface Outcome {
  runtimeStatus: string | undefined;
  output: unknown;
  executions: number;
  /** `id status` of every instance, oldest first. */
  instances: string[];
  /** Runs of each `gated` input. */
  runs: Record<string, number>;
}

interface RestartCase {
  label: string;
  orchestrator: string;
  input?: unknown;
  /** `gated` inputs that never finish in the first process: in flight when it dies. */
  blocked?: number[];
  activityConcurrency?: number;
  /**
   * What the first process does after startNew, before it dies. Default: run in the background
   * (never finishing: blocked activities never return) until every blocked activity is running
   * and `crashWhen` holds.
   */
  before?: (engine: DurableEngine, id: string) => Promise<void>;
  crashWhen?: (store: SqliteInstanceStore) => boolean;
  /** How long the process was down (the second engine's clock starts that much later). */
  downtimeMs?: number;
  /** What the second process does. Default: runUntilIdle. */
  after?: (engine: DurableEngine, id: string) => Promise<void>;
  expected: Omit<Outcome, 'runs'>;
}

const cases: RestartCase[] = [
  {
    label: 'fan-out: completed activities are not run again, the ones in flight are',
    orchestrator: 'gatedFanOut',
    input: 6,
    activityConcurrency: 2,
    blocked: [2, 3],
    expected: {
      runtimeStatus: 'Completed',
      output: [0, 1, 4, 9, 16, 25],
      executions: 1,
      instances: ['fan Completed'],
    },
  },
  {
    label: 'sub-orchestrations: a child in flight finishes after the restart and tells its parent',
    orchestrator: 'gatedParent',
    input: [1, 2, 3],
    blocked: [2],
    crashWhen: (store) =>
      store.get('fan:0000')?.runtimeStatus === 'Completed' &&
      store.get('fan:0002')?.runtimeStatus === 'Completed',
    expected: {
      runtimeStatus: 'Completed',
      output: [
        { n: 1, square: 1 },
        { n: 2, square: 4 },
        { n: 3, square: 9 },
      ],
      executions: 1,
      instances: [
        'fan Completed',
        'fan:0000 Completed',
        'fan:0001 Completed',
        'fan:0002 Completed',
      ],
    },
  },
  {
    label: 'a timer that fell due while the process was down fires at start-up',
    orchestrator: 'napper',
    before: (engine) => engine.runUntilIdle(),
    downtimeMs: 2 * HOUR,
    expected: {
      runtimeStatus: 'Completed',
      output: { start: new Date(T0).toISOString(), woke: new Date(T0 + 2 * HOUR).toISOString() },
      executions: 1,
      instances: ['fan Completed'],
    },
  },
  {
    label: 'an event raised just before the crash is delivered after it',
    orchestrator: 'waiter',
    before: async (engine, id) => {
      await engine.runUntilIdle();
      await engine.raiseEvent(id, 'go', 'sent before the crash');
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { got: 'sent before the crash' },
      executions: 1,
      instances: ['fan Completed'],
    },
  },
  {
    label: 'continueAsNew: the new execution and the events queued for it carry over',
    orchestrator: 'collector',
    before: async (engine, id) => {
      await engine.raiseEvent(id, 'item', 1);
      await engine.runUntilIdle();
      await engine.raiseEvent(id, 'item', 2);
      await engine.raiseEvent(id, 'item', 3);
    },
    expected: {
      runtimeStatus: 'Completed',
      output: [1, 2, 3],
      executions: 3,
      instances: ['fan Completed'],
    },
  },
  {
    label: 'a suspended instance stays suspended and keeps its queued event',
    orchestrator: 'waiter',
    before: async (engine, id) => {
      await engine.runUntilIdle();
      await engine.suspend(id);
      await engine.raiseEvent(id, 'go', 'queued');
    },
    after: async (engine, id) => {
      await engine.runUntilIdle();
      expect(engine.getStatus(id)?.runtimeStatus).toBe('Suspended');
      await engine.resume(id);
      await engine.runUntilIdle();
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { got: 'queued' },
      executions: 1,
      instances: ['fan Completed'],
    },
  },
];

describe('an engine restarted on the same SQLite store', () => {
  it.each(cases)('$label', async (c) => {
    const folder = tempFolder();
    const blocked = c.blocked ?? [];
    for (const n of blocked) probe.blocked.add(n);

    const first = openEngine(folder, T0, c.activityConcurrency);
    const id = await first.engine.startNew(c.orchestrator, { instanceId: 'fan', input: c.input });
    if (c.before) {
      await c.before(first.engine, id);
    } else {
      // Never settles while blocked activities hang; after the "crash" it fails on the closed store.
      first.engine.runUntilIdle().catch(() => undefined);
      await until(
        () =>
          blocked.every((n) => probe.calls.includes(`gated(${n})`)) &&
          (c.crashWhen?.(first.store) ?? true),
        'the moment of the crash',
      );
    }

    // The crash: the first engine loses its store. What the store says then is what survived.
    first.store.close();
    const startedAtCrash = new Set(probe.calls);
    probe.blocked.clear();

    const second = openEngine(folder, T0 + (c.downtimeMs ?? 0), c.activityConcurrency);
    const completedAtCrash = new Set(
      completedActivityInputs(second.store.list(), 'gated').map((input) => `gated(${input})`),
    );
    await (c.after ?? ((engine) => engine.runUntilIdle()))(second.engine, id);

    const status = second.engine.getStatus(id);
    const outcome: Outcome = {
      runtimeStatus: status?.runtimeStatus,
      output: status?.output,
      executions: second.engine.executions(id),
      instances: second.engine.listInstances().map((s) => `${s.instanceId} ${s.runtimeStatus}`),
      runs: tally(probe.calls.filter((call) => call.startsWith('gated('))),
    };
    // Completed before the crash: run once. In flight at the crash: once more. The rest: once.
    const expectedRuns = tally(
      [...new Set(probe.calls)]
        .filter((call) => call.startsWith('gated('))
        .flatMap((call) =>
          startedAtCrash.has(call) && !completedAtCrash.has(call) ? [call, call] : [call],
        ),
    );
    expect(outcome).toEqual({ ...c.expected, runs: expectedRuns });
    // The blocked activities were in flight at the crash, so the re-run path was exercised.
    for (const n of blocked) expect(outcome.runs[`gated(${n})`]).toBe(2);
    expect(second.logs.filter((line) => line.startsWith('error'))).toEqual([]);
  });
});

/**
 * A store that dies on the first `put` matching `crashOn` — in the middle of a transaction, like a
 * process killed between two writes of one state change. Hand-written over the real store.
 */
class CrashingStore implements InstanceStore {
  crashed = false;
  constructor(
    readonly inner: SqliteInstanceStore,
    readonly crashOn: (state: InstanceState) => boolean,
  ) {}
  get(instanceId: string): InstanceState | undefined {
    return this.inner.get(instanceId);
  }
  put(state: InstanceState): void {
    if (!this.crashed && this.crashOn(state)) {
      this.crashed = true;
      throw new Error('simulated crash');
    }
    this.inner.put(state);
  }
  delete(instanceId: string): boolean {
    return this.inner.delete(instanceId);
  }
  list(): InstanceState[] {
    return this.inner.list();
  }
  listActive(): InstanceState[] {
    return this.inner.listActive();
  }
  nextTimerAt(): number | undefined {
    return this.inner.nextTimerAt();
  }
  transaction<T>(change: () => T): T {
    return this.inner.transaction(change);
  }
  close(): void {
    this.inner.close();
  }
}

const has = (state: InstanceState, type: number): boolean =>
  [...state.history, ...state.inbox].some((e) => e.EventType === type);

describe('a crash in the middle of a state change that spans two instances', () => {
  it.each([
    {
      label: 'the parent starts a child: the child is not created without the parent record',
      crashOn: (s: InstanceState) =>
        s.instanceId === 'fan' && has(s, EventType.SubOrchestrationInstanceCreated),
    },
    {
      label: 'a child completes: it is not Completed unless the parent heard of it',
      crashOn: (s: InstanceState) =>
        s.instanceId === 'fan' && has(s, EventType.SubOrchestrationInstanceCompleted),
    },
    {
      label: 'an episode schedules an activity: it does not run unless the schedule is recorded',
      crashOn: (s: InstanceState) => s.instanceId === 'fan:0000' && has(s, EventType.TaskScheduled),
    },
  ])('$label', async ({ crashOn }) => {
    const folder = tempFolder();
    const store = new CrashingStore(openStore(folder), crashOn);
    const first = new DurableEngine({ registry, clock: new VirtualClock(T0), store });
    await first.startNew('gatedParent', { instanceId: 'fan', input: [1] });
    await expect(first.runUntilIdle()).rejects.toThrow('simulated crash');
    // Had the engine survived the failed write, it would still run nothing that was not recorded.
    const callsAtCrash = [...probe.calls];
    await first.runUntilIdle();
    const callsAfterFailedWrite = [...probe.calls];
    store.close();

    const second = openEngine(folder, T0);
    await second.engine.runUntilIdle();
    expect({
      crashed: store.crashed,
      callsAfterFailedWrite,
      output: second.engine.getStatus('fan')?.output,
      instances: second.engine.listInstances().map((s) => `${s.instanceId} ${s.runtimeStatus}`),
      runs: tally(probe.calls),
    }).toEqual({
      crashed: true,
      callsAfterFailedWrite: callsAtCrash,
      output: [{ n: 1, square: 1 }],
      instances: ['fan Completed', 'fan:0000 Completed'],
      runs: { 'gated(1)': 1 },
    });
  });
});

describe('the engine over the SQLite store', () => {
  it('lists and purges from the database, and closes it on stop', async () => {
    const folder = tempFolder();
    const first = openEngine(folder, T0);
    await first.engine.startNew('sequence', { instanceId: 'a', input: ['A'] });
    await first.engine.startNew('waiter', { instanceId: 'b' });
    await first.engine.startNew('sequence', { instanceId: 'c', input: ['C'] });
    await first.engine.runUntilIdle();
    await first.engine.stop();

    const second = openEngine(folder, T0);
    const listed = second.engine
      .listInstances({ runtimeStatus: ['Completed'] })
      .map((s) => [s.instanceId, s.output]);
    const purged = await second.engine.purge('a');
    await second.engine.stop();

    const third = openEngine(folder, T0);
    expect({
      firstClosed: !first.store.isOpen,
      listed,
      purged,
      afterPurge: third.engine.listInstances().map((s) => `${s.instanceId} ${s.runtimeStatus}`),
      rowsOfA: third.store.get('a'),
    }).toEqual({
      firstClosed: true,
      listed: [
        ['a', ['Hello A', 'null-result']],
        ['c', ['Hello C', 'null-result']],
      ],
      purged: true,
      afterPurge: ['b Running', 'c Completed'],
      rowsOfA: undefined,
    });
  });

  it('stop() lets running activities finish and record, and leaves queued ones for the next engine', async () => {
    const folder = tempFolder();
    const first = openEngine(folder, T0, 2);
    await first.engine.startNew('gatedFanOut', { instanceId: 'fan', input: 6 });
    first.engine.start(); // a virtual clock: only work, no timers, runs in the background
    await until(() => probe.calls.length >= 2, 'two activities to start');
    await first.engine.stop();
    const startedByStop = [...probe.calls].sort();

    const second = openEngine(folder, T0, 2);
    const recordedAtStop = completedActivityInputs(second.store.list(), 'gated').map(
      (input) => `gated(${input})`,
    );
    await second.engine.runUntilIdle();
    expect({
      // Everything that had started finished and was recorded before stop() returned...
      recordedAtStop,
      // ...and the rest ran in the next engine: each activity exactly once.
      output: second.engine.getStatus('fan')?.output,
      runs: tally(probe.calls),
    }).toEqual({
      recordedAtStop: startedByStop,
      output: [0, 1, 4, 9, 16, 25],
      runs: tally([0, 1, 2, 3, 4, 5].map((n) => `gated(${n})`)),
    });
    expect(startedByStop.length).toBeGreaterThanOrEqual(2);
    expect(startedByStop.length).toBeLessThan(6);
  });
});

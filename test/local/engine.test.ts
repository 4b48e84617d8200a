/**
 * The Durable engine driving the real durable-functions replay code, in virtual time — once with
 * the memory store and once with the SQLite store, which must behave the same. Each case starts
 * one orchestration of the test app (apps/durableApp.ts), drives the engine and compares the whole
 * outcome (status, output, custom status, history outline) at once.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../local/clock';
import type { DurableEngineOptions } from '../../local/durable/engine';
import { DurableEngine } from '../../local/durable/engine';
import { InstanceGoneError, InstanceNotFoundError } from '../../local/durable/errors';
import type { FunctionRegistry } from '../../local/host/functionsCore';
import { installFunctionsCore } from '../../local/host/functionsCore';
import { probe, resetProbe } from './apps/probe';
import type { StoreKind } from './helpers';
import { cleanUpTempFolders, outline, STORE_KINDS, T0 } from './helpers';

let registry: FunctionRegistry;

beforeAll(async () => {
  registry = installFunctionsCore();
  await import('./apps/durableApp');
});

beforeEach(() => resetProbe());
afterEach(() => cleanUpTempFolders());

/** An engine on a fresh store of `kind` (unless options give one), at T0 in virtual time. */
function newEngine(
  kind: StoreKind,
  options: Partial<DurableEngineOptions> = {},
): {
  engine: DurableEngine;
  clock: VirtualClock;
} {
  const clock = new VirtualClock(T0);
  return {
    engine: new DurableEngine({
      registry,
      clock,
      store: options.store ?? kind.fresh(),
      ...options,
    }),
    clock,
  };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The parts of an outcome every case compares. */
interface Outcome {
  runtimeStatus: string | undefined;
  output: unknown;
  customStatus: unknown;
  history: string[];
}

function outcomeOf(engine: DurableEngine, instanceId: string): Outcome {
  const status = engine.getStatus(instanceId);
  return {
    runtimeStatus: status?.runtimeStatus,
    output: status?.output,
    customStatus: status?.customStatus,
    history: outline(engine.history(instanceId)),
  };
}

interface Ctx {
  engine: DurableEngine;
  clock: VirtualClock;
  id: string;
}

interface Case {
  label: string;
  orchestrator: string;
  input?: unknown;
  engineOptions?: Partial<DurableEngineOptions>;
  /** Drives the engine after startNew; default: runUntilIdle. */
  drive?: (ctx: Ctx) => Promise<void>;
  expected: Outcome;
  /** Further checks beyond the whole-outcome comparison. */
  check?: (ctx: Ctx) => void;
}

const cases: Case[] = [
  {
    label: 'sequence of activities (undefined result recorded as null)',
    orchestrator: 'sequence',
    input: ['Tokyo', 'Seattle'],
    expected: {
      runtimeStatus: 'Completed',
      output: ['Hello Tokyo', 'Hello Seattle', 'null-result'],
      customStatus: null,
      history: [
        'ExecutionStarted',
        'TaskScheduled#0 hello',
        'TaskCompleted#0',
        'TaskScheduled#1 hello',
        'TaskCompleted#1',
        'TaskScheduled#2 nothing',
        'TaskCompleted#2',
        'ExecutionCompleted Completed',
      ],
    },
    check: ({ engine, id }) => {
      expect(probe.calls).toEqual(['hello("Tokyo")', 'hello("Seattle")', 'nothing()']);
      const nullResult = engine
        .history(id)
        .find((e) => e.EventType === 5 && e.TaskScheduledId === 2);
      expect(nullResult).toMatchObject({ Result: 'null' });
    },
  },
  {
    label: 'fan-out/fan-in of 10 activities with Task.all, 3 at a time',
    orchestrator: 'fanOut',
    input: 10,
    engineOptions: { activityConcurrency: 3 },
    expected: {
      runtimeStatus: 'Completed',
      output: 385,
      customStatus: null,
      history: [
        'ExecutionStarted',
        ...Array.from({ length: 10 }, (_, i) => `TaskScheduled#${i} slowSquare`),
        ...Array.from({ length: 10 }, (_, i) => `TaskCompleted#${i}`),
        'ExecutionCompleted Completed',
      ],
    },
    check: ({ engine }) => {
      expect({ probe: probe.maxRunning, engine: engine.counters.maxConcurrentActivities }).toEqual({
        probe: 3,
        engine: 3,
      });
    },
  },
  {
    label: 'Task.any: the external event wins, the canceled timer is dropped',
    orchestrator: 'approval',
    drive: async ({ engine, id }) => {
      await engine.runUntilIdle();
      expect(engine.nextTimerAt()).toBe(T0 + HOUR);
      await engine.raiseEvent(id, 'approve', 'alice');
      await engine.runUntilIdle();
      // Still waiting for "finish", but nothing waits for the canceled timer any more.
      expect(engine.getStatus(id)?.runtimeStatus).toBe('Running');
      expect(engine.nextTimerAt()).toBeUndefined();
      await engine.raiseEvent(id, 'finish', 42);
      await engine.runUntilIdle();
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { approved: 'alice', finish: 42 },
      customStatus: { stage: 'approved', by: 'alice' },
      history: [
        'ExecutionStarted',
        'TimerCreated#0',
        'EventRaised approve',
        'EventRaised finish',
        'ExecutionCompleted Completed',
      ],
    },
  },
  {
    label: 'Task.any: the timer wins',
    orchestrator: 'approval',
    drive: async ({ engine }) => {
      await engine.advanceBy(HOUR);
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { approved: false },
      customStatus: { stage: 'waiting' },
      history: [
        'ExecutionStarted',
        'TimerCreated#0',
        'TimerFired#0',
        'ExecutionCompleted Completed',
      ],
    },
  },
  {
    label: 'events raised before the orchestrator waits are buffered, not lost',
    orchestrator: 'early',
    drive: async ({ engine, id }) => {
      await engine.raiseEvent(id, 'go', 'first');
      await engine.raiseEvent(id, 'go', 'second');
      await engine.runUntilIdle();
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { greeting: 'Hello early', first: 'first', second: 'second' },
      customStatus: null,
      history: [
        'ExecutionStarted',
        'EventRaised go',
        'EventRaised go',
        'TaskScheduled#0 hello',
        'TaskCompleted#0',
        'ExecutionCompleted Completed',
      ],
    },
  },
  {
    label: 'callActivityWithRetry fails twice then succeeds (hidden retry ids)',
    orchestrator: 'retry',
    input: 'k1',
    drive: async ({ engine, clock }) => {
      await engine.runUntilIdle();
      expect(engine.nextTimerAt()).toBe(clock.now() + 1000);
      await engine.advanceBy(10_000);
    },
    expected: {
      runtimeStatus: 'Completed',
      output: 'ok after 3',
      customStatus: null,
      history: [
        'ExecutionStarted',
        'TaskScheduled#0 flaky',
        'TaskFailed#0',
        'TimerCreated#1',
        'TimerFired#1',
        'TaskScheduled#2 flaky',
        'TaskFailed#2',
        'TimerCreated#3',
        'TimerFired#3',
        'TaskScheduled#4 flaky',
        'TaskCompleted#4',
        'ExecutionCompleted Completed',
      ],
    },
    check: () => expect(probe.calls).toEqual(['flaky(k1)#1', 'flaky(k1)#2', 'flaky(k1)#3']),
  },
  {
    label: 'callActivityWithRetry gives up after maxNumberOfAttempts',
    orchestrator: 'retryExhausted',
    drive: async ({ engine }) => {
      await engine.advanceBy(HOUR);
    },
    expected: {
      runtimeStatus: 'Completed',
      output: {
        caught: expect.stringContaining("Activity function 'alwaysFails' failed: nope") as unknown,
      },
      customStatus: null,
      history: [
        'ExecutionStarted',
        'TaskScheduled#0 alwaysFails',
        'TaskFailed#0',
        'TimerCreated#1',
        'TimerFired#1',
        'TaskScheduled#2 alwaysFails',
        'TaskFailed#2',
        'TimerCreated#3',
        'TimerFired#3',
        'ExecutionCompleted Completed',
      ],
    },
  },
  {
    label: 'sub-orchestrations: results, parent id, and a failing child',
    orchestrator: 'parent',
    input: ['Ann', 'Bob'],
    expected: {
      runtimeStatus: 'Completed',
      output: {
        results: [
          { greeting: 'Hello Ann', parent: 'p-1' },
          { greeting: 'Hello Bob', parent: 'p-1' },
        ],
        failure: expect.stringContaining(
          "Orchestrator function 'child' failed: child bad refuses",
        ) as unknown,
      },
      customStatus: null,
      history: [
        'ExecutionStarted',
        'SubOrchestrationCreated#0 child',
        'SubOrchestrationCreated#1 child',
        'SubOrchestrationInstanceCompleted#0',
        'SubOrchestrationInstanceCompleted#1',
        'SubOrchestrationCreated#2 child',
        'SubOrchestrationInstanceFailed#2',
        'ExecutionCompleted Completed',
      ],
    },
    check: ({ engine }) => {
      expect(engine.listInstances().map((s) => [s.instanceId, s.runtimeStatus])).toEqual([
        ['p-1', 'Completed'],
        ['p-1:0000', 'Completed'],
        ['p-1:0001', 'Completed'],
        ['child-bad', 'Failed'],
      ]);
    },
  },
  {
    label: 'an orchestrator exception fails the instance with its message',
    orchestrator: 'failing',
    expected: {
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'failing' failed: kaboom",
      customStatus: null,
      history: [
        'ExecutionStarted',
        'TaskScheduled#0 hello',
        'TaskCompleted#0',
        'ExecutionCompleted Failed',
      ],
    },
  },
  {
    label: 'a 1-hour durable timer completes instantly in virtual time',
    orchestrator: 'napper',
    drive: async ({ engine }) => {
      await engine.runUntilIdle();
      expect(engine.nextTimerAt()).toBe(T0 + HOUR);
      await engine.advanceBy(HOUR);
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { start: new Date(T0).toISOString(), woke: new Date(T0 + HOUR).toISOString() },
      customStatus: null,
      history: [
        'ExecutionStarted',
        'TimerCreated#0',
        'TimerFired#0',
        'ExecutionCompleted Completed',
      ],
    },
  },
  {
    label: 'a long timer is split into hidden segments (schema V3+)',
    orchestrator: 'napper',
    engineOptions: {
      replay: {
        maximumShortTimerDuration: '00:20:00',
        longRunningTimerIntervalDuration: '00:15:00',
      },
    },
    drive: async ({ engine }) => {
      await engine.runUntilIdle();
      expect(engine.nextTimerAt()).toBe(T0 + 15 * MINUTE);
      await engine.advanceBy(HOUR);
    },
    expected: {
      runtimeStatus: 'Completed',
      output: { start: new Date(T0).toISOString(), woke: new Date(T0 + HOUR).toISOString() },
      customStatus: null,
      history: [
        'ExecutionStarted',
        'TimerCreated#0',
        'TimerFired#0',
        'TimerCreated#1',
        'TimerFired#1',
        'TimerCreated#2',
        'TimerFired#2',
        'TimerCreated#3',
        'TimerFired#3',
        'ExecutionCompleted Completed',
      ],
    },
  },
];

describe.each(STORE_KINDS)('with the $label', (kind) => {
  describe('DurableEngine orchestrations', () => {
    it.each(cases)('$label', async (c) => {
      const { engine, clock } = newEngine(kind, c.engineOptions);
      const id = await engine.startNew(c.orchestrator, {
        instanceId: c.orchestrator === 'parent' ? 'p-1' : `${c.orchestrator}-1`,
        input: c.input,
      });
      const ctx = { engine, clock, id };
      await (c.drive ?? (() => engine.runUntilIdle()))(ctx);
      expect(outcomeOf(engine, id)).toEqual(c.expected);
      c.check?.(ctx);
    });
  });

  describe('continueAsNew', () => {
    it('loops many executions with a bounded history', async () => {
      const { engine } = newEngine(kind);
      const id = await engine.startNew('counter', {
        instanceId: 'counter-1',
        input: { n: 0, target: 30 },
      });
      const sizes: number[] = [];
      for (let minute = 0; minute < 30; minute++) {
        await engine.advanceBy(MINUTE);
        sizes.push(engine.history(id).length);
      }
      expect({
        status: engine.getStatus(id)?.runtimeStatus,
        output: engine.getStatus(id)?.output,
        executions: engine.executions(id),
        largestHistory: Math.max(...sizes),
      }).toEqual({ status: 'Completed', output: 30, executions: 30, largestHistory: 8 });
    });

    it.each([
      {
        label: 'all three events before the first episode (never seen by the SDK)',
        orchestrator: 'collector',
        before: 3,
        after: 0,
        lastHistory: ['ExecutionStarted', 'EventRaised item', 'ExecutionCompleted Completed'],
      },
      {
        label: 'one event first, two more after the first episode',
        orchestrator: 'collector',
        before: 1,
        after: 2,
        lastHistory: ['ExecutionStarted', 'EventRaised item', 'ExecutionCompleted Completed'],
      },
      {
        label: 'events buffered by the SDK while an activity ran',
        orchestrator: 'batcher',
        before: 3,
        after: 0,
        lastHistory: [
          'ExecutionStarted',
          'EventRaised item',
          'TaskScheduled#0 hello',
          'TaskCompleted#0',
          'ExecutionCompleted Completed',
        ],
      },
    ])(
      'continueAsNew carries unconsumed events over: $label',
      async ({ orchestrator, before, after, lastHistory }) => {
        const { engine } = newEngine(kind);
        const id = await engine.startNew(orchestrator, { instanceId: `${orchestrator}-1` });
        for (let i = 1; i <= before; i++) await engine.raiseEvent(id, 'item', i);
        await engine.runUntilIdle();
        for (let i = before + 1; i <= before + after; i++) await engine.raiseEvent(id, 'item', i);
        await engine.runUntilIdle();
        expect({
          status: engine.getStatus(id)?.runtimeStatus,
          output: engine.getStatus(id)?.output,
          executions: engine.executions(id),
          lastHistory: outline(engine.history(id)),
        }).toEqual({ status: 'Completed', output: [1, 2, 3], executions: 3, lastHistory });
      },
    );
  });

  describe('management', () => {
    it('custom status is visible while the orchestrator waits', async () => {
      const { engine } = newEngine(kind);
      const id = await engine.startNew('waiter', { instanceId: 'w-1', input: { x: 1 } });
      expect(engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Pending', customStatus: null });
      await engine.runUntilIdle();
      expect(engine.getStatus(id, { showInput: false })).toEqual({
        name: 'waiter',
        instanceId: 'w-1',
        runtimeStatus: 'Running',
        input: null,
        output: null,
        customStatus: 'waiting for go',
        createdTime: new Date(T0).toISOString(),
        lastUpdatedTime: new Date(T0).toISOString(),
      });
    });

    it('suspend holds events until resume', async () => {
      const { engine } = newEngine(kind);
      const id = await engine.startNew('waiter', { instanceId: 'w-2' });
      await engine.runUntilIdle();
      await engine.suspend(id, 'maintenance');
      await engine.raiseEvent(id, 'go', 'later');
      await engine.runUntilIdle();
      const whileSuspended = engine.getStatus(id)?.runtimeStatus;
      await engine.resume(id, 'done');
      await engine.runUntilIdle();
      expect({
        whileSuspended,
        after: engine.getStatus(id)?.runtimeStatus,
        output: engine.getStatus(id)?.output,
      }).toEqual({
        whileSuspended: 'Suspended',
        after: 'Completed',
        output: { got: 'later' },
      });
      expect(outline(engine.history(id))).toEqual([
        'ExecutionStarted',
        'ExecutionSuspended',
        'EventRaised go',
        'ExecutionResumed',
        'ExecutionCompleted Completed',
      ]);
    });

    it('terminate ends the instance; later events are refused as Gone', async () => {
      const { engine } = newEngine(kind);
      const id = await engine.startNew('waiter', { instanceId: 'w-3' });
      await engine.runUntilIdle();
      await engine.terminate(id, 'no longer needed');
      await engine.runUntilIdle();
      expect(engine.getStatus(id)).toMatchObject({
        runtimeStatus: 'Terminated',
        output: 'no longer needed',
      });
      await expect(engine.raiseEvent(id, 'go', 1)).rejects.toBeInstanceOf(InstanceGoneError);
      await expect(engine.suspend(id)).rejects.toBeInstanceOf(InstanceGoneError);
    });

    it.each([
      { label: 'raiseEvent', call: (e: DurableEngine) => e.raiseEvent('missing', 'go') },
      { label: 'terminate', call: (e: DurableEngine) => e.terminate('missing', 'x') },
      { label: 'suspend', call: (e: DurableEngine) => e.suspend('missing') },
      { label: 'resume', call: (e: DurableEngine) => e.resume('missing') },
    ])('$label on an unknown instance is NotFound', async ({ call }) => {
      const { engine } = newEngine(kind);
      await expect(call(engine)).rejects.toBeInstanceOf(InstanceNotFoundError);
    });

    it('startNew refuses an active id, reuses a finished one, and purge forgets', async () => {
      const { engine } = newEngine(kind);
      await engine.startNew('waiter', { instanceId: 'dup' });
      await expect(engine.startNew('waiter', { instanceId: 'dup' })).rejects.toThrow(
        /already exists/,
      );
      await engine.raiseEvent('dup', 'go', 1);
      await engine.runUntilIdle();
      await engine.startNew('waiter', { instanceId: 'dup', input: 'second' });
      expect(engine.getStatus('dup')).toMatchObject({ runtimeStatus: 'Pending', input: 'second' });
      await expect(engine.startNew('nope')).rejects.toThrow(/doesn't exist/);
      expect(await engine.purge('dup')).toBe(true);
      expect({ status: engine.getStatus('dup'), purgedAgain: await engine.purge('dup') }).toEqual({
        status: undefined,
        purgedAgain: false,
      });
    });
  });

  describe('running', () => {
    it('a replay that asks for something else under a recorded id fails as non-deterministic', async () => {
      const { engine } = newEngine(kind);
      const id = await engine.startNew('fickle', { instanceId: 'fickle-1' });
      await engine.runUntilIdle();
      probe.fickle = 'activity';
      await engine.raiseEvent(id, 'poke');
      await engine.runUntilIdle();
      expect(engine.getStatus(id)).toMatchObject({
        runtimeStatus: 'Failed',
        output:
          "Orchestrator function 'fickle' failed: Non-deterministic workflow detected: sequence id 0 " +
          'now waits on activity hello, but the history recorded TimerCreated.',
      });
    });

    it('a second engine on the same store picks up where the first one stopped', async () => {
      const store = kind.fresh();
      const { engine: first } = newEngine(kind, { store });
      await first.startNew('sequence', { instanceId: 'r-1', input: ['A'] });
      // The first engine never runs: as if its process died right after accepting the start.
      const { engine: second } = newEngine(kind, { store: kind.reopen(store) });
      await second.runUntilIdle();
      expect(second.getStatus('r-1')).toMatchObject({
        runtimeStatus: 'Completed',
        output: ['Hello A', 'null-result'],
      });
    });

    it('start() runs work in the background and fires real timers with a SystemClock', async () => {
      const engine = new DurableEngine({ registry, clock: new SystemClock(), store: kind.fresh() });
      engine.start();
      try {
        const id = await engine.startNew('shortNap', { input: 20 });
        // No timing assertion: wait for the outcome; the test timeout is the only bound.
        while (engine.getStatus(id)?.runtimeStatus !== 'Completed') {
          await new Promise<void>((resolve) => setTimeout(resolve, 5));
        }
        expect({
          output: engine.getStatus(id)?.output,
          history: outline(engine.history(id)),
        }).toEqual({
          output: 'Hello awake',
          history: [
            'ExecutionStarted',
            'TimerCreated#0',
            'TimerFired#0',
            'TaskScheduled#1 hello',
            'TaskCompleted#1',
            'ExecutionCompleted Completed',
          ],
        });
      } finally {
        await engine.stop();
      }
    });

    it('advanceTo needs a settable clock', async () => {
      const engine = new DurableEngine({ registry, clock: new SystemClock(), store: kind.fresh() });
      await expect(engine.advanceBy(1000)).rejects.toThrow(/settable clock/);
    });
  });
});

describe('orchestration versioning, as Durable Functions 3.x records it', () => {
  it.each([
    {
      label: 'no default version: nothing recorded',
      defaultVersion: undefined,
      version: undefined,
      output: { first: '(none)', afterContinueAsNew: '(none)', child: '(none)', pinned: '9' },
    },
    {
      label: "host.json's default: the instance, its continuation and a child without one",
      defaultVersion: '2',
      version: undefined,
      output: { first: '2', afterContinueAsNew: '2', child: '2', pinned: '9' },
    },
    {
      label: 'startNew with a version wins over the default; a child gets the default',
      defaultVersion: '2',
      version: '1',
      output: { first: '1', afterContinueAsNew: '1', child: '2', pinned: '9' },
    },
  ])('$label', async ({ defaultVersion, version, output }) => {
    const { engine } = newEngine(STORE_KINDS[0]!);
    engine.defaultVersion = defaultVersion;
    await engine.startNew('versioned', { instanceId: 'v', ...(version ? { version } : {}) });
    await engine.advanceBy(MINUTE);
    expect(engine.getStatus('v')?.output).toEqual(output);
  });
});

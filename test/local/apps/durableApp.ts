/**
 * A test-only Durable app for the engine tests: small orchestrations that each exercise one
 * behaviour (sequence, fan-out, events, timers, retries, continueAsNew, sub-orchestrations,
 * failures). It registers at import time, like a real app; import it after installFunctionsCore().
 */
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { probe } from './probe';

const minutes = (n: number): number => n * 60_000;

function later(context: OrchestrationContext, ms: number): Date {
  return new Date(context.df.currentUtcDateTime.getTime() + ms);
}

df.app.activity('hello', {
  handler: (name: unknown) => {
    probe.calls.push(`hello(${JSON.stringify(name)})`);
    return `Hello ${String(name)}`;
  },
});

df.app.activity('nothing', {
  handler: () => {
    probe.calls.push('nothing()');
    return undefined;
  },
});

/** Stays "running" across a few turns of the event loop so concurrency is observable. */
df.app.activity('slowSquare', {
  handler: async (n: unknown) => {
    probe.running += 1;
    probe.maxRunning = Math.max(probe.maxRunning, probe.running);
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    probe.running -= 1;
    return Number(n) * Number(n);
  },
});

/** Fails the first two calls for a key, then succeeds. */
df.app.activity('flaky', {
  handler: (key: unknown) => {
    const k = String(key);
    const calls = (probe.flaky.get(k) ?? 0) + 1;
    probe.flaky.set(k, calls);
    probe.calls.push(`flaky(${k})#${calls}`);
    if (calls <= 2) throw new Error(`flaky failure ${calls}`);
    return `ok after ${calls}`;
  },
});

/** Squares its input, or never returns for an input in `probe.blocked` (a "crash" mid-run). */
df.app.activity('gated', {
  handler: async (n: unknown) => {
    probe.calls.push(`gated(${String(n)})`);
    if (probe.blocked.has(Number(n))) await new Promise<never>(() => undefined);
    await new Promise<void>((resolve) => setImmediate(resolve));
    return Number(n) * Number(n);
  },
});

df.app.activity('alwaysFails', {
  handler: () => {
    probe.calls.push('alwaysFails()');
    throw new Error('nope');
  },
});

df.app.orchestration('sequence', function* (context) {
  const cities = context.df.getInput<string[]>();
  const out: unknown[] = [];
  for (const city of cities) {
    const greeting: unknown = yield context.df.callActivity('hello', city);
    out.push(greeting);
  }
  const none: unknown = yield context.df.callActivity('nothing');
  out.push(none ?? 'null-result');
  return out;
});

df.app.orchestration('fanOut', function* (context) {
  const n = context.df.getInput<number>();
  const tasks = Array.from({ length: n }, (_, i) => context.df.callActivity('slowSquare', i + 1));
  const squares = (yield context.df.Task.all(tasks)) as number[];
  return squares.reduce((a, b) => a + b, 0);
});

/** Fan-out over `gated`: the restart tests stop it part-way. */
df.app.orchestration('gatedFanOut', function* (context) {
  const n = context.df.getInput<number>();
  const tasks = Array.from({ length: n }, (_, i) => context.df.callActivity('gated', i));
  return (yield context.df.Task.all(tasks)) as number[];
});

df.app.orchestration('gatedChild', function* (context) {
  const n = context.df.getInput<number>();
  const square: unknown = yield context.df.callActivity('gated', n);
  return { n, square };
});

/** Sub-orchestrations whose activities the restart tests stop part-way. */
df.app.orchestration('gatedParent', function* (context) {
  const ns = context.df.getInput<number[]>();
  return (yield context.df.Task.all(
    ns.map((n) => context.df.callSubOrchestrator('gatedChild', n)),
  )) as unknown[];
});

df.app.orchestration('approval', function* (context) {
  const timer = context.df.createTimer(later(context, minutes(60)));
  const approve = context.df.waitForExternalEvent('approve');
  context.df.setCustomStatus({ stage: 'waiting' });
  const winner: unknown = yield context.df.Task.any([approve, timer]);
  if (winner !== approve) return { approved: false };
  timer.cancel();
  context.df.setCustomStatus({ stage: 'approved', by: approve.result });
  const finish: unknown = yield context.df.waitForExternalEvent('finish');
  return { approved: approve.result, finish };
});

df.app.orchestration('early', function* (context) {
  const greeting: unknown = yield context.df.callActivity('hello', 'early');
  const first: unknown = yield context.df.waitForExternalEvent('go');
  const second: unknown = yield context.df.waitForExternalEvent('go');
  return { greeting, first, second };
});

df.app.orchestration('retry', function* (context) {
  const retry = new df.RetryOptions(1000, 3);
  const result: unknown = yield context.df.callActivityWithRetry(
    'flaky',
    retry,
    context.df.getInput(),
  );
  return result;
});

df.app.orchestration('retryExhausted', function* (context) {
  try {
    yield context.df.callActivityWithRetry('alwaysFails', new df.RetryOptions(500, 2));
    return 'unexpected success';
  } catch (err) {
    return { caught: err instanceof Error ? err.message : String(err) };
  }
});

df.app.orchestration('counter', function* (context) {
  const state = context.df.getInput<{ n: number; target: number }>();
  yield context.df.createTimer(later(context, minutes(1)));
  const n = state.n + 1;
  if (n < state.target) {
    context.df.continueAsNew({ n, target: state.target });
    return undefined;
  }
  return n;
});

df.app.orchestration('collector', function* (context) {
  const items = context.df.getInput<unknown[] | null>() ?? [];
  const item: unknown = yield context.df.waitForExternalEvent('item');
  const next = [...items, item];
  if (next.length < 3) {
    context.df.continueAsNew(next);
    return undefined;
  }
  return next;
});

df.app.orchestration('child', function* (context) {
  const input = context.df.getInput<{ name: string; fail?: boolean }>();
  if (input.fail) throw new Error(`child ${input.name} refuses`);
  const greeting: unknown = yield context.df.callActivity('hello', input.name);
  return { greeting, parent: context.df.parentInstanceId };
});

df.app.orchestration('parent', function* (context) {
  const names = context.df.getInput<string[]>();
  const results: unknown = yield context.df.Task.all(
    names.map((name) => context.df.callSubOrchestrator('child', { name })),
  );
  try {
    yield context.df.callSubOrchestrator('child', { name: 'bad', fail: true }, 'child-bad');
  } catch (err) {
    return { results, failure: err instanceof Error ? err.message : String(err) };
  }
  return { results };
});

df.app.orchestration('failing', function* (context) {
  yield context.df.callActivity('hello', 'doomed');
  throw new Error('kaboom');
});

df.app.orchestration('waiter', function* (context) {
  context.df.setCustomStatus('waiting for go');
  const data: unknown = yield context.df.waitForExternalEvent('go');
  return { got: data };
});

df.app.orchestration('napper', function* (context) {
  const start = context.df.currentUtcDateTime.toISOString();
  yield context.df.createTimer(later(context, minutes(60)));
  return { start, woke: context.df.currentUtcDateTime.toISOString() };
});

df.app.orchestration('shortNap', function* (context) {
  const ms = context.df.getInput<number>();
  yield context.df.createTimer(later(context, ms));
  const greeting: unknown = yield context.df.callActivity('hello', 'awake');
  return greeting;
});

/** Deliberately non-deterministic: reads module state that the test changes between episodes. */
df.app.orchestration('fickle', function* (context) {
  if (probe.fickle === 'timer') yield context.df.createTimer(later(context, minutes(60)));
  else yield context.df.callActivity('hello', 'fickle');
  return 'unreachable when replayed differently';
});

/** Like collector, but busy with an activity first: early items are buffered by the SDK. */
df.app.orchestration('batcher', function* (context) {
  const items = context.df.getInput<unknown[] | null>() ?? [];
  yield context.df.callActivity('hello', 'batch');
  const item: unknown = yield context.df.waitForExternalEvent('item');
  const next = [...items, item];
  if (next.length < 3) {
    context.df.continueAsNew(next);
    return undefined;
  }
  return next;
});

/**
 * Reports the versions it sees: its own after one continueAsNew, and those of two children, one
 * started without a version and one with "9".
 */
df.app.orchestration('versioned', function* (context) {
  const before = context.df.getInput<string | null>();
  if (before === null || before === undefined) {
    context.df.continueAsNew(context.df.version ?? '(none)');
    return undefined;
  }
  const child: unknown = yield context.df.callSubOrchestrator('versionOfMine');
  const pinned: unknown = yield context.df.callSubOrchestrator(
    'versionOfMine',
    undefined,
    undefined,
    '9',
  );
  return { first: before, afterContinueAsNew: context.df.version ?? '(none)', child, pinned };
});

df.app.orchestration('versionOfMine', function* (context) {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 1000));
  return context.df.version ?? '(none)';
});

/**
 * A test-only app for the protocol contract test: one function per binding type, and
 * orchestrations whose replay exposes the protocol details the local engine relies on. Import
 * after installFunctionsCore().
 */
import { app } from '@azure/functions';
import * as df from 'durable-functions';

const DAY = 24 * 60 * 60_000;

/** What the contract functions saw, for assertions. */
export const seen: { timer?: unknown; activityInputs: unknown[] } = { activityInputs: [] };

app.http('cHttp', {
  route: 'pools/{name}',
  methods: ['GET', 'POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: () => ({ status: 204 }),
});

app.timer('cTimer', {
  schedule: '*/15 * * * * *',
  runOnStartup: true,
  handler: (timer) => {
    seen.timer = timer;
  },
});

df.app.activity('cEcho', {
  handler: (input: unknown) => {
    seen.activityInputs.push(input);
    return input;
  },
});

df.app.orchestration('cShapes', function* (context) {
  const t = context.df.currentUtcDateTime.getTime();
  yield context.df.callActivity('cEcho', 'x');
  yield context.df.Task.all([
    context.df.callActivity('cEcho', 1),
    context.df.createTimer(new Date(t + 60_000)),
  ]);
  yield context.df.Task.any([
    context.df.waitForExternalEvent('e'),
    context.df.callSubOrchestrator('cFail', { n: 1 }, 'sub-1'),
  ]);
  return 'done';
});

df.app.orchestration('cRetry', function* (context) {
  const result: unknown = yield context.df.callActivityWithRetry(
    'cEcho',
    new df.RetryOptions(1000, 3),
    'r',
  );
  return result;
});

df.app.orchestration('cLongTimer', function* (context) {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 10 * DAY));
  return 'woke';
});

df.app.orchestration('cFail', function* (context) {
  context.df.setCustomStatus('about to fail');
  yield context.df.callActivity('cEcho', 'before');
  throw new Error('contract boom');
});

df.app.orchestration('cCatch', function* (context) {
  try {
    yield context.df.callActivity('cEcho', 'will fail');
    return 'no failure';
  } catch (err) {
    return {
      message: err instanceof Error ? err.message : String(err),
      taskFailedError: err instanceof df.TaskFailedError,
    };
  }
});

df.app.orchestration('cEvents', function* (context) {
  yield context.df.callActivity('cEcho', 0);
  const a: unknown = yield context.df.waitForExternalEvent('a');
  return a;
});

df.app.orchestration('cContinue', function* (context) {
  yield context.df.callActivity('cEcho', context.df.getInput());
  context.df.continueAsNew('next');
  return undefined;
});

/**
 * A test-only app of timer functions: schedules to check against UTC instants, runOnStartup, a
 * slow timer (held by a gate) for overlap, one that fails, one scheduled from an app setting,
 * and a timer that starts an orchestration with a durable timer (the virtual-time driver test).
 * The tests pick the timers they want (sub-registries or `AzureWebJobs.<name>.Disabled`).
 */
import type { InvocationContext, Timer } from '@azure/functions';
import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { timerProbe } from './timerProbe';

function record(name: string) {
  return (timer: Timer): void => {
    timerProbe.calls.push({
      fn: name,
      isPastDue: timer.isPastDue,
      last: timer.scheduleStatus?.last ?? null,
      next: timer.scheduleStatus?.next ?? null,
    });
  };
}

app.hook.appStart(() => {
  timerProbe.hooks.push('appStart');
});
app.hook.appTerminate(() => {
  timerProbe.hooks.push('appTerminate');
});

const timers: [name: string, schedule: string, runOnStartup?: boolean][] = [
  ['quarterHour', '0 */15 * * * *'],
  ['weekdayMorning', '0 30 9 * * 1-5'],
  ['fridayThe13th', '0 0 12 13 * 5'],
  ['everyFifteenSeconds', '*/15 * * * * *'],
  ['startup', '0 0 0 * * *', true],
  ['fromSetting', '%TEST_TICK_SCHEDULE%'],
];
for (const [name, schedule, runOnStartup] of timers) {
  app.timer(name, { schedule, runOnStartup: runOnStartup ?? false, handler: record(name) });
}

app.timer('slow', {
  schedule: '*/10 * * * * *',
  handler: async (timer) => {
    record('slow')(timer);
    await timerProbe.slowGate.opened;
  },
});

app.timer('fails', {
  schedule: '0 0 * * * *',
  handler: () => {
    throw new Error('timer failed on purpose');
  },
});

app.timer('startupRealTime', {
  schedule: '0 0 0 1 1 *',
  runOnStartup: true,
  handler: () => {
    timerProbe.realTimeRan.open();
  },
});

// Every 5 minutes: start a `delayed` orchestration that waits 90 s on a durable timer.
app.timer('kickoff', {
  schedule: '0 */5 * * * *',
  extraInputs: [df.input.durableClient()],
  handler: async (_timer: Timer, context: InvocationContext) => {
    const client = df.getClient(context);
    await client.startNew('delayed', { input: { seconds: 90 } });
  },
});

df.app.orchestration('delayed', function* (context) {
  const { seconds } = context.df.getInput<{ seconds: number }>();
  const start = context.df.currentUtcDateTime;
  yield context.df.callActivity('milestone', `started@${start.toISOString()}`);
  yield context.df.createTimer(new Date(start.getTime() + seconds * 1000));
  yield context.df.callActivity(
    'milestone',
    `fired@${context.df.currentUtcDateTime.toISOString()}`,
  );
});

df.app.activity('milestone', {
  // Activities run once per scheduling (never on replay), so this records each milestone once.
  handler: (text: unknown) => {
    timerProbe.milestones.push(String(text));
  },
});

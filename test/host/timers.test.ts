/**
 * Timer triggers on a virtual clock: schedules fire at the right UTC instants, runOnStartup,
 * isPastDue after a jump (missed occurrences collapse into one run), no overlap with itself,
 * the schedule monitor (statuses persisted, a missed occurrence run at start), failures, disabled
 * timers and `%SETTING%` schedules; and one real-clock start-up run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SettableClock } from '../../local/clock';
import { SystemClock, VirtualClock } from '../../local/clock';
import type { FunctionRegistry } from '../../local/host/functionsCore';
import { installFunctionsCore } from '../../local/host/functionsCore';
import { collectingHostLog } from '../../local/host/log';
import type { ScheduleStatus, TimerRun, TimerSchedulerOptions } from '../../local/host/timers';
import {
  checkPastDue,
  parseTimerSchedule,
  TimerScheduleError,
  TimerScheduler,
} from '../../local/host/timers';
import { timerProbe } from './apps/timerProbe';
import { expectResult, iso, subRegistry, T0, TempDirs } from './helpers';

let registry: FunctionRegistry;
const temp = new TempDirs();

beforeAll(async () => {
  registry = installFunctionsCore();
  await import('./apps/timerApp');
});
beforeEach(() => timerProbe.reset());
afterAll(() => temp.removeAll());

const at = (hhmmss: string, day = '2025-01-03'): number => Date.parse(`${day}T${hhmmss}Z`);

/** A scheduler over only the named timers, on a virtual clock at `start`. */
function scheduler(
  names: string[],
  options: Partial<TimerSchedulerOptions> & { start?: number } = {},
): { timers: TimerScheduler; clock: SettableClock; log: ReturnType<typeof collectingHostLog> } {
  const clock = new VirtualClock(options.start ?? T0);
  const log = collectingHostLog();
  const timers = new TimerScheduler({
    registry: subRegistry(registry, names),
    clock,
    log,
    env: {},
    ...options,
  });
  return { timers, clock, log };
}

/** Jump from due time to due time until `until`, firing what is due. */
async function drive(timers: TimerScheduler, clock: SettableClock, until: number): Promise<void> {
  for (;;) {
    const next = timers.nextDueAt();
    if (next === undefined || next > until) break;
    if (next > clock.now()) clock.set(next);
    await timers.fireDue();
  }
  if (until > clock.now()) clock.set(until);
}

/** A run as one short comparable line. */
const line = (r: TimerRun): string =>
  `${r.functionName} ${r.reason} @${iso(r.startedAt)}${r.scheduledFor !== undefined ? ` for ${iso(r.scheduledFor)}` : ''}${r.isPastDue ? ' pastDue' : ''}${r.outcome === 'failed' ? ` failed: ${r.error ?? ''}` : ''}`;

describe('parsing schedules', () => {
  const cases: { label: string; schedule: string; next3: string[] }[] = [
    {
      label: 'every 15 minutes',
      schedule: '0 */15 * * * *',
      next3: ['2025-01-03T09:15:00.000Z', '2025-01-03T09:30:00.000Z', '2025-01-03T09:45:00.000Z'],
    },
    {
      label: 'every 15 seconds',
      schedule: '*/15 * * * * *',
      next3: ['2025-01-03T09:00:15.000Z', '2025-01-03T09:00:30.000Z', '2025-01-03T09:00:45.000Z'],
    },
    {
      label: 'weekdays at 09:30 UTC skip the weekend',
      schedule: '0 30 9 * * 1-5',
      next3: ['2025-01-03T09:30:00.000Z', '2025-01-06T09:30:00.000Z', '2025-01-07T09:30:00.000Z'],
    },
    {
      label: 'day-of-month AND day-of-week (NCRONTAB): Friday the 13th',
      schedule: '0 0 12 13 * 5',
      next3: ['2025-06-13T12:00:00.000Z', '2026-02-13T12:00:00.000Z', '2026-03-13T12:00:00.000Z'],
    },
    {
      label: 'day names',
      schedule: '0 0 9 * * MON',
      next3: ['2025-01-06T09:00:00.000Z', '2025-01-13T09:00:00.000Z', '2025-01-20T09:00:00.000Z'],
    },
    {
      label: 'start/step',
      schedule: '5/20 * * * * *',
      next3: ['2025-01-03T09:00:05.000Z', '2025-01-03T09:00:25.000Z', '2025-01-03T09:00:45.000Z'],
    },
    {
      label: 'TimeSpan',
      schedule: '00:05:00',
      next3: ['2025-01-03T09:05:00.000Z', '2025-01-03T09:10:00.000Z', '2025-01-03T09:15:00.000Z'],
    },
    {
      label: 'TimeSpan with days',
      schedule: '1.00:00:00',
      next3: ['2025-01-04T09:00:00.000Z', '2025-01-05T09:00:00.000Z', '2025-01-06T09:00:00.000Z'],
    },
  ];
  it.each(cases)('$label', ({ label, schedule, next3 }) => {
    const s = parseTimerSchedule(schedule);
    const out: string[] = [];
    let t: number | undefined = T0;
    for (let i = 0; i < 3 && t !== undefined; i++) {
      t = s.nextAfter(t);
      if (t !== undefined) out.push(iso(t));
    }
    expectResult(label, out, next3);
  });

  const bad: { label: string; schedule: string; problem: string }[] = [
    {
      label: 'five fields',
      schedule: '*/5 * * * *',
      problem:
        'expected six NCRONTAB fields (second minute hour day month day-of-week) or a TimeSpan (hh:mm:ss), got 5 field(s)',
    },
    {
      label: 'empty',
      schedule: ' ',
      problem:
        'expected six NCRONTAB fields (second minute hour day month day-of-week) or a TimeSpan (hh:mm:ss), got 0 field(s)',
    },
    {
      label: 'L is not NCRONTAB',
      schedule: '0 0 0 L * *',
      problem: 'the day field "L" is not NCRONTAB syntax',
    },
    {
      label: '? is not NCRONTAB',
      schedule: '0 0 0 ? * *',
      problem: 'the day field "?" is not NCRONTAB syntax',
    },
    {
      label: '# is not NCRONTAB',
      schedule: '0 0 0 * * 1#2',
      problem: 'the day-of-week field "1#2" is not NCRONTAB syntax',
    },
    {
      label: 'name in the seconds',
      schedule: 'MON * * * * *',
      problem: 'the second field "MON" is not NCRONTAB syntax',
    },
    {
      label: 'out of range',
      schedule: '0 61 * * * *',
      problem: 'CronPattern: Invalid value for minute: 61',
    },
  ];
  it.each(bad)('refuses $label', ({ label, schedule, problem }) => {
    let caught: unknown;
    try {
      parseTimerSchedule(schedule, 'tick');
    } catch (err) {
      caught = err;
    }
    expectResult(
      label,
      caught instanceof TimerScheduleError
        ? { fn: caught.functionName, schedule: caught.schedule, problem: caught.problem }
        : caught,
      { fn: 'tick', schedule, problem },
    );
  });
});

describe('firing on a virtual clock', () => {
  it('fires at the right UTC instants, in due order then registration order', async () => {
    const { timers, clock } = scheduler(['quarterHour', 'weekdayMorning']);
    await timers.start();
    await drive(timers, clock, at('10:00:00'));
    expectResult('runs', timers.runs.map(line), [
      'quarterHour schedule @2025-01-03T09:15:00.000Z for 2025-01-03T09:15:00.000Z',
      'quarterHour schedule @2025-01-03T09:30:00.000Z for 2025-01-03T09:30:00.000Z',
      'weekdayMorning schedule @2025-01-03T09:30:00.000Z for 2025-01-03T09:30:00.000Z',
      'quarterHour schedule @2025-01-03T09:45:00.000Z for 2025-01-03T09:45:00.000Z',
      'quarterHour schedule @2025-01-03T10:00:00.000Z for 2025-01-03T10:00:00.000Z',
    ]);
  });

  it('skips the weekend for a weekday schedule', async () => {
    const { timers, clock } = scheduler(['weekdayMorning']);
    await timers.start();
    await drive(timers, clock, at('10:00:00', '2025-01-07'));
    expectResult(
      'weekdays',
      timers.runs.map((r) => iso(r.startedAt)),
      ['2025-01-03T09:30:00.000Z', '2025-01-06T09:30:00.000Z', '2025-01-07T09:30:00.000Z'],
    );
  });

  it('runOnStartup runs once at start, then the schedule takes over', async () => {
    const { timers, clock } = scheduler(['startup']);
    await timers.start();
    const dueAtStart = timers.nextDueAt();
    await drive(timers, clock, at('00:00:00', '2025-01-04'));
    expectResult(
      'startup',
      { dueAtStart: dueAtStart && iso(dueAtStart), runs: timers.runs.map(line) },
      {
        dueAtStart: iso(T0),
        runs: [
          'startup runOnStartup @2025-01-03T09:00:00.000Z',
          'startup schedule @2025-01-04T00:00:00.000Z for 2025-01-04T00:00:00.000Z',
        ],
      },
    );
  });

  it('a jump past due times gives one late run with isPastDue; missed occurrences collapse', async () => {
    const { timers, clock } = scheduler(['quarterHour']);
    await timers.start();
    clock.set(at('09:15:00') + 500); // within the threshold: on time
    await timers.fireDue();
    clock.set(at('10:07:00')); // 09:30, 09:45 and 10:00 all passed
    const fired = await timers.fireDue();
    const next = timers.nextDueAt();
    expectResult(
      'jump',
      {
        fired,
        next: next && iso(next),
        runs: timers.runs.map(line),
        seenByFunction: timerProbe.calls.map((c) => c.isPastDue),
      },
      {
        fired: 1,
        next: '2025-01-03T10:15:00.000Z',
        runs: [
          'quarterHour schedule @2025-01-03T09:15:00.500Z for 2025-01-03T09:15:00.000Z',
          'quarterHour schedule @2025-01-03T10:07:00.000Z for 2025-01-03T09:30:00.000Z pastDue',
        ],
        seenByFunction: [false, true],
      },
    );
  });

  it('never runs a timer concurrently with itself; the overrun becomes one catch-up run', async () => {
    const { timers, clock } = scheduler(['slow']);
    await timers.start();
    clock.set(at('09:00:10'));
    const first = timers.fireDue(); // held by the gate
    clock.set(at('09:00:35'));
    const whileRunning = {
      fireDue: await timers.fireDue(),
      trigger: await timers.trigger('slow'),
      nextDueAt: timers.nextDueAt(),
      skipped: timers.skipped,
    };
    timerProbe.slowGate.open();
    await first;
    const catchUpDue = timers.nextDueAt();
    await timers.fireDue();
    const after = timers.nextDueAt();
    expectResult(
      'overlap',
      {
        whileRunning,
        catchUpDue: catchUpDue && iso(catchUpDue),
        after: after && iso(after),
        runs: timers.runs.map(line),
      },
      {
        whileRunning: { fireDue: 0, trigger: undefined, nextDueAt: undefined, skipped: 2 },
        // Next is computed from the start of the long run (09:00:10): 09:00:20, already passed.
        catchUpDue: '2025-01-03T09:00:20.000Z',
        after: '2025-01-03T09:00:40.000Z',
        runs: [
          'slow schedule @2025-01-03T09:00:10.000Z for 2025-01-03T09:00:10.000Z',
          'slow schedule @2025-01-03T09:00:35.000Z for 2025-01-03T09:00:20.000Z pastDue',
        ],
      },
    );
  });

  it('a failing run is logged and keeps its schedule', async () => {
    const { timers, clock, log } = scheduler(['fails']);
    await timers.start();
    await drive(timers, clock, at('10:00:00'));
    const next = timers.nextDueAt();
    expectResult(
      'fails',
      {
        runs: timers.runs.map(line),
        next: next && iso(next),
        logged: log.lines
          .filter((l) => l.startsWith('error:'))
          .map((l) => l.replace(/Id=[-\w]+, Duration=\d+ms/, 'Id=…')),
      },
      {
        runs: [
          'fails schedule @2025-01-03T10:00:00.000Z for 2025-01-03T10:00:00.000Z failed: timer failed on purpose',
        ],
        next: '2025-01-03T11:00:00.000Z',
        logged: ["error: Executed 'Functions.fails' (Failed: timer failed on purpose, Id=…)"],
      },
    );
  });

  it('honours AzureWebJobs.<name>.Disabled and %SETTING% schedules', async () => {
    const { timers } = scheduler(['quarterHour', 'fromSetting'], {
      env: { TEST_TICK_SCHEDULE: '0 0 * * * *', 'AzureWebJobs.quarterHour.Disabled': 'true' },
    });
    await timers.start();
    expectResult(
      'described',
      timers.describe().map((t) => [t.functionName, t.schedule, t.nextDueAt && iso(t.nextDueAt)]),
      [['fromSetting', '0 0 * * * *', '2025-01-03T10:00:00.000Z']],
    );
  });

  it('a schedule naming a missing setting stops start-up', async () => {
    const { timers } = scheduler(['fromSetting']);
    await expect(timers.start()).rejects.toThrow(
      'Timer "fromSetting": schedule "%TEST_TICK_SCHEDULE%" is not valid: it refers to the app setting TEST_TICK_SCHEDULE, which is not set',
    );
  });
});

describe('schedule monitor', () => {
  it('is on for schedules of a minute or more, as in the host', async () => {
    const { timers } = scheduler(['quarterHour', 'everyFifteenSeconds']);
    await timers.start();
    expect(timers.describe().map((t) => [t.functionName, t.useMonitor])).toEqual([
      ['quarterHour', true],
      ['everyFifteenSeconds', false],
    ]);
  });

  it('persists statuses; a missed occurrence runs at start with isPastDue', async () => {
    const statusFile = path.join(temp.make(), 'timers.json');
    const first = scheduler(['quarterHour'], { statusFile });
    await first.timers.start();
    await drive(first.timers, first.clock, at('09:20:00'));
    await first.timers.stop();
    const saved = JSON.parse(readFileSync(statusFile, 'utf8')) as unknown;

    // The host was down from 09:20 to 10:05: 09:30 … 10:00 were missed.
    const second = scheduler(['quarterHour'], { statusFile, start: at('10:05:00') });
    await second.timers.start();
    const dueAtStart = second.timers.nextDueAt();
    await second.timers.fireDue();
    const next = second.timers.nextDueAt();
    await second.timers.stop();
    expectResult(
      'monitor',
      {
        saved,
        dueAtStart: dueAtStart && iso(dueAtStart),
        runs: second.timers.runs.map(line),
        seenByFunction: timerProbe.calls,
        next: next && iso(next),
      },
      {
        saved: {
          quarterHour: {
            Last: '2025-01-03T09:15:00.000Z',
            Next: '2025-01-03T09:30:00.000Z',
            LastUpdated: '2025-01-03T09:15:00.000Z',
          },
        },
        dueAtStart: '2025-01-03T10:05:00.000Z',
        runs: [
          'quarterHour pastDue @2025-01-03T10:05:00.000Z for 2025-01-03T09:30:00.000Z pastDue',
        ],
        seenByFunction: [
          {
            fn: 'quarterHour',
            isPastDue: false,
            last: '0001-01-01T00:00:00.000Z',
            next: '2025-01-03T09:15:00.000Z',
          },
          {
            fn: 'quarterHour',
            isPastDue: true,
            last: '2025-01-03T09:15:00.000Z',
            next: '2025-01-03T09:30:00.000Z',
          },
        ],
        next: '2025-01-03T10:15:00.000Z',
      },
    );
  });

  const quarter = parseTimerSchedule('0 */15 * * * *');
  const status = (last?: string, next?: string, lastUpdated?: string): ScheduleStatus => ({
    last: last === undefined ? undefined : at(last),
    next: next === undefined ? undefined : at(next),
    lastUpdated: lastUpdated === undefined ? undefined : at(lastUpdated),
  });
  const cases: {
    label: string;
    stored: ScheduleStatus | undefined;
    expected: { status: ScheduleStatus; pastDue: boolean };
  }[] = [
    {
      label: 'nothing recorded',
      stored: undefined,
      expected: { status: status(undefined, '09:15:00', '09:00:00'), pastDue: false },
    },
    {
      label: 'recorded, next not passed',
      stored: status('08:45:00', '09:00:00', '08:45:00'),
      expected: { status: status('08:45:00', '09:00:00', '08:45:00'), pastDue: false },
    },
    {
      label: 'recorded, next passed: past due',
      stored: status('08:15:00', '08:30:00', '08:15:00'),
      expected: { status: status('08:15:00', '08:30:00', '08:15:00'), pastDue: true },
    },
    {
      label: 'never ran, recorded next passed: past due',
      stored: status(undefined, '08:15:00', '08:05:00'),
      expected: { status: status(undefined, '08:15:00', '08:05:00'), pastDue: true },
    },
    {
      label: 'schedule changed and its next passed: restart from now, not past due',
      stored: status('08:15:00', '08:20:00', '08:15:00'),
      expected: { status: status(undefined, '09:15:00', '09:00:00'), pastDue: false },
    },
    {
      label: 'a status from the future (a virtual run) is ignored',
      stored: status('09:00:00', '09:15:00', '09:00:00'),
      expected: { status: status(undefined, '08:15:00', '08:00:00'), pastDue: false },
    },
  ];
  it.each(cases)('checkPastDue: $label', ({ label, stored, expected }) => {
    const now = label.includes('future') ? at('08:00:00') : T0;
    expectResult(label, checkPastDue(quarter, stored, now), expected);
  });
});

describe('real time', () => {
  it('runs a runOnStartup timer on a real timeout, and stop() waits for it', async () => {
    const timers = new TimerScheduler({
      registry: subRegistry(registry, ['startupRealTime']),
      clock: new SystemClock(),
      log: collectingHostLog(),
      env: {},
    });
    await timers.start();
    await timerProbe.realTimeRan.opened;
    await timers.stop();
    expectResult(
      'real time',
      timers.runs.map((r) => [r.functionName, r.reason, r.outcome]),
      [['startupRealTime', 'runOnStartup', 'succeeded']],
    );
  });
});

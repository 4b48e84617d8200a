/**
 * The virtual-time driver over a whole host: a timer function starts an orchestration (through
 * the real durable client, over the host's HTTP front end) that waits on a durable timer; time
 * jumps from due time to due time — host timers, durable timers, and an extra participant — and
 * everything due at an instant runs there.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../local/clock';
import type { Host } from '../../local/host/host';
import { startHost } from '../../local/host/host';
import { collectingHostLog } from '../../local/host/log';
import type { VirtualTimeParticipant } from '../../local/host/virtualTime';
import { driveVirtualTime } from '../../local/host/virtualTime';
import { timerProbe } from './apps/timerProbe';
import { expectResult, iso, T0, TempDirs } from './helpers';

const temp = new TempDirs();
let host: Host;
let clock: VirtualClock;

/** Every timer of the app but `kickoff` is disabled through its app setting. */
const OTHER_TIMERS = [
  'quarterHour',
  'weekdayMorning',
  'fridayThe13th',
  'everyFifteenSeconds',
  'startup',
  'fromSetting',
  'slow',
  'fails',
  'startupRealTime',
];

beforeAll(async () => {
  clock = new VirtualClock(T0);
  host = await startHost({
    appEntry: 'test/host/apps/timerApp.ts',
    stateDir: temp.make(),
    clock,
    port: 0,
    log: collectingHostLog(),
    env: Object.fromEntries(OTHER_TIMERS.map((n) => [`AzureWebJobs.${n}.Disabled`, 'true'])),
  });
});
beforeEach(() => timerProbe.reset());
afterAll(async () => {
  await host.close();
  temp.removeAll();
});

/** A participant with events at fixed instants, recording when it ran. */
function scripted(times: number[]): VirtualTimeParticipant {
  const pending = [...times];
  return {
    nextEventAt: () => pending[0],
    runDue: (now) => {
      while (pending[0] !== undefined && pending[0] <= now) pending.shift();
      timerProbe.milestones.push(`participant@${iso(now)}`);
    },
  };
}

describe('driveVirtualTime', () => {
  it('interleaves timer functions, orchestrations, durable timers and participants in time order', async () => {
    const report = await driveVirtualTime(host, T0 + 12 * 60_000, {
      participants: [scripted([T0 + 6 * 60_000])],
    });
    const instances = host.engine
      .listInstances()
      .map((s) => [s.name, s.runtimeStatus, s.createdTime]);
    expectResult(
      'interleaved',
      {
        report,
        timerRuns: host.timers.runs.map((r) => `${r.functionName}@${iso(r.startedAt)}`),
        milestones: timerProbe.milestones,
        instances,
        clock: iso(clock.now()),
      },
      {
        // start, 09:05, 09:06 (participant), 09:06:30, 09:10, 09:11:30, the end at 09:12
        report: { instants: 7, timerRuns: 2, now: T0 + 12 * 60_000 },
        timerRuns: ['kickoff@2025-01-03T09:05:00.000Z', 'kickoff@2025-01-03T09:10:00.000Z'],
        milestones: [
          'started@2025-01-03T09:05:00.000Z',
          'participant@2025-01-03T09:06:00.000Z',
          'fired@2025-01-03T09:06:30.000Z',
          'started@2025-01-03T09:10:00.000Z',
          'fired@2025-01-03T09:11:30.000Z',
        ],
        instances: [
          ['delayed', 'Completed', '2025-01-03T09:05:00.000Z'],
          ['delayed', 'Completed', '2025-01-03T09:10:00.000Z'],
        ],
        clock: '2025-01-03T09:12:00.000Z',
      },
    );
  });

  it('refuses a real clock, a time in the past, and a participant that is always due', async () => {
    const realClockHost = { ...host, clock: new SystemClock() };
    const stuck: VirtualTimeParticipant = { nextEventAt: () => clock.now() };
    await expect(driveVirtualTime(realClockHost, T0)).rejects.toThrow(
      'driveVirtualTime needs a SettableClock (VirtualClock)',
    );
    await expect(driveVirtualTime(host, T0)).rejects.toThrow(/is before now/);
    await expect(
      driveVirtualTime(host, clock.now() + 1000, {
        participants: [stuck],
        maxPassesPerInstant: 5,
      }),
    ).rejects.toThrow(/still busy after 5 passes/);
  });
});

/**
 * Starting and stopping the host: a real-clock host runs its runOnStartup timer by itself and
 * close() stops timers, engine loop and server; app lifecycle hooks run; a start-up that fails
 * (bad settings, a broken app entry, a bad timer schedule after the server is up) names the
 * problem and leaves nothing listening.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SystemClock, VirtualClock } from '../../local/clock';
import { startHost } from '../../local/host/host';
import { collectingHostLog } from '../../local/host/log';
import { timerProbe } from './apps/timerProbe';
import { expectResult, freePort, isListening, T0, TempDirs } from './helpers';

const APP = 'test/host/apps/timerApp.ts';
const temp = new TempDirs();
beforeEach(() => timerProbe.reset());
afterAll(() => temp.removeAll());

/** Disable every timer of the app except `keep`. */
function onlyTimers(...keep: string[]): Record<string, string> {
  const all = [
    'quarterHour',
    'weekdayMorning',
    'fridayThe13th',
    'everyFifteenSeconds',
    'startup',
    'fromSetting',
    'slow',
    'fails',
    'startupRealTime',
    'kickoff',
  ];
  return Object.fromEntries(
    all.filter((n) => !keep.includes(n)).map((n) => [`AzureWebJobs.${n}.Disabled`, 'true']),
  );
}

describe('lifecycle', () => {
  it('real time: runOnStartup fires by itself; close() stops everything it started', async () => {
    const stateDir = temp.make();
    const host = await startHost({
      appEntry: APP,
      stateDir,
      clock: new SystemClock(),
      port: 0,
      env: onlyTimers('startupRealTime'),
      log: collectingHostLog(),
    });
    await timerProbe.realTimeRan.opened;
    await host.close();
    await host.close(); // idempotent
    expectResult(
      'real time',
      {
        runs: host.timers.runs.map((r) => [r.functionName, r.reason]),
        listening: await isListening(host.port),
        hooks: timerProbe.hooks,
        functionAppDirectory: host.functionAppDirectory,
      },
      {
        runs: [['startupRealTime', 'runOnStartup']],
        listening: false,
        hooks: ['appStart', 'appTerminate'],
        // host.json is found above the app entry: the repository root.
        functionAppDirectory: process.cwd(),
      },
    );
  });

  it('a malformed settings file stops start-up, naming the file', async () => {
    const dir = temp.make();
    const settingsFile = path.join(dir, 'local.settings.json');
    writeFileSync(settingsFile, '{"IsEncrypted": true}');
    await expect(
      startHost({
        appEntry: APP,
        settingsFile,
        stateDir: dir,
        clock: new VirtualClock(T0),
        port: 0,
        env: {},
        log: collectingHostLog(),
      }),
    ).rejects.toThrow(`${settingsFile}: the settings are encrypted`);
  });

  it.each([
    {
      label: 'missing',
      write: undefined,
      message: (entry: string) =>
        `Worker was unable to load entry point "${entry}": File does not exist`,
    },
    {
      label: 'throwing as it loads',
      write: "throw new Error('broken app');",
      message: (entry: string) => `Loading the app entry ${entry} failed: broken app`,
    },
  ])('an app entry $label stops start-up, naming the entry', async ({ write, message }) => {
    const entry = path.join(temp.make(), 'app.js');
    if (write !== undefined) writeFileSync(entry, write);
    await expect(
      startHost({
        appEntry: entry,
        stateDir: temp.make(),
        clock: new VirtualClock(T0),
        port: 0,
        log: collectingHostLog(),
      }),
    ).rejects.toThrow(message(entry));
  });

  it('a failure after the server is up closes it again', async () => {
    const port = await freePort();
    await expect(
      startHost({
        appEntry: APP,
        stateDir: temp.make(),
        clock: new VirtualClock(T0),
        port,
        // fromSetting needs TEST_TICK_SCHEDULE, which is not set.
        env: onlyTimers('fromSetting'),
        log: collectingHostLog(),
      }),
    ).rejects.toThrow(/it refers to the app setting TEST_TICK_SCHEDULE, which is not set/);
    expectResult(
      'closed',
      { listening: await isListening(port), hooks: timerProbe.hooks.slice(-1) },
      { listening: false, hooks: ['appTerminate'] },
    );
  });
});

/**
 * A real crash: a child process (apps/crashRunner.ts) runs a fan-out of N activities, at most
 * CONCURRENCY at once, on a SQLite store; the test SIGKILLs it part-way, starts it again on the
 * same state folder, and checks that the orchestration completes with every result, that no
 * activity whose completion the store had recorded at the kill ran again, that the ones in flight
 * at the kill ran again, and that nothing is left Running.
 *
 * No sleeps decide anything: the test polls the store (read-only, beside the running engine) and
 * kills when it has recorded enough completions. One activity never finishes in the first run, so
 * "some but not all" holds whatever the timing; what was completed at the kill is read from the
 * store afterwards, so the race between an activity finishing and its completion being recorded
 * cannot flake the assertions: recorded → ran once; started but not recorded → ran twice.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteInstanceStore } from '../../local/durable/sqliteStore';
import { cleanUpTempFolders, completedActivityInputs, tally, tempFolder } from './helpers';

const N = 20;
const CONCURRENCY = 4;
/** Completions the store must have recorded before the kill. */
const KILL_AFTER = 6;
/** Never finishes in the first run: always in flight at the kill. */
const HANGING_ID = 1;
/** Bound on every wait; the whole test takes about two seconds. */
const DEADLINE_MS = 15_000;

const RUN_TS = fileURLToPath(new URL('./apps/runTs.mjs', import.meta.url));
const RUNNER = fileURLToPath(new URL('./apps/crashRunner.ts', import.meta.url));

interface RunnerResult {
  runtimeStatus: string;
  output: unknown;
  counters: { maxConcurrentActivities: number };
}

interface Runner {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  cleanUpTempFolders();
});

function startRunner(folder: string, hang: number[]): Runner {
  const child = spawn(process.execPath, ['--enable-source-maps', RUN_TS, RUNNER], {
    env: {
      ...process.env,
      CRASH_STATE: join(folder, 'state'),
      CRASH_LOG: join(folder, 'activities.log'),
      CRASH_N: String(N),
      CRASH_CONCURRENCY: String(CONCURRENCY),
      CRASH_STEP_MS: '40',
      CRASH_HANG: hang.join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => out, stderr: () => err };
}

/** Resolve once `probe()` returns a value; fail with `what` (and the child's stderr) after the deadline. */
async function poll<T>(
  what: string,
  runner: Runner,
  probe: () => T | undefined,
  deadline: number,
): Promise<T> {
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (runner.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `gave up waiting for ${what} (child exit ${String(runner.child.exitCode)}):\n${runner.stderr()}`,
      );
    }
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

/** The child's exit code; fails (with its stderr) if it is still running at the deadline. */
async function exitWithin(runner: Runner, deadline: number): Promise<number | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  const result = await Promise.race([runner.exited, timedOut]);
  clearTimeout(timer);
  if (result === 'timeout') {
    throw new Error(`the child did not finish before the deadline:\n${runner.stderr()}`);
  }
  return result;
}

/** Completions of `crashStep` the store has recorded, read beside the running engine. */
function recordedCompletions(stateFolder: string): string[] | undefined {
  if (!existsSync(join(stateFolder, 'durable.sqlite'))) return undefined;
  let store: SqliteInstanceStore | undefined;
  try {
    store = new SqliteInstanceStore({ stateFolder, readOnly: true });
    return completedActivityInputs(store.list(), 'crashStep');
  } catch {
    return undefined; // still being created by the child
  } finally {
    store?.close();
  }
}

/** `start`/`end` lines of the activity log, as [kind, id]. */
function logLines(folder: string): [string, string][] {
  const path = join(folder, 'activities.log');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split(' ') as [string, string]);
}

/** Most activities between their `start` and `end` lines at once. */
function maxInFlight(lines: readonly [string, string][]): number {
  let now = 0;
  let max = 0;
  for (const [kind] of lines) {
    now += kind === 'start' ? 1 : -1;
    max = Math.max(max, now);
  }
  return max;
}

describe('a SIGKILLed engine on the SQLite store', () => {
  it('resumes a fan-out without losing or repeating completed activities', async () => {
    const deadline = Date.now() + DEADLINE_MS;
    const folder = tempFolder('surge-crash-');
    const stateFolder = join(folder, 'state');

    // Run 1: kill it once the store has recorded KILL_AFTER completions.
    const first = startRunner(folder, [HANGING_ID]);
    await poll(
      `${KILL_AFTER} recorded completions`,
      first,
      () => {
        const done = recordedCompletions(stateFolder);
        return done && done.length >= KILL_AFTER ? done : undefined;
      },
      deadline,
    );
    first.child.kill('SIGKILL');
    const firstExit = await first.exited;
    const firstSignal = first.child.signalCode;

    // What survived: the store's record, and which activities had started.
    const atKill = new SqliteInstanceStore({ stateFolder });
    const completedAtKill = new Set(completedActivityInputs(atKill.list(), 'crashStep'));
    atKill.close();
    const linesAtKill = logLines(folder);
    const startedAtKill = new Set(linesAtKill.filter(([k]) => k === 'start').map(([, id]) => id));

    // Run 2: the same state folder, nothing hangs.
    const second = startRunner(folder, []);
    expect(await exitWithin(second, deadline), second.stderr()).toBe(0);
    const result = JSON.parse(second.stdout().trim()) as RunnerResult;

    const after = new SqliteInstanceStore({ stateFolder });
    const instances = after.list().map((s) => `${s.instanceId} ${s.runtimeStatus}`);
    after.close();
    const lines = logLines(folder);
    const ids = Array.from({ length: N }, (_, id) => String(id));

    expect({
      firstRun: { exit: firstExit, signal: firstSignal },
      outcome: { runtimeStatus: result.runtimeStatus, output: result.output },
      instances,
      // Recorded at the kill: ran once. Started but not recorded (in flight): ran again. Others: once.
      runs: tally(lines.filter(([k]) => k === 'start').map(([, id]) => id)),
      finished: new Set(lines.filter(([k]) => k === 'end').map(([, id]) => id)),
    }).toEqual({
      firstRun: { exit: null, signal: 'SIGKILL' },
      outcome: { runtimeStatus: 'Completed', output: ids.map((id) => Number(id) ** 2) },
      instances: ['fan Completed'],
      runs: tally(
        ids.flatMap((id) => (startedAtKill.has(id) && !completedAtKill.has(id) ? [id, id] : [id])),
      ),
      finished: new Set(ids),
    });
    // The kill really was part-way, with the re-run path exercised.
    expect(completedAtKill.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(completedAtKill.size).toBeLessThan(N);
    expect([
      startedAtKill.has(String(HANGING_ID)),
      completedAtKill.has(String(HANGING_ID)),
    ]).toEqual([true, false]);
    // Parallel under the bound in both runs: each starts as many as it may at once (the restart
    // re-dispatches every activity not recorded as completed).
    const pendingAtRestart = N - completedAtKill.size;
    expect({
      beforeKill: maxInFlight(linesAtKill),
      afterRestart: maxInFlight(lines.slice(linesAtKill.length)),
      engineCounter: result.counters.maxConcurrentActivities,
    }).toEqual({
      beforeKill: CONCURRENCY,
      afterRestart: Math.min(CONCURRENCY, pendingAtRestart),
      engineCounter: Math.min(CONCURRENCY, pendingAtRestart),
    });
  });
});

/**
 * The child process of crash.test.ts (run with runTs.mjs): an engine on a SQLite store in
 * CRASH_STATE that starts the `crashFanOut` orchestration (instance `fan`) unless the store
 * already has it — a restart just picks it up — runs until it is finished, and prints one JSON
 * line: `{ runtimeStatus, output, counters }`.
 *
 * Environment: CRASH_STATE (state folder), CRASH_LOG (activity log), CRASH_N (activities),
 * CRASH_CONCURRENCY (activity bound), CRASH_STEP_MS (activity duration), CRASH_HANG (comma
 * separated ids that never finish in this process).
 */
import process from 'node:process';
import { SystemClock } from '../../../local/clock';
import { DurableEngine } from '../../../local/durable/engine';
import { SqliteInstanceStore } from '../../../local/durable/sqliteStore';
import { isTerminal } from '../../../local/durable/store';
import { installFunctionsCore } from '../../../local/host/functionsCore';

function env(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const registry = installFunctionsCore(); // before the app's first app.* call
  const { registerCrashApp } = await import('./crashApp');
  registerCrashApp({
    logFile: env('CRASH_LOG'),
    stepMs: Number(env('CRASH_STEP_MS')),
    hang: new Set(
      (process.env.CRASH_HANG ?? '')
        .split(',')
        .filter((s) => s.length > 0)
        .map(Number),
    ),
  });

  const engine = new DurableEngine({
    registry,
    clock: new SystemClock(),
    store: new SqliteInstanceStore({ stateFolder: env('CRASH_STATE') }),
    activityConcurrency: Number(env('CRASH_CONCURRENCY')),
  });
  if (!engine.getStatus('fan')) {
    await engine.startNew('crashFanOut', { instanceId: 'fan', input: Number(env('CRASH_N')) });
  }
  engine.start();
  for (;;) {
    const status = engine.getStatus('fan');
    if (status && isTerminal(status.runtimeStatus)) break;
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
  const status = engine.getStatus('fan');
  const counters = { ...engine.counters };
  await engine.stop();
  const line = JSON.stringify({
    runtimeStatus: status?.runtimeStatus,
    output: status?.output,
    counters,
  });
  process.stdout.write(`${line}\n`, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`crashRunner failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

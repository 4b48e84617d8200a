/**
 * The app of the crash test's child process (crashRunner.ts): a fan-out whose activities log each
 * run to a file. Registers at import time; import it after installFunctionsCore().
 */
import { appendFileSync } from 'node:fs';
import * as df from 'durable-functions';

/** Where each activity run is logged (`start <id>` / `end <id>` lines) and what it does. */
export interface CrashAppConfig {
  readonly logFile: string;
  /** How long one activity takes (ms), a little more for some ids so runs interleave. */
  readonly stepMs: number;
  /** Ids whose activity never finishes in this process (in flight when it is killed). */
  readonly hang: ReadonlySet<number>;
}

/** Register `crashStep` and `crashFanOut` with `config`. */
export function registerCrashApp(config: CrashAppConfig): void {
  df.app.activity('crashStep', {
    handler: async (input: unknown) => {
      const id = Number(input);
      // Synchronous appends: a line is in the file before anything else happens, even a SIGKILL.
      appendFileSync(config.logFile, `start ${id}\n`);
      if (config.hang.has(id)) await new Promise<never>(() => undefined);
      await new Promise<void>((resolve) => setTimeout(resolve, config.stepMs + (id % 3) * 10));
      appendFileSync(config.logFile, `end ${id}\n`);
      return id * id;
    },
  });

  df.app.orchestration('crashFanOut', function* (context) {
    const n = context.df.getInput<number>();
    const steps = Array.from({ length: n }, (_, id) => context.df.callActivity('crashStep', id));
    return (yield context.df.Task.all(steps)) as number[];
  });
}

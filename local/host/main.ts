/**
 * Command line for the local host (what `npm start` runs once built):
 *
 *   node dist/local/host/main.js [--entry dist/functions/index.js] [--settings local.settings.json]
 *                                [--state .state] [--port 7071] [--host 127.0.0.1]
 *
 * Real time (SystemClock): timers fire on their schedules and the Durable engine runs in the
 * background. App logs and host logs go to the console. Ctrl-C closes everything.
 */
import { parseArgs } from 'node:util';
import { SystemClock } from '../clock';
import type { LogEntry } from './functionsCore';
import { installFunctionsCore } from './functionsCore';
import { startHost } from './host';
import { consoleHostLog } from './log';

/** Print every app log line (the worker shows them all in `func start`). */
function consoleAppLog(entry: LogEntry): void {
  if (entry.level === 'trace' || entry.level === 'none') return;
  const where = entry.functionName ? `[${entry.functionName}] ` : '';
  const line = `${where}${entry.message}`;
  if (entry.level === 'error' || entry.level === 'critical' || entry.level === 'warning') {
    console.error(`[${entry.level}] ${line}`);
  } else {
    console.log(line);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      entry: { type: 'string', default: 'dist/functions/index.js' },
      settings: { type: 'string', default: 'local.settings.json' },
      state: { type: 'string', default: '.state' },
      port: { type: 'string' },
      host: { type: 'string' },
    },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port must be an integer from 0 to 65535, got ${values.port}`);
  }
  installFunctionsCore().logSink = consoleAppLog;
  const host = await startHost({
    appEntry: values.entry,
    settingsFile: values.settings,
    stateDir: values.state,
    clock: new SystemClock(),
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    log: consoleHostLog,
  });
  const shutdown = (signal: string): void => {
    console.log(`${signal}: stopping the host…`);
    host.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

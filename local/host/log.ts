/**
 * Log lines of the local host itself (start-up banner, requests, timer runs), as opposed to the
 * app's own logs, which go through the registry's log sink. Kept separate so tests can capture or
 * silence the host without touching the process-wide registry.
 */

/** Severity of a host log line. */
export type HostLogLevel = 'debug' | 'information' | 'warning' | 'error';

/** Where host log lines go. */
export type HostLog = (level: HostLogLevel, message: string) => void;

/** Information and above to the console (errors and warnings to stderr); debug dropped. */
export const consoleHostLog: HostLog = (level, message) => {
  if (level === 'debug') return;
  if (level === 'information') console.log(message);
  else console.error(`[${level}] ${message}`);
};

/** Warnings and errors to stderr only: the default for tests and embedded hosts. */
export const quietHostLog: HostLog = (level, message) => {
  if (level === 'warning' || level === 'error') console.error(`[${level}] ${message}`);
};

/** A log that keeps every line, for tests. */
export function collectingHostLog(): HostLog & { readonly lines: string[] } {
  const lines: string[] = [];
  const log = ((level: HostLogLevel, message: string) => {
    lines.push(`${level}: ${message}`);
  }) as HostLog & { lines: string[] };
  log.lines = lines;
  return log;
}

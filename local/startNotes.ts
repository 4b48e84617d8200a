/**
 * What `npm start` prints about the controllers: each new decision as a line, and why the pools
 * start empty. Apart from start.ts, which runs when it is loaded, so the text can be tested.
 */
import path from 'node:path';
import { PoolConfigError } from '../shared/config/pools';
import type { TelemetryTarget } from '../shared/config/settings';
import { SettingError } from '../shared/config/settings';
import type { StatusDecision } from '../shared/controller/status';
import { otlpEndpoint } from './telemetry';

const hhmmss = (iso: string) => iso.slice(11, 19);

/**
 * One decision as a console line: `10:04:45 orders   desired 5 (+4): backlog 1480 …`; one made
 * before this start (a status carried over) is marked as history, never shown as new.
 */
export function decisionLine(pool: string, d: StatusDecision, startedAt: string): string {
  const acts = [d.creates ? `+${d.creates}` : '', d.deletes ? `-${d.deletes}` : '']
    .filter(Boolean)
    .join(' ');
  const history = d.at < startedAt ? ' (history: before this start)' : '';
  return `${hhmmss(d.at)} ${pool.padEnd(8)} desired ${d.desired}${acts ? ` (${acts})` : ''} [${d.trigger}]${history}: ${d.reason}`;
}

/**
 * Why the pools start empty: the emulator keeps nothing between runs, so neither do the
 * controllers; the note says so, and whether an earlier start's controller history was removed.
 */
export function cleanStartNote(cleared: boolean, stateDir: string): string {
  const dir = path.relative(process.cwd(), stateDir) || '.';
  return [
    `Each start is clean: the emulated Azure and the controllers start empty (keys and timer schedules carry over in ${dir}/).`,
    ...(cleared
      ? [
          `The controllers' history from an earlier start was removed from ${dir}/: it described groups this emulator does not have.`,
        ]
      : []),
    '',
  ].join('\n');
}

/**
 * Where the pools' metrics and decision spans go, as the settings chose (Settings.telemetry), and
 * how to choose otherwise. Example: `Telemetry: OTLP/HTTP to http://localhost:4318 (metrics and
 * decision spans).`
 */
export function telemetryNote(
  target: TelemetryTarget,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (target === 'console') return 'Telemetry: metrics and decision spans to this console.\n';
  if (target === 'otlp') {
    return `Telemetry: OTLP/HTTP to ${otlpEndpoint(env)} (metrics and decision spans).\n`;
  }
  if (target === 'azureMonitor') {
    return 'Telemetry: to Azure Monitor (APPLICATIONINSIGHTS_CONNECTION_STRING is set).\n';
  }
  return 'Telemetry: off. SURGE_TELEMETRY_EXPORTER=console or =otlp (with OTEL_EXPORTER_OTLP_ENDPOINT) turns it on.\n';
}

/**
 * What `npm start` prints when it cannot start: the flag to change when a port is taken (another
 * `npm start`, Core Tools on 7071…); only the message for a refused pools document or app
 * setting, which names the pool and field or the setting, and which a stack trace would only
 * bury; the stack for anything else.
 */
export function startFailure(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    return `${e.message}: the port is taken (another npm start, or Core Tools?). Choose others with --dashboard-port, --host-port or --emulator-port.`;
  }
  if (error instanceof PoolConfigError || error instanceof SettingError) return error.message;
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

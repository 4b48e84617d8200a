/**
 * `npm start` (= `npm run build && node dist/local/start.js`): Surge on the embedded default, in
 * real time. Starts the local Azure emulator, the local Durable engine (instances persisted in
 * `.state/`) and the local Functions host running the real app with the demo pools
 * (`local/demo/pools.json`) and the demo workload (`local/demo/emulator.json`: a trickle plus a
 * burst every few minutes), samples it for the dashboard, serves the dashboard, and prints the
 * URLs and copy-paste commands. New controller decisions are printed as they happen.
 *
 *   node dist/local/start.js [--dashboard-port 7070] [--host-port 7071] [--emulator-port 8443]
 *                            [--state .state] [--pools local/demo/pools.json]
 *                            [--emulator-config local/demo/emulator.json] [--verbose]
 *
 * Ctrl-C (or SIGTERM) stops the dashboard, the host, the engine and the emulator, in that order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readSettings } from '../shared/config/settings';
import { SystemClock } from './clock';
import {
  demoCommands,
  describeWorkload,
  installArrivals,
  randomDigest,
  splitWorkload,
} from './dashboard/demo';
import type { DashboardSampler } from './dashboard/sampler';
import { samplerForStack } from './dashboard/sampler';
import type { DashboardServer } from './dashboard/server';
import { startDashboardServer } from './dashboard/server';
import type { EmulatorConfig } from './emulator';
import type { LogEntry } from './host/functionsCore';
import { installFunctionsCore } from './host/functionsCore';
import { consoleHostLog, quietHostLog } from './host/log';
import { DEFAULT_KEY_NAME, DURABLE_SYSTEM_KEY } from './host/keys';
import type { PoolsSource } from './poolsSource';
import { poolsSource } from './poolsSource';
import type { Stack } from './stack';
import { clearEarlierHistory, emulatorOf, startStack } from './stack';
import { cleanStartNote, decisionLine, startFailure, telemetryNote } from './startNotes';
import { startLocalTelemetry } from './telemetry';

/** The repository root: this file runs from dist/local/. */
const ROOT = path.resolve(__dirname, '..', '..');

/** The demo's ACR webhook secret; the endpoint refuses every push without one. Not a secret. */
const DEMO_WEBHOOK_SECRET = 'surge-local-demo-secret';

interface StartOptions {
  readonly dashboardPort: number;
  readonly hostPort: number;
  readonly emulatorPort: number;
  readonly stateDir: string;
  /** Where the pools document comes from, as start-up names it. */
  readonly pools: PoolsSource;
  readonly emulatorConfigFile: string;
  readonly verbose: boolean;
}

function port(name: string, value: string | undefined, fallback: number): number {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new Error(`--${name} must be a port number (0-65535), got ${value}`);
  }
  return n;
}

function parseOptions(argv: readonly string[]): StartOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'dashboard-port': { type: 'string' },
      'host-port': { type: 'string' },
      'emulator-port': { type: 'string' },
      state: { type: 'string', default: '.state' },
      pools: { type: 'string' },
      'emulator-config': { type: 'string', default: 'local/demo/emulator.json' },
      verbose: { type: 'boolean', default: false },
    },
  });
  return {
    dashboardPort: port('dashboard-port', values['dashboard-port'], 7070),
    hostPort: port('host-port', values['host-port'], 7071),
    emulatorPort: port('emulator-port', values['emulator-port'], 8443),
    stateDir: path.resolve(ROOT, values.state),
    pools: poolsSource(values.pools, process.env, path.join(ROOT, 'local/demo/pools.json')),
    emulatorConfigFile: path.resolve(ROOT, values['emulator-config']),
    verbose: values.verbose,
  };
}

/** App log lines: warnings and errors always, everything with --verbose. */
function appLog(verbose: boolean) {
  return (entry: LogEntry): void => {
    if (entry.level === 'trace' || entry.level === 'none') return;
    const loud = entry.level === 'error' || entry.level === 'critical' || entry.level === 'warning';
    if (!loud && (!verbose || entry.level === 'debug')) return;
    const line = `${entry.functionName ? `[${entry.functionName}] ` : ''}${entry.message}`;
    if (loud) console.error(`[${entry.level}] ${line}`);
    else console.log(line);
  };
}

/** What start-up prints: where everything is and what to try. */
function banner(
  stack: Stack,
  dashboard: DashboardServer,
  options: StartOptions,
  emulatorConfig: EmulatorConfig,
  digest: string,
): string {
  const emulator = emulatorOf(stack);
  const key = stack.host.keys.functionKeys[DEFAULT_KEY_NAME] ?? stack.host.keys.masterKey;
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const pools = stack.pools.pools;
  const first = pools[0];
  const followed =
    pools.find((p) => p.follow !== undefined && p.rollout.canary.length > 0) ??
    pools.find((p) => p.follow !== undefined);
  const routes = stack.host.server
    .routes()
    .map(
      (r) =>
        `  ${(r.methods ?? ['ANY']).join(',').padEnd(12)} ${stack.host.server.functionUrl(r).padEnd(52)} ${r.functionName}${r.authLevel === 'anonymous' ? ' (no key)' : ''}`,
    );
  const lines = [
    '',
    `Surge is running locally, in real time (state in ${rel(options.stateDir)}/).`,
    '',
    `  Dashboard          ${dashboard.url}`,
    `  Functions          ${stack.host.baseUrl}   function key: ${key}`,
    `  Durable API        ${stack.host.server.url}/runtime/webhooks/durabletask   system key: ${stack.host.keys.systemKeys[DURABLE_SYSTEM_KEY] ?? ''}`,
    `  Emulator control   ${emulator.controlEndpoint}/state   CA: ${rel(emulator.caFile ?? '')}`,
    '',
    `Pools (${'file' in options.pools ? rel(options.pools.file) : options.pools.from}):`,
    ...pools.map(
      (p) =>
        `  ${p.name.padEnd(8)} ${p.scaling.mode} policy, ${p.minGroups}-${p.maxGroups} groups, queue ${p.serviceBus.queue ?? `${p.serviceBus.topic}/${p.serviceBus.subscription}`}${p.trafficManager ? `, behind Traffic Manager ${p.trafficManager.profile}` : ''}`,
    ),
    `Demo workload (${rel(options.emulatorConfigFile)}):`,
    ...describeWorkload(emulatorConfig).map((l) => `  ${l}`),
    `ACR webhook secret (SURGE_ACR_WEBHOOK_SECRET): ${stack.settings.SURGE_ACR_WEBHOOK_SECRET ?? ''}`,
    '',
    'Functions endpoints (key: x-functions-key header or ?code=):',
    ...routes,
    '',
    'Try:',
  ];
  if (first && followed && followed.follow) {
    const registry = followed.follow.registry ?? followed.group.registry?.server ?? '';
    lines.push(
      ...demoCommands({
        functionsBase: stack.host.baseUrl,
        functionKey: key,
        emulatorControl: emulator.controlEndpoint,
        caFile: rel(emulator.caFile ?? ''),
        webhookSecret: stack.settings.SURGE_ACR_WEBHOOK_SECRET ?? '',
        pool: {
          name: first.name,
          namespace: first.serviceBus.namespace,
          entity: first.serviceBus.queue ?? '',
        },
        rollout: {
          pool: followed.name,
          registry,
          repository: followed.follow.repository,
          tag: '1.1',
          digest,
        },
      }).map((l) => `  ${l}`),
    );
  }
  lines.push('', 'Controller decisions follow as they are made. Ctrl-C stops everything.', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const emulatorConfig = JSON.parse(
    readFileSync(options.emulatorConfigFile, 'utf8'),
  ) as EmulatorConfig;
  const workload = splitWorkload(emulatorConfig);
  installFunctionsCore().logSink = appLog(options.verbose);
  const cleared = await clearEarlierHistory(options.stateDir);
  const startedAt = new Date().toISOString();
  // Before the app starts, so its first telemetry sample finds the exporters.
  const telemetryTarget = readSettings(process.env).telemetry;
  const telemetry = startLocalTelemetry(telemetryTarget, process.env);
  const stack = await startStack({
    clock: new SystemClock(),
    stateDir: options.stateDir,
    // The app as the Node worker loads it: package.json's "main", beside host.json.
    hostJsonPath: path.join(ROOT, 'host.json'),
    ...('json' in options.pools
      ? { poolsJson: options.pools.json }
      : { poolsFile: options.pools.file }),
    settings: {
      SURGE_ACR_WEBHOOK_SECRET: process.env.SURGE_ACR_WEBHOOK_SECRET ?? DEMO_WEBHOOK_SECRET,
    },
    emulator: workload.config,
    hostPort: options.hostPort,
    emulatorPort: options.emulatorPort,
    // The emulator starts empty, so the controllers do too (see clearEarlierHistory).
    persist: false,
    log: options.verbose ? consoleHostLog : quietHostLog,
  });
  let sampler: DashboardSampler | undefined;
  let dashboard: DashboardServer | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      sampler?.stop();
      try {
        await dashboard?.close();
      } finally {
        try {
          await stack.close();
        } finally {
          await telemetry?.shutdown();
        }
      }
    })());
  try {
    const emulator = emulatorOf(stack);
    const skipped = installArrivals(emulator.control, workload.arrivals);
    if (skipped.length > 0) {
      console.log(
        `Demo workload not installed for ${skipped.join(', ')}: no pool drains it. Enqueue through the emulator's control API instead.`,
      );
    }
    sampler = samplerForStack(stack);
    dashboard = await startDashboardServer({
      sampler,
      port: options.dashboardPort,
      links: { functions: stack.host.baseUrl, emulatorControl: emulator.controlEndpoint },
    });
    sampler.onSample((_sample, fresh) => {
      const lines = [...fresh]
        .flatMap(([pool, decisions]) => decisions.map((d) => ({ pool, d })))
        .sort((a, b) => (a.d.at < b.d.at ? -1 : a.d.at > b.d.at ? 1 : 0));
      for (const { pool, d } of lines) console.log(decisionLine(pool, d, startedAt));
    });
    sampler.start();
    console.log(banner(stack, dashboard, options, emulatorConfig, randomDigest()));
    console.log(cleanStartNote(cleared, options.stateDir));
    console.log(telemetryNote(telemetryTarget, process.env));
  } catch (error) {
    await stop();
    throw error;
  }

  let signals = 0;
  const onSignal = (signal: string) => {
    if (++signals > 1) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(130);
    }
    console.log(`\n${signal}: stopping the dashboard, the host, the engine and the emulator…`);
    stop().then(
      () => {
        console.log('stopped.');
        process.exit(0);
      },
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(startFailure(error));
  process.exit(1);
});

/**
 * `startHost`: Surge's stand-in for `func start`. In order: load `local.settings.json` into the
 * environment → read host.json → install the local `@azure/functions-core` → import the app entry
 * (it registers its functions) → run `appStart` hooks → build (or take) the Durable engine and
 * mount its client API → serve HTTP → start the timers. With a real clock the engine's background
 * loop and the timers' timeouts run by themselves; with a SettableClock nothing moves until a
 * driver does (`driveVirtualTime`, virtualTime.ts).
 *
 * `close()` undoes what `startHost` started, in reverse: timers (waiting for runs in flight),
 * the engine (`stop()`, when the host created it or ran its background loop), the server,
 * `appTerminate` hooks. Settings applied to the environment stay (as when Core Tools exits, the
 * process normally ends with the host).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Clock } from '../clock';
import { isSettableClock } from '../clock';
import { DurableEngine } from '../durable/engine';
import type { FunctionRegistry } from './functionsCore';
import { bindingsOfType, installFunctionsCore } from './functionsCore';
import type { HostJson } from './hostJson';
import { DEFAULT_HOST_JSON, readHostJson } from './hostJson';
import { entryPointOf } from './entryPoint';
import { errorMessage } from './invoke';
import type { HostKeys } from './keys';
import { loadOrCreateKeys } from './keys';
import type { HostLog } from './log';
import { quietHostLog } from './log';
import type { HostServer } from './server';
import { startHostServer } from './server';
import type { AppliedSettings, LocalSettings } from './settings';
import { applySettings, readLocalSettings } from './settings';
import { TimerScheduler } from './timers';

/** Port `npm start` uses when neither the options nor `Host.LocalHttpPort` say otherwise. */
const DEFAULT_HTTP_PORT = 7071;

/** File name of the persisted timer statuses inside the state folder. */
const TIMER_STATUS_FILE = 'timers.json';

/** How to start the host. */
export interface StartHostOptions {
  /**
   * The app's entry point: a module path or a glob, relative to the working directory
   * (`functions/index.ts` under vitest). Default: `main` of the app's package.json, relative to
   * the function app directory, as the Node worker loads it (entryPoint.ts).
   */
  readonly appEntry?: string;
  /** `local.settings.json` to load; none = no settings file. A missing file is not an error. */
  readonly settingsFile?: string;
  /** Folder for keys and timer statuses (created if missing), e.g. `.state`. */
  readonly stateDir: string;
  /** The one clock of host, engine and emulator. */
  readonly clock: Clock;
  /**
   * Created when absent, with the registry, the clock and host.json's durableTask settings. The
   * host stops it on close when it created it, or when it ran its loop (real time).
   */
  readonly engine?: DurableEngine;
  /** 0 = a free port. Default: `Host.LocalHttpPort` from the settings, else 7071. */
  readonly port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  readonly host?: string;
  /** Default: the nearest host.json above the app entry (then defaults if none). */
  readonly hostJsonPath?: string;
  /** Host log (banner, timer runs, failures). Default: warnings and errors to stderr. */
  readonly log?: HostLog;
  /** Where settings are applied and read from. Default process.env. */
  readonly env?: Record<string, string | undefined>;
  /**
   * Persist timer schedule statuses (the schedule monitor) in `stateDir/timers.json`. Default:
   * on with a real clock, off with a SettableClock (virtual runs must not leave statuses that a
   * later real-time start would read as missed occurrences).
   */
  readonly timerStatus?: boolean;
  /** See TimerScheduler. Default 1000. */
  readonly pastDueThresholdMs?: number;
  /** Default 100 MiB. */
  readonly maxRequestBodyBytes?: number;
}

/** A running host. */
export interface Host {
  /** Origin of the front end, e.g. `http://127.0.0.1:7071`. */
  readonly url: string;
  readonly port: number;
  /** `url` + `/` + route prefix (no trailing slash), where function routes start. */
  readonly baseUrl: string;
  readonly routePrefix: string;
  readonly keys: HostKeys;
  readonly registry: FunctionRegistry;
  readonly engine: DurableEngine;
  readonly timers: TimerScheduler;
  readonly clock: Clock;
  readonly server: HostServer;
  /** The settings file as loaded (undefined when none was asked for). */
  readonly settings: LocalSettings | undefined;
  readonly appliedSettings: AppliedSettings | undefined;
  readonly hostJson: HostJson;
  /** The directory the app runs from (where host.json is). */
  readonly functionAppDirectory: string;
  /** Durable client binding data (JSON) pointing at this host. */
  clientBindingData(): string;
  /** Stop everything `startHost` started. Idempotent. */
  close(): Promise<void>;
}

/** The nearest directory at or above `from` holding a host.json, or undefined. */
function findFunctionAppDirectory(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'host.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Import the app entry; a failure names the entry. */
async function importApp(entry: string): Promise<void> {
  const resolved = path.resolve(entry);
  try {
    await import(pathToFileURL(resolved).href);
  } catch (err) {
    throw new Error(`Loading the app entry ${resolved} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}

/** App settings, as the environment holds them. */
type Env = Record<string, string | undefined>;

/** Start the local Functions host (see the module comment for the steps). */
export async function startHost(options: StartHostOptions): Promise<Host> {
  const log = options.log ?? quietHostLog;
  const env = options.env ?? process.env;
  const clock = options.clock;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanUp = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        log('warning', `closing the host: ${errorMessage(err)}`);
      }
    }
  };

  try {
    // 1. Settings, before the app: Surge reads schedules from the environment at registration.
    const { settings, appliedSettings } = await loadSettings(options, env, log);
    // 2. host.json.
    const { appDir, hostJson } = await loadHostJson(options, log);
    // 3-5. The core module, the app, its appStart hooks.
    const registry = installFunctionsCore();
    const entry = await entryPointOf(options.appEntry, appDir);
    for (const file of entry.files) await importApp(file);
    if (registry.list().length === 0) log('warning', `${entry.pattern} registered no functions`);
    await registry.runAppStartHooks(appDir);
    cleanups.push(() => registry.runAppTerminateHooks());
    // 6. Engine and keys.
    const engine = options.engine ?? newEngine(registry, clock, hostJson);
    // The app brings its host.json: instances it starts record its default version.
    engine.defaultVersion = hostJson.defaultVersion;
    await mkdir(options.stateDir, { recursive: true });
    const { keys, file: keysFile, created } = await loadOrCreateKeys(options.stateDir);
    // 7. The front end (function routes + the engine's client API).
    const timersRef: { current?: TimerScheduler } = {};
    const server = await startFrontEnd(
      options,
      { registry, keys, engine, hostJson, settings, env, log },
      timersRef,
    );
    cleanups.push(() => server.close());
    // 8. Timers, then (real time) the engine's background loop.
    const timers = newTimers(options, { registry, server, env, log });
    timersRef.current = timers;
    // Real time: the host runs the engine's background loop, so it stops it again (for a
    // persistent store that also closes the store). An engine the host created is always
    // stopped on close, so its store is released.
    const realTime = !isSettableClock(clock);
    if (realTime) engine.start();
    if (realTime || options.engine === undefined) cleanups.push(() => engine.stop());
    cleanups.push(() => timers.stop());
    await timers.start();

    logBanner(log, server, timers, keys, keysFile, created);
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      port: server.port,
      baseUrl: [server.url, server.routePrefix].filter((s) => s.length > 0).join('/'),
      routePrefix: server.routePrefix,
      keys,
      registry,
      engine,
      timers,
      clock,
      server,
      settings,
      appliedSettings,
      hostJson,
      functionAppDirectory: appDir,
      clientBindingData: () => server.clientBindingData(),
      close: () => {
        closing ??= cleanUp();
        return closing;
      },
    };
  } catch (err) {
    await cleanUp();
    throw err;
  }
}

/** local.settings.json, applied to the environment (values already set there are kept). */
async function loadSettings(
  options: StartHostOptions,
  env: Env,
  log: HostLog,
): Promise<{ settings?: LocalSettings; appliedSettings?: AppliedSettings }> {
  if (options.settingsFile === undefined) return {};
  const settings = await readLocalSettings(options.settingsFile);
  if (!settings.found) log('warning', `${options.settingsFile} not found; starting without it`);
  for (const w of settings.warnings) log('warning', `${options.settingsFile}: ${w}`);
  const appliedSettings = applySettings(settings, env);
  if (appliedSettings.keptFromEnvironment.length > 0) {
    log(
      'information',
      `Settings kept from the environment (not overridden by ${options.settingsFile}): ${appliedSettings.keptFromEnvironment.join(', ')}`,
    );
  }
  const runtime = env.FUNCTIONS_WORKER_RUNTIME;
  if (runtime !== undefined && runtime !== 'node') {
    log('warning', `FUNCTIONS_WORKER_RUNTIME is "${runtime}"; this host runs "node" apps`);
  }
  return { settings, appliedSettings };
}

/** The function app's directory and its host.json (the defaults when it has none). */
async function loadHostJson(
  options: StartHostOptions,
  log: HostLog,
): Promise<{ appDir: string; hostJson: HostJson }> {
  const appDir =
    options.hostJsonPath !== undefined
      ? path.dirname(path.resolve(options.hostJsonPath))
      : (findFunctionAppDirectory(
          options.appEntry !== undefined
            ? path.dirname(path.resolve(options.appEntry))
            : process.cwd(),
        ) ?? process.cwd());
  const hostJsonFile = options.hostJsonPath ?? path.join(appDir, 'host.json');
  const hostJson =
    options.hostJsonPath !== undefined || existsSync(hostJsonFile)
      ? await readHostJson(hostJsonFile)
      : DEFAULT_HOST_JSON;
  for (const w of hostJson.warnings) log('warning', `${hostJsonFile}: ${w}`);
  return { appDir, hostJson };
}

/** An in-memory engine with host.json's task hub name and activity concurrency. */
function newEngine(registry: FunctionRegistry, clock: Clock, hostJson: HostJson): DurableEngine {
  return new DurableEngine({
    registry,
    clock,
    ...(hostJson.hubName !== undefined ? { taskHubName: hostJson.hubName } : {}),
    ...(hostJson.maxConcurrentActivityFunctions !== undefined
      ? { activityConcurrency: hostJson.maxConcurrentActivityFunctions }
      : {}),
  });
}

/** The HTTP front end, with CORS from local.settings.json and the admin route on the timers. */
function startFrontEnd(
  options: StartHostOptions,
  parts: {
    registry: FunctionRegistry;
    keys: HostKeys;
    engine: DurableEngine;
    hostJson: HostJson;
    settings: LocalSettings | undefined;
    env: Env;
    log: HostLog;
  },
  timers: { current?: TimerScheduler },
): Promise<HostServer> {
  const { registry, keys, engine, hostJson, settings, env, log } = parts;
  const cors = settings?.host.cors;
  return startHostServer({
    registry,
    keys,
    routePrefix: hostJson.routePrefix,
    ...(options.host !== undefined ? { host: options.host } : {}),
    port: options.port ?? settings?.host.localHttpPort ?? DEFAULT_HTTP_PORT,
    engine,
    ...(options.maxRequestBodyBytes !== undefined
      ? { maxRequestBodyBytes: options.maxRequestBodyBytes }
      : {}),
    ...(cors && cors.length > 0
      ? { cors: { origins: cors, credentials: settings?.host.corsCredentials ?? false } }
      : {}),
    admin: {
      has: (name) => timers.current?.describe().some((t) => t.functionName === name) ?? false,
      run: (name) => timers.current?.trigger(name) ?? Promise.resolve(undefined),
    },
    env,
    log,
  });
}

/** The timer scheduler; it keeps its status file only in real time unless told otherwise. */
function newTimers(
  options: StartHostOptions,
  parts: {
    registry: FunctionRegistry;
    server: HostServer;
    env: Env;
    log: HostLog;
  },
): TimerScheduler {
  const { registry, server, env, log } = parts;
  const realTime = !isSettableClock(options.clock);
  return new TimerScheduler({
    registry,
    clock: options.clock,
    extras: (fn) =>
      bindingsOfType(fn, 'durableClient').length > 0
        ? { durableClient: server.clientBindingData() }
        : undefined,
    ...((options.timerStatus ?? realTime)
      ? { statusFile: path.join(options.stateDir, TIMER_STATUS_FILE) }
      : {}),
    ...(options.pastDueThresholdMs !== undefined
      ? { pastDueThresholdMs: options.pastDueThresholdMs }
      : {}),
    env,
    log,
  });
}

function logBanner(
  log: HostLog,
  server: HostServer,
  timers: TimerScheduler,
  keys: HostKeys,
  keysFile: string,
  created: boolean,
): void {
  const lines = ['', 'Functions:', ''];
  for (const route of server.routes()) {
    const methods = route.methods ? route.methods.join(',') : 'any';
    lines.push(
      `  ${route.functionName}: [${methods}] ${server.functionUrl(route)} (${route.authLevel})`,
    );
  }
  for (const t of timers.describe()) {
    const next = t.nextDueAt === undefined ? 'never' : new Date(t.nextDueAt).toISOString();
    lines.push(`  ${t.functionName}: timerTrigger "${t.schedule}" (next ${next})`);
  }
  lines.push(
    '',
    `Keys (${created ? 'generated now in' : 'from'} ${keysFile}):`,
    `  master (admin): ${keys.masterKey}`,
    ...Object.entries(keys.functionKeys).map(([name, value]) => `  function (${name}): ${value}`),
    `  pass one as the x-functions-key header or ?code=`,
    '',
    `Host listening on ${server.url}`,
  );
  log('information', lines.join('\n'));
}

/**
 * The embedded default, assembled: the local Azure emulator, Surge's real adapters (the real SDK
 * clients) pointed at it, the local Durable engine and the local Functions host running the very
 * same app. `npm start` runs it in real time, `npm run simulate` in virtual time, and the
 * end-to-end tests on free ports. Nothing here is deployed, and the app has no local-only branch:
 * only endpoints, the credential and the trusted CA differ from Azure.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { TrafficManagerManagementClient } from '@azure/arm-trafficmanager';
import type { HttpClient } from '@azure/core-rest-pipeline';
import { createAzurePorts } from '../shared/azure';
import { StaticTokenCredential } from '../shared/azure/credentials';
import { readSettings } from '../shared/config/settings';
import type { PoolSpec } from '../shared/config/poolSpec';
import type { PoolsConfig } from '../shared/config/pools';
import { entityPath } from '../shared/config/pools';
import { buildRuntime, installRuntime } from '../shared/runtime';
import type { Clock } from './clock';
import type { DurableEngine } from './durable/engine';
import { DurableEngine as Engine } from './durable/engine';
import { createClientApiHandler } from './durable/clientApi';
import { serveDurableClientInProcess } from './durable/inProcessClient';
import { DEFAULT_DATABASE_FILE, SqliteInstanceStore } from './durable/sqliteStore';
import type { Emulator, EmulatorConfig } from './emulator';
import { startEmulator } from './emulator';
import { installFunctionsCore } from './host/functionsCore';
import type { Host } from './host/host';
import { startHost } from './host/host';
import type { HostLog } from './host/log';
import { applySettings, readLocalSettings } from './host/settings';

/** The bearer token the local runtime sends; the emulator accepts any. Not a secret. */
export const LOCAL_TOKEN = 'surge-local-emulator';

/** What to run. */
export interface StackOptions {
  /** One clock for host, engine and emulator: SystemClock (start) or VirtualClock (simulate). */
  readonly clock: Clock;
  /** Keys, timer statuses, the engine's database, the emulator's CA. */
  readonly stateDir: string;
  /**
   * The app entry: a module or a glob (functions/index.ts under vitest). Default: `main` of the
   * package.json beside `hostJsonPath`'s host.json, as the Node worker loads it.
   */
  readonly appEntry?: string;
  /** The app's host.json (its folder is the function app directory). Default: found above the entry. */
  readonly hostJsonPath?: string;
  /** The pools document the app runs with: a file, or (`poolsJson`) the JSON itself. */
  readonly poolsFile?: string;
  /** The pools document as JSON text, as the `SURGE_POOLS` setting carries it. */
  readonly poolsJson?: string;
  /** local.settings.json to load before anything else (optional). */
  readonly settingsFile?: string;
  /** Extra app settings (pool secrets, schedules); they win over the settings file. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Configuration of the emulator the stack starts (ignored with `attach`). */
  readonly emulator?: EmulatorConfig;
  /**
   * Use an emulator that is already running (another process, or one a test started) instead of
   * starting one: it then outlives this stack, as Azure outlives a restarted Function App.
   */
  readonly attach?: AttachedEmulator;
  readonly seed?: number;
  /** Host port: 7071 for npm start, 0 (a free one) by default. */
  readonly hostPort?: number;
  /** Emulator port: 0 (a free one) by default. */
  readonly emulatorPort?: number;
  /**
   * Keep the engine's instances in SQLite in stateDir (survives a restart). Only with `attach`:
   * the controllers' history describes groups and queues of the emulator it ran against, and an
   * emulator this stack starts is new. Default false.
   */
  readonly persist?: boolean;
  /** Activities run at once. Default 8. */
  readonly activityConcurrency?: number;
  /**
   * Run the engine one thing at a time in a canonical order (DurableEngineOptions.sequential):
   * with `transport: 'memory'` and a VirtualClock, a run is a function of its inputs alone.
   * Default false.
   */
  readonly sequential?: boolean;
  /**
   * How the app's clients reach their servers: `https` (default) over sockets on loopback, as
   * from any process; `memory` in-process: the Azure SDK clients through the emulator's
   * `httpClient` (the same answers without sockets or TLS, in the order requests are sent; not
   * with `attach`) and the Durable client through the engine's client API handler
   * (inProcessClient.ts). Requests to the host's own front end stay HTTP either way.
   */
  readonly transport?: 'https' | 'memory';
  /**
   * Wraps the in-process Azure transport (`transport: 'memory'` only), e.g. to count requests per
   * pool as the simulator does. Whatever it returns is what the SDK clients send through.
   */
  readonly wrapAzureTransport?: (client: HttpClient) => HttpClient;
  readonly log?: HostLog;
}

/** How to reach an emulator the stack did not start. */
export interface AttachedEmulator {
  readonly armEndpoint: string;
  readonly serviceBusEndpoint: string;
  readonly probeEndpoint: string;
  readonly caCertPem: string;
}

/** A running stack. */
export interface Stack {
  readonly host: Host;
  /** The emulator this stack started; undefined when it attached to one. */
  readonly emulator: Emulator | undefined;
  readonly engine: DurableEngine;
  readonly pools: PoolsConfig;
  /** The app settings the app runs with (emulator endpoints included). */
  readonly settings: Readonly<Record<string, string>>;
  /** Stops the host (and the engine it runs), then the emulator. */
  close(): Promise<void>;
}

/** The app setting that carries the pools document: SURGE_POOLS_FILE, or SURGE_POOLS. */
function poolsSetting(options: StackOptions): Record<string, string> {
  if (options.poolsJson !== undefined) return { SURGE_POOLS: options.poolsJson };
  if (options.poolsFile === undefined) throw new Error('startStack: no pools document given');
  return { SURGE_POOLS_FILE: path.resolve(options.poolsFile) };
}

/**
 * Starts emulator, runtime and host. Before the app loads, the emulator is set up for the pools
 * document: each pool's Service Bus entity exists and is drained by the pool's groups, and each
 * Traffic Manager profile a pool names exists (Weighted), as they would in a subscription.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  if (options.persist && !options.attach) {
    throw new Error(
      'startStack: persist needs an attached emulator; the controllers would resume against a new emulator that has none of the groups their history describes',
    );
  }
  await mkdir(options.stateDir, { recursive: true });
  if (options.settingsFile) applySettings(await readLocalSettings(options.settingsFile));
  const emulator = options.attach
    ? undefined
    : await startEmulator({
        clock: options.clock,
        seed: options.seed ?? 1,
        port: options.emulatorPort ?? 0,
        config: options.emulator ?? {},
        caFile: path.join(options.stateDir, 'emulator-ca.pem'),
      });
  const target: AttachedEmulator = options.attach ?? (emulator as Emulator);
  try {
    const settings: Record<string, string> = {
      ...options.settings,
      ...poolsSetting(options),
      SURGE_ARM_ENDPOINT: target.armEndpoint,
      SURGE_SERVICEBUS_ENDPOINT: target.serviceBusEndpoint,
      SURGE_PROBE_ENDPOINT: target.probeEndpoint,
    };
    // The app reads whichever of the two is set: only the one given here may be.
    delete process.env.SURGE_POOLS;
    delete process.env.SURGE_POOLS_FILE;
    Object.assign(process.env, settings);
    const credential = new StaticTokenCredential(LOCAL_TOKEN);
    const runtime = buildRuntime(process.env, {
      credential,
      tls: { ca: target.caCertPem },
      now: () => options.clock.now(),
      ...(emulator && options.transport === 'memory'
        ? {
            azure: createAzurePorts(readSettings(process.env), {
              credential,
              now: () => options.clock.now(),
              httpClient: options.wrapAzureTransport
                ? options.wrapAzureTransport(emulator.httpClient)
                : emulator.httpClient,
            }),
          }
        : {}),
    });
    if (emulator) await prepareEmulator(emulator, runtime.pools.pools);
    installRuntime(runtime);
    const registry = installFunctionsCore();
    const engine = new Engine({
      registry,
      clock: options.clock,
      activityConcurrency: options.activityConcurrency ?? 8,
      sequential: options.sequential ?? false,
      ...(options.persist
        ? { store: new SqliteInstanceStore({ stateFolder: options.stateDir }) }
        : {}),
    });
    const host = await startHost({
      ...(options.appEntry !== undefined ? { appEntry: options.appEntry } : {}),
      ...(options.hostJsonPath !== undefined ? { hostJsonPath: options.hostJsonPath } : {}),
      stateDir: options.stateDir,
      clock: options.clock,
      engine,
      port: options.hostPort ?? 0,
      ...(options.log ? { log: options.log } : {}),
    });
    const undoInProcess =
      options.transport === 'memory'
        ? serveDurableClientInProcess(
            host.url,
            createClientApiHandler(engine, () => host.url),
          )
        : undefined;
    return {
      host,
      emulator,
      engine,
      pools: runtime.pools,
      settings,
      async close() {
        try {
          undoInProcess?.();
          await host.close();
          // The host stops an engine it runs in real time; one driven in virtual time is stopped here.
          await engine.stop();
        } finally {
          await emulator?.close();
          installRuntime(undefined);
        }
      },
    };
  } catch (e) {
    await emulator?.close();
    throw e;
  }
}

/** Sets the emulator up for the pools: entities, which groups drain them, Traffic Manager profiles. */
export async function prepareEmulator(
  emulator: Emulator,
  pools: readonly PoolSpec[],
): Promise<void> {
  for (const pool of pools) {
    const ns = pool.serviceBus.namespace;
    const entity = entityPath(pool);
    if (pool.serviceBus.topic !== undefined) {
      emulator.control.createEntity(ns, 'topic', pool.serviceBus.topic);
      emulator.control.createEntity(ns, 'subscription', entity);
    } else {
      emulator.control.createEntity(ns, 'queue', entity);
    }
    emulator.control.setPool(pool.name, { namespace: ns, entity });
    if (pool.trafficManager) {
      const client = new TrafficManagerManagementClient(
        new StaticTokenCredential(LOCAL_TOKEN),
        pool.azure.subscriptionId,
        {
          $host: emulator.armEndpoint,
          endpoint: emulator.armEndpoint,
          tlsOptions: { ca: emulator.caCertPem },
        },
      );
      await client.profiles.createOrUpdate(
        pool.trafficManager.resourceGroup ?? pool.azure.resourceGroup,
        pool.trafficManager.profile,
        {
          location: 'global',
          trafficRoutingMethod: 'Weighted',
          dnsConfig: { relativeName: `${pool.name}-surge`, ttl: 30 },
          monitorConfig: {
            protocol: 'HTTP',
            port: pool.group.containers.flatMap((c) => c.ports)[0] ?? 80,
            path: pool.rollout.healthPath,
            intervalInSeconds: 10,
            timeoutInSeconds: 5,
            toleratedNumberOfFailures: 2,
          },
          endpoints: [],
        },
      );
    }
  }
}

/** The emulator a stack started (for tests and tools that drive it); throws for an attached one. */
export function emulatorOf(stack: Stack): Emulator {
  if (!stack.emulator) throw new Error('this stack is attached to an emulator it does not own');
  return stack.emulator;
}

/**
 * Removes the Durable history an earlier start left in `stateDir` (`durable.sqlite` and its WAL
 * files), for a start that brings up a new emulator: the history's controllers remember groups
 * that emulator does not have, and their statuses would report them. Returns whether there was one.
 */
export async function clearEarlierHistory(stateDir: string): Promise<boolean> {
  const files = ['', '-wal', '-shm'].map((suffix) =>
    path.join(stateDir, `${DEFAULT_DATABASE_FILE}${suffix}`),
  );
  const found = await Promise.all(
    files.map((f) =>
      stat(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  await Promise.all(files.map((f) => rm(f, { force: true })));
  return found.some(Boolean);
}

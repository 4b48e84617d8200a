import type { TokenCredential } from '@azure/core-auth';
import { createAzurePorts } from './azure';
import type { AzureTlsOptions } from './azure';
import { createCredential } from './azure/credentials';
import type { AzurePorts } from './azure/ports';
import type { PoolsConfig } from './config/pools';
import type { DepthReading } from './controller/signal';
import { loadPools } from './config/pools';
import type { Settings } from './config/settings';
import { readSettings } from './config/settings';
import type { HealthProber } from './probe';
import { createHttpProber } from './probe';
import type { TelemetryMarks } from './telemetry/sample';
import type { UsageMemory } from './watch/usage';
import { newUsageMemory } from './watch/usage';

/**
 * The composition root: configuration parsed once, and the ports built from it. The functions
 * ask `runtime()` for it; the local runtime and tests install their own (the same adapters
 * pointed at the emulator, or hand-written fakes) with `installRuntime`, so there is one code
 * path for the logic, locally and in Azure.
 */
export interface Runtime {
  readonly settings: Settings;
  readonly pools: PoolsConfig;
  readonly azure: AzurePorts;
  /** Reads an app setting at the moment of use: secrets are resolved when a group is created. */
  readonly readSetting: (name: string) => string | undefined;
  /** Health probes of groups without Traffic Manager. */
  readonly prober: HealthProber;
  /** Wall-clock time for triggers (ms since epoch); the local runtime passes its own clock. */
  readonly now: () => number;
  /**
   * What this app instance remembers between invocations while it stays warm (lost on a cold
   * start, which only costs a status read or a signal): controllers seen running, the depth
   * readings last signalled, and the quota usage last read. Per runtime, so a new app instance — or a new local stack in the
   * same process — starts with none.
   */
  readonly memory: RuntimeMemory;
}

/** Fresh, empty memory for a new app instance. */
export function newRuntimeMemory(): RuntimeMemory {
  return {
    seenAlive: new Map(),
    lastSignalled: new Map(),
    usage: newUsageMemory(),
    telemetry: { current: {} },
  };
}

/** See Runtime.memory. */
export interface RuntimeMemory {
  /** Controller instance id → until when it is trusted to run (ms). */
  readonly seenAlive: Map<string, number>;
  /** Pool → the depth reading last signalled to its controller. */
  readonly lastSignalled: Map<string, DepthReading>;
  /** ACI quota usage per subscription and region, read once a minute for every pool there. */
  readonly usage: UsageMemory;
  /** What the telemetry samples emitted so far (decisions and refusal counts per pool). */
  readonly telemetry: { current: TelemetryMarks };
}

/** Parts a host may bring instead of the defaults. */
export interface RuntimeParts {
  readonly azure?: AzurePorts;
  readonly credential?: TokenCredential;
  /** A CA the Azure clients trust besides the system's (the local emulator's). */
  readonly tls?: AzureTlsOptions;
  readonly prober?: HealthProber;
  readonly now?: () => number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** A health probe that has not answered in 5 s counts as a failure. */
const PROBE_TIMEOUT_MS = 5000;

/** Builds the runtime from app settings; throws PoolConfigError or SettingError on bad configuration. */
export function buildRuntime(env: Env, parts: RuntimeParts = {}): Runtime {
  const settings = readSettings(env);
  const pools = loadPools(env);
  const azure =
    parts.azure ??
    createAzurePorts(settings, {
      credential: parts.credential ?? createCredential(settings),
      ...(parts.tls ? { tls: parts.tls } : {}),
      ...(parts.now ? { now: parts.now } : {}),
    });
  const prober =
    parts.prober ??
    createHttpProber({
      timeoutMs: PROBE_TIMEOUT_MS,
      ...(settings.probeEndpoint ? { endpoint: settings.probeEndpoint } : {}),
    });
  return Object.freeze({
    settings,
    pools,
    azure,
    prober,
    readSetting: (name: string) => env[name],
    memory: newRuntimeMemory(),
    now: parts.now ?? Date.now,
  });
}

let installed: Runtime | undefined;

/** The runtime, built from process.env on first use unless a host installed one. */
export function runtime(): Runtime {
  installed ??= buildRuntime(process.env);
  return installed;
}

/** Installs the runtime the functions use (a host's or a test's); undefined resets to process.env. */
export function installRuntime(value: Runtime | undefined): void {
  installed = value;
}

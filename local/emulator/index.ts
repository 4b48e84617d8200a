/**
 * Surge's local Azure emulator: the ARM container group and Traffic Manager APIs and the Service
 * Bus administration API, over https on loopback, for the real Azure SDK clients. See
 * docs/emulator.md for the model, the control API and the configuration.
 *
 * ```ts
 * const emulator = await startEmulator({ clock: new VirtualClock(), seed: 7 });
 * const ports = createAzurePorts(readSettings(emulator.settings), {
 *   credential: new StaticTokenCredential('local'),
 *   tls: { ca: emulator.caCertPem },
 * });
 * …
 * await emulator.close();
 * ```
 */
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { HttpClient } from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';
import type { EmulatorConfig } from './config';
import { emulatorConfigSchema, parseWith } from './config';
import { EmulatorControl } from './control';
import { createProbeServer } from './probes';
import { createMemoryHttpClient } from './memoryTransport';
import { armHostSet, createEmulatorServer, dispatch } from './server';
import { tlsMaterial } from './tls';
import { World } from './world';

/** How to start an emulator. */
export interface EmulatorOptions {
  /** The one clock of the local runtime: every delay in the model reads it. */
  readonly clock: Clock;
  /** Seed of every random draw (latencies, faults, bursts); same seed, same behaviour. Default 1. */
  readonly seed?: number;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Interface to listen on; loopback only. */
  readonly host?: '127.0.0.1';
  readonly config?: EmulatorConfig;
  /** When set, the CA certificate is written there and NODE_EXTRA_CA_CERTS points at it. */
  readonly caFile?: string;
}

/** A running emulator. */
export interface Emulator {
  /** https origin of the ARM API, e.g. https://127.0.0.1:8443. */
  readonly armEndpoint: string;
  /** https origin for Service Bus administration calls (the namespace travels in Host). */
  readonly serviceBusEndpoint: string;
  /** https origin of the control API's base (`${origin}/_emulator`). */
  readonly controlEndpoint: string;
  /** http origin answering groups' health probes (the Host header names the group's FQDN). */
  readonly probeEndpoint: string;
  /** The CA certificate (PEM) that signed the server's certificate: what clients must trust. */
  readonly caCertPem: string;
  /** Where the CA was written (caFile), if it was. */
  readonly caFile: string | undefined;
  /**
   * App settings that point Surge at the emulator: SURGE_ARM_ENDPOINT,
   * SURGE_SERVICEBUS_ENDPOINT, SURGE_PROBE_ENDPOINT, SURGE_EMULATOR_ENDPOINT and, with caFile,
   * NODE_EXTRA_CA_CERTS.
   */
  readonly settings: Readonly<Record<string, string>>;
  /** The control API, in-process. */
  readonly control: EmulatorControl;
  /**
   * A transport for the Azure SDK clients (their `httpClient` option) that routes requests to
   * this emulator in-process: the same answers as over https, without sockets or TLS, and in the
   * order they were sent (see memoryTransport.ts). The simulator uses it; `npm start` does not.
   */
  readonly httpClient: HttpClient;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Starts an emulator (well under a second: the certificate takes ~30 ms, listening ~1 ms). */
export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const config = parseWith(emulatorConfigSchema, options.config ?? {}, 'emulator config');
  const host = options.host ?? '127.0.0.1';
  const armHostNames = config.arm?.hostNames ?? [];
  const namespaceHosts = (config.serviceBus?.namespaces ?? [])
    .map((n) => n.name.toLowerCase())
    .filter((n) => n.includes('.') && !n.endsWith('.servicebus.windows.net'));
  const tls = await tlsMaterial([...armHostNames, ...namespaceHosts]);
  const world = new World({ clock: options.clock, seed: options.seed ?? 1, config });
  const control = new EmulatorControl(world);
  const server = createEmulatorServer(world, control, tls, armHostNames);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `https://${host}:${port}`;
  // Health probes of groups' own ports are plain HTTP, as a container's port would be.
  const probes = createProbeServer(world);
  await new Promise<void>((resolve, reject) => {
    probes.once('error', reject);
    probes.listen(0, host, () => {
      probes.off('error', reject);
      resolve();
    });
  });
  const probeEndpoint = `http://${host}:${(probes.address() as AddressInfo).port}`;
  let caFile: string | undefined;
  if (options.caFile !== undefined) {
    caFile = path.resolve(options.caFile);
    await mkdir(path.dirname(caFile), { recursive: true });
    await writeFile(caFile, tls.caCertPem, 'utf8');
  }
  const settings: Record<string, string> = {
    SURGE_ARM_ENDPOINT: origin,
    SURGE_SERVICEBUS_ENDPOINT: origin,
    SURGE_EMULATOR_ENDPOINT: `${origin}/_emulator`,
    SURGE_PROBE_ENDPOINT: probeEndpoint,
    ...(caFile !== undefined ? { NODE_EXTRA_CA_CERTS: caFile } : {}),
  };
  const armHosts = armHostSet(armHostNames);
  let closing: Promise<void> | undefined;
  return {
    armEndpoint: origin,
    serviceBusEndpoint: origin,
    controlEndpoint: `${origin}/_emulator`,
    probeEndpoint,
    caCertPem: tls.caCertPem,
    caFile,
    settings,
    control,
    httpClient: createMemoryHttpClient((request) => dispatch(world, control, request, armHosts)),
    close() {
      closing ??= Promise.all(
        [server, probes].map(
          (s) =>
            new Promise<void>((resolve, reject) => {
              s.close((error) => (error ? reject(error) : resolve()));
              s.closeAllConnections();
            }),
        ),
      ).then(() => undefined);
      return closing;
    },
  };
}

export { EmulatorControl } from './control';
export type { EmulatorState, EntityStats, GroupSummary, PoolState } from './control';
export type {
  ArrivalsSeed,
  BucketConfig,
  EmulatorConfig,
  FaultConfig,
  LimitsConfig,
  NamespaceSeed,
  PoolDrain,
  RegionFaults,
} from './config';
export { ConfigError, DEFAULT_FAULTS, DEFAULT_LIMITS, emulatorConfigSchema } from './config';
export type { ImageBehaviour, ImageConfig } from './images';
export type { Distribution } from './random';
export type { ArrivalSchedule } from './workload/arrivals';
export type { QueueStats } from './workload/queue';
export type { WaitStats } from './workload/histogram';
export type { InjectedArmError, PoolPlacement, PoolUsage, RequestCounters } from './world';

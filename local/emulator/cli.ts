/**
 * The standalone emulator's command line (`npm run emulator`), as functions main.ts calls: the
 * arguments, and the text that tells a developer how to point Surge at the running emulator.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { EmulatorConfig } from './config';
import { ConfigError, emulatorConfigSchema, parseWith } from './config';
import type { Emulator } from './index';

/** The documented default port of the standalone emulator. */
export const DEFAULT_PORT = 8443;

/** Where the standalone emulator writes its CA certificate (under the git-ignored .state/). */
export const DEFAULT_CA_FILE = path.join('.state', 'emulator', 'ca.pem');

/** What the command line asks for. */
export interface CliOptions {
  readonly port: number;
  readonly seed: number;
  readonly caFile: string;
  readonly config: EmulatorConfig;
}

/**
 * Reads `--port`, `--seed`, `--config <file.json>` and `--ca-file <path>` (env fallbacks:
 * SURGE_EMULATOR_PORT, SURGE_EMULATOR_SEED). Throws ConfigError with a readable message.
 */
export function parseCliArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      seed: { type: 'string' },
      config: { type: 'string' },
      'ca-file': { type: 'string' },
    },
  });
  const port = Number(values.port ?? env.SURGE_EMULATOR_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`--port must be a port number (0-65535), got ${values.port ?? ''}`);
  }
  const seed = Number(values.seed ?? env.SURGE_EMULATOR_SEED ?? 1);
  if (!Number.isInteger(seed)) throw new ConfigError(`--seed must be a whole number`);
  let config: EmulatorConfig = {};
  if (values.config !== undefined) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(values.config, 'utf8'));
    } catch (error) {
      throw new ConfigError(`--config ${values.config}: ${(error as Error).message}`);
    }
    config = parseWith(emulatorConfigSchema, raw, values.config);
  }
  return { port, seed, caFile: values['ca-file'] ?? DEFAULT_CA_FILE, config };
}

/** What `npm run emulator` prints once listening: endpoints, CA file, settings. */
export function describeEmulator(emu: Emulator, seed: number): string {
  const settings = Object.entries(emu.settings).map(([k, v]) => `  ${k}=${v}`);
  return [
    `Surge local Azure emulator (seed ${seed}) listening on ${emu.armEndpoint}`,
    `  ARM (container groups, Traffic Manager): ${emu.armEndpoint}`,
    `  Service Bus administration:              ${emu.serviceBusEndpoint} (namespace in the Host header)`,
    `  Control API:                             ${emu.controlEndpoint}/state`,
    `  CA certificate:                          ${emu.caFile ?? '(not written)'}`,
    '',
    'App settings that point Surge at it (local.settings.json "Values" or the environment):',
    ...settings,
    '',
    'Processes started from a shell trust the emulator through NODE_EXTRA_CA_CERTS (read at start):',
    `  export NODE_EXTRA_CA_CERTS=${emu.caFile ?? '<ca file>'}`,
    'Any non-empty bearer token is accepted (StaticTokenCredential). Ctrl-C stops the emulator.',
  ].join('\n');
}

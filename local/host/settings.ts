/**
 * `local.settings.json`, the file Azure Functions Core Tools reads at start-up:
 *
 * ```json
 * {
 *   "IsEncrypted": false,
 *   "Values": { "FUNCTIONS_WORKER_RUNTIME": "node", "SURGE_POOLS_FILE": "pools.sample.json" },
 *   "Host": { "LocalHttpPort": 7071, "CORS": "*", "CORSCredentials": false },
 *   "ConnectionStrings": {}
 * }
 * ```
 *
 * Precedence (as Core Tools): a variable already set in the environment WINS over the same name
 * in `Values`, so `SURGE_POOLS_FILE=x npm start` overrides the file without editing it. The
 * settings are applied to the environment before the app is imported, because Surge reads some of
 * them (timer schedules) at registration.
 *
 * A missing file is not an error (Core Tools starts without one); a malformed one is, with the
 * file and the problem named. Encrypted files (`IsEncrypted: true`, written by
 * `func settings encrypt`) are refused: they can only be decrypted on the machine that wrote them.
 */
import { readFile } from 'node:fs/promises';

/** Why a settings file cannot be used. */
export class SettingsFileError extends Error {
  override readonly name = 'SettingsFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** The `Host` section. */
export interface LocalHostSettings {
  /** Port of the local HTTP front end (`Host.LocalHttpPort`). */
  readonly localHttpPort?: number;
  /** Allowed CORS origins (`Host.CORS`, comma-separated; `*` = any). */
  readonly cors?: readonly string[];
  /** `Host.CORSCredentials`: answer `Access-Control-Allow-Credentials: true`. */
  readonly corsCredentials?: boolean;
}

/** A parsed `local.settings.json`. */
export interface LocalSettings {
  /** Absolute or as-given path of the file. */
  readonly file: string;
  /** False when the file does not exist (everything else is then empty). */
  readonly found: boolean;
  /** `Values`, every value as text (numbers and booleans are converted, as Core Tools does). */
  readonly values: Readonly<Record<string, string>>;
  readonly host: LocalHostSettings;
  /** `ConnectionStrings`, kept for completeness; Surge does not use them. */
  readonly connectionStrings: Readonly<Record<string, string>>;
  /** Things worth telling the user that do not stop start-up (unknown sections, …). */
  readonly warnings: readonly string[];
}

/** What `applySettings` did. */
export interface AppliedSettings {
  /** Names set from the file. */
  readonly applied: readonly string[];
  /** Names in the file left alone because the environment already had them. */
  readonly keptFromEnvironment: readonly string[];
}

const KNOWN_SECTIONS = new Set(['IsEncrypted', 'Values', 'Host', 'ConnectionStrings']);
const KNOWN_HOST_KEYS = new Set(['LocalHttpPort', 'CORS', 'CORSCredentials']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/** `{name: text}` from a section whose values must be scalars. */
function stringMap(file: string, section: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new SettingsFileError(file, `"${section}" must be an object, not ${describeType(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (name.length === 0) throw new SettingsFileError(file, `"${section}" has an empty name`);
    if (typeof v === 'string') out[name] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[name] = String(v);
    else {
      throw new SettingsFileError(
        file,
        `"${section}.${name}" must be a string (or number/boolean), not ${describeType(v)}`,
      );
    }
  }
  return out;
}

function hostSection(file: string, value: unknown, warnings: string[]): LocalHostSettings {
  if (value === undefined) return {};
  if (!isPlainObject(value)) {
    throw new SettingsFileError(file, `"Host" must be an object, not ${describeType(value)}`);
  }
  const host: { -readonly [K in keyof LocalHostSettings]: LocalHostSettings[K] } = {};
  const port = value.LocalHttpPort;
  if (port !== undefined) {
    const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw new SettingsFileError(
        file,
        `"Host.LocalHttpPort" must be an integer from 0 to 65535, not ${JSON.stringify(port)}`,
      );
    }
    host.localHttpPort = n;
  }
  const cors = value.CORS;
  if (cors !== undefined) {
    if (typeof cors !== 'string') {
      throw new SettingsFileError(
        file,
        `"Host.CORS" must be a comma-separated string, not ${describeType(cors)}`,
      );
    }
    host.cors = cors
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
  const credentials = value.CORSCredentials;
  if (credentials !== undefined) {
    if (typeof credentials !== 'boolean') {
      throw new SettingsFileError(
        file,
        `"Host.CORSCredentials" must be true or false, not ${JSON.stringify(credentials)}`,
      );
    }
    host.corsCredentials = credentials;
  }
  for (const key of Object.keys(value)) {
    if (!KNOWN_HOST_KEYS.has(key)) warnings.push(`"Host.${key}" is not used by the local host`);
  }
  return host;
}

/**
 * Parse the text of a settings file. Throws SettingsFileError naming `file` for invalid JSON, an
 * encrypted file, or a section of the wrong shape.
 */
export function parseLocalSettings(text: string, file: string): LocalSettings {
  // Editors on Windows (and Visual Studio) save this file with a byte-order mark.
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim().length === 0) throw new SettingsFileError(file, 'the file is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body) as unknown;
  } catch (err) {
    throw new SettingsFileError(file, `not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(parsed)) {
    throw new SettingsFileError(file, `must be a JSON object, not ${describeType(parsed)}`);
  }
  const encrypted = parsed.IsEncrypted;
  if (encrypted !== undefined && typeof encrypted !== 'boolean') {
    throw new SettingsFileError(
      file,
      `"IsEncrypted" must be true or false, not ${JSON.stringify(encrypted)}`,
    );
  }
  if (encrypted === true) {
    throw new SettingsFileError(
      file,
      'the settings are encrypted ("IsEncrypted": true). The local host cannot decrypt them: ' +
        'run `func settings decrypt` where they were encrypted, or write the values in clear ' +
        'and set "IsEncrypted": false.',
    );
  }
  const warnings: string[] = [];
  for (const key of Object.keys(parsed)) {
    if (!KNOWN_SECTIONS.has(key)) warnings.push(`"${key}" is not a local.settings.json section`);
  }
  return {
    file,
    found: true,
    values: stringMap(file, 'Values', parsed.Values),
    host: hostSection(file, parsed.Host, warnings),
    connectionStrings: stringMap(file, 'ConnectionStrings', parsed.ConnectionStrings),
    warnings,
  };
}

/** Settings of a file that does not exist: empty, `found: false`. */
function emptyLocalSettings(file: string): LocalSettings {
  return { file, found: false, values: {}, host: {}, connectionStrings: {}, warnings: [] };
}

/**
 * Read and parse a settings file. A missing file gives empty settings (`found: false`), as Core
 * Tools starts without one; any other read error or a malformed file throws SettingsFileError.
 */
export async function readLocalSettings(file: string): Promise<LocalSettings> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return emptyLocalSettings(file);
    throw new SettingsFileError(file, `cannot be read: ${(err as Error).message}`);
  }
  return parseLocalSettings(text, file);
}

/**
 * Copy `Values` into `env` (default `process.env`) WITHOUT overriding names the environment
 * already has — the environment wins, as with Core Tools.
 */
export function applySettings(
  settings: LocalSettings,
  env: Record<string, string | undefined> = process.env,
): AppliedSettings {
  const applied: string[] = [];
  const keptFromEnvironment: string[] = [];
  for (const [name, value] of Object.entries(settings.values)) {
    if (env[name] !== undefined) {
      keptFromEnvironment.push(name);
      continue;
    }
    env[name] = value;
    applied.push(name);
  }
  return { applied, keptFromEnvironment };
}

/**
 * Whether the app setting `AzureWebJobs.<name>.Disabled` disables a function, as in Azure: the
 * host then neither routes HTTP requests to it nor schedules it. `true` and `1` disable.
 */
export function isFunctionDisabled(
  functionName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  const value = env[`AzureWebJobs.${functionName}.Disabled`];
  return value !== undefined && /^(true|1)$/i.test(value.trim());
}

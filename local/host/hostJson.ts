/**
 * The parts of `host.json` the local host honours: the HTTP route prefix, the Durable default
 * orchestration version, and the task hub name and activity concurrency (used when the host
 * creates its own engine). Everything else
 * (logging, extension bundle, function timeout) is ignored locally.
 */
import { readFile } from 'node:fs/promises';
import { DEFAULT_ROUTE_PREFIX } from './invoke';

/** Why host.json cannot be used. */
class HostJsonError extends Error {
  override readonly name = 'HostJsonError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
  }
}

/** What the local host reads from host.json. */
export interface HostJson {
  /** Path read, or undefined when defaults were used (no file). */
  readonly file: string | undefined;
  /** `extensions.http.routePrefix` without surrounding slashes; `''` = no prefix. */
  readonly routePrefix: string;
  /** `extensions.durableTask.hubName`. */
  readonly hubName?: string;
  /** `extensions.durableTask.maxConcurrentActivityFunctions`. */
  readonly maxConcurrentActivityFunctions?: number;
  /** `extensions.durableTask.defaultVersion`: the version new orchestration instances record. */
  readonly defaultVersion?: string;
  readonly warnings: readonly string[];
}

/** host.json defaults (what the host uses without a file). */
export const DEFAULT_HOST_JSON: HostJson = {
  file: undefined,
  routePrefix: DEFAULT_ROUTE_PREFIX,
  warnings: [],
};

function objectAt(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Parse host.json text; throws HostJsonError naming `file` for invalid JSON or wrong types. */
export function parseHostJson(text: string, file: string): HostJson {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, '')) as unknown;
  } catch (err) {
    throw new HostJsonError(file, `not valid JSON: ${(err as Error).message}`);
  }
  const root = objectAt(parsed);
  if (!root) throw new HostJsonError(file, 'must be a JSON object');
  const warnings: string[] = [];
  if (root.version !== '2.0') {
    warnings.push(`"version" is ${JSON.stringify(root.version)}; the v4 host expects "2.0"`);
  }
  const extensions = objectAt(root.extensions) ?? {};
  const http = objectAt(extensions.http) ?? {};
  let routePrefix = DEFAULT_ROUTE_PREFIX;
  if (http.routePrefix !== undefined) {
    if (typeof http.routePrefix !== 'string') {
      throw new HostJsonError(file, '"extensions.http.routePrefix" must be a string');
    }
    routePrefix = http.routePrefix.replace(/^\/+|\/+$/g, '');
  }
  const durable = objectAt(extensions.durableTask) ?? {};
  const hubName = durable.hubName;
  if (hubName !== undefined && (typeof hubName !== 'string' || hubName.length === 0)) {
    throw new HostJsonError(file, '"extensions.durableTask.hubName" must be a non-empty string');
  }
  const activities = durable.maxConcurrentActivityFunctions;
  if (
    activities !== undefined &&
    (typeof activities !== 'number' || !Number.isInteger(activities) || activities < 1)
  ) {
    throw new HostJsonError(
      file,
      '"extensions.durableTask.maxConcurrentActivityFunctions" must be an integer >= 1',
    );
  }
  const defaultVersion = durable.defaultVersion;
  if (
    defaultVersion !== undefined &&
    (typeof defaultVersion !== 'string' || defaultVersion === '')
  ) {
    throw new HostJsonError(
      file,
      '"extensions.durableTask.defaultVersion" must be a non-empty string',
    );
  }
  return {
    file,
    routePrefix,
    ...(typeof hubName === 'string' ? { hubName } : {}),
    ...(typeof defaultVersion === 'string' ? { defaultVersion } : {}),
    ...(typeof activities === 'number' ? { maxConcurrentActivityFunctions: activities } : {}),
    warnings,
  };
}

/** Read host.json; a missing file gives the defaults. */
export async function readHostJson(file: string): Promise<HostJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return DEFAULT_HOST_JSON;
    throw new HostJsonError(file, `cannot be read: ${(err as Error).message}`);
  }
  return parseHostJson(text, file);
}

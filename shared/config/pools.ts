import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { poolsDocumentSchema, type PoolSpec } from './poolSpec';

/** The validated pools document: pools by name, in document order, deeply frozen. */
export interface PoolsConfig {
  readonly pools: readonly PoolSpec[];
  readonly byName: ReadonlyMap<string, PoolSpec>;
  /** Where the document came from, for messages ("file pools.json", "app setting SURGE_POOLS"). */
  readonly source: string;
}

/** A pools document that cannot be used; the message names the pool and the field. */
export class PoolConfigError extends Error {
  override readonly name = 'PoolConfigError';
  constructor(
    message: string,
    /** One line per problem: `pool "orders" (pools[0]): scaling.targetDrainSeconds: …`. */
    readonly problems: readonly string[],
  ) {
    super(message);
  }
}

/** App settings that point at the pools document. */
const POOLS_FILE_SETTING = 'SURGE_POOLS_FILE';
/** App setting that holds the pools document itself. */
const POOLS_JSON_SETTING = 'SURGE_POOLS';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the pools document named by the app settings (a file path in SURGE_POOLS_FILE, or the
 * JSON itself in SURGE_POOLS), validates it and checks that every secret it references exists
 * as an app setting. Throws PoolConfigError naming the pool and field on any problem.
 */
export function loadPools(env: Env): PoolsConfig {
  const file = env[POOLS_FILE_SETTING]?.trim();
  const json = env[POOLS_JSON_SETTING]?.trim();
  if (file && json) {
    throw new PoolConfigError(
      `set only one of ${POOLS_FILE_SETTING} and ${POOLS_JSON_SETTING}`,
      [],
    );
  }
  if (!file && !json) {
    throw new PoolConfigError(
      `no pools configured: set ${POOLS_FILE_SETTING} to a pools document file or ${POOLS_JSON_SETTING} to its JSON`,
      [],
    );
  }
  let text: string;
  let source: string;
  if (file) {
    source = `file ${file}`;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new PoolConfigError(
        `cannot read pools document (${source}): ${(e as Error).message}`,
        [],
      );
    }
  } else {
    source = `app setting ${POOLS_JSON_SETTING}`;
    text = json as string;
  }
  const config = parsePools(text, source);
  const missing = missingSettings(config, env);
  if (missing.length > 0) {
    throw new PoolConfigError(
      `pools document (${source}) references app settings that are not set:\n  ${missing.join('\n  ')}`,
      missing,
    );
  }
  return config;
}

/** Parses and validates a pools document's text. Throws PoolConfigError on any problem. */
export function parsePools(text: string, source: string): PoolsConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PoolConfigError(
      `pools document (${source}) is not valid JSON: ${(e as Error).message}`,
      [],
    );
  }
  const result = poolsDocumentSchema.safeParse(raw);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => describeIssue(issue, raw));
  if (result.success) {
    problems.push(...crossPoolProblems(result.data.pools));
  }
  if (!result.success || problems.length > 0) {
    throw new PoolConfigError(
      `invalid pools document (${source}):\n  ${problems.join('\n  ')}`,
      problems,
    );
  }
  const pools = result.data.pools;
  return deepFreeze({ pools, byName: new Map(pools.map((p) => [p.name, p])), source });
}

/** `pool "orders" (pools[0]): scaling.targetDrainSeconds: Too small: …` */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : p));
  // "Invalid input: expected number, received undefined" says less than "required (number)".
  const message = issue.message.replace(
    /^Invalid input: expected (\w+), received undefined$/,
    'required ($1)',
  );
  const keys =
    issue.code === 'unrecognized_keys' && issue.keys.length > 1
      ? ` (${issue.keys.join(', ')})`
      : '';
  if (path[0] === 'pools' && typeof path[1] === 'number') {
    const index = path[1];
    const field = formatPath(path.slice(2)) || '(the pool itself)';
    return `${poolLabel(raw, index)}: ${field}: ${message}${keys}`;
  }
  return `${formatPath(path) || '(document)'}: ${message}${keys}`;
}

function poolLabel(raw: unknown, index: number): string {
  const pools = (raw as { pools?: unknown } | null)?.pools;
  const name = Array.isArray(pools)
    ? (pools[index] as { name?: unknown } | undefined)?.name
    : undefined;
  return typeof name === 'string' && name !== ''
    ? `pool "${name}" (pools[${index}])`
    : `pools[${index}]`;
}

function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p),
    '',
  );
}

/** Problems that no single pool shows: duplicate names, two pools draining one entity. */
function crossPoolProblems(pools: readonly PoolSpec[]): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  const entities = new Map<string, string>();
  pools.forEach((p, i) => {
    const seen = names.get(p.name);
    if (seen !== undefined) {
      problems.push(`pool "${p.name}" (pools[${i}]): name: duplicate of pools[${seen}]`);
    }
    names.set(p.name, i);
    const entity = `${p.serviceBus.namespace.toLowerCase()}/${entityPath(p).toLowerCase()}`;
    const owner = entities.get(entity);
    if (owner !== undefined) {
      problems.push(
        `pool "${p.name}" (pools[${i}]): serviceBus: drains the same entity as pool "${owner}"; one pool per queue`,
      );
    }
    entities.set(entity, p.name);
  });
  return problems;
}

/** The Service Bus entity a pool drains: `queue` or `topic/Subscriptions/subscription`. */
export function entityPath(pool: Pick<PoolSpec, 'serviceBus'>): string {
  const sb = pool.serviceBus;
  return sb.queue ?? `${sb.topic}/Subscriptions/${sb.subscription}`;
}

/** Every `fromSetting` in the document whose app setting is unset, as `pool "x": field: …`. */
function missingSettings(config: PoolsConfig, env: Env): string[] {
  const missing: string[] = [];
  config.pools.forEach((pool, i) => {
    for (const { path, setting } of settingRefs(pool)) {
      if (env[setting] === undefined || env[setting] === '') {
        missing.push(
          `pool "${pool.name}" (pools[${i}]): ${path}: app setting ${setting} is not set`,
        );
      }
    }
  });
  return missing;
}

/** All app settings a pool reads secrets from, with the field that names each. */
function settingRefs(pool: PoolSpec): { path: string; setting: string }[] {
  const refs: { path: string; setting: string }[] = [];
  pool.group.containers.forEach((c, i) => {
    for (const [name, ref] of Object.entries(c.secureEnvironment)) {
      refs.push({
        path: `group.containers[${i}].secureEnvironment.${name}`,
        setting: ref.fromSetting,
      });
    }
  });
  if (pool.group.registry?.password) {
    refs.push({
      path: 'group.registry.password',
      setting: pool.group.registry.password.fromSetting,
    });
  }
  pool.group.volumes.forEach((v, i) => {
    if (v.azureFile) {
      refs.push({
        path: `group.volumes[${i}].azureFile.storageAccountKey`,
        setting: v.azureFile.storageAccountKey.fromSetting,
      });
    }
    for (const [file, ref] of Object.entries(v.secret ?? {})) {
      refs.push({ path: `group.volumes[${i}].secret.${file}`, setting: ref.fromSetting });
    }
  });
  return refs;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    if (value instanceof Map) {
      for (const v of value.values()) deepFreeze(v);
    } else {
      for (const v of Object.values(value)) deepFreeze(v);
    }
  }
  return value;
}

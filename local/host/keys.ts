/**
 * Function keys for the local front end. In Azure the host keeps a master (admin) key and host
 * function keys; here they are generated on first start (crypto-random, URL-safe), persisted in
 * the state folder (`.state/keys.json`, git-ignored) and reused on every later start, so a URL
 * with `?code=` keeps working across restarts.
 *
 * Auth levels, as in Azure:
 * - `anonymous`: no key needed (a key, even a wrong one, is ignored);
 * - `function`: any host function key, or the master key;
 * - `admin`: the master key only.
 *
 * The key is read from the `x-functions-key` header, else from the `code` query parameter (the
 * header wins when both are present, as in the host). Keys are compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AuthLevel } from './routes';

/** File name of the keys inside the state folder. */
const KEYS_FILE = 'keys.json';

/** Header carrying a function key. */
const KEY_HEADER = 'x-functions-key';

/** Query parameter carrying a function key. */
const KEY_QUERY = 'code';

/** Name of the host function key generated on first start. */
export const DEFAULT_KEY_NAME = 'default';

/**
 * Name of the Durable extension's system key: the real host requires it (or the master key) on
 * `/runtime/webhooks/durabletask/…`, and the management URLs it hands out carry it.
 */
export const DURABLE_SYSTEM_KEY = 'durabletask_extension';

/** The host's keys. */
export interface HostKeys {
  /** The admin key: accepted everywhere, required by `admin` routes. */
  readonly masterKey: string;
  /** Host function keys by name (`default` is generated): accepted by `function` routes. */
  readonly functionKeys: Readonly<Record<string, string>>;
  /** System keys of extensions by name (`durabletask_extension` is generated). */
  readonly systemKeys: Readonly<Record<string, string>>;
}

/** Why keys.json cannot be used. */
export class KeysFileError extends Error {
  override readonly name = 'KeysFileError';
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(
      `${file}: ${problem}. Fix it, or delete the file to have new keys generated on next start.`,
    );
  }
}

/** A new key: 32 random bytes, base64url (43 characters, no padding, safe in a query string). */
export function generateKey(): string {
  return randomBytes(32).toString('base64url');
}

/** Fresh keys: a master key and one host function key named `default`. */
function generateHostKeys(newKey: () => string = generateKey): HostKeys {
  return {
    masterKey: newKey(),
    functionKeys: { [DEFAULT_KEY_NAME]: newKey() },
    systemKeys: { [DURABLE_SYSTEM_KEY]: newKey() },
  };
}

const MIN_KEY_LENGTH = 16;

function validKey(value: unknown): value is string {
  return typeof value === 'string' && value.length >= MIN_KEY_LENGTH && !/\s/.test(value);
}

/** Parse the text of keys.json; throws KeysFileError naming the file and the problem. */
function parseHostKeys(text: string, file: string): HostKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch (err) {
    throw new KeysFileError(file, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KeysFileError(file, 'must be a JSON object');
  }
  const { masterKey, functionKeys, systemKeys } = parsed as Record<string, unknown>;
  if (!validKey(masterKey)) {
    throw new KeysFileError(
      file,
      `"masterKey" must be a string of at least ${MIN_KEY_LENGTH} characters without spaces`,
    );
  }
  return {
    masterKey,
    functionKeys: namedKeys(functionKeys, 'functionKeys', file),
    // Written by a host from before system keys: none yet (loadOrCreateKeys adds them).
    systemKeys: systemKeys === undefined ? {} : namedKeys(systemKeys, 'systemKeys', file),
  };
}

/** An object of named keys from keys.json; throws KeysFileError naming the field. */
function namedKeys(value: unknown, field: string, file: string): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new KeysFileError(file, `"${field}" must be an object of named keys`);
  }
  const keys: Record<string, string> = {};
  for (const [name, key] of Object.entries(value)) {
    if (!validKey(key)) {
      throw new KeysFileError(
        file,
        `"${field}.${name}" must be a string of at least ${MIN_KEY_LENGTH} characters without spaces`,
      );
    }
    keys[name] = key;
  }
  return keys;
}

/** Keys loaded from (or just written to) the state folder. */
export interface LoadedKeys {
  readonly keys: HostKeys;
  readonly file: string;
  /** True when this call generated them (first start). */
  readonly created: boolean;
}

/**
 * The keys in `stateDir/keys.json`; generated and written (owner-only permissions) when the file
 * does not exist. A malformed file is an error, never silently replaced: URLs with the old keys
 * would stop working without anyone knowing why.
 */
export async function loadOrCreateKeys(
  stateDir: string,
  newKey: () => string = generateKey,
): Promise<LoadedKeys> {
  const file = path.join(stateDir, KEYS_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new KeysFileError(file, `cannot be read (${(err as Error).message})`);
    }
  }
  if (text !== undefined) {
    const keys = parseHostKeys(text, file);
    if (keys.systemKeys[DURABLE_SYSTEM_KEY] !== undefined) return { keys, file, created: false };
    // A file from before system keys: the other keys stay, the Durable system key is added.
    const upgraded = {
      ...keys,
      systemKeys: { ...keys.systemKeys, [DURABLE_SYSTEM_KEY]: newKey() },
    };
    await writeKeys(file, upgraded);
    return { keys: upgraded, file, created: false };
  }
  const keys = generateHostKeys(newKey);
  await mkdir(stateDir, { recursive: true });
  await writeKeys(file, keys);
  return { keys, file, created: true };
}

/** Writes keys.json, owner-only; write-then-rename, so a crash never leaves a truncated file. */
async function writeKeys(file: string, keys: HostKeys): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  await rename(temp, file);
  await chmod(file, 0o600).catch(() => undefined);
}

/**
 * Whether a presented key opens the Durable management API: the Durable extension's system key or
 * the master key, as in Azure. Returns the refusal's reason, or undefined when it opens.
 */
export function durableApiRefusal(
  keys: HostKeys,
  presented: string | undefined,
): string | undefined {
  if (presented === undefined) {
    return `the Durable management API requires the ${DURABLE_SYSTEM_KEY} system key (or the master key): pass it in the ${KEY_HEADER} header or the ${KEY_QUERY} query parameter; the management URLs the API hands out carry it`;
  }
  const system = keys.systemKeys[DURABLE_SYSTEM_KEY];
  const isSystem = system !== undefined && safeEqual(presented, system);
  const isMaster = safeEqual(presented, keys.masterKey);
  return isSystem || isMaster
    ? undefined
    : `the key is not valid for the Durable management API (it requires the ${DURABLE_SYSTEM_KEY} system key or the master key)`;
}

/**
 * Constant-time comparison of two secrets. Both are hashed first so inputs of different lengths
 * take the same time too (timingSafeEqual itself throws on a length mismatch).
 */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

/** The key a request presents: the `x-functions-key` header, else the `code` query parameter. */
export function presentedKey(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  query: URLSearchParams,
): string | undefined {
  const header = headers[KEY_HEADER];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && fromHeader.length > 0) return fromHeader;
  const code = query.get(KEY_QUERY);
  return code !== null && code.length > 0 ? code : undefined;
}

/** The outcome of an authorization check. */
export type AuthResult =
  | {
      readonly ok: true;
      /** `master`, `function:<name>`, or `anonymous`. */
      readonly keyName: string;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Check a presented key against the keys for an auth level. Every candidate key is compared
 * (no early exit), so timing reveals nothing about which key came close.
 */
export function authorize(keys: HostKeys, level: AuthLevel, presented?: string): AuthResult {
  if (level === 'anonymous') return { ok: true, keyName: 'anonymous' };
  if (presented === undefined) {
    return {
      ok: false,
      reason: `this function requires a key: pass it in the ${KEY_HEADER} header or the ${KEY_QUERY} query parameter`,
    };
  }
  const isMaster = safeEqual(presented, keys.masterKey);
  let functionKey: string | undefined;
  for (const [name, value] of Object.entries(keys.functionKeys)) {
    if (safeEqual(presented, value) && functionKey === undefined) functionKey = name;
  }
  if (isMaster) return { ok: true, keyName: 'master' };
  if (level === 'admin') {
    return {
      ok: false,
      reason:
        functionKey !== undefined
          ? 'this route requires the master (admin) key; a function key is not enough'
          : 'the key is not valid for this route (it requires the master key)',
    };
  }
  if (functionKey !== undefined) return { ok: true, keyName: `function:${functionKey}` };
  return { ok: false, reason: 'the key is not valid for this function' };
}

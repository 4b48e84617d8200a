/**
 * The app's entry point files, found as the Node worker finds them: `package.json`'s `main`,
 * relative to the function app directory, is a path or a glob (`dist/functions/*.js`), and every
 * file it matches is loaded, in order. No match stops the start with the worker's own words.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

/** Why the app cannot be loaded. */
export class EntryPointError extends Error {
  override readonly name = 'EntryPointError';
}

/** The pattern and the files it matched (absolute, sorted). */
export interface EntryPoint {
  readonly pattern: string;
  readonly files: readonly string[];
}

/**
 * The files to load: `pattern` (relative to the working directory) when given, else `main` of
 * `appDir/package.json` (relative to `appDir`).
 */
export async function entryPointOf(
  pattern: string | undefined,
  appDir: string,
): Promise<EntryPoint> {
  const main = pattern ?? (await mainOf(appDir));
  const cwd = pattern === undefined ? appDir : process.cwd();
  const files =
    path.isAbsolute(main) && !isDynamicPattern(main)
      ? await exists(main)
      : (await glob(main, { cwd, absolute: true, expandDirectories: false })).sort();
  if (files.length === 0) {
    const why = isDynamicPattern(main)
      ? 'Found zero files matching the supplied pattern'
      : 'File does not exist';
    throw new EntryPointError(`Worker was unable to load entry point "${main}": ${why}`);
  }
  return { pattern: main, files: files.map((f) => path.resolve(f)) };
}

/** `main` of the app's package.json; the v4 programming model loads the app from it. */
async function mainOf(appDir: string): Promise<string> {
  const file = path.join(appDir, 'package.json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (err) {
    throw new EntryPointError(
      `${file} cannot be read (${(err as Error).message}): the Node worker loads the app from its "main"`,
    );
  }
  const main = (parsed as { main?: unknown } | null)?.main;
  if (typeof main !== 'string' || main.trim() === '') {
    throw new EntryPointError(
      `${file} has no "main": the Node worker (v4 programming model) loads the app from it, e.g. "dist/functions/*.js"`,
    );
  }
  return main;
}

/** The file, if it exists (without reading it). */
async function exists(file: string): Promise<string[]> {
  try {
    await access(file);
    return [file];
  } catch {
    return [];
  }
}

import path from 'node:path';

/** The pools document: a file (and how it was named), or the JSON of the SURGE_POOLS setting. */
export type PoolsSource =
  | { readonly file: string; readonly from: string }
  | { readonly json: string; readonly from: string };

/**
 * Where the pools document comes from, as the README documents it: `--pools FILE`, else the
 * `SURGE_POOLS_FILE` setting (a path, relative to the working directory), else `SURGE_POOLS`
 * (the JSON itself), else the demo pools.
 */
export function poolsSource(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  demo: string,
): PoolsSource {
  if (flag !== undefined) return { file: path.resolve(flag), from: `--pools ${flag}` };
  const file = env.SURGE_POOLS_FILE;
  if (file) return { file: path.resolve(file), from: `SURGE_POOLS_FILE=${file}` };
  if (env.SURGE_POOLS) return { json: env.SURGE_POOLS, from: 'SURGE_POOLS' };
  return { file: demo, from: 'the demo pools' };
}

import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The team's reference folder, beside the repository (read-only). */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', 'shared');

/** Absolute path of a file under ../shared/fixtures. */
export function fixturePath(relative: string): string {
  return path.join(SHARED_DIR, 'fixtures', relative);
}

/** Text of a file under ../shared/fixtures. */
export function fixtureText(relative: string): string {
  return readFileSync(fixturePath(relative), 'utf8');
}

/** Parsed JSON of a file under ../shared/fixtures. */
export function fixtureJson<T = unknown>(relative: string): T {
  return JSON.parse(fixtureText(relative)) as T;
}

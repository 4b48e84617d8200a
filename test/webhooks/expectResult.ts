import { readdirSync } from 'node:fs';
import { expect } from 'vitest';
import { fixturePath } from '../fixtures';

/**
 * The one comparison the webhook tests use: the whole result, strictly (an extra key, a missing
 * key or undefined-vs-absent all fail), labelled with the case so a table failure names its row.
 */
export function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

/** File names under ../shared/fixtures/{folder} (top level only), sorted. */
export function fixtureNames(folder: string): string[] {
  return readdirSync(fixturePath(folder), { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}

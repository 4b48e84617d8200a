import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph } from './importGraph';

/** Rule ids ESLint reports for `code` as if it were written in `filePath`. */
async function violations(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the app never depends on the embedded runtime', () => {
  const value =
    "import { VirtualClock } from '../../local/clock';\nexport const c = VirtualClock;\n";
  const type = "import type { Clock } from '../../local/clock';\nexport type C = Clock;\n";
  it.each([
    {
      label: 'a value import in shared/',
      code: value,
      file: 'shared/config/pools.ts',
      banned: true,
    },
    { label: 'a type import in shared/', code: type, file: 'shared/config/pools.ts', banned: true },
    {
      label: 'an import in a deterministic file (both rules apply)',
      code: value,
      file: 'shared/controller/decide.ts',
      banned: true,
    },
    {
      label: 'an import in functions/',
      code: value.replace('../../', '../'),
      file: 'functions/depthWatch.ts',
      banned: true,
    },
    { label: 'local/ itself', code: value, file: 'local/host/host.ts', banned: false },
    {
      label: 'scripts/',
      code: value.replace('../../', '../'),
      file: 'scripts/package.ts',
      banned: false,
    },
    { label: 'tests', code: value, file: 'test/host/helpers.ts', banned: false },
  ])('$label: banned $banned', async ({ code, file, banned }) => {
    const rules = await violations(code, file);
    expect(rules.includes('no-restricted-imports')).toBe(banned);
  });

  it('keeps the determinism rule on deterministic files next to the local/ ban', async () => {
    const code = "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n";
    expect(await violations(code, 'shared/controller/decide.ts')).toContain(
      'no-restricted-imports',
    );
  });
});

describe('function length', () => {
  /** A function of exactly `lines` lines (signature and closing brace included). */
  const fn = (lines: number) =>
    `export function f(): number {\n${'  void 0;\n'.repeat(lines - 3)}  return 0;\n}\n`;
  it.each([
    { label: '80 lines in shared/', code: fn(80), file: 'shared/config/pools.ts', tooLong: false },
    { label: '81 lines in shared/', code: fn(81), file: 'shared/config/pools.ts', tooLong: true },
    {
      label: '81 lines in functions/',
      code: fn(81),
      file: 'functions/depthWatch.ts',
      tooLong: true,
    },
    { label: '120 lines in local/', code: fn(120), file: 'local/host/host.ts', tooLong: false },
    { label: '121 lines in local/', code: fn(121), file: 'local/host/host.ts', tooLong: true },
  ])('$label: too long $tooLong', async ({ code, file, tooLong }) => {
    const rules = await violations(code, file);
    expect(rules.includes('max-lines-per-function')).toBe(tooLong);
  });
});

describe('imports', () => {
  it('form no cycle in shared/, functions/, local/ and scripts/', () => {
    const root = process.cwd();
    const cycles = importCycles(importGraph(root, ['shared', 'functions', 'local', 'scripts']));
    expect(cycles.map((c) => c.map((f) => path.relative(root, f)))).toEqual([]);
  });

  it.each([
    { label: 'a chain', graph: { a: ['b'], b: ['c'], c: [] }, cycles: [] },
    {
      label: 'two modules importing each other',
      graph: { a: ['b'], b: ['a'], c: ['a'] },
      cycles: [['a', 'b']],
    },
    { label: 'a longer loop', graph: { a: ['b'], b: ['c'], c: ['a'] }, cycles: [['a', 'b', 'c']] },
    { label: 'a module importing itself', graph: { a: ['a'] }, cycles: [['a']] },
  ])('the cycle check finds $label', ({ graph, cycles }) => {
    expect(importCycles(new Map(Object.entries(graph)))).toEqual(cycles);
  });
});

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Rule ids ESLint reports for `code` as if it were written in `filePath`. */
async function violations(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('the determinism lint rule', () => {
  const cases = [
    {
      label: 'the clock',
      code: 'export const t = Date.now();\n',
      rule: 'no-restricted-properties',
    },
    { label: 'a new Date()', code: 'export const t = new Date();\n', rule: 'no-restricted-syntax' },
    {
      label: 'randomness',
      code: 'export const r = Math.random();\n',
      rule: 'no-restricted-properties',
    },
    {
      label: 'the environment',
      code: 'export const e = process.env.X;\n',
      rule: 'no-restricted-globals',
    },
    {
      label: 'a node module',
      code: "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n",
      rule: 'no-restricted-imports',
    },
    {
      label: 'an Azure SDK',
      code: "import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';\nexport const c = ContainerInstanceManagementClient;\n",
      rule: 'no-restricted-imports',
    },
    {
      label: 'an adapter',
      code: "import { createContainerGroups } from '../shared/azure/containerGroups';\nexport const c = createContainerGroups;\n",
      rule: 'no-restricted-imports',
    },
  ];
  it.each(cases)('keeps $label out of the orchestration', async ({ code, rule }) => {
    expect(await violations(code, 'functions/poolController.ts')).toContain(rule);
    expect(await violations(code, 'shared/policy/drain.ts')).toContain(rule);
  });

  it('allows type-only imports of the ports, and the same code outside orchestration files', async () => {
    expect(
      await violations(
        "import type { GroupSnapshot } from '../shared/azure/ports';\nexport type G = GroupSnapshot;\n",
        'functions/poolController.ts',
      ),
    ).toEqual([]);
    expect(await violations('export const t = Date.now();\n', 'functions/depthWatch.ts')).toEqual(
      [],
    );
  });
});

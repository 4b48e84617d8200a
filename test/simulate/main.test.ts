/**
 * The command line: arguments, the exit status and message of a bad scenario (naming the field),
 * and the two renderings of a good one (JSON equal to the library's report, and the table).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulateArgs } from '../../local/simulate/main';
import { USAGE, main, parseArgs } from '../../local/simulate/main';
import { burstScenario, simPool } from './fixtures';

/** Runs the command and returns what it printed and its status. */
async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

describe('arguments', () => {
  const cases: { label: string; argv: string[]; result: SimulateArgs | string }[] = [
    {
      label: 'scenario only',
      argv: ['--scenario', 'a.json'],
      result: { scenario: 'a.json', json: false, verbose: false },
    },
    {
      label: 'everything, with = forms',
      argv: ['--scenario=a.json', '--seed=7', '--policy', 'keda', '--json', '--verbose'],
      result: { scenario: 'a.json', seed: 7, policy: 'keda', json: true, verbose: true },
    },
    { label: 'no scenario', argv: ['--json'], result: `--scenario is required\n${USAGE}` },
    {
      label: 'a bad seed',
      argv: ['--scenario', 'a.json', '--seed', '-1'],
      result: '--seed: must be a whole number from 0 to 4294967295, got "-1"',
    },
    {
      label: 'a bad policy',
      argv: ['--scenario', 'a.json', '--policy', 'hpa'],
      result: '--policy: must be keda or drain, got "hpa"',
    },
    { label: 'a missing value', argv: ['--scenario'], result: '--scenario: a value is required' },
    {
      label: 'an unknown flag',
      argv: ['--scenario', 'a.json', '--fast'],
      result: `unknown argument "--fast"\n${USAGE}`,
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      let got: SimulateArgs | string;
      try {
        got = parseArgs(c.argv);
      } catch (e) {
        got = (e as Error).message;
      }
      expect(got).toEqual(c.result);
    });
  }
});

describe('main', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'surge-simulate-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 on a bad scenario, naming the field', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...burstScenario(), sampleSeconds: -5 }));
    expect(await run(['--scenario', file])).toEqual({
      code: 2,
      stdout: '',
      stderr: `invalid scenario (${file}):\n  sampleSeconds: Too small: expected number to be >0\n`,
    });
  });

  it('names the pools as the user wrote them when the app refuses them, not a copy of ours', async () => {
    // The pools file sits next to the scenario; a secret's setting is missing, which only the
    // app's start-up can tell.
    const poolsFile = path.join(dir, 'secret-pools.json');
    const pool = simPool('orders', {
      group: {
        containers: [
          {
            name: 'worker',
            image: 'sim.azurecr.io/worker:1.0',
            secureEnvironment: { DB: { fromSetting: 'NO_SUCH_SETTING' } },
          },
        ],
      },
    });
    await writeFile(poolsFile, JSON.stringify({ pools: [pool] }));
    const file = path.join(dir, 'secret.json');
    await writeFile(file, JSON.stringify({ ...burstScenario(), pools: 'secret-pools.json' }));
    const r = await run(['--scenario', file]);
    expect({ code: r.code, stderr: r.stderr.split('\n').slice(0, 3) }).toEqual({
      code: 2,
      stderr: [
        "the app refused the scenario's pools or settings:",
        "  pools document (the scenario's pools, file secret-pools.json) references app settings that are not set:",
        '  pool "orders" (pools[0]): group.containers[0].secureEnvironment.DB: app setting NO_SUCH_SETTING is not set',
      ],
    });
  });

  it('exits 2 on bad arguments and 2 on a missing file', async () => {
    const missing = path.join(dir, 'missing.json');
    const results = [await run(['--policy', 'x']), await run(['--scenario', missing])];
    expect(results.map((r) => [r.code, r.stdout, r.stderr.split('\n')[0]])).toEqual([
      [2, '', '--policy: must be keda or drain, got "x"'],
      [
        2,
        '',
        `cannot read scenario ${missing}: ENOENT: no such file or directory, open '${missing}'`,
      ],
    ]);
  });

  it('prints the JSON report with --json, and the table without', async () => {
    const file = path.join(dir, 'short.json');
    await writeFile(file, JSON.stringify({ ...burstScenario(), duration: 180, name: 'short' }));
    const json = await run(['--scenario', file, '--json']);
    const table = await run(['--scenario', file]);
    const report = JSON.parse(json.stdout) as { scenario: string; durationSeconds: number };
    expect({
      codes: [json.code, table.code],
      stderr: [json.stderr, table.stderr],
      report: [report.scenario, report.durationSeconds],
      endsWithNewline: json.stdout.endsWith('}\n'),
      tableHead: table.stdout.split('\n')[0],
      tableHasTotal: /^total\s/m.test(table.stdout),
    }).toEqual({
      codes: [0, 0],
      stderr: ['', ''],
      report: ['short', 180],
      endsWithNewline: true,
      tableHead:
        'Scenario short · seed 3 · policy as written · 2025-01-01T00:00:00.000Z + 0.05 h (sampled every 5 s)',
      tableHasTotal: true,
    });
  });
});

/**
 * `npm run simulate -- --scenario FILE [--seed N] [--policy keda|drain] [--json] [--verbose]`:
 * runs a scenario (docs/simulate.md) in virtual time on the real app, host, engine and emulator,
 * and prints its report — a table by default, the JSON report with --json. A bad scenario or bad
 * arguments exit with status 2 and a message naming the field; a failed run exits with 1.
 */
import { writeFile } from 'node:fs/promises';
import { staticDashboard } from '../dashboard/staticPage';
import { loadScenario, ScenarioError } from './scenario';
import { formatReport, reportJson } from './report';
import type { PolicyMode } from './run';
import { simulate } from './run';

/** Parsed command line. */
export interface SimulateArgs {
  readonly scenario: string;
  readonly seed?: number;
  readonly policy?: PolicyMode;
  readonly json: boolean;
  readonly verbose: boolean;
  /** Also write the dashboard over the whole run to this file (one self-contained page). */
  readonly html?: string;
}

/** Command line usage. */
export const USAGE =
  'usage: npm run simulate -- --scenario FILE [--seed N] [--policy keda|drain] [--json] [--verbose] [--html FILE]';

/** A command line that cannot be used. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Parses the arguments after `--`; throws UsageError naming the bad one. */
export function parseArgs(argv: readonly string[]): SimulateArgs {
  let scenario: string | undefined;
  let seed: number | undefined;
  let policy: PolicyMode | undefined;
  let json = false;
  let verbose = false;
  let html: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s) : [arg];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag}: a value is required`);
      return v;
    };
    switch (flag) {
      case '--scenario':
        scenario = value();
        break;
      case '--seed': {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n > 2 ** 32 - 1) {
          throw new UsageError(`--seed: must be a whole number from 0 to 4294967295, got "${v}"`);
        }
        seed = n;
        break;
      }
      case '--policy': {
        const v = value();
        if (v !== 'keda' && v !== 'drain')
          throw new UsageError(`--policy: must be keda or drain, got "${v}"`);
        policy = v;
        break;
      }
      case '--json':
        json = true;
        break;
      case '--verbose':
        verbose = true;
        break;
      case '--html':
        html = value();
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown argument "${arg}"\n${USAGE}`);
    }
  }
  if (scenario === undefined) throw new UsageError(`--scenario is required\n${USAGE}`);
  return {
    scenario,
    ...(seed !== undefined ? { seed } : {}),
    ...(policy !== undefined ? { policy } : {}),
    json,
    verbose,
    ...(html !== undefined ? { html } : {}),
  };
}

/** Where the command writes (the process's streams, or a test's buffers). */
export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

const processOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/** Runs the command; resolves with the exit status (0 ok, 1 failed run, 2 bad input). */
export async function main(argv: readonly string[], out: Output = processOutput): Promise<number> {
  let args: SimulateArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    out.stderr(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    const scenario = await loadScenario(args.scenario);
    const { report, logs, dashboard } = await simulate(scenario, {
      ...(args.seed !== undefined ? { seed: args.seed } : {}),
      ...(args.policy !== undefined ? { policy: args.policy } : {}),
      dashboard: args.html !== undefined,
    });
    if (args.verbose) for (const line of logs) out.stderr(`${line}\n`);
    out.stdout(args.json ? reportJson(report) : formatReport(report));
    if (args.html !== undefined && dashboard !== undefined) {
      const title = `${report.scenario} · seed ${report.seed} · policy ${report.policy}`;
      await writeFile(args.html, staticDashboard(dashboard, title));
      out.stderr(`wrote ${args.html}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof ScenarioError) {
      out.stderr(`${e.message}\n`);
      return 2;
    }
    out.stderr(`simulate failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

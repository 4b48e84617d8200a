/**
 * `npm run soak`: 24 model hours of six pools under ARM and Service Bus faults and tight ARM
 * buckets, run twice (the second time with ARM's default buckets, to compare reads), then the
 * checks of local/simulate/soak.ts. Prints what happened and each check; exits 1 if one failed.
 *
 * `--hours N` runs N model hours instead (the test runs 2); `--seed N` another seed; `--json`
 * prints both reports and the checks as JSON.
 */
import { renderSoak, runSoak } from '../local/simulate/soak';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const hours = Number(arg('--hours') ?? '24');
  const seed = Number(arg('--seed') ?? '1');
  if (!(hours > 0) || !Number.isInteger(seed) || seed < 0) {
    console.error('usage: npm run soak -- [--hours N (> 0)] [--seed N (integer ≥ 0)] [--json]');
    return 2;
  }
  const t0 = performance.now();
  const result = await runSoak({ hours, seed });
  const wall = (performance.now() - t0) / 1000;
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    console.log(renderSoak(result));
    console.log(`\n(${wall.toFixed(1)} s of wall time for both runs)`);
  }
  return result.checks.every((c) => c.ok) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  },
);

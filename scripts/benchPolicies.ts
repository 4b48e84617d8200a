/**
 * `npm run bench:policies`: drain against keda at equal p95 wait, on the suite of
 * local/simulate/policyBench.ts. Prints each workload's sweep (group-seconds, × the work floor,
 * p95 wait) and its cost ratios, then the median over workloads and the targets.
 *
 * `--only NAME[,NAME]` runs some workloads; `--quick` sweeps three dials of each policy;
 * `--html FILE` also writes a self-contained page that draws each workload's sweeps.
 */
import { writeFileSync } from 'node:fs';
import { renderBenchHtml } from '../local/simulate/benchHtml';
import type { WorkloadResult } from '../local/simulate/policyBench';
import {
  DRAIN_TARGETS,
  KEDA_WORK_SECONDS,
  SUITE,
  median,
  sweep,
} from '../local/simulate/policyBench';

const TARGET_MEDIAN = 0.5;
const TARGET_MAX = 0.8;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const num = (n: number | null, digits = 0) =>
  n === null ? '–' : Number.isFinite(n) ? n.toFixed(digits) : '∞';

function print(r: WorkloadResult, description: string): void {
  console.log(`\n${r.workload}: ${description} (work floor ${num(r.floor)} group-s)`);
  console.log('  policy   dial   group-s  × floor   p95 s  left');
  for (const p of r.points) {
    console.log(
      `  ${p.policy.padEnd(6)} ${String(p.dial).padStart(6)} ${num(p.groupSeconds).padStart(9)} ${num(p.overFloor, 2).padStart(8)} ${num(p.p95, 1).padStart(7)} ${String(p.left).padStart(5)}`,
    );
  }
  console.log(
    `  cost ratio at equal p95 (per keda point): ${r.ratios.map((x) => num(x, 2)).join(' ')} → median ${num(r.medianRatio, 2)}`,
  );
  console.log(
    `  lowest any policy could reach (work floor ÷ keda cost): ${r.bounds.map((x) => num(x, 2)).join(' ')} → median ${num(r.medianBound, 2)}`,
  );
}

async function main(): Promise<void> {
  const only = arg('--only')?.split(',');
  const quick = process.argv.includes('--quick');
  const dials = quick
    ? { drain: [60, 300, 1200], kedaWorkSeconds: [30, 120, 600] }
    : { drain: DRAIN_TARGETS, kedaWorkSeconds: KEDA_WORK_SECONDS };
  const t0 = performance.now();
  const results: WorkloadResult[] = [];
  for (const w of SUITE.filter((x) => !only || only.includes(x.name))) {
    const r = await sweep(w, dials);
    results.push(r);
    print(r, w.description);
  }
  const medians = results.map((r) => r.medianRatio);
  const overall = median(medians);
  const worst = Math.max(...medians);
  console.log(
    `\nmedian cost ratio over ${results.length} workloads: ${num(overall, 2)} (target ≤ ${TARGET_MEDIAN}: ${overall <= TARGET_MEDIAN ? 'met' : 'NOT met'}); worst ${num(worst, 2)} (target ≤ ${TARGET_MAX}: ${worst <= TARGET_MAX ? 'met' : 'NOT met'})`,
  );
  const bounds = results.map((r) => r.medianBound);
  console.log(
    `the work floor's own bound: median ${num(median(bounds), 2)}, worst ${num(Math.max(...bounds), 2)} (a workload whose bound is above a target cannot meet it)`,
  );
  console.log(`wall time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const html = arg('--html');
  if (html !== undefined) {
    const descriptions = Object.fromEntries(SUITE.map((w) => [w.name, w.description]));
    const command = `npm run bench:policies -- ${process.argv.slice(2).join(' ')}`.trim();
    writeFileSync(
      html,
      renderBenchHtml(results, { command, descriptions, median: overall, worst }),
    );
    console.log(`wrote ${html}`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});

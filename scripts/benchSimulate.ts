/**
 * `npm run bench:simulate`: the simulator's benchmark. Runs examples/day-10-pools.json — 24 model
 * hours of 10 pools, i.e. 57,600 depth-watch wake-ups and 14,400 scale-in ticks reaching the
 * controllers — and prints the wall and CPU time, the model-to-wall ratio, what the runtime did
 * and the report's headline figures. Target: under 60 s of wall time.
 *
 * `--scenario FILE` benchmarks another scenario; `--hours N` cuts the scenario to N model hours
 * (for a quick look: the cost per model hour is close to constant).
 */
import path from 'node:path';
import { simulate } from '../local/simulate/run';
import { loadScenario } from '../local/simulate/scenario';

const TARGET_SECONDS = 60;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const file = arg('--scenario') ?? path.resolve(__dirname, '../../examples/day-10-pools.json');
  const hours = arg('--hours');
  const loaded = await loadScenario(file);
  const scenario =
    hours === undefined
      ? loaded
      : { ...loaded, duration: Math.min(loaded.duration, Number(hours) * 3600) };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { report } = await simulate(scenario);
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const t = report.totals;
  const ratio = report.durationSeconds / wallSeconds;
  const lines = [
    `scenario:          ${report.scenario} (${report.pools.length} pools, ${(report.durationSeconds / 3600).toFixed(2)} model hours, seed ${report.seed})`,
    `node:              ${process.version} on ${process.platform}/${process.arch}`,
    `wall time:         ${wallSeconds.toFixed(1)} s (target < ${TARGET_SECONDS} s for 24 h: ${wallSeconds < TARGET_SECONDS ? 'met' : 'NOT met'})`,
    `cpu time:          ${cpuSeconds.toFixed(1)} s (main thread and GC helpers)`,
    `model-to-wall:     ${ratio.toFixed(0)}× (${((wallSeconds / report.durationSeconds) * 3600).toFixed(2)} s of wall time per model hour)`,
    `runtime:           ${report.runtime.episodes} orchestration episodes, ${report.runtime.activities} activities, ${report.runtime.timerRuns} timer runs, ${report.runtime.samples} samples`,
    `per episode+activity: ${((wallSeconds * 1000) / (report.runtime.episodes + report.runtime.activities)).toFixed(3)} ms of wall time`,
    `messages:          ${t.messages.in} in, ${t.messages.out} out, ${t.messages.backlogAtEnd} left`,
    `wait (s):          p50 ${t.waitSeconds.p50} · p95 ${t.waitSeconds.p95} · p99 ${t.waitSeconds.p99} · max ${t.waitSeconds.max}`,
    `peak backlog:      ${t.peakBacklog.messages} messages; bursts ${t.bursts.count} (${t.bursts.drained} drained, slowest ${t.bursts.maxDrainSeconds ?? '–'} s)`,
    `groups:            peak ${t.groups.peak}, average ${t.groups.average}`,
    `usage and cost:    ${(t.usage.vcpuSeconds / 3600).toFixed(1)} vCPU-h, ${(t.usage.memoryGbSeconds / 3600).toFixed(1)} GB-h → ${t.usage.cost.toFixed(2)} ${report.prices.currency}`,
    `Azure calls:       ARM ${report.azure.armReads} reads, ${report.azure.armWrites} writes, ${report.azure.armDeletes} deletes, ${report.azure.arm429} × 429; Service Bus ${report.azure.serviceBusAdmin}`,
    `decisions:         ${t.decisions.count} (${t.decisions.scaleOut} out, ${t.decisions.scaleIn} in, ${t.decisions.other} other)`,
  ];
  console.log(lines.join('\n'));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});

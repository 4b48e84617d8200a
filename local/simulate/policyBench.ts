/**
 * `npm run bench:policies`: the drain and keda policies compared at equal cost, on a suite of
 * burst workloads of the team's own making (not the shipped examples). Each workload runs with
 * drain swept over `targetDrainSeconds` and keda over `messagesPerGroup`, in virtual time; for
 * each run the bench keeps group-seconds (what ACI bills, from the pull), the work floor (messages
 * drained ÷ one group's drain rate: what the work itself needs) and the p95 wait.
 *
 * Comparing at one pair of defaults can make either policy look good, so the figure of merit is
 * the **cost ratio at equal p95**: for each keda point, the cheapest drain point whose p95 wait is
 * no worse, divided by the keda point's cost. Example: keda 120,000 group-s at p95 90 s; drain
 * points (60,000 group-s, p95 80 s) and (40,000, 150 s) → the first qualifies → ratio 0.5. A keda
 * point no drain point matches counts as ratio ∞ (drain cannot buy that wait at any price swept).
 * A workload's ratio is the median over its keda points.
 */
import type { ArrivalSchedule } from '../emulator/workload/arrivals';
import type { PoolReport } from './report';
import { simulate } from './run';
import { parseScenario } from './scenario';

/** One workload of the suite. */
export interface Workload {
  readonly name: string;
  /** What it stands for, in a line. */
  readonly description: string;
  /** Model seconds. */
  readonly duration: number;
  /** Messages per second one group drains. */
  readonly drainRate: number;
  readonly minGroups: number;
  readonly maxGroups: number;
  readonly arrivals: readonly ArrivalSchedule[];
}

const MIN = 60_000;

/**
 * The suite. Sizes are picked so every workload stays under maxGroups at the tightest dial, and
 * each one stresses what the issue names: flash crowds, batches, ramps, noisy daily traffic, slow
 * jobs, sporadic small bursts, scale from zero.
 */
export const SUITE: readonly Workload[] = [
  {
    name: 'flash-crowd',
    description: '20,000 messages at once over a trickle of 1/s',
    duration: 7200,
    drainRate: 5,
    minGroups: 1,
    maxGroups: 50,
    arrivals: [
      { kind: 'constant', rate: 1 },
      { kind: 'burst', atMs: 10 * MIN, count: 20_000 },
    ],
  },
  {
    name: 'batches',
    description: 'six batches of 4,000, 20 minutes apart',
    duration: 7200,
    drainRate: 5,
    minGroups: 0,
    maxGroups: 50,
    arrivals: [{ kind: 'burst', atMs: 5 * MIN, count: 4000, everyMs: 20 * MIN, times: 6 }],
  },
  {
    name: 'ramp',
    description: 'arrivals ramp from 1 to 40/s over 45 minutes and back down',
    duration: 7200,
    drainRate: 5,
    minGroups: 1,
    maxGroups: 50,
    arrivals: [
      { kind: 'ramp', from: 1, to: 40, durationMs: 45 * MIN, hold: false },
      { kind: 'ramp', from: 40, to: 1, durationMs: 45 * MIN, startMs: 45 * MIN, hold: false },
    ],
  },
  {
    name: 'noisy-daily',
    description: 'a one-hour "day" of 2-18/s with random bursts of about 600',
    duration: 7200,
    drainRate: 5,
    minGroups: 1,
    maxGroups: 50,
    arrivals: [
      { kind: 'sine', mean: 10, amplitude: 8, periodMs: 60 * MIN },
      {
        kind: 'randomBursts',
        meanIntervalMs: 10 * MIN,
        size: { kind: 'lognormal', median: 600, sigma: 0.5 },
      },
    ],
  },
  {
    name: 'slow-jobs',
    description: '5 s per message: 600-message batches every 30 minutes over 0.5/s',
    duration: 7200,
    drainRate: 0.2,
    minGroups: 1,
    maxGroups: 50,
    arrivals: [
      { kind: 'constant', rate: 0.5 },
      { kind: 'burst', atMs: 5 * MIN, count: 600, everyMs: 30 * MIN, times: 4 },
    ],
  },
  {
    name: 'sporadic-small',
    description: '30 messages every 7 minutes, from zero',
    duration: 7200,
    drainRate: 5,
    minGroups: 0,
    maxGroups: 50,
    arrivals: [{ kind: 'burst', atMs: 2 * MIN, count: 30, everyMs: 7 * MIN, times: 17 }],
  },
  {
    name: 'from-zero',
    description: 'two bursts of 2,000 an hour apart, nothing between',
    duration: 7200,
    drainRate: 5,
    minGroups: 0,
    maxGroups: 50,
    arrivals: [{ kind: 'burst', atMs: 15 * MIN, count: 2000, everyMs: 60 * MIN, times: 2 }],
  },
];

/** The dial values swept: drain's targetDrainSeconds, keda's time-equivalent backlog per group. */
export const DRAIN_TARGETS = [30, 60, 120, 300, 600, 1200] as const;
/**
 * keda's messagesPerGroup, as seconds of one group's work (× drainRate): 10 s … 600 s. Example:
 * drainRate 5 → 50, 150, 300, 600, 1500, 3000 messages per group.
 */
export const KEDA_WORK_SECONDS = [10, 30, 60, 120, 300, 600] as const;

/** One run's figures. */
export interface BenchPoint {
  readonly policy: 'drain' | 'keda';
  /** targetDrainSeconds, or messagesPerGroup. */
  readonly dial: number;
  readonly groupSeconds: number;
  /** groupSeconds ÷ the work floor. */
  readonly overFloor: number;
  /** p95 wait of the messages drained (s); null when none was. */
  readonly p95: number | null;
  /** Messages left at the end. */
  readonly left: number;
}

/** A workload's sweep of both policies. */
export interface WorkloadResult {
  readonly workload: string;
  /** Group-seconds the work itself needs: messages drained ÷ drainRate (the drain runs' mean). */
  readonly floor: number;
  readonly points: readonly BenchPoint[];
  /** Per keda point (in dial order): cheapest no-worse drain cost ÷ keda cost; ∞ when none. */
  readonly ratios: readonly number[];
  readonly medianRatio: number;
  /** Per keda point: the work floor ÷ keda cost, the lowest ratio any policy could reach. */
  readonly bounds: readonly number[];
  readonly medianBound: number;
}

/** The scenario document of one workload under one policy and dial. */
export function scenarioOf(w: Workload, policy: 'drain' | 'keda', dial: number): unknown {
  const scaling =
    policy === 'drain'
      ? {
          mode: 'drain',
          targetDrainSeconds: dial,
          messagesPerSecondPerGroup: w.drainRate,
          startupSeconds: 30,
        }
      : { mode: 'keda', messagesPerGroup: dial };
  return {
    name: `${w.name} ${policy} ${dial}`,
    duration: w.duration,
    seed: 1,
    pools: {
      pools: [
        {
          name: 'work',
          serviceBus: { namespace: 'bench.servicebus.windows.net', queue: 'work' },
          azure: {
            subscriptionId: '00000000-0000-0000-0000-000000000000',
            resourceGroup: 'rg-bench',
            location: 'westeurope',
          },
          group: { containers: [{ name: 'worker', image: 'bench.azurecr.io/worker:1.0' }] },
          minGroups: w.minGroups,
          maxGroups: w.maxGroups,
          scaling,
        },
      ],
    },
    emulator: {
      images: {
        'bench.azurecr.io/worker': {
          drainRate: w.drainRate,
          warmUp: { kind: 'uniform', min: 2000, max: 5000 },
          pull: { kind: 'lognormal', median: 12000, sigma: 0.3 },
        },
      },
      provisioning: { pending: { kind: 'uniform', min: 3000, max: 10000 } },
    },
    workload: { work: w.arrivals },
  };
}

/** Runs one point. */
export async function runPoint(
  w: Workload,
  policy: 'drain' | 'keda',
  dial: number,
): Promise<{ point: Omit<BenchPoint, 'overFloor'>; drained: number }> {
  const { report } = await simulate(await parseScenario(scenarioOf(w, policy, dial)));
  const pool = report.pools[0] as PoolReport;
  return {
    point: {
      policy,
      dial,
      groupSeconds: pool.usage.groupSeconds,
      p95: pool.waitSeconds.p95,
      left: pool.messages.backlogAtEnd,
    },
    drained: pool.messages.out,
  };
}

/**
 * For each keda point, the cheapest drain point with no worse p95 and no more messages left at
 * the end, as a cost ratio (see the module comment). A point that drained nothing (p95 null)
 * cannot be matched or match.
 */
export function costRatios(points: readonly BenchPoint[]): number[] {
  const drain = points.filter((p) => p.policy === 'drain' && p.p95 !== null);
  return points
    .filter((p) => p.policy === 'keda')
    .map((k) => {
      // No worse: no longer p95 wait, and no more messages left undone at the end.
      const ok = drain.filter(
        (d) => k.p95 !== null && (d.p95 as number) <= k.p95 && d.left <= k.left,
      );
      if (ok.length === 0 || k.groupSeconds <= 0) return Number.POSITIVE_INFINITY;
      return Math.min(...ok.map((d) => d.groupSeconds)) / k.groupSeconds;
    });
}

/**
 * Per keda point, the lowest cost ratio any policy could reach: no policy drains the same
 * messages in fewer group-seconds than the work itself. Example: keda at 1.16× the floor → 0.86;
 * a target of 0.8 there would ask for less than the work.
 */
export function floorRatios(points: readonly BenchPoint[], floor: number): number[] {
  return points.filter((p) => p.policy === 'keda').map((k) => floor / k.groupSeconds);
}

/** The median (the mean of the middle two for an even count); ∞ counts as larger than any. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length / 2;
  return Number.isInteger(mid)
    ? ((s[mid - 1] as number) + (s[mid] as number)) / 2
    : (s[Math.floor(mid)] as number);
}

/** Sweeps one workload with both policies. */
export async function sweep(
  w: Workload,
  dials: { drain: readonly number[]; kedaWorkSeconds: readonly number[] } = {
    drain: DRAIN_TARGETS,
    kedaWorkSeconds: KEDA_WORK_SECONDS,
  },
): Promise<WorkloadResult> {
  const runs = [];
  for (const t of dials.drain) runs.push(await runPoint(w, 'drain', t));
  for (const s of dials.kedaWorkSeconds) {
    runs.push(await runPoint(w, 'keda', Math.max(1, Math.round(s * w.drainRate))));
  }
  const drained = runs.filter((r) => r.point.policy === 'drain').map((r) => r.drained);
  const floor = drained.reduce((a, b) => a + b, 0) / drained.length / w.drainRate;
  const points = runs.map((r) => ({
    ...r.point,
    overFloor: Math.round((r.point.groupSeconds / floor) * 100) / 100,
  }));
  const ratios = costRatios(points);
  const bounds = floorRatios(points, floor);
  return {
    workload: w.name,
    floor,
    points,
    ratios,
    medianRatio: median(ratios),
    bounds,
    medianBound: median(bounds),
  };
}

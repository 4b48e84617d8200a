/**
 * The soak (`npm run soak`): the real app on the local stack through a long run under faults and
 * tight ARM budgets, then checks of what must hold whatever happens.
 *
 * Six pools in two subscriptions (four share one ARM read budget), drain and keda, one placing
 * groups in two regions; daily arrivals with random bursts. From the start: 5 % of ARM requests
 * answer 5xx, 5 % of Service Bus reads answer 503, 5 % of creates are refused for capacity and
 * 3 % of accepted groups fail for it later, and ARM's buckets are tight: reads, writes and
 * deletes 10 each, refilled at 0.1 a second (ARM's are 250 at 25, 200 at 10), so the first
 * subscription's four pools get fewer reads than they would make unthrottled. Arrivals stop at
 * 85 % of the run so the queues can drain; the faults stop 150 s before the end — two scale-in
 * ticks and a sample — so the end shows what the controllers made of the world within two ticks
 * of the faults stopping.
 *
 * The same scenario runs twice: as above, and with ARM's default buckets (the twin), so the
 * reads can be compared with what the pools read when nothing throttles them.
 */
import { parseScenario } from './scenario';
import type { Scenario } from './scenario';
import type { Report } from './report';
import { simulate } from './run';

/** What a soak run is made of. */
export interface SoakOptions {
  /** Model hours (24 for `npm run soak`; a test runs fewer). */
  readonly hours: number;
  readonly seed: number;
}

/** One check of the soak: what it asks, whether it held, and the numbers. */
export interface SoakCheck {
  readonly label: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Both runs and the checks. */
export interface SoakResult {
  readonly tight: Report;
  readonly twin: Report;
  readonly checks: readonly SoakCheck[];
}

/** Seconds before the end at which the faults stop: two scale-in ticks (60 s) and a sample. */
export const FAULTS_STOP_BEFORE_END_SECONDS = 150;
/** A controller that went this long without a look was starved (ten scale-in ticks). */
export const STARVED_SECONDS = 600;
/** The most the throttled run may read, as a multiple of the twin's reads. */
export const READS_RATIO_LIMIT = 1.2;

const SUB_A = '5a5a5a5a-0000-4000-8000-00000000000a';
const SUB_B = '5a5a5a5a-0000-4000-8000-00000000000b';

/** The faults the soak runs under until they stop. */
const FAULTS = {
  armServerErrorRate: 0.05,
  serviceBusServerErrorRate: 0.05,
  syncCapacityRate: 0.05,
  asyncCapacityRate: 0.03,
};
const NO_FAULTS = {
  armServerErrorRate: 0,
  serviceBusServerErrorRate: 0,
  syncCapacityRate: 0,
  asyncCapacityRate: 0,
};
const TIGHT_LIMITS = {
  armReads: { capacity: 10, refillPerSecond: 0.1 },
  armWrites: { capacity: 10, refillPerSecond: 0.1 },
  armDeletes: { capacity: 10, refillPerSecond: 0.1 },
};

/** A pool of the soak: its name, subscription, mode, bound and worker throughput (msgs/s). */
interface SoakPool {
  readonly name: string;
  readonly subscription: string;
  readonly mode: 'drain' | 'keda';
  readonly maxGroups: number;
  readonly drainRate: number;
  /** Mean arrivals (msgs/s) of the daily sine. */
  readonly mean: number;
  readonly twoRegions?: boolean;
}

const POOLS: readonly SoakPool[] = [
  { name: 'orders', subscription: SUB_A, mode: 'drain', maxGroups: 12, drainRate: 4, mean: 2 },
  { name: 'emails', subscription: SUB_A, mode: 'keda', maxGroups: 10, drainRate: 8, mean: 3 },
  {
    name: 'reports',
    subscription: SUB_A,
    mode: 'drain',
    maxGroups: 8,
    drainRate: 1,
    mean: 0.3,
    twoRegions: true,
  },
  { name: 'webhooks', subscription: SUB_A, mode: 'drain', maxGroups: 10, drainRate: 5, mean: 1 },
  { name: 'exports', subscription: SUB_B, mode: 'keda', maxGroups: 8, drainRate: 2, mean: 0.5 },
  { name: 'invoices', subscription: SUB_B, mode: 'drain', maxGroups: 8, drainRate: 2, mean: 0.8 },
];

function poolDoc(p: SoakPool): Record<string, unknown> {
  const scaling =
    p.mode === 'drain'
      ? {
          mode: 'drain',
          targetDrainSeconds: 300,
          messagesPerSecondPerGroup: p.drainRate,
          startupSeconds: 30,
        }
      : { mode: 'keda', messagesPerGroup: p.drainRate * 60, cooldownSeconds: 300 };
  return {
    name: p.name,
    serviceBus: { namespace: 'surge-soak.servicebus.windows.net', queue: p.name },
    azure: {
      subscriptionId: p.subscription,
      resourceGroup: `rg-${p.name}`,
      ...(p.twoRegions ? {} : { location: 'westeurope' }),
    },
    group: {
      containers: [
        { name: 'worker', image: `sim.azurecr.io/${p.name}:1.0`, cpu: 1, memoryInGB: 1.5 },
      ],
    },
    minGroups: 1,
    maxGroups: p.maxGroups,
    scaling,
    ...(p.twoRegions
      ? { placements: [{ location: 'westeurope' }, { location: 'northeurope' }] }
      : {}),
  };
}

/**
 * The soak scenario as JSON, `tight` or with ARM's default buckets (the twin). Times scale with
 * the run: the daily sine spans it, random bursts come about ten times in it, arrivals stop at
 * 85 % of it and the faults 150 s before its end.
 */
export function soakScenarioJson(options: SoakOptions, tight: boolean): Record<string, unknown> {
  const duration = Math.round(options.hours * 3600);
  const ms = duration * 1000;
  const images = Object.fromEntries(
    POOLS.map((p) => [
      `sim.azurecr.io/${p.name}`,
      {
        drainRate: p.drainRate,
        warmUp: { kind: 'uniform', min: 2000, max: 6000 },
        pull: { kind: 'lognormal', median: 12000, sigma: 0.4 },
      },
    ]),
  );
  const workload = Object.fromEntries(
    POOLS.map((p, i) => [
      p.name,
      [
        { kind: 'sine', mean: p.mean, amplitude: p.mean * 0.8, periodMs: ms, phase: i * 0.9 },
        {
          kind: 'randomBursts',
          meanIntervalMs: Math.round(ms / 10),
          size: { kind: 'lognormal', median: p.drainRate * 300, sigma: 0.6 },
        },
      ],
    ]),
  );
  const stopArrivals = POOLS.map((p) => ({
    at: Math.round(duration * 0.85),
    action: 'arrivals',
    pool: p.name,
    schedules: [],
  }));
  return {
    name: tight ? 'soak' : 'soak (ARM default buckets)',
    description: `The soak: ${options.hours} model hours of six pools under ARM and Service Bus faults${tight ? ' and tight ARM buckets' : ''}, the faults stopping ${FAULTS_STOP_BEFORE_END_SECONDS} s before the end.`,
    duration,
    seed: options.seed,
    sampleSeconds: 15,
    pools: { pools: POOLS.map(poolDoc) },
    emulator: {
      images,
      provisioning: { pending: { kind: 'lognormal', median: 6000, sigma: 0.5 } },
      faults: FAULTS,
      ...(tight ? { limits: TIGHT_LIMITS } : {}),
    },
    workload,
    events: [
      ...stopArrivals,
      { at: duration - FAULTS_STOP_BEFORE_END_SECONDS, action: 'faults', faults: NO_FAULTS },
    ],
  };
}

/** The soak scenario, parsed. */
export function soakScenario(options: SoakOptions, tight: boolean): Promise<Scenario> {
  return parseScenario(soakScenarioJson(options, tight), {
    source: tight ? 'the soak scenario' : "the soak's twin",
  });
}

/** Runs the soak (both runs, one after the other) and checks it. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const tight = (await simulate(await soakScenario(options, true))).report;
  const twin = (await simulate(await soakScenario(options, false))).report;
  return { tight, twin, checks: soakChecks(tight, twin) };
}

/** What must hold after a soak, each with its numbers (pools named where it failed). */
export function soakChecks(tight: Report, twin: Report): SoakCheck[] {
  const pools = tight.pools;
  const failing = <T>(f: (p: (typeof pools)[number]) => T | undefined): string[] =>
    pools.flatMap((p) => {
      const bad = f(p);
      return bad === undefined ? [] : [`${p.pool}: ${String(bad)}`];
    });
  const check = (label: string, bad: string[], okDetail: string): SoakCheck => ({
    label,
    ok: bad.length === 0,
    detail: bad.length === 0 ? okDetail : bad.join('; '),
  });
  const ratio = tight.azure.armReads / Math.max(1, twin.azure.armReads);
  return [
    check(
      'never above maxGroups',
      failing((p) =>
        p.groups.peak > p.maxGroups ? `peak ${p.groups.peak} > ${p.maxGroups}` : undefined,
      ),
      pools.map((p) => `${p.pool} ${p.groups.peak}/${p.maxGroups}`).join(', '),
    ),
    check(
      'nothing orphaned at the end',
      failing((p) =>
        p.controller.orphansAtEnd > 0 ? `${p.controller.orphansAtEnd} orphans` : undefined,
      ),
      `0 orphans in ${pools.length} pools`,
    ),
    check(
      `converged within two ticks after the faults stopped (${FAULTS_STOP_BEFORE_END_SECONDS} s before the end)`,
      failing((p) => {
        const c = p.controller;
        return c.desiredAtEnd !== c.liveAtEnd || c.notLiveAtEnd > 0
          ? `desired ${c.desiredAtEnd ?? '–'}, live ${c.liveAtEnd}, failed or stopped ${c.notLiveAtEnd}`
          : undefined;
      }),
      pools.map((p) => `${p.pool} ${p.controller.liveAtEnd}`).join(', '),
    ),
    check(
      `no starved pool (a look at least every ${STARVED_SECONDS} s, every burst drained)`,
      failing((p) => {
        const gap = p.controller.maxLookGapSeconds;
        const open = p.bursts.filter((b) => b.drainSeconds === null).length;
        if (gap === null || gap > STARVED_SECONDS) return `longest without a look ${gap ?? '–'} s`;
        return open > 0 ? `${open} bursts not drained` : undefined;
      }),
      `longest without a look ${Math.max(...pools.map((p) => p.controller.maxLookGapSeconds ?? 0))} s`,
    ),
    check(
      'messages in = out',
      failing((p) =>
        p.messages.in !== p.messages.out
          ? `in ${p.messages.in}, out ${p.messages.out}, left ${p.messages.backlogAtEnd}`
          : undefined,
      ),
      `${tight.totals.messages.in} in, ${tight.totals.messages.out} out`,
    ),
    {
      label: `ARM reads within ${READS_RATIO_LIMIT}× the run with ARM's default buckets`,
      ok: ratio <= READS_RATIO_LIMIT,
      detail: `${tight.azure.armReads} reads (${tight.azure.arm429} throttled) against ${twin.azure.armReads}: ${ratio.toFixed(2)}×`,
    },
  ];
}

/** The soak as text: what ran, what the faults did, and each check. */
export function renderSoak(result: SoakResult): string {
  const { tight, checks } = result;
  const sum = (f: (p: Report['pools'][number]) => number) =>
    tight.pools.reduce((n, p) => n + f(p), 0);
  const lines = [
    `soak: ${tight.pools.length} pools, ${(tight.durationSeconds / 3600).toFixed(1)} model hours, seed ${tight.seed}`,
    `  ARM: ${tight.azure.armReads} reads, ${tight.azure.armWrites} writes, ${tight.azure.armDeletes} deletes; ${tight.azure.arm429} throttled, ${tight.azure.arm5xx} 5xx`,
    `  Service Bus: ${tight.azure.serviceBusAdmin} calls, ${tight.azure.serviceBus5xx} 5xx`,
    `  creates refused: ${sum((p) => p.placement.refused.quota)} quota, ${sum((p) => p.placement.refused.capacity)} capacity, ${sum((p) => p.placement.refused.other)} other`,
    `  groups: ${sum((p) => p.placement.groupsCreated)} created, ${sum((p) => p.placement.failedGroups)} failed, ${sum((p) => p.placement.replacedGroups)} replaced; desired at the end ${tight.pools.map((p) => `${p.pool} ${p.controller.desiredAtEnd ?? '–'}`).join(', ')}`,
    `  wait p95 ${tight.totals.waitSeconds.p95 ?? '–'} s, ${tight.totals.usage.groupSeconds} group-seconds (twin: p95 ${result.twin.totals.waitSeconds.p95 ?? '–'} s, ${result.twin.totals.usage.groupSeconds})`,
    '',
    ...checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.label}: ${c.detail}`),
  ];
  return lines.join('\n');
}

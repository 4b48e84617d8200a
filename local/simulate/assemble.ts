/**
 * The simulation report, assembled from the sampler's tallies, the emulator's final state (queues,
 * waits, usage, ARM counters) and the engine's counters. Every number is rounded and every key
 * written in a fixed order, so the same scenario and seed give a byte-identical report.
 */
import type { EngineCounters } from '../durable/scheduling';
import type { Emulator, PoolPlacement } from '../emulator';
import type { StatusDecision } from '../../shared/controller/status';
import type { AzureCalls } from './attribution';
import { SHARED, noCalls } from './attribution';
import type {
  BurstReport,
  ControllerReport,
  DecisionReport,
  EventOutcome,
  PlacementReport,
  PoolReport,
  Report,
  RolloutReport,
  UsageReport,
  WaitReport,
} from './report';
import { round, roundOrNull } from './report';
import type { Scenario } from './scenario';
import type { PoolTrack, Tally } from './tally';
import { liveGroups } from './tally';

/** Everything a report is made from. */
export interface ReportInputs {
  readonly scenario: Scenario;
  readonly seed: number;
  /** The policy the pools were switched to, or "as written". */
  readonly policy: string;
  readonly t0: number;
  readonly end: number;
  readonly timerRuns: number;
  readonly calls: ReadonlyMap<string, AzureCalls>;
  readonly tally: Tally;
  readonly events: readonly EventOutcome[];
  readonly emulator: Emulator;
  readonly engine: EngineCounters;
}

/** The report (see the module comment). */
export function assembleReport(inputs: ReportInputs): Report {
  const { scenario, t0, end } = inputs;
  const prices = scenario.prices;
  const pools = inputs.tally.tracks.map((track) => poolReport(inputs, track));
  return {
    scenario: scenario.name,
    seed: inputs.seed,
    policy: inputs.policy,
    start: new Date(t0).toISOString(),
    end: new Date(end).toISOString(),
    durationSeconds: round((end - t0) / 1000),
    sampleSeconds: scenario.sampleSeconds,
    burstThreshold: scenario.burstThreshold,
    prices: { currency: prices.currency, vcpuSecond: prices.vcpuSecond, gbSecond: prices.gbSecond },
    totals: totalsOf(inputs, pools),
    pools,
    azure: azureOf(inputs),
    events: [...inputs.events],
    runtime: {
      episodes: inputs.engine.episodes,
      activities: inputs.engine.activitiesStarted,
      activitiesFailed: inputs.engine.activitiesFailed,
      continuedAsNew: inputs.engine.continuedAsNew,
      timerRuns: inputs.timerRuns,
      samples: inputs.tally.samples,
    },
  };
}

/** Seconds after the start, for the report. */
function since(inputs: ReportInputs, t: number): number {
  return round((t - inputs.t0) / 1000);
}

function poolReport(inputs: ReportInputs, track: PoolTrack): PoolReport {
  const control = inputs.emulator.control;
  const name = track.spec.name;
  const q = control
    .queues()
    .find(
      (x) =>
        x.namespace === track.entity.namespace.toLowerCase().replace(/:\d+$/, '') &&
        x.entity.toLowerCase() === track.entity.entity.toLowerCase(),
    );
  const phases = control.pools();
  const samples = Math.max(1, inputs.tally.samples);
  return {
    pool: name,
    mode: track.spec.scaling.mode,
    minGroups: track.spec.minGroups,
    maxGroups: track.spec.maxGroups,
    messages: { in: q?.enqueued ?? 0, out: q?.dequeued ?? 0, backlogAtEnd: q?.depth ?? 0 },
    waitSeconds: waits(q?.waits),
    peakBacklog: {
      messages: track.peakDepth,
      atSeconds: track.peakDepth > 0 ? since(inputs, track.peakDepthAt) : 0,
    },
    bursts: track.bursts.map((b): BurstReport => ({
      startSeconds: since(inputs, b.start),
      peakMessages: b.peak,
      drainSeconds: b.drained === null ? null : round((b.drained - b.start) / 1000),
    })),
    groups: {
      peak: track.peakGroups,
      average: round(track.groupSum / samples),
      atEnd: liveGroups(phases[name]?.groups ?? {}),
    },
    usage: priced(phases[name]?.usage, inputs.scenario.prices),
    azure: { ...noCalls(), ...inputs.calls.get(name) },
    placement: placementOf(inputs.emulator.control.placement()[name]),
    controller: controllerOf(track, phases[name]?.groups ?? {}, inputs.end),
    decisions: decisionsOf([...track.decisions.values()]),
    rollouts: rolloutsOf(inputs, track),
  };
}

/** The pool's placement figures, keys in a fixed order (see PlacementReport). */
function placementOf(p: PoolPlacement | undefined): PlacementReport {
  const created = Object.values(p?.bySite ?? {}).reduce((n, c) => n + c, 0);
  const calls = p?.createCalls ?? 0;
  const bySite: Record<string, number> = {};
  for (const site of Object.keys(p?.bySite ?? {}).sort()) bySite[site] = p?.bySite[site] ?? 0;
  return {
    createCalls: calls,
    groupsCreated: created,
    createCallsPerGroup: created > 0 ? round(calls / created) : null,
    refused: {
      quota: p?.refused.quota ?? 0,
      capacity: p?.refused.capacity ?? 0,
      other: p?.refused.other ?? 0,
    },
    bySite,
    capacityFailures: p?.capacityFailures ?? 0,
    evictions: p?.evictions ?? 0,
    failedGroups: p?.failedGroups ?? 0,
    replacedGroups: p?.replacedGroups ?? 0,
  };
}

/**
 * The pool's controller against Azure at the end, and its longest wait between looks. An orphan
 * is a group the controller does not want that still holds quota: a failed or stopped group
 * left in Azure, or a live one beyond the controller's target.
 */
function controllerOf(
  track: PoolTrack,
  phases: Partial<Record<string, number>>,
  end: number,
): ControllerReport {
  const live = liveGroups(phases);
  const notLive = (phases['Failed'] ?? 0) + (phases['Stopped'] ?? 0);
  const desired = track.desired;
  // The gap still open at the end counts too: a pool that stopped looking has the longest one.
  const open = track.lastLookAt === null ? null : end - track.lastLookAt;
  const gap = open === null ? track.maxLookGapMs : Math.max(open, track.maxLookGapMs ?? 0);
  return {
    desiredAtEnd: desired,
    liveAtEnd: live,
    notLiveAtEnd: notLive,
    orphansAtEnd: notLive + (desired === null ? 0 : Math.max(0, live - desired)),
    maxLookGapSeconds: gap === null ? null : round(gap / 1000),
  };
}

function totalsOf(inputs: ReportInputs, pools: readonly PoolReport[]): Report['totals'] {
  const { tally } = inputs;
  const sum = (f: (p: PoolReport) => number) => pools.reduce((n, p) => n + f(p), 0);
  const allBursts = pools.flatMap((p) => p.bursts);
  const drainTimes = allBursts.flatMap((b) => (b.drainSeconds === null ? [] : [b.drainSeconds]));
  const allRollouts = pools.flatMap((p) => p.rollouts);
  const entities = tally.tracks.map((t) => t.entity);
  return {
    messages: {
      in: sum((p) => p.messages.in),
      out: sum((p) => p.messages.out),
      backlogAtEnd: sum((p) => p.messages.backlogAtEnd),
    },
    waitSeconds: waits(inputs.emulator.control.combinedWaits(entities)),
    peakBacklog: {
      messages: tally.totalPeakDepth,
      atSeconds: tally.totalPeakDepth > 0 ? since(inputs, tally.totalPeakDepthAt) : 0,
    },
    bursts: {
      count: allBursts.length,
      drained: drainTimes.length,
      maxDrainSeconds: drainTimes.length > 0 ? Math.max(...drainTimes) : null,
    },
    groups: {
      peak: tally.totalPeakGroups,
      average: round(tally.totalGroupSum / Math.max(1, tally.samples)),
      atEnd: sum((p) => p.groups.atEnd),
    },
    usage: {
      groupSeconds: round(sum((p) => p.usage.groupSeconds)),
      containerSeconds: round(sum((p) => p.usage.containerSeconds)),
      vcpuSeconds: round(sum((p) => p.usage.vcpuSeconds)),
      memoryGbSeconds: round(sum((p) => p.usage.memoryGbSeconds)),
      cost: round(
        sum((p) => p.usage.cost),
        4,
      ),
    },
    decisions: {
      count: sum((p) => p.decisions.count),
      scaleOut: sum((p) => p.decisions.scaleOut),
      scaleIn: sum((p) => p.decisions.scaleIn),
      other: sum((p) => p.decisions.other),
      creates: sum((p) => p.decisions.creates),
      deletes: sum((p) => p.decisions.deletes),
    },
    rollouts: {
      count: allRollouts.length,
      completed: allRollouts.filter((r) => r.outcome === 'completed').length,
    },
  };
}

/** ARM and Service Bus calls as the emulator counted them, by operation in name order. */
function azureOf(inputs: ReportInputs): Report['azure'] {
  const counters = inputs.emulator.control.counters();
  const byOperation: Record<string, number> = {};
  for (const k of Object.keys(counters.byOperation).sort()) {
    byOperation[k] = counters.byOperation[k] ?? 0;
  }
  return {
    armReads: counters.armReads,
    armWrites: counters.armWrites,
    armDeletes: counters.armDeletes,
    arm429: counters.arm429,
    arm5xx: counters.arm5xx,
    serviceBusAdmin: counters.serviceBusAdmin,
    serviceBus5xx: counters.serviceBus5xx,
    shared: { ...noCalls(), ...inputs.calls.get(SHARED) },
    byOperation,
  };
}

function rolloutsOf(inputs: ReportInputs, track: PoolTrack): RolloutReport[] {
  const ids = [...new Set([...track.rollouts.keys(), ...track.outcomes.keys()])];
  const out = ids.map((id): RolloutReport & { sortAt: number } => {
    const started = track.rollouts.get(id);
    const outcome = track.outcomes.get(id);
    return {
      version: id,
      from: started?.from ?? null,
      outcome: outcome?.outcome ?? 'inProgress',
      startedAtSeconds: started ? since(inputs, started.startedAt) : null,
      durationSeconds: started && outcome ? round((outcome.at - started.startedAt) / 1000) : null,
      reason: outcome?.reason ?? null,
      sortAt: started?.startedAt ?? outcome?.at ?? 0,
    };
  });
  return out
    .sort((a, b) => a.sortAt - b.sortAt || (a.version < b.version ? -1 : 1))
    .map(({ sortAt: _sortAt, ...r }) => r);
}

function waits(
  w:
    | {
        p50Seconds: number | null;
        p95Seconds: number | null;
        p99Seconds: number | null;
        maxSeconds: number | null;
        meanSeconds: number | null;
      }
    | undefined,
): WaitReport {
  return {
    p50: roundOrNull(w?.p50Seconds),
    p95: roundOrNull(w?.p95Seconds),
    p99: roundOrNull(w?.p99Seconds),
    max: roundOrNull(w?.maxSeconds),
    mean: roundOrNull(w?.meanSeconds),
  };
}

/**
 * Usage and its price: vCPU-seconds × price per vCPU-second + GB-seconds × price per GB-second.
 * Example: 7200 vCPU-s and 10 800 GB-s at 0.0000113 and 0.0000012 → 0.08136 + 0.01296 = 0.0943.
 */
function priced(
  usage:
    | {
        groupSeconds: number;
        containerSeconds: number;
        vcpuSeconds: number;
        memoryGbSeconds: number;
      }
    | undefined,
  prices: Scenario['prices'],
): UsageReport {
  const u = usage ?? { groupSeconds: 0, containerSeconds: 0, vcpuSeconds: 0, memoryGbSeconds: 0 };
  return {
    groupSeconds: round(u.groupSeconds),
    containerSeconds: round(u.containerSeconds),
    vcpuSeconds: round(u.vcpuSeconds),
    memoryGbSeconds: round(u.memoryGbSeconds),
    cost: round(u.vcpuSeconds * prices.vcpuSecond + u.memoryGbSeconds * prices.gbSecond, 4),
  };
}

/** Decisions that wrote something, by direction (see DecisionReport). */
function decisionsOf(all: readonly StatusDecision[]): DecisionReport {
  const writing = all.filter((d) => d.creates + d.deletes > 0);
  return {
    count: writing.length,
    scaleOut: writing.filter((d) => d.desired > d.live).length,
    scaleIn: writing.filter((d) => d.desired < d.live).length,
    other: writing.filter((d) => d.desired === d.live).length,
    creates: writing.reduce((n, d) => n + d.creates, 0),
    deletes: writing.reduce((n, d) => n + d.deletes, 0),
  };
}

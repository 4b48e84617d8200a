/**
 * `simulate` end to end on a 20-minute scenario: the report's shape and numbers that must hold
 * (messages in = out once drained, groups within bounds, ARM writes = creates, per-pool calls +
 * shared = the emulator's totals, cost = usage × prices), byte-identical JSON for the same seed,
 * a different report for another seed, and the same report over real sockets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolReport, Report } from '../../local/simulate/report';
import { reportJson, round } from '../../local/simulate/report';
import type { SimulateResult } from '../../local/simulate/run';
import { simulate, withPolicy } from '../../local/simulate/run';
import type { Scenario } from '../../local/simulate/scenario';
import { parseScenario } from '../../local/simulate/scenario';
import { burstScenario, simPool } from './fixtures';

/** What must hold for one pool of a drained, fault-free run without Traffic Manager. */
function invariants(p: PoolReport, prices: Report['prices']) {
  return {
    drained: p.messages.in === p.messages.out && p.messages.backlogAtEnd === 0,
    groupsWithinBounds: p.groups.peak >= p.minGroups && p.groups.peak <= p.maxGroups,
    scaledOut: p.groups.peak > p.minGroups,
    backAtMinimum: p.groups.atEnd === p.minGroups,
    armWritesAreCreates: p.azure.armWrites === p.decisions.creates,
    armDeletesAreDeletes: p.azure.armDeletes === p.decisions.deletes,
    decisionsAddUp:
      p.decisions.count === p.decisions.scaleOut + p.decisions.scaleIn + p.decisions.other,
    costIsPriced:
      p.usage.cost ===
      round(p.usage.vcpuSeconds * prices.vcpuSecond + p.usage.memoryGbSeconds * prices.gbSecond, 4),
    waitsOrdered:
      (p.waitSeconds.p50 ?? 0) <= (p.waitSeconds.p95 ?? 0) &&
      (p.waitSeconds.p95 ?? 0) <= (p.waitSeconds.p99 ?? 0) &&
      (p.waitSeconds.p99 ?? 0) <= (p.waitSeconds.max ?? 0),
    burstsDrained: p.bursts.every((b) => b.drainSeconds !== null),
  };
}

const allHold = {
  drained: true,
  groupsWithinBounds: true,
  scaledOut: true,
  backAtMinimum: true,
  armWritesAreCreates: true,
  armDeletesAreDeletes: true,
  decisionsAddUp: true,
  costIsPriced: true,
  waitsOrdered: true,
  burstsDrained: true,
};

/** A report without the per-pool attribution of Azure calls (only the in-process door counts). */
function withoutAttribution(report: Report): unknown {
  return {
    ...report,
    pools: report.pools.map((p) => ({ ...p, azure: null })),
    azure: { ...report.azure, shared: null },
  };
}

describe('simulate: a 20-minute burst', () => {
  let scenario: Scenario;
  let first: SimulateResult;
  beforeAll(async () => {
    scenario = await parseScenario(burstScenario());
    first = await simulate(scenario);
  });

  it('reports the burst, its drain and the costs, with numbers that add up', () => {
    const r = first.report;
    const orders = r.pools[0] as PoolReport;
    const sum = (k: keyof PoolReport['azure']) =>
      r.pools.reduce((n, p) => n + p.azure[k], 0) + r.azure.shared[k];
    expect({
      scenario: r.scenario,
      seed: r.seed,
      policy: r.policy,
      window: [r.start, r.end, r.durationSeconds],
      pools: r.pools.map((p) => [p.pool, p.mode]),
      // 1 msg/s for 1200 s plus a burst of 2000.
      messagesIn: r.totals.messages.in,
      invariants: invariants(orders, r.prices),
      bursts: orders.bursts.map((b) => ({ start: b.startSeconds, peak: b.peakMessages > 1500 })),
      // The depth watch reads the one namespace every 15 s after the start: 1200 / 15.
      serviceBusCalls: r.azure.serviceBusAdmin,
      callsAddUp: [sum('armReads'), sum('armWrites'), sum('armDeletes'), sum('serviceBusAdmin')],
      totalsArePoolSums: r.totals.usage.cost === orders.usage.cost,
      events: r.events,
      samples: r.runtime.samples,
      logs: first.logs,
    }).toEqual({
      scenario: 'test-burst',
      seed: 3,
      policy: 'as written',
      window: ['2025-01-01T00:00:00.000Z', '2025-01-01T00:20:00.000Z', 1200],
      pools: [['orders', 'drain']],
      messagesIn: 3200,
      invariants: allHold,
      bursts: [{ start: 120, peak: true }],
      serviceBusCalls: 80,
      callsAddUp: [
        r.azure.armReads,
        r.azure.armWrites,
        r.azure.armDeletes,
        r.azure.serviceBusAdmin,
      ],
      totalsArePoolSums: true,
      events: [],
      samples: 241,
      logs: [],
    });
  });

  it('gives byte-identical JSON for the same scenario and seed', async () => {
    const again = await simulate(scenario);
    expect(reportJson(again.report)).toBe(reportJson(first.report));
  });

  it('gives another report for another seed (provisioning latencies are drawn from it)', async () => {
    const other = await simulate(scenario, { seed: 4 });
    expect({
      seed: other.report.seed,
      differs: reportJson(other.report) !== reportJson(first.report),
      usageDiffers:
        other.report.totals.usage.groupSeconds !== first.report.totals.usage.groupSeconds,
    }).toEqual({ seed: 4, differs: true, usageDiffers: true });
  });

  it('refuses other timer schedules than the app was loaded with in this process', async () => {
    const other = await parseScenario(
      burstScenario({ duration: 60, settings: { SURGE_DEPTH_SCHEDULE: '*/30 * * * * *' } }),
    );
    await expect(simulate(other)).rejects.toThrow(
      'depthWatch runs on "*/15 * * * * *" but the scenario\'s settings ask for "*/30 * * * * *": the app reads its schedules once per process, when it is first loaded; run this scenario in a process of its own',
    );
  });

  it('reports the same over real sockets (https to the emulator, HTTP to the engine)', async () => {
    const overSockets = await simulate(scenario, { transport: 'https' });
    expect(withoutAttribution(overSockets.report)).toEqual(withoutAttribution(first.report));
  });
});

describe('simulate: --policy', () => {
  const doc = {
    pools: [
      simPool('a'),
      simPool('b', { scaling: { mode: 'keda', messagesPerGroup: 50 } }),
      simPool('c', { scaling: undefined }),
    ],
  };
  const cases = [
    {
      label: 'keda: drain pools get the scenario’s keda knobs, a keda pool keeps its own',
      policy: 'keda' as const,
      knobs: { messagesPerGroup: 200 },
      scaling: [
        { messagesPerGroup: 200, mode: 'keda' },
        { mode: 'keda', messagesPerGroup: 50 },
        { messagesPerGroup: 200, mode: 'keda' },
      ],
    },
    {
      label: 'drain: the keda pool gets the drain defaults, drain pools (and the default) stay',
      policy: 'drain' as const,
      knobs: undefined,
      scaling: [doc.pools[0]?.scaling, { mode: 'drain' }, undefined],
    },
  ];
  for (const c of cases) {
    it(c.label, () => {
      const out = withPolicy(doc, c.policy, c.knobs);
      expect(out.pools.map((p) => (p as { scaling?: unknown }).scaling)).toEqual(c.scaling);
    });
  }

  it('runs a drain scenario as keda and says so', async () => {
    const scenario = await parseScenario(
      burstScenario({ duration: 300, policies: { keda: { messagesPerGroup: 400 } } }),
    );
    const { report } = await simulate(scenario, { policy: 'keda' });
    expect({ policy: report.policy, modes: report.pools.map((p) => p.mode) }).toEqual({
      policy: 'keda',
      modes: ['keda'],
    });
  });
});

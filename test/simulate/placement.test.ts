/**
 * Issue 10's examples, end to end through `simulate` (the app on the local runtime against the
 * emulator's quota lines): at a quota wall no create is sent twice, and a pool placed in two
 * regions, the first holding half of what a burst needs, reaches its need with no create storm.
 * Both run 30 model minutes (the burst lands at 10 and drains before 20); the figures of the
 * whole examples are in docs/placement.md.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PoolReport } from '../../local/simulate/report';
import { simulate } from '../../local/simulate/run';
import { parseScenario } from '../../local/simulate/scenario';

type Doc = Record<string, unknown> & { emulator: { limits: Record<string, unknown> } };

/** An example, 30 minutes long, with changes. */
function example(file: string, change: (doc: Doc) => void = () => undefined): Doc {
  const doc = JSON.parse(readFileSync(`examples/${file}`, 'utf8')) as Doc;
  doc.duration = 1800;
  change(doc);
  return doc;
}

async function run(doc: Doc): Promise<PoolReport> {
  const { report } = await simulate(await parseScenario(doc));
  return report.pools[0] as PoolReport;
}

/** The figures a case states. */
function figures(p: PoolReport) {
  return {
    peak: p.groups.peak,
    drained: p.messages.backlogAtEnd === 0,
    callsPerGroup: p.placement.createCallsPerGroup,
    refused: p.placement.refused,
    bySite: p.placement.bySite,
  };
}

describe('placement examples through simulate', () => {
  let wall: PoolReport;
  let twoRegions: PoolReport;
  let need: PoolReport;
  beforeAll(async () => {
    wall = await run(example('quota-wall.json'));
    twoRegions = await run(example('two-regions.json'));
    // The need: the same pool and burst where no quota binds.
    need = await run(
      example('two-regions.json', (d) => {
        d.emulator.limits = { coresPerRegion: 1000, containerGroupsPerRegion: 1000 };
      }),
    );
  }, 120_000);

  it('quota wall: stops at the 50 groups 100 cores hold, each create sent once', () => {
    expect(figures(wall)).toEqual({
      peak: 50,
      drained: true,
      callsPerGroup: 1,
      refused: { quota: 0, capacity: 0, other: 0 },
      bySite: { westeurope: 50 },
    });
  });

  it('two regions: at least 90 % of the need when the first holds half of it, no create storm', () => {
    const reached = twoRegions.groups.peak / need.groups.peak;
    expect({
      reachedAtLeast90Percent: reached >= 0.9,
      // westeurope's 100 cores hold 50 groups of 2 cores: about half the need (89 groups).
      firstRegionHoldsAboutHalf: Math.abs(50 / need.groups.peak - 0.5) <= 0.1,
      ...figures(twoRegions),
      peak: undefined,
      bySite: Object.keys(twoRegions.placement.bySite),
      westeuropeFull: twoRegions.placement.bySite.westeurope,
    }).toEqual({
      reachedAtLeast90Percent: true,
      firstRegionHoldsAboutHalf: true,
      peak: undefined,
      drained: true,
      callsPerGroup: 1,
      refused: { quota: 0, capacity: 0, other: 0 },
      bySite: ['northeurope', 'westeurope'],
      westeuropeFull: 50,
    });
  });
});

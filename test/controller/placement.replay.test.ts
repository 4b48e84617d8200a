import { afterEach, describe, expect, it } from 'vitest';
import { AzureError } from '../../shared/azure/errors';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import { installRuntime } from '../../shared/runtime';
import { poolInput } from '../fakes/pools';
import { Harness } from './harness';

/**
 * Placement through the durable-functions replay code, on the local engine in virtual time: the
 * quota read before creates, spill-over to the next site, refusals that move work instead of
 * being re-sent, zone spread and Spot eviction.
 */

let harness: Harness;
afterEach(() => installRuntime(undefined));

/** 1 msg/s per group, 30 s start-up, fixed estimates: 3000 waiting → 12 groups. */
const scaling = { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false };
const controller = { maxParallelWrites: 20 };
const { location: _one, ...azure } = poolInput('orders').azure;

/** A pool placed in `placements` (the orders pool's 1-core worker). */
function placed(
  placements: NonNullable<PoolSpecInput['placements']>,
  extra: Partial<PoolSpecInput> = {},
): Partial<PoolSpecInput> {
  return { azure, placements, scaling, controller, ...extra };
}

/** Groups created (accepted by ARM) per site tag, and per zone. */
function createdBy(key: 'surge-site' | 'zone'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of harness.groups.created) {
    const k = key === 'zone' ? (r.zone ?? '-') : (r.tags['surge-site'] ?? '-');
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The depth signalled every 15 s for `seconds`, as the depth watch would. */
async function keepSignalling(active: number, seconds: number): Promise<void> {
  for (let t = 0; t < seconds; t += 15) {
    await harness.engine.advanceBy(15_000);
    await harness.depth(active);
  }
}

describe('placement, through the durable-functions replay code', () => {
  it('caps creates at the free quota it read, says why, and sends no more while it is full', async () => {
    harness = new Harness({ scaling, controller });
    harness.groups.quotas.set('westeurope', { containerGroups: 100, cores: 5, spotCores: 0 });
    await harness.start();
    await harness.depth(3000);
    expect(harness.groups.calls.create).toBe(5);
    expect(harness.status().lastDecision?.reason).toMatch(
      /; 5 of 12 creates placed: capped by quota StandardCores 5\/5 in westeurope$/,
    );
    await keepSignalling(3000, 300);
    // Five minutes at the wall: not one create re-sent, one usage read a minute.
    expect(harness.groups.calls.create).toBe(5);
    expect(harness.groups.calls.usage).toBe(6);
  });

  it('fill: spills what the first region’s quota cannot hold to the next, with no refusal', async () => {
    harness = new Harness(placed([{ location: 'westeurope' }, { location: 'northeurope' }]));
    harness.groups.quotas.set('westeurope', { containerGroups: 100, cores: 4, spotCores: 0 });
    await harness.start();
    await harness.depth(3000);
    expect({
      calls: harness.groups.calls.create,
      bySite: createdBy('surge-site'),
      status: harness.status().groups?.bySite,
    }).toEqual({
      calls: 12,
      bySite: { westeurope: 4, northeurope: 8 },
      status: { westeurope: 4, northeurope: 8 },
    });
  });

  it('a quota refusal marks the site full: the next site takes the create; room reopens it', async () => {
    harness = new Harness(placed([{ location: 'westeurope' }, { location: 'northeurope' }]));
    await harness.start();
    // Someone else took westeurope's last cores between the usage read and this create.
    harness.groups.failCreates.push(
      new AzureError(
        'quota',
        'ServiceUnavailable',
        "Resource type 'Microsoft.ContainerInstance/containerGroups' container group quota 'StandardCores' exceeded in region 'westeurope'. Limit: '100', Usage: '100' Requested: '1'.",
        409,
      ),
    );
    await harness.depth(3000);
    expect(harness.status().sites.map((s) => [s.site, s.state])).toEqual([
      ['westeurope', 'full'],
      ['northeurope', 'open'],
    ]);
    await harness.engine.advanceBy(15_000);
    await harness.depth(3000);
    // 13 calls for 12 groups: the refused create went to northeurope, once.
    expect({ calls: harness.groups.calls.create, bySite: createdBy('surge-site') }).toEqual({
      calls: 13,
      bySite: { westeurope: 11, northeurope: 1 },
    });
    // A minute later a usage read shows room: westeurope takes creates again.
    await keepSignalling(3000, 60);
    expect(harness.status().sites.map((s) => s.state)).toEqual(['open', 'open']);
  });

  it('a sync capacity refusal closes the region and the next takes the create at once', async () => {
    harness = new Harness(placed([{ location: 'westeurope' }, { location: 'northeurope' }]));
    harness.groups.noCapacity.add('westeurope');
    await harness.start();
    await harness.depth(3000);
    await harness.engine.advanceBy(15_000);
    await harness.depth(3000);
    // Every create of the first wave was refused in westeurope (12 calls), then all went north.
    expect({
      calls: harness.groups.calls.create,
      bySite: createdBy('surge-site'),
      sites: harness.status().sites.map((s) => [s.site, s.state]),
    }).toEqual({
      calls: 24,
      bySite: { northeurope: 12 },
      sites: [
        ['westeurope', 'unavailable'],
        ['northeurope', 'open'],
      ],
    });
  });

  it('a region still out of capacity is probed with one create per doubling backoff', async () => {
    harness = new Harness(
      placed([{ location: 'westeurope' }, { location: 'northeurope', maxGroups: 4 }]),
    );
    harness.groups.noCapacity.add('westeurope');
    await harness.start();
    await harness.depth(3000); // 12 wanted: the first wave goes to westeurope, all refused
    await keepSignalling(3000, 600);
    // 12 refused + 4 in northeurope + one probe of westeurope after each backoff:
    // 30 s, 60 s, 120 s and 240 s (the next, 480 s, ends after the ten minutes).
    expect({
      calls: harness.groups.calls.create,
      bySite: createdBy('surge-site'),
      westeurope: harness.status().sites[0]?.state,
    }).toEqual({ calls: 12 + 4 + 4, bySite: { northeurope: 4 }, westeurope: 'unavailable' });
  });

  it('spreads a site’s groups evenly over its zones (skew at most one)', async () => {
    harness = new Harness(placed([{ location: 'westeurope', zones: ['1', '2', '3'] }]));
    await harness.start();
    await harness.depth(1890); // ceil(1890/270) = 7 groups
    expect(createdBy('zone')).toEqual({ '1': 3, '2': 2, '3': 2 });
  });

  it('spread: balances the groups across regions', async () => {
    harness = new Harness(
      placed([{ location: 'westeurope' }, { location: 'northeurope' }, { location: 'eastus' }], {
        placementStrategy: 'spread',
      }),
    );
    await harness.start();
    await harness.depth(3000);
    expect(createdBy('surge-site')).toEqual({ westeurope: 4, northeurope: 4, eastus: 4 });
  });

  it('replaces an evicted Spot group in Spot, and in the next site when evictions repeat', async () => {
    harness = new Harness(
      placed([{ location: 'westeurope', priority: 'Spot' }, { location: 'westeurope' }], {
        minGroups: 2,
        controller: { ...controller, instanceViewRefreshSeconds: 15 },
      }),
    );
    await harness.start();
    await harness.depth(0); // minGroups 2, both Spot
    await harness.engine.advanceBy(40_000);
    const evictOne = async () => {
      const spot = harness.groups
        .names()
        .find((n) => harness.groups.created.find((r) => r.name === n)?.priority === 'Spot');
      if (spot) harness.groups.evict(spot);
      await keepSignalling(0, 30);
    };
    await evictOne();
    const afterFirst = createdBy('surge-site');
    await evictOne();
    expect({
      afterFirst,
      afterSecond: createdBy('surge-site'),
      errors: harness.status().errors.map((e) => e.message),
    }).toEqual({
      afterFirst: { 'westeurope-spot': 3 },
      afterSecond: { 'westeurope-spot': 3, westeurope: 1 },
      errors: ['evicted: Spot capacity reclaimed', 'evicted: Spot capacity reclaimed'],
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import type { Placed, PlacementInput, RegionBudget } from '../../shared/policy/placement';
import { placeCreates, siteOfGroup, sitesOf } from '../../shared/policy/placement';
import { ordersSpec, placedSpec } from '../controller/groups';

const SUBNET =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/workers';

type Placements = NonNullable<PoolSpecInput['placements']>;

/** Placement input for the orders pool's sites; 2-core groups unless a case says otherwise. */
function input(
  placements: Placements,
  extra: {
    strategy?: 'fill' | 'spread';
    live?: Record<string, { count: number; zones?: Record<string, number> }>;
    budgets?: Record<string, RegionBudget>;
    closed?: Record<string, string>;
    probing?: Record<string, string>;
    groupCores?: number;
  } = {},
): PlacementInput {
  return {
    sites: sitesOf(placedSpec(placements)),
    strategy: extra.strategy ?? 'fill',
    live: new Map(
      Object.entries(extra.live ?? {}).map(([k, v]) => [
        k,
        { count: v.count, zones: v.zones ?? {} },
      ]),
    ),
    budgets: new Map(Object.entries(extra.budgets ?? {})),
    closed: new Map(Object.entries(extra.closed ?? {})),
    probing: new Map(Object.entries(extra.probing ?? {})),
    groupCores: extra.groupCores ?? 2,
  };
}

/** The whole result as a case states it: each create as site or site/zone, and why some were held. */
function placed(p: Placed): { sites: string[]; held?: string } {
  return {
    sites: p.choices.map((c) => (c.zone ? `${c.site}/${c.zone}` : c.site)),
    ...(p.held !== undefined ? { held: p.held } : {}),
  };
}

const we = { location: 'westeurope' };
const ne = { location: 'northeurope' };
const cores = (current: number, limit = 100): RegionBudget => ({ cores: { current, limit } });

describe('placeCreates: which site each create goes to', () => {
  const cases: {
    label: string;
    input: PlacementInput;
    count: number;
    expected: { sites: string[]; held?: string };
  }[] = [
    {
      label: 'one site, no usage known: every create there',
      input: input([we]),
      count: 3,
      expected: { sites: ['westeurope', 'westeurope', 'westeurope'] },
    },
    {
      label:
        'fill: the first site until its quota runs out (96/100 cores, 2-core groups), then the next',
      input: input([we, ne], { budgets: { westeurope: cores(96) } }),
      count: 4,
      expected: { sites: ['westeurope', 'westeurope', 'northeurope', 'northeurope'] },
    },
    {
      label: 'fill: the first site until its maxGroups (2 live, cap 3), then the next',
      input: input([{ ...we, maxGroups: 3 }, ne], { live: { westeurope: { count: 2 } } }),
      count: 3,
      expected: { sites: ['westeurope', 'northeurope', 'northeurope'] },
    },
    {
      label: 'spread: each create to the site with the fewest groups (ties: the first)',
      input: input([we, ne], {
        strategy: 'spread',
        live: { westeurope: { count: 3 }, northeurope: { count: 1 } },
      }),
      count: 4,
      expected: { sites: ['northeurope', 'northeurope', 'westeurope', 'northeurope'] },
    },
    {
      label: 'zones: each create to the zone with the fewest groups (skew at most one)',
      input: input([{ ...we, zones: ['1', '2', '3'] }], {
        live: { westeurope: { count: 3, zones: { '1': 2, '3': 1 } } },
      }),
      count: 3,
      expected: { sites: ['westeurope/2', 'westeurope/2', 'westeurope/3'] },
    },
    {
      label: 'the container-group line caps too (99/100): one create, the rest held with why',
      input: input([we], { budgets: { westeurope: { groups: { current: 99, limit: 100 } } } }),
      count: 3,
      expected: {
        sites: ['westeurope'],
        held: 'capped by quota ContainerGroups 100/100 in westeurope',
      },
    },
    {
      label: 'a Spot site draws on the Spot line (8/10 Spot cores: one group), then Regular',
      input: input([{ ...we, priority: 'Spot' }, we], {
        budgets: {
          westeurope: { spotCores: { current: 8, limit: 10 }, cores: { current: 0, limit: 100 } },
        },
      }),
      count: 3,
      expected: { sites: ['westeurope-spot', 'westeurope', 'westeurope'] },
    },
    {
      label: 'two sites in one region share its budget (98/100 groups: two creates in all)',
      input: input([we, { ...we, subnetId: SUBNET }], {
        budgets: { westeurope: { groups: { current: 98, limit: 100 } } },
      }),
      count: 3,
      expected: {
        sites: ['westeurope', 'westeurope'],
        held: 'capped by quota ContainerGroups 100/100 in westeurope',
      },
    },
    {
      label: 'a closed site is skipped: the next takes the creates at once',
      input: input([we, ne], { closed: { westeurope: 'westeurope full' } }),
      count: 2,
      expected: { sites: ['northeurope', 'northeurope'] },
    },
    {
      label: 'a site probing after capacity failures takes one create; the next takes the rest',
      input: input([we, ne], { probing: { westeurope: 'westeurope probing' } }),
      count: 3,
      expected: { sites: ['westeurope', 'northeurope', 'northeurope'] },
    },
    {
      label: 'the only site probing: one create, the rest held with why',
      input: input([we], { probing: { westeurope: 'westeurope probing' } }),
      count: 3,
      expected: { sites: ['westeurope'], held: 'westeurope probing' },
    },
    {
      label: 'no site has room: nothing placed, each site’s reason in order',
      input: input([we, { ...ne, maxGroups: 1 }], {
        live: { northeurope: { count: 1 } },
        closed: { westeurope: 'westeurope unavailable until 10:00:30' },
      }),
      count: 2,
      expected: {
        sites: [],
        held: 'westeurope unavailable until 10:00:30; northeurope at its maxGroups 1',
      },
    },
    {
      label: 'a line the region does not report sets no cap',
      input: input([we], { budgets: { westeurope: { spotCores: { current: 10, limit: 10 } } } }),
      count: 2,
      expected: { sites: ['westeurope', 'westeurope'] },
    },
  ];
  it.each(cases)('$label', ({ input: i, count, expected }) => {
    expect(placed(placeCreates(i, count))).toEqual(expected);
  });
});

describe('sitesOf and siteOfGroup: a pool’s sites and where a group runs', () => {
  const sites = sitesOf(
    placedSpec([
      { location: 'West Europe', zones: ['1', '2'] },
      { location: 'westeurope', priority: 'Spot' },
      { location: 'westeurope', subnetId: SUBNET },
    ]),
  );
  it('keys a site by region, priority and subnet, in order of preference', () => {
    expect(sites.map((s) => [s.key, s.index, s.region, s.priority, s.zones])).toEqual([
      ['westeurope', 0, 'westeurope', 'Regular', ['1', '2']],
      ['westeurope-spot', 1, 'westeurope', 'Spot', []],
      ['westeurope-09d7', 2, 'westeurope', 'Regular', []],
    ]);
  });
  it('keeps azure.location as one Regular site', () => {
    expect(sitesOf(ordersSpec()).map((s) => [s.key, s.location, s.priority])).toEqual([
      ['westeurope', 'westeurope', 'Regular'],
    ]);
  });
  it.each([
    { label: 'by its surge-site tag', group: { tag: 'westeurope-spot' }, site: 'westeurope-spot' },
    {
      label: 'a tag of a site removed from the spec',
      group: { tag: 'northeurope' },
      site: undefined,
    },
    {
      label: 'untagged (created before sites): the first site of its region and priority',
      group: { location: 'West Europe', priority: 'Spot' as const },
      site: 'westeurope-spot',
    },
    {
      label: 'untagged in a region the pool no longer uses',
      group: { location: 'northeurope' },
      site: undefined,
    },
  ])('finds a group’s site $label', ({ group, site }) => {
    expect(siteOfGroup(sites, group)?.key).toBe(site);
  });
});

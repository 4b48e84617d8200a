import { describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../shared/config/poolSpec';
import type { FleetView } from '../../shared/controller/fleet';
import type { PlacementOutcome } from '../../shared/controller/placement';
import { placeGroups } from '../../shared/controller/placement';
import type { ScaleOutcome } from '../../shared/controller/scale';
import type { PlacementSlice } from '../../shared/controller/state';
import type { VersionsOutcome } from '../../shared/controller/versions';
import type { PoolGroup } from '../../shared/policy/groups';
import {
  NOW,
  lookAt,
  ordersSpec,
  placedSpec,
  poolGroup,
  rollingOut,
  scaleWith,
  versionsWith,
} from './groups';

/** Fill over westeurope then northeurope; 1-core groups (the orders pool's one container). */
const twoRegions = placedSpec([{ location: 'westeurope' }, { location: 'northeurope' }]);
const open = { backoff: { failures: 0, until: 0 } };
/** A usage read of cores in a region, sent at `at`. */
const coresRead = (current: number, limit: number, at: number) => ({
  at,
  usage: { cores: { current, limit } },
});

/** The whole outcome as a case states it: creates as `site` lists, held, and the slice. */
function outcome(p: PlacementOutcome) {
  return {
    stable: p.stable.map((c) => c.site),
    rollout: p.rollout.map((c) => c.site),
    held: p.held,
    sites: p.placement.sites,
  };
}

describe('placement stage: where creates go, and what the sites taught', () => {
  const cases: {
    label: string;
    spec?: PoolSpec;
    slice?: PlacementSlice;
    groups?: PoolGroup[];
    view?: Partial<Pick<FleetView, 'quota' | 'siteLessons'>>;
    scale?: ScaleOutcome;
    versions?: VersionsOutcome;
    now?: number;
    expected: ReturnType<typeof outcome>;
  }[] = [
    {
      label: 'nothing to create: nothing placed, nothing learned',
      expected: { stable: [], rollout: [], held: undefined, sites: {} },
    },
    {
      label: 'quota read: the creates stop at the free cores (97/100), the rest held with why',
      spec: ordersSpec(),
      view: { quota: { westeurope: coresRead(97, 100, NOW - 5000) } },
      scale: scaleWith({ creates: 5 }),
      expected: {
        stable: ['westeurope', 'westeurope', 'westeurope'],
        rollout: [],
        held: '3 of 5 creates placed: capped by quota StandardCores 100/100 in westeurope',
        sites: {},
      },
    },
    {
      label: 'a site marked full spills every create to the next at once',
      slice: { sites: { westeurope: { ...open, full: { since: NOW - 10_000, line: 'x' } } } },
      scale: scaleWith({ creates: 2 }),
      expected: {
        stable: ['northeurope', 'northeurope'],
        rollout: [],
        held: undefined,
        sites: { westeurope: { ...open, full: { since: NOW - 10_000, line: 'x' } } },
      },
    },
    {
      label: 'a full site opens again once a usage read sent after the refusal shows room',
      slice: { sites: { westeurope: { ...open, full: { since: NOW - 10_000, line: 'x' } } } },
      view: { quota: { westeurope: coresRead(90, 100, NOW - 5000) } },
      scale: scaleWith({ creates: 2 }),
      expected: {
        stable: ['westeurope', 'westeurope'],
        rollout: [],
        held: undefined,
        sites: { westeurope: open },
      },
    },
    {
      label: 'a usage read older than the refusal does not open it (it may predate the wall)',
      slice: { sites: { westeurope: { ...open, full: { since: NOW - 10_000, line: 'x' } } } },
      view: { quota: { westeurope: coresRead(90, 100, NOW - 20_000) } },
      scale: scaleWith({ creates: 1 }),
      expected: {
        stable: ['northeurope'],
        rollout: [],
        held: undefined,
        sites: { westeurope: { ...open, full: { since: NOW - 10_000, line: 'x' } } },
      },
    },
    {
      label: 'without a usage read, a full site opens again after maxFailureBackoffSeconds (600 s)',
      slice: { sites: { westeurope: { ...open, full: { since: NOW - 600_000, line: 'x' } } } },
      scale: scaleWith({ creates: 1 }),
      expected: {
        stable: ['westeurope'],
        rollout: [],
        held: undefined,
        sites: { westeurope: open },
      },
    },
    {
      label:
        'a group failed for capacity closes its site for 30 s; the next site takes the creates',
      view: {
        siteLessons: [{ site: 'westeurope', kind: 'capacity', reason: 'g1: InsufficientCapacity' }],
      },
      scale: scaleWith({ creates: 1 }),
      expected: {
        stable: ['northeurope'],
        rollout: [],
        held: undefined,
        sites: {
          westeurope: {
            backoff: { failures: 1, until: NOW + 30_000 },
            last: 'g1: InsufficientCapacity',
          },
        },
      },
    },
    {
      label: 'a second capacity failure in a row doubles the wait (60 s)',
      slice: { sites: { westeurope: { backoff: { failures: 1, until: NOW - 1000 } } } },
      view: { siteLessons: [{ site: 'westeurope', kind: 'capacity', reason: 'g2: x' }] },
      expected: {
        stable: [],
        rollout: [],
        held: undefined,
        sites: { westeurope: { backoff: { failures: 2, until: NOW + 60_000 }, last: 'g2: x' } },
      },
    },
    {
      label: 'a first eviction leaves its site open: the replacement goes there again',
      spec: placedSpec([{ location: 'westeurope', priority: 'Spot' }, { location: 'westeurope' }]),
      view: { siteLessons: [{ site: 'westeurope-spot', kind: 'evicted', reason: 'g1: evicted' }] },
      scale: scaleWith({ creates: 1 }),
      expected: {
        stable: ['westeurope-spot'],
        rollout: [],
        held: undefined,
        sites: {
          'westeurope-spot': {
            backoff: { failures: 0, until: 0 },
            last: 'g1: evicted',
            lastEviction: NOW,
          },
        },
      },
    },
    {
      label:
        'an eviction 4 minutes after the last closes the Spot site 30 s: the next site takes the create',
      spec: placedSpec([{ location: 'westeurope', priority: 'Spot' }, { location: 'westeurope' }]),
      slice: { sites: { 'westeurope-spot': { ...open, lastEviction: NOW - 240_000 } } },
      view: { siteLessons: [{ site: 'westeurope-spot', kind: 'evicted', reason: 'g2: evicted' }] },
      scale: scaleWith({ creates: 1 }),
      expected: {
        stable: ['westeurope'],
        rollout: [],
        held: undefined,
        sites: {
          'westeurope-spot': {
            backoff: { failures: 1, until: NOW + 30_000 },
            last: 'g2: evicted',
            lastEviction: NOW,
          },
        },
      },
    },
    {
      label: 'a group that started in a site resets its backoff',
      slice: { sites: { westeurope: { backoff: { failures: 2, until: NOW - 1000 }, last: 'x' } } },
      view: { siteLessons: [{ site: 'westeurope', kind: 'started', reason: 'g1 started' }] },
      expected: {
        stable: [],
        rollout: [],
        held: undefined,
        sites: { westeurope: { backoff: { failures: 0, until: 0 }, last: 'x' } },
      },
    },
    {
      label: 'a start does not reset a site that evicted within maxFailureBackoffSeconds',
      slice: {
        sites: {
          westeurope: { backoff: { failures: 1, until: NOW - 1 }, lastEviction: NOW - 60_000 },
        },
      },
      view: { siteLessons: [{ site: 'westeurope', kind: 'started', reason: 'g3 started' }] },
      expected: {
        stable: [],
        rollout: [],
        held: undefined,
        sites: {
          westeurope: { backoff: { failures: 1, until: NOW - 1 }, lastEviction: NOW - 60_000 },
        },
      },
    },
    {
      label: 'every site closed: nothing placed, each site’s reason',
      slice: {
        sites: {
          westeurope: { ...open, full: { since: NOW - 1000, line: 'StandardCores' } },
          northeurope: { backoff: { failures: 1, until: NOW + 30_000 } },
        },
      },
      scale: scaleWith({ creates: 2 }),
      expected: {
        stable: [],
        rollout: [],
        held: '0 of 2 creates placed: westeurope full (quota StandardCores refused a create); northeurope unavailable until 2026-11-22T10:00:30.000Z after 1 capacity failure(s)',
        sites: {
          westeurope: { ...open, full: { since: NOW - 1000, line: 'StandardCores' } },
          northeurope: { backoff: { failures: 1, until: NOW + 30_000 } },
        },
      },
    },
    {
      label: 'a rollout’s creates come after the stable ones, from the same budget',
      spec: ordersSpec(),
      view: { quota: { westeurope: coresRead(97, 100, NOW - 5000) } },
      scale: scaleWith({ creates: 2 }),
      versions: rollingOut({ creates: 2 }),
      expected: {
        stable: ['westeurope', 'westeurope'],
        rollout: ['westeurope'],
        held: '3 of 4 creates placed: capped by quota StandardCores 100/100 in westeurope',
        sites: {},
      },
    },
    {
      label: 'a rollout’s creates wait out the pool’s failure backoff',
      spec: ordersSpec(),
      scale: scaleWith({ backedOff: true }),
      versions: rollingOut({ creates: 2 }),
      expected: { stable: [], rollout: [], held: undefined, sites: {} },
    },
    {
      label: 'spread counts the live groups: the emptier site first',
      spec: placedSpec([{ location: 'westeurope' }, { location: 'northeurope' }], {
        placementStrategy: 'spread',
      }),
      groups: [poolGroup(0), poolGroup(1), poolGroup(2, 'running', { site: 'northeurope' })],
      scale: scaleWith({ creates: 3 }),
      expected: {
        stable: ['northeurope', 'westeurope', 'northeurope'],
        rollout: [],
        held: undefined,
        sites: {},
      },
    },
  ];
  it.each(cases)('$label', (c) => {
    const look = lookAt(c.spec ?? twoRegions, c.groups ?? [], { ...c.view, now: c.now ?? NOW });
    const placed = placeGroups(c.slice ?? { sites: {} }, look, {
      scale: c.scale ?? scaleWith(),
      versions: c.versions ?? versionsWith(),
    });
    expect(outcome(placed)).toEqual(c.expected);
  });
});

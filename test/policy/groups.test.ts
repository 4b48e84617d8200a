import { describe, expect, it } from 'vitest';
import type { ContainerSnapshot, GroupSnapshot } from '../../shared/azure/ports';
import type { HealthRecord, PoolGroup } from '../../shared/policy/groups';
import { classifyGroups } from '../../shared/policy/groups';
import {
  freeNames,
  groupName,
  parseImageRef,
  specVersion,
  versionHash,
} from '../../shared/policy/version';
import { sitesOf } from '../../shared/policy/placement';
import { pickVictims } from '../../shared/policy/victims';
import { placedSpec } from '../controller/groups';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const knobs = { provisioningTimeoutSeconds: 900, crashLoopRestarts: 3 };
const iso = (ms: number) => new Date(ms).toISOString();

function snapshot(
  ordinal: number,
  over: Partial<GroupSnapshot> & { version?: string; created?: number } = {},
): GroupSnapshot {
  const version = over.version ?? '1.0';
  return {
    name: groupName('orders', version, ordinal),
    tags: {
      'surge-pool': 'orders',
      'surge-version': version,
      'surge-created': iso(over.created ?? NOW - 60_000),
    },
    provisioningState: 'Succeeded',
    ...over,
  };
}

function running(restartCount = 0, startTime = iso(NOW - 30_000)): ContainerSnapshot {
  return { name: 'worker', image: 'w:1.0', state: 'Running', restartCount, startTime };
}

describe('classifyGroups', () => {
  const cases: {
    label: string;
    snapshot: GroupSnapshot;
    health?: HealthRecord;
    expected: Partial<PoolGroup> | { foreign: string };
  }[] = [
    {
      label: 'creating',
      snapshot: snapshot(0, { provisioningState: 'Creating' }),
      expected: { phase: 'pending' },
    },
    {
      label: 'creating for longer than the timeout',
      snapshot: snapshot(0, { provisioningState: 'Creating', created: NOW - 901_000 }),
      expected: { phase: 'failed', reason: 'still Creating after 900 s' },
    },
    {
      label: 'provisioning failed for capacity',
      snapshot: snapshot(0, {
        provisioningState: 'Failed',
        instanceView: {
          state: 'Pending',
          containers: [],
          events: [
            { name: 'InsufficientCapacity.', message: 'not enough capacity', type: 'Warning' },
          ],
        },
      }),
      expected: {
        phase: 'failed',
        reason: 'InsufficientCapacity.: not enough capacity',
        capacityFailure: true,
      },
    },
    {
      label: 'provisioning failed, mount error (the Failed fixture)',
      snapshot: snapshot(0, {
        provisioningState: 'Failed',
        instanceView: {
          state: 'Pending',
          containers: [],
          events: [
            {
              name: 'FailedMount',
              message: 'Output: mount error(2): Permission denied',
              type: 'Normal',
            },
          ],
        },
      }),
      expected: {
        phase: 'failed',
        reason: 'FailedMount: Output: mount error(2): Permission denied',
        capacityFailure: false,
      },
    },
    {
      label: 'running',
      snapshot: snapshot(0, {
        instanceView: { state: 'Running', containers: [running()], events: [] },
      }),
      expected: { phase: 'running', runningSince: NOW - 30_000 },
    },
    {
      label: 'succeeded but a sidecar still waiting',
      snapshot: snapshot(0, {
        instanceView: {
          state: 'Running',
          containers: [
            running(),
            { name: 'sidecar', image: 's', state: 'Waiting', restartCount: 0 },
          ],
          events: [],
        },
      }),
      expected: { phase: 'pending' },
    },
    {
      label: 'crash looping',
      snapshot: snapshot(0, {
        instanceView: {
          state: 'Running',
          containers: [{ ...running(3), detailStatus: 'CrashLoopBackOff' }],
          events: [],
        },
      }),
      expected: {
        phase: 'failed',
        reason: 'container worker restarted 3 times (CrashLoopBackOff)',
      },
    },
    {
      label: 'stopped',
      snapshot: snapshot(0, { instanceView: { state: 'Stopped', containers: [], events: [] } }),
      expected: { phase: 'failed', reason: 'group stopped: its containers are no longer running' },
    },
    {
      label: 'evicted (a Spot group stopped with a SpotEviction event): failed for capacity',
      snapshot: snapshot(0, {
        priority: 'Spot',
        instanceView: {
          state: 'Stopped',
          containers: [],
          events: [{ name: 'SpotEviction', message: 'capacity reclaimed', type: 'Warning' }],
        },
      }),
      expected: {
        phase: 'failed',
        reason: 'evicted: capacity reclaimed',
        capacityFailure: true,
        evicted: true,
      },
    },
    {
      label: 'listed without instance view: the last reading stands',
      snapshot: snapshot(0),
      health: { phase: 'running', checkedAt: NOW - 10_000, runningSince: NOW - 50_000 },
      expected: { phase: 'running', runningSince: NOW - 50_000 },
    },
    {
      label: 'listed without instance view, never read',
      snapshot: snapshot(0),
      expected: { phase: 'pending' },
    },
    {
      label: 'deleting',
      snapshot: snapshot(0, { provisioningState: 'Deleting' }),
      expected: { phase: 'deleting' },
    },
    {
      label: 'name outside the scheme is foreign',
      snapshot: { ...snapshot(0), name: 'orders-handmade' },
      expected: { foreign: 'orders-handmade' },
    },
    {
      label: 'missing created tag is foreign',
      snapshot: { ...snapshot(0), tags: { 'surge-pool': 'orders', 'surge-version': '1.0' } },
      expected: { foreign: groupName('orders', '1.0', 0) },
    },
  ];
  it.each(cases)('$label', ({ snapshot: s, health, expected }) => {
    const { groups, foreign } = classifyGroups(
      'orders',
      [s],
      health ? { [s.name]: health } : {},
      knobs,
      NOW,
    );
    if ('foreign' in expected) {
      expect({ groups, foreign: foreign.map((f) => f.name) }).toEqual({
        groups: [],
        foreign: [expected.foreign],
      });
      return;
    }
    expect(foreign).toEqual([]);
    expect(groups).toEqual([
      {
        name: s.name,
        versionId: '1.0',
        ordinal: 0,
        createdAt: Date.parse(s.tags['surge-created'] ?? ''),
        ...expected,
      },
    ]);
  });

  it('finds each group’s site and zone (by tag, or by region for a group from before sites)', () => {
    const sites = sitesOf(
      placedSpec([{ location: 'westeurope', zones: ['1', '2'] }, { location: 'northeurope' }]),
    );
    const tagged = {
      ...snapshot(0),
      zone: '2',
      tags: { ...snapshot(0).tags, 'surge-site': 'westeurope' },
    };
    const untagged = { ...snapshot(1), location: 'North Europe' };
    const { groups } = classifyGroups('orders', [tagged, untagged], {}, knobs, NOW, sites);
    expect(groups.map((g) => [g.name, g.site, g.zone])).toEqual([
      [tagged.name, 'westeurope', '2'],
      [untagged.name, 'northeurope', undefined],
    ]);
  });

  it('ignores groups tagged for another pool', () => {
    const other = { ...snapshot(0), tags: { ...snapshot(0).tags, 'surge-pool': 'billing' } };
    expect(classifyGroups('orders', [other], {}, knobs, NOW)).toEqual({ groups: [], foreign: [] });
  });
});

describe('pickVictims', () => {
  const g = (
    ordinal: number,
    phase: PoolGroup['phase'],
    versionId: string,
    ageSeconds: number,
  ): PoolGroup => ({
    name: `g${ordinal}-${versionId}`,
    versionId,
    ordinal,
    createdAt: NOW - ageSeconds * 1000,
    phase,
  });
  const pool = [
    g(0, 'running', 'v2', 3600),
    g(1, 'running', 'v2', 600),
    g(2, 'running', 'v1', 7200),
    g(3, 'pending', 'v2', 30),
    g(4, 'failed', 'v2', 100),
    g(5, 'running', 'v1', 5000),
    g(6, 'running', 'v2', 600),
  ];
  it.each([
    { label: 'not-yet-running first', count: 1, victims: ['g3-v2'] },
    { label: 'then old versions, youngest first', count: 3, victims: ['g3-v2', 'g5-v1', 'g2-v1'] },
    {
      label: 'then the youngest, higher ordinal on a tie',
      count: 5,
      victims: ['g3-v2', 'g5-v1', 'g2-v1', 'g6-v2', 'g1-v2'],
    },
    {
      label: 'failed groups are never picked',
      count: 10,
      victims: ['g3-v2', 'g5-v1', 'g2-v1', 'g6-v2', 'g1-v2', 'g0-v2'],
    },
    { label: 'nothing to remove', count: 0, victims: [] },
  ])('$label', ({ count, victims }) => {
    expect(pickVictims(pool, 'v2', count).map((v) => v.name)).toEqual(victims);
  });
});

describe('pickVictims with sites', () => {
  const sites = sitesOf(
    placedSpec([{ location: 'westeurope' }, { location: 'northeurope' }, { location: 'eastus' }]),
  );
  const byKey = new Map(sites.map((s) => [s.key, s]));
  const siteOf = (key: string | undefined) => (key === undefined ? undefined : byKey.get(key));
  const g = (ordinal: number, site: string | undefined, phase: PoolGroup['phase'] = 'running') => ({
    name: `g${ordinal}-${site ?? 'gone'}`,
    versionId: 'v1',
    ordinal,
    createdAt: NOW - (100 - ordinal) * 1000,
    phase,
    ...(site !== undefined ? { site } : {}),
  });
  const pool: PoolGroup[] = [
    g(0, 'westeurope'),
    g(1, 'westeurope'),
    g(2, 'westeurope'),
    g(3, 'northeurope'),
    g(4, 'eastus'),
    g(5, 'westeurope', 'pending'),
    g(6, undefined),
  ];
  it.each([
    {
      label: 'fill: pending first, then a removed site, then the least preferred sites',
      strategy: 'fill' as const,
      count: 4,
      victims: ['g5-westeurope', 'g6-gone', 'g4-eastus', 'g3-northeurope'],
    },
    {
      label: 'spread: pending first, a removed site, then the fullest site, one at a time',
      strategy: 'spread' as const,
      count: 5,
      // Left after the first two: westeurope 3, northeurope 1, eastus 1 → westeurope twice, then
      // all at 1: the least preferred (eastus).
      victims: ['g5-westeurope', 'g6-gone', 'g2-westeurope', 'g1-westeurope', 'g4-eastus'],
    },
  ])('$label', ({ strategy, count, victims }) => {
    expect(pickVictims(pool, 'v1', count, { strategy, siteOf }).map((v) => v.name)).toEqual(
      victims,
    );
  });
});

describe('versions and names', () => {
  it.each([
    {
      label: 'ACR with tag',
      ref: 'contoso.azurecr.io/orders/worker:1.4.2',
      parsed: { registry: 'contoso.azurecr.io', repository: 'orders/worker', tag: '1.4.2' },
    },
    {
      label: 'Docker Hub short name',
      ref: 'nginx',
      parsed: { registry: 'docker.io', repository: 'nginx' },
    },
    {
      label: 'Docker Hub org',
      ref: 'fluent/fluent-bit:3.1',
      parsed: { registry: 'docker.io', repository: 'fluent/fluent-bit', tag: '3.1' },
    },
    {
      label: 'registry with port and digest',
      ref: 'localhost:5000/w@sha256:abc',
      parsed: { registry: 'localhost:5000', repository: 'w', digest: 'sha256:abc' },
    },
  ])('parses $label', ({ ref, parsed }) => {
    expect(parseImageRef(ref)).toEqual(parsed);
  });

  it('takes the version from the followed container, digest before tag', () => {
    const spec = {
      group: {
        containers: [
          { name: 'sidecar', image: 'fluent/fluent-bit:3.1' },
          { name: 'worker', image: 'contoso.azurecr.io/worker:1.4@sha256:beef' },
        ],
      },
      follow: { repository: 'worker', tag: '*' },
    } as unknown as Parameters<typeof specVersion>[0];
    expect(specVersion(spec)).toEqual({
      id: 'sha256:beef',
      images: {
        sidecar: 'fluent/fluent-bit:3.1',
        worker: 'contoso.azurecr.io/worker:1.4@sha256:beef',
      },
    });
  });

  it('names groups deterministically and within ACI limits', () => {
    const name = groupName('a'.repeat(30), 'sha256:'.padEnd(71, 'f'), 9999);
    expect(name).toMatch(/^[a-z0-9-]{1,63}$/);
    expect(groupName('orders', '1.0', 3)).toBe(`orders-${versionHash('1.0')}-3`);
    expect(versionHash('1.0')).not.toBe(versionHash('1.1'));
  });

  it.each([
    { label: 'an empty pool starts at 0', taken: [], count: 2, ordinals: [0, 1] },
    { label: 'gaps are filled first', taken: [0, 1, 3], count: 2, ordinals: [2, 4] },
    { label: 'nothing asked, nothing named', taken: [0], count: 0, ordinals: [] },
  ])('allocates free names: $label', ({ taken, count, ordinals }) => {
    const names = taken.map((o) => groupName('orders', '1.0', o));
    // Names of another version never block this version's ordinals.
    const other = groupName('orders', '0.9', 2);
    expect(freeNames('orders', '1.0', [...names, other], count)).toEqual(
      ordinals.map((o) => groupName('orders', '1.0', o)),
    );
  });
});

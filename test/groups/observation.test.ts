import { describe, expect, it } from 'vitest';
import type { GroupSnapshot } from '../../shared/azure/ports';
import type { ViewRead } from '../../shared/groups/observation';
import { assembleGroups, instanceViewsDue, slim } from '../../shared/groups/observation';

const group = (
  name: string,
  provisioningState: string,
  extra: Partial<GroupSnapshot> = {},
): GroupSnapshot => ({
  name,
  tags: { 'surge-pool': 'orders', 'surge-version': '1.0', owner: 'team-a' },
  provisioningState,
  ...extra,
});
const event = (n: number) => ({ name: `e${n}`, message: `m${n}`, type: 'Normal' });
const view = (state: string, events = [event(1)]) => ({
  state,
  containers: [{ name: 'worker', image: 'w', state, restartCount: 0 }],
  events,
});

describe('observation: which instance views are due', () => {
  const listed = [
    group('a', 'Succeeded'),
    group('b', 'Succeeded'),
    group('c', 'Creating'),
    group('d', 'Failed'),
    group('e', 'Deleting'),
  ];
  it.each([
    { label: 'provisioned and failed groups', skip: [], due: ['a', 'b', 'd'] },
    { label: 'but not those read recently', skip: ['a', 'd'], due: ['b'] },
  ])('$label', ({ skip, due }) => {
    expect(instanceViewsDue(listed, skip).map((g) => g.name)).toEqual(due);
  });
});

describe('observation: what is kept', () => {
  it.each([
    {
      label: 'a running group: surge tags, state, where it runs, containers, no events',
      group: group('a', 'Succeeded', {
        fqdn: 'a.test',
        location: 'westeurope',
        zone: '2',
        priority: 'Spot',
        instanceView: view('Running'),
      }),
      kept: {
        name: 'a',
        tags: { 'surge-pool': 'orders', 'surge-version': '1.0' },
        provisioningState: 'Succeeded',
        fqdn: 'a.test',
        location: 'westeurope',
        zone: '2',
        priority: 'Spot',
        instanceView: { state: 'Running', containers: view('Running').containers, events: [] },
      },
    },
    {
      label: 'a group that is not running: its last five events, which say why',
      group: group('b', 'Failed', {
        instanceView: view('Pending', [1, 2, 3, 4, 5, 6, 7].map(event)),
      }),
      kept: {
        name: 'b',
        tags: { 'surge-pool': 'orders', 'surge-version': '1.0' },
        provisioningState: 'Failed',
        instanceView: {
          state: 'Pending',
          containers: view('Pending').containers,
          events: [3, 4, 5, 6, 7].map(event),
        },
      },
    },
    {
      label: 'a listed group without a view',
      group: group('c', 'Creating'),
      kept: {
        name: 'c',
        tags: { 'surge-pool': 'orders', 'surge-version': '1.0' },
        provisioningState: 'Creating',
      },
    },
  ])('$label', ({ group: g, kept }) => {
    expect(slim(g)).toEqual(kept);
  });
});

describe('observation: the groups reported', () => {
  it('each as read, else as listed; a group gone between list and read is dropped', () => {
    const listed = [
      group('a', 'Succeeded'),
      group('b', 'Succeeded'),
      group('c', 'Creating'),
      group('d', 'Succeeded'),
    ];
    const reads: ViewRead[] = [
      {
        name: 'a',
        snapshot: group('a', 'Succeeded', { instanceView: view('Running') }),
        read: true,
      },
      { name: 'b', snapshot: undefined, read: true },
      { name: 'd', snapshot: listed[3], read: false },
    ];
    const { groups, instanceViewsRead } = assembleGroups(listed, reads);
    expect({
      groups: groups.map((g) => [g.name, g.instanceView?.state ?? null]),
      instanceViewsRead,
    }).toEqual({
      groups: [
        ['a', 'Running'],
        ['c', null],
        ['d', null],
      ],
      instanceViewsRead: ['a'],
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { PoolSpec } from '../../shared/config/poolSpec';
import { startRollout } from '../../shared/controller/rollout';
import type { Push } from '../../shared/controller/signal';
import type { PlanSlice, VersionsSlice } from '../../shared/controller/state';
import type { VersionsOutcome } from '../../shared/controller/versions';
import { advanceVersions } from '../../shared/controller/versions';
import type { PoolGroup } from '../../shared/policy/groups';
import { versionHash } from '../../shared/policy/version';
import { NOW, V1, lookAt, ordersSpec, poolGroup } from './groups';

const REGISTRY = 'contoso.azurecr.io';
const V2 = `sha256:${'2'.repeat(64)}`;
const V3 = `sha256:${'3'.repeat(64)}`;
const image = (tag: string) => `${REGISTRY}/worker:${tag}`;
const v1 = { id: V1, images: { worker: image(V1) } };
const v2 = { id: V2, images: { worker: `${REGISTRY}/worker@${V2}` } };

/** A worker pool that follows contoso.azurecr.io/worker; `sidecar` adds a second container. */
function followSpec(tag = V1, sidecar?: string): PoolSpec {
  const containers = [
    { name: 'worker', image: image(tag) },
    ...(sidecar ? [{ name: 'proxy', image: sidecar }] : []),
  ];
  return ordersSpec({ group: { containers }, follow: { repository: 'worker' } });
}

const push = (digest: string, eventId: string, repository = 'worker'): Push => ({
  eventId,
  registry: REGISTRY,
  repository,
  tag: 'latest',
  digest,
});

const stable: VersionsSlice = { version: v1, specVersion: v1, badVersions: [], seenPushes: [] };
const noPlan: PlanSlice = { retiring: [], probes: {} };

/** The whole outcome, as a case states it. */
function outcome(o: VersionsOutcome) {
  return {
    stable: o.stable.id,
    specVersion: o.versions.specVersion?.id,
    rollout: o.versions.rollout && {
      target: o.versions.rollout.target.id,
      event: o.versions.rollout.eventId,
    },
    lastRollout: o.versions.lastRollout?.outcome,
    seenPushes: o.versions.seenPushes,
    doomed: [...o.doomed],
    creates: o.step.creates,
    rollback: o.step.rollback?.version,
    retiring: o.retiring.map((r) => r.name),
    notes: o.notes,
  };
}

describe('versions stage: spec edits, pushes and the rollout step', () => {
  const label = `push worker:latest@${V2.slice(0, 19)}`;
  const cases: {
    label: string;
    versions: VersionsSlice;
    spec?: PoolSpec;
    groups?: PoolGroup[];
    pushes?: Push[];
    expected: ReturnType<typeof outcome>;
  }[] = [
    {
      label: 'first sight: the spec’s version is stable',
      versions: { badVersions: [], seenPushes: [] },
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: undefined,
        lastRollout: undefined,
        seenPushes: [],
        doomed: [],
        creates: 0,
        rollback: undefined,
        retiring: [],
        notes: [],
      },
    },
    {
      label: 'an edit of the spec’s image rolls out like a push (one group to replace)',
      versions: stable,
      spec: followSpec('2.0'),
      groups: [poolGroup(0)],
      expected: {
        stable: V1,
        specVersion: '2.0',
        rollout: { target: '2.0', event: 'spec:2.0' },
        lastRollout: undefined,
        seenPushes: [],
        doomed: [],
        creates: 1,
        rollback: undefined,
        retiring: [],
        notes: [
          "the pool spec's images changed: rolling out 2.0",
          'rollout of 2.0: 0 of 1 new groups healthy',
        ],
      },
    },
    {
      label: 'an edit of a sidecar only gets a version id of its own',
      versions: stable,
      spec: followSpec(V1, 'envoy:1.30'),
      groups: [poolGroup(0)],
      expected: ((id) => ({
        stable: V1,
        specVersion: V1,
        rollout: { target: id, event: `spec:${id}` },
        lastRollout: undefined,
        seenPushes: [],
        doomed: [],
        creates: 1,
        rollback: undefined,
        retiring: [],
        notes: [
          `the pool spec's images changed: rolling out ${id}`,
          `rollout of ${id}: 0 of 1 new groups healthy`,
        ],
      }))(`${V1}~${versionHash(JSON.stringify({ worker: image(V1), proxy: 'envoy:1.30' }))}`),
    },
    {
      label: 'a push of a new digest starts a rollout',
      versions: stable,
      groups: [poolGroup(0), poolGroup(1)],
      pushes: [push(V2, 'e2')],
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: { target: V2, event: 'e2' },
        lastRollout: undefined,
        seenPushes: ['e2'],
        doomed: [],
        // maxSurgePercent defaults to 100 (blue/green): both targets at once.
        creates: 2,
        rollback: undefined,
        retiring: [],
        notes: [`${label}: rolling out`, `rollout of ${V2}: 0 of 2 new groups healthy`],
      },
    },
    {
      label: 'a redelivered push has one effect',
      versions: { ...stable, seenPushes: ['e2'] },
      pushes: [push(V2, 'e2')],
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: undefined,
        lastRollout: undefined,
        seenPushes: ['e2'],
        doomed: [],
        creates: 0,
        rollback: undefined,
        retiring: [],
        notes: [`${label}: event e2 already delivered`],
      },
    },
    {
      label: 'a push of a digest that failed before is refused with the reason',
      versions: { ...stable, badVersions: [{ id: V2, reason: 'never healthy', at: NOW - 1 }] },
      groups: [poolGroup(0, 'running', { version: V2 })],
      pushes: [push(V2, 'e9')],
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: undefined,
        lastRollout: undefined,
        seenPushes: ['e9'],
        // A leftover group of the bad version is deleted.
        doomed: [V2],
        creates: 0,
        rollback: undefined,
        retiring: [],
        notes: [`${label}: this digest failed before (never healthy); push a new one`],
      },
    },
    {
      label: 'a push of another repository is not the pool’s',
      versions: stable,
      pushes: [push(V2, 'e3', 'billing')],
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: undefined,
        lastRollout: undefined,
        seenPushes: ['e3'],
        doomed: [],
        creates: 0,
        rollback: undefined,
        retiring: [],
        notes: [
          `push billing:latest@${V2.slice(0, 19)}: no container of the pool runs ${REGISTRY}/billing`,
        ],
      },
    },
    {
      label: 'a newer push supersedes the rollout in progress, whose groups are doomed',
      versions: { ...stable, rollout: startRollout(v2, v1, 'e2', followSpec(), NOW - 60_000) },
      groups: [poolGroup(0), poolGroup(1, 'pending', { version: V2 })],
      pushes: [push(V3, 'e3')],
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: { target: V3, event: 'e3' },
        lastRollout: 'superseded',
        seenPushes: ['e3'],
        doomed: [V2],
        creates: 1,
        rollback: undefined,
        retiring: [],
        notes: [
          `push worker:latest@${V3.slice(0, 19)}: rolling out, superseding ${V2}`,
          `rollout of ${V3}: 0 of 1 new groups healthy`,
        ],
      },
    },
    {
      label: 'a rollback dooms the target’s groups',
      versions: { ...stable, rollout: startRollout(v2, v1, 'e2', followSpec(), NOW - 60_000) },
      groups: [poolGroup(0), poolGroup(1, 'failed', { version: V2, reason: 'InaccessibleImage' })],
      expected: {
        stable: V1,
        specVersion: V1,
        rollout: undefined,
        lastRollout: 'rolledBack',
        seenPushes: [],
        doomed: [V2],
        creates: 0,
        rollback: V2,
        retiring: [],
        notes: [
          `rollout of ${V2} rolled back: group ${poolGroup(1, 'failed', { version: V2 }).name}: InaccessibleImage`,
        ],
      },
    },
  ];

  it.each(cases)('$label', ({ versions, spec, groups, pushes, expected }) => {
    const look = lookAt(spec ?? followSpec(), groups ?? []);
    const result = advanceVersions(versions, look, { pushes: pushes ?? [], plan: noPlan });
    expect(outcome(result)).toEqual(expected);
  });

  it('a commit retires the old groups for the retire time, after those already retiring', () => {
    const spec = followSpec();
    const rollout = startRollout(v2, v1, 'e2', spec, NOW - 60_000);
    const groups = [poolGroup(0), poolGroup(1, 'running', { version: V2 })];
    const plan = { retiring: [{ name: 'orders-earlier', until: NOW + 5000 }], probes: {} };
    const result = advanceVersions({ ...stable, rollout }, lookAt(spec, groups), {
      pushes: [],
      plan,
    });
    // One target, running for 5 minutes (past minReadySeconds), for one old group: shift.
    expect({ stable: result.stable.id, retiring: result.retiring }).toEqual({
      stable: V2,
      retiring: [
        { name: 'orders-earlier', until: NOW + 5000 },
        { name: groups[0]?.name, until: NOW + 30_000 },
      ],
    });
  });
});

import { describe, expect, it } from 'vitest';
import type { AzureFailure } from '../../shared/azure/errors';
import type { ProfileSnapshot } from '../../shared/azure/ports';
import type { Look } from '../../shared/controller/fleet';
import type { ControllerAction, Planned } from '../../shared/controller/plan';
import { placeGroups } from '../../shared/controller/placement';
import { planWrites, recordResults } from '../../shared/controller/plan';
import type { ScaleOutcome } from '../../shared/controller/scale';
import type { GroupCounts, LookedState, PlanSlice } from '../../shared/controller/state';
import { firstSight, initialState } from '../../shared/controller/state';
import type { VersionsOutcome } from '../../shared/controller/versions';
import type { Site } from '../../shared/policy/placement';
import { choiceOf, sitesOf } from '../../shared/policy/placement';
import {
  NOW,
  V1,
  lookAt,
  nameOf,
  ordersSpec,
  poolGroup,
  rollingOut,
  scaleWith,
  v1,
  versionsWith,
} from './groups';

const tmSpec = ordersSpec({
  group: {
    containers: [{ name: 'worker', image: `contoso.azurecr.io/worker:${V1}`, ports: [80] }],
  },
  trafficManager: { profile: 'orders-tm' },
});
const emptyProfile: ProfileSnapshot = { routingMethod: 'Weighted', ttlSeconds: 30, endpoints: [] };

/** An action as one line: `create orders-…-2 (1.0)`, `delete orders-…-1 (scale-in)`, … */
function line(a: ControllerAction): string {
  switch (a.kind) {
    case 'create':
      return `create ${a.input.name} (${a.input.version.id})`;
    case 'delete':
      return `delete ${a.input.name} (${a.input.reason})`;
    case 'probe':
      return `probe ${a.input.name} ${a.input.fqdn}`;
    case 'setEndpoint':
      return `set ${a.input.name} weight ${a.input.weight}${a.input.enabled ? '' : ' disabled'}`;
    case 'removeEndpoint':
      return `remove ${a.input.name}`;
  }
}

/** The whole plan, as a case states it. */
function planned(p: Planned) {
  return {
    actions: p.actions.map(line),
    counts: p.plan.counts,
    retiring: p.plan.retiring,
    probes: Object.keys(p.plan.probes),
    creates: p.creates,
    deletes: p.deletes,
  };
}

/** Planned counts; the live groups are all in the pool's one site, westeurope. */
const counts = (
  running: number,
  pending: number,
  deleting: number,
  byVersion = {},
): GroupCounts => ({
  running,
  pending,
  failed: 0,
  deleting,
  foreign: 0,
  byVersion,
  bySite: Object.fromEntries(running + pending > 0 ? [['westeurope', running + pending]] : []),
});

describe('plan stage: the writes, in order, and what they leave', () => {
  const cases: {
    label: string;
    look: Look;
    plan?: Partial<PlanSlice>;
    versions?: VersionsOutcome;
    scale?: ScaleOutcome;
    expected: ReturnType<typeof planned>;
  }[] = [
    {
      label: 'deletes first (foreign, failed, doomed versions), then creates on free names',
      look: lookAt(
        ordersSpec(),
        [
          poolGroup(0),
          poolGroup(2, 'failed', { reason: 'crash loop' }),
          poolGroup(0, 'running', { version: 'v0' }),
        ],
        { foreign: [{ name: 'orders-by-hand', reason: 'not ours' }] },
      ),
      versions: versionsWith({ doomed: new Set(['v0']) }),
      scale: scaleWith({ creates: 2 }),
      expected: {
        actions: [
          'delete orders-by-hand (foreign: not ours)',
          `delete ${nameOf(2)} (failed: crash loop)`,
          `delete ${nameOf(0, 'v0')} (abandoned version v0)`,
          `create ${nameOf(1)} (1.0)`,
          `create ${nameOf(3)} (1.0)`,
        ],
        counts: counts(1, 2, 3, { '1.0': 3 }),
        retiring: [],
        probes: [],
        creates: 2,
        deletes: 3,
      },
    },
    {
      label: 'a rollback deletes the target’s groups, naming why',
      look: lookAt(ordersSpec(), [poolGroup(0), poolGroup(0, 'pending', { version: 'v2' })]),
      versions: versionsWith({
        doomed: new Set(['v2']),
        step: {
          creates: 0,
          probe: [],
          retire: [],
          rollback: { version: 'v2', reason: 'never healthy' },
        },
      }),
      expected: {
        actions: [`delete ${nameOf(0, 'v2')} (rollback: never healthy)`],
        counts: counts(1, 0, 1, { '1.0': 1 }),
        retiring: [],
        probes: [],
        creates: 0,
        deletes: 1,
      },
    },
    {
      label: 'without Traffic Manager, scale-in victims are deleted',
      look: lookAt(ordersSpec(), [poolGroup(0), poolGroup(1)]),
      scale: scaleWith({ victims: [poolGroup(1)] }),
      expected: {
        actions: [`delete ${nameOf(1)} (scale-in)`],
        counts: counts(1, 0, 1, { '1.0': 1 }),
        retiring: [],
        probes: [],
        creates: 0,
        deletes: 1,
      },
    },
    {
      label:
        'behind Traffic Manager, victims retire: endpoint disabled, deleted after the retire time',
      look: lookAt(
        tmSpec,
        [poolGroup(0, 'running', { fqdn: 'a.test' }), poolGroup(1, 'running', { fqdn: 'b.test' })],
        {
          profile: {
            ...emptyProfile,
            endpoints: [
              { name: nameOf(0), target: 'a.test', weight: 100, enabled: true },
              { name: nameOf(1), target: 'b.test', weight: 100, enabled: true },
            ],
          },
          // The profile's 30 s TTL + drainSeconds 15.
          retireMs: 45_000,
        },
      ),
      scale: scaleWith({ victims: [poolGroup(1)] }),
      expected: {
        actions: [`set ${nameOf(1)} weight 100 disabled`],
        counts: counts(2, 0, 0, { '1.0': 2 }),
        retiring: [{ name: nameOf(1), until: NOW + 45_000 }],
        probes: [],
        creates: 0,
        deletes: 0,
      },
    },
    {
      label: 'a retired group is deleted once its time is up; gone ones are forgotten',
      look: lookAt(ordersSpec(), [poolGroup(0), poolGroup(1), poolGroup(2)]),
      versions: versionsWith({
        retiring: [
          { name: nameOf(1), until: NOW },
          { name: nameOf(2), until: NOW + 1 },
          { name: nameOf(7), until: NOW - 1 },
        ],
      }),
      expected: {
        actions: [`delete ${nameOf(1)} (retired: traffic drained)`],
        counts: counts(2, 0, 1, { '1.0': 2 }),
        retiring: [{ name: nameOf(2), until: NOW + 1 }],
        probes: [],
        creates: 0,
        deletes: 1,
      },
    },
    {
      label: 'the rollout’s creates and probes; probe answers of deleted groups are dropped',
      look: lookAt(ordersSpec(), [
        poolGroup(0),
        poolGroup(1, 'failed'),
        poolGroup(0, 'running', { version: 'v2', fqdn: 't0.test' }),
        poolGroup(1, 'running', { version: 'v2' }),
      ]),
      plan: {
        probes: {
          [nameOf(1)]: { ok: false, at: NOW - 10_000, detail: '503' },
          [nameOf(0, 'v2')]: { ok: false, at: NOW - 10_000, detail: '503' },
        },
      },
      versions: rollingOut({
        creates: 1,
        probe: [
          poolGroup(0, 'running', { version: 'v2', fqdn: 't0.test' }),
          poolGroup(1, 'running', { version: 'v2' }),
        ],
        retire: [],
      }),
      expected: {
        actions: [
          `delete ${nameOf(1)} (failed: unknown)`,
          `create ${nameOf(2, 'v2')} (v2)`,
          `probe ${nameOf(0, 'v2')} t0.test`,
        ],
        counts: counts(3, 1, 1, { '1.0': 1, v2: 3 }),
        retiring: [],
        probes: [nameOf(0, 'v2')],
        creates: 1,
        deletes: 1,
      },
    },
    {
      label: 'a failure backoff holds the rollout’s creates too',
      look: lookAt(ordersSpec(), [poolGroup(0)]),
      versions: rollingOut({ creates: 1 }),
      scale: scaleWith({ backedOff: true }),
      expected: {
        actions: [],
        counts: counts(1, 0, 0, { '1.0': 1 }),
        retiring: [],
        probes: [],
        creates: 0,
        deletes: 0,
      },
    },
  ];

  it.each(cases)('$label', ({ look, plan, versions, scale, expected }) => {
    const slice = { retiring: [], probes: {}, ...plan };
    const stages = { versions: versions ?? versionsWith(), scale: scale ?? scaleWith() };
    // The creates go where the placement stage puts them, every site open.
    const placement = placeGroups({ sites: {} }, look, stages);
    const result = planWrites(slice, look, { ...stages, placement });
    expect(planned(result)).toEqual(expected);
  });
});

describe('plan stage: folding results back in', () => {
  const spec = ordersSpec();
  const state: LookedState = {
    ...initialState('orders'),
    fleet: firstSight(spec, 'h', NOW),
    plan: { retiring: [], probes: {}, counts: counts(1, 2, 0, { '1.0': 3 }) },
  };
  const site = choiceOf(sitesOf(spec)[0] as Site);
  const create = (ordinal: number, placed = true): ControllerAction => ({
    kind: 'create',
    input: {
      pool: 'orders',
      name: nameOf(ordinal),
      version: v1,
      createdAt: '',
      ...(placed ? { site } : {}),
    },
  });
  const refusal = (kind: AzureFailure['kind'], message: string) => ({
    ok: false as const,
    failure: { kind, code: 'ServiceUnavailable', message },
  });
  const quota = refusal(
    'quota',
    "container group quota 'StandardCores' exceeded in region 'westeurope'. Limit: '100', Usage: '100' Requested: '2'.",
  );
  const capacity = refusal('capacity', 'The requested resource is not available in the location');
  const invalid = refusal('invalid', 'bad image');
  it.each([
    {
      label: 'accepted writes change nothing',
      actions: [create(1), create(2)],
      results: [{ ok: true as const }, { ok: true as const }],
      expected: {
        backoff: { failures: 0, until: 0 },
        sites: {},
        counts: state.plan.counts,
        errors: [],
        createRefusals: undefined,
        probes: {},
      },
    },
    {
      label: 'a quota refusal marks its site full (the line Azure named); the pool is not held',
      actions: [create(1), create(2)],
      results: [{ ok: true as const }, quota],
      expected: {
        backoff: { failures: 0, until: 0 },
        sites: {
          westeurope: {
            full: { since: NOW, line: 'StandardCores' },
            backoff: { failures: 0, until: 0 },
            last: quota.failure.message,
          },
        },
        counts: counts(1, 1, 0, { '1.0': 2 }),
        errors: [{ at: NOW, during: `create ${nameOf(2)}`, ...quota.failure }],
        createRefusals: { quota: 1 },
        probes: {},
      },
    },
    {
      label: 'a capacity refusal closes its site for failureBackoffSeconds (30 s) at once',
      actions: [create(1)],
      results: [capacity],
      expected: {
        backoff: { failures: 0, until: 0 },
        sites: {
          westeurope: {
            backoff: { failures: 1, until: NOW + 30_000 },
            last: capacity.failure.message,
          },
        },
        counts: counts(1, 1, 0, { '1.0': 2 }),
        errors: [{ at: NOW, during: `create ${nameOf(1)}`, ...capacity.failure }],
        createRefusals: { capacity: 1 },
        probes: {},
      },
    },
    {
      label: 'any other refusal backs the pool’s creates off, leaves the counts and is shown',
      actions: [create(1)],
      results: [invalid],
      expected: {
        backoff: { failures: 1, until: NOW },
        sites: {},
        counts: counts(1, 1, 0, { '1.0': 2 }),
        errors: [{ at: NOW, during: `create ${nameOf(1)}`, ...invalid.failure }],
        createRefusals: { invalid: 1 },
        probes: {},
      },
    },
    {
      label: 'a refused create scheduled before sites (no site) backs the pool off',
      actions: [create(1, false)],
      results: [quota],
      expected: {
        backoff: { failures: 1, until: NOW },
        sites: {},
        counts: { ...counts(1, 1, 0, { '1.0': 2 }), bySite: { westeurope: 3 } },
        errors: [{ at: NOW, during: `create ${nameOf(1)}`, ...quota.failure }],
        createRefusals: { quota: 1 },
        probes: {},
      },
    },
    {
      label: 'a probe answer is kept for the health check',
      actions: [{ kind: 'probe' as const, input: { pool: 'orders', name: nameOf(1), fqdn: 'x' } }],
      results: [{ ok: true, detail: '200 OK' }],
      expected: {
        backoff: { failures: 0, until: 0 },
        sites: {},
        counts: state.plan.counts,
        errors: [],
        createRefusals: undefined,
        probes: { [nameOf(1)]: { ok: true, at: NOW, detail: '200 OK' } },
      },
    },
  ])('$label', ({ actions, results, expected }) => {
    const next = recordResults(state, actions, results, NOW);
    expect({
      backoff: next.fleet.backoff,
      sites: next.placement.sites,
      counts: next.plan.counts,
      errors: next.log.errors,
      createRefusals: next.log.createRefusals,
      probes: next.plan.probes,
    }).toEqual(expected);
  });
});

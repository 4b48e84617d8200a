import { describe, expect, it } from 'vitest';
import { createGroup } from '../../functions/createGroup';
import { deleteGroup } from '../../functions/deleteGroup';
import { observePool } from '../../functions/observePool';
import { readDepth } from '../../functions/readDepth';
import { AzureError } from '../../shared/azure/errors';
import type { CreateGroupInput } from '../../shared/controller/activities';
import { groupName } from '../../shared/policy/version';
import { newUsageMemory } from '../../shared/watch/usage';
import {
  FakeContainerGroups,
  FakeQueueMetrics,
  FakeReadTurns,
  capacityError,
} from '../fakes/azure';
import { poolInput, poolsOf } from '../fakes/pools';

const NOW = Date.parse('2026-11-22T10:00:00Z');
const pools = poolsOf(
  poolInput('orders', {
    group: {
      containers: [
        {
          name: 'worker',
          image: 'contoso.azurecr.io/worker:1.0',
          ports: [8080],
          environment: { MODE: 'burst' },
          secureEnvironment: { DB_PASSWORD: { fromSetting: 'ORDERS_DB_PASSWORD' } },
        },
      ],
      registry: {
        server: 'contoso.azurecr.io',
        identity:
          '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull',
      },
    },
  }),
  poolInput('invoices'),
);
const settings: Record<string, string> = { ORDERS_DB_PASSWORD: 'hunter2' };
const version = { id: '1.0', images: { worker: 'contoso.azurecr.io/worker:1.0' } };
const input = (ordinal: number): CreateGroupInput => ({
  pool: 'orders',
  name: groupName('orders', '1.0', ordinal),
  version,
  createdAt: new Date(NOW).toISOString(),
});

/** Usage memory of its own for one test, on the test's clock. */
const usageOf = (now: () => number) => ({ memory: newUsageMemory(), now });

/** A read budget that lets every look go unless told otherwise. */
const turns = () => new FakeReadTurns(() => NOW);

function harness() {
  let now = NOW;
  const groups = new FakeContainerGroups(() => now);
  const create = createGroup({
    pools,
    containerGroups: groups,
    readSetting: (n) => settings[n],
    usage: usageOf(() => now),
  });
  return { groups, create, advance: (ms: number) => (now += ms) };
}

describe('createGroup', () => {
  it('sends one PUT with the secret only as secureValue, tags for re-reading, and a DNS label', async () => {
    const { groups, create } = harness();
    const logs: string[] = [];
    expect(await create(input(0), (m) => logs.push(m))).toEqual({ ok: true });
    expect(groups.calls.create).toBe(1);
    const request = groups.created[0];
    expect(request?.containers[0]?.environment).toEqual([
      { name: 'MODE', value: 'burst' },
      { name: 'DB_PASSWORD', secureValue: 'hunter2' },
    ]);
    expect(request?.tags).toEqual({
      'surge-pool': 'orders',
      'surge-version': '1.0',
      'surge-site': 'westeurope',
      'surge-created': '2026-11-22T10:00:00.000Z',
    });
    expect(request?.publicDns).toEqual({ dnsNameLabel: input(0).name, ports: [8080] });
    expect(request?.identities).toEqual([
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull',
    ]);
    expect(JSON.stringify(logs)).not.toContain('hunter2');
  });

  it('is idempotent: the same create twice is one group', async () => {
    const { groups, create } = harness();
    await create(input(0));
    await create(input(0));
    expect(groups.names()).toEqual([input(0).name]);
  });

  it.each([
    {
      label: 'capacity',
      error: capacityError(),
      failure: {
        kind: 'capacity',
        code: 'ServiceUnavailable',
        message:
          'The requested resource is not available in the location westeurope at this moment.',
        status: 409,
      },
    },
    {
      label: 'bad image',
      error: new AzureError(
        'invalid',
        'InaccessibleImage',
        "The image 'w:9' in container group 'x' is not accessible.",
        400,
      ),
      failure: {
        kind: 'invalid',
        code: 'InaccessibleImage',
        message: "The image 'w:9' in container group 'x' is not accessible.",
        status: 400,
      },
    },
  ])('reports a $label failure in Azure’s words, never throwing', async ({ error, failure }) => {
    const { groups, create } = harness();
    groups.failCreates.push(error);
    expect(await create(input(0))).toEqual({ ok: false, failure });
  });

  it('refuses without calling Azure when a secret’s setting is gone, naming pool and field', async () => {
    const groups = new FakeContainerGroups(() => NOW);
    const create = createGroup({
      pools,
      containerGroups: groups,
      readSetting: () => undefined,
      usage: usageOf(() => NOW),
    });
    expect(await create(input(0))).toEqual({
      ok: false,
      failure: {
        kind: 'invalid',
        code: 'MissingSetting',
        message:
          'pool "orders": group.containers[0].secureEnvironment.DB_PASSWORD: app setting ORDERS_DB_PASSWORD is not set',
      },
    });
    expect(groups.calls.create).toBe(0);
  });
});

describe('observePool and deleteGroup', () => {
  it('lists once and reads instance views only of provisioned groups that are due', async () => {
    const { groups, create, advance } = harness();
    for (const i of [0, 1, 2]) await create(input(i));
    advance(60_000); // all three are up now
    await create(input(3)); // still creating
    await createGroup({
      pools,
      containerGroups: groups,
      readSetting: () => '',
      usage: usageOf(() => NOW),
    })({
      ...input(0),
      pool: 'invoices',
      name: groupName('invoices', '1.0', 0),
    });
    const observe = observePool({
      pools,
      containerGroups: groups,
      readTurns: turns(),
      usage: usageOf(() => NOW),
    });
    const seen = await observe({ pool: 'orders', skipInstanceView: [input(0).name] });
    expect(
      seen.found && {
        groups: seen.groups?.map(
          (g) => `${g.name}:${g.provisioningState}:${g.instanceView ? 'view' : 'list'}`,
        ),
        read: seen.instanceViewsRead,
      },
    ).toEqual({
      groups: [
        `${input(0).name}:Succeeded:list`,
        `${input(1).name}:Succeeded:view`,
        `${input(2).name}:Succeeded:view`,
        `${input(3).name}:Creating:list`,
      ],
      read: [input(1).name, input(2).name],
    });
    expect(groups.calls).toMatchObject({ list: 1, get: 2 });
  });

  it('reports a pool that is no longer configured, and a listing failure as data', async () => {
    const { groups } = harness();
    const observe = observePool({
      pools,
      containerGroups: groups,
      readTurns: turns(),
      usage: usageOf(() => NOW),
    });
    expect(await observe({ pool: 'gone', skipInstanceView: [] })).toEqual({ found: false });
    groups.failLists.push(new AzureError('throttled', 'TooManyRequests', 'Too many requests', 429));
    const result = await observe({ pool: 'orders', skipInstanceView: [] });
    expect(result.found && result.failure).toEqual({
      kind: 'throttled',
      code: 'TooManyRequests',
      message: 'Too many requests',
      status: 429,
    });
  });

  it('waits for its turn while ARM throttles reads, and queues for one when a list is throttled', async () => {
    const { groups, create } = harness();
    await create(input(0));
    const readTurns = turns();
    const observe = observePool({
      pools,
      containerGroups: groups,
      readTurns,
      usage: usageOf(() => NOW),
    });
    readTurns.answers.push({ go: false, at: NOW + 6000 });
    const waiting = await observe({ pool: 'orders', skipInstanceView: [] });
    const readsWhileWaiting = { ...groups.calls };
    groups.failLists.push(new AzureError('throttled', 'TooManyRequests', 'Too many requests', 429));
    readTurns.answers.push({ go: true }, { go: false, at: NOW + 12_000 });
    const throttled = await observe({ pool: 'orders', skipInstanceView: [] });
    const looked = await observe({ pool: 'orders', skipInstanceView: [] });
    expect({
      waiting: waiting.found && {
        turnAt: waiting.turnAt,
        code: waiting.failure?.code,
        groups: waiting.groups,
      },
      readsWhileWaiting: { list: readsWhileWaiting.list, get: readsWhileWaiting.get },
      throttled: throttled.found && { turnAt: throttled.turnAt, kind: throttled.failure?.kind },
      looked: looked.found && { turnAt: looked.turnAt, groups: looked.groups?.length },
      asked: readTurns.asked.map((a) => a.pool),
      looks: readTurns.looks,
    }).toEqual({
      waiting: { turnAt: NOW + 6000, code: 'WaitingForReadTurn', groups: undefined },
      readsWhileWaiting: { list: 0, get: 0 },
      throttled: { turnAt: NOW + 12_000, kind: 'throttled' },
      looked: { turnAt: undefined, groups: 1 },
      asked: ['orders', 'orders', 'orders', 'orders'],
      looks: [1], // the list; a group still creating has no instance view due
    });
  });

  it('deletes, and treats an absent group as deleted', async () => {
    const { groups, create } = harness();
    await create(input(0));
    const del = deleteGroup({ pools, containerGroups: groups, usage: usageOf(() => NOW) });
    expect(await del({ pool: 'orders', name: input(0).name, reason: 'scale-in' })).toEqual({
      ok: true,
    });
    expect(await del({ pool: 'orders', name: input(0).name, reason: 'scale-in' })).toEqual({
      ok: true,
    });
    expect(groups.names()).toEqual([]);
  });
});

describe('quota usage between observePool, createGroup and deleteGroup', () => {
  it('two pools in a region share one read a minute; accepted creates and deletes count at once', async () => {
    let now = NOW;
    const groups = new FakeContainerGroups(() => now);
    const usage = usageOf(() => now);
    const create = createGroup({ pools, containerGroups: groups, readSetting: () => 'x', usage });
    const del = deleteGroup({ pools, containerGroups: groups, usage });
    const observe = observePool({ pools, containerGroups: groups, readTurns: turns(), usage });
    const cores = async (pool: string) => {
      const seen = await observe({ pool, skipInstanceView: [] });
      return seen.found ? seen.quota?.westeurope?.usage.cores?.current : undefined;
    };
    const seen: (number | undefined)[] = [await cores('orders'), await cores('invoices')];
    // orders' groups have 1 core each: two created, then one deleted, within the minute.
    await create(input(0));
    await create(input(1));
    seen.push(await cores('invoices'));
    const frees = { location: 'westeurope', cores: 1, spot: false };
    await del({ pool: 'orders', name: input(0).name, reason: 'scale-in', frees });
    seen.push(await cores('invoices'));
    const readsInTheMinute = groups.calls.usage;
    now += 60_000;
    seen.push(await cores('orders'));
    expect({ seen, readsInTheMinute, reads: groups.calls.usage }).toEqual({
      seen: [0, 0, 2, 1, 1],
      readsInTheMinute: 1,
      reads: 2,
    });
  });
});

describe('readDepth', () => {
  it.each([
    {
      label: 'a queue',
      set: 17,
      result: { ok: true, sample: { at: NOW, active: 17, deadLetter: 0, scheduled: 0 } },
    },
    {
      label: 'a missing queue',
      set: undefined,
      result: {
        ok: false,
        failure: {
          kind: 'notFound',
          code: 'EntityNotFound',
          message: 'orders not found in contoso.servicebus.windows.net',
        },
      },
    },
  ])('reads $label', async ({ set, result }) => {
    const metrics = new FakeQueueMetrics();
    if (set !== undefined) metrics.set('contoso.servicebus.windows.net', 'orders', set);
    expect(
      await readDepth({ pools, queueMetrics: metrics, now: () => NOW })({ pool: 'orders' }),
    ).toEqual(result);
    expect(metrics.calls.get).toBe(1);
  });
});

describe('observePool keeps its result small (it is stored in history and re-read on every replay)', () => {
  it('leaves out a spec the controller holds, and events of running groups', async () => {
    const { groups, create, advance } = harness();
    await create(input(0));
    advance(60_000);
    const observe = observePool({
      pools,
      containerGroups: groups,
      readTurns: turns(),
      usage: usageOf(() => NOW),
    });
    const first = await observe({ pool: 'orders', skipInstanceView: [] });
    const hash = first.found ? first.specHash : '';
    const again = await observe({ pool: 'orders', skipInstanceView: [], knownSpec: hash });
    expect({
      firstHasSpec: first.found && first.spec !== undefined,
      againHasSpec: again.found && again.spec !== undefined,
      sameHash: again.found && again.specHash === hash,
      events: again.found ? again.groups?.map((g) => g.instanceView?.events.length) : [],
      tags: again.found ? Object.keys(again.groups?.[0]?.tags ?? {}).sort() : [],
    }).toEqual({
      firstHasSpec: true,
      againHasSpec: false,
      sameHash: true,
      events: [0],
      tags: ['surge-created', 'surge-pool', 'surge-site', 'surge-version'],
    });
  });
});

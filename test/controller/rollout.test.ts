import { afterEach, describe, expect, it } from 'vitest';
import type { PoolSpecInput } from '../../shared/config/poolSpec';
import type { ControllerSignal } from '../../shared/controller/signal';
import { installRuntime } from '../../shared/runtime';
import { versionHash } from '../../shared/policy/version';
import { poolInput } from '../fakes/pools';
import { Harness } from './harness';

afterEach(() => installRuntime(undefined));

const REGISTRY = 'contoso.azurecr.io';
const V2 = `sha256:${'2'.repeat(64)}`;
const V3 = `sha256:${'3'.repeat(64)}`;

/** A web pool of 3 groups behind Traffic Manager that follows contoso.azurecr.io/worker. */
function webPool(overrides: Partial<PoolSpecInput> = {}): Partial<PoolSpecInput> {
  return {
    minGroups: 3,
    group: {
      containers: [{ name: 'worker', image: `${REGISTRY}/worker:1.0`, ports: [8080] }],
      registry: {
        server: REGISTRY,
        identity:
          '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/pull',
      },
    },
    trafficManager: { profile: 'orders-tm' },
    follow: { repository: 'worker' },
    scaling: { mode: 'drain', startupSeconds: 30, learn: false },
    ...overrides,
  };
}

function push(digest: string, eventId = `evt-${digest.slice(7, 11)}`): ControllerSignal {
  return {
    kind: 'push',
    at: 0,
    push: { eventId, registry: REGISTRY, repository: 'worker', tag: 'latest', digest },
  };
}

/** Groups by version id (from the surge-version tag). */
function versions(h: Harness): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of h.groups.groups.values()) {
    const v = g.request.tags['surge-version'] ?? '?';
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

/**
 * Moves virtual time on in 10-second steps (the controller polls every 10 s during a rollout),
 * checking after each that some enabled endpoint is Online, until `done` or `limitSeconds`.
 */
async function runChecked(
  h: Harness,
  limitSeconds: number,
  done: () => boolean,
): Promise<{ seconds: number; gaps: number[] }> {
  const gaps: number[] = [];
  let seconds = 0;
  for (; seconds < limitSeconds && !done(); seconds += 10) {
    await h.engine.advanceBy(10_000);
    if (h.router.servingOnline().length === 0) gaps.push(seconds + 10);
  }
  return { seconds, gaps };
}

/** Starts the pool and waits until its 3 groups serve behind Online endpoints. */
async function steady(h: Harness): Promise<void> {
  await h.start();
  await h.depth(0);
  const { gaps } = await runChecked(h, 300, () => h.router.servingOnline().length === 3);
  expect(h.router.servingOnline()).toHaveLength(3);
  void gaps; // before the first endpoint is Online there is nothing to serve yet
}

describe('rollouts, through the durable-functions replay code', () => {
  it('push v2: v2 comes up, walks the canary, takes all traffic; v1 is drained and deleted', async () => {
    const h = new Harness(
      webPool({ rollout: { canary: [{ weightPercent: 10, bakeSeconds: 120 }] } }),
    );
    await steady(h);
    await h.signal(push(V2));
    const run = await runChecked(
      h,
      1800,
      () =>
        JSON.stringify(versions(h)) === JSON.stringify({ [V2]: 3 }) &&
        h.router.endpoints.size === 3,
    );
    expect({ gaps: run.gaps, versions: versions(h) }).toEqual({ gaps: [], versions: { [V2]: 3 } });
    const endpoints = [...h.router.endpoints.values()].map((e) => ({
      weight: e.weight,
      enabled: e.enabled,
    }));
    expect(endpoints).toEqual(Array(3).fill({ weight: 100, enabled: true }));
    // The canary step gave each of 3 new endpoints weight 11 next to 3 old at 100: 9.9 % of traffic.
    expect(h.router.history.some((e) => e.weight === 11 && e.enabled)).toBe(true);
    const status = h.status();
    expect({
      version: status.version,
      last: status.lastRollout?.outcome,
      rollout: status.rollout,
    }).toEqual({
      version: V2,
      last: 'completed',
      rollout: null,
    });
    // Every v2 group runs the pushed digest, pinned.
    for (const g of h.groups.groups.values())
      expect(g.request.containers[0]?.image).toBe(`${REGISTRY}/worker@${V2}`);
  });

  it('a v2 whose endpoints turn Degraded is rolled back: v1 keeps serving, the digest is marked bad', async () => {
    const h = new Harness(webPool());
    await steady(h);
    const v1Endpoints = [...h.router.endpoints.keys()].sort();
    h.router.healthy = (target) => !target.includes(versionHash(V2));
    await h.signal(push(V2));
    const run = await runChecked(
      h,
      600,
      () => h.status().lastRollout?.outcome === 'rolledBack' && !(V2 in versions(h)),
    );
    expect({
      gaps: run.gaps,
      versions: versions(h),
      endpoints: [...h.router.endpoints.keys()].sort(),
    }).toEqual({
      gaps: [],
      versions: { '1.0': 3 },
      endpoints: v1Endpoints,
    });
    const status = h.status();
    expect(status.lastRollout?.reason).toMatch(/Degraded: health probes failing/);
    expect(status.badVersions.map((b) => b.id)).toEqual([V2]);
    // The same digest pushed again does not roll; a new one does.
    await h.signal(push(V2, 'evt-again'));
    expect(h.status().rollout).toBeNull();
    h.router.healthy = () => true;
    await h.signal(push(V3));
    await runChecked(h, 900, () => JSON.stringify(versions(h)) === JSON.stringify({ [V3]: 3 }));
    expect(versions(h)).toEqual({ [V3]: 3 });
  });

  it('a v2 that never becomes healthy is rolled back at the deadline', async () => {
    const h = new Harness(webPool({ rollout: { healthyTimeoutSeconds: 300 } }));
    await steady(h);
    h.router.checkSeconds = 100_000; // v2 endpoints stay CheckingEndpoint; v1's restart is not needed
    for (const e of h.router.endpoints.values()) e.since -= 200_000_000; // keep v1 Online
    await h.signal(push(V2));
    const run = await runChecked(h, 900, () => h.status().lastRollout?.outcome === 'rolledBack');
    expect(run.gaps).toEqual([]);
    expect(h.status().lastRollout?.reason).toMatch(/^0 of 3 new groups healthy after 300 s/);
    expect(versions(h)).toEqual({ '1.0': 3 });
  });

  it('a push of v3 during v2’s rollout supersedes it: v2 is removed, v3 wins', async () => {
    const h = new Harness(
      webPool({ rollout: { canary: [{ weightPercent: 20, bakeSeconds: 600 }] } }),
    );
    await steady(h);
    await h.signal(push(V2));
    await runChecked(h, 120, () => h.status().rollout?.phase === 'canary');
    expect(h.status().rollout?.phase).toBe('canary');
    await h.signal(push(V3));
    const run = await runChecked(
      h,
      2400,
      () =>
        JSON.stringify(versions(h)) === JSON.stringify({ [V3]: 3 }) &&
        h.router.endpoints.size === 3,
    );
    expect({ gaps: run.gaps, versions: versions(h), badVersions: h.status().badVersions }).toEqual({
      gaps: [],
      versions: { [V3]: 3 },
      badVersions: [],
    });
    expect(h.groups.deleted.filter((n) => n.includes(versionHash(V2)))).toHaveLength(3);
  });

  it('the same event delivered twice has one effect', async () => {
    const h = new Harness(webPool());
    await steady(h);
    const before = h.groups.calls.create;
    await h.signal(push(V2, 'evt-1'));
    await h.signal(push(V2, 'evt-1'));
    expect(h.groups.calls.create - before).toBe(3);
    expect(h.status().lastDecision?.reason).toMatch(/event evt-1 already delivered/);
  });

  it('a new version that fails to provision is rolled back', async () => {
    const h = new Harness(webPool());
    await steady(h);
    for (let i = 0; i < 6; i++) h.groups.failProvisioning.add(`orders-${versionHash(V2)}-${i}`);
    await h.signal(push(V2));
    await runChecked(h, 300, () => h.status().lastRollout?.outcome === 'rolledBack');
    expect(h.status().lastRollout?.reason).toMatch(/InsufficientCapacity/);
    expect(versions(h)).toEqual({ '1.0': 3 });
  });

  it('without Traffic Manager, new groups are probed over HTTP before the old ones go', async () => {
    const h = new Harness(webPool({ trafficManager: undefined }));
    await h.start();
    await h.depth(0);
    await h.engine.advanceBy(60_000);
    await h.signal(push(V2));
    await runChecked(h, 600, () => JSON.stringify(versions(h)) === JSON.stringify({ [V2]: 3 }));
    expect(versions(h)).toEqual({ [V2]: 3 });
    expect(new Set(h.prober.probes.map((p) => `${p.port}${p.path}`))).toEqual(
      new Set(['8080/healthz']),
    );
    expect(h.router.calls.put).toBe(0);
  });

  it('a queue worker without ports counts as healthy after running minReadySeconds', async () => {
    const h = new Harness(
      webPool({
        trafficManager: undefined,
        group: { containers: [{ name: 'worker', image: `${REGISTRY}/worker:1.0` }] },
        rollout: { minReadySeconds: 60 },
      }),
    );
    await h.start();
    await h.depth(0);
    await h.engine.advanceBy(60_000);
    await h.signal(push(V2));
    const run = await runChecked(
      h,
      600,
      () => JSON.stringify(versions(h)) === JSON.stringify({ [V2]: 3 }),
    );
    // 30 s to start + 60 s ready + 30 s drain, polled every 10 s.
    expect(run.seconds).toBeGreaterThanOrEqual(120);
    expect(h.prober.probes).toEqual([]);
  });

  it('a pool at zero groups switches version at once; its next groups run it', async () => {
    const h = new Harness(webPool({ minGroups: 0 }));
    await h.start();
    await h.depth(0);
    await h.signal(push(V2));
    expect(h.status()).toMatchObject({ version: V2, lastRollout: { outcome: 'completed' } });
    await h.depth(500);
    expect(Object.keys(versions(h))).toEqual([V2]);
  });

  it('scaling keeps working during a rollout: a burst adds stable groups, and v2 follows', async () => {
    const h = new Harness(
      webPool({
        rollout: { canary: [{ weightPercent: 10, bakeSeconds: 300 }] },
        scaling: { mode: 'drain', startupSeconds: 30, learn: false, messagesPerSecondPerGroup: 1 },
      }),
    );
    await steady(h);
    await h.signal(push(V2));
    await h.engine.advanceBy(20_000);
    await h.depth(2700); // 2700 / (1·270) = 10 groups
    expect(versions(h)['1.0']).toBe(10);
    await runChecked(h, 1800, () => JSON.stringify(versions(h)) === JSON.stringify({ [V2]: 10 }));
    expect(versions(h)).toEqual({ [V2]: 10 });
  });
  const { location: _one, ...azure } = poolInput('orders').azure;
  const twoRegions = [{ location: 'westeurope' }, { location: 'northeurope' }];
  it.each([
    {
      label: 'spread: v2 comes up beside v1 in each region',
      pool: { placementStrategy: 'spread' as const },
      westeuropeCores: 100,
      v1: { '1.0 westeurope': 2, '1.0 northeurope': 2 },
      v2: { [`${V2} westeurope`]: 2, [`${V2} northeurope`]: 2 },
    },
    {
      label: 'fill at a quota wall (2 cores in westeurope): v2 comes up where the quota has room',
      pool: {},
      westeuropeCores: 2,
      v1: { '1.0 westeurope': 2, '1.0 northeurope': 2 },
      v2: { [`${V2} northeurope`]: 4 },
    },
  ])(
    'a pool behind Traffic Manager spans regions; a rollout retires v1 in every one ($label)',
    async ({ pool, westeuropeCores, v1, v2 }) => {
      const h = new Harness(webPool({ azure, minGroups: 4, placements: twoRegions, ...pool }));
      h.groups.quotas.set('westeurope', {
        containerGroups: 100,
        cores: westeuropeCores,
        spotCores: 0,
      });
      await h.start();
      await h.depth(0);
      await runChecked(h, 300, () => h.router.servingOnline().length === 4);
      const where = () => {
        const out: Record<string, number> = {};
        for (const g of h.groups.groups.values()) {
          const k = `${g.request.tags['surge-version']} ${g.request.location}`;
          out[k] = (out[k] ?? 0) + 1;
        }
        return out;
      };
      const before = where();
      await h.signal(push(V2));
      const run = await runChecked(
        h,
        1800,
        () =>
          JSON.stringify(versions(h)) === JSON.stringify({ [V2]: 4 }) &&
          h.router.endpoints.size === 4,
      );
      // One global profile, its endpoints the groups' public names in whichever region.
      const targets = [...h.router.endpoints.values()].map((e) => e.target.split('.')[1]).sort();
      const regions = Object.keys(v2).flatMap((k) =>
        Array<string>(v2[k] ?? 0).fill(k.split(' ')[1] ?? ''),
      );
      expect({
        before,
        gaps: run.gaps,
        after: where(),
        targets,
        outcome: h.status().lastRollout?.outcome,
      }).toEqual({
        before: v1,
        gaps: [],
        after: v2,
        targets: regions.sort(),
        outcome: 'completed',
      });
    },
  );
});

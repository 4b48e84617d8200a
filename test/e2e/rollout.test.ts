import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { driveVirtualTime } from '../../local/host/virtualTime';
import type { Stack } from '../../local/stack';
import { LOCAL_TOKEN, emulatorOf } from '../../local/stack';
import { createAzurePorts } from '../../shared/azure';
import { StaticTokenCredential } from '../../shared/azure/credentials';
import type { EndpointSnapshot } from '../../shared/azure/ports';
import { readSettings } from '../../shared/config/settings';
import type { PoolStatus } from '../../shared/controller/status';
import { poolInput } from '../fakes/pools';
import { startTestStack, stopTestStacks } from './stack';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const REGISTRY = 'e2e.azurecr.io';
const SECRET = 'e2e-webhook-secret-0123456789abcdef';
const V2 = `sha256:${'2'.repeat(64)}`;
const V3 = `sha256:${'3'.repeat(64)}`;
const BAD = `sha256:${'b'.repeat(64)}`;
let stack: Stack | undefined;

afterEach(async () => {
  stack = undefined;
  await stopTestStacks();
});

/** A web pool of 3 groups behind Traffic Manager, on the local host, engine and emulator. */
function start(clock: VirtualClock): Promise<Stack> {
  return startTestStack(
    clock,
    [
      poolInput('web', {
        serviceBus: { namespace: 'rollout.servicebus.windows.net', queue: 'web' },
        group: { containers: [{ name: 'web', image: `${REGISTRY}/web:1.0`, ports: [8080] }] },
        minGroups: 3,
        maxGroups: 6,
        trafficManager: { profile: 'web-tm' },
        follow: { registry: REGISTRY, repository: 'web' },
        rollout: {
          canary: [{ weightPercent: 20, bakeSeconds: 60 }],
          drainSeconds: 10,
          healthyTimeoutSeconds: 300,
        },
      }),
    ],
    {
      settings: { SURGE_ACR_WEBHOOK_SECRET: SECRET },
      emulator: {
        images: {
          [`${REGISTRY}/web`]: {
            drainRate: 0,
            warmUp: 500,
            pull: 5000,
            health: { startup: 2000, degradedProbability: 0 },
          },
          // This version never answers its health probes.
          [`${REGISTRY}/web@${BAD}`]: {
            drainRate: 0,
            warmUp: 500,
            pull: 5000,
            health: { startup: 2000, degradedProbability: 1 },
          },
        },
        provisioning: { pending: 3000 },
      },
    },
  );
}

/** Pushes a digest through the ACR webhook, as ACR would. */
async function push(s: Stack, digest: string, id: string): Promise<number> {
  const res = await fetch(`${s.host.url}/api/webhooks/acr`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-surge-webhook-secret': SECRET },
    body: JSON.stringify({
      id,
      timestamp: new Date(T0).toISOString(),
      action: 'push',
      target: {
        mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        digest,
        repository: 'web',
        tag: 'latest',
      },
      request: { id: `r-${id}`, host: REGISTRY, method: 'PUT', useragent: 'docker' },
    }),
  });
  return res.status;
}

/** The profile's endpoints, read through Surge's real Traffic Manager adapter. */
async function endpoints(s: Stack): Promise<EndpointSnapshot[]> {
  const emu = emulatorOf(s);
  const ports = createAzurePorts(readSettings({ ...emu.settings }), {
    credential: new StaticTokenCredential(LOCAL_TOKEN),
    tls: { ca: emu.caCertPem },
  });
  const profile = await ports.trafficRouter.getProfile({
    subscriptionId: '00000000-0000-0000-0000-000000000000',
    resourceGroup: 'rg-workers',
    profile: 'web-tm',
  });
  return [...(profile?.endpoints ?? [])];
}

function status(s: Stack): PoolStatus {
  return s.engine.getStatus('surge-pool-web')?.customStatus as PoolStatus;
}

/** Versions of the pool's groups as the emulator holds them. */
function versions(s: Stack): string[] {
  return emulatorOf(s)
    .control.groups()
    .filter((g) => g.pool === 'web')
    .map((g) => g.images[0] ?? '?')
    .sort();
}

/**
 * Moves virtual time in 5 s steps until `done`, checking after each step that at least one
 * endpoint is enabled and Online (the "no downtime" invariant); returns the steps that broke it.
 */
async function run(
  s: Stack,
  clock: VirtualClock,
  seconds: number,
  done: () => boolean,
): Promise<number[]> {
  const gaps: number[] = [];
  for (let t = 0; t < seconds && !done(); t += 5) {
    await driveVirtualTime(s.host, clock.now() + 5000);
    const serving = (await endpoints(s)).filter((e) => e.enabled && e.monitorStatus === 'Online');
    if (serving.length === 0) gaps.push(t + 5);
  }
  return gaps;
}

async function steady(clock: VirtualClock): Promise<Stack> {
  const s = await start(clock);
  await driveVirtualTime(s.host, T0 + 10_000);
  await s.engine.raiseEvent('surge-pool-web', 'signal', {
    kind: 'depth',
    at: clock.now(),
    active: 0,
    deadLetter: 0,
    scheduled: 0,
  });
  const ready = async () =>
    (await endpoints(s)).filter((e) => e.enabled && e.monitorStatus === 'Online').length === 3;
  for (let t = 0; t < 300 && !(await ready()); t += 5)
    await driveVirtualTime(s.host, clock.now() + 5000);
  expect(await ready()).toBe(true);
  return s;
}

const only = (digest: string) => Array<string>(3).fill(`${REGISTRY}/web@${digest}`);

describe('rollouts end to end (local host, engine, emulator, real SDK clients)', () => {
  it('push v2: v2 takes 100 % of the traffic, v1 is gone, and an endpoint served at every moment', async () => {
    const clock = new VirtualClock(T0);
    stack = await steady(clock);
    expect(await push(stack, V2, 'evt-v2')).toBe(202);
    const s = stack;
    const gaps = await run(
      s,
      clock,
      900,
      () => versions(s).join() === only(V2).join() && status(s).rollout === null,
    );
    const final = await endpoints(s);
    expect({
      gaps,
      versions: versions(s),
      endpoints: final.map((e) => ({
        weight: e.weight,
        enabled: e.enabled,
        monitorStatus: e.monitorStatus,
      })),
      last: status(s).lastRollout?.outcome,
    }).toEqual({
      gaps: [],
      versions: only(V2),
      endpoints: Array(3).fill({ weight: 100, enabled: true, monitorStatus: 'Online' }),
      last: 'completed',
    });
  });

  it('a v2 that never gets healthy is rolled back; v1 still serves 100 %', async () => {
    const clock = new VirtualClock(T0);
    stack = await steady(clock);
    const before = (await endpoints(stack)).map((e) => e.name).sort();
    expect(await push(stack, BAD, 'evt-bad')).toBe(202);
    const s = stack;
    const gaps = await run(
      s,
      clock,
      900,
      () => status(s).lastRollout?.outcome === 'rolledBack' && versions(s).length === 3,
    );
    const after = await endpoints(s);
    expect({
      gaps,
      versions: versions(s),
      endpoints: after.map((e) => e.name).sort(),
      serving: after.every((e) => e.enabled && e.weight === 100),
      bad: status(s).badVersions.map((b) => b.id),
    }).toEqual({
      gaps: [],
      versions: Array(3).fill(`${REGISTRY}/web:1.0`),
      endpoints: before,
      serving: true,
      bad: [BAD],
    });
    expect(status(s).lastRollout?.reason).toMatch(/Degraded|healthy after/);
  });

  it('a push of v3 during v2’s rollout: v3 wins', async () => {
    const clock = new VirtualClock(T0);
    stack = await steady(clock);
    expect(await push(stack, V2, 'evt-v2')).toBe(202);
    const s = stack;
    await run(s, clock, 300, () => status(s).rollout?.phase === 'canary');
    expect(status(s).rollout?.target).toBe(V2);
    expect(await push(s, V3, 'evt-v3')).toBe(202);
    const gaps = await run(
      s,
      clock,
      1200,
      () => versions(s).join() === only(V3).join() && status(s).rollout === null,
    );
    expect({ gaps, versions: versions(s), last: status(s).lastRollout?.outcome }).toEqual({
      gaps: [],
      versions: only(V3),
      last: 'completed',
    });
  });
});

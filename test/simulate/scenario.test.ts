import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_PRICES,
  DEFAULT_START,
  ScenarioError,
  loadScenario,
  parseScenario,
} from '../../local/simulate/scenario';
import { burstScenario, simPool } from './fixtures';

/** The problems a scenario is refused with, or [] when it is accepted. */
async function problemsOf(raw: unknown, baseDir?: string): Promise<readonly string[]> {
  try {
    await parseScenario(raw, { source: 'test.json', ...(baseDir ? { baseDir } : {}) });
    return [];
  } catch (e) {
    if (e instanceof ScenarioError) return e.problems;
    throw e;
  }
}

const base = burstScenario();

describe('scenario validation names the field', () => {
  const cases: { label: string; raw: unknown; problems: string[] }[] = [
    {
      label: 'duration missing',
      raw: { ...base, duration: undefined },
      problems: ['duration: required (number)'],
    },
    {
      label: 'duration not positive',
      raw: { ...base, duration: 0 },
      problems: ['duration: Too small: expected number to be >0'],
    },
    {
      label: 'unknown top-level field',
      raw: { ...base, durationSeconds: 60 },
      problems: ['(root): Unrecognized key: "durationSeconds" (durationSeconds)'],
    },
    {
      label: 'start not a time',
      raw: { ...base, start: 'yesterday' },
      problems: ['start: must be an ISO 8601 time, e.g. 2025-01-01T00:00:00Z'],
    },
    {
      label: 'seed not an integer',
      raw: { ...base, seed: 1.5 },
      problems: ['seed: Invalid input: expected int, received number'],
    },
    {
      label: 'a pool field',
      raw: {
        ...base,
        pools: {
          pools: [simPool('orders', { scaling: { mode: 'drain', targetDrainSeconds: 0 } })],
        },
      },
      problems: [
        'pools: pool "orders" (pools[0]): scaling.targetDrainSeconds: Too small: expected number to be >=1',
      ],
    },
    {
      label: 'a pools file that does not exist',
      raw: { ...base, pools: 'no-such-pools.json' },
      problems: [
        `pools: cannot read ${path.resolve('no-such-pools.json')}: ENOENT: no such file or directory, open '${path.resolve('no-such-pools.json')}'`,
      ],
    },
    {
      label: 'an arrival schedule',
      raw: { ...base, workload: { orders: [{ kind: 'constant', rate: -1 }] } },
      problems: [
        'workload.orders[0].rate: Too small: expected number to be >=0',
        'workload.orders[0]: rate and times must be >= 0',
      ],
    },
    {
      label: 'workload of an unknown pool',
      raw: { ...base, workload: { billing: [{ kind: 'constant', rate: 1 }] } },
      problems: ['workload.billing: no pool "billing" (pools: orders)'],
    },
    {
      label: 'an event after the end',
      raw: { ...base, events: [{ at: 5000, action: 'pause', pool: 'orders' }] },
      problems: ['events[0].at: 5000 is after the end of the scenario (1200 s)'],
    },
    {
      label: 'an event of an unknown action',
      raw: { ...base, events: [{ at: 10, action: 'explode', pool: 'orders' }] },
      problems: [
        "events[0].action: Invalid discriminator value. Expected 'push' | 'scale' | 'clearScale' | 'pause' | 'resume' | 'enqueue' | 'arrivals' | 'armErrors' | 'faults' | 'limits'",
      ],
    },
    {
      label: 'an event for an unknown pool',
      raw: { ...base, events: [{ at: 10, action: 'scale', pool: 'billing', count: 2 }] },
      problems: ['events[0].pool: no pool "billing" (pools: orders)'],
    },
    {
      label: 'a push to a pool that follows nothing',
      raw: { ...base, events: [{ at: 10, action: 'push', pool: 'orders', tag: '2.0' }] },
      problems: ['events[0].pool: pool "orders" follows no repository (set "follow" in its spec)'],
    },
    {
      label: 'a push to a pool whose registry is unknown',
      raw: {
        ...base,
        pools: { pools: [simPool('orders', { follow: { repository: 'worker' } })] },
        events: [{ at: 10, action: 'push', pool: 'orders', tag: '2.0' }],
      },
      problems: [
        'events[0].pool: pool "orders" names no registry (set follow.registry or group.registry)',
      ],
    },
    {
      label: 'a scale count below 0',
      raw: { ...base, events: [{ at: 10, action: 'scale', pool: 'orders', count: -1 }] },
      problems: ['events[0].count: Too small: expected number to be >=0'],
    },
    {
      label: 'a fault rate above 1',
      raw: { ...base, events: [{ at: 10, action: 'faults', faults: { armServerErrorRate: 2 } }] },
      problems: ['events[0].faults.armServerErrorRate: Too big: expected number to be <=1'],
    },
    {
      label: 'emulator arrivals instead of workload',
      raw: {
        ...base,
        emulator: { workload: { arrivals: [{ namespace: 'x', entity: 'y', schedules: [] }] } },
      },
      problems: [
        'emulator.workload.arrivals: arrivals go in the scenario’s top-level "workload", by pool',
      ],
    },
    {
      label: 'an emulator image knob',
      raw: { ...base, emulator: { images: { 'sim.azurecr.io/worker': { drainRate: -5 } } } },
      problems: [
        'emulator.images.sim.azurecr.io/worker.drainRate: Too small: expected number to be >=0',
      ],
    },
    {
      label: 'a negative price',
      raw: { ...base, prices: { vcpuSecond: -1 } },
      problems: ['prices.vcpuSecond: Too small: expected number to be >=0'],
    },
    {
      label: 'a setting name that is not one',
      raw: { ...base, settings: { 'NOT A NAME': 'x' } },
      problems: ['settings.NOT A NAME: Invalid key in record'],
    },
    { label: 'the fixture itself', raw: base, problems: [] },
  ];
  for (const c of cases) {
    it(c.label, async () => {
      expect(await problemsOf(c.raw)).toEqual(c.problems);
    });
  }
});

describe('defaults and files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'surge-scenario-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('fills in every default', async () => {
    const s = await parseScenario({ duration: 60, pools: { pools: [simPool('orders')] } });
    expect({
      name: s.name,
      seed: s.seed,
      start: s.start,
      sampleSeconds: s.sampleSeconds,
      burstThreshold: s.burstThreshold,
      emulator: s.emulator,
      workload: s.workload,
      events: s.events,
      prices: s.prices,
      settings: s.settings,
      policies: s.policies,
      pools: s.poolsConfig.pools.map((p) => p.name),
    }).toEqual({
      name: 'scenario',
      seed: 1,
      start: DEFAULT_START,
      sampleSeconds: 5,
      burstThreshold: 100,
      emulator: {},
      workload: {},
      events: [],
      prices: DEFAULT_PRICES,
      settings: {},
      policies: {},
      pools: ['orders'],
    });
  });

  it('reads a pools document next to the scenario, and sorts events by time', async () => {
    await writeFile(path.join(dir, 'pools.json'), JSON.stringify({ pools: [simPool('orders')] }));
    const file = path.join(dir, 'my-scenario.json');
    await writeFile(
      file,
      JSON.stringify({
        duration: 600,
        pools: 'pools.json',
        events: [
          { at: 300, action: 'resume', pool: 'orders' },
          { at: 100, action: 'pause', pool: 'orders' },
          { at: 300, action: 'enqueue', pool: 'orders', count: 5 },
        ],
      }),
    );
    const s = await loadScenario(file);
    expect({
      name: s.name,
      pools: s.poolsConfig.pools.map((p) => p.name),
      events: s.events.map((e) => `${e.at} ${e.action}`),
    }).toEqual({
      name: 'my-scenario',
      pools: ['orders'],
      events: ['100 pause', '300 resume', '300 enqueue'],
    });
  });

  it('refuses a file that is not JSON, naming the root', async () => {
    const file = path.join(dir, 'broken.json');
    await writeFile(file, '{"duration": ');
    await expect(loadScenario(file)).rejects.toMatchObject({
      name: 'ScenarioError',
      problems: [expect.stringMatching(/^\(root\): not valid JSON: /)],
    });
  });
});

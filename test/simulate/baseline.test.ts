/**
 * Consumers outside Surge, end to end through simulate: a VM fleet drains the queue at 20/s
 * (the emulator's `workload.consumers`), arrivals are 5/s, and a burst of 3,000 lands at 10 min.
 * The fleet alone clears it in 200 s, inside the 300 s target. Stated in the pool spec
 * (`baselineMessagesPerSecond`), Surge starts no group for it; unstated, it starts some for the
 * first burst, then sees the fleet's drain in the falling queue and sizes for the rest.
 */
import { describe, expect, it } from 'vitest';
import type { PoolReport } from '../../local/simulate/report';
import { simulate } from '../../local/simulate/run';
import { parseScenario } from '../../local/simulate/scenario';

const NS = 'sim.servicebus.windows.net';

async function run(baseline: number | undefined): Promise<PoolReport> {
  const doc = {
    duration: 1500,
    pools: {
      pools: [
        {
          name: 'jobs',
          serviceBus: { namespace: NS, queue: 'jobs' },
          azure: {
            subscriptionId: '00000000-0000-0000-0000-000000000000',
            resourceGroup: 'rg',
            location: 'westeurope',
          },
          group: { containers: [{ name: 'worker', image: 'sim.azurecr.io/worker:1.0' }] },
          minGroups: 0,
          maxGroups: 20,
          scaling: {
            mode: 'drain',
            targetDrainSeconds: 300,
            messagesPerSecondPerGroup: 5,
            startupSeconds: 30,
            ...(baseline !== undefined ? { baselineMessagesPerSecond: baseline } : {}),
          },
        },
      ],
    },
    emulator: {
      images: { 'sim.azurecr.io/worker': { drainRate: 5, warmUp: 2000, pull: 12000 } },
      provisioning: { pending: 5000 },
      workload: { consumers: [{ namespace: NS, entity: 'jobs', rate: 20 }] },
    },
    workload: {
      jobs: [
        { kind: 'constant', rate: 5 },
        { kind: 'burst', atMs: 600_000, count: 3000 },
      ],
    },
  };
  const { report } = await simulate(await parseScenario(doc));
  return report.pools[0] as PoolReport;
}

describe('consumers outside Surge, through simulate', () => {
  it('sizes ACI for what the fleet cannot do: nothing, when the fleet meets the target', async () => {
    const [stated, unstated] = [await run(15), await run(undefined)];
    expect({
      stated: {
        groups: stated.placement.groupsCreated,
        drained: stated.messages.backlogAtEnd === 0,
        withinTarget: (stated.waitSeconds.max ?? Infinity) <= 300,
      },
      unstated: { startedSome: unstated.placement.groupsCreated > 0 },
    }).toEqual({
      stated: { groups: 0, drained: true, withinTarget: true },
      unstated: { startedSome: true },
    });
  }, 60_000);
});

/**
 * Small scenarios for the simulator's tests: one pool on its own queue and resource group, a
 * worker image that drains 5 messages/s per group, and fixed provisioning latencies, so runs are
 * short (a few seconds of wall time) and their numbers easy to reason about.
 */
import type { ScenarioInput } from '../../local/simulate/scenario';

const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';

/** A pool document entry for `name` (drain policy unless `scaling` says otherwise). */
export function simPool(
  name: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    name,
    serviceBus: { namespace: 'sim.servicebus.windows.net', queue: name },
    azure: { subscriptionId: SUBSCRIPTION, resourceGroup: `rg-${name}`, location: 'westeurope' },
    group: { containers: [{ name: 'worker', image: 'sim.azurecr.io/worker:1.0' }] },
    minGroups: 1,
    maxGroups: 8,
    scaling: {
      mode: 'drain',
      targetDrainSeconds: 120,
      messagesPerSecondPerGroup: 5,
      startupSeconds: 20,
    },
    ...overrides,
  };
}

/** A 20-minute scenario: 1 msg/s, and 2000 messages at minute 2. */
export function burstScenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'test-burst',
    duration: 1200,
    seed: 3,
    pools: { pools: [simPool('orders')] },
    emulator: {
      images: { 'sim.azurecr.io/worker': { drainRate: 5, warmUp: 1000, pull: 8000 } },
      provisioning: { pending: { kind: 'uniform', min: 2000, max: 6000 } },
    },
    workload: {
      orders: [
        { kind: 'constant', rate: 1 },
        { kind: 'burst', atMs: 120_000, count: 2000 },
      ],
    },
    ...overrides,
  };
}

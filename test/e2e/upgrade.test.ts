/**
 * An upgrade of Surge under a running controller, end to end on the local host, engine and
 * emulator. The pool's controller is replaced, mid-burst, by one an earlier Surge would have
 * started — the same state, recorded as orchestration version 1 — and the app (whose host.json
 * says version 2) keeps running: the old instance finishes its execution under the new code, hands
 * over instead of continuing as new, and the pool's controller runs again at version 2 from the
 * state it handed over. The burst drains and the pool ends at its minimum, with no group
 * left behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock';
import { driveVirtualTime } from '../../local/host/virtualTime';
import type { Stack } from '../../local/stack';
import { emulatorOf } from '../../local/stack';
import { CONTROLLER_ORCHESTRATION, controllerInstanceId } from '../../shared/controller/signal';
import { CONTROLLER_VERSION } from '../../shared/controller/upgrade';
import { startOrdersStack, stopTestStacks } from './stack';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const NS = 'upgrade.servicebus.windows.net';
const ID = controllerInstanceId('orders');

afterEach(() => stopTestStacks());

function start(clock: VirtualClock): Promise<Stack> {
  return startOrdersStack(clock, NS, 'upgrade.azurecr.io');
}

/** The version the controller's current execution recorded. */
function versionOf(stack: Stack): string | undefined {
  const history = stack.engine.getStatus(ID, { showHistory: true })?.history ?? [];
  // The status API names event types, as the Durable HTTP API does.
  const started = history.find((e) => e.EventType === 'ExecutionStarted');
  return typeof started?.Version === 'string' ? started.Version : undefined;
}

describe('an upgrade of Surge under a running controller', () => {
  it('the old controller hands over at the end of its execution and the pool converges', async () => {
    const clock = new VirtualClock(T0);
    const stack = await start(clock);
    const emulator = emulatorOf(stack).control;
    await driveVirtualTime(stack.host, T0 + 60_000);
    emulator.enqueue(NS, 'orders', 3000);
    await driveVirtualTime(stack.host, T0 + 120_000);
    const before = { version: versionOf(stack), groups: emulator.groups().length };

    // An earlier Surge's controller: the same state, recorded as version 1.
    const carried = stack.engine.getStatus(ID, { showInput: true })?.input;
    await stack.engine.terminate(ID, 'replaced by an earlier version for the test');
    await stack.engine.startNew(CONTROLLER_ORCHESTRATION, {
      instanceId: ID,
      input: carried,
      version: '1',
    });
    const seen = new Set<string>();
    let handedOver = false;
    for (let t = 130; t <= 1800; t += 10) {
      await driveVirtualTime(stack.host, T0 + t * 1000);
      seen.add(versionOf(stack) ?? '(none)');
      const status = stack.engine.getStatus(ID);
      const output = status?.output as { ended?: string } | null | undefined;
      if (status?.runtimeStatus === 'Completed' && output?.ended === 'upgrade') handedOver = true;
    }
    const groups = emulator.groups();
    expect({
      before,
      handedOver,
      versionsSeen: [...seen].sort(),
      now: { version: versionOf(stack), runtime: stack.engine.getStatus(ID)?.runtimeStatus },
      queue: emulator.queue(NS, 'orders')?.depth,
      // Back at minGroups, nothing failed or stopped left behind.
      groups: groups.map((g) => g.phase),
    }).toEqual({
      before: { version: CONTROLLER_VERSION, groups: expect.any(Number) as number },
      handedOver: true,
      versionsSeen: ['1', CONTROLLER_VERSION].sort(),
      now: { version: CONTROLLER_VERSION, runtime: 'Running' },
      queue: 0,
      groups: ['Running'],
    });
  });
});

import type { DurableClient } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { initialState } from '../../shared/controller/state';
import { handoverOf } from '../../shared/controller/upgrade';
import { durableControllers } from '../../shared/durable/controllers';

/**
 * A hand-written Durable client with settable instance states: unknown instances answer the
 * client's 404 error, ended ones take events silently (as the real client does for a 410).
 */
class FakeDurableClient {
  readonly states = new Map<string, string>();
  /** What an ended instance returned. */
  readonly outputs = new Map<string, unknown>();
  readonly inputs: unknown[] = [];
  readonly calls: string[] = [];
  getStatus(id: string): Promise<{ runtimeStatus: string; customStatus: null; output?: unknown }> {
    this.calls.push(`getStatus ${id}`);
    const s = this.states.get(id);
    if (s === undefined)
      return Promise.reject(
        new Error(
          'DurableClient error: Durable Functions extension replied with HTTP 404 response.',
        ),
      );
    const output = this.outputs.get(id);
    return Promise.resolve({
      runtimeStatus: s,
      customStatus: null,
      ...(output !== undefined ? { output } : {}),
    });
  }
  startNew(_name: string, options: { instanceId: string; input?: unknown }): Promise<string> {
    this.calls.push(`startNew ${options.instanceId}`);
    this.inputs.push(options.input);
    this.states.set(options.instanceId, 'Running');
    return Promise.resolve(options.instanceId);
  }
  raiseEvent(id: string): Promise<void> {
    this.calls.push(`raiseEvent ${id}`);
    return this.states.has(id)
      ? Promise.resolve()
      : Promise.reject(new Error(`No instance with ID '${id}' found.`));
  }
}

describe('durableControllers', () => {
  it('starts a missing controller, then trusts it for a minute, then checks again', async () => {
    const fake = new FakeDurableClient();
    let now = 0;
    // The fake covers the three calls the port makes; the rest of DurableClient is not used.
    const controllers = durableControllers(fake as unknown as DurableClient, () => now);
    const signal = { kind: 'scaleIn' as const, at: 0 };
    const outcomes = [await controllers.signal('a', signal)];
    now = 30_000;
    outcomes.push(await controllers.signal('a', signal));
    fake.states.set('surge-pool-a', 'Failed'); // it ended inside the minute
    now = 61_000;
    outcomes.push(await controllers.signal('a', signal));
    expect({ outcomes, calls: fake.calls }).toEqual({
      outcomes: ['started', 'signalled', 'started'],
      calls: [
        'getStatus surge-pool-a',
        'startNew surge-pool-a',
        'raiseEvent surge-pool-a',
        'raiseEvent surge-pool-a', // trusted: no status read
        'getStatus surge-pool-a', // the minute is over: checked, found ended, restarted
        'startNew surge-pool-a',
        'raiseEvent surge-pool-a',
      ],
    });
  });

  it('checks at once when a trusted controller turns out unknown (a new task hub)', async () => {
    const fake = new FakeDurableClient();
    const controllers = durableControllers(fake as unknown as DurableClient, () => 0);
    await controllers.signal('b', { kind: 'scaleIn', at: 0 });
    fake.states.clear();
    fake.calls.length = 0;
    expect(await controllers.signal('b', { kind: 'scaleIn', at: 0 })).toBe('started');
    expect(fake.calls).toEqual([
      'raiseEvent surge-pool-b',
      'getStatus surge-pool-b',
      'startNew surge-pool-b',
      'raiseEvent surge-pool-b',
    ]);
  });

  it.each([
    {
      label: 'a controller that handed over to a new version: its successor gets its state',
      output: handoverOf(undefined, { ...initialState('c'), pool: 'c' }),
      input: { pool: 'c', state: initialState('c'), handover: { from: '' } },
    },
    {
      label: 'a controller that ended otherwise: its successor starts afresh',
      output: { ended: 'pool no longer configured', pool: 'c' },
      input: { pool: 'c' },
    },
  ])('$label', async ({ output, input }) => {
    const fake = new FakeDurableClient();
    fake.states.set('surge-pool-c', 'Completed');
    fake.outputs.set('surge-pool-c', output);
    const controllers = durableControllers(fake as unknown as DurableClient, () => 0);
    expect(await controllers.ensure('c')).toBe('started');
    expect(fake.inputs).toEqual([input]);
  });
});

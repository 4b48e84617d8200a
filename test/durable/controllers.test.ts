import type { DurableClient } from 'durable-functions';
import { describe, expect, it } from 'vitest';
import { durableControllers } from '../../shared/durable/controllers';

/**
 * A hand-written Durable client with settable instance states: unknown instances answer the
 * client's 404 error, ended ones take events silently (as the real client does for a 410).
 */
class FakeDurableClient {
  readonly states = new Map<string, string>();
  readonly calls: string[] = [];
  getStatus(id: string): Promise<{ runtimeStatus: string; customStatus: null }> {
    this.calls.push(`getStatus ${id}`);
    const s = this.states.get(id);
    if (s === undefined)
      return Promise.reject(
        new Error(
          'DurableClient error: Durable Functions extension replied with HTTP 404 response.',
        ),
      );
    return Promise.resolve({ runtimeStatus: s, customStatus: null });
  }
  startNew(_name: string, options: { instanceId: string }): Promise<string> {
    this.calls.push(`startNew ${options.instanceId}`);
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
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerSignal } from '../../shared/controller/signal';
import { CONTROLLER_ORCHESTRATION, SIGNAL_EVENT } from '../../shared/controller/signal';
import { installRuntime } from '../../shared/runtime';
import type { HistoryEvent } from '../../local/durable/history';
import { h } from '../../local/durable/history';
import { replayEpisode } from '../../local/durable/replay';
import { invokeTimer } from '../../local/host/invoke';
import { groupName } from '../../shared/policy/version';
import { capacityError } from '../fakes/azure';
import { poolInput, poolsOf } from '../fakes/pools';
import { Harness, ID, NS, T0 } from './harness';

let harness: Harness;
afterEach(() => installRuntime(undefined));

describe('pool controller, through the durable-functions replay code', () => {
  describe('a burst', () => {
    beforeEach(async () => {
      harness = new Harness({
        scaling: { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false },
        controller: { maxParallelWrites: 20 },
      });
      await harness.start();
    });

    it('fans out every create in one step, and polls them to running with durable timers', async () => {
      // 3000 waiting at 1/s per group, 270 s to drain after a 30 s start-up: ceil(3000/270) = 12.
      await harness.depth(3000);
      expect(harness.writesPerEpisode()).toEqual([[12, 0]]);
      expect(harness.groups.calls.create).toBe(12);
      expect(harness.status().groups).toMatchObject({ pending: 12, running: 0 });
      await harness.engine.advanceBy(40_000); // provisioning poll timers find them running
      expect(harness.status().groups).toMatchObject({ pending: 0, running: 12 });
      expect(harness.groups.calls.create).toBe(12);
    });

    it('makes no ARM writes while the pool is steady', async () => {
      await harness.depth(3000);
      await harness.engine.advanceBy(40_000);
      const writes = { ...harness.groups.calls };
      for (let i = 0; i < 8; i++) {
        await harness.engine.advanceBy(15_000);
        await harness.depth(3000 - 150 * (i + 1)); // draining as planned
      }
      expect([harness.groups.calls.create, harness.groups.calls.delete]).toEqual([
        writes.create,
        writes.delete,
      ]);
    });
  });

  it('replaces a group failed for capacity once its site has waited 30 s', async () => {
    harness = new Harness({
      minGroups: 2,
      scaling: { mode: 'drain', startupSeconds: 30, learn: false },
    });
    // Ordinal 1 fails for lack of capacity, and so does its replacement (ordinal 2).
    harness.groups.failProvisioning.add(groupName('orders', '1.0', 1));
    harness.groups.failProvisioning.add(groupName('orders', '1.0', 2));
    await harness.start();
    expect(harness.groups.names()).toHaveLength(2);
    await harness.depth(0);
    // ordinal 1 failed for capacity: deleted, and its site (the only one) closed for 30 s
    expect(harness.groups.deleted).toEqual([groupName('orders', '1.0', 1)]);
    expect(harness.status().errors.at(-1)).toMatchObject({
      kind: 'capacity',
      message: expect.stringContaining('InsufficientCapacity') as unknown,
    });
    const closed = harness.clock.now();
    expect(harness.status().sites.map((s) => [s.site, s.state, s.until])).toEqual([
      ['westeurope', 'unavailable', new Date(closed + 30_000).toISOString()],
    ]);
    expect(harness.groups.calls.create).toBe(2);
    // the controller wakes when the site opens, and replaces the group (ordinal 2)
    await harness.engine.advanceBy(30_000);
    expect(harness.groups.calls.create).toBe(3);
    // the replacement fails too and closes the site again (30 s: ordinal 0 started meanwhile,
    // which shows the site has capacity, so the count in a row starts over)
    await harness.depth(0);
    expect(harness.status().sites[0]).toMatchObject({
      state: 'unavailable',
      until: new Date(harness.clock.now() + 30_000).toISOString(),
    });
  });

  it('scales in only on the tick, after the stabilization window, youngest first', async () => {
    harness = new Harness({
      scaling: {
        mode: 'drain',
        messagesPerSecondPerGroup: 1,
        startupSeconds: 30,
        learn: false,
        scaleInStabilizationSeconds: 300,
        scaleInMaxFraction: 0.5,
      },
      controller: { maxParallelWrites: 20 },
    });
    await harness.start();
    await harness.depth(540); // 540/270 = 2 groups
    await harness.engine.advanceBy(20_000);
    await harness.depth(2700); // more work: 10 groups, the 8 new ones younger
    const before = harness.groups.names();
    expect(before).toHaveLength(10);
    await harness.engine.advanceBy(40_000);
    await harness.depth(0);
    await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
    expect(harness.groups.names()).toEqual(before); // the window still remembers 10
    await harness.engine.advanceBy(300_000);
    await harness.depth(0);
    await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
    expect(harness.groups.names()).toHaveLength(5); // at most half per tick
    const survivors = harness.groups.names();
    const oldest = harness.groups.created.slice(0, 2).map((r) => r.name);
    expect(oldest.every((n) => survivors.includes(n))).toBe(true);
    const sizes: number[] = [];
    for (let tick = 0; tick < 10 && harness.groups.names().length > 0; tick++) {
      await harness.engine.advanceBy(60_000);
      await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
      sizes.push(harness.groups.names().length);
    }
    expect(sizes).toEqual([3, 2, 1, 0]); // 5 → 3 → 2 → 1 → 0: at most half (at least one) per tick
  });

  it.each([
    {
      label: 'an instance of an older version hands over at the end of its execution',
      input: { pool: 'orders' },
      runtime: 'Completed',
    },
    {
      // The runtime records no versions: handing over again would repeat at every execution.
      label: 'a successor the runtime gave no version continues as new, across executions',
      input: { pool: 'orders', handover: { from: '' } },
      runtime: 'Running',
    },
  ])('$label', async ({ input, runtime }) => {
    harness = new Harness({ scaling: { mode: 'drain', learn: false } });
    harness.engine.defaultVersion = undefined; // instances record no version
    await harness.start(input);
    // Over two executions of five iterations each (a completed instance takes no more signals).
    for (let i = 0; i < 12 && harness.engine.getStatus(ID)?.runtimeStatus === 'Running'; i++) {
      await harness.depth(i);
    }
    expect(harness.engine.getStatus(ID)?.runtimeStatus).toBe(runtime);
  });

  it('keeps a scale-in tick that met throttled ARM reads for the pool turn, and shrinks then', async () => {
    harness = new Harness({
      scaling: {
        mode: 'drain',
        messagesPerSecondPerGroup: 1,
        startupSeconds: 30,
        learn: false,
        scaleInStabilizationSeconds: 60,
        scaleInMaxFraction: 1,
      },
    });
    await harness.start();
    await harness.depth(540); // 540/270 = 2 groups
    await harness.engine.advanceBy(40_000);
    await harness.depth(0);
    await harness.engine.advanceBy(60_000);
    await harness.depth(0);
    const turnAt = harness.clock.now() + 6000;
    harness.readTurns.turnAt = turnAt; // ARM throttles: this pool's turn is in 6 s
    const asked = harness.readTurns.asked.length;
    await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
    const atTick = {
      groups: harness.groups.names().length,
      readTurnAt: harness.status().readTurnAt,
    };
    await harness.engine.advanceBy(2000);
    await harness.depth(0); // a reading before the turn: recorded, no look
    const asksBeforeTurn = harness.readTurns.asked.length - asked;
    await harness.engine.advanceBy(4000); // the turn: the controller wakes and looks, for the tick
    expect({
      atTick,
      asksBeforeTurn,
      atTurn: {
        groups: harness.groups.names().length,
        readTurnAt: harness.status().readTurnAt,
        trigger: harness.status().lastDecision?.trigger,
        errors: harness.status().errors.length,
      },
    }).toEqual({
      atTick: { groups: 2, readTurnAt: new Date(turnAt).toISOString() },
      asksBeforeTurn: 1, // the tick's look, refused; the reading asked nothing
      // minGroups is 0 here; waiting for a turn is not an error
      atTurn: { groups: 0, readTurnAt: null, trigger: 'scaleIn', errors: 0 },
    });
  });

  it('keeps busy groups while a backlog lasts, then holds only what was recommended for the break-even time', async () => {
    harness = new Harness({
      scaling: { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false },
      controller: { maxParallelWrites: 20 },
    });
    await harness.start();
    await harness.depth(2700); // 10 groups
    await harness.engine.advanceBy(60_000);
    // 900 left: the formula alone would ask for 3, but all 10 groups are draining.
    await harness.depth(900);
    await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
    const busy = harness.groups.names().length;
    const reason = harness.status().lastDecision?.reason;
    // The backlog is gone 15 s later: no arrivals, so the hold is the 30 s start-up, and what it
    // holds is the highest recommendation within it: 3, for the 900 of 15 s ago.
    await harness.engine.advanceBy(15_000);
    await harness.depth(0);
    await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
    const inHold = harness.groups.names().length;
    await harness.engine.advanceBy(30_000);
    await harness.depth(0);
    await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
    expect({
      busy,
      reason: /every group has work/.test(reason ?? ''),
      inHold,
      after: harness.groups.names().length,
    }).toEqual({ busy: 10, reason: true, inHold: 3, after: 0 });
  });

  it('learns batches every 20 minutes and has groups running before the next one lands', async () => {
    harness = new Harness({
      scaling: { mode: 'drain', messagesPerSecondPerGroup: 5, startupSeconds: 30, learn: false },
      controller: { maxParallelWrites: 20 },
    });
    await harness.start();
    // Batches of 3000 land at 1, 21 and 41 minutes; the running groups drain 5/s each (the
    // queue below follows them); the depth watch reads every 15 s, the scale-in tick comes
    // every minute.
    let depth = 0;
    for (let s = 0; s <= 56 * 60; s += 15) {
      if (s % 1200 === 60) depth += 3000;
      await harness.depth(depth);
      if (s % 60 === 0) await harness.signal({ kind: 'scaleIn', at: harness.clock.now() });
      await harness.engine.advanceBy(15_000);
      depth = Math.max(0, depth - 5 * 15 * (harness.status().groups?.running ?? 0));
    }
    const learned = harness.status().estimates?.recurrence;
    const before = harness.groups.names().length;
    // Up to 60:30 with no signal: the controller wakes on its own 45 s before 61:00.
    await harness.engine.advanceBy(T0 + 60.5 * 60_000 - harness.clock.now());
    expect({
      learned,
      before,
      warm: harness.groups.names().length,
      reason: /2 ready for the batch of about 3000 expected at 11:01:00 \(every 1200 s\)/.test(
        harness.status().lastDecision?.reason ?? '',
      ),
    }).toEqual({
      learned: { periodSeconds: 1200, nextAt: '2026-11-22T11:01:00.000Z', size: 3000, misses: 0 },
      before: 0,
      // 3000 messages at 5/s per group within the 300 s target: ceil(3000 / 1500) = 2.
      warm: 2,
      reason: true,
    });
  });

  it('holds while paused, and acts on resume', async () => {
    harness = new Harness({
      scaling: { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false },
    });
    await harness.start();
    await harness.signal({ kind: 'pause', at: harness.clock.now(), reason: 'maintenance' });
    await harness.depth(5000);
    await harness.engine.advanceBy(600_000);
    expect(harness.groups.calls.create).toBe(0);
    expect(harness.status().paused).toEqual({
      since: '2026-11-22T10:00:00.000Z',
      reason: 'maintenance',
    });
    await harness.signal({ kind: 'resume', at: harness.clock.now() });
    expect(harness.groups.calls.create).toBeGreaterThan(0);
  });

  it('keeps history bounded: it continues as new, carrying its state', async () => {
    harness = new Harness({
      minGroups: 1,
      scaling: { mode: 'drain', startupSeconds: 30, learn: false },
    });
    await harness.start();
    let longest = 0;
    for (let i = 0; i < 60; i++) {
      await harness.engine.advanceBy(15_000);
      await harness.depth(0);
      longest = Math.max(longest, harness.engine.history(ID).length);
    }
    expect(harness.engine.executions(ID)).toBeGreaterThanOrEqual(6);
    expect(longest).toBeLessThan(120);
    const status = harness.status();
    expect(status.groups).toMatchObject({ running: 1 });
    expect(status.depth?.at).toBe(new Date(harness.clock.now()).toISOString());
  });

  it('ends, leaving the groups alone, when its pool leaves the configuration', async () => {
    harness = new Harness({ minGroups: 1 });
    await harness.start();
    installRuntime({
      ...(await import('../../shared/runtime')).runtime(),
      pools: poolsOf(poolInput('other')),
    });
    await harness.depth(10);
    const status = harness.engine.getStatus(ID);
    expect([status?.runtimeStatus, status?.output]).toEqual([
      'Completed',
      { ended: 'pool no longer configured', pool: 'orders' },
    ]);
    expect(harness.groups.names()).toHaveLength(1);
  });

  it('is woken by the depth watch through the real Durable client and HTTP API', async () => {
    harness = new Harness({
      scaling: { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false },
    });
    await harness.start();
    harness.metrics.set(NS, 'orders', 540);
    const server = await harness.engine.listen();
    try {
      await invokeTimer(
        harness.registry,
        'depthWatch',
        {},
        { durableClient: harness.engine.clientBindingData() },
      );
      await harness.engine.runUntilIdle();
    } finally {
      await server.close();
    }
    expect(harness.metrics.calls.listQueues).toBe(1);
    expect(harness.groups.calls.create).toBe(2);
    expect(harness.status().depth?.active).toBe(540);
  });

  it('surfaces a capacity error from ARM in the status, in Azure’s words', async () => {
    harness = new Harness({
      scaling: { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false },
    });
    await harness.start();
    harness.groups.failCreates.push(capacityError(), capacityError());
    await harness.depth(540);
    expect(harness.status().errors.map((e) => `${e.during}: ${e.kind} ${e.code}`)).toEqual([
      expect.stringMatching(/^create orders-[0-9a-f]{8}-0: capacity ServiceUnavailable$/),
      expect.stringMatching(/^create orders-[0-9a-f]{8}-1: capacity ServiceUnavailable$/),
    ]);
  });
});

describe('pool controller, fed a hand-written history', () => {
  it('answers a depth signal with one observation, then all creates in one Task.all', async () => {
    harness = new Harness({
      scaling: { mode: 'drain', messagesPerSecondPerGroup: 1, startupSeconds: 30, learn: false },
      controller: { maxParallelWrites: 20 },
    });
    await import('../../functions/index');
    const spec = (await import('../../shared/runtime')).runtime().pools.byName.get('orders');
    const replay = (history: HistoryEvent[]) =>
      replayEpisode({
        registry: harness.registry,
        functionName: CONTROLLER_ORCHESTRATION,
        instanceId: ID,
        input: { pool: 'orders' },
        history,
      });
    const depth: ControllerSignal = {
      kind: 'depth',
      at: T0,
      active: 3000,
      deadLetter: 0,
      scheduled: 0,
    };
    const started = [
      h.orchestratorStarted(T0),
      h.executionStarted(T0, {
        name: CONTROLLER_ORCHESTRATION,
        input: { pool: 'orders' },
        instanceId: ID,
      }),
    ];
    const waited = [...started, h.timerCreated(T0, 0, T0), h.orchestratorCompleted(T0)];
    const signalled = [
      ...waited,
      h.orchestratorStarted(T0 + 1000),
      h.eventRaised(T0 + 1000, SIGNAL_EVENT, depth),
    ];
    const first = await replay(signalled);
    expect(first.actions[0]?.map((a) => a.actionType)).toEqual([11, 0]); // WhenAny(timer, event), then CallActivity
    expect(first.actions[0]?.[1]).toMatchObject({ functionName: 'observePool' });

    const observed = [
      ...signalled,
      h.taskScheduled(T0 + 1000, 1, 'observePool'),
      h.orchestratorCompleted(T0 + 1000),
      h.orchestratorStarted(T0 + 2000),
      h.taskCompleted(T0 + 2000, 1, {
        found: true,
        spec,
        specHash: 'h',
        groups: [],
        instanceViewsRead: [],
      }),
    ];
    const second = await replay(observed);
    const fanOut = second.actions[0]?.[2] as {
      actionType: number;
      compoundActions: { functionName: string }[];
    };
    expect(fanOut.actionType).toBe(12); // WhenAll
    expect(fanOut.compoundActions.map((a) => a.functionName)).toEqual(
      Array<string>(12).fill('createGroup'),
    );
  });
});

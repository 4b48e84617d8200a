import { describe, expect, it } from 'vitest';
import type { RegionUsage } from '../../shared/azure/ports';
import type { UsageEntry } from '../../shared/watch/usage';
import {
  USAGE_READ_EVERY_MS,
  afterRead,
  newUsageMemory,
  reserveUsage,
  sharedUsage,
  usageKey,
  usageSeen,
} from '../../shared/watch/usage';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const lines = (groups: number, cores: number, spot = 0): RegionUsage => ({
  containerGroups: { current: groups, limit: 100 },
  cores: { current: cores, limit: 100 },
  spotCores: { current: spot, limit: 50 },
});

describe('usageSeen and afterRead: a read plus the creates accepted since', () => {
  const entry: UsageEntry = {
    read: { at: T0, usage: lines(45, 90) },
    reserved: [
      { at: T0 + 1000, groups: 1, cores: 2, spot: false },
      { at: T0 + 2000, groups: 1, cores: 2, spot: false },
      { at: T0 + 2200, groups: -1, cores: -2, spot: false },
      { at: T0 + 2300, groups: 1, cores: 2, spot: false },
      { at: T0 + 3000, groups: 1, cores: 4, spot: true },
    ],
  };
  it.each([
    {
      label: 'three 2-core Regular groups created, one deleted, one 4-core Spot group created',
      run: () => usageSeen(entry),
      expected: { at: T0, usage: lines(48, 94, 4) },
    },
    {
      label: 'a read sent after a reservation counts it: the reservation ends',
      run: () => afterRead(lines(47, 94), T0 + 2500, entry).reserved,
      expected: [{ at: T0 + 3000, groups: 1, cores: 4, spot: true }],
    },
    {
      label: 'a line the region does not report stays unreported',
      run: () =>
        usageSeen({ ...entry, read: { at: T0, usage: { cores: { current: 1, limit: 10 } } } }),
      expected: { at: T0, usage: { cores: { current: 5, limit: 10 } } },
    },
  ])('$label', ({ run, expected }) => {
    expect(run()).toEqual(expected);
  });
});

describe('sharedUsage: one read a minute per subscription and region, for every pool', () => {
  it('serves pools from one read, adds accepted creates, and reads again after a minute', async () => {
    const memory = newUsageMemory();
    let now = T0;
    const reads: string[] = [];
    const read = (usage: RegionUsage) => () => {
      reads.push(new Date(now).toISOString());
      return Promise.resolve(usage);
    };
    const key = usageKey('SUB', 'West Europe');
    // Two pools look at once: one read.
    const [a, b] = await Promise.all([
      sharedUsage(memory, key, read(lines(10, 20)), () => now),
      sharedUsage(memory, usageKey('sub', 'westeurope'), read(lines(99, 99)), () => now),
    ]);
    now += 10_000;
    reserveUsage(memory, key, { at: now, groups: 1, cores: 4, spot: false });
    const c = await sharedUsage(memory, key, read(lines(99, 99)), () => now);
    now = T0 + USAGE_READ_EVERY_MS;
    const d = await sharedUsage(memory, key, read(lines(11, 24)), () => now);
    expect({ a, b, c, d, reads, left: memory.entries.get(key)?.reserved }).toEqual({
      a: { at: T0, usage: lines(10, 20) },
      b: { at: T0, usage: lines(10, 20) },
      c: { at: T0, usage: lines(11, 24) },
      d: { at: T0 + 60_000, usage: lines(11, 24) },
      reads: ['2026-11-22T10:00:00.000Z', '2026-11-22T10:01:00.000Z'],
      left: [],
    });
  });

  it('a failed read throws once; for a minute pools get the stale entry without reading', async () => {
    const memory = newUsageMemory();
    let now = T0;
    let calls = 0;
    const key = usageKey('sub', 'westeurope');
    const answer = (r: () => Promise<RegionUsage>) => () => {
      calls += 1;
      return r();
    };
    const ask = (r: () => Promise<RegionUsage>) => sharedUsage(memory, key, answer(r), () => now);
    const ok = (usage: RegionUsage) => () => Promise.resolve(usage);
    const fail = () => Promise.reject(new Error('403 AuthorizationFailed'));
    await ask(ok(lines(1, 1)));
    now += USAGE_READ_EVERY_MS;
    await expect(ask(fail)).rejects.toThrow('403');
    now += 30_000;
    const stale = await ask(fail);
    now += 30_000;
    const fresh = await ask(ok(lines(2, 2)));
    expect({ stale, fresh, calls, inFlight: memory.reads.size }).toEqual({
      stale: { at: T0, usage: lines(1, 1) },
      fresh: { at: now, usage: lines(2, 2) },
      calls: 3,
      inFlight: 0,
    });
  });

  it('with no read ever answered, pools get nothing for a minute after a failure', async () => {
    const memory = newUsageMemory();
    const key = usageKey('sub', 'westeurope');
    const fail = () => Promise.reject(new Error('403 AuthorizationFailed'));
    await expect(sharedUsage(memory, key, fail, () => T0)).rejects.toThrow('403');
    expect(await sharedUsage(memory, key, fail, () => T0 + 59_000)).toBeUndefined();
    await expect(sharedUsage(memory, key, fail, () => T0 + 60_000)).rejects.toThrow('403');
  });

  it('a create accepted before any read is left to the first read', () => {
    const memory = newUsageMemory();
    reserveUsage(memory, usageKey('sub', 'westeurope'), {
      at: T0,
      groups: 1,
      cores: 2,
      spot: false,
    });
    expect(memory.entries.size).toBe(0);
  });
});

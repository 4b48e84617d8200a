import { describe, expect, it } from 'vitest';
import type { EntityDepth } from '../../shared/azure/ports';
import type { ControllerSignal, DepthReading } from '../../shared/controller/signal';
import type { PoolSignal } from '../../shared/watch/depthSignals';
import {
  RESIGNAL_UNCHANGED_MS,
  byNamespace,
  listingOf,
  readSignals,
  repeatsLast,
  unreadSignals,
  watchReport,
} from '../../shared/watch/depthSignals';
import { poolInput, poolsOf } from '../fakes/pools';

const AT = Date.parse('2026-11-22T10:00:00Z');
const NS = 'contoso.servicebus.windows.net';
const pools = poolsOf(
  poolInput('orders'),
  poolInput('billing', {
    serviceBus: { namespace: 'CONTOSO.servicebus.windows.net', queue: 'Billing' },
  }),
  poolInput('audit', { serviceBus: { namespace: NS, topic: 'events', subscription: 'audit' } }),
  poolInput('mail', { serviceBus: { namespace: NS, topic: 'events', subscription: 'mail' } }),
  poolInput('eu', { serviceBus: { namespace: 'fabrikam.servicebus.windows.net', queue: 'eu' } }),
).pools;
const named = (...names: string[]) => pools.filter((p) => names.includes(p.name));
const depth = (entity: string, active: number): EntityDepth => ({
  entity,
  active,
  deadLetter: 1,
  scheduled: 2,
});

describe('depth watch: who is read together, and what is listed', () => {
  it('groups pools by namespace, whatever its case, in document order', () => {
    expect(byNamespace(pools).map((g) => g.map((p) => p.name))).toEqual([
      ['orders', 'billing', 'audit', 'mail'],
      ['eu'],
    ]);
  });

  it.each([
    {
      label: 'queues only',
      pools: named('orders', 'billing'),
      expected: { queues: true, topics: [] },
    },
    {
      label: 'one topic for two subscriptions',
      pools: named('audit', 'mail'),
      expected: { queues: false, topics: ['events'] },
    },
    {
      label: 'both',
      pools: named('orders', 'audit'),
      expected: { queues: true, topics: ['events'] },
    },
  ])('lists $label', ({ pools: p, expected }) => {
    expect(listingOf(p)).toEqual(expected);
  });
});

describe('depth watch: the signal each pool gets', () => {
  const cases: { label: string; signals: () => PoolSignal[]; expected: PoolSignal[] }[] = [
    {
      label: 'a reading per listed entity, matched case-insensitively; a missing one fails',
      signals: () =>
        readSignals(
          named('orders', 'billing', 'audit'),
          NS,
          new Map([
            ['orders', depth('orders', 40)],
            ['billing', depth('billing', 0)],
          ]),
          AT,
        ),
      expected: [
        {
          pool: 'orders',
          signal: { kind: 'depth', at: AT, active: 40, deadLetter: 1, scheduled: 2 },
        },
        {
          pool: 'billing',
          signal: { kind: 'depth', at: AT, active: 0, deadLetter: 1, scheduled: 2 },
        },
        {
          pool: 'audit',
          signal: {
            kind: 'depthFailed',
            at: AT,
            error: `events/Subscriptions/audit not found in ${NS}`,
          },
        },
      ],
    },
    {
      label: 'an unreadable namespace fails every pool in it, in Azure’s words',
      signals: () =>
        unreadSignals(
          named('orders', 'mail'),
          NS,
          { kind: 'auth', code: 'Unauthorized', message: 'no role' },
          AT,
        ),
      expected: ['orders', 'mail'].map((pool) => ({
        pool,
        signal: { kind: 'depthFailed' as const, at: AT, error: `${NS}: Unauthorized: no role` },
      })),
    },
  ];
  it.each(cases)('$label', ({ signals, expected }) => {
    expect(signals()).toEqual(expected);
  });
});

describe('depth watch: an unchanged reading is not sent again for a minute', () => {
  const last: DepthReading = { at: AT, active: 0, deadLetter: 0, scheduled: 0 };
  const reading = (changes: Partial<DepthReading>): ControllerSignal => ({
    kind: 'depth',
    ...last,
    ...changes,
  });
  it.each([
    {
      label: 'nothing sent yet',
      last: undefined,
      signal: reading({ at: AT + 15_000 }),
      repeats: false,
    },
    {
      label: 'the same counts 15 s later',
      last,
      signal: reading({ at: AT + 15_000 }),
      repeats: true,
    },
    {
      label: 'the same counts a minute later',
      last,
      signal: reading({ at: AT + RESIGNAL_UNCHANGED_MS }),
      repeats: false,
    },
    {
      label: 'a changed count',
      last,
      signal: reading({ at: AT + 15_000, active: 1 }),
      repeats: false,
    },
    {
      label: 'a changed dead-letter count',
      last,
      signal: reading({ at: AT + 15_000, deadLetter: 3 }),
      repeats: false,
    },
    {
      label: 'a reading older than the last (a clock step back)',
      last,
      signal: reading({ at: AT - 1 }),
      repeats: false,
    },
    {
      label: 'a failed read',
      last,
      signal: { kind: 'depthFailed' as const, at: AT + 1, error: 'x' },
      repeats: false,
    },
  ])('$label: repeats $repeats', ({ last: l, signal, repeats }) => {
    expect(repeatsLast(l, signal)).toBe(repeats);
  });
});

describe('depth watch: the report', () => {
  it('lists sampled, failed and undelivered pools, each sorted', () => {
    const signals: PoolSignal[] = [
      { pool: 'orders', signal: { kind: 'depth', at: AT, active: 1, deadLetter: 0, scheduled: 0 } },
      { pool: 'eu', signal: { kind: 'depthFailed', at: AT, error: 'gone' } },
      {
        pool: 'billing',
        signal: { kind: 'depth', at: AT, active: 1, deadLetter: 0, scheduled: 0 },
      },
      { pool: 'audit', signal: { kind: 'depthFailed', at: AT, error: 'missing' } },
    ];
    const undelivered = [
      { pool: 'orders', error: 'hub down' },
      { pool: 'billing', error: 'hub down' },
    ];
    expect(watchReport(signals, undelivered)).toEqual({
      sampled: ['billing', 'orders'],
      failed: [
        { pool: 'audit', error: 'missing' },
        { pool: 'eu', error: 'gone' },
      ],
      undelivered: [
        { pool: 'billing', error: 'hub down' },
        { pool: 'orders', error: 'hub down' },
      ],
    });
  });
});

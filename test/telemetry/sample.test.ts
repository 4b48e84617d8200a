import { describe, expect, it } from 'vitest';
import type { PoolStatus } from '../../shared/controller/status';
import type {
  MetricPoint,
  PoolReading,
  TelemetryMarks,
  TelemetrySample,
} from '../../shared/telemetry/sample';
import { FIRST_SAMPLE_LOOKBACK_MS, telemetrySample } from '../../shared/telemetry/sample';
import { decision, poolStatus } from '../dashboard/helpers';

const T = Date.parse('2026-12-04T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const BASE = {
  'surge.pool': 'orders',
  'messaging.system': 'servicebus',
  'messaging.destination.name': 'orders',
};

/** The one comparison of this file: the whole sample, labelled with the case. */
function expectSample(label: string, actual: TelemetrySample, expected: TelemetrySample): void {
  expect(actual, label).toStrictEqual(expected);
}

function reading(status: Partial<PoolStatus> | null, runtimeStatus = 'Running'): PoolReading {
  return {
    pool: 'orders',
    entity: 'orders',
    reconcileSeconds: 60,
    runtimeStatus,
    status: status === null ? null : poolStatus('orders', status),
  };
}

const gauge = (
  metric: MetricPoint['metric'],
  value: number,
  extra: Record<string, string | boolean> = {},
): MetricPoint => ({ metric, value, attributes: { ...BASE, ...extra } });

/** The controller gauges of a running controller that looked `ageS` seconds ago. */
const controller = (ageS: number, stale = 0): MetricPoint[] => [
  gauge('surge.pool.controller.running', 1, { 'surge.controller.status': 'Running' }),
  gauge('surge.pool.controller.stale', stale),
  gauge('surge.pool.observation.age', ageS),
];

/** A pool mid-burst: 600 active messages, 3 running and 2 pending groups of 5 msg/s. */
const burst: Partial<PoolStatus> = {
  desired: 5,
  observedAt: iso(T - 10_000),
  depth: { active: 600, scheduled: 2, deadLetter: 1, at: iso(T - 10_000) },
  groups: {
    running: 3,
    pending: 2,
    failed: 0,
    deleting: 0,
    foreign: 0,
    byVersion: { v1: 5 },
    bySite: { westeurope: 5 },
  },
  sites: [
    {
      site: 'westeurope',
      location: 'westeurope',
      priority: 'Regular',
      zones: [],
      subnet: false,
      maxGroups: null,
      groups: 5,
      state: 'open',
      until: null,
      last: null,
    },
  ],
  estimates: {
    arrivalPerSecond: 4,
    throughputPerGroup: 5,
    startupSeconds: 20,
    learned: { throughput: true, startup: false },
  },
  recentDecisions: [decision(T - 30_000, 5, 'backlog 600 / (5 msg/s × 120 s) = 1 → 5')],
  lastDecision: decision(T - 30_000, 5, 'backlog 600 / (5 msg/s × 120 s) = 1 → 5'),
  createRefusals: { quota: 2 },
};

const burstGauges: MetricPoint[] = [
  ...controller(10),
  gauge('surge.pool.queue.messages', 600, { 'surge.message.state': 'active' }),
  gauge('surge.pool.queue.messages', 2, { 'surge.message.state': 'scheduled' }),
  gauge('surge.pool.queue.messages', 1, { 'surge.message.state': 'dead_letter' }),
  gauge('surge.pool.groups.desired', 5),
  gauge('surge.pool.groups', 3, { 'surge.group.state': 'running' }),
  gauge('surge.pool.groups', 2, { 'surge.group.state': 'pending' }),
  gauge('surge.pool.groups', 0, { 'surge.group.state': 'failed' }),
  gauge('surge.pool.groups', 0, { 'surge.group.state': 'deleting' }),
  gauge('surge.pool.version.groups', 5, { 'surge.version': 'v1' }),
  gauge('surge.pool.site.groups', 5, { 'surge.site': 'westeurope', 'surge.site.state': 'open' }),
  gauge('surge.pool.arrival.rate', 4),
  gauge('surge.pool.group.throughput', 5, { 'surge.learned': true }),
  gauge('surge.pool.group.startup.duration', 20, { 'surge.learned': false }),
  // 600 active / (3 running × 5 msg/s) = 40 s.
  gauge('surge.pool.queue.drain.duration', 40),
];

const burstSpan = {
  at: T - 30_000,
  attributes: {
    ...BASE,
    'surge.decision.trigger': 'depth',
    'surge.decision.reason': 'backlog 600 / (5 msg/s × 120 s) = 1 → 5',
    'surge.decision.desired': 5,
    'surge.decision.live': 5,
    'surge.decision.running': 5,
    'surge.decision.pending': 0,
    'surge.decision.failed': 0,
    'surge.decision.creates': 0,
    'surge.decision.deletes': 0,
  },
};

interface Case {
  label: string;
  pools: PoolReading[];
  marks: TelemetryMarks;
  expected: TelemetrySample;
}

const cases: Case[] = [
  {
    label: 'a pool whose controller never started: only that it does not run',
    pools: [{ ...reading(null), runtimeStatus: undefined }],
    marks: {},
    expected: {
      gauges: [
        gauge('surge.pool.controller.running', 0, { 'surge.controller.status': 'NotStarted' }),
      ],
      counters: [],
      spans: [],
      marks: {},
    },
  },
  {
    label: 'first sample of an app instance: every gauge, the recent decision, no refusal yet',
    pools: [reading(burst)],
    marks: {},
    expected: {
      gauges: burstGauges,
      counters: [],
      spans: [burstSpan],
      marks: { orders: { decisionsThrough: T - 30_000, refusals: { quota: 2 } } },
    },
  },
  {
    label: 'first sample: decisions older than the lookback are not emitted again',
    pools: [
      reading({
        ...burst,
        recentDecisions: [decision(T - FIRST_SAMPLE_LOOKBACK_MS - 1, 2, 'old')],
        lastDecision: decision(T - FIRST_SAMPLE_LOOKBACK_MS - 1, 2, 'old'),
      }),
    ],
    marks: {},
    expected: {
      gauges: burstGauges,
      counters: [],
      spans: [],
      marks: { orders: { decisionsThrough: T - FIRST_SAMPLE_LOOKBACK_MS, refusals: { quota: 2 } } },
    },
  },
  {
    label: 'a later sample: only new decisions, refusals as the difference of the counts',
    pools: [
      reading({
        ...burst,
        recentDecisions: [decision(T - 90_000, 2, 'seen'), decision(T - 30_000, 5, 'new')],
        lastDecision: decision(T - 5_000, 5, 'steady'),
        createRefusals: { quota: 5, capacity: 1 },
      }),
    ],
    marks: { orders: { decisionsThrough: T - 90_000, refusals: { quota: 3 } } },
    expected: {
      gauges: burstGauges,
      counters: [
        {
          metric: 'surge.pool.create.refusals',
          value: 2,
          attributes: { ...BASE, 'error.type': 'quota' },
        },
        {
          metric: 'surge.pool.create.refusals',
          value: 1,
          attributes: { ...BASE, 'error.type': 'capacity' },
        },
      ],
      spans: [
        {
          at: T - 30_000,
          attributes: { ...burstSpan.attributes, 'surge.decision.reason': 'new' },
        },
        {
          at: T - 5_000,
          attributes: { ...burstSpan.attributes, 'surge.decision.reason': 'steady' },
        },
      ],
      marks: {
        orders: { decisionsThrough: T - 5_000, refusals: { quota: 5, capacity: 1 } },
      },
    },
  },
  {
    label: 'a controller that started afresh: a count below the mark is all new',
    pools: [
      reading({ ...burst, recentDecisions: [], lastDecision: null, createRefusals: { quota: 1 } }),
    ],
    marks: { orders: { decisionsThrough: T - 60_000, refusals: { quota: 4 } } },
    expected: {
      gauges: burstGauges,
      counters: [
        {
          metric: 'surge.pool.create.refusals',
          value: 1,
          attributes: { ...BASE, 'error.type': 'quota' },
        },
      ],
      spans: [],
      marks: { orders: { decisionsThrough: T - 60_000, refusals: { quota: 1 } } },
    },
  },
  {
    label: 'a status that could not be read keeps its mark for the next sample',
    pools: [reading(null, 'Failed')],
    marks: { orders: { decisionsThrough: T - 60_000, refusals: { quota: 4 } } },
    expected: {
      gauges: [gauge('surge.pool.controller.running', 0, { 'surge.controller.status': 'Failed' })],
      counters: [],
      spans: [],
      marks: { orders: { decisionsThrough: T - 60_000, refusals: { quota: 4 } } },
    },
  },
  {
    label:
      'a stale status (no look for 200 s at reconcile 60 s); no drain time without a running group',
    pools: [
      reading({
        observedAt: iso(T - 200_000),
        desired: 1,
        depth: { active: 50, scheduled: 0, deadLetter: 0, at: iso(T - 200_000) },
        groups: {
          running: 0,
          pending: 1,
          failed: 1,
          deleting: 0,
          foreign: 0,
          byVersion: {},
          bySite: {},
        },
        estimates: {
          arrivalPerSecond: null,
          throughputPerGroup: 5,
          startupSeconds: 20,
          learned: { throughput: false, startup: false },
        },
      }),
    ],
    marks: {},
    expected: {
      gauges: [
        ...controller(200, 1),
        gauge('surge.pool.queue.messages', 50, { 'surge.message.state': 'active' }),
        gauge('surge.pool.queue.messages', 0, { 'surge.message.state': 'scheduled' }),
        gauge('surge.pool.queue.messages', 0, { 'surge.message.state': 'dead_letter' }),
        gauge('surge.pool.groups.desired', 1),
        gauge('surge.pool.groups', 0, { 'surge.group.state': 'running' }),
        gauge('surge.pool.groups', 1, { 'surge.group.state': 'pending' }),
        gauge('surge.pool.groups', 1, { 'surge.group.state': 'failed' }),
        gauge('surge.pool.groups', 0, { 'surge.group.state': 'deleting' }),
        gauge('surge.pool.group.throughput', 5, { 'surge.learned': false }),
        gauge('surge.pool.group.startup.duration', 20, { 'surge.learned': false }),
      ],
      counters: [],
      spans: [],
      marks: { orders: { decisionsThrough: T - FIRST_SAMPLE_LOOKBACK_MS, refusals: {} } },
    },
  },
];

describe('telemetrySample: what one sample emits', () => {
  it.each(cases)('$label', ({ label, pools, marks, expected }) => {
    expectSample(label, telemetrySample(pools, marks, T), expected);
  });
});

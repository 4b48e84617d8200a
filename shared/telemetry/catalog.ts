/**
 * Every metric and span Surge emits, with its unit and meaning: the one source for the code that
 * records them (record.ts), docs/operate.md (a test keeps its table in step) and the workbook
 * and alert queries in infra/ (a test checks that they name only metrics listed here).
 *
 * Names follow OpenTelemetry's conventions: a `surge.` namespace, dotted lower-case words, units
 * in UCUM with annotations in braces (`{group}`), states as attributes rather than names, so that
 * summing over an attribute means something (groups over every state = every group). The
 * attributes that exist in the semantic conventions are used as they are there
 * (`messaging.system`, `messaging.destination.name`, `error.type`).
 */

/** How a metric is recorded. */
export type MetricKind = 'gauge' | 'counter';

/** One metric: its name, kind, unit, meaning and the attributes beyond the pool's own. */
export interface MetricDoc {
  readonly name: string;
  readonly kind: MetricKind;
  readonly unit: string;
  readonly description: string;
  /** Attributes besides POOL_ATTRIBUTES, with their values. */
  readonly attributes: readonly string[];
}

/** Attributes every metric point and decision span carries. */
export const POOL_ATTRIBUTES = [
  '`surge.pool`: the pool name',
  '`messaging.system`: `servicebus`',
  '`messaging.destination.name`: the queue, or topic/Subscriptions/subscription',
] as const;

/** The metrics, in the order docs/operate.md lists them. */
export const METRICS = [
  {
    name: 'surge.pool.queue.messages',
    kind: 'gauge',
    unit: '{message}',
    description: 'Messages in the pool’s queue or subscription at the controller’s last reading.',
    attributes: ['`surge.message.state`: `active`, `scheduled` or `dead_letter`'],
  },
  {
    name: 'surge.pool.groups',
    kind: 'gauge',
    unit: '{group}',
    description: 'Container groups of the pool as the controller last counted them, by state.',
    attributes: ['`surge.group.state`: `running`, `pending`, `failed` or `deleting`'],
  },
  {
    name: 'surge.pool.groups.desired',
    kind: 'gauge',
    unit: '{group}',
    description: 'The count the controller last decided on.',
    attributes: [],
  },
  {
    name: 'surge.pool.version.groups',
    kind: 'gauge',
    unit: '{group}',
    description: 'Live (pending and running) groups per image version, for rollouts.',
    attributes: ['`surge.version`: the version id (image digests, or tags when unresolved)'],
  },
  {
    name: 'surge.pool.site.groups',
    kind: 'gauge',
    unit: '{group}',
    description: 'Live groups per placement site, with the site’s state.',
    attributes: [
      '`surge.site`: the site key (region, zone, priority)',
      '`surge.site.state`: `open`, `full` (a quota refused) or `unavailable` (capacity backoff)',
    ],
  },
  {
    name: 'surge.pool.create.refusals',
    kind: 'counter',
    unit: '{refusal}',
    description: 'Group creates Azure refused (quota, capacity, throttling, invalid spec, …).',
    attributes: ['`error.type`: the failure kind: `quota`, `capacity`, `throttled`, `invalid`, …'],
  },
  {
    name: 'surge.pool.arrival.rate',
    kind: 'gauge',
    unit: '{message}/s',
    description: 'Estimated arrival rate (drain policy only).',
    attributes: [],
  },
  {
    name: 'surge.pool.group.throughput',
    kind: 'gauge',
    unit: '{message}/s',
    description: 'Messages one group drains per second, as configured or learned (drain policy).',
    attributes: ['`surge.learned`: `true` once measured, `false` while the configured value'],
  },
  {
    name: 'surge.pool.group.startup.duration',
    kind: 'gauge',
    unit: 's',
    description:
      'Seconds from create to a group draining, as configured or learned (drain policy).',
    attributes: ['`surge.learned`: `true` once measured, `false` while the configured value'],
  },
  {
    name: 'surge.pool.queue.drain.duration',
    kind: 'gauge',
    unit: 's',
    description:
      'Wait-time proxy: seconds the running groups need to drain the active messages ' +
      '(active ÷ (running × throughput per group)). Service Bus reports no oldest-message ' +
      'age through its administration API, so this estimate stands in for it (drain policy, ' +
      'while at least one group runs).',
    attributes: [],
  },
  {
    name: 'surge.pool.controller.running',
    kind: 'gauge',
    unit: '1',
    description:
      '1 while the pool’s controller runs (Running, Pending, ContinuedAsNew); 0 when it ' +
      'failed, was terminated, completed, is suspended or was never started.',
    attributes: ['`surge.controller.status`: the Durable runtime status, or `NotStarted`'],
  },
  {
    name: 'surge.pool.controller.stale',
    kind: 'gauge',
    unit: '1',
    description:
      '1 when the controller has not looked at the pool for longer than two reconcile periods ' +
      'and a minute (or its read turn), or not since it started; else 0.',
    attributes: [],
  },
  {
    name: 'surge.pool.observation.age',
    kind: 'gauge',
    unit: 's',
    description: 'Seconds since the controller last looked at the pool (absent before its first).',
    attributes: [],
  },
] as const satisfies readonly MetricDoc[];

/** A metric name Surge emits. */
export type MetricName = (typeof METRICS)[number]['name'];

/** The span recorded for a controller decision. */
export const DECISION_SPAN = {
  name: 'surge.pool.decision',
  description:
    'One per decision that said something new (it wrote, or its count or reason changed), ' +
    'plus the latest decision at each sample; it starts and ends at the decision’s time.',
  attributes: [
    '`surge.decision.trigger`: what woke the controller (depth, scaleIn, push, timer, …)',
    '`surge.decision.reason`: the reason, with its numbers, as the status shows it',
    '`surge.decision.desired`: the count decided on',
    '`surge.decision.live`, `surge.decision.running`, `surge.decision.pending`, `surge.decision.failed`: the groups it saw',
    '`surge.decision.creates`, `surge.decision.deletes`: what it sent to Azure',
  ],
} as const;

/** Every attribute key the catalog documents (the names in backticks that contain a dot). */
export function documentedAttributeKeys(): string[] {
  const docs = [
    ...POOL_ATTRIBUTES,
    ...METRICS.flatMap((m): readonly string[] => m.attributes),
    ...DECISION_SPAN.attributes,
  ];
  const keys = docs.flatMap((d) =>
    [...d.matchAll(/`([a-z_]+(?:\.[a-z_]+)+)`/g)].map((m) => m[1] ?? ''),
  );
  return [...new Set(keys)].sort();
}

/** Instrumentation scope of Surge's meter and tracer. */
export const TELEMETRY_SCOPE = 'surge';

import { namespaceFromResourceId, type WebhookFailure } from './eventGrid';
import { z } from 'zod';
import { describe, lenientRecord, lenientText, object, reasonOf, scalarText } from './schema';

/** The `schemaId` of Azure Monitor's common alert schema, the only alert payload Surge reads. */
const COMMON_ALERT_SCHEMA_ID = 'azureMonitorCommonAlertSchema';

/**
 * The custom property that names the pools an alert wakes, comma-separated. Set it on the alert
 * rule (or the action's custom properties) when targets and dimensions cannot name the pool.
 */
const SURGE_POOL_PROPERTY = 'surge-pool';

/** One condition of a metric alert, as evaluated when the alert fired or resolved. */
export interface AlertMetric {
  /** `metricName`, e.g. ActiveMessages. */
  readonly name: string;
  /** `metricNamespace`, e.g. Microsoft.ServiceBus/namespaces; omitted when null. */
  readonly namespace?: string;
  /** GreaterThan, LessThan, …; omitted when absent. */
  readonly operator?: string;
  /** The threshold (sent as a string; for dynamic thresholds, the computed one). */
  readonly threshold?: number;
  /** `metricValue`: the value that crossed (or came back under) the threshold. */
  readonly value?: number;
  /** The dimension combination that fired, e.g. `{EntityName: 'orders'}`. */
  readonly dimensions: Record<string, string>;
}

/** What Surge reads from a common-schema alert. */
export interface MonitorAlert {
  readonly alertId: string;
  /** Name of the alert rule. */
  readonly alertRule: string;
  /** Sev0 … Sev4. */
  readonly severity: string;
  /** Metric, Log or Activity Log. */
  readonly signalType: string;
  readonly monitorCondition: 'Fired' | 'Resolved';
  readonly firedDateTime: string;
  /** Present on Resolved alerts (metric alerts only, per the docs). */
  readonly resolvedDateTime?: string;
  /** `alertTargetIDs`: ARM ids of the resources the alert is about. */
  readonly targetIds: string[];
  /** Conditions with a metric name (metric alerts); empty for log and activity-log alerts. */
  readonly metrics: AlertMetric[];
  /** Custom properties of the rule and its actions; string values only. */
  readonly customProperties: Record<string, string>;
}

/** A parsed alert, or why the payload was refused. */
export type CommonAlertResult =
  { readonly ok: true; readonly alert: MonitorAlert } | WebhookFailure;

/**
 * Parses an Azure Monitor action-group webhook payload in the common alert schema.
 *
 * Any other payload (the older per-signal schemas, or an `alertContext` on its own) is refused
 * with a reason that says to enable the common alert schema on the action group's webhook
 * action: the shapes differ per signal type and Surge reads only one. `essentials` fields are
 * required; the metric conditions are read leniently (a malformed dimension is skipped) because
 * an alert is only a wake-up call and the controller reads the real depth itself.
 *
 * Custom properties come from `alertContext.properties` (metric and log-search rules; in
 * activity-log alerts that field holds the event's own properties and is not read) and from
 * `data.customProperties`, the latter winning when both have a key.
 */
export function parseCommonAlert(body: unknown): CommonAlertResult {
  const parsed = commonAlert.safeParse(body);
  if (!parsed.success) return fail(reasonOf(parsed.error));
  const { essentials, alertContext, customProperties } = parsed.data.data;
  // Checked after every required field, as the reason for a partly filled payload names the first.
  const condition = monitorCondition.safeParse(essentials.monitorCondition);
  if (!condition.success) return fail(reasonOf(condition.error));
  const targets = targetIds.safeParse(essentials.alertTargetIDs);
  if (!targets.success) return fail(reasonOf(targets.error));
  const context = alertContextOf.parse(alertContext);

  return {
    ok: true,
    alert: {
      alertId: essentials.alertId,
      alertRule: essentials.alertRule,
      severity: essentials.severity,
      signalType: essentials.signalType,
      monitorCondition: condition.data,
      firedDateTime: essentials.firedDateTime,
      ...(essentials.resolvedDateTime !== undefined
        ? { resolvedDateTime: essentials.resolvedDateTime }
        : {}),
      targetIds: targets.data,
      metrics: context.condition?.allOf ?? [],
      customProperties: {
        ...(context.condition !== undefined ? textValues(context.properties) : {}),
        ...textValues(customProperties),
      },
    },
  };
}

/** A Service Bus namespace (and maybe entity) an alert is about, in Surge's naming. */
export interface ServiceBusAlertTarget {
  /** Namespace short name, lowercase, as `namespaceShortName` (eventGrid.ts) gives for a pool. */
  readonly namespace: string;
  /**
   * Queue, topic, or `topic/Subscriptions/subscription`. From the target id when the alert is on
   * an entity, else from the EntityName dimension, which holds a queue or topic name (never a
   * subscription): match it with `entityMatches` (eventGrid.ts). Omitted when the alert names no
   * entity (it concerns the whole namespace).
   */
  readonly entity?: string;
}

/** Where an alert points, for choosing which pools to wake. */
export interface ServiceBusAlertTargets {
  /** Service Bus targets found in the alert; empty when it is not about Service Bus. */
  readonly targets: ServiceBusAlertTarget[];
  /** Pools named by the `surge-pool` custom property; they override any matching. */
  readonly explicitPools: string[];
}

/**
 * Maps an alert to the Service Bus namespaces and entities it is about: targets whose ARM id is
 * `…/providers/Microsoft.ServiceBus/namespaces/{ns}` (case-insensitive: alert ids are often
 * lowercase), each with the entities named by an EntityName dimension (the metric alert on
 * ActiveMessages split by entity). `-NamespaceOnlyMetric-`, Service Bus's placeholder for
 * namespace-level operations, is not an entity. A Resolved alert maps the same way; acting only
 * on Fired is the caller's choice.
 */
export function serviceBusTargets(alert: MonitorAlert): ServiceBusAlertTargets {
  const entityNames = unique(
    alert.metrics.flatMap((metric) =>
      Object.entries(metric.dimensions)
        .filter(([name, value]) => name.toLowerCase() === 'entityname' && isEntityName(value))
        .map(([, value]) => value),
    ),
  );

  const targets: ServiceBusAlertTarget[] = [];
  const seen = new Set<string>();
  const add = (namespace: string, entity?: string): void => {
    const key = `${namespace}/${entity ?? ''}`.toLowerCase();
    if (seen.has(key)) return;
    seen.add(key);
    targets.push(entity === undefined ? { namespace } : { namespace, entity });
  };
  for (const id of alert.targetIds) {
    const namespace = namespaceFromResourceId(id);
    if (namespace === undefined) continue;
    const own = entityFromResourceId(id);
    if (own !== undefined) add(namespace, own);
    else if (entityNames.length === 0) add(namespace);
    else for (const entity of entityNames) add(namespace, entity);
  }
  return { targets, explicitPools: explicitPools(alert.customProperties) };
}

/** An `essentials` field an alert is refused without. */
function essential(key: string) {
  return z
    .string({
      error: (issue) =>
        issue.input === undefined || issue.input === null
          ? `data.essentials: missing ${key}`
          : `data.essentials.${key} must be a non-empty string, got ${describe(issue.input)}`,
    })
    .min(1, `data.essentials.${key} must be a non-empty string, got a string`);
}

/** The common alert schema, as far as Surge requires it. */
const commonAlert = object(
  {
    schemaId: z.literal(COMMON_ALERT_SCHEMA_ID, {
      error: (issue) =>
        `not a common alert schema payload (${issue.input === undefined ? 'no schemaId' : `schemaId ${JSON.stringify(issue.input)}`}); ` +
        `enable the common alert schema on the action group's webhook action so that schemaId is "${COMMON_ALERT_SCHEMA_ID}"`,
    }),
    data: object(
      {
        essentials: object(
          {
            alertId: essential('alertId'),
            alertRule: essential('alertRule'),
            severity: essential('severity'),
            signalType: essential('signalType'),
            monitorCondition: essential('monitorCondition'),
            firedDateTime: essential('firedDateTime'),
            resolvedDateTime: lenientText,
          },
          (found) => `data.essentials must be an object, got ${found}`,
        ),
        alertContext: z.unknown().optional(),
        customProperties: z.unknown().optional(),
      },
      (found) => `data must be an object, got ${found}`,
    ),
  },
  (found) => `expected a common alert schema object, got ${found}`,
);

const monitorCondition = z.enum(['Fired', 'Resolved'], {
  error: (issue) =>
    `data.essentials.monitorCondition must be "Fired" or "Resolved", got "${String(issue.input)}"`,
});

const targetIds = z.array(
  z.string({ error: 'data.essentials.alertTargetIDs must be an array of strings' }),
  { error: 'data.essentials.alertTargetIDs must be an array of strings' },
);

/**
 * A metric condition: read leniently (an alert is only a wake-up call; the controller reads the
 * real depth itself). Log-search conditions have no metricName and are not metrics: skipped.
 */
const metricCondition = z.looseObject({
  metricName: z.string().min(1),
  metricNamespace: lenientText,
  operator: lenientText,
  // Thresholds arrive as strings ("25", "0.3"), metric values as numbers; both become numbers.
  threshold: z.unknown().transform(toNumber).optional(),
  metricValue: z.unknown().transform(toNumber).optional(),
  dimensions: z.array(z.unknown()).catch([]),
});

/** One dimension `{name, value}`; one without a name, or with a value that is not text, is skipped. */
const dimension = z.looseObject({ name: z.string().min(1), value: scalarText });

/** The conditions of `alertContext`, read leniently; anything unexpected reads as absent. */
const alertContextOf = lenientRecord.transform((context) => {
  const condition = z.looseObject({ allOf: z.unknown().optional() }).safeParse(context.condition);
  return {
    properties: context.properties,
    condition: condition.success ? { allOf: metricsOf(condition.data.allOf) } : undefined,
  };
});

function fail(reason: string): WebhookFailure {
  return { ok: false, reason };
}

function metricsOf(allOf: unknown): AlertMetric[] {
  const items = z.array(z.unknown()).catch([]).parse(allOf);
  return items.flatMap((item) => {
    const m = metricCondition.safeParse(item);
    if (!m.success) return [];
    const { metricName, metricNamespace, operator, threshold, metricValue } = m.data;
    return [
      {
        name: metricName,
        ...(metricNamespace !== undefined ? { namespace: metricNamespace } : {}),
        ...(operator !== undefined ? { operator } : {}),
        ...(threshold !== undefined ? { threshold } : {}),
        ...(metricValue !== undefined ? { value: metricValue } : {}),
        dimensions: dimensionsOf(m.data.dimensions),
      },
    ];
  });
}

/** `[{name, value}]` → `{name: value}`. */
function dimensionsOf(dimensions: readonly unknown[]): Record<string, string> {
  const result: Record<string, string> = {};
  for (const d of dimensions) {
    const parsed = dimension.safeParse(d);
    if (parsed.success && parsed.data.value !== undefined) {
      result[parsed.data.name] = parsed.data.value;
    }
  }
  return result;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** An object's string, number and boolean values as strings; anything else is dropped. */
function textValues(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(lenientRecord.parse(value))) {
    const text = scalarText.parse(item);
    if (text !== undefined) result[key] = text;
  }
  return result;
}

function isEntityName(value: string): boolean {
  return value.trim() !== '' && value !== '-NamespaceOnlyMetric-';
}

/** The entity in `…/namespaces/{ns}/queues/{q}` or `…/topics/{t}[/subscriptions/{s}]`. */
function entityFromResourceId(resourceId: string): string | undefined {
  const match =
    /\/namespaces\/[^/]+\/(queues|topics)\/([^/]+)(?:\/subscriptions\/([^/]+))?\/?$/i.exec(
      resourceId,
    );
  if (match?.[2] === undefined) return undefined;
  return match[3] !== undefined ? `${match[2]}/Subscriptions/${match[3]}` : match[2];
}

/** `surge-pool` (key compared case-insensitively: it is typed by hand in the portal). */
function explicitPools(customProperties: Record<string, string>): string[] {
  const names = Object.entries(customProperties)
    .filter(([key]) => key.toLowerCase() === SURGE_POOL_PROPERTY)
    .flatMap(([, value]) => value.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return unique(names);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

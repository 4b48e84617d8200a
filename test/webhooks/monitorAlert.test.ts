import { describe, it } from 'vitest';
import type {
  AlertMetric,
  CommonAlertResult,
  MonitorAlert,
  ServiceBusAlertTargets,
} from '../../shared/webhooks/monitorAlert';
import { parseCommonAlert, serviceBusTargets } from '../../shared/webhooks/monitorAlert';
import { fixtureJson } from '../fixtures';
import { expectResult, fixtureNames } from './expectResult';

type Json = Record<string, unknown>;
const fixture = (name: string): Json => fixtureJson<Json>(`monitor/${name}`);

const resolvedFile = 'alerts-payload-samples.sample-alert-payload.metric.json';
const customFile = 'alerts-common-schema.sample-alert-payload.metric-with-customProperties.json';
const firedFile = 'alerts-common-schema-test-action-definitions.metric-alert-fired.json';
const staticContextFile = 'alerts-payload-samples.metric-static-threshold.alertContext.json';
const availabilityContextFile = 'alerts-payload-samples.metric-availability-test.alertContext.json';

const fired = fixture(firedFile);
const staticContext = fixture(staticContextFile);
const availabilityContext = fixture(availabilityContextFile);

/** The Percentage CPU condition of the Resolved samples and the static-threshold alertContext. */
const cpuMetric: AlertMetric = {
  name: 'Percentage CPU',
  namespace: 'Microsoft.Compute/virtualMachines',
  operator: 'GreaterThan',
  threshold: 25,
  dimensions: { ResourceId: '3efad9dc-3d50-4eac-9c87-8b3fd6f97e4e' },
};

/** The Resolved sample (both Resolved fixtures share these essentials and this condition). */
const resolvedAlert: MonitorAlert = {
  alertId:
    '/subscriptions/<subscription ID>/providers/Microsoft.AlertsManagement/alerts/b9569717-bc32-442f-add5-83a997729330',
  alertRule: 'WCUS-R2-Gen2',
  severity: 'Sev3',
  signalType: 'Metric',
  monitorCondition: 'Resolved',
  firedDateTime: '2019-03-22T13:58:24.3713213Z',
  resolvedDateTime: '2019-03-22T14:03:16.2246313Z',
  targetIds: [
    '/subscriptions/<subscription ID>/resourcegroups/pipelinealertrg/providers/microsoft.compute/virtualmachines/wcus-r2-gen2',
  ],
  metrics: [{ ...cpuMetric, value: 7.727 }],
  customProperties: {},
};

const firedAlert: MonitorAlert = {
  alertId:
    '/subscriptions/11111111-1111-1111-1111-111111111111/providers/Microsoft.AlertsManagement/alerts/12345678-1234-1234-1234-1234567890ab',
  alertRule: 'test-metricAlertRule',
  severity: 'Sev3',
  signalType: 'Metric',
  monitorCondition: 'Fired',
  firedDateTime: '2021-11-15T09:35:24.3468506Z',
  targetIds: [
    '/subscriptions/11111111-1111-1111-1111-111111111111/resourcegroups/test-RG/providers/Microsoft.Storage/storageAccounts/test-storageAccount',
  ],
  metrics: [
    {
      name: 'Transactions',
      namespace: 'Microsoft.Storage/storageAccounts',
      operator: 'GreaterThan',
      threshold: 0.3,
      value: 78.09,
      dimensions: {},
    },
  ],
  customProperties: { customKey1: 'value1', customKey2: 'value2' },
};

interface AlertPatch {
  essentials?: Json;
  /** Replaces the whole alertContext. */
  alertContext?: unknown;
  properties?: unknown;
  allOf?: unknown[];
  /** Replaces data.customProperties; null removes it. */
  customProperties?: Json | null;
}

/** The Fired fixture with parts replaced, for cases the fixtures do not show. */
function firedWith(patch: AlertPatch): Json {
  const data = fired.data as Json;
  const alertContext = data.alertContext as Json;
  const condition = alertContext.condition as Json;
  const customProperties =
    patch.customProperties === undefined ? data.customProperties : patch.customProperties;
  return {
    ...fired,
    data: {
      essentials: { ...(data.essentials as Json), ...patch.essentials },
      alertContext: patch.alertContext ?? {
        ...alertContext,
        ...('properties' in patch ? { properties: patch.properties } : {}),
        condition: { ...condition, ...(patch.allOf ? { allOf: patch.allOf } : {}) },
      },
      ...(customProperties === null ? {} : { customProperties }),
    },
  };
}

const sbNamespace =
  '/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/surge-rg/providers/Microsoft.ServiceBus/namespaces/Contoso-Prod';

/** An ActiveMessages condition, as a metric alert on a Service Bus namespace sends it. */
function activeMessages(dimensions: unknown[], metricValue: unknown = 250): Json {
  return {
    metricName: 'ActiveMessages',
    metricNamespace: 'Microsoft.ServiceBus/namespaces',
    operator: 'GreaterThan',
    threshold: '100',
    timeAggregation: 'Average',
    dimensions,
    metricValue,
  };
}

const enableHint =
  `enable the common alert schema on the action group's webhook action so that schemaId is ` +
  '"azureMonitorCommonAlertSchema"';

interface ParseCase {
  label: string;
  body: unknown;
  expected: CommonAlertResult;
}

const parseCases: ParseCase[] = [
  // Every fixture.
  {
    label: `fixture ${resolvedFile} (Resolved)`,
    body: fixture(resolvedFile),
    expected: ok(resolvedAlert),
  },
  {
    label: `fixture ${customFile} (Resolved, customProperties)`,
    body: fixture(customFile),
    expected: ok({ ...resolvedAlert, customProperties: { Key1: 'Value1', Key2: 'Value2' } }),
  },
  {
    label: `fixture ${firedFile} (Fired, dynamic threshold)`,
    body: fired,
    expected: ok(firedAlert),
  },
  {
    label: `fixture ${staticContextFile} alone is not an alert`,
    body: staticContext,
    expected: {
      ok: false,
      reason: `not a common alert schema payload (no schemaId); ${enableHint}`,
    },
  },
  {
    label: `fixture ${availabilityContextFile} alone is not an alert`,
    body: availabilityContext,
    expected: {
      ok: false,
      reason: `not a common alert schema payload (no schemaId); ${enableHint}`,
    },
  },
  {
    label: `fixture ${staticContextFile} inside a full payload`,
    body: firedWith({ alertContext: staticContext.alertContext, customProperties: null }),
    expected: ok({
      ...firedAlert,
      metrics: [{ ...cpuMetric, value: 31.1105 }],
      customProperties: {},
    }),
  },
  {
    label: `fixture ${availabilityContextFile} inside a full payload (null metricNamespace)`,
    body: firedWith({ alertContext: availabilityContext.alertContext, customProperties: null }),
    expected: ok({
      ...firedAlert,
      metrics: [
        {
          name: 'Failed Location',
          operator: 'GreaterThan',
          threshold: 2,
          value: 5,
          dimensions: {},
        },
      ],
      customProperties: {},
    }),
  },

  // Shapes the fixtures do not show.
  {
    label: 'Service Bus ActiveMessages alert with an EntityName dimension',
    body: firedWith({
      essentials: { alertTargetIDs: [sbNamespace] },
      allOf: [activeMessages([{ name: 'EntityName', value: 'orders' }])],
    }),
    expected: ok({
      ...firedAlert,
      targetIds: [sbNamespace],
      metrics: [
        {
          name: 'ActiveMessages',
          namespace: 'Microsoft.ServiceBus/namespaces',
          operator: 'GreaterThan',
          threshold: 100,
          value: 250,
          dimensions: { EntityName: 'orders' },
        },
      ],
    }),
  },
  {
    label: 'data.customProperties win over alertContext.properties; scalars become strings',
    body: firedWith({
      properties: { a: 'rule', b: 'rule', n: 5, t: true, o: { x: 1 }, z: null },
      customProperties: { b: 'action' },
    }),
    expected: ok({
      ...firedAlert,
      customProperties: { a: 'rule', b: 'action', n: '5', t: 'true' },
    }),
  },
  {
    label: 'activity-log alertContext.properties are event properties, not custom properties',
    body: firedWith({
      essentials: { signalType: 'Activity Log' },
      alertContext: {
        operationName: 'Microsoft.Authorization/policies/audit/action',
        properties: { isComplianceCheck: 'True' },
      },
      customProperties: null,
    }),
    expected: ok({ ...firedAlert, signalType: 'Activity Log', metrics: [], customProperties: {} }),
  },
  {
    label: 'log-search condition (no metricName) gives no metrics',
    body: firedWith({
      essentials: { signalType: 'Log' },
      allOf: [{ searchQuery: 'Heartbeat', operator: 'LowerThan', threshold: '1', dimensions: [] }],
    }),
    expected: ok({ ...firedAlert, signalType: 'Log', metrics: [] }),
  },
  {
    label: 'odd threshold and value: non-numeric threshold dropped, numeric string value read',
    body: firedWith({ allOf: [{ ...activeMessages([], '5'), threshold: 'n/a' }] }),
    expected: ok({
      ...firedAlert,
      metrics: [
        {
          name: 'ActiveMessages',
          namespace: 'Microsoft.ServiceBus/namespaces',
          operator: 'GreaterThan',
          value: 5,
          dimensions: {},
        },
      ],
    }),
  },
  {
    label: 'malformed dimensions are skipped, numbers become strings',
    body: firedWith({
      allOf: [
        activeMessages([
          { name: 'EntityName', value: 'orders' },
          { value: 'no name' },
          'junk',
          { name: 'Partition', value: 3 },
          { name: 'Nothing', value: null },
        ]),
      ],
    }),
    expected: ok({
      ...firedAlert,
      metrics: [
        {
          name: 'ActiveMessages',
          namespace: 'Microsoft.ServiceBus/namespaces',
          operator: 'GreaterThan',
          threshold: 100,
          value: 250,
          dimensions: { EntityName: 'orders', Partition: '3' },
        },
      ],
    }),
  },

  // Bad input.
  {
    label: 'not an object',
    body: [fired],
    expected: { ok: false, reason: 'expected a common alert schema object, got an array' },
  },
  {
    label: 'non-common schema (the older metric alert schema)',
    body: { schemaId: 'AzureMonitorMetricAlert', data: {} },
    expected: {
      ok: false,
      reason: `not a common alert schema payload (schemaId "AzureMonitorMetricAlert"); ${enableHint}`,
    },
  },
  {
    label: 'no data',
    body: { schemaId: 'azureMonitorCommonAlertSchema' },
    expected: { ok: false, reason: 'data must be an object, got nothing' },
  },
  {
    label: 'no essentials',
    body: { schemaId: 'azureMonitorCommonAlertSchema', data: { alertContext: {} } },
    expected: { ok: false, reason: 'data.essentials must be an object, got nothing' },
  },
  {
    label: 'essentials without alertRule',
    body: firedWith({ essentials: { alertRule: undefined } }),
    expected: { ok: false, reason: 'data.essentials: missing alertRule' },
  },
  {
    label: 'severity of the wrong type',
    body: firedWith({ essentials: { severity: 3 } }),
    expected: {
      ok: false,
      reason: 'data.essentials.severity must be a non-empty string, got a number',
    },
  },
  {
    label: 'monitorCondition neither Fired nor Resolved',
    body: firedWith({ essentials: { monitorCondition: 'Acknowledged' } }),
    expected: {
      ok: false,
      reason: 'data.essentials.monitorCondition must be "Fired" or "Resolved", got "Acknowledged"',
    },
  },
  {
    label: 'alertTargetIDs not an array of strings',
    body: firedWith({ essentials: { alertTargetIDs: [sbNamespace, 7] } }),
    expected: { ok: false, reason: 'data.essentials.alertTargetIDs must be an array of strings' },
  },
];

function ok(alert: MonitorAlert): CommonAlertResult {
  return { ok: true, alert };
}

describe('parseCommonAlert', () => {
  it.each(parseCases)('$label', ({ label, body, expected }) => {
    expectResult(label, parseCommonAlert(body), expected);
  });

  it('covers every fixture under monitor/', () => {
    const covered = [
      resolvedFile,
      customFile,
      firedFile,
      staticContextFile,
      availabilityContextFile,
    ];
    expectResult('fixtures', fixtureNames('monitor'), [...covered].sort());
  });
});

/** The alert parsed from `body`; the cases below are about mapping, so parsing must succeed. */
function alertFrom(body: Json): MonitorAlert {
  const result = parseCommonAlert(body);
  if (!result.ok) throw new Error(result.reason);
  return result.alert;
}

interface TargetCase {
  label: string;
  body: Json;
  expected: ServiceBusAlertTargets;
}

const onNamespace = (allOf: unknown[], customProperties?: Json): Json =>
  firedWith({
    essentials: { alertTargetIDs: [sbNamespace] },
    allOf,
    ...(customProperties ? { customProperties } : {}),
  });

const targetCases: TargetCase[] = [
  {
    label: `fixture ${firedFile}: a storage account is not a Service Bus target`,
    body: fired,
    expected: { targets: [], explicitPools: [] },
  },
  {
    label: `fixture ${resolvedFile}: a VM is not a Service Bus target`,
    body: fixture(resolvedFile),
    expected: { targets: [], explicitPools: [] },
  },
  {
    label: 'namespace and EntityName dimension',
    body: onNamespace([activeMessages([{ name: 'EntityName', value: 'orders' }])]),
    expected: { targets: [{ namespace: 'contoso-prod', entity: 'orders' }], explicitPools: [] },
  },
  {
    label: 'namespace without dimensions: the whole namespace',
    body: onNamespace([activeMessages([])]),
    expected: { targets: [{ namespace: 'contoso-prod' }], explicitPools: [] },
  },
  {
    label: 'lowercase provider path in the target id',
    body: firedWith({
      essentials: {
        alertTargetIDs: [
          '/subscriptions/1/resourcegroups/surge-rg/providers/microsoft.servicebus/namespaces/contoso-prod',
        ],
      },
      allOf: [activeMessages([{ name: 'entityname', value: 'orders' }])],
    }),
    expected: { targets: [{ namespace: 'contoso-prod', entity: 'orders' }], explicitPools: [] },
  },
  {
    label: 'several conditions and entities, duplicates once',
    body: onNamespace([
      activeMessages([{ name: 'EntityName', value: 'orders' }]),
      activeMessages([{ name: 'EntityName', value: 'invoices' }]),
      activeMessages([{ name: 'EntityName', value: 'orders' }]),
    ]),
    expected: {
      targets: [
        { namespace: 'contoso-prod', entity: 'orders' },
        { namespace: 'contoso-prod', entity: 'invoices' },
      ],
      explicitPools: [],
    },
  },
  {
    label: '-NamespaceOnlyMetric- is not an entity',
    body: onNamespace([activeMessages([{ name: 'EntityName', value: '-NamespaceOnlyMetric-' }])]),
    expected: { targets: [{ namespace: 'contoso-prod' }], explicitPools: [] },
  },
  {
    label: 'target ids on a queue and on a subscription name their entities',
    body: firedWith({
      essentials: {
        alertTargetIDs: [
          `${sbNamespace}/queues/orders`,
          `${sbNamespace}/topics/events/subscriptions/workers`,
        ],
      },
      allOf: [activeMessages([])],
    }),
    expected: {
      targets: [
        { namespace: 'contoso-prod', entity: 'orders' },
        { namespace: 'contoso-prod', entity: 'events/Subscriptions/workers' },
      ],
      explicitPools: [],
    },
  },
  {
    label: 'two namespaces (multi-resource rule)',
    body: firedWith({
      essentials: {
        alertTargetIDs: [sbNamespace, sbNamespace.replace('Contoso-Prod', 'contoso-dr')],
      },
      allOf: [activeMessages([{ name: 'EntityName', value: 'orders' }])],
    }),
    expected: {
      targets: [
        { namespace: 'contoso-prod', entity: 'orders' },
        { namespace: 'contoso-dr', entity: 'orders' },
      ],
      explicitPools: [],
    },
  },
  {
    label: 'surge-pool custom property: trimmed, empty names and duplicates dropped',
    body: firedWith({
      customProperties: { 'surge-pool': ' orders-pool, invoices-pool,,orders-pool ' },
    }),
    expected: { targets: [], explicitPools: ['orders-pool', 'invoices-pool'] },
  },
  {
    label: 'surge-pool set on the alert rule (alertContext.properties)',
    body: firedWith({
      essentials: { alertTargetIDs: [sbNamespace] },
      properties: { 'surge-pool': 'orders-pool' },
      allOf: [activeMessages([])],
      customProperties: null,
    }),
    expected: { targets: [{ namespace: 'contoso-prod' }], explicitPools: ['orders-pool'] },
  },
  {
    label: 'Surge-Pool key typed in another case',
    body: onNamespace([activeMessages([{ name: 'EntityName', value: 'orders' }])], {
      'Surge-Pool': 'orders-pool',
    }),
    expected: {
      targets: [{ namespace: 'contoso-prod', entity: 'orders' }],
      explicitPools: ['orders-pool'],
    },
  },
];

describe('serviceBusTargets', () => {
  it.each(targetCases)('$label', ({ label, body, expected }) => {
    expectResult(label, serviceBusTargets(alertFrom(body)), expected);
  });
});

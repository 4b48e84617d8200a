/**
 * The workbook and alert rules of infra/main.json against the telemetry catalog: every metric,
 * span and attribute their queries name is one Surge emits (shared/telemetry/catalog.ts), every
 * rule watches the template's Application Insights and points to its section of docs/operate.md,
 * and the workbook draws from that same component. KQL cannot run offline; what can drift — the
 * names — is checked here.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DECISION_SPAN, METRICS, documentedAttributeKeys } from '../../shared/telemetry/catalog';
import { REFERENCE_BEGIN, REFERENCE_END, telemetryReference } from '../../shared/telemetry/docs';
import { kqlProblems, withWorkbookParameters } from './kql';
import type { ArmResource } from './templates';
import { REPO_ROOT, readTemplate } from './templates';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

const template = readTemplate('main');
const variables = template.variables;
const rules = template.resources.filter(
  (r): r is ArmResource => r.type === 'Microsoft.Insights/scheduledQueryRules',
);
const workbook = template.resources.find((r) => r.type === 'Microsoft.Insights/workbooks');

/** Every string under a `query` key, at any depth. */
function queriesIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(queriesIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) =>
    k === 'query' && typeof v === 'string' ? [v] : queriesIn(v),
  );
}

const workbookQueries = queriesIn(variables.workbookContent);
const stuckMinutes = (template.parameters.stuckBelowTargetMinutes as { defaultValue: number })
  .defaultValue;
// The stuck-below-target rule builds its query from a variable (as the template's concat does,
// with the parameter's default); the others are literal.
const alertQueries = [
  ...rules.flatMap((r) => queriesIn(r.properties)).filter((q) => !q.startsWith('[')),
  `let window = ${stuckMinutes}m; ${String(variables.stuckQuery)}`,
];

/** The ```kusto blocks of a markdown file. */
function kustoBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```kusto\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/** Quoted names in a query: `'surge.pool.groups'` and `customDimensions['surge.group.state']`. */
function namesIn(queries: readonly string[]) {
  const all = queries.flatMap((q) => [...q.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)]);
  const quoted = new Set(all.map((m) => m[1] ?? ''));
  const keys = new Set(
    queries.flatMap((q) =>
      [...q.matchAll(/customDimensions\['([^']+)'\]/g)].map((m) => m[1] ?? ''),
    ),
  );
  const metrics = [...quoted].filter((n) => n.startsWith('surge.') && !keys.has(n));
  return { metrics: metrics.sort(), keys: [...keys].sort() };
}

const known = new Set<string>([...METRICS.map((m) => m.name), DECISION_SPAN.name]);
const attributes = new Set(documentedAttributeKeys());

describe('the workbook and alert rules name only what Surge emits', () => {
  it.each([
    { label: 'workbook', queries: workbookQueries },
    { label: 'alert rules', queries: alertQueries },
  ])('$label', ({ label, queries }) => {
    const { metrics, keys } = namesIn(queries);
    expectResult(
      label,
      {
        queries: queries.length > 0,
        unknownMetrics: metrics.filter((n) => !known.has(n)),
        unknownAttributes: keys.filter((k) => !attributes.has(k)),
      },
      { queries: true, unknownMetrics: [], unknownAttributes: [] },
    );
  });

  it('the workbook draws every pool chart of the dashboard: queue, groups by state and by version', () => {
    const { metrics } = namesIn(workbookQueries);
    const drawn = [
      'surge.pool.queue.messages',
      'surge.pool.groups',
      'surge.pool.groups.desired',
      'surge.pool.version.groups',
      'surge.pool.arrival.rate',
      'surge.pool.site.groups',
      'surge.pool.create.refusals',
      'surge.pool.decision',
    ];
    expectResult(
      'charts',
      drawn.filter((n) => !metrics.includes(n) && !workbookQueries.some((q) => q.includes(n))),
      [],
    );
  });
});

describe('every query binds against the Application Insights tables (Kusto.Language, offline)', () => {
  const operate = readFileSync(path.join(REPO_ROOT, 'docs', 'operate.md'), 'utf8');
  const cases = [
    ...workbookQueries.map((q, i) => ({
      label: `workbook query ${i + 1}`,
      query: withWorkbookParameters(q),
    })),
    ...alertQueries.map((q, i) => ({ label: `alert query ${i + 1}`, query: q })),
    ...kustoBlocks(operate).map((q, i) => ({
      label: `docs/operate.md example ${i + 1}`,
      query: q,
    })),
  ];

  it('finds the queries: 10 in the workbook, 4 alert rules, 5 examples in the docs', () => {
    expectResult(
      'counts',
      [workbookQueries.length, alertQueries.length, kustoBlocks(operate).length],
      [10, 4, 5],
    );
  });

  it.each(cases)('$label', ({ label, query }) => {
    expectResult(label, kqlProblems(query), []);
  });

  it('the check catches a misspelled column and an unknown function', () => {
    expectResult(
      'broken',
      kqlProblems(
        "customMetrics | where nmae == 'x' | summarize avgif2(value) by bin(timestamp, 1m)",
      ),
      [
        "The name 'nmae' does not refer to any known column, table, variable or function. (at 22)",
        "The name 'avgif2' does not refer to any known function. (at 46)",
        "The name 'value' is not an aggregate or scalar function. (at 53)",
      ],
    );
  });
});

describe('the alert rules', () => {
  const operate = readFileSync(path.join(REPO_ROOT, 'docs', 'operate.md'), 'utf8');
  it('watch the template’s Application Insights, notify the given action groups, and each has its section in docs/operate.md', () => {
    expectResult(
      'rules',
      rules.map((r) => {
        const p = r.properties as Record<string, unknown>;
        const section = /docs\/operate\.md, '([^']+)'/.exec(String(p.description))?.[1];
        return {
          name: r.name,
          scopes: p.scopes,
          actions: p.actions,
          documented: section !== undefined && operate.includes(`### ${section}`),
        };
      }),
      [
        'pool-stuck-below-target',
        'repeated-create-refusals',
        'controller-not-running',
        'telemetry-absent',
      ].map((name) => ({
        name: `[format('{0}-${name}', parameters('appName'))]`,
        scopes: ["[variables('appInsightsId')]"],
        actions: { actionGroups: "[parameters('alertActionGroupIds')]" },
        documented: true,
      })),
    );
  });

  it('the workbook is tied to the same component and carries the content variable as JSON', () => {
    const p = workbook?.properties as Record<string, unknown> | undefined;
    expectResult(
      'workbook',
      { sourceId: p?.sourceId, serializedData: p?.serializedData, version: p?.version },
      {
        sourceId: "[variables('appInsightsId')]",
        serializedData: "[string(variables('workbookContent'))]",
        version: 'Notebook/1.0',
      },
    );
  });
});

describe('docs/operate.md', () => {
  it('carries the telemetry reference generated from the catalog', () => {
    const markdown = readFileSync(path.join(REPO_ROOT, 'docs', 'operate.md'), 'utf8');
    const begin = markdown.indexOf(REFERENCE_BEGIN);
    const end = markdown.indexOf(REFERENCE_END) + REFERENCE_END.length;
    expectResult('reference', markdown.slice(begin, end), telemetryReference());
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePools } from '../../shared/config/pools';
import { SETTINGS_DOC } from '../../shared/config/settings';
import type { ArmNode } from './armExpression';

import {
  REPO_ROOT,
  appSettings,
  codeText,
  markdownTable,
  provenance,
  readParameters,
  readTemplate,
  replacedPlaceholders,
  secureParameters,
} from './templates';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

/**
 * Settings infra/main.json sets that Surge's code does not read: the Functions platform reads
 * them. Each needs a reason; the cross-check fails on any other setting the code does not read.
 */
const PLATFORM_SETTINGS: { name: string; reason: string }[] = [
  {
    name: 'AzureWebJobsStorage__accountName',
    reason: 'Host storage (Durable task hub, host keys, timer locks) by identity: the account.',
  },
  {
    name: 'AzureWebJobsStorage__credential',
    reason: "'managedidentity': the host connects with a managed identity, never an account key.",
  },
  {
    name: 'AzureWebJobsStorage__clientId',
    reason: 'Which user-assigned identity the host uses for its storage (Surge’s).',
  },
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    reason: 'Entra ID telemetry ingestion with Surge’s identity (the component refuses keys).',
  },
];

/**
 * Settings Surge reads that infra/main.json does not set: each has a default that suits Azure,
 * or is for the local emulator only. They can be given through the optionalSettings parameter.
 */
const OPTIONAL_SETTINGS: { name: string; reason: string }[] = [
  {
    name: 'SURGE_POOLS_FILE',
    reason: 'The alternative to SURGE_POOLS, which the template sets; both set stops start-up.',
  },
  { name: 'SURGE_DEPTH_SCHEDULE', reason: 'Tuning; the default (every 15 s) suits most pools.' },
  { name: 'SURGE_SCALE_IN_SCHEDULE', reason: 'Tuning; default every minute.' },
  { name: 'SURGE_ENSURE_SCHEDULE', reason: 'Tuning; default every 5 minutes.' },
  { name: 'SURGE_SERVICEBUS_ENDPOINT', reason: 'The local emulator only.' },
  { name: 'SURGE_PROBE_ENDPOINT', reason: 'The local emulator only.' },
  { name: 'SURGE_AZURE_MAX_RETRIES', reason: 'Tuning of Azure call retries.' },
  { name: 'SURGE_AZURE_RETRY_DELAY_MS', reason: 'Tuning of Azure call retries.' },
  { name: 'SURGE_AZURE_MAX_RETRY_DELAY_MS', reason: 'Tuning of Azure call retries.' },
  { name: 'SURGE_TELEMETRY_SCHEDULE', reason: 'Tuning; default every minute (at second 45).' },
  { name: 'SURGE_TELEMETRY_EXPORTER', reason: 'The local host only (console or OTLP).' },
];

const template = readTemplate('main');
const settings = appSettings(template);
const codeNames = SETTINGS_DOC.map((s) => s.name);
const sorted = (names: Iterable<string>): string[] => [...names].sort();

/** Sample values for the pools document placeholders, shaped like the real ones. */
const PLACEHOLDER_VALUES: Record<string, string> = {
  '{{subscriptionId}}': '00000000-0000-0000-0000-000000000000',
  '{{resourceGroup}}': 'rg-surge',
  '{{location}}': 'westeurope',
  '{{registryServer}}': 'surgeabc123.azurecr.io',
  '{{pullIdentityId}}':
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-surge/providers/Microsoft.ManagedIdentity/userAssignedIdentities/surge-acr-pull',
  '{{serviceBusNamespace}}': 'surge-abc123.servicebus.windows.net',
};

describe('app settings: infra/main.json and the code cannot drift', () => {
  it('every setting the code reads is set by the template or documented optional, and every setting the template sets is read by the code or is a platform setting', () => {
    const fixed = [...settings.fixed.keys()];
    expectResult(
      'settings cross-check',
      {
        codeSettingsTheTemplateLeavesUnset: sorted(codeNames.filter((n) => !fixed.includes(n))),
        templateSettingsTheCodeDoesNotRead: sorted(fixed.filter((n) => !codeNames.includes(n))),
      },
      {
        codeSettingsTheTemplateLeavesUnset: sorted(OPTIONAL_SETTINGS.map((s) => s.name)),
        templateSettingsTheCodeDoesNotRead: sorted(PLATFORM_SETTINGS.map((s) => s.name)),
      },
    );
  });

  it('merges only pool secrets and optional settings, before the fixed settings (which win)', () => {
    expectResult(
      'merged parameters',
      settings.mergedParameters.map((name) => ({ name, type: template.parameters[name]?.type })),
      [
        { name: 'poolSecrets', type: 'secureObject' },
        { name: 'optionalSettings', type: 'object' },
      ],
    );
  });

  it('only SURGE_ACR_WEBHOOK_SECRET carries a secret, from the secure parameter', () => {
    const secure = secureParameters(template);
    const carried = [...settings.fixed].flatMap(([name, value]) => {
      const reached = provenance(template, value).parameters.filter((p) => secure.includes(p));
      return reached.length > 0 ? [{ name, secureParameters: reached }] : [];
    });
    expectResult('settings that carry a secret', carried, [
      { name: 'SURGE_ACR_WEBHOOK_SECRET', secureParameters: ['acrWebhookSecret'] },
    ]);
  });

  it('Surge and its host storage run as the Surge identity', () => {
    const identityOf = (name: string) => {
      const value = settings.fixed.get(name);
      return value === undefined ? undefined : JSON.stringify(value);
    };
    expectResult(
      'identity settings',
      {
        sameIdentity: identityOf('AZURE_CLIENT_ID') === identityOf('AzureWebJobsStorage__clientId'),
        from: provenance(template, settings.fixed.get('AZURE_CLIENT_ID') as ArmNode).variables,
        pools: provenance(
          template,
          settings.fixed.get('SURGE_POOLS') as ArmNode,
        ).parameters.includes('poolsDocument'),
      },
      { sameIdentity: true, from: ['surgeIdentityId'], pools: true },
    );
  });

  it('the example parameters set only documented optional settings', () => {
    const optional = readParameters('main').parameters.optionalSettings?.value ?? {};
    expectResult(
      'undocumented optional settings',
      Object.keys(optional).filter((name) => !OPTIONAL_SETTINGS.some((s) => s.name === name)),
      [],
    );
  });

  it('docs/deploy.md lists exactly the settings the code reads and the platform settings', () => {
    const markdown = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
    expectResult(
      'documented settings',
      sorted(markdownTable(markdown, 'App settings').map((row) => codeText(row[0] ?? ''))),
      sorted([...codeNames, ...PLATFORM_SETTINGS.map((s) => s.name)]),
    );
  });
});

describe('the pools document parameter', () => {
  it('the template replaces the placeholders its parameter description promises', () => {
    const described = /placeholders are replaced: (.*)\.$/.exec(
      String((template.parameters.poolsDocument?.metadata as { description?: string }).description),
    );
    expectResult(
      'placeholders',
      replacedPlaceholders(template),
      sorted((described?.[1] ?? '').split(', ')),
    );
  });

  it('the example document uses only those placeholders and is a valid pools document', () => {
    const text = JSON.stringify(readParameters('main').parameters.poolsDocument?.value);
    const used = sorted(new Set(text.match(/\{\{\w+\}\}/g) ?? []));
    const substituted = Object.entries(PLACEHOLDER_VALUES).reduce(
      (doc, [token, value]) => doc.split(token).join(value),
      text,
    );
    const config = parsePools(substituted, 'infra/main.parameters.json');
    expectResult(
      'example pools document',
      {
        unknownPlaceholders: used.filter((p) => !replacedPlaceholders(template).includes(p)),
        pools: config.pools.map((p) => p.name),
        registryIdentity: config.pools[0]?.group.registry?.identity,
      },
      {
        unknownPlaceholders: [],
        pools: ['demo'],
        registryIdentity: PLACEHOLDER_VALUES['{{pullIdentityId}}'],
      },
    );
  });
});

describe('docs/deploy.md', () => {
  it.each(['main', 'trafficmanager', 'access'] as const)(
    'mentions every parameter of infra/%s.json',
    (name) => {
      const markdown = readFileSync(path.join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
      const parameters = Object.keys(readTemplate(name).parameters);
      expectResult(
        `undocumented parameters of ${name}`,
        parameters.filter((p) => !markdown.includes(`\`${p}\``) && !markdown.includes(`${p}=`)),
        [],
      );
    },
  );
});

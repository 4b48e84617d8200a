import { describe, expect, it } from 'vitest';
import type { ArmNode } from './armExpression';
import { callsOf, expressionsIn, nodes, parseExpression } from './armExpression';
import type { ArmTemplate } from './templates';
import {
  TEMPLATE_NAMES,
  allResources,
  provenance,
  readParameters,
  readTemplate,
  secureParameters,
} from './templates';

/** The one comparison of this file: the whole result, labelled with the case. */
function expectResult(label: string, actual: unknown, expected: unknown): void {
  expect(actual, label).toStrictEqual(expected);
}

/** Properties of ARM responses that hold keys or key-bearing strings. */
const SECRET_PROPERTIES = [
  'connectionstring',
  'instrumentationkey',
  'primarykey',
  'secondarykey',
  'primaryconnectionstring',
  'secondaryconnectionstring',
  'masterkey',
  'functionkeys',
  'systemkeys',
  'keys',
];

/**
 * Why a value computed from these expressions could carry a secret: a secure parameter it reaches
 * (through variables too), a list*() call (listKeys, listSecrets, …) or a key-bearing property.
 */
function secretSources(template: ArmTemplate, texts: readonly string[]): string[] {
  const secure = secureParameters(template);
  const reasons = new Set<string>();
  const inspect = (tree: ArmNode): void => {
    for (const node of nodes(tree)) {
      if (node.kind === 'call' && node.name.toLowerCase().startsWith('list')) {
        reasons.add(`${node.name}()`);
      }
      if (node.kind === 'member' && SECRET_PROPERTIES.includes(node.property.toLowerCase())) {
        reasons.add(`.${node.property}`);
      }
    }
    for (const name of provenance(template, tree).parameters) {
      if (secure.includes(name)) reasons.add(`secure parameter ${name}`);
    }
    for (const name of provenance(template, tree).variables) {
      expressionsIn(template.variables[name]).forEach((text) => {
        for (const call of callsOf(parseExpression(text), 'list')) reasons.add(`${call.name}()`);
      });
    }
  };
  texts.forEach((text) => inspect(parseExpression(text)));
  return [...reasons].sort();
}

/** Secret sources of each output, only for outputs that have any. */
function leakingOutputs(template: ArmTemplate): Record<string, string[]> {
  const leaks: Record<string, string[]> = {};
  for (const [name, output] of Object.entries(template.outputs ?? {})) {
    const reasons = secretSources(template, expressionsIn(output.value));
    if (['securestring', 'secureobject'].includes(output.type.toLowerCase())) {
      reasons.push('secure output type');
    }
    if (reasons.length > 0) leaks[name] = reasons;
  }
  return leaks;
}

describe('secrets', () => {
  it.each(TEMPLATE_NAMES.map((name) => ({ label: `infra/${name}.json`, name })))(
    'no output of $label carries a secret',
    ({ label, name }) => {
      expectResult(label, leakingOutputs(readTemplate(name)), {});
    },
  );

  const leaks: {
    label: string;
    change: (t: ArmTemplate) => void;
    expected: Record<string, string[]>;
  }[] = [
    {
      label: 'the function key',
      change: (t) => {
        t.outputs.key = {
          type: 'string',
          value:
            "[listKeys(format('{0}/host/default', variables('siteId')), '2024-11-01').functionKeys.default]",
        };
      },
      expected: { key: ['.functionKeys', 'listKeys()'] },
    },
    {
      label: 'the webhook secret',
      change: (t) => {
        t.outputs.secret = { type: 'string', value: "[parameters('acrWebhookSecret')]" };
      },
      expected: { secret: ['secure parameter acrWebhookSecret'] },
    },
    {
      label: 'a secret passed through a variable',
      change: (t) => {
        t.variables.innocent = "[concat('x', parameters('poolSecrets').DB)]";
        t.outputs.innocent = { type: 'string', value: "[variables('innocent')]" };
      },
      expected: { innocent: ['secure parameter poolSecrets'] },
    },
    {
      label: 'the Application Insights connection string',
      change: (t) => {
        t.outputs.telemetry = {
          type: 'string',
          value: "[reference(variables('appInsightsId'), '2020-02-02').ConnectionString]",
        };
      },
      expected: { telemetry: ['.ConnectionString'] },
    },
    {
      label: 'a securestring output',
      change: (t) => {
        t.outputs.hidden = { type: 'securestring', value: "[parameters('appName')]" };
      },
      expected: { hidden: ['secure output type'] },
    },
  ];

  it.each(leaks)('the check catches an output with $label', ({ label, change, expected }) => {
    const copy = readTemplate('main');
    change(copy);
    expectResult(label, leakingOutputs(copy), expected);
  });

  it.each(TEMPLATE_NAMES.map((name) => ({ label: `infra/${name}.json`, name })))(
    'variables of $label never hold a secret (secrets stay inside resource properties)',
    ({ label, name }) => {
      const template = readTemplate(name);
      const holding = Object.entries(template.variables).flatMap(([variable, value]) =>
        secretSources(template, expressionsIn(value)).length > 0 ? [variable] : [],
      );
      expectResult(label, holding, []);
    },
  );

  it('the webhook secret reaches only the app setting and the webhook header', () => {
    const template = readTemplate('main');
    const carriers = allResources(template).flatMap((r) =>
      secretSources(template, expressionsIn(r.properties)).some((reason) =>
        reason.includes('acrWebhookSecret'),
      )
        ? [r.type]
        : [],
    );
    expectResult('resources that carry the webhook secret', carriers, [
      'config',
      'Microsoft.ContainerRegistry/registries/webhooks',
    ]);
  });

  it.each(TEMPLATE_NAMES.map((name) => ({ label: `infra/${name}`, name })))(
    'secure parameters of $label have no secret default and no value in the parameters file',
    ({ label, name }) => {
      const template = readTemplate(name);
      const given = readParameters(name).parameters;
      expectResult(
        label,
        secureParameters(template).map((p) => ({
          parameter: p,
          default: template.parameters[p]?.defaultValue,
          valueInParametersFile: given[p]?.value !== undefined,
        })),
        secureParameters(template).map((p) => ({
          parameter: p,
          default: template.parameters[p]?.type === 'secureObject' ? {} : undefined,
          valueInParametersFile: false,
        })),
      );
    },
  );
});
